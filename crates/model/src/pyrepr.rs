//! Python's `repr()` of a `str`, which Supervisor's messages embed through `%r`
//! (`can't find command '/x'`, `can't parse command 'a "b': No closing quotation`).

use std::fmt::Write as _;

/// `repr(s)` as CPython 3 prints it: single quotes unless the text contains `'` and no
/// `"`; backslash, the quote, `\t`, `\n`, `\r` escaped; other non-printable characters
/// as `\xNN` / `\uNNNN` / `\UNNNNNNNN`.
pub fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
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
    use super::py_repr;

    #[test]
    fn matches_cpython() {
        assert_eq!(py_repr("/x"), "'/x'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_repr("a\\b\n\t"), "'a\\\\b\\n\\t'");
        assert_eq!(py_repr("\u{1b}[0m"), "'\\x1b[0m'");
        assert_eq!(py_repr("öäü"), "'öäü'");
    }
}
