//! supervisorctl's gRPC plumbing against an in-process fake supervisord: unix socket
//! and TCP (h2c) connections, Basic auth metadata, faults carried in status details,
//! `FollowLog` streaming, and the connection errors after the server goes away.
//! The fake implements just enough of `supervisor.v1` to drive the commands.

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use prost::Message;
use supervisor_ctl::{Controller, GrpcApi, Server, TermConsole};
use supervisor_proto::v1;
use supervisor_proto::v1::supervisor_server::{Supervisor, SupervisorServer};
use tokio::runtime::Runtime;
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream, UnixListenerStream};
use tonic::{Code, Request, Response, Status};

/// What the fake server saw and how it answers.
#[derive(Default)]
struct Fake {
    /// Expected `authorization` value; `None` = no auth.
    auth: Option<String>,
    /// The API version GetState reports.
    api_version: String,
    calls: Arc<Mutex<Vec<String>>>,
}

fn fault(code: Code, fault: i32, text: &str) -> Status {
    let detail = v1::Fault {
        code: fault,
        text: text.into(),
    };
    Status::with_details(code, text, detail.encode_to_vec().into())
}

fn process(group: &str, name: &str, state: i32, statename: &str, desc: &str) -> v1::ProcessInfo {
    v1::ProcessInfo {
        name: name.into(),
        group: group.into(),
        description: desc.into(),
        state,
        statename: statename.into(),
        pid: if state == 20 { 1234 } else { 0 },
        ..v1::ProcessInfo::default()
    }
}

type Reply<T> = Result<Response<T>, Status>;

impl Fake {
    fn check<T>(&self, what: &str, request: &Request<T>) -> Result<(), Status> {
        self.calls.lock().unwrap().push(what.to_string());
        let Some(expected) = &self.auth else {
            return Ok(());
        };
        let given = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if given == Some(expected.as_str()) {
            Ok(())
        } else {
            Err(Status::unauthenticated("Unauthorized"))
        }
    }
}

fn unimplemented<T>() -> Reply<T> {
    Err(Status::unimplemented("not in the fake"))
}

#[tonic::async_trait]
impl Supervisor for Fake {
    async fn get_state(&self, r: Request<v1::GetStateRequest>) -> Reply<v1::GetStateResponse> {
        self.check("GetState", &r)?;
        Ok(Response::new(v1::GetStateResponse {
            code: 1,
            name: "RUNNING".into(),
            pid: 77,
            api_version: self.api_version.clone(),
            supervisor_version: "4.3.0".into(),
            identification: "supervisor".into(),
        }))
    }

    async fn list_processes(
        &self,
        r: Request<v1::ListProcessesRequest>,
    ) -> Reply<v1::ListProcessesResponse> {
        self.check("ListProcesses", &r)?;
        Ok(Response::new(v1::ListProcessesResponse {
            processes: vec![
                process("grp", "multi_00", 0, "STOPPED", "Not started"),
                process(
                    "sleeper",
                    "sleeper",
                    20,
                    "RUNNING",
                    "pid 1234, uptime 0:00:09",
                ),
            ],
        }))
    }

    async fn get_process(&self, r: Request<v1::GetProcessRequest>) -> Reply<v1::ProcessInfo> {
        self.check("GetProcess", &r)?;
        match r.into_inner().name.as_str() {
            "sleeper" => Ok(Response::new(process(
                "sleeper", "sleeper", 20, "RUNNING", "",
            ))),
            name => Err(fault(Code::NotFound, 10, &format!("BAD_NAME: {name}"))),
        }
    }

    async fn start_processes(
        &self,
        r: Request<v1::ProcessActionRequest>,
    ) -> Reply<v1::ProcessActionResponse> {
        self.check("StartProcesses", &r)?;
        let request = r.into_inner();
        assert!(request.wait, "supervisorctl always waits");
        match request.target.and_then(|t| t.kind) {
            Some(v1::target::Kind::Process(name)) if name == "failer" => {
                Err(fault(Code::Aborted, 50, "SPAWN_ERROR: failer"))
            }
            Some(v1::target::Kind::Group(group)) => Ok(Response::new(v1::ProcessActionResponse {
                results: vec![v1::ProcessResult {
                    name: "multi_00".into(),
                    group,
                    status: 80,
                    description: "OK".into(),
                }],
            })),
            _ => Ok(Response::new(v1::ProcessActionResponse::default())),
        }
    }

    async fn stop_processes(
        &self,
        _: Request<v1::ProcessActionRequest>,
    ) -> Reply<v1::ProcessActionResponse> {
        unimplemented()
    }

    async fn signal_processes(
        &self,
        _: Request<v1::SignalRequest>,
    ) -> Reply<v1::ProcessActionResponse> {
        unimplemented()
    }

    async fn send_stdin(&self, _: Request<v1::SendStdinRequest>) -> Reply<v1::SendStdinResponse> {
        unimplemented()
    }

    async fn read_log(&self, r: Request<v1::ReadLogRequest>) -> Reply<v1::ReadLogResponse> {
        self.check("ReadLog", &r)?;
        let request = r.into_inner();
        assert_eq!((request.offset, request.length), (-1600, 0));
        Ok(Response::new(v1::ReadLogResponse {
            data: b"hello\n".to_vec(),
        }))
    }

    async fn tail_log(&self, _: Request<v1::ReadLogRequest>) -> Reply<v1::TailLogResponse> {
        unimplemented()
    }

    async fn clear_logs(
        &self,
        _: Request<v1::ClearLogsRequest>,
    ) -> Reply<v1::ProcessActionResponse> {
        unimplemented()
    }

    type FollowLogStream = ReceiverStream<Result<v1::LogChunk, Status>>;

    async fn follow_log(&self, r: Request<v1::FollowLogRequest>) -> Reply<Self::FollowLogStream> {
        self.check("FollowLog", &r)?;
        let request = r.into_inner();
        assert_eq!(request.backlog, 1024);
        if let Some(v1::log_source::Kind::Stdout(name)) = request.source.and_then(|s| s.kind)
            && name != "sleeper"
        {
            return Err(fault(Code::NotFound, 10, &format!("BAD_NAME: {name}")));
        }
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            for chunk in [&b"one\n"[..], b"two\n"] {
                let _ = tx
                    .send(Ok(v1::LogChunk {
                        data: chunk.to_vec(),
                    }))
                    .await;
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn reread(&self, _: Request<v1::RereadRequest>) -> Reply<v1::RereadResponse> {
        unimplemented()
    }

    async fn update(&self, _: Request<v1::UpdateRequest>) -> Reply<v1::UpdateResponse> {
        unimplemented()
    }

    async fn add_group(&self, _: Request<v1::GroupRequest>) -> Reply<v1::GroupResponse> {
        unimplemented()
    }

    async fn remove_group(&self, _: Request<v1::GroupRequest>) -> Reply<v1::GroupResponse> {
        unimplemented()
    }

    async fn list_config(
        &self,
        _: Request<v1::ListConfigRequest>,
    ) -> Reply<v1::ListConfigResponse> {
        unimplemented()
    }

    async fn reload(&self, _: Request<v1::ReloadRequest>) -> Reply<v1::ReloadResponse> {
        unimplemented()
    }

    async fn shutdown(&self, r: Request<v1::ShutdownRequest>) -> Reply<v1::ShutdownResponse> {
        self.check("Shutdown", &r)?;
        Ok(Response::new(v1::ShutdownResponse {}))
    }

    type WatchProcessesStream = ReceiverStream<Result<v1::ProcessInfo, Status>>;
    type WatchEventsStream = ReceiverStream<Result<v1::Event, Status>>;

    async fn watch_events(
        &self,
        _: Request<v1::WatchEventsRequest>,
    ) -> Reply<Self::WatchEventsStream> {
        unimplemented()
    }

    async fn reopen_logs(
        &self,
        _: Request<v1::ReopenLogsRequest>,
    ) -> Reply<v1::ReopenLogsResponse> {
        unimplemented()
    }

    async fn send_remote_comm_event(
        &self,
        _: Request<v1::RemoteCommEventRequest>,
    ) -> Reply<v1::RemoteCommEventResponse> {
        unimplemented()
    }

    async fn watch_processes(
        &self,
        _: Request<v1::WatchProcessesRequest>,
    ) -> Reply<Self::WatchProcessesStream> {
        unimplemented()
    }

    type WatchUsageStream = ReceiverStream<Result<v1::UsageSample, Status>>;

    async fn watch_usage(
        &self,
        _: Request<v1::WatchUsageRequest>,
    ) -> Reply<Self::WatchUsageStream> {
        unimplemented()
    }
}

#[derive(Clone, Default)]
struct Buf(Rc<RefCell<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buf {
    fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.borrow_mut())).unwrap()
    }
}

/// A connection template: each `run` gets a fresh controller (exit status 0) over a
/// clone of the same client, so the channel is shared between runs.
struct Client {
    api: GrpcApi,
    server: Server,
    err: Buf,
}

impl Client {
    fn new(serverurl: &str, username: Option<&str>, password: Option<&str>) -> Client {
        let server = Server {
            serverurl: serverurl.into(),
            username: username.map(str::to_string),
            password: password.map(str::to_string),
        };
        Client {
            api: GrpcApi::new(&server),
            server,
            err: Buf::default(),
        }
    }

    fn run(&mut self, rt: &Runtime, line: &str) -> (String, i32) {
        let out = Buf::default();
        let mut ctl = Controller::new(
            self.api.clone(),
            TermConsole::new(),
            self.server.clone(),
            false,
            Box::new(out.clone()),
            Box::new(self.err.clone()),
        );
        rt.block_on(ctl.onecmd(line));
        (out.take(), ctl.exit_status())
    }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Serves `fake` on a unix socket at `path` until the returned sender is dropped.
/// The fake server on a unix socket: the sender stops it, the handle ends once it
/// has stopped (and dropped its listener).
fn serve_unix(
    rt: &Runtime,
    path: &Path,
    fake: Fake,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), tonic::transport::Error>>,
) {
    let listener = rt
        .block_on(async { tokio::net::UnixListener::bind(path) })
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = rt.spawn(
        tonic::transport::Server::builder()
            .add_service(SupervisorServer::new(fake))
            .serve_with_incoming_shutdown(UnixListenerStream::new(listener), async {
                let _ = stopped.await;
            }),
    );
    (stop, served)
}

fn fake(api_version: &str) -> Fake {
    Fake {
        api_version: api_version.into(),
        ..Fake::default()
    }
}

#[test]
fn commands_over_a_unix_socket() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("sv.sock");
    let (stop, served) = serve_unix(&rt, &sock, fake("3.0"));
    let url = format!("unix://{}", sock.display());
    let mut c = Client::new(&url, None, None);

    let (out, code) = c.run(&rt, "status");
    assert_eq!(
        out,
        "grp:multi_00                     STOPPED   Not started\n\
         sleeper                          RUNNING   pid 1234, uptime 0:00:09\n"
    );
    assert_eq!(code, 3);

    let (out, code) = c.run(&rt, "start failer");
    assert_eq!(out, "failer: ERROR (spawn error)\n");
    assert_eq!(code, 7);

    let (out, _) = c.run(&rt, "start grp:*");
    assert_eq!(out, "grp:multi_00: started\n");

    let (out, _) = c.run(&rt, "pid nosuch");
    assert_eq!(out, "No such process nosuch\n");

    let (out, _) = c.run(&rt, "tail sleeper");
    assert_eq!(out, "hello\n\n");

    let (out, _) = c.run(&rt, "tail -f sleeper");
    assert_eq!(out, "==> Press Ctrl-C to exit <==\none\ntwo\n");

    let (out, _) = c.run(&rt, "tail -f nosuch");
    assert_eq!(out, "==> Press Ctrl-C to exit <==\n");
    assert_eq!(
        c.err.take(),
        format!("{url}/logtail/nosuch/stdout Cannot read, status code 404\n")
    );

    // A service the fake lacks is Supervisor's UNKNOWN_METHOD.
    let (out, code) = c.run(&rt, "avail");
    assert!(out.starts_with("error: <class 'xmlrpc.client.Fault'>, <Fault 1: 'UNKNOWN_METHOD'>"));
    assert_eq!(code, 1);

    let (out, _) = c.run(&rt, "shutdown");
    assert_eq!(out, "Shut down\n");

    // The server goes away with its socket file: the next upcheck says so.
    drop(stop);
    let gone = rt
        .block_on(async { tokio::time::timeout(std::time::Duration::from_secs(10), served).await });
    assert!(
        matches!(gone, Ok(Ok(Ok(())))),
        "the fake server never stopped: {gone:?}"
    );
    assert!(
        rt.block_on(tokio::net::UnixStream::connect(&sock)).is_err(),
        "still listening"
    );
    std::fs::remove_file(&sock).unwrap();
    let mut fresh = Client::new(&url, None, None);
    let (out, code) = fresh.run(&rt, "status");
    assert_eq!(out, format!("{url} no such file\n"));
    assert_eq!(code, 4);
    let (out, code) = c.run(&rt, "version");
    assert_eq!(out, format!("{url} no such file\n"));
    assert_eq!(code, 7);
}

#[test]
fn basic_auth_over_tcp() {
    let rt = runtime();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let service = Fake {
        auth: Some("Basic dXNlcjpwYXNz".into()),
        ..fake("3.0")
    };
    let calls = service.calls.clone();
    rt.spawn(
        tonic::transport::Server::builder()
            .add_service(SupervisorServer::new(service))
            .serve_with_incoming(TcpListenerStream::new(listener)),
    );
    let url = format!("http://127.0.0.1:{port}");

    let mut anonymous = Client::new(&url, Some("user"), None);
    let (out, code) = anonymous.run(&rt, "status");
    assert_eq!(
        out,
        "Server requires authentication\n\
         error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>: file: supervisor/xmlrpc.py line: 539\n"
    );
    assert_eq!(code, 1);

    let mut user = Client::new(&url, Some("user"), Some("pass"));
    let (out, code) = user.run(&rt, "version");
    assert_eq!((out.as_str(), code), ("4.3.0\n", 0));
    assert!(calls.lock().unwrap().iter().all(|c| c == "GetState"));
}

#[test]
fn api_version_mismatch() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("old.sock");
    let (_stop, _served) = serve_unix(&rt, &sock, fake("2.0"));
    let mut c = Client::new(&format!("unix://{}", sock.display()), None, None);
    let (out, code) = c.run(&rt, "start x");
    assert_eq!(
        out,
        "Sorry, this version of supervisorctl expects to talk to a server with API version 3.0, but the remote version is 2.0.\n"
    );
    assert_eq!(code, 5);
}
