//! The page's stylesheet and scripts, compiled into the binary (`assets/`): nothing
//! to install next to supervisord. The scripts only make the page live; every
//! action works without them.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::respond::harden;

const CSS: &str = include_str!("../assets/supervisor.css");
const STATUS_JS: &str = include_str!("../assets/status.js");
const TAIL_JS: &str = include_str!("../assets/tail.js");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    harden(h);
    resp
}

pub async fn stylesheet() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

pub async fn status_script() -> Response {
    asset(STATUS_JS, "text/javascript; charset=utf-8")
}

pub async fn tail_script() -> Response {
    asset(TAIL_JS, "text/javascript; charset=utf-8")
}
