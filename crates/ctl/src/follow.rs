//! Following a growing log with `FollowLog` (what `tail -f`, `maintail -f` and `fg`
//! get from supervisord's `/logtail` and `/mainlogtail` over HTTP in Python): open the
//! stream with a 1024-byte backlog, print chunks as they arrive, stop on Ctrl-C.
//! A refused stream is reported as the HTTP tail client did (`<url><path> Cannot
//! read, status code 404` on stderr), so scripts see the same text. Also the plain
//! read of a log's last bytes that both tail commands make without `-f`.

use supervisor_model::Fault;

use crate::api::{Api, Console, LogSource, LogStream};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::exit;

/// Bytes of existing log sent first (supervisord's logtail handler sends 1024).
pub(crate) const BACKLOG: i64 = 1024;

/// The HTTP status Supervisor's logtail handler would have answered for `e`.
fn http_status(e: &CallError) -> Option<u16> {
    match e {
        CallError::Unauthenticated => Some(401),
        CallError::Http { status, .. } => Some(*status),
        CallError::Fault(f) if matches!(f.fault, Fault::BadName | Fault::NoFile) => Some(404),
        _ => None,
    }
}

/// Prints the tail client's failure line for `path` (e.g. `/logtail/x/stdout`).
fn cannot_read<A: Api, C: Console>(ctl: &mut Controller<A, C>, path: &str, code: u16) {
    let url = ctl.server.serverurl.clone();
    ctl.error_line(&format!("{url}{path} Cannot read, status code {code}"));
}

/// Opens a follow stream; `Ok(None)` when it was refused (and reported).
pub(crate) async fn open<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    source: LogSource,
    path: &str,
) -> Result<Option<A::Stream>, CallError> {
    match ctl.api.follow_log(source, BACKLOG).await {
        Ok(stream) => Ok(Some(stream)),
        Err(e) => match http_status(&e) {
            Some(code) => {
                cannot_read(ctl, path, code);
                Ok(None)
            }
            None => Err(e),
        },
    }
}

/// Handles one item of a stream: prints data; true when the stream is over (the
/// server closed it, or it failed after it started: reported if it was a refusal,
/// silently otherwise, like the HTTP client losing its connection).
pub(crate) fn deliver<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    path: &str,
    chunk: Result<Option<Vec<u8>>, CallError>,
) -> bool {
    match chunk {
        Ok(Some(data)) => {
            ctl.write_raw(&data);
            false
        }
        Ok(None) => true,
        Err(e) => {
            if let Some(code) = http_status(&e) {
                cannot_read(ctl, path, code);
            }
            true
        }
    }
}

/// `DefaultControllerPlugin._tailf`: the banner, then the log until Ctrl-C (which
/// prints an empty line) or the end of the stream.
pub(crate) async fn tailf<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    source: LogSource,
    path: &str,
) -> Result<(), CallError> {
    ctl.output("==> Press Ctrl-C to exit <==");
    let mut stream = match open(ctl, source, path).await {
        Ok(Some(stream)) => stream,
        Ok(None) => return Ok(()),
        Err(CallError::Interrupted) => {
            ctl.output("");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    loop {
        let chunk = tokio::select! {
            biased;
            chunk = stream.next_chunk() => chunk,
            () = ctl.console.interrupted() => {
                ctl.output("");
                return Ok(());
            }
        };
        if deliver(ctl, path, chunk) {
            return Ok(());
        }
    }
}

/// Prints the last `bytes` bytes of a log plus a newline (`tail` / `maintail` without
/// `-f`); a fault Python knows is `<label>: ERROR (<why>)`, exit 1. `-0` reads the
/// whole log, as in Python.
pub(crate) async fn print_last<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    source: LogSource,
    bytes: i64,
    label: &str,
) -> Result<(), CallError> {
    // Only `do_tail` words BAD_NAME; `do_maintail` re-raises it.
    let names_process = !matches!(source, LogSource::Main);
    let offset = bytes.checked_neg().unwrap_or(i64::MAX);
    match ctl.api.read_log(source, offset, 0).await {
        Ok(mut data) => {
            data.push(b'\n');
            ctl.write_raw(&data);
        }
        Err(CallError::Fault(f)) => {
            ctl.exit = exit::GENERIC;
            let why = match f.fault {
                Fault::NoFile => "no log file",
                Fault::Failed => "unknown error reading log",
                Fault::BadName if names_process => "no such process name",
                _ => return Err(CallError::Fault(f)),
            };
            ctl.output(&format!("{label}: ERROR ({why})"));
        }
        Err(e) => return Err(e),
    }
    Ok(())
}
