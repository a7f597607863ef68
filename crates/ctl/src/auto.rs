//! [`AutoApi`]: the [`Api`] supervisorctl uses. It speaks our gRPC API to servers
//! that have it and Supervisor's XML-RPC to every other one, chosen per server
//! without the user saying which.
//!
//! How it decides: the first call to a server goes over gRPC. If it succeeds, or the
//! server answers with a gRPC status, the server is ours and every later call uses
//! gRPC. If it fails in a way a gRPC server never causes (the HTTP/2 exchange breaks:
//! an HTTP/1.1 server such as Python's medusa answers the HTTP/2 preface with
//! `400 Bad Request` and closes, which tonic reports as a cancelled call, a broken
//! pipe or an h2 protocol error), the same call is made over XML-RPC and, if that
//! works, XML-RPC is used from then on. Failures both protocols share (no socket
//! file, connection refused, permission denied, a bad URL) are reported at once and
//! decide nothing. The first call of every command is a read (`upcheck`'s
//! `GetState`, or `update`'s reread), and a server that broke the HTTP/2 exchange
//! never ran the gRPC request, so the retry cannot do anything twice.
//!
//! Why not probe first (an HTTP/1.1 request before any call): it would cost every
//! command against our own daemon a round trip, where deciding on the first call's
//! failure costs only the calls to other servers one failed connection.
//!
//! `open` (and a login) call [`Api::set_server`], which forgets the decision, so one
//! shell can drive a mixed fleet.

use supervisor_proto::v1;

use crate::api::{Api, LogSource, LogStream, Server, Target};
use crate::error::CallError;
use crate::grpc::{GrpcApi, GrpcEventStream, GrpcLogStream};
use crate::xmlrpc::{HttpLogStream, NoEvents, XmlRpcApi};

/// What the current server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Not known yet: the next call tries gRPC.
    Unknown,
    Grpc,
    XmlRpc,
}

/// gRPC when the server has it, Supervisor's XML-RPC otherwise.
#[derive(Clone)]
pub struct AutoApi {
    grpc: GrpcApi,
    xml: XmlRpcApi,
    protocol: Protocol,
}

impl AutoApi {
    pub fn new(server: &Server) -> AutoApi {
        AutoApi {
            grpc: GrpcApi::new(server),
            xml: XmlRpcApi::new(server),
            protocol: Protocol::Unknown,
        }
    }

    /// What the current server was found to speak.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }
}

/// True when a first gRPC call failed the way a server without HTTP/2 (or a proxy
/// speaking only HTTP/1.1) makes it fail, so XML-RPC is worth trying.
fn not_grpc(e: &CallError) -> bool {
    match e {
        CallError::Status(status) => !matches!(
            status.code(),
            tonic::Code::Unimplemented
                | tonic::Code::Unauthenticated
                | tonic::Code::PermissionDenied
        ),
        CallError::Io(io) => io.kind() != std::io::ErrorKind::PermissionDenied,
        _ => false,
    }
}

/// Runs `$method` over the protocol in use, deciding it on the first call.
macro_rules! route {
    ($self:ident . $method:ident ( $($arg:expr),* ) $(, $wrap_grpc:path, $wrap_xml:path)?) => {{
        match $self.protocol {
            Protocol::Grpc => $self.grpc.$method($($arg),*).await $(.map($wrap_grpc))?,
            Protocol::XmlRpc => $self.xml.$method($($arg),*).await $(.map($wrap_xml))?,
            Protocol::Unknown => match $self.grpc.$method($($arg.clone()),*).await {
                Err(e) if not_grpc(&e) => {
                    let answer = $self.xml.$method($($arg),*).await $(.map($wrap_xml))?;
                    if !matches!(
                        answer,
                        Err(CallError::NoSuchFile | CallError::Refused | CallError::Io(_))
                    ) {
                        $self.protocol = Protocol::XmlRpc;
                    }
                    answer
                }
                Err(e @ (CallError::NoSuchFile | CallError::Refused | CallError::Interrupted
                    | CallError::BadServerUrl(_) | CallError::Io(_))) => Err(e),
                answer => {
                    $self.protocol = Protocol::Grpc;
                    answer $(.map($wrap_grpc))?
                }
            },
        }
    }};
}

/// A followed log from either protocol.
pub enum AnyLogStream {
    Grpc(GrpcLogStream),
    Http(HttpLogStream),
}

impl LogStream for AnyLogStream {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, CallError> {
        match self {
            AnyLogStream::Grpc(s) => s.next_chunk().await,
            AnyLogStream::Http(s) => s.next_chunk().await,
        }
    }
}

/// XML-RPC never yields an event stream (its `watch_events` always fails).
fn no_events(never: NoEvents) -> GrpcEventStream {
    match never {}
}

impl Api for AutoApi {
    type Stream = AnyLogStream;
    type Events = GrpcEventStream;

    fn set_server(&mut self, server: &Server) {
        self.grpc.set_server(server);
        self.xml.set_server(server);
        self.protocol = Protocol::Unknown;
    }

    async fn get_state(&mut self) -> Result<v1::GetStateResponse, CallError> {
        route!(self.get_state())
    }

    async fn list_processes(&mut self) -> Result<Vec<v1::ProcessInfo>, CallError> {
        route!(self.list_processes())
    }

    async fn get_process(&mut self, name: &str) -> Result<v1::ProcessInfo, CallError> {
        route!(self.get_process(name))
    }

    async fn start(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError> {
        route!(self.start(target))
    }

    async fn stop(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError> {
        route!(self.stop(target))
    }

    async fn signal(
        &mut self,
        target: Target,
        signal: &str,
    ) -> Result<Vec<v1::ProcessResult>, CallError> {
        route!(self.signal(target, signal))
    }

    async fn send_stdin(&mut self, name: &str, data: Vec<u8>) -> Result<(), CallError> {
        route!(self.send_stdin(name, data))
    }

    async fn read_log(
        &mut self,
        source: LogSource,
        offset: i64,
        length: i64,
    ) -> Result<Vec<u8>, CallError> {
        route!(self.read_log(source, offset, length))
    }

    async fn clear_logs(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError> {
        route!(self.clear_logs(target))
    }

    async fn follow_log(
        &mut self,
        source: LogSource,
        backlog: i64,
    ) -> Result<AnyLogStream, CallError> {
        route!(
            self.follow_log(source, backlog),
            AnyLogStream::Grpc,
            AnyLogStream::Http
        )
    }

    async fn reread(&mut self) -> Result<v1::RereadResponse, CallError> {
        route!(self.reread())
    }

    async fn update(
        &mut self,
        dry_run: bool,
        groups: Vec<String>,
    ) -> Result<v1::UpdateResponse, CallError> {
        route!(self.update(dry_run, groups))
    }

    async fn add_group(&mut self, name: &str) -> Result<(), CallError> {
        route!(self.add_group(name))
    }

    async fn remove_group(&mut self, name: &str) -> Result<(), CallError> {
        route!(self.remove_group(name))
    }

    async fn list_config(&mut self) -> Result<Vec<v1::ProcessConfig>, CallError> {
        route!(self.list_config())
    }

    async fn reload(&mut self) -> Result<(), CallError> {
        route!(self.reload())
    }

    async fn shutdown(&mut self) -> Result<(), CallError> {
        route!(self.shutdown())
    }

    async fn reopen_logs(&mut self) -> Result<(), CallError> {
        route!(self.reopen_logs())
    }

    async fn watch_events(&mut self, names: Vec<String>) -> Result<GrpcEventStream, CallError> {
        route!(self.watch_events(names), std::convert::identity, no_events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_broken_http2_exchanges_mean_xml_rpc() {
        let cancelled =
            CallError::Status(Box::new(tonic::Status::cancelled("operation was canceled")));
        assert!(not_grpc(&cancelled));
        let pipe = CallError::Io(std::io::Error::other(
            "stream closed because of a broken pipe",
        ));
        assert!(not_grpc(&pipe));
        for shared in [
            CallError::NoSuchFile,
            CallError::Refused,
            CallError::Unauthenticated,
            CallError::Io(std::io::Error::from_raw_os_error(13)),
            CallError::Status(Box::new(tonic::Status::unimplemented("x"))),
            CallError::BadServerUrl("x".into()),
        ] {
            assert!(!not_grpc(&shared), "{shared:?}");
        }
    }
}
