//! Unit tests of the command line: every option form, every error text, `apply`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStringExt;

use supervisor_config::UserSpec;

use super::values::{existing_directory, existing_dirpath, expanduser, normalize_path, python_int};
use super::*;

const ARGV0: &str = "/usr/bin/supervisord";

fn run_in(cwd: &Path, args: &[&str]) -> Result<CliAction, CliExit> {
    let argv = std::iter::once(ARGV0)
        .chain(args.iter().copied())
        .map(OsString::from);
    parse_in(argv, cwd)
}

fn run(args: &[&str]) -> Result<CliAction, CliExit> {
    run_in(Path::new("/"), args)
}

fn cli(args: &[&str]) -> Cli {
    match run(args) {
        Ok(CliAction::Run(cli)) => cli,
        other => panic!("{args:?}: {other:?}"),
    }
}

/// The message after `Error: `, checking the rest of the usage text and the code.
fn error(args: &[&str]) -> String {
    let exit = run(args).expect_err(&format!("{args:?} should fail"));
    assert_eq!(exit.code, 2);
    let msg = exit
        .stderr
        .strip_prefix("Error: ")
        .and_then(|s| s.strip_suffix(&format!("\nFor help, use {ARGV0} -h\n")))
        .unwrap_or_else(|| panic!("not a usage text: {:?}", exit.stderr));
    msg.to_owned()
}

#[test]
fn no_arguments_run_with_nothing_overridden() {
    assert_eq!(
        cli(&[]),
        Cli {
            progname: ARGV0.to_owned(),
            ..Cli::default()
        }
    );
    let empty = parse_in(std::iter::empty(), Path::new("/")).unwrap();
    assert!(matches!(empty, CliAction::Run(c) if c.progname == "supervisord"));
}

#[test]
fn value_options_in_every_form() {
    for form in [
        &["-c", "/etc/s.conf"][..],
        &["-c/etc/s.conf"],
        &["--configuration", "/etc/s.conf"],
        &["--configuration=/etc/s.conf"],
        &["--conf=/etc/s.conf"],
        &["--co", "/etc/s.conf"],
    ] {
        assert_eq!(
            cli(form).configuration,
            Some(PathBuf::from("/etc/s.conf")),
            "{form:?}"
        );
    }
    // An argument that looks like an option is still the value.
    assert_eq!(cli(&["-c", "-n"]).configuration, Some(PathBuf::from("-n")));
    assert_eq!(
        cli(&["--configuration="]).configuration,
        Some(PathBuf::new())
    );
}

#[test]
fn flags_long_short_and_clustered() {
    let c = cli(&["-nskt"]);
    assert!(c.nodaemon && c.silent && c.nocleanup && c.strip_ansi);
    let c = cli(&["--nodaemon", "--silent", "--nocleanup", "--strip_ansi"]);
    assert!(c.nodaemon && c.silent && c.nocleanup && c.strip_ansi);
    let c = cli(&["--nod", "--sil", "--noc", "--str"]);
    assert!(c.nodaemon && c.silent && c.nocleanup && c.strip_ansi);
    // A cluster ending in a value option takes the rest, or the next argument.
    let c = cli(&["-ne", "debug", "-kcx.conf"]);
    assert!(c.nodaemon && c.nocleanup);
    assert_eq!(c.loglevel, Some(LogLevel::Debug));
    assert_eq!(c.configuration, Some(PathBuf::from("x.conf")));
}

#[test]
fn every_setting_is_parsed_and_typed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    std::fs::create_dir(dir.path().join("logs")).unwrap();
    let c = run_in(
        dir.path(),
        &[
            "-u",
            "nobody",
            "-m",
            "027",
            "-d",
            d,
            "-l",
            "logs/../main.log",
            "-y",
            "1MB",
            "-z",
            "3",
            "-e",
            "WARN",
            "-j",
            "./s.pid",
            "-i",
            "box",
            "-q",
            d,
            "-a",
            "4096",
            "--minprocs",
            "300",
            "--profile_options",
            "cumulative,callers",
        ],
    );
    let Ok(CliAction::Run(c)) = c else {
        panic!("{c:?}")
    };
    assert_eq!(c.user.as_deref(), Some("nobody"));
    assert_eq!(c.umask, Some(OctalMode(0o27)));
    assert_eq!(c.directory, Some(dir.path().to_owned()));
    assert_eq!(c.logfile, Some(LogFile::Path(dir.path().join("main.log"))));
    assert_eq!(c.logfile_maxbytes, Some(ByteSize(1 << 20)));
    assert_eq!(c.logfile_backups, Some(3));
    assert_eq!(c.loglevel, Some(LogLevel::Warn));
    assert_eq!(c.pidfile, Some(dir.path().join("s.pid")));
    assert_eq!(c.identifier.as_deref(), Some("box"));
    assert_eq!(c.childlogdir, Some(dir.path().to_owned()));
    assert_eq!(c.minfds, Some(4096));
    assert_eq!(c.minprocs, Some(300));
    assert_eq!(c.profile_options.as_deref(), Some("cumulative,callers"));
}

#[test]
fn logfile_syslog_and_relative_paths() {
    assert_eq!(cli(&["-l", "syslog"]).logfile, Some(LogFile::Syslog));
    assert_eq!(
        cli(&["--logfile=supervisord.log"]).logfile,
        Some(LogFile::Path(PathBuf::from("/supervisord.log")))
    );
    assert_eq!(
        cli(&["-j", "/tmp/./../tmp//s.pid"]).pidfile,
        Some(PathBuf::from("/tmp/s.pid"))
    );
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if let Some(home) = home.filter(|h| h.is_dir()) {
        assert_eq!(cli(&["-q", "~"]).childlogdir, Some(home.clone()));
        assert_eq!(
            cli(&["-j", "~/s.pid"]).pidfile,
            Some(normalize_path(&home.join("s.pid"), Path::new("/")))
        );
    }
}

#[test]
fn sizes_ints_and_levels_like_python() {
    assert_eq!(
        cli(&["-y", "50mb"]).logfile_maxbytes,
        Some(ByteSize(50 << 20))
    );
    assert_eq!(
        cli(&["-y", "2 GB"]).logfile_maxbytes,
        Some(ByteSize(2 << 30))
    );
    assert_eq!(
        cli(&["-y", " 1_024 "]).logfile_maxbytes,
        Some(ByteSize(1024))
    );
    assert_eq!(cli(&["-y", "-1"]).logfile_maxbytes, Some(ByteSize(0)));
    assert_eq!(cli(&["-z", "-2"]).logfile_backups, Some(0));
    assert_eq!(cli(&["-a", "+10"]).minfds, Some(10));
    assert_eq!(cli(&["-e", "blather"]).loglevel, Some(LogLevel::Blather));
    assert_eq!(cli(&["-e", "Critical"]).loglevel, Some(LogLevel::Critical));
    assert_eq!(cli(&["-m", "0o22"]).umask, Some(OctalMode(0o22)));
    assert_eq!(
        python_int("99999999999999999999999999999999999999999"),
        Ok(i128::MAX)
    );
    for bad in ["", " ", "1.5", "_1", "1_", "1__0", "0x10", "--1", "1e3"] {
        assert!(python_int(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn help_and_version() {
    for form in [
        &["-h"][..],
        &["-?"],
        &["--help"],
        &["--he"],
        &["-n", "-h", "-n"],
    ] {
        let Ok(CliAction::Help(text)) = run(form) else {
            panic!("{form:?}")
        };
        assert!(text.starts_with(
            "supervisord -- run a set of applications as daemons.\n\nUsage: /usr/bin/supervisord [options]\n\nOptions:\n-c/--configuration FILENAME -- configuration file path (searches if not given)\n"
        ));
        assert!(
            text.ends_with("\n\n"),
            "the docstring's newline plus help's"
        );
        assert!(!text.contains("%s"));
    }
    assert_eq!(run(&["-v"]), Ok(CliAction::Version));
    assert_eq!(run(&["--version"]), Ok(CliAction::Version));
    assert_eq!(run(&["-nv"]), Ok(CliAction::Version));
    // Handlers run in order: a bad value before -h is reported, after it is not.
    assert_eq!(
        error(&["-e", "x", "-h"]),
        "invalid value for -e 'x': bad logging level name 'x'"
    );
    assert!(matches!(run(&["-h", "-e", "x"]), Ok(CliAction::Help(_))));
    // getopt and the positional check come first.
    assert_eq!(error(&["-h", "--bogus"]), "option --bogus not recognized");
    assert_eq!(
        error(&["-h", "x"]),
        "positional arguments are not supported: ['x']"
    );
}

#[test]
fn help_text_lists_exactly_the_defined_options() {
    let text = help_text("supervisord");
    assert!(text.starts_with("supervisord -- run a set of applications as daemons.\n"));
    for def in OPTIONS {
        let spelling = match (def.short, def.long) {
            (Some('?'), _) => continue, // undocumented in Supervisor's help too
            (Some(s), Some(l)) => format!("-{s}/--{l}"),
            (None, Some(l)) => format!("--{l}"),
            _ => unreachable!("every other option has a long name"),
        };
        let value = def.value.map(|v| format!(" {v}")).unwrap_or_default();
        let line = format!("\n{spelling}{value} ");
        assert!(text.contains(&line), "{line:?} missing from help");
    }
    let documented = text.lines().filter(|l| l.starts_with('-')).count();
    assert_eq!(documented, OPTIONS.len() - 1);
}

#[test]
fn convert_config_extension() {
    assert_eq!(
        run(&["--convert-config", "/etc/s.conf"]),
        Ok(CliAction::ConvertConfig(PathBuf::from("/etc/s.conf")))
    );
    assert_eq!(
        run(&["--convert-config=a.conf"]),
        Ok(CliAction::ConvertConfig(PathBuf::from("a.conf")))
    );
    // Extensions match only in full: Supervisor's prefixes keep their meaning.
    assert_eq!(error(&["--convert"]), "option --convert not recognized");
    assert_eq!(cli(&["--con", "x"]).configuration, Some(PathBuf::from("x")));
    assert_eq!(
        error(&["--convert-config"]),
        "option --convert-config requires argument"
    );
}

#[test]
fn getopt_errors() {
    assert_eq!(error(&["--bogus"]), "option --bogus not recognized");
    assert_eq!(error(&["--bogus=1"]), "option --bogus not recognized");
    assert_eq!(error(&["-x"]), "option -x not recognized");
    assert_eq!(error(&["-nx"]), "option -x not recognized");
    assert_eq!(error(&["-é"]), "option -é not recognized");
    assert_eq!(error(&["-c"]), "option -c requires argument");
    assert_eq!(error(&["-nc"]), "option -c requires argument");
    assert_eq!(
        error(&["--configuration"]),
        "option --configuration requires argument"
    );
    assert_eq!(
        error(&["--conf"]),
        "option --configuration requires argument"
    );
    assert_eq!(
        error(&["--nodaemon=1"]),
        "option --nodaemon must not have an argument"
    );
    assert_eq!(
        error(&["--nod="]),
        "option --nodaemon must not have an argument"
    );
    assert_eq!(error(&["--log", "x"]), "option --log not a unique prefix");
    assert_eq!(
        error(&["--logfile_"]),
        "option --logfile_ not a unique prefix"
    );
    assert_eq!(error(&["--=x"]), "option -- not a unique prefix");
    assert_eq!(error(&["--c", "x"]), "option --c not a unique prefix");
}

#[test]
fn positional_arguments() {
    assert_eq!(
        error(&["a", "b"]),
        "positional arguments are not supported: ['a', 'b']"
    );
    // getopt stops at the first non-option: what follows is positional too.
    assert_eq!(
        error(&["-n", "a", "-n"]),
        "positional arguments are not supported: ['a', '-n']"
    );
    assert_eq!(
        error(&["--", "-n"]),
        "positional arguments are not supported: ['-n']"
    );
    assert_eq!(
        error(&["-"]),
        "positional arguments are not supported: ['-']"
    );
    assert_eq!(
        error(&["it's"]),
        "positional arguments are not supported: [\"it's\"]"
    );
    assert!(matches!(run(&["-n", "--"]), Ok(CliAction::Run(c)) if c.nodaemon));
}

#[test]
fn invalid_values() {
    assert_eq!(
        error(&["-e", "x"]),
        "invalid value for -e 'x': bad logging level name 'x'"
    );
    assert_eq!(
        error(&["--loglevel=warning"]),
        "invalid value for --loglevel 'warning': bad logging level name 'warning'"
    );
    assert_eq!(
        error(&["-e", "it's"]),
        "invalid value for -e \"it's\": bad logging level name \"it's\""
    );
    assert_eq!(
        error(&["-y", "5B"]),
        "invalid value for -y '5B': invalid literal for int() with base 10: '5b'"
    );
    assert_eq!(
        error(&["-y", "1.5MB"]),
        "invalid value for -y '1.5MB': invalid literal for int() with base 10: '1.5'"
    );
    assert_eq!(
        error(&["-z", "x"]),
        "invalid value for -z 'x': invalid literal for int() with base 10: 'x'"
    );
    assert_eq!(
        error(&["-a", ""]),
        "invalid value for -a '': invalid literal for int() with base 10: ''"
    );
    assert_eq!(
        error(&["--minprocs=lots"]),
        "invalid value for --minprocs 'lots': invalid literal for int() with base 10: 'lots'"
    );
    assert_eq!(
        error(&["-m", "8"]),
        "invalid value for -m '8': 8 can not be converted to an octal type"
    );
    assert_eq!(
        error(&["-d", "/nonexistent"]),
        "invalid value for -d '/nonexistent': /nonexistent is not an existing directory"
    );
    assert_eq!(
        error(&["--childlogdir", "/etc/passwd"]),
        "invalid value for --childlogdir '/etc/passwd': /etc/passwd is not an existing directory"
    );
    assert_eq!(
        error(&["-l", "/nonexistent/s.log"]),
        "invalid value for -l '/nonexistent/s.log': The directory named as part of the path /nonexistent/s.log does not exist"
    );
    assert_eq!(
        error(&["-j", "/nonexistent/s.pid"]),
        "invalid value for -j '/nonexistent/s.pid': The directory named as part of the path /nonexistent/s.pid does not exist"
    );
}

#[test]
fn conflicting_options() {
    assert_eq!(
        error(&["-e", "info", "-e", "debug"]),
        "conflicting command line option '-e'"
    );
    assert_eq!(error(&["-n", "-n"]), "conflicting command line option '-n'");
    assert_eq!(error(&["-nn"]), "conflicting command line option '-n'");
    assert_eq!(
        error(&["-n", "--nodaemon"]),
        "conflicting command line option '--nodaemon'"
    );
    assert_eq!(
        error(&["-c", "a", "--conf=b"]),
        "conflicting command line option '--configuration'"
    );
    // The handler runs before the conflict check.
    assert_eq!(
        error(&["-e", "info", "-e", "bogus"]),
        "invalid value for -e 'bogus': bad logging level name 'bogus'"
    );
    assert_eq!(
        error(&["--profile_options", "a", "--profile_options", "b"]),
        "conflicting command line option '--profile_options'"
    );
}

fn config() -> SupervisordConfig {
    SupervisordConfig {
        logfile: LogFile::Path("/var/log/supervisord.log".into()),
        logfile_maxbytes: ByteSize(50 << 20),
        logfile_backups: 10,
        loglevel: LogLevel::Info,
        pidfile: "/run/supervisord.pid".into(),
        umask: OctalMode(0o22),
        nodaemon: false,
        silent: false,
        minfds: 1024,
        minprocs: 200,
        nocleanup: false,
        childlogdir: "/tmp".into(),
        user: None,
        directory: None,
        strip_ansi: false,
        environment: Vec::new(),
        identifier: "supervisor".into(),
        reload_keeps_running: false,
    }
}

#[test]
fn apply_overrides_only_what_was_given() {
    let mut cfg = config();
    cli(&[]).apply(&mut cfg).unwrap();
    assert_eq!(cfg, config());

    let mut cfg = config();
    let c = cli(&[
        "-n",
        "-s",
        "-k",
        "-t",
        "-m",
        "077",
        "-d",
        "/tmp",
        "-l",
        "syslog",
        "-y",
        "0",
        "-z",
        "0",
        "-e",
        "debug",
        "-j",
        "/tmp/x.pid",
        "-i",
        "other",
        "-q",
        "/",
        "-a",
        "10",
        "--minprocs",
        "20",
        "-u",
        "0",
    ]);
    c.apply(&mut cfg).unwrap();
    let expected = SupervisordConfig {
        logfile: LogFile::Syslog,
        logfile_maxbytes: ByteSize(0),
        logfile_backups: 0,
        loglevel: LogLevel::Debug,
        pidfile: "/tmp/x.pid".into(),
        umask: OctalMode(0o77),
        nodaemon: true,
        silent: true,
        minfds: 10,
        minprocs: 20,
        nocleanup: true,
        childlogdir: "/".into(),
        user: Some(UserSpec {
            name: "0".into(),
            uid: 0,
            gid: 0,
        }),
        directory: Some("/tmp".into()),
        strip_ansi: true,
        identifier: "other".into(),
        ..config()
    };
    assert_eq!(cfg, expected);
}

#[test]
fn apply_resolves_the_user() {
    let mut cfg = config();
    cli(&["-u", "root"]).apply(&mut cfg).unwrap();
    assert_eq!(cfg.user.as_ref().map(|u| (u.uid, u.gid)), Some((0, 0)));
    let exit = cli(&["-u", "no-such-user-here"])
        .apply(&mut config())
        .unwrap_err();
    assert_eq!(
        exit.stderr,
        format!("Error: Invalid user name no-such-user-here\nFor help, use {ARGV0} -h\n")
    );
    assert_eq!(exit.code, 2);
    let exit = cli(&["-u", "4000000000"]).apply(&mut config()).unwrap_err();
    assert!(
        exit.stderr
            .starts_with("Error: Invalid user id 4000000000\n")
    );
}

#[test]
fn non_utf8_paths_survive() {
    use std::os::unix::ffi::OsStrExt as _;
    let raw = OsStr::from_bytes(b"/tmp/\xff.conf").to_owned();
    let argv = [OsString::from(ARGV0), OsString::from("-c"), raw.clone()];
    let Ok(CliAction::Run(c)) = parse_in(argv, Path::new("/")) else {
        panic!()
    };
    assert_eq!(c.configuration, Some(PathBuf::from(&raw)));
    let mut attached = b"-c".to_vec();
    attached.extend_from_slice(raw.as_bytes());
    let argv = [OsString::from(ARGV0), OsString::from_vec(attached)];
    let Ok(CliAction::Run(c)) = parse_in(argv, Path::new("/")) else {
        panic!()
    };
    assert_eq!(c.configuration, Some(PathBuf::from(&raw)));
}

#[test]
fn path_helpers() {
    let root = Path::new("/");
    assert_eq!(
        normalize_path(Path::new("a/./b/../c"), Path::new("/x")),
        PathBuf::from("/x/a/c")
    );
    assert_eq!(
        normalize_path(Path::new("/../.."), root),
        PathBuf::from("/")
    );
    assert_eq!(expanduser(OsStr::new("x/~")), PathBuf::from("x/~"));
    assert_eq!(
        expanduser(OsStr::new("~no-such-user-here/x")),
        PathBuf::from("~no-such-user-here/x")
    );
    assert_eq!(expanduser(OsStr::new("~root/x")), PathBuf::from("/root/x"));
    assert!(existing_dirpath(OsStr::new("bare.log"), Path::new("/nonexistent")).is_ok());
    assert!(existing_dirpath(OsStr::new("/x.log"), root).is_ok());
    assert!(existing_directory(OsStr::new("tmp"), root).is_ok());
}

#[test]
fn a_usage_errors_message_keeps_every_line_of_it() {
    let e = CliExit::usage(
        "supervisord",
        "Source contains parsing errors: '/x.conf'\n\t[line  3]: 'junk'",
    );
    assert_eq!(
        e.message(),
        "Source contains parsing errors: '/x.conf'\n\t[line  3]: 'junk'"
    );
    assert_eq!(
        CliExit::usage("supervisord", "one line").message(),
        "one line"
    );
}
