//! HTTP basic authentication in front of every route (gRPC, `/RPC2`, `/logtail`,
//! pages), as Supervisor's medusa `supervisor_auth_handler` applies it: the password
//! is compared in plain text, or as SHA-1 hex when written `{SHA}<hex>`. A refused
//! HTTP request gets `401` with `WWW-Authenticate: Basic realm="default"`; a refused
//! gRPC call gets status UNAUTHENTICATED, at once: the refusal never waits for the
//! request's body (a client announcing a body it never sends cannot hold it open).
//! Refusals are counted per peer ([`crate::refusals`]); neither the password nor the
//! user name a client sent ever reaches a log line.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;
use supervisor_config::Credentials;

use crate::limits::{LINGER, LINGER_BYTES};
use crate::refusals::{Peer, Refusals};

/// Something to tell the main log (a refused login).
pub type Notify = Arc<dyn Fn(String) + Send + Sync>;

/// Does `header` (an `Authorization` value) carry `creds`?
pub fn authorized(header: Option<&HeaderValue>, creds: &Credentials) -> bool {
    let Some((user, password)) = header.and_then(decode_basic) else {
        return false;
    };
    let user_ok: bool = user.as_bytes().ct_eq(creds.username.as_bytes()).into();
    user_ok && password_matches(&password, &creds.password)
}

/// `(user, password)` from `Basic base64(user:password)`.
fn decode_basic(value: &HeaderValue) -> Option<(String, String)> {
    let text = value.to_str().ok()?;
    let (scheme, encoded) = text.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (user, password) = raw.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// Supervisor's rule: a stored `{SHA}<hex>` matches the SHA-1 hex digest of the
/// given password; anything else is compared as is.
pub fn password_matches(given: &str, stored: &str) -> bool {
    match stored.strip_prefix("{SHA}") {
        Some(hex) => {
            let digest = Sha1::digest(given.as_bytes());
            let mine: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            mine.as_bytes()
                .ct_eq(hex.to_ascii_lowercase().as_bytes())
                .into()
        }
        None => given.as_bytes().ct_eq(stored.as_bytes()).into(),
    }
}

fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"))
}

/// The middleware: pass the request on when the credentials match.
pub async fn require(
    creds: Arc<Credentials>,
    refusals: Refusals,
    req: Request,
    next: Next,
) -> Response {
    let header = req.headers().get(header::AUTHORIZATION);
    if authorized(header, &creds) {
        return next.run(req).await;
    }
    let peer = req
        .extensions()
        .get::<Peer>()
        .cloned()
        .unwrap_or(Peer::Others);
    refusals.refused(
        &peer,
        req.method().as_str(),
        req.uri().path(),
        header.is_some(),
    );
    if is_grpc(req.headers()) {
        // HTTP/2: the rest of the stream is reset; nothing to drain.
        return Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/grpc")
            .header("grpc-status", "16")
            .header("grpc-message", "Server requires authentication")
            .body(Body::empty())
            .unwrap_or_default();
    }
    // Answer now, and read (then drop) what follows of the body for a moment in the
    // background: closing while the client is still sending would reset the
    // connection under our 401 before the client reads it.
    let body = req.into_body();
    tokio::spawn(async move {
        let _ = tokio::time::timeout(LINGER, axum::body::to_bytes(body, LINGER_BYTES)).await;
    });
    Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .header(header::WWW_AUTHENTICATE, "Basic realm=\"default\"")
        .header(header::CONNECTION, "close")
        .header(header::CONTENT_TYPE, "text/html")
        .body(Body::from(
            "<html><head><title>Unauthorized</title></head><body><h1>Unauthorized</h1></body></html>\n",
        ))
        .unwrap_or_default()
}

/// The fuzz body, shared by the cargo-fuzz target (`fuzz/`) and the `fuzz_*`
/// proptests: an `Authorization` value never panics the check, and credentials
/// that decode are exactly what was encoded.
#[doc(hidden)]
pub fn fuzz_one(data: &[u8]) {
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let creds = Credentials {
        username: "user".into(),
        password: "{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d".into(),
    };
    let _ = authorized(Some(&value), &creds);
    if let Some((user, password)) = decode_basic(&value) {
        let again = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let value = HeaderValue::from_str(&format!("Basic {again}")).expect("base64 is a header");
        assert_eq!(decode_basic(&value), Some((user, password)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str, pass: &str) -> HeaderValue {
        let enc = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        HeaderValue::from_str(&format!("Basic {enc}")).unwrap()
    }

    #[test]
    fn plain_and_sha_passwords() {
        let plain = Credentials {
            username: "chris".into(),
            password: "123".into(),
        };
        assert!(authorized(Some(&basic("chris", "123")), &plain));
        assert!(!authorized(Some(&basic("chris", "1234")), &plain));
        assert!(!authorized(Some(&basic("chri", "123")), &plain));
        assert!(!authorized(None, &plain));
        // sha1("thepassword")
        let sha = Credentials {
            username: "u".into(),
            password: "{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d".into(),
        };
        assert!(authorized(Some(&basic("u", "thepassword")), &sha));
        assert!(!authorized(
            Some(&basic("u", "{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d")),
            &sha
        ));
        // A colon in the password survives.
        let colon = Credentials {
            username: "u".into(),
            password: "a:b".into(),
        };
        assert!(authorized(Some(&basic("u", "a:b")), &colon));
    }

    proptest::proptest! {
        #[test]
        fn fuzz_arbitrary_header_bytes(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            fuzz_one(&data);
        }

        #[test]
        fn fuzz_basic_with_arbitrary_payload(scheme in "(?i)basic|bearer|", payload in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..100), pad in " {0,3}") {
            let enc = base64::engine::general_purpose::STANDARD.encode(&payload);
            fuzz_one(format!("{scheme}{pad}{enc}{pad}").as_bytes());
            fuzz_one(format!("{scheme} {}", String::from_utf8_lossy(&payload)).as_bytes());
        }
    }
}
