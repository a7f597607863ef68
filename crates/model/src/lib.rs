#![doc = include_str!("../README.md")]

mod bytesize;
pub mod cli;
mod duration;
mod errno;
mod event;
mod exit;
mod fault;
pub mod getopt;
pub mod namespec;
mod octal;
mod policy;
mod pyint;
mod pyrepr;
mod signal;
mod state;
mod version;

pub use bytesize::ByteSize;
pub use duration::parse_duration;
pub use errno::{errno_name, errno_static_name};
pub use event::{Event, subscribes};
pub use exit::ExitStatus;
pub use fault::{Fault, FaultError};
pub use octal::OctalMode;
pub use policy::{AutoRestart, ExitCodes, LogLevel, parse_bool};
pub use pyint::python_int;
pub use pyrepr::{py_repr, py_repr_bytes, py_text};
pub use signal::Signal;
pub use state::{ProcessState, SupervisorState};
pub use version::{API_VERSION, SUPERVISOR_VERSION};

/// The error every value parser of this crate returns: the message is Supervisor's
/// wording for the bad value (datatypes.py), ready to be put after the option's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);
