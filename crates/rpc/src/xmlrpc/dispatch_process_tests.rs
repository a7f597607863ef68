//! Dispatcher tests of the process methods over the in-memory Control: start, stop,
//! signal, process and config info, logs and stdin, with Supervisor 4.3's shapes
//! and fault strings.

use super::tests::{fault_text, keys, result, s};
use super::*;
use crate::xmlrpc::testing::Fake;

#[tokio::test]
async fn start_stop_signal() {
    let f = Fake::new();
    let start = |args: Vec<Value>| call(&f, "supervisor.startProcess", args);
    assert_eq!(start(vec![s("g:b")]).await, Ok(Value::Bool(true)));
    assert_eq!(
        fault_text(start(vec![s("g:a")]).await),
        "ALREADY_STARTED: g:a"
    );
    assert_eq!(fault_text(start(vec![s("nope")]).await), "BAD_NAME: nope");
    assert_eq!(
        fault_text(start(vec![s("nope:*")]).await),
        "BAD_NAME: nope:*"
    );
    assert_eq!(
        fault_text(start(vec![Value::Int(5)]).await),
        "INCORRECT_PARAMETERS"
    );
    assert_eq!(
        start(vec![s("g:*"), Value::Bool(false)]).await,
        Ok(Value::Array(vec![result("g", "b", 80, "OK")]))
    );
    assert_eq!(
        f.journal(),
        [
            "act Start { wait: true } Process(\"g:b\")",
            "act Start { wait: true } Process(\"g:a\")",
            "act Start { wait: true } Process(\"nope\")",
            "act Start { wait: true } Group(\"nope\")",
            "act Start { wait: false } Group(\"g\")",
        ]
    );
    assert_eq!(
        call(&f, "supervisor.stopAllProcesses", vec![]).await,
        Ok(Value::Array(vec![result("g", "a", 80, "OK")]))
    );
    assert_eq!(
        fault_text(call(&f, "supervisor.stopProcess", vec![s("g:b")]).await),
        "NOT_RUNNING: g:b"
    );
    assert_eq!(
        fault_text(call(&f, "supervisor.stopProcessGroup", vec![s("x")]).await),
        "BAD_NAME: x"
    );
    let sig = |ns: &str, signal: Value| call(&f, "supervisor.signalProcess", vec![s(ns), signal]);
    assert_eq!(sig("g:a", s("HUP")).await, Ok(Value::Bool(true)));
    assert_eq!(sig("g:a", Value::Int(1)).await, Ok(Value::Bool(true)));
    assert_eq!(
        fault_text(sig("g:a", Value::Int(99)).await),
        "BAD_SIGNAL: 99"
    );
    assert_eq!(fault_text(sig("solo", s("HUP")).await), "NOT_RUNNING: solo");
    assert_eq!(
        call(
            &f,
            "supervisor.signalProcessGroup",
            vec![s("g"), s("BOGUS")]
        )
        .await,
        Ok(Value::Array(vec![result(
            "g",
            "a",
            11,
            "BAD_SIGNAL: BOGUS"
        )]))
    );
    assert_eq!(
        call(&f, "supervisor.startAllProcesses", vec![Value::from("")]).await,
        Ok(Value::Array(vec![
            result("g", "b", 80, "OK"),
            result("solo", "solo", 80, "OK")
        ]))
    );
    assert!(
        f.journal()
            .last()
            .is_some_and(|l| l.contains("wait: false"))
    );
}

#[tokio::test]
async fn process_info_has_supervisors_keys_in_order() {
    let f = Fake::new();
    let info = call(&f, "supervisor.getProcessInfo", vec![s("g:a")])
        .await
        .expect("info");
    assert_eq!(
        keys(&info),
        [
            "name",
            "group",
            "start",
            "stop",
            "now",
            "state",
            "statename",
            "spawnerr",
            "exitstatus",
            "logfile",
            "stdout_logfile",
            "stderr_logfile",
            "pid",
            "description"
        ]
    );
    assert_eq!(info.get("now"), Some(&Value::Int(i32::MAX)));
    assert_eq!(info.get("logfile"), Some(&s("/logs/a.out")));
    assert_eq!(info.get("state"), Some(&Value::Int(20)));
    assert_eq!(
        fault_text(call(&f, "supervisor.getProcessInfo", vec![s("g:*")]).await),
        "BAD_NAME: g:*"
    );
    let all = call(&f, "supervisor.getAllProcessInfo", vec![])
        .await
        .expect("all");
    assert!(matches!(all, Value::Array(items) if items.len() == 3));
}

#[tokio::test]
async fn config_info_has_supervisors_keys_in_order() {
    let f = Fake::new();
    let Ok(Value::Array(infos)) = call(&f, "supervisor.getAllConfigInfo", vec![]).await else {
        panic!("an array");
    };
    assert_eq!(infos[0].get("name"), Some(&s("a")), "sorted by name");
    assert_eq!(
        keys(&infos[0]),
        [
            "autostart",
            "autorestart",
            "directory",
            "uid",
            "command",
            "exitcodes",
            "group",
            "group_prio",
            "inuse",
            "killasgroup",
            "name",
            "process_prio",
            "redirect_stderr",
            "startretries",
            "startsecs",
            "stdout_capture_maxbytes",
            "stdout_events_enabled",
            "stdout_logfile",
            "stdout_logfile_backups",
            "stdout_logfile_maxbytes",
            "stdout_syslog",
            "stopsignal",
            "stopwaitsecs",
            "stderr_capture_maxbytes",
            "stderr_events_enabled",
            "stderr_logfile",
            "stderr_logfile_backups",
            "stderr_logfile_maxbytes",
            "stderr_syslog",
            "serverurl"
        ]
    );
    assert_eq!(infos[0].get("directory"), Some(&s("none")));
    assert_eq!(infos[0].get("uid"), Some(&s("none")));
    assert_eq!(infos[0].get("autorestart"), Some(&s("unexpected")));
    assert_eq!(
        infos[0].get("exitcodes"),
        Some(&Value::Array(vec![Value::Int(0)]))
    );
    assert_eq!(
        infos[0].get("stderr_logfile_maxbytes"),
        Some(&Value::Int(i32::MAX))
    );
}

#[tokio::test]
async fn logs() {
    let f = Fake::new();
    let main = call(&f, "supervisor.readLog", vec![Value::Int(0), Value::Int(0)]).await;
    assert_eq!(main, Ok(s("main \u{1b}[1m\u{fffd} log\n")), "lossy UTF-8");
    let last = call(
        &f,
        "supervisor.readMainLog",
        vec![s("-4"), Value::Bool(false)],
    )
    .await;
    assert_eq!(last, Ok(s("log\n")), "Python's int() coercions");
    let read = |m: &'static str, ns: &str, o: i32, l: i32| {
        call(&f, m, vec![s(ns), Value::Int(o), Value::Int(l)])
    };
    assert_eq!(
        read("supervisor.readProcessStdoutLog", "g:a", 2, 3).await,
        Ok(s("234"))
    );
    assert_eq!(
        read("supervisor.readProcessLog", "g:a", 0, 0).await,
        Ok(s("0123456789"))
    );
    assert_eq!(
        fault_text(read("supervisor.readProcessStdoutLog", "g:a", 0, -1).await),
        "BAD_ARGUMENTS"
    );
    assert_eq!(
        fault_text(read("supervisor.readProcessStderrLog", "g:a", 0, 0).await),
        "NO_FILE"
    );
    assert_eq!(
        fault_text(read("supervisor.readProcessLog", "g:*", 0, 0).await),
        "BAD_NAME: g:*"
    );
    assert_eq!(
        fault_text(read("supervisor.readProcessLog", "zz", 0, 0).await),
        "BAD_NAME: zz"
    );
    assert_eq!(
        read("supervisor.tailProcessStdoutLog", "g:a", 0, 4).await,
        Ok(Value::Array(vec![
            s("6789"),
            Value::Int(10),
            Value::Bool(true)
        ]))
    );
    assert_eq!(
        read("supervisor.tailProcessStderrLog", "g:a", 0, 4).await,
        Ok(Value::Array(vec![s(""), Value::Int(0), Value::Bool(false)]))
    );
    assert_eq!(
        call(&f, "supervisor.clearProcessLogs", vec![s("g:a")]).await,
        Ok(Value::Bool(true))
    );
    assert_eq!(
        fault_text(call(&f, "supervisor.clearProcessLog", vec![s("g:")]).await),
        "BAD_NAME: g:"
    );
    let all = call(&f, "supervisor.clearAllProcessLogs", vec![]).await;
    assert!(matches!(all, Ok(Value::Array(items)) if items.len() == 3));
}

#[tokio::test]
async fn send_process_stdin() {
    let f = Fake::new();
    let send = |ns: Value, chars: Value| call(&f, "supervisor.sendProcessStdin", vec![ns, chars]);
    assert_eq!(send(s("g:a"), s("h\u{e9}")).await, Ok(Value::Bool(true)));
    assert_eq!(f.journal(), ["stdin g:a [104, 195, 169]"]);
    assert_eq!(
        fault_text(send(s("g:a"), Value::Int(5)).await),
        "INCORRECT_PARAMETERS: 5"
    );
    assert_eq!(
        fault_text(send(Value::Int(1), Value::Int(5)).await),
        "INCORRECT_PARAMETERS: 5"
    );
    assert_eq!(
        fault_text(send(Value::Int(1), s("x")).await),
        "INCORRECT_PARAMETERS"
    );
    assert_eq!(fault_text(send(s("g:b"), s("x")).await), "NOT_RUNNING: g:b");
    assert_eq!(fault_text(send(s("g:*"), s("x")).await), "BAD_NAME: g:*");
}
