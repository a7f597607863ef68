//! Tests of `RotatingFile`: Supervisor's rotation, time rotation, compression, and
//! moving a pipe's bytes in with `splice`.

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

fn at(t: i64) {
    FAKE_NOW.with(|c| c.set(Some(t)));
}

#[test]
fn boundaries_are_local_hours_and_midnights() {
    let t = 1_767_000_000; // late December 2025
    let h = next_boundary(Rotate::Hourly, t).unwrap();
    assert!(h > t && h - t <= 3600);
    assert_eq!((local_time(h).minute, local_time(h).second), (0, 0));
    let d = next_boundary(Rotate::Daily, t).unwrap();
    assert!(d > t && d - t <= 25 * 3600);
    let local = local_time(d);
    assert_eq!((local.hour, local.minute, local.second), (0, 0, 0));
    assert_eq!(next_boundary(Rotate::Size, t), None);
}

#[test]
fn hourly_rotation_at_the_first_write_of_a_new_hour() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.log");
    let t = 1_767_000_000;
    at(t);
    let policy = RotatePolicy {
        maxbytes: 0,
        backups: 3,
        every: Rotate::Hourly,
        compress: Compress::None,
    };
    let mut f = RotatingFile::open_with(&path, policy).unwrap();
    f.write(b"first hour\n").unwrap();
    at(next_boundary(Rotate::Hourly, t).unwrap() - 1);
    f.write(b"still\n").unwrap();
    assert!(!f.backup(1).exists());
    at(next_boundary(Rotate::Hourly, t).unwrap() + 10);
    f.write(b"second hour\n").unwrap();
    assert_eq!(read(&f.backup(1)), b"first hour\nstill\n");
    assert_eq!(read(&path), b"second hour\n");
    // Two hours later with nothing written in between: one rotation.
    at(next_boundary(Rotate::Hourly, t).unwrap() + 3 * 3600);
    f.write(b"later\n").unwrap();
    assert_eq!(read(&f.backup(2)), b"first hour\nstill\n");
    assert_eq!(read(&f.backup(1)), b"second hour\n");
    assert!(!f.backup(3).exists());
}

#[test]
fn a_file_from_an_earlier_day_is_rotated_before_the_first_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.log");
    std::fs::write(&path, b"yesterday\n").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
    File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let policy = RotatePolicy {
        maxbytes: 0,
        backups: 2,
        every: Rotate::Daily,
        compress: Compress::Gzip,
    };
    let mut f = RotatingFile::open_with(&path, policy).unwrap();
    f.write(b"today\n").unwrap();
    assert!(crate::wait_compressed(std::time::Duration::from_secs(10)));
    assert_eq!(compress::gunzip(&f.backup(1)), b"yesterday\n");
    assert_eq!(read(&path), b"today\n");
}

#[test]
fn gzip_backups_keep_every_byte_in_order_under_a_flood() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.log");
    let policy = RotatePolicy {
        maxbytes: 1000,
        backups: 1000,
        every: Rotate::Size,
        compress: Compress::Gzip,
    };
    let mut f = RotatingFile::open_with(&path, policy).unwrap();
    let mut stream = Vec::new();
    for i in 0..3000u32 {
        let line = format!("line {i:05} {}\n", "x".repeat((i % 37) as usize));
        f.write(line.as_bytes()).unwrap();
        stream.extend_from_slice(line.as_bytes());
    }
    assert!(crate::wait_compressed(std::time::Duration::from_secs(30)));
    let mut kept = Vec::new();
    let mut n = 1;
    while f.backup(n).exists() {
        n += 1;
    }
    for i in (1..n).rev() {
        kept.extend_from_slice(&compress::gunzip(&f.backup(i)));
    }
    kept.extend_from_slice(&read(&path));
    assert!(n > 10, "it rotated ({n} backups)");
    assert_eq!(kept, stream);
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

/// A nonblocking pipe: (read end, write end).
fn pipe() -> (std::os::fd::OwnedFd, File) {
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_NONBLOCK).unwrap();
    (r, File::from(w))
}

/// Everything the pipe holds, spliced in (`WouldBlock` ends it).
fn splice_all(f: &mut RotatingFile, r: &std::os::fd::OwnedFd) -> usize {
    use std::os::fd::AsFd;
    let mut total = 0;
    loop {
        match f.splice_from(r.as_fd(), 4096) {
            Ok(Some(0)) => return total,
            Ok(Some(n)) => total += n,
            Ok(None) => panic!("refused"),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return total,
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn spliced_bytes_rotate_as_written_ones_and_none_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.log");
    let mut f = RotatingFile::open(&path, 1_000, 100).unwrap();
    let (r, mut w) = pipe();
    let mut expected = Vec::new();
    for i in 0..200 {
        let line = format!("line {i:05} {}\n", "x".repeat(i % 50));
        expected.extend_from_slice(line.as_bytes());
        // Splice and write take turns: append mode is given up and taken back.
        if i % 3 == 0 {
            f.write(line.as_bytes()).unwrap();
        } else {
            w.write_all(line.as_bytes()).unwrap();
            assert_eq!(splice_all(&mut f, &r), line.len());
        }
    }
    let mut got = Vec::new();
    for n in (1..=100).rev() {
        got.extend(read(&f.backup(n)));
    }
    got.extend(read(&path));
    assert_eq!(got, expected);
    // Rotation happened, at maxbytes as for writes: each backup ends a write or
    // move at or past 1 000 bytes.
    assert!(std::fs::metadata(f.backup(1)).unwrap().len() >= 1_000);
    drop(w);
    assert_eq!(
        f.splice_from(std::os::fd::AsFd::as_fd(&r), 4096).unwrap(),
        Some(0)
    );
}

#[test]
fn a_spliced_file_truncated_by_someone_else_is_written_from_its_new_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.log");
    let mut f = RotatingFile::open(&path, 0, 0).unwrap();
    let (r, mut w) = pipe();
    w.write_all(b"before\n").unwrap();
    splice_all(&mut f, &r);
    // logrotate's copytruncate.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    w.write_all(b"after\n").unwrap();
    splice_all(&mut f, &r);
    f.write(b"written\n").unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    f.write(b"appended\n").unwrap();
    assert_eq!(read(&path), b"appended\n");
}

#[test]
fn an_empty_pipe_would_block_and_a_device_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = RotatingFile::open(dir.path().join("out.log"), 0, 0).unwrap();
    let (r, _w) = pipe();
    let e = f
        .splice_from(std::os::fd::AsFd::as_fd(&r), 4096)
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
    let mut null = RotatingFile::open("/dev/null", 0, 0).unwrap();
    assert_eq!(
        null.splice_from(std::os::fd::AsFd::as_fd(&r), 4096)
            .unwrap(),
        None
    );
}
