//! The Zarr driver: v2 and v3 stores through zarrs, with CF decoding and encoding from
//! [`crate::io::cf`], as xarray reads and writes them.
//!
//! - Reading ([`OpenZarr`], `Dataset::open_zarr`): the group's arrays come from
//!   consolidated metadata when present (`.zmetadata` for v2, the inline
//!   `consolidated_metadata` of v3's `zarr.json`), else from listing the store. Data
//!   variables are lazy over a [`ZarrSource`] whose tasks are the stored chunks (small
//!   chunks grouped, big shards read by inner chunk); dimension coordinates are read at
//!   once. A missing chunk reads as the array's fill value.
//! - Fill values as xarray treats them: in v2 the array's `fill_value` is the CF
//!   `_FillValue` (masked to NaN); in v3 the CF `_FillValue` is an attribute of its own
//!   (floats base64-encoded) and `fill_value` is kept in the encoding.
//! - Writing ([`ToZarr`], `Dataset::to_zarr`): modes w / w- / a / r+, `append_dim`,
//!   `region`, v2 or v3 (default), consolidated metadata, lazy data written chunk by
//!   chunk in parallel.
//!
//! Every store is reached through `store::open`, so a remote store works wherever it
//! offers the handles an operation needs (reading; listing for stores without
//! consolidated metadata; writing for `to_zarr`).

mod atomic;
mod backend;
mod codecs;
mod meta;
#[cfg(feature = "direct")]
mod plain;
mod read;
pub mod refs;
#[cfg(feature = "remote")]
mod remote;
pub(crate) mod store;
mod stored;
mod write;

pub use backend::ZarrBackend;
pub(crate) use read::open_memory;
pub use read::{OpenZarr, SkippedVariable, ZarrSource};
pub use store::StorageOptions;
pub use write::{ToZarr, ZarrMode};

/// The Zarr format version of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZarrFormat {
    /// Zarr v2 (`.zarray`, `.zattrs`, `_ARRAY_DIMENSIONS`).
    V2,
    /// Zarr v3 (`zarr.json`, `dimension_names`); the default for new stores.
    #[default]
    V3,
}

impl ZarrFormat {
    /// The format numbered `n` (2 or 3).
    ///
    /// # Errors
    /// [`crate::Error::InvalidArgument`] for any other number.
    pub fn from_number(n: u8) -> crate::Result<Self> {
        match n {
            2 => Ok(ZarrFormat::V2),
            3 => Ok(ZarrFormat::V3),
            other => Err(crate::Error::invalid_argument(
                "zarr_format",
                format!("{other}: expected 2 or 3"),
            )),
        }
    }
}
