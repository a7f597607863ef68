//! supervisorctl's command line and `[supervisorctl]` settings, as Supervisor 4.3's
//! `ClientOptions.realize` builds them: getopt over the options of
//! `supervisor_model::cli::supervisorctl` (the one table that also feeds `-h`, the man
//! page and the completions), option handlers in command-line order (so `-h` wins
//! over a later bad value, but a getopt error anywhere wins over `-h`),
//! `conflicting command line option` for repeats, then the config file (given or
//! searched) and the defaults. Precedence: command line > config file > default. It
//! prints nothing and never exits: [`Early`] says what the binary must print.

use std::path::{Path, PathBuf};

use supervisor_model::cli::supervisorctl::{OPTIONS, Opt};
use supervisor_model::getopt::getopt;

use crate::url::check_url;

/// The default `serverurl` (options.py `ClientOptions`).
pub const DEFAULT_SERVERURL: &str = "http://localhost:9001";

/// Everything supervisorctl runs with.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    pub serverurl: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The shell prompt without the `> ` suffix.
    pub prompt: String,
    /// `history_file` of `[supervisorctl]` (the `-r` option has no effect in 4.3).
    pub history_file: Option<PathBuf>,
    /// `-i`, or no action given: confirmations and login prompts are asked.
    pub interactive: bool,
    /// The action and its arguments; empty = start the shell.
    pub args: Vec<String>,
    /// Warnings about the config file (`[ctlplugin:x]` plugins we cannot load),
    /// printed on stderr before anything runs.
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("serverurl", &self.serverurl)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("prompt", &self.prompt)
            .field("history_file", &self.history_file)
            .field("interactive", &self.interactive)
            .field("args", &self.args)
            .finish()
    }
}

/// Why supervisorctl stops before running anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Early {
    /// `-h` / `-?`: this text goes to stdout, exit 0.
    Help(String),
    /// A usage error: `Error: <msg>` and `For help, use <argv0> -h` on stderr, exit 2.
    Usage(String),
}

impl Early {
    /// What to print, to which stream, and the exit status.
    pub fn render(&self, argv0: &str) -> (String, String, i32) {
        match self {
            Early::Help(text) => (text.clone(), String::new(), 0),
            Early::Usage(msg) => (
                String::new(),
                format!("Error: {msg}\nFor help, use {argv0} -h\n"),
                2,
            ),
        }
    }
}

/// The command-line half: what the options say, before any config file is read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct CommandLine {
    pub configfile: Option<String>,
    pub interactive: bool,
    pub serverurl: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub args: Vec<String>,
}

/// The `-h` text for `argv0`.
pub fn help_text(argv0: &str) -> String {
    supervisor_model::cli::supervisorctl::help(argv0)
}

/// `Options.realize` up to (not including) the config file.
pub(crate) fn parse_command_line(argv0: &str, args: &[String]) -> Result<CommandLine, Early> {
    let args: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    let (given, positional) = getopt(OPTIONS, &args).map_err(Early::Usage)?;
    let mut cl = CommandLine {
        args: positional
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        ..CommandLine::default()
    };
    let mut history: Option<String> = None;
    for g in given {
        let value = g.text();
        let slot: &mut Option<String> = match g.id {
            Opt::Help => return Err(Early::Help(help_text(argv0))),
            Opt::Interactive => {
                if cl.interactive {
                    return Err(conflict(&g.spelled));
                }
                cl.interactive = true;
                continue;
            }
            Opt::ServerUrl => {
                check_url(&value).map_err(|msg| {
                    Early::Usage(format!(
                        "invalid value for {} {}: {msg}",
                        g.spelled,
                        supervisor_model::py_repr(&value)
                    ))
                })?;
                &mut cl.serverurl
            }
            Opt::Configuration => &mut cl.configfile,
            Opt::Username => &mut cl.username,
            Opt::Password => &mut cl.password,
            // Parsed into an attribute nothing reads: `-r` has no effect in 4.3.0.
            Opt::History => &mut history,
        };
        if slot.is_some() {
            return Err(conflict(&g.spelled));
        }
        *slot = Some(value);
    }
    Ok(cl)
}

fn conflict(spelled: &str) -> Early {
    Early::Usage(format!(
        "conflicting command line option {}",
        supervisor_model::py_repr(spelled)
    ))
}

/// The whole of `ClientOptions.realize`: command line, then the config file (the
/// `-c` one, else the first of Supervisor's search paths; none found = defaults).
pub fn realize(argv0: &str, args: &[String]) -> Result<Settings, Early> {
    let cl = parse_command_line(argv0, args)?;
    let configfile = match &cl.configfile {
        Some(path) => Some(PathBuf::from(path)),
        None => supervisor_config::find_config_file(Path::new(argv0)).ok(),
    };
    let section = match configfile {
        Some(path) => Some(read_section(&path)?),
        None => None,
    };
    Ok(merge(cl, section))
}

/// `ClientOptions.read_config`: the file must exist and have `[supervisorctl]`.
fn read_section(path: &Path) -> Result<supervisor_config::SupervisorctlConfig, Early> {
    if !path.exists() {
        return Err(Early::Usage(format!(
            "could not find config file {}",
            path.display()
        )));
    }
    match supervisor_config::load_supervisorctl(path) {
        Ok(Some(section)) => Ok(section),
        Ok(None) => Err(Early::Usage(
            ".ini file does not include supervisorctl section".to_string(),
        )),
        Err(e) => Err(Early::Usage(e.to_string())),
    }
}

/// Command line over config over defaults.
fn merge(cl: CommandLine, section: Option<supervisor_config::SupervisorctlConfig>) -> Settings {
    let (serverurl, username, password, prompt, history_file, warnings) = match section {
        Some(s) => (
            Some(s.serverurl),
            s.username,
            s.password,
            Some(s.prompt),
            s.history_file,
            s.warnings,
        ),
        None => (None, None, None, None, None, Vec::new()),
    };
    let interactive = cl.interactive || cl.args.is_empty();
    Settings {
        serverurl: cl
            .serverurl
            .or(serverurl)
            .unwrap_or_else(|| DEFAULT_SERVERURL.to_string()),
        username: cl.username.or(username),
        password: cl.password.or(password),
        prompt: prompt.unwrap_or_else(|| "supervisor".to_string()),
        history_file,
        interactive,
        args: cl.args,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn usage(list: &[&str]) -> String {
        match parse_command_line("ctl", &args(list)) {
            Err(Early::Usage(msg)) => msg,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn usage_errors_are_supervisors() {
        assert_eq!(usage(&["-v"]), "option -v not recognized");
        assert_eq!(usage(&["--bogus"]), "option --bogus not recognized");
        assert_eq!(usage(&["-c"]), "option -c requires argument");
        assert_eq!(
            usage(&["--serverurl"]),
            "option --serverurl requires argument"
        );
        assert_eq!(
            usage(&["--server=x"]),
            "invalid value for --serverurl 'x': value 'x' is not a URL"
        );
        assert_eq!(
            usage(&["--help=x"]),
            "option --help must not have an argument"
        );
        assert_eq!(
            usage(&["--history-file=x"]),
            "option --history-file not recognized"
        );
        assert_eq!(usage(&["-i", "-i"]), "conflicting command line option '-i'");
        assert_eq!(
            usage(&["-s", "http://a", "--serverurl=http://b"]),
            "conflicting command line option '--serverurl'"
        );
        assert_eq!(
            usage(&["-r", "a", "-r", "b"]),
            "conflicting command line option '-r'"
        );
        // getopt errors come before any handler runs, even -h.
        assert_eq!(usage(&["-h", "-v"]), "option -v not recognized");
        // A bad value before -h is reported; after it, help wins.
        assert_eq!(
            usage(&["-s", "x", "-h"]),
            "invalid value for -s 'x': value 'x' is not a URL"
        );
        assert!(matches!(
            parse_command_line("ctl", &args(&["-h", "-s", "x"])),
            Err(Early::Help(_))
        ));
    }

    #[test]
    fn help_text_is_the_docstring() {
        let text = help_text("/usr/bin/supervisorctl");
        assert!(text.starts_with(
            "supervisorctl -- control applications run by supervisord from the cmd line.\n\nUsage: /usr/bin/supervisorctl [options] [action [arguments]]\n"
        ));
        assert!(text.contains("actions.\n\n\nExtensions (supervisor-rs):\n"));
        let (out, err, code) = Early::Usage("option -v not recognized".into()).render("ctl");
        assert_eq!(out, "");
        assert_eq!(
            err,
            "Error: option -v not recognized\nFor help, use ctl -h\n"
        );
        assert_eq!(code, 2);
    }

    #[test]
    fn options_and_positionals() {
        let cl = parse_command_line(
            "ctl",
            &args(&["-ic", "f.conf", "--user=bob", "-pPW", "status", "-x"]),
        )
        .unwrap();
        assert_eq!(cl.configfile.as_deref(), Some("f.conf"));
        assert!(cl.interactive);
        assert_eq!(cl.username.as_deref(), Some("bob"));
        assert_eq!(cl.password.as_deref(), Some("PW"));
        assert_eq!(cl.args, args(&["status", "-x"]));
    }

    #[test]
    fn precedence_and_defaults() {
        let s = merge(CommandLine::default(), None);
        assert_eq!(s.serverurl, DEFAULT_SERVERURL);
        assert_eq!(s.prompt, "supervisor");
        assert!(s.interactive, "no action means the shell");
        let section = supervisor_config::SupervisorctlConfig {
            serverurl: "unix:///tmp/x.sock".into(),
            username: Some("u".into()),
            password: Some("p".into()),
            prompt: "mine".into(),
            history_file: Some("/tmp/h".into()),
            warnings: vec!["w".into()],
        };
        let cl = CommandLine {
            username: Some("cli".into()),
            args: args(&["status"]),
            ..CommandLine::default()
        };
        let s = merge(cl, Some(section));
        assert_eq!(s.serverurl, "unix:///tmp/x.sock");
        assert_eq!(s.username.as_deref(), Some("cli"));
        assert_eq!(s.password.as_deref(), Some("p"));
        assert_eq!(s.prompt, "mine");
        assert!(!s.interactive);
        assert_eq!(s.warnings, ["w"]);
    }

    #[test]
    fn config_file_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.conf");
        let m = missing.to_string_lossy().into_owned();
        assert_eq!(
            realize("ctl", &args(&["-c", &m, "status"])),
            Err(Early::Usage(format!("could not find config file {m}")))
        );
        let no_section = dir.path().join("a.conf");
        std::fs::write(&no_section, "[supervisord]\n").unwrap();
        let n = no_section.to_string_lossy().into_owned();
        assert_eq!(
            realize("ctl", &args(&["-c", &n, "status"])),
            Err(Early::Usage(
                ".ini file does not include supervisorctl section".into()
            ))
        );
        let good = dir.path().join("b.conf");
        std::fs::write(
            &good,
            "[supervisorctl]\nserverurl=unix://%(here)s/s.sock\nprompt=box\n",
        )
        .unwrap();
        let g = good.to_string_lossy().into_owned();
        let s = realize("ctl", &args(&["-c", &g, "status"])).unwrap();
        assert_eq!(
            s.serverurl,
            format!("unix://{}/s.sock", dir.path().display())
        );
        assert_eq!(s.prompt, "box");
    }
}
