//! Test doubles: a scripted [`Api`] (each call is recorded and answered by the next
//! queued [`Reply`]; `GetState` answers from its own slot so upchecks need no script),
//! a scripted [`Console`], and a [`Harness`] that runs command lines and returns what
//! was printed and the exit status.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Write;
use std::rc::Rc;

use supervisor_model::{Fault, FaultError};
use supervisor_proto::v1;

use crate::api::{Api, Console, EventStream, LogSource, LogStream, Server, Target};
use crate::controller::{Controller, Flow};
use crate::error::CallError;

/// A request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Call {
    ListProcesses,
    GetProcess(String),
    Start(Target),
    Stop(Target),
    Signal(Target, String),
    SendStdin(String, Vec<u8>),
    ReadLog(LogSource, i64, i64),
    ClearLogs(Target),
    Follow(LogSource, i64),
    Reread,
    Update(bool, Vec<String>),
    AddGroup(String),
    RemoveGroup(String),
    ListConfig,
    Reload,
    Shutdown,
    WatchEvents(Vec<String>),
    ReopenLogs,
}

/// The fake's answer to the next call.
pub(crate) enum Reply {
    Processes(Vec<v1::ProcessInfo>),
    Process(v1::ProcessInfo),
    Results(Vec<v1::ProcessResult>),
    Data(Vec<u8>),
    /// Chunks, then the stream either ends or (with `true`) stays open.
    Stream(Vec<Vec<u8>>, bool),
    Reread(v1::RereadResponse),
    Update(v1::UpdateResponse),
    Configs(Vec<v1::ProcessConfig>),
    /// Events, then the stream ends.
    Events(Vec<v1::Event>),
    Unit,
    Err(CallError),
}

pub(crate) fn fault(f: Fault, detail: &str) -> Reply {
    Reply::Err(CallError::Fault(if detail.is_empty() {
        FaultError::bare(f)
    } else {
        FaultError::new(f, detail)
    }))
}

pub(crate) fn info(group: &str, name: &str, state: &str, description: &str) -> v1::ProcessInfo {
    let code = supervisor_model::ProcessState::ALL
        .into_iter()
        .find(|s| s.name() == state)
        .map_or(1000, |s| s.code());
    v1::ProcessInfo {
        name: name.into(),
        group: group.into(),
        description: description.into(),
        state: code,
        statename: state.into(),
        ..v1::ProcessInfo::default()
    }
}

pub(crate) fn result(group: &str, name: &str, f: Fault) -> v1::ProcessResult {
    v1::ProcessResult {
        name: name.into(),
        group: group.into(),
        status: f.code(),
        description: if f == Fault::Success {
            "OK".into()
        } else {
            f.name().into()
        },
    }
}

type StateFn = Box<dyn Fn() -> Result<v1::GetStateResponse, CallError>>;

pub(crate) struct FakeApi {
    calls: Rc<RefCell<Vec<Call>>>,
    script: Rc<RefCell<VecDeque<Reply>>>,
    state: Rc<RefCell<StateFn>>,
    servers: Rc<RefCell<Vec<Server>>>,
}

pub(crate) fn running_state() -> v1::GetStateResponse {
    v1::GetStateResponse {
        code: 1,
        name: "RUNNING".into(),
        pid: 4242,
        api_version: supervisor_model::API_VERSION.into(),
        supervisor_version: supervisor_model::SUPERVISOR_VERSION.into(),
        identification: "supervisor".into(),
    }
}

pub(crate) struct FakeStream(VecDeque<Vec<u8>>, bool);

impl LogStream for FakeStream {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, CallError> {
        match self.0.pop_front() {
            Some(chunk) => Ok(Some(chunk)),
            None if self.1 => std::future::pending().await,
            None => Ok(None),
        }
    }
}

pub(crate) struct FakeEvents(VecDeque<v1::Event>);

impl EventStream for FakeEvents {
    async fn next_event(&mut self) -> Result<Option<v1::Event>, CallError> {
        Ok(self.0.pop_front())
    }
}

impl FakeApi {
    fn next(&mut self, call: Call) -> Reply {
        self.calls.borrow_mut().push(call.clone());
        self.script
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| panic!("unscripted call {call:?}"))
    }
}

macro_rules! expect {
    ($reply:expr, $pat:pat => $value:expr) => {
        match $reply {
            $pat => Ok($value),
            Reply::Err(e) => Err(e),
            _ => panic!("wrong reply type for this call"),
        }
    };
}

impl Api for FakeApi {
    type Stream = FakeStream;
    type Events = FakeEvents;

    async fn reopen_logs(&mut self) -> Result<(), CallError> {
        expect!(self.next(Call::ReopenLogs), Reply::Unit => ())
    }

    async fn watch_events(&mut self, names: Vec<String>) -> Result<FakeEvents, CallError> {
        expect!(self.next(Call::WatchEvents(names)), Reply::Events(e) => FakeEvents(e.into()))
    }

    fn set_server(&mut self, server: &Server) {
        self.servers.borrow_mut().push(server.clone());
    }
    async fn get_state(&mut self) -> Result<v1::GetStateResponse, CallError> {
        (self.state.borrow())()
    }
    async fn list_processes(&mut self) -> Result<Vec<v1::ProcessInfo>, CallError> {
        expect!(self.next(Call::ListProcesses), Reply::Processes(p) => p)
    }
    async fn get_process(&mut self, name: &str) -> Result<v1::ProcessInfo, CallError> {
        expect!(self.next(Call::GetProcess(name.into())), Reply::Process(p) => p)
    }
    async fn start(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError> {
        expect!(self.next(Call::Start(target)), Reply::Results(r) => r)
    }
    async fn stop(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError> {
        expect!(self.next(Call::Stop(target)), Reply::Results(r) => r)
    }
    async fn signal(&mut self, t: Target, sig: &str) -> Result<Vec<v1::ProcessResult>, CallError> {
        expect!(self.next(Call::Signal(t, sig.into())), Reply::Results(r) => r)
    }
    async fn send_stdin(&mut self, name: &str, data: Vec<u8>) -> Result<(), CallError> {
        expect!(self.next(Call::SendStdin(name.into(), data)), Reply::Unit => ())
    }
    async fn read_log(&mut self, s: LogSource, o: i64, l: i64) -> Result<Vec<u8>, CallError> {
        expect!(self.next(Call::ReadLog(s, o, l)), Reply::Data(d) => d)
    }
    async fn clear_logs(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError> {
        expect!(self.next(Call::ClearLogs(target)), Reply::Results(r) => r)
    }
    async fn follow_log(&mut self, s: LogSource, backlog: i64) -> Result<FakeStream, CallError> {
        expect!(self.next(Call::Follow(s, backlog)),
            Reply::Stream(chunks, open) => FakeStream(chunks.into(), open))
    }
    async fn reread(&mut self) -> Result<v1::RereadResponse, CallError> {
        expect!(self.next(Call::Reread), Reply::Reread(r) => r)
    }
    async fn update(
        &mut self,
        dry_run: bool,
        groups: Vec<String>,
    ) -> Result<v1::UpdateResponse, CallError> {
        expect!(self.next(Call::Update(dry_run, groups)), Reply::Update(r) => r)
    }
    async fn add_group(&mut self, name: &str) -> Result<(), CallError> {
        expect!(self.next(Call::AddGroup(name.into())), Reply::Unit => ())
    }
    async fn remove_group(&mut self, name: &str) -> Result<(), CallError> {
        expect!(self.next(Call::RemoveGroup(name.into())), Reply::Unit => ())
    }
    async fn list_config(&mut self) -> Result<Vec<v1::ProcessConfig>, CallError> {
        expect!(self.next(Call::ListConfig), Reply::Configs(c) => c)
    }
    async fn reload(&mut self) -> Result<(), CallError> {
        expect!(self.next(Call::Reload), Reply::Unit => ())
    }
    async fn shutdown(&mut self) -> Result<(), CallError> {
        expect!(self.next(Call::Shutdown), Reply::Unit => ())
    }
}

/// Lines the "user" types (`None` = end of input); Ctrl-C once `interrupt` is set
/// and the lines are used up.
pub(crate) struct FakeConsole {
    lines: Rc<RefCell<VecDeque<Option<String>>>>,
    interrupt: Rc<RefCell<bool>>,
}

impl Console for FakeConsole {
    async fn read_line(&mut self) -> Result<Option<String>, CallError> {
        let next = self.lines.borrow_mut().pop_front();
        match next {
            Some(line) => Ok(line),
            None if *self.interrupt.borrow() => Err(CallError::Interrupted),
            None => Ok(None),
        }
    }
    async fn read_password(&mut self, _prompt: &str) -> Result<Option<String>, CallError> {
        self.read_line().await
    }
    async fn interrupted(&mut self) {
        if !*self.interrupt.borrow() || !self.lines.borrow().is_empty() {
            std::future::pending::<()>().await;
        }
    }
}

#[derive(Clone, Default)]
pub(crate) struct SharedBuf(Rc<RefCell<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl SharedBuf {
    pub(crate) fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.borrow_mut())).unwrap()
    }
}

pub(crate) struct Harness {
    pub ctl: Controller<FakeApi, FakeConsole>,
    out: SharedBuf,
    err: SharedBuf,
    calls: Rc<RefCell<Vec<Call>>>,
    script: Rc<RefCell<VecDeque<Reply>>>,
    state: Rc<RefCell<StateFn>>,
    lines: Rc<RefCell<VecDeque<Option<String>>>>,
    interrupt: Rc<RefCell<bool>>,
    pub servers: Rc<RefCell<Vec<Server>>>,
    rt: tokio::runtime::Runtime,
}

pub(crate) const URL: &str = "unix:///tmp/test.sock";

impl Harness {
    pub(crate) fn new() -> Harness {
        let calls = Rc::new(RefCell::new(Vec::new()));
        let script = Rc::new(RefCell::new(VecDeque::new()));
        let state: Rc<RefCell<StateFn>> = Rc::new(RefCell::new(Box::new(|| Ok(running_state()))));
        let servers = Rc::new(RefCell::new(Vec::new()));
        let api = FakeApi {
            calls: calls.clone(),
            script: script.clone(),
            state: state.clone(),
            servers: servers.clone(),
        };
        let lines = Rc::new(RefCell::new(VecDeque::new()));
        let interrupt = Rc::new(RefCell::new(false));
        let console = FakeConsole {
            lines: lines.clone(),
            interrupt: interrupt.clone(),
        };
        let out = SharedBuf::default();
        let err = SharedBuf::default();
        let server = Server {
            serverurl: URL.into(),
            username: None,
            password: None,
        };
        let ctl = Controller::new(
            api,
            console,
            server,
            false,
            Box::new(out.clone()),
            Box::new(err.clone()),
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Harness {
            ctl,
            out,
            err,
            calls,
            script,
            state,
            lines,
            interrupt,
            servers,
            rt,
        }
    }

    pub(crate) fn reply(&mut self, reply: Reply) -> &mut Self {
        self.script.borrow_mut().push_back(reply);
        self
    }

    pub(crate) fn state(
        &mut self,
        f: impl Fn() -> Result<v1::GetStateResponse, CallError> + 'static,
    ) {
        *self.state.borrow_mut() = Box::new(f);
    }

    pub(crate) fn typed(&mut self, line: Option<&str>) -> &mut Self {
        self.lines.borrow_mut().push_back(line.map(str::to_string));
        self
    }

    pub(crate) fn interrupt_when_idle(&mut self) {
        *self.interrupt.borrow_mut() = true;
    }

    pub(crate) fn interactive(&mut self) {
        self.ctl.interactive = true;
    }

    /// Runs one line in a fresh exit status: (stdout, exit status).
    pub(crate) fn run(&mut self, line: &str) -> (String, i32) {
        self.ctl.exit = 0;
        let flow = self.rt.block_on(self.ctl.onecmd(line));
        assert!(
            self.script.borrow().is_empty(),
            "unused replies after {line:?}"
        );
        let _ = flow;
        (self.out.take(), self.ctl.exit)
    }

    /// Like `run`, also returning the flow.
    pub(crate) fn run_flow(&mut self, line: &str) -> (String, Flow) {
        let flow = self.rt.block_on(self.ctl.onecmd(line));
        (self.out.take(), flow)
    }

    pub(crate) fn stderr(&self) -> String {
        self.err.take()
    }

    pub(crate) fn calls(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.borrow_mut())
    }
}
