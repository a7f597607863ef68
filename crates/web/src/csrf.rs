//! The page's defence against cross-site request forgery. Basic auth alone does not
//! stop it: a browser that has logged in sends the credentials with any request to
//! the server, including a form another site submits or a link another site shows.
//!
//! The rule (README, "The web page"):
//! - A POST (the page's own forms) must carry the daemon's random [`Token`], which a
//!   page on another site cannot read, and must not be marked cross-site by the
//!   browser (below). Else 403.
//! - A GET that acts (Supervisor's `index.html?action=…`, kept for bookmarks and
//!   scripts) is refused only when the browser marks it cross-site. curl and scripts
//!   send none of these headers and keep working.
//!
//! "Marked cross-site": `Sec-Fetch-Site: cross-site` or `same-site`, an `Origin` that
//! is `null` or names another host than `Host` (or `X-Forwarded-Host`, which a
//! cross-site form cannot set), or a `Referer` naming another host.

use std::io::Read;

use axum::http::{HeaderMap, header};
use subtle::ConstantTimeEq;

/// The daemon's CSRF token: 128 random bits, hex, drawn once per daemon start.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A secret: never in a log line.
        f.write_str("Token(..)")
    }
}

impl Token {
    /// Reads the kernel's random pool; should it be unreadable, std's hasher keys
    /// (themselves drawn from the OS when the process starts) stand in.
    pub fn random() -> Token {
        let mut bytes = [0u8; 16];
        let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
        if read.is_err() {
            use std::hash::{BuildHasher, Hasher};
            for (i, half) in bytes.chunks_mut(8).enumerate() {
                let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                h.write_usize(i);
                h.write_u128(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_nanos())
                        .unwrap_or(0),
                );
                half.copy_from_slice(&h.finish().to_le_bytes());
            }
        }
        Token(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    #[cfg(test)]
    fn fixed(value: &str) -> Token {
        Token(value.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison with what a form sent.
    pub fn matches(&self, given: &str) -> bool {
        self.0.as_bytes().ct_eq(given.as_bytes()).into()
    }
}

/// Why a request was refused; the text goes in the 403 page (no request data in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    CrossSite,
    ForeignOrigin,
    ForeignReferer,
    BadToken,
}

impl Refusal {
    pub fn text(self) -> &'static str {
        match self {
            Refusal::CrossSite => "the browser marked this request as coming from another site",
            Refusal::ForeignOrigin => "the request's Origin is another site",
            Refusal::ForeignReferer => "the request's Referer is another site",
            Refusal::BadToken => {
                "the form's token is missing or stale (reload the page and try again)"
            }
        }
    }
}

/// The check for a GET that acts: refused only when the browser says cross-site.
pub fn check_get(headers: &HeaderMap) -> Result<(), Refusal> {
    if let Some(site) = text(headers, "sec-fetch-site") {
        let site = site.trim().to_ascii_lowercase();
        if site == "cross-site" || site == "same-site" {
            return Err(Refusal::CrossSite);
        }
    }
    if let Some(origin) = text(headers, header::ORIGIN.as_str())
        && !same_host(headers, origin)
    {
        return Err(Refusal::ForeignOrigin);
    }
    if let Some(referer) = text(headers, header::REFERER.as_str())
        && !same_host(headers, referer)
    {
        return Err(Refusal::ForeignReferer);
    }
    Ok(())
}

/// The check for a POST: as for a GET, and the form must carry `token`.
pub fn check_post(headers: &HeaderMap, token: &Token, given: Option<&str>) -> Result<(), Refusal> {
    check_get(headers)?;
    match given {
        Some(t) if token.matches(t) => Ok(()),
        _ => Err(Refusal::BadToken),
    }
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap_or("\u{0}"))
}

/// Does the URL (an Origin or a Referer) name the host this request was sent to?
/// `null`, garbage and a missing `Host` all say no.
fn same_host(headers: &HeaderMap, url: &str) -> bool {
    let Some(theirs) = authority(url) else {
        return false;
    };
    let hosts = [header::HOST.as_str(), "x-forwarded-host"];
    hosts
        .iter()
        .filter_map(|h| text(headers, h))
        .filter_map(|h| h.split(',').next())
        .any(|ours| normalize(ours.trim(), None) == theirs)
}

/// `host[:port]` of `scheme://[user@]host[:port]/…`, lower-case, default port dropped.
fn authority(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..end];
    let auth = auth.rsplit_once('@').map_or(auth, |(_, host)| host);
    (!auth.is_empty()).then(|| normalize(auth, Some(scheme)))
}

/// Lower-case; `:80` (http) and `:443` (https) dropped. With no scheme (a `Host`
/// header) both defaults are dropped.
fn normalize(host: &str, scheme: Option<&str>) -> String {
    let host = host.to_ascii_lowercase();
    let scheme = scheme.map(str::to_ascii_lowercase);
    let defaults: &[&str] = match scheme.as_deref() {
        Some("http") => &[":80"],
        Some("https") => &[":443"],
        Some(_) => &[],
        None => &[":80", ":443"],
    };
    for d in defaults {
        if let Some(stripped) = host.strip_suffix(d) {
            return stripped.to_string();
        }
    }
    host
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn scripts_and_same_origin_pass_get() {
        assert_eq!(check_get(&headers(&[("host", "127.0.0.1:9001")])), Ok(()));
        assert_eq!(check_get(&HeaderMap::new()), Ok(()));
        let same = headers(&[
            ("host", "127.0.0.1:9001"),
            ("sec-fetch-site", "same-origin"),
            ("referer", "http://127.0.0.1:9001/index.html"),
            ("origin", "http://127.0.0.1:9001"),
        ]);
        assert_eq!(check_get(&same), Ok(()));
        // A bookmark or a typed URL.
        assert_eq!(check_get(&headers(&[("sec-fetch-site", "none")])), Ok(()));
        // Default ports and case.
        let dflt = headers(&[("host", "Example.COM"), ("origin", "http://example.com:80")]);
        assert_eq!(check_get(&dflt), Ok(()));
        // Credentials in a Referer do not change the host.
        let userinfo = headers(&[("host", "h:1"), ("referer", "http://u:p@h:1/x")]);
        assert_eq!(check_get(&userinfo), Ok(()));
        // Behind a proxy that rewrote Host but said where it came from.
        let proxied = headers(&[
            ("host", "127.0.0.1:9001"),
            ("x-forwarded-host", "sv.example.com"),
            ("origin", "https://sv.example.com"),
        ]);
        assert_eq!(check_get(&proxied), Ok(()));
    }

    #[test]
    fn cross_site_hints_refuse_get() {
        for site in ["cross-site", "same-site", "Cross-Site"] {
            let h = headers(&[("host", "h"), ("sec-fetch-site", site)]);
            assert_eq!(check_get(&h), Err(Refusal::CrossSite), "{site}");
        }
        let origin = headers(&[
            ("host", "127.0.0.1:9001"),
            ("origin", "http://evil.example"),
        ]);
        assert_eq!(check_get(&origin), Err(Refusal::ForeignOrigin));
        let port = headers(&[
            ("host", "127.0.0.1:9001"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert_eq!(check_get(&port), Err(Refusal::ForeignOrigin));
        let null = headers(&[("host", "h"), ("origin", "null")]);
        assert_eq!(check_get(&null), Err(Refusal::ForeignOrigin));
        let no_host = headers(&[("origin", "http://h")]);
        assert_eq!(check_get(&no_host), Err(Refusal::ForeignOrigin));
        let referer = headers(&[("host", "h"), ("referer", "https://evil.example/page")]);
        assert_eq!(check_get(&referer), Err(Refusal::ForeignReferer));
        // A suffix of our host is another host.
        let suffix = headers(&[("host", "h.example"), ("origin", "http://evil-h.example")]);
        assert_eq!(check_get(&suffix), Err(Refusal::ForeignOrigin));
    }

    #[test]
    fn post_needs_the_token() {
        let t = Token::fixed("abc");
        let h = headers(&[("host", "h"), ("origin", "http://h")]);
        assert_eq!(check_post(&h, &t, Some("abc")), Ok(()));
        assert_eq!(check_post(&h, &t, Some("abd")), Err(Refusal::BadToken));
        assert_eq!(check_post(&h, &t, Some("")), Err(Refusal::BadToken));
        assert_eq!(check_post(&h, &t, None), Err(Refusal::BadToken));
        let evil = headers(&[("host", "h"), ("origin", "http://evil")]);
        assert_eq!(
            check_post(&evil, &t, Some("abc")),
            Err(Refusal::ForeignOrigin)
        );
    }

    #[test]
    fn tokens_are_random_hex() {
        let (a, b) = (Token::random(), Token::random());
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 32);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(format!("{a:?}"), "Token(..)");
    }
}
