//! The conversion half of Python's `%` operator (`%d`, `%05.3d`, `%#x`, `%r`,
//! `%g`, ...) for the two kinds of values Supervisor expands, with CPython's
//! output and error texts. Parsing the format string is `expand.rs`'s job.

use supervisor_model::py_repr;

/// A value in the expansion dict: Supervisor puts strings and two integers in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpValue {
    Str(String),
    Int(i64),
}

impl ExpValue {
    /// A string value.
    pub fn text(v: &str) -> ExpValue {
        ExpValue::Str(v.to_string())
    }
}

/// Why a format string cannot be expanded: a missing name, or a malformed spec.
pub(crate) enum FormatError {
    Missing(String),
    Bad(String),
}

/// One `%...` conversion spec.
#[derive(Default)]
pub(crate) struct Spec {
    pub left: bool,
    pub zero: bool,
    pub plus: bool,
    pub space: bool,
    pub alt: bool,
    pub width: usize,
    pub precision: Option<usize>,
}

fn type_name(value: &ExpValue) -> &'static str {
    match value {
        ExpValue::Str(_) => "str",
        ExpValue::Int(_) => "int",
    }
}

pub(crate) fn convert(
    conv: char,
    value: &ExpValue,
    spec: &Spec,
    index: usize,
) -> Result<String, FormatError> {
    let int = |kind: &str| match value {
        ExpValue::Int(n) => Ok(*n),
        ExpValue::Str(_) => Err(FormatError::Bad(format!(
            "%{conv} format: {kind} is required, not {}",
            type_name(value)
        ))),
    };
    Ok(match conv {
        's' => {
            let s = match value {
                ExpValue::Str(s) => s.clone(),
                ExpValue::Int(n) => n.to_string(),
            };
            truncate(s, spec.precision)
        }
        'r' | 'a' => {
            let s = match value {
                ExpValue::Str(s) if conv == 'a' => py_ascii(&py_repr(s)),
                ExpValue::Str(s) => py_repr(s),
                ExpValue::Int(n) => n.to_string(),
            };
            truncate(s, spec.precision)
        }
        'd' | 'i' | 'u' => signed(int("a real number")?, 10, false, spec),
        'x' => signed(int("an integer")?, 16, false, spec),
        'X' => signed(int("an integer")?, 16, true, spec),
        'o' => signed(int("an integer")?, 8, false, spec),
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let n = match value {
                ExpValue::Int(n) => *n as f64,
                ExpValue::Str(_) => {
                    return Err(FormatError::Bad(format!(
                        "must be real number, not {}",
                        type_name(value)
                    )));
                }
            };
            float(n, conv, spec)
        }
        'c' => match value {
            ExpValue::Int(n) => u32::try_from(*n)
                .ok()
                .and_then(char::from_u32)
                .map(String::from)
                .ok_or_else(|| FormatError::Bad("%c arg not in range(0x110000)".into()))?,
            ExpValue::Str(s) if s.chars().count() == 1 => s.clone(),
            ExpValue::Str(_) => return Err(FormatError::Bad("%c requires int or char".into())),
        },
        other => {
            return Err(FormatError::Bad(format!(
                "unsupported format character '{other}' (0x{:x}) at index {index}",
                other as u32
            )));
        }
    })
}

fn truncate(s: String, precision: Option<usize>) -> String {
    match precision {
        Some(p) => s.chars().take(p).collect(),
        None => s,
    }
}

fn signed(n: i64, radix: u32, upper: bool, spec: &Spec) -> String {
    let magnitude = n.unsigned_abs();
    let mut digits = match radix {
        16 if upper => format!("{magnitude:X}"),
        16 => format!("{magnitude:x}"),
        8 => format!("{magnitude:o}"),
        _ => magnitude.to_string(),
    };
    if let Some(p) = spec.precision {
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    let prefix = match (spec.alt, radix) {
        (true, 16) if upper => "0X",
        (true, 16) => "0x",
        (true, 8) => "0o",
        _ => "",
    };
    let sign = if n < 0 {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let head = format!("{sign}{prefix}");
    if spec.zero && !spec.left {
        let fill = spec.width.saturating_sub(head.len() + digits.len());
        format!("{head}{}{digits}", "0".repeat(fill))
    } else {
        format!("{head}{digits}")
    }
}

fn float(n: f64, conv: char, spec: &Spec) -> String {
    let p = spec.precision.unwrap_or(6);
    let body = match conv {
        'f' | 'F' => format!("{n:.p$}"),
        'e' => python_exp(format!("{n:.p$e}")),
        'E' => python_exp(format!("{n:.p$E}")),
        _ => general(n, spec.precision, conv == 'G', spec.alt),
    };
    let sign = if n >= 0.0 && spec.plus {
        "+"
    } else if n >= 0.0 && spec.space {
        " "
    } else {
        ""
    };
    let s = format!("{sign}{body}");
    if spec.zero && !spec.left && s.len() < spec.width {
        let (sign, rest) = s.split_at(usize::from(s.starts_with(['-', '+', ' '])));
        format!("{sign}{}{rest}", "0".repeat(spec.width - s.len()))
    } else {
        s
    }
}

/// `%g`: fixed notation when the exponent is in [-4, precision), exponential
/// otherwise; trailing zeros dropped unless `#`.
fn general(n: f64, precision: Option<usize>, upper: bool, alt: bool) -> String {
    let p = match precision {
        Some(0) => 1,
        Some(p) => p,
        None => 6,
    };
    let exp = if n == 0.0 {
        0
    } else {
        // The exponent after rounding to p significant digits.
        let e = format!("{:.*e}", p - 1, n.abs());
        e.split('e')
            .nth(1)
            .and_then(|x| x.parse::<i32>().ok())
            .unwrap_or(0)
    };
    let trim = |s: String| -> String {
        if alt || !s.contains('.') {
            return s;
        }
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    let p_i32 = i32::try_from(p).unwrap_or(i32::MAX);
    let s = if (-4..p_i32).contains(&exp) {
        let decimals = usize::try_from(p_i32 - 1 - exp).unwrap_or(0);
        trim(format!("{n:.decimals$}"))
    } else {
        let e = format!("{:.*e}", p - 1, n);
        let (mantissa, exponent) = e.split_once('e').unwrap_or((&e, "0"));
        python_exp(format!("{}e{exponent}", trim(mantissa.to_string())))
    };
    if upper { s.to_uppercase() } else { s }
}

/// Rust prints `1e2`; Python prints `1e+02`.
fn python_exp(s: String) -> String {
    let Some(at) = s.find(['e', 'E']) else {
        return s;
    };
    let (mantissa, exp) = s.split_at(at);
    let (mark, exp) = exp.split_at(1);
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("+", exp),
    };
    format!("{mantissa}{mark}{sign}{digits:0>2}")
}

pub(crate) fn pad(body: String, spec: &Spec, conv: char) -> String {
    let len = body.chars().count();
    if len >= spec.width {
        return body;
    }
    let fill = " ".repeat(spec.width - len);
    let numeric_zero = spec.zero && !matches!(conv, 's' | 'r' | 'a' | 'c');
    if spec.left {
        format!("{body}{fill}")
    } else if numeric_zero {
        body // already zero-filled
    } else {
        format!("{fill}{body}")
    }
}

fn py_ascii(repr: &str) -> String {
    repr.chars()
        .map(|c| match c as u32 {
            n if n < 0x80 => c.to_string(),
            n if n < 0x100 => format!("\\x{n:02x}"),
            n if n < 0x10000 => format!("\\u{n:04x}"),
            n => format!("\\U{n:08x}"),
        })
        .collect()
}
