//! `tail [-f|-N] <name> [stdout|stderr]` (supervisorctl.py `do_tail`): the last 1600
//! (or N) bytes of a process log plus a newline, or `-f` to follow it. Argument
//! handling is Python's, quirks included: with three words the middle one is ignored,
//! `-0` reads the whole file, and `--5` reads from offset 5.

use supervisor_model::py_repr;

use super::print_help;
use crate::api::{Api, Console, LogSource};
use crate::controller::Controller;
use crate::error::CallError;
use crate::follow::{print_last, tailf};
use crate::format::{exit, py_split, python_int};

pub(super) const HELP: &str = "tail [-f] <name> [stdout|stderr] (default stdout)\n\
Ex:\n\
tail -f <name>\t\tContinuous tail of named process stdout\n\
\t\t\tCtrl-C to exit.\n\
tail -100 <name>\tlast 100 *bytes* of process stdout\n\
tail <name> stderr\tlast 1600 *bytes* of process stderr\n";

/// What the arguments ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Request {
    /// Print the last `bytes` bytes (`readProcess*Log(name, -bytes, 0)`).
    Read {
        name: String,
        channel: String,
        bytes: i64,
    },
    Follow {
        name: String,
        channel: String,
    },
    /// A usage error: the message, and whether the help follows it.
    Usage(String, bool),
}

/// The argument rules of `do_tail`.
pub(crate) fn parse(arg: &str) -> Request {
    let mut args = py_split(arg);
    if args.is_empty() {
        return Request::Usage("Error: too few arguments".into(), true);
    }
    if args.len() > 3 {
        return Request::Usage("Error: too many arguments".into(), true);
    }
    let modifier = args[0].starts_with('-').then(|| args.remove(0));
    let (name, channel) = match args[..] {
        [] => return Request::Usage("Error: tail requires process name".into(), false),
        [name] => (name.to_string(), "stdout".to_string()),
        [name, .., last] => {
            let channel = last.to_lowercase();
            if channel != "stdout" && channel != "stderr" {
                return Request::Usage(format!("Error: bad channel {}", py_repr(&channel)), false);
            }
            (name.to_string(), channel)
        }
    };
    let bytes = match modifier {
        None => 1600,
        Some(m) if &m[1..] == "f" => return Request::Follow { name, channel },
        Some(m) => match python_int(&m[1..]) {
            Some(n) => n,
            None => return Request::Usage(format!("Error: bad argument {m}"), false),
        },
    };
    Request::Read {
        name,
        channel,
        bytes,
    }
}

fn source(name: &str, channel: &str) -> LogSource {
    if channel == "stderr" {
        LogSource::Stderr(name.to_string())
    } else {
        LogSource::Stdout(name.to_string())
    }
}

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let (name, channel, bytes) = match parse(arg) {
        Request::Usage(message, with_help) => {
            ctl.output(&message);
            ctl.exit = exit::GENERIC;
            if with_help {
                print_help(ctl, HELP);
            }
            return Ok(());
        }
        Request::Follow { name, channel } => {
            let path = format!("/logtail/{name}/{channel}");
            return tailf(ctl, source(&name, &channel), &path).await;
        }
        Request::Read {
            name,
            channel,
            bytes,
        } => (name, channel, bytes),
    };
    print_last(ctl, source(&name, &channel), bytes, &name).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Call, Harness, Reply, fault};
    use supervisor_model::Fault;

    fn read(name: &str, channel: &str, bytes: i64) -> Request {
        Request::Read {
            name: name.into(),
            channel: channel.into(),
            bytes,
        }
    }

    #[test]
    fn argument_rules() {
        assert_eq!(parse("x"), read("x", "stdout", 1600));
        assert_eq!(parse("x STDERR"), read("x", "stderr", 1600));
        assert_eq!(parse("-3 x"), read("x", "stdout", 3));
        assert_eq!(parse("-0 x"), read("x", "stdout", 0));
        assert_eq!(parse("--5 x"), read("x", "stdout", -5));
        assert_eq!(parse("x ignored stderr"), read("x", "stderr", 1600));
        assert_eq!(
            parse("-f x stderr"),
            Request::Follow {
                name: "x".into(),
                channel: "stderr".into()
            }
        );
        let usage = |m: &str, h| Request::Usage(m.into(), h);
        assert_eq!(parse(""), usage("Error: too few arguments", true));
        assert_eq!(parse("a b c d"), usage("Error: too many arguments", true));
        assert_eq!(
            parse("-f"),
            usage("Error: tail requires process name", false)
        );
        assert_eq!(parse("x bogus"), usage("Error: bad channel 'bogus'", false));
        assert_eq!(parse("-x x"), usage("Error: bad argument -x", false));
        assert_eq!(parse("-- x"), usage("Error: bad argument --", false));
    }

    #[test]
    fn reads() {
        let mut h = Harness::new();
        h.reply(Reply::Data(b"hello\n".to_vec()));
        assert_eq!(h.run("tail echoer"), ("hello\n\n".into(), 0));
        assert_eq!(
            h.calls(),
            [Call::ReadLog(LogSource::Stdout("echoer".into()), -1600, 0)]
        );
        h.reply(Reply::Data(b"lo".to_vec()));
        assert_eq!(h.run("tail -3 echoer stderr"), ("lo\n".into(), 0));
        assert_eq!(
            h.calls(),
            [Call::ReadLog(LogSource::Stderr("echoer".into()), -3, 0)]
        );
        h.reply(fault(Fault::BadName, "nosuch"));
        assert_eq!(
            h.run("tail nosuch"),
            ("nosuch: ERROR (no such process name)\n".into(), 1)
        );
        h.reply(fault(Fault::NoFile, "x"));
        assert_eq!(h.run("tail x"), ("x: ERROR (no log file)\n".into(), 1));
        let (out, code) = h.run("tail");
        assert_eq!(out, format!("Error: too few arguments\n{HELP}"));
        assert_eq!(code, 1);
    }

    #[test]
    fn follows_until_ctrl_c() {
        let mut h = Harness::new();
        h.interrupt_when_idle();
        h.reply(Reply::Stream(vec![b"hel".to_vec(), b"lo\n".to_vec()], true));
        let (out, code) = h.run("tail -f echoer");
        assert_eq!(out, "==> Press Ctrl-C to exit <==\nhello\n\n");
        assert_eq!(code, 0);
        assert_eq!(
            h.calls(),
            [Call::Follow(LogSource::Stdout("echoer".into()), 1024)]
        );
        h.reply(fault(Fault::BadName, "nosuch"));
        let (out, code) = h.run("tail -f nosuch");
        assert_eq!(out, "==> Press Ctrl-C to exit <==\n");
        assert_eq!(
            h.stderr(),
            "unix:///tmp/test.sock/logtail/nosuch/stdout Cannot read, status code 404\n"
        );
        assert_eq!(code, 0);
    }
}
