//! Reading the options beyond Supervisor that say when a process is up and well:
//! `depends_on`, `ready_check` (`ready_timeout`, `ready_interval`), `health_check`
//! (`health_interval`, `health_timeout`, `health_retries`, `health_start_period`)
//! and `watchdog_sec` (README, "Dependencies, readiness and health checks").
//! Python Supervisor ignores these keys, so a file stays loadable by it. Targets
//! of `depends_on` are resolved later, once every group exists (`deps.rs`).

use std::time::Duration;

use supervisor_model::parse_duration;

use crate::ctx::Ctx;
use crate::error::ConfigError;
use crate::expand::Expansions;
use crate::values::integer;
use crate::{Condition, Dependency, HealthCheck, Probe, ReadyCheck};

/// A section's checks and dependencies, as written.
pub(crate) struct Lifecycle {
    pub depends_on: Vec<Dependency>,
    pub ready_check: Option<ReadyCheck>,
    pub health_check: Option<HealthCheck>,
    pub watchdog: Option<Duration>,
}

fn duration(v: &str) -> Result<Duration, String> {
    parse_duration(v).map_err(|e| e.0)
}

fn positive(v: &str) -> Result<Duration, String> {
    let d = duration(v)?;
    if d.is_zero() {
        Err("must be longer than 0".into())
    } else {
        Ok(d)
    }
}

/// `depends_on = db:healthy required, migrate:completed, grp:*`.
pub(crate) fn dependencies(section: &str, value: &str) -> Result<Vec<Dependency>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| dependency(section, entry))
        .collect()
}

fn dependency(section: &str, entry: &str) -> Result<Dependency, String> {
    let mut words: Vec<&str> = entry.split_whitespace().collect();
    let required = words.last() == Some(&"required");
    if required {
        words.pop();
    }
    let [spec] = words.as_slice() else {
        return Err(format!(
            "'{entry}' is not TARGET[:CONDITION] [required] (conditions: started, ready, \
             healthy, completed)"
        ));
    };
    let (target, condition) = match spec.rsplit_once(':') {
        Some((t, c)) => match Condition::ALL.into_iter().find(|k| k.name() == c) {
            Some(k) => (t, k),
            None => (*spec, Condition::Started),
        },
        None => (*spec, Condition::Started),
    };
    if target.is_empty() || target.starts_with(':') {
        return Err(format!("'{entry}' names no program or group"));
    }
    Ok(Dependency {
        target: target.to_string(),
        condition,
        required,
        processes: Vec::new(),
        section: section.to_string(),
    })
}

/// A probe: `tcp://host:port`, `http://host:port/path [status=200-399]`,
/// `exec:COMMAND`, `log:REGEX` or `notify`.
pub(crate) fn probe(value: &str) -> Result<Probe, String> {
    let v = value.trim();
    if v == "notify" {
        return Ok(Probe::Notify);
    }
    if let Some(command) = v.strip_prefix("exec:") {
        if command.trim().is_empty() {
            return Err("exec: needs a command".into());
        }
        return Ok(Probe::Exec {
            command: command.trim().to_string(),
        });
    }
    if let Some(pattern) = v.strip_prefix("log:") {
        regex::Regex::new(pattern).map_err(|e| format!("log: bad regular expression: {e}"))?;
        return Ok(Probe::Log {
            pattern: pattern.to_string(),
        });
    }
    if let Some(rest) = v.strip_prefix("tcp://") {
        let (host, port) = host_port(rest)?;
        return Ok(Probe::Tcp { host, port });
    }
    if let Some(rest) = v.strip_prefix("http://") {
        let (url, status) = match rest.split_once(char::is_whitespace) {
            Some((url, opts)) => (url, status_range(opts.trim())?),
            None => (rest, (200, 399)),
        };
        let (authority, path) = match url.find('/') {
            Some(i) => (&url[..i], &url[i..]),
            None => (url, "/"),
        };
        let (host, port) = host_port(authority)?;
        return Ok(Probe::Http {
            host,
            port,
            path: path.to_string(),
            status,
        });
    }
    Err(format!(
        "'{v}' is not tcp://HOST:PORT, http://HOST:PORT/PATH, exec:COMMAND, log:REGEX or notify"
    ))
}

fn host_port(text: &str) -> Result<(String, u16), String> {
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| format!("'{text}' has no port"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!("'{text}' has no host"));
    }
    let port: u16 = port
        .parse()
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(|| format!("'{port}' is not a port number"))?;
    Ok((host.to_string(), port))
}

/// `status=200-399` or `status=204`.
fn status_range(opts: &str) -> Result<(u16, u16), String> {
    let spec = opts
        .strip_prefix("status=")
        .ok_or_else(|| format!("'{opts}': only status=LOW-HIGH may follow the URL"))?;
    let parse = |s: &str| {
        s.trim()
            .parse::<u16>()
            .ok()
            .filter(|n| (100..=599).contains(n))
            .ok_or_else(|| format!("'{s}' is not an HTTP status"))
    };
    let (low, high) = match spec.split_once('-') {
        Some((a, b)) => (parse(a)?, parse(b)?),
        None => (parse(spec)?, parse(spec)?),
    };
    if low > high {
        return Err(format!("status range {low}-{high} is empty"));
    }
    Ok((low, high))
}

/// The options of `section` (a program-like section).
pub(crate) fn read(ctx: &Ctx, section: &str, n: &Expansions) -> Result<Lifecycle, ConfigError> {
    let depends_on = match ctx.get(section, "depends_on", n)? {
        Some(v) => ctx.convert(section, "depends_on", &v, |v| dependencies(section, v))?,
        None => Vec::new(),
    };
    let ready_check = match ctx.get(section, "ready_check", n)? {
        None => None,
        Some(v) => Some(ReadyCheck {
            probe: ctx.convert(section, "ready_check", &v, probe)?,
            timeout: ctx.typed(section, "ready_timeout", "60", n, positive)?,
            interval: ctx.typed(section, "ready_interval", "1", n, positive)?,
        }),
    };
    let health_check = match ctx.get(section, "health_check", n)? {
        None => None,
        Some(v) => {
            let probe = ctx.convert(section, "health_check", &v, probe)?;
            if matches!(probe, Probe::Log { .. }) {
                return Err(ctx.err(
                    section,
                    Some("health_check"),
                    "log: is a ready check only (a line once seen says nothing about now)",
                ));
            }
            Some(HealthCheck {
                probe,
                interval: ctx.typed(section, "health_interval", "10", n, positive)?,
                timeout: ctx.typed(section, "health_timeout", "5", n, positive)?,
                retries: ctx.typed(section, "health_retries", "3", n, |v| {
                    let k = integer(v)?;
                    u32::try_from(k)
                        .ok()
                        .filter(|&k| k > 0)
                        .ok_or_else(|| format!("{k} is below lower bound (1)"))
                })?,
                start_period: ctx.typed(section, "health_start_period", "0", n, duration)?,
            })
        }
    };
    let watchdog = match ctx.get(section, "watchdog_sec", n)? {
        None => None,
        Some(v) => Some(ctx.convert(section, "watchdog_sec", &v, positive)?),
    };
    let speaks_notify = |p: &Option<Probe>| p.as_ref() == Some(&Probe::Notify);
    if watchdog.is_some()
        && !speaks_notify(&ready_check.as_ref().map(|r| r.probe.clone()))
        && !speaks_notify(&health_check.as_ref().map(|h| h.probe.clone()))
    {
        return Err(ctx.err(
            section,
            Some("watchdog_sec"),
            "watchdog_sec needs ready_check = notify or health_check = notify (the \
             program sends WATCHDOG=1 on its notify socket)",
        ));
    }
    if health_check
        .as_ref()
        .is_some_and(|h| h.probe == Probe::Notify)
        && watchdog.is_none()
    {
        return Err(ctx.err(
            section,
            Some("health_check"),
            "health_check = notify needs watchdog_sec (how often WATCHDOG=1 must come)",
        ));
    }
    Ok(Lifecycle {
        depends_on,
        ready_check,
        health_check,
        watchdog,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_entries() {
        let deps = dependencies(
            "program:app",
            " db:healthy required, migrate:completed, grp:*, web,cache:ready ",
        )
        .unwrap();
        let brief: Vec<(String, Condition, bool)> = deps
            .iter()
            .map(|d| (d.target.clone(), d.condition, d.required))
            .collect();
        assert_eq!(
            brief,
            [
                ("db".into(), Condition::Healthy, true),
                ("migrate".into(), Condition::Completed, false),
                ("grp:*".into(), Condition::Started, false),
                ("web".into(), Condition::Started, false),
                ("cache".into(), Condition::Ready, false),
            ]
        );
        assert_eq!(deps[0].to_string(), "db:healthy required");
        // A namespec keeps its colon; a condition word ends it.
        let d = dependencies("program:x", "grp:web:ready").unwrap();
        assert_eq!(
            (d[0].target.as_str(), d[0].condition),
            ("grp:web", Condition::Ready)
        );
        for bad in ["db healthy", ":ready", "db:ready optional"] {
            assert!(dependencies("program:x", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn probes() {
        assert_eq!(
            probe("tcp://127.0.0.1:5432"),
            Ok(Probe::Tcp {
                host: "127.0.0.1".into(),
                port: 5432
            })
        );
        assert_eq!(
            probe("http://localhost:8080/health status=200-204"),
            Ok(Probe::Http {
                host: "localhost".into(),
                port: 8080,
                path: "/health".into(),
                status: (200, 204)
            })
        );
        assert_eq!(
            probe("http://[::1]:80").unwrap().to_string(),
            "http://[::1]:80/"
        );
        assert_eq!(
            probe("exec:pg_isready -q"),
            Ok(Probe::Exec {
                command: "pg_isready -q".into()
            })
        );
        assert_eq!(probe("notify"), Ok(Probe::Notify));
        assert!(probe("log:listening on (\\d+").is_err());
        for bad in [
            "tcp://host",
            "tcp://:80",
            "udp://x:1",
            "http://x:1/ code=200",
            "exec:",
        ] {
            assert!(probe(bad).is_err(), "{bad}");
        }
    }
}
