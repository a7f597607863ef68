//! The seam between the commands and supervisord: [`Api`], one method per RPC that
//! supervisorctl uses, answering with the `supervisor.v1` messages or a [`CallError`].
//! The real implementation is [`crate::grpc::GrpcApi`]; unit tests script a fake.
//! [`Console`] is the other seam: the user's keyboard (prompts, `fg` input, Ctrl-C).

use supervisor_proto::v1;

use crate::error::CallError;

/// Which processes an action applies to (`v1::Target`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One process by namespec, as typed.
    Process(String),
    /// Every process of a group.
    Group(String),
    /// Every process.
    All,
}

impl From<Target> for v1::Target {
    fn from(t: Target) -> v1::Target {
        use v1::target::Kind;
        v1::Target {
            kind: Some(match t {
                Target::Process(name) => Kind::Process(name),
                Target::Group(name) => Kind::Group(name),
                Target::All => Kind::All(true),
            }),
        }
    }
}

/// Which log (`v1::LogSource`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSource {
    Main,
    Stdout(String),
    Stderr(String),
}

impl From<LogSource> for v1::LogSource {
    fn from(s: LogSource) -> v1::LogSource {
        use v1::log_source::Kind;
        v1::LogSource {
            kind: Some(match s {
                LogSource::Main => Kind::Main(true),
                LogSource::Stdout(name) => Kind::Stdout(name),
                LogSource::Stderr(name) => Kind::Stderr(name),
            }),
        }
    }
}

/// Where the client talks to and as whom. `open` and the login prompt change it.
#[derive(Clone, PartialEq, Eq)]
pub struct Server {
    pub serverurl: String,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("serverurl", &self.serverurl)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A growing log (`FollowLog`): chunks until the server or the client stops.
#[allow(async_fn_in_trait)]
pub trait LogStream {
    /// The next chunk; `Ok(None)` when the server ended the stream.
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, CallError>;
}

/// The daemon's events (`WatchEvents`), until the server or the client stops.
#[allow(async_fn_in_trait)]
pub trait EventStream {
    /// The next event; `Ok(None)` when the server ended the stream.
    async fn next_event(&mut self) -> Result<Option<v1::Event>, CallError>;
}

/// supervisord's control API as supervisorctl needs it.
///
/// The futures are not `Send`: supervisorctl runs on a current-thread runtime, and
/// commands hold `&mut` borrows of the controller across calls.
#[allow(async_fn_in_trait)]
pub trait Api {
    type Stream: LogStream;
    type Events: EventStream;

    /// Points later calls at `server` (drops any open connection).
    fn set_server(&mut self, server: &Server);

    async fn get_state(&mut self) -> Result<v1::GetStateResponse, CallError>;
    async fn list_processes(&mut self) -> Result<Vec<v1::ProcessInfo>, CallError>;
    async fn get_process(&mut self, name: &str) -> Result<v1::ProcessInfo, CallError>;
    async fn start(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError>;
    async fn stop(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError>;
    async fn signal(
        &mut self,
        target: Target,
        signal: &str,
    ) -> Result<Vec<v1::ProcessResult>, CallError>;
    async fn send_stdin(&mut self, name: &str, data: Vec<u8>) -> Result<(), CallError>;
    async fn read_log(
        &mut self,
        source: LogSource,
        offset: i64,
        length: i64,
    ) -> Result<Vec<u8>, CallError>;
    async fn clear_logs(&mut self, target: Target) -> Result<Vec<v1::ProcessResult>, CallError>;
    async fn follow_log(
        &mut self,
        source: LogSource,
        backlog: i64,
    ) -> Result<Self::Stream, CallError>;
    async fn reread(&mut self) -> Result<v1::RereadResponse, CallError>;
    /// Re-read and apply per process (`groups` empty: all); `dry_run` changes nothing.
    async fn update(
        &mut self,
        dry_run: bool,
        groups: Vec<String>,
    ) -> Result<v1::UpdateResponse, CallError>;
    async fn add_group(&mut self, name: &str) -> Result<(), CallError>;
    async fn remove_group(&mut self, name: &str) -> Result<(), CallError>;
    async fn list_config(&mut self) -> Result<Vec<v1::ProcessConfig>, CallError>;
    async fn reload(&mut self) -> Result<(), CallError>;
    async fn shutdown(&mut self) -> Result<(), CallError>;
    /// Reopen every log file (SIGUSR2's effect).
    async fn reopen_logs(&mut self) -> Result<(), CallError>;
    /// `names` as in `events=`; empty means every event.
    async fn watch_events(&mut self, names: Vec<String>) -> Result<Self::Events, CallError>;
}

/// The user's side: lines typed, passwords, Ctrl-C. Prompts for `read_line` are
/// printed by the caller on its own output (Python's `raw_input` writes them to
/// stdout); `read_password` prompts on the terminal itself, as `getpass` does.
#[allow(async_fn_in_trait)]
pub trait Console {
    /// One line without its newline; `Ok(None)` at end of input;
    /// `Err(Interrupted)` on Ctrl-C (Python's `raw_input` raising KeyboardInterrupt).
    /// Cancel-safe: a line is never lost when the future is dropped.
    async fn read_line(&mut self) -> Result<Option<String>, CallError>;
    /// A password typed without echo; `Ok(None)` at end of input.
    async fn read_password(&mut self, prompt: &str) -> Result<Option<String>, CallError>;
    /// Resolves when the user presses Ctrl-C. Cancel-safe.
    async fn interrupted(&mut self);
}
