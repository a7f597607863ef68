//! The exposition text: names, types, labels and escaping.

use supervisor_model::{ProcessState, SupervisorState};
use supervisor_sys::{SelfUsage, Usage};

use super::encode;
use crate::observe::{DaemonMetrics, LogBytes, Metrics, PoolMetrics, ProcessMetrics};

fn sample() -> Metrics {
    let web = ProcessMetrics {
        group: "web".into(),
        name: "web_0".into(),
        state: ProcessState::Running,
        starts: 3,
        unexpected_exits: 2,
        last_exit_code: Some(1),
        start_time: 1_700_000_000,
        uptime_seconds: 42.0,
        usage: Some(Usage {
            cpu_seconds: 1.5,
            rss_bytes: 4096,
            processes: 2,
        }),
        stdout: LogBytes {
            written: 100,
            spliced: 60,
            dropped: 7,
        },
        stderr: LogBytes::default(),
    };
    let odd = ProcessMetrics {
        group: "we\"ird\\".into(),
        name: "x\ny".into(),
        state: ProcessState::Fatal,
        starts: 0,
        unexpected_exits: 0,
        last_exit_code: None,
        start_time: 0,
        uptime_seconds: 0.0,
        usage: None,
        stdout: LogBytes::default(),
        stderr: LogBytes::default(),
    };
    Metrics {
        processes: vec![web, odd],
        pools: vec![PoolMetrics {
            group: "listeners".into(),
            buffered: 4,
            dropped: 9,
        }],
        daemon: DaemonMetrics {
            state: SupervisorState::Running,
            usage: SelfUsage {
                cpu_seconds: 0.25,
                rss_bytes: 1 << 20,
                open_fds: 12,
                max_fds: 1024,
                start_time_seconds: 1_700_000_000.5,
            },
            config_generation: 2,
            reloads: 1,
            events_published: 77,
        },
    }
}

#[test]
fn series_names_types_and_labels() {
    let text = encode(&sample()).unwrap();
    for line in [
        "# TYPE supervisor_process_state gauge",
        "supervisor_process_state{group=\"web\",name=\"web_0\",state=\"RUNNING\"} 1",
        "supervisor_process_state{group=\"web\",name=\"web_0\",state=\"STOPPED\"} 0",
        "# TYPE supervisor_process_starts_total counter",
        "supervisor_process_starts_total{group=\"web\",name=\"web_0\"} 3",
        "supervisor_process_unexpected_exits_total{group=\"web\",name=\"web_0\"} 2",
        "supervisor_process_last_exit_code{group=\"web\",name=\"web_0\"} 1",
        "supervisor_process_uptime_seconds{group=\"web\",name=\"web_0\"} 42.0",
        "supervisor_process_cpu_seconds_total{group=\"web\",name=\"web_0\"} 1.5",
        "supervisor_process_resident_memory_bytes{group=\"web\",name=\"web_0\"} 4096",
        "supervisor_process_log_written_bytes_total{group=\"web\",name=\"web_0\",channel=\"stdout\"} 100",
        "supervisor_process_log_spliced_bytes_total{group=\"web\",name=\"web_0\",channel=\"stdout\"} 60",
        "supervisor_process_log_dropped_bytes_total{group=\"web\",name=\"web_0\",channel=\"stdout\"} 7",
        "supervisor_pool_events_buffered{group=\"listeners\"} 4",
        "supervisor_pool_events_dropped_total{group=\"listeners\"} 9",
        "supervisor_state{state=\"RUNNING\"} 1",
        "supervisor_config_generation 2",
        "supervisor_reloads_total 1",
        "supervisor_events_published_total 77",
        "process_open_fds 12",
        "process_resident_memory_bytes 1048576",
        "process_cpu_seconds_total 0.25",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    // One series per state per process; none for what a process does not have.
    assert_eq!(text.matches("supervisor_process_state{").count(), 16);
    assert!(!text.contains("supervisor_process_last_exit_code{group=\"we\\\""));
    // Label values are escaped.
    assert!(
        text.contains("group=\"we\\\"ird\\\\\",name=\"x\\ny\""),
        "{text}"
    );
}
