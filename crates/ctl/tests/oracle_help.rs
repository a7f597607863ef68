//! Texts that need no server, compared byte for byte with Supervisor 4.3.0's own
//! supervisorctl (the Python oracle provisioned by `tests/oracle/ensure-venv.sh`):
//! `help`, `help <topic>` for every action and a few non-topics, the `-h` text
//! (ours appends an extensions section), and the command-line usage errors.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use supervisor_ctl::{ACTIONS, Controller, Early, GrpcApi, Server, TermConsole};

/// The oracle's supervisorctl script.
fn oracle() -> PathBuf {
    supervisor_testkit::oracle_bin("supervisorctl")
}

/// (stdout, stderr, exit status) of the oracle. A server URL that cannot exist
/// keeps it from ever connecting; a cwd without config files keeps it from finding
/// one.
fn theirs(ctl: &Path, args: &[&str]) -> (String, String, i32) {
    let dir = tempfile::tempdir().unwrap();
    let out = supervisor_testkit::command(ctl)
        .args(args)
        .current_dir(dir.path())
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap(),
    )
}

#[derive(Clone, Default)]
struct Buf(Rc<RefCell<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Our output for one command line, with no server behind the URL.
fn ours(line: &str) -> (String, i32) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = Server {
        serverurl: "unix:///nonexistent/supervisor.sock".into(),
        username: None,
        password: None,
    };
    let out = Buf::default();
    let mut ctl = Controller::new(
        GrpcApi::new(&server),
        TermConsole::new(),
        server,
        false,
        Box::new(out.clone()),
        Box::new(Buf::default()),
    );
    rt.block_on(ctl.onecmd(line));
    let text = String::from_utf8(out.0.borrow().clone()).unwrap();
    (text, ctl.exit_status())
}

#[test]
fn help_texts_match_supervisor() {
    let ctl = oracle();
    let mut lines = vec!["help".to_string(), "?".to_string()];
    for action in ACTIONS {
        lines.push(format!("help {action}"));
    }
    lines.extend(["help EOF", "help bogus", "help status start", "?stop"].map(String::from));
    for line in lines {
        let words: Vec<&str> = line.split(' ').collect();
        let mut args = vec!["-s", "unix:///nonexistent/supervisor.sock"];
        args.extend(&words);
        let (expected, _, code) = theirs(&ctl, &args);
        assert_eq!(ours(&line), (expected, code), "{line}");
    }
}

#[test]
fn command_line_matches_supervisor() {
    let ctl = oracle();
    let argv0 = ctl.to_string_lossy().into_owned();
    // -h: Supervisor's text, then our extensions.
    let (expected, _, _) = theirs(&ctl, &["-h"]);
    match supervisor_ctl::realize(&argv0, &["-h".to_string()]) {
        Err(Early::Help(text)) => assert!(text.starts_with(&expected), "{text}"),
        other => panic!("{other:?}"),
    }
    let cases: [&[&str]; 10] = [
        &["-v"],
        &["--bogus"],
        &["-c"],
        &["--serverurl"],
        &["--server=x"],
        &["--help=x"],
        &["--history-file=x"],
        &["-i", "-i"],
        &["-u", "a", "--user=b"],
        &["-c", "/nonexistent/supervisord.conf", "status"],
    ];
    for args in cases {
        let owned: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let early = supervisor_ctl::realize(&argv0, &owned).unwrap_err();
        let (out, err, code) = early.render(&argv0);
        assert_eq!((out, err, code), theirs(&ctl, args), "{args:?}");
    }
}
