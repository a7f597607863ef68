//! [`XmlRpcApi`]: the [`Api`] over Supervisor's own XML-RPC interface (`/RPC2`) and
//! its log streams (`/logtail/<name>/<channel>`, `/mainlogtail`), for servers that do
//! not speak our gRPC API: Python's supervisord, other Supervisor-compatible servers,
//! or ours behind an HTTP/1.1-only proxy. Each method makes the calls Python's
//! supervisorctl makes for the same command (supervisorctl.py
//! `DefaultControllerPlugin.do_*`), so output, faults and exit codes are the same;
//! faults come back as [`CallError::Fault`]. What XML-RPC cannot do (`events`,
//! `reopen`, a server-side `update`) is [`CallError::NotOffered`]; the `update`
//! command then runs Python's client-side sequence itself. Encoding and decoding use
//! the `dxr` codec; answers are converted into the `supervisor.v1` messages the
//! commands already read (`xmlrpc_values`).

use std::borrow::Cow;

use dxr::{FaultResponse, MethodCall, MethodResponse, Value};
use supervisor_model::{Fault, FaultError};
use supervisor_proto::v1;

use crate::api::{Api, EventStream, LogSource, LogStream, Server, Target};
use crate::error::CallError;
use crate::grpc::interruptible;
use crate::http1::{Body, Http1};
use crate::xmlrpc_values::{config, info, results, state, strings};

/// Where Supervisor serves XML-RPC.
const RPC_PATH: &str = "/RPC2";

/// The XML-RPC client. Cloning shares no connection (the shell's completer uses a
/// clone).
#[derive(Clone)]
pub struct XmlRpcApi {
    http: Http1,
}

impl XmlRpcApi {
    pub fn new(server: &Server) -> XmlRpcApi {
        XmlRpcApi {
            http: Http1::new(server),
        }
    }

    /// `supervisor.<method>(params...)`.
    async fn call(&mut self, method: &str, params: Vec<Value>) -> Result<Value, CallError> {
        self.raw_call(&format!("supervisor.{method}"), params).await
    }

    async fn raw_call(&mut self, method: &str, params: Vec<Value>) -> Result<Value, CallError> {
        let request = MethodCall {
            name: Cow::Borrowed(method),
            params,
        };
        let xml = request
            .to_xml()
            .map_err(|e| CallError::BadResponse(e.to_string()))?;
        let body = interruptible(self.http.post(RPC_PATH, xml.into_bytes())).await?;
        decode(&body)
    }

    /// The `v1` results of a call on a group or on everything (an array of
    /// `{name, group, status, description}`).
    async fn call_many(
        &mut self,
        method: &str,
        params: Vec<Value>,
    ) -> Result<Vec<v1::ProcessResult>, CallError> {
        let value = self.call(method, params).await?;
        Ok(results(&value))
    }

    /// Start, stop, signal: the single-process call answers `true` or a fault; the
    /// group and all-process calls answer a result array.
    async fn act(
        &mut self,
        verb: &str,
        target: Target,
        extra: Vec<Value>,
    ) -> Result<Vec<v1::ProcessResult>, CallError> {
        let (method, mut params) = match target {
            Target::Process(name) => (format!("{verb}Process"), vec![Value::String(name)]),
            Target::Group(name) => (format!("{verb}ProcessGroup"), vec![Value::String(name)]),
            Target::All => (format!("{verb}AllProcesses"), vec![]),
        };
        let single = method.ends_with("Process");
        params.extend(extra);
        if single {
            self.call(&method, params).await?;
            return Ok(Vec::new());
        }
        self.call_many(&method, params).await
    }

    /// The five facts of `GetState`, each as Python's supervisorctl would ask for it.
    async fn state_one_by_one(&mut self) -> Result<v1::GetStateResponse, CallError> {
        let api = self.call("getAPIVersion", vec![]).await?;
        let version = self.call("getSupervisorVersion", vec![]).await?;
        let pid = self.call("getPID", vec![]).await?;
        let daemon = self.call("getState", vec![]).await?;
        let ident = self.call("getIdentification", vec![]).await?;
        Ok(state(&api, &version, &pid, &daemon, &ident))
    }
}

/// A `methodResponse` body as a value, its fault as [`CallError::Fault`].
pub(crate) fn decode(body: &[u8]) -> Result<Value, CallError> {
    let text = String::from_utf8_lossy(body);
    if let Ok(response) = MethodResponse::from_xml(&text) {
        return Ok(response.value);
    }
    match FaultResponse::from_xml(&text) {
        Ok(f) => Err(CallError::Fault(FaultError::from_wire(
            f.fault.code(),
            f.fault.string(),
        ))),
        Err(_) => Err(CallError::BadResponse(format!(
            "not an XML-RPC response: {}",
            text.chars().take(80).collect::<String>()
        ))),
    }
}

/// A log followed over `/logtail` or `/mainlogtail`.
pub struct HttpLogStream(Body);

impl LogStream for HttpLogStream {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, CallError> {
        self.0.next_chunk().await
    }
}

/// Never made: XML-RPC has no event stream.
pub enum NoEvents {}

impl EventStream for NoEvents {
    async fn next_event(&mut self) -> Result<Option<v1::Event>, CallError> {
        match *self {}
    }
}

/// The XML-RPC methods for reading a log.
fn read_method(source: &LogSource) -> (&'static str, Vec<Value>) {
    match source {
        LogSource::Main => ("readLog", vec![]),
        LogSource::Stdout(name) => ("readProcessStdoutLog", vec![Value::String(name.clone())]),
        LogSource::Stderr(name) => ("readProcessStderrLog", vec![Value::String(name.clone())]),
    }
}

/// The URL path Supervisor streams a log at.
pub(crate) fn tail_path(source: &LogSource) -> String {
    match source {
        LogSource::Main => "/mainlogtail".to_string(),
        LogSource::Stdout(name) => format!("/logtail/{name}/stdout"),
        LogSource::Stderr(name) => format!("/logtail/{name}/stderr"),
    }
}

/// XML-RPC ints are 32 bits; Supervisor's log offsets fit.
fn int(n: i64) -> Value {
    Value::Integer(i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX }))
}

impl Api for XmlRpcApi {
    type Stream = HttpLogStream;
    type Events = NoEvents;

    fn set_server(&mut self, server: &Server) {
        self.http = Http1::new(server);
    }

    async fn get_state(&mut self) -> Result<v1::GetStateResponse, CallError> {
        // One round trip through system.multicall; a server without it (some
        // reimplementations) is asked one call at a time.
        let calls = [
            "getAPIVersion",
            "getSupervisorVersion",
            "getPID",
            "getState",
            "getIdentification",
        ];
        let batch = calls
            .iter()
            .map(|m| {
                Value::Struct(
                    [
                        (
                            "methodName".to_string(),
                            Value::String(format!("supervisor.{m}")),
                        ),
                        ("params".to_string(), Value::Array(vec![])),
                    ]
                    .into_iter()
                    .collect(),
                )
            })
            .collect();
        let answers = match self
            .raw_call("system.multicall", vec![Value::Array(batch)])
            .await
        {
            Ok(Value::Array(answers)) if answers.len() == calls.len() => answers,
            Ok(_) | Err(CallError::Fault(_)) => return self.state_one_by_one().await,
            Err(e) => return Err(e),
        };
        let mut values = Vec::with_capacity(answers.len());
        for answer in answers {
            values.push(multicall_entry(answer)?);
        }
        Ok(state(
            &values[0], &values[1], &values[2], &values[3], &values[4],
        ))
    }

    async fn list_processes(&mut self) -> Result<Vec<v1::ProcessInfo>, CallError> {
        let value = self.call("getAllProcessInfo", vec![]).await?;
        Ok(match value {
            Value::Array(items) => items.iter().map(info).collect(),
            _ => Vec::new(),
        })
    }

    async fn get_process(&mut self, name: &str) -> Result<v1::ProcessInfo, CallError> {
        let value = self
            .call("getProcessInfo", vec![Value::String(name.into())])
            .await?;
        Ok(info(&value))
    }

    async fn start(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError> {
        self.act("start", target, vec![]).await
    }

    async fn stop(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError> {
        self.act("stop", target, vec![]).await
    }

    async fn signal(
        &mut self,
        target: Target,
        signal: &str,
    ) -> Result<Vec<v1::ProcessResult>, CallError> {
        self.act("signal", target, vec![Value::String(signal.into())])
            .await
    }

    async fn send_stdin(&mut self, name: &str, data: Vec<u8>) -> Result<(), CallError> {
        let chars = String::from_utf8_lossy(&data).into_owned();
        self.call(
            "sendProcessStdin",
            vec![Value::String(name.into()), Value::String(chars)],
        )
        .await?;
        Ok(())
    }

    async fn read_log(
        &mut self,
        source: LogSource,
        offset: i64,
        length: i64,
    ) -> Result<Vec<u8>, CallError> {
        let (method, mut params) = read_method(&source);
        params.extend([int(offset), int(length)]);
        match self.call(method, params).await? {
            Value::String(s) => Ok(s.into_bytes()),
            Value::Base64(b) => Ok(b),
            _ => Ok(Vec::new()),
        }
    }

    async fn clear_logs(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError> {
        match target {
            Target::Process(name) => {
                self.call("clearProcessLogs", vec![Value::String(name)])
                    .await?;
                Ok(Vec::new())
            }
            Target::All => self.call_many("clearAllProcessLogs", vec![]).await,
            // Supervisor has no group call; supervisorctl never asks for one.
            Target::Group(_) => Err(CallError::NotOffered("clearing a group's logs")),
        }
    }

    async fn follow_log(
        &mut self,
        source: LogSource,
        _backlog: i64,
    ) -> Result<HttpLogStream, CallError> {
        // The server chooses the backlog (Supervisor's logtail handler sends the
        // last 1024 bytes, what `backlog` asks of our gRPC server).
        let body = interruptible(self.http.get(&tail_path(&source))).await?;
        Ok(HttpLogStream(body))
    }

    async fn reread(&mut self) -> Result<v1::RereadResponse, CallError> {
        let value = self.call("reloadConfig", vec![]).await?;
        // `[[added, changed, removed]]`
        let lists = match &value {
            Value::Array(outer) => match outer.first() {
                Some(Value::Array(inner)) => inner.clone(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let list = |i: usize| lists.get(i).map(strings).unwrap_or_default();
        Ok(v1::RereadResponse {
            added: list(0),
            changed: list(1),
            removed: list(2),
        })
    }

    async fn update(
        &mut self,
        _dry_run: bool,
        _groups: Vec<String>,
    ) -> Result<v1::UpdateResponse, CallError> {
        Err(CallError::NotOffered("update --dry-run"))
    }

    async fn add_group(&mut self, name: &str) -> Result<(), CallError> {
        self.call("addProcessGroup", vec![Value::String(name.into())])
            .await?;
        Ok(())
    }

    async fn remove_group(&mut self, name: &str) -> Result<(), CallError> {
        self.call("removeProcessGroup", vec![Value::String(name.into())])
            .await?;
        Ok(())
    }

    async fn list_config(&mut self) -> Result<Vec<v1::ProcessConfig>, CallError> {
        let value = self.call("getAllConfigInfo", vec![]).await?;
        Ok(match value {
            Value::Array(items) => items.iter().map(config).collect(),
            _ => Vec::new(),
        })
    }

    async fn reload(&mut self) -> Result<(), CallError> {
        self.call("restart", vec![]).await?;
        Ok(())
    }

    async fn shutdown(&mut self) -> Result<(), CallError> {
        self.call("shutdown", vec![]).await?;
        Ok(())
    }

    async fn reopen_logs(&mut self) -> Result<(), CallError> {
        Err(CallError::NotOffered("reopen"))
    }

    async fn watch_events(&mut self, _names: Vec<String>) -> Result<NoEvents, CallError> {
        Err(CallError::NotOffered("events"))
    }
}

/// One answer of a `system.multicall`: a fault struct, or the value. Supervisor
/// (xmlrpc.py `SystemNamespaceRPCInterface.multicall`) answers the value itself;
/// the XML-RPC multicall convention wraps it in a one-element array. None of the
/// calls batched here answers an array, so both are read.
fn multicall_entry(answer: Value) -> Result<Value, CallError> {
    match answer {
        Value::Array(mut one) if one.len() == 1 => Ok(one.remove(0)),
        Value::Struct(fault) if fault.contains_key("faultCode") => {
            let code = match fault.get("faultCode") {
                Some(Value::Integer(n)) => *n,
                _ => Fault::Failed.code(),
            };
            let text = match fault.get("faultString") {
                Some(Value::String(s)) => s.clone(),
                _ => String::new(),
            };
            Err(CallError::Fault(FaultError::from_wire(code, text)))
        }
        value => Ok(value),
    }
}

#[cfg(test)]
#[path = "xmlrpc_tests.rs"]
mod tests;
