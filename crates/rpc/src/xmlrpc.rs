//! Supervisor's XML-RPC interface at `/RPC2` (xmlrpc.py): the HTTP handler, kept thin
//! (parse → [`dispatch::call`] → write), over the [`Control`] trait. The HTTP rules
//! are medusa's `xmlrpc_handler`: POST only (anything else 400), a POST without
//! `Content-Length` 411, an unparseable body or no method name 400, and every call,
//! fault or not, HTTP 200 with `Content-Type: text/xml`. Like Supervisor we also
//! serve paths below `/RPC2/`.
//!
//! Authentication, the `Server` header and the listeners are the caller's: mount
//! [`routes`] into the router that has them.

pub mod dispatch;
pub mod parse;
pub mod value;
pub mod write;

mod args;
mod encode;
mod methods;

#[cfg(test)]
mod testing;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;

use crate::control::Control;

pub use dispatch::call;
pub use parse::{MethodCall, ParseError, parse_call};
pub use value::Value;

/// Where Supervisor serves XML-RPC.
pub const PATH: &str = "/RPC2";

/// The largest request body we read (413 beyond). Supervisor has no limit; real
/// calls are small except a `system.multicall` batching thousands of calls (5000
/// `sendRemoteCommEvent`s are 1.3 MB) or a large `sendProcessStdin`. Only
/// authenticated clients get this far.
pub const BODY_LIMIT: usize = 64 << 20;

/// The `/RPC2` routes, to be merged into the listener's router.
pub fn routes<C: Control>() -> Router<Arc<C>> {
    Router::new()
        .route(PATH, any(handle::<C>))
        .route("/RPC2/{*rest}", any(handle::<C>))
}

async fn handle<C: Control>(State(ctl): State<Arc<C>>, req: Request) -> Response {
    if req.method() != Method::POST {
        return http_error(StatusCode::BAD_REQUEST);
    }
    let Some(length) = req.headers().get(header::CONTENT_LENGTH) else {
        return http_error(StatusCode::LENGTH_REQUIRED);
    };
    match length
        .to_str()
        .ok()
        .and_then(|l| l.trim().parse::<usize>().ok())
    {
        Some(n) if n > BODY_LIMIT => return http_error(StatusCode::PAYLOAD_TOO_LARGE),
        Some(_) => {}
        None => return http_error(StatusCode::BAD_REQUEST),
    }
    // The length was checked, so a failure here is a broken or lying client.
    let Ok(body) = axum::body::to_bytes(req.into_body(), BODY_LIMIT).await else {
        return http_error(StatusCode::BAD_REQUEST);
    };
    let Ok(request) = parse_call(&body) else {
        return http_error(StatusCode::BAD_REQUEST);
    };
    let xml = match call(&*ctl, &request.method, request.params).await {
        Ok(value) => write::response(&value),
        Err(fault) => write::fault_error(&fault),
    };
    ([(header::CONTENT_TYPE, "text/xml")], xml).into_response()
}

/// An HTTP error with medusa's HTML body, as Supervisor sends it.
fn http_error(status: StatusCode) -> Response {
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("Error");
    let body = format!(
        "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n\
         <h1>Error response</h1>\r\n<p>Error code {code}.\r\n<p>Message: {reason}.\r\n\
         </body>\r\n"
    );
    (status, [(header::CONTENT_TYPE, "text/html")], body).into_response()
}

#[cfg(test)]
mod http_tests;
