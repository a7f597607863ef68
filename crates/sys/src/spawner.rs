//! The spawner thread: where children that must die with the daemon are forked.
//! `PR_SET_PDEATHSIG` fires when the *thread* that created the child exits, not
//! the process (prctl(2)); the runtime's workers and blocking threads come and go
//! (a blocking thread ends after 10 s idle), so a child forked on one of them would
//! be killed for nothing. This thread is started on first use and never exits: its
//! death is the process's.

// Hands a pointer to another thread; the `unsafe` block states why it is sound.
#![allow(unsafe_code)]

use std::sync::mpsc::{Sender, SyncSender, channel, sync_channel};
use std::sync::{Mutex, OnceLock};

use crate::child::ChildPlan;
use crate::spawn::{SpawnError, fork_child};

/// One fork to run: the plan's address and where the result goes.
struct Job {
    plan: usize,
    reply: SyncSender<Result<i32, SpawnError>>,
}

static SPAWNER: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();

fn spawner() -> &'static Mutex<Sender<Job>> {
    SPAWNER.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        let started = std::thread::Builder::new()
            .name("supervisor-spawner".into())
            .spawn(move || {
                // Signals go to the runtime's workers, never to this sleeper.
                crate::signal::never_on_this_thread();
                for job in rx {
                    // SAFETY: `plan` is the address of a `ChildPlan` that its sender
                    // keeps alive and untouched until it has our reply (see
                    // `fork_on_spawner`, which blocks on it).
                    let plan = unsafe { &*(job.plan as *const ChildPlan) };
                    let _ = job.reply.send(fork_child(plan));
                }
            });
        if let Err(e) = started {
            // Without the thread every such spawn fails (the receiver is gone).
            eprintln!("supervisord: cannot start the spawner thread: {e}");
        }
        Mutex::new(tx)
    })
}

/// `fork_child(plan)`, run on the spawner thread; blocks until it is done.
pub(crate) fn fork_on_spawner(plan: &ChildPlan) -> Result<i32, SpawnError> {
    let (reply, result) = sync_channel(1);
    let job = Job {
        plan: std::ptr::from_ref(plan) as usize,
        reply,
    };
    let sent = spawner()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .send(job);
    if sent.is_err() {
        return Err(SpawnError::Spawner);
    }
    // The plan stays borrowed (alive, unmoved) until this returns.
    result.recv().unwrap_or(Err(SpawnError::Spawner))
}
