#![doc = include_str!("../README.md")]

mod child;
mod command;
mod daemon;
mod dispositions;
mod exit;
mod memory;
mod privileges;
mod readiness;
mod reaper;
mod rlimit;
mod rotate;
mod signal;
mod spawn;
#[cfg(test)]
mod spawn_tests;
mod spawner;

pub use command::{
    CommandError, DEFAULT_PATH, ResolvedCommand, ShlexError, resolve_command, shlex_split,
};
pub use daemon::{DaemonError, DaemonNote, daemonize, hostname, remove_pidfile, write_pidfile};
pub use dispositions::with_default_signals;
pub use exit::decode_wait_status;
pub use memory::release_free_memory;
pub use privileges::{PrivilegeError, drop_privileges};
pub use readiness::wait_readable;
pub use reaper::{Orphan, Reaper, ReaperConfig, ReaperError, set_child_subreaper};
pub use rlimit::{RlimitError, raise_rlimits};
pub use rotate::RotatingFile;
pub use signal::kill;
pub use spawn::{Child, SpawnError, SpawnSpec, SpawnUser, spawn};

pub mod localtime;
pub mod pidproxy;
pub mod proctree;
