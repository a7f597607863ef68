//! `/metrics` from the daemon's read side (README, "Metrics and health endpoints"):
//! each process's published snapshot and output counters, each listener pool's
//! counts, the registry's generation and reloads, the bus's event count, and one
//! pass over `/proc` for the process trees and supervisord itself. No process actor
//! is asked anything.

use supervisor_model::{ProcessState, SupervisorState};
use supervisor_rpc::observe::{DaemonMetrics, LogBytes, Metrics, PoolMetrics, ProcessMetrics};
use supervisor_sys::ProcTable;

use crate::events::EventBus;
use crate::process::channel::Channel;
use crate::registry::Registry;
use crate::snapshot::unix_now;

pub fn gather(reg: &Registry, state: SupervisorState, events: &EventBus) -> Metrics {
    let table = ProcTable::scan().ok();
    let now = unix_now();
    let mut processes = Vec::new();
    for (g, m) in reg.lexical() {
        let snap = m.snapshot.borrow().clone();
        let running = snap.state == ProcessState::Running;
        let usage = snap
            .pid
            .and_then(|pid| table.as_ref().and_then(|t| t.tree_usage(pid)));
        let bytes = |c: Channel| {
            let t = m.counters.totals(c);
            LogBytes {
                written: t.written,
                spliced: t.spliced,
                dropped: t.dropped,
            }
        };
        processes.push(ProcessMetrics {
            group: g.config.name.clone(),
            name: m.config.name.clone(),
            state: snap.state,
            starts: snap.starts,
            unexpected_exits: snap.unexpected_exits,
            last_exit_code: snap.last_exit_code,
            start_time: snap.start,
            uptime_seconds: if running && snap.start > 0 {
                (now - snap.start).max(0) as f64
            } else {
                0.0
            },
            usage,
            stdout: bytes(Channel::Stdout),
            stderr: bytes(Channel::Stderr),
        });
    }
    let pools = reg
        .groups
        .iter()
        .filter_map(|g| {
            let stats = g.pool.as_ref()?;
            Some(PoolMetrics {
                group: g.config.name.clone(),
                buffered: stats.buffered.load(std::sync::atomic::Ordering::Relaxed),
                dropped: stats.dropped.load(std::sync::atomic::Ordering::Relaxed),
            })
        })
        .collect();
    Metrics {
        processes,
        pools,
        daemon: DaemonMetrics {
            state,
            usage: supervisor_sys::self_usage().unwrap_or_default(),
            config_generation: reg.generation,
            reloads: reg.reloads,
            events_published: events.published(),
        },
    }
}
