//! `/metrics` against the real tools: Debian's Prometheus server (installed by
//! `ensure-prometheus.sh` beside this file when missing) scrapes supervisord with
//! basic auth, and its HTTP API answers `supervisor_process_state` of a known
//! program; `promtool check metrics` accepts what we serve; `metrics_auth = false`
//! lets a scraper in without credentials and nothing else.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use super::{AUTH, get, get_unix, wait_for_port};
use crate::support::{Daemon, SOCKET, command, free_port, wait_until};

const PROGRAMS: &str = "[program:web]\ncommand=sleep 1000\nstartsecs=0\n\n\
     [program:flaky]\ncommand=sh -c 'echo oops; exit 3'\nstartretries=1\n\n\
     [eventlistener:listen]\ncommand=cat\nevents=PROCESS_STATE\nbuffer_size=2\n\n";

/// The project's own installer: a no-op when prometheus and promtool are there.
fn ensure_prometheus() -> PathBuf {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/observability/ensure-prometheus.sh");
    let out = command("bash")
        .arg(script)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("run ensure-prometheus.sh");
    assert!(
        out.status.success(),
        "tests/observability/ensure-prometheus.sh failed (it installs Debian's prometheus with apt)"
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn daemon(inet: &str) -> (Daemon, u16) {
    let port = free_port();
    let d = Daemon::configure(&format!(
        "{SOCKET}[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=s3cr3t\n{inet}\n\n{PROGRAMS}"
    ))
    .launch(&["-n"]);
    wait_for_port(port);
    d.expect_log("gave up: flaky entered FATAL state");
    (d, port)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn prometheus_scrapes_supervisord_and_answers_its_process_state() {
    let prometheus = ensure_prometheus();
    let (d, port) = daemon("");
    let prom_port = free_port();
    let conf = d.path("prometheus.yml");
    std::fs::write(
        &conf,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
             scrape_configs:\n  - job_name: supervisord\n    metrics_path: /metrics\n\
             \x20   basic_auth:\n      username: user\n      password: s3cr3t\n\
             \x20   static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        ),
    )
    .unwrap();
    let log = std::fs::File::create(d.path("prometheus.log")).unwrap();
    let _server = Server(
        command(prometheus)
            .arg(format!("--config.file={}", conf.display()))
            .arg(format!("--storage.tsdb.path={}", d.path("tsdb").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus"),
    );
    wait_for_port(prom_port);
    let query = "/api/v1/query?query=supervisor_process_state%7Bname%3D%22web%22%2Cstate%3D%22RUNNING%22%7D";
    let mut last = String::new();
    let answered = wait_until(Duration::from_secs(60), || {
        let r = get(prom_port, query, "");
        last = r.body;
        let v: serde_json::Value = serde_json::from_str(&last).unwrap_or_default();
        v["data"]["result"][0]["value"][1] == "1"
    });
    assert!(
        answered,
        "Prometheus never answered web's RUNNING state; last answer {last}\nprometheus log:\n{}",
        crate::support::read(&d.path("prometheus.log"))
    );
    let v: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(v["data"]["result"][0]["metric"]["group"], "web");
    assert_eq!(v["data"]["result"][0]["metric"]["job"], "supervisord");
    // The flapping program as Prometheus sees it.
    let flaky =
        "/api/v1/query?query=supervisor_process_unexpected_exits_total%7Bname%3D%22flaky%22%7D";
    let r = get(prom_port, flaky, "");
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["data"]["result"][0]["value"][1], "2", "{}", r.body);
}

#[test]
fn promtool_accepts_the_exposition_and_auth_is_kept() {
    ensure_prometheus();
    let (d, port) = daemon("");
    // Behind the same basic auth as everything else by default.
    assert_eq!(get(port, "/metrics", "").status, 401);
    let r = get(port, "/metrics", AUTH);
    assert_eq!(r.status, 200);
    assert!(
        r.head.contains("text/plain; version=0.0.4"),
        "content type: {}",
        r.head
    );
    for needle in [
        "supervisor_process_state{group=\"web\",name=\"web\",state=\"RUNNING\"} 1",
        "supervisor_process_state{group=\"flaky\",name=\"flaky\",state=\"FATAL\"} 1",
        "supervisor_process_unexpected_exits_total{group=\"flaky\",name=\"flaky\"} 2",
        "supervisor_process_last_exit_code{group=\"flaky\",name=\"flaky\"} 3",
        "supervisor_process_log_written_bytes_total{group=\"flaky\",name=\"flaky\",channel=\"stdout\"} 10",
        "supervisor_process_tree_processes{group=\"web\",name=\"web\"} 1",
        "supervisor_pool_events_dropped_total{group=\"listen\"}",
        "supervisor_config_generation 1",
        "process_open_fds ",
    ] {
        assert!(r.body.contains(needle), "no {needle:?} in:\n{}", r.body);
    }
    let file = d.path("metrics.txt");
    std::fs::write(&file, &r.body).unwrap();
    let out = command("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&file).unwrap())
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The unix socket serves it too (it has no credentials here).
    let r = get_unix(&d.path("sv.sock"), "/metrics");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("supervisor_process_state{"));
}

#[test]
fn metrics_auth_false_opens_metrics_only() {
    let (_d, port) = daemon("metrics_auth=false");
    let r = get(port, "/metrics", "");
    assert_eq!(r.status, 200);
    assert!(
        r.body
            .contains("supervisor_process_starts_total{group=\"web\"")
    );
    assert_eq!(get(port, "/RPC2", "").status, 401);
    assert_eq!(get(port, "/", "").status, 401);
    assert_eq!(get(port, "/healthz", "").status, 401);
    assert_eq!(get(port, "/logtail/web", "").status, 401);
}
