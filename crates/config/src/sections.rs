//! The daemon-wide sections: `[supervisord]` (options.py `read_config`),
//! `[unix_http_server]` / `[inet_http_server]` (`server_configs_from_parser`),
//! `[rpcinterface:x]` (`get_plugins`) and `[supervisorctl]` (`ClientOptions`).
//! Options are read in Supervisor's order so the first error reported is the same.

use supervisor_model::{LogLevel, OctalMode, parse_bool};

use crate::ctx::{Ctx, names};
use crate::error::ConfigError;
use crate::expand::Expansions;
use crate::printf::ExpValue;
use crate::values::{self, clamped_u32, integer, model};
use crate::{
    Credentials, InetHttpServerConfig, LogFile, RpcInterfaceConfig, SupervisorctlConfig,
    SupervisordConfig, UnixHttpServerConfig,
};

const SUPERVISORD: &str = "supervisord";

fn non_negative(v: &str) -> Result<u64, String> {
    let n = integer(v)?;
    u64::try_from(n).map_err(|_| format!("{n} is below lower bound (0)"))
}

/// `[supervisord]`; the raw `user=` is returned apart, to be resolved at the end
/// as Supervisor does in `realize`.
pub(crate) fn supervisord(
    ctx: &mut Ctx,
) -> Result<(SupervisordConfig, Option<String>), ConfigError> {
    let here = names([("here", ExpValue::text(&ctx.here))]);
    let sec = SUPERVISORD;
    let minfds = ctx.typed(sec, "minfds", "1024", &here, non_negative)?;
    let minprocs = ctx.typed(sec, "minprocs", "200", &here, non_negative)?;
    let directory = match ctx.get(sec, "directory", &here)? {
        None => None,
        Some(d) => Some(ctx.convert(sec, "directory", &d, |v| ctx.host.existing_directory(v))?),
    };
    let user = ctx.get(sec, "user", &here)?;
    let umask = ctx.typed(sec, "umask", "022", &here, model::<OctalMode>)?;
    let logfile = ctx.typed(sec, "logfile", "supervisord.log", &here, |v| {
        ctx.host.existing_dirpath(v)
    })?;
    let logfile_maxbytes = ctx.typed(sec, "logfile_maxbytes", "50MB", &here, values::byte_size)?;
    let logfile_backups = ctx.typed(sec, "logfile_backups", "10", &here, clamped_u32)?;
    let loglevel = ctx.typed(sec, "loglevel", "info", &here, model::<LogLevel>)?;
    let pidfile = ctx.typed(sec, "pidfile", "supervisord.pid", &here, |v| {
        ctx.host.existing_dirpath(v)
    })?;
    let identifier = ctx.get_or(sec, "identifier", "supervisor", &here)?;
    let nodaemon = ctx.typed(sec, "nodaemon", "false", &here, |v| {
        parse_bool(v).map_err(|e| e.0)
    })?;
    let silent = ctx.typed(sec, "silent", "false", &here, |v| {
        parse_bool(v).map_err(|e| e.0)
    })?;
    let tempdir = ctx.tempdir.clone();
    let childlogdir = ctx.typed(sec, "childlogdir", &tempdir, &here, |v| {
        ctx.host.existing_directory(v)
    })?;
    let nocleanup = ctx.typed(sec, "nocleanup", "false", &here, |v| {
        parse_bool(v).map_err(|e| e.0)
    })?;
    let strip_ansi = ctx.typed(sec, "strip_ansi", "false", &here, |v| {
        parse_bool(v).map_err(|e| e.0)
    })?;

    // 4.3.0 expands `environment` twice: once by `get`, once more with
    // here/host_node_name/ENV_* (so `%%` cannot yield a literal `%` there).
    let mut second = ctx.environ.clone();
    second.insert("here".into(), ExpValue::text(&ctx.here));
    second.insert("host_node_name".into(), ExpValue::text(&ctx.hostname));
    let first = ctx.names(&here);
    let environment = match ctx.raw.get(sec, "environment").map(|v| v.text.clone()) {
        None => Vec::new(),
        Some(crate::raw::RawText::Text(t)) => {
            let once = ctx.expand(sec, "environment", &t, &first, "supervisord.environment")?;
            let twice = ctx.expand(sec, "environment", &once, &second, "environment")?;
            let pairs = crate::env::parse(&twice)
                .map_err(|e| ctx.value_err(sec, "environment", &twice, e.0))?;
            ctx.check_environment(sec, "environment", &twice);
            pairs
        }
        Some(crate::raw::RawText::Pairs(pairs)) => {
            let mut out = Vec::new();
            for (k, v) in pairs {
                let once = ctx.expand(sec, "environment", &v, &first, "supervisord.environment")?;
                out.push((
                    k,
                    ctx.expand(sec, "environment", &once, &second, "environment")?,
                ));
            }
            out
        }
    };
    for (k, v) in &environment {
        ctx.environ.insert(format!("ENV_{k}"), ExpValue::text(v));
    }
    let reload_keeps_running = ctx.typed(sec, "reload_keeps_running", "false", &here, |v| {
        parse_bool(v).map_err(|e| e.0)
    })?;

    let logfile = if logfile.as_os_str() == "syslog" {
        LogFile::Syslog
    } else {
        LogFile::Path(ctx.host.normalize(&logfile.to_string_lossy()))
    };
    let config = SupervisordConfig {
        logfile,
        logfile_maxbytes,
        logfile_backups,
        loglevel,
        pidfile: ctx.host.normalize(&pidfile.to_string_lossy()),
        umask,
        nodaemon,
        silent,
        minfds,
        minprocs,
        nocleanup,
        childlogdir,
        user: None,
        directory,
        strip_ansi,
        environment,
        identifier,
        reload_keeps_running,
    };
    Ok((config, user))
}

/// `[rpcinterface:x]` in section order. Extra keys are expanded (as Supervisor
/// does when it passes them to the factory) so a broken one fails the same way.
pub(crate) fn rpcinterfaces(ctx: &Ctx) -> Result<Vec<RpcInterfaceConfig>, ConfigError> {
    const FACTORY: &str = "supervisor.rpcinterface_factory";
    let none = Expansions::new();
    let mut out = Vec::new();
    for section in ctx
        .raw
        .section_names()
        .filter(|n| n.starts_with("rpcinterface:"))
    {
        let name = section.split_once(':').map_or("", |(_, n)| n).to_string();
        let Some(factory) = ctx.get(section, FACTORY, &none)? else {
            return Err(ctx.err(
                section,
                None,
                format!("section [{section}] does not specify a {FACTORY}"),
            ));
        };
        if !factory.contains(':') && !factory.contains('.') {
            return Err(ctx.err(
                section,
                Some(FACTORY),
                format!("{factory} cannot be resolved within [{section}]"),
            ));
        }
        for key in ctx.raw.options(section) {
            if key != FACTORY {
                ctx.get(section, &key, &none)?;
            }
        }
        out.push(RpcInterfaceConfig { name, factory });
    }
    Ok(out)
}

fn credentials(ctx: &Ctx, section: &str) -> Result<Option<Credentials>, ConfigError> {
    let none = Expansions::new();
    let username = ctx.get(section, "username", &none)?;
    let password = ctx.get(section, "password", &none)?;
    match (username, password) {
        (None, None) => Ok(None),
        (Some(username), Some(password)) => Ok(Some(Credentials { username, password })),
        _ => Err(ctx.err(
            section,
            None,
            format!(
                "Section [{section}] contains incomplete authentication: If a username or a \
                 password is specified, both the username and password must be specified"
            ),
        )),
    }
}

/// `[inet_http_server*]` then `[unix_http_server*]`, each in section order.
pub(crate) fn servers(
    ctx: &Ctx,
) -> Result<(Vec<InetHttpServerConfig>, Vec<UnixHttpServerConfig>), ConfigError> {
    let none = Expansions::new();
    let mut inet = Vec::new();
    for section in ctx
        .raw
        .section_names()
        .filter(|n| n.starts_with("inet_http_server"))
    {
        let auth = credentials(ctx, section)?;
        let Some(port) = ctx.get(section, "port", &none)? else {
            return Err(ctx.err(
                section,
                None,
                format!("section [{section}] has no port value"),
            ));
        };
        let (host, port) = ctx.convert(section, "port", &port, values::inet_address)?;
        inet.push(InetHttpServerConfig {
            section: section.to_string(),
            host,
            port,
            auth,
        });
    }
    let here = names([("here", ExpValue::text(&ctx.here))]);
    let mut unix = Vec::new();
    for section in ctx
        .raw
        .section_names()
        .filter(|n| n.starts_with("unix_http_server"))
    {
        let Some(file) = ctx.get(section, "file", &here)? else {
            return Err(ctx.err(
                section,
                None,
                format!("section [{section}] has no file value"),
            ));
        };
        let file = ctx.host.normalize(file.trim());
        let auth = credentials(ctx, section)?;
        let chown = match ctx.get(section, "chown", &none)? {
            None => None,
            Some(c) => Some(ctx.convert(section, "chown", &c, |v| {
                values::user_group(v).map_err(|_| format!("Invalid sockchown value {v}"))
            })?),
        };
        let chmod = match ctx.get(section, "chmod", &none)? {
            None => OctalMode(0o700),
            Some(c) => ctx.convert(section, "chmod", &c, |v| {
                v.parse::<OctalMode>()
                    .map_err(|_| format!("Invalid chmod value {v}"))
            })?,
        };
        unix.push(UnixHttpServerConfig {
            section: section.to_string(),
            file,
            chmod,
            chown,
            auth,
        });
    }
    Ok((inet, unix))
}

/// `[supervisorctl]` as `ClientOptions.read_config` reads it (here = the main
/// file's directory, unix:// paths normalised); `None` without the section.
pub(crate) fn supervisorctl(ctx: &Ctx) -> Result<Option<SupervisorctlConfig>, ConfigError> {
    const SEC: &str = "supervisorctl";
    if !ctx.raw.has_section(SEC) {
        return Ok(None);
    }
    let here = names([("here", ExpValue::text(&ctx.here))]);
    let none = Expansions::new();
    let mut serverurl = ctx.get_or(SEC, "serverurl", "http://localhost:9001", &here)?;
    if let Some(path) = serverurl.strip_prefix("unix://") {
        serverurl = format!("unix://{}", ctx.host.normalize(path).display());
    }
    let prompt = ctx.get_or(SEC, "prompt", "supervisor", &none)?;
    let username = ctx.get(SEC, "username", &none)?;
    let password = ctx.get(SEC, "password", &none)?;
    let history_file = ctx
        .get(SEC, "history_file", &here)?
        .filter(|h| !h.is_empty())
        .map(|h| ctx.host.normalize(&h));
    Ok(Some(SupervisorctlConfig {
        serverurl,
        username,
        password,
        prompt,
        history_file,
        warnings: crate::foreign::ctlplugin_warnings(ctx.raw),
    }))
}

/// Default `childlogdir`: Python's `tempfile.gettempdir()` (TMPDIR, TEMP, TMP,
/// then /tmp), approximated without probing writability.
pub(crate) fn tempdir(env: &[(String, String)], host: &values::Host) -> String {
    for var in ["TMPDIR", "TEMP", "TMP"] {
        if let Some((_, v)) = env.iter().find(|(k, _)| k == var)
            && !v.is_empty()
            && host.cwd.join(v).is_dir()
        {
            return values::normpath(&host.cwd.join(v))
                .to_string_lossy()
                .into_owned();
        }
    }
    "/tmp".to_string()
}
