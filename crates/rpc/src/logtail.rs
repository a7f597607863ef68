//! `/logtail/<namespec>[/stdout|/stderr]` and `/mainlogtail`: the streaming endpoints
//! Supervisor's `supervisorctl tail -f` / `fg` and the web page use. The body is the
//! last 1024 bytes of the file, then everything appended, chunked, until the client
//! hangs up. 404 for an unknown process or a missing file.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use crate::control::{Control, LogSource};
use crate::follow::follow;

/// How much of the existing file a new follower gets first (Supervisor: 1024).
pub const BACKLOG: u64 = 1024;

pub fn routes<C: Control>() -> Router<Arc<C>> {
    Router::new()
        .route("/logtail/{name}", get(process_tail::<C>))
        .route("/logtail/{name}/{channel}", get(channel_tail::<C>))
        .route("/mainlogtail", get(main_tail::<C>))
}

async fn process_tail<C: Control>(State(ctl): State<Arc<C>>, Path(name): Path<String>) -> Response {
    tail(&*ctl, LogSource::Stdout(name), true)
}

async fn channel_tail<C: Control>(
    State(ctl): State<Arc<C>>,
    Path((name, channel)): Path<(String, String)>,
) -> Response {
    let source = match channel.as_str() {
        "stdout" => LogSource::Stdout(name),
        "stderr" => LogSource::Stderr(name),
        _ => return not_found(),
    };
    tail(&*ctl, source, true)
}

async fn main_tail<C: Control>(State(ctl): State<Arc<C>>) -> Response {
    tail(&*ctl, LogSource::Main, false)
}

fn tail<C: Control>(ctl: &C, source: LogSource, accel_header: bool) -> Response {
    let Ok(Some(path)) = ctl.log_path(&source) else {
        return not_found();
    };
    let Ok(meta) = std::fs::metadata(&path) else {
        return not_found();
    };
    let modified = meta.modified().unwrap_or(SystemTime::now());
    let stream = ReceiverStream::new(follow(path, BACKLOG)).map(Ok::<_, std::io::Error>);
    let mut resp = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/plain;charset=utf-8")
        .header(header::LAST_MODIFIED, http_date(modified));
    if accel_header {
        // Tell a fronting nginx not to buffer the stream.
        resp = resp.header("X-Accel-Buffering", "no");
    }
    resp.body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html")],
        "<html><head><title>Error response</title></head><body><h1>Error response</h1><p>Error code 404.</p><p>Message: Not Found.</p></body></html>",
    )
        .into_response()
}

/// RFC 7231 IMF-fixdate, e.g. `Tue, 24 Nov 2026 08:27:00 GMT`.
pub fn http_date(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let tm = supervisor_sys::localtime::utc_time(secs);
    const WD: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        WD[usize::from(tm.weekday % 7)],
        tm.day,
        MON[usize::from(tm.month.clamp(1, 12) - 1)],
        tm.year,
        tm.hour,
        tm.minute,
        tm.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn http_dates() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_508_820);
        assert_eq!(http_date(t), "Tue, 24 Nov 2026 08:27:00 GMT");
        assert_eq!(
            http_date(SystemTime::UNIX_EPOCH),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
    }
}
