//! The soak run (BENCHMARKS.md, "Soak"): a daemon under mixed load for a while —
//! restarts, kill storms, XML-RPC and gRPC clients, `/logtail` and `tail -f`
//! followers joining and leaving, config updates and reloads, an event listener fed
//! by all of it — then the figures at the start (after a warm-up) and at the end:
//! descriptors, RSS, zombies, orphans and log bytes lost. `just soak MINUTES` runs it on the release
//! build (SOAK_MINUTES); `cargo test` runs a 20-second version.
//!
//! Targets: no zombie, no orphan, no lost byte, the same descriptors, and (on runs
//! of 5 minutes or more) RSS within 10% of its level after the warm-up.

mod load;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::support::{Daemon, SOCKET, read, wait_until};
use load::{Counts, Target};

/// A number no other process on the machine has in its command line.
const MARK: &str = "86317";

const WRITER: &str = r"import os, sys, time
life = os.getpid()
n = 0
out = sys.stdout.buffer
while True:
    for _ in range(10):
        out.write(b'%d %d %s\n' % (life, n, b'x' * 80)); out.flush(); n += 1
    time.sleep(0.02)
";

/// Answers OK to every event, and says on stderr how many it took so far.
const LISTENER: &str = r"import os, sys
n = 0
while True:
    sys.stdout.write('READY\n'); sys.stdout.flush()
    h = dict(t.split(':', 1) for t in sys.stdin.readline().split())
    sys.stdin.read(int(h['len']))
    sys.stdout.write('RESULT 2\nOK'); sys.stdout.flush()
    n += 1
    sys.stderr.write('%d %d\n' % (os.getpid(), n)); sys.stderr.flush()
";

fn config(extra: bool) -> String {
    let mut c = format!(
        "[supervisord]\nlogfile=%(here)s/main.log\npidfile=%(here)s/sd.pid\nchildlogdir=%(here)s\nloglevel=info\n\n{SOCKET}\
         [program:writer]\ncommand=python3 -u %(here)s/writer.py {MARK}\nstdout_logfile=%(here)s/writer.log\n\
         stdout_logfile_maxbytes=5MB\nstdout_logfile_backups=50\nstartsecs=0\nstartretries=1000000\n\n\
         [program:cat]\ncommand=/bin/cat\nstdout_logfile=%(here)s/cat.log\nstdout_logfile_maxbytes=1MB\nstdout_logfile_backups=2\n\n\
         [eventlistener:listener]\ncommand=python3 %(here)s/listener.py {MARK}\nevents=PROCESS_STATE,TICK_5,REMOTE_COMMUNICATION\nbuffer_size=100\nstartsecs=0\nstartretries=1000000\n\
         stderr_logfile=%(here)s/listener.err\n\n"
    );
    for i in 0..6 {
        c += &format!(
            "[program:victim{i}]\ncommand=/bin/sleep {MARK}\nstartsecs=0\nstartretries=1000000\nstopwaitsecs=2\n\n"
        );
    }
    for i in 0..2 {
        c += &format!(
            "[program:quick{i}]\ncommand=/bin/sleep 0.7\nstartsecs=0\nautorestart=true\nstartretries=1000000\n\
             stdout_logfile=NONE\nstderr_logfile=NONE\n\n"
        );
    }
    if extra {
        c += &format!("[program:extra]\ncommand=/bin/sleep {MARK}\nstartsecs=0\n\n");
    }
    c
}

fn proc_status(pid: i32, key: &str) -> u64 {
    read(Path::new(&format!("/proc/{pid}/status")))
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn fds(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// (zombie children of the daemon, marked processes that are not its children).
fn zombies_and_orphans(daemon: i32) -> (usize, usize) {
    let mut zombies = 0;
    let mut orphans = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if entry.file_name().to_string_lossy().parse::<i32>().is_err() {
            continue;
        }
        let stat = read(&entry.path().join("stat"));
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let mut rest = stat[close + 2..].split_whitespace();
        let state = rest.next().unwrap_or("?");
        let ppid: i32 = rest.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        if ppid == daemon && state == "Z" {
            zombies += 1;
        }
        let cmd = read(&entry.path().join("cmdline")).replace('\0', " ");
        if cmd.contains(MARK) && ppid != daemon && state != "Z" {
            orphans += 1;
        }
    }
    (zombies, orphans)
}

/// Events the listener took (the sum of its lives' last counts).
fn listener_events(dir: &Path) -> u64 {
    let mut lives: BTreeMap<u64, u64> = BTreeMap::new();
    for line in read(&dir.join("listener.err")).lines() {
        if let Some((pid, n)) = line.split_once(' ')
            && let (Ok(pid), Ok(n)) = (pid.parse(), n.parse::<u64>())
        {
            let slot = lives.entry(pid).or_default();
            *slot = (*slot).max(n);
        }
    }
    lives.values().sum()
}

/// Bytes of the writer's lines missing from its log files: each life (pid) must
/// show every line number from 0 to its last, once, whole.
fn lost_bytes(dir: &Path) -> u64 {
    let mut lives: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    let mut broken = 0u64;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("writer.log") {
            continue;
        }
        for line in read(&entry.path()).lines() {
            let mut parts = line.split(' ');
            match (
                parts.next().map(str::parse),
                parts.next().map(str::parse),
                parts.next(),
            ) {
                (Some(Ok(life)), Some(Ok(n)), Some(pad)) if pad.len() == 80 => {
                    lives.entry(life).or_default().push(n);
                }
                _ => broken += line.len() as u64 + 1,
            }
        }
    }
    let line = 100u64; // about: pid, number, 80 x's, spaces, newline
    let mut missing = 0u64;
    for numbers in lives.values_mut() {
        numbers.sort_unstable();
        let last = numbers.last().copied().unwrap_or(0);
        numbers.dedup();
        missing += last + 1 - numbers.len() as u64;
    }
    missing * line + broken
}

struct Figures {
    fds: usize,
    rss_kb: u64,
    zombies: usize,
    orphans: usize,
    lost: u64,
}

/// Brings the daemon to the measuring state (everything but the quick programs
/// running, no client) and takes the figures once descriptors and RSS settle.
fn measure(t: &Target, daemon: i32) -> Figures {
    t.ctl("stop quick0 quick1");
    t.ctl("start writer cat listener:* victim0 victim1 victim2 victim3 victim4 victim5");
    let mut status = String::new();
    assert!(
        wait_until(Duration::from_secs(30), || {
            status = t.ctl("status");
            status.lines().filter(|l| l.contains("RUNNING")).count() == 9
        }),
        "{status}"
    );
    let mut last = (0, 0);
    let mut now = (fds(daemon), proc_status(daemon, "VmRSS:"));
    // Settled: two readings a second apart agree (fds exactly, RSS within 1%).
    wait_until(Duration::from_secs(30), || {
        std::thread::sleep(Duration::from_secs(1));
        last = now;
        now = (fds(daemon), proc_status(daemon, "VmRSS:"));
        now.0 == last.0 && now.1.abs_diff(last.1) * 100 <= last.1
    });
    let (zombies, orphans) = zombies_and_orphans(daemon);
    Figures {
        fds: now.0,
        rss_kb: now.1,
        zombies,
        orphans,
        lost: lost_bytes(&t.dir),
    }
}

#[test]
fn a_daemon_under_mixed_load_keeps_its_resources() {
    let minutes: f64 = std::env::var("SOAK_MINUTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20.0 / 60.0);
    let run = Duration::from_secs_f64(minutes * 60.0);
    let warm_up = (run / 10).clamp(Duration::from_secs(5), Duration::from_secs(60));
    let d = Daemon::configure("");
    std::fs::write(d.path("writer.py"), WRITER).unwrap();
    std::fs::write(d.path("listener.py"), LISTENER).unwrap();
    std::fs::write(d.path("sd.conf"), config(false)).unwrap();
    let mut d = d.launch(&["-n"]);
    d.wait_for_socket();
    let daemon = d.daemon_pid();
    let counts = Arc::new(Counts::default());
    let target = |stop: &Arc<AtomicBool>| Target {
        dir: d.dir.path().to_path_buf(),
        stop: stop.clone(),
        counts: counts.clone(),
        base_conf: config(false),
        extra_conf: config(true),
        reconfigure_every: (run / 8).clamp(Duration::from_secs(4), Duration::from_secs(15)),
    };
    let phase = |length: Duration| {
        let stop = Arc::new(AtomicBool::new(false));
        let t = target(&stop);
        let threads = load::start(&t);
        let end = Instant::now() + length;
        wait_until(length + Duration::from_secs(1), || Instant::now() >= end);
        stop.store(true, Ordering::Relaxed);
        threads.into_iter().for_each(|h| h.join().unwrap());
        t
    };
    phase(warm_up);
    let t = target(&Arc::new(AtomicBool::new(true)));
    let start = measure(&t, daemon);
    let spawns_before = d.count("spawned: ");
    let started = Instant::now();
    phase(run);
    let elapsed = started.elapsed();
    let end = measure(&t, daemon);
    let spawns = d.count("spawned: ") - spawns_before;
    // Stop everything: no child may be left (the orphans count at exit).
    t.ctl("stop all");
    let (zombies_after, orphans_after) = zombies_and_orphans(daemon);
    let c = &counts;
    let n = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    eprintln!(
        "soak: {:.1} min after a {} s warm-up: {spawns} spawns, {} restarts, {} SIGKILLs, \
         {} XML-RPC calls, {} supervisorctl (gRPC) runs, {} followers ({} bytes read), \
         {} updates, {} reloads, {} events to the listener",
        elapsed.as_secs_f64() / 60.0,
        warm_up.as_secs(),
        n(&c.restarts),
        n(&c.kills),
        n(&c.xmlrpc),
        n(&c.grpc),
        n(&c.followers),
        n(&c.followed_bytes),
        n(&c.updates),
        n(&c.reloads),
        listener_events(&t.dir),
    );
    eprintln!("soak:              start    end");
    eprintln!("soak: fds         {:>6} {:>6}", start.fds, end.fds);
    eprintln!("soak: RSS kB      {:>6} {:>6}", start.rss_kb, end.rss_kb);
    eprintln!("soak: zombies     {:>6} {:>6}", start.zombies, end.zombies);
    eprintln!("soak: orphans     {:>6} {:>6}", start.orphans, end.orphans);
    eprintln!("soak: lost bytes  {:>6} {:>6}", start.lost, end.lost);
    eprintln!("soak: after stop all: {zombies_after} zombies, {orphans_after} orphans");
    assert_eq!((end.zombies, end.orphans, end.lost), (0, 0, 0));
    assert_eq!(end.fds, start.fds, "descriptors");
    let orphans_left = || zombies_and_orphans(daemon) == (0, 0);
    assert!(wait_until(Duration::from_secs(10), orphans_left));
    if minutes >= 5.0 {
        assert!(
            end.rss_kb * 10 <= start.rss_kb * 11,
            "RSS {} kB -> {} kB",
            start.rss_kb,
            end.rss_kb
        );
    }
    assert_eq!(d.terminate(), 0);
}
