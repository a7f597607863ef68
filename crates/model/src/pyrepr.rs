//! Python's `repr()` of a `str` and of `bytes`, which Supervisor's messages and log
//! lines embed through `%r` (`can't find command '/x'`, `'web' stdout output:`,
//! `Undecodable: b'\x88\n'`), and its `as_string` of bytes ([`py_text`]).

use std::fmt::Write as _;

/// The quote CPython picks: `'` unless the text contains `'` and no `"`.
fn pick_quote(has_single: bool, has_double: bool) -> char {
    if has_single && !has_double { '"' } else { '\'' }
}

/// Bytes as Supervisor's messages and event payloads carry them (its `as_string`
/// with a fallback): UTF-8 text, else `Undecodable: b'…'`.
pub fn py_text(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => format!("Undecodable: {}", py_repr_bytes(b)),
    }
}

/// `repr(b)` for Python `bytes`: `b'...'`. Bytes 0x20–0x7e are literal except `\`
/// (`\\`) and the quote; tab, LF, CR are `\t \n \r`; everything else is `\xNN`
/// (lower-case hex).
pub fn py_repr_bytes(b: &[u8]) -> String {
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

/// `repr(s)` as CPython 3 prints it: single quotes unless the text contains `'` and no
/// `"`; backslash, the quote, `\t`, `\n`, `\r` escaped; other non-printable characters
/// as `\xNN` / `\uNNNN` / `\UNNNNNNNN`.
pub fn py_repr(s: &str) -> String {
    let quote = pick_quote(s.contains('\''), s.contains('"'));
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c => {
                let n = u32::from(c);
                // Writing to a String cannot fail.
                let _ = match n {
                    0..=0xff => write!(out, "\\x{n:02x}"),
                    0x100..=0xffff => write!(out, "\\u{n:04x}"),
                    _ => write!(out, "\\U{n:08x}"),
                };
            }
        }
    }
    out.push(quote);
    out
}

/// An approximation of `str.isprintable()`: control characters (C0, DEL, C1), the
/// no-break and soft-hyphen specials, separators and surrogate/private/unassigned
/// planes are not printable; everything else is.
fn is_printable(c: char) -> bool {
    !matches!(u32::from(c),
        0..=0x1f | 0x7f..=0xa0 | 0xad | 0x2028 | 0x2029 | 0x200b..=0x200f | 0x2060..=0x2064
        | 0xfeff | 0xe000..=0xf8ff | 0xfff9..=0xfffb | 0xf0000..)
        && c != '\u{1680}'
        && !matches!(u32::from(c), 0x2000..=0x200a | 0x202f | 0x205f | 0x3000)
}

#[cfg(test)]
mod tests {
    use super::{py_repr, py_repr_bytes, py_text};

    #[test]
    fn matches_cpython() {
        assert_eq!(py_repr("/x"), "'/x'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_repr("a\\b\n\t"), "'a\\\\b\\n\\t'");
        assert_eq!(py_repr("\u{1b}[0m"), "'\\x1b[0m'");
        assert_eq!(py_repr("öäü"), "'öäü'");
    }

    #[test]
    fn bytes_like_cpython() {
        assert_eq!(py_repr_bytes(b""), "b''");
        assert_eq!(py_repr_bytes(b"\x88\n"), "b'\\x88\\n'");
        assert_eq!(
            py_repr_bytes(b"RESULT 2\nOKREADY\n"),
            "b'RESULT 2\\nOKREADY\\n'"
        );
        assert_eq!(py_repr_bytes(b"a\\b\t\r"), "b'a\\\\b\\t\\r'");
        assert_eq!(
            py_repr_bytes(b"\x00\x1f\x7f\xff"),
            "b'\\x00\\x1f\\x7f\\xff'"
        );
        assert_eq!(py_repr_bytes(b"\x1b[0m"), "b'\\x1b[0m'");
    }

    #[test]
    fn bytes_quote_selection() {
        // ' only: switch to double quotes, ' stays literal.
        assert_eq!(py_repr_bytes(b"it's"), "b\"it's\"");
        // " only: single quotes, " literal.
        assert_eq!(py_repr_bytes(b"say \"hi\""), "b'say \"hi\"'");
        // both: single quotes, ' escaped, " literal.
        assert_eq!(py_repr_bytes(b"'\""), "b'\\'\"'");
    }

    #[test]
    fn str_like_cpython() {
        assert_eq!(py_repr("foo"), "'foo'");
        assert_eq!(py_repr("test_öäü"), "'test_öäü'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_repr("a\\b\n\t\r"), "'a\\\\b\\n\\t\\r'");
        assert_eq!(py_repr("\u{1b}[0m\u{7f}"), "'\\x1b[0m\\x7f'");
        assert_eq!(py_repr("\u{85}\u{a0}\u{ad}"), "'\\x85\\xa0\\xad'");
        assert_eq!(
            py_repr("\u{2028}\u{200b}\u{3000}"),
            "'\\u2028\\u200b\\u3000'"
        );
        assert_eq!(py_repr("\u{feff}\u{e000}"), "'\\ufeff\\ue000'");
        assert_eq!(py_repr("\u{10ffff}"), "'\\U0010ffff'");
        assert_eq!(py_repr("日本 😀"), "'日本 😀'");
    }

    #[test]
    fn text_or_undecodable() {
        assert_eq!(py_text(b"caf\xc3\xa9"), "caf\u{e9}");
        assert_eq!(py_text(b"\x88\n"), "Undecodable: b'\\x88\\n'");
    }
}
