//! The `WatchUsage` stream: every `interval_ms`, [`Control::usage`] (one reading of
//! /proc, on a blocking thread) as a `v1::UsageSample`, until the client goes away.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use supervisor_proto::v1;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use crate::control::{Control, ProcessUsage};

/// Samples for `ctl`; `interval_ms` 0 means a second, and less than 100 ms is 100.
pub(crate) fn stream<C: Control>(
    ctl: Arc<C>,
    interval_ms: u32,
) -> ReceiverStream<Result<v1::UsageSample, Status>> {
    let every = match interval_ms {
        0 => 1000,
        ms => ms.max(100),
    };
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_millis(every.into()));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = tx.closed() => return,
            }
            let ctl = Arc::clone(&ctl);
            let Ok(usage) = tokio::task::spawn_blocking(move || ctl.usage()).await else {
                return;
            };
            let sample = v1::UsageSample {
                at_ms: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
                processes: usage.into_iter().map(usage_msg).collect(),
            };
            if tx.send(Ok(sample)).await.is_err() {
                return;
            }
        }
    });
    ReceiverStream::new(rx)
}

fn usage_msg(u: ProcessUsage) -> v1::ProcessUsage {
    v1::ProcessUsage {
        name: u.name,
        group: u.group,
        pid: u.pid,
        processes: u.processes,
        cpu_seconds: u.cpu_seconds,
        rss_bytes: u.rss_bytes,
    }
}
