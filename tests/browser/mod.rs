//! The browser harness for tests/web_page.rs: `chromedriver` (Debian's
//! `chromium-driver`, installed by ensure-chromium.sh beside this file when missing)
//! on a free port, a headless Chromium session through fantoccini, screenshots to
//! `<target dir>/web-artifacts/`, and an end that leaves no browser process behind.

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use fantoccini::{Client, ClientBuilder};
use serde_json::json;

use crate::support::{self, DEADLINE, wait_until};

/// `chromedriver` on a free port, in a process group of its own so that dropping it
/// ends it and every browser it started (nothing is left behind, even on a panic).
pub struct Driver {
    child: Option<Child>,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Driver {
    pub fn start() -> Driver {
        let binary = ensure_chromedriver();
        // Chromium's helpers outlive their parents (a zygote, the crash handler's
        // double fork); as a subreaper this test inherits them and reaps them in
        // `stop` instead of leaving zombies to init.
        nix::sys::prctl::set_child_subreaper(true).expect("PR_SET_CHILD_SUBREAPER");
        let port = crate::support::free_port();
        let child = crate::support::command(binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        let driver = Driver {
            child: Some(child),
            port,
            _profile: tempfile::tempdir().unwrap(),
        };
        assert!(
            wait_until(DEADLINE, || TcpStream::connect(("127.0.0.1", port)).is_ok()),
            "chromedriver never listened on {port}"
        );
        driver
    }

    /// A browser session: headless Chromium with the flags a closed network needs
    /// (no background networking, component updates or sync), a throw-away
    /// profile, a fixed window size for the screenshots.
    pub async fn browser(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium_binary(),
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", self._profile.path().display()),
                ],
            }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a WebDriver session")
    }
}

impl Driver {
    /// Ends chromedriver and its browsers; returns the group's processes that are
    /// still alive after the deadline (none, unless something escaped the kill).
    pub fn stop(&mut self) -> Vec<i32> {
        let Some(mut child) = self.child.take() else {
            return Vec::new();
        };
        let group = child.id() as i32;
        let pgid = nix::unistd::Pid::from_raw(group);
        // Ask first (chromedriver then ends its browsers and reaps them), then insist.
        ask_to_shut_down(self.port);
        if !wait_until(DEADLINE, || matches!(child.try_wait(), Ok(Some(_)))) {
            let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGTERM);
            if !wait_until(DEADLINE, || matches!(child.try_wait(), Ok(Some(_)))) {
                let _ = child.kill();
            }
        }
        let _ = child.wait();
        // Browser processes chromedriver left in the group, if any.
        let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
        let mut left = Vec::new();
        wait_until(DEADLINE, || {
            left = live_members(group);
            left.extend(reap_browser_orphans());
            left.is_empty()
        });
        left
    }
}

/// chromedriver's `GET /shutdown`.
fn ask_to_shut_down(port: u16) {
    use std::io::{Read, Write};
    if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
        let _ = s.set_read_timeout(Some(DEADLINE));
        let _ = write!(
            s,
            "GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        );
        let _ = s.read_to_end(&mut Vec::new());
    }
}

/// One process as /proc/<pid>/stat tells it.
struct Proc {
    pid: i32,
    comm: String,
    zombie: bool,
    ppid: i32,
    pgrp: i32,
}

fn processes() -> Vec<Proc> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = support::read(Path::new(&format!("/proc/{pid}/stat")));
            // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
            let (head, rest) = stat.rsplit_once(')')?;
            let comm = head.split_once('(')?.1.to_string();
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(Proc {
                pid,
                comm,
                zombie: *fields.first()? == "Z",
                ppid: fields.get(1)?.parse().ok()?,
                pgrp: fields.get(2)?.parse().ok()?,
            })
        })
        .collect()
}

/// Live (not zombie) processes in process group `group`.
fn live_members(group: i32) -> Vec<i32> {
    processes()
        .into_iter()
        .filter(|p| p.pgrp == group && !p.zombie)
        .map(|p| p.pid)
        .collect()
}

/// Once chromedriver is gone: ends the Chromium processes this test inherited and
/// reaps those that have exited; returns those not reaped yet.
fn reap_browser_orphans() -> Vec<i32> {
    let me = std::process::id() as i32;
    let mut alive = Vec::new();
    for p in processes() {
        if p.ppid != me || !p.comm.starts_with("chrom") {
            continue;
        }
        if p.zombie {
            let _ = nix::sys::wait::waitpid(
                nix::unistd::Pid::from_raw(p.pid),
                Some(nix::sys::wait::WaitPidFlag::WNOHANG),
            );
        } else {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(p.pid),
                nix::sys::signal::Signal::SIGKILL,
            );
            alive.push(p.pid);
        }
    }
    alive
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The project's own installer: a no-op when chromium and chromedriver are there.
fn ensure_chromedriver() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/ensure-chromium.sh");
    let out = crate::support::command("bash")
        .arg(script)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("run ensure-chromium.sh");
    assert!(
        out.status.success(),
        "tests/browser/ensure-chromium.sh failed (it installs chromium and chromium-driver with apt)"
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn chromium_binary() -> String {
    ["/usr/bin/chromium", "/usr/lib/chromium/chromium"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("chromium")
        .to_string()
}

/// Where screenshots go: `<target dir>/web-artifacts/`.
fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("web-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    std::fs::write(artifacts().join(name), png).unwrap();
}
