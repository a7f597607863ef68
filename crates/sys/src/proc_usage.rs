//! What process trees cost, read from `/proc` when asked (a metrics scrape), never
//! polled: [`ProcTable`] is one pass over `/proc/<pid>/stat`, from which the CPU time
//! and resident memory of any supervised child's tree are summed — the child, its
//! descendants, and every process of its process group (supervisord makes each child
//! a session and group leader, so a grandchild whose parent died and that was
//! re-parented to supervisord still counts while it keeps the group). [`self_usage`]
//! is supervisord's own CPU, memory and descriptors. Linux only (`proc(5)`).
//!
//! CPU time includes the children a process has waited for (`cutime`/`cstime`), so
//! a tree's figure only grows while its root lives.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::path::Path;

use nix::unistd::{SysconfVar, sysconf};

/// The cost of one process tree.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Usage {
    /// User + system CPU time, waited-for children included.
    pub cpu_seconds: f64,
    /// Resident set size summed over the tree.
    pub rss_bytes: u64,
    /// Processes in the tree (the root included).
    pub processes: u32,
}

/// supervisord's own figures.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SelfUsage {
    pub cpu_seconds: f64,
    pub rss_bytes: u64,
    pub open_fds: u64,
    /// The soft `RLIMIT_NOFILE`.
    pub max_fds: u64,
    /// When the process started, in Unix seconds.
    pub start_time_seconds: f64,
}

#[derive(Debug, Clone, Copy)]
struct Stat {
    ppid: i32,
    pgrp: i32,
    /// utime + stime + cutime + cstime, in clock ticks.
    ticks: u64,
    rss_pages: u64,
    /// Clock ticks after boot.
    starttime: u64,
}

/// One snapshot of every process's `/proc/<pid>/stat`.
#[derive(Debug, Default)]
pub struct ProcTable {
    stats: HashMap<i32, Stat>,
    children: HashMap<i32, Vec<i32>>,
    /// Members of each process group.
    groups: HashMap<i32, Vec<i32>>,
    ticks_per_second: f64,
    page_size: u64,
}

impl ProcTable {
    /// Reads `/proc` once. Processes that vanish during the pass are skipped.
    pub fn scan() -> io::Result<ProcTable> {
        Self::scan_dir(Path::new("/proc"))
    }

    fn scan_dir(proc: &Path) -> io::Result<ProcTable> {
        let mut table = ProcTable {
            ticks_per_second: ticks_per_second(),
            page_size: page_size(),
            ..ProcTable::default()
        };
        let mut buf = String::with_capacity(512);
        for entry in std::fs::read_dir(proc)? {
            let Ok(entry) = entry else { continue };
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<i32>().ok())
            else {
                continue;
            };
            if let Some(stat) = read_stat(&entry.path().join("stat"), &mut buf) {
                table.add(pid, stat);
            }
        }
        Ok(table)
    }

    fn add(&mut self, pid: i32, stat: Stat) {
        self.stats.insert(pid, stat);
        self.children.entry(stat.ppid).or_default().push(pid);
        self.groups.entry(stat.pgrp).or_default().push(pid);
    }

    /// The tree of `pid`: itself, its descendants and the members of its process
    /// group (with theirs). `None` when `pid` is not in the table.
    pub fn tree_usage(&self, pid: i32) -> Option<Usage> {
        self.stats.get(&pid)?;
        let mut seen: HashSet<i32> = HashSet::new();
        let mut todo: Vec<i32> = vec![pid];
        todo.extend(self.groups.get(&pid).into_iter().flatten().copied());
        while let Some(p) = todo.pop() {
            if !seen.insert(p) {
                continue;
            }
            if let Some(kids) = self.children.get(&p) {
                todo.extend(kids.iter().copied());
            }
        }
        let mut usage = Usage::default();
        for p in &seen {
            if let Some(s) = self.stats.get(p) {
                usage.cpu_seconds += s.ticks as f64 / self.ticks_per_second;
                usage.rss_bytes += s.rss_pages * self.page_size;
                usage.processes += 1;
            }
        }
        Some(usage)
    }
}

/// [`ProcTable::tree_usage`] of one tree, with its own scan of `/proc`. Callers
/// summing many trees scan once and ask the table.
pub fn proc_tree_usage(pid: i32) -> io::Result<Option<Usage>> {
    Ok(ProcTable::scan()?.tree_usage(pid))
}

/// supervisord's own CPU time, RSS, open descriptors and start time.
pub fn self_usage() -> io::Result<SelfUsage> {
    let mut buf = String::new();
    let stat = read_stat(Path::new("/proc/self/stat"), &mut buf)
        .ok_or_else(|| io::Error::other("unreadable /proc/self/stat"))?;
    let tps = ticks_per_second();
    let open_fds = std::fs::read_dir("/proc/self/fd")?.count() as u64;
    let max_fds = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .map(|(soft, _)| soft)
        .unwrap_or(0);
    Ok(SelfUsage {
        // Our own children are reported per program: only our own time here.
        cpu_seconds: own_ticks(&buf).unwrap_or(stat.ticks) as f64 / tps,
        rss_bytes: stat.rss_pages * page_size(),
        // The directory listing's own descriptor is not ours to report.
        open_fds: open_fds.saturating_sub(1),
        max_fds,
        start_time_seconds: boot_time().unwrap_or(0) as f64 + stat.starttime as f64 / tps,
    })
}

fn ticks_per_second() -> f64 {
    match sysconf(SysconfVar::CLK_TCK) {
        Ok(Some(t)) if t > 0 => t as f64,
        _ => 100.0,
    }
}

fn page_size() -> u64 {
    match sysconf(SysconfVar::PAGE_SIZE) {
        Ok(Some(p)) if p > 0 => p as u64,
        _ => 4096,
    }
}

/// The fields after `(comm)` of a stat line (`comm` may hold spaces and parens).
fn fields(line: &str) -> Option<Vec<&str>> {
    let (_, rest) = line.rsplit_once(')')?;
    Some(rest.split_ascii_whitespace().collect())
}

fn read_stat(path: &Path, buf: &mut String) -> Option<Stat> {
    buf.clear();
    std::fs::File::open(path).ok()?.read_to_string(buf).ok()?;
    parse_stat(buf)
}

/// `proc(5)` numbering, less 3: [1] ppid, [2] pgrp, [11..=14] utime, stime, cutime,
/// cstime, [19] starttime, [21] rss.
fn parse_stat(line: &str) -> Option<Stat> {
    let f = fields(line)?;
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<i64>().ok());
    let ticks = (11..=14).map(num).sum::<Option<i64>>()?;
    Some(Stat {
        ppid: i32::try_from(num(1)?).ok()?,
        pgrp: i32::try_from(num(2)?).ok()?,
        ticks: u64::try_from(ticks).unwrap_or(0),
        rss_pages: u64::try_from(num(21)?).unwrap_or(0),
        starttime: u64::try_from(num(19)?).unwrap_or(0),
    })
}

/// utime + stime alone.
fn own_ticks(line: &str) -> Option<u64> {
    let f = fields(line)?;
    let a: u64 = f.get(11)?.parse().ok()?;
    let b: u64 = f.get(12)?.parse().ok()?;
    Some(a + b)
}

/// `btime` of `/proc/stat`: the boot time in Unix seconds.
fn boot_time() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_names_parse() {
        let line = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 1 2 3 4 150 50 7 3 20 0 1 0 987 1000 33 18446744073709551615";
        let s = parse_stat(line).unwrap();
        assert_eq!((s.ppid, s.pgrp), (1, 4242));
        assert_eq!(s.ticks, 150 + 50 + 7 + 3);
        assert_eq!(s.rss_pages, 33);
        assert_eq!(s.starttime, 987);
        assert_eq!(own_ticks(line), Some(200));
    }

    #[test]
    fn a_tree_is_descendants_and_the_process_group() {
        let stat = |ppid, pgrp, ticks, rss| Stat {
            ppid,
            pgrp,
            ticks,
            rss_pages: rss,
            starttime: 0,
        };
        let mut t = ProcTable {
            ticks_per_second: 100.0,
            page_size: 4096,
            ..ProcTable::default()
        };
        // 10 is a child of supervisord (1); 11 its child; 12 a grandchild re-parented
        // to supervisord but still in group 10; 20 someone else.
        for (pid, s) in [
            (10, stat(1, 10, 100, 1)),
            (11, stat(10, 10, 50, 2)),
            (12, stat(1, 10, 25, 4)),
            (13, stat(11, 13, 25, 8)),
            (20, stat(1, 20, 1000, 100)),
        ] {
            t.add(pid, s);
        }
        let u = t.tree_usage(10).unwrap();
        assert_eq!(u.processes, 4);
        assert!((u.cpu_seconds - 2.0).abs() < 1e-9);
        assert_eq!(u.rss_bytes, 15 * 4096);
        assert_eq!(t.tree_usage(99), None);
    }

    #[test]
    fn our_own_tree_and_figures_are_real() {
        let me = i32::try_from(std::process::id()).unwrap();
        let u = proc_tree_usage(me).unwrap().unwrap();
        assert!(u.processes >= 1 && u.rss_bytes > 0);
        let s = self_usage().unwrap();
        assert!(s.rss_bytes > 0 && s.open_fds >= 3 && s.max_fds >= s.open_fds);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(s.start_time_seconds > now - 3600.0 && s.start_time_seconds <= now + 1.0);
    }
}
