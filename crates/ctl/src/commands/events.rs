//! `events [TYPE...]` (beyond Supervisor, which has no way to watch events short of
//! writing a listener): follows the daemon's events over gRPC `WatchEvents` until
//! Ctrl-C. Types are as in an `[eventlistener]`'s `events=` (abstract ones such as
//! `PROCESS_STATE` included); none means every event. Each event prints as its name
//! and payload, as a listener would read it; events lost because this client read
//! too slowly are counted, never silently skipped.
//!
//! It is not listed in `help`'s topic table, which stays byte-for-byte Supervisor's;
//! `help events` describes it.

use supervisor_proto::v1;

use crate::api::{Api, Console, EventStream};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::py_split;

pub(super) const HELP: &str = "events\t\t\tFollow every event supervisord emits (Ctrl-C to exit)\n\
events <type> <type>\tFollow events of these types (as in an eventlistener's events=)\n";

/// How one event prints: `NAME payload`, the payload's data lines (after its
/// header line) verbatim, and a note first when events were dropped.
pub(crate) fn render(e: &v1::Event) -> String {
    let mut out = String::new();
    if e.dropped > 0 {
        out.push_str(&format!(
            "({} events dropped: this client read too slowly)\n",
            e.dropped
        ));
    }
    out.push_str(&e.name);
    if !e.payload.is_empty() {
        out.push(' ');
        out.push_str(&e.payload);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let names: Vec<String> = py_split(arg)
        .into_iter()
        .map(|n| n.to_ascii_uppercase())
        .collect();
    let mut stream = match ctl.api.watch_events(names).await {
        Ok(stream) => {
            ctl.output("==> Press Ctrl-C to exit <==");
            stream
        }
        Err(CallError::Fault(f)) => {
            ctl.output(&format!("Error: {}", f.text));
            ctl.exit = crate::format::exit::GENERIC;
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    loop {
        let next = tokio::select! {
            biased;
            next = stream.next_event() => next,
            () = ctl.console.interrupted() => {
                ctl.output("");
                return Ok(());
            }
        };
        match next? {
            Some(event) => ctl.write_raw(render(&event).as_bytes()),
            None => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Call, Harness, Reply, fault};
    use supervisor_model::Fault;

    fn event(name: &str, payload: &str, dropped: u64) -> v1::Event {
        v1::Event {
            serial: None,
            name: name.into(),
            payload: payload.into(),
            dropped,
        }
    }

    #[test]
    fn rendering() {
        assert_eq!(
            render(&event("PROCESS_GROUP_ADDED", "groupname:web\n", 0)),
            "PROCESS_GROUP_ADDED groupname:web\n"
        );
        assert_eq!(
            render(&event("SUPERVISOR_STATE_CHANGE_RUNNING", "", 2)),
            "(2 events dropped: this client read too slowly)\nSUPERVISOR_STATE_CHANGE_RUNNING\n"
        );
        assert_eq!(
            render(&event("REMOTE_COMMUNICATION", "type:x\nhello", 0)),
            "REMOTE_COMMUNICATION type:x\nhello\n"
        );
    }

    #[test]
    fn follows_until_the_stream_ends_and_reports_bad_types() {
        let mut h = Harness::new();
        h.reply(Reply::Events(vec![event("TICK_5", "when:5", 0)]));
        assert_eq!(
            h.run("events tick"),
            ("==> Press Ctrl-C to exit <==\nTICK_5 when:5\n".into(), 0)
        );
        assert_eq!(h.calls(), [Call::WatchEvents(vec!["TICK".into()])]);
        h.reply(fault(Fault::IncorrectParameters, "unknown event type NOPE"));
        assert_eq!(
            h.run("events nope"),
            (
                "Error: INCORRECT_PARAMETERS: unknown event type NOPE\n".into(),
                1
            )
        );
    }
}
