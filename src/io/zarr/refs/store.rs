//! The store behind a reference file: each key answered from its reference, byte ranges
//! read from their target files (positioned reads for local files, `object_store` range
//! requests for URLs, on the remote-IO runtime). zarrs asks for the chunks of a region
//! from rayon's threads, so range requests for different chunks go out in parallel.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use zarrs::storage::byte_range::ByteRangeIterator;
use zarrs::storage::{
    Bytes, ListableStorageTraits, MaybeBytes, MaybeBytesIterator, ReadableStorageTraits,
    StorageError, StoreKey, StoreKeys, StoreKeysPrefixes, StorePrefix, StorePrefixes,
};

use super::{Reference, References};
use crate::error::{Error, Result};
use crate::io::zarr::store::StorageOptions;

/// A file that references point into, opened once.
enum Target {
    Local {
        file: File,
        len: u64,
    },
    #[cfg(feature = "remote")]
    Object {
        store: Arc<dyn object_store::ObjectStore>,
        path: object_store::path::Path,
    },
}

/// A reference file as a read-only, listable Zarr store.
pub(super) struct RefStore {
    refs: References,
    /// Where relative target paths start: the reference file's directory (or URL).
    base: String,
    options: StorageOptions,
    targets: Mutex<HashMap<String, Arc<Target>>>,
    #[cfg(feature = "remote")]
    readahead: super::readahead::Readahead,
}

impl RefStore {
    pub(super) fn new(refs: References, location: &str, options: StorageOptions) -> Self {
        let base = match location.rfind('/') {
            Some(i) => location[..=i].to_string(),
            None => String::new(),
        };
        #[cfg(feature = "remote")]
        let readahead =
            super::readahead::Readahead::new(refs.iter().filter_map(|(k, r)| match r {
                Reference::Range {
                    url,
                    offset,
                    length,
                } => Some((k, url.as_str(), *offset, *length)),
                _ => None,
            }));
        RefStore {
            refs,
            base,
            options,
            targets: Mutex::new(HashMap::new()),
            #[cfg(feature = "remote")]
            readahead,
        }
    }

    /// The target file at `url` (a path relative to the reference file, an absolute
    /// path, a `file://` or a remote URL), opened on first use.
    fn target(&self, url: &str) -> std::result::Result<Arc<Target>, String> {
        let url = if url.contains("://") || url.starts_with('/') {
            url.to_string()
        } else {
            format!("{}{url}", self.base)
        };
        let mut targets = self
            .targets
            .lock()
            .map_err(|_| "the target table lock is poisoned".to_string())?;
        if let Some(t) = targets.get(&url) {
            return Ok(Arc::clone(t));
        }
        let target = Arc::new(open_target(&url, &self.options)?);
        targets.insert(url, Arc::clone(&target));
        Ok(target)
    }

    /// The bytes of `reference`; `None` for a target object that does not exist.
    fn fetch(&self, key: &str, reference: &Reference) -> std::result::Result<Bytes, String> {
        let (url, range) = match reference {
            Reference::Inline(bytes) => return Ok(Bytes::from(bytes.clone())),
            Reference::Range {
                url,
                offset,
                length,
            } => (url, Some((*offset, *length))),
            Reference::Whole { url } => (url, None),
        };
        let fail = |reason: String| format!("key {key:?}: {url}: {reason}");
        let target = self.target(url).map_err(fail)?;
        match (&*target, range) {
            (Target::Local { file, len }, range) => {
                let (offset, length) = range.unwrap_or((0, *len));
                check_range(offset, length, *len).map_err(fail)?;
                let size = usize::try_from(length)
                    .map_err(|_| fail(format!("{length} bytes is too large")))?;
                let mut buf = vec![0u8; size];
                file.read_exact_at(&mut buf, offset)
                    .map_err(|e| fail(format!("reading {length} bytes at offset {offset}: {e}")))?;
                Ok(Bytes::from(buf))
            }
            #[cfg(feature = "remote")]
            (Target::Object { store, path }, Some((offset, length))) => {
                use super::readahead::{Piece, Plan};
                let piece = Piece {
                    key: key.to_string(),
                    offset,
                    length,
                };
                let alone = || fetch_object(store, path, Some((offset, length))).map_err(fail);
                match self.readahead.plan(piece) {
                    Plan::Ready(Some(bytes)) => Ok(bytes),
                    Plan::Ready(None) => alone(),
                    Plan::Fetch(run) => {
                        let (start, length) = super::readahead::Readahead::range(&run);
                        let frames = stream_object(store, path, start, length).ok();
                        match self.readahead.stream(run, frames) {
                            Some(bytes) => Ok(bytes),
                            // The run failed: this chunk alone, for its own error.
                            None => alone(),
                        }
                    }
                }
            }
            #[cfg(feature = "remote")]
            (Target::Object { store, path }, None) => fetch_object(store, path, None).map_err(fail),
        }
    }
}

/// Fails when `length` bytes at `offset` do not fit in a file of `len` bytes.
fn check_range(offset: u64, length: u64, len: u64) -> std::result::Result<(), String> {
    if offset.checked_add(length).is_none_or(|end| end > len) {
        return Err(format!(
            "bytes {offset}..{} run past the end of the file ({len} bytes)",
            offset.saturating_add(length)
        ));
    }
    Ok(())
}

fn open_target(url: &str, options: &StorageOptions) -> std::result::Result<Target, String> {
    let local = |path: &Path| -> std::result::Result<Target, String> {
        let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
        let len = file
            .metadata()
            .map_err(|e| format!("cannot read: {e}"))?
            .len();
        Ok(Target::Local { file, len })
    };
    if let Some(path) = url.strip_prefix("file://") {
        return local(Path::new(path));
    }
    if !url.contains("://") {
        return local(Path::new(url));
    }
    open_remote(url, options)
}

#[cfg(feature = "remote")]
fn open_remote(url: &str, options: &StorageOptions) -> std::result::Result<Target, String> {
    let (store, path) =
        crate::io::zarr::remote::object_at(url, options).map_err(|e| e.to_string())?;
    Ok(Target::Object { store, path })
}

#[cfg(not(feature = "remote"))]
fn open_remote(_url: &str, _options: &StorageOptions) -> std::result::Result<Target, String> {
    Err("remote targets need xr built with the `remote` feature".to_string())
}

/// One GET (a range request when `range` is set) on the remote-IO runtime; the answer
/// must hold exactly the bytes asked for.
#[cfg(feature = "remote")]
pub(super) fn fetch_object(
    store: &Arc<dyn object_store::ObjectStore>,
    path: &object_store::path::Path,
    range: Option<(u64, u64)>,
) -> std::result::Result<Bytes, String> {
    use crate::io::zarr::remote::{block_on, runtime};
    use object_store::ObjectStoreExt as _;
    let runtime = runtime().map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    match range {
        Some((offset, length)) => {
            let end = offset
                .checked_add(length)
                .ok_or_else(|| format!("range {offset} + {length} overflows"))?;
            let bytes = block_on(&runtime, store.get_range(path, offset..end))
                .map_err(|e| format!("bytes {offset}..{end}: {e}"))?;
            if bytes.len() as u64 != length {
                return Err(format!(
                    "bytes {offset}..{end}: got {} bytes: the range runs past the end of the object?",
                    bytes.len()
                ));
            }
            Ok(bytes)
        }
        None => block_on(&runtime, async { store.get(path).await?.bytes().await })
            .map_err(|e| e.to_string()),
    }
}

/// The bytes `offset..offset + length` of an object as they arrive: one range request,
/// its answer's body read frame by frame on the remote-IO runtime.
#[cfg(feature = "remote")]
fn stream_object(
    store: &Arc<dyn object_store::ObjectStore>,
    path: &object_store::path::Path,
    offset: u64,
    length: u64,
) -> std::result::Result<Frames, String> {
    use crate::io::zarr::remote::{block_on, runtime};
    let runtime = runtime().map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    let end = offset
        .checked_add(length)
        .ok_or_else(|| format!("range {offset} + {length} overflows"))?;
    let options = object_store::GetOptions::new().with_range(Some(offset..end));
    let answer = block_on(&runtime, store.get_opts(path, options))
        .map_err(|e| format!("bytes {offset}..{end}: {e}"))?;
    Ok(Frames {
        runtime,
        body: answer.into_stream(),
    })
}

/// The body of a range request, a frame at a time (blocking on the remote-IO runtime).
#[cfg(feature = "remote")]
struct Frames {
    runtime: tokio::runtime::Handle,
    body: futures_core::stream::BoxStream<'static, object_store::Result<Bytes>>,
}

#[cfg(feature = "remote")]
impl Iterator for Frames {
    type Item = std::result::Result<Bytes, String>;

    fn next(&mut self) -> Option<Self::Item> {
        let body = &mut self.body;
        let frame = crate::io::zarr::remote::block_on(
            &self.runtime,
            std::future::poll_fn(|cx| body.as_mut().poll_next(cx)),
        );
        frame.map(|f| f.map_err(|e| e.to_string()))
    }
}

/// The bytes of the reference file at `location`: a local path, `file://` or remote URL.
///
/// # Errors
/// [`Error::Io`] naming a local file that cannot be read; [`Error::Format`] naming a
/// URL that cannot be fetched (the reason from `object_store`).
pub(super) fn read_location(location: &str, options: &StorageOptions) -> Result<Vec<u8>> {
    let local = location.strip_prefix("file://").unwrap_or(location);
    if !local.contains("://") {
        return std::fs::read(local).map_err(|source| Error::Io {
            path: PathBuf::from(local),
            source,
        });
    }
    let fetched: std::result::Result<Bytes, String> =
        open_remote(location, options).and_then(|target| match target {
            Target::Local { .. } => Err("not a remote URL".to_string()),
            #[cfg(feature = "remote")]
            Target::Object { store, path } => fetch_object(&store, &path, None),
        });
    fetched.map(|b| b.to_vec()).map_err(|reason| Error::Format {
        path: PathBuf::from(location),
        variable: None,
        reason: format!("cannot fetch the reference file: {reason}"),
    })
}

impl ReadableStorageTraits for RefStore {
    fn get(&self, key: &StoreKey) -> std::result::Result<MaybeBytes, StorageError> {
        let Some(reference) = self.refs.get(key.as_str()) else {
            return Ok(None);
        };
        self.fetch(key.as_str(), reference)
            .map(Some)
            .map_err(StorageError::Other)
    }

    fn get_partial_many<'a>(
        &'a self,
        key: &StoreKey,
        byte_ranges: ByteRangeIterator<'a>,
    ) -> std::result::Result<MaybeBytesIterator<'a>, StorageError> {
        let Some(bytes) = self.get(key)? else {
            return Ok(None);
        };
        let size = bytes.len() as u64;
        let parts: Vec<std::result::Result<Bytes, StorageError>> = byte_ranges
            .map(|r| {
                if r.end(size) > size {
                    return Err(StorageError::Other(format!(
                        "key {key}: byte range past its {size} bytes"
                    )));
                }
                Ok(bytes.slice(r.to_range_usize(size)))
            })
            .collect();
        Ok(Some(Box::new(parts.into_iter())))
    }

    fn size_key(&self, key: &StoreKey) -> std::result::Result<Option<u64>, StorageError> {
        match self.refs.get(key.as_str()) {
            None => Ok(None),
            Some(Reference::Inline(b)) => Ok(Some(b.len() as u64)),
            Some(Reference::Range { length, .. }) => Ok(Some(*length)),
            Some(whole) => Ok(Some(
                self.fetch(key.as_str(), whole)
                    .map_err(StorageError::Other)?
                    .len() as u64,
            )),
        }
    }

    fn supports_get_partial(&self) -> bool {
        false
    }
}

impl ListableStorageTraits for RefStore {
    fn list(&self) -> std::result::Result<StoreKeys, StorageError> {
        let mut keys: Vec<StoreKey> = self
            .refs
            .iter()
            .filter_map(|(k, _)| StoreKey::new(k).ok())
            .collect();
        keys.sort();
        Ok(keys)
    }

    fn list_prefix(&self, prefix: &StorePrefix) -> std::result::Result<StoreKeys, StorageError> {
        let mut keys = self.list()?;
        keys.retain(|k| k.as_str().starts_with(prefix.as_str()));
        Ok(keys)
    }

    fn list_dir(
        &self,
        prefix: &StorePrefix,
    ) -> std::result::Result<StoreKeysPrefixes, StorageError> {
        let mut keys = Vec::new();
        let mut prefixes = BTreeSet::new();
        for key in self.list_prefix(prefix)? {
            let rest = &key.as_str()[prefix.as_str().len()..];
            match rest.split_once('/') {
                None => keys.push(key),
                Some((dir, _)) => {
                    prefixes.insert(format!("{}{dir}/", prefix.as_str()));
                }
            }
        }
        let prefixes: StorePrefixes = prefixes
            .into_iter()
            .filter_map(|p| StorePrefix::new(p).ok())
            .collect();
        Ok(StoreKeysPrefixes::new(keys, prefixes))
    }

    fn size_prefix(&self, prefix: &StorePrefix) -> std::result::Result<u64, StorageError> {
        self.list_prefix(prefix)?
            .iter()
            .map(|k| self.size_key(k).map(Option::unwrap_or_default))
            .sum()
    }
}
