//! Ready and health checks that probe from outside the program: `tcp://` (a
//! connection is accepted), `http://` (a GET answers a status in range, over a
//! plain hyper HTTP/1.1 connection: no shell, no curl) and `exec:` (a command exits
//! 0; spawned through the one reaper, in its own process group, killed with it on
//! timeout). Each check is a task on the runtime that sleeps between probes — no
//! thread per check — and reports to its process by message. `log:` and `notify`
//! are fed by the program itself (the output pump, the notify socket).

use std::sync::Arc;
use std::time::Duration;

use http_body_util::Empty;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use ractor::ActorRef;
use supervisor_config::{HealthCheck, Probe, ProcessConfig, ReadyCheck};
use supervisor_model::{ExitStatus, Signal};
use tokio::io::AsyncReadExt;

use super::api::ProcessMsg;
use crate::context::Context;

/// Ready probes come every [`FAST_PAUSE`] for the first [`FAST_FOR`] after the
/// spawn — most programs are ready within it, and are seen ready within a few
/// milliseconds — then the pause doubles up to `ready_interval`, so a slow starter is
/// not probed more often than asked. A refused connection on loopback costs
/// microseconds.
const FAST_PAUSE: Duration = Duration::from_millis(2);
const FAST_FOR: Duration = Duration::from_secs(1);

/// One probe, within `timeout`: `Ok` if it passed, else what it found.
pub async fn probe(
    probe: &Probe,
    timeout: Duration,
    config: &ProcessConfig,
    ctx: &Context,
) -> Result<(), String> {
    let run = async {
        match probe {
            Probe::Tcp { host, port } => tcp(host, *port).await,
            Probe::Http {
                host,
                port,
                path,
                status,
            } => http(host, *port, path, *status).await,
            Probe::Exec { command } => exec(command, config, ctx, timeout).await,
            // Fed by the program, not probed.
            Probe::Log { .. } | Probe::Notify => Err("not a probe".into()),
        }
    };
    match tokio::time::timeout(timeout, run).await {
        Ok(result) => result,
        Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
    }
}

/// A connection to an IP address is tried within the call first (see
/// `supervisor_sys::connect_now`); a name, or a connect still under way, goes
/// through the runtime.
async fn tcp(host: &str, port: u16) -> Result<(), String> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        match supervisor_sys::connect_now((ip, port).into()) {
            supervisor_sys::ConnectNow::Accepted => return Ok(()),
            supervisor_sys::ConnectNow::Failed(e) => return Err(e),
            supervisor_sys::ConnectNow::Pending => {}
        }
    }
    tokio::net::TcpStream::connect((host, port))
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

async fn http(host: &str, port: u16, path: &str, (low, high): (u16, u16)) -> Result<(), String> {
    let stream = tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    let conn = tokio::spawn(conn);
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::USER_AGENT, "supervisor-rs health check")
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let answer = sender.send_request(request).await;
    conn.abort();
    let code = answer.map_err(|e| e.to_string())?.status().as_u16();
    if (low..=high).contains(&code) {
        Ok(())
    } else {
        Err(format!("HTTP status {code}"))
    }
}

/// `exec:COMMAND` with the program's environment, directory and user; its output
/// (the last 200 bytes) says why it failed.
async fn exec(
    command: &str,
    config: &ProcessConfig,
    ctx: &Context,
    timeout: Duration,
) -> Result<(), String> {
    let env = ctx.child_env(config);
    let path = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.as_os_str());
    let resolved = supervisor_sys::resolve_command(command, path).map_err(|e| e.to_string())?;
    let mut spec = supervisor_sys::SpawnSpec::new(resolved);
    spec.env = std::sync::Arc::new(
        supervisor_sys::Environment::new(env).map_err(|e| e.spawnerr(command))?,
    );
    spec.directory = config.directory.clone();
    spec.user = config.user.as_ref().map(|u| supervisor_sys::SpawnUser {
        uid: u.uid,
        gid: u.gid,
        name: u.name.clone(),
    });
    spec.redirect_stderr = true;
    spec.want_stdin = false;
    spec.minfds = i32::try_from(ctx.minfds).unwrap_or(i32::MAX);
    let child = supervisor_sys::spawn(&spec, &ctx.reaper).map_err(|e| e.spawnerr(command))?;
    let pid = child.pid;
    let mut output = Vec::new();
    let read = async {
        if let Some(mut out) = child.stdout {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = out.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                output.extend_from_slice(&chunk[..n]);
                let excess = output.len().saturating_sub(200);
                output.drain(..excess);
            }
        }
        child.exit.await
    };
    let status = match tokio::time::timeout(timeout, read).await {
        Ok(Ok(status)) => status,
        Ok(Err(_)) => return Err("its exit status was lost".into()),
        Err(_) => {
            // It leads its own process group: whatever it started goes too.
            let _ = supervisor_sys::kill(pid, Signal::KILL, true);
            return Err(format!(
                "{command} did not finish within {} ms",
                timeout.as_millis()
            ));
        }
    };
    match status {
        ExitStatus::Exited(0) => Ok(()),
        other => {
            let said = String::from_utf8_lossy(&output).trim().to_string();
            Err(if said.is_empty() {
                other.describe()
            } else {
                format!("{}: {said}", other.describe())
            })
        }
    }
}

/// Health probes wake on a 50 ms grid, so the checks of many programs share their
/// wakeups (1000 programs checked every 10 s: 20 wakeups a second, not 100).
const GRID: Duration = Duration::from_millis(50);

/// What a check task needs of its process.
pub struct Target {
    pub config: Arc<ProcessConfig>,
    pub ctx: Arc<Context>,
    pub me: ActorRef<ProcessMsg>,
    pub generation: u64,
}

/// Probes until the ready check passes, then tells the process (the machine's
/// `ready_timeout` timer ends a check that never passes).
pub async fn ready(check: ReadyCheck, t: Target) {
    let started = tokio::time::Instant::now();
    let mut pause = FAST_PAUSE;
    loop {
        if probe(&check.probe, check.interval, &t.config, &t.ctx)
            .await
            .is_ok()
        {
            let detail = check.probe.to_string();
            let _ = t.me.send_message(ProcessMsg::Ready {
                generation: t.generation,
                detail,
            });
            return;
        }
        tokio::time::sleep(pause.min(check.interval)).await;
        if started.elapsed() >= FAST_FOR {
            pause = (pause * 2).min(check.interval);
        }
    }
}

/// Probes every `health_interval` while the incarnation lives. Failures within
/// `health_start_period` do not count; a result is sent when it fails, and when it
/// passes for the first time or again after a failure.
pub async fn health(check: HealthCheck, t: Target) {
    let started = tokio::time::Instant::now();
    let mut last_passed: Option<bool> = None;
    let mut next = started;
    loop {
        next = crate::grid::round_up(next + check.interval, GRID);
        tokio::time::sleep_until(next).await;
        let result = probe(&check.probe, check.timeout, &t.config, &t.ctx).await;
        let passed = result.is_ok();
        if !passed && started.elapsed() < check.start_period {
            continue;
        }
        if passed && last_passed == Some(true) {
            continue;
        }
        last_passed = Some(passed);
        let detail = match result {
            Ok(()) => check.probe.to_string(),
            Err(why) => format!("{}: {why}", check.probe),
        };
        let msg = ProcessMsg::Health {
            generation: t.generation,
            passed,
            detail,
        };
        if t.me.send_message(msg).is_err() {
            return;
        }
    }
}
