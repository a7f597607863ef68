//! The warnings of `foreign`, through a whole config load.

use std::path::Path;

use crate::{Config, Loader};

fn load(dir: &Path, text: &str) -> Config {
    let path = dir.join("sd.conf");
    std::fs::write(&path, text).unwrap();
    Loader::new().cwd(dir).load(&path).unwrap()
}

const SD: &str = "[supervisord]\nlogfile=%(here)s/s.log\npidfile=%(here)s/s.pid\n\n";
const RPC: &str = "[rpcinterface:supervisor]\n\
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n";

#[test]
fn python_code_is_named_with_its_factory_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{SD}[unix_http_server]\nfile=%(here)s/s.sock\n\n{RPC}\
         [rpcinterface:twiddler]\nsupervisor.rpcinterface_factory = supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface\n\n\
         [ctlplugin:quick]\nsupervisor.ctl_factory = superlance.quick:make_plugin\n\n\
         [eventlistener:mon]\ncommand=/bin/cat\nevents=TICK_5\nresult_handler=mypkg:handle\n"
    );
    let config = load(tmp.path(), &text);
    let file = tmp.path().join("sd.conf").display().to_string();
    assert_eq!(
        config.notices,
        [
            format!(
                "[rpcinterface:twiddler] (file: '{file}', line 12): its factory \
                 supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface is Python code \
                 supervisor-rs cannot load; the methods it would add are not available"
            ),
            format!(
                "[ctlplugin:quick] (file: '{file}', line 15): its factory \
                 superlance.quick:make_plugin is a Python supervisorctl plugin; \
                 supervisor-rs's supervisorctl cannot load it, so the commands it adds are \
                 not available"
            ),
            format!(
                "[eventlistener:mon] (file: '{file}', line 20): result_handler mypkg:handle \
                 is Python code supervisor-rs cannot load; the default handler is used \
                 (OK = processed, anything else = rejected)"
            ),
        ]
    );
    // Logged as warnings, after Supervisor's own.
    let warns: Vec<&String> = config.messages.iter().map(|(_, m)| m).collect();
    assert_eq!(warns.len(), 3);
}

#[test]
fn a_missing_supervisor_interface_is_reported_only_with_a_server() {
    let tmp = tempfile::tempdir().unwrap();
    let config = load(tmp.path(), &format!("{SD}[program:a]\ncommand=/bin/cat\n"));
    assert_eq!(config.notices, Vec::<String>::new());
    let config = load(
        tmp.path(),
        &format!("{SD}[inet_http_server]\nport=127.0.0.1:9001\n"),
    );
    assert_eq!(config.notices.len(), 1);
    assert!(
        config.notices[0].starts_with("no [rpcinterface:supervisor] section (file: '"),
        "{:?}",
        config.notices
    );
    let other = format!(
        "{SD}[unix_http_server]\nfile=%(here)s/s.sock\n\n[rpcinterface:supervisor]\n\
         supervisor.rpcinterface_factory = mypkg:make\n"
    );
    let config = load(tmp.path(), &other);
    assert!(
        config.notices[0].ends_with("supervisor-rs serves its own supervisor.* methods instead"),
        "{:?}",
        config.notices
    );
}

#[test]
fn other_supervisors_options_are_named_with_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{SD}[program:web]\ncommand=/bin/cat\nafter=db\nenvFiles=/etc/web.env\n\
         backoff=exponential\nWorkingDirectory=/srv\n\n[program-default]\nautostart=false\n"
    );
    let config = load(tmp.path(), &text);
    let file = tmp.path().join("sd.conf").display().to_string();
    assert_eq!(
        config.notices,
        [
            format!(
                "option 'after' in section 'program:web' (file: '{file}', line 7) is \
                 systemd's (ordering after other units), not Supervisor's: supervisor-rs does \
                 not implement it and ignores it, as Supervisor does; use depends_on instead"
            ),
            format!(
                "option 'envfiles' in section 'program:web' (file: '{file}', line 8) is \
                 ochinchina/supervisord's (environment read from files (envFiles)), not \
                 Supervisor's: supervisor-rs does not implement it and ignores it, as \
                 Supervisor does"
            ),
            format!(
                "option 'workingdirectory' in section 'program:web' (file: '{file}', line 10) \
                 is systemd's (the working directory (WorkingDirectory=)), not Supervisor's: \
                 supervisor-rs does not implement it and ignores it, as Supervisor does; \
                 use directory instead"
            ),
            format!(
                "section [program-default] (file: '{file}', line 12) is \
                 ochinchina/supervisord's (defaults for every program section), not \
                 Supervisor's; it is ignored, as Supervisor ignores it"
            ),
        ]
    );
    // Still loaded, and still Supervisor's model otherwise.
    assert_eq!(config.groups.len(), 1);
}

#[test]
fn the_table_has_no_supervisor_or_extension_options() {
    // A row for an option we read would warn about a working option.
    for known in [
        "command",
        "directory",
        "user",
        "environment",
        "autorestart",
        "numprocs",
        "stopsignal",
        "stopwaitsecs",
        "startsecs",
        "priority",
        "strategy",
        "max_restarts",
        "restart_window",
        "essential",
        "backoff",
        "backoff_max",
        "fatal_retry_after",
    ] {
        assert!(crate::foreign_option(known).is_none(), "{known}");
    }
    for row in crate::FOREIGN_OPTIONS {
        assert_eq!(
            row.key,
            row.key.to_ascii_lowercase(),
            "configparser lower-cases keys"
        );
    }
}

#[test]
fn environment_truncation_names_what_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{SD}[program:app]\ncommand=/bin/cat\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)d\n\
         environment=PYTHONPATH=$PYTHONPATH:/home/x\n\n\
         [program:db]\ncommand=/bin/cat\nenvironment=DB_PASSWORD=abc def\n"
    );
    let config = load(tmp.path(), &text);
    let app = config.processes().next().unwrap();
    assert_eq!(
        app.environment,
        [("PYTHONPATH".to_string(), "$".to_string())]
    );
    let file = tmp.path().join("sd.conf").display().to_string();
    // Once, though two processes read the value.
    assert_eq!(config.notices.len(), 2, "{:?}", config.notices);
    assert_eq!(
        config.notices[0],
        format!(
            "environment in section 'program:app' (file: '{file}', line 9): Supervisor's \
             parser keeps PYTHONPATH=$ and drops 'PYTHONPATH:/home/x' after it: an unquoted \
             value ends at the first character that is not a letter, a digit or one of \
             _/.+-():; quote the value to keep it whole (Supervisor does not expand $NAME; \
             %(ENV_NAME)s inserts a variable)"
        )
    );
    // The password's pieces are not shown.
    let db = &config.notices[1];
    assert!(db.contains("line 13"), "{db}");
    assert!(!db.contains("abc") && !db.contains("def"), "{db}");
    assert!(db.contains("DB_PASSWORD=<3 characters, not shown>"), "{db}");
}
