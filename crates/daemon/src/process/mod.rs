//! One supervised process: its pure state machine ([`machine`]), the actor that
//! carries out the machine's effects ([`actor`], [`state`]), what others hold of it
//! ([`api`]), and the pieces of a running child (spawn, output pumps, stdin).

pub mod actor;
pub mod api;
pub mod auto_log;
pub mod capture;
pub mod channel;
pub mod counters;
pub mod incarnation;
pub mod machine;
pub mod output;
pub mod output_syslog;
pub mod retry;
pub mod spawn;
pub mod stamp;
pub mod state;
pub mod stdin;

#[cfg(test)]
mod actor_tests;
