//! An in-memory [`Control`] for the XML-RPC unit tests: three processes (`g:a`
//! RUNNING, `g:b` STOPPED, `solo` FATAL), log files in a temp dir, and a journal of
//! what the dispatcher asked for. It follows the trait's documented contract, not
//! the daemon's internals; the end-to-end tests cover the real thing.

use std::path::PathBuf;
use std::sync::Mutex;

use supervisor_model::{Fault, FaultError, ProcessState, Signal, SupervisorState};

use crate::control::{
    Action, ConfigInfo, Control, CtlResult, LogInfo, LogSource, ProcessInfo, ProcessResult, Reread,
    Target, UpdateReport, UpdateRequest,
};

pub(crate) struct Fake {
    state: Mutex<SupervisorState>,
    /// `reload` is over before it returns (the state is RUNNING again), as a fast
    /// in-place restart of the real daemon can be by the time the next call runs.
    instant_reload: std::sync::atomic::AtomicBool,
    procs: Vec<ProcessInfo>,
    journal: Mutex<Vec<String>>,
    logs: tempfile::TempDir,
}

fn proc(group: &str, name: &str, state: ProcessState) -> ProcessInfo {
    ProcessInfo {
        waiting: None,
        healthy: None,
        status_text: None,
        name: name.into(),
        group: group.into(),
        description: String::new(),
        start: 1_700_000_000,
        stop: 0,
        // Past 2038: the API must cap it.
        now: 1 << 40,
        state,
        spawnerr: String::new(),
        exitstatus: 0,
        stdout_logfile: format!("/logs/{name}.out"),
        stderr_logfile: String::new(),
        pid: if state == ProcessState::Running {
            77
        } else {
            0
        },
        spawns: 0,
    }
}

impl Fake {
    pub(crate) fn new() -> Fake {
        let logs = tempfile::tempdir().expect("temp dir");
        std::fs::write(logs.path().join("main.log"), b"main \x1b[1m\xff log\n").expect("write");
        std::fs::write(logs.path().join("a.out"), b"0123456789").expect("write");
        Fake {
            state: Mutex::new(SupervisorState::Running),
            instant_reload: std::sync::atomic::AtomicBool::new(false),
            procs: vec![
                proc("g", "a", ProcessState::Running),
                proc("g", "b", ProcessState::Stopped),
                proc("solo", "solo", ProcessState::Fatal),
            ],
            journal: Mutex::new(Vec::new()),
            logs,
        }
    }

    pub(crate) fn reload_instantly(&self) {
        self.instant_reload
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn set_state(&self, s: SupervisorState) {
        *self.state.lock().expect("lock") = s;
    }

    /// What was asked of the fake so far, one line per request.
    pub(crate) fn journal(&self) -> Vec<String> {
        self.journal.lock().expect("lock").clone()
    }

    fn note(&self, line: String) {
        self.journal.lock().expect("lock").push(line);
    }

    fn find(&self, ns: &str) -> CtlResult<&ProcessInfo> {
        self.procs
            .iter()
            .find(|p| p.namespec() == ns)
            .ok_or_else(|| FaultError::new(Fault::BadName, ns))
    }

    /// The processes of a group or all of them, BAD_NAME for an unknown group.
    fn many(&self, target: &Target) -> CtlResult<Vec<&ProcessInfo>> {
        let chosen: Vec<&ProcessInfo> = match target {
            Target::Process(ns) => vec![self.find(ns)?],
            Target::Group(g) => self.procs.iter().filter(|p| &p.group == g).collect(),
            Target::All => self.procs.iter().collect(),
        };
        match target {
            Target::Group(g) if chosen.is_empty() => Err(FaultError::new(Fault::BadName, g)),
            _ => Ok(chosen),
        }
    }
}

/// Whether a group/all action applies to a process, as Supervisor's predicates say.
fn applies(action: &Action, state: ProcessState) -> bool {
    match action {
        Action::Start { .. } => !state.is_running(),
        Action::Stop { .. } => state.is_running(),
        Action::Signal(_) => state.is_signallable(),
    }
}

fn outcome(action: &Action, p: &ProcessInfo) -> ProcessResult {
    let ns = p.namespec();
    let fail = |f: Fault, detail: &str| {
        ProcessResult::failed(&p.group, &p.name, &FaultError::new(f, detail))
    };
    match action {
        Action::Start { .. } if p.state.is_running() => fail(Fault::AlreadyStarted, &ns),
        Action::Stop { .. } if !p.state.is_running() => fail(Fault::NotRunning, &ns),
        Action::Signal(s) if s.parse::<Signal>().is_err() => fail(Fault::BadSignal, s),
        Action::Signal(_) if !p.state.is_signallable() => fail(Fault::NotRunning, &ns),
        _ => ProcessResult::ok(&p.group, &p.name),
    }
}

impl Control for Fake {
    fn state(&self) -> SupervisorState {
        *self.state.lock().expect("lock")
    }

    fn pid(&self) -> i32 {
        4242
    }

    fn identification(&self) -> String {
        "fake".into()
    }

    fn processes(&self) -> Vec<ProcessInfo> {
        self.procs.clone()
    }

    fn process(&self, namespec: &str) -> CtlResult<ProcessInfo> {
        self.find(namespec).cloned()
    }

    async fn act(&self, action: Action, target: Target) -> CtlResult<Vec<ProcessResult>> {
        self.note(format!("act {action:?} {target:?}"));
        let procs = self.many(&target)?;
        let single = matches!(target, Target::Process(_));
        Ok(procs
            .into_iter()
            .filter(|p| single || applies(&action, p.state))
            .map(|p| outcome(&action, p))
            .collect())
    }

    async fn send_stdin(&self, namespec: &str, data: Vec<u8>) -> CtlResult<()> {
        let p = self.find(namespec)?;
        if p.pid == 0 {
            return Err(FaultError::new(Fault::NotRunning, namespec));
        }
        self.note(format!("stdin {namespec} {data:?}"));
        Ok(())
    }

    fn log_path(&self, source: &LogSource) -> CtlResult<Option<PathBuf>> {
        Ok(match source {
            LogSource::Main => Some(self.logs.path().join("main.log")),
            LogSource::Stdout(ns) => Some(
                self.logs
                    .path()
                    .join(format!("{}.out", self.find(ns)?.name)),
            ),
            LogSource::Stderr(ns) => self.find(ns).map(|_| None)?,
        })
    }

    async fn clear_logs(&self, target: Target) -> CtlResult<Vec<ProcessResult>> {
        self.note(format!("clear {target:?}"));
        let procs = self.many(&target)?;
        Ok(procs
            .into_iter()
            .map(|p| ProcessResult::ok(&p.group, &p.name))
            .collect())
    }

    fn clear_main_log(&self) -> CtlResult<()> {
        self.note("clear main".into());
        Ok(())
    }

    async fn reread(&self) -> CtlResult<Reread> {
        Ok(Reread {
            added: vec!["new".into()],
            changed: Vec::new(),
            removed: vec!["old".into(), "older".into()],
        })
    }

    async fn add_group(&self, name: &str) -> CtlResult<()> {
        match name {
            "new" => Ok(()),
            "g" | "solo" => Err(FaultError::new(Fault::AlreadyAdded, name)),
            _ => Err(FaultError::new(Fault::BadName, name)),
        }
    }

    async fn remove_group(&self, name: &str) -> CtlResult<()> {
        match name {
            "solo" => Ok(()),
            "g" => Err(FaultError::new(Fault::StillRunning, name)),
            _ => Err(FaultError::new(Fault::BadName, name)),
        }
    }

    async fn update(&self, request: UpdateRequest) -> CtlResult<UpdateReport> {
        self.note(format!("update {request:?}"));
        Ok(UpdateReport::default())
    }

    fn config_info(&self) -> Vec<ConfigInfo> {
        let log = |logfile: &str| LogInfo {
            logfile: logfile.into(),
            maxbytes: 50 << 20,
            backups: 10,
            capture_maxbytes: 0,
            events_enabled: false,
            syslog: false,
        };
        let info = |group: &str, name: &str| ConfigInfo {
            name: name.into(),
            group: group.into(),
            inuse: true,
            autostart: true,
            autorestart: "unexpected".into(),
            group_prio: 999,
            process_prio: 999,
            command: "/bin/cat".into(),
            directory: None,
            exitcodes: vec![0],
            killasgroup: false,
            stopasgroup: false,
            redirect_stderr: false,
            serverurl: None,
            startretries: 3,
            startsecs: 1,
            stopsignal: 15,
            stopwaitsecs: 10,
            user: None,
            uid: None,
            stdout: log("/logs/out"),
            // Larger than an XML-RPC int: capped.
            stderr: LogInfo {
                maxbytes: 1 << 40,
                ..log("none")
            },
        };
        vec![info("g", "b"), info("g", "a")]
    }

    async fn reload(&self) -> CtlResult<()> {
        if !self
            .instant_reload
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            self.set_state(SupervisorState::Restarting);
        }
        Ok(())
    }

    async fn shutdown(&self) -> CtlResult<()> {
        self.set_state(SupervisorState::Shutdown);
        Ok(())
    }

    fn remote_comm_event(&self, kind: &str, data: &str) -> CtlResult<()> {
        self.note(format!("event {kind} {data}"));
        Ok(())
    }

    fn reopen_logs(&self) -> CtlResult<()> {
        self.note("reopen logs".to_string());
        Ok(())
    }

    /// The current states, then nothing: XML-RPC never watches.
    fn events(&self, _: &[String]) -> tokio::sync::mpsc::Receiver<crate::WatchedEvent> {
        // Events are not part of what the XML-RPC dispatcher is tested for.
        tokio::sync::mpsc::channel(1).1
    }

    fn watch(&self) -> tokio::sync::mpsc::Receiver<ProcessInfo> {
        let (tx, rx) = tokio::sync::mpsc::channel(self.procs.len().max(1));
        for p in &self.procs {
            let _ = tx.try_send(p.clone());
        }
        rx
    }
}
