//! [`TermConsole`]: the real [`Console`]. Lines come from stdin; passwords are read
//! like Python's `getpass`: prompt and input on /dev/tty with echo off, or, without a
//! terminal, a warning and the prompt on stderr and the input from stdin.

use std::fs::{File, OpenOptions};
use std::io::Write;

use nix::sys::termios::{LocalFlags, SetArg, Termios, tcgetattr, tcsetattr};

use crate::api::Console;
use crate::error::CallError;
use crate::grpc::ctrl_c;
use crate::stdin::FdLines;

/// The user at a terminal (or a pipe).
pub struct TermConsole {
    stdin: FdLines<std::io::Stdin>,
}

impl Default for TermConsole {
    fn default() -> Self {
        TermConsole::new()
    }
}

impl TermConsole {
    pub fn new() -> TermConsole {
        TermConsole {
            stdin: FdLines::new(std::io::stdin()),
        }
    }
}

/// Puts the terminal's echo back however the password read ends.
struct EchoOff<'a> {
    tty: &'a File,
    saved: Termios,
}

impl<'a> EchoOff<'a> {
    fn new(tty: &'a File) -> Option<EchoOff<'a>> {
        let saved = tcgetattr(tty).ok()?;
        let mut quiet = saved.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        tcsetattr(tty, SetArg::TCSAFLUSH, &quiet).ok()?;
        Some(EchoOff { tty, saved })
    }
}

impl Drop for EchoOff<'_> {
    fn drop(&mut self) {
        let _ = tcsetattr(self.tty, SetArg::TCSAFLUSH, &self.saved);
    }
}

impl Console for TermConsole {
    async fn read_line(&mut self) -> Result<Option<String>, CallError> {
        tokio::select! {
            line = self.stdin.read_line() => line.map_err(CallError::Io),
            () = ctrl_c() => Err(CallError::Interrupted),
        }
    }

    async fn read_password(&mut self, prompt: &str) -> Result<Option<String>, CallError> {
        let tty = OpenOptions::new().read(true).write(true).open("/dev/tty");
        let Ok(tty) = tty else {
            // getpass's fallback_getpass.
            let mut err = std::io::stderr();
            let _ = write!(err, "Warning: Password input may be echoed.\n{prompt}");
            let _ = err.flush();
            let line = self.read_line().await;
            // getpass ends every prompt with a newline, echo or not.
            let _ = err.write_all(b"\n");
            return line;
        };
        let mut writer = &tty;
        let _ = writer.write_all(prompt.as_bytes());
        let _ = writer.flush();
        let mut lines = FdLines::new(&tty);
        let line = {
            let _echo = EchoOff::new(lines.get_ref());
            tokio::select! {
                line = lines.read_line() => line.map_err(CallError::Io),
                () = ctrl_c() => Err(CallError::Interrupted),
            }
        };
        // The newline the user typed was not echoed.
        let _ = writer.write_all(b"\n");
        line
    }

    async fn interrupted(&mut self) {
        ctrl_c().await;
    }
}
