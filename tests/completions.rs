//! Shell completion for supervisorctl in a real bash under tmux: the script printed by
//! `supervisorctl completions bash` completes options, actions, and process and group
//! names taken live from the running supervisord (`start we<TAB>` → `web:`); plus the
//! zsh and fish scripts' syntax where those shells exist.

use std::path::Path;

use crate::support::tmux::Tmux;
use crate::support::{Daemon, SOCKET};

/// A bash with `supervisorctl` on its PATH and our completion loaded.
fn bash(bin: &Path, cwd: &Path) -> Tmux {
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let t = Tmux::start(
        "bash --norc --noprofile",
        &[("PATH", &path), ("HOME", &cwd.display().to_string())],
        160,
        40,
    );
    t.type_text(&format!(
        "PS1='$ '; cd {} && source <(supervisorctl completions bash)",
        cwd.display()
    ));
    t.keys(&["Enter"]);
    t.type_text("echo loaded");
    t.keys(&["Enter"]);
    t.wait_for("the script loaded", |s| s.contains("\nloaded"));
    t.keys(&["C-l"]);
    t
}

/// The line the cursor is on (the last non-empty one).
fn last_line(screen: &str) -> String {
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim_end()
        .to_string()
}

#[test]
fn bash_completes_options_actions_and_live_names() {
    let d = Daemon::start(&format!(
        "{SOCKET}[program:web]\ncommand=/bin/sleep 1000\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)d\nautostart=false\n\n[program:db]\ncommand=/bin/sleep 1000\nautostart=false\n"
    ));
    d.wait_for_socket();
    let bin = d.path("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_supervisorctl"),
        bin.join("supervisorctl"),
    )
    .unwrap();
    let t = bash(&bin, d.dir.path());

    // An option, then an action.
    t.type_text("supervisorctl --ser");
    t.keys(&["Tab"]);
    t.wait_for("--serverurl completed", |s| {
        last_line(s) == "$ supervisorctl --serverurl"
    });
    t.keys(&["C-u"]);
    t.type_text("supervisorctl -c sd.conf resta");
    t.keys(&["Tab"]);
    t.wait_for("restart completed", |s| {
        last_line(s) == "$ supervisorctl -c sd.conf restart"
    });
    t.keys(&["C-u"]);

    // A group prefix: the common part of web:web_0, web:web_1 and web:* is `web:`.
    t.type_text("supervisorctl -c sd.conf start we");
    t.keys(&["Tab"]);
    t.wait_for("web: completed", |s| {
        last_line(s) == "$ supervisorctl -c sd.conf start web:"
    });
    // Both processes are offered, then one is picked and started.
    t.keys(&["Tab", "Tab"]);
    t.wait_for("the group's processes listed", |s| {
        s.contains("web_0") && s.contains("web_1")
    });
    t.type_text("web_1");
    t.keys(&["Enter"]);
    t.wait_for("web:web_1 started", |s| s.contains("web:web_1: started"));
    let status = crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"))
        .arg("-c")
        .arg(d.path("sd.conf"))
        .args(["status", "web:web_1"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&status.stdout).contains("RUNNING"));

    // A lone program completes to its name; `-c` completes file names.
    t.keys(&["C-l"]);
    t.type_text("supervisorctl -c sd.conf stop d");
    t.keys(&["Tab"]);
    t.wait_for("db completed", |s| {
        last_line(s) == "$ supervisorctl -c sd.conf stop db"
    });
    t.keys(&["C-u"]);
    t.type_text("supervisorctl -c sd.co");
    t.keys(&["Tab"]);
    t.wait_for("sd.conf completed", |s| {
        last_line(s) == "$ supervisorctl -c sd.conf"
    });
}

#[test]
fn completion_scripts_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _supervisorctl supervisorctl"),
        ("zsh", "#compdef supervisorctl"),
        ("fish", "complete -c supervisorctl"),
    ] {
        let out = crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {script}");
        // Shells that are installed check the syntax.
        let check: &[&str] = match shell {
            "bash" => &["-n"],
            "zsh" => &["-n"],
            _ => &["--no-execute"],
        };
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("script");
        std::fs::write(&file, &script).unwrap();
        if let Ok(out) = crate::support::command(shell)
            .args(check)
            .arg(&file)
            .output()
        {
            assert!(
                out.status.success(),
                "{shell}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let out = crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // The candidates protocol, without a daemon: actions need none.
    let out = crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"))
        .args(["completions", "--complete", "-s unix:///nonexistent st"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "start\nstatus\nstop\n"
    );
}
