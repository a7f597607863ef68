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
//! not a broadcast of the child's pipe. The file is the buffer: a chunk is read only
//! when the client has taken the previous one (a channel of one [`CHUNK`]), so a slow
//! or stalled follower costs the same small window however fast the child writes; it
//! only falls behind in the file, and can catch up from there. One that falls more
//! than [`LAG_LIMIT`] behind skips ahead to the last [`RESUME`] bytes and is told how
//! many it missed (`==> N bytes skipped: this follower fell behind <==`); one that
//! reads along loses nothing, rotation included (the old file is drained first). A
//! channel with no log file (`NONE`, syslog only) has nothing to follow, as in
//! Supervisor.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

const TICK: Duration = Duration::from_millis(100);
/// Bytes read at a time, and all a follower holds in memory on our side.
pub const CHUNK: u64 = 16 * 1024;
/// How far behind the end of the file a follower may fall before it skips ahead.
pub const LAG_LIMIT: u64 = 1 << 20;
/// Where a follower that fell behind resumes: this many bytes before the end.
pub const RESUME: u64 = 64 * 1024;
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
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        let mut cursor = start(&path);
        loop {
            // Room for one chunk first: nothing is read for a client that has not
            // taken the last one.
            let Ok(permit) = tx.reserve().await else {
                return;
            };
            match cursor.next(&path) {
                Some(chunk) => permit.send(chunk),
                None => {
                    drop(permit);
                    tokio::select! {
                        () = tokio::time::sleep(TICK) => {}
                        () = tx.closed() => return,
                    }
                }
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

    fn size(&self) -> u64 {
        self.file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .map_or(self.pos, |m| m.len())
    }

    /// The next chunk to send (at most [`CHUNK`] bytes, or a marker), or `None`
    /// when there is nothing new.
    fn next(&mut self, path: &PathBuf) -> Option<Vec<u8>> {
        loop {
            // Rotation (or a file that appeared): the name now points at another inode.
            let moved = std::fs::metadata(path)
                .is_ok_and(|meta| self.file.is_none() || meta.ino() != self.ino);
            if !moved {
                break;
            }
            // Drain what the old file still has, then switch.
            let left = self.size().saturating_sub(self.pos);
            if left > LAG_LIMIT {
                *self = Cursor::open(path, None);
                return Some(skipped(left));
            }
            if let Some(chunk) = self.read_chunk() {
                return Some(chunk);
            }
            *self = Cursor::open(path, None);
            self.file.as_ref()?;
        }
        self.file.as_ref()?;
        let size = self.size();
        if size < self.pos {
            self.pos = 0;
            return Some(TRUNCATED.to_vec());
        }
        if size - self.pos > LAG_LIMIT {
            let resume = size - RESUME;
            let missed = resume - self.pos;
            self.pos = resume;
            return Some(skipped(missed));
        }
        self.read_chunk()
    }

    fn read_chunk(&mut self) -> Option<Vec<u8>> {
        let file = self.file.as_mut()?;
        let mut buf = Vec::new();
        let read = file
            .seek(SeekFrom::Start(self.pos))
            .and_then(|_| file.by_ref().take(CHUNK).read_to_end(&mut buf));
        match read {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                self.pos += n as u64;
                Some(buf)
            }
        }
    }
}

/// The marker a follower gets for the bytes it skipped.
fn skipped(n: u64) -> Vec<u8> {
    format!("==> {n} bytes skipped: this follower fell behind <==\n").into_bytes()
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

        // Rotation: the name moves to a new file; the old one's tail comes first.
        f.write_all(b"yz").unwrap();
        std::fs::rename(&path, dir.path().join("log.1")).unwrap();
        std::fs::write(&path, b"new").unwrap();
        assert_eq!(next(&mut rx).await, b"yz");
        assert_eq!(next(&mut rx).await, b"new");
    }

    #[tokio::test]
    async fn a_follower_far_behind_skips_ahead_and_is_told() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, b"").unwrap();
        let mut rx = follow_from(path.clone(), 0);
        // The client takes nothing while 3 MiB land.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(&vec![b'a'; 3 << 20]).unwrap();
        let mut got = Vec::new();
        let tail = |got: &[u8]| {
            let text = String::from_utf8_lossy(got).into_owned();
            let end = text.find(" <==\n")? + 5;
            Some((text, end))
        };
        while tail(&got).is_none_or(|(t, end)| t.len() < end + RESUME as usize) {
            got.extend(next(&mut rx).await);
        }
        let (text, end) = tail(&got).unwrap();
        assert_eq!(text.len(), end + RESUME as usize, "nothing past the end");
        let marker = text
            .find(" bytes skipped: this follower fell behind <==\n")
            .unwrap();
        let missed: u64 = text[..marker].rsplit(' ').next().unwrap().parse().unwrap();
        // Whatever it read before the skip, plus what it missed, plus RESUME: 3 MiB.
        let before = text[..text.find("==>").unwrap()].len() as u64;
        assert_eq!(before + missed + RESUME, 3 << 20);
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
