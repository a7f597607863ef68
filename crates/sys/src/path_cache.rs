//! PATH lookups remembered while nothing they depend on can have changed. A spawn
//! looks its command up on PATH as Supervisor does (process.py `get_execv_args`:
//! a `stat` per directory until one has the file), which for `sh` on a usual PATH
//! is four or five path walks per spawn: a tenth of a restart's CPU (BENCHMARKS.md,
//! churn). The result only changes when an entry appears, goes or is renamed in a
//! directory searched before the hit, or when the hit itself changes; the first is
//! watched with inotify (every directory up to and including the hit's), the second
//! is checked at each use with one `access(X_OK)` (`command::locate`: `stat` is only
//! needed to tell a directory, and the hit's directory is watched). Any inotify
//! event, or an overflow of its queue, forgets everything.
//!
//! Not seen (documented in the README): a directory on PATH that is a symlink
//! retargeted, a file system mounted over one, or a hit that is a symlink into
//! another directory whose target is replaced by a directory (the child's `execve`
//! then fails instead of the spawn). Lookups that fail are never
//! remembered, and nothing is remembered when a directory cannot be watched (it
//! does not exist yet, or the inotify limits are reached).

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};

struct State {
    inotify: Inotify,
    /// Directories watched since the last change seen (re-adding one is harmless:
    /// the kernel returns the same watch).
    watched: Vec<Vec<u8>>,
    /// PATH → program → the file found. Bounded by the config: one entry per
    /// (PATH, command) it spawns, emptied by any change in a watched directory.
    hits: HashMap<OsString, HashMap<String, PathBuf>>,
}

/// `None`: inotify is unavailable, every lookup searches.
fn state() -> &'static Mutex<Option<State>> {
    static STATE: OnceLock<Mutex<Option<State>>> = OnceLock::new();
    STATE.get_or_init(|| {
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC).ok();
        Mutex::new(inotify.map(|inotify| State {
            inotify,
            watched: Vec::new(),
            hits: HashMap::new(),
        }))
    })
}

impl State {
    /// Forgets everything if any watched directory changed since the last look.
    fn drain(&mut self) {
        let mut changed = false;
        // The events themselves do not matter, only that there were some: read into
        // the stack (nix's `read_events` allocates and decodes them, a percent of a
        // restart). EAGAIN ends it; a read that fails otherwise forgets too.
        let mut buf = [0u8; 4096];
        loop {
            match nix::unistd::read(self.inotify.as_fd(), &mut buf) {
                Ok(n) if n > 0 => changed = true,
                Err(nix::errno::Errno::EAGAIN) => break,
                Err(nix::errno::Errno::EINTR) => continue,
                _ => {
                    changed = true;
                    break;
                }
            }
        }
        if changed {
            self.hits.clear();
            self.watched.clear();
        }
    }

    fn watch(&mut self, dir: &[u8]) -> bool {
        if self.watched.iter().any(|w| w == dir) {
            return true;
        }
        let what = AddWatchFlags::IN_CREATE
            | AddWatchFlags::IN_DELETE
            | AddWatchFlags::IN_MOVED_FROM
            | AddWatchFlags::IN_MOVED_TO
            | AddWatchFlags::IN_ATTRIB
            | AddWatchFlags::IN_DELETE_SELF
            | AddWatchFlags::IN_MOVE_SELF
            | AddWatchFlags::IN_ONLYDIR;
        // os.path.join("", p) == p: an empty entry is the current directory.
        let path = if dir.is_empty() {
            Path::new(".")
        } else {
            Path::new(OsStr::from_bytes(dir))
        };
        let ok = self.inotify.add_watch(path, what).is_ok();
        if ok {
            self.watched.push(dir.to_vec());
        }
        ok
    }
}

fn lock() -> std::sync::MutexGuard<'static, Option<State>> {
    state().lock().unwrap_or_else(|p| p.into_inner())
}

/// What an earlier lookup of `program` on `path` found, if nothing searched
/// before it changed since. The caller still checks the file itself.
pub(crate) fn remembered(program: &str, path: &OsStr) -> Option<PathBuf> {
    let mut guard = lock();
    let state = guard.as_mut()?;
    state.drain();
    state.hits.get(path)?.get(program).cloned()
}

/// Remembers that `program` on `path` is `found`, in the directory `dirs[hit]`,
/// once every directory up to it is watched.
pub(crate) fn remember(program: &str, path: &OsStr, dirs: &[&[u8]], hit: usize, found: &Path) {
    let mut guard = lock();
    let Some(state) = guard.as_mut() else { return };
    state.drain();
    if !dirs[..=hit].iter().all(|dir| state.watch(dir)) {
        return;
    }
    state
        .hits
        .entry(path.to_owned())
        .or_default()
        .insert(program.to_owned(), found.to_owned());
}
