//! The end-to-end suites, one test binary (ripgrep's `tests/tests.rs`): each module is
//! a suite named after a config section, a command or a behaviour, and they share
//! `support/`. Everything here talks to the built binaries (`CARGO_BIN_EXE_*`) and to
//! real clients; nothing links the daemon's crates.

mod browser;
mod support;

mod bad_paths;
mod bounded_buffers;
mod chaos;
mod child_output;
mod completions;
mod config_warnings;
mod control_socket;
mod ctl_fallback;
mod ctl_oracle;
mod deb_package;
mod dependencies;
mod event_listeners;
mod fcgi_program;
mod first_run;
mod grpc_api;
mod hostile_fds;
mod hostile_http;
mod hostile_memory;
mod killed_daemon;
mod main_log;
mod observability;
mod pidproxy;
mod reload;
mod resilience;
mod result_order;
mod soak;
mod spliced_output;
mod supervisord_cli;
mod supervisord_options;
mod supervisord_run;
mod top;
mod update;
mod web_http;
mod web_page;
mod xmlrpc_api;
