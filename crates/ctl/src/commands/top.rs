//! `supervisorctl top` (beyond Supervisor): a full-screen live view of every process
//! — state, pid, uptime, restarts, CPU and memory of its process tree — with keys to
//! start, stop, restart, signal, follow a log, and filter (the view is `topview.rs`).
//!
//! Nothing is polled: state changes arrive on the `WatchProcesses` stream the moment
//! the daemon publishes them, CPU and memory on `WatchUsage` (one /proc reading per
//! second on the daemon, for all processes at once), groups added or removed on
//! `WatchEvents`, keys on crossterm's event stream; the screen is redrawn when any
//! of them says something (and once a second, for uptimes). It speaks gRPC only, over
//! the unix socket or TCP like every other action.

use std::io::IsTerminal;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use supervisor_proto::v1;

use crate::api::{Api, LogSource, LogStream, Server, Target};
use crate::error::CallError;
use crate::grpc::GrpcApi;

type Tail = <GrpcApi as Api>::Stream;
use crate::topview::{Command, TopView};

/// Runs `top` until the user quits; returns the exit status.
pub fn run(server: &Server) -> i32 {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!("Error: top needs a terminal (stdin and stdout must be a tty)");
        return 2;
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the runtime: {e}");
            return 1;
        }
    };
    match rt.block_on(session(server)) {
        Ok(()) => 0,
        Err(e) => {
            let text = match e {
                CallError::NoSuchFile | CallError::Refused => format!("{} {e}", server.serverurl),
                e => e.to_string(),
            };
            eprintln!("Error: {text}");
            1
        }
    }
}

/// Puts the terminal back however `session` ends (error or panic included).
struct RawScreen;

impl RawScreen {
    fn enter() -> std::io::Result<RawScreen> {
        crossterm::terminal::enable_raw_mode()?;
        crossterm::execute!(std::io::stdout(), EnterAlternateScreen)?;
        Ok(RawScreen)
    }
}

impl Drop for RawScreen {
    fn drop(&mut self) {
        let _ = crossterm::execute!(std::io::stdout(), LeaveAlternateScreen);
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

async fn session(server: &Server) -> Result<(), CallError> {
    let mut api = GrpcApi::new(server);
    let mut client = api.client().await?;
    let status = |s: tonic::Status| CallError::Status(Box::new(s));
    let mut states = client
        .watch_processes(v1::WatchProcessesRequest {})
        .await
        .map_err(status)?
        .into_inner();
    let mut usage = client
        .watch_usage(v1::WatchUsageRequest { interval_ms: 1000 })
        .await
        .map_err(status)?
        .into_inner();
    let mut groups = client
        .watch_events(v1::WatchEventsRequest {
            names: vec!["PROCESS_GROUP".into()],
        })
        .await
        .map_err(status)?
        .into_inner();
    let mut view = TopView::new(&server.serverurl);
    view.reset(api.list_processes().await?);

    let _screen = RawScreen::enter().map_err(CallError::Io)?;
    let mut terminal =
        Terminal::new(CrosstermBackend::new(std::io::stdout())).map_err(CallError::Io)?;
    let mut keys = EventStream::new();
    let mut tail: Option<Tail> = None;
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    loop {
        terminal
            .draw(|f| view.render(f, unix_now()))
            .map_err(CallError::Io)?;
        tokio::select! {
            m = states.message() => match m {
                Ok(Some(info)) => view.update(info),
                _ => {
                    view.message = "the connection to supervisord was lost".into();
                    states = reopen_states(&mut client).await;
                }
            },
            m = usage.message() => if let Ok(Some(sample)) = m {
                view.sample(sample);
            },
            m = groups.message() => if let Ok(Some(_)) = m {
                // A group came or went: the table starts again from the daemon's list,
                // and the state stream again from every process's state.
                if let Ok(list) = api.list_processes().await {
                    view.reset(list);
                }
                if let Ok(r) = client.watch_processes(v1::WatchProcessesRequest {}).await {
                    states = r.into_inner();
                }
            },
            chunk = next_chunk(&mut tail) => match chunk {
                Some(data) => view.tail_output(&data),
                None => tail = None,
            },
            k = keys.next() => match k {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    match view.key(k) {
                        Some(Command::Quit) => return Ok(()),
                        Some(Command::Tail(name)) => {
                            tail = api.follow_log(LogSource::Stdout(name.clone()), 8192).await.ok();
                            if tail.is_none() {
                                view.message = format!("{name}: ERROR (no log file)");
                            }
                        }
                        Some(Command::StopTail) => tail = None,
                        Some(command) => view.message = act(&mut api, command).await,
                        None => {}
                    }
                }
                Some(Ok(_)) => {}
                _ => return Ok(()),
            },
            _ = clock.tick() => {}
        }
    }
}

/// After the state stream broke (supervisord restarting, say): open it again once
/// supervisord answers, every second until then (the view keeps its last states
/// and says the connection was lost; keys still work, `q` quits).
async fn reopen_states(client: &mut crate::grpc::Client) -> tonic::Streaming<v1::ProcessInfo> {
    loop {
        if let Ok(r) = client.watch_processes(v1::WatchProcessesRequest {}).await {
            return r.into_inner();
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn next_chunk(tail: &mut Option<Tail>) -> Option<Vec<u8>> {
    match tail {
        Some(stream) => stream.next_chunk().await.ok().flatten(),
        None => std::future::pending().await,
    }
}

/// Carries out a start, stop, restart or signal; returns the line to show, in
/// supervisorctl's words.
async fn act(api: &mut GrpcApi, command: Command) -> String {
    let (name, done, result) = match command {
        Command::Start(name) => {
            let r = api.start(Target::Process(name.clone())).await;
            (name, "started", r)
        }
        Command::Stop(name) => {
            let r = api.stop(Target::Process(name.clone())).await;
            (name, "stopped", r)
        }
        Command::Restart(name) => {
            // As `restart`: a stop (not running is fine), then a start.
            let _ = api.stop(Target::Process(name.clone())).await;
            let r = api.start(Target::Process(name.clone())).await;
            (name, "restarted", r)
        }
        Command::Signal(name, sig) => {
            let r = api.signal(Target::Process(name.clone()), &sig).await;
            (name, "signalled", r)
        }
        Command::Tail(_) | Command::StopTail | Command::Quit => return String::new(),
    };
    match result {
        Ok(results) => match results.iter().find(|r| r.status != 80) {
            Some(r) => format!("{name}: ERROR ({})", r.description),
            None => format!("{name}: {done}"),
        },
        Err(e) => format!("{name}: ERROR ({e})"),
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
