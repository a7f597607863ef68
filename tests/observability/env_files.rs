//! `env_files`: a program's environment from dotenv files (later files and
//! `environment=` win), `[supervisord] env_files` for every child, a missing file
//! refused at start-up with its name (unless written `-path`), and a changed file
//! seen by `reread`/`update` as a changed program, which is restarted with the new
//! values.

use std::process::Stdio;

use crate::support::{DEADLINE, Daemon, SOCKET, read, wait_until};

fn ctl(d: &Daemon, args: &[&str]) -> String {
    let out = crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"))
        .arg("-c")
        .arg(d.path("sd.conf"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const PROGRAM: &str = "[supervisord]\nenv_files=%(here)s/global.env\n\n\
     [program:show]\n\
     command=sh -c 'echo \"A=$A B=$B C=$C G=$G\"; sleep 1000'\n\
     env_files=%(here)s/a.env, %(here)s/b.env, -%(here)s/absent.env\n\
     environment=C=\"from environment\"\nstartsecs=0\n\
     stdout_logfile=%(here)s/show.log\n\n";

#[test]
fn files_layer_under_environment_and_update_restarts_on_a_change() {
    let d = Daemon::configure(&format!("{SOCKET}{PROGRAM}"));
    std::fs::write(d.path("global.env"), "G=global\n").unwrap();
    std::fs::write(
        d.path("a.env"),
        "# dotenv\nexport A=1\nB='from a'\nC=from-a\n",
    )
    .unwrap();
    std::fs::write(d.path("b.env"), "B=\"from b\"\n").unwrap();
    let d = d.launch(&["-n"]);
    let log = d.path("show.log");
    assert!(
        wait_until(DEADLINE, || read(&log)
            == "A=1 B=from b C=from environment G=global\n"),
        "{:?}",
        read(&log)
    );
    d.wait_for_socket();
    // Edit a file: the program is changed, and update restarts it with the new value.
    std::fs::write(d.path("b.env"), "B=changed\n").unwrap();
    assert_eq!(ctl(&d, &["reread"]), "show: changed\n");
    let out = ctl(&d, &["update"]);
    assert!(out.contains("show"), "{out}");
    assert!(
        wait_until(DEADLINE, || read(&log)
            .ends_with("A=1 B=changed C=from environment G=global\n")),
        "{:?}",
        read(&log)
    );
    // An untouched file changes nothing.
    assert_eq!(ctl(&d, &["reread"]), "No config updates to processes\n");
}

#[test]
fn a_missing_env_file_is_refused_naming_it() {
    let d = Daemon::configure(PROGRAM);
    std::fs::write(d.path("global.env"), "G=global\n").unwrap();
    std::fs::write(d.path("b.env"), "B=x\n").unwrap();
    let out = crate::support::command(env!("CARGO_BIN_EXE_supervisord"))
        .arg("-n")
        .arg("-c")
        .arg(d.path("sd.conf"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let missing = d.path("a.env").display().to_string();
    assert!(
        err.contains(&format!("env file '{missing}': cannot read it:"))
            && err.contains("named by 'env_files' in section 'program:show'"),
        "{err}"
    );
}
