//! `Dataset`'s IO methods, all in one place: open any engine (picked from the location
//! or named), open many files or stores as one, and write NetCDF or Zarr. They dispatch
//! through the [`Backend`](super::backend::Backend) traits.

use std::path::{Path, PathBuf};

use super::backend::Engine;
use super::cf::DecodeOptions;
#[cfg(any(feature = "netcdf", feature = "zarr"))]
use super::mf::{MfOptions, MfSource};
#[cfg(feature = "netcdf")]
use super::netcdf::{OpenOptions, ToNetcdf};
#[cfg(feature = "zarr")]
use super::zarr::{OpenZarr, ToZarr};
use crate::dataset::Dataset;
use crate::error::Result;

/// Options for [`Dataset::open_with`]: one location, any engine.
///
/// ```
/// # fn main() -> xr::Result<()> {
/// use xr::io::Engine;
/// let ds = xr::Dataset::open_with("tests/data/zarr/v3_consolidated.zarr")
///     .engine(Engine::Zarr)
///     .decode_times(false)
///     .open()?;
/// assert!(ds.variable("time")?.dtype().is_numeric());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct OpenDataset {
    location: PathBuf,
    engine: Option<Engine>,
    decode: DecodeOptions,
}

impl OpenDataset {
    /// Options for `location` with all CF decoding on and the engine guessed.
    pub fn new(location: impl AsRef<Path>) -> Self {
        OpenDataset {
            location: location.as_ref().to_path_buf(),
            engine: None,
            decode: DecodeOptions::default(),
        }
    }

    crate::io::cf::decode_option_setters!();

    /// The engine to open with (default: [`Engine::guess`]).
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = Some(engine);
        self
    }

    /// Opens the location: metadata now, data variables lazily.
    ///
    /// # Errors
    /// The engine's open errors, naming the location (and variable); an unknown
    /// location when no engine claims it.
    pub fn open(&self) -> Result<Dataset> {
        let engine = match self.engine {
            Some(e) => e,
            None => Engine::guess(&self.location)?,
        };
        engine.backend().open_dataset(&self.location, &self.decode)
    }
}

impl Dataset {
    /// Opens a NetCDF file or a Zarr store (the engine picked from the location: URLs,
    /// `*.zarr` and Zarr directories are Zarr, anything else NetCDF) with all CF
    /// decoding on; data variables are lazy, chunked as stored. A `*.json` path or URL
    /// is a kerchunk reference file, opened as `Dataset::open_refs` opens it. A
    /// NetCDF-4/HDF5 file at a URL (`s3://bucket/file.nc`, `https://host/file.h5`;
    /// features `remote` and `direct`) needs no reference file: its metadata is read by
    /// range requests and its chunks fetched when computed
    /// (`References::from_hdf5_url`; S3 settings from the `AWS_*` variables, or
    /// `Dataset::refs(url).storage_options(..)`).
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
    /// As [`OpenDataset::open`]: for NetCDF a missing file, a file that is not NetCDF
    /// or is truncated, an unknown calendar; each error names the file (and the
    /// variable).
    pub fn open_dataset(path: impl AsRef<Path>) -> Result<Dataset> {
        OpenDataset::new(path).open()
    }

    /// Options for opening `location` with any engine:
    /// `Dataset::open_with(path).engine(Engine::Zarr).decode_times(false).open()?`.
    pub fn open_with(location: impl AsRef<Path>) -> OpenDataset {
        OpenDataset::new(location)
    }

    /// Options for opening the NetCDF file `path`:
    /// `Dataset::open(path).decode_times(false).group("/a/b").open()?`.
    #[cfg(feature = "netcdf")]
    pub fn open(path: impl AsRef<Path>) -> OpenOptions {
        OpenOptions::new(path)
    }

    /// Writes the dataset to a NetCDF-4 file at `path`, atomically (a temporary file
    /// renamed over the target), each variable encoded as its `encoding` says.
    ///
    /// # Errors
    /// As [`ToNetcdf::write`].
    #[cfg(feature = "netcdf")]
    pub fn to_netcdf(&self, path: impl AsRef<Path>) -> Result<()> {
        Engine::Netcdf.writer().write_dataset(self, path.as_ref())
    }

    /// Options for writing to `path`:
    /// `ds.write_netcdf(path).format(NetcdfFormat::Netcdf3Classic).write()?`.
    #[cfg(feature = "netcdf")]
    pub fn write_netcdf(&self, path: impl AsRef<Path>) -> ToNetcdf<'_> {
        ToNetcdf::new(self, path)
    }

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
    #[cfg(feature = "zarr")]
    pub fn open_zarr(location: impl AsRef<str>) -> Result<Dataset> {
        Engine::Zarr
            .backend()
            .open_dataset(Path::new(location.as_ref()), &DecodeOptions::default())
    }

    /// Options for opening the Zarr store at `location`:
    /// `Dataset::zarr(location).group("a").consolidated(Some(false)).open()?`.
    #[cfg(feature = "zarr")]
    pub fn zarr(location: impl AsRef<str>) -> OpenZarr {
        OpenZarr::new(location)
    }

    /// Writes the dataset to a new Zarr v3 store at `location` (mode `w-`: an existing
    /// store is an error), with consolidated metadata; lazy variables are written chunk
    /// by chunk in parallel.
    ///
    /// # Errors
    /// As [`ToZarr::write`].
    #[cfg(feature = "zarr")]
    pub fn to_zarr(&self, location: impl AsRef<str>) -> Result<()> {
        Engine::Zarr
            .writer()
            .write_dataset(self, Path::new(location.as_ref()))
    }

    /// Options for writing to the Zarr store at `location`:
    /// `ds.write_zarr(location).mode(ZarrMode::Append).append_dim("time").write()?`.
    #[cfg(feature = "zarr")]
    pub fn write_zarr(&self, location: impl AsRef<str>) -> ToZarr<'_> {
        ToZarr::new(self, location)
    }

    /// Opens many files or stores as one dataset (xarray's `open_mfdataset`): a glob
    /// pattern or a list of paths, of any engine (picked from the first); variables
    /// stay lazy, and the datasets are combined along the dimension whose coordinate
    /// differs between them (the record dimension, usually time).
    ///
    /// # Errors
    /// As [`MfOptions::open`].
    #[cfg(any(feature = "netcdf", feature = "zarr"))]
    pub fn open_mfdataset(source: impl Into<MfSource>) -> Result<Dataset> {
        MfOptions::new(source).open()
    }

    /// Options for [`Dataset::open_mfdataset`].
    #[cfg(any(feature = "netcdf", feature = "zarr"))]
    pub fn open_mf(source: impl Into<MfSource>) -> MfOptions {
        MfOptions::new(source)
    }
}
