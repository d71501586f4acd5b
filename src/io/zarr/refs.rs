//! Kerchunk reference files: a Zarr v2 store whose keys are either inline bytes or byte
//! ranges of other files (local paths, `http(s)://` or `s3://` URLs), as
//! [kerchunk](https://fsspec.github.io/kerchunk/spec.html) and VirtualiZarr write them.
//!
//! A NetCDF-4/HDF5 file's chunks are already Zarr chunks: the same bytes, behind the
//! same filters (HDF5's deflate, shuffle, fletcher32 and zstd are numcodecs' `zlib`,
//! `shuffle`, `fletcher32` and `zstd`). A reference file lists, per chunk, where those
//! bytes are, so the file can be read as a Zarr store: here through the Zarr driver
//! (its metadata handling, codecs, CF decoding and lazy chunk sources), with a store
//! (`refs/store.rs`) that answers each key from the references, fetching byte ranges with
//! positioned reads for local files and `object_store` range requests for URLs.
//!
//! - Reading: [`Dataset::open_refs`] (or [`Dataset::refs`] for options), and
//!   [`Dataset::open_dataset`] on a `*.json` path or URL.
//! - A NetCDF-4/HDF5 file at a URL (features `remote` and `direct`):
//!   `References::from_hdf5_url` builds its references from its metadata, read by
//!   libhdf5 through range requests; [`Dataset::open_dataset`] and
//!   [`Dataset::open_refs`] on `s3://bucket/file.nc` or `https://host/file.nc` use it.
//! - Writing (features `netcdf` and `direct`): [`References::from_netcdf`] builds the
//!   references of a local NetCDF-4/HDF5 file from the direct reader's chunk index;
//!   `xr refs FILE.nc OUT.json` writes them.
//!
//! ```no_run
//! # #[cfg(all(feature = "netcdf", feature = "direct"))]
//! # fn main() -> xr::Result<()> {
//! use xr::io::zarr::refs::References;
//! let refs = References::from_netcdf("data.nc".as_ref(), Some("s3://bucket/data.nc"))?;
//! std::fs::write("data.json", refs.to_json()?).map_err(|e| xr::Error::Io {
//!     path: "data.json".into(),
//!     source: e,
//! })?;
//! let ds = xr::Dataset::refs("data.json")
//!     .storage_options(xr::io::zarr::StorageOptions::new().with("region", "eu-west-1"))
//!     .open()?;
//! # let _ = ds;
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "netcdf", feature = "direct")))]
//! # fn main() {}
//! ```

#[cfg(feature = "direct")]
mod build;
#[cfg(feature = "direct")]
pub(super) use build::hdf5_filter;
#[cfg(all(feature = "remote", feature = "direct"))]
mod hdf5_remote;
#[cfg(all(feature = "netcdf", feature = "direct"))]
mod netcdf;
#[cfg(feature = "remote")]
mod readahead;
mod store;

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine as _;
use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::meta::BASE64;
use super::store::{StorageOptions, Storages};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::io::cf::DecodeOptions;

/// Where the bytes of one key of a reference file come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// The bytes themselves (metadata documents, small arrays).
    Inline(Vec<u8>),
    /// `length` bytes at `offset` of the file at `url`.
    Range {
        /// A local path, `file://`, `http(s)://` or `s3://` URL.
        url: String,
        /// Byte offset in the file.
        offset: u64,
        /// Number of bytes.
        length: u64,
    },
    /// The whole file at `url`.
    Whole {
        /// As for [`Reference::Range`].
        url: String,
    },
}

/// The references of a kerchunk reference file (version 1, or the flat version 0),
/// keys in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct References {
    refs: IndexMap<String, Reference>,
}

/// A format error about the reference file at `location` (and the key at fault).
fn refs_error(location: &str, key: Option<&str>, reason: impl Into<String>) -> Error {
    Error::Format {
        path: PathBuf::from(location),
        variable: key.map(str::to_string),
        reason: reason.into(),
    }
}

impl References {
    /// No references.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` (`".zgroup"`, `"var/.zarray"`, `"var/0.1"`) to `reference`.
    pub fn insert(&mut self, key: impl Into<String>, reference: Reference) {
        self.refs.insert(key.into(), reference);
    }

    /// The reference of `key`, if any.
    pub fn get(&self, key: &str) -> Option<&Reference> {
        self.refs.get(key)
    }

    /// Every key and its reference, in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Reference)> {
        self.refs.iter().map(|(k, r)| (k.as_str(), r))
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.refs.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// Parses a reference file: version 1 (`{"version": 1, "templates": {..}, "refs":
    /// {..}}`, `{{name}}` templates expanded in URLs) or version 0 (the refs alone).
    /// A value is text (kept as UTF-8 bytes), `"base64:..."`, `[url]` or `[url, offset,
    /// length]`. `location` names the file in errors.
    ///
    /// # Errors
    /// [`Error::Format`] naming the file (and the key) for text that is not JSON, an
    /// unknown version, generated keys (`gen`, not supported), or a value of none of the
    /// forms above.
    pub fn from_json(text: &[u8], location: &str) -> Result<Self> {
        let doc: Value = serde_json::from_slice(text)
            .map_err(|e| refs_error(location, None, format!("not JSON: {e}")))?;
        let Value::Object(doc) = doc else {
            return Err(refs_error(location, None, "not a JSON object"));
        };
        let (refs, templates) = match doc.get("version") {
            None => (&doc, Map::new()),
            Some(v) if v.as_u64() == Some(1) => {
                if doc.get("gen").is_some_and(|g| !g.is_null()) {
                    return Err(refs_error(
                        location,
                        None,
                        "generated references (\"gen\") are not supported",
                    ));
                }
                let Some(Value::Object(refs)) = doc.get("refs") else {
                    return Err(refs_error(location, None, "no \"refs\" object"));
                };
                let templates = match doc.get("templates") {
                    Some(Value::Object(t)) => t.clone(),
                    None | Some(Value::Null) => Map::new(),
                    Some(_) => {
                        return Err(refs_error(location, None, "\"templates\" is not an object"))
                    }
                };
                (refs, templates)
            }
            Some(v) => {
                return Err(refs_error(
                    location,
                    None,
                    format!("unsupported reference file version {v} (0 and 1 are)"),
                ))
            }
        };
        let expand = |url: &str| -> String {
            let mut url = url.to_string();
            for (name, value) in &templates {
                if let Some(v) = value.as_str() {
                    url = url.replace(&format!("{{{{{name}}}}}"), v);
                }
            }
            url
        };
        let mut out = References::new();
        for (key, value) in refs {
            let bad = |what: &str| refs_error(location, Some(key), what.to_string());
            let reference = match value {
                Value::String(s) => match s.strip_prefix("base64:") {
                    Some(b64) => Reference::Inline(
                        BASE64
                            .decode(b64)
                            .map_err(|e| bad(&format!("bad base64 data: {e}")))?,
                    ),
                    None => Reference::Inline(s.clone().into_bytes()),
                },
                // kerchunk writes small metadata documents as JSON values too.
                Value::Object(_) => Reference::Inline(value.to_string().into_bytes()),
                Value::Array(items) => match items.as_slice() {
                    [Value::String(url)] => Reference::Whole { url: expand(url) },
                    [Value::String(url), offset, length] => {
                        let (Some(offset), Some(length)) = (offset.as_u64(), length.as_u64())
                        else {
                            return Err(bad("offset and length must be non-negative integers"));
                        };
                        Reference::Range {
                            url: expand(url),
                            offset,
                            length,
                        }
                    }
                    _ => return Err(bad("expected [url] or [url, offset, length]")),
                },
                _ => {
                    return Err(bad(
                        "expected text, \"base64:...\" or [url, offset, length]",
                    ))
                }
            };
            out.insert(key.clone(), reference);
        }
        Ok(out)
    }

    /// The references as a version-1 reference file: metadata documents (valid UTF-8)
    /// as text, other inline bytes as `"base64:..."`.
    ///
    /// # Errors
    /// [`Error::Internal`] if JSON serialisation fails (it does not for these values).
    pub fn to_json(&self) -> Result<Vec<u8>> {
        let refs: Map<String, Value> = self
            .refs
            .iter()
            .map(|(key, r)| {
                let v = match r {
                    Reference::Inline(bytes) if is_metadata_key(key) => {
                        match std::str::from_utf8(bytes) {
                            Ok(text) => Value::from(text),
                            Err(_) => Value::from(format!("base64:{}", BASE64.encode(bytes))),
                        }
                    }
                    Reference::Inline(bytes) => {
                        Value::from(format!("base64:{}", BASE64.encode(bytes)))
                    }
                    Reference::Range {
                        url,
                        offset,
                        length,
                    } => Value::from(vec![
                        Value::from(url.as_str()),
                        Value::from(*offset),
                        Value::from(*length),
                    ]),
                    Reference::Whole { url } => Value::from(vec![Value::from(url.as_str())]),
                };
                (key.clone(), v)
            })
            .collect();
        let mut doc = Map::new();
        doc.insert("version".into(), Value::from(1));
        doc.insert("refs".into(), Value::Object(refs));
        serde_json::to_vec(&Value::Object(doc))
            .map_err(|e| Error::internal(format!("writing references: {e}")))
    }
}

/// A NetCDF-4/HDF5 file at a URL (by its extension): opened through references built
/// from its metadata, read by byte ranges.
pub(crate) fn is_remote_hdf5(location: &str) -> bool {
    let remote = location.contains("://") && !location.starts_with("file://");
    let ext = location
        .rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    remote
        && ext.is_some_and(|e| matches!(e.as_str(), "nc" | "nc4" | "h5" | "hdf5" | "he5" | "hdf"))
}

/// The references of a NetCDF-4/HDF5 file at a URL, read from its metadata by range
/// requests ([`References::from_hdf5_url`]).
#[cfg(all(feature = "remote", feature = "direct"))]
fn remote_netcdf_references(url: &str, options: &StorageOptions) -> Result<References> {
    References::from_hdf5_url(url, options)
}

/// Without the HDF5 metadata reader (feature `direct`) or remote reads (`remote`), a
/// remote NetCDF-4/HDF5 file is read through a reference file written elsewhere.
#[cfg(not(all(feature = "remote", feature = "direct")))]
fn remote_netcdf_references(url: &str, _options: &StorageOptions) -> Result<References> {
    Err(refs_error(
        url,
        None,
        format!(
            "opening a NetCDF-4/HDF5 file at a URL needs xr built with the features \
             `remote` and `direct`; otherwise write its kerchunk references from a local \
             copy with `xr refs FILE.nc OUT.json --url {url}` and open OUT.json"
        ),
    ))
}

/// Zarr metadata documents, stored as text in reference files.
fn is_metadata_key(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key);
    matches!(
        name,
        ".zgroup" | ".zattrs" | ".zarray" | ".zmetadata" | "zarr.json"
    )
}

/// Options for opening a reference file, built by [`Dataset::refs`].
#[derive(Debug, Clone)]
#[must_use]
pub struct OpenRefs {
    location: String,
    decode: DecodeOptions,
    storage_options: StorageOptions,
    group: String,
}

impl OpenRefs {
    /// Options for the reference file at `location` (a path or URL), all CF decoding on.
    pub fn new(location: impl AsRef<str>) -> Self {
        OpenRefs {
            location: location.as_ref().to_string(),
            decode: DecodeOptions::default(),
            storage_options: StorageOptions::default(),
            group: String::new(),
        }
    }

    /// Opens the group at `path` (`"a/b"` or `"/a/b"`; `"/"` is the root), as
    /// `Dataset::open(file).group(path)` opens it from the file.
    pub fn group(mut self, path: &str) -> Self {
        self.group = path.trim_matches('/').to_string();
        self
    }

    crate::io::cf::decode_option_setters!();

    /// Settings for the remote targets (and a remote reference file): S3 endpoint,
    /// credentials, ..., over the `AWS_*` environment variables; see [`StorageOptions`].
    pub fn storage_options(mut self, options: StorageOptions) -> Self {
        self.storage_options = options;
        self
    }

    /// Opens the references' root group (or [`OpenRefs::group`]): metadata now, data variables lazily; each
    /// chunk is fetched (one positioned read or range request) when computed.
    ///
    /// # Errors
    /// [`Error::Io`] when a local reference file cannot be read; [`Error::Format`]
    /// naming the file (and key) for a malformed reference file; then as
    /// [`super::OpenZarr::open`] for the Zarr metadata it holds. A chunk whose target
    /// is missing, or whose range runs past the end of its file, fails when computed,
    /// with an [`Error::FileRead`] naming the variable and chunk.
    ///
    /// A NetCDF-4/HDF5 file at a URL (`s3://bucket/file.nc`, `https://host/file.h5`:
    /// `.nc`, `.nc4`, `.h5`, `.hdf5`, `.he5`, `.hdf`) needs no reference file: its
    /// references are built from its metadata, read by range requests
    /// (`References::from_hdf5_url`, with the features `remote` and `direct`), with its
    /// errors (a missing or unreachable object, NetCDF-3, not HDF5: [`Error::Format`]
    /// naming the URL).
    pub fn open(&self) -> Result<Dataset> {
        if is_remote_hdf5(&self.location) {
            return self.open_references(remote_netcdf_references(
                &self.location,
                &self.storage_options,
            )?);
        }
        let text = store::read_location(&self.location, &self.storage_options)?;
        let refs = References::from_json(&text, &self.location)?;
        self.open_references(refs)
    }

    /// Opens already parsed references, as [`OpenRefs::open`]; relative target paths
    /// are taken from the reference file's directory.
    ///
    /// # Errors
    /// As [`OpenRefs::open`].
    pub fn open_references(&self, refs: References) -> Result<Dataset> {
        super::codecs::register();
        let store = Arc::new(store::RefStore::new(
            refs,
            &self.location,
            self.storage_options.clone(),
        ));
        let storages = Storages {
            read: store.clone(),
            list: Some(store),
            write: None,
            location: self.location.clone(),
        };
        let (ds, _) = super::read::open_group(&storages, &self.group, None, &self.decode, false)?;
        Ok(ds)
    }
}

impl Dataset {
    /// Opens a kerchunk reference file (a local path or an `http(s)://`/`s3://` URL):
    /// the Zarr store it describes, with its chunks read from their files by byte range,
    /// all CF decoding on. Data variables are lazy.
    ///
    /// ```
    /// # #[cfg(all(feature = "netcdf", feature = "direct"))]
    /// # fn main() -> xr::Result<()> {
    /// use xr::io::zarr::refs::References;
    /// let refs = References::from_netcdf("tests/data/compressed_chunked.nc".as_ref(), None)?;
    /// let out = std::env::temp_dir().join(format!("xr_doc_refs_{}.json", std::process::id()));
    /// std::fs::write(&out, refs.to_json()?).map_err(|e| xr::Error::Io { path: out.clone(), source: e })?;
    /// let ds = xr::Dataset::open_refs(out.to_str().unwrap_or_default())?;
    /// let direct = xr::Dataset::open_dataset("tests/data/compressed_chunked.nc")?;
    /// assert!(ds.variable("z")?.data().equals(direct.variable("z")?.data()));
    /// # std::fs::remove_file(out).ok();
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "netcdf", feature = "direct")))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    /// As [`OpenRefs::open`].
    pub fn open_refs(location: impl AsRef<str>) -> Result<Dataset> {
        OpenRefs::new(location).open()
    }

    /// Options for opening a reference file:
    /// `Dataset::refs(url).storage_options(options).decode_times(false).open()?`.
    pub fn refs(location: impl AsRef<str>) -> OpenRefs {
        OpenRefs::new(location)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn version_1_round_trips_and_expands_templates() {
        let text = br#"{"version": 1, "templates": {"u": "s3://b/f.nc"},
            "refs": {".zgroup": "{\"zarr_format\": 2}", "a/0": "base64:AAEC",
                     "a/1": ["{{u}}", 10, 20], "a/2": ["{{u}}"]}}"#;
        let refs = References::from_json(text, "r.json").unwrap();
        assert_eq!(refs.len(), 4);
        assert_eq!(refs.get("a/0"), Some(&Reference::Inline(vec![0, 1, 2])));
        assert_eq!(
            refs.get("a/1"),
            Some(&Reference::Range {
                url: "s3://b/f.nc".into(),
                offset: 10,
                length: 20
            })
        );
        let back = References::from_json(&refs.to_json().unwrap(), "r.json").unwrap();
        assert_eq!(back, refs);
    }

    #[test]
    fn malformed_files_are_errors_naming_file_and_key() {
        let err = References::from_json(b"{\"version\": 1, \"refs\": {\"a/0\": [1, 2]}}", "r.json")
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("r.json") && msg.contains("a/0"), "{msg}");
        let err = References::from_json(b"not json", "r.json").unwrap_err();
        assert!(err.to_string().contains("not JSON"), "{err}");
        let err = References::from_json(b"{\"version\": 2, \"refs\": {}}", "r.json").unwrap_err();
        assert!(err.to_string().contains("version"), "{err}");
    }
}
