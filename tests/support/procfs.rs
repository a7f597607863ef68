//! What the suites read of a process from `/proc`: its resident memory and the CPU
//! it has used.

use std::path::Path;

use super::read;

/// VmRSS of `pid`, in KiB.
pub fn rss_kb(pid: i32) -> u64 {
    read(Path::new(&format!("/proc/{pid}/status")))
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

/// CPU time `pid` has used so far (utime + stime, fields 14 and 15 of proc(5)), in
/// clock ticks.
pub fn cpu_ticks(pid: i32) -> u64 {
    let stat = read(Path::new(&format!("/proc/{pid}/stat")));
    // Fields after the command name, which may hold spaces: field 3 onwards.
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}
