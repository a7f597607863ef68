//! Nothing in a config is ignored without a word: supervisord started on a config
//! with Python plugins it cannot load, other supervisors' options and an
//! `environment=` value Supervisor's parser truncates logs one WARN line for each,
//! naming the file and line, and keeps running; supervisorctl warns about
//! `[ctlplugin:x]` on stderr and still works.

use std::process::Stdio;

use crate::support::{DEADLINE, Daemon, SOCKET, wait_until};

const PROGRAMS: &str = "[program:app]\ncommand=/bin/sleep 1000\nafter=db\nenvFiles=/etc/app.env\n\
environment=PYTHONPATH=$PYTHONPATH:/home/app\n\n\
[rpcinterface:twiddler]\n\
supervisor.rpcinterface_factory = supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface\n\n\
[ctlplugin:quick]\nsupervisor.ctl_factory = superlance.quick:make_plugin\n\n\
[eventlistener:mon]\ncommand=/bin/cat\nevents=TICK_60\nresult_handler=mypkg:handle\n";

/// The 1-based line of the first line of the config that starts with `start`.
fn line_of(conf: &str, start: &str) -> usize {
    conf.lines().position(|l| l.starts_with(start)).unwrap() + 1
}

#[test]
fn unusable_config_is_warned_about_with_file_and_line_and_the_daemon_runs() {
    let d = Daemon::configure(&format!("{SOCKET}{PROGRAMS}")).launch(&["-n"]);
    d.wait_for_socket();
    let path = d.path("sd.conf");
    let conf = std::fs::read_to_string(&path).unwrap();
    let file = path.display();
    let at = |start: &str| format!("(file: '{file}', line {})", line_of(&conf, start));
    for needle in [
        format!(
            "WARN option 'after' in section 'program:app' {}",
            at("after=")
        ),
        format!(
            "WARN option 'envfiles' in section 'program:app' {}",
            at("envFiles=")
        ),
        format!(
            "WARN environment in section 'program:app' {}: Supervisor's parser keeps \
             PYTHONPATH=$ and drops 'PYTHONPATH:/home/app' after it",
            at("environment=PYTHONPATH")
        ),
        format!(
            "WARN [rpcinterface:twiddler] {}: its factory \
             supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface is Python code",
            at("supervisor.rpcinterface_factory = supervisor_twiddler")
        ),
        format!(
            "WARN [ctlplugin:quick] {}: its factory superlance.quick:make_plugin",
            at("supervisor.ctl_factory")
        ),
        format!(
            "WARN [eventlistener:mon] {}: result_handler mypkg:handle is Python code",
            at("result_handler=")
        ),
    ] {
        d.expect_log(&needle);
    }
    // The daemon goes on: the program runs with the value Supervisor keeps.
    let ctl = |args: &[&str]| {
        crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"))
            .arg("-c")
            .arg(&path)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let mut out = ctl(&["status", "app"]);
    assert!(wait_until(DEADLINE, || {
        out = ctl(&["status", "app"]);
        String::from_utf8_lossy(&out.stdout).contains("RUNNING")
    }));
    // supervisorctl reads the same file: it warns about the plugin on stderr only.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [format!(
            "Warning: [ctlplugin:quick] {}: its factory superlance.quick:make_plugin is a \
             Python supervisorctl plugin; supervisor-rs's supervisorctl cannot load it, so \
             the commands it adds are not available",
            at("supervisor.ctl_factory")
        )]
    );
    assert_eq!(out.status.code(), Some(0));
    let pid: i32 = String::from_utf8_lossy(&ctl(&["pid", "app"]).stdout)
        .trim()
        .parse()
        .unwrap();
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    assert!(
        environ.split(|b| *b == 0).any(|kv| kv == b"PYTHONPATH=$"),
        "the child gets Supervisor's value"
    );
}

#[test]
fn a_config_without_the_supervisor_interface_is_served_and_warned_about() {
    let socket_only = "[unix_http_server]\nfile=%(here)s/sv.sock\n\n\
                       [supervisorctl]\nserverurl=unix://%(here)s/sv.sock\n\n\
                       [program:app]\ncommand=/bin/sleep 1000\n";
    let d = Daemon::configure(socket_only).launch(&["-n"]);
    d.wait_for_socket();
    d.expect_log(&format!(
        "WARN no [rpcinterface:supervisor] section (file: '{}'): Supervisor would serve no \
         supervisor.* XML-RPC methods",
        d.path("sd.conf").display()
    ));
    let out = crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"))
        .arg("-c")
        .arg(d.path("sd.conf"))
        .args(["status", "app"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("app "));
}

/// A config read later (`reread`, `update`, `reload`) logs the warnings it adds,
/// once: what was already warned about at start-up is not repeated.
#[test]
fn a_reread_config_logs_the_warnings_it_adds() {
    let d = Daemon::start(&format!(
        "{SOCKET}[program:app]\ncommand=/bin/sleep 1000\nafter=db\n"
    ));
    d.wait_for_socket();
    d.expect_log("WARN option 'after' in section 'program:app'");
    let path = d.path("sd.conf");
    let mut conf = std::fs::read_to_string(&path).unwrap();
    conf.push_str("\n[program:worker]\ncommand=/bin/sleep 1000\nhealthcheck=true\n");
    std::fs::write(&path, &conf).unwrap();
    let (out, code) = crate::support::tree::ctl(&d, "reread");
    assert_eq!((out.as_str(), code), ("worker: available\n", 0));
    d.expect_log("WARN option 'healthcheck' in section 'program:worker'");
    assert_eq!(d.count("WARN option 'after'"), 1);
}
