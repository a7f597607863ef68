//! Dispatcher tests over the in-memory Control: names, introspection, arity, the
//! shutdown guard, the daemon methods and `system.multicall`, with the values and
//! fault strings Supervisor 4.3 produces. Process methods: dispatch_process_tests.rs.

use supervisor_model::{Fault, SupervisorState};

use super::*;
use crate::xmlrpc::testing::Fake;
use crate::xmlrpc::write;

pub(super) fn s(text: &str) -> Value {
    Value::from(text)
}

pub(super) fn fault_text(r: Result<Value, FaultError>) -> String {
    match r {
        Ok(v) => panic!("expected a fault, got {v:?}"),
        Err(e) => e.text,
    }
}

pub(super) fn keys(v: &Value) -> Vec<&str> {
    match v {
        Value::Struct(members) => members.iter().map(|(k, _)| k.as_str()).collect(),
        other => panic!("not a struct: {other:?}"),
    }
}

pub(super) fn result(group: &str, name: &str, status: i32, description: &str) -> Value {
    Value::structure([
        ("name", s(name)),
        ("group", s(group)),
        ("status", Value::Int(status)),
        ("description", s(description)),
    ])
}

/// `system.listMethods` as Supervisor 4.3.0 answers it.
const ORACLE_METHODS: [&str; 41] = [
    "supervisor.addProcessGroup",
    "supervisor.clearAllProcessLogs",
    "supervisor.clearLog",
    "supervisor.clearProcessLog",
    "supervisor.clearProcessLogs",
    "supervisor.getAPIVersion",
    "supervisor.getAllConfigInfo",
    "supervisor.getAllProcessInfo",
    "supervisor.getIdentification",
    "supervisor.getPID",
    "supervisor.getProcessInfo",
    "supervisor.getState",
    "supervisor.getSupervisorVersion",
    "supervisor.getVersion",
    "supervisor.readLog",
    "supervisor.readMainLog",
    "supervisor.readProcessLog",
    "supervisor.readProcessStderrLog",
    "supervisor.readProcessStdoutLog",
    "supervisor.reloadConfig",
    "supervisor.removeProcessGroup",
    "supervisor.restart",
    "supervisor.sendProcessStdin",
    "supervisor.sendRemoteCommEvent",
    "supervisor.shutdown",
    "supervisor.signalAllProcesses",
    "supervisor.signalProcess",
    "supervisor.signalProcessGroup",
    "supervisor.startAllProcesses",
    "supervisor.startProcess",
    "supervisor.startProcessGroup",
    "supervisor.stopAllProcesses",
    "supervisor.stopProcess",
    "supervisor.stopProcessGroup",
    "supervisor.tailProcessLog",
    "supervisor.tailProcessStderrLog",
    "supervisor.tailProcessStdoutLog",
    "system.listMethods",
    "system.methodHelp",
    "system.methodSignature",
    "system.multicall",
];

#[tokio::test]
async fn introspection() {
    let f = Fake::new();
    assert_eq!(
        call(&f, "system.listMethods", vec![]).await,
        Ok(Value::strings(ORACLE_METHODS))
    );
    assert_eq!(
        call(
            &f,
            "system.methodSignature",
            vec![s("supervisor.startProcess")]
        )
        .await,
        Ok(Value::strings(["boolean", "string", "boolean"]))
    );
    assert_eq!(
        call(&f, "system.methodSignature", vec![s("system.multicall")]).await,
        Ok(Value::strings(["array", "array"]))
    );
    let help = call(&f, "system.methodHelp", vec![s("supervisor.getPID")]).await;
    assert!(matches!(help, Ok(Value::String(h)) if h.contains("@return int")));
    for bad in [s("nope"), s(" system.listMethods"), Value::Int(3)] {
        for m in ["system.methodHelp", "system.methodSignature"] {
            assert_eq!(
                fault_text(call(&f, m, vec![bad.clone()]).await),
                "SIGNATURE_UNSUPPORTED"
            );
        }
    }
}

#[tokio::test]
async fn unknown_names_and_wrong_arity() {
    let f = Fake::new();
    for m in [
        "supervisor._update",
        "supervisor.getState.x",
        "nope",
        "system.nope",
        "",
        "supervisor",
    ] {
        assert_eq!(
            fault_text(call(&f, m, vec![]).await),
            "UNKNOWN_METHOD",
            "{m}"
        );
    }
    assert_eq!(
        fault_text(call(&f, "supervisor.getState", vec![s("x")]).await),
        "INCORRECT_PARAMETERS"
    );
    assert_eq!(
        fault_text(call(&f, "supervisor.startProcess", vec![]).await),
        "INCORRECT_PARAMETERS"
    );
    let three = vec![s("g:b"), Value::Bool(true), s("x")];
    assert_eq!(
        fault_text(call(&f, "supervisor.startProcess", three).await),
        "INCORRECT_PARAMETERS"
    );
    assert_eq!(
        fault_text(call(&f, "system.multicall", vec![]).await),
        "INCORRECT_PARAMETERS"
    );
    assert_eq!(
        fault_text(call(&f, "system.multicall", vec![s("x")]).await),
        "INCORRECT_PARAMETERS"
    );
}

#[tokio::test]
async fn shutdown_state_guards_supervisor_methods() {
    let f = Fake::new();
    assert_eq!(
        call(&f, "supervisor.shutdown", vec![]).await,
        Ok(Value::Bool(true))
    );
    assert_eq!(f.state(), SupervisorState::Shutdown);
    assert_eq!(
        fault_text(call(&f, "supervisor.getState", vec![]).await),
        "SHUTDOWN_STATE"
    );
    assert_eq!(
        fault_text(call(&f, "supervisor.getAPIVersion", vec![]).await),
        "SHUTDOWN_STATE"
    );
    // Arity is checked first, as Python's call fails before `_update` runs.
    assert_eq!(
        fault_text(call(&f, "supervisor.getState", vec![s("x")]).await),
        "INCORRECT_PARAMETERS"
    );
    assert!(call(&f, "system.listMethods", vec![]).await.is_ok());
    let event = vec![s("type"), s("data")];
    assert_eq!(
        call(&f, "supervisor.sendRemoteCommEvent", event).await,
        Ok(Value::Bool(true))
    );
    assert_eq!(f.journal(), ["event type data"]);
    f.set_state(SupervisorState::Fatal);
    assert!(call(&f, "supervisor.getState", vec![]).await.is_ok());
}

#[tokio::test]
async fn daemon_methods() {
    let f = Fake::new();
    assert_eq!(
        call(&f, "supervisor.getVersion", vec![]).await,
        Ok(s("3.0"))
    );
    assert_eq!(
        call(&f, "supervisor.getSupervisorVersion", vec![]).await,
        Ok(s("4.3.0"))
    );
    assert_eq!(
        call(&f, "supervisor.getIdentification", vec![]).await,
        Ok(s("fake"))
    );
    assert_eq!(
        call(&f, "supervisor.getPID", vec![]).await,
        Ok(Value::Int(4242))
    );
    assert_eq!(
        call(&f, "supervisor.getState", vec![]).await,
        Ok(Value::structure([
            ("statecode", Value::Int(1)),
            ("statename", s("RUNNING"))
        ]))
    );
    assert_eq!(
        call(&f, "supervisor.reloadConfig", vec![]).await,
        Ok(Value::Array(vec![Value::Array(vec![
            Value::strings(["new"]),
            Value::strings(Vec::<String>::new()),
            Value::strings(["old", "older"]),
        ])]))
    );
    assert_eq!(
        call(&f, "supervisor.addProcessGroup", vec![s("new")]).await,
        Ok(Value::Bool(true))
    );
    assert_eq!(
        fault_text(call(&f, "supervisor.addProcessGroup", vec![s("g")]).await),
        "ALREADY_ADDED: g"
    );
    assert_eq!(
        fault_text(call(&f, "supervisor.removeProcessGroup", vec![s("g")]).await),
        "STILL_RUNNING: g"
    );
    assert_eq!(
        fault_text(call(&f, "supervisor.removeProcessGroup", vec![Value::Int(1)]).await),
        "INCORRECT_PARAMETERS"
    );
    assert_eq!(
        call(&f, "supervisor.clearLog", vec![]).await,
        Ok(Value::Bool(true))
    );
    assert_eq!(
        call(&f, "supervisor.restart", vec![]).await,
        Ok(Value::Bool(true))
    );
    assert_eq!(f.state(), SupervisorState::Restarting);
}

#[tokio::test]
async fn multicall_follows_supervisor() {
    let f = Fake::new();
    let entry = |name: Option<Value>, params: Option<Value>| {
        Value::structure(
            name.map(|n| ("methodName", n))
                .into_iter()
                .chain(params.map(|p| ("params", p))),
        )
    };
    let calls = Value::Array(vec![
        entry(Some(s("supervisor.getAPIVersion")), None),
        entry(Some(s("system.multicall")), Some(Value::Array(vec![]))),
        entry(None, Some(Value::Array(vec![]))),
        entry(
            Some(s("supervisor.getProcessInfo")),
            Some(Value::Array(vec![s("nope")])),
        ),
        entry(Some(s("supervisor.getPID")), Some(s("abc"))),
        s("not a struct"),
        entry(Some(Value::Int(5)), None),
        entry(
            Some(s("supervisor.stopProcess")),
            Some(Value::Array(vec![s("g:a")])),
        ),
    ]);
    let fault = |code: i32, text: &str| write::fault_struct(code, text);
    assert_eq!(
        call(&f, "system.multicall", vec![calls]).await,
        Ok(Value::Array(vec![
            s("3.0"),
            fault(
                2,
                "INCORRECT_PARAMETERS: Recursive system.multicall forbidden"
            ),
            fault(2, "INCORRECT_PARAMETERS: No methodName"),
            fault(10, "BAD_NAME: nope"),
            fault(2, "INCORRECT_PARAMETERS"),
            fault(2, "INCORRECT_PARAMETERS"),
            fault(2, "INCORRECT_PARAMETERS"),
            Value::Bool(true),
        ]))
    );
    // Calls inside a multicall are guarded one by one.
    f.set_state(SupervisorState::Shutdown);
    let calls = Value::Array(vec![
        entry(Some(s("supervisor.getPID")), None),
        entry(Some(s("system.listMethods")), None),
    ]);
    let Ok(Value::Array(out)) = call(&f, "system.multicall", vec![calls]).await else {
        panic!("an array");
    };
    assert_eq!(out[0], fault(Fault::ShutdownState.code(), "SHUTDOWN_STATE"));
    assert!(matches!(out[1], Value::Array(_)));
}

/// Supervisor only restarts or shuts down once the response is sent, so the calls
/// after an accepted `restart`/`shutdown` in one multicall see SHUTDOWN_STATE — even
/// when our daemon's restart is already over by then.
#[tokio::test]
async fn multicall_after_restart_or_shutdown_is_shut_down() {
    let shut = write::fault_struct(Fault::ShutdownState.code(), "SHUTDOWN_STATE");
    let entry = |name: &str| Value::structure([("methodName", s(name))]);
    for first in ["supervisor.restart", "supervisor.shutdown"] {
        let f = Fake::new();
        f.reload_instantly();
        let calls = Value::Array(vec![
            entry(first),
            entry("supervisor.getState"),
            entry("supervisor.getPID"),
            Value::structure([
                ("methodName", s("supervisor.sendRemoteCommEvent")),
                ("params", Value::Array(vec![s("t"), s("d")])),
            ]),
            entry("system.listMethods"),
        ]);
        let Ok(Value::Array(out)) = call(&f, "system.multicall", vec![calls]).await else {
            panic!("an array");
        };
        assert_eq!(out[0], Value::Bool(true), "{first}");
        assert_eq!(out[1], shut, "{first}: getState");
        assert_eq!(out[2], shut, "{first}: getPID");
        assert_eq!(out[3], Value::Bool(true), "{first}: sendRemoteCommEvent");
        assert!(matches!(out[4], Value::Array(_)), "{first}: listMethods");
    }
    // A refused restart changes nothing for the calls after it.
    let f = Fake::new();
    f.set_state(SupervisorState::Restarting);
    let calls = Value::Array(vec![
        entry("supervisor.restart"),
        entry("system.listMethods"),
    ]);
    let Ok(Value::Array(out)) = call(&f, "system.multicall", vec![calls]).await else {
        panic!("an array");
    };
    assert_eq!(out[0], shut);
    assert!(matches!(out[1], Value::Array(_)));
}
