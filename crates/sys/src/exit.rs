//! Decoding a raw `waitpid` status into the model's [`ExitStatus`], as Supervisor's
//! `decode_wait_status` (options.py) does.

use supervisor_model::ExitStatus;

/// Decode a raw wait status; `None` for stop/continue notifications, which are not
/// an end (the reaper never asks for them, but a traced child can produce them).
pub fn decode_wait_status(status: i32) -> Option<ExitStatus> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_like_supervisor() {
        assert_eq!(decode_wait_status(1 << 8), Some(ExitStatus::Exited(1)));
        assert_eq!(
            decode_wait_status(9),
            Some(ExitStatus::Signaled {
                signal: 9,
                core_dumped: false
            })
        );
        assert_eq!(
            decode_wait_status(11 | 0x80),
            Some(ExitStatus::Signaled {
                signal: 11,
                core_dumped: true
            })
        );
        // WIFSTOPPED (0x7f low byte) is not an end.
        assert_eq!(decode_wait_status((19 << 8) | 0x7f), None);
    }
}
