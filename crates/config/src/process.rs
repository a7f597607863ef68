//! The processes of one program-like section (options.py
//! `_processes_from_section`): options read once in Supervisor's order, then
//! per `process_num` the environment, directory, log files, command and name,
//! expanded with the names Supervisor has at that point, quirks included (the
//! expansion dict is shared and grows across a section's processes;
//! `*_logfile` is expanded twice).

use std::time::Duration;

use supervisor_model::{AutoRestart, ByteSize, Compress, ExitCodes, OctalMode, Rotate, Signal};

use crate::ctx::{Ctx, names};
use crate::error::ConfigError;
use crate::expand::Expansions;
use crate::printf::ExpValue;
use crate::values::{self, boolean, clamped_u32, integer, model, seconds};
use crate::{Backoff, ChannelConfig, LogFile, ProcessConfig};

/// The options of a program-like section that do not depend on `process_num`.
struct Common {
    priority: i64,
    autostart: bool,
    autorestart: AutoRestart,
    startsecs: Duration,
    startretries: u32,
    stopsignal: Signal,
    stopwaitsecs: Duration,
    stopasgroup: bool,
    killasgroup: bool,
    exitcodes: ExitCodes,
    redirect_stderr: bool,
    numprocs: i64,
    numprocs_start: i64,
    stdout_capture: ByteSize,
    stdout_events: bool,
    stderr_capture: ByteSize,
    stderr_events: bool,
    serverurl: Option<String>,
    user: Option<crate::UserSpec>,
    umask: Option<OctalMode>,
    process_name: String,
    essential: bool,
    backoff: Backoff,
    backoff_max: Option<Duration>,
    fatal_retry_after: Option<Duration>,
    die_with_supervisord: bool,
}

fn optional_seconds(
    ctx: &Ctx,
    section: &str,
    key: &str,
    names: &Expansions,
) -> Result<Option<Duration>, ConfigError> {
    match ctx.get(section, key, names)? {
        None => Ok(None),
        Some(v) => Ok(Some(ctx.convert(section, key, &v, seconds)?)),
    }
}

fn common(ctx: &Ctx, section: &str, n: &Expansions) -> Result<Common, ConfigError> {
    let priority = ctx.typed(section, "priority", "999", n, integer)?;
    let autostart = ctx.typed(section, "autostart", "true", n, boolean)?;
    let autorestart = ctx.typed(
        section,
        "autorestart",
        "unexpected",
        n,
        model::<AutoRestart>,
    )?;
    let startsecs = ctx.typed(section, "startsecs", "1", n, seconds)?;
    let startretries = ctx.typed(section, "startretries", "3", n, clamped_u32)?;
    let stopsignal = ctx.typed(section, "stopsignal", "TERM", n, model::<Signal>)?;
    let stopwaitsecs = ctx.typed(section, "stopwaitsecs", "10", n, seconds)?;
    let stopasgroup = ctx.typed(section, "stopasgroup", "false", n, boolean)?;
    let killasgroup = ctx.typed(
        section,
        "killasgroup",
        if stopasgroup { "true" } else { "false" },
        n,
        boolean,
    )?;
    let exitcodes = ctx.typed(section, "exitcodes", "0", n, model::<ExitCodes>)?;
    let redirect_stderr = ctx.typed(section, "redirect_stderr", "false", n, boolean)?;
    let numprocs = ctx.typed(section, "numprocs", "1", n, integer)?;
    let numprocs_start = ctx.typed(section, "numprocs_start", "0", n, |v| {
        let k = integer(v)?;
        if k < 0 {
            Err(format!("{k} is below lower bound (0)"))
        } else {
            Ok(k)
        }
    })?;
    let stdout_capture = ctx.typed(
        section,
        "stdout_capture_maxbytes",
        "0",
        n,
        values::byte_size,
    )?;
    let stdout_events = ctx.typed(section, "stdout_events_enabled", "false", n, boolean)?;
    let stderr_capture = ctx.typed(
        section,
        "stderr_capture_maxbytes",
        "0",
        n,
        values::byte_size,
    )?;
    let stderr_events = ctx.typed(section, "stderr_events_enabled", "false", n, boolean)?;
    let serverurl = ctx
        .get(section, "serverurl", n)?
        .filter(|u| !u.trim().eq_ignore_ascii_case("auto"));
    let user = match ctx.get(section, "user", n)? {
        None => None,
        Some(u) => Some(ctx.convert(section, "user", &u, values::user)?),
    };
    let umask = match ctx.get(section, "umask", n)? {
        None => None,
        Some(u) => Some(ctx.convert(section, "umask", &u, model::<OctalMode>)?),
    };
    let raw_name = ctx
        .text(section, "process_name")?
        .unwrap_or_else(|| "%(program_name)s".into());
    let process_name = ctx.convert(
        section,
        "process_name",
        &raw_name,
        values::process_or_group_name,
    )?;
    if numprocs > 1 && !process_name.contains("%(process_num)") {
        return Err(ctx.err(
            section,
            Some("process_name"),
            "%(process_num) must be present within process_name when numprocs > 1",
        ));
    }
    if stopasgroup && !killasgroup {
        return Err(ctx.err(
            section,
            Some("killasgroup"),
            "Cannot set stopasgroup=true and killasgroup=false",
        ));
    }
    let essential = ctx.typed(section, "essential", "false", n, boolean)?;
    let backoff = ctx.typed(section, "backoff", "linear", n, |v| {
        match v.trim().to_ascii_lowercase().as_str() {
            "linear" => Ok(Backoff::Linear),
            "exponential" => Ok(Backoff::Exponential),
            _ => Err(format!(
                "invalid 'backoff' value '{v}' (linear or exponential)"
            )),
        }
    })?;
    let backoff_max = optional_seconds(ctx, section, "backoff_max", n)?;
    let fatal_retry_after = optional_seconds(ctx, section, "fatal_retry_after", n)?;
    let die_with_supervisord = ctx.typed(section, "die_with_supervisord", "false", n, boolean)?;
    Ok(Common {
        priority,
        autostart,
        autorestart,
        startsecs,
        startretries,
        stopsignal,
        stopwaitsecs,
        stopasgroup,
        killasgroup,
        exitcodes,
        redirect_stderr,
        numprocs,
        numprocs_start,
        stdout_capture,
        stdout_events,
        stderr_capture,
        stderr_events,
        serverurl,
        user,
        umask,
        process_name,
        essential,
        backoff,
        backoff_max,
        fatal_retry_after,
        die_with_supervisord,
    })
}

/// datatypes.py `logfile_name`; paths are made absolute against the load cwd.
fn logfile_name(ctx: &Ctx, value: &str) -> Result<LogFile, String> {
    match value.to_lowercase().as_str() {
        "none" | "off" => Ok(LogFile::None),
        "auto" => Ok(LogFile::Auto),
        "syslog" => Ok(LogFile::Syslog),
        _ => {
            let p = ctx.host.existing_dirpath(value)?;
            Ok(LogFile::Path(ctx.host.normalize(&p.to_string_lossy())))
        }
    }
}

fn channel(
    ctx: &mut Ctx,
    section: &str,
    which: &str,
    n: &Expansions,
    capture: ByteSize,
    events: bool,
) -> Result<ChannelConfig, ConfigError> {
    let lf_key = format!("{which}_logfile");
    let logfile = match ctx.get(section, &lf_key, n)? {
        None => LogFile::Auto,
        Some(once) => {
            let twice = ctx.expand(section, &lf_key, &once, n, &lf_key)?;
            ctx.convert(section, &lf_key, &twice, |v| logfile_name(ctx, v))?
        }
    };
    let logfile_backups = ctx.typed(
        section,
        &format!("{which}_logfile_backups"),
        "10",
        n,
        clamped_u32,
    )?;
    let logfile_maxbytes = ctx.typed(
        section,
        &format!("{which}_logfile_maxbytes"),
        "50MB",
        n,
        values::byte_size,
    )?;
    let logfile_timestamps = ctx.typed(
        section,
        &format!("{which}_logfile_timestamps"),
        "false",
        n,
        boolean,
    )?;
    let logfile_rotate = ctx.typed(
        section,
        &format!("{which}_logfile_rotate"),
        "size",
        n,
        model::<Rotate>,
    )?;
    let logfile_compress = ctx.typed(
        section,
        &format!("{which}_logfile_compress"),
        "none",
        n,
        model::<Compress>,
    )?;
    let sy_key = format!("{which}_syslog");
    let mut syslog = ctx.typed(section, &sy_key, "false", n, boolean)?;
    let mut logfile = logfile;
    if logfile == LogFile::Syslog {
        ctx.warnings.push(format!(
            "For [{section}], {lf_key}=syslog but this is deprecated and will be removed.  Use {sy_key}=true to enable syslog instead."
        ));
        logfile = LogFile::None;
        syslog = true;
    }
    if logfile == LogFile::Auto && logfile_maxbytes.is_zero() {
        ctx.warnings.push(format!(
            "For [{section}], AUTO logging used for {lf_key} without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally"
        ));
    }
    Ok(ChannelConfig {
        logfile,
        logfile_maxbytes,
        logfile_backups,
        capture_maxbytes: capture,
        events_enabled: events,
        syslog,
        logfile_timestamps,
        logfile_rotate,
        logfile_compress,
    })
}

pub(crate) fn processes_from_section(
    ctx: &mut Ctx,
    section: &str,
    group_name: &str,
) -> Result<Vec<ProcessConfig>, ConfigError> {
    let program_name = ctx.section_name(section)?;
    // options.py aliases `expansions` to this dict, so process_num, numprocs and
    // the section's ENV_* stay in it for every later read of the section.
    let mut expansions = names([
        ("here", ExpValue::text(&ctx.here)),
        ("program_name", ExpValue::text(&program_name)),
        ("host_node_name", ExpValue::text(&ctx.hostname)),
        ("group_name", ExpValue::text(group_name)),
    ]);
    let c = common(ctx, section, &expansions)?;
    let mut processes = Vec::with_capacity(usize::try_from(c.numprocs).unwrap_or(0));
    for process_num in c.numprocs_start..c.numprocs_start + c.numprocs.max(0) {
        expansions.insert("process_num".into(), ExpValue::Int(process_num));
        expansions.insert("numprocs".into(), ExpValue::Int(c.numprocs));
        expansions.extend(ctx.environ.iter().map(|(k, v)| (k.clone(), v.clone())));
        let merged = ctx.names(&expansions);
        let from_files = crate::env_files::read(ctx, section, &merged)?;
        let written = ctx.environment(section, "environment", &merged, "environment")?;
        let environment = crate::env_files::overlay(from_files, written);
        for (k, v) in &environment {
            expansions.insert(format!("ENV_{k}"), ExpValue::text(v));
        }
        let directory = ctx.get(section, "directory", &expansions)?.map(Into::into);
        let stdout = channel(
            ctx,
            section,
            "stdout",
            &expansions,
            c.stdout_capture,
            c.stdout_events,
        )?;
        let mut stderr = channel(
            ctx,
            section,
            "stderr",
            &expansions,
            c.stderr_capture,
            c.stderr_events,
        )?;
        if c.redirect_stderr {
            if !matches!(stderr.logfile, LogFile::Auto | LogFile::None) {
                ctx.warnings.push(format!(
                    "For [{section}], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored"
                ));
            }
            stderr.logfile = LogFile::None;
        }
        let Some(command) = ctx.get(section, "command", &expansions)? else {
            return Err(ctx.err(
                section,
                None,
                format!("program section {section} does not specify a command"),
            ));
        };
        let lifecycle = crate::checks::read(ctx, section, &expansions)?;
        let names_now = ctx.names(&expansions);
        let name = ctx.expand(
            section,
            "process_name",
            &c.process_name,
            &names_now,
            "process_name",
        )?;
        processes.push(ProcessConfig {
            name,
            group: group_name.to_string(),
            program: program_name.clone(),
            process_num: u32::try_from(process_num).unwrap_or(u32::MAX),
            command,
            priority: c.priority,
            autostart: c.autostart,
            startsecs: c.startsecs,
            startretries: c.startretries,
            autorestart: c.autorestart,
            exitcodes: c.exitcodes.clone(),
            stopsignal: c.stopsignal,
            stopwaitsecs: c.stopwaitsecs,
            stopasgroup: c.stopasgroup,
            killasgroup: c.killasgroup,
            user: c.user.clone(),
            redirect_stderr: c.redirect_stderr,
            stdout,
            stderr,
            environment,
            directory,
            umask: c.umask,
            serverurl: c.serverurl.clone(),
            essential: c.essential,
            backoff: c.backoff,
            backoff_max: c.backoff_max,
            fatal_retry_after: c.fatal_retry_after,
            depends_on: lifecycle.depends_on,
            ready_check: lifecycle.ready_check,
            health_check: lifecycle.health_check,
            watchdog: lifecycle.watchdog,
            die_with_supervisord: c.die_with_supervisord,
        });
    }
    processes.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
    Ok(processes)
}
