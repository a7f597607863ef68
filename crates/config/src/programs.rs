//! Process groups (options.py `process_groups_from_parser`): `[group:x]` first,
//! then homogeneous `[program:x]`, `[eventlistener:x]` pools and
//! `[fcgi-program:x]`, sorted by (priority, name); listener events and FastCGI
//! sockets are validated here, the processes themselves in `process.rs`.

use std::sync::Arc;
use std::time::Duration;

use supervisor_model::OctalMode;

use crate::ctx::{Ctx, names};
use crate::error::ConfigError;
use crate::expand::Expansions;
use crate::printf::ExpValue;
use crate::values::{self, boolean, integer, seconds};
use crate::{EventListenerConfig, FcgiConfig, GroupConfig, GroupKind, ProcessConfig, Strategy};

/// Supervisor's event type names (events.py `EventTypes`).
pub const EVENT_TYPES: &[&str] = &[
    "EVENT",
    "PROCESS_COMMUNICATION",
    "PROCESS_COMMUNICATION_STDERR",
    "PROCESS_COMMUNICATION_STDOUT",
    "PROCESS_GROUP",
    "PROCESS_GROUP_ADDED",
    // Beyond Supervisor: a group past its max_restarts (README, "Beyond Supervisor: resilience options").
    "PROCESS_GROUP_FAILED",
    "PROCESS_GROUP_REMOVED",
    // Beyond Supervisor: ready and health checks (README, "Dependencies, readiness
    // and health checks").
    "PROCESS_HEALTH",
    "PROCESS_HEALTH_HEALTHY",
    "PROCESS_HEALTH_READY",
    "PROCESS_HEALTH_UNHEALTHY",
    "PROCESS_LOG",
    "PROCESS_LOG_STDERR",
    "PROCESS_LOG_STDOUT",
    "PROCESS_STATE",
    "PROCESS_STATE_BACKOFF",
    "PROCESS_STATE_EXITED",
    "PROCESS_STATE_FATAL",
    "PROCESS_STATE_RUNNING",
    "PROCESS_STATE_STARTING",
    "PROCESS_STATE_STOPPED",
    "PROCESS_STATE_STOPPING",
    "PROCESS_STATE_UNKNOWN",
    "REMOTE_COMMUNICATION",
    "SUPERVISOR_STATE_CHANGE",
    "SUPERVISOR_STATE_CHANGE_RUNNING",
    "SUPERVISOR_STATE_CHANGE_STOPPING",
    "TICK",
    "TICK_3600",
    "TICK_5",
    "TICK_60",
];

/// The default `result_handler` of listener pools.
pub const DEFAULT_RESULT_HANDLER: &str = "supervisor.dispatchers:default_handler";

/// The default `restart_window` of the group strategy extension.
pub const DEFAULT_RESTART_WINDOW: Duration = Duration::from_secs(60);

fn group(
    name: String,
    priority: i64,
    kind: GroupKind,
    processes: Vec<ProcessConfig>,
) -> GroupConfig {
    // Not `into_iter().map(Arc::new).collect()`: std collects that in place, so the
    // Vec of Arcs would keep the buffer of the configs it came from (at least four
    // 680-byte slots) for the daemon's life: 2.7 kB per program (BENCHMARKS.md, idle
    // memory).
    let mut shared = Vec::with_capacity(processes.len());
    shared.extend(processes.into_iter().map(Arc::new));
    GroupConfig {
        name,
        priority,
        kind,
        processes: shared,
        strategy: Strategy::OneForOne,
        max_restarts: None,
        restart_window: DEFAULT_RESTART_WINDOW,
        essential: false,
    }
}

/// Extension options of a group, read from the section that defines the group.
fn group_extensions(ctx: &Ctx, section: &str, group: &mut GroupConfig) -> Result<(), ConfigError> {
    let here = names([("here", ExpValue::text(&ctx.here))]);
    group.strategy = ctx.typed(section, "strategy", "one_for_one", &here, |v| {
        match v.trim().to_ascii_lowercase().as_str() {
            "one_for_one" => Ok(Strategy::OneForOne),
            "one_for_all" => Ok(Strategy::OneForAll),
            "rest_for_one" => Ok(Strategy::RestForOne),
            _ => Err(format!(
                "invalid 'strategy' value '{v}' (one_for_one, one_for_all or rest_for_one)"
            )),
        }
    })?;
    group.max_restarts = match ctx.get(section, "max_restarts", &here)? {
        None => None,
        Some(v) => Some(ctx.convert(section, "max_restarts", &v, |v| {
            let n = integer(v)?;
            u32::try_from(n).map_err(|_| format!("{n} is below lower bound (0)"))
        })?),
    };
    group.restart_window = ctx.typed(section, "restart_window", "60", &here, seconds)?;
    group.essential = ctx.typed(section, "essential", "false", &here, boolean)?;
    // A `[group:x]`'s dependencies are every member's (a program section's own are
    // read with its processes).
    if section.starts_with("group:")
        && let Some(v) = ctx.get(section, "depends_on", &here)?
    {
        let deps = ctx.convert(section, "depends_on", &v, |v| {
            crate::checks::dependencies(section, v)
        })?;
        for p in &mut group.processes {
            std::sync::Arc::make_mut(p)
                .depends_on
                .extend(deps.iter().cloned());
        }
    }
    Ok(())
}

pub(crate) fn groups(ctx: &mut Ctx) -> Result<Vec<GroupConfig>, ConfigError> {
    let here = names([("here", ExpValue::text(&ctx.here))]);
    let all: Vec<String> = ctx.raw.section_names().map(String::from).collect();
    let mut groups = Vec::new();
    let mut grouped: Vec<String> = Vec::new();

    for section in all.iter().filter(|n| n.starts_with("group:")) {
        let group_name = ctx.section_name(section)?;
        let programs =
            values::list_of_strings(&ctx.get(section, "programs", &here)?.unwrap_or_default());
        let priority = ctx.typed(section, "priority", "999", &here, integer)?;
        // options.py reuses its loop variable, so after the first program the
        // messages name the previous program's section; kept for identical text.
        let mut current = section.clone();
        let mut processes = Vec::new();
        for program in programs {
            let p = format!("program:{program}");
            let f = format!("fcgi-program:{program}");
            let chosen = match (all.contains(&p), all.contains(&f)) {
                (false, false) => {
                    return Err(ctx.err(
                        section,
                        Some("programs"),
                        format!("[{current}] names unknown program or fcgi-program {program}"),
                    ));
                }
                (true, true) => {
                    return Err(ctx.err(section, Some("programs"), format!("[{current}] name {program} is ambiguous (exists as program and fcgi-program)")));
                }
                (true, false) => p,
                (false, true) => f,
            };
            grouped.push(chosen.clone());
            processes.extend(crate::process::processes_from_section(
                ctx,
                &chosen,
                &group_name,
            )?);
            current = chosen;
        }
        let mut g = group(group_name, priority, GroupKind::Program, processes);
        group_extensions(ctx, section, &mut g)?;
        groups.push(g);
    }

    for section in all
        .iter()
        .filter(|n| n.starts_with("program:") && !grouped.contains(n))
    {
        let program_name = ctx.section_name(section)?;
        let priority = ctx.typed(section, "priority", "999", &here, integer)?;
        let processes = crate::process::processes_from_section(ctx, section, &program_name)?;
        let mut g = group(program_name, priority, GroupKind::Program, processes);
        group_extensions(ctx, section, &mut g)?;
        groups.push(g);
    }

    for section in all.iter().filter(|n| n.starts_with("eventlistener:")) {
        // Pool names are not validated by Supervisor (the processes' are).
        let pool_name = section.split_once(':').map_or("", |(_, n)| n).to_string();
        let priority = ctx.typed(section, "priority", "-1", &here, integer)?;
        let buffer_size = ctx.typed(section, "buffer_size", "10", &here, integer)?;
        if buffer_size < 1 {
            return Err(ctx.err(
                section,
                Some("buffer_size"),
                format!("[{section}] section sets invalid buffer_size ({buffer_size})"),
            ));
        }
        let result_handler =
            ctx.get_or(section, "result_handler", DEFAULT_RESULT_HANDLER, &here)?;
        let events = listener_events(ctx, section, &here)?;
        if ctx.typed(section, "redirect_stderr", "false", &here, boolean)? {
            return Err(ctx.err(section, Some("redirect_stderr"), format!(
                "[{section}] section sets redirect_stderr=true but this is not allowed because it \
                 will interfere with the eventlistener protocol"
            )));
        }
        let processes = crate::process::processes_from_section(ctx, section, &pool_name)?;
        let kind = GroupKind::EventListener(EventListenerConfig {
            events,
            buffer_size: usize::try_from(buffer_size).unwrap_or(usize::MAX),
            result_handler,
        });
        let mut g = group(pool_name, priority, kind, processes);
        group_extensions(ctx, section, &mut g)?;
        groups.push(g);
    }

    for section in all
        .iter()
        .filter(|n| n.starts_with("fcgi-program:") && !grouped.contains(n))
    {
        let program_name = ctx.section_name(section)?;
        let priority = ctx.typed(section, "priority", "999", &here, integer)?;
        let fcgi = fcgi_socket(ctx, section, &program_name, &here)?;
        let processes = crate::process::processes_from_section(ctx, section, &program_name)?;
        let mut g = group(program_name, priority, GroupKind::Fcgi(fcgi), processes);
        group_extensions(ctx, section, &mut g)?;
        groups.push(g);
    }

    // Python's list.sort is stable, like sort_by.
    groups.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
    Ok(groups)
}

fn listener_events(
    ctx: &Ctx,
    section: &str,
    here: &Expansions,
) -> Result<Vec<String>, ConfigError> {
    let text = ctx.get_or(section, "events", "", here)?;
    let mut events: Vec<String> = Vec::new();
    for name in values::list_of_strings(&text) {
        let upper = name.to_uppercase();
        if !events.contains(&upper) {
            events.push(upper);
        }
    }
    if events.is_empty() {
        return Err(ctx.err(
            section,
            Some("events"),
            format!("[{section}] section requires an \"events\" line"),
        ));
    }
    if let Some(bad) = events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
        return Err(ctx.err(
            section,
            Some("events"),
            format!("Unknown event type {bad} in [{section}] events"),
        ));
    }
    Ok(events)
}

fn fcgi_socket(
    ctx: &Ctx,
    section: &str,
    program_name: &str,
    here: &Expansions,
) -> Result<FcgiConfig, ConfigError> {
    let proc_uid = match ctx.get(section, "user", here)? {
        None => None,
        Some(u) => Some(ctx.convert(section, "user", &u, values::user)?),
    };
    let socket_backlog = match ctx.get(section, "socket_backlog", here)? {
        None => None,
        Some(v) => Some(ctx.convert(section, "socket_backlog", &v, |v| {
            let n = integer(v)?;
            if (1..=65535).contains(&n) {
                Ok(n as u32)
            } else {
                Err(format!("Invalid socket_backlog value {n}"))
            }
        })?),
    };
    let socket_owner = match ctx.get(section, "socket_owner", here)? {
        None => None,
        Some(v) => Some(ctx.convert(section, "socket_owner", &v, |v| {
            values::user_group(v).map_err(|_| format!("Invalid socket_owner value {v}"))
        })?),
    };
    let socket_mode = match ctx.get(section, "socket_mode", here)? {
        None => None,
        Some(v) => Some(ctx.convert(section, "socket_mode", &v, |v| {
            v.parse::<OctalMode>()
                .map_err(|_| format!("Invalid socket_mode value {v}"))
        })?),
    };
    let mut fcgi_names = here.clone();
    fcgi_names.insert("program_name".into(), ExpValue::text(program_name));
    let socket = ctx.get(section, "socket", &fcgi_names)?.unwrap_or_default();
    if socket.is_empty() {
        return Err(ctx.err(
            section,
            Some("socket"),
            format!("[{section}] section requires a \"socket\" line"),
        ));
    }
    let bad = |m: String| {
        ctx.err(
            section,
            Some("socket"),
            format!("{m} in [{section}] socket"),
        )
    };
    if let Some(path) = socket.strip_prefix("unix://") {
        if !path.starts_with('/') {
            return Err(bad(format!(
                "Unix socket path {path} is not an absolute path"
            )));
        }
        let path = ctx.host.normalize(path);
        let socket_owner = socket_owner.or_else(|| {
            let me = nix::unistd::Uid::current().as_raw();
            proc_uid
                .as_ref()
                .filter(|u| u.uid != me)
                .map(|u| (u.uid, u.gid))
        });
        return Ok(FcgiConfig {
            socket: format!("unix://{}", path.display()),
            socket_backlog,
            socket_owner,
            socket_mode: socket_mode.unwrap_or(OctalMode(0o700)),
        });
    }
    if socket_owner.is_some() || socket_mode.is_some() {
        return Err(bad(
            "socket_owner and socket_mode params should only be used with a Unix domain socket"
                .into(),
        ));
    }
    let tcp = socket.strip_prefix("tcp://").and_then(|rest| {
        let (host, port) = rest.rsplit_once(':')?;
        let ok_host =
            !host.is_empty() && !host.contains(':') && !host.chars().any(char::is_whitespace);
        let ok_port = !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
        (ok_host && ok_port).then(|| (host.to_lowercase(), port.parse::<u64>().ok()))
    });
    match tcp {
        Some((host, Some(port))) if (1..=65535).contains(&port) => Ok(FcgiConfig {
            socket: format!("tcp://{host}:{port}"),
            socket_backlog,
            socket_owner: None,
            socket_mode: OctalMode(0o700),
        }),
        Some((_, Some(0))) => Err(bad("0 is below lower bound (1)".into())),
        Some((_, port)) => Err(bad(format!(
            "{} is above upper bound (65535)",
            port.unwrap_or(u64::MAX)
        ))),
        None => Err(bad(format!("Bad socket format {socket}"))),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Each group's list of configs holds exactly its processes: no buffer left
    /// over from building them (what an idle daemon keeps per program).
    #[test]
    fn groups_keep_no_spare_config_slots() {
        let text = "[supervisord]\n[program:one]\ncommand=/bin/true\n\
                    [program:many]\ncommand=/bin/true\nnumprocs=3\n\
                    process_name=%(program_name)s_%(process_num)d\n";
        let config = crate::Loader::new()
            .cwd(Path::new("/tmp"))
            .load_text(Path::new("/tmp/s.conf"), text)
            .unwrap();
        for group in &config.groups {
            assert_eq!(group.processes.capacity(), group.processes.len());
        }
        assert_eq!(config.groups.len(), 2);
    }
}
