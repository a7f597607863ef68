//! `SocketUrl`: the address of an `[fcgi-program:x]` listening socket, as its `socket=`
//! option spells it after validation (options.py `parse_fcgi_socket`, datatypes.py
//! `InetStreamSocketConfig` / `UnixStreamSocketConfig`): `tcp://host:port` or
//! `unix:///absolute/path`. `Display` is the URL Supervisor logs (`Creating socket
//! tcp://127.0.0.1:9000`) — the host lower-cased, as `InetStreamSocketConfig` keeps it.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::ValueError;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SocketUrl {
    /// `tcp://host:port`: an AF_INET socket bound to `host` (a name or an IPv4 address).
    Tcp { host: String, port: u16 },
    /// `unix:///path`: an AF_UNIX socket file.
    Unix(PathBuf),
}

impl FromStr for SocketUrl {
    type Err = ValueError;

    /// Accepts what the config crate's validation produced; the message of an error
    /// is Supervisor's (`Bad socket format ...`).
    fn from_str(url: &str) -> Result<Self, Self::Err> {
        let bad = || ValueError(format!("Bad socket format {url}"));
        if let Some(path) = url.strip_prefix("unix://") {
            if !path.starts_with('/') {
                return Err(ValueError(format!(
                    "Unix socket path {path} is not an absolute path"
                )));
            }
            return Ok(SocketUrl::Unix(PathBuf::from(path)));
        }
        // Supervisor's pattern: `tcp://([^\s:]+):(\d+)$`.
        let (host, port) = url
            .strip_prefix("tcp://")
            .and_then(|rest| rest.rsplit_once(':'))
            .ok_or_else(bad)?;
        let host_ok =
            !host.is_empty() && !host.contains(':') && !host.chars().any(char::is_whitespace);
        let port_ok = !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
        if !(host_ok && port_ok) {
            return Err(bad());
        }
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|&p| p > 0)
            .ok_or_else(bad)?;
        Ok(SocketUrl::Tcp {
            host: host.to_lowercase(),
            port,
        })
    }
}

impl fmt::Display for SocketUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocketUrl::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            SocketUrl::Unix(path) => write!(f, "unix://{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for url in [
            "tcp://127.0.0.1:9000",
            "tcp://localhost:1",
            "unix:///tmp/x.sock",
        ] {
            assert_eq!(url.parse::<SocketUrl>().unwrap().to_string(), url);
        }
        assert_eq!(
            "tcp://LocalHost:80".parse::<SocketUrl>().unwrap(),
            SocketUrl::Tcp {
                host: "localhost".into(),
                port: 80
            }
        );
        assert_eq!(
            "unix:///run/php.sock".parse::<SocketUrl>().unwrap(),
            SocketUrl::Unix("/run/php.sock".into())
        );
    }

    #[test]
    fn refuses_what_supervisor_refuses() {
        for url in [
            "tcp://:80",
            "tcp://host",
            "tcp://host:",
            "tcp://host:x",
            "tcp://host:0",
            "tcp://host:65536",
            "tcp://a b:1",
            "udp://host:1",
            "unix://relative",
        ] {
            assert!(url.parse::<SocketUrl>().is_err(), "{url}");
        }
    }
}
