//! The Zarr driver behind the [`Backend`] interface.

use std::ops::Range;
use std::path::Path;

use indexmap::IndexMap;

use super::{OpenZarr, ToZarr, ZarrMode};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::io::backend::{AppendBackend, Backend, WriteBackend};
use crate::io::cf::DecodeOptions;

/// Zarr v2 and v3 stores, local or remote (xarray's `zarr` engine).
#[derive(Debug, Clone, Copy, Default)]
pub struct ZarrBackend;

/// Zarr locations are paths or URLs, which zarrs takes as text.
fn text(location: &Path) -> Result<&str> {
    location.to_str().ok_or_else(|| {
        Error::invalid_argument(
            "location",
            format!("the Zarr location {} is not UTF-8", location.display()),
        )
    })
}

/// A kerchunk reference file: a path or URL ending in `.json`.
fn is_reference_file(location: &str) -> bool {
    Path::new(location)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

impl Backend for ZarrBackend {
    fn name(&self) -> &'static str {
        "zarr"
    }

    /// URLs, `*.zarr`, directories holding Zarr metadata, and kerchunk reference files
    /// (`*.json`).
    fn guess_can_open(&self, location: &Path) -> bool {
        let Some(s) = location.to_str() else {
            return false;
        };
        if s.contains("://") || is_reference_file(s) {
            return true;
        }
        let path = Path::new(s.trim_end_matches('/'));
        let is_zarr_ext = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("zarr"));
        is_zarr_ext
            || (path.is_dir()
                && ["zarr.json", ".zgroup", ".zmetadata"]
                    .iter()
                    .any(|m| path.join(m).exists()))
    }

    fn open_dataset(&self, location: &Path, decode: &DecodeOptions) -> Result<Dataset> {
        let loc = text(location)?;
        if is_reference_file(loc) || super::refs::is_remote_hdf5(loc) {
            return super::refs::OpenRefs::new(text(location)?)
                .decode_options(*decode)
                .open();
        }
        OpenZarr::new(text(location)?)
            .decode_options(*decode)
            .open()
    }
}

impl WriteBackend for ZarrBackend {
    /// A new store (mode `w-`), Zarr v3, consolidated.
    fn write_dataset(&self, dataset: &Dataset, location: &Path) -> Result<()> {
        ToZarr::new(dataset, text(location)?).write()
    }
}

impl AppendBackend for ZarrBackend {
    fn append(&self, dataset: &Dataset, location: &Path, dim: &str) -> Result<()> {
        ToZarr::new(dataset, text(location)?)
            .mode(ZarrMode::Append)
            .append_dim(dim)
            .write()
    }

    fn write_region(
        &self,
        dataset: &Dataset,
        location: &Path,
        region: &IndexMap<String, Range<usize>>,
    ) -> Result<()> {
        region
            .iter()
            .fold(ToZarr::new(dataset, text(location)?), |w, (dim, range)| {
                w.region(dim, range.clone())
            })
            .write()
    }
}
