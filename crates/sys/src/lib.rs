#![doc = include_str!("../README.md")]

mod child;
mod command;
mod compress;
mod connect;
mod daemon;
mod dispositions;
mod environment;
mod exit;
mod listen;
mod memory;
mod path_cache;
mod privileges;
mod proc_usage;
mod readiness;
mod reaper;
mod rlimit;
mod rotate;
mod sigchld;
mod signal;
mod spawn;
#[cfg(test)]
mod spawn_tests;
mod spawner;
mod splice;

pub use command::{
    CommandError, DEFAULT_PATH, ResolvedCommand, ShlexError, locate, resolve_command, shlex_split,
    split_command,
};
pub use compress::wait_idle as wait_compressed;
pub use connect::{ConnectNow, connect_now};
pub use daemon::{DaemonError, DaemonNote, daemonize, hostname, remove_pidfile, write_pidfile};
pub use dispositions::with_default_signals;
pub use environment::Environment;
pub use exit::decode_wait_status;
pub use listen::{ListenError, ListenSocket, ListenSpec, create_listen_socket};
pub use memory::{limit_malloc_arenas, release_free_memory};
pub use privileges::{PrivilegeError, drop_privileges};
pub use proc_usage::{ProcTable, SelfUsage, Usage, proc_tree_usage, self_usage};
pub use readiness::wait_readable;
pub use reaper::{Orphan, Reaper, ReaperConfig, ReaperError, set_child_subreaper};
pub use rlimit::{RlimitError, raise_rlimits};
pub use rotate::{RotatePolicy, RotatingFile};
pub use sigchld::block_sigchld_in_new_threads;
pub use signal::{SignalsElsewhere, kill, leave_signals_to_other_threads};
pub use spawn::{Child, SpawnError, SpawnSpec, SpawnUser, spawn};
pub use splice::{grow_pipe, pipe_holds};

pub mod localtime;
pub mod pidproxy;
