//! Rolling write-back of a large file written front to back in one pass (a NetCDF file
//! that `to_netcdf` streams chunk by chunk). Once the file is larger than the kernel's
//! background write-back threshold (`vm.dirty_background_bytes`, or
//! `vm.dirty_background_ratio` percent of the available memory: past it the kernel
//! starts writing dirty pages out anyway), each time it has grown by [`WINDOW`] bytes
//! the new bytes are handed to the disk without waiting (`sync_file_range`), and those
//! of the window before are waited for and dropped from the page cache
//! (`POSIX_FADV_DONTNEED`).
//!
//! Without it, a multi-gigabyte output fills the page cache with dirty pages until the
//! kernel throttles the writer, and every page written is a fresh page the kernel must
//! find first. On this project's bench machine (a VM with 24 GB, threshold 2.4 GB), the
//! 7.6 GB of the toolkit bench's interpolation took 15.8–17.8 s to write, 13–16 s of it
//! system time, and 7.0–8.3 s with this rolling window (`bench/toolkit/README.md`); it
//! also keeps a long write from evicting what other programs cache, as `dd
//! oflag=nocache` does. Below the threshold nothing changes: there the page cache is
//! the fast path (a 1.9 GB output written back as it goes took 0.2–0.9 s longer). The
//! cost above it: the file's bytes past the threshold are on disk, not in memory, when
//! the write ends, so reading them right back reads the disk.
//!
//! Both calls are advice: a file system that does not support them (or another OS)
//! gets a plain buffered write, and errors are ignored. Nothing here changes what is
//! written.

#![allow(unsafe_code)]

use std::fs::File;
use std::path::Path;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};

/// How far the file grows between two write-backs.
const WINDOW: u64 = if cfg!(test) { 64 << 10 } else { 64 << 20 };

/// The size past which a file is written back as it grows: the kernel's background
/// write-back threshold (see the module's documentation). 0 in unit tests.
fn threshold() -> u64 {
    if cfg!(test) {
        return 0;
    }
    let read = |path: &str| std::fs::read_to_string(path).ok();
    threshold_from(
        read("/proc/sys/vm/dirty_background_bytes").as_deref(),
        read("/proc/sys/vm/dirty_background_ratio").as_deref(),
        read("/proc/meminfo").as_deref(),
    )
}

/// [`threshold`] from the texts of `vm.dirty_background_bytes`, `..._ratio` and
/// `/proc/meminfo`: the bytes when set (not 0), else the ratio of `MemAvailable`; 1 GiB
/// when they cannot be read.
fn threshold_from(bytes: Option<&str>, ratio: Option<&str>, meminfo: Option<&str>) -> u64 {
    let number = |text: Option<&str>| text.and_then(|t| t.trim().parse::<u64>().ok());
    if let Some(bytes) = number(bytes).filter(|&b| b > 0) {
        return bytes;
    }
    let available = meminfo.and_then(|m| {
        m.lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    });
    match (number(ratio), available) {
        (Some(r), Some(kb)) => kb.saturating_mul(1024) / 100 * r,
        _ => 1 << 30,
    }
}

/// The write-back of one file being written (by any handle: both calls act on the
/// file's page cache, not on a descriptor's). The calls that wait for the disk run on a
/// thread of their own, so that the writer, an executor's worker, never waits for them.
#[derive(Debug)]
pub(crate) struct WriteBack {
    file: Arc<File>,
    /// See [`threshold`].
    start: u64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    marks: Marks,
    /// The thread doing the calls, started by the first write-back (most files never
    /// reach the threshold).
    jobs: Jobs,
}

#[derive(Debug)]
enum Jobs {
    NotStarted,
    Running(Sender<(Marks, u64)>),
    /// The thread could not start, or ended: no write-back.
    Off,
}

/// `[dropped, started)`: handed to the disk, to wait for and drop next; `[started, ..)`:
/// written since.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Marks {
    dropped: u64,
    started: u64,
}

impl WriteBack {
    /// For the file at `path`, being written; `None` when it cannot be opened (the write
    /// then goes on without).
    pub(crate) fn open(path: &Path) -> Option<WriteBack> {
        Some(WriteBack {
            file: Arc::new(File::open(path).ok()?),
            start: threshold(),
            state: Mutex::new(State {
                marks: Marks::default(),
                jobs: Jobs::NotStarted,
            }),
        })
    }

    /// Called after each write: when the file is past the threshold and has grown by
    /// [`WINDOW`] since the last write-back, has the new bytes written out and the
    /// window before them dropped.
    pub(crate) fn advance(&self) {
        let Ok(len) = self.file.metadata().map(|m| m.len()) else {
            return;
        };
        if len < self.start {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let old = state.marks;
        if len < old.started.saturating_add(WINDOW) {
            return;
        }
        if matches!(state.jobs, Jobs::NotStarted) {
            state.jobs = self.start_thread().map_or(Jobs::Off, Jobs::Running);
        }
        if let Jobs::Running(jobs) = &state.jobs {
            if jobs.send((old, len)).is_err() {
                state.jobs = Jobs::Off;
            }
        }
        state.marks = Marks {
            dropped: old.started,
            started: len,
        };
    }

    /// The thread that makes the calls, which wait for the disk; it ends when the
    /// sender, kept in `state`, is dropped with the `WriteBack`.
    fn start_thread(&self) -> Option<Sender<(Marks, u64)>> {
        let (jobs, next) = channel::<(Marks, u64)>();
        let file = Arc::clone(&self.file);
        std::thread::Builder::new()
            .name("xr-writeback".into())
            .spawn(move || {
                for (old, len) in next {
                    start_write_out(&file, old.started, len - old.started);
                    if old.started > old.dropped {
                        wait_and_drop(&file, old.dropped, old.started - old.dropped);
                    }
                }
            })
            .ok()?;
        Some(jobs)
    }
}

#[cfg(target_os = "linux")]
fn start_write_out(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return;
    };
    // SAFETY: a plain system call on a descriptor `file` owns for the call's duration;
    // no memory is passed. Its result is advice, ignored.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(target_os = "linux")]
fn wait_and_drop(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return;
    };
    let fd = file.as_raw_fd();
    // SAFETY: plain system calls on a descriptor `file` owns for the calls' duration; no
    // memory is passed. Dropping waits for the write-out, so only clean pages go.
    unsafe {
        libc::sync_file_range(
            fd,
            offset,
            len,
            libc::SYNC_FILE_RANGE_WAIT_BEFORE
                | libc::SYNC_FILE_RANGE_WRITE
                | libc::SYNC_FILE_RANGE_WAIT_AFTER,
        );
        libc::posix_fadvise(fd, offset, len, libc::POSIX_FADV_DONTNEED);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_write_out(_file: &File, _offset: u64, _len: u64) {}

#[cfg(not(target_os = "linux"))]
fn wait_and_drop(_file: &File, _offset: u64, _len: u64) {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::io::{Read as _, Write as _};

    use super::*;

    #[test]
    fn windows_are_written_out_then_dropped_one_behind_and_the_bytes_stay() {
        let path = std::env::temp_dir().join(format!("xr-writeback-{}", std::process::id()));
        let mut out = File::create(&path).unwrap();
        let wb = WriteBack::open(&path).unwrap();
        let block: Vec<u8> = (0..WINDOW / 2).map(|i| (i % 251) as u8).collect();
        let mut seen = Vec::new();
        for _ in 0..7 {
            out.write_all(&block).unwrap();
            wb.advance();
            seen.push(wb.state.lock().unwrap().marks);
        }
        let half = WINDOW / 2;
        let marks = |dropped, started| Marks { dropped, started };
        // A write-back each window; the one before it dropped from the second on.
        assert_eq!(
            seen,
            [
                marks(0, 0),
                marks(0, 2 * half),
                marks(0, 2 * half),
                marks(2 * half, 4 * half),
                marks(2 * half, 4 * half),
                marks(4 * half, 6 * half),
                marks(4 * half, 6 * half),
            ]
        );
        drop(out);
        let mut back = Vec::new();
        File::open(&path).unwrap().read_to_end(&mut back).unwrap();
        assert_eq!(back.len() as u64, 7 * half);
        assert!(back.chunks(block.len()).all(|c| c == block));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn the_threshold_is_the_kernels_background_write_back_threshold() {
        let meminfo = "MemTotal:       24000000 kB\nMemAvailable:   20000000 kB\n";
        assert_eq!(
            threshold_from(Some("0\n"), Some("10\n"), Some(meminfo)),
            20_000_000 * 1024 / 100 * 10
        );
        assert_eq!(
            threshold_from(Some("500000000\n"), Some("10\n"), Some(meminfo)),
            500_000_000
        );
        assert_eq!(threshold_from(None, Some("10"), None), 1 << 30);
        assert_eq!(threshold_from(None, None, Some(meminfo)), 1 << 30);
        assert_eq!(threshold_from(Some("x"), Some("x"), Some("")), 1 << 30);
    }

    #[test]
    fn a_file_that_cannot_be_opened_has_no_write_back() {
        assert!(WriteBack::open(Path::new("/nonexistent/xr/out.nc")).is_none());
    }
}
