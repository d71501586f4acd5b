//! The NetCDF driver (NetCDF-3 and NetCDF-4 through libnetcdf).
//!
//! Opening reads only metadata: every data variable becomes a lazy array over a
//! [`NetcdfSource`] whose chunks are the variable's storage chunks; dimension
//! coordinates are read at once (they are small and indexes need them). CF decoding is
//! [`super::cf`]'s, shared with the other drivers.
//!
//! # Thread safety
//!
//! libnetcdf (and the HDF5 under it) is not thread-safe. The `netcdf` crate already
//! serialises every single FFI call on `netcdf_sys::libnetcdf_lock`; `xr` additionally
//! holds one process-wide mutex (`with_lock`) over each *sequence* of calls (look up
//! a variable, then read a hyperslab; define a file's dims and variables), so that no
//! other thread's calls interleave with it. Lazy values are never computed while that
//! lock is held (they may read other NetCDF files).

mod backend;
mod classic;
mod ffi;
mod read;
mod write;

use std::path::Path;
use std::sync::{Mutex, PoisonError};

pub use backend::NetcdfBackend;
pub(crate) use classic::check_header_bytes;
pub use read::{NetcdfSource, OpenOptions};
pub(crate) use write::write_groups;
pub use write::NetcdfMode;
pub use write::{NetcdfFormat, ToNetcdf};

use crate::error::Error;

static NC_LOCK: Mutex<()> = Mutex::new(());

/// Runs `f` holding the process-wide libnetcdf lock. A panic in an earlier holder does
/// not poison it: the library state it guards is the C library's, not ours.
pub(crate) fn with_lock<T>(f: impl FnOnce() -> T) -> T {
    let _guard = NC_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    f()
}

/// A library error on `path` (and `variable`), with what was being done.
fn nc_error(path: &Path, variable: Option<&str>, doing: &str, source: netcdf::Error) -> Error {
    Error::Netcdf {
        path: path.to_path_buf(),
        variable: variable.map(str::to_string),
        doing: doing.to_string(),
        source,
    }
}

fn format_error(path: &Path, variable: Option<&str>, reason: impl Into<String>) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        variable: variable.map(str::to_string),
        reason: reason.into(),
    }
}
