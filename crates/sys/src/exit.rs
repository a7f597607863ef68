//! `ExitStatus`: how a child ended, decoded from a raw `waitpid` status the way
//! Supervisor's `decode_wait_status` does, and the text Supervisor logs for it.

use std::fmt;

use supervisor_model::Signal;

/// The end of a child process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitStatus {
    /// `exit(code)` / `_exit(code)`; `code` is 0–255.
    Exited(i32),
    /// Killed by `signal`; `core_dumped` is `WCOREDUMP`.
    Signaled { signal: i32, core_dumped: bool },
}

impl ExitStatus {
    /// Decode a raw wait status; `None` for stop/continue notifications, which are not
    /// an end (the reaper never asks for them, but a traced child can produce them).
    pub fn from_raw(status: i32) -> Option<ExitStatus> {
        if libc::WIFEXITED(status) {
            Some(ExitStatus::Exited(libc::WEXITSTATUS(status)))
        } else if libc::WIFSIGNALED(status) {
            Some(ExitStatus::Signaled {
                signal: libc::WTERMSIG(status),
                core_dumped: libc::WCOREDUMP(status),
            })
        } else {
            None
        }
    }

    /// Supervisor's `exitstatus`: the exit code, or -1 for a death by signal (which is
    /// therefore never "expected").
    pub fn exit_code(&self) -> i32 {
        match *self {
            ExitStatus::Exited(code) => code,
            ExitStatus::Signaled { .. } => -1,
        }
    }

    /// The signal that killed the process, if any.
    pub fn signal(&self) -> Option<i32> {
        match *self {
            ExitStatus::Exited(_) => None,
            ExitStatus::Signaled { signal, .. } => Some(signal),
        }
    }

    /// `exit status 1`, `terminated by SIGKILL`, `terminated by SIGSEGV (core dumped)`.
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ExitStatus::Exited(code) => write!(f, "exit status {code}"),
            ExitStatus::Signaled {
                signal,
                core_dumped,
            } => {
                write!(f, "terminated by {}", Signal::describe(signal))?;
                if core_dumped {
                    f.write_str(" (core dumped)")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_describes_like_supervisor() {
        let exited = ExitStatus::from_raw(1 << 8).unwrap();
        assert_eq!(exited, ExitStatus::Exited(1));
        assert_eq!(exited.describe(), "exit status 1");
        assert_eq!(exited.exit_code(), 1);

        let killed = ExitStatus::from_raw(9).unwrap();
        assert_eq!(killed.describe(), "terminated by SIGKILL");
        assert_eq!(killed.exit_code(), -1);
        assert_eq!(killed.signal(), Some(9));

        let core = ExitStatus::from_raw(11 | 0x80).unwrap();
        assert_eq!(core.describe(), "terminated by SIGSEGV (core dumped)");

        let rt = ExitStatus::Signaled {
            signal: 40,
            core_dumped: false,
        };
        assert_eq!(rt.describe(), "terminated by signal 40");

        // WIFSTOPPED (0x7f low byte) is not an end.
        assert_eq!(ExitStatus::from_raw((19 << 8) | 0x7f), None);
    }
}
