//! Supervisor's `_update` check shared by both APIs: while supervisord is shutting
//! down or restarting, every `supervisor.*` call fails with SHUTDOWN_STATE.

use supervisor_model::{Fault, FaultError, SupervisorState};

use crate::control::{Control, CtlResult};

/// `Ok` while supervisord is RUNNING (or FATAL, which Supervisor also serves).
pub fn require_running<C: Control>(ctl: &C) -> CtlResult<()> {
    match ctl.state() {
        SupervisorState::Running | SupervisorState::Fatal => Ok(()),
        _ => Err(FaultError::bare(Fault::ShutdownState)),
    }
}
