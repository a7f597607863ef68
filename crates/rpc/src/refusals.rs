//! Refused logins, counted per peer instead of logged one by one: the first refusal
//! from a peer is logged at once, the ones after it within [`INTERVAL`] are added up
//! and logged as one line when the interval ends. A client hammering the socket
//! with bad credentials costs a line per interval, not a line per request, so it
//! cannot rotate the real history out of the main log.
//!
//! Nothing the client sent as credentials is ever logged (a password typed into the
//! user field would land in the log): only the method, the path (cut short), the
//! peer, and whether credentials came at all.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::auth::Notify;

/// How long refusals from one peer are added up before they are logged.
pub const INTERVAL: Duration = Duration::from_secs(10);

/// Peers counted separately; refusals from any further peer share one count.
const MAX_PEERS: usize = 1024;

/// The longest path quoted in a refusal line.
const PATH_CHARS: usize = 100;

/// Who is on the other end of a connection. Over a unix socket that is a user (a
/// process id changes with every client run); over TCP an address (the port
/// changes with every connection).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Peer {
    Unix {
        uid: u32,
    },
    Tcp(IpAddr),
    /// Refusals past [`MAX_PEERS`] distinct peers in one interval.
    Others,
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Unix { uid } => write!(f, "uid {uid}"),
            Peer::Tcp(ip) => write!(f, "{ip}"),
            Peer::Others => f.write_str("other peers"),
        }
    }
}

/// The refusal counter of a daemon (shared by its listeners).
#[derive(Clone)]
pub struct Refusals {
    notify: Notify,
    counts: Arc<Mutex<HashMap<Peer, u64>>>,
}

impl Refusals {
    pub fn new(notify: Notify) -> Refusals {
        Refusals {
            notify,
            counts: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A request from `peer` was refused; `had_credentials` says whether it carried
    /// an `Authorization` header (what it held is never looked at here).
    pub fn refused(&self, peer: &Peer, method: &str, path: &str, had_credentials: bool) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let first_in_interval = counts.is_empty();
        let key = if counts.len() >= MAX_PEERS && !counts.contains_key(peer) {
            Peer::Others
        } else {
            peer.clone()
        };
        match counts.get_mut(&key) {
            Some(n) => *n += 1,
            None => {
                counts.insert(key, 0);
                let what = if had_credentials {
                    "wrong credentials"
                } else {
                    "no credentials"
                };
                (self.notify)(format!(
                    "refused {method} {} from {peer}: authentication failed ({what})",
                    short(path)
                ));
            }
        }
        drop(counts);
        if first_in_interval {
            let me = self.clone();
            tokio::spawn(async move { me.summarize().await });
        }
    }

    /// At the end of each interval: one line per peer refused again since its first
    /// line; peers that stayed quiet are forgotten (their next refusal is logged at
    /// once). Ends when no peer is left.
    async fn summarize(self) {
        loop {
            tokio::time::sleep(INTERVAL).await;
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            let mut lines = Vec::new();
            counts.retain(|peer, n| {
                if *n == 0 {
                    return false;
                }
                let s = if *n == 1 { "" } else { "s" };
                lines.push(format!(
                    "refused {n} more request{s} from {peer} in the last {} seconds: authentication failed",
                    INTERVAL.as_secs()
                ));
                *n = 0;
                true
            });
            let done = counts.is_empty();
            drop(counts);
            lines.into_iter().for_each(|l| (self.notify)(l));
            if done {
                return;
            }
        }
    }
}

/// `path`, cut to [`PATH_CHARS`] characters.
fn short(path: &str) -> String {
    match path.char_indices().nth(PATH_CHARS) {
        Some((at, _)) => format!("{}...", &path[..at]),
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn first_refusal_at_once_then_one_line_per_interval() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let r = Refusals::new(Arc::new(move |l| sink.lock().unwrap().push(l)));
        let peer = Peer::Tcp("10.0.0.1".parse().unwrap());
        for _ in 0..5 {
            r.refused(&peer, "POST", "/RPC2", true);
        }
        r.refused(&Peer::Unix { uid: 7 }, "GET", &"x".repeat(300), false);
        assert_eq!(
            lines.lock().unwrap().clone(),
            [
                "refused POST /RPC2 from 10.0.0.1: authentication failed (wrong credentials)"
                    .to_string(),
                format!(
                    "refused GET {}... from uid 7: authentication failed (no credentials)",
                    "x".repeat(100)
                ),
            ]
        );
        tokio::time::sleep(INTERVAL + Duration::from_millis(10)).await;
        assert_eq!(
            lines.lock().unwrap()[2],
            "refused 4 more requests from 10.0.0.1 in the last 10 seconds: authentication failed"
        );
        assert_eq!(lines.lock().unwrap().len(), 3);
        // Quiet for an interval: forgotten, so the next refusal is logged at once.
        tokio::time::sleep(INTERVAL * 2).await;
        r.refused(&peer, "POST", "/RPC2", true);
        assert_eq!(lines.lock().unwrap().len(), 4);
    }
}
