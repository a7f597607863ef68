//! Hot reconfiguration end to end: `update` (our supervisorctl's per-process one),
//! `update --dry-run`, `[include]`d files coming and going, broken edits and slow
//! stops — each checked by the pids of real children: what did not change keeps
//! running, what changed is restarted, and nothing else.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::support::tree::{HEADER, SLEEP, cmdline, ctl, ours, run_ctl, running, states_of, write};
use crate::support::{DEADLINE, Daemon, SOCKET, alive, oracle_python, wait_until};

fn programs_v1() -> String {
    format!(
        "{SOCKET}[program:keep]\n{SLEEP}\n[program:edit]\n{SLEEP}\n[program:gone]\n{SLEEP}\n\
         [group:g]\nprograms=a,b\n\n[program:a]\n{SLEEP}\n[program:b]\n{SLEEP}"
    )
}

/// keep: untouched; edit: new command; gone: removed; g:a new command, g:b a live
/// option only; new: added.
fn programs_v2() -> String {
    format!(
        "{SOCKET}[program:keep]\n{SLEEP}\n[program:edit]\ncommand=/bin/sleep 1001\nstartsecs=0\n\n\
         [group:g]\nprograms=a,b\n\n[program:a]\ncommand=/bin/sleep 1002\nstartsecs=0\n\n\
         [program:b]\n{SLEEP}startretries=7\nstopwaitsecs=3\n\n[program:new]\n{SLEEP}"
    )
}

#[test]
fn update_restarts_only_what_changed_and_dry_run_changes_nothing() {
    let d = Daemon::start(&programs_v1());
    d.wait_for_socket();
    let all = ["edit", "g:a", "g:b", "gone", "keep"];
    let before = running(&d, "sd.conf", &all);
    write(&d, "sd.conf", &format!("{HEADER}{}", programs_v2()));

    let (out, code) = ctl(&d, "update --dry-run");
    assert_eq!(
        out,
        "gone: would be stopped and removed\n  gone: would be stopped and removed\n\
         edit: would be updated\n  edit: would restart (command)\n\
         g: would be updated\n  g:a: would restart (command)\n\
         \x20 g:b: would change in place (startretries, stopwaitsecs), keeps running\n\
         new: would be added\n  new: would be added and started\n"
    );
    assert_eq!(code, 0);
    assert_eq!(
        running(&d, "sd.conf", &all),
        before,
        "a dry run changed something"
    );
    // Not even the config that `add` and `avail` see.
    assert_eq!(
        ctl(&d, "add new"),
        ("ERROR: no such process/group: new\n".into(), 1)
    );

    let (out, code) = ctl(&d, "update");
    assert_eq!(
        out,
        "gone: stopped\ngone: removed process group\nedit: stopped\nedit: updated process group\n\
         g: stopped\ng: updated process group\nnew: added process group\n"
    );
    assert_eq!(code, 0);
    let after = running(&d, "sd.conf", &["edit", "g:a", "g:b", "keep", "new"]);
    assert_eq!(after["keep"], before["keep"], "untouched process restarted");
    assert_eq!(after["g:b"], before["g:b"], "live-only change restarted");
    assert_ne!(after["edit"], before["edit"]);
    assert_ne!(after["g:a"], before["g:a"]);
    assert!(cmdline(after["edit"]).contains("1001"));
    assert!(cmdline(after["g:a"]).contains("1002"));
    for gone in ["gone", "edit", "g:a"] {
        assert!(
            wait_until(DEADLINE, || !alive(before[gone] as i32)),
            "{gone}'s old child still runs"
        );
    }
    // Applied: nothing left to update.
    assert_eq!(
        ctl(&d, "reread"),
        ("No config updates to processes\n".into(), 0)
    );
    assert_eq!(ctl(&d, "update"), (String::new(), 0));
    assert_eq!(
        running(&d, "sd.conf", &["edit", "g:a", "g:b", "keep", "new"]),
        after
    );
}

#[test]
fn numprocs_2_4_1_adds_and_removes_exactly_the_extra_processes() {
    let pool = |n: u32| {
        format!(
            "{SOCKET}[program:w]\n{SLEEP}process_name=w_%(process_num)d\nnumprocs={n}\n\n\
             [program:other]\n{SLEEP}"
        )
    };
    let d = Daemon::start(&pool(2));
    d.wait_for_socket();
    let two = running(&d, "sd.conf", &["other", "w:w_0", "w:w_1"]);
    write(&d, "sd.conf", &format!("{HEADER}{}", pool(4)));
    assert_eq!(
        ctl(&d, "update w"),
        ("w: stopped\nw: updated process group\n".into(), 0)
    );
    let four = running(
        &d,
        "sd.conf",
        &["other", "w:w_0", "w:w_1", "w:w_2", "w:w_3"],
    );
    for kept in ["other", "w:w_0", "w:w_1"] {
        assert_eq!(four[kept], two[kept], "{kept} was restarted");
    }
    write(&d, "sd.conf", &format!("{HEADER}{}", pool(1)));
    assert_eq!(
        ctl(&d, "update --dry-run"),
        (
            "w: would be updated\n  w:w_1: would be stopped and removed\n\
             \x20 w:w_2: would be stopped and removed\n  w:w_3: would be stopped and removed\n"
                .into(),
            0
        )
    );
    ctl(&d, "update");
    let one = running(&d, "sd.conf", &["other", "w:w_0"]);
    assert_eq!(one["w:w_0"], two["w:w_0"]);
    assert_eq!(one["other"], two["other"]);
    for removed in ["w:w_1", "w:w_2", "w:w_3"] {
        assert!(wait_until(DEADLINE, || !alive(four[removed] as i32)));
    }
    assert_eq!(
        ctl(&d, "avail").0,
        format!(
            "{:<32} in use    auto      999:999\n{:<32} in use    auto      999:999\n",
            "other", "w:w_0"
        )
    );
}

/// An update waiting for a slow stop blocks nobody: `status` answers meanwhile, and
/// a config request sent meanwhile is served after it, seeing the updated tree.
#[test]
fn a_slow_update_blocks_no_query_and_later_config_requests_see_its_result() {
    // The shell ignores SIGTERM and so does the sleep it becomes: only the SIGKILL
    // after stopwaitsecs ends it.
    let slow = |n: u32| {
        format!(
            "{SOCKET}[program:slow]\ncommand=/bin/sh -c 'trap \"\" TERM; exec sleep {n}'\n\
             startsecs=0\nstopwaitsecs=2\n\n[program:keep]\n{SLEEP}"
        )
    };
    let d = Daemon::start(&slow(1000));
    d.wait_for_socket();
    let before = running(&d, "sd.conf", &["keep", "slow"]);
    write(&d, "sd.conf", &format!("{HEADER}{}", slow(1001)));
    let update = update_in_background(&d);
    d.expect_log("killing slow (pid");
    let started = std::time::Instant::now();
    let states = states_of(&d, "sd.conf");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    assert_eq!(states["slow"].0, "STOPPING");
    // Held until the update is done, then answered from the updated tree.
    assert_eq!(
        ctl(&d, "update --dry-run"),
        ("No config updates to processes\n".into(), 0)
    );
    d.expect_log("killing 'slow'");
    let out = update.join().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "slow: stopped\nslow: updated process group\n"
    );
    let after = running(&d, "sd.conf", &["keep", "slow"]);
    assert_eq!(after["keep"], before["keep"]);
    assert!(cmdline(after["slow"]).contains("1001"));

    // SIGTERM in the middle of an update: supervisord still stops everything and
    // exits, and the caller is told.
    write(&d, "sd.conf", &format!("{HEADER}{}", slow(1002)));
    let update = update_in_background(&d);
    assert!(wait_until(DEADLINE, || d.count("killing slow (pid") == 2));
    let mut d = d;
    assert_eq!(d.terminate(), 0);
    let out = update.join().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    for pid in [after["keep"], after["slow"]] {
        assert!(!alive(pid as i32), "{pid} outlived supervisord");
    }
}

#[test]
fn included_files_added_and_removed_are_groups_added_and_removed() {
    let d = Daemon::start(&format!(
        "{SOCKET}[include]\nfiles=conf.d/*.conf\n\n[program:main]\n{SLEEP}"
    ));
    std::fs::create_dir(d.path("conf.d")).unwrap();
    d.wait_for_socket();
    let before = running(&d, "sd.conf", &["main"]);
    write(
        &d,
        "conf.d/extra.conf",
        &format!("[program:extra]\n{SLEEP}"),
    );
    assert_eq!(ctl(&d, "reread"), ("extra: available\n".into(), 0));
    assert_eq!(
        ctl(&d, "update"),
        ("extra: added process group\n".into(), 0)
    );
    let with = running(&d, "sd.conf", &["extra", "main"]);
    assert_eq!(with["main"], before["main"]);
    // A broken included file is named, with its line: a bad value, a bad line.
    for (text, line) in [("startsecs=soon", "line 3)"), ("junk line", "[line  3]")] {
        write(
            &d,
            "conf.d/broken.conf",
            &format!("[program:broken]\ncommand=/bin/true\n{text}\n"),
        );
        for cmd in ["reread", "update"] {
            let (out, code) = ctl(&d, cmd);
            assert!(
                out.contains("CANT_REREAD")
                    && out.contains("conf.d/broken.conf")
                    && out.contains(line),
                "{cmd}: {out}"
            );
            assert_eq!(code, 1);
        }
    }
    assert_eq!(running(&d, "sd.conf", &["extra", "main"]), with);
    std::fs::remove_file(d.path("conf.d/broken.conf")).unwrap();
    std::fs::remove_file(d.path("conf.d/extra.conf")).unwrap();
    assert_eq!(ctl(&d, "reread"), ("extra: disappeared\n".into(), 0));
    assert_eq!(
        ctl(&d, "update"),
        ("extra: stopped\nextra: removed process group\n".into(), 0)
    );
    assert_eq!(running(&d, "sd.conf", &["main"]), before);
    assert!(wait_until(DEADLINE, || !alive(with["extra"] as i32)));
}

/// A broken edit: `reread`, `update` and `reload` (both supervisorctls) and SIGHUP
/// report it with the file and line, and the running tree stays exactly as it was.
#[test]
fn a_broken_edit_is_reported_and_changes_nothing() {
    let python = oracle_python(&[]);
    let py_ctl = python.parent().unwrap().join("supervisorctl");
    let mut programs = format!("{SOCKET}[program:keep]\n{SLEEP}\n[program:other]\n{SLEEP}");
    let d = Daemon::start(&programs);
    d.wait_for_socket();
    let before = running(&d, "sd.conf", &["keep", "other"]);
    // Line 22 of the file: a value that is not a number, in a new section.
    programs.push_str("\n[program:bad]\ncommand=/bin/sleep 1\nstartsecs=soon\n");
    let text = format!("{HEADER}{programs}");
    let line = text.lines().position(|l| l == "startsecs=soon").unwrap() + 1;
    write(&d, "sd.conf", &text);
    let conf = d.path("sd.conf").display().to_string();
    let located = |out: &str| out.contains(&conf) && out.contains(&format!("line {line}"));
    for bin in [ours(), py_ctl.as_path()] {
        let (out, code) = run_ctl(bin, &d, "sd.conf", "reread");
        assert!(
            out.starts_with("ERROR: CANT_REREAD: invalid value for 'startsecs'"),
            "{out}"
        );
        assert!(located(&out), "{out}");
        assert_eq!(code, 1);
        for cmd in ["update", "reload", "update bad"] {
            let (out, code) = run_ctl(bin, &d, "sd.conf", cmd);
            assert!(out.contains("CANT_REREAD") && located(&out), "{cmd}: {out}");
            assert_eq!(code, 1, "{cmd}");
        }
    }
    let (out, code) = ctl(&d, "update --dry-run");
    assert!(out.contains("CANT_REREAD") && located(&out), "{out}");
    assert_eq!(code, 1);
    d.signal(nix::sys::signal::Signal::SIGHUP);
    d.expect_log("not restarting: the config cannot be loaded: invalid value for 'startsecs'");
    assert_eq!(running(&d, "sd.conf", &["keep", "other"]), before);
    assert_eq!(
        ctl(&d, "avail").0.lines().count(),
        2,
        "the broken config leaked into avail"
    );
}

/// Live options really are live: after an update that changed only them, the same
/// child is kept, its log rotates under the new limit, and its new `autorestart`
/// decides what happens when it dies.
#[test]
fn live_options_take_effect_on_the_running_process() {
    let ticker = |extra: &str| {
        format!(
            "{SOCKET}[program:ticker]\ncommand=/bin/sh -c 'while :; do echo 0123456789; sleep 0.02; done'\n\
             startsecs=0\nautorestart=false\nstdout_logfile=%(here)s/ticker.out\n\
             stdout_logfile_maxbytes=0\n{extra}"
        )
    };
    let d = Daemon::start(&ticker(""));
    d.wait_for_socket();
    let before = running(&d, "sd.conf", &["ticker"]);
    write(
        &d,
        "sd.conf",
        &format!(
            "{HEADER}{}",
            ticker("stdout_logfile_maxbytes=200\nstdout_logfile_backups=1\nautorestart=true\n")
        ),
    );
    assert_eq!(
        ctl(&d, "update --dry-run"),
        (
            "ticker: would be updated\n  ticker: would change in place (autorestart, \
             stdout_logfile_maxbytes, stdout_logfile_backups), keeps running\n"
                .into(),
            0
        )
    );
    ctl(&d, "update");
    assert!(
        wait_until(DEADLINE, || d.path("ticker.out.1").exists()),
        "the log never rotated under the new limit"
    );
    // Rotated at the new limit (the old one, 0, never rotates), and kept under it.
    let size = |name: &str| std::fs::metadata(d.path(name)).map_or(0, |m| m.len());
    assert!(size("ticker.out.1") >= 200);
    assert!(
        size("ticker.out") < 200 + 64,
        "{} bytes",
        size("ticker.out")
    );
    assert_eq!(running(&d, "sd.conf", &["ticker"]), before);
    // autorestart=true now: a crash is followed by a restart.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(before["ticker"] as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let mut after = BTreeMap::new();
    assert!(wait_until(DEADLINE, || {
        after = running(&d, "sd.conf", &["ticker"]);
        after["ticker"] != before["ticker"]
    }));
}

/// An event listener pool sees the update: PROCESS_GROUP_REMOVED for the group that
/// went and PROCESS_GROUP_ADDED for the one that came, and its own new `events=`
/// applied live (the listener is not restarted).
#[test]
fn a_listener_pool_receives_group_events_and_takes_new_events_live() {
    let python = oracle_python(&[]);
    let listener = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/events/listener.py");
    let programs = |events: &str, program: &str| {
        format!(
            "{SOCKET}[eventlistener:watch]\ncommand={} {} %(here)s/watch.jsonl\n\
             events={events}\nstartsecs=0\n\n[program:{program}]\n{SLEEP}",
            python.display(),
            listener.display()
        )
    };
    let d = Daemon::start(&programs("PROCESS_GROUP", "old"));
    d.wait_for_socket();
    let before = running(&d, "sd.conf", &["old", "watch"]);
    let seen = || -> Vec<(String, String)> {
        crate::support::read(&d.path("watch.jsonl"))
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                let header = v["header"].as_str().unwrap_or_default();
                let name = header
                    .split_whitespace()
                    .find_map(|t| t.strip_prefix("eventname:"))
                    .unwrap_or_default();
                (name.to_string(), v["payload"].as_str().unwrap().to_string())
            })
            .collect()
    };
    let added = |g: &str| {
        (
            "PROCESS_GROUP_ADDED".to_string(),
            format!("groupname:{g}\n"),
        )
    };
    assert!(wait_until(DEADLINE, || seen().len() == 2), "{:?}", seen());
    assert_eq!(seen(), [added("watch"), added("old")]);

    write(
        &d,
        "sd.conf",
        &format!(
            "{HEADER}{}",
            programs("PROCESS_GROUP,REMOTE_COMMUNICATION", "new")
        ),
    );
    assert_eq!(
        ctl(&d, "update"),
        (
            "old: stopped\nold: removed process group\nwatch: stopped\n\
             watch: updated process group\nnew: added process group\n"
                .into(),
            0
        )
    );
    let after = running(&d, "sd.conf", &["new", "watch"]);
    assert_eq!(
        after["watch"], before["watch"],
        "the listener was restarted"
    );
    let script = format!(
        "import xmlrpc.client\nfrom supervisor.xmlrpc import SupervisorTransport\n\
         t = SupervisorTransport(None, None, {url:?})\n\
         xmlrpc.client.ServerProxy('http://127.0.0.1', transport=t)\
         .supervisor.sendRemoteCommEvent('after', 'update')\n",
        url = d.server_url()
    );
    assert!(
        crate::support::command(&python)
            .arg("-c")
            .arg(script)
            .status()
            .unwrap()
            .success()
    );
    let removed = (
        "PROCESS_GROUP_REMOVED".to_string(),
        "groupname:old\n".to_string(),
    );
    let comm = (
        "REMOTE_COMMUNICATION".to_string(),
        "type:after\nupdate".to_string(),
    );
    let want = [added("watch"), added("old"), removed, added("new"), comm];
    assert!(
        wait_until(DEADLINE, || seen().len() == want.len()),
        "{:?}",
        seen()
    );
    assert_eq!(seen(), want);
}

/// A group with a restart strategy: a member restarted by `update` keeps its place,
/// so the strategy still covers it; members coming or going replace the group.
#[test]
fn a_strategy_group_keeps_working_after_an_in_place_update() {
    let group = |a: u32, extra: &str| {
        format!(
            "{SOCKET}[group:g]\nprograms=a,b\nstrategy=one_for_all\n\n\
             [program:a]\ncommand=/bin/sleep {a}\nstartsecs=0\n\n[program:b]\n{SLEEP}{extra}"
        )
    };
    let d = Daemon::start(&group(1000, ""));
    d.wait_for_socket();
    let before = running(&d, "sd.conf", &["g:a", "g:b"]);
    write(&d, "sd.conf", &format!("{HEADER}{}", group(1001, "")));
    assert_eq!(
        ctl(&d, "update --dry-run"),
        (
            "g: would be updated\n  g:a: would restart (command)\n".into(),
            0
        )
    );
    ctl(&d, "update");
    let after = running(&d, "sd.conf", &["g:a", "g:b"]);
    assert_eq!(after["g:b"], before["g:b"]);
    assert!(cmdline(after["g:a"]).contains("1001"));
    // The new a dies: the group hears it, and one_for_all restarts b as well.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(after["g:a"] as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let mut now = BTreeMap::new();
    assert!(
        wait_until(DEADLINE, || {
            now = states_of(&d, "sd.conf")
                .into_iter()
                .filter(|(_, (s, _))| s == "RUNNING")
                .map(|(k, (_, pid))| (k, pid))
                .collect();
            now.len() == 2 && now["g:a"] != after["g:a"] && now["g:b"] != after["g:b"]
        }),
        "{now:?}"
    );
    // A third member: the group is replaced whole (its members' places change).
    let three = group(
        1001,
        "\n[program:c]\ncommand=/bin/sleep 1000\nstartsecs=0\n",
    )
    .replace("programs=a,b", "programs=a,b,c");
    write(&d, "sd.conf", &format!("{HEADER}{three}"));
    assert_eq!(
        ctl(&d, "update --dry-run").0.lines().next(),
        Some("g: would be stopped, removed and added again (numprocs)")
    );
}

/// `supervisorctl update` on its own thread (it blocks until the update is done).
fn update_in_background(d: &Daemon) -> std::thread::JoinHandle<std::process::Output> {
    let (bin, conf) = (ours().to_path_buf(), d.path("sd.conf"));
    std::thread::spawn(move || {
        crate::support::command(bin)
            .arg("-c")
            .arg(conf)
            .arg("update")
            .output()
            .unwrap()
    })
}
