//! Differential test: every config in `tests/corpus/` is loaded by our loader and by
//! Python Supervisor 4.3.0's own parser (`tests/oracle/dump_config.py`, in a venv the
//! test provisions through `tests/oracle/ensure-venv.sh`), and the two models —
//! every option of every process after expansion — must be equal. Files named
//! `invalid_*` must be rejected by both, and their first line
//! `; expect-error: TEXT` must appear in both error messages. A `NAME.toml` next to
//! a `NAME.conf` is loaded by us as TOML and compared with Python's view of the
//! `.conf`. Both sides run with the same pinned environment and working directory.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use supervisor_config::{ChannelConfig, Config, GroupKind, Loader, LogFile};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .canonicalize()
        .unwrap()
}

/// The pinned environment both loaders see (`%(ENV_X)s`, `~`, the temp dir).
fn pinned_env(corpus: &Path) -> Vec<(String, String)> {
    vec![
        (
            "PATH".into(),
            std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
        ),
        ("HOME".into(), corpus.join("home").display().to_string()),
        ("TMPDIR".into(), corpus.join("dirs").display().to_string()),
        ("LC_ALL".into(), "C.UTF-8".into()),
        ("SUPERVISOR_TEST_VAR".into(), "hello".into()),
        (
            "SUPERVISOR_TEST_DIR".into(),
            corpus.join("dirs").display().to_string(),
        ),
        ("SUPERVISOR_TEST_PERCENT".into(), "50%".into()),
    ]
}

/// Runs the oracle once over all files: the host name it expands
/// `%(host_node_name)s` to, and one JSON object per file.
fn python_models(files: &[PathBuf], corpus: &Path) -> (String, Vec<Value>) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/dump_config.py");
    let out = supervisor_testkit::command(supervisor_testkit::oracle_python(&[]))
        .arg(script)
        .args(files)
        .env_clear()
        .envs(pinned_env(corpus))
        .current_dir(corpus)
        .output()
        .expect("run the Python oracle");
    assert!(
        out.status.success(),
        "oracle failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap());
    let host = lines.next().expect("oracle prints the host name first");
    let host = host["host_node_name"].as_str().unwrap().to_string();
    let models: Vec<Value> = lines.collect();
    assert_eq!(
        models.len(),
        files.len(),
        "oracle printed one model per file"
    );
    (host, models)
}

fn logfile(l: &LogFile) -> Value {
    match l {
        LogFile::None => json!("NONE"),
        LogFile::Auto => json!("AUTO"),
        LogFile::Syslog => json!("syslog"),
        LogFile::Path(p) => json!(p.display().to_string()),
    }
}

fn channel(c: &ChannelConfig) -> Value {
    json!({
        "logfile": logfile(&c.logfile),
        "logfile_maxbytes": c.logfile_maxbytes.bytes(),
        "logfile_backups": c.logfile_backups,
        "capture_maxbytes": c.capture_maxbytes.bytes(),
        "events_enabled": c.events_enabled,
        "syslog": c.syslog,
    })
}

/// Supervisor merges `[supervisord] environment` into each process's; our model
/// keeps them apart, so merge here with Python dict semantics.
fn merged_env(global: &[(String, String)], own: &[(String, String)]) -> Value {
    let mut env: Vec<(String, String)> = global.to_vec();
    for (k, v) in own {
        match env.iter_mut().find(|(ek, _)| ek == k) {
            Some((_, slot)) => *slot = v.clone(),
            None => env.push((k.clone(), v.clone())),
        }
    }
    json!(env.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>())
}

fn rust_model(c: &Config, file: &Path) -> Value {
    let sd = &c.supervisord;
    let groups: Vec<Value> = c
        .groups
        .iter()
        .map(|g| {
            let processes: Vec<Value> = g
                .processes
                .iter()
                .map(|p| {
                    json!({
                        "name": p.name,
                        "command": p.command,
                        "priority": p.priority,
                        "autostart": p.autostart,
                        "startsecs": p.startsecs.as_secs(),
                        "startretries": p.startretries,
                        "autorestart": p.autorestart.to_string(),
                        "exitcodes": p.exitcodes.0,
                        "stopsignal": p.stopsignal.number(),
                        "stopwaitsecs": p.stopwaitsecs.as_secs(),
                        "stopasgroup": p.stopasgroup,
                        "killasgroup": p.killasgroup,
                        "uid": p.user.as_ref().map(|u| u.uid),
                        "redirect_stderr": p.redirect_stderr,
                        "stdout": channel(&p.stdout),
                        "stderr": channel(&p.stderr),
                        "environment": merged_env(&sd.environment, &p.environment),
                        "directory": p.directory.as_ref().map(|d| d.display().to_string()),
                        "umask": p.umask.map(|u| u.bits()),
                        "serverurl": p.serverurl,
                    })
                })
                .collect();
            let mut out = json!({
                "name": g.name,
                "priority": g.priority,
                "kind": "program",
                "processes": processes,
            });
            match &g.kind {
                GroupKind::Program => {}
                GroupKind::EventListener(l) => {
                    let mut events = l.events.clone();
                    events.sort();
                    out["kind"] = json!("eventlistener");
                    out["buffer_size"] = json!(l.buffer_size);
                    out["events"] = json!(events);
                    out["result_handler"] = json!(l.result_handler);
                }
                GroupKind::Fcgi(f) => {
                    let unix = f.socket.starts_with("unix://");
                    out["kind"] = json!("fcgi");
                    out["socket"] = json!(f.socket);
                    out["socket_backlog"] = json!(f.socket_backlog);
                    out["socket_owner"] =
                        json!(f.socket_owner.map(|(u, g)| vec![u as i64, gid(g)]));
                    out["socket_mode"] = if unix {
                        json!(f.socket_mode.bits())
                    } else {
                        Value::Null
                    };
                }
            }
            out
        })
        .collect();
    let mut servers: Vec<Value> = c
        .inet_http_servers
        .iter()
        .map(|s| {
            json!({
                "section": s.section, "kind": "inet", "host": s.host, "port": s.port,
                "username": s.auth.as_ref().map(|a| a.username.clone()),
                "password": s.auth.as_ref().map(|a| a.password.clone()),
            })
        })
        .collect();
    servers.extend(c.unix_http_servers.iter().map(|s| {
        let chown = s
            .chown
            .map_or(vec![-1, -1], |(u, g)| vec![u as i64, gid(g)]);
        json!({
            "section": s.section, "kind": "unix", "file": s.file.display().to_string(),
            "chmod": s.chmod.bits(), "chown": chown,
            "username": s.auth.as_ref().map(|a| a.username.clone()),
            "password": s.auth.as_ref().map(|a| a.password.clone()),
        })
    }));
    json!({
        "file": file.display().to_string(),
        "supervisord": {
            "logfile": match &sd.logfile { LogFile::Syslog => json!("syslog"), other => logfile(other) },
            "logfile_maxbytes": sd.logfile_maxbytes.bytes(),
            "logfile_backups": sd.logfile_backups,
            "loglevel": sd.loglevel.config_name(),
            "pidfile": sd.pidfile.display().to_string(),
            "umask": sd.umask.bits(),
            "nodaemon": sd.nodaemon,
            "silent": sd.silent,
            "minfds": sd.minfds,
            "minprocs": sd.minprocs,
            "nocleanup": sd.nocleanup,
            "childlogdir": sd.childlogdir.display().to_string(),
            "uid": sd.user.as_ref().map(|u| u.uid),
            "gid": sd.user.as_ref().map(|u| u.gid),
            "directory": sd.directory.as_ref().map(|d| d.display().to_string()),
            "strip_ansi": sd.strip_ansi,
            "environment": merged_env(&sd.environment, &[]),
            "identifier": sd.identifier,
        },
        "servers": servers,
        "rpcinterfaces": c.rpcinterfaces.iter().map(|r| json!([r.name, r.factory])).collect::<Vec<_>>(),
        "groups": groups,
        // Our own notices are not Supervisor's (tested on their own).
        "messages": c.messages.iter().filter(|(_, m)| !c.notices.contains(m)).map(|(l, m)| json!([l.config_name(), m])).collect::<Vec<_>>(),
        "supervisorctl": c.supervisorctl.as_ref().map(|s| json!({
            "serverurl": s.serverurl,
            "username": s.username,
            "password": s.password,
            "prompt": s.prompt,
            "history_file": s.history_file.as_ref().map(|h| h.display().to_string()),
        })),
    })
}

/// Our "leave the group alone" gid is `u32::MAX`; Supervisor's is -1.
fn gid(g: u32) -> i64 {
    if g == supervisor_config::UNCHANGED_GID {
        -1
    } else {
        g as i64
    }
}

/// Every differing leaf, as `path: ours != python`.
fn differences(path: &str, ours: &Value, theirs: &Value, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (x, y) = (
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                );
                differences(&format!("{path}.{k}"), x, y, out);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(&format!("{path}[{i}]"), x, y, out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{path}: ours {a} != python {b}")),
    }
}

fn expected_error(file: &Path) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let first = text.lines().next()?;
    first
        .strip_prefix("; expect-error:")
        .or_else(|| first.strip_prefix("# expect-error:"))
        .map(|s| s.trim().to_string())
}

#[test]
fn corpus_matches_python_supervisor() {
    let corpus = corpus_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 40,
        "the corpus has {} files, want at least 40",
        files.len()
    );
    let invalid = files.iter().filter(|f| is_invalid(f)).count();
    assert!(
        invalid >= 15,
        "the corpus has {invalid} invalid files, want at least 15"
    );

    // The demo config and the echo_supervisord_conf sample must be valid for
    // Supervisor too.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    files.push(
        manifest
            .join("../../config/supervisord.conf")
            .canonicalize()
            .unwrap(),
    );
    files.push(manifest.join("samples/sample.conf").canonicalize().unwrap());

    let (host_node_name, python) = python_models(&files, &corpus);
    let loader = Loader::new()
        .env(pinned_env(&corpus))
        .cwd(&corpus)
        .hostname(host_node_name);
    let mut failures = Vec::new();
    for (file, theirs) in files.iter().zip(&python) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let ours = loader.load(file);
        match (ours, theirs.get("error").and_then(Value::as_str)) {
            (Ok(config), None) => {
                let mut diffs = Vec::new();
                differences("", &rust_model(&config, file), theirs, &mut diffs);
                failures.extend(diffs.into_iter().map(|d| format!("{name}: {d}")));
                let toml = file.with_extension("toml");
                if toml.exists() {
                    match loader.load(&toml) {
                        Ok(t) => {
                            let mut diffs = Vec::new();
                            differences("", &rust_model(&t, file), theirs, &mut diffs);
                            failures.extend(
                                diffs.into_iter().map(|d| format!("{name} (as TOML): {d}")),
                            );
                        }
                        Err(e) => failures.push(format!("{name} (as TOML): we reject: {e}")),
                    }
                }
                if is_invalid(file) {
                    failures.push(format!("{name}: an invalid_* file accepted by both"));
                }
            }
            (Ok(_), Some(err)) => {
                failures.push(format!("{name}: Python rejects ({err}) but we accept"))
            }
            (Err(e), None) => failures.push(format!("{name}: we reject ({e}) but Python accepts")),
            (Err(e), Some(err)) => {
                if !is_invalid(file) {
                    failures.push(format!(
                        "{name}: both reject a file not named invalid_*: ours {e} / python {err}"
                    ));
                }
                match expected_error(file) {
                    None => failures.push(format!("{name}: no '; expect-error:' first line")),
                    Some(want) => {
                        let ours = e.to_string();
                        if !ours.contains(&want) {
                            failures.push(format!("{name}: our error {ours:?} lacks {want:?}"));
                        }
                        if !err.contains(&want) {
                            failures.push(format!("{name}: Python's error {err:?} lacks {want:?}"));
                        }
                        if ours.contains("hunter2") {
                            failures.push(format!("{name}: our error shows a password"));
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches with Python Supervisor 4.3.0:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn is_invalid(file: &Path) -> bool {
    file.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("invalid_"))
}
