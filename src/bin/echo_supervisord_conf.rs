//! `supervisord`: a thin main; everything lives in the supervisor-daemon crate.
fn main() {}
