//! The NetCDF driver behind the [`Backend`] interface.

use std::path::Path;

use super::{OpenOptions, ToNetcdf};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::io::backend::{Backend, WriteBackend};
use crate::io::cf::DecodeOptions;

/// NetCDF-3 and NetCDF-4 files (xarray's `netcdf4` engine). No appends: a NetCDF file is
/// written whole, atomically.
#[derive(Debug, Clone, Copy, Default)]
pub struct NetcdfBackend;

impl Backend for NetcdfBackend {
    fn name(&self) -> &'static str {
        "netcdf4"
    }

    /// The usual NetCDF and HDF5 extensions, or any existing file.
    fn guess_can_open(&self, location: &Path) -> bool {
        let ext = location
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        matches!(
            ext.as_deref(),
            Some("nc" | "nc4" | "netcdf" | "cdf" | "h5" | "hdf5")
        ) || location.is_file()
    }

    fn open_dataset(&self, location: &Path, decode: &DecodeOptions) -> Result<Dataset> {
        OpenOptions::new(location).decode_options(*decode).open()
    }
}

impl WriteBackend for NetcdfBackend {
    fn write_dataset(&self, dataset: &Dataset, location: &Path) -> Result<()> {
        ToNetcdf::new(dataset, location).write()
    }
}
