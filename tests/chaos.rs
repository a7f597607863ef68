//! Fault injection (README, "Beyond Supervisor: resilience options"): 10 000 restarts under random SIGKILLs, SIGSTOPs and
//! exits, then every program stopped: no zombie, no orphan, and the daemon's fd
//! count and RSS back to where they were before the first start. `just chaos` runs
//! it with more restarts (CHAOS_RESTARTS) and prints the figures.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::procfs::rss_kb;
use crate::support::tree::ctl;
use crate::support::{Daemon, SOCKET, read, wait_until};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// A sleep length no other process on the machine uses: how leftovers are found.
const MARK: &str = "86397";

fn fds(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

/// (pid, parent, state, command line) of every process.
fn processes() -> Vec<(i32, i32, char, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let stat = read(&entry.path().join("stat"));
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let mut rest = stat[close + 2..].split_whitespace();
        let state = rest.next().and_then(|s| s.chars().next()).unwrap_or('?');
        let ppid = rest.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let cmdline = read(&entry.path().join("cmdline")).replace('\0', " ");
        out.push((pid, ppid, state, cmdline));
    }
    out
}

/// The `sleep` victims the daemon runs now.
fn victims_of(daemon: i32) -> Vec<i32> {
    processes()
        .into_iter()
        .filter(|(_, ppid, _, cmd)| *ppid == daemon && cmd.contains(MARK))
        .map(|(pid, ..)| pid)
        .collect()
}

/// Counts `spawned:` lines in the main log, reading only what was appended.
struct SpawnCounter {
    file: std::fs::File,
    tail: Vec<u8>,
    seen: usize,
}

impl SpawnCounter {
    fn new(path: &Path) -> SpawnCounter {
        SpawnCounter {
            file: std::fs::File::open(path).unwrap(),
            tail: Vec::new(),
            seen: 0,
        }
    }

    fn count(&mut self) -> usize {
        use std::io::Read;
        let mut fresh = Vec::new();
        self.file.read_to_end(&mut fresh).unwrap();
        self.tail.extend_from_slice(&fresh);
        let complete = self
            .tail
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let lines: Vec<u8> = self.tail.drain(..complete).collect();
        self.seen += String::from_utf8_lossy(&lines)
            .matches("spawned: '")
            .count();
        self.seen
    }
}

/// A small deterministic generator (no dependency; the run is reproducible).
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn ten_thousand_restarts_under_random_faults_leave_nothing_behind() {
    let target: usize = std::env::var("CHAOS_RESTARTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let mut conf = String::from(SOCKET);
    for i in 0..8 {
        // Exit at once, successfully or not: restarted every time.
        conf += &format!(
            "[program:quick{i}]\ncommand=sh -c 'exit {}'\nautostart=false\nautorestart=true\n\
             startsecs=0\nstartretries=1000000\nstdout_logfile=NONE\nstderr_logfile=NONE\n\n",
            i % 3
        );
    }
    for i in 0..8 {
        // Killed, stopped and continued at random by the test.
        conf += &format!(
            "[program:victim{i}]\ncommand=sleep {MARK}\nautostart=false\nautorestart=true\n\
             startsecs=0\nstartretries=1000000\nstopwaitsecs=1\n\n"
        );
    }
    let mut d = Daemon::start(&conf);
    d.wait_for_socket();
    let daemon = d.daemon_pid();
    // The starting level: after one start and stop of everything, so the log files
    // a child's first spawn opens (and keeps open) are counted in it.
    ctl(&d, "start all");
    ctl(&d, "stop all");
    assert!(wait_until(crate::support::DEADLINE, || !processes()
        .iter()
        .any(|(_, ppid, ..)| *ppid == daemon)));
    let (fds_before, rss_before) = (fds(daemon), rss_kb(daemon));

    let started = Instant::now();
    ctl(&d, "start all");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut stopped: HashSet<i32> = HashSet::new();
    let mut spawns = SpawnCounter::new(&d.path("main.log"));
    while spawns.count() < target {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "only {} spawns in 300 s",
            spawns.count()
        );
        let victims = victims_of(daemon);
        for &pid in &victims {
            let sig = match rng.next(10) {
                0..=5 => Signal::SIGKILL,
                6 => Signal::SIGTERM,
                7 => Signal::SIGSTOP,
                _ => Signal::SIGCONT,
            };
            let _ = kill(Pid::from_raw(pid), sig);
            if sig == Signal::SIGSTOP {
                stopped.insert(pid);
            }
        }
        // The next round once a victim we have not hit yet runs (one was restarted),
        // or the target is reached (the quick programs get there on their own).
        wait_until(crate::support::DEADLINE, || {
            spawns.count() >= target || victims_of(daemon).iter().any(|p| !victims.contains(p))
        });
    }
    let restarts = spawns.count();
    let elapsed = started.elapsed();
    // Stopped children are killed after stopwaitsecs; everything comes down.
    ctl(&d, "stop all");
    let (status, _) = ctl(&d, "status");
    assert!(
        status
            .lines()
            .all(|l| l.contains("STOPPED") || l.contains("EXITED") || l.contains("FATAL")),
        "{status}"
    );
    let leftovers = || {
        processes()
            .into_iter()
            // Any child of the daemon (a zombie is one too) or any process with
            // our mark (an orphan re-parented elsewhere).
            .filter(|(_, ppid, _, cmd)| *ppid == daemon || cmd.contains(MARK))
            .collect::<Vec<_>>()
    };
    assert!(
        wait_until(crate::support::DEADLINE, || leftovers().is_empty()),
        "left behind: {:?}",
        leftovers()
    );
    // fds: back to the starting level (not above it: the baseline may still count
    // the server's end of the last supervisorctl connection, closed a moment later);
    // RSS: back within 2 MB (the allocator keeps some freed memory).
    assert!(
        wait_until(crate::support::DEADLINE, || fds(daemon) <= fds_before),
        "fds {fds_before} -> {}: {:?}",
        fds(daemon),
        std::fs::read_dir(format!("/proc/{daemon}/fd"))
            .unwrap()
            .flatten()
            .map(|e| std::fs::read_link(e.path()).unwrap_or_default())
            .collect::<Vec<_>>()
    );
    let rss_after = rss_kb(daemon);
    eprintln!(
        "chaos: {restarts} spawns in {:.1} s ({:.0}/s), {} children SIGSTOPped; \
         fds {fds_before} -> {}; RSS {rss_before} kB -> {rss_after} kB",
        elapsed.as_secs_f64(),
        restarts as f64 / elapsed.as_secs_f64(),
        stopped.len(),
        fds(daemon)
    );
    assert!(
        rss_after <= rss_before + 2048,
        "RSS {rss_before} kB -> {rss_after} kB"
    );
    assert_eq!(d.terminate(), 0);
}
