//! The web page over the `Control` trait: status, actions, tail, CSRF defence.
#![doc = include_str!("../README.md")]

pub mod actions;
pub mod assets;
pub mod csrf;
mod respond;
pub mod status;
pub mod tail;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use supervisor_rpc::Control;

pub use csrf::Token;

/// What every page handler shares besides the [`Control`]: the daemon's CSRF token.
#[derive(Debug)]
pub struct Web {
    pub token: Token,
}

/// The page's routes, to be merged into the control listeners' router
/// (`supervisor_rpc::server::router`), which puts them behind basic auth. One call
/// per daemon: it draws the CSRF token every action form carries.
pub fn routes<C: Control>() -> Router<Arc<C>> {
    let web = Arc::new(Web {
        token: Token::random(),
    });
    Router::new()
        .route(
            "/",
            get(status::get_page::<C>).post(status::post_action::<C>),
        )
        .route(
            "/index.html",
            get(status::get_page::<C>).post(status::post_action::<C>),
        )
        .route("/tail.html", get(tail::page::<C>))
        .route("/follow", get(tail::follow::<C>))
        .route("/ok.html", get(|| async { "OK" }))
        .route("/stylesheets/supervisor.css", get(assets::stylesheet))
        .route("/scripts/status.js", get(assets::status_script))
        .route("/scripts/tail.js", get(assets::tail_script))
        .layer(axum::Extension(web))
}
