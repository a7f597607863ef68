//! Gzip compression of rotated log files, off the output path (README, "Logs people
//! can ship"): a rotation renames the full file aside (`app.log.rotating.<n>`, a
//! rename is all the writer pays) and queues a job; one background thread per
//! process takes the jobs in order, shifts the backups up (`app.log.1.gz` →
//! `app.log.2.gz` …, dropping what exceeds `*_logfile_backups`), writes the renamed
//! file as `app.log.1.gz` (through a temporary name, so a reader never sees half a
//! gzip file) and removes it. Jobs run in rotation order, so backups keep their
//! order however fast a child floods its log.
//!
//! A file renamed aside but not compressed yet (supervisord stopped meanwhile) is
//! found and compressed the next time the log is opened ([`recover`]).

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;

/// The infix of files waiting for compression: `app.log.rotating.<n>`.
const PENDING: &str = ".rotating.";

struct Job {
    pending: PathBuf,
    base: PathBuf,
    backups: u32,
}

/// The worker of this process (a forked child would hold a dead one: recreated).
struct Worker {
    pid: u32,
    tx: Sender<Job>,
}

static WORKER: OnceLock<Mutex<Option<Worker>>> = OnceLock::new();
/// Jobs queued and not finished, and its condition (for [`wait_idle`]).
static BUSY: Mutex<u64> = Mutex::new(0);
static IDLE: Condvar = Condvar::new();
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A fresh name to rename `base` aside to before compressing it.
pub(crate) fn pending_name(base: &Path) -> PathBuf {
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut name = base.as_os_str().to_owned();
    name.push(format!("{PENDING}{nanos:x}-{n}"));
    PathBuf::from(name)
}

/// Queues `pending` (a rotated-aside copy of `base`) to become `base.1.gz`.
pub(crate) fn queue(pending: PathBuf, base: &Path, backups: u32) {
    let job = Job {
        pending,
        base: base.to_path_buf(),
        backups,
    };
    *BUSY.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    let slot = WORKER.get_or_init(|| Mutex::new(None));
    let mut worker = slot.lock().unwrap_or_else(|p| p.into_inner());
    let me = std::process::id();
    if worker.as_ref().is_none_or(|w| w.pid != me) {
        *worker = spawn_worker(me);
    }
    let job = match worker.as_ref() {
        Some(w) => match w.tx.send(job) {
            Ok(()) => return,
            Err(e) => e.0,
        },
        None => job,
    };
    // No thread could be started: compress here rather than lose the order.
    drop(worker);
    run(&job);
    done();
}

fn spawn_worker(pid: u32) -> Option<Worker> {
    let (tx, rx) = channel::<Job>();
    std::thread::Builder::new()
        .name("log-compress".into())
        .spawn(move || {
            for job in rx {
                run(&job);
                done();
            }
        })
        .ok()?;
    Some(Worker { pid, tx })
}

fn done() {
    let mut busy = BUSY.lock().unwrap_or_else(|p| p.into_inner());
    *busy = busy.saturating_sub(1);
    IDLE.notify_all();
}

/// Waits until every queued compression is finished, at most `timeout`; whether
/// they are (supervisord calls it before exiting).
pub fn wait_idle(timeout: Duration) -> bool {
    let busy = BUSY.lock().unwrap_or_else(|p| p.into_inner());
    let (busy, _) = IDLE
        .wait_timeout_while(busy, timeout, |n| *n > 0)
        .unwrap_or_else(|p| p.into_inner());
    *busy == 0
}

fn run(job: &Job) {
    if let Err(e) = compress_into_backups(job) {
        // Nothing is lost: the pending file stays and is retried at the next open.
        eprintln!(
            "supervisord: cannot compress {}: {e}",
            job.pending.display()
        );
    }
}

fn gz(base: &Path, n: u32) -> PathBuf {
    let mut name = base.as_os_str().to_owned();
    name.push(format!(".{n}.gz"));
    PathBuf::from(name)
}

fn compress_into_backups(job: &Job) -> io::Result<()> {
    if job.backups == 0 {
        return ignore_missing(fs::remove_file(&job.pending));
    }
    ignore_missing(fs::remove_file(gz(&job.base, job.backups)))?;
    for i in (1..job.backups).rev() {
        ignore_missing(fs::rename(gz(&job.base, i), gz(&job.base, i + 1)))?;
    }
    let target = gz(&job.base, 1);
    let mut temp = target.clone().into_os_string();
    temp.push(".tmp");
    let temp = PathBuf::from(temp);
    {
        let mut input = File::open(&job.pending)?;
        let out = BufWriter::new(File::create(&temp)?);
        let mut encoder = GzEncoder::new(out, Compression::default());
        io::copy(&mut input, &mut encoder)?;
        encoder.finish()?.into_inner().map_err(|e| e.into_error())?;
    }
    fs::rename(&temp, &target)?;
    fs::remove_file(&job.pending)
}

fn ignore_missing(r: io::Result<()>) -> io::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Files of `base` renamed aside by an earlier run and never compressed: queued
/// now, oldest first (their names sort by rotation time).
pub(crate) fn recover(base: &Path, backups: u32) {
    let (Some(dir), Some(name)) = (base.parent(), base.file_name()) else {
        return;
    };
    let mut prefix = name.to_os_string();
    prefix.push(PENDING);
    let prefix = prefix.to_string_lossy().into_owned();
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    found.sort();
    for pending in found {
        queue(pending, base, backups);
    }
}

/// A gzip file's content, for the tests of this module and of rotate.rs.
#[cfg(test)]
pub(crate) fn gunzip(p: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(File::open(p).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_shift_backups_in_order_and_drop_the_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("a.log");
        for text in ["one", "two", "three"] {
            let pending = pending_name(&base);
            fs::write(&pending, text).unwrap();
            queue(pending, &base, 2);
        }
        assert!(wait_idle(Duration::from_secs(10)));
        assert_eq!(gunzip(&gz(&base, 1)), b"three");
        assert_eq!(gunzip(&gz(&base, 2)), b"two");
        assert!(!gz(&base, 3).exists());
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no pending or temporary file is left");
    }

    #[test]
    fn leftovers_of_an_earlier_run_are_compressed() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("b.log");
        let pending = pending_name(&base);
        fs::write(&pending, "left behind").unwrap();
        recover(&base, 3);
        assert!(wait_idle(Duration::from_secs(10)));
        assert_eq!(gunzip(&gz(&base, 1)), b"left behind");
        assert!(!pending.exists());
    }
}
