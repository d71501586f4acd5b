//! Reading and writing Zarr stores: `open_zarr`, `to_zarr`.

use super::Dataset;
use crate::error::Result;
use crate::io::zarr::{OpenZarr, ToZarr};

impl Dataset {
    /// Opens the Zarr store (v2 or v3) at `location` with all CF decoding on, using
    /// consolidated metadata when present; data variables are lazy, one task per stored
    /// chunk (or group of small chunks).
    ///
    /// ```
    /// # fn main() -> xr::Result<()> {
    /// let ds = xr::Dataset::open_zarr("tests/data/zarr/v3_consolidated.zarr")?;
    /// let t = ds.variable("packed")?;
    /// assert!(t.data().is_lazy()); // unpacked chunk by chunk when computed
    /// assert_eq!(t.encoding().dtype, Some(xr::DType::I16));
    ///
    /// let out = std::env::temp_dir().join(format!("xr_doc_open_{}.zarr", std::process::id()));
    /// let out = out.to_str().unwrap_or_default();
    /// ds.write_zarr(out).mode(xr::io::zarr::ZarrMode::Write).write()?; // packed again
    /// let back = xr::Dataset::open_zarr(out)?;
    /// assert!(back.variable("packed")?.data().equals(t.data()));
    /// # std::fs::remove_dir_all(out).ok();
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`OpenZarr::open`]: a missing store, malformed metadata, an array without
    /// dimension names, an unknown calendar; each error names the store (and variable).
    pub fn open_zarr(location: impl AsRef<str>) -> Result<Dataset> {
        OpenZarr::new(location).open()
    }

    /// Options for opening the Zarr store at `location`:
    /// `Dataset::zarr(location).group("a").consolidated(Some(false)).open()?`.
    pub fn zarr(location: impl AsRef<str>) -> OpenZarr {
        OpenZarr::new(location)
    }

    /// Writes the dataset to a new Zarr v3 store at `location` (mode `w-`: an existing
    /// store is an error), with consolidated metadata; lazy variables are written chunk
    /// by chunk in parallel.
    ///
    /// # Errors
    /// As [`ToZarr::write`].
    pub fn to_zarr(&self, location: impl AsRef<str>) -> Result<()> {
        ToZarr::new(self, location).write()
    }

    /// Options for writing to the Zarr store at `location`:
    /// `ds.write_zarr(location).mode(ZarrMode::Append).append_dim("time").write()?`.
    pub fn write_zarr(&self, location: impl AsRef<str>) -> ToZarr<'_> {
        ToZarr::new(self, location)
    }
}
