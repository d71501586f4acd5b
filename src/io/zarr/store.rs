//! Where a Zarr store lives: a location string turned into zarrs storage handles.
//!
//! Every driver entry point takes a location (`"data/out.zarr"` today; URLs once the
//! `remote` feature adds them) and asks this module for [`Storages`], the handles the
//! store allows: reading always, listing and writing when the store can.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use zarrs::filesystem::FilesystemStore;
use zarrs::storage::{ReadableListableStorage, ReadableStorage, ReadableWritableListableStorage};

use crate::error::{Error, Result};

/// The storage handles of one store. All three point at the same store; a handle is
/// `None` when the store cannot do that (plain HTTP cannot list or write).
#[derive(Clone)]
pub(crate) struct Storages {
    /// Reads keys. Every store has it.
    pub read: ReadableStorage,
    /// Lists keys: needed to find arrays in a store without consolidated metadata.
    pub list: Option<ReadableListableStorage>,
    /// Reads, writes, lists and erases keys: needed by `to_zarr`.
    pub write: Option<ReadableWritableListableStorage>,
    /// The location as the user gave it, for error messages.
    pub location: String,
}

impl std::fmt::Debug for Storages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storages")
            .field("location", &self.location)
            .field("list", &self.list.is_some())
            .field("write", &self.write.is_some())
            .finish()
    }
}

/// What the caller will do with the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Only read: the store must exist.
    Read,
    /// Create or modify: a local directory is created when missing.
    Write,
}

/// Opens the store at `location` (a local directory path).
///
/// # Errors
/// [`Error::Io`] when a store opened for reading does not exist or a store opened for
/// writing cannot be created; [`Error::Format`] when zarrs refuses the path.
pub(crate) fn open(location: &str, access: Access) -> Result<Storages> {
    open_local(Path::new(location), access)
}

fn open_local(path: &Path, access: Access) -> Result<Storages> {
    let io_err = |source| Error::Io {
        path: PathBuf::from(path),
        source,
    };
    match access {
        Access::Read if !path.is_dir() => {
            return Err(io_err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no Zarr store (directory) here",
            )))
        }
        Access::Read => {}
        Access::Write => std::fs::create_dir_all(path).map_err(io_err)?,
    }
    let store = FilesystemStore::new(path).map_err(|e| Error::Format {
        path: PathBuf::from(path),
        variable: None,
        reason: format!("not usable as a Zarr store: {e}"),
    })?;
    let store = Arc::new(store);
    Ok(Storages {
        read: store.clone(),
        list: Some(store.clone()),
        write: (access == Access::Write).then_some(store),
        location: path.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_store_is_an_io_error_naming_the_path() {
        let err = open("/nonexistent/xr/store.zarr", Access::Read).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
        assert!(
            err.to_string().contains("/nonexistent/xr/store.zarr"),
            "{err}"
        );
    }

    #[test]
    fn write_access_creates_the_directory() {
        let dir = std::env::temp_dir().join(format!("xr-store-{}", std::process::id()));
        let path = dir.join("new.zarr");
        let s = open(path.to_str().unwrap(), Access::Write).unwrap();
        assert!(path.is_dir());
        assert!(s.write.is_some() && s.list.is_some());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
