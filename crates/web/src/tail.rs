//! The tail page (`/tail.html?processname=<ns>[&channel=stderr][&limit=N]`): the last
//! max(1024, N) bytes of a process's stdout (or stderr) log in a `<pre>`, as
//! Supervisor's tail.html shows them, with a Refresh link that works without
//! JavaScript. `scripts/tail.js` then follows the log live: it reads `/follow`, a
//! plain-text stream of everything appended after the bytes the page already shows
//! (the page carries that offset), and appends it as text, never as HTML.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use askama::Template;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use supervisor_model::{Fault, FaultError};
use supervisor_rpc::{Control, LogSource};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use crate::respond::{harden, html};
use crate::status::query_value;

/// What the page shows at least (Supervisor: 1024 bytes).
const MIN_LIMIT: u64 = 1024;
/// What the page shows at most, and how far back `/follow` goes at most.
const MAX_BYTES: u64 = 1 << 20;

#[derive(Template)]
#[template(path = "tail.html")]
pub struct TailPage {
    pub title: String,
    pub namespec: Option<String>,
    pub channel: &'static str,
    pub other_channel: &'static str,
    pub text: String,
    /// `/follow` URL for the script; `None` when there is nothing to follow.
    pub follow: Option<String>,
    pub refresh_href: String,
    pub other_href: String,
    pub raw_href: String,
}

/// Which log of the process.
fn channel(q: &HashMap<String, String>) -> &'static str {
    match q.get("channel").map(String::as_str) {
        Some("stderr") => "stderr",
        _ => "stdout",
    }
}

fn source(channel: &str, ns: &str) -> LogSource {
    if channel == "stderr" {
        LogSource::Stderr(ns.to_string())
    } else {
        LogSource::Stdout(ns.to_string())
    }
}

/// `GET /tail.html`.
pub async fn page<C: Control>(
    State(ctl): State<Arc<C>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let channel = channel(&q);
    let other_channel = if channel == "stdout" {
        "stderr"
    } else {
        "stdout"
    };
    // Supervisor: a limit that is not all digits is 1024.
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<u64>().ok())
        .unwrap_or(MIN_LIMIT)
        .clamp(MIN_LIMIT, MAX_BYTES);
    let ns = q.get("processname").filter(|n| !n.is_empty()).cloned();
    let (text, follow) = match &ns {
        None => ("No process name found".to_string(), None),
        Some(ns) => match read_tail(&*ctl, &source(channel, ns), limit) {
            Ok((bytes, end)) => (
                String::from_utf8_lossy(&bytes).into_owned(),
                Some(format!(
                    "follow?processname={}&channel={channel}&offset={end}",
                    query_value(ns)
                )),
            ),
            Err(e) if e.fault == Fault::NoFile => (format!("No file for {ns}"), None),
            Err(e) => (
                format!(
                    "ERROR: unexpected rpc fault [{}] {}",
                    e.fault.code(),
                    e.text
                ),
                None,
            ),
        },
    };
    let q_ns = ns.as_deref().map(query_value).unwrap_or_default();
    let page = TailPage {
        title: format!(
            "Supervisor tail of process {}",
            ns.as_deref().unwrap_or("None")
        ),
        refresh_href: format!("tail.html?processname={q_ns}&channel={channel}&limit={limit}"),
        other_href: format!("tail.html?processname={q_ns}&channel={other_channel}"),
        raw_href: if channel == "stderr" {
            format!("logtail/{q_ns}/stderr")
        } else {
            format!("logtail/{q_ns}")
        },
        namespec: ns,
        channel,
        other_channel,
        text,
        follow,
    };
    match page.render() {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("template error: {e}"),
        ),
    }
}

/// The last `limit` bytes of the log and the file size they end at. Faults as
/// `readProcessStdoutLog` raises them (BAD_NAME, NO_FILE, SHUTDOWN_STATE).
fn read_tail<C: Control>(
    ctl: &C,
    source: &LogSource,
    limit: u64,
) -> Result<(Vec<u8>, u64), FaultError> {
    supervisor_rpc::serving::require_running(ctl)?;
    let path = log_file(ctl, source)?;
    let failed = |_| FaultError::bare(Fault::Failed);
    let mut f = File::open(&path).map_err(failed)?;
    let size = f.seek(SeekFrom::End(0)).map_err(failed)?;
    let start = size.saturating_sub(limit);
    f.seek(SeekFrom::Start(start)).map_err(failed)?;
    let mut data = Vec::new();
    f.take(size - start)
        .read_to_end(&mut data)
        .map_err(failed)?;
    Ok((data, size))
}

/// The existing log file of one process (a whole group is BAD_NAME).
fn log_file<C: Control>(ctl: &C, source: &LogSource) -> Result<PathBuf, FaultError> {
    let (LogSource::Stdout(ns) | LogSource::Stderr(ns)) = source else {
        return Err(FaultError::bare(Fault::BadName));
    };
    if supervisor_model::namespec::split(ns).1.is_none() {
        return Err(FaultError::new(Fault::BadName, ns));
    }
    match ctl.log_path(source)? {
        Some(p) if p.exists() => Ok(p),
        Some(p) => Err(FaultError::new(Fault::NoFile, p.display().to_string())),
        None => Err(FaultError::bare(Fault::NoFile)),
    }
}

/// `GET /follow?processname=<ns>&channel=stdout|stderr&offset=N`: the log from byte N
/// on (at most the last MiB of it), then whatever is appended, until the client
/// goes away. 404 for an unknown process or a missing file.
pub async fn follow<C: Control>(
    State(ctl): State<Arc<C>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ns = q.get("processname").cloned().unwrap_or_default();
    let path = match log_file(&*ctl, &source(channel(&q), &ns)) {
        Ok(p) => p,
        Err(_) => return html(StatusCode::NOT_FOUND, "No such log\n".to_string()),
    };
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let asked = q.get("offset").and_then(|o| o.parse::<u64>().ok());
    let offset = match asked {
        // Past the end means truncated: the follower says so and starts over.
        Some(o) if o > size => o,
        Some(o) => o.max(size.saturating_sub(MAX_BYTES)),
        None => size,
    };
    let stream = ReceiverStream::new(supervisor_rpc::follow::follow_from(path, offset))
        .map(Ok::<_, std::io::Error>);
    let mut resp = Response::new(Body::from_stream(stream));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    // Tell a fronting nginx not to buffer the stream.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    harden(h);
    resp
}
