//! Reading one INI file the way Python's `configparser.RawConfigParser` does with
//! Supervisor's settings (`UnhosedConfigParser`: inline comments `;`/`#` only after
//! whitespace, `strict=False`, lower-cased keys, `=` or `:`, indented continuation
//! lines, blank lines kept inside values, `[DEFAULT]`).
//!
//! rust-ini cannot do this alone (crates.md A3: its inline-comment feature eats the
//! next key's first letter, continuation lines need indentation rules it does not
//! have, it has no line numbers, a `\` before a newline joins lines). So a line
//! scanner here applies configparser's `_read` rules line by line — that is where
//! comments, continuations, errors and line numbers are decided — and hands rust-ini
//! a canonical one-entry-per-line text to build the section/key structure from.
//! What comes out is a list of sections in file order, duplicates not yet merged
//! (merging is the raw layer's job, across included files too).

use std::path::Path;

use supervisor_model::py_repr;

use crate::error::ConfigError;

/// One `[name]` header occurrence and the options under it, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniSection {
    pub name: String,
    pub line: usize,
    pub entries: Vec<IniEntry>,
}

/// One `key = value` (continuation lines joined with `\n`), key lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniEntry {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// Parses INI text with configparser's rules. `file` is only used in errors.
pub fn parse(text: &str, file: &Path) -> Result<Vec<IniSection>, ConfigError> {
    let scanned = scan(text, file)?;
    let structured = through_rust_ini(&scanned)?;
    Ok(structured)
}

/// A value being accumulated: its lines, as configparser keeps them before joining.
struct PendingEntry {
    key: String,
    lines: Vec<String>,
    line: usize,
}

struct PendingSection {
    name: String,
    line: usize,
    entries: Vec<PendingEntry>,
}

/// configparser `_read`, line by line. Returns sections with their raw value lines.
fn scan(text: &str, file: &Path) -> Result<Vec<PendingSection>, ConfigError> {
    let mut sections: Vec<PendingSection> = Vec::new();
    // Whether an option is open for continuation lines (configparser's `optname`).
    let mut open_option = false;
    let mut indent_level = 0usize;
    let mut first_error: Option<ConfigError> = None;

    for (index, (line, ended)) in universal_lines(text).enumerate() {
        let lineno = index + 1;
        let mut comment_start = inline_comment_start(line);
        if line.trim().starts_with([';', '#']) {
            comment_start = Some(0);
        }
        let value = line[..comment_start.unwrap_or(line.len())].trim();
        if value.is_empty() {
            // A blank line (not a comment line) is part of an open value.
            if comment_start.is_none()
                && open_option
                && let Some(entry) = sections.last_mut().and_then(|s| s.entries.last_mut())
            {
                entry.lines.push(String::new());
            }
            continue;
        }
        let cur_indent = line.chars().take_while(|c| c.is_whitespace()).count();
        if !sections.is_empty() && open_option && cur_indent > indent_level {
            if let Some(entry) = sections.last_mut().and_then(|s| s.entries.last_mut()) {
                entry.lines.push(value.to_string());
            }
            continue;
        }
        indent_level = cur_indent;
        if let Some(name) = section_header(value) {
            sections.push(PendingSection {
                name: name.to_string(),
                line: lineno,
                entries: Vec::new(),
            });
            open_option = false;
            continue;
        }
        let Some(section) = sections.last_mut() else {
            return Err(ConfigError::NoSectionHeader {
                file: file.to_path_buf(),
                line: lineno,
                text: shown_line(line, ended),
            });
        };
        // OPTCRE: the shortest key before the first `=` or `:`.
        match value.find(['=', ':']) {
            Some(at) if !value[..at].trim_end().is_empty() && !value.starts_with('[') => {
                section.entries.push(PendingEntry {
                    key: value[..at].trim_end().to_lowercase(),
                    lines: vec![value[at + 1..].trim().to_string()],
                    line: lineno,
                });
                open_option = true;
            }
            _ => {
                // configparser keeps going and reports the bad lines at the end;
                // the first one is enough to point the user at the problem.
                first_error.get_or_insert(ConfigError::Syntax {
                    file: file.to_path_buf(),
                    line: lineno,
                    text: shown_line(line, ended),
                });
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(sections),
    }
}

/// A bad line as quoted in an error, unless it may hold a password.
/// Quoted as configparser does, `repr()` of the line with its `\n` (`ended`).
fn shown_line(line: &str, ended: bool) -> String {
    if line.to_lowercase().contains("password") {
        "<line redacted: it may hold a password>".to_string()
    } else if ended {
        py_repr(&format!("{line}\n"))
    } else {
        py_repr(line)
    }
}

/// Python's universal newlines: `\r\n`, `\r` and `\n` all end a line. Each line
/// comes with whether a line end followed it (Python's line keeps its `\n`).
fn universal_lines(text: &str) -> impl Iterator<Item = (&str, bool)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        let line = &rest[..end];
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            usize::from(end < rest.len())
        };
        rest = &rest[end + skip..];
        Some((line, skip > 0))
    })
}

/// configparser's inline-comment search, replicated exactly: each round looks at the
/// next occurrence of every prefix and stops at the first round where one of them
/// is preceded by whitespace (so `a;b #c` finds ` #c`, `a=b;c` keeps `b;c`).
fn inline_comment_start(line: &str) -> Option<usize> {
    let mut positions: Vec<(char, Option<usize>)> = vec![(';', None), ('#', None)];
    loop {
        let mut next = Vec::new();
        let mut found: Option<usize> = None;
        for &(prefix, previous) in &positions {
            let from = previous.map_or(0, |p| p + prefix.len_utf8());
            let Some(offset) = line[from..].find(prefix) else {
                continue;
            };
            let index = from + offset;
            next.push((prefix, Some(index)));
            let preceded_by_space = line[..index]
                .chars()
                .next_back()
                .is_none_or(char::is_whitespace);
            if preceded_by_space {
                found = Some(found.map_or(index, |f| f.min(index)));
            }
        }
        if found.is_some() || next.is_empty() {
            return found;
        }
        positions = next;
    }
}

/// SECTCRE `\[(?P<header>.+)\]` matched at the start: the header runs to the last `]`.
fn section_header(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('[')?;
    let close = inner.rfind(']')?;
    (close > 0).then(|| &inner[..close])
}

/// Marks the start of every value in the canonical text so rust-ini's trimming of
/// the first line cannot eat a leading newline (an empty first line).
const VALUE_MARK: char = '|';

/// Builds the canonical text (`[name]` then `key=|escaped value` lines), parses it
/// with rust-ini and pairs the result back with the scanned line numbers.
fn through_rust_ini(sections: &[PendingSection]) -> Result<Vec<IniSection>, ConfigError> {
    let mut text = String::new();
    // rust-ini folds sections of the same name into one multimap key; numbering the
    // headers keeps every occurrence apart and in order.
    for (index, section) in sections.iter().enumerate() {
        text.push_str(&format!("[{index}]\n"));
        for entry in &section.entries {
            let joined = entry.lines.join("\n");
            let value = joined.trim_end();
            text.push_str(&escape_key(&entry.key));
            text.push('=');
            text.push(VALUE_MARK);
            for c in value.chars() {
                match c {
                    '\\' => text.push_str("\\\\"),
                    '\n' => text.push_str("\\n"),
                    c => text.push(c),
                }
            }
            text.push('\n');
        }
    }
    let options = ini::ParseOption {
        enabled_quote: false,
        enabled_escape: true,
        enabled_indented_mutiline_value: false,
        enabled_preserve_key_leading_whitespace: false,
    };
    let parsed = ini::Ini::load_from_str_opt(&text, options).map_err(|e| ConfigError::Syntax {
        file: Default::default(),
        line: e.line,
        text: py_repr(&e.msg),
    })?;

    let mut out = Vec::with_capacity(sections.len());
    let mut by_index = parsed
        .iter()
        .filter_map(|(name, props)| name.map(|n| (n, props)));
    for (index, section) in sections.iter().enumerate() {
        let mut entries = Vec::with_capacity(section.entries.len());
        let props = match by_index.next() {
            Some((name, props)) if name == index.to_string() => Some(props),
            _ => None,
        };
        let pairs: Vec<(&str, &str)> = props.map(|p| p.iter().collect()).unwrap_or_default();
        if pairs.len() != section.entries.len() {
            return Err(internal_mismatch(section));
        }
        for (entry, (key, value)) in section.entries.iter().zip(pairs) {
            let value = value.strip_prefix(VALUE_MARK).unwrap_or(value);
            if key != entry.key {
                return Err(internal_mismatch(section));
            }
            entries.push(IniEntry {
                key: entry.key.clone(),
                value: value.to_string(),
                line: entry.line,
            });
        }
        out.push(IniSection {
            name: section.name.clone(),
            line: section.line,
            entries,
        });
    }
    Ok(out)
}

/// Keys may contain a backslash; with escapes on, rust-ini needs it doubled.
fn escape_key(key: &str) -> String {
    key.replace('\\', "\\\\")
}

fn internal_mismatch(section: &PendingSection) -> ConfigError {
    ConfigError::Syntax {
        file: Default::default(),
        line: section.line,
        text: py_repr(&format!(
            "[{}] could not be read back through rust-ini",
            section.name
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Entries = Vec<(String, Vec<(String, String, usize)>)>;

    fn entries(text: &str) -> Entries {
        parse(text, Path::new("t.conf"))
            .unwrap()
            .into_iter()
            .map(|s| {
                let e = s
                    .entries
                    .into_iter()
                    .map(|e| (e.key, e.value, e.line))
                    .collect();
                (s.name, e)
            })
            .collect()
    }

    fn kv(k: &str, v: &str, l: usize) -> (String, String, usize) {
        (k.into(), v.into(), l)
    }

    #[test]
    fn inline_comments_need_whitespace_before() {
        let got = entries("[a]\nx=b ;c\ny=b;c\nz = q # r\nw=a;b #c\n");
        assert_eq!(
            got,
            vec![(
                "a".into(),
                vec![
                    kv("x", "b", 2),
                    kv("y", "b;c", 3),
                    kv("z", "q", 4),
                    kv("w", "a;b", 5)
                ]
            )]
        );
        assert_eq!(
            entries("[p]\ncommand=bash -c 'foo ; bar'\n")[0].1[0].1,
            "bash -c 'foo"
        );
    }

    #[test]
    fn python_round_quirk_in_comment_search() {
        // `;` at 1 (no space), `#` at 3 (no space); round 2: `;` at 10 valid, `#` at
        // 6 valid -> min is 6. configparser agrees because both are in round 2.
        assert_eq!(inline_comment_start("a;b#c #d ;e"), Some(6));
        // `;`: 1 (no), 10 (yes); `#`: 3 (no), 4 (no), 7 (yes, but only in round 3):
        // configparser stops at round 2 and cuts at 10, not at the earlier 7.
        assert_eq!(inline_comment_start("a;b##c #x ;z"), Some(10));
        assert_eq!(inline_comment_start("abc"), None);
    }

    #[test]
    fn continuation_lines_and_blank_lines() {
        let got = entries("[a]\nenv=\n  A=1,\n\n  B=2\n\nnext: v\n   cont ; comment\n");
        assert_eq!(
            got[0].1,
            vec![kv("env", "\nA=1,\n\nB=2", 2), kv("next", "v\ncont", 7)]
        );
    }

    #[test]
    fn keys_lowercased_colon_and_values_verbatim() {
        let got = entries("[Prog]\nCoMmAnd : /bin/x \"a b\" 'c' \\n\\\nKEY=a:b=c\n");
        assert_eq!(
            got,
            vec![(
                "Prog".into(),
                vec![
                    kv("command", "/bin/x \"a b\" 'c' \\n\\", 2),
                    kv("key", "a:b=c", 3)
                ]
            )]
        );
    }

    #[test]
    fn duplicate_sections_stay_separate_here() {
        let got = entries("[a]\nx=1\n[b]\n[a]\nx=2\n");
        assert_eq!(got.len(), 3);
        assert_eq!(got[2].1, vec![kv("x", "2", 5)]);
    }

    #[test]
    fn section_header_runs_to_last_bracket() {
        let got = entries("[a]b] trailing\nk=v\n[DEFAULT]\n");
        assert_eq!(got[0].0, "a]b");
        assert_eq!(got[1].0, "DEFAULT");
    }

    #[test]
    fn errors_carry_line_numbers() {
        let e = parse("x=1\n", Path::new("f.conf")).unwrap_err();
        assert!(
            matches!(e, ConfigError::NoSectionHeader { line: 1, .. }),
            "{e}"
        );
        let e = parse("[a]\nok=1\njunk line\n", Path::new("f.conf")).unwrap_err();
        assert!(matches!(e, ConfigError::Syntax { line: 3, .. }), "{e}");
        // configparser's wording: the line's repr, its newline included.
        assert_eq!(
            e.to_string(),
            "Source contains parsing errors: 'f.conf'\n\t[line  3]: 'junk line\\n'"
        );
        let e = parse("[a]\nit's bad", Path::new("f.conf")).unwrap_err();
        assert!(e.to_string().ends_with("[line  2]: \"it's bad\""), "{e}");
        let e = parse("x=1\n", Path::new("f.conf")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "File contains no section headers.\nfile: 'f.conf', line: 1\n'x=1\\n'"
        );
        let e = parse("[a]\n=1\n", Path::new("f.conf")).unwrap_err();
        assert!(matches!(e, ConfigError::Syntax { line: 2, .. }), "{e}");
    }

    #[test]
    fn crlf_and_cr_line_endings() {
        let got = entries("[a]\r\nx=1\r\ny=2\rz=3");
        assert_eq!(
            got[0].1,
            vec![kv("x", "1", 2), kv("y", "2", 3), kv("z", "3", 4)]
        );
    }
}
