//! `maintail [-f|-N]` (supervisorctl.py `do_maintail`): the last 1600 (or N) bytes of
//! supervisord's main log plus a newline, or `-f` to follow it.

use super::print_help;
use crate::api::{Api, Console, LogSource};
use crate::controller::Controller;
use crate::error::CallError;
use crate::follow::{print_last, tailf};
use crate::format::{exit, py_split, python_int};

pub(super) const HELP: &str = "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\n\
maintail -100\tlast 100 *bytes* of supervisord main log file\n\
maintail\tlast 1600 *bytes* of supervisor main log file\n\
\n";

/// What the arguments ask for: `Ok(Some(n))` read n bytes, `Ok(None)` follow,
/// `Err((message, with_help))` a usage error.
pub(crate) fn parse(arg: &str) -> Result<Option<i64>, (String, bool)> {
    match py_split(arg)[..] {
        [] => Ok(Some(1600)),
        [one] => match one.strip_prefix('-') {
            Some("f") => Ok(None),
            Some(what) => python_int(what)
                .map(Some)
                .ok_or_else(|| (format!("Error: bad argument {one}"), false)),
            None => Err((format!("Error: bad argument {one}"), false)),
        },
        _ => Err(("Error: too many arguments".into(), true)),
    }
}

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let bytes = match parse(arg) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return tailf(ctl, LogSource::Main, "/mainlogtail").await,
        Err((message, with_help)) => {
            ctl.output(&message);
            ctl.exit = exit::GENERIC;
            if with_help {
                print_help(ctl, HELP);
            }
            return Ok(());
        }
    };
    print_last(ctl, LogSource::Main, bytes, "supervisord").await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Call, Harness, Reply, fault};
    use supervisor_model::Fault;

    #[test]
    fn arguments() {
        assert_eq!(parse(""), Ok(Some(1600)));
        assert_eq!(parse("-50"), Ok(Some(50)));
        assert_eq!(parse("-f"), Ok(None));
        assert_eq!(parse("x"), Err(("Error: bad argument x".into(), false)));
        assert_eq!(parse("-x"), Err(("Error: bad argument -x".into(), false)));
        assert_eq!(
            parse("a b"),
            Err(("Error: too many arguments".into(), true))
        );
    }

    #[test]
    fn reads() {
        let mut h = Harness::new();
        h.reply(Reply::Data(b"log".to_vec()));
        assert_eq!(h.run("maintail -50"), ("log\n".into(), 0));
        assert_eq!(h.calls(), [Call::ReadLog(LogSource::Main, -50, 0)]);
        h.reply(fault(Fault::NoFile, ""));
        assert_eq!(
            h.run("maintail"),
            ("supervisord: ERROR (no log file)\n".into(), 1)
        );
        let (out, code) = h.run("maintail a b");
        assert_eq!(out, format!("Error: too many arguments\n{HELP}"));
        assert_eq!(code, 1);
        h.interrupt_when_idle();
        h.reply(Reply::Stream(vec![b"x".to_vec()], true));
        assert_eq!(
            h.run("maintail -f"),
            ("==> Press Ctrl-C to exit <==\nx\n".into(), 0)
        );
    }
}
