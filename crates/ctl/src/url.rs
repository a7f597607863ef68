//! Server URLs as supervisorctl understands them: the `-s` validity check (Supervisor's
//! `datatypes.url` over Python's `urllib.parse.urlparse`), the scheme test of `open`,
//! and the connection target (`SupervisorTransport`: `http://host[:port]` or
//! `unix:///path`, anything else is an error at the first call).

/// The part of Python 3.11's `urlparse` the checks need.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct UrlParts {
    pub scheme: String,
    pub netloc: String,
    pub path: String,
}

/// Schemes for which `urlparse` splits `;params` off the last path segment.
const USES_PARAMS: [&str; 15] = [
    "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtspu", "sip", "sips",
    "mms", "sftp", "tel",
];

/// Python 3.11 `urllib.parse.urlparse`, reduced to scheme, netloc and path.
pub(crate) fn urlparse(url: &str) -> UrlParts {
    // urlsplit strips leading C0 controls and spaces and drops tabs and newlines.
    let cleaned: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut rest = cleaned.as_str();
    let mut scheme = String::new();
    if let Some(colon) = rest.find(':') {
        let candidate = &rest[..colon];
        let valid = candidate
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && candidate
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if valid {
            scheme = candidate.to_ascii_lowercase();
            rest = &rest[colon + 1..];
        }
    }
    let mut netloc = String::new();
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = after[..end].to_string();
        rest = &after[end..];
    }
    let rest = rest.split('#').next().unwrap_or_default();
    let mut path = rest.split('?').next().unwrap_or_default();
    if USES_PARAMS.contains(&scheme.as_str()) {
        let from = path.rfind('/').unwrap_or(0);
        if let Some(semi) = path[from..].find(';') {
            path = &path[..from + semi];
        }
    }
    UrlParts {
        scheme,
        netloc,
        path: path.to_string(),
    }
}

/// `datatypes.url`: the `-s` value must have a scheme and a netloc or a path.
pub(crate) fn check_url(value: &str) -> Result<(), String> {
    let parts = urlparse(value);
    if !parts.scheme.is_empty() && (!parts.netloc.is_empty() || !parts.path.is_empty()) {
        Ok(())
    } else {
        Err(format!(
            "value {} is not a URL",
            supervisor_model::py_repr(value)
        ))
    }
}

/// Where to connect, from a serverurl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `unix://<path>`: everything after the scheme is the socket path.
    Unix(String),
    /// `http://host[:port]` (port 80 when absent), spoken as h2c.
    Tcp { host: String, port: u16 },
}

impl Endpoint {
    /// `SupervisorTransport.__init__`: the error text is Python's `ValueError` message.
    pub fn parse(serverurl: &str) -> Result<Endpoint, String> {
        if let Some(path) = serverurl.strip_prefix("unix://") {
            return Ok(Endpoint::Unix(path.to_string()));
        }
        if serverurl.starts_with("http://") {
            let netloc = urlparse(serverurl).netloc;
            // `hostname` drops any `user:password@` and lower-cases; brackets enclose
            // an IPv6 literal.
            let hostport = netloc.rsplit_once('@').map_or(netloc.as_str(), |(_, h)| h);
            let (host, port) = split_host_port(hostport)?;
            return Ok(Endpoint::Tcp {
                host: host.to_ascii_lowercase(),
                port: port.unwrap_or(80),
            });
        }
        Err(format!("Unknown protocol for serverurl {serverurl}"))
    }
}

/// `urlparse(...).hostname` / `.port` of a netloc without credentials.
fn split_host_port(hostport: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        match v6.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':')),
            None => return Err("Invalid IPv6 URL".to_string()),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (hostport, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(p) => {
            let bad = || {
                format!(
                    "Port could not be cast to integer value as {}",
                    supervisor_model::py_repr(p)
                )
            };
            let n: u32 = p.parse().map_err(|_| bad())?;
            Some(u16::try_from(n).map_err(|_| "Port out of range 0-65535".to_string())?)
        }
    };
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlparse_matches_python() {
        // (input, valid per datatypes.url) as observed with CPython 3.11.
        let cases = [
            ("localhost:9001", true),
            ("http:", false),
            ("unix:", false),
            ("a:b", true),
            ("1a:b", false),
            ("http:;x", false),
            ("http://", false),
            ("http:///", true),
            ("x:/", true),
            ("HTTP://x", true),
            ("unix:///tmp/x.sock", true),
            ("a+b:c", true),
            (" http://x", true),
            ("http:?q", false),
            ("tel:;x", false),
            ("ftp:/;p", true),
            ("x", false),
        ];
        for (url, valid) in cases {
            assert_eq!(check_url(url).is_ok(), valid, "{url}");
        }
        assert_eq!(urlparse("HTTP://x").scheme, "http");
        assert_eq!(check_url("x").unwrap_err(), "value 'x' is not a URL");
    }

    #[test]
    fn endpoints() {
        assert_eq!(
            Endpoint::parse("unix:///tmp/s.sock"),
            Ok(Endpoint::Unix("/tmp/s.sock".into()))
        );
        assert_eq!(
            Endpoint::parse("http://LocalHost:9001/RPC2"),
            Ok(Endpoint::Tcp {
                host: "localhost".into(),
                port: 9001
            })
        );
        assert_eq!(
            Endpoint::parse("http://u:p@[::1]"),
            Ok(Endpoint::Tcp {
                host: "::1".into(),
                port: 80
            })
        );
        assert_eq!(
            Endpoint::parse("localhost:9001").unwrap_err(),
            "Unknown protocol for serverurl localhost:9001"
        );
        assert!(Endpoint::parse("http://h:x").is_err());
    }
}
