//! The observability options (README, "Observability"): env files, log rotation by
//! time and compression, timestamps, the main log's format, and the auth switches of
//! `/metrics` and the health endpoints, in INI and TOML.

use std::path::Path;

use supervisor_config::{Config, ConfigError, Loader};
use supervisor_model::{Compress, LogFormat, Rotate};

const SD: &str = "[supervisord]\nlogfile=%(here)s/s.log\npidfile=%(here)s/s.pid\n";

fn load(dir: &Path, name: &str, text: &str) -> Result<Config, ConfigError> {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    Loader::new().cwd(dir).load(&path)
}

fn env(config: &Config, name: &str) -> Vec<(String, String)> {
    config
        .processes()
        .find(|p| p.name == name)
        .unwrap()
        .environment
        .clone()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn env_files_merge_in_order_and_environment_wins() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a.env"), "A=1\nB=from-a\nexport C='c c'\n").unwrap();
    std::fs::create_dir(tmp.path().join("sub")).unwrap();
    std::fs::write(
        tmp.path().join("sub/b.env"),
        "# second\nB=from-b\nD=\"d\"\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("g.env"), "G=global\n").unwrap();
    let text = format!(
        "{SD}env_files=g.env\nenvironment=H=h\n\
         [program:web]\ncommand=/bin/cat\nenv_files = %(here)s/a.env, sub/b.env, -/nonexistent.env\n\
         environment=D=\"from-environment\"\n"
    );
    let config = load(tmp.path(), "sd.conf", &text).unwrap();
    assert_eq!(
        env(&config, "web"),
        pairs(&[
            ("A", "1"),
            ("B", "from-b"),
            ("C", "c c"),
            ("D", "from-environment")
        ])
    );
    assert_eq!(
        config.supervisord.environment,
        pairs(&[("G", "global"), ("H", "h")])
    );
    // `env_files` is ours now: no warning about it.
    assert!(config.notices.is_empty(), "{:?}", config.notices);
}

#[test]
fn a_missing_or_broken_env_file_is_named_with_its_option() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!("{SD}[program:web]\ncommand=/bin/cat\nenv_files=missing.env\n");
    let err = load(tmp.path(), "sd.conf", &text).unwrap_err().to_string();
    let conf = tmp.path().join("sd.conf").display().to_string();
    let missing = tmp.path().join("missing.env").display().to_string();
    assert!(
        err.starts_with(&format!("env file '{missing}': cannot read it: ")),
        "{err}"
    );
    assert!(
        err.ends_with(&format!(
            "named by 'env_files' in section 'program:web' (file: '{conf}', line 6)"
        )),
        "{err}"
    );

    std::fs::write(tmp.path().join("bad.env"), "OK=1\nnot a line hunter2\n").unwrap();
    let text = format!("{SD}[program:web]\ncommand=/bin/cat\nenv_files=bad.env\n");
    let err = load(tmp.path(), "sd.conf", &text).unwrap_err().to_string();
    assert!(err.contains("bad.env', line 2: not a valid line"), "{err}");
    assert!(!err.contains("hunter2"), "a value leaked: {err}");
}

#[test]
fn log_and_server_extensions_in_ini_and_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let ini = format!(
        "{SD}logformat=json\nlogfile_rotate=daily\nlogfile_compress=gzip\n\
         [inet_http_server]\nport=127.0.0.1:9001\nusername=u\npassword=p\nmetrics_auth=false\n\
         [unix_http_server]\nfile=%(here)s/s.sock\nhealth_auth=false\n\
         [program:web]\ncommand=/bin/cat\nstdout_logfile_timestamps=true\n\
         stdout_logfile_rotate=hourly\nstderr_logfile_compress=gzip\n"
    );
    let toml = "[supervisord]\nlogfile = \"%(here)s/s.log\"\npidfile = \"%(here)s/s.pid\"\n\
         logformat = \"json\"\nlogfile_rotate = \"daily\"\nlogfile_compress = \"gzip\"\n\
         [inet_http_server]\nport = \"127.0.0.1:9001\"\nusername = \"u\"\npassword = \"p\"\nmetrics_auth = false\n\
         [unix_http_server]\nfile = \"%(here)s/s.sock\"\nhealth_auth = false\n\
         [programs.web]\ncommand = \"/bin/cat\"\nstdout_logfile_timestamps = true\n\
         stdout_logfile_rotate = \"hourly\"\nstderr_logfile_compress = \"gzip\"\n";
    for config in [
        load(tmp.path(), "sd.conf", &ini).unwrap(),
        load(tmp.path(), "sd.toml", toml).unwrap(),
    ] {
        let sd = &config.supervisord;
        assert_eq!(sd.logformat, LogFormat::Json);
        assert_eq!(sd.logfile_rotate, Rotate::Daily);
        assert_eq!(sd.logfile_compress, Compress::Gzip);
        let inet = &config.inet_http_servers[0];
        assert!(!inet.metrics_auth && inet.health_auth);
        let unix = &config.unix_http_servers[0];
        assert!(unix.metrics_auth && !unix.health_auth);
        let web = config.processes().next().unwrap();
        assert!(web.stdout.logfile_timestamps && !web.stderr.logfile_timestamps);
        assert_eq!(web.stdout.logfile_rotate, Rotate::Hourly);
        assert_eq!(web.stderr.logfile_rotate, Rotate::Size);
        assert_eq!(web.stdout.logfile_compress, Compress::None);
        assert_eq!(web.stderr.logfile_compress, Compress::Gzip);
    }
    let bad = format!("{SD}[program:web]\ncommand=/bin/cat\nstdout_logfile_rotate=weekly\n");
    let err = load(tmp.path(), "sd.conf", &bad).unwrap_err().to_string();
    assert!(
        err.starts_with("invalid value for 'stdout_logfile_rotate': invalid rotation 'weekly'"),
        "{err}"
    );
}

#[test]
fn env_files_and_timestamps_convert_to_toml() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a.env"), "A=1\n").unwrap();
    std::fs::write(tmp.path().join("b.env"), "B=2\n").unwrap();
    let ini = format!(
        "{SD}[program:web]\ncommand=/bin/cat\nenv_files=a.env, b.env\nstdout_logfile_timestamps=true\n"
    );
    let path = tmp.path().join("sd.conf");
    std::fs::write(&path, &ini).unwrap();
    let toml = supervisor_config::to_toml(&path).unwrap();
    assert!(
        toml.contains("env_files = [\"a.env\", \"b.env\"]"),
        "{toml}"
    );
    assert!(toml.contains("stdout_logfile_timestamps = true"), "{toml}");
    let from_toml = load(tmp.path(), "sd.toml", &toml).unwrap();
    let from_ini = load(tmp.path(), "sd.conf", &ini).unwrap();
    assert_eq!(env(&from_toml, "web"), env(&from_ini, "web"));
}
