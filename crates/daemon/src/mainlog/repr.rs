//! Python's `repr()` of `bytes` and `str`, as Supervisor's log lines and messages embed
//! them (`'<name>' stdout output:`, `Undecodable: b'\x88\n'`, `%r` in error messages).
//! Spec §11. Pure functions; nothing here writes anywhere.

use std::fmt::Write as _;

/// The quote CPython picks: `'` unless the text contains `'` and no `"`.
fn pick_quote(has_single: bool, has_double: bool) -> char {
    if has_single && !has_double { '"' } else { '\'' }
}

/// Bytes as Supervisor's messages and event payloads carry them (its `as_string`
/// with a fallback): UTF-8 text, else `Undecodable: b'…'`.
pub fn python_text(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => format!("Undecodable: {}", python_repr_bytes(b)),
    }
}

/// `repr(b)` for Python `bytes`: `b'...'`. Bytes 0x20–0x7e are literal except `\`
/// (`\\`) and the quote; tab, LF, CR are `\t \n \r`; everything else is `\xNN`
/// (lower-case hex).
pub fn python_repr_bytes(b: &[u8]) -> String {
    let quote = pick_quote(b.contains(&b'\''), b.contains(&b'"')) as u8;
    let mut out = String::with_capacity(b.len() + 3);
    out.push('b');
    out.push(quote as char);
    for &byte in b {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if byte == quote => {
                out.push('\\');
                out.push(byte as char);
            }
            0x20..=0x7e => out.push(byte as char),
            _ => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    out.push(quote as char);
    out
}

/// `repr(s)` for a Python `str`: quotes chosen as for bytes; `\\`, the quote, `\t \n \r`
/// escaped; other non-printable characters as `\xNN`, `\uNNNN` or `\UNNNNNNNN`;
/// printable non-ASCII characters are kept (`'test_öäü'`).
pub fn python_repr_str(s: &str) -> String {
    // One implementation of Python's str repr, shared with config and sys.
    supervisor_model::py_repr(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_like_cpython() {
        assert_eq!(python_repr_bytes(b""), "b''");
        assert_eq!(python_repr_bytes(b"\x88\n"), "b'\\x88\\n'");
        assert_eq!(
            python_repr_bytes(b"RESULT 2\nOKREADY\n"),
            "b'RESULT 2\\nOKREADY\\n'"
        );
        assert_eq!(python_repr_bytes(b"a\\b\t\r"), "b'a\\\\b\\t\\r'");
        assert_eq!(
            python_repr_bytes(b"\x00\x1f\x7f\xff"),
            "b'\\x00\\x1f\\x7f\\xff'"
        );
        assert_eq!(python_repr_bytes(b"\x1b[0m"), "b'\\x1b[0m'");
    }

    #[test]
    fn bytes_quote_selection() {
        // ' only: switch to double quotes, ' stays literal.
        assert_eq!(python_repr_bytes(b"it's"), "b\"it's\"");
        // " only: single quotes, " literal.
        assert_eq!(python_repr_bytes(b"say \"hi\""), "b'say \"hi\"'");
        // both: single quotes, ' escaped, " literal.
        assert_eq!(python_repr_bytes(b"'\""), "b'\\'\"'");
    }

    #[test]
    fn str_like_cpython() {
        assert_eq!(python_repr_str("foo"), "'foo'");
        assert_eq!(python_repr_str("test_öäü"), "'test_öäü'");
        assert_eq!(python_repr_str("it's"), "\"it's\"");
        assert_eq!(python_repr_str("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(python_repr_str("a\\b\n\t\r"), "'a\\\\b\\n\\t\\r'");
        assert_eq!(python_repr_str("\u{1b}[0m\u{7f}"), "'\\x1b[0m\\x7f'");
        assert_eq!(python_repr_str("\u{85}\u{a0}\u{ad}"), "'\\x85\\xa0\\xad'");
        assert_eq!(
            python_repr_str("\u{2028}\u{200b}\u{3000}"),
            "'\\u2028\\u200b\\u3000'"
        );
        assert_eq!(python_repr_str("\u{feff}\u{e000}"), "'\\ufeff\\ue000'");
        assert_eq!(python_repr_str("\u{10ffff}"), "'\\U0010ffff'");
        assert_eq!(python_repr_str("日本 😀"), "'日本 😀'");
    }
}
