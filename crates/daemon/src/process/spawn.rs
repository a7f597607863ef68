//! The bridge from a `ProcessConfig` to the sys crate's fork/exec: builds the child's
//! environment, resolves the command on the merged PATH (Supervisor's lookup order),
//! and turns every failure into Supervisor's `spawnerr` text. An fcgi-program's child
//! gets its group's listening socket as fd 0.
//!
//! What does not change between two spawns of one config (the command split into
//! argv, the environment as C strings, directory, user, umask) is built once into a
//! [`Prepared`] spec and reused; each spawn only looks the command's file up again
//! (process.py `get_execv_args` runs per spawn, so a program installed on the PATH
//! meanwhile is found). Building it per spawn was a tenth of a restart's CPU
//! (BENCHMARKS.md, churn).

use std::ffi::OsString;
use std::sync::Arc;

use supervisor_config::ProcessConfig;
use supervisor_sys::{Child, Environment, ListenSocket, SpawnSpec, SpawnUser};

use crate::context::Context;

/// A spec built for one config, context and extra environment.
pub struct Prepared {
    /// Held, not only compared: a freed config's address could be reused by the
    /// next one.
    config: Arc<ProcessConfig>,
    ctx: Arc<Context>,
    extra: Vec<(OsString, OsString)>,
    spec: SpawnSpec,
    /// The PATH searched: the child's own (its `environment=` PATH if set, else ours).
    path: Option<OsString>,
}

/// Forks and execs `p`, with `extra` set in its environment last (the notify
/// socket) and an fcgi-program's listening socket as fd 0; `Err` is the spawnerr
/// message that sends it to BACKOFF. `cache` keeps the spec for the next spawn.
pub fn spawn(
    p: &Arc<ProcessConfig>,
    ctx: &Arc<Context>,
    extra: Vec<(OsString, OsString)>,
    socket: Option<ListenSocket>,
    cache: &mut Option<Box<Prepared>>,
) -> Result<Child, String> {
    let fresh =
        |c: &Prepared| Arc::ptr_eq(&c.config, p) && Arc::ptr_eq(&c.ctx, ctx) && c.extra == extra;
    let prepared = match cache.take() {
        Some(c) if fresh(&c) => c,
        _ => Box::new(prepare(p, ctx, extra)?),
    };
    let prepared = cache.insert(prepared);
    let spec = &mut prepared.spec;
    let argv0 = spec.argv.first().map_or("", String::as_str);
    spec.filename =
        supervisor_sys::locate(argv0, prepared.path.as_deref()).map_err(|e| e.to_string())?;
    spec.stdin_socket = socket;
    let child = supervisor_sys::spawn(spec, &ctx.reaper).map_err(|e| e.spawnerr(&p.name));
    // The socket is this child's only: a copy kept would hold it open.
    spec.stdin_socket = None;
    child
}

fn prepare(
    p: &Arc<ProcessConfig>,
    ctx: &Arc<Context>,
    extra: Vec<(OsString, OsString)>,
) -> Result<Prepared, String> {
    // Only what this program sets is its own; supervisord's environment is shared.
    let mut env = ctx.own_env(p);
    for (k, v) in &extra {
        env.retain(|(key, _)| key != k);
        env.push((k.clone(), v.clone()));
    }
    let argv = supervisor_sys::split_command(&p.command).map_err(|e| e.to_string())?;
    let mut spec = SpawnSpec::new(supervisor_sys::ResolvedCommand {
        filename: Default::default(),
        argv,
    });
    let env = Environment::over(ctx.base_vars.clone(), env).map_err(|e| e.spawnerr(&p.name))?;
    spec.env = Arc::new(env);
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
    spec.minfds = i32::try_from(ctx.minfds).unwrap_or(i32::MAX);
    spec.die_with_parent = p.die_with_supervisord;
    Ok(Prepared {
        config: p.clone(),
        ctx: ctx.clone(),
        extra,
        path: spec.env.get("PATH").map(OsString::from),
        spec,
    })
}
