#![doc = include_str!("../README.md")]

pub mod auth;
mod bodies;
mod conn;
pub mod control;
pub mod follow;
pub mod grpc;
pub mod health;
pub mod limits;
mod listen;
pub mod logfile;
pub mod logtail;
mod memory;
pub mod metrics;
pub mod observe;
pub mod open;
pub mod refusals;
pub mod server;
pub mod serving;
mod usage;
pub mod xmlrpc;

pub use control::{
    Action, ConfigInfo, Control, CtlResult, GroupUpdate, GroupUpdateKind, LogInfo, LogSource,
    ProcessInfo, ProcessResult, ProcessUpdate, ProcessUpdateAction, ProcessUsage, Reread, Target,
    UpdateReport, UpdateRequest, WatchedEvent, usage_of,
};
