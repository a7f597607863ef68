//! The status page (`/`, `/index.html`): one row per process with its state
//! (coloured), description and actions, the Restart All / Stop All / Refresh bar,
//! and the message of the last action. Its forms POST the action with the CSRF
//! token and are answered 303 back to the page; Supervisor's
//! `index.html?action=…&processname=…` GETs act too and are answered 301 to
//! `http://<Host>/?message=…` as Supervisor does (see [`crate::csrf`] for when
//! either is refused). The template is `templates/status.html`, compiled in.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Extension, Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use supervisor_model::ProcessState;
use supervisor_rpc::{Control, ProcessInfo};

use crate::Web;
use crate::actions;
use crate::csrf;
use crate::respond::{bad_request, forbidden, html, quote, redirect};

/// The message box at the top.
pub struct Message {
    pub text: String,
    /// `ok` or `error`: the box's style.
    pub kind: &'static str,
}

/// One process's row.
pub struct Row {
    pub namespec: String,
    /// Lower-case state name, as Supervisor shows it.
    pub state: String,
    /// Supervisor's class (`statusrunning`, `statuserror`, `statusnominal`) and ours
    /// per state (`state-backoff`...).
    pub class: String,
    pub description: String,
    /// RUNNING: Restart and Stop.
    pub running: bool,
    /// STOPPED, EXITED, FATAL: Start.
    pub startable: bool,
    pub tail_href: String,
    pub shade: bool,
}

impl Row {
    fn new(i: usize, p: &ProcessInfo) -> Row {
        let namespec = p.namespec();
        let supervisor_class = match p.state {
            ProcessState::Running => "statusrunning",
            ProcessState::Fatal | ProcessState::Backoff => "statuserror",
            _ => "statusnominal",
        };
        let state = p.state.name().to_ascii_lowercase();
        Row {
            class: format!("{supervisor_class} state-{state}"),
            state,
            description: p.description.clone(),
            running: p.state == ProcessState::Running,
            startable: matches!(
                p.state,
                ProcessState::Stopped | ProcessState::Exited | ProcessState::Fatal
            ),
            tail_href: format!("tail.html?processname={}", query_value(&namespec)),
            namespec,
            shade: i % 2 == 1,
        }
    }
}

#[derive(Template)]
#[template(path = "status.html")]
pub struct StatusPage {
    pub token: String,
    pub message: Option<Message>,
    pub rows: Vec<Row>,
    pub identification: String,
    pub daemon_state: &'static str,
    pub version: &'static str,
    pub supervisor_version: &'static str,
}

/// `GET /`, `GET /index.html`: the page, or (with `action=`) Supervisor's GET action.
pub async fn get_page<C: Control>(
    State(ctl): State<Arc<C>>,
    Extension(web): Extension<Arc<Web>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(action) = q.get("action") else {
        return render(&*ctl, &web, q.get("message").cloned());
    };
    if let Err(why) = csrf::check_get(&headers) {
        return forbidden(why);
    }
    match actions::perform(&*ctl, action, q.get("processname").map(String::as_str)).await {
        Ok(message) => redirect(
            StatusCode::MOVED_PERMANENTLY,
            &format!("{}/?message={}", server_url(&headers), quote(&message)),
        ),
        Err(e) => bad_request(&e.to_string()),
    }
}

/// `POST /`, `POST /index.html`: the page's own forms (`action`, `processname`,
/// `token`).
pub async fn post_action<C: Control>(
    State(ctl): State<Arc<C>>,
    Extension(web): Extension<Arc<Web>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(why) = csrf::check_post(&headers, &web.token, form.get("token").map(String::as_str))
    {
        return forbidden(why);
    }
    let Some(action) = form.get("action") else {
        return redirect(StatusCode::SEE_OTHER, "index.html");
    };
    match actions::perform(&*ctl, action, form.get("processname").map(String::as_str)).await {
        // Relative, so the page also works behind a proxy under a path prefix.
        Ok(message) => redirect(
            StatusCode::SEE_OTHER,
            &format!("index.html?message={}", quote(&message)),
        ),
        Err(e) => bad_request(&e.to_string()),
    }
}

/// Supervisor's `SERVER_URL`: `http://` and the Host the client asked for.
fn server_url(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| format!("http://{h}"))
        .unwrap_or_default()
}

/// A query-string value: `quote` plus `/`, so a namespec survives any decoder.
pub fn query_value(s: &str) -> String {
    quote(s).replace('/', "%2F")
}

fn render<C: Control>(ctl: &C, web: &Web, message: Option<String>) -> Response {
    let page = StatusPage {
        token: web.token.as_str().to_string(),
        message: message.map(|text| Message {
            kind: if actions::is_error(&text) {
                "error"
            } else {
                "ok"
            },
            text,
        }),
        rows: ctl
            .processes()
            .iter()
            .enumerate()
            .map(|(i, p)| Row::new(i, p))
            .collect(),
        identification: ctl.identification(),
        daemon_state: ctl.state().name(),
        version: env!("CARGO_PKG_VERSION"),
        supervisor_version: supervisor_model::SUPERVISOR_VERSION,
    };
    match page.render() {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("template error: {e}"),
        ),
    }
}
