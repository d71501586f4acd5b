//! The references of a local NetCDF-4/HDF5 file: metadata from libnetcdf (undecoded,
//! as stored), chunk locations and the filter pipeline from the direct reader's chunk
//! index (libhdf5), so that no chunk is read or re-encoded.

use std::path::Path;

use super::build::{add_group, add_variable, var_error, Storage, StoredVariable, MAX_INLINE_BYTES};
use super::References;
use crate::dataset::{Compression, Variable};
use crate::error::{Error, Result};
use crate::io::chunks::hdf5::{probe, Probe};
use crate::io::chunks::DirectChunkSource;
use crate::io::netcdf::OpenOptions;

impl References {
    /// The references of the local NetCDF-4/HDF5 file at `path`, as kerchunk's
    /// `SingleHdf5ToZarr` makes them: per group (the root, and each subgroup under its
    /// path) `.zgroup` and `.zattrs` (the group's attributes), and per variable a Zarr v2 `.zarray` (shape, storage chunks, dtype in
    /// the file's byte order, `_FillValue` as `fill_value`, the HDF5 filters as numcodecs
    /// `filters`/`compressor`), `.zattrs` (its attributes and `_ARRAY_DIMENSIONS`), and
    /// one `[url, offset, length]` per written chunk. Variables that are not chunked
    /// (contiguous or compact storage, usually coordinates) are inlined, read through
    /// libnetcdf (up to 64 MiB each). Chunks point at `url` (for a copy of the file elsewhere: `s3://...`,
    /// `https://...`), or at the file's absolute path.
    ///
    /// Values, attributes and CF encoding are kept as stored: opening the references
    /// decodes them as opening the file does.
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Netcdf`] when the file cannot be opened; [`Error::Format`]
    /// naming the file for a file that is not HDF5 (NetCDF-3), and naming the variable
    /// for a variable of a type a Zarr v2 reference cannot
    /// describe (strings, characters, user-defined types), a filter other than deflate,
    /// shuffle, fletcher32 and zstd, a chunk stored with one of its filters skipped
    /// (a per-chunk filter mask), or an unchunked variable of more than 64 MiB;
    /// [`Error::FileRead`] when libhdf5 fails on the file.
    pub fn from_netcdf(path: &Path, url: Option<&str>) -> Result<References> {
        let url = match url {
            Some(u) => u.to_string(),
            None => std::fs::canonicalize(path)
                .map_err(|source| Error::Io {
                    path: path.to_path_buf(),
                    source,
                })?
                .display()
                .to_string(),
        };
        if !is_hdf5(path)? {
            return Err(Error::Format {
                path: path.to_path_buf(),
                variable: None,
                reason: "not a NetCDF-4/HDF5 file (NetCDF-3?): reference files point at \
                         HDF5 chunks"
                    .into(),
            });
        }
        let mut refs = References::new();
        for group in crate::io::datatree::netcdf_groups(path)? {
            let raw = OpenOptions::new(path)
                .decode_cf(false)
                .group(&group)
                .open()?;
            // Keys of a subgroup's documents and arrays start with its path.
            let prefix = add_group(&mut refs, group.trim_matches('/'), raw.attrs())?;
            for (name, var) in raw.variables() {
                add_netcdf_variable(&mut refs, path, &url, &format!("{prefix}{name}"), var)?;
            }
        }
        Ok(refs)
    }
}

/// Whether the file has HDF5's signature (at 0, 512, 1024, ...: after a user block).
fn is_hdf5(path: &Path) -> Result<bool> {
    use std::os::unix::fs::FileExt as _;
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut at = 0u64;
    while at + 8 <= len {
        let mut sig = [0u8; 8];
        file.read_exact_at(&mut sig, at).map_err(io)?;
        if &sig == b"\x89HDF\r\n\x1a\n" {
            return Ok(true);
        }
        at = if at == 0 { 512 } else { at * 2 };
    }
    Ok(false)
}

fn add_netcdf_variable(
    refs: &mut References,
    path: &Path,
    url: &str,
    name: &str,
    var: &Variable,
) -> Result<()> {
    if !var.dtype().is_numeric() {
        return Err(var_error(
            path,
            name,
            format!(
                "its type {} has no Zarr v2 reference (numbers only)",
                var.dtype()
            ),
        ));
    }
    let shape = var.shape().to_vec();
    let layout = match DirectChunkSource::open_explained(path, name)? {
        Ok(_) => match probe(path, &format!("/{name}"))
            .map_err(|reason| var_error(path, name, reason))?
        {
            Probe::Layout(layout) => Some(layout),
            Probe::Unsupported(_) => None,
        },
        // Not chunked (or not a plain HDF5 dataset): the values go inline.
        Err(_) => None,
    };
    let storage = match layout {
        Some(layout) => Storage::Chunked(layout),
        // Where contiguous data starts in the file is not asked of libhdf5 (the direct
        // reader reads chunk indexes only), so such variables are inlined, up to a size.
        None if var.data().nbytes() > MAX_INLINE_BYTES => {
            return Err(var_error(
                path,
                name,
                format!(
                    "it is not chunked and holds {} bytes, more than the {MAX_INLINE_BYTES} \
                     a reference file inlines; store it chunked (nccopy -c, or chunksizes \
                     when writing) to reference it by ranges",
                    var.data().nbytes()
                ),
            ))
        }
        None => Storage::Values(var.values()?),
    };
    let deflate_level = match var.encoding().compression {
        Some(Compression::Zlib(l)) => i64::from(l),
        _ => 1,
    };
    add_variable(
        refs,
        path,
        url,
        StoredVariable {
            name: name.to_string(),
            dims: var.dims().to_vec(),
            attrs: var.attrs().clone(),
            shape,
            deflate_level,
            storage,
        },
    )
}
