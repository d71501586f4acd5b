//! The references of a NetCDF-4/HDF5 file at a URL, without a reference file: libhdf5
//! reads the file's metadata through a driver whose reads are range requests
//! (`io/chunks/hdf5/vfd.rs`), the groups, variables and attributes are mapped as
//! netcdf-c maps them (`io/chunks/hdf5/tree.rs`), and the references are built as
//! [`References::from_netcdf`] builds them for a local copy.

use std::path::Path;
use std::sync::Arc;

use object_store::{ObjectStore, ObjectStoreExt as _};

use super::build::{add_group, add_variable, var_error, Storage, StoredVariable, MAX_INLINE_BYTES};
use super::store::fetch_object;
use super::{refs_error, References};
use crate::error::Result;
use crate::io::chunks::hdf5::tree::{read_groups, Content};
use crate::io::chunks::hdf5::vfd::{RangeSource, PAGE};
use crate::io::zarr::remote::{block_on, object_at, runtime};
use crate::io::zarr::store::StorageOptions;

/// An object read by range requests.
struct ObjectSource {
    store: Arc<dyn ObjectStore>,
    path: object_store::path::Path,
    size: u64,
}

impl RangeSource for ObjectSource {
    fn size(&self) -> u64 {
        self.size
    }

    fn read(&self, offset: u64, length: u64) -> std::result::Result<Vec<u8>, String> {
        fetch_object(&self.store, &self.path, Some((offset, length))).map(|b| b.to_vec())
    }
}

impl References {
    /// The references of the NetCDF-4/HDF5 file at `url` (`s3://bucket/key`,
    /// `http(s)://host/path`), the same as [`References::from_netcdf`] gives for a local
    /// copy with that URL: `.zgroup`/`.zattrs` per group, `.zarray`/`.zattrs` per
    /// variable, a byte range of the file per written chunk, unchunked variables inlined.
    /// The metadata is read with libhdf5 through range requests (64 KiB pages, cached for
    /// the walk), with the S3 settings of the `AWS_*` environment variables and
    /// `options`, as for every remote read.
    ///
    /// ```no_run
    /// # fn main() -> xr::Result<()> {
    /// use xr::io::zarr::{refs::References, StorageOptions};
    /// let refs = References::from_hdf5_url("s3://bucket/tas.nc", &StorageOptions::new())?;
    /// let ds = xr::Dataset::refs("s3://bucket/tas.nc").open_references(refs)?;
    /// # let _ = ds;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::Format`] naming the URL for an object that cannot be reached or
    /// does not exist, one that is not HDF5 (saying so for NetCDF-3), or metadata libhdf5
    /// cannot read; naming the variable too for what [`References::from_netcdf`]
    /// refuses (types other than numbers, an unchunked variable over 64 MiB, ...).
    pub fn from_hdf5_url(url: &str, options: &StorageOptions) -> Result<References> {
        let (store, path) = object_at(url, options)?;
        let fail = |reason: String| refs_error(url, None, reason);
        let runtime =
            runtime().map_err(|e| fail(format!("cannot start the tokio runtime: {e}")))?;
        let meta = block_on(&runtime, store.head(&path))
            .map_err(|e| fail(format!("cannot read the object: {e}")))?;
        let source = ObjectSource {
            store,
            path,
            size: meta.size,
        };
        let first = check_signature(&source).map_err(fail)?;
        let groups = read_groups(url, Arc::new(source), first, MAX_INLINE_BYTES)
            .map_err(|e| fail(format!("reading the HDF5 metadata: {e}")))?;
        let file = Path::new(url);
        let mut refs = References::new();
        for group in groups {
            let prefix = add_group(&mut refs, &group.path, &group.attrs)?;
            for v in group.variables {
                let name = format!("{prefix}{}", v.name);
                let storage = match v.content {
                    Content::Chunked(layout) => Storage::Chunked(layout),
                    Content::Values(values) => Storage::Values(values),
                    Content::Unsupported(reason) => return Err(var_error(file, &name, reason)),
                };
                add_variable(
                    &mut refs,
                    file,
                    url,
                    StoredVariable {
                        name,
                        dims: v.dims,
                        attrs: v.attrs,
                        shape: v.shape,
                        deflate_level: v.deflate_level,
                        storage,
                    },
                )?;
            }
        }
        Ok(refs)
    }
}

/// Fails unless the object starts with HDF5's signature (at 0, 512, 1024, ...: after a
/// user block), saying what it is instead; else the file's first page, which libhdf5
/// reads next (so that the check costs no request of its own).
fn check_signature(source: &ObjectSource) -> std::result::Result<Vec<u8>, String> {
    let head = source.read(0, source.size.min(PAGE))?;
    if head.starts_with(b"CDF\x01") || head.starts_with(b"CDF\x02") || head.starts_with(b"CDF\x05")
    {
        return Err(format!("a NetCDF-3 file: {NOT_HDF5}"));
    }
    let mut at = 0u64;
    while at + 8 <= source.size {
        let sig = match head.get(at as usize..at as usize + 8) {
            Some(sig) => sig.to_vec(),
            None => source.read(at, 8)?,
        };
        if sig == b"\x89HDF\r\n\x1a\n" {
            return Ok(head);
        }
        at = if at == 0 { 512 } else { at * 2 };
    }
    Err(format!("not an HDF5 file: {NOT_HDF5}"))
}

const NOT_HDF5: &str = "only NetCDF-4/HDF5 files are read at a URL (their chunks are what \
                        references point at); convert it with `nccopy -k nc4` or read a \
                        local copy";
