//! CPU time and memory of process trees, read from /proc: one pass over
//! `/proc/<pid>/stat` builds a [`ProcTable`] (every process's parent, CPU ticks and
//! resident pages), from which [`ProcTable::tree`] sums any process with all its
//! descendants. `supervisorctl top` shows it per program; a metrics exporter can
//! sample it the same way. Reading costs one small file per process on the machine,
//! so callers sample at an interval, never per request.

use std::collections::HashMap;
use std::time::Duration;

/// What one process contributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ProcStat {
    ppid: i32,
    /// utime + stime + cutime + cstime: its own CPU and that of the children it
    /// reaped, so a tree's total does not drop when a short-lived child exits.
    ticks: u64,
    rss_pages: u64,
}

/// The usage of a process and its descendants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TreeUsage {
    /// How many processes the tree has (1 for a process without children).
    pub processes: u32,
    /// CPU time used so far (user + system, reaped children included).
    pub cpu: Duration,
    /// Resident memory of all of them (shared pages counted in each).
    pub rss_bytes: u64,
}

/// A snapshot of every process on the machine.
#[derive(Debug, Clone, Default)]
pub struct ProcTable {
    procs: HashMap<i32, ProcStat>,
    children: HashMap<i32, Vec<i32>>,
    tick: Duration,
    page_size: u64,
}

impl ProcTable {
    /// Reads /proc. Processes that exit while it is read are simply missing.
    pub fn read() -> std::io::Result<ProcTable> {
        let mut stats = Vec::new();
        for entry in std::fs::read_dir("/proc")?.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            if let Ok(text) = std::fs::read_to_string(entry.path().join("stat")) {
                stats.push((pid, text));
            }
        }
        Ok(ProcTable::from_stats(
            stats.iter().map(|(pid, text)| (*pid, text.as_str())),
            clock_tick(),
            page_size(),
        ))
    }

    /// Builds the table from `(pid, contents of /proc/<pid>/stat)` pairs.
    fn from_stats<'a>(
        stats: impl Iterator<Item = (i32, &'a str)>,
        tick: Duration,
        page_size: u64,
    ) -> ProcTable {
        let mut table = ProcTable {
            tick,
            page_size,
            ..ProcTable::default()
        };
        for (pid, text) in stats {
            if let Some(stat) = parse_stat(text) {
                table.children.entry(stat.ppid).or_default().push(pid);
                table.procs.insert(pid, stat);
            }
        }
        table
    }

    /// `pid` and every descendant; `None` if `pid` is not in the table.
    pub fn tree(&self, pid: i32) -> Option<TreeUsage> {
        self.procs.get(&pid)?;
        let mut usage = TreeUsage::default();
        let mut ticks = 0;
        let mut todo = vec![pid];
        while let Some(p) = todo.pop() {
            let Some(stat) = self.procs.get(&p) else {
                continue;
            };
            usage.processes += 1;
            ticks += stat.ticks;
            usage.rss_bytes += stat.rss_pages * self.page_size;
            if let Some(kids) = self.children.get(&p) {
                todo.extend(kids.iter().filter(|k| **k != p));
            }
        }
        usage.cpu = self.tick * u32::try_from(ticks).unwrap_or(u32::MAX);
        Some(usage)
    }
}

/// The fields of `/proc/<pid>/stat` after the command name, which is in parentheses
/// and may itself contain spaces and parentheses (so the last `)` ends it).
fn parse_stat(text: &str) -> Option<ProcStat> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 of proc(5) (state): field n is fields[n - 3].
    let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    Some(ProcStat {
        ppid: fields.get(1)?.parse().ok()?,
        ticks: field(14)? + field(15)? + field(16)? + field(17)?,
        rss_pages: field(24)?,
    })
}

fn clock_tick() -> Duration {
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|hz| *hz > 0)
        .unwrap_or(100);
    Duration::from_secs(1) / u32::try_from(hz).unwrap_or(100)
}

fn page_size() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .and_then(|p| u64::try_from(p).ok())
        .unwrap_or(4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(pid: i32, comm: &str, ppid: i32, ticks: [u64; 4], rss: u64) -> String {
        format!(
            "{pid} ({comm}) S {ppid} 1 1 0 -1 4194304 100 0 0 0 {} {} {} {} 20 0 1 0 100 1000000 {rss} 18446744073709551615",
            ticks[0], ticks[1], ticks[2], ticks[3]
        )
    }

    #[test]
    fn a_tree_sums_its_descendants_only() {
        let lines = [
            (1, stat(1, "init", 0, [1, 1, 0, 0], 10)),
            (10, stat(10, "web (main) x", 1, [100, 50, 0, 0], 1000)),
            (11, stat(11, "worker", 10, [20, 10, 5, 5], 500)),
            (12, stat(12, "worker", 11, [1, 0, 0, 0], 100)),
            (20, stat(20, "db", 1, [7, 0, 0, 0], 300)),
        ];
        let table = ProcTable::from_stats(
            lines.iter().map(|(p, t)| (*p, t.as_str())),
            Duration::from_millis(10),
            4096,
        );
        let web = table.tree(10).unwrap();
        assert_eq!(web.processes, 3);
        assert_eq!(web.cpu, Duration::from_millis(10 * (150 + 40 + 1)));
        assert_eq!(web.rss_bytes, (1000 + 500 + 100) * 4096);
        assert_eq!(table.tree(20).unwrap().processes, 1);
        assert_eq!(table.tree(99), None);
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn this_process_is_found_in_the_real_proc() {
        let me = std::process::id() as i32;
        let usage = ProcTable::read().unwrap().tree(me).unwrap();
        assert!(usage.processes >= 1);
        assert!(usage.rss_bytes > 0);
    }
}
