//! Fuzzes the whole config loader (INI or TOML by the first byte, expansions,
//! every section's validation) with the shared fuzz body: no text may panic it,
//! and a text that loads loads the same way twice (see `fuzz::load`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    supervisor_config::fuzz::load(data);
});
