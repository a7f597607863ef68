//! The gRPC API from outside: a Python client generated from the proto file alone
//! (grpcio-tools, provisioned in the oracle venv) drives a live supervisord over its
//! unix socket; authentication is enforced on gRPC calls too.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Daemon, SOCKET, oracle_python};
use serde_json::{Value, json};

const GRPC_TOOLS: &str = "grpcio-tools==1.76.0";

/// Generates the Python stubs for the proto into `dir`.
fn generate(python: &Path, dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = crate::support::command(python)
        .args(["-m", "grpc_tools.protoc"])
        // The stubs are imported as `supervisor_pb2`: a `supervisor` package would
        // collide with Python's Supervisor, installed in the same venv.
        .arg(format!("-I{}", root.join("proto/supervisor/v1").display()))
        .arg(format!("--python_out={}", dir.display()))
        .arg(format!("--grpc_python_out={}", dir.display()))
        .arg("supervisor.proto")
        .status()
        .unwrap();
    assert!(status.success(), "grpc_tools.protoc failed");
}

fn client(d: &Daemon, scenario: &str, creds: Option<(&str, &str)>) -> Value {
    let mut cmd = client_command(d, scenario);
    if let Some((u, p)) = creds {
        cmd.args([u, p]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// tests/grpc/client.py running `scenario` against `d`, not started yet.
pub fn client_command(d: &Daemon, scenario: &str) -> Command {
    let python = oracle_python(&[GRPC_TOOLS]);
    let gen_dir: PathBuf = d.path("gen");
    std::fs::create_dir_all(&gen_dir).unwrap();
    generate(&python, &gen_dir);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/grpc/client.py");
    let mut cmd = crate::support::command(&python);
    cmd.arg(script)
        .arg(&gen_dir)
        .arg(d.path("sv.sock"))
        .arg(scenario);
    cmd
}

#[test]
fn a_client_generated_from_the_proto_lists_starts_and_stops() {
    let d = Daemon::start(&format!(
        "{SOCKET}[program:sleeper]\ncommand=/bin/sleep 1000\n\n\
         [program:manual]\ncommand=/bin/sleep 1000\nautostart=false\nstartsecs=0\n\n\
         [program:missing]\ncommand=/nonexistent/cmd\nautostart=false\n"
    ));
    d.wait_for_socket();
    d.expect_log("success: sleeper entered RUNNING state");
    let seen = client(&d, "lifecycle", None);
    let before = seen["before"].as_array().unwrap();
    assert_eq!(
        before[0],
        json!(["manual", "manual", "STOPPED", "Not started"])
    );
    assert_eq!(
        before[1],
        json!(["missing", "missing", "STOPPED", "Not started"])
    );
    assert_eq!(before[2][2], "RUNNING");
    assert_eq!(seen["manual"], json!(["RUNNING", true, true]));
    assert_eq!(
        seen["missing"],
        json!([
            "FAILED_PRECONDITION",
            {"code": 20, "text": "NO_FILE: can't find command '/nonexistent/cmd'"}
        ])
    );
    assert_eq!(
        seen["nosuch"],
        json!(["NOT_FOUND", {"code": 10, "text": "BAD_NAME: nosuch"}])
    );
    assert_eq!(
        seen["stopall"],
        json!([["manual", 80, "OK"], ["sleeper", 80, "OK"]])
    );
    assert_eq!(seen["state"], json!([1, "RUNNING", "3.0", "4.3.0"]));
}

#[test]
fn watch_processes_streams_current_states_then_transitions() {
    let d = Daemon::start(&format!(
        "{SOCKET}[program:sleeper]\ncommand=/bin/sleep 1000\n\n\
         [program:manual]\ncommand=/bin/sleep 1000\nautostart=false\n\n\
         [program:missing]\ncommand=/nonexistent/cmd\nautostart=false\n"
    ));
    d.wait_for_socket();
    // Quiet first, so the first three items are the three current states.
    d.expect_log("success: sleeper entered RUNNING state");
    let seen = client(&d, "watch", None);
    assert_eq!(seen["initial"], json!(["manual", "missing", "sleeper"]));
    // STOPPED was the initial state; then the start, then startsecs later RUNNING.
    assert_eq!(seen["manual"], json!(["STARTING", "RUNNING"]));
}

#[test]
fn watch_events_streams_supervisor_events_as_listeners_would_see_them() {
    let d = Daemon::start(&format!(
        "{SOCKET}[program:manual]\ncommand=/bin/sleep 1000\nautostart=false\n"
    ));
    d.wait_for_socket();
    let seen = client(&d, "events", None);
    assert_eq!(
        seen["bad"],
        json!([
            "INVALID_ARGUMENT",
            {"code": 2, "text": "INCORRECT_PARAMETERS: unknown event type NO_SUCH_EVENT"}
        ])
    );
    assert_eq!(
        seen["events"],
        json!([
            [
                "PROCESS_STATE_STARTING",
                "processname:manual groupname:manual from_state:STOPPED tries:0",
                0
            ],
            [
                "PROCESS_STATE_RUNNING",
                "processname:manual groupname:manual from_state:STARTING pid:N",
                0
            ],
            ["REMOTE_COMMUNICATION", "type:hello\nworld", 0]
        ])
    );
    assert_eq!(seen["increasing"], true);
}

/// The `Update` call from a client generated from the proto: a dry run changes
/// nothing (no group event), the real one removes and adds groups, and a watcher
/// sees PROCESS_GROUP_REMOVED and PROCESS_GROUP_ADDED as a listener would.
#[test]
fn update_over_grpc_reports_per_process_and_emits_group_events() {
    let programs = |extra: &str| {
        format!("{SOCKET}[program:keep]\ncommand=/bin/sleep 1000\nstartsecs=0\n\n{extra}")
    };
    let d = Daemon::start(&programs("[program:old]\ncommand=/bin/sleep 1000\n"));
    d.wait_for_socket();
    d.expect_log("success: keep entered RUNNING state");
    let conf = std::fs::read_to_string(d.path("sd.conf")).unwrap();
    let edited = conf.replace(
        "[program:old]\ncommand=/bin/sleep 1000\n",
        "[program:new]\ncommand=/bin/sleep 1000\nautostart=false\n",
    );
    std::fs::write(
        d.path("sd.conf"),
        edited.replace("startsecs=0", "startsecs=0\nstartretries=5"),
    )
    .unwrap();
    let seen = client(&d, "group_events", None);
    let plan = json!([
        ["old", "REMOVED", [["old", "REMOVE", [], false]]],
        [
            "keep",
            "CHANGED",
            [["keep", "LIVE", ["startretries"], false]]
        ],
        ["new", "ADDED", [["new", "ADD", [], false]]]
    ]);
    assert_eq!(seen["dry"], plan);
    assert_eq!(seen["update"], plan);
    assert_eq!(
        seen["events"],
        json!([
            ["REMOTE_COMMUNICATION", "type:dry-run-done\n"],
            ["PROCESS_GROUP_REMOVED", "groupname:old\n"],
            ["PROCESS_GROUP_ADDED", "groupname:new\n"],
            ["REMOTE_COMMUNICATION", "type:update-done\n"]
        ])
    );
    assert_eq!(d.count("spawned: 'keep'"), 1, "keep was restarted");
}

#[test]
fn grpc_calls_need_the_configured_credentials() {
    let d = Daemon::start(&format!(
        "{}[program:sleeper]\ncommand=/bin/sleep 1000\n",
        SOCKET.replace(
            "file=%(here)s/sv.sock\n",
            "file=%(here)s/sv.sock\nusername=chris\npassword={SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d\n"
        )
    ));
    d.wait_for_socket();
    assert_eq!(client(&d, "auth", None)["state"], "UNAUTHENTICATED");
    assert_eq!(
        client(&d, "auth", Some(("chris", "wrong-secret")))["state"],
        "UNAUTHENTICATED"
    );
    assert_eq!(
        client(&d, "auth", Some(("chris", "thepassword")))["state"],
        "ok"
    );
    // The first refusal is logged (the next ones from the same peer are counted);
    // nothing the client sent as credentials is.
    d.expect_log("refused POST /supervisor.v1.Supervisor/GetState from uid ");
    let log = d.main_log();
    assert!(
        log.contains("authentication failed (no credentials)"),
        "{log}"
    );
    assert!(
        !log.contains("chris") && !log.contains("wrong-secret") && !log.contains("thepassword")
    );
}

#[test]
fn supervisorctl_status_json_is_a_parseable_listing() {
    let d = Daemon::start(&format!(
        "{SOCKET}[program:sleeper]\ncommand=/bin/sleep 1000\n\n\
         [program:manual]\ncommand=/bin/sleep 1000\nautostart=false\n"
    ));
    d.wait_for_socket();
    d.expect_log("success: sleeper entered RUNNING state");
    let out = crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"))
        .args(["-s", &d.server_url(), "status", "--json"])
        .output()
        .unwrap();
    // Same exit status as the plain listing: something is not running.
    assert_eq!(out.status.code(), Some(3));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let brief: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["namespec"].as_str().unwrap().to_string(),
                p["statename"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        brief,
        [
            ("manual".to_string(), "STOPPED".to_string()),
            ("sleeper".to_string(), "RUNNING".to_string())
        ]
    );
    assert!(list[1]["pid"].as_i64().unwrap() > 0);
}

#[test]
fn a_huge_name_is_not_echoed_whole_in_the_status() {
    let d = Daemon::start(&format!(
        "{SOCKET}[program:sleeper]\ncommand=/bin/sleep 1000\n"
    ));
    d.wait_for_socket();
    let seen = client(&d, "huge_name", None);
    // The fault reaches the client (grpc-core would refuse metadata of 3 MB), with
    // the name cut short in both the message and the Fault detail.
    assert_eq!(seen["code"], "NOT_FOUND", "{seen}");
    let message = seen["message"].as_str().unwrap();
    assert!(message.starts_with("BAD_NAME: xxxx"), "{message:.100}");
    assert!(message.len() < 1100, "{} bytes", message.len());
    assert!(
        message.ends_with("... (3145738 bytes)"),
        "{}",
        &message[message.len() - 40..]
    );
    assert_eq!(seen["fault"]["code"], 10);
    assert_eq!(seen["fault"]["text"], seen["message"]);
}
