//! [`GrpcApi`]: the [`Api`] over tonic. It connects lazily on the first call (a unix
//! socket through a custom connector, or h2c over TCP), adds `authorization: Basic`
//! to every request when a username and a password are set (Python's
//! `SupervisorTransport` rule), decodes a failed call's `v1::Fault` detail into a
//! [`FaultError`], classifies connection failures (ENOENT = no such file,
//! ECONNREFUSED = refused), and lets Ctrl-C abandon a call in flight.

use std::future::Future;

use hyper_util::rt::TokioIo;
use prost::Message;
use supervisor_model::{Fault, FaultError};
use supervisor_proto::v1;
use supervisor_proto::v1::supervisor_client::SupervisorClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Uri};
use tonic::{Code, Request, Status};

use crate::api::{Api, EventStream, LogSource, LogStream, Server, Target};
use crate::error::{CallError, classify};
use crate::url::Endpoint;

pub(crate) type Client = SupervisorClient<InterceptedService<Channel, BasicAuth>>;

/// Adds the `authorization` metadata to every request.
#[derive(Clone)]
pub struct BasicAuth(Option<MetadataValue<Ascii>>);

impl BasicAuth {
    /// Credentials are sent only when both are set, as `SupervisorTransport` does.
    pub fn new(username: Option<&str>, password: Option<&str>) -> BasicAuth {
        use base64::Engine as _;
        let value = match (username, password) {
            (Some(u), Some(p)) => {
                let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
                MetadataValue::try_from(format!("Basic {encoded}")).ok()
            }
            _ => None,
        };
        BasicAuth(value)
    }
}

impl Interceptor for BasicAuth {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// The gRPC client. Cloning shares the connection (the shell's completer uses a
/// clone).
#[derive(Clone)]
pub struct GrpcApi {
    server: Server,
    client: Option<Client>,
}

impl GrpcApi {
    pub fn new(server: &Server) -> GrpcApi {
        GrpcApi {
            server: server.clone(),
            client: None,
        }
    }

    /// The connected client (connecting first), for streams beyond [`Api`]
    /// (`top`'s process and usage streams).
    pub(crate) async fn client(&mut self) -> Result<Client, CallError> {
        if let Some(client) = &self.client {
            return Ok(client.clone());
        }
        let client = connect(&self.server).await?;
        self.client = Some(client.clone());
        Ok(client)
    }

    /// Runs one RPC: connect if needed, map the failure, forget a broken connection
    /// so the next call reconnects (and reports ENOENT/ECONNREFUSED precisely).
    async fn call<T, F, Fut>(&mut self, rpc: F) -> Result<T, CallError>
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, Status>>,
    {
        let work = async {
            let client = self.client().await?;
            match rpc(client).await {
                Ok(response) => Ok(response.into_inner()),
                Err(status) => {
                    let error = from_status(status);
                    if matches!(
                        error,
                        CallError::NoSuchFile
                            | CallError::Refused
                            | CallError::Io(_)
                            | CallError::Status(_)
                    ) {
                        self.client = None;
                    }
                    Err(error)
                }
            }
        };
        interruptible(work).await
    }
}

/// Races `work` against Ctrl-C.
pub(crate) async fn interruptible<T>(
    work: impl Future<Output = Result<T, CallError>>,
) -> Result<T, CallError> {
    tokio::select! {
        result = work => result,
        () = ctrl_c() => Err(CallError::Interrupted),
    }
}

/// Resolves on SIGINT; never, if the handler cannot be installed.
pub(crate) async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Opens the channel for `server`.
async fn connect(server: &Server) -> Result<Client, CallError> {
    let endpoint = Endpoint::parse(&server.serverurl).map_err(CallError::BadServerUrl)?;
    let channel = match endpoint {
        Endpoint::Unix(path) => {
            // The URI only fills :authority; the connector ignores it.
            tonic::transport::Endpoint::from_static("http://localhost")
                .connect_with_connector(tower::service_fn(move |_: Uri| {
                    let path = path.clone();
                    async move {
                        let stream = tokio::net::UnixStream::connect(path).await?;
                        Ok::<_, std::io::Error>(TokioIo::new(stream))
                    }
                }))
                .await
        }
        Endpoint::Tcp { host, port } => {
            let authority = if host.contains(':') {
                format!("http://[{host}]:{port}")
            } else {
                format!("http://{host}:{port}")
            };
            let endpoint = tonic::transport::Endpoint::from_shared(authority)
                .unwrap_or_else(|_| tonic::transport::Endpoint::from_static("http://localhost"));
            endpoint
                .connect_with_connector(tower::service_fn(move |_: Uri| {
                    let host = host.clone();
                    async move {
                        let stream = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
                        stream.set_nodelay(true)?;
                        Ok::<_, std::io::Error>(TokioIo::new(stream))
                    }
                }))
                .await
        }
    };
    let channel = channel.map_err(|e| {
        classify(&e).unwrap_or_else(|| CallError::Io(std::io::Error::other(e.to_string())))
    })?;
    let auth = BasicAuth::new(server.username.as_deref(), server.password.as_deref());
    // `tail -N` may ask for any number of bytes; tonic's 4 MiB default would turn a
    // big read into an error that Supervisor never gives.
    Ok(SupervisorClient::with_interceptor(channel, auth).max_decoding_message_size(usize::MAX))
}

/// A failed call's status as supervisorctl sees it.
pub(crate) fn from_status(status: Status) -> CallError {
    if let Some(fault) = decode_fault(&status) {
        return CallError::Fault(fault);
    }
    match status.code() {
        Code::Unauthenticated => CallError::Unauthenticated,
        // A server without the supervisor service: Supervisor says UNKNOWN_METHOD.
        Code::Unimplemented => CallError::Fault(FaultError::bare(Fault::UnknownMethod)),
        _ => classify(&status).unwrap_or_else(|| CallError::Status(Box::new(status))),
    }
}

/// The `v1::Fault` in a status's details, if any.
pub(crate) fn decode_fault(status: &Status) -> Option<FaultError> {
    if status.details().is_empty() {
        return None;
    }
    let fault = v1::Fault::decode(status.details()).ok()?;
    Some(FaultError::from_wire(fault.code, fault.text))
}

/// A `FollowLog` stream.
pub struct GrpcLogStream(tonic::Streaming<v1::LogChunk>);

impl LogStream for GrpcLogStream {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, CallError> {
        match self.0.message().await {
            Ok(Some(chunk)) => Ok(Some(chunk.data)),
            Ok(None) => Ok(None),
            Err(status) => Err(from_status(status)),
        }
    }
}

/// A `WatchEvents` stream.
pub struct GrpcEventStream(tonic::Streaming<v1::Event>);

impl EventStream for GrpcEventStream {
    async fn next_event(&mut self) -> Result<Option<v1::Event>, CallError> {
        self.0.message().await.map_err(from_status)
    }
}

fn action(target: Target) -> v1::ProcessActionRequest {
    v1::ProcessActionRequest {
        target: Some(target.into()),
        // supervisorctl always waits (the XML-RPC `wait` argument defaults to true).
        wait: true,
    }
}

impl Api for GrpcApi {
    type Stream = GrpcLogStream;
    type Events = GrpcEventStream;

    fn set_server(&mut self, server: &Server) {
        self.server = server.clone();
        self.client = None;
    }

    async fn get_state(&mut self) -> Result<v1::GetStateResponse, CallError> {
        self.call(|mut c| async move { c.get_state(v1::GetStateRequest {}).await })
            .await
    }

    async fn list_processes(&mut self) -> Result<Vec<v1::ProcessInfo>, CallError> {
        let r = self
            .call(|mut c| async move { c.list_processes(v1::ListProcessesRequest {}).await })
            .await?;
        Ok(r.processes)
    }

    async fn get_process(&mut self, name: &str) -> Result<v1::ProcessInfo, CallError> {
        let request = v1::GetProcessRequest { name: name.into() };
        self.call(|mut c| async move { c.get_process(request).await })
            .await
    }

    async fn start(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError> {
        let request = action(target);
        let r = self
            .call(|mut c| async move { c.start_processes(request).await })
            .await?;
        Ok(r.results)
    }

    async fn stop(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError> {
        let request = action(target);
        let r = self
            .call(|mut c| async move { c.stop_processes(request).await })
            .await?;
        Ok(r.results)
    }

    async fn signal(
        &mut self,
        target: Target,
        signal: &str,
    ) -> Result<Vec<v1::ProcessResult>, CallError> {
        let request = v1::SignalRequest {
            target: Some(target.into()),
            signal: signal.into(),
        };
        let r = self
            .call(|mut c| async move { c.signal_processes(request).await })
            .await?;
        Ok(r.results)
    }

    async fn send_stdin(&mut self, name: &str, data: Vec<u8>) -> Result<(), CallError> {
        let request = v1::SendStdinRequest {
            name: name.into(),
            data,
        };
        self.call(|mut c| async move { c.send_stdin(request).await })
            .await?;
        Ok(())
    }

    async fn read_log(
        &mut self,
        source: LogSource,
        offset: i64,
        length: i64,
    ) -> Result<Vec<u8>, CallError> {
        let request = v1::ReadLogRequest {
            source: Some(source.into()),
            offset,
            length,
        };
        let r = self
            .call(|mut c| async move { c.read_log(request).await })
            .await?;
        Ok(r.data)
    }

    async fn clear_logs(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError> {
        let request = v1::ClearLogsRequest {
            kind: Some(v1::clear_logs_request::Kind::Target(target.into())),
        };
        let r = self
            .call(|mut c| async move { c.clear_logs(request).await })
            .await?;
        Ok(r.results)
    }

    async fn follow_log(
        &mut self,
        source: LogSource,
        backlog: i64,
    ) -> Result<GrpcLogStream, CallError> {
        let request = v1::FollowLogRequest {
            source: Some(source.into()),
            backlog,
        };
        let stream = self
            .call(|mut c| async move { c.follow_log(request).await })
            .await?;
        Ok(GrpcLogStream(stream))
    }

    async fn reopen_logs(&mut self) -> Result<(), CallError> {
        self.call(|mut c| async move { c.reopen_logs(v1::ReopenLogsRequest {}).await })
            .await?;
        Ok(())
    }

    async fn watch_events(&mut self, names: Vec<String>) -> Result<GrpcEventStream, CallError> {
        let request = v1::WatchEventsRequest { names };
        let stream = self
            .call(|mut c| async move { c.watch_events(request).await })
            .await?;
        Ok(GrpcEventStream(stream))
    }

    async fn reread(&mut self) -> Result<v1::RereadResponse, CallError> {
        self.call(|mut c| async move { c.reread(v1::RereadRequest {}).await })
            .await
    }

    async fn update(
        &mut self,
        dry_run: bool,
        groups: Vec<String>,
    ) -> Result<v1::UpdateResponse, CallError> {
        let request = v1::UpdateRequest { dry_run, groups };
        self.call(|mut c| async move { c.update(request).await })
            .await
    }

    async fn add_group(&mut self, name: &str) -> Result<(), CallError> {
        let request = v1::GroupRequest { name: name.into() };
        self.call(|mut c| async move { c.add_group(request).await })
            .await?;
        Ok(())
    }

    async fn remove_group(&mut self, name: &str) -> Result<(), CallError> {
        let request = v1::GroupRequest { name: name.into() };
        self.call(|mut c| async move { c.remove_group(request).await })
            .await?;
        Ok(())
    }

    async fn list_config(&mut self) -> Result<Vec<v1::ProcessConfig>, CallError> {
        let r = self
            .call(|mut c| async move { c.list_config(v1::ListConfigRequest {}).await })
            .await?;
        Ok(r.processes)
    }

    async fn reload(&mut self) -> Result<(), CallError> {
        self.call(|mut c| async move { c.reload(v1::ReloadRequest {}).await })
            .await?;
        Ok(())
    }

    async fn shutdown(&mut self) -> Result<(), CallError> {
        self.call(|mut c| async move { c.shutdown(v1::ShutdownRequest {}).await })
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_come_from_the_details() {
        let detail = v1::Fault {
            code: 10,
            text: "BAD_NAME: nosuch".into(),
        };
        let status = Status::with_details(
            Code::NotFound,
            "BAD_NAME: nosuch",
            detail.encode_to_vec().into(),
        );
        let e = from_status(status);
        assert!(e.is(Fault::BadName));
        assert_eq!(e.fault().unwrap().text, "BAD_NAME: nosuch");
        assert!(matches!(
            from_status(Status::unauthenticated("no")),
            CallError::Unauthenticated
        ));
        assert!(from_status(Status::unimplemented("x")).is(Fault::UnknownMethod));
        assert!(matches!(
            from_status(Status::internal("x")),
            CallError::Status(_)
        ));
    }

    #[test]
    fn auth_header_needs_both() {
        assert!(BasicAuth::new(Some("u"), None).0.is_none());
        let value = BasicAuth::new(Some("user"), Some("pass")).0.unwrap();
        assert_eq!(value.to_str().unwrap(), "Basic dXNlcjpwYXNz");
    }

    #[test]
    fn connection_failures_are_classified() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let missing = format!("unix://{}/none.sock", dir.path().display());
        let server = Server {
            serverurl: missing,
            username: None,
            password: None,
        };
        let mut api = GrpcApi::new(&server);
        let e = rt.block_on(api.get_state()).unwrap_err();
        assert!(matches!(e, CallError::NoSuchFile), "{e:?}");

        // A socket file nobody listens on.
        let path = dir.path().join("stale.sock");
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        api.set_server(&Server {
            serverurl: format!("unix://{}", path.display()),
            ..server.clone()
        });
        let e = rt.block_on(api.get_state()).unwrap_err();
        assert!(matches!(e, CallError::Refused), "{e:?}");

        api.set_server(&Server {
            serverurl: "http://127.0.0.1:1".into(),
            ..server.clone()
        });
        let e = rt.block_on(api.get_state()).unwrap_err();
        assert!(matches!(e, CallError::Refused), "{e:?}");

        api.set_server(&Server {
            serverurl: "foo://bar".into(),
            ..server
        });
        let e = rt.block_on(api.get_state()).unwrap_err();
        assert_eq!(e.to_string(), "Unknown protocol for serverurl foo://bar");
    }
}
