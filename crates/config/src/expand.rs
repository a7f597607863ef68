//! `%(name)s` expansion: Python's `value % dict` (options.py `expand`), with the
//! names Supervisor offers each option. Every printf conversion Python accepts with a mapping works
//! (`%(process_num)02d`, `%(here)r`, `%%`); the error texts are Supervisor's. One
//! deliberate difference: a conversion without a `(name)` (a bare `%s`) is an error
//! here, where Python would print the whole dict (listed in crates/config/README.md).

use std::collections::BTreeMap;

use crate::printf::{ExpValue, FormatError, Spec, convert, pad};

/// The expansion dict; sorted, as Supervisor lists the available names sorted.
pub type Expansions = BTreeMap<String, ExpValue>;

/// Expands `text` with `names`; `what` is `section.option` for the error message.
/// The error is Supervisor's full sentence (`Format string ... for ...`).
pub fn expand(text: &str, names: &Expansions, what: &str) -> Result<String, String> {
    format(text, names).map_err(|e| match e {
        FormatError::Missing(name) => {
            let available: Vec<&str> = names.keys().map(String::as_str).collect();
            format!(
                "Format string {} for {} contains names ({}) which cannot be expanded. Available names: {}",
                py_repr(text),
                py_repr(what),
                py_repr(&name),
                available.join(", ")
            )
        }
        FormatError::Bad(msg) => format!(
            "Format string {} for {} is badly formatted: {msg}",
            py_repr(text),
            py_repr(what)
        ),
    })
}

fn format(text: &str, names: &Expansions) -> Result<String, FormatError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let percent = i;
        i += 1;
        let mut key = None;
        if chars.get(i) == Some(&'(') {
            // Python counts nested parentheses inside the key.
            let mut depth = 1;
            let key_start = i + 1;
            i += 1;
            while i < chars.len() && depth > 0 {
                match chars[i] {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            if depth > 0 {
                return Err(FormatError::Bad("incomplete format key".into()));
            }
            key = Some(chars[key_start..i - 1].iter().collect::<String>());
        }
        let mut spec = Spec::default();
        while let Some(&c) = chars.get(i) {
            match c {
                '-' => spec.left = true,
                '0' => spec.zero = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '#' => spec.alt = true,
                _ => break,
            }
            i += 1;
        }
        if chars.get(i) == Some(&'*') {
            return Err(FormatError::Bad("* wants int".into()));
        }
        spec.width = digits(&chars, &mut i);
        // Python fails only when the padding cannot be allocated; a config value
        // has no use for megabytes of padding, so refuse it before allocating.
        if spec.width > MAX_WIDTH {
            return Err(FormatError::Bad("width too big".into()));
        }
        if chars.get(i) == Some(&'.') {
            i += 1;
            if chars.get(i) == Some(&'*') {
                return Err(FormatError::Bad("* wants int".into()));
            }
            let precision = digits(&chars, &mut i);
            if precision > MAX_WIDTH {
                return Err(FormatError::Bad("precision too big".into()));
            }
            spec.precision = Some(precision);
        }
        while matches!(chars.get(i), Some('h' | 'l' | 'L')) {
            i += 1;
        }
        let Some(&conv) = chars.get(i) else {
            return Err(FormatError::Bad("incomplete format".into()));
        };
        let conv_index = i;
        i += 1;
        // Only a bare `%%` is a literal; `%5%`, `%(n)%` are errors in Python 3.
        if conv == '%' && conv_index == percent + 1 {
            out.push('%');
            continue;
        }
        let Some(key) = key else {
            return Err(FormatError::Bad("format requires a mapping".into()));
        };
        let value = names.get(&key).ok_or(FormatError::Missing(key))?;
        let body = convert(conv, value, &spec, conv_index)?;
        out.push_str(&pad(body, &spec, conv));
    }
    Ok(out)
}

/// The largest width or precision accepted in a conversion.
const MAX_WIDTH: usize = 1 << 16;

fn digits(chars: &[char], i: &mut usize) -> usize {
    let mut n = 0usize;
    while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
        n = n.saturating_mul(10).saturating_add(d as usize);
        *i += 1;
    }
    n
}

/// Python's `repr(str)`: one implementation, in the vocabulary crate.
use supervisor_model::py_repr;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn names() -> Expansions {
        let mut m = Expansions::new();
        m.insert("program_name".into(), ExpValue::Str("web".into()));
        m.insert("process_num".into(), ExpValue::Int(3));
        m.insert("here".into(), ExpValue::Str("/etc".into()));
        m
    }

    fn ok(text: &str) -> String {
        expand(text, &names(), "program:web.command").unwrap()
    }

    #[test]
    fn conversions_like_python() {
        assert_eq!(ok("%(program_name)s-%(process_num)02d"), "web-03");
        assert_eq!(
            ok("%(process_num)d %(process_num)s %(process_num)x"),
            "3 3 3"
        );
        assert_eq!(ok("%(process_num)5d|%(process_num)-5d|"), "    3|3    |");
        assert_eq!(
            ok("%(process_num)+d %(process_num)#o %(process_num)#x"),
            "+3 0o3 0x3"
        );
        assert_eq!(
            ok("%(process_num).3d %(program_name).2s %(program_name)5s"),
            "003 we   web"
        );
        assert_eq!(ok("%(here)r 100%%"), "'/etc' 100%");
        assert_eq!(ok("%(process_num).2f %(process_num)e"), "3.00 3.000000e+00");
        assert_eq!(ok("no percent"), "no percent");
    }

    #[test]
    fn printf_table_from_cpython() {
        let mut m = Expansions::new();
        m.insert("n".into(), ExpValue::Int(7));
        m.insert("s".into(), ExpValue::Str("héllo".into()));
        m.insert("neg".into(), ExpValue::Int(-42));
        m.insert("big".into(), ExpValue::Int(12_345_678));
        // Outputs of CPython 3.11 for `fmt % {"n": 7, "s": "héllo", "neg": -42, "big": 12345678}`.
        let table = [
            ("%(n)05.3d", "00007"),
            ("%(n)-05d", "7    "),
            ("%(n)+05d", "+0007"),
            ("%(n) d", " 7"),
            ("%(n)#5x", "  0x7"),
            ("%(n)#05x", "0x007"),
            ("%(n)#o", "0o7"),
            ("%(n)5s", "    7"),
            ("%(n)-5s|", "7    |"),
            ("%(n).1s", "7"),
            ("%(s)5.2s", "   hé"),
            ("%(s)r", "'héllo'"),
            ("%(n)5.1f", "  7.0"),
            ("%(n)08.2f", "00007.00"),
            ("%(n)g", "7"),
            ("%(n)G", "7"),
            ("%(n)10.3e", " 7.000e+00"),
            ("%(neg)05d", "-0042"),
            ("%(neg)x", "-2a"),
            ("%(neg)+d", "-42"),
            ("%(s)-8s|", "héllo   |"),
            ("%(n)c", "\x07"),
            ("%(n)i", "7"),
            ("%(n)u", "7"),
            ("%(s)a", "'h\\xe9llo'"),
            ("%(big)g", "1.23457e+07"),
            ("%(n)ld", "7"),
        ];
        for (fmt, want) in table {
            assert_eq!(expand(fmt, &m, "a.b").as_deref(), Ok(want), "{fmt}");
        }
        assert!(
            expand("%(n)%", &m, "a.b")
                .unwrap_err()
                .ends_with("unsupported format character '%' (0x25) at index 4")
        );
    }

    #[test]
    fn errors_like_supervisor() {
        let e = expand("%(foo)s", &names(), "program:web.command").unwrap_err();
        assert_eq!(
            e,
            "Format string '%(foo)s' for 'program:web.command' contains names ('foo') which \
             cannot be expanded. Available names: here, process_num, program_name"
        );
        let e = expand("100%", &names(), "x.y").unwrap_err();
        assert_eq!(
            e,
            "Format string '100%' for 'x.y' is badly formatted: incomplete format"
        );
        let e = expand("%(program_name)d", &names(), "x.y").unwrap_err();
        assert!(
            e.ends_with("%d format: a real number is required, not str"),
            "{e}"
        );
        assert!(expand("%s", &names(), "x.y").is_err());
        assert!(expand("%(process_num)99999999999999999999d", &names(), "x.y").is_err());
        assert!(expand("%(process_num).99999999d", &names(), "x.y").is_err());
        assert!(
            expand("%(here", &names(), "x.y")
                .unwrap_err()
                .ends_with("incomplete format key")
        );
        assert!(
            expand("%(here)z", &names(), "x.y")
                .unwrap_err()
                .contains("unsupported format character 'z'")
        );
    }

    #[test]
    fn repr_quotes_like_python() {
        assert_eq!(py_repr("a'b"), "\"a'b\"");
        assert_eq!(py_repr("a'b\""), "'a\\'b\"'");
        assert_eq!(py_repr("tab\there"), "'tab\\there'");
    }

    proptest! {
        /// Text without `%` is returned unchanged.
        #[test]
        fn plain_text_is_identity(s in "[^%]*") {
            prop_assert_eq!(expand(&s, &names(), "a.b").unwrap(), s);
        }

        /// `%%` always yields one `%`, whatever surrounds it.
        #[test]
        fn double_percent_escapes(a in "[^%]*", b in "[^%]*") {
            prop_assert_eq!(expand(&format!("{a}%%{b}"), &names(), "a.b").unwrap(), format!("{a}%{b}"));
        }

        /// Zero-padded widths behave like Python's `%0Nd`.
        #[test]
        fn zero_padding(n in 0i64..100_000, w in 0usize..10) {
            let mut m = Expansions::new();
            m.insert("n".into(), ExpValue::Int(n));
            let got = expand(&format!("%(n)0{w}d"), &m, "a.b").unwrap();
            prop_assert_eq!(got, format!("{n:0w$}"));
        }

        /// A missing name is always reported, never silently dropped.
        #[test]
        fn unknown_names_fail(name in "[a-z]{1,8}") {
            prop_assume!(!names().contains_key(&name));
            let text = format!("%({name})s");
            prop_assert!(expand(&text, &names(), "a.b").is_err());
        }
    }
}
