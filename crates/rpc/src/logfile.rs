//! Reading log files for clients, with Supervisor's exact offset rules
//! (options.py `readFile` / `tailFile`, rpcinterface.py), shared by `readLog`,
//! `readProcess*Log`, `tailProcess*Log` and the gRPC `ReadLog` / `TailLog`.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use supervisor_model::{Fault, FaultError};

use crate::control::{Control, CtlResult, LogSource};

/// `readFile`: negative offset → the last |offset| bytes (length must be 0);
/// length 0 → to the end; negative length → BAD_ARGUMENTS; I/O errors → FAILED.
pub fn read_file(path: &Path, offset: i64, length: i64) -> CtlResult<Vec<u8>> {
    if (offset < 0 && length != 0) || length < 0 {
        return Err(FaultError::bare(Fault::BadArguments));
    }
    let failed = |_| FaultError::bare(Fault::Failed);
    let mut f = File::open(path).map_err(failed)?;
    let mut data = Vec::new();
    if offset < 0 {
        let size = f.seek(SeekFrom::End(0)).map_err(failed)?;
        let want = offset.unsigned_abs();
        f.seek(SeekFrom::Start(size.saturating_sub(want)))
            .map_err(failed)?;
        f.take(want).read_to_end(&mut data).map_err(failed)?;
    } else {
        f.seek(SeekFrom::Start(offset.unsigned_abs()))
            .map_err(failed)?;
        if length == 0 {
            f.read_to_end(&mut data).map_err(failed)?;
        } else {
            f.take(length.unsigned_abs())
                .read_to_end(&mut data)
                .map_err(failed)?;
        }
    }
    Ok(data)
}

/// `tailFile`: at most `length` bytes ending at EOF, the file size as the next
/// offset, and whether bytes between `offset` and the returned data were skipped.
/// An unreadable file is `("", offset, false)`.
pub fn tail_file(path: &Path, offset: i64, length: i64) -> (Vec<u8>, i64, bool) {
    let Ok(mut f) = File::open(path) else {
        return (Vec::new(), offset, false);
    };
    let Ok(size) = f.seek(SeekFrom::End(0)) else {
        return (Vec::new(), offset, false);
    };
    let sz = i64::try_from(size).unwrap_or(i64::MAX);
    let (mut offset, mut length) = (offset, length);
    let mut overflow = false;
    if sz > offset.saturating_add(length) {
        overflow = true;
        offset = sz - 1;
    }
    if offset.saturating_add(length) > sz {
        if offset > sz - 1 {
            length = 0;
        }
        offset = sz - length;
    }
    let offset = offset.max(0);
    let length = length.max(0);
    let mut data = Vec::new();
    if length > 0 && f.seek(SeekFrom::Start(offset.unsigned_abs())).is_ok() {
        let _ = f.take(length.unsigned_abs()).read_to_end(&mut data);
    }
    (data, sz, overflow)
}

/// The existing file behind `source`, or NO_FILE (detail: the configured path, as
/// Supervisor's `RPCError(NO_FILE, logfile)`).
fn existing<C: Control>(ctl: &C, source: &LogSource) -> CtlResult<Option<std::path::PathBuf>> {
    Ok(ctl.log_path(source)?.filter(|p| p.exists()))
}

/// `readLog` / `readProcessStdoutLog` / `readProcessStderrLog`.
pub fn read<C: Control>(
    ctl: &C,
    source: &LogSource,
    offset: i64,
    length: i64,
) -> CtlResult<Vec<u8>> {
    match ctl.log_path(source)? {
        Some(p) if p.exists() => read_file(&p, offset, length),
        Some(p) => Err(FaultError::new(Fault::NoFile, p.display().to_string())),
        None => Err(FaultError::bare(Fault::NoFile)),
    }
}

/// `tailProcess*Log`: no file → `("", 0, false)`.
pub fn tail<C: Control>(
    ctl: &C,
    source: &LogSource,
    offset: i64,
    length: i64,
) -> CtlResult<(Vec<u8>, i64, bool)> {
    Ok(match existing(ctl, source)? {
        Some(p) => tail_file(&p, offset, length),
        None => (Vec::new(), 0, false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(content: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, content).unwrap();
        f
    }

    #[test]
    fn read_file_offsets() {
        let f = file(b"0123456789");
        let p = f.path();
        assert_eq!(read_file(p, 0, 0).unwrap(), b"0123456789");
        assert_eq!(read_file(p, 2, 3).unwrap(), b"234");
        assert_eq!(read_file(p, -4, 0).unwrap(), b"6789");
        assert_eq!(read_file(p, -40, 0).unwrap(), b"0123456789");
        assert_eq!(read_file(p, 20, 0).unwrap(), b"");
        assert_eq!(read_file(p, -10, 5).unwrap_err().fault, Fault::BadArguments);
        assert_eq!(read_file(p, 0, -1).unwrap_err().fault, Fault::BadArguments);
        let missing = p.with_extension("gone");
        assert_eq!(read_file(&missing, 0, 0).unwrap_err().fault, Fault::Failed);
    }

    #[test]
    fn tail_file_follows_supervisor() {
        let f = file(b"0123456789");
        let p = f.path();
        // Supervisor's `tail` asks (offset 0, length 1600) first.
        assert_eq!(tail_file(p, 0, 1600), (b"0123456789".to_vec(), 10, false));
        assert_eq!(tail_file(p, 0, 4), (b"6789".to_vec(), 10, true));
        assert_eq!(tail_file(p, 10, 4), (Vec::new(), 10, false));
        assert_eq!(tail_file(p, 8, 4), (b"6789".to_vec(), 10, false));
        assert_eq!(tail_file(p, 50, 4), (Vec::new(), 10, false));
    }
}
