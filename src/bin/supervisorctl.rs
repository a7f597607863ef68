//! `supervisorctl`: a thin wrapper; everything lives in the `supervisor-ctl` crate.

fn main() {
    std::process::exit(supervisor_ctl::main());
}
