//! Python's `int()` of a text (base 10), which Supervisor's datatypes.py applies to
//! every integer option: surrounding whitespace, an optional sign, digits with
//! single `_` separators. Python's integers are unbounded; here they saturate at
//! `i128`'s bounds, far beyond any option's range (each option bounds its own).

use crate::{ValueError, py_repr};

/// `int(text)`; the error is Python's message.
pub fn python_int(text: &str) -> Result<i128, ValueError> {
    let bad = || {
        ValueError(format!(
            "invalid literal for int() with base 10: {}",
            py_repr(text)
        ))
    };
    let t = text.trim();
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let well_formed = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    if !well_formed {
        return Err(bad());
    }
    let magnitude = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0i128, |n, d| {
            n.saturating_mul(10).saturating_add(i128::from(d - b'0'))
        });
    Ok(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_python_int() {
        assert_eq!(python_int(" 42 "), Ok(42));
        assert_eq!(python_int("-3"), Ok(-3));
        assert_eq!(python_int("+1_000"), Ok(1000));
        assert_eq!(
            python_int("99999999999999999999999999999999999999999"),
            Ok(i128::MAX)
        );
        assert_eq!(
            python_int("abc"),
            Err(ValueError(
                "invalid literal for int() with base 10: 'abc'".into()
            ))
        );
        for bad in [
            "", " ", "1__0", "_1", "1_", "1.5", "0x10", "--1", "+", "1 2",
        ] {
            assert!(python_int(bad).is_err(), "{bad:?}");
        }
    }
}
