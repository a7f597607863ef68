//! Fuzzes the event-listener protocol state machine with a listener's output, fed
//! whole and in chunks: no panic, bounded buffers, and chunking never changes a
//! decision (see `listener::protocol::fuzz_one`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    supervisor_daemon::listener::protocol::fuzz_one(data);
});
