//! End-to-end tests of the `supervisord` and `echo_supervisord_conf` binaries' front
//! door: Supervisor's help and version, usage errors (exit 2, file and line named),
//! config validation, and the INI → TOML converter.

use std::path::Path;
use std::process::Output;

fn run(bin: &str, args: &[&str]) -> Output {
    crate::support::command(bin)
        .args(args)
        .output()
        .expect("binary runs")
}

fn supervisord(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_supervisord"), args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn help_and_version_are_supervisors() {
    let out = supervisord(&["-h"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("supervisord -- run a set of applications as daemons.\n\nUsage: "));
    assert!(stdout.contains(
        "-c/--configuration FILENAME -- configuration file path (searches if not given)"
    ));
    let out = supervisord(&["-v"]);
    assert_eq!(text(&out.stdout), "4.3.0\n");
}

#[test]
fn bad_option_is_a_usage_error() {
    let out = supervisord(&["--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("Error: option --bogus not recognized\nFor help, use "),
        "{stderr}"
    );
}

#[test]
fn invalid_config_exits_2_naming_file_line_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("bad.conf");
    std::fs::write(
        &conf,
        "[supervisord]\nlogfile=/dev/null\n\n[program:x]\ncommand=/bin/true\nstartsecs=abc\n",
    )
    .unwrap();
    let out = supervisord(&["-c", conf.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("Error: "), "{stderr}");
    for needle in ["startsecs", "abc", "program:x", "bad.conf", "line 6"] {
        assert!(stderr.contains(needle), "missing {needle:?} in {stderr}");
    }
}

/// The README's run command: the sample config really supervises its programs in the
/// foreground and shuts down cleanly on SIGTERM (log and pidfile redirected to a temp
/// dir so a running demo is not disturbed).
#[test]
fn sample_config_runs_in_the_foreground() {
    let dir = tempfile::tempdir().unwrap();
    let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/supervisord.conf");
    let log = dir.path().join("main.log");
    let pidfile = dir.path().join("sd.pid");
    let mut child = crate::support::command(env!("CARGO_BIN_EXE_supervisord"))
        .args(["-n", "-s", "-c", conf.to_str().unwrap()])
        .args(["-l", log.to_str().unwrap(), "-j", pidfile.to_str().unwrap()])
        .args(["-q", dir.path().to_str().unwrap()])
        .spawn()
        .unwrap();
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    let ok = crate::support::wait_until(crate::support::DEADLINE, || {
        let l = read();
        [
            "spawned: 'ticker'",
            "spawned: 'worker_0'",
            "spawned: 'worker_1'",
        ]
        .iter()
        .all(|s| l.contains(s))
    });
    assert!(ok, "{}", read());
    assert!(
        !read().contains("spawned: 'manual'"),
        "autostart=false was started"
    );
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(read().contains("stopped: ticker"));
}

#[test]
fn convert_config_output_loads_to_the_same_model() {
    let dir = tempfile::tempdir().unwrap();
    let ini = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/supervisord.conf");
    let out = supervisord(&["--convert-config", ini.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // %(here)s in the sample must keep pointing at config/, so convert next to it.
    let toml = dir.path().join("converted.toml");
    std::fs::write(&toml, &out.stdout).unwrap();
    let a = supervisor_config::load(&ini).unwrap();
    let b = supervisor_config::load(&toml).unwrap();
    assert_eq!(a.groups, b.groups);
}

#[test]
fn echo_supervisord_conf_prints_loadable_samples() {
    let bin = env!("CARGO_BIN_EXE_echo_supervisord_conf");
    let dir = tempfile::tempdir().unwrap();
    for (args, file) in [(&[][..], "s.conf"), (&["--toml"][..], "s.toml")] {
        let out = run(bin, args);
        assert!(out.status.success());
        assert!(!out.stdout.is_empty());
        let path = dir.path().join(file);
        std::fs::write(&path, &out.stdout).unwrap();
        let cfg = supervisor_config::load(&path);
        assert!(cfg.is_ok(), "{file}: {:?}", cfg.err());
    }
    assert_eq!(run(bin, &["--bogus"]).status.code(), Some(2));
}

/// The active (uncommented) lines of a sample config as `[section] key=value`, the
/// inline comment (` ;` after whitespace) and the spaces around `=` removed.
fn active_options(sample: &str) -> Vec<String> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in sample.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        let value = match line.find(" ;").or_else(|| line.find("\t;")) {
            Some(at) => &line[..at],
            None => line,
        };
        let (key, value) = value.split_once('=').expect("key=value");
        out.push(format!("[{section}] {}={}", key.trim(), value.trim()));
    }
    out
}

#[test]
fn echo_supervisord_conf_has_supervisors_active_options() {
    let python = crate::support::oracle_python(&[]);
    let theirs = run(
        python
            .parent()
            .unwrap()
            .join("echo_supervisord_conf")
            .to_str()
            .unwrap(),
        &[],
    );
    let ours = run(env!("CARGO_BIN_EXE_echo_supervisord_conf"), &[]);
    let expected = active_options(&text(&theirs.stdout));
    assert!(expected.contains(&"[supervisord] nodaemon=false".to_string()));
    assert_eq!(active_options(&text(&ours.stdout)), expected);

    // The Dockerfile recipe: sed turns the sample into a foreground config.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("supervisord.conf");
    let sed = crate::support::command("sed")
        .args(["-e", "s/^nodaemon=false/nodaemon=true/"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        sed.stdin.as_ref().unwrap().write_all(&ours.stdout).unwrap();
    }
    let edited = sed.wait_with_output().unwrap();
    std::fs::write(&path, &edited.stdout).unwrap();
    let config = supervisor_config::load(&path).unwrap();
    assert!(config.supervisord.nodaemon);
}
