//! `RotatingFile`: a log file rotated by size exactly as Supervisor's
//! `loggers.RotatingFileHandler` does, minus its bug #1224: a target that is not a
//! regular file (`/dev/stdout`, a pipe, a tty, detected with `fstat`, never by name) is
//! never seeked, rotated, truncated or deleted. Plain synchronous `std::fs`: callers run
//! it where blocking is acceptable.
//!
//! Beyond Supervisor ([`RotatePolicy`]; README, "Logs people can ship"): rotation at
//! the first write of each new hour or day (local time; a file last written in an
//! earlier period is rotated before the first write after opening it), and backups
//! gzip'ed by a background thread (`compress`), so a writer only ever pays renames.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, Write};
use std::os::fd::BorrowedFd;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use supervisor_model::{Compress, Rotate};

use crate::compress;
use crate::localtime::local_time;
use crate::splice;

/// When a [`RotatingFile`] rotates and what becomes of its backups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RotatePolicy {
    /// Rotate when the file reaches this size; 0 = never by size.
    pub maxbytes: u64,
    /// Backups kept; 0 = a rotation only truncates.
    pub backups: u32,
    /// Also rotate at each new hour or day.
    pub every: Rotate,
    pub compress: Compress,
}

/// A rotated log file (`*_logfile_maxbytes`, `*_logfile_backups`, and the
/// extensions of [`RotatePolicy`]).
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    policy: RotatePolicy,
    /// A regular file: the only kind that is ever seeked or rotated.
    regular: bool,
    /// Unix time of the next hour/day boundary, for time rotation.
    boundary: Option<i64>,
    /// The file was opened for appending (not after a rotation, as in Python).
    append: bool,
    /// Append mode is off for [`RotatingFile::splice_from`] (and back on for the next
    /// write).
    spliced: bool,
    /// The kernel refused to splice into this file: not asked again until the next
    /// file is opened.
    refused: bool,
}

impl RotatingFile {
    /// Open `path` for appending (created with mode 0666 & ~umask, like Python's
    /// `open(f, 'ab')`). `maxbytes == 0` never rotates; `backups == 0` rotates by
    /// truncating only.
    pub fn open(path: impl Into<PathBuf>, maxbytes: u64, backups: u32) -> io::Result<RotatingFile> {
        Self::open_with(
            path,
            RotatePolicy {
                maxbytes,
                backups,
                ..RotatePolicy::default()
            },
        )
    }

    /// [`RotatingFile::open`] with time rotation and compression. A file whose last
    /// write was in an earlier hour/day is rotated at the first write; backups left
    /// uncompressed by an earlier run are compressed now.
    pub fn open_with(path: impl Into<PathBuf>, policy: RotatePolicy) -> io::Result<RotatingFile> {
        let path = path.into();
        let (file, regular) = open_append(&path)?;
        let boundary = match (policy.every, regular) {
            (Rotate::Size, _) | (_, false) => None,
            (every, true) => {
                let meta = file.metadata()?;
                let since = if meta.len() == 0 {
                    now()
                } else {
                    modified(&meta).unwrap_or_else(now)
                };
                next_boundary(every, since)
            }
        };
        if regular && policy.compress == Compress::Gzip {
            compress::recover(&path, policy.backups);
        }
        Ok(RotatingFile {
            path,
            file,
            policy,
            regular,
            boundary,
            append: true,
            spliced: false,
            refused: false,
        })
    }

    pub fn policy(&self) -> RotatePolicy {
        self.policy
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write all of `data`, then rotate if the file position reached `maxbytes`
    /// (`RotatingFileHandler.emit` + `doRollover`).
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if !data.is_empty() {
            self.rotate_on_time()?;
        }
        if std::mem::take(&mut self.spliced) && self.append {
            splice::set_append(&self.file, true)?;
        }
        self.file.write_all(data)?;
        if self.policy.maxbytes > 0 && self.regular {
            // The real offset, as Python's tell(): with O_APPEND it is the end of the
            // file, so an external truncation (copytruncate) is honoured.
            if self.file.stream_position()? >= self.policy.maxbytes {
                self.rotate()?;
            }
        }
        Ok(())
    }

    /// Moves up to `max` bytes from `pipe` (non-blocking: an empty pipe is
    /// `WouldBlock`) into the file with `splice(2)`, never through user space, then
    /// rotates as [`RotatingFile::write`] does. `Ok(None)`: this file cannot be
    /// spliced into (not a regular file, or the kernel refuses it): write instead.
    /// `Ok(Some(0))`: the pipe is closed.
    pub fn splice_from(&mut self, pipe: BorrowedFd<'_>, max: usize) -> io::Result<Option<usize>> {
        if !self.regular || self.refused {
            return Ok(None);
        }
        self.rotate_on_time()?;
        if !self.spliced {
            splice::set_append(&self.file, false)?;
            self.spliced = true;
        }
        match splice::pipe_to_end(pipe, &mut self.file, max)? {
            splice::Moved::Refused => {
                self.refused = true;
                Ok(None)
            }
            splice::Moved::Eof => Ok(Some(0)),
            splice::Moved::Bytes { n, end } => {
                if self.policy.maxbytes > 0 && end >= self.policy.maxbytes {
                    self.rotate()?;
                }
                Ok(Some(n))
            }
        }
    }

    /// Time rotation: the first write of a new hour or day rotates first.
    fn rotate_on_time(&mut self) -> io::Result<()> {
        if let Some(boundary) = self.boundary {
            let now = now();
            if now >= boundary {
                self.boundary = next_boundary(self.policy.every, now);
                // An empty file has nothing to keep: only the period moves on. (The
                // size, not the position: an O_APPEND file is at 0 until written.)
                if self.file.metadata()?.len() > 0 {
                    self.rotate()?;
                }
            }
        }
        Ok(())
    }

    /// Close and open the path again (SIGUSR2, after an external logrotate moved it).
    pub fn reopen(&mut self) -> io::Result<()> {
        let (file, regular) = open_append(&self.path)?;
        self.file = file;
        self.regular = regular;
        self.append = true;
        self.spliced = false;
        self.refused = false;
        Ok(())
    }

    /// `handler.remove()` then `reopen()` (clearLog / clearProcessLogs): delete the file
    /// and start an empty one. A non-regular target is only reopened, never deleted.
    pub fn clear(&mut self) -> io::Result<()> {
        if self.regular {
            ignore_not_found(std::fs::remove_file(&self.path))?;
        }
        self.reopen()
    }

    /// `doRollover`: `f.(n-1)` → `f.n` … `f` → `f.1`, then a fresh truncated `f`
    /// (`open(f, 'wb')`: not append mode, as in Python, until the next reopen).
    fn rotate(&mut self) -> io::Result<()> {
        if self.policy.compress == Compress::Gzip && self.policy.backups > 0 {
            let pending = compress::pending_name(&self.path);
            std::fs::rename(&self.path, &pending)?;
            compress::queue(pending, &self.path, self.policy.backups);
        } else if self.policy.backups > 0 {
            let backups = self.policy.backups;
            for i in (1..backups).rev() {
                let source = self.backup(i);
                if source.exists() {
                    remove_and_rename(&source, &self.backup(i + 1))?;
                }
            }
            remove_and_rename(&self.path, &self.backup(1))?;
        }
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(&self.path)?;
        self.regular = is_regular(&file)?;
        self.file = file;
        self.append = false;
        self.spliced = false;
        self.refused = false;
        Ok(())
    }

    /// `path.n`, or `path.n.gz` for a compressed log.
    pub fn backup(&self, n: u32) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        match self.policy.compress {
            Compress::None => name.push(format!(".{n}")),
            Compress::Gzip => name.push(format!(".{n}.gz")),
        }
        PathBuf::from(name)
    }
}

#[cfg(test)]
thread_local! {
    /// Tests move time: the Unix time `now()` returns on this thread.
    static FAKE_NOW: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

fn now() -> i64 {
    #[cfg(test)]
    if let Some(t) = FAKE_NOW.with(std::cell::Cell::get) {
        return t;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn modified(meta: &std::fs::Metadata) -> Option<i64> {
    let t = meta.modified().ok()?;
    let secs = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

/// The first Unix second of the hour or day (local time) after the one holding
/// `t`; `None` for size rotation. A daylight-saving change moves a day's boundary
/// to the real local midnight.
fn next_boundary(every: Rotate, t: i64) -> Option<i64> {
    let local = local_time(t);
    let into_hour = i64::from(local.minute) * 60 + i64::from(local.second);
    match every {
        Rotate::Size => None,
        Rotate::Hourly => Some(t - into_hour + 3600),
        Rotate::Daily => {
            let guess = t - i64::from(local.hour) * 3600 - into_hour + 86_400;
            Some(match local_time(guess).hour {
                23 => guess + 3600,
                1 => guess - 3600,
                _ => guess,
            })
        }
    }
}

fn open_append(path: &Path) -> io::Result<(File, bool)> {
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)?;
    let regular = is_regular(&file)?;
    Ok((file, regular))
}

fn is_regular(file: &File) -> io::Result<bool> {
    let kind = file.metadata()?.file_type();
    Ok(kind.is_file() && !kind.is_fifo() && !kind.is_char_device() && !kind.is_socket())
}

/// `removeAndRename`: unlink the destination first (renaming over an existing file
/// makes ext4's auto_da_alloc flush the data synchronously: BASELINE.md note 4); a
/// vanished source or destination is not an error.
fn remove_and_rename(source: &Path, dest: &Path) -> io::Result<()> {
    ignore_not_found(std::fs::remove_file(dest))?;
    ignore_not_found(std::fs::rename(source, dest))
}

fn ignore_not_found(r: io::Result<()>) -> io::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(test)]
#[path = "rotate_tests.rs"]
mod tests;
