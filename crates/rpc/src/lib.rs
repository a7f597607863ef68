#![doc = include_str!("../README.md")]

pub mod auth;
pub mod control;
pub mod follow;
pub mod grpc;
pub mod guard;
pub mod logfile;
pub mod logtail;
pub mod namespec;
pub mod server;
mod usage;
pub mod xmlrpc;

pub use control::{
    Action, ConfigInfo, Control, CtlResult, GroupUpdate, GroupUpdateKind, LogInfo, LogSource,
    ProcessInfo, ProcessResult, ProcessUpdate, ProcessUpdateAction, ProcessUsage, Reread, Target,
    UpdateReport, UpdateRequest, WatchedEvent, usage_of,
};

/// `supervisor.getAPIVersion`: the XML-RPC API generation clients check.
pub const API_VERSION: &str = "3.0";
/// `supervisor.getSupervisorVersion`: the Supervisor release this server behaves as.
pub const SUPERVISOR_VERSION: &str = "4.3.0";
