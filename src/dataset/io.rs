//! Reading and writing datasets: `open_dataset`, `to_netcdf`.

use std::path::Path;

use super::Dataset;
use crate::error::Result;
use crate::io::netcdf::{OpenOptions, ToNetcdf};

impl Dataset {
    /// Opens a NetCDF-3 or NetCDF-4 file with all CF decoding on; data variables are
    /// lazy, chunked as stored.
    ///
    /// ```
    /// # fn main() -> xr::Result<()> {
    /// let ds = xr::Dataset::open_dataset("tests/data/packed_int16.nc")?;
    /// let t = ds.variable("t")?;
    /// assert!(t.data().is_lazy()); // unpacked chunk by chunk when computed
    /// assert_eq!(t.dtype(), xr::DType::F64);
    /// assert_eq!(t.encoding().dtype, Some(xr::DType::I16));
    ///
    /// let out = std::env::temp_dir().join("xr_doc_packed.nc");
    /// ds.to_netcdf(&out)?; // packed again as the encoding says
    /// let back = xr::Dataset::open_dataset(&out)?;
    /// assert!(back.variable("t")?.data().equals(t.data()));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`OpenOptions::open`]: a missing file, a file that is not NetCDF or is
    /// truncated, an unknown calendar; each error names the file (and the variable).
    pub fn open_dataset(path: impl AsRef<Path>) -> Result<Dataset> {
        OpenOptions::new(path).open()
    }

    /// Options for opening `path`:
    /// `Dataset::open(path).decode_times(false).group("/a/b").open()?`.
    pub fn open(path: impl AsRef<Path>) -> OpenOptions {
        OpenOptions::new(path)
    }

    /// Writes the dataset to a NetCDF-4 file at `path`, atomically (a temporary file
    /// renamed over the target), each variable encoded as its `encoding` says.
    ///
    /// # Errors
    /// As [`ToNetcdf::write`].
    pub fn to_netcdf(&self, path: impl AsRef<Path>) -> Result<()> {
        ToNetcdf::new(self, path).write()
    }

    /// Options for writing to `path`:
    /// `ds.write_netcdf(path).format(NetcdfFormat::Netcdf3Classic).write()?`.
    pub fn write_netcdf(&self, path: impl AsRef<Path>) -> ToNetcdf<'_> {
        ToNetcdf::new(self, path)
    }
}
