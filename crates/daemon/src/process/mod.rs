//! One supervised process: its pure state machine ([`machine`]), the actor that
//! carries out the machine's effects ([`actor`], [`state`]), what others hold of it
//! ([`api`]), and the pieces of a running child (spawn, output pumps, stdin).

pub mod actor;
pub mod api;
pub mod auto_log;
pub mod capture;
pub mod channel;
pub mod counters;
pub mod deps;
pub mod incarnation;
pub mod log_watch;
pub mod machine;
pub mod notify;
pub mod output;
pub mod output_syslog;
pub mod probes;
pub mod pump;
pub mod retry;
pub mod spawn;
pub mod stamp;
pub mod state;
pub mod stdin;
pub mod watchers;

#[cfg(test)]
mod actor_tests;
