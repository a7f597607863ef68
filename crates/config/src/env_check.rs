//! What Supervisor's `environment=` parser (datatypes.py `dict_of_key_value_pairs`)
//! drops without a word, found so we can say it. It reads `KEY`, `=`, `VALUE` and
//! then one token it never looks at, so:
//!
//! * an unquoted value ends at the first character that is not a letter, a digit or
//!   one of `_/.+-():`, and the token after it is thrown away
//!   (`PYTHONPATH=$PYTHONPATH:/home/x` keeps `PYTHONPATH=$`; `A=hello world` keeps
//!   `A=hello`);
//! * every quote character at either end of a value is stripped, not only a pair
//!   around it (`A=abc"` keeps `abc`, `A="'x'"` keeps `x`);
//! * `#` starts a comment to the end of the line, even inside an unquoted word
//!   (`A=abc#def,B=1` keeps only `A=abc`).
//!
//! Supervisor keeps what it keeps and so do we ([`crate::env::parse`] is unchanged);
//! these findings become warnings. A separator other than `,` that still separates
//! two pairs (`A=1;B=2`) loses nothing and is not reported.

use crate::env::{Lexed, lex};

/// Something the parser dropped from a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loss {
    /// Text after a value, swallowed as the separator.
    AfterValue {
        key: String,
        kept: String,
        dropped: String,
    },
    /// Quote characters stripped beyond a matching pair.
    Quotes {
        key: String,
        kept: String,
        written: String,
    },
    /// Text read as a comment.
    Comment { text: String },
}

fn is_quote(c: char) -> bool {
    c == '\'' || c == '"'
}

/// What parsing `value` drops. Meant for values that parse; a value that does
/// not is an error anyway.
pub fn losses(value: &str) -> Vec<Loss> {
    let Ok(Lexed { tokens, comments }) = lex(value) else {
        return Vec::new();
    };
    let chars: Vec<char> = value.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while tokens.len() - i >= 3 && tokens[i + 1].text == "=" {
        let key = tokens[i].text.clone();
        let written = &tokens[i + 2];
        let kept = written.text.trim_matches(is_quote).to_string();
        let quoted = written.text.starts_with(is_quote);
        let inner = if quoted {
            let n = written.text.chars().count();
            written
                .text
                .chars()
                .skip(1)
                .take(n.saturating_sub(2))
                .collect()
        } else {
            written.text.clone()
        };
        if inner != kept {
            out.push(Loss::Quotes {
                key: key.clone(),
                kept: kept.clone(),
                written: written.text.clone(),
            });
        }
        if let Some(sep) = tokens.get(i + 3) {
            let more = tokens.len() > i + 4;
            let one_punct = sep.text.chars().count() == 1
                && !sep
                    .text
                    .starts_with(|c: char| c.is_ascii_alphanumeric() || is_quote(c));
            if sep.text != "," && !(more && one_punct) {
                let dropped: String = chars[written.end.min(chars.len())..sep.end.min(chars.len())]
                    .iter()
                    .collect();
                out.push(Loss::AfterValue {
                    key,
                    kept,
                    dropped: dropped.trim().to_string(),
                });
            }
        }
        i += 4;
        if i >= tokens.len() {
            break;
        }
    }
    out.extend(comments.into_iter().map(|text| Loss::Comment { text }));
    out
}

/// Environment variable names whose values must not reach a log.
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "PASS",
        "SECRET",
        "TOKEN",
        "KEY",
        "CREDENTIAL",
        "AUTH",
        "PRIVATE",
    ]
    .iter()
    .any(|w| upper.contains(w))
}

fn shown(text: &str, secret: bool) -> String {
    if secret {
        format!("<{} characters, not shown>", text.chars().count())
    } else {
        text.to_string()
    }
}

/// The sentence for one loss; `secret` hides every value (a secret-looking name
/// is in the same `environment=`).
pub fn describe(loss: &Loss, secret: bool) -> String {
    match loss {
        Loss::AfterValue { key, kept, dropped } => {
            let secret = secret || looks_secret(key);
            let hint = if kept.contains('$') || dropped.contains('$') {
                " (Supervisor does not expand $NAME; %(ENV_NAME)s inserts a variable)"
            } else {
                ""
            };
            format!(
                "Supervisor's parser keeps {key}={} and drops '{}' after it: an unquoted \
                 value ends at the first character that is not a letter, a digit or one of \
                 _/.+-():; quote the value to keep it whole{hint}",
                shown(kept, secret),
                shown(dropped, secret)
            )
        }
        Loss::Quotes { key, kept, written } => {
            let secret = secret || looks_secret(key);
            format!(
                "Supervisor's parser keeps {key}={}: it strips every quote character from \
                 the ends of {}",
                shown(kept, secret),
                shown(written, secret)
            )
        }
        Loss::Comment { text } => format!(
            "Supervisor's parser reads '{}' as a comment and drops it; quote a value that \
             contains #",
            shown(text, secret)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Plain pairs (word characters, or double-quoted text) lose nothing.
        #[test]
        fn plain_pairs_lose_nothing(pairs in prop::collection::vec(
            ("[A-Z_][A-Z0-9_]{0,6}", prop_oneof!["[a-z0-9/.+:()-]{1,8}", "\"[^\"'#]{0,8}\""]),
            0..5,
        )) {
            let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            prop_assert_eq!(losses(&text.join(",")), vec![]);
        }

        /// Whatever the input, looking never panics.
        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = losses(&s);
        }
    }

    fn after(key: &str, kept: &str, dropped: &str) -> Loss {
        Loss::AfterValue {
            key: key.into(),
            kept: kept.into(),
            dropped: dropped.into(),
        }
    }

    #[test]
    fn what_supervisor_drops() {
        assert_eq!(
            losses("PYTHONPATH=$PYTHONPATH:/home/x"),
            [after("PYTHONPATH", "$", "PYTHONPATH:/home/x")]
        );
        assert_eq!(losses("A=hello world"), [after("A", "hello", "world")]);
        assert_eq!(losses("A=x*"), [after("A", "x", "*")]);
        assert_eq!(losses("A=x y z=1"), [after("A", "x", "y")]);
        assert_eq!(
            losses("A=abc\""),
            [Loss::Quotes {
                key: "A".into(),
                kept: "abc".into(),
                written: "abc\"".into()
            }]
        );
        assert_eq!(
            losses("A=\"'x'\""),
            [Loss::Quotes {
                key: "A".into(),
                kept: "x".into(),
                written: "\"'x'\"".into()
            }]
        );
        assert_eq!(
            losses("A=abc#def,B=1"),
            [Loss::Comment {
                text: "#def,B=1".into()
            }]
        );
    }

    #[test]
    fn what_loses_nothing() {
        for fine in [
            "A=1,B=2",
            "A=1;B=2",
            "A=1,",
            "A=\"x y, z\",B='q'",
            "A=/usr/bin:/bin",
            "A=\"\"",
            "",
        ] {
            assert_eq!(losses(fine), [], "{fine}");
        }
        // Errors are reported by the parser, not here.
        assert_eq!(losses("A='x"), []);
    }

    #[test]
    fn descriptions_name_what_was_kept_and_hide_secrets() {
        let text = describe(&after("PYTHONPATH", "$", "PYTHONPATH:/home/x"), false);
        assert!(
            text.starts_with(
                "Supervisor's parser keeps PYTHONPATH=$ and drops 'PYTHONPATH:/home/x' after it"
            ),
            "{text}"
        );
        assert!(text.contains("%(ENV_NAME)s"));
        let text = describe(&after("DB_PASSWORD", "abc", "def"), false);
        assert!(!text.contains("abc") && !text.contains("def"), "{text}");
        assert!(text.contains("DB_PASSWORD=<3 characters, not shown>"));
        let text = describe(&Loss::Comment { text: "#x".into() }, true);
        assert!(!text.contains("#x"));
    }
}
