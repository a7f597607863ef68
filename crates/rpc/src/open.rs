//! Which endpoints a listener serves without its credentials (README, "Metrics and
//! health endpoints"): by default every route needs them; `metrics_auth = false`
//! opens `GET /metrics` to a scraper, `health_auth = false` opens `GET /healthz` and
//! `GET /readyz` to an orchestrator's probes. The trade-off: anyone who can reach
//! the port then reads process names and states (metrics) or whether supervisord is
//! up (health); nothing else opens, and nothing can be changed.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use supervisor_config::Credentials;

use crate::auth;
use crate::refusals::Refusals;

/// The `*_auth = false` switches of one server section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenPaths {
    pub metrics: bool,
    pub health: bool,
}

impl OpenPaths {
    /// From the section's `metrics_auth` and `health_auth`.
    pub fn from_auth_flags(metrics_auth: bool, health_auth: bool) -> OpenPaths {
        OpenPaths {
            metrics: !metrics_auth,
            health: !health_auth,
        }
    }

    /// Whether `req` may skip authentication.
    pub fn allows(&self, req: &Request) -> bool {
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            return false;
        }
        match req.uri().path() {
            "/metrics" => self.metrics,
            "/healthz" | "/readyz" => self.health,
            _ => false,
        }
    }
}

/// The authentication middleware with the open endpoints let through.
pub async fn guard(
    creds: Arc<Credentials>,
    refusals: Refusals,
    open: OpenPaths,
    req: Request,
    next: Next,
) -> Response {
    if open.allows(&req) {
        return next.run(req).await;
    }
    auth::require(creds, refusals, req, next).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, path: &str) -> Request {
        axum::http::Request::builder()
            .method(method)
            .uri(path)
            .body(axum::body::Body::empty())
            .unwrap()
    }

    #[test]
    fn only_the_switched_endpoints_open_and_only_for_reading() {
        let open = OpenPaths::from_auth_flags(false, true);
        assert!(open.allows(&req(Method::GET, "/metrics")));
        assert!(open.allows(&req(Method::HEAD, "/metrics")));
        assert!(!open.allows(&req(Method::POST, "/metrics")));
        assert!(!open.allows(&req(Method::GET, "/healthz")));
        assert!(!open.allows(&req(Method::GET, "/metrics/x")));
        assert!(!open.allows(&req(Method::GET, "/RPC2")));
        let health = OpenPaths::from_auth_flags(true, false);
        assert!(health.allows(&req(Method::GET, "/readyz")));
        assert!(!health.allows(&req(Method::GET, "/metrics")));
        assert!(!OpenPaths::default().allows(&req(Method::GET, "/healthz")));
    }
}
