#![doc = include_str!("../README.md")]

pub mod auth;
pub mod control;
pub mod follow;
pub mod grpc;
pub mod health;
pub mod logfile;
pub mod logtail;
pub mod metrics;
pub mod observe;
pub mod open;
pub mod server;
pub mod serving;
pub mod xmlrpc;

pub use control::{
    Action, ConfigInfo, Control, CtlResult, GroupUpdate, GroupUpdateKind, LogInfo, LogSource,
    ProcessInfo, ProcessResult, ProcessUpdate, ProcessUpdateAction, Reread, Target, UpdateReport,
    UpdateRequest, WatchedEvent,
};
