//! `fg <name>` (supervisorctl.py `do_fg`): attach to a RUNNING process: its stdout and
//! stderr logs stream to the terminal while each line typed is sent to its stdin
//! (plus a newline). Ctrl-C or end of input detaches (`Exiting foreground`); the
//! process dying is noticed after the next line (`Process got killed`).

use supervisor_model::{Fault, ProcessState};

use super::print_help;
use super::targets::upchecked;
use crate::api::{Api, Console, LogSource, LogStream};
use crate::controller::Controller;
use crate::error::{CallError, fault_repr};
use crate::follow::{deliver, open};
use crate::format::exit;

pub(super) const HELP: &str = "fg <process>\tConnect to a process in foreground mode\n\
\t\tCtrl-C to exit\n";

/// The next chunk of a stream that may be gone (then never).
async fn next<S: LogStream>(stream: &mut Option<S>) -> Result<Option<Vec<u8>>, CallError> {
    match stream {
        Some(s) => s.next_chunk().await,
        None => std::future::pending().await,
    }
}

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    let Some(names) = upchecked(ctl, arg).await? else {
        return Ok(());
    };
    let name = match names[..] {
        [] => {
            ctl.output("ERROR: no process name supplied");
            ctl.exit = exit::GENERIC;
            print_help(ctl, HELP);
            return Ok(());
        }
        [name] => name,
        _ => {
            ctl.output("ERROR: too many process names supplied");
            ctl.exit = exit::GENERIC;
            return Ok(());
        }
    };
    match ctl.api.get_process(name).await {
        Ok(info) if info.state == ProcessState::Running.code() => {}
        Ok(_) => {
            ctl.output("ERROR: process not running");
            ctl.exit = exit::GENERIC;
            return Ok(());
        }
        Err(CallError::Fault(f)) if f.fault == Fault::BadName => {
            ctl.output("ERROR: bad process name supplied");
            ctl.exit = exit::GENERIC;
            return Ok(());
        }
        Err(CallError::Fault(f)) => {
            ctl.output(&format!("ERROR: {}", fault_repr(&f)));
            return Ok(());
        }
        Err(e) => return Err(e),
    }
    ctl.output("==> Press Ctrl-C to exit <==");
    match attach(ctl, name).await {
        Ok(()) | Err(CallError::Interrupted | CallError::Eof) => {
            ctl.output("Exiting foreground");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Streams both logs and forwards input until something ends the session. Returns
/// `Ok(())` after printing why the process is gone, or the reason to detach.
async fn attach<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    name: &str,
) -> Result<(), CallError> {
    let out_path = format!("/logtail/{name}/stdout");
    let err_path = format!("/logtail/{name}/stderr");
    let mut stdout = open(ctl, LogSource::Stdout(name.into()), &out_path).await?;
    let mut stderr = open(ctl, LogSource::Stderr(name.into()), &err_path).await?;
    loop {
        let line = tokio::select! {
            biased;
            chunk = next(&mut stdout) => {
                if deliver(ctl, &out_path, chunk) {
                    stdout = None;
                }
                continue;
            }
            chunk = next(&mut stderr) => {
                if deliver(ctl, &err_path, chunk) {
                    stderr = None;
                }
                continue;
            }
            // Ctrl-C while waiting for input comes back as Interrupted.
            line = ctl.console.read_line() => line?.ok_or(CallError::Eof)?,
        };
        let mut data = line.into_bytes();
        data.push(b'\n');
        match ctl.api.send_stdin(name, data).await {
            Ok(()) => {}
            Err(CallError::Fault(f)) => {
                if f.fault == Fault::NotRunning {
                    ctl.output("Process got killed");
                } else {
                    ctl.output(&format!("ERROR: {}", fault_repr(&f)));
                }
                return Ok(());
            }
            Err(e) => return Err(e),
        }
        let info = ctl.api.get_process(name).await?;
        if info.state != ProcessState::Running.code() {
            ctl.output("Process got killed");
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Call, Harness, Reply, fault, info};

    fn running() -> Reply {
        Reply::Process(info("cat", "cat", "RUNNING", "pid 1, uptime 0:00:01"))
    }

    #[test]
    fn forwards_lines_until_eof() {
        let mut h = Harness::new();
        h.reply(running())
            .reply(Reply::Stream(vec![b"out\n".to_vec()], false))
            .reply(Reply::Stream(vec![b"err\n".to_vec()], false))
            .reply(Reply::Unit)
            .reply(running());
        h.typed(Some("hi")).typed(None);
        let (out, code) = h.run("fg cat");
        assert_eq!(
            out,
            "==> Press Ctrl-C to exit <==\nout\nerr\nExiting foreground\n"
        );
        assert_eq!(code, 0);
        assert_eq!(
            h.calls(),
            [
                Call::GetProcess("cat".into()),
                Call::Follow(LogSource::Stdout("cat".into()), 1024),
                Call::Follow(LogSource::Stderr("cat".into()), 1024),
                Call::SendStdin("cat".into(), b"hi\n".to_vec()),
                Call::GetProcess("cat".into()),
            ]
        );
    }

    #[test]
    fn notices_death_and_ctrl_c() {
        let mut h = Harness::new();
        h.reply(running())
            .reply(Reply::Stream(vec![], true))
            .reply(fault(Fault::NoFile, "cat"))
            .reply(fault(Fault::NotRunning, "cat"));
        h.typed(Some("x"));
        let (out, _) = h.run("fg cat");
        assert_eq!(
            out,
            "==> Press Ctrl-C to exit <==\nProcess got killed\nExiting foreground\n"
        );
        assert_eq!(
            h.stderr(),
            "unix:///tmp/test.sock/logtail/cat/stderr Cannot read, status code 404\n"
        );
        h.interrupt_when_idle();
        h.reply(running())
            .reply(Reply::Stream(vec![], true))
            .reply(Reply::Stream(vec![], true));
        let (out, _) = h.run("fg cat");
        assert_eq!(out, "==> Press Ctrl-C to exit <==\nExiting foreground\n");
    }

    #[test]
    fn refusals() {
        let mut h = Harness::new();
        let (out, code) = h.run("fg");
        assert_eq!(out, format!("ERROR: no process name supplied\n{HELP}"));
        assert_eq!(code, 1);
        assert_eq!(
            h.run("fg a b"),
            ("ERROR: too many process names supplied\n".into(), 1)
        );
        h.reply(fault(Fault::BadName, "x"));
        assert_eq!(
            h.run("fg x"),
            ("ERROR: bad process name supplied\n".into(), 1)
        );
        h.reply(Reply::Process(info("q", "q", "EXITED", "")));
        assert_eq!(h.run("fg q"), ("ERROR: process not running\n".into(), 1));
    }
}
