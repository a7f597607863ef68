//! `RotatingFile`: a log file rotated by size exactly as Supervisor's
//! `loggers.RotatingFileHandler` does, minus its bug #1224: a target that is not a
//! regular file (`/dev/stdout`, a pipe, a tty, detected with `fstat`, never by name) is
//! never seeked, rotated, truncated or deleted. Plain synchronous `std::fs`: callers run
//! it where blocking is acceptable.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// A size-rotated log file (`*_logfile_maxbytes`, `*_logfile_backups`).
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    maxbytes: u64,
    backups: u32,
    /// A regular file: the only kind that is ever seeked or rotated.
    regular: bool,
}

impl RotatingFile {
    /// Open `path` for appending (created with mode 0666 & ~umask, like Python's
    /// `open(f, 'ab')`). `maxbytes == 0` never rotates; `backups == 0` rotates by
    /// truncating only.
    pub fn open(path: impl Into<PathBuf>, maxbytes: u64, backups: u32) -> io::Result<RotatingFile> {
        let path = path.into();
        let (file, regular) = open_append(&path)?;
        Ok(RotatingFile {
            path,
            file,
            maxbytes,
            backups,
            regular,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write all of `data`, then rotate if the file position reached `maxbytes`
    /// (`RotatingFileHandler.emit` + `doRollover`).
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.file.write_all(data)?;
        if self.maxbytes > 0 && self.regular {
            // The real offset, as Python's tell(): with O_APPEND it is the end of the
            // file, so an external truncation (copytruncate) is honoured.
            if self.file.stream_position()? >= self.maxbytes {
                self.rotate()?;
            }
        }
        Ok(())
    }

    /// Close and open the path again (SIGUSR2, after an external logrotate moved it).
    pub fn reopen(&mut self) -> io::Result<()> {
        let (file, regular) = open_append(&self.path)?;
        self.file = file;
        self.regular = regular;
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
        if self.backups > 0 {
            for i in (1..self.backups).rev() {
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
        Ok(())
    }

    fn backup(&self, n: u32) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(format!(".{n}"));
        PathBuf::from(name)
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
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Read;

    fn read(p: &Path) -> Vec<u8> {
        std::fs::read(p).unwrap_or_default()
    }

    #[test]
    fn rotates_like_supervisor() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let mut f = RotatingFile::open(&path, 10, 2).unwrap();
        f.write(b"0123456789").unwrap(); // reaches 10: rotated at once
        assert_eq!(read(&path), b"");
        assert_eq!(read(&f.backup(1)), b"0123456789");
        f.write(b"abcdefghijkl").unwrap();
        f.write(b"XYZ").unwrap();
        assert_eq!(read(&path), b"XYZ");
        assert_eq!(read(&f.backup(1)), b"abcdefghijkl");
        assert_eq!(read(&f.backup(2)), b"0123456789");
        assert!(!f.backup(3).exists());
    }

    #[test]
    fn zero_backups_truncate_and_zero_maxbytes_appends_forever() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        let mut f = RotatingFile::open(&path, 4, 0).unwrap();
        f.write(b"12345").unwrap();
        f.write(b"ab").unwrap();
        assert_eq!(read(&path), b"ab");
        assert!(!f.backup(1).exists());

        let path = dir.path().join("b.log");
        std::fs::write(&path, b"old\n").unwrap();
        let mut f = RotatingFile::open(&path, 0, 3).unwrap();
        for _ in 0..100 {
            f.write(b"0123456789").unwrap();
        }
        assert_eq!(read(&path).len(), 4 + 1000);
        assert!(!f.backup(1).exists());
    }

    #[test]
    fn reopen_follows_an_external_rotation_and_clear_empties() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.log");
        let mut f = RotatingFile::open(&path, 0, 0).unwrap();
        f.write(b"one").unwrap();
        std::fs::rename(&path, dir.path().join("c.log.moved")).unwrap();
        f.reopen().unwrap();
        f.write(b"two").unwrap();
        assert_eq!(read(&path), b"two");
        f.clear().unwrap();
        assert_eq!(read(&path), b"");
        f.write(b"three").unwrap();
        assert_eq!(read(&path), b"three");
        assert_eq!(f.path(), path);
    }

    #[test]
    fn a_pipe_is_never_seeked_or_rotated() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let mut reader = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap();
        let mut f = RotatingFile::open(&fifo, 10, 2).unwrap();
        for _ in 0..5 {
            f.write(b"0123456789").unwrap();
        }
        f.clear().unwrap();
        assert!(fifo.exists(), "clear never deletes a non-regular target");
        f.write(b"!").unwrap();
        let mut got = Vec::new();
        reader.read_to_end(&mut got).unwrap_or_default();
        assert_eq!(got.len(), 51);
        assert!(!f.backup(1).exists());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// After any writes, the backups (oldest first) and the current file form a
        /// contiguous tail of the written stream; every backup holds ≥ maxbytes.
        #[test]
        fn files_are_a_contiguous_tail(
            maxbytes in 1u64..40,
            backups in 0u32..4,
            sizes in proptest::collection::vec(0usize..50, 0..40),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("p.log");
            let mut f = RotatingFile::open(&path, maxbytes, backups).unwrap();
            let mut stream = Vec::new();
            let mut counter = 0u8;
            for size in sizes {
                let chunk: Vec<u8> = (0..size).map(|_| { counter = counter.wrapping_add(1); counter }).collect();
                f.write(&chunk).unwrap();
                stream.extend_from_slice(&chunk);
            }
            let mut kept = Vec::new();
            for n in (1..=backups).rev() {
                let b = read(&f.backup(n));
                if f.backup(n).exists() {
                    prop_assert!(b.len() as u64 >= maxbytes);
                }
                kept.extend_from_slice(&b);
            }
            prop_assert!(!f.backup(backups + 1).exists());
            let current = read(&path);
            prop_assert!((current.len() as u64) < maxbytes);
            kept.extend_from_slice(&current);
            prop_assert!(stream.ends_with(&kept));
        }
    }
}
