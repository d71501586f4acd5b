//! Where a Zarr store lives: a location string turned into zarrs storage handles.
//!
//! Every driver entry point takes a location (`"data/out.zarr"`, `file:///data/out.zarr`,
//! or with the `remote` feature `https://host/out.zarr` and `s3://bucket/out.zarr`) and
//! asks this module for [`Storages`], the handles the store allows: reading always,
//! listing and writing when the store can.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zarrs::filesystem::FilesystemStore;
use zarrs::storage::{ReadableListableStorage, ReadableStorage, ReadableWritableListableStorage};

use super::atomic::AtomicFilesystemStore;
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

/// Settings of a remote store, as `object_store` names them: for S3, `endpoint`,
/// `region`, `access_key_id`, `secret_access_key`, `session_token`, `allow_http`
/// (or their `aws_` forms); for HTTP, client settings like `timeout`. They override the
/// `AWS_*` environment variables; local stores take none.
///
/// ```
/// use xr::io::zarr::StorageOptions;
/// let options = StorageOptions::new()
///     .with("endpoint", "http://127.0.0.1:9000")
///     .with("allow_http", "true");
/// assert_eq!(options.iter().count(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StorageOptions(BTreeMap<String, String>);

impl StorageOptions {
    /// No options: everything from the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`.
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.insert(key.into(), value.into());
        self
    }

    /// The options, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether no option is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Opens the store at `location` with no storage options.
///
/// # Errors
/// As [`open_with`].
// The driver's entry points pass their options to `open_with`; this stays the short form
// for callers that have none (the tests, and code on other branches).
#[allow(dead_code)]
pub(crate) fn open(location: &str, access: Access) -> Result<Storages> {
    open_with(location, access, &StorageOptions::default())
}

/// Opens the store at `location`: a local directory path, a `file://` URL, or (with the
/// `remote` feature) an `http(s)://` or `s3://` URL.
///
/// # Errors
/// [`Error::Io`] when a local store opened for reading does not exist or a store opened
/// for writing cannot be created; [`Error::Zarr`] (the library's error its source) when
/// zarrs refuses the path or `object_store` a URL or option; [`Error::Format`] for a
/// URL that cannot be opened (bad scheme, writing over HTTP) or the `remote` feature
/// off; [`Error::InvalidArgument`] for storage options on a local store.
pub(crate) fn open_with(
    location: &str,
    access: Access,
    options: &StorageOptions,
) -> Result<Storages> {
    super::codecs::register();
    if let Some(path) = location.strip_prefix("file://") {
        return open_local_only(path, access, options);
    }
    if location.contains("://") {
        return open_url(location, access, options);
    }
    open_local_only(location, access, options)
}

fn open_local_only(path: &str, access: Access, options: &StorageOptions) -> Result<Storages> {
    if !options.is_empty() {
        return Err(Error::invalid_argument(
            "storage_options",
            format!("storage options are for remote stores; {path:?} is a local path"),
        ));
    }
    open_local(Path::new(path), access)
}

#[cfg(feature = "remote")]
fn open_url(location: &str, access: Access, options: &StorageOptions) -> Result<Storages> {
    super::remote::open(location, access, options)
}

#[cfg(not(feature = "remote"))]
fn open_url(location: &str, _access: Access, _options: &StorageOptions) -> Result<Storages> {
    Err(Error::Format {
        path: PathBuf::from(location),
        variable: None,
        reason: "remote Zarr stores (http, https, s3) need xr built with the `remote` \
                 feature (cargo build --features remote)"
            .to_string(),
    })
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
    let store = FilesystemStore::new(path).map_err(|e| Error::Zarr {
        store: path.display().to_string(),
        array: None,
        doing: "not usable as a Zarr store".into(),
        source: Box::new(e),
    })?;
    // Every write replaces its key whole (a temporary key, then a rename), so a writer
    // killed part way leaves each chunk and metadata document old or new, never cut.
    let store = Arc::new(AtomicFilesystemStore::new(store));
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

    #[test]
    fn file_urls_are_local_paths() {
        let err = open("file:///nonexistent/xr/store.zarr", Access::Read).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
    }

    #[test]
    fn options_on_a_local_store_are_refused() {
        let options = StorageOptions::new().with("region", "eu-west-1");
        let err = open_with("/tmp", Access::Read, &options).unwrap_err();
        assert!(err.to_string().contains("local path"), "{err}");
    }

    #[cfg(not(feature = "remote"))]
    #[test]
    fn urls_without_the_remote_feature_say_so() {
        let err = open("s3://bucket/store.zarr", Access::Read).unwrap_err();
        assert!(err.to_string().contains("`remote` feature"), "{err}");
    }

    #[cfg(feature = "remote")]
    #[test]
    fn bad_urls_are_errors_naming_the_url() {
        let err = open("ftp://host/store.zarr", Access::Read).unwrap_err();
        assert!(err.to_string().contains("ftp://host/store.zarr"), "{err}");
        assert!(err.to_string().contains("scheme"), "{err}");
        let err = open("http://127.0.0.1:1/store.zarr", Access::Write).unwrap_err();
        assert!(err.to_string().contains("read-only"), "{err}");
        let options = StorageOptions::new().with("no_such_option", "1");
        let err = open_with("s3://bucket/x.zarr", Access::Read, &options).unwrap_err();
        assert!(err.to_string().contains("no_such_option"), "{err}");
    }
}
