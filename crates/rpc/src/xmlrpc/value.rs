//! The XML-RPC value model shared by the request parser, the response writer and the
//! method dispatcher, plus the two Python renderings of a value that leak onto the
//! wire: `repr(float)` (how `xmlrpc.client` writes a `<double>`) and `str(value)`
//! (how Supervisor formats a bad argument into a fault string). No I/O here.

use std::fmt::Write as _;

use supervisor_model::py_repr;

/// One XML-RPC value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<int>` / `<i4>`: XML-RPC ints are 32-bit, and Python's `xmlrpc.client` refuses
    /// to send anything wider, so neither do we (see [`Value::int_capped`]).
    Int(i32),
    Bool(bool),
    String(String),
    Double(f64),
    /// `<dateTime.iso8601>` text as sent, already checked to be `YYYYMMDDTHH:MM:SS`.
    DateTime(String),
    Base64(Vec<u8>),
    Array(Vec<Value>),
    /// Members in wire order. Keys are unique: Supervisor's structs are Python dicts, so
    /// a repeated key keeps its first position and takes the last value.
    Struct(Vec<(String, Value)>),
    /// `<nil/>`, accepted in requests; Supervisor itself never sends it.
    Nil,
}

impl Value {
    /// An int clamped into 32 bits, as Supervisor's `capped_int` does for timestamps
    /// (a value past 2038 would otherwise make Python's marshaller fail the call).
    pub fn int_capped(n: i64) -> Value {
        Value::Int(i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX }))
    }

    /// A struct from `(key, value)` pairs in the order given.
    pub fn structure<K: Into<String>>(members: impl IntoIterator<Item = (K, Value)>) -> Value {
        let mut out: Vec<(String, Value)> = Vec::new();
        for (k, v) in members {
            insert_member(&mut out, k.into(), v);
        }
        Value::Struct(out)
    }

    /// An array of strings.
    pub fn strings<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Value {
        Value::Array(items.into_iter().map(|s| Value::String(s.into())).collect())
    }

    /// A struct member by key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Struct(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string argument. Supervisor's request parser decodes `<base64>`
    /// into a `str`, so a base64 value holding UTF-8 counts as a string too.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            Value::Base64(b) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }

    /// Python's `str()` of the value Supervisor's parser would have built; used where
    /// Supervisor formats a bad argument into a fault (`INCORRECT_PARAMETERS: 5`).
    pub fn py_str(&self) -> String {
        match self {
            Value::String(s) => s.clone(),
            Value::Base64(b) => String::from_utf8_lossy(b).into_owned(),
            Value::DateTime(d) => datetime_parts(d)
                .map(|[y, mo, d, h, mi, s]| format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"))
                .unwrap_or_else(|| d.clone()),
            other => other.py_repr(),
        }
    }

    /// Python's `repr()` of the value, as it appears inside a list or dict.
    fn py_repr(&self) -> String {
        match self {
            Value::Int(n) => n.to_string(),
            Value::Bool(true) => "True".to_string(),
            Value::Bool(false) => "False".to_string(),
            Value::String(s) => py_repr(s),
            Value::Base64(b) => py_repr(&String::from_utf8_lossy(b)),
            Value::Double(f) => py_float_repr(*f),
            Value::DateTime(d) => datetime_repr(d),
            Value::Nil => "None".to_string(),
            Value::Array(items) => {
                let inner: Vec<String> = items.iter().map(Value::py_repr).collect();
                format!("[{}]", inner.join(", "))
            }
            Value::Struct(members) => {
                let inner: Vec<String> = members
                    .iter()
                    .map(|(k, v)| format!("{}: {}", py_repr(k), v.py_repr()))
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
        }
    }
}

/// Adds a struct member with Python dict semantics: a repeated key keeps its place
/// and takes the new value.
pub(crate) fn insert_member(members: &mut Vec<(String, Value)>, key: String, value: Value) {
    match members.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => members.push((key, value)),
    }
}

/// `[year, month, day, hour, minute, second]` of a `YYYYMMDDTHH:MM:SS` string with
/// plausible ranges, else `None`.
pub(crate) fn datetime_parts(text: &str) -> Option<[u32; 6]> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 17
        && b[8] == b'T'
        && b[11] == b':'
        && b[14] == b':'
        && [0..8, 9..11, 12..14, 15..17]
            .into_iter()
            .all(|r| b[r].iter().all(u8::is_ascii_digit));
    if !shape_ok {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r).and_then(|s| s.parse::<u32>().ok());
    let parts = [
        num(0..4)?,
        num(4..6)?,
        num(6..8)?,
        num(9..11)?,
        num(12..14)?,
        num(15..17)?,
    ];
    let [y, mo, d, h, mi, s] = parts;
    // strptime's ranges; seconds allow 60 and 61 (leap seconds).
    let ok =
        y >= 1 && (1..=12).contains(&mo) && (1..=31).contains(&d) && h <= 23 && mi <= 59 && s <= 61;
    ok.then_some(parts)
}

/// `repr(datetime.datetime(...))`: the seconds are left out when zero.
fn datetime_repr(text: &str) -> String {
    match datetime_parts(text) {
        Some([y, mo, d, h, mi, 0]) => format!("datetime.datetime({y}, {mo}, {d}, {h}, {mi})"),
        Some([y, mo, d, h, mi, s]) => {
            format!("datetime.datetime({y}, {mo}, {d}, {h}, {mi}, {s})")
        }
        None => py_repr(text),
    }
}

/// Python's `repr(float)`: the shortest digits that round-trip, positional for
/// decimal exponents in -4..16, otherwise scientific with a signed, at least
/// two-digit exponent (`1e+16`, `1.5e-05`).
pub fn py_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    // Rust's `{:e}` already yields the shortest round-trip digits: `-1.2345e-7`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::from(sign);
    if !(-4..16).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    } else if exp < 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', exp.unsigned_abs() as usize - 1));
        out.push_str(&digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() > int_len {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        } else {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', int_len - digits.len()));
            out.push_str(".0");
        }
    }
    out
}

impl From<i32> for Value {
    fn from(n: i32) -> Value {
        Value::Int(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::Array(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (1.0, "1.0"),
            (1.5, "1.5"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (123.456, "123.456"),
            (1e100, "1e+100"),
            (-2.5e-300, "-2.5e-300"),
            (0.1, "0.1"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (f, want) in cases {
            assert_eq!(py_float_repr(f), want, "{f:?}");
        }
    }

    #[test]
    fn py_str_formats_like_supervisors_fault_text() {
        assert_eq!(Value::Int(5).py_str(), "5");
        assert_eq!(
            Value::Array(vec!["a".into(), 1.into()]).py_str(),
            "['a', 1]"
        );
        assert_eq!(
            Value::structure([("k", Value::Nil), ("b", true.into())]).py_str(),
            "{'k': None, 'b': True}"
        );
        let dt = Value::DateTime("20240102T03:04:00".into());
        assert_eq!(dt.py_str(), "2024-01-02 03:04:00");
        assert_eq!(
            Value::Array(vec![dt]).py_str(),
            "[datetime.datetime(2024, 1, 2, 3, 4)]"
        );
    }

    #[test]
    fn structs_behave_like_dicts() {
        let s = Value::structure([("a", 1.into()), ("b", 2.into()), ("a", 3.into())]);
        assert_eq!(
            s,
            Value::Struct(vec![("a".into(), 3.into()), ("b".into(), 2.into())])
        );
        assert_eq!(s.get("a"), Some(&Value::Int(3)));
        assert_eq!(Value::int_capped(1 << 40), Value::Int(i32::MAX));
        assert_eq!(Value::int_capped(-(1 << 40)), Value::Int(i32::MIN));
    }
}
