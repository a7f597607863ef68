//! Reading XML-RPC arguments the way Supervisor's methods use them. Python never
//! checks types up front: `int(offset)` turns `"5"`, `5.9` and `True` into ints,
//! `if wait:` takes any value's truthiness, and a value Python cannot use fails with
//! a `TypeError` (INCORRECT_PARAMETERS) or an uncaught exception (HTTP 500). We keep
//! the coercions clients may rely on and answer INCORRECT_PARAMETERS for everything
//! else, never a 500.

use supervisor_model::{Fault, FaultError};

use super::value::Value;

/// The bare `INCORRECT_PARAMETERS` fault.
pub(crate) fn incorrect() -> FaultError {
    FaultError::bare(Fault::IncorrectParameters)
}

/// The arguments of one call, consumed in order. Arity is checked before any is
/// read (see `methods::Method::accepts`), so a missing one only means a bug here;
/// it is reported as INCORRECT_PARAMETERS rather than a panic.
pub(crate) struct Args(std::vec::IntoIter<Value>);

impl Args {
    pub(crate) fn new(params: Vec<Value>) -> Args {
        Args(params.into_iter())
    }

    /// The next argument as it came.
    pub(crate) fn value(&mut self) -> Result<Value, FaultError> {
        self.0.next().ok_or_else(incorrect)
    }

    /// A string argument: a process or group name, a method name.
    pub(crate) fn string(&mut self) -> Result<String, FaultError> {
        string(self.value()?)
    }

    /// An int argument, coerced like Python's `int()`.
    pub(crate) fn int(&mut self) -> Result<i64, FaultError> {
        match self.value()? {
            Value::Int(n) => Ok(i64::from(n)),
            Value::Bool(b) => Ok(i64::from(b)),
            // int() truncates toward zero; `as` saturates the (absurd) huge ones.
            Value::Double(f) if f.is_finite() => Ok(f.trunc() as i64),
            v => v
                .as_str()
                .and_then(|s| s.trim().parse().ok())
                .ok_or_else(incorrect),
        }
    }

    /// The optional `wait` flag: Python's truthiness, `true` when absent.
    pub(crate) fn wait(&mut self) -> bool {
        self.0.next().is_none_or(|v| truthy(&v))
    }

    /// A signal: a name or a number (Supervisor's `signal_number` calls `int()`
    /// first, so an int argument works). Validated later, per process (BAD_SIGNAL).
    pub(crate) fn signal(&mut self) -> Result<String, FaultError> {
        match self.value()? {
            Value::Int(n) => Ok(n.to_string()),
            v => string(v),
        }
    }

    /// `sendProcessStdin`'s data: a string (or base64) only; anything else is
    /// `INCORRECT_PARAMETERS: <the value>`, as Supervisor words it.
    pub(crate) fn chars(&mut self) -> Result<Vec<u8>, FaultError> {
        match self.value()? {
            Value::String(s) => Ok(s.into_bytes()),
            Value::Base64(b) => Ok(b),
            Value::Nil => Err(incorrect()),
            v => Err(FaultError::new(Fault::IncorrectParameters, v.py_str())),
        }
    }

    /// `sendRemoteCommEvent`'s type and data: Supervisor formats whatever it gets
    /// with `%s`, so a non-string becomes its Python `str()`.
    pub(crate) fn text(&mut self) -> Result<String, FaultError> {
        let v = self.value()?;
        Ok(v.as_str().map_or_else(|| v.py_str(), str::to_string))
    }
}

fn string(v: Value) -> Result<String, FaultError> {
    match v {
        Value::String(s) => Ok(s),
        v => v.as_str().map(str::to_string).ok_or_else(incorrect),
    }
}

/// Python's `bool(value)`.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Nil => false,
        Value::Bool(b) => *b,
        Value::Int(n) => *n != 0,
        // NaN is truthy in Python, and `NaN != 0.0` holds.
        Value::Double(f) => *f != 0.0,
        Value::String(s) => !s.is_empty(),
        Value::Base64(b) => !b.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Struct(members) => !members.is_empty(),
        Value::DateTime(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: Vec<Value>) -> Args {
        Args::new(v)
    }

    #[test]
    fn ints_coerce_like_python_int() {
        let mut a = args(vec![
            Value::Int(-3),
            Value::from(" 12 "),
            Value::Double(-5.7),
            Value::Bool(true),
            Value::from("abc"),
            Value::Array(Vec::new()),
            Value::Double(f64::NAN),
        ]);
        assert_eq!(a.int().ok(), Some(-3));
        assert_eq!(a.int().ok(), Some(12));
        assert_eq!(a.int().ok(), Some(-5));
        assert_eq!(a.int().ok(), Some(1));
        for _ in 0..3 {
            assert_eq!(
                a.int().map_err(|e| e.fault),
                Err(Fault::IncorrectParameters)
            );
        }
        assert!(a.int().is_err(), "exhausted");
    }

    #[test]
    fn wait_is_python_truthiness() {
        let mut a = args(vec![
            Value::Bool(false),
            Value::from("false"),
            Value::Int(0),
            Value::Nil,
        ]);
        assert!(!a.wait());
        assert!(a.wait(), "a non-empty string is true, even 'false'");
        assert!(!a.wait());
        assert!(!a.wait());
        assert!(a.wait(), "absent means the default, true");
    }

    #[test]
    fn strings_signals_and_chars() {
        let mut a = args(vec![
            Value::Base64(b"g:a".to_vec()),
            Value::Int(9),
            Value::Int(5),
            Value::Array(vec!["a".into(), 1.into()]),
            Value::Int(1),
        ]);
        assert_eq!(a.string().ok().as_deref(), Some("g:a"));
        assert_eq!(a.signal().ok().as_deref(), Some("9"));
        assert_eq!(
            a.chars().map_err(|e| e.text),
            Err("INCORRECT_PARAMETERS: 5".to_string())
        );
        assert_eq!(
            a.chars().map_err(|e| e.text),
            Err("INCORRECT_PARAMETERS: ['a', 1]".to_string())
        );
        assert_eq!(
            a.string().map_err(|e| e.fault),
            Err(Fault::IncorrectParameters)
        );
    }
}
