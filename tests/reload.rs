//! `reload` and SIGHUP end to end: Supervisor's restart of everything, and with
//! `reload_keeps_running = true` an in-place update that keeps unchanged processes
//! (same pids, same supervisord), through both supervisorctls and a TOML config.

use std::collections::BTreeMap;
use std::process::Stdio;

use crate::support::tree::{SLEEP, cmdline, ctl, ours, run_ctl, running, states_of, write};
use crate::support::{DEADLINE, Daemon, SOCKET, oracle_python, wait_until};

/// The same config in TOML, with `reload_keeps_running = true`: `reload` and SIGHUP
/// apply the edit like `update`, in the same supervisord.
#[test]
fn reload_and_sighup_keep_unchanged_processes_with_reload_keeps_running_in_toml() {
    let toml = |edit: &str| {
        format!(
            "[supervisord]\nlogfile = \"%(here)s/main.log\"\npidfile = \"%(here)s/sd.pid\"\n\
             childlogdir = \"%(here)s\"\nloglevel = \"debug\"\nreload_keeps_running = true\n\n\
             [unix_http_server]\nfile = \"%(here)s/sv.sock\"\n\n\
             [supervisorctl]\nserverurl = \"unix://%(here)s/sv.sock\"\n\n\
             [programs.keep]\ncommand = \"/bin/sleep 1000\"\nstartsecs = 0\n\n\
             [programs.edit]\ncommand = \"/bin/sleep {edit}\"\nstartsecs = 0\n"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let mut d = Daemon { dir, child: None };
    write(&d, "sd.toml", &toml("1000"));
    d.child = Some(
        crate::support::command(env!("CARGO_BIN_EXE_supervisord"))
            .args(["-n", "-c"])
            .arg(d.path("sd.toml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    d.wait_for_socket();
    let daemon_pid = d.daemon_pid();
    let first = running(&d, "sd.toml", &["edit", "keep"]);

    write(&d, "sd.toml", &toml("1001"));
    assert_eq!(
        run_ctl(ours(), &d, "sd.toml", "reload"),
        ("Restarted supervisord\n".into(), 0)
    );
    let second = running(&d, "sd.toml", &["edit", "keep"]);
    assert_eq!(second["keep"], first["keep"]);
    assert_ne!(second["edit"], first["edit"]);
    assert!(cmdline(second["edit"]).contains("1001"));

    write(&d, "sd.toml", &toml("1002"));
    d.signal(nix::sys::signal::Signal::SIGHUP);
    let mut third = BTreeMap::new();
    assert!(wait_until(DEADLINE, || {
        third = running(&d, "sd.toml", &["edit", "keep"]);
        cmdline(third["edit"]).contains("1002")
    }));
    assert_eq!(third["keep"], first["keep"]);
    assert_eq!(d.daemon_pid(), daemon_pid);
    d.expect_log("received SIGHUP indicating restart request");
    d.expect_log("reload_keeps_running: applying the config in place");
    // Python's supervisorctl (XML-RPC `supervisor.restart`) gets the same.
    let python = oracle_python(&[]);
    write(&d, "sd.toml", &toml("1003"));
    let out = crate::support::command(python.parent().unwrap().join("supervisorctl"))
        .args(["-s", &d.server_url(), "reload"])
        .current_dir(d.path(""))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Restarted supervisord\n"
    );
    let fourth = running(&d, "sd.toml", &["edit", "keep"]);
    assert!(cmdline(fourth["edit"]).contains("1003"));
    assert_eq!(fourth["keep"], first["keep"]);
    // Not a restart: `keep` was spawned once and never stopped.
    assert_eq!(d.count("spawned: 'keep'"), 1);
    assert_eq!(d.count("stopped: keep"), 0);
}

/// Without the option, `reload` is Supervisor's: everything restarts.
#[test]
fn reload_without_the_option_restarts_everything() {
    let d = Daemon::start(&format!("{SOCKET}[program:keep]\n{SLEEP}"));
    d.wait_for_socket();
    let before = running(&d, "sd.conf", &["keep"]);
    assert_eq!(ctl(&d, "reload"), ("Restarted supervisord\n".into(), 0));
    let mut after = BTreeMap::new();
    assert!(wait_until(DEADLINE, || {
        after = states_of(&d, "sd.conf")
            .into_iter()
            .map(|(k, (_, pid))| (k, pid))
            .collect();
        after
            .get("keep")
            .is_some_and(|p| *p > 0 && *p != before["keep"])
    }));
}
