//! Dependencies, readiness and health checks with real programs (README,
//! "Dependencies, readiness and health checks"): a web app that starts only once
//! its database accepts connections, a migration that runs first (and holds the app
//! back, visibly, when it fails), `log:`, `http://` and sd_notify ready checks, a
//! hung server restarted by its health check, `start` pulling in what a program
//! needs, a required dependency's restart restarting its dependents, and shutdown
//! in reverse dependency order.

use std::path::Path;

use crate::support::procfs::cpu_ticks;
use crate::support::tree::ctl;
use crate::support::{DEADLINE, Daemon, SOCKET, free_port, read, wait_until};

/// The command of a server.py stand-in (see tests/deps/server.py); its stamp and
/// hang files are `<name>.stamp` and `<name>.hang` in the daemon's directory.
fn server(kind: &str, port: u16, delay: &str, name: &str) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/deps/server.py");
    format!(
        "python3 {} {kind} {port} {delay} %(here)s/{name}.stamp %(here)s/{name}.hang",
        script.display()
    )
}

/// A file's float timestamp (written by server.py or `date +%s.%N`).
fn stamp(d: &Daemon, name: &str) -> f64 {
    let mut text = String::new();
    assert!(
        wait_until(DEADLINE, || {
            text = read(&d.path(name));
            text.trim().parse::<f64>().is_ok()
        }),
        "{name} never written; main log:\n{}",
        d.main_log()
    );
    text.trim().parse().unwrap()
}

fn status_of(d: &Daemon, name: &str) -> String {
    ctl(d, &format!("status {name}")).0
}

#[track_caller]
fn wait_status(d: &Daemon, name: &str, needle: &str) -> String {
    let mut out = String::new();
    assert!(
        wait_until(DEADLINE, || {
            out = status_of(d, name);
            out.contains(needle)
        }),
        "status of {name} never showed {needle:?}: {out}\nmain log:\n{}",
        d.main_log()
    );
    out
}

const STAMP_START: &str = "sh -c 'date +%%s.%%N > %(here)s/{0}.started; exec sleep 1000'";

fn app(name: &str) -> String {
    STAMP_START.replace("{0}", name)
}

#[test]
fn an_app_starts_only_once_its_database_accepts_connections() {
    let port = free_port();
    let db = server("tcp", port, "1", "db");
    let conf = format!(
        "{SOCKET}[program:db]\ncommand={db}\nready_check=tcp://127.0.0.1:{port}\n\
         ready_interval=200ms\n\n\
         [program:web]\ncommand={}\ndepends_on=db:ready\nstartsecs=0\n",
        app("web")
    );
    let d = Daemon::configure(&conf).launch(&["-n"]);
    d.wait_for_socket();
    wait_status(&d, "web", "waiting for db to be ready (STARTING)");
    wait_status(&d, "web", "RUNNING");
    let listening = stamp(&d, "db.stamp");
    let started = stamp(&d, "web.started");
    assert!(
        started >= listening,
        "web started at {started}, before db listened at {listening}"
    );
    d.expect_log(&format!(
        "success: db entered RUNNING state, its ready check passed (tcp://127.0.0.1:{port})"
    ));
}

#[test]
fn a_migration_runs_first_and_a_failing_one_holds_the_app_back_visibly() {
    let conf = format!(
        "{SOCKET}[program:migrate]\ncommand=sh -c 'sleep 0.3; date +%%s.%%N > %(here)s/migrated'\n\
         startsecs=0\nautorestart=false\n\n\
         [program:app]\ncommand={}\ndepends_on=migrate:completed\nstartsecs=0\n\n\
         [program:broken]\ncommand=sh -c 'exit 3'\nstartsecs=0\nautorestart=false\n\n\
         [program:held]\ncommand=/bin/sleep 1000\ndepends_on=broken:completed\n",
        app("app")
    );
    let d = Daemon::start(&conf);
    d.wait_for_socket();
    wait_status(&d, "app", "RUNNING");
    assert!(stamp(&d, "app.started") >= stamp(&d, "migrated"));
    let held = wait_status(
        &d,
        "held",
        "waiting for broken to complete (EXITED, exit status 3)",
    );
    assert!(held.contains("STARTING"), "{held}");
}

#[test]
fn log_and_http_ready_checks() {
    let port = free_port();
    let web = server("http", port, "0.5", "http");
    let conf = format!(
        "{SOCKET}[program:logger]\ncommand=sh -c 'echo warming up; sleep 0.5; echo ready to serve; exec sleep 1000'\n\
         ready_check=log:^ready to serve$\n\n\
         [program:http]\ncommand={web}\nready_check=http://127.0.0.1:{port}/health status=200\n"
    );
    let d = Daemon::configure(&conf).launch(&["-n"]);
    d.wait_for_socket();
    d.expect_log(
        "success: logger entered RUNNING state, its ready check passed (log:^ready to serve$)",
    );
    d.expect_log(&format!(
        "success: http entered RUNNING state, its ready check passed \
         (http://127.0.0.1:{port}/health status=200-200)"
    ));
    let log = d.main_log();
    let spawned = log.find("spawned: 'logger'").unwrap();
    assert!(log[spawned..].contains("success: logger"));
}

#[test]
fn a_program_written_for_systemd_notify_is_running_only_once_it_notified() {
    let notify = crate::support::command("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/deps/ensure-systemd-notify.sh"))
        .output()
        .unwrap();
    assert!(
        notify.status.success(),
        "systemd-notify could not be installed"
    );
    let notify = String::from_utf8(notify.stdout).unwrap().trim().to_string();
    let conf = format!(
        "{SOCKET}[program:svc]\ncommand=sh -c 'sleep 0.5; touch %(here)s/notified; \
         {notify} --ready --status=serving; exec sleep 1000'\nready_check=notify\n"
    );
    let d = Daemon::start(&conf);
    d.wait_for_socket();
    let out = wait_status(&d, "svc", "RUNNING");
    assert!(d.path("notified").exists());
    assert!(out.contains("serving"), "STATUS= is shown: {out}");
    d.expect_log("success: svc entered RUNNING state, its ready check passed (notify: READY=1)");
}

#[test]
fn a_hung_server_fails_its_health_check_and_is_restarted() {
    let port = free_port();
    let web = server("http", port, "0", "web");
    let conf = format!(
        "{SOCKET}[program:web]\ncommand={web}\nready_check=http://127.0.0.1:{port}/\n\
         health_check=http://127.0.0.1:{port}/health\nhealth_interval=200ms\n\
         health_timeout=300ms\nhealth_retries=2\n\n\
         [program:front]\ncommand=/bin/sleep 1000\ndepends_on=web:healthy\n\n\
         [eventlistener:health]\ncommand=python3 {} %(here)s/health.jsonl\nevents=PROCESS_HEALTH\n",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/events/listener.py")
            .display()
    );
    let d = Daemon::configure(&conf).launch(&["-n"]);
    d.wait_for_socket();
    wait_status(&d, "web", "healthy");
    wait_status(&d, "front", "RUNNING");
    // Visible to scripts too: status --json, and XML-RPC's additive key.
    let json = ctl(&d, "status --json web").0;
    assert!(json.contains("\"healthy\": true"), "{json}");
    let first = d.main_log().matches("spawned: 'web'").count();
    std::fs::write(d.path("web.hang"), "").unwrap();
    d.expect_log(&format!(
        "restarting web: its health check failed 2 times in a row \
         (http://127.0.0.1:{port}/health: no answer within 300 ms)"
    ));
    std::fs::remove_file(d.path("web.hang")).unwrap();
    assert!(wait_until(DEADLINE, || d
        .main_log()
        .matches("spawned: 'web'")
        .count()
        > first));
    wait_status(&d, "web", "healthy");
    // Listeners heard it all: ready, healthy, unhealthy, and healthy again.
    let mut events: Vec<String> = Vec::new();
    assert!(
        wait_until(DEADLINE, || {
            events = read(&d.path("health.jsonl"))
                .lines()
                .filter(|l| l.contains("processname:web "))
                .filter_map(|l| l.split("eventname:").nth(1))
                .filter_map(|t| t.split_whitespace().next())
                .map(str::to_string)
                .collect();
            events.len() >= 5
        }),
        "{events:?}"
    );
    assert_eq!(
        events[..5],
        [
            "PROCESS_HEALTH_READY",
            "PROCESS_HEALTH_HEALTHY",
            "PROCESS_HEALTH_UNHEALTHY",
            "PROCESS_HEALTH_READY",
            "PROCESS_HEALTH_HEALTHY"
        ]
    );
}

#[test]
fn start_pulls_in_dependencies_and_a_required_one_restarts_its_dependents() {
    let port = free_port();
    let db = server("tcp", port, "0.3", "db");
    let conf = format!(
        "{SOCKET}[program:db]\ncommand={db}\nready_check=tcp://127.0.0.1:{port}\nautostart=false\n\n\
         [program:app]\ncommand=/bin/sleep 1000\ndepends_on=db:ready required\nautostart=false\n\
         startsecs=0\n"
    );
    let d = Daemon::configure(&conf).launch(&["-n"]);
    d.wait_for_socket();
    let (out, code) = ctl(&d, "start app");
    assert_eq!(
        (out.as_str(), code),
        ("app: started\n", 0),
        "{}",
        d.main_log()
    );
    assert!(status_of(&d, "db").contains("RUNNING"));
    let pid = |name: &str| ctl(&d, &format!("pid {name}")).0.trim().to_string();
    let before = pid("app");
    let (out, _) = ctl(&d, "restart db");
    assert!(out.contains("db: started"), "{out}");
    d.expect_log("stopping app: its required dependency is gone: db to be ready (");
    assert!(
        wait_until(DEADLINE, || {
            let now = pid("app");
            now != before && now != "0" && status_of(&d, "app").contains("RUNNING")
        }),
        "app was not restarted with db:\n{}",
        d.main_log()
    );
}

#[test]
fn shutdown_stops_dependents_before_what_they_depend_on() {
    let conf = format!(
        "{SOCKET}[program:a]\ncommand=/bin/sleep 1000\nstartsecs=0\npriority=100\n\n\
         [program:b]\ncommand=/bin/sleep 1000\nstartsecs=0\ndepends_on=a\npriority=200\n\n\
         [program:c]\ncommand=/bin/sleep 1000\nstartsecs=0\ndepends_on=b\npriority=50\n\n\
         [program:x]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
    );
    let mut d = Daemon::start(&conf);
    d.wait_for_socket();
    for p in ["a", "b", "c", "x"] {
        wait_status(&d, p, "RUNNING");
    }
    let log = d.main_log();
    let at = |needle: &str, log: &str| {
        log.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{log}"))
    };
    assert!(at("spawned: 'a'", &log) < at("spawned: 'b'", &log));
    assert!(at("spawned: 'b'", &log) < at("spawned: 'c'", &log));
    assert_eq!(d.terminate(), 0);
    let log = d.main_log();
    // c's priority (50) alone would stop it last; dependencies come first.
    assert!(at("stopped: c ", &log) < at("stopped: b ", &log));
    assert!(at("stopped: b ", &log) < at("stopped: a ", &log));
}

#[test]
fn a_dependency_cycle_is_refused_with_the_cycle_spelled_out() {
    let d = Daemon::configure(
        "[program:a]\ncommand=/bin/a\ndepends_on=b\n[program:b]\ncommand=/bin/b\ndepends_on=a\n",
    );
    let out = crate::support::command(env!("CARGO_BIN_EXE_supervisord"))
        .args(["-n", "-c"])
        .arg(d.path("sd.conf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("depends_on: dependency cycle a → b → a") && err.contains("sd.conf"),
        "{err}"
    );
}

/// A wait sleeps until a dependency changes: a process waiting for one that is
/// retrying costs the daemon nothing (a snapshot receiver left unseen once made the
/// wait wake at once, forever: a whole core, 100 ticks a second).
#[test]
fn a_waiting_process_costs_no_cpu() {
    let conf = format!(
        "{SOCKET}[program:broken]\ncommand=/bin/false\nstartretries=2\n\n\
         [program:held]\ncommand=/bin/sleep 1000\ndepends_on=broken\n"
    );
    let d = Daemon::start(&conf);
    d.wait_for_socket();
    // The window is the daemon's own: from the first back-off to giving up (about
    // 1 + 2 s of back-off), measured while the test only reads the main log.
    wait_status(&d, "held", "waiting for broken (BACKOFF)");
    let pid = d.daemon_pid();
    let (before, started) = (cpu_ticks(pid), std::time::Instant::now());
    d.expect_log("gave up: broken entered FATAL state");
    let spent = cpu_ticks(pid) - before;
    let per_second = spent as f64 / started.elapsed().as_secs_f64();
    assert!(
        per_second < 20.0,
        "{spent} ticks of CPU in {:?} of waiting",
        started.elapsed()
    );
    assert!(status_of(&d, "held").contains("waiting for broken (FATAL)"));
}
