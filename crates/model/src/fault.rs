//! Supervisor's fault names and codes (xmlrpc.py `Faults`, xmlrpc.py `Faults`). Both APIs report
//! errors as these: XML-RPC as `<fault>`, gRPC as a status detail.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    UnknownMethod,
    IncorrectParameters,
    BadArguments,
    SignatureUnsupported,
    ShutdownState,
    BadName,
    BadSignal,
    NoFile,
    NotExecutable,
    Failed,
    AbnormalTermination,
    SpawnError,
    AlreadyStarted,
    NotRunning,
    Success,
    AlreadyAdded,
    StillRunning,
    CantReread,
}

impl Fault {
    pub const ALL: [Fault; 18] = [
        Self::UnknownMethod,
        Self::IncorrectParameters,
        Self::BadArguments,
        Self::SignatureUnsupported,
        Self::ShutdownState,
        Self::BadName,
        Self::BadSignal,
        Self::NoFile,
        Self::NotExecutable,
        Self::Failed,
        Self::AbnormalTermination,
        Self::SpawnError,
        Self::AlreadyStarted,
        Self::NotRunning,
        Self::Success,
        Self::AlreadyAdded,
        Self::StillRunning,
        Self::CantReread,
    ];

    pub fn code(self) -> i32 {
        match self {
            Self::UnknownMethod => 1,
            Self::IncorrectParameters => 2,
            Self::BadArguments => 3,
            Self::SignatureUnsupported => 4,
            Self::ShutdownState => 6,
            Self::BadName => 10,
            Self::BadSignal => 11,
            Self::NoFile => 20,
            Self::NotExecutable => 21,
            Self::Failed => 30,
            Self::AbnormalTermination => 40,
            Self::SpawnError => 50,
            Self::AlreadyStarted => 60,
            Self::NotRunning => 70,
            Self::Success => 80,
            Self::AlreadyAdded => 90,
            Self::StillRunning => 91,
            Self::CantReread => 92,
        }
    }

    pub fn from_code(code: i32) -> Option<Fault> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::UnknownMethod => "UNKNOWN_METHOD",
            Self::IncorrectParameters => "INCORRECT_PARAMETERS",
            Self::BadArguments => "BAD_ARGUMENTS",
            Self::SignatureUnsupported => "SIGNATURE_UNSUPPORTED",
            Self::ShutdownState => "SHUTDOWN_STATE",
            Self::BadName => "BAD_NAME",
            Self::BadSignal => "BAD_SIGNAL",
            Self::NoFile => "NO_FILE",
            Self::NotExecutable => "NOT_EXECUTABLE",
            Self::Failed => "FAILED",
            Self::AbnormalTermination => "ABNORMAL_TERMINATION",
            Self::SpawnError => "SPAWN_ERROR",
            Self::AlreadyStarted => "ALREADY_STARTED",
            Self::NotRunning => "NOT_RUNNING",
            Self::Success => "SUCCESS",
            Self::AlreadyAdded => "ALREADY_ADDED",
            Self::StillRunning => "STILL_RUNNING",
            Self::CantReread => "CANT_REREAD",
        }
    }

    /// The XML-RPC `faultString`: the name, or `NAME: detail`.
    pub fn fault_string(self, detail: Option<&str>) -> String {
        match detail {
            Some(d) => format!("{}: {d}", self.name()),
            None => self.name().to_string(),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault raised by the control layer: Supervisor's `RPCError`, the fault and its
/// complete fault string (`NAME` or `NAME: detail`), which both APIs send as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct FaultError {
    pub fault: Fault,
    pub text: String,
}

impl FaultError {
    /// `NAME: detail`.
    pub fn new(fault: Fault, detail: impl AsRef<str>) -> FaultError {
        FaultError {
            fault,
            text: fault.fault_string(Some(detail.as_ref())),
        }
    }

    /// Just `NAME`.
    pub fn bare(fault: Fault) -> FaultError {
        FaultError {
            fault,
            text: fault.name().to_string(),
        }
    }

    /// A fault received over the wire: the code picks the fault (unknown codes are
    /// FAILED), the text is kept as sent.
    pub fn from_wire(code: i32, text: impl Into<String>) -> FaultError {
        FaultError {
            fault: Fault::from_code(code).unwrap_or(Fault::Failed),
            text: text.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_supervisors() {
        assert_eq!(Fault::BadName.code(), 10);
        assert_eq!(Fault::CantReread.code(), 92);
        for f in Fault::ALL {
            assert_eq!(Fault::from_code(f.code()), Some(f));
        }
        assert_eq!(
            Fault::NoFile.fault_string(Some("can't find command '/x'")),
            "NO_FILE: can't find command '/x'"
        );
    }
}
