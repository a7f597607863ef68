//! Fuzzes HTTP basic-auth parsing with arbitrary `Authorization` values: no panic,
//! and decoded credentials re-encode to themselves (see `auth::fuzz_one`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    supervisor_rpc::auth::fuzz_one(data);
});
