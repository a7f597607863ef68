#![doc = include_str!("../README.md")]

pub mod auth;
mod bodies;
mod conn;
pub mod control;
pub mod follow;
pub mod grpc;
pub mod guard;
pub mod limits;
mod listen;
pub mod logfile;
pub mod logtail;
mod memory;
pub mod namespec;
pub mod refusals;
pub mod server;
pub mod xmlrpc;

pub use control::{
    Action, ConfigInfo, Control, CtlResult, GroupUpdate, GroupUpdateKind, LogInfo, LogSource,
    ProcessInfo, ProcessResult, ProcessUpdate, ProcessUpdateAction, Reread, Target, UpdateReport,
    UpdateRequest, WatchedEvent,
};

/// `supervisor.getAPIVersion`: the XML-RPC API generation clients check.
pub const API_VERSION: &str = "3.0";
/// `supervisor.getSupervisorVersion`: the Supervisor release this server behaves as.
pub const SUPERVISOR_VERSION: &str = "4.3.0";
