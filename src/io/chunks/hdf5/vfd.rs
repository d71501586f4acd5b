//! A read-only HDF5 virtual file driver over byte ranges: libhdf5 opens a file at a URL
//! and every read it makes (superblock, object headers, B-trees, small contiguous
//! datasets) becomes a range read of a [`RangeSource`] (an `object_store` GET for `s3://`
//! and `http(s)://` objects), through a cache of 64 KiB pages, so that the metadata near
//! the start of a file costs one or two requests.
//!
//! Neither the system libhdf5 nor the bundled one (feature `static`) is required to have
//! an S3 driver of its own, and S3 settings are the ones every other remote read of xr
//! takes (`StorageOptions`, `AWS_*`). The driver class struct changed in HDF5 1.14
//! (a version and an identifier first; vector, selection, `del` and `ctl` callbacks), so
//! both layouts are declared here and the one of the linked library is registered.

use std::collections::HashMap;
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::ptr;
use std::sync::{Arc, Mutex, OnceLock};

use hdf5_metno_sys::h5::{haddr_t, herr_t, H5get_libversion, H5open};
use hdf5_metno_sys::h5i::hid_t;
use hdf5_metno_sys::h5p::{
    H5Pclose, H5Pcreate, H5Pget_driver_info, H5Pset_driver, H5P_CLS_FILE_ACCESS,
};

use super::{id, Id};

/// The bytes of one remote file, read by range.
pub(crate) trait RangeSource: Send + Sync {
    /// The file's size in bytes.
    fn size(&self) -> u64;
    /// `length` bytes at `offset` (within the file).
    fn read(&self, offset: u64, length: u64) -> Result<Vec<u8>, String>;
}

/// What a file access property list hands the driver's `open`: the source, and where
/// the first failure of a read is kept for the caller (libhdf5's own message only
/// says that the driver's read failed).
pub(crate) struct Shared {
    source: Arc<dyn RangeSource>,
    error: Mutex<Option<String>>,
    /// The file's first page, if the caller already read it.
    first_page: Option<Vec<u8>>,
}

impl Shared {
    pub(crate) fn new(source: Arc<dyn RangeSource>) -> Self {
        Shared {
            source,
            error: Mutex::new(None),
            first_page: None,
        }
    }

    /// With the file's first page (its first [`PAGE`] bytes, or all of a shorter file)
    /// already read: files opened through it start with it cached.
    pub(crate) fn with_first_page(mut self, page: Vec<u8>) -> Self {
        self.first_page = Some(page);
        self
    }

    /// The first error of a read, if any.
    pub(crate) fn error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }

    fn fail(&self, reason: String) {
        if let Ok(mut e) = self.error.lock() {
            e.get_or_insert(reason);
        }
    }
}

/// The driver info in the property list (copied by libhdf5 with `fapl_size` bytes).
#[repr(C)]
#[derive(Clone, Copy)]
struct Info {
    shared: *const Shared,
}

/// The driver's unit of reading and caching.
pub(crate) const PAGE: u64 = 64 << 10;

/// One open file: libhdf5's public `H5FD_t` fields first (it fills them in), then ours.
#[repr(C)]
struct File {
    /// Room for `H5FD_t` (80 bytes in 1.10 and 2.x).
    public: [u64; 16],
    shared: *const Shared,
    eoa: haddr_t,
    eof: haddr_t,
    pages: HashMap<u64, Vec<u8>>,
}

impl File {
    /// Copies `buf.len()` bytes at `addr` from the cached pages, fetching the missing
    /// ones (each run of consecutive missing pages in one request); past the end of the
    /// file reads zeros, as libhdf5's own drivers do.
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), String> {
        buf.fill(0);
        let end = addr.saturating_add(buf.len() as u64).min(self.eof);
        if addr >= end {
            return Ok(());
        }
        let (first, last) = (addr / PAGE, (end - 1) / PAGE);
        let mut p = first;
        while p <= last {
            if self.pages.contains_key(&p) {
                p += 1;
                continue;
            }
            let mut q = p;
            while q < last && !self.pages.contains_key(&(q + 1)) {
                q += 1;
            }
            let start = p * PAGE;
            let stop = ((q + 1) * PAGE).min(self.eof);
            // SAFETY: `shared` outlives the open file (the caller keeps it until closing).
            let shared = unsafe { &*self.shared };
            let bytes = shared.source.read(start, stop - start)?;
            if bytes.len() as u64 != stop - start {
                return Err(format!("bytes {start}..{stop}: got {} bytes", bytes.len()));
            }
            for (i, page) in bytes.chunks(PAGE as usize).enumerate() {
                self.pages.insert(p + i as u64, page.to_vec());
            }
            p = q + 1;
        }
        for p in first..=last {
            let page = &self.pages[&p];
            let page_start = p * PAGE;
            let from = addr.max(page_start);
            let to = end.min(page_start + page.len() as u64);
            if from < to {
                let dst = (from - addr) as usize..(to - addr) as usize;
                let src = (from - page_start) as usize..(to - page_start) as usize;
                buf[dst].copy_from_slice(&page[src]);
            }
        }
        Ok(())
    }
}

type Unused = Option<unsafe extern "C" fn()>;
type OpenFn = unsafe extern "C" fn(*const c_char, c_uint, hid_t, haddr_t) -> *mut c_void;
type CloseFn = unsafe extern "C" fn(*mut c_void) -> herr_t;
type GetAddrFn = unsafe extern "C" fn(*const c_void, c_int) -> haddr_t;
type SetEoaFn = unsafe extern "C" fn(*mut c_void, c_int, haddr_t) -> herr_t;
type ReadFn =
    unsafe extern "C" fn(*mut c_void, c_int, hid_t, haddr_t, usize, *mut c_void) -> herr_t;
type WriteFn =
    unsafe extern "C" fn(*mut c_void, c_int, hid_t, haddr_t, usize, *const c_void) -> herr_t;

/// `H5FD_class_t` of HDF5 1.10.
#[repr(C)]
struct Class110 {
    name: *const c_char,
    maxaddr: haddr_t,
    fc_degree: c_int,
    terminate: Unused,
    sb_size: Unused,
    sb_encode: Unused,
    sb_decode: Unused,
    fapl_size: usize,
    fapl_get: Unused,
    fapl_copy: Unused,
    fapl_free: Unused,
    dxpl_size: usize,
    dxpl_copy: Unused,
    dxpl_free: Unused,
    open: Option<OpenFn>,
    close: Option<CloseFn>,
    cmp: Unused,
    query: Unused,
    get_type_map: Unused,
    alloc: Unused,
    free: Unused,
    get_eoa: Option<GetAddrFn>,
    set_eoa: Option<SetEoaFn>,
    get_eof: Option<GetAddrFn>,
    get_handle: Unused,
    read: Option<ReadFn>,
    write: Option<WriteFn>,
    flush: Unused,
    truncate: Unused,
    lock: Unused,
    unlock: Unused,
    fl_map: [c_int; 7],
}

/// `H5FD_class_t` of HDF5 1.14 and 2.x (`H5FD_CLASS_VERSION` 1).
#[repr(C)]
struct Class114 {
    version: c_uint,
    value: c_int,
    name: *const c_char,
    maxaddr: haddr_t,
    fc_degree: c_int,
    terminate: Unused,
    sb_size: Unused,
    sb_encode: Unused,
    sb_decode: Unused,
    fapl_size: usize,
    fapl_get: Unused,
    fapl_copy: Unused,
    fapl_free: Unused,
    dxpl_size: usize,
    dxpl_copy: Unused,
    dxpl_free: Unused,
    open: Option<OpenFn>,
    close: Option<CloseFn>,
    cmp: Unused,
    query: Unused,
    get_type_map: Unused,
    alloc: Unused,
    free: Unused,
    get_eoa: Option<GetAddrFn>,
    set_eoa: Option<SetEoaFn>,
    get_eof: Option<GetAddrFn>,
    get_handle: Unused,
    read: Option<ReadFn>,
    write: Option<WriteFn>,
    read_vector: Unused,
    write_vector: Unused,
    read_selection: Unused,
    write_selection: Unused,
    flush: Unused,
    truncate: Unused,
    lock: Unused,
    unlock: Unused,
    del: Unused,
    ctl: Unused,
    fl_map: [c_int; 7],
}

unsafe extern "C" {
    // Declared here with an untyped class pointer: the binding's `H5FD_class_t` has the
    // 1.10 layout whatever the library.
    fn H5FDregister(cls: *const c_void) -> hid_t;
}

const NAME: &[u8] = b"xr_ranges\0";
/// A user driver's identifier (256..65535 are free for them).
const VALUE: c_int = 0x5852;
/// `H5F_CLOSE_WEAK`, as libhdf5's own drivers.
const CLOSE_WEAK: c_int = 1;
/// `H5F_ACC_RDWR`.
const ACC_RDWR: c_uint = 1;
const MAXADDR: haddr_t = i64::MAX as haddr_t;

unsafe extern "C" fn open(
    _name: *const c_char,
    flags: c_uint,
    fapl: hid_t,
    _max: haddr_t,
) -> *mut c_void {
    if flags & ACC_RDWR != 0 {
        return ptr::null_mut();
    }
    // SAFETY: `fapl` is the access property list libhdf5 opens the file with; its driver
    // info is an `Info` (our class's `fapl_size` bytes, copied by the library).
    let info = unsafe { H5Pget_driver_info(fapl) }.cast::<Info>();
    if info.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: checked non-null above; `Info` is plain data.
    let shared = unsafe { *info }.shared;
    if shared.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: the caller of `access_list` keeps `Shared` alive while the file is open.
    let shared_ref = unsafe { &*shared };
    let eof = shared_ref.source.size();
    let mut pages = HashMap::new();
    if let Some(page) = &shared_ref.first_page {
        if page.len() as u64 == PAGE.min(eof) {
            pages.insert(0, page.clone());
        }
    }
    let file = Box::new(File {
        public: [0; 16],
        shared,
        eoa: 0,
        eof,
        pages,
    });
    Box::into_raw(file).cast()
}

unsafe extern "C" fn close(file: *mut c_void) -> herr_t {
    // SAFETY: `file` is the box `open` returned; libhdf5 closes it once.
    drop(unsafe { Box::from_raw(file.cast::<File>()) });
    0
}

unsafe extern "C" fn get_eoa(file: *const c_void, _type: c_int) -> haddr_t {
    // SAFETY: `file` is a live `File` from `open`.
    unsafe { &*file.cast::<File>() }.eoa
}

unsafe extern "C" fn set_eoa(file: *mut c_void, _type: c_int, addr: haddr_t) -> herr_t {
    // SAFETY: `file` is a live `File` from `open`, used by one thread (under the lock).
    unsafe { &mut *file.cast::<File>() }.eoa = addr;
    0
}

unsafe extern "C" fn get_eof(file: *const c_void, _type: c_int) -> haddr_t {
    // SAFETY: `file` is a live `File` from `open`.
    unsafe { &*file.cast::<File>() }.eof
}

unsafe extern "C" fn read(
    file: *mut c_void,
    _type: c_int,
    _dxpl: hid_t,
    addr: haddr_t,
    size: usize,
    buf: *mut c_void,
) -> herr_t {
    // SAFETY: `file` is a live `File` from `open`; libhdf5 hands a buffer of `size` bytes.
    let file = unsafe { &mut *file.cast::<File>() };
    let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), size) };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| file.read(addr, out))) {
        Ok(Ok(())) => 0,
        Ok(Err(reason)) => {
            // SAFETY: as in `File::read`.
            unsafe { &*file.shared }.fail(reason);
            -1
        }
        Err(_) => -1,
    }
}

unsafe extern "C" fn write(
    _file: *mut c_void,
    _type: c_int,
    _dxpl: hid_t,
    _addr: haddr_t,
    _size: usize,
    _buf: *const c_void,
) -> herr_t {
    -1
}

/// The driver's id, registered on first use (under the HDF5 lock).
fn driver() -> Result<hid_t, String> {
    static DRIVER: OnceLock<Result<hid_t, String>> = OnceLock::new();
    DRIVER
        .get_or_init(|| {
            let (mut major, mut minor, mut release) = (0, 0, 0);
            // SAFETY: three live out-pointers.
            unsafe { H5get_libversion(&mut major, &mut minor, &mut release) };
            let name = NAME.as_ptr().cast();
            let fapl_size = std::mem::size_of::<Info>();
            let raw = if (major, minor) == (1, 10) {
                let cls = Box::leak(Box::new(Class110 {
                    name,
                    maxaddr: MAXADDR,
                    fc_degree: CLOSE_WEAK,
                    terminate: None,
                    sb_size: None,
                    sb_encode: None,
                    sb_decode: None,
                    fapl_size,
                    fapl_get: None,
                    fapl_copy: None,
                    fapl_free: None,
                    dxpl_size: 0,
                    dxpl_copy: None,
                    dxpl_free: None,
                    open: Some(open),
                    close: Some(close),
                    cmp: None,
                    query: None,
                    get_type_map: None,
                    alloc: None,
                    free: None,
                    get_eoa: Some(get_eoa),
                    set_eoa: Some(set_eoa),
                    get_eof: Some(get_eof),
                    get_handle: None,
                    read: Some(read),
                    write: Some(write),
                    flush: None,
                    truncate: None,
                    lock: None,
                    unlock: None,
                    fl_map: [0; 7],
                }));
                // SAFETY: a 1.10 class struct, leaked: it lives as long as the library.
                unsafe { H5FDregister(ptr::from_ref(cls).cast()) }
            } else if (major, minor) >= (1, 14) {
                let cls = Box::leak(Box::new(Class114 {
                    version: 1,
                    value: VALUE,
                    name,
                    maxaddr: MAXADDR,
                    fc_degree: CLOSE_WEAK,
                    terminate: None,
                    sb_size: None,
                    sb_encode: None,
                    sb_decode: None,
                    fapl_size,
                    fapl_get: None,
                    fapl_copy: None,
                    fapl_free: None,
                    dxpl_size: 0,
                    dxpl_copy: None,
                    dxpl_free: None,
                    open: Some(open),
                    close: Some(close),
                    cmp: None,
                    query: None,
                    get_type_map: None,
                    alloc: None,
                    free: None,
                    get_eoa: Some(get_eoa),
                    set_eoa: Some(set_eoa),
                    get_eof: Some(get_eof),
                    get_handle: None,
                    read: Some(read),
                    write: Some(write),
                    read_vector: None,
                    write_vector: None,
                    read_selection: None,
                    write_selection: None,
                    flush: None,
                    truncate: None,
                    lock: None,
                    unlock: None,
                    del: None,
                    ctl: None,
                    fl_map: [0; 7],
                }));
                // SAFETY: a 1.14 class struct, leaked: it lives as long as the library.
                unsafe { H5FDregister(ptr::from_ref(cls).cast()) }
            } else {
                return Err(format!(
                    "libhdf5 {major}.{minor}.{release} has a file driver interface this \
                     reader does not know (1.10 and 1.14 or later are)"
                ));
            };
            if raw < 0 {
                Err("libhdf5 refused the range-read file driver (H5FDregister)".into())
            } else {
                Ok(raw)
            }
        })
        .clone()
}

/// A file access property list that reads through `shared`, which must outlive every
/// file opened with it. The caller holds the HDF5 lock.
pub(super) fn access_list(shared: &Shared) -> Result<Id, String> {
    // SAFETY: initialises the library (idempotent) so that its global ids are set.
    unsafe { H5open() };
    let driver = driver()?;
    // SAFETY: `H5P_CLS_FILE_ACCESS` is the library's class id, set by `H5open`.
    let fapl = id(
        unsafe { H5Pcreate(*H5P_CLS_FILE_ACCESS) },
        H5Pclose,
        "H5Pcreate",
    )?;
    let info = Info {
        shared: ptr::from_ref(shared),
    };
    // SAFETY: `info` is `fapl_size` bytes of plain data, copied by the library.
    if unsafe { H5Pset_driver(fapl.id, driver, ptr::from_ref(&info).cast()) } < 0 {
        return Err("H5Pset_driver failed".into());
    }
    Ok(fapl)
}

/// The name libhdf5 gets for a file at `url` (it shows in its error stack only).
pub(super) fn file_name(url: &str) -> Result<CString, String> {
    CString::new(url).map_err(|_| "the URL contains a NUL byte".to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// `len` bytes `i % 251`, counting the reads.
    struct Counted {
        len: u64,
        reads: AtomicUsize,
    }

    impl RangeSource for Counted {
        fn size(&self) -> u64 {
            self.len
        }
        fn read(&self, offset: u64, length: u64) -> Result<Vec<u8>, String> {
            self.reads.fetch_add(1, Ordering::Relaxed);
            if offset + length > self.len {
                return Err(format!("{offset}+{length} past {}", self.len));
            }
            Ok((offset..offset + length).map(|i| (i % 251) as u8).collect())
        }
    }

    fn file(shared: &Shared, eof: u64) -> File {
        File {
            public: [0; 16],
            shared: ptr::from_ref(shared),
            eoa: 0,
            eof,
            pages: HashMap::new(),
        }
    }

    #[test]
    fn reads_come_from_cached_pages_one_request_per_run() {
        let len = 5 * PAGE + 123;
        let source = Arc::new(Counted {
            len,
            reads: AtomicUsize::new(0),
        });
        let shared = Shared::new(Arc::clone(&source) as Arc<dyn RangeSource>);
        let mut f = file(&shared, len);
        let expect = |addr: u64, n: usize| -> Vec<u8> {
            (addr..addr + n as u64)
                .map(|i| if i < len { (i % 251) as u8 } else { 0 })
                .collect()
        };
        // Within the first page, then again: one request.
        let mut buf = vec![0u8; 100];
        f.read(10, &mut buf).unwrap();
        assert_eq!(buf, expect(10, 100));
        f.read(20, &mut buf).unwrap();
        assert_eq!(source.reads.load(Ordering::Relaxed), 1);
        // Across pages 2..4 (page 0 cached): one request for the missing run.
        let mut big = vec![0u8; (2 * PAGE) as usize + 7];
        f.read(2 * PAGE - 3, &mut big).unwrap();
        assert_eq!(big, expect(2 * PAGE - 3, big.len()));
        assert_eq!(source.reads.load(Ordering::Relaxed), 2);
        // Past the end of the file: the last (short) page, then zeros.
        let mut tail = vec![1u8; 300];
        f.read(len - 100, &mut tail).unwrap();
        assert_eq!(tail, expect(len - 100, 300));
        let mut beyond = vec![1u8; 10];
        f.read(len + 10, &mut beyond).unwrap();
        assert_eq!(beyond, vec![0u8; 10]);
    }

    #[test]
    fn a_failed_read_is_an_error_with_its_reason() {
        let source = Arc::new(Counted {
            len: 10,
            reads: AtomicUsize::new(0),
        });
        let shared = Shared::new(source);
        // The driver believes the file is longer than the source is.
        let mut f = file(&shared, 2 * PAGE);
        let mut buf = vec![0u8; 64];
        let err = f.read(PAGE + 1, &mut buf).unwrap_err();
        assert!(err.contains("past"), "{err}");
    }
}
