//! Unit tests of update planning: which processes restart, which change live, which
//! come and go, for real configs loaded from text.

use super::*;
use supervisor_config::Loader;

fn load(programs: &str) -> Config {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.conf");
    let text = format!("[supervisord]\nlogfile=/tmp/x.log\npidfile=/tmp/x.pid\n{programs}");
    std::fs::write(&path, text).unwrap();
    Loader::new()
        .env(Vec::new())
        .cwd(dir.path())
        .load(&path)
        .unwrap()
}

fn running(_: &str, _: &str) -> ProcessState {
    ProcessState::Running
}

fn steps_of(plan: &Plan, group: &str) -> Vec<ProcessStep> {
    match plan.steps.iter().find(|s| s.name() == group) {
        Some(GroupStep::Change { processes, .. }) => processes.clone(),
        other => panic!("{group} is not a per-process change: {other:?}"),
    }
}

const WEB: &str = "[program:web]\ncommand=/bin/web\nprocess_name=web_%(process_num)d\n";

#[test]
fn an_unchanged_config_plans_nothing() {
    let c = load(&format!("{WEB}numprocs=2\n[program:db]\ncommand=/bin/db\n"));
    assert_eq!(
        plan(&c, &c, &[], running),
        Plan {
            unknown: vec![],
            steps: vec![]
        }
    );
}

#[test]
fn a_changed_command_restarts_only_that_process() {
    let old =
        load("[group:g]\nprograms=a,b\n[program:a]\ncommand=/bin/a\n[program:b]\ncommand=/bin/b\n");
    let new = load(
        "[group:g]\nprograms=a,b\n[program:a]\ncommand=/bin/a2\n[program:b]\ncommand=/bin/b\n",
    );
    let p = plan(&old, &new, &[], running);
    assert_eq!(
        steps_of(&p, "g"),
        [ProcessStep {
            name: "a".into(),
            action: ProcessAction::Restart {
                fields: vec!["command"],
                start: true
            }
        }]
    );
}

#[test]
fn numprocs_growing_and_shrinking_adds_and_removes_only_the_extra() {
    let two = load(&format!("{WEB}numprocs=2\n"));
    let four = load(&format!("{WEB}numprocs=4\n"));
    let one = load(&format!("{WEB}numprocs=1\n"));
    let add = |n: &str| ProcessStep {
        name: n.into(),
        action: ProcessAction::Add { start: true },
    };
    let remove = |n: &str| ProcessStep {
        name: n.into(),
        action: ProcessAction::Remove,
    };
    assert_eq!(
        steps_of(&plan(&two, &four, &[], running), "web"),
        [add("web_2"), add("web_3")]
    );
    assert_eq!(
        steps_of(&plan(&four, &one, &[], running), "web"),
        [remove("web_1"), remove("web_2"), remove("web_3")]
    );
}

#[test]
fn live_options_apply_in_place_and_autostart_on_starts_a_stopped_process() {
    let old = load("[program:a]\ncommand=/bin/a\nautostart=false\n");
    let new = load(
        "[program:a]\ncommand=/bin/a\nautostart=true\nstartsecs=5\nstdout_logfile_maxbytes=1KB\n\
         stopsignal=INT\n",
    );
    let stopped = |_: &str, _: &str| ProcessState::Stopped;
    let fields = vec![
        "autostart",
        "startsecs",
        "stopsignal",
        "stdout_logfile_maxbytes",
    ];
    assert_eq!(
        steps_of(&plan(&old, &new, &[], stopped), "a")[0].action,
        ProcessAction::Live {
            fields: fields.clone(),
            start: true
        }
    );
    // Already running: nothing to start.
    assert_eq!(
        steps_of(&plan(&old, &new, &[], running), "a")[0].action,
        ProcessAction::Live {
            fields,
            start: false
        }
    );
}

#[test]
fn a_restart_starts_again_what_ran_or_is_autostart() {
    let old = load("[program:a]\ncommand=/bin/a\nautostart=false\n");
    let new = load("[program:a]\ncommand=/bin/a2\nautostart=false\n");
    let action = |s: ProcessState| {
        steps_of(&plan(&old, &new, &[], |_, _| s), "a")[0]
            .action
            .clone()
    };
    let restart = |start| ProcessAction::Restart {
        fields: vec!["command"],
        start,
    };
    assert_eq!(action(ProcessState::Running), restart(true));
    assert_eq!(action(ProcessState::Backoff), restart(true));
    assert_eq!(action(ProcessState::Stopped), restart(false));
    assert_eq!(action(ProcessState::Fatal), restart(false));
    let auto = load("[program:a]\ncommand=/bin/a2\nenvironment=X=1\n");
    assert_eq!(
        steps_of(&plan(&old, &auto, &[], |_, _| ProcessState::Fatal), "a")[0].action,
        ProcessAction::Restart {
            fields: vec!["command", "autostart", "environment"],
            start: true
        }
    );
}

#[test]
fn restart_relevant_options_restart() {
    let old = load("[program:a]\ncommand=/bin/a\n");
    for option in [
        "directory=/tmp",
        "umask=077",
        "redirect_stderr=true",
        "stdout_logfile=/tmp/a.out",
        "serverurl=http://x",
        "environment=A=1",
    ] {
        let new = load(&format!("[program:a]\ncommand=/bin/a\n{option}\n"));
        let action = &steps_of(&plan(&old, &new, &[], running), "a")[0].action;
        assert!(
            matches!(action, ProcessAction::Restart { start: true, .. }),
            "{option}: {action:?}"
        );
    }
}

#[test]
fn groups_in_supervisors_order_limited_to_the_wanted_ones() {
    let old = load("[program:gone]\ncommand=/bin/g\n[program:edit]\ncommand=/bin/e\n");
    let new = load(
        "[program:edit]\ncommand=/bin/e2\n[program:zz]\ncommand=/bin/z\n[program:aa]\ncommand=/bin/a\n",
    );
    let p = plan(&old, &new, &[], running);
    let names: Vec<&str> = p.steps.iter().map(GroupStep::name).collect();
    assert_eq!(names, ["gone", "edit", "aa", "zz"]);
    assert!(matches!(p.steps[0], GroupStep::Remove { .. }));
    assert!(matches!(p.steps[2], GroupStep::Add { .. }));
    let wanted = vec![
        "zz".to_string(),
        "nosuch".into(),
        "gone".into(),
        "nosuch".into(),
    ];
    let p = plan(&old, &new, &wanted, running);
    let names: Vec<&str> = p.steps.iter().map(GroupStep::name).collect();
    assert_eq!(names, ["gone", "zz"]);
    assert_eq!(p.unknown, ["nosuch"]);
}

#[test]
fn a_listener_pool_changes_live_or_is_replaced_whole() {
    let pool = |extra: &str| {
        load(&format!(
            "[eventlistener:l]\ncommand=/bin/l\nevents=TICK_5\n\
             process_name=l%(process_num)d\n{extra}"
        ))
    };
    let old = pool("numprocs=2\n");
    let p = plan(
        &old,
        &pool("numprocs=2\nevents=TICK_60\nbuffer_size=3\nstartsecs=4\n"),
        &[],
        running,
    );
    assert!(
        matches!(&p.steps[0], GroupStep::Change { live, processes, .. }
            if live == &["buffer_size", "events"] && processes.len() == 2),
        "{p:?}"
    );
    let p = plan(&old, &pool("numprocs=3\n"), &[], running);
    assert!(
        matches!(&p.steps[0], GroupStep::Replace { fields, .. } if fields == &["numprocs"]),
        "{p:?}"
    );
    let p = plan(
        &old,
        &pool("numprocs=2\nstdout_events_enabled=true\n"),
        &[],
        running,
    );
    assert!(
        matches!(&p.steps[0], GroupStep::Replace { fields, .. }
            if fields == &["stdout_events_enabled"]),
        "{p:?}"
    );
}

#[test]
fn a_group_with_a_strategy_is_replaced_when_members_move_or_its_strategy_changes() {
    let group = |extra: &str, numprocs: u32| {
        load(&format!(
            "[program:w]\ncommand=/bin/w\nprocess_name=w%(process_num)d\n\
             numprocs={numprocs}\n{extra}"
        ))
    };
    let replaced = |p: &Plan| match &p.steps[0] {
        GroupStep::Replace { fields, .. } => fields.clone(),
        other => panic!("not replaced: {other:?}"),
    };
    let old = group("strategy=one_for_all\n", 2);
    assert_eq!(
        replaced(&plan(
            &old,
            &group("strategy=one_for_all\n", 3),
            &[],
            running
        )),
        ["numprocs"]
    );
    assert_eq!(
        replaced(&plan(
            &old,
            &group("strategy=rest_for_one\n", 2),
            &[],
            running
        )),
        ["strategy"]
    );
    assert_eq!(
        replaced(&plan(
            &group("", 2),
            &group("max_restarts=3\n", 2),
            &[],
            running
        )),
        ["max_restarts"]
    );
    // Members keeping their places: restarted or changed in place as usual.
    let p = plan(
        &old,
        &group("strategy=one_for_all\nstartsecs=5\n", 2),
        &[],
        running,
    );
    assert!(matches!(&p.steps[0], GroupStep::Change { .. }), "{p:?}");
    // Supervisor's one_for_one without a limit: numprocs changes in place.
    let p = plan(&group("", 2), &group("", 3), &[], running);
    assert!(matches!(&p.steps[0], GroupStep::Change { .. }), "{p:?}");
}

#[test]
fn a_group_that_changes_kind_is_replaced_and_group_options_apply_live() {
    let old = load("[program:p]\ncommand=/bin/p\npriority=5\n");
    let new = load("[eventlistener:p]\ncommand=/bin/p\nevents=TICK_5\npriority=5\n");
    let p = plan(&old, &new, &[], running);
    assert!(
        matches!(&p.steps[0], GroupStep::Replace { fields, .. } if fields == &["kind"]),
        "{p:?}"
    );
    let old = load("[group:g]\nprograms=a\npriority=1\n[program:a]\ncommand=/bin/a\n");
    let new = load("[group:g]\nprograms=a\npriority=2\n[program:a]\ncommand=/bin/a\n");
    assert!(matches!(
        &plan(&old, &new, &[], running).steps[0],
        GroupStep::Change { live, processes, .. } if live == &["priority"] && processes.is_empty()
    ));
}

#[test]
fn an_fcgi_program_whose_socket_options_change_is_replaced() {
    let conf = |socket: &str| {
        load(&format!(
            "[fcgi-program:php]\ncommand=/bin/php\nnumprocs=2\n\
             process_name=%(program_name)s_%(process_num)s\n{socket}"
        ))
    };
    let old = conf("socket=unix:///tmp/php.sock\n");
    for new in [
        "socket=unix:///tmp/other.sock\n",
        "socket=unix:///tmp/php.sock\nsocket_mode=0777\n",
        "socket=unix:///tmp/php.sock\nsocket_backlog=5\n",
        "socket=tcp://127.0.0.1:9000\n",
    ] {
        let p = plan(&old, &conf(new), &[], running);
        assert!(
            matches!(&p.steps[..], [GroupStep::Replace { fields, .. }] if fields == &["socket"]),
            "{new}: {p:?}"
        );
    }
    assert!(
        plan(&old, &conf("socket=unix:///tmp/php.sock\n"), &[], running)
            .steps
            .is_empty()
    );
}
