//! `GET /healthz` and `GET /readyz` for orchestrators (README, "Metrics and health
//! endpoints"). `/healthz` is 200 while supervisord's own loop answers
//! ([`Control::alive`]), 503 otherwise: a liveness probe. `/readyz` is 200 when
//! supervisord is RUNNING and every autostart process is ready
//! ([`Control::readiness`]), else 503; its JSON body lists the processes that are
//! not: a readiness probe. Both are cheap: no process is asked anything.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::control::Control;
use crate::observe::Readiness;

pub fn routes<C: Control>() -> Router<Arc<C>> {
    Router::new()
        .route("/healthz", get(healthz::<C>))
        .route("/readyz", get(readyz::<C>))
}

async fn healthz<C: Control>(State(ctl): State<Arc<C>>) -> Response {
    if ctl.alive().await {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "supervisord's main loop does not answer\n",
        )
            .into_response()
    }
}

async fn readyz<C: Control>(State(ctl): State<Arc<C>>) -> Response {
    let r = ctl.readiness();
    let status = if r.ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        format!("{}\n", body(&r)),
    )
        .into_response()
}

/// `{"ready":…,"state":…,"not_ready":[{"group","name","state","reason"}…]}`.
pub fn body(r: &Readiness) -> serde_json::Value {
    let not_ready: Vec<serde_json::Value> = r
        .not_ready
        .iter()
        .map(|n| {
            serde_json::json!({
                "group": n.group,
                "name": n.name,
                "state": n.state.name(),
                "reason": n.reason,
            })
        })
        .collect();
    serde_json::json!({
        "ready": r.ready(),
        "state": r.state.name(),
        "not_ready": not_ready,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::NotReady;
    use supervisor_model::{ProcessState, SupervisorState};

    #[test]
    fn the_body_lists_what_is_not_ready() {
        let r = Readiness {
            state: SupervisorState::Running,
            tree_built: true,
            not_ready: vec![NotReady {
                group: "web".into(),
                name: "web".into(),
                state: ProcessState::Backoff,
                reason: "autostart process is BACKOFF".into(),
            }],
        };
        assert!(!r.ready());
        let v = body(&r);
        assert_eq!(v["ready"], false);
        assert_eq!(v["not_ready"][0]["state"], "BACKOFF");
        let ok = Readiness {
            not_ready: Vec::new(),
            ..r
        };
        assert_eq!(body(&ok)["ready"], true);
    }
}
