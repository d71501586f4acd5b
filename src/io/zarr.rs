//! The Zarr driver: v2 and v3 stores through zarrs, with CF decoding from [`crate::io::cf`].

// The driver that uses these handles lands next; until then they are unused.
#[allow(dead_code)]
pub(crate) mod store;

#[cfg(feature = "remote")]
#[allow(dead_code)]
mod remote;

pub use store::StorageOptions;
