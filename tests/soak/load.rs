//! The soak's load: each generator is a thread that runs until told to stop and
//! counts what it did. Clients are real: our supervisorctl (gRPC), raw HTTP/1.1 for
//! XML-RPC and `/logtail` over the unix socket, signals to the children, config
//! edits applied with `update`, and `reload`.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::support::command;

/// What the generators did.
#[derive(Default)]
pub struct Counts {
    pub restarts: AtomicU64,
    pub kills: AtomicU64,
    pub xmlrpc: AtomicU64,
    pub grpc: AtomicU64,
    pub followers: AtomicU64,
    pub followed_bytes: AtomicU64,
    pub updates: AtomicU64,
    pub reloads: AtomicU64,
}

/// Everything a generator needs.
#[derive(Clone)]
pub struct Target {
    pub dir: PathBuf,
    pub stop: Arc<AtomicBool>,
    pub counts: Arc<Counts>,
    /// The config without, and with, the program `update` adds and removes.
    pub base_conf: String,
    pub extra_conf: String,
    /// How often the config is changed (an `update`, every third time a `reload`).
    pub reconfigure_every: Duration,
}

impl Target {
    fn sock(&self) -> PathBuf {
        self.dir.join("sv.sock")
    }

    fn running(&self) -> bool {
        !self.stop.load(Ordering::Relaxed)
    }

    /// Waits `d`, or less if the run ends (the pace of a generator).
    fn pause(&self, d: Duration) {
        let end = Instant::now() + d;
        while self.running() && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20).min(d));
        }
    }

    pub fn ctl(&self, args: &str) -> String {
        let out = command(env!("CARGO_BIN_EXE_supervisorctl"))
            .arg("-c")
            .arg(self.dir.join("sd.conf"))
            .args(args.split_whitespace())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// A small deterministic generator (the run is reproducible but for timing).
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Starts every generator; join the handles after setting `stop`.
pub fn start(t: &Target) -> Vec<std::thread::JoinHandle<()>> {
    let gens: [fn(Target); 6] = [restarts, kill_storms, xmlrpc, grpc, followers, reconfigure];
    gens.into_iter()
        .map(|g| {
            let t = t.clone();
            std::thread::spawn(move || g(t))
        })
        .collect()
}

fn restarts(t: Target) {
    let mut rng = Rng(0x51ed_270b_2f14_91a3);
    while t.running() {
        t.ctl(&format!("restart victim{}", rng.below(6)));
        t.counts.restarts.fetch_add(1, Ordering::Relaxed);
        t.pause(Duration::from_millis(300));
    }
}

/// Every few seconds, SIGKILL a few of the children (the writer now and then: what
/// it wrote before must still reach its log).
fn kill_storms(t: Target) {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    while t.running() {
        t.pause(Duration::from_secs(3));
        let pids = t.ctl("pid all");
        let pids: Vec<i32> = pids.lines().filter_map(|l| l.trim().parse().ok()).collect();
        for _ in 0..=rng.below(4) {
            if let Some(&pid) = pids.get(rng.below(pids.len().max(1) as u64) as usize)
                && pid > 0
                && kill(Pid::from_raw(pid), Signal::SIGKILL).is_ok()
            {
                t.counts.kills.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// One XML-RPC call over a fresh connection; the response body.
pub fn xml_call(sock: &Path, method: &str, params: &str) -> Option<String> {
    let body = format!(
        "<?xml version='1.0'?><methodCall><methodName>{method}</methodName><params>{params}</params></methodCall>"
    );
    let mut s = UnixStream::connect(sock).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(
        s,
        "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let text = String::from_utf8_lossy(&out).into_owned();
    let at = text.find("\r\n\r\n")?;
    Some(text[at + 4..].to_string())
}

fn string(s: &str) -> String {
    format!("<param><value><string>{s}</string></value></param>")
}

fn int(n: i64) -> String {
    format!("<param><value><int>{n}</int></value></param>")
}

fn xmlrpc(t: Target) {
    let sock = t.sock();
    let calls: Vec<(&str, String)> = vec![
        ("supervisor.getAllProcessInfo", String::new()),
        ("supervisor.getState", String::new()),
        (
            "supervisor.readProcessStdoutLog",
            string("writer") + &int(-4000) + &int(0),
        ),
        (
            "supervisor.tailProcessStdoutLog",
            string("writer") + &int(0) + &int(2000),
        ),
        (
            "supervisor.sendProcessStdin",
            string("cat") + &string("soak\n"),
        ),
        (
            "supervisor.sendRemoteCommEvent",
            string("soak") + &string("ping"),
        ),
        ("supervisor.readLog", int(-2000) + &int(0)),
    ];
    let multicall = format!(
        "<param><value><array><data>{}</data></array></value></param>",
        "<value><struct><member><name>methodName</name><value>supervisor.getState</value></member>\
         <member><name>params</name><value><array><data/></array></value></member></struct></value>"
            .repeat(50)
    );
    let mut i = 0;
    while t.running() {
        let (method, params) = if i % 8 == 7 {
            ("system.multicall", multicall.as_str())
        } else {
            let (m, p) = &calls[i % calls.len()];
            (*m, p.as_str())
        };
        if xml_call(&sock, method, params).is_some() {
            t.counts.xmlrpc.fetch_add(1, Ordering::Relaxed);
        }
        i += 1;
        t.pause(Duration::from_millis(40));
    }
}

fn grpc(t: Target) {
    let commands = ["status", "pid all", "tail writer", "avail", "pid writer"];
    let mut i = 0;
    while t.running() {
        t.ctl(commands[i % commands.len()]);
        t.counts.grpc.fetch_add(1, Ordering::Relaxed);
        i += 1;
        t.pause(Duration::from_millis(150));
    }
}

/// `/logtail` followers joining and leaving: some read along, some stall, a few
/// are `supervisorctl tail -f` (gRPC) killed after a moment.
fn followers(t: Target) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut open: Vec<(UnixStream, Instant, bool)> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    while t.running() {
        if open.len() < 6
            && let Ok(mut s) = UnixStream::connect(t.sock())
            && s.write_all(b"GET /logtail/writer HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .is_ok()
        {
            let _ = s.set_read_timeout(Some(Duration::from_millis(10)));
            let life = Duration::from_millis(500 + rng.below(4000));
            open.push((s, Instant::now() + life, rng.below(3) == 0));
            t.counts.followers.fetch_add(1, Ordering::Relaxed);
        }
        open.retain_mut(|(s, until, stalled)| {
            if !*stalled && let Ok(n) = s.read(&mut buf) {
                t.counts
                    .followed_bytes
                    .fetch_add(n as u64, Ordering::Relaxed);
            }
            Instant::now() < *until
        });
        if rng.below(40) == 0 {
            let mut child = command(env!("CARGO_BIN_EXE_supervisorctl"))
                .arg("-c")
                .arg(t.dir.join("sd.conf"))
                .args(["tail", "-f", "writer"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            t.pause(Duration::from_millis(500 + rng.below(1500)));
            let _ = child.kill();
            let _ = child.wait();
            t.counts.followers.fetch_add(1, Ordering::Relaxed);
        }
        t.pause(Duration::from_millis(50));
    }
}

/// Now and then an `update` that adds or removes a program; every third time a
/// `reload` instead.
fn reconfigure(t: Target) {
    let mut with_extra = false;
    let mut n = 0;
    while t.running() {
        t.pause(t.reconfigure_every);
        if !t.running() {
            break;
        }
        n += 1;
        if n % 3 == 2 {
            t.ctl("reload");
            t.counts.reloads.fetch_add(1, Ordering::Relaxed);
            // Wait for the control socket to serve again.
            let end = Instant::now() + Duration::from_secs(30);
            while Instant::now() < end && !t.ctl("status").contains("RUNNING") {
                std::thread::sleep(Duration::from_millis(100));
            }
            continue;
        }
        with_extra = !with_extra;
        let conf = if with_extra {
            &t.extra_conf
        } else {
            &t.base_conf
        };
        std::fs::write(t.dir.join("sd.conf"), conf).unwrap();
        t.ctl("update");
        t.counts.updates.fetch_add(1, Ordering::Relaxed);
    }
    // Leave the base config in place for the final figures.
    std::fs::write(t.dir.join("sd.conf"), &t.base_conf).unwrap();
    t.ctl("update");
}
