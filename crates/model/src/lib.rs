#![doc = include_str!("../README.md")]

mod bytesize;
pub mod cli;
mod event;
mod fault;
pub mod getopt;
mod octal;
mod policy;
mod pyrepr;
mod signal;
mod state;

pub use bytesize::ByteSize;
pub use event::{Event, subscribes};
pub use fault::{Fault, FaultError};
pub use octal::OctalMode;
pub use policy::{AutoRestart, ExitCodes, LogLevel, parse_bool};
pub use pyrepr::py_repr;
pub use signal::Signal;
pub use state::{ProcessState, SupervisorState};

/// The error every value parser of this crate returns: the message is Supervisor's
/// wording for the bad value (datatypes.py), ready to be put after the option's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);
