//! `/healthz` and `/readyz` for orchestrators' probes: 200/503 as the daemon and its
//! autostart programs are, a JSON body naming what is not ready, behind the basic
//! auth unless `health_auth = false`, on the unix socket too; `/ok.html` keeps
//! Supervisor's answer.

use std::time::Duration;

use super::{AUTH, get, get_unix, wait_for_port};
use crate::support::{DEADLINE, Daemon, SOCKET, free_port, wait_until};

fn readyz(port: u16) -> (u16, serde_json::Value) {
    let r = get(port, "/readyz", "");
    let v = serde_json::from_str(r.body.trim()).unwrap_or_else(|e| panic!("{e}: {r:?}"));
    (r.status, v)
}

#[test]
fn readiness_follows_the_autostart_programs() {
    let port = free_port();
    let d = Daemon::configure(&format!(
        "{SOCKET}[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=s3cr3t\n\
         health_auth=false\n\n\
         [program:slow]\ncommand=sleep 1000\nstartsecs=2\n\n\
         [program:oneshot]\ncommand=true\nstartsecs=0\nautorestart=false\n\n\
         [program:manual]\ncommand=sleep 1000\nautostart=false\n\n"
    ))
    .launch(&["-n"]);
    wait_for_port(port);
    assert_eq!(get(port, "/healthz", "").status, 200);
    assert_eq!(get(port, "/healthz", "").body, "ok\n");
    // While `slow` is STARTING (startsecs=2): 503, naming it, never `manual`.
    let mut seen = serde_json::Value::Null;
    assert!(
        wait_until(DEADLINE, || {
            let (status, v) = readyz(port);
            seen = v;
            status == 503
                && seen["not_ready"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|n| n["name"] == "slow" && n["state"] == "STARTING")
        }),
        "slow never listed as STARTING: {seen}"
    );
    assert_eq!(seen["ready"], false);
    assert!(
        !seen.to_string().contains("manual"),
        "not autostart: {seen}"
    );
    // Once RUNNING (the finished one-shot does not hold it back): 200.
    let mut last = serde_json::Value::Null;
    assert!(
        wait_until(DEADLINE, || {
            let (status, v) = readyz(port);
            last = v;
            status == 200
        }),
        "never ready: {last}"
    );
    assert_eq!(last["state"], "RUNNING");
    assert_eq!(last["not_ready"], serde_json::json!([]));
    // The unix socket answers too; other routes keep their credentials.
    assert_eq!(get_unix(&d.path("sv.sock"), "/readyz").status, 200);
    assert_eq!(get(port, "/RPC2", "").status, 401);
    assert_eq!(get(port, "/metrics", "").status, 401);
    // Supervisor's /ok.html is unchanged.
    let ok = get(port, "/ok.html", AUTH);
    assert_eq!((ok.status, ok.body.as_str()), (200, "OK"));
}

#[test]
fn a_failed_program_makes_supervisord_unready_and_health_needs_auth_by_default() {
    let port = free_port();
    let _d = Daemon::configure(&format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\nusername=user\npassword=s3cr3t\n\n\
         [program:broken]\ncommand=sh -c 'exit 1'\nstartretries=0\n\n"
    ))
    .launch(&["-n"]);
    wait_for_port(port);
    assert_eq!(get(port, "/healthz", "").status, 401);
    assert_eq!(get(port, "/readyz", "").status, 401);
    assert_eq!(get(port, "/healthz", AUTH).status, 200);
    let mut body = String::new();
    assert!(
        wait_until(Duration::from_secs(10), || {
            let r = get(port, "/readyz", AUTH);
            body = r.body;
            r.status == 503 && body.contains("\"FATAL\"")
        }),
        "{body}"
    );
    let v: serde_json::Value = serde_json::from_str(body.trim()).unwrap();
    assert_eq!(v["not_ready"][0]["group"], "broken");
    assert_eq!(v["not_ready"][0]["reason"], "autostart process is FATAL");
}
