//! File formats: one backend interface split by capability (open; write; append and
//! region writes), the NetCDF and Zarr drivers behind it, CF decoding shared by every
//! driver, `open_mfdataset` for any engine, the direct chunk reader of the hot path, and
//! `Dataset`'s IO methods.

pub mod backend;
pub mod cf;
#[cfg(feature = "direct")]
pub mod chunks;
mod dataset;
#[cfg(any(feature = "netcdf", feature = "zarr"))]
mod datatree;
#[cfg(feature = "netcdf")]
pub mod hdf5;
#[cfg(any(feature = "netcdf", feature = "zarr"))]
pub mod mf;
#[cfg(feature = "netcdf")]
pub mod netcdf;
#[cfg(feature = "polars")]
pub mod polars;
#[cfg(feature = "netcdf")]
pub(crate) mod prealloc;
#[cfg(any(feature = "direct", feature = "zarr"))]
pub(crate) mod shuffle;
#[cfg(feature = "netcdf")]
pub(crate) mod writeback;
#[cfg(feature = "zarr")]
pub mod zarr;

pub use backend::{AppendBackend, Backend, Engine, WriteBackend};
pub use dataset::OpenDataset;
#[cfg(any(feature = "netcdf", feature = "zarr"))]
pub use datatree::OpenDataTree;
