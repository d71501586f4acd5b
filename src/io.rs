//! File formats: drivers split by capability (open/read vs write), CF decoding shared by
//! every driver, and the direct chunk reader of the hot path.

pub mod cf;
#[cfg(feature = "direct")]
pub mod chunks;
#[cfg(feature = "netcdf")]
pub mod mf;
#[cfg(feature = "netcdf")]
pub mod netcdf;
#[cfg(feature = "zarr")]
pub mod zarr;
