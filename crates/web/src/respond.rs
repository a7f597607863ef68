//! How the page answers: HTML with the headers that keep it from being framed or
//! sniffed (a Content-Security-Policy that allows only our own scripts and styles),
//! the 403/400 pages, redirects, and Python's `urllib.quote` for their targets.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::csrf::Refusal;

/// Only our own files; no inline script or style, no framing (clickjacking), forms
/// post only to us.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A page, with the security headers.
pub fn html(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    harden(h);
    resp
}

/// Headers every answer of the page carries.
pub fn harden(h: &mut axum::http::HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

/// 403 for a request the CSRF rule refuses.
pub fn forbidden(why: Refusal) -> Response {
    html(
        StatusCode::FORBIDDEN,
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Forbidden</title></head><body><h1>Forbidden</h1><p>Refused: {}.</p><p><a href=\"index.html\">Back to the status page</a></p></body></html>\n",
            why.text()
        ),
    )
}

/// 400 for a request the page cannot act on.
pub fn bad_request(why: &str) -> Response {
    html(
        StatusCode::BAD_REQUEST,
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bad request</title></head><body><h1>Bad request</h1><p>{why}.</p></body></html>\n"
        ),
    )
}

/// A redirect to `location` with `status` (301 for Supervisor's GET actions, 303
/// after the page's POSTs).
pub fn redirect(status: StatusCode, location: &str) -> Response {
    let mut resp = status.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    harden(resp.headers_mut());
    resp
}

/// Python's `urllib.parse.quote(s)`: everything but letters, digits, `_.-~` and `/`
/// is percent-encoded as UTF-8 bytes.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_is_pythons() {
        assert_eq!(
            quote("Process g:web started"),
            "Process%20g%3Aweb%20started"
        );
        assert_eq!(quote("a/b_c.d-e~"), "a/b_c.d-e~");
        assert_eq!(quote("<é>&"), "%3C%C3%A9%3E%26");
    }
}
