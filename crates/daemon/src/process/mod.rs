//! One supervised process: its pure state machine ([`machine`]) and the actor that
//! carries out the machine's effects (spawn, kill, timers, logs).

pub mod actor;
pub mod auto_log;
pub mod capture;
pub mod machine;
pub mod output;
pub mod output_syslog;
pub mod retry;
pub mod spawn;
pub mod stdin;

#[cfg(test)]
mod crash_tests;
