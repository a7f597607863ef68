//! `ExitStatus`: how a child ended (options.py `decode_wait_status` decodes it from a
//! raw wait status: crates/sys does that), Supervisor's `exitstatus` of it, and the
//! text Supervisor logs for it.

use std::fmt;

use crate::Signal;

/// The end of a child process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitStatus {
    /// `exit(code)` / `_exit(code)`; `code` is 0–255.
    Exited(i32),
    /// Killed by `signal`; `core_dumped` is `WCOREDUMP`.
    Signaled { signal: i32, core_dumped: bool },
}

impl ExitStatus {
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
    fn describes_like_supervisor() {
        let exited = ExitStatus::Exited(1);
        assert_eq!(exited.describe(), "exit status 1");
        assert_eq!(exited.exit_code(), 1);
        let killed = ExitStatus::Signaled {
            signal: 9,
            core_dumped: false,
        };
        assert_eq!(killed.describe(), "terminated by SIGKILL");
        assert_eq!(killed.exit_code(), -1);
        assert_eq!(killed.signal(), Some(9));
        let core = ExitStatus::Signaled {
            signal: 11,
            core_dumped: true,
        };
        assert_eq!(core.describe(), "terminated by SIGSEGV (core dumped)");
        let rt = ExitStatus::Signaled {
            signal: 40,
            core_dumped: false,
        };
        assert_eq!(rt.describe(), "terminated by signal 40");
    }
}
