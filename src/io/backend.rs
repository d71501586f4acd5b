//! One driver interface, split by capability (xarray's `BackendEntrypoint`): every
//! backend opens a [`Dataset`] with the shared [`DecodeOptions`]; those that write
//! implement [`WriteBackend`]; those that also grow or patch existing stores implement
//! [`AppendBackend`]. `Dataset::open_dataset`, `open_mfdataset` and the writers go
//! through [`Engine::backend`], never naming a format themselves.

use std::ops::Range;
use std::path::Path;

use indexmap::IndexMap;

use super::cf::DecodeOptions;
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// A format `xr` opens.
pub trait Backend: Send + Sync {
    /// The engine's name, as xarray spells it (`"netcdf4"`, `"zarr"`).
    fn name(&self) -> &'static str;

    /// Whether `location` looks like this backend's: by extension, metadata files or
    /// URL scheme; cheap, and never opens the data. A backend that does not say is only
    /// used when named.
    fn guess_can_open(&self, location: &Path) -> bool {
        let _ = location;
        false
    }

    /// Opens `location` (metadata now, data variables lazily) with `decode`.
    ///
    /// # Errors
    /// The backend's open errors, naming the location (and variable).
    fn open_dataset(&self, location: &Path, decode: &DecodeOptions) -> Result<Dataset>;
}

/// A backend that writes a whole dataset to a new file or store.
pub trait WriteBackend: Backend {
    /// Writes `dataset` to `location` with the backend's defaults (each variable as its
    /// encoding says).
    ///
    /// # Errors
    /// The backend's write errors, naming the location (and variable).
    fn write_dataset(&self, dataset: &Dataset, location: &Path) -> Result<()>;
}

/// A backend that also appends to, and writes regions of, an existing store.
pub trait AppendBackend: WriteBackend {
    /// Appends `dataset` to the store at `location` along `dim`.
    ///
    /// # Errors
    /// The backend's write errors: a missing store, dims or dtypes that differ from
    /// the stored arrays.
    fn append(&self, dataset: &Dataset, location: &Path, dim: &str) -> Result<()>;

    /// Writes `dataset` into `region` (dim → index range) of the existing store.
    ///
    /// # Errors
    /// The backend's write errors: a region outside the stored arrays, variables
    /// without any of the region's dims.
    fn write_region(
        &self,
        dataset: &Dataset,
        location: &Path,
        region: &IndexMap<String, Range<usize>>,
    ) -> Result<()>;
}

/// The formats `xr` reads, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Engine {
    /// NetCDF-3 and NetCDF-4 files, through libnetcdf.
    #[cfg(feature = "netcdf")]
    Netcdf,
    /// Zarr v2 and v3 stores, through zarrs.
    #[cfg(feature = "zarr")]
    Zarr,
    /// Any HDF5 file, as xarray's `h5netcdf` engine with `phony_dims="sort"` reads it.
    #[cfg(feature = "netcdf")]
    Hdf5,
}

impl Engine {
    /// Every engine built in, in the order [`Engine::guess`] asks them.
    pub const ALL: &'static [Engine] = &[
        #[cfg(feature = "zarr")]
        Engine::Zarr,
        #[cfg(feature = "netcdf")]
        Engine::Netcdf,
        #[cfg(feature = "netcdf")]
        Engine::Hdf5,
    ];

    /// The engine's backend.
    pub fn backend(self) -> &'static dyn Backend {
        match self {
            #[cfg(feature = "netcdf")]
            Engine::Netcdf => &super::netcdf::NetcdfBackend,
            #[cfg(feature = "zarr")]
            Engine::Zarr => &super::zarr::ZarrBackend,
            #[cfg(feature = "netcdf")]
            Engine::Hdf5 => &super::hdf5::Hdf5Backend,
        }
    }

    /// The engine's writing backend.
    pub fn writer(self) -> &'static dyn WriteBackend {
        match self {
            #[cfg(feature = "netcdf")]
            Engine::Netcdf => &super::netcdf::NetcdfBackend,
            #[cfg(feature = "zarr")]
            Engine::Zarr => &super::zarr::ZarrBackend,
            #[cfg(feature = "netcdf")]
            Engine::Hdf5 => &super::hdf5::Hdf5Backend,
        }
    }

    /// The engine for `location`: the first whose backend claims it; else NetCDF (which
    /// names the file in its error when it is not NetCDF either).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when no engine claims `location` and NetCDF is not
    /// built in.
    pub fn guess(location: &Path) -> Result<Engine> {
        if let Some(e) = Engine::ALL
            .iter()
            .find(|e| e.backend().guess_can_open(location))
        {
            return Ok(*e);
        }
        #[cfg(feature = "netcdf")]
        {
            Ok(Engine::Netcdf)
        }
        #[cfg(not(feature = "netcdf"))]
        {
            Err(Error::invalid_argument(
                "location",
                format!("no engine opens {}: name it *.zarr", location.display()),
            ))
        }
    }
}

impl std::str::FromStr for Engine {
    type Err = Error;

    /// xarray's engine names: `"netcdf4"` (or `"netcdf"`, `"h5netcdf"`) and `"zarr"`.
    fn from_str(s: &str) -> Result<Engine> {
        match s {
            #[cfg(feature = "netcdf")]
            "netcdf4" | "netcdf" | "h5netcdf" | "scipy" => Ok(Engine::Netcdf),
            #[cfg(feature = "zarr")]
            "zarr" => Ok(Engine::Zarr),
            #[cfg(feature = "netcdf")]
            "hdf5" => Ok(Engine::Hdf5),
            other => Err(Error::invalid_argument(
                "engine",
                format!(
                    "unknown engine {other:?}; built in: {:?}",
                    Engine::ALL
                        .iter()
                        .map(|e| e.backend().name())
                        .collect::<Vec<_>>()
                ),
            )),
        }
    }
}
