//! Loading: find the file (options.py `default_configfile`), read it and its
//! `[include]` files into the raw layer (`read_config`'s include rules, options.py `ServerOptions.read_config`),
//! then build the typed [`Config`] section by section in Supervisor's order, and
//! resolve what Supervisor resolves in `realize` (the `[supervisord]` user).

use std::path::{Path, PathBuf};

use supervisor_model::LogLevel;

use crate::ctx::Ctx;
use crate::error::ConfigError;
use crate::expand::Expansions;
use crate::printf::ExpValue;
use crate::raw::RawConfig;
use crate::values::{Host, normpath, python_dirname};
use crate::{Config, SupervisorctlConfig, ini, sections, values};

/// Loads configs with explicit host facts. [`crate::load`] uses the real process
/// environment, working directory and host name; tests (and a daemon that wants to
/// reread with the environment it started with) can pin them.
#[derive(Debug, Clone, Default)]
pub struct Loader {
    env: Option<Vec<(String, String)>>,
    cwd: Option<PathBuf>,
    hostname: Option<String>,
}

impl Loader {
    pub fn new() -> Self {
        Self::default()
    }

    /// The environment `%(ENV_X)s` sees (default: the process environment).
    pub fn env(mut self, vars: impl IntoIterator<Item = (String, String)>) -> Self {
        self.env = Some(vars.into_iter().collect());
        self
    }

    /// The directory relative paths are resolved against (default: the cwd).
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// `%(host_node_name)s` (default: the host name).
    pub fn hostname(mut self, name: impl Into<String>) -> Self {
        self.hostname = Some(name.into());
        self
    }

    fn env_vars(&self) -> Vec<(String, String)> {
        match &self.env {
            Some(v) => v.clone(),
            None => std::env::vars_os()
                .map(|(k, v)| {
                    (
                        k.to_string_lossy().into_owned(),
                        v.to_string_lossy().into_owned(),
                    )
                })
                .collect(),
        }
    }

    fn host(&self, env: &[(String, String)]) -> Host {
        let cwd = self
            .cwd
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("/"));
        let home = env
            .iter()
            .find(|(k, _)| k == "HOME")
            .map(|(_, v)| v.clone());
        Host { home, cwd }
    }

    fn hostname_now(&self) -> String {
        self.hostname.clone().unwrap_or_else(|| {
            nix::unistd::gethostname()
                .map(|h| h.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
    }

    /// Loads `path` as supervisord does (`.toml` → TOML, anything else → INI).
    pub fn load(&self, path: &Path) -> Result<Config, ConfigError> {
        let env = self.env_vars();
        let host = self.host(&env);
        let source = normpath(&host.cwd.join(path));
        let mut raw = RawConfig::default();
        read_into(&mut raw, &source)?;
        self.build(raw, source, env, host)
    }

    /// [`Loader::load`] of `text` as if it were the file at `path` (`.toml` → TOML),
    /// for the fuzz targets. `[include]` is followed on the real file system.
    #[doc(hidden)]
    pub fn load_text(&self, path: &Path, text: &str) -> Result<Config, ConfigError> {
        let env = self.env_vars();
        let host = self.host(&env);
        let source = normpath(&host.cwd.join(path));
        let mut raw = RawConfig::default();
        parse_into(&mut raw, &source, text)?;
        self.build(raw, source, env, host)
    }

    /// The typed config from the main file's raw content (includes read here).
    fn build(
        &self,
        mut raw: RawConfig,
        source: PathBuf,
        env: Vec<(String, String)>,
        host: Host,
    ) -> Result<Config, ConfigError> {
        no_nul(&raw)?;
        let here = python_dirname(&source.to_string_lossy()).to_string();
        let hostname = self.hostname_now();
        let environ: Expansions = env
            .iter()
            .map(|(k, v)| (format!("ENV_{k}"), ExpValue::text(v)))
            .collect();
        let mut infos = Vec::new();
        let mut warnings = Vec::new();
        if raw.has_section("include") {
            includes(
                &mut raw,
                &source,
                &here,
                &hostname,
                &environ,
                &mut infos,
                &mut warnings,
            )?;
            no_nul(&raw)?;
        }
        if !raw.has_section("supervisord") {
            return Err(ConfigError::MissingSection {
                file: source,
                section: "supervisord".into(),
            });
        }
        let tempdir = sections::tempdir(&env, &host);
        let mut ctx = Ctx {
            raw: &raw,
            host,
            here,
            hostname,
            environ,
            tempdir,
            warnings,
            infos,
            notices: Vec::new(),
        };
        let (mut supervisord, user) = sections::supervisord(&mut ctx)?;
        let rpcinterfaces = sections::rpcinterfaces(&ctx)?;
        let mut groups = crate::programs::groups(&mut ctx)?;
        crate::deps::resolve(&ctx, &mut groups)?;
        let (inet_http_servers, unix_http_servers) = sections::servers(&ctx)?;
        if let Some(user) = user {
            supervisord.user = Some(ctx.convert("supervisord", "user", &user, values::user)?);
        }
        let supervisorctl = self.load_supervisorctl(&source).ok().flatten();
        let mut notices = std::mem::take(&mut ctx.notices);
        notices.extend(crate::foreign::supervisord_warnings(&raw));
        let mut messages: Vec<(LogLevel, String)> = ctx
            .warnings
            .drain(..)
            .chain(notices.iter().cloned())
            .map(|m| (LogLevel::Warn, m))
            .collect();
        messages.extend(ctx.infos.drain(..).map(|m| (LogLevel::Info, m)));
        Ok(Config {
            source,
            supervisord,
            unix_http_servers,
            inet_http_servers,
            supervisorctl,
            rpcinterfaces,
            groups,
            messages,
            notices,
        })
    }

    /// `[supervisorctl]` as supervisorctl reads it (`ClientOptions.read_config`):
    /// the main file only, no includes. `Ok(None)` when the file has no such
    /// section (supervisorctl then says `.ini file does not include supervisorctl
    /// section`, or runs with defaults when no file was found at all).
    pub fn load_supervisorctl(
        &self,
        path: &Path,
    ) -> Result<Option<SupervisorctlConfig>, ConfigError> {
        let env = self.env_vars();
        let host = self.host(&env);
        let source = normpath(&host.cwd.join(path));
        let mut raw = RawConfig::default();
        read_into(&mut raw, &source)?;
        no_nul(&raw)?;
        let here = python_dirname(&source.to_string_lossy()).to_string();
        let environ: Expansions = env
            .iter()
            .map(|(k, v)| (format!("ENV_{k}"), ExpValue::text(v)))
            .collect();
        let ctx = Ctx {
            raw: &raw,
            host,
            here,
            hostname: String::new(),
            environ,
            tempdir: String::new(),
            warnings: Vec::new(),
            infos: Vec::new(),
            notices: Vec::new(),
        };
        sections::supervisorctl(&ctx)
    }
}

/// Reads one file into the raw layer, by extension.
pub(crate) fn read_into(raw: &mut RawConfig, path: &Path) -> Result<(), ConfigError> {
    if !path.exists() {
        return Err(ConfigError::NotFound {
            path: path.to_path_buf(),
        });
    }
    let text = read_text(path)?;
    parse_into(raw, path, &text)
}

/// Parses `text` (the content of `path`) into the raw layer, by extension.
fn parse_into(raw: &mut RawConfig, path: &Path, text: &str) -> Result<(), ConfigError> {
    if path.extension().is_some_and(|e| e == "toml") {
        crate::toml_in::read(raw, path, text)
    } else {
        let sections = ini::parse(text, path).map_err(|e| with_file(e, path))?;
        raw.add_file(path, sections);
        Ok(())
    }
}

fn no_nul(raw: &RawConfig) -> Result<(), ConfigError> {
    raw.nul_error().map_or(Ok(()), Err)
}

/// A config file's text; bytes that are not UTF-8 are reported with their line.
pub(crate) fn read_text(path: &Path) -> Result<String, ConfigError> {
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        ConfigError::Encoding {
            path: path.to_path_buf(),
            line: 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count(),
            byte: bytes[at],
        }
    })
}

/// The INI reader reports positions only; attach the file name.
fn with_file(e: ConfigError, path: &Path) -> ConfigError {
    match e {
        ConfigError::Syntax { line, text, .. } => ConfigError::Syntax {
            file: path.to_path_buf(),
            line,
            text,
        },
        ConfigError::NoSectionHeader { line, text, .. } => ConfigError::NoSectionHeader {
            file: path.to_path_buf(),
            line,
            text,
        },
        other => other,
    }
}

/// options.py `read_config`, the `[include]` part.
fn includes(
    raw: &mut RawConfig,
    source: &Path,
    here: &str,
    hostname: &str,
    environ: &Expansions,
    infos: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> Result<(), ConfigError> {
    raw.expand_here(here);
    let location = Box::new(raw.location("include", "files"));
    let files = match raw.get("include", "files").map(|v| v.text.clone()) {
        None => {
            return Err(ConfigError::Section {
                message: ".ini file has [include] section, but no files setting".into(),
                at: location,
            });
        }
        Some(crate::raw::RawText::Text(t)) => t,
        Some(crate::raw::RawText::Pairs(_)) => {
            return Err(ConfigError::Section {
                message: "[include] files must be a list".into(),
                at: location,
            });
        }
    };
    let mut names = environ.clone();
    names.insert("here".into(), ExpValue::Str(here.to_string()));
    names.insert("host_node_name".into(), ExpValue::Str(hostname.to_string()));
    let files = crate::expand::expand(&files, &names, "include.files").map_err(|message| {
        ConfigError::Expansion {
            option: "files".into(),
            message,
            at: location,
        }
    })?;
    let base = python_dirname(&source.to_string_lossy()).to_string();
    for pattern in files.split_whitespace() {
        let pattern = if pattern.starts_with('/') {
            pattern.to_string()
        } else if base.ends_with('/') {
            format!("{base}{pattern}")
        } else {
            format!("{base}/{pattern}")
        };
        let mut matches = glob_like_python(&pattern);
        if matches.is_empty() {
            warnings.push(format!("No file matches via include \"{pattern}\""));
            continue;
        }
        matches.sort();
        for filename in matches {
            infos.push(format!("Included extra file \"{filename}\" during parsing"));
            let path = PathBuf::from(&filename);
            // configparser's `read` skips files it cannot open; parse errors are fatal.
            match read_into(raw, &path) {
                Err(ConfigError::Read { .. } | ConfigError::NotFound { .. }) => continue,
                other => other?,
            }
            let dir = python_dirname(&normpath(&path).to_string_lossy()).to_string();
            raw.expand_here(&dir);
        }
    }
    Ok(())
}

/// Python `glob.glob`: `*` and `?` do not match a leading dot; results are the
/// pattern's spelling of each path.
fn glob_like_python(pattern: &str) -> Vec<String> {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    // Python's glob is not recursive by default: `**` is just `*` there, while the
    // glob crate would descend into subdirectories (or reject `a**`).
    let mut pattern = pattern.to_string();
    while pattern.contains("**") {
        pattern = pattern.replace("**", "*");
    }
    match glob::glob_with(&pattern, options) {
        Ok(paths) => paths
            .filter_map(Result::ok)
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn loader(dir: &Path) -> Loader {
        Loader::new()
            .env(vec![("SECRET_ENV".into(), "x".into())])
            .cwd(dir)
            .hostname("testhost")
    }

    const SD: &str = "[supervisord]\nlogfile=%(here)s/s.log\npidfile=%(here)s/s.pid\n";

    #[test]
    fn include_messages_and_here_per_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(
            dir,
            "conf.d/a.conf",
            "[program:a]\ncommand=%(here)s/a %(host_node_name)s\n",
        );
        let main = write(
            dir,
            "main.conf",
            &format!("{SD}[include]\nfiles=conf.d/*.conf none/*.conf\n"),
        );
        let config = loader(dir).load(&main).unwrap();
        let d = dir.display();
        assert_eq!(
            config.processes().next().unwrap().command,
            format!("{d}/conf.d/a testhost")
        );
        assert_eq!(
            config.messages,
            vec![
                (
                    LogLevel::Warn,
                    format!("No file matches via include \"{d}/none/*.conf\"")
                ),
                (
                    LogLevel::Info,
                    format!("Included extra file \"{d}/conf.d/a.conf\" during parsing")
                ),
            ]
        );
        assert_eq!(config.source, main);
        let p = config.processes().next().unwrap();
        assert_eq!(p.namespec(), "a");
    }

    #[test]
    fn errors_name_file_line_section_option_and_value() {
        let tmp = tempfile::tempdir().unwrap();
        let main = write(
            tmp.path(),
            "s.conf",
            &format!("{SD}[program:x]\ncommand=/bin/x\nstartsecs=abc\n"),
        );
        let text = loader(tmp.path()).load(&main).unwrap_err().to_string();
        assert_eq!(
            text,
            format!(
                "invalid value for 'startsecs': invalid literal for int() with base 10: 'abc' \
                 in section 'program:x' (file: '{}', line 6)",
                main.display()
            )
        );
        let toml = write(tmp.path(), "t.toml", "[supervisord]\nminfds = [1\n");
        let e = loader(tmp.path()).load(&toml).unwrap_err();
        assert!(matches!(e, ConfigError::Toml { line: 2, .. }), "{e}");
    }

    #[test]
    fn passwords_never_shown() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let cases = [
            "[inet_http_server]\nport=9001\npassword=hunter2\n",
            "[inet_http_server]\nport=9001\nusername=u\npassword=hunter2%(nope)s\n",
            "[inet_http_server]\nport=9001\npassword hunter2\n",
            "[inet_http_server]\nport=9001\n[DEFAULT]\npassword=%(hunter2\n",
        ];
        let first_line = write(dir, "first.conf", "password=hunter2\n[supervisord]\n");
        let e = loader(dir).load(&first_line).unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        for case in cases {
            let main = write(dir, "p.conf", &format!("{SD}{case}"));
            let e = loader(dir).load(&main).unwrap_err();
            assert!(!e.to_string().contains("hunter2"), "{e}");
            assert!(!format!("{e:?}").contains("hunter2"), "{e:?}");
        }
        let main = write(
            dir,
            "ok.conf",
            &format!(
                "{SD}[inet_http_server]\nport=9001\nusername=u\npassword=hunter2\n[supervisorctl]\npassword=hunter2\n"
            ),
        );
        let config = loader(dir).load(&main).unwrap();
        assert_eq!(
            config.inet_http_servers[0].auth.as_ref().unwrap().password,
            "hunter2"
        );
        assert_eq!(
            config.supervisorctl.as_ref().unwrap().password.as_deref(),
            Some("hunter2")
        );
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn supervisorctl_reads_only_the_main_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let main = write(
            dir,
            "c.conf",
            "[supervisorctl]\nserverurl=unix://%(here)s/../x/./s.sock\n",
        );
        let ctl = loader(dir).load_supervisorctl(&main).unwrap().unwrap();
        let parent = dir.parent().unwrap().display();
        assert_eq!(ctl.serverurl, format!("unix://{parent}/x/s.sock"));
        assert_eq!(ctl.prompt, "supervisor");
        let e = loader(dir).load(&main).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(".ini file does not include supervisord section"),
            "{e}"
        );
    }
}
