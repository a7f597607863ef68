//! Fuzzes the `environment=` parser: no value may panic it, and the pairs it
//! returns survive being written back and parsed again (see `fuzz::environment`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    supervisor_config::fuzz::environment(data);
});
