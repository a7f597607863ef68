//! One event listener's side of Supervisor's stdin/stdout protocol (dispatchers.py `PEventListenerDispatcher`), as a
//! plain state machine over the bytes read from the listener's stdout: `READY\n`
//! takes it from ACKNOWLEDGED to READY; once an event was sent (BUSY) a result line
//! `RESULT <len>\n` and exactly `<len>` bytes of body come back, and it is
//! ACKNOWLEDGED again. Anything else makes it UNKNOWN. Bytes arrive chunked
//! arbitrarily (`RESULT 2\nOKREADY\n` in one read is normal), so partial input is
//! kept until it decides something.
//!
//! What is kept is bounded (README, "Security"), where Supervisor's `state_buffer`
//! grows as long as a listener writes: a result line longer than
//! [`RESULT_LINE_LIMIT`] or a result body announced longer than [`RESULT_BODY_LIMIT`]
//! is a protocol error, handled as a bad result line (the event is redelivered and
//! the listener restarted).

use supervisor_model::LogLevel;

/// Supervisor's listener states (`EventListenerStates`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerState {
    Acknowledged,
    Ready,
    Busy,
    Unknown,
}

impl ListenerState {
    pub fn name(self) -> &'static str {
        match self {
            ListenerState::Acknowledged => "ACKNOWLEDGED",
            ListenerState::Ready => "READY",
            ListenerState::Busy => "BUSY",
            ListenerState::Unknown => "UNKNOWN",
        }
    }
}

/// What a chunk of listener output decided, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A main-log line, in Supervisor's words and order (`x: ACKNOWLEDGED -> READY`
    /// at DEBUG; a WARN when a listener enters UNKNOWN).
    Log(LogLevel, String),
    /// ACKNOWLEDGED → READY: the listener wants an event.
    Ready,
    /// BUSY → ACKNOWLEDGED: the result body was `OK` (Supervisor's default result
    /// handler, the only one outside Python): the event is done.
    Processed,
    /// BUSY → ACKNOWLEDGED with any other body: the event is redelivered.
    Rejected,
    /// BUSY → UNKNOWN: the result line's length was not a number (the event in
    /// flight is rejected).
    BadResultLine,
    /// ACKNOWLEDGED/READY → UNKNOWN: output the protocol does not allow.
    Garbage,
}

const READY_TOKEN: &[u8] = b"READY\n";
/// The longest `RESULT <len>` line accepted, newline excluded.
pub const RESULT_LINE_LIMIT: usize = 1024;
/// The longest result body accepted (`OK` and `FAIL` are what listeners send).
pub const RESULT_BODY_LIMIT: usize = 64 * 1024;
const RESULT_TOKEN_LEN: usize = b"RESULT ".len();

/// One listener's protocol state and the bytes not consumed yet.
#[derive(Debug)]
pub struct Protocol {
    name: String,
    pub state: ListenerState,
    pending: Vec<u8>,
    result: Vec<u8>,
    result_len: Option<usize>,
}

impl Protocol {
    /// A freshly spawned listener: ACKNOWLEDGED, waiting for `READY\n`.
    pub fn new(name: &str) -> Protocol {
        Protocol {
            name: name.to_string(),
            state: ListenerState::Acknowledged,
            pending: Vec::new(),
            result: Vec::new(),
            result_len: None,
        }
    }

    /// The pool wrote an event to the listener's stdin.
    pub fn sent(&mut self) {
        self.state = ListenerState::Busy;
    }

    /// Consumes `data` read from the listener's stdout.
    pub fn feed(&mut self, data: &[u8]) -> Vec<Step> {
        let mut steps = Vec::new();
        if self.state == ListenerState::Unknown {
            return steps; // terminal: nothing is read until the process restarts
        }
        self.pending.extend_from_slice(data);
        while !self.pending.is_empty() && self.advance(&mut steps) {}
        steps
    }

    /// Supervisor's `_change_listener_state`, with its log lines.
    pub fn to(&mut self, state: ListenerState, steps: &mut Vec<Step>) {
        steps.push(Step::Log(
            LogLevel::Debug,
            format!("{}: {} -> {}", self.name, self.state.name(), state.name()),
        ));
        self.state = state;
        if state == ListenerState::Unknown {
            steps.push(Step::Log(
                LogLevel::Warn,
                format!(
                    "{}: has entered the UNKNOWN state and will no longer receive events, \
                     this usually indicates the process violated the eventlistener protocol",
                    self.name
                ),
            ));
            self.pending.clear();
            self.result.clear();
            self.result_len = None;
        }
    }

    /// Output past a limit: logged, then handled as a bad result line.
    fn violation(&mut self, why: String, steps: &mut Vec<Step>) -> bool {
        steps.push(Step::Log(LogLevel::Warn, why));
        self.to(ListenerState::Unknown, steps);
        steps.push(Step::BadResultLine);
        false
    }

    /// One decision; `false` when more input is needed.
    fn advance(&mut self, steps: &mut Vec<Step>) -> bool {
        match self.state {
            ListenerState::Unknown => {
                self.pending.clear();
                false
            }
            ListenerState::Acknowledged => {
                if self.pending.len() < READY_TOKEN.len() {
                    return false;
                }
                if self.pending.starts_with(READY_TOKEN) {
                    self.pending.drain(..READY_TOKEN.len());
                    self.to(ListenerState::Ready, steps);
                    steps.push(Step::Ready);
                    true
                } else {
                    self.to(ListenerState::Unknown, steps);
                    steps.push(Step::Garbage);
                    false
                }
            }
            ListenerState::Ready => {
                // Spurious output while waiting for an event: Supervisor is strict.
                self.to(ListenerState::Unknown, steps);
                steps.push(Step::Garbage);
                false
            }
            ListenerState::Busy => match self.result_len {
                None => {
                    let newline = self.pending.iter().position(|&b| b == b'\n');
                    if newline.unwrap_or(self.pending.len()) > RESULT_LINE_LIMIT {
                        let why = format!(
                            "{}: result line longer than {RESULT_LINE_LIMIT} bytes",
                            self.name
                        );
                        return self.violation(why, steps);
                    }
                    let Some(pos) = newline else {
                        return false;
                    };
                    let line: Vec<u8> = self.pending.drain(..=pos).take(pos).collect();
                    // Supervisor does not check the `RESULT ` prefix, only the
                    // number after its length.
                    let len = line
                        .get(RESULT_TOKEN_LEN..)
                        .and_then(|n| std::str::from_utf8(n).ok())
                        .and_then(|n| n.trim().parse::<usize>().ok());
                    match len {
                        Some(n) if n > RESULT_BODY_LIMIT => {
                            let why = format!(
                                "{}: result body of {n} bytes is longer than {RESULT_BODY_LIMIT} bytes",
                                self.name
                            );
                            self.violation(why, steps)
                        }
                        Some(n) => {
                            self.result_len = Some(n);
                            true
                        }
                        None => {
                            steps.push(Step::Log(
                                LogLevel::Warn,
                                format!(
                                    "{}: bad result line: '{}'",
                                    self.name,
                                    supervisor_model::py_text(&line)
                                ),
                            ));
                            self.to(ListenerState::Unknown, steps);
                            steps.push(Step::BadResultLine);
                            false
                        }
                    }
                }
                Some(n) => {
                    let need = n - self.result.len();
                    let take = need.min(self.pending.len());
                    self.result.extend(self.pending.drain(..take));
                    if self.result.len() < n {
                        return false;
                    }
                    self.result_len = None;
                    let body = std::mem::take(&mut self.result);
                    if body == b"OK" {
                        steps.push(Step::Log(
                            LogLevel::Debug,
                            format!("{}: event was processed", self.name),
                        ));
                        self.to(ListenerState::Acknowledged, steps);
                        steps.push(Step::Processed);
                    } else {
                        steps.push(Step::Log(
                            LogLevel::Warn,
                            format!("{}: event was rejected", self.name),
                        ));
                        self.to(ListenerState::Acknowledged, steps);
                        steps.push(Step::Rejected);
                    }
                    true
                }
            },
        }
    }
}

/// The fuzz body, shared by the cargo-fuzz target (`fuzz/`) and the `fuzz_*`
/// proptests: a listener's output, already BUSY with one event, fed whole and
/// again in chunks whose sizes come from the first bytes. Nothing panics, what is
/// kept stays within the limits, and chunking never changes a decision.
#[doc(hidden)]
pub fn fuzz_one(data: &[u8]) {
    let (sizes, output) = data.split_at(data.len().min(8));
    let run = |chunks: &mut dyn Iterator<Item = &[u8]>| {
        let mut p = Protocol::new("fuzz");
        p.feed(READY_TOKEN);
        p.sent();
        let mut steps = Vec::new();
        for chunk in chunks {
            steps.extend(p.feed(chunk));
            assert!(p.pending.len() <= RESULT_LINE_LIMIT + READY_TOKEN.len());
            assert!(p.result.len() <= RESULT_BODY_LIMIT);
        }
        (steps, p.state)
    };
    let whole = run(&mut std::iter::once(output));
    let mut rest = output;
    let mut cuts = sizes.iter().cycle();
    let mut chunks = std::iter::from_fn(|| {
        if rest.is_empty() {
            return None;
        }
        let n = usize::from(*cuts.next().unwrap_or(&255)).clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        Some(chunk)
    });
    assert_eq!(run(&mut chunks), whole);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(steps: Vec<Step>) -> Vec<Step> {
        steps
            .into_iter()
            .filter(|s| !matches!(s, Step::Log(..)))
            .collect()
    }

    #[test]
    fn ready_then_result_in_arbitrary_chunks() {
        let mut p = Protocol::new("l");
        assert!(p.feed(b"REA").is_empty());
        assert_eq!(outcomes(p.feed(b"DY\n")), [Step::Ready]);
        assert_eq!(p.state, ListenerState::Ready);
        p.sent();
        assert!(p.feed(b"RESULT").is_empty());
        assert!(p.feed(b" 2\nO").is_empty());
        // The body and the next READY in one read (Supervisor's `OKREADY`).
        assert_eq!(
            outcomes(p.feed(b"KREADY\n")),
            [Step::Processed, Step::Ready]
        );
        assert_eq!(p.state, ListenerState::Ready);
    }

    #[test]
    fn a_result_body_may_hold_newlines_and_fail() {
        let mut p = Protocol::new("l");
        p.feed(b"READY\n");
        p.sent();
        assert_eq!(outcomes(p.feed(b"RESULT 5\nFA\nIL")), [Step::Rejected]);
        assert_eq!(p.state, ListenerState::Acknowledged);
    }

    #[test]
    fn garbage_makes_it_unknown_for_good() {
        let mut p = Protocol::new("l");
        let steps = p.feed(b"hello world\n");
        assert_eq!(
            steps[0],
            Step::Log(LogLevel::Debug, "l: ACKNOWLEDGED -> UNKNOWN".into())
        );
        assert!(
            matches!(&steps[1], Step::Log(LogLevel::Warn, m) if m.starts_with("l: has entered the UNKNOWN state"))
        );
        assert_eq!(steps[2], Step::Garbage);
        assert!(p.feed(b"READY\n").is_empty());
        assert_eq!(p.state, ListenerState::Unknown);

        let mut p = Protocol::new("l");
        p.feed(b"READY\n");
        assert_eq!(outcomes(p.feed(b"x")), [Step::Garbage]);
    }

    #[test]
    fn a_stray_newline_after_the_body_breaks_the_next_ready() {
        let mut p = Protocol::new("l");
        p.feed(b"READY\n");
        p.sent();
        assert_eq!(
            outcomes(p.feed(b"RESULT 2\nOK\nREADY\n")),
            [Step::Processed, Step::Garbage]
        );
    }

    #[test]
    fn an_endless_result_line_or_a_huge_body_is_a_violation() {
        let mut p = Protocol::new("l");
        p.feed(b"READY\n");
        p.sent();
        assert!(p.feed(b"RESULT ").is_empty());
        let mut steps = Vec::new();
        for _ in 0..100 {
            steps.extend(p.feed(&[b'1'; 64]));
        }
        assert_eq!(
            steps[0],
            Step::Log(
                LogLevel::Warn,
                "l: result line longer than 1024 bytes".into()
            )
        );
        assert_eq!(steps.last(), Some(&Step::BadResultLine));
        assert!(p.pending.is_empty());

        let mut p = Protocol::new("l");
        p.feed(b"READY\n");
        p.sent();
        let steps = p.feed(b"RESULT 65537\n");
        assert_eq!(
            steps[0],
            Step::Log(
                LogLevel::Warn,
                "l: result body of 65537 bytes is longer than 65536 bytes".into()
            )
        );
        assert_eq!(steps.last(), Some(&Step::BadResultLine));
    }

    proptest::proptest! {
        #[test]
        fn fuzz_arbitrary_output(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3000)) {
            fuzz_one(&data);
        }

        #[test]
        fn fuzz_protocol_token_soup(
            sizes in proptest::collection::vec(1u8..40, 8),
            tokens in proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just("READY\n".to_string()),
                proptest::strategy::Just("RESULT 2\nOK".to_string()),
                proptest::strategy::Just("RESULT 4\nFAIL".to_string()),
                "RESULT [0-9 ]{0,8}\n",
                "[A-Z \n]{0,10}",
            ], 0..20),
        ) {
            let mut data = sizes;
            data.extend(tokens.concat().into_bytes());
            fuzz_one(&data);
        }
    }

    #[test]
    fn a_bad_result_line_is_reported_as_supervisor_logs_it() {
        let mut p = Protocol::new("l");
        p.feed(b"READY\n");
        p.sent();
        let steps = p.feed(b"RESULT two\n");
        assert_eq!(
            steps[..2],
            [
                Step::Log(LogLevel::Warn, "l: bad result line: 'RESULT two'".into()),
                Step::Log(LogLevel::Debug, "l: BUSY -> UNKNOWN".into()),
            ]
        );
        assert_eq!(steps.last(), Some(&Step::BadResultLine));
    }
}
