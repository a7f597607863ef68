//! Children a previous supervisord left behind. A daemon that is killed (SIGKILL,
//! a crash, the OOM killer) cannot stop its children: they live on unsupervised,
//! and the next supervisord starts its own beside them. So the running children
//! are listed in a state file next to the pidfile (`<pidfile>.children`: one line
//! per child, `pid starttime name`, the start time being `/proc/<pid>/stat`'s, so a
//! reused pid is never mistaken for one of ours), rewritten whenever a process
//! changes state and removed when none is left. At start-up, before anything is
//! spawned, each listed process that still runs is reported in the main log.
//! Nothing is killed: it may be doing work, and only its owner knows.
//!
//! `die_with_supervisord = true` (per program) prevents the leftovers instead.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use supervisor_model::LogLevel;
use tokio::sync::watch;

use crate::events::EventBus;

use crate::mainlog::MainLog;
use crate::registry::Registry;

/// How long after a child came or went the file is rewritten: at most once a
/// second. A child that outlives a killed daemon has usually run for longer than
/// that; every 100 ms, a program restarting in a loop cost a `/proc` read per
/// child and a file rewrite ten times a second (BENCHMARKS.md, churn).
const SETTLE: std::time::Duration = std::time::Duration::from_secs(1);

/// `<pidfile>.children`.
pub fn state_file(pidfile: &Path) -> PathBuf {
    let mut name = pidfile.as_os_str().to_owned();
    name.push(".children");
    PathBuf::from(name)
}

/// Reports what the last daemon left running, then keeps the state file current.
/// Call before the tree spawns anything.
pub fn start(
    pidfile: &Path,
    log: &MainLog,
    registry: watch::Receiver<Arc<Registry>>,
    events: EventBus,
) {
    let path = state_file(pidfile);
    for line in report(&std::fs::read_to_string(&path).unwrap_or_default()) {
        log.log(LogLevel::Warn, &line);
    }
    let _ = std::fs::remove_file(&path);
    let log = log.clone();
    tokio::spawn(keep(path, log, registry, events));
}

/// The main-log lines for the entries of an old state file that still run.
fn report(old: &str) -> Vec<String> {
    let mut lines: Vec<String> = old
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ' ');
            let pid: i32 = parts.next()?.parse().ok()?;
            let started: u64 = parts.next()?.parse().ok()?;
            let name = parts.next()?;
            (start_time(pid) == Some(started)).then(|| {
                format!(
                    "process '{name}' (pid {pid}) was left running by a previous supervisord \
                     that did not stop it; it is not supervised (stop it, or expect two)"
                )
            })
        })
        .collect();
    if !lines.is_empty() {
        lines.push(format!(
            "{} process(es) of a previous supervisord still run: it was killed or crashed \
             (die_with_supervisord = true makes a program's children die with it)",
            lines.len()
        ));
    }
    lines
}

/// Field 22 of `/proc/<pid>/stat`: when the process started, in clock ticks since
/// boot; `None` if it is gone (or a zombie, which is as good as gone).
pub fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from its end.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    if fields.next()? == "Z" {
        return None;
    }
    // `rest` starts at field 3 (state): field 22 is 19 further.
    fields.nth(18)?.parse().ok()
}

/// Rewrites the state file whenever the set of running children changes.
async fn keep(
    path: PathBuf,
    log: MainLog,
    registry: watch::Receiver<Arc<Registry>>,
    events: EventBus,
) {
    let mut written: Vec<(i32, String)> = Vec::new();
    let mut started: HashMap<i32, u64> = HashMap::new();
    let mut reported = false;
    loop {
        events.children_changed().await;
        // A kill storm or a burst of restarts is many changes: look a moment
        // later, once for all of them (changes meanwhile leave one wake-up behind,
        // which finds the file current).
        tokio::time::sleep(SETTLE).await;
        let now = running(&registry.borrow());
        if now == written {
            continue;
        }
        started.retain(|pid, _| now.iter().any(|(p, _)| p == pid));
        let mut text = String::new();
        for (pid, name) in &now {
            let t = match started.get(pid) {
                Some(&t) => t,
                None => match start_time(*pid) {
                    Some(t) => t,
                    None => continue, // already gone: its exit event follows
                },
            };
            started.insert(*pid, t);
            text.push_str(&format!("{pid} {t} {name}\n"));
        }
        if let Err(e) = write(&path, &text)
            && !reported
        {
            log.log(
                LogLevel::Warn,
                &format!("cannot write {}: {e}", path.display()),
            );
            reported = true;
        }
        written = now;
    }
}

/// `(pid, namespec)` of every process with a live child.
fn running(registry: &Registry) -> Vec<(i32, String)> {
    let mut out: Vec<(i32, String)> = registry
        .groups
        .iter()
        .flat_map(|g| g.members.iter())
        .filter_map(|m| m.snapshot.borrow().pid.map(|pid| (pid, m.namespec())))
        .collect();
    out.sort();
    out
}

/// Replaces the state file (or removes it when `text` is empty).
fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if text.is_empty() {
        return match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(text.as_bytes())?;
    drop(f);
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_live_processes_with_the_same_start_time_are_reported() {
        let me = i32::try_from(std::process::id()).unwrap();
        let t = start_time(me).unwrap();
        let old = format!(
            "{me} {t} web:web_0\n{me} {} reused\n999999999 1 gone\nnonsense\n",
            t + 1
        );
        let lines = report(&old);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].starts_with(&format!("process 'web:web_0' (pid {me}) was left running")));
        assert!(lines[1].starts_with("1 process(es) of a previous supervisord still run"));
        assert!(report("").is_empty());
    }

    #[test]
    fn the_state_file_sits_beside_the_pidfile() {
        assert_eq!(
            state_file(Path::new("/run/supervisord.pid")),
            Path::new("/run/supervisord.pid.children")
        );
    }
}
