//! The four command man pages, rendered by clap_mangen from a `clap::Command` built
//! from each binary's option table (`supervisor_model::cli`), plus sections of our
//! own (actions, signals, exit status, files) written with roff.

use clap::{Arg, ArgAction, Command};
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};
use supervisor_model::cli::{echo_supervisord_conf, supervisorctl, supervisord};
use supervisor_model::getopt::OptDef;

/// Every man page: (file name, roff text). supervisord.conf(5) included.
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    vec![
        ("supervisord.8".into(), supervisord_page()),
        ("supervisorctl.1".into(), supervisorctl_page()),
        ("echo_supervisord_conf.1".into(), echo_page()),
        ("pidproxy.1".into(), pidproxy_page()),
        ("supervisord.conf.5".into(), crate::conf::page()),
    ]
}

/// A `clap::Command` that describes (never parses) a binary's options.
pub(crate) fn describe<K: Copy>(
    name: &'static str,
    about: &'static str,
    options: &[OptDef<K>],
) -> Command {
    let mut cmd = Command::new(name)
        .about(about)
        .disable_help_flag(true)
        .disable_version_flag(true);
    for d in options {
        // Only `-?` has no long name, and it is another spelling of `-h`.
        let Some(id) = d.long else { continue };
        let mut arg = Arg::new(id).help(d.about);
        if let Some(s) = d.short {
            arg = arg.short(s);
        }
        if let Some(l) = d.long {
            arg = arg.long(l);
        }
        arg = match d.value {
            Some(v) => arg.value_name(v).action(ArgAction::Set),
            None => arg.action(ArgAction::SetTrue),
        };
        cmd = cmd.arg(arg);
    }
    cmd
}

fn render(man: &Man, description: &str, extra: impl FnOnce(&mut Roff)) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = man.render_title(&mut out);
    let _ = man.render_name_section(&mut out);
    let _ = man.render_synopsis_section(&mut out);
    let mut roff = Roff::new();
    roff.control("SH", ["DESCRIPTION"]);
    for para in description.split("\n\n") {
        roff.control("PP", [])
            .text([roman(para.replace('\n', " "))]);
    }
    roff.to_writer(&mut out).ok();
    let _ = man.render_options_section(&mut out);
    let mut roff = Roff::new();
    extra(&mut roff);
    roff.to_writer(&mut out).ok();
    out
}

fn section(roff: &mut Roff, title: &str, items: &[(&str, &str)]) {
    roff.control("SH", [title]);
    for (term, text) in items {
        roff.control("TP", [])
            .text([bold(*term)])
            .text([roman(*text)]);
    }
}

fn man(cmd: Command, section: &str) -> Man {
    Man::new(cmd)
        .section(section)
        .source(format!("supervisor-rs {}", env!("CARGO_PKG_VERSION")))
        .manual("supervisor-rs")
}

fn supervisord_page() -> Vec<u8> {
    let cmd = describe(
        "supervisord",
        "run a set of programs as daemons, like Supervisor's supervisord",
        supervisord::OPTIONS,
    );
    render(
        &man(cmd, "8"),
        "supervisord starts the programs of its configuration file, keeps them running and \
         lets supervisorctl, a web page, XML-RPC clients (Python's supervisorctl among them) \
         and gRPC clients control them. It is a drop-in reimplementation of Supervisor 4.3: the same \
         configuration file, command line, messages and exit codes.\n\n\
         Without -n it detaches from the terminal (daemonizes) after loading its \
         configuration. The command line overrides the [supervisord] section of the file; \
         see supervisord.conf(5).",
        |r| {
            section(
                r,
                "SIGNALS",
                &[
                    ("SIGTERM, SIGINT, SIGQUIT", "Stop every process, then exit."),
                    (
                        "SIGHUP",
                        "Stop every process, read the configuration again and start them \
                         (with reload_keeps_running, apply the changes like update instead).",
                    ),
                    ("SIGUSR2", "Reopen the main log and every child log file."),
                ],
            );
            section(
                r,
                "EXIT STATUS",
                &[
                    ("0", "A requested shutdown."),
                    (
                        "1",
                        "An essential program or group failed (see supervisord.conf(5)).",
                    ),
                    (
                        "2",
                        "A usage or configuration error (the message names the file, line and option).",
                    ),
                ],
            );
            section(
                r,
                "FILES",
                &[(
                    "/etc/supervisor/supervisord.conf",
                    "The configuration of the packaged service; without -c, supervisord searches \
                     ../etc/supervisord.conf, ../supervisord.conf, ./supervisord.conf, \
                     ./etc/supervisord.conf, /etc/supervisord.conf and \
                     /etc/supervisor/supervisord.conf, in this order.",
                )],
            );
            see_also(
                r,
                "supervisorctl(1), supervisord.conf(5), pidproxy(1), echo_supervisord_conf(1)",
            );
        },
    )
}

fn supervisorctl_page() -> Vec<u8> {
    let cmd = describe(
        "supervisorctl",
        "control the programs run by supervisord",
        supervisorctl::OPTIONS,
    )
    .arg(
        Arg::new("action")
            .value_name("ACTION")
            .help("What to do (see ACTIONS)"),
    )
    .arg(
        Arg::new("arguments")
            .value_name("ARGUMENTS")
            .num_args(0..)
            .help("The action's arguments"),
    );
    let actions: Vec<(String, &str)> = supervisorctl::ACTIONS
        .iter()
        .map(|(name, about, ours)| {
            let suffix = if *ours { " (supervisor-rs)" } else { "" };
            (format!("{name}{suffix}"), *about)
        })
        .collect();
    render(
        &man(cmd, "1"),
        "supervisorctl runs one action against supervisord, or, without an action, an \
         interactive shell with tab completion (help lists the actions, help ACTION \
         explains one). It is a drop-in for Supervisor 4.3's supervisorctl: the same \
         options, actions, output and exit codes. Names are process names, group:name, \
         group:* for a whole group, or all.\n\n\
         Without -s or -c, the configuration file is searched as supervisord searches it \
         and its [supervisorctl] section gives the server's URL.",
        |r| {
            let items: Vec<(&str, &str)> = actions.iter().map(|(n, a)| (n.as_str(), *a)).collect();
            section(r, "ACTIONS", &items);
            section(
                r,
                "EXIT STATUS",
                &[
                    ("0", "Success."),
                    ("1", "An error (unknown name, bad argument, ...)."),
                    ("2", "A usage error."),
                    ("3", "status: a process is not running."),
                    (
                        "4",
                        "status: an unknown name; the server could not be reached.",
                    ),
                    ("5", "The server speaks another API version."),
                    ("7", "A process could not be started, or is not running."),
                ],
            );
            section(
                r,
                "COMPLETION",
                &[(
                    "supervisorctl completions bash|zsh|fish",
                    "Prints a completion script; process and group names are completed from the \
                     running supervisord. The Debian package installs them for every shell.",
                )],
            );
            see_also(r, "supervisord(8), supervisord.conf(5)");
        },
    )
}

fn echo_page() -> Vec<u8> {
    let cmd = describe(
        "echo_supervisord_conf",
        "print a sample supervisord configuration",
        echo_supervisord_conf::OPTIONS,
    );
    render(
        &man(cmd, "1"),
        "Prints a commented sample configuration with every section and option, active \
         where Supervisor's sample has them active, to start a supervisord.conf from: \
         echo_supervisord_conf > /etc/supervisord.conf.",
        |r| see_also(r, "supervisord.conf(5), supervisord(8)"),
    )
}

fn pidproxy_page() -> Vec<u8> {
    let cmd = Command::new("pidproxy")
        .about("supervise a program that daemonizes itself")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .arg(Arg::new("pidfile").value_name("PIDFILE").required(true))
        .arg(Arg::new("command").value_name("COMMAND").required(true))
        .arg(Arg::new("args").value_name("ARGS").num_args(0..));
    render(
        &man(cmd, "1"),
        "pidproxy runs COMMAND (by its absolute path) and stays in the foreground while \
         the program it starts daemonizes itself, so supervisord can manage it: \
         command=pidproxy /var/run/x.pid /usr/sbin/x.\n\n\
         The signals TERM, HUP, INT, QUIT, USR1 and USR2 are sent on to the pid written \
         in PIDFILE, read when the signal arrives. pidproxy is a child subreaper: the \
         daemonized process becomes its child, and it exits when every process it started \
         is gone, with the status of the last one (0 after a forwarded TERM, INT or QUIT, \
         as Supervisor's pidproxy).",
        |r| see_also(r, "supervisord(8)"),
    )
}

fn see_also(roff: &mut Roff, pages: &str) {
    roff.control("SH", ["SEE ALSO"]).text([italic(pages)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str) -> String {
        let pages = man_pages();
        let (_, page) = pages.iter().find(|(n, _)| n == name).unwrap();
        String::from_utf8(page.clone()).unwrap()
    }

    #[test]
    fn every_option_and_action_is_in_its_page() {
        let page = text("supervisord.8");
        assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{page}");
        for d in supervisord::OPTIONS.iter().filter_map(|d| d.long) {
            assert!(page.contains(&d.replace('-', "\\-")), "{d}");
        }
        let page = text("supervisorctl.1");
        for (name, _, _) in supervisorctl::ACTIONS {
            assert!(page.contains(&format!("\\fB{name}")), "{name}");
        }
        assert!(text("pidproxy.1").contains("PIDFILE"));
        assert!(text("echo_supervisord_conf.1").contains("toml"));
    }
}
