//! Resolution and refusal of `depends_on`, through the loader.

use crate::{Condition, Config, ConfigError, Loader};

const SD: &str = "[supervisord]\nlogfile=%(here)s/s.log\npidfile=%(here)s/s.pid\n\n";

fn load(text: &str) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sd.conf");
    std::fs::write(&path, format!("{SD}{text}")).unwrap();
    Loader::new().cwd(dir.path()).load(&path)
}

fn deps_of(config: &Config, group: &str, name: &str) -> Vec<(Condition, bool, Vec<String>)> {
    let p = config
        .groups
        .iter()
        .find(|g| g.name == group)
        .and_then(|g| g.processes.iter().find(|p| p.name == name))
        .unwrap();
    p.depends_on
        .iter()
        .map(|d| {
            let ns = d
                .processes
                .iter()
                .map(|(g, p)| supervisor_model::namespec::make(g, p))
                .collect();
            (d.condition, d.required, ns)
        })
        .collect()
}

#[test]
fn targets_resolve_to_processes() {
    let config = load(
        "[program:db]\ncommand=/bin/db\nready_check=tcp://127.0.0.1:5432\n\
         [program:migrate]\ncommand=/bin/m\nautorestart=false\n\
         [program:web]\ncommand=/bin/w\nprocess_name=w%(process_num)d\nnumprocs=2\n\
         [program:cache]\ncommand=/bin/c\n\
         [group:back]\nprograms=cache\n\
         [program:app]\ncommand=/bin/a\n\
         depends_on=db:ready required, migrate:completed, web, cache, back:*, web:w1\n\
         [group:front]\nprograms=app\ndepends_on=db\n",
    )
    .unwrap();
    assert_eq!(
        deps_of(&config, "front", "app"),
        [
            (Condition::Ready, true, vec!["db".to_string()]),
            (Condition::Completed, false, vec!["migrate".to_string()]),
            (
                Condition::Started,
                false,
                vec!["web:w0".to_string(), "web:w1".to_string()]
            ),
            // A program inside a [group:x] is found by its program name too.
            (Condition::Started, false, vec!["back:cache".to_string()]),
            (Condition::Started, false, vec!["back:cache".to_string()]),
            (Condition::Started, false, vec!["web:w1".to_string()]),
            // The group's own depends_on, for each member.
            (Condition::Started, false, vec!["db".to_string()]),
        ]
    );
}

fn refused(text: &str) -> String {
    load(text).unwrap_err().to_string()
}

#[test]
fn unknown_targets_cycles_and_unmeetable_conditions_are_refused_with_their_line() {
    let e = refused("[program:app]\ncommand=/bin/a\ndepends_on=nope\n");
    assert!(
        e.contains("depends_on: 'nope' names no program, group or process") && e.contains("line 7"),
        "{e}"
    );
    let e = refused(
        "[program:a]\ncommand=/bin/a\ndepends_on=b\n[program:b]\ncommand=/bin/b\ndepends_on=c\n\
         [program:c]\ncommand=/bin/c\ndepends_on=a\n",
    );
    assert!(e.contains("dependency cycle a → b → c → a"), "{e}");
    let e = refused("[program:a]\ncommand=/bin/a\ndepends_on=a\n");
    assert!(e.contains("dependency cycle a → a"), "{e}");
    let e =
        refused("[program:a]\ncommand=/bin/a\ndepends_on=b:ready\n[program:b]\ncommand=/bin/b\n");
    assert!(
        e.contains("b has no ready_check, so it is never 'ready'"),
        "{e}"
    );
    let e =
        refused("[program:a]\ncommand=/bin/a\ndepends_on=b:healthy\n[program:b]\ncommand=/bin/b\n");
    assert!(e.contains("b has no health_check"), "{e}");
    let e = refused(
        "[program:a]\ncommand=/bin/a\ndepends_on=b:completed\n\
         [program:b]\ncommand=/bin/b\nautorestart=true\n",
    );
    assert!(
        e.contains("b has autorestart=true, so it never stays 'completed'"),
        "{e}"
    );
    let e = refused("[program:a]\ncommand=/bin/a\nready_check=udp://x:1\n");
    assert!(e.contains("ready_check") && e.contains("line 7"), "{e}");
    let e = refused("[program:a]\ncommand=/bin/a\nhealth_check=log:ok\n");
    assert!(e.contains("log: is a ready check only"), "{e}");
    let e = refused("[program:a]\ncommand=/bin/a\nready_check=notify\nwatchdog_sec=0\n");
    assert!(e.contains("watchdog_sec"), "{e}");
}

#[test]
fn check_options_have_defaults_and_units() {
    let config = load(
        "[program:a]\ncommand=/bin/a\nready_check=http://localhost:80%(process_num)d/up\n\
         ready_interval=250ms\nhealth_check=exec:/bin/true\nhealth_retries=5\n",
    )
    .unwrap();
    let p = &config.groups[0].processes[0];
    let ready = p.ready_check.as_ref().unwrap();
    assert_eq!(ready.probe.to_string(), "http://localhost:800/up");
    assert_eq!(ready.timeout, std::time::Duration::from_secs(60));
    assert_eq!(ready.interval, std::time::Duration::from_millis(250));
    let health = p.health_check.as_ref().unwrap();
    assert_eq!(health.retries, 5);
    assert_eq!(health.interval, std::time::Duration::from_secs(10));
    assert_eq!(health.timeout, std::time::Duration::from_secs(5));
}
