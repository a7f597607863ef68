//! The bridge from a `ProcessConfig` to the sys crate's fork/exec: builds the child's
//! environment, resolves the command on the merged PATH (Supervisor's lookup order),
//! and turns every failure into Supervisor's `spawnerr` text. An fcgi-program's child
//! gets its group's listening socket as fd 0.

use std::ffi::OsString;

use supervisor_config::ProcessConfig;
use supervisor_sys::{Child, ListenSocket, SpawnSpec, SpawnUser};

use crate::context::Context;

/// Forks and execs `p`, with `extra` set in its environment last (the notify
/// socket) and an fcgi-program's listening socket as fd 0; `Err` is the spawnerr
/// message that sends it to BACKOFF.
pub fn spawn(
    p: &ProcessConfig,
    ctx: &Context,
    extra: Vec<(OsString, OsString)>,
    socket: Option<ListenSocket>,
) -> Result<Child, String> {
    let mut env = ctx.child_env(p);
    for (k, v) in extra {
        env.retain(|(key, _)| *key != k);
        env.push((k, v));
    }
    // The PATH searched is the child's own: its `environment=` PATH if set, else ours.
    let path = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.as_os_str());
    let resolved = supervisor_sys::resolve_command(&p.command, path).map_err(|e| e.to_string())?;
    let mut spec = SpawnSpec::new(resolved);
    spec.env = env;
    spec.directory = p.directory.clone();
    spec.umask = p.umask.map(|u| u.bits());
    spec.user = p.user.as_ref().map(|u| SpawnUser {
        uid: u.uid,
        gid: u.gid,
        name: u.name.clone(),
    });
    spec.redirect_stderr = p.redirect_stderr;
    // Supervisor always gives children a stdin pipe (sendProcessStdin writes to it).
    spec.want_stdin = true;
    spec.stdin_socket = socket;
    spec.minfds = i32::try_from(ctx.minfds).unwrap_or(i32::MAX);
    spec.die_with_parent = p.die_with_supervisord;
    supervisor_sys::spawn(&spec, &ctx.reaper).map_err(|e| e.spawnerr(&p.name))
}
