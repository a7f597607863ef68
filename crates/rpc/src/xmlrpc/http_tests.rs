//! The `/RPC2` HTTP rules (medusa's `xmlrpc_handler`): methods, lengths, status
//! codes and content type, through the router with the in-memory Control.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt as _;

use super::testing::Fake;
use super::*;

async fn send(req: Request<Body>) -> (StatusCode, Option<String>, String) {
    let app = routes::<Fake>().with_state(Arc::new(Fake::new()));
    let resp = app.oneshot(req).await.expect("infallible");
    let status = resp.status();
    let ctype = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, ctype, String::from_utf8_lossy(&body).into_owned())
}

fn post(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body.to_string()))
        .expect("request")
}

const GET_PID: &str =
    "<?xml version='1.0'?><methodCall><methodName>supervisor.getPID</methodName></methodCall>";

#[tokio::test]
async fn a_call_is_answered_with_text_xml() {
    let (status, ctype, body) = send(post("/RPC2", GET_PID)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype.as_deref(), Some("text/xml"));
    assert_eq!(body, write::response(&Value::Int(4242)));
    // Supervisor matches every path that starts with /RPC2.
    let (status, _, _) = send(post("/RPC2/anything/below", GET_PID)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn faults_are_http_200() {
    let body = write::method_call("supervisor.nope", &[]);
    let (status, _, body) = send(post("/RPC2", &body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, write::fault(1, "UNKNOWN_METHOD"));
}

#[tokio::test]
async fn http_errors_follow_medusa() {
    let get = Request::get("/RPC2").body(Body::empty()).expect("request");
    let (status, ctype, body) = send(get).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(ctype.as_deref(), Some("text/html"));
    assert!(body.contains("Error code 400.\r\n<p>Message: Bad Request."));

    let no_length = Request::post("/RPC2")
        .body(Body::from(GET_PID))
        .expect("request");
    assert_eq!(send(no_length).await.0, StatusCode::LENGTH_REQUIRED);

    for bad in [
        "",
        "<methodCall/>",
        "garbage",
        "<methodCall><methodName>a.b",
    ] {
        assert_eq!(
            send(post("/RPC2", bad)).await.0,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }

    let huge = Request::post("/RPC2")
        .header(header::CONTENT_LENGTH, BODY_LIMIT + 1)
        .body(Body::from(vec![b' '; BODY_LIMIT + 1]))
        .expect("request");
    assert_eq!(send(huge).await.0, StatusCode::PAYLOAD_TOO_LARGE);

    let lying = Request::post("/RPC2")
        .header(header::CONTENT_LENGTH, "12")
        .body(Body::from(vec![b' '; BODY_LIMIT + 10]))
        .expect("request");
    assert_eq!(send(lying).await.0, StatusCode::BAD_REQUEST);
}

/// CPython's own XML-RPC client against the real HTTP stack: proof that what we
/// send parses where it matters, including a log with an ANSI escape in it.
#[tokio::test]
async fn cpython_client_talks_to_rpc2() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let app = routes::<Fake>().with_state(Arc::new(Fake::new()));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let script = "\
import sys, xmlrpc.client
s = xmlrpc.client.ServerProxy(sys.argv[1])
print(s.supervisor.getPID())
try:
    s.supervisor.startProcess('g:a')
except xmlrpc.client.Fault as f:
    print(f.faultCode, f.faultString)
print(repr(s.supervisor.readLog(0, 0)))
print(s.system.multicall([{'methodName': 'supervisor.getPID'}, {'methodName': 'x.y'}]))
print(s.supervisor.getProcessInfo('g:a')['now'])
";
    let url = format!("http://{addr}/RPC2");
    let out = tokio::process::Command::new("python3")
        .args(["-c", script, &url])
        .env("PYTHONIOENCODING", "utf-8")
        .output()
        .await;
    server.abort();
    let Ok(out) = out else {
        eprintln!("skipping: cannot run python3");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "4242\n\
         60 ALREADY_STARTED: g:a\n\
         'main \u{fffd}[1m\u{fffd} log\\n'\n\
         [4242, {'faultCode': 1, 'faultString': 'UNKNOWN_METHOD'}]\n\
         2147483647\n"
    );
}
