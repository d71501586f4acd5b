//! What libnetcdf offers but the `netcdf` crate does not: a variable's filters (deflate
//! level, shuffle, fletcher32), defining fletcher32 and contiguous storage, writing
//! `NC_CHAR` values, and reading `NC_STRING` values that may be NIL (NULL).
//
// `unsafe` is allowed in this module only. The `netcdf` crate keeps a variable's ids
// private, so `VarIds::of` reads them from its `Debug` output and checks them against
// the library (the variable's name, and the file's path) before any use; every other
// unsafe block is one C call on those checked ids with pointers to locals.
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::os::raw::{c_char, c_int};
use std::path::Path;

use netcdf::types::{NcTypeDescriptor, NcVariableType};
use netcdf_sys::{
    libnetcdf_lock, nc_def_var_chunking, nc_def_var_fill, nc_def_var_fletcher32, nc_inq_path,
    nc_inq_var_deflate, nc_inq_var_fletcher32, nc_inq_varname, nc_set_var_chunk_cache,
    NC_CONTIGUOUS, NC_MAX_NAME, NC_NOERR, NC_NOFILL,
};
use netcdf_sys::{nc_free_string, nc_get_vara_string};

/// Whether the linked libnetcdf reads an array of HDF5 fixed-length strings as its first
/// value followed by empty ones: versions before 4.9.1 (Unidata/netcdf-c#2159, fixed by
/// #2466), such as Debian 12's 4.9.0. (Such datasets are then read through libhdf5, which
/// the `direct` feature links.)
#[cfg(feature = "direct")]
pub(super) fn fixed_strings_misread() -> bool {
    static MISREAD: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *MISREAD.get_or_init(|| {
        // SAFETY: returns a pointer to a static NUL-terminated string ("4.9.0 of ...").
        let text = unsafe { CStr::from_ptr(netcdf_sys::nc_inq_libvers()) }.to_string_lossy();
        libvers_before(&text, (4, 9, 1))
    })
}

/// True when the version at the start of `text` ("4.9.0 of Jan  1 2023") is below
/// `min`; false when it cannot be read.
#[cfg(any(feature = "direct", test))]
fn libvers_before(text: &str, min: (u32, u32, u32)) -> bool {
    let number = text.split_whitespace().next().unwrap_or("");
    let mut parts = number.split('.').map(|p| {
        p.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<u32>()
    });
    match (parts.next(), parts.next(), parts.next()) {
        (Some(Ok(a)), Some(Ok(b)), Some(Ok(c))) => (a, b, c) < min,
        (Some(Ok(a)), Some(Ok(b)), None) => (a, b, 0) < min,
        _ => false,
    }
}

/// One NetCDF text character (`NC_CHAR`), for defining and writing char variables.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct NcChar(pub u8);

// SAFETY: the trait requires that the descriptor matches the type's memory layout.
// `NcChar` is `repr(transparent)` over `u8`: one byte, as `NC_CHAR` is. This is the impl
// the `netcdf` crate documents for `NC_CHAR` (`netcdf::types::NcTypeDescriptor`).
unsafe impl NcTypeDescriptor for NcChar {
    fn type_descriptor() -> NcVariableType {
        NcVariableType::Char
    }
}

/// A variable's group id and variable id in libnetcdf, checked against the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct VarIds {
    ncid: c_int,
    varid: c_int,
}

/// The filters of a chunked NetCDF-4 variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Filters {
    /// The deflate level, when deflate is on.
    pub deflate_level: Option<i32>,
    pub shuffle: bool,
    pub fletcher32: bool,
}

/// Status `code` of a libnetcdf call as a result; the error's message is the library's.
fn status(code: c_int) -> Result<(), netcdf::Error> {
    if code == NC_NOERR {
        Ok(())
    } else {
        Err(netcdf::Error::Netcdf(code))
    }
}

/// The value after `key` in `text` (`"... key: 123, ..."`), searching from the end.
fn field_after(text: &str, key: &str) -> Option<(c_int, usize)> {
    let at = text.rfind(key)?;
    let rest = &text[at + key.len()..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '-'))
        .unwrap_or(rest.len());
    Some((rest[..end].parse().ok()?, at))
}

impl VarIds {
    /// The ids of `var`, a variable of the file at `path`; `None` when they cannot be
    /// found or do not name that variable of that file.
    pub(super) fn of(var: &netcdf::Variable<'_>, path: &Path) -> Option<VarIds> {
        // `Variable { dimensions: [..], vartype: .., ncid: N, varid: M, _group: .. }`:
        // the variable's own fields come after its dimensions' (which hold ncids too).
        let text = format!("{var:?}");
        let (varid, at) = field_after(&text, "varid: ")?;
        let (ncid, _) = field_after(&text[..at], "ncid: ")?;
        let ids = VarIds { ncid, varid };
        (ids.name()? == var.name() && ids.is_file(path)).then_some(ids)
    }

    fn name(self) -> Option<String> {
        let mut buf = [0 as c_char; NC_MAX_NAME as usize + 1];
        let _lock = libnetcdf_lock.lock();
        // SAFETY: the buffer holds NC_MAX_NAME + 1 bytes, the most nc_inq_varname writes;
        // an unknown id is an error status, not undefined behaviour.
        let code = unsafe { nc_inq_varname(self.ncid, self.varid, buf.as_mut_ptr()) };
        status(code).ok()?;
        // SAFETY: on success the buffer holds a NUL-terminated name.
        let name = unsafe { CStr::from_ptr(buf.as_ptr()) };
        Some(name.to_string_lossy().into_owned())
    }

    /// True when the group id belongs to the file at `path` (same file on disk).
    fn is_file(self, path: &Path) -> bool {
        let _lock = libnetcdf_lock.lock();
        let mut len: usize = 0;
        // SAFETY: a null path pointer asks only for the length.
        let code = unsafe { nc_inq_path(self.ncid, &mut len, std::ptr::null_mut()) };
        if code != NC_NOERR {
            return false;
        }
        let mut buf = vec![0u8; len + 1];
        // SAFETY: the buffer holds the length the library just gave plus the NUL.
        let code = unsafe { nc_inq_path(self.ncid, &mut len, buf.as_mut_ptr().cast()) };
        if code != NC_NOERR {
            return false;
        }
        buf.truncate(len.min(buf.len()));
        let theirs = Path::new(std::str::from_utf8(&buf).unwrap_or_default());
        if theirs == path {
            return true;
        }
        same_file(theirs, path)
    }

    /// The variable's deflate, shuffle and fletcher32 settings.
    pub(super) fn filters(self) -> Result<Filters, netcdf::Error> {
        let (mut shuffle, mut deflate, mut level, mut fletcher): (c_int, c_int, c_int, c_int) =
            (0, 0, 0, 0);
        let _lock = libnetcdf_lock.lock();
        // SAFETY: checked ids; the out-pointers are locals.
        status(unsafe {
            nc_inq_var_deflate(
                self.ncid,
                self.varid,
                &mut shuffle,
                &mut deflate,
                &mut level,
            )
        })?;
        // SAFETY: as above.
        status(unsafe { nc_inq_var_fletcher32(self.ncid, self.varid, &mut fletcher) })?;
        Ok(Filters {
            deflate_level: (deflate != 0).then_some(level),
            shuffle: shuffle != 0,
            fletcher32: fletcher != 0,
        })
    }

    /// Turns the fletcher32 checksum on (define mode, NetCDF-4).
    pub(super) fn set_fletcher32(self) -> Result<(), netcdf::Error> {
        let _lock = libnetcdf_lock.lock();
        // SAFETY: checked ids, no pointers.
        status(unsafe { nc_def_var_fletcher32(self.ncid, self.varid, 1) })
    }

    /// The `NC_STRING` values of the hyperslab `start`/`count` (empty for a scalar), in
    /// C order. A NIL (NULL) value is an empty string, as netCDF4-python and xarray read
    /// it; bytes that are not UTF-8 are replaced.
    pub(super) fn get_strings(
        self,
        start: &[usize],
        count: &[usize],
    ) -> Result<Vec<String>, netcdf::Error> {
        // One value for a scalar (an empty product).
        let n: usize = count.iter().product();
        if n == 0 {
            return Ok(Vec::new());
        }
        let mut pointers: Vec<*mut c_char> = vec![std::ptr::null_mut(); n];
        let _lock = libnetcdf_lock.lock();
        // SAFETY: checked ids; `start` and `count` hold one entry per dim of the variable
        // (none for a scalar, when they are not read), and `pointers` holds one slot per
        // value they select (one for a scalar).
        status(unsafe {
            nc_get_vara_string(
                self.ncid,
                self.varid,
                start.as_ptr(),
                count.as_ptr(),
                pointers.as_mut_ptr(),
            )
        })?;
        let strings = pointers
            .iter()
            .map(|&p| {
                if p.is_null() {
                    String::new()
                } else {
                    // SAFETY: a non-NULL value is a NUL-terminated string the library
                    // allocated; it stays valid until nc_free_string below.
                    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
                }
            })
            .collect();
        // SAFETY: the pointers the library just filled (NULLs are skipped by it).
        status(unsafe { nc_free_string(pointers.len(), pointers.as_mut_ptr()) })?;
        Ok(strings)
    }

    /// Writes the variable's chunks straight to the file (define mode, NetCDF-4, a
    /// chunked variable without filters whose every chunk is then written whole): no
    /// fill value written into a chunk before its data (`NC_NOFILL`), and a chunk cache
    /// of one byte (libnetcdf ignores 0), too small for any chunk, so that libhdf5 writes
    /// whole chunks without copying them into its cache first. Call it before writing
    /// the `_FillValue` attribute: `NC_NOFILL` deletes one already written.
    pub(super) fn write_chunks_direct(self) -> Result<(), netcdf::Error> {
        let _lock = libnetcdf_lock.lock();
        // SAFETY: checked ids; no fill value pointer is read for NC_NOFILL.
        status(unsafe { nc_def_var_fill(self.ncid, self.varid, NC_NOFILL, std::ptr::null()) })?;
        // SAFETY: checked ids, plain values.
        status(unsafe { nc_set_var_chunk_cache(self.ncid, self.varid, 1, 1, 0.0) })
    }

    /// Asks for contiguous storage (define mode, NetCDF-4, no unlimited dim or filter).
    pub(super) fn set_contiguous(self) -> Result<(), netcdf::Error> {
        let _lock = libnetcdf_lock.lock();
        // SAFETY: checked ids; chunk sizes are not read for NC_CONTIGUOUS, so null is valid.
        status(unsafe {
            nc_def_var_chunking(self.ncid, self.varid, NC_CONTIGUOUS, std::ptr::null())
        })
    }
}

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod libvers_tests {
    use super::libvers_before;

    #[test]
    fn library_versions_compare_by_number() {
        assert!(libvers_before("4.9.0 of Jan  1 2023 $", (4, 9, 1)));
        assert!(!libvers_before("4.9.1 of Feb  1 2023 $", (4, 9, 1)));
        assert!(!libvers_before(
            "4.9.3-development of Mar 3 2025",
            (4, 9, 1)
        ));
        assert!(!libvers_before("4.10 of 2026", (4, 9, 1)));
        assert!(libvers_before("4.8.1", (4, 9, 1)));
        assert!(!libvers_before("unknown", (4, 9, 1)));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ids_come_from_the_variables_own_fields() {
        let text = "Variable { dimensions: [Dimension { len: None, id: Identifier { ncid: 7, \
                    dimid: 0 } }], vartype: 5, ncid: 65536, varid: 3, _group: PhantomData }";
        let (varid, at) = field_after(text, "varid: ").unwrap();
        assert_eq!(varid, 3);
        assert_eq!(field_after(&text[..at], "ncid: ").unwrap().0, 65536);
    }
}
