//! `ProcessActor`: one supervised OS process. Its state ([`ProcessActorState`]) owns
//! the state machine and carries out its effects — fork/exec through the sys crate,
//! signals, timers, log lines — publishing a snapshot after every change. Exit
//! statuses arrive from the reaper as messages, so a child's death is handled the
//! moment it is reaped. A panic while handling a message (a bug) is contained here.

use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use supervisor_config::ProcessConfig;
use tokio::sync::watch;

use super::api::{ProcessMsg, Upward};
use super::state::ProcessActorState;
use crate::context::Context;
use crate::snapshot::Snapshot;

pub struct ProcessArgs {
    pub config: Arc<ProcessConfig>,
    pub ctx: Arc<Context>,
    pub snapshot: watch::Sender<Snapshot>,
    /// The group that hears this process's news (none for a process on its own, as
    /// in tests).
    pub upward: Option<Upward>,
}

pub struct ProcessActor;

impl Actor for ProcessActor {
    type Msg = ProcessMsg;
    type State = ProcessActorState;
    type Arguments = ProcessArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<ProcessMsg>,
        args: ProcessArgs,
    ) -> Result<ProcessActorState, ActorProcessingErr> {
        Ok(ProcessActorState::new(
            args.config,
            args.ctx,
            args.snapshot,
            args.upward,
        ))
    }

    async fn handle(
        &self,
        myself: ActorRef<ProcessMsg>,
        msg: ProcessMsg,
        st: &mut ProcessActorState,
    ) -> Result<(), ActorProcessingErr> {
        // Crash containment: a panic while handling a message (a bug) must not take
        // the actor down with the child's bookkeeping; the state is rebuilt from the
        // last published snapshot and the child stays supervised.
        let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            st.on_message(&myself, msg);
        }));
        if let Err(panic) = handled {
            st.recover(&panic_text(&panic));
        }
        Ok(())
    }
}

/// A panic payload as text.
fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
