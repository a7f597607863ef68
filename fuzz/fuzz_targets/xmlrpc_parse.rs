//! Fuzzes the `/RPC2` request parser with the shared fuzz body: no input may panic
//! it, and whatever parses must survive re-serialization (see `parse::fuzz_one`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    supervisor_rpc::xmlrpc::parse::fuzz_one(data);
});
