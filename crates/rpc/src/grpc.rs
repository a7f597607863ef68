//! The `supervisor.v1.Supervisor` gRPC service over [`Control`]: each call is a
//! translation of messages, nothing more. Faults become statuses whose details carry
//! an encoded `v1::Fault`, so clients print Supervisor's exact fault strings.

use std::pin::Pin;
use std::sync::Arc;

use prost::Message;
use supervisor_model::{Fault, FaultError};
use supervisor_proto::v1;
use supervisor_proto::v1::supervisor_server::{Supervisor, SupervisorServer};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Code, Request, Response, Status};

use crate::control::{
    Action, ConfigInfo, Control, GroupUpdateKind, LogInfo, LogSource, ProcessInfo, ProcessResult,
    ProcessUpdateAction, Target, UpdateReport, UpdateRequest,
};
use crate::{follow, logfile, serving};

pub struct GrpcService<C> {
    ctl: Arc<C>,
}

/// The tonic server for `ctl`.
pub fn service<C: Control>(ctl: Arc<C>) -> SupervisorServer<GrpcService<C>> {
    SupervisorServer::new(GrpcService { ctl })
}

/// The most of a fault's text a status carries. Both the message (`grpc-message`)
/// and the detail (`grpc-status-details-bin`) travel as HTTP/2 headers, and gRPC
/// clients refuse metadata over 8 to 16 KiB: a fault that echoes a huge name would
/// otherwise reach the client as RESOURCE_EXHAUSTED instead of itself.
pub const MESSAGE_LIMIT: usize = 1024;

/// `text`, cut to [`MESSAGE_LIMIT`] bytes (on a character boundary) and marked with
/// its full length when it was longer.
pub fn bounded(text: String) -> String {
    if text.len() <= MESSAGE_LIMIT {
        return text;
    }
    let mut end = MESSAGE_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes)", &text[..end], text.len())
}

/// The status for a fault: a gRPC code chosen by the fault, the fault string as the
/// message, and a `v1::Fault` in the details (both [`bounded`]).
pub fn status(e: FaultError) -> Status {
    let text = bounded(e.text);
    let code = match e.fault {
        Fault::BadName => Code::NotFound,
        Fault::AlreadyStarted | Fault::AlreadyAdded => Code::AlreadyExists,
        Fault::NotRunning | Fault::StillRunning | Fault::ShutdownState | Fault::NoFile => {
            Code::FailedPrecondition
        }
        Fault::IncorrectParameters | Fault::BadArguments | Fault::BadSignal => {
            Code::InvalidArgument
        }
        Fault::UnknownMethod | Fault::SignatureUnsupported => Code::Unimplemented,
        Fault::NotExecutable
        | Fault::Failed
        | Fault::AbnormalTermination
        | Fault::SpawnError
        | Fault::CantReread => Code::Aborted,
        Fault::Success => Code::Unknown,
    };
    let detail = v1::Fault {
        code: e.fault.code(),
        text: text.clone(),
    };
    Status::with_details(code, text, detail.encode_to_vec().into())
}

type Rpc<T> = Result<Response<T>, Status>;

fn target(t: Option<v1::Target>) -> Result<Target, Status> {
    match t.and_then(|t| t.kind) {
        Some(v1::target::Kind::Process(p)) => Ok(Target::Process(p)),
        Some(v1::target::Kind::Group(g)) => Ok(Target::Group(g)),
        Some(v1::target::Kind::All(_)) => Ok(Target::All),
        None => Err(status(FaultError::new(
            Fault::IncorrectParameters,
            "no target given",
        ))),
    }
}

fn source(s: Option<v1::LogSource>) -> Result<LogSource, Status> {
    match s.and_then(|s| s.kind) {
        Some(v1::log_source::Kind::Main(_)) => Ok(LogSource::Main),
        Some(v1::log_source::Kind::Stdout(n)) => Ok(LogSource::Stdout(n)),
        Some(v1::log_source::Kind::Stderr(n)) => Ok(LogSource::Stderr(n)),
        None => Err(status(FaultError::new(
            Fault::IncorrectParameters,
            "no log source given",
        ))),
    }
}

/// A single-process action fails as a fault; group and all actions list results.
fn results(target: &Target, results: Vec<ProcessResult>) -> Rpc<v1::ProcessActionResponse> {
    if let Target::Process(_) = target {
        if let Some(fault) = results.first().and_then(ProcessResult::fault) {
            return Err(status(fault));
        }
        return Ok(Response::new(v1::ProcessActionResponse::default()));
    }
    Ok(Response::new(v1::ProcessActionResponse {
        results: results.into_iter().map(result_msg).collect(),
    }))
}

fn result_msg(r: ProcessResult) -> v1::ProcessResult {
    v1::ProcessResult {
        name: r.name,
        group: r.group,
        status: r.status,
        description: r.description,
    }
}

pub fn info_msg(p: ProcessInfo) -> v1::ProcessInfo {
    v1::ProcessInfo {
        name: p.name,
        group: p.group,
        description: p.description,
        start: p.start,
        stop: p.stop,
        now: p.now,
        state: p.state.code(),
        statename: p.state.name().to_string(),
        spawnerr: p.spawnerr,
        exitstatus: p.exitstatus,
        stdout_logfile: p.stdout_logfile,
        stderr_logfile: p.stderr_logfile,
        pid: p.pid,
        spawns: p.spawns,
        waiting: p.waiting,
        healthy: p.healthy,
        status_text: p.status_text,
    }
}

fn log_msg(l: LogInfo) -> v1::LogConfig {
    v1::LogConfig {
        logfile: l.logfile,
        logfile_maxbytes: l.maxbytes,
        logfile_backups: l.backups,
        capture_maxbytes: l.capture_maxbytes,
        events_enabled: l.events_enabled,
        syslog: l.syslog,
    }
}

fn config_msg(c: ConfigInfo) -> v1::ProcessConfig {
    v1::ProcessConfig {
        name: c.name,
        group: c.group,
        inuse: c.inuse,
        autostart: c.autostart,
        autorestart: c.autorestart,
        group_prio: c.group_prio,
        process_prio: c.process_prio,
        command: c.command,
        directory: c.directory.unwrap_or_default(),
        exitcodes: c.exitcodes,
        killasgroup: c.killasgroup,
        stopasgroup: c.stopasgroup,
        redirect_stderr: c.redirect_stderr,
        serverurl: c.serverurl.unwrap_or_default(),
        startretries: i32::try_from(c.startretries).unwrap_or(i32::MAX),
        startsecs: c.startsecs,
        stopsignal: c.stopsignal,
        stopwaitsecs: c.stopwaitsecs,
        user: c.user.unwrap_or_default(),
        uid: c.uid.map(|u| i32::try_from(u).unwrap_or(-1)),
        stdout: Some(log_msg(c.stdout)),
        stderr: Some(log_msg(c.stderr)),
    }
}

fn update_msg(r: UpdateReport) -> v1::UpdateResponse {
    use v1::group_update::Kind;
    use v1::process_update::Action as A;
    let groups = r
        .groups
        .into_iter()
        .map(|g| v1::GroupUpdate {
            name: g.name,
            kind: match g.kind {
                GroupUpdateKind::Removed => Kind::Removed,
                GroupUpdateKind::Replaced => Kind::Replaced,
                GroupUpdateKind::Changed => Kind::Changed,
                GroupUpdateKind::Added => Kind::Added,
            } as i32,
            fields: g.fields,
            processes: g
                .processes
                .into_iter()
                .map(|p| v1::ProcessUpdate {
                    name: p.name,
                    action: match p.action {
                        ProcessUpdateAction::Restart => A::Restart,
                        ProcessUpdateAction::Add => A::Add,
                        ProcessUpdateAction::Remove => A::Remove,
                        ProcessUpdateAction::Live => A::Live,
                    } as i32,
                    fields: p.fields,
                    start: p.start,
                })
                .collect(),
            problems: g.problems,
        })
        .collect();
    v1::UpdateResponse {
        unknown: r.unknown,
        groups,
    }
}

impl<C: Control> GrpcService<C> {
    async fn start_or_stop(
        &self,
        req: Request<v1::ProcessActionRequest>,
        action: fn(bool) -> Action,
    ) -> Rpc<v1::ProcessActionResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        let req = req.into_inner();
        let t = target(req.target)?;
        let r = self.ctl.act(action(req.wait), t.clone()).await;
        results(&t, r.map_err(status)?)
    }
}

type ChunkStream = Pin<Box<dyn Stream<Item = Result<v1::LogChunk, Status>> + Send>>;
type EventStream = Pin<Box<dyn Stream<Item = Result<v1::Event, Status>> + Send>>;
type InfoStream = Pin<Box<dyn Stream<Item = Result<v1::ProcessInfo, Status>> + Send>>;
type UsageStream = Pin<Box<dyn Stream<Item = Result<v1::UsageSample, Status>> + Send>>;

#[tonic::async_trait]
impl<C: Control> Supervisor for GrpcService<C> {
    async fn get_state(&self, _: Request<v1::GetStateRequest>) -> Rpc<v1::GetStateResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        let state = self.ctl.state();
        Ok(Response::new(v1::GetStateResponse {
            code: state.code(),
            name: state.name().to_string(),
            pid: self.ctl.pid(),
            api_version: supervisor_model::API_VERSION.to_string(),
            supervisor_version: supervisor_model::SUPERVISOR_VERSION.to_string(),
            identification: self.ctl.identification(),
        }))
    }

    async fn list_processes(
        &self,
        _: Request<v1::ListProcessesRequest>,
    ) -> Rpc<v1::ListProcessesResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        Ok(Response::new(v1::ListProcessesResponse {
            processes: self.ctl.processes().into_iter().map(info_msg).collect(),
        }))
    }

    async fn get_process(&self, req: Request<v1::GetProcessRequest>) -> Rpc<v1::ProcessInfo> {
        serving::require_running(&*self.ctl).map_err(status)?;
        let info = self.ctl.process(&req.into_inner().name).map_err(status)?;
        Ok(Response::new(info_msg(info)))
    }

    async fn start_processes(
        &self,
        req: Request<v1::ProcessActionRequest>,
    ) -> Rpc<v1::ProcessActionResponse> {
        self.start_or_stop(req, |wait| Action::Start { wait }).await
    }

    async fn stop_processes(
        &self,
        req: Request<v1::ProcessActionRequest>,
    ) -> Rpc<v1::ProcessActionResponse> {
        self.start_or_stop(req, |wait| Action::Stop { wait }).await
    }

    async fn signal_processes(
        &self,
        req: Request<v1::SignalRequest>,
    ) -> Rpc<v1::ProcessActionResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        let req = req.into_inner();
        let t = target(req.target)?;
        let r = self.ctl.act(Action::Signal(req.signal), t.clone()).await;
        results(&t, r.map_err(status)?)
    }

    async fn send_stdin(&self, req: Request<v1::SendStdinRequest>) -> Rpc<v1::SendStdinResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        let req = req.into_inner();
        self.ctl
            .send_stdin(&req.name, req.data)
            .await
            .map_err(status)?;
        Ok(Response::new(v1::SendStdinResponse {}))
    }

    async fn reopen_logs(&self, _: Request<v1::ReopenLogsRequest>) -> Rpc<v1::ReopenLogsResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        self.ctl.reopen_logs().map_err(status)?;
        Ok(Response::new(v1::ReopenLogsResponse {}))
    }

    async fn send_remote_comm_event(
        &self,
        req: Request<v1::RemoteCommEventRequest>,
    ) -> Rpc<v1::RemoteCommEventResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        let req = req.into_inner();
        self.ctl
            .remote_comm_event(&req.r#type, &req.data)
            .map_err(status)?;
        Ok(Response::new(v1::RemoteCommEventResponse {}))
    }

    async fn read_log(&self, req: Request<v1::ReadLogRequest>) -> Rpc<v1::ReadLogResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        let req = req.into_inner();
        let src = source(req.source)?;
        let data = logfile::read(&*self.ctl, &src, req.offset, req.length).map_err(status)?;
        Ok(Response::new(v1::ReadLogResponse { data }))
    }

    async fn tail_log(&self, req: Request<v1::ReadLogRequest>) -> Rpc<v1::TailLogResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        let req = req.into_inner();
        let src = source(req.source)?;
        let (data, offset, overflow) =
            logfile::tail(&*self.ctl, &src, req.offset, req.length).map_err(status)?;
        Ok(Response::new(v1::TailLogResponse {
            data,
            offset,
            overflow,
        }))
    }

    async fn clear_logs(
        &self,
        req: Request<v1::ClearLogsRequest>,
    ) -> Rpc<v1::ProcessActionResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        match req.into_inner().kind {
            Some(v1::clear_logs_request::Kind::Main(_)) => {
                self.ctl.clear_main_log().map_err(status)?;
                Ok(Response::new(v1::ProcessActionResponse::default()))
            }
            Some(v1::clear_logs_request::Kind::Target(t)) => {
                let t = target(Some(t))?;
                let r = self.ctl.clear_logs(t.clone()).await.map_err(status)?;
                results(&t, r)
            }
            None => Err(status(FaultError::new(
                Fault::IncorrectParameters,
                "nothing to clear given",
            ))),
        }
    }

    type FollowLogStream = ChunkStream;

    async fn follow_log(&self, req: Request<v1::FollowLogRequest>) -> Rpc<ChunkStream> {
        serving::require_running(&*self.ctl).map_err(status)?;
        let req = req.into_inner();
        let src = source(req.source)?;
        let path = match self.ctl.log_path(&src).map_err(status)? {
            Some(p) if p.exists() => p,
            Some(p) => {
                return Err(status(FaultError::new(
                    Fault::NoFile,
                    p.display().to_string(),
                )));
            }
            None => return Err(status(FaultError::bare(Fault::NoFile))),
        };
        let backlog = u64::try_from(req.backlog).unwrap_or(0);
        let stream = ReceiverStream::new(follow::follow(path, backlog))
            .map(|data| Ok(v1::LogChunk { data }));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn reread(&self, _: Request<v1::RereadRequest>) -> Rpc<v1::RereadResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        let r = self.ctl.reread().await.map_err(status)?;
        Ok(Response::new(v1::RereadResponse {
            added: r.added,
            changed: r.changed,
            removed: r.removed,
        }))
    }

    async fn update(&self, req: Request<v1::UpdateRequest>) -> Rpc<v1::UpdateResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        let req = req.into_inner();
        let report = self
            .ctl
            .update(UpdateRequest {
                dry_run: req.dry_run,
                groups: req.groups,
            })
            .await
            .map_err(status)?;
        Ok(Response::new(update_msg(report)))
    }

    async fn add_group(&self, req: Request<v1::GroupRequest>) -> Rpc<v1::GroupResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        self.ctl
            .add_group(&req.into_inner().name)
            .await
            .map_err(status)?;
        Ok(Response::new(v1::GroupResponse {}))
    }

    async fn remove_group(&self, req: Request<v1::GroupRequest>) -> Rpc<v1::GroupResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        self.ctl
            .remove_group(&req.into_inner().name)
            .await
            .map_err(status)?;
        Ok(Response::new(v1::GroupResponse {}))
    }

    async fn list_config(&self, _: Request<v1::ListConfigRequest>) -> Rpc<v1::ListConfigResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        Ok(Response::new(v1::ListConfigResponse {
            processes: self.ctl.config_info().into_iter().map(config_msg).collect(),
        }))
    }

    async fn reload(&self, _: Request<v1::ReloadRequest>) -> Rpc<v1::ReloadResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        self.ctl.reload().await.map_err(status)?;
        Ok(Response::new(v1::ReloadResponse {}))
    }

    async fn shutdown(&self, _: Request<v1::ShutdownRequest>) -> Rpc<v1::ShutdownResponse> {
        serving::require_running(&*self.ctl).map_err(status)?;
        self.ctl.shutdown().await.map_err(status)?;
        Ok(Response::new(v1::ShutdownResponse {}))
    }

    type WatchEventsStream = EventStream;

    async fn watch_events(&self, req: Request<v1::WatchEventsRequest>) -> Rpc<EventStream> {
        serving::require_running(&*self.ctl).map_err(status)?;
        let mut names = req.into_inner().names;
        if let Some(bad) = names
            .iter()
            .find(|n| !supervisor_config::EVENT_TYPES.contains(&n.as_str()))
        {
            return Err(status(FaultError::new(
                Fault::IncorrectParameters,
                format!("unknown event type {bad}"),
            )));
        }
        if names.is_empty() {
            names.push("EVENT".to_string());
        }
        let stream = ReceiverStream::new(self.ctl.events(&names)).map(|w| {
            Ok(v1::Event {
                serial: w.event.serial,
                name: w.event.name,
                payload: w.event.payload,
                dropped: w.dropped,
            })
        });
        Ok(Response::new(Box::pin(stream)))
    }

    type WatchProcessesStream = InfoStream;

    async fn watch_processes(&self, _: Request<v1::WatchProcessesRequest>) -> Rpc<InfoStream> {
        serving::require_running(&*self.ctl).map_err(status)?;
        let rx = self.ctl.watch();
        let stream = ReceiverStream::new(rx).map(|p| Ok(info_msg(p)));
        Ok(Response::new(Box::pin(stream)))
    }

    type WatchUsageStream = UsageStream;

    async fn watch_usage(&self, req: Request<v1::WatchUsageRequest>) -> Rpc<UsageStream> {
        serving::require_running(&*self.ctl).map_err(status)?;
        let every = req.into_inner().interval_ms;
        Ok(Response::new(Box::pin(crate::usage::stream(
            Arc::clone(&self.ctl),
            every,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_fault_texts_are_cut_on_a_character_boundary() {
        assert_eq!(bounded("BAD_NAME: x".into()), "BAD_NAME: x");
        let long = format!("BAD_NAME: {}", "é".repeat(1000));
        let cut = bounded(long.clone());
        assert!(
            cut.ends_with(&format!("... ({} bytes)", long.len())),
            "{cut}"
        );
        assert!(cut.len() <= MESSAGE_LIMIT + 20);
        let s = status(FaultError::new(Fault::BadName, "x".repeat(3 << 20)));
        assert!(s.message().len() < MESSAGE_LIMIT + 20);
        assert!(s.details().len() < MESSAGE_LIMIT + 30);
    }
}
