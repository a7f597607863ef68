//! `environment=KEY=val,KEY2="v,al"` (datatypes.py `dict_of_key_value_pairs`, 4.3.0):
//! Python's `shlex.shlex` in non-POSIX mode with `/.+-():` added to the word
//! characters, consumed as `KEY`, `=`, `VALUE`, then one separator token that is
//! never checked. Replicated quirk for quirk (datatypes.py `dict_of_key_value_pairs`): quotes stay part of a
//! token and are stripped from values only, `#` starts a comment, `A=a@b` fails.

/// Why a value is not a valid list of pairs (Supervisor's wording).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvError(pub String);

/// Parses the pairs in order; a repeated key keeps its first position and takes
/// the last value (a Python dict).
pub fn parse(value: &str) -> Result<Vec<(String, String)>, EnvError> {
    let tokens = tokenize(value)?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens.len() - i < 3 || tokens[i + 1] != "=" {
            return Err(EnvError(format!(
                "Unexpected end of key/value pairs in value '{value}'"
            )));
        }
        let key = tokens[i].clone();
        let val = tokens[i + 2].trim_matches(['\'', '"']).to_string();
        match pairs.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => *slot = val,
            None => pairs.push((key, val)),
        }
        i += 4;
    }
    Ok(pairs)
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || "/.+-():".contains(c)
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Between,
    Word,
    Quoted(char),
    Eof,
}

/// A token and the char range of the value it was read from (comments skipped
/// inside it included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// The tokens of a value and the comments the lexer skipped (each from its `#`
/// to the end of its line, newline excluded).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lexed {
    pub tokens: Vec<Token>,
    pub comments: Vec<String>,
}

/// `list(shlex.shlex(value))` with `posix=False` (shlex.py `read_token`).
pub fn tokenize(value: &str) -> Result<Vec<String>, EnvError> {
    Ok(lex(value)?.tokens.into_iter().map(|t| t.text).collect())
}

/// [`tokenize`], keeping where each token stands and what was read as a comment.
pub fn lex(value: &str) -> Result<Lexed, EnvError> {
    let chars: Vec<char> = value.chars().collect();
    let mut pos = 0;
    let mut state = State::Between;
    // shlex's `pushback` holds whole tokens: a punctuation char that ends a word is
    // pushed back and returned as the next token by itself.
    let mut pushback: Option<Token> = None;
    let mut out = Lexed::default();
    loop {
        if let Some(t) = pushback.take() {
            out.tokens.push(t);
            continue;
        }
        let mut token = String::new();
        let (mut start, mut end) = (pos, pos);
        loop {
            let next = chars.get(pos).copied();
            pos += 1;
            match state {
                State::Eof => break,
                State::Between => match next {
                    None => {
                        state = State::Eof;
                        break;
                    }
                    Some(c) if is_space(c) => continue,
                    Some('#') => out.comments.push(skip_line(&chars, &mut pos)),
                    Some(c) if is_word(c) => {
                        start = pos - 1;
                        token.push(c);
                        end = pos;
                        state = State::Word;
                    }
                    Some(c @ ('\'' | '"')) => {
                        start = pos - 1;
                        token.push(c);
                        end = pos;
                        state = State::Quoted(c);
                    }
                    Some(c) => {
                        start = pos - 1;
                        token.push(c);
                        end = pos;
                        break;
                    }
                },
                State::Quoted(q) => match next {
                    None => return Err(EnvError("No closing quotation".into())),
                    Some(c) => {
                        token.push(c);
                        end = pos;
                        if c == q {
                            state = State::Between;
                            break;
                        }
                    }
                },
                State::Word => match next {
                    None => {
                        state = State::Eof;
                        break;
                    }
                    Some(c) if is_space(c) => {
                        state = State::Between;
                        break;
                    }
                    // Non-POSIX: the comment is skipped and the word goes on.
                    Some('#') => out.comments.push(skip_line(&chars, &mut pos)),
                    Some(c) if is_word(c) || c == '\'' || c == '"' => {
                        token.push(c);
                        end = pos;
                    }
                    Some(c) => {
                        pushback = Some(Token {
                            text: c.to_string(),
                            start: pos - 1,
                            end: pos,
                        });
                        state = State::Between;
                        break;
                    }
                },
            }
        }
        // The empty token is shlex's end of input (non-POSIX `eof` is '').
        if token.is_empty() {
            return Ok(out);
        }
        out.tokens.push(Token {
            text: token,
            start,
            end,
        });
    }
}

/// shlex `readline()` after a comment char: consume through the newline; returns
/// the comment from its `#`, without the newline.
fn skip_line(chars: &[char], pos: &mut usize) -> String {
    let mut comment = String::from("#");
    while let Some(&c) = chars.get(*pos) {
        *pos += 1;
        if c == '\n' {
            break;
        }
        comment.push(c);
    }
    comment
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(v: &str) -> Vec<(String, String)> {
        parse(v).unwrap()
    }

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn observed_4_3_0_behaviour() {
        assert_eq!(
            ok("KEY=val,KEY2=\"v,al\",KEY3='x'"),
            p(&[("KEY", "val"), ("KEY2", "v,al"), ("KEY3", "x")])
        );
        assert_eq!(ok("A=/usr/bin:/bin"), p(&[("A", "/usr/bin:/bin")]));
        assert_eq!(ok("A=1.5e+3"), p(&[("A", "1.5e+3")]));
        assert_eq!(ok("A=\"\""), p(&[("A", "")]));
        assert_eq!(ok("A=1;B=2"), p(&[("A", "1"), ("B", "2")]));
        assert_eq!(ok("A=foo bar"), p(&[("A", "foo")]));
        assert_eq!(ok(""), p(&[]));
        assert_eq!(ok("A=1,A=2,B=3"), p(&[("A", "2"), ("B", "3")]));
        assert_eq!(ok("A=x#comment"), p(&[("A", "x")]));
        assert_eq!(ok("A=x#c\ny"), p(&[("A", "xy")]));
        assert_eq!(ok("A=ab\"cd\""), p(&[("A", "ab\"cd")]));
        for bad in ["A=a@b", "A=x=y", "A=", "A", "=1", "A=1,B"] {
            let e = parse(bad).unwrap_err();
            assert_eq!(
                e.0,
                format!("Unexpected end of key/value pairs in value '{bad}'")
            );
        }
        assert_eq!(parse("A='x").unwrap_err().0, "No closing quotation");
    }

    #[test]
    fn tokens_like_shlex() {
        assert_eq!(
            tokenize("a=b, c = 'd e'").unwrap(),
            ["a", "=", "b", ",", "c", "=", "'d e'"]
        );
        assert_eq!(tokenize("x@y").unwrap(), ["x", "@", "y"]);
    }

    proptest! {
        /// Unquoted values made of word characters parse back exactly.
        #[test]
        fn simple_pairs_round_trip(pairs in prop::collection::vec(("[A-Z_][A-Z0-9_]{0,6}", "[a-z0-9/.+:()-]{1,8}"), 0..5)) {
            let mut expected: Vec<(String, String)> = Vec::new();
            for (k, v) in &pairs {
                match expected.iter_mut().find(|(ek, _)| ek == k) {
                    Some((_, slot)) => *slot = v.clone(),
                    None => expected.push((k.clone(), v.clone())),
                }
            }
            let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            prop_assert_eq!(parse(&text.join(",")).unwrap(), expected);
        }

        /// Double-quoted values may hold anything but a double quote.
        #[test]
        fn quoted_values_keep_commas_and_spaces(v in "[^\"]{0,12}") {
            let got = parse(&format!("K=\"{v}\"")).unwrap();
            prop_assert_eq!(got, vec![("K".to_string(), v.trim_matches(['\'', '"']).to_string())]);
        }

        /// Whatever the input, parsing never panics.
        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = parse(&s);
        }
    }
}
