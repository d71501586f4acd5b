//! Zarr stores on object stores: `http(s)://` URLs (read-only) and `s3://bucket/prefix`
//! on S3 or any S3-compatible endpoint, through `object_store` and `zarrs_object_store`.
//!
//! zarrs reads synchronously (its parallelism is rayon's); `object_store` is async. One
//! process-wide tokio runtime drives every request, and zarrs' async-to-sync adapter
//! blocks the calling (rayon) thread on it, so chunk reads still go out in parallel.
//! Called from a worker thread of a user's multi-threaded tokio runtime (an async
//! program opening a store), a request blocks through `tokio::task::block_in_place`,
//! which tokio allows there; a current-thread runtime cannot block at all, so there
//! the call must go through `tokio::task::spawn_blocking`, as for any blocking I/O.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::http::HttpBuilder;
use object_store::prefix::PrefixStore;
use object_store::{ClientConfigKey, ClientOptions, ObjectStore};
use zarrs::storage::byte_range::ByteRangeIterator;
use zarrs::storage::storage_adapter::async_to_sync::{
    AsyncToSyncBlockOn, AsyncToSyncStorageAdapter,
};
use zarrs::storage::{
    AsyncReadableStorageTraits, Bytes, ListableStorageTraits, MaybeBytes, MaybeBytesIterator,
    OffsetBytesIterator, ReadableStorageTraits, StorageError, StoreKey, StoreKeys,
    StoreKeysPrefixes, StorePrefix, WritableStorageTraits,
};
use zarrs_object_store::AsyncObjectStore;

use super::meta::zarr_error;
use super::store::{Access, StorageOptions, Storages};
use crate::error::{Error, Result};

/// Opens the store at a `http://`, `https://`, `s3://` or `s3a://` URL.
///
/// HTTP stores only read (no listing, no writing: a plain web server has neither). S3
/// stores take their settings from the standard `AWS_*` environment variables
/// (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
/// `AWS_ALLOW_HTTP`, ...), then from `options`, which win.
pub(crate) fn open(location: &str, access: Access, options: &StorageOptions) -> Result<Storages> {
    let (scheme, _) = location.split_once("://").unwrap_or(("", location));
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "https" => open_http(location, access, options),
        "s3" | "s3a" => open_s3(location, options),
        other => Err(invalid(
            location,
            format!("unsupported URL scheme {other:?} (http, https and s3 are)"),
        )),
    }
}

fn open_http(location: &str, access: Access, options: &StorageOptions) -> Result<Storages> {
    if access == Access::Write {
        return Err(invalid(
            location,
            "an HTTP store is read-only; write to a local path or an s3:// URL",
        ));
    }
    // `object_store` appends keys as path segments: a trailing slash would add an empty one.
    let url = location.trim_end_matches('/');
    let mut client = ClientOptions::new().with_allow_http(url.starts_with("http://"));
    for (key, value) in options.iter() {
        let key: ClientConfigKey = key
            .parse()
            .map_err(|e| zarr_error(location, None, format!("storage option {key:?}"), e))?;
        client = client.with_config(key, value);
    }
    let store = HttpBuilder::new()
        .with_url(url)
        .with_client_options(client)
        .build()
        .map_err(|e| zarr_error(location, None, "configuring the store", e))?;
    let sync = SyncStore::new(location, Arc::new(store))?;
    Ok(Storages {
        read: Arc::new(sync),
        list: None,
        write: None,
        location: location.to_string(),
    })
}

fn open_s3(location: &str, options: &StorageOptions) -> Result<Storages> {
    let rest = location.split_once("://").map_or(location, |(_, r)| r);
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(invalid(location, "no bucket name (s3://BUCKET/PREFIX)"));
    }
    let store = s3_store(location, bucket, options)?;
    let prefix = prefix.trim_matches('/');
    let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
        Arc::new(store)
    } else {
        Arc::new(PrefixStore::new(store, prefix))
    };
    let sync = Arc::new(SyncStore::new(location, store)?);
    // Writing is always possible here; whether the credentials allow it, S3 says on the
    // first request.
    Ok(Storages {
        read: sync.clone(),
        list: Some(sync.clone()),
        write: Some(sync),
        location: location.to_string(),
    })
}

/// The object store holding the object at `url` (`http(s)://host/path` or
/// `s3://bucket/key`), and the object's path in it: for reading single files (the
/// targets of a reference file) rather than stores. S3 settings come from the `AWS_*`
/// environment variables, then from `options`; HTTP takes client settings.
///
/// # Errors
/// [`Error::Format`] naming the URL for an unsupported scheme or no bucket or path;
/// [`Error::Zarr`] (the library's error its source) for an option or URL that
/// `object_store` refuses.
pub(super) fn object_at(
    url: &str,
    options: &StorageOptions,
) -> Result<(Arc<dyn ObjectStore>, object_store::path::Path)> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (host, key) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() || key.is_empty() {
        return Err(invalid(url, "expected SCHEME://HOST_OR_BUCKET/PATH"));
    }
    let path = object_store::path::Path::from_url_path(key)
        .map_err(|e| zarr_error(url, None, "not a valid object path", e))?;
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "https" => {
            let origin = format!("{scheme}://{host}");
            let mut client = ClientOptions::new().with_allow_http(scheme == "http");
            for (key, value) in options.iter() {
                let key: ClientConfigKey = key
                    .parse()
                    .map_err(|e| zarr_error(url, None, format!("storage option {key:?}"), e))?;
                client = client.with_config(key, value);
            }
            let store = HttpBuilder::new()
                .with_url(origin)
                .with_client_options(client)
                .build()
                .map_err(|e| zarr_error(url, None, "configuring the store", e))?;
            Ok((Arc::new(store), path))
        }
        "s3" | "s3a" => Ok((Arc::new(s3_store(url, host, options)?), path)),
        other => Err(invalid(
            url,
            format!("unsupported URL scheme {other:?} (http, https and s3 are)"),
        )),
    }
}

/// The S3 store of `bucket`: settings from the `AWS_*` environment variables, then from
/// `options`. An endpoint that is not an `http(s)://` URL with a host is refused here,
/// naming where it came from: `object_store` accepts it and panics on the first request.
fn s3_store(
    location: &str,
    bucket: &str,
    options: &StorageOptions,
) -> Result<object_store::aws::AmazonS3> {
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    for (key, value) in options.iter() {
        let parsed = key
            .to_ascii_lowercase()
            .parse::<AmazonS3ConfigKey>()
            .map_err(|e| zarr_error(location, None, format!("storage option {key:?}"), e))?;
        builder = builder.with_config(parsed, value);
    }
    if let Some(endpoint) = builder.get_config_value(&AmazonS3ConfigKey::Endpoint) {
        let host = ["http://", "https://"]
            .iter()
            .find_map(|scheme| endpoint.strip_prefix(scheme))
            .map(|rest| rest.split(['/', ':', '?', '#']).next().unwrap_or(""));
        if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
            return Err(invalid(
                location,
                format!(
                    "the S3 endpoint {endpoint:?} (the `endpoint` storage option or \
                     AWS_ENDPOINT_URL) is not an http:// or https:// URL with a host"
                ),
            ));
        }
    }
    builder
        .build()
        .map_err(|e| zarr_error(location, None, "configuring the store", e))
}

fn invalid(location: &str, reason: impl Into<String>) -> Error {
    Error::Format {
        path: PathBuf::from(location),
        variable: None,
        reason: reason.into(),
    }
}

/// The runtime that drives every remote request of the process (its error, if it could
/// not start, is kept for every later call).
pub(super) fn runtime() -> std::result::Result<tokio::runtime::Handle, Arc<std::io::Error>> {
    static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Runtime, Arc<std::io::Error>>> =
        OnceLock::new();
    let rt = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("xr-remote-io")
            .enable_all()
            .build()
            .map_err(Arc::new)
    });
    match rt {
        Ok(rt) => Ok(rt.handle().clone()),
        Err(e) => Err(Arc::clone(e)),
    }
}

/// Runs `future` to completion on `runtime`, blocking the calling thread. On a worker
/// thread of another multi-threaded runtime, `Handle::block_on` would panic ("cannot
/// start a runtime from within a runtime"): there the worker first hands its other
/// tasks over to the runtime with `block_in_place`, after which blocking is allowed.
pub(super) fn block_on<F: Future>(runtime: &tokio::runtime::Handle, future: F) -> F::Output {
    match tokio::runtime::Handle::try_current() {
        Ok(current) if current.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| runtime.block_on(future))
        }
        _ => runtime.block_on(future),
    }
}

struct TokioBlockOn(tokio::runtime::Handle);

impl AsyncToSyncBlockOn for TokioBlockOn {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        block_on(&self.0, future)
    }
}

type Async = AsyncObjectStore<Arc<dyn ObjectStore>>;

/// zarrs' async-to-sync adapter over an object store, except that a whole-value `get`
/// is one plain GET. The adapter's default turns it into a HEAD (for the size) and a
/// range request, which doubles the requests per chunk and fails on servers without
/// range support (like Python's `http.server`).
struct SyncStore {
    store: Arc<Async>,
    adapter: AsyncToSyncStorageAdapter<Async, TokioBlockOn>,
    runtime: tokio::runtime::Handle,
}

impl SyncStore {
    fn new(location: &str, store: Arc<dyn ObjectStore>) -> Result<Self> {
        let runtime = runtime().map_err(|e| {
            zarr_error(
                location,
                None,
                "cannot start the tokio runtime for remote stores",
                e,
            )
        })?;
        let store = Arc::new(AsyncObjectStore::new(store));
        Ok(Self {
            adapter: AsyncToSyncStorageAdapter::new(
                Arc::clone(&store),
                TokioBlockOn(runtime.clone()),
            ),
            store,
            runtime,
        })
    }
}

impl ReadableStorageTraits for SyncStore {
    fn get(&self, key: &StoreKey) -> Result<MaybeBytes, StorageError> {
        block_on(&self.runtime, self.store.get(key))
    }

    fn get_partial_many<'a>(
        &'a self,
        key: &StoreKey,
        byte_ranges: ByteRangeIterator<'a>,
    ) -> Result<MaybeBytesIterator<'a>, StorageError> {
        self.adapter.get_partial_many(key, byte_ranges)
    }

    fn size_key(&self, key: &StoreKey) -> Result<Option<u64>, StorageError> {
        self.adapter.size_key(key)
    }

    fn supports_get_partial(&self) -> bool {
        self.adapter.supports_get_partial()
    }
}

impl ListableStorageTraits for SyncStore {
    fn list(&self) -> Result<StoreKeys, StorageError> {
        self.adapter.list()
    }

    fn list_prefix(&self, prefix: &StorePrefix) -> Result<StoreKeys, StorageError> {
        self.adapter.list_prefix(prefix)
    }

    fn list_dir(&self, prefix: &StorePrefix) -> Result<StoreKeysPrefixes, StorageError> {
        self.adapter.list_dir(prefix)
    }

    fn size_prefix(&self, prefix: &StorePrefix) -> Result<u64, StorageError> {
        self.adapter.size_prefix(prefix)
    }
}

impl WritableStorageTraits for SyncStore {
    fn set(&self, key: &StoreKey, value: Bytes) -> Result<(), StorageError> {
        self.adapter.set(key, value)
    }

    fn set_partial_many(
        &self,
        key: &StoreKey,
        offset_values: OffsetBytesIterator,
    ) -> Result<(), StorageError> {
        self.adapter.set_partial_many(key, offset_values)
    }

    fn erase(&self, key: &StoreKey) -> Result<(), StorageError> {
        self.adapter.erase(key)
    }

    fn erase_many(&self, keys: &[StoreKey]) -> Result<(), StorageError> {
        self.adapter.erase_many(keys)
    }

    fn erase_prefix(&self, prefix: &StorePrefix) -> Result<(), StorageError> {
        self.adapter.erase_prefix(prefix)
    }

    fn supports_set_partial(&self) -> bool {
        self.adapter.supports_set_partial()
    }
}
