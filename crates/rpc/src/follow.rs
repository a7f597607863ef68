//! Following a log file as it grows, for `/logtail`, `/mainlogtail`, the gRPC
//! `FollowLog` stream and the web page's tail: first the last `backlog` bytes (or
//! everything from a given offset), then new bytes as they land,
//! across rotation (a new inode is reopened from its start) and truncation
//! (`==> File truncated <==`), until the receiver is dropped.
//!
//! The file is checked every 100 ms, as Supervisor's tail producer does; the task
//! holds no buffer between checks and ends as soon as its client goes away.
//!
//! Design decision: live following (`tail -f`, `fg`, the web tail) reads the log file,
//! not a broadcast of the child's pipe. The file is the bounded buffer: a slow or
//! stalled follower only falls behind in the file (it can never hold back the child
//! nor make the daemon buffer for it), any number of followers cost one small task
//! each, and a follower loses only what rotation removed before it read it. A channel
//! with no log file (`NONE`, syslog only) has nothing to follow, as in Supervisor.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

const TICK: Duration = Duration::from_millis(100);
/// Bytes read per chunk; a burst larger than this is sent as several chunks.
const CHUNK: u64 = 64 * 1024;
pub const TRUNCATED: &[u8] = b"==> File truncated <==\n";

/// Starts following `path`; chunks arrive on the returned receiver.
pub fn follow(path: PathBuf, backlog: u64) -> mpsc::Receiver<Vec<u8>> {
    spawn(path, move |p| Cursor::open(p, Some(backlog)))
}

/// Follows `path` from byte `offset`, for a client that already has what comes
/// before (the web page's tail). A file now shorter than `offset` was truncated:
/// `==> File truncated <==`, then its content from the start.
pub fn follow_from(path: PathBuf, offset: u64) -> mpsc::Receiver<Vec<u8>> {
    spawn(path, move |p| {
        let mut cursor = Cursor::open(p, None);
        cursor.pos = offset;
        cursor
    })
}

fn spawn(
    path: PathBuf,
    start: impl FnOnce(&PathBuf) -> Cursor + Send + 'static,
) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let mut cursor = start(&path);
        loop {
            for chunk in cursor.poll(&path) {
                if tx.send(chunk).await.is_err() {
                    return;
                }
            }
            tokio::select! {
                () = tokio::time::sleep(TICK) => {}
                () = tx.closed() => return,
            }
        }
    });
    rx
}

/// The followed file and how far it has been sent.
struct Cursor {
    file: Option<File>,
    ino: u64,
    pos: u64,
}

impl Cursor {
    /// `backlog`: start that many bytes before the end; `None`: from the start.
    fn open(path: &PathBuf, backlog: Option<u64>) -> Cursor {
        let Ok(file) = File::open(path) else {
            return Cursor {
                file: None,
                ino: 0,
                pos: 0,
            };
        };
        let (ino, size) = file
            .metadata()
            .map(|m| (m.ino(), m.len()))
            .unwrap_or((0, 0));
        let pos = backlog.map_or(0, |b| size.saturating_sub(b));
        Cursor {
            file: Some(file),
            ino,
            pos,
        }
    }

    /// New bytes since the last call (possibly none).
    fn poll(&mut self, path: &PathBuf) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        // Rotation (or a file that appeared): the name now points at another inode.
        if let Ok(meta) = std::fs::metadata(path)
            && (self.file.is_none() || meta.ino() != self.ino)
        {
            // Drain what the old file still had, then switch.
            out.extend(self.read_new());
            *self = Cursor::open(path, None);
        }
        let Some(file) = self.file.as_ref() else {
            return out;
        };
        let size = file.metadata().map(|m| m.len()).unwrap_or(self.pos);
        if size < self.pos {
            self.pos = 0;
            out.push(TRUNCATED.to_vec());
        }
        out.extend(self.read_new());
        out
    }

    fn read_new(&mut self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let Some(file) = self.file.as_mut() else {
            return out;
        };
        loop {
            let mut buf = Vec::new();
            let read = file
                .seek(SeekFrom::Start(self.pos))
                .and_then(|_| file.by_ref().take(CHUNK).read_to_end(&mut buf));
            match read {
                Ok(0) | Err(_) => return out,
                Ok(n) => {
                    self.pos += n as u64;
                    out.push(buf);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    async fn next(rx: &mut mpsc::Receiver<Vec<u8>>) -> Vec<u8> {
        tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a chunk before the deadline")
            .expect("the follower is alive")
    }

    #[tokio::test]
    async fn backlog_growth_truncation_and_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, b"0123456789").unwrap();
        let mut rx = follow(path.clone(), 4);
        assert_eq!(next(&mut rx).await, b"6789");

        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"abc").unwrap();
        assert_eq!(next(&mut rx).await, b"abc");

        std::fs::write(&path, b"").unwrap();
        assert_eq!(next(&mut rx).await, TRUNCATED);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"x").unwrap();
        assert_eq!(next(&mut rx).await, b"x");

        // Rotation: the name moves to a new file.
        std::fs::rename(&path, dir.path().join("log.1")).unwrap();
        std::fs::write(&path, b"new").unwrap();
        assert_eq!(next(&mut rx).await, b"new");
    }

    #[tokio::test]
    async fn from_an_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, b"0123456789").unwrap();
        let mut rx = follow_from(path.clone(), 7);
        assert_eq!(next(&mut rx).await, b"789");
        // An offset past the end: the file was truncated since the client read it.
        let mut rx = follow_from(path.clone(), 50);
        assert_eq!(next(&mut rx).await, TRUNCATED);
        assert_eq!(next(&mut rx).await, b"0123456789");
    }
}
