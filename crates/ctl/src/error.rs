//! Why a call to supervisord failed, classified the way supervisorctl reacts to it:
//! a Supervisor fault (code + fault string), a missing socket file, a refused
//! connection, an authentication demand, a Ctrl-C, or anything else. Also the
//! `error: <class>, <message>: file: <f> line: <n>` line supervisorctl prints for an
//! error a command does not handle (its `onecmd` catch-all).

use supervisor_model::{Fault, FaultError, py_repr};

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// supervisord answered with a fault (`v1::Fault` in the status details).
    #[error("{0}")]
    Fault(FaultError),
    /// The unix socket file does not exist (ENOENT).
    #[error("no such file")]
    NoSuchFile,
    /// Nobody listens (ECONNREFUSED).
    #[error("refused connection")]
    Refused,
    /// The server wants (other) credentials: gRPC UNAUTHENTICATED.
    #[error("Server requires authentication")]
    Unauthenticated,
    /// The user pressed Ctrl-C while the call was in flight.
    #[error("interrupted")]
    Interrupted,
    /// The serverurl names no protocol we speak (`SupervisorTransport`'s ValueError).
    #[error("{0}")]
    BadServerUrl(String),
    /// Any other connection failure.
    #[error("{0}")]
    Io(#[source] std::io::Error),
    /// A gRPC status without a Supervisor fault (e.g. a proxy or a foreign server).
    #[error("{0}")]
    Status(#[source] Box<tonic::Status>),
    /// An HTTP answer other than 200 (or 401) to an XML-RPC call or a log stream.
    #[error("{status} {reason}")]
    Http { status: u16, reason: String },
    /// The server's answer is not an XML-RPC response.
    #[error("{0}")]
    BadResponse(String),
    /// The server speaks only Supervisor's XML-RPC, which has no call for this
    /// (`events`, `reopen`, `update --dry-run`); the text names the feature.
    #[error("{0} needs supervisor-rs's gRPC API")]
    NotOffered(&'static str),
    /// A prompt met the end of input (Python's `EOFError` from `raw_input`).
    #[error("EOF when reading a line")]
    Eof,
    /// A result code a command has no message for (Python's `ValueError`).
    #[error("Unknown result code {code} for {name}")]
    UnknownResult { code: i32, name: String },
}

impl CallError {
    /// The fault, if supervisord sent one.
    pub fn fault(&self) -> Option<&FaultError> {
        match self {
            CallError::Fault(f) => Some(f),
            _ => None,
        }
    }

    /// True when this is the fault `f`.
    pub fn is(&self, f: Fault) -> bool {
        self.fault().is_some_and(|e| e.fault == f)
    }

    /// The line supervisorctl's `onecmd` prints for an unhandled exception:
    /// `error: <class>, <message>: file: <file> line: <n>`. The class and message are
    /// the ones Python's supervisorctl would show for the same failure; the file and
    /// line name where Supervisor 4.3.0 raises it (relative: install paths differ).
    pub fn python_line(&self) -> String {
        let (class, message, file, line) = match self {
            CallError::Fault(f) => (
                "xmlrpc.client.Fault".to_string(),
                fault_repr(f),
                "xmlrpc/client.py",
                668,
            ),
            CallError::NoSuchFile => (
                "FileNotFoundError".to_string(),
                "[Errno 2] No such file or directory".to_string(),
                "supervisor/xmlrpc.py",
                557,
            ),
            CallError::Refused => (
                "ConnectionRefusedError".to_string(),
                "[Errno 111] Connection refused".to_string(),
                "socket.py",
                836,
            ),
            CallError::Unauthenticated => (
                "xmlrpc.client.ProtocolError".to_string(),
                "<ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>".to_string(),
                "supervisor/xmlrpc.py",
                539,
            ),
            CallError::Interrupted => (
                "KeyboardInterrupt".to_string(),
                String::new(),
                "supervisor/supervisorctl.py",
                0,
            ),
            CallError::BadServerUrl(msg) => (
                "ValueError".to_string(),
                msg.clone(),
                "supervisor/xmlrpc.py",
                505,
            ),
            CallError::Io(e) => (io_class(e), io_message(e), "socket.py", 836),
            CallError::Status(s) => (
                "xmlrpc.client.ProtocolError".to_string(),
                format!(
                    "<ProtocolError for 127.0.0.1/RPC2: {:?}: {}>",
                    s.code(),
                    s.message()
                ),
                "supervisor/xmlrpc.py",
                539,
            ),
            CallError::Http { status, reason } => (
                "xmlrpc.client.ProtocolError".to_string(),
                format!("<ProtocolError for 127.0.0.1/RPC2: {status} {reason}>"),
                "supervisor/xmlrpc.py",
                539,
            ),
            CallError::BadResponse(why) => (
                "xml.parsers.expat.ExpatError".to_string(),
                why.clone(),
                "xmlrpc/client.py",
                451,
            ),
            CallError::NotOffered(_) => (
                "NotImplementedError".to_string(),
                self.to_string(),
                "supervisor/supervisorctl.py",
                0,
            ),
            CallError::Eof => (
                "EOFError".to_string(),
                "EOF when reading a line".to_string(),
                "supervisor/supervisorctl.py",
                1027,
            ),
            CallError::UnknownResult { .. } => (
                "ValueError".to_string(),
                self.to_string(),
                "supervisor/supervisorctl.py",
                0,
            ),
        };
        format!("error: <class '{class}'>, {message}: file: {file} line: {line}")
    }
}

/// The first `std::io::Error` in an error's source chain, as a [`CallError`].
pub(crate) fn classify(error: &(dyn std::error::Error + 'static)) -> Option<CallError> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(match io.kind() {
                std::io::ErrorKind::NotFound => CallError::NoSuchFile,
                std::io::ErrorKind::ConnectionRefused => CallError::Refused,
                kind => CallError::Io(match io.raw_os_error() {
                    Some(n) => std::io::Error::from_raw_os_error(n),
                    None => std::io::Error::new(kind, io.to_string()),
                }),
            });
        }
        current = e.source();
    }
    None
}

/// `str(xmlrpclib.Fault)`: `<Fault 10: 'BAD_NAME: x'>`.
pub fn fault_repr(f: &FaultError) -> String {
    format!("<Fault {}: {}>", f.fault.code(), py_repr(&f.text))
}

/// Python's OSError subclass for an errno.
fn io_class(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "FileNotFoundError",
        K::ConnectionRefused => "ConnectionRefusedError",
        K::PermissionDenied => "PermissionError",
        K::ConnectionReset => "ConnectionResetError",
        K::TimedOut => "TimeoutError",
        _ => "OSError",
    }
    .to_string()
}

/// `str(OSError)`: `[Errno N] strerror`.
fn io_message(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => {
            let text = e.to_string();
            // std appends " (os error N)"; Python prints `[Errno N] text`.
            let bare = text
                .strip_suffix(&format!(" (os error {n})"))
                .unwrap_or(&text);
            format!("[Errno {n}] {bare}")
        }
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_lines() {
        let e = CallError::Fault(FaultError::bare(Fault::ShutdownState));
        assert_eq!(
            e.python_line(),
            "error: <class 'xmlrpc.client.Fault'>, <Fault 6: 'SHUTDOWN_STATE'>: file: xmlrpc/client.py line: 668"
        );
        assert!(CallError::Unauthenticated.python_line().starts_with(
            "error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>: "
        ));
        let io = CallError::Io(std::io::Error::from_raw_os_error(13));
        assert!(
            io.python_line()
                .starts_with("error: <class 'PermissionError'>, [Errno 13] Permission denied: "),
            "{}",
            io.python_line()
        );
        assert!(e.is(Fault::ShutdownState));
        assert!(!CallError::Refused.is(Fault::ShutdownState));
    }
}
