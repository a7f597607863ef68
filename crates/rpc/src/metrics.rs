//! `GET /metrics` (README, "Metrics and health endpoints"): what
//! [`Control::metrics`] reports, in the Prometheus text format (0.0.4) written by
//! `prometheus-client`. Names follow Prometheus' conventions: `supervisor_process_*`
//! per process (labels `group`, `name`), `supervisor_pool_*` per listener pool
//! (`group`), `supervisor_*` for the daemon, and the standard `process_*` family
//! for supervisord's own CPU, memory and descriptors. The scrape is gathered on a
//! blocking thread (it reads `/proc`), from published state only.

use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeCounterValue, EncodeGaugeValue, EncodeLabelSet, EncodeMetric,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit};
use supervisor_model::{ProcessState, SupervisorState};

use crate::control::Control;
use crate::observe::{LogBytes, Metrics, ProcessMetrics};

pub fn routes<C: Control>() -> Router<Arc<C>> {
    Router::new().route("/metrics", get(scrape::<C>))
}

async fn scrape<C: Control>(State(ctl): State<Arc<C>>) -> Response {
    let gathered = tokio::task::spawn_blocking(move || ctl.metrics().map(|m| encode(&m))).await;
    match gathered {
        Ok(Some(Ok(text))) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            )],
            text,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no metrics\n").into_response(),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "metrics failed\n").into_response(),
    }
}

/// The exposition text of `m`.
pub fn encode(m: &Metrics) -> Result<String, fmt::Error> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Scrape(m.clone())));
    let mut out = String::with_capacity(256 + m.processes.len() * 1500);
    prometheus_client::encoding::prometheus_text::encode(&mut out, &registry)?;
    Ok(out)
}

#[derive(Debug)]
struct Scrape(Metrics);

/// `group` and `name`.
type Pn<'a> = [(&'static str, &'a str); 2];

fn pn(p: &ProcessMetrics) -> Pn<'_> {
    [("group", &p.group), ("name", &p.name)]
}

/// A gauge family: one series per row.
fn gauges<L: EncodeLabelSet, V: EncodeGaugeValue + Copy>(
    enc: &mut DescriptorEncoder,
    (name, help, unit): (&str, &str, Option<&Unit>),
    rows: &[(L, V)],
) -> fmt::Result {
    let mut metric = enc.encode_descriptor(name, help, unit, MetricType::Gauge)?;
    for (labels, value) in rows {
        ConstGauge::new(*value).encode(metric.encode_family(labels)?)?;
    }
    Ok(())
}

/// A counter family (`_total` is added to the name).
fn counters<L: EncodeLabelSet, V: EncodeCounterValue + Copy>(
    enc: &mut DescriptorEncoder,
    (name, help, unit): (&str, &str, Option<&Unit>),
    rows: &[(L, V)],
) -> fmt::Result {
    let mut metric = enc.encode_descriptor(name, help, unit, MetricType::Counter)?;
    for (labels, value) in rows {
        ConstCounter::new(*value).encode(metric.encode_family(labels)?)?;
    }
    Ok(())
}

const NO_LABELS: [(&str, &str); 0] = [];

/// Rows of `group`/`name` series for the processes `f` has a value for.
fn per_process<V>(
    ps: &[ProcessMetrics],
    f: impl Fn(&ProcessMetrics) -> Option<V>,
) -> Vec<(Pn<'_>, V)> {
    ps.iter().filter_map(|p| Some((pn(p), f(p)?))).collect()
}

impl Collector for Scrape {
    fn encode(&self, mut enc: DescriptorEncoder) -> fmt::Result {
        processes(&mut enc, &self.0.processes)?;
        pools(&mut enc, &self.0)?;
        daemon(&mut enc, &self.0)
    }
}

fn processes(enc: &mut DescriptorEncoder, ps: &[ProcessMetrics]) -> fmt::Result {
    let states: Vec<([(&str, &str); 3], u64)> = ps
        .iter()
        .flat_map(|p| {
            ProcessState::ALL.into_iter().map(move |s| {
                let labels = [
                    ("group", p.group.as_str()),
                    ("name", &p.name),
                    ("state", s.name()),
                ];
                (labels, u64::from(p.state == s))
            })
        })
        .collect();
    let help = "Process state: 1 for the state the process is in, 0 for the others";
    gauges(enc, ("supervisor_process_state", help, None), &states)?;
    let help = "Times the process entered STARTING";
    counters(
        enc,
        ("supervisor_process_starts", help, None),
        &per_process(ps, |p| Some(p.starts)),
    )?;
    let help = "Exits with a status not in exitcodes, and deaths before startsecs";
    let rows = per_process(ps, |p| Some(p.unexpected_exits));
    counters(
        enc,
        ("supervisor_process_unexpected_exits", help, None),
        &rows,
    )?;
    let help = "Exit status of the last exit";
    let rows = per_process(ps, |p| p.last_exit_code.map(i64::from));
    gauges(
        enc,
        ("supervisor_process_last_exit_code", help, None),
        &rows,
    )?;
    let secs = Some(&Unit::Seconds);
    let rows = per_process(ps, |p| (p.start_time > 0).then_some(p.start_time));
    gauges(
        enc,
        (
            "supervisor_process_start_time",
            "Unix time of the last start",
            secs,
        ),
        &rows,
    )?;
    let help = "Seconds since the last start while RUNNING, else 0";
    let rows = per_process(ps, |p| Some(p.uptime_seconds));
    gauges(enc, ("supervisor_process_uptime", help, secs), &rows)?;
    tree(enc, ps)?;
    log_bytes(enc, ps)
}

/// What each live process tree costs now.
fn tree(enc: &mut DescriptorEncoder, ps: &[ProcessMetrics]) -> fmt::Result {
    let help = "CPU time of the process tree (descendants and process group, waited-for \
                children included)";
    let rows = per_process(ps, |p| p.usage.map(|u| u.cpu_seconds));
    counters(
        enc,
        ("supervisor_process_cpu", help, Some(&Unit::Seconds)),
        &rows,
    )?;
    let help = "Resident memory of the process tree";
    let rows = per_process(ps, |p| p.usage.map(|u| u.rss_bytes));
    gauges(
        enc,
        (
            "supervisor_process_resident_memory",
            help,
            Some(&Unit::Bytes),
        ),
        &rows,
    )?;
    let help = "Processes in the process tree";
    let rows = per_process(ps, |p| p.usage.map(|u| u.processes));
    gauges(
        enc,
        ("supervisor_process_tree_processes", help, None),
        &rows,
    )
}

fn log_bytes(enc: &mut DescriptorEncoder, ps: &[ProcessMetrics]) -> fmt::Result {
    let channel_rows = |field: fn(&LogBytes) -> u64| -> Vec<([(&str, &str); 3], u64)> {
        ps.iter()
            .flat_map(|p| {
                [("stdout", p.stdout), ("stderr", p.stderr)].map(|(c, b)| {
                    let labels = [
                        ("group", p.group.as_str()),
                        ("name", &p.name),
                        ("channel", c),
                    ];
                    (labels, field(&b))
                })
            })
            .collect()
    };
    let bytes = Some(&Unit::Bytes);
    let help = "Bytes of the process's output written to its log file";
    counters(
        enc,
        ("supervisor_process_log_written", help, bytes),
        &channel_rows(|b| b.written),
    )?;
    let help = "Bytes of those written that the kernel moved from the pipe to the file (splice), never copied through supervisord";
    counters(
        enc,
        ("supervisor_process_log_spliced", help, bytes),
        &channel_rows(|b| b.spliced),
    )?;
    let help = "Bytes of the process's output lost because its log file could not be written";
    counters(
        enc,
        ("supervisor_process_log_dropped", help, bytes),
        &channel_rows(|b| b.dropped),
    )
}

fn pools(enc: &mut DescriptorEncoder, m: &Metrics) -> fmt::Result {
    let rows = |f: fn(&crate::observe::PoolMetrics) -> u64| -> Vec<([(&str, &str); 1], u64)> {
        m.pools
            .iter()
            .map(|p| ([("group", p.group.as_str())], f(p)))
            .collect()
    };
    let help = "Events waiting in an event listener pool's buffer";
    gauges(
        enc,
        ("supervisor_pool_events_buffered", help, None),
        &rows(|p| p.buffered),
    )?;
    let help = "Events an event listener pool discarded because its buffer was full";
    counters(
        enc,
        ("supervisor_pool_events_dropped", help, None),
        &rows(|p| p.dropped),
    )
}

fn daemon(enc: &mut DescriptorEncoder, m: &Metrics) -> fmt::Result {
    let d = &m.daemon;
    let states: Vec<([(&str, &str); 1], u64)> = [
        SupervisorState::Fatal,
        SupervisorState::Running,
        SupervisorState::Restarting,
        SupervisorState::Shutdown,
    ]
    .into_iter()
    .map(|s| ([("state", s.name())], u64::from(d.state == s)))
    .collect();
    let help = "supervisord's state: 1 for the one it is in";
    gauges(enc, ("supervisor_state", help, None), &states)?;
    let help = "Configs applied: 1 at start-up, one more per reload and update";
    let row = [(NO_LABELS, d.config_generation)];
    gauges(enc, ("supervisor_config_generation", help, None), &row)?;
    let help = "Reloads (SIGHUP, reload) since start-up";
    counters(
        enc,
        ("supervisor_reloads", help, None),
        &[(NO_LABELS, d.reloads)],
    )?;
    // Counted as published (EventBus::published): an output chunk nobody hears is
    // never formed, so not counted.
    let help =
        "Events supervisord emitted (PROCESS_LOG_* only while a listener or watcher hears them)";
    let row = [(NO_LABELS, d.events_published)];
    counters(enc, ("supervisor_events_published", help, None), &row)?;
    own(enc, &d.usage)
}

/// supervisord's own process, under the standard `process_*` names.
fn own(enc: &mut DescriptorEncoder, u: &supervisor_sys::SelfUsage) -> fmt::Result {
    let (secs, bytes) = (Some(&Unit::Seconds), Some(&Unit::Bytes));
    let row = [(NO_LABELS, u.cpu_seconds)];
    counters(
        enc,
        ("process_cpu", "supervisord's own CPU time", secs),
        &row,
    )?;
    let help = "supervisord's own resident memory";
    gauges(
        enc,
        ("process_resident_memory", help, bytes),
        &[(NO_LABELS, u.rss_bytes)],
    )?;
    let help = "supervisord's open file descriptors";
    gauges(
        enc,
        ("process_open_fds", help, None),
        &[(NO_LABELS, u.open_fds)],
    )?;
    let help = "supervisord's file descriptor limit";
    gauges(
        enc,
        ("process_max_fds", help, None),
        &[(NO_LABELS, u.max_fds)],
    )?;
    let help = "When supervisord started, in Unix time";
    let row = [(NO_LABELS, u.start_time_seconds)];
    gauges(enc, ("process_start_time", help, secs), &row)
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
