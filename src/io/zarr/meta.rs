//! Zarr metadata: finding a group's arrays (from consolidated metadata or by listing
//! the store), reading each array's metadata through zarrs' typed structs, and
//! converting attributes, data types and fill values between Zarr and `xr`.
//!
//! Group documents, consolidated metadata (`.zmetadata`, `consolidated_metadata`) and
//! attributes stay JSON: zarrs has no type for consolidated metadata, and attributes
//! are free-form.

use std::path::PathBuf;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use serde_json::{Map, Value};
use zarrs::array::{ArrayMetadataV2, ArrayMetadataV3};
use zarrs::metadata::v2::{ArrayMetadataV2Order, DataTypeMetadataV2, MetadataV2};
use zarrs::metadata::v3::{FillValueMetadataV3, MetadataV3};
use zarrs::metadata::{ArrayMetadata, ArrayShape, ChunkKeySeparator, ChunkShape, DimensionName};
use zarrs::metadata_ext::chunk_grid::regular::RegularChunkGridConfiguration;
use zarrs::metadata_ext::codec::sharding::ShardingCodecConfiguration;
use zarrs::storage::{ReadableStorageTraits, StoreKey, StorePrefix};

use super::store::Storages;
use super::stored::Stored;
use super::ZarrFormat;
use crate::array::{match_numeric, DType, NdArray};
use crate::dataset::{AttrValue, Attrs};
use crate::error::{Error, Result};

/// The metadata of one array of a group, as stored.
#[derive(Debug, Clone)]
pub(crate) struct ArrayMeta {
    /// The array's name in its group.
    pub name: String,
    /// The node path in the store (`"/air"`, `"/grp/air"`).
    pub path: String,
    pub format: ZarrFormat,
    /// `zarr.json` (v3) or `.zarray` (v2), without user attributes, as stored: read
    /// through [`ArrayMeta::metadata`]; kept as JSON so that consolidated metadata and
    /// appends rewrite it without losing fields zarrs does not model.
    pub json: Map<String, Value>,
    /// The user attributes (`attributes` of v3, `.zattrs` of v2).
    pub attrs: Map<String, Value>,
}

/// A group: its format, attributes and arrays (sorted by name).
#[derive(Debug, Clone)]
pub(crate) struct GroupMeta {
    pub format: ZarrFormat,
    pub attrs: Map<String, Value>,
    pub arrays: Vec<ArrayMeta>,
}

pub(crate) fn format_error(
    location: &str,
    variable: Option<&str>,
    reason: impl Into<String>,
) -> Error {
    Error::Format {
        path: PathBuf::from(location),
        variable: variable.map(str::to_string),
        reason: reason.into(),
    }
}

/// A library's error on the store at `location` (and `array`), with what was being done.
pub(crate) fn zarr_error(
    location: &str,
    array: Option<&str>,
    doing: impl Into<String>,
    source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> Error {
    Error::Zarr {
        store: location.to_string(),
        array: array.map(str::to_string),
        doing: doing.into(),
        source: source.into(),
    }
}

/// The key `name` under `prefix` (`""` or `"grp/"`).
pub(crate) fn key(location: &str, prefix: &str, name: &str) -> Result<StoreKey> {
    StoreKey::new(format!("{prefix}{name}"))
        .map_err(|e| zarr_error(location, None, format!("invalid key {prefix}{name}"), e))
}

/// The prefix of a group path (`""` for the root, `"a/b/"` otherwise).
pub(crate) fn group_prefix(group: &str) -> String {
    let g = group.trim_matches('/');
    if g.is_empty() {
        String::new()
    } else {
        format!("{g}/")
    }
}

/// Reads the JSON object at `key`, if the key exists.
pub(crate) fn get_json(
    storage: &dyn ReadableStorageTraits,
    location: &str,
    key: &StoreKey,
) -> Result<Option<Map<String, Value>>> {
    let bytes = storage
        .get(key)
        .map_err(|e| zarr_error(location, None, format!("reading {}", key.as_str()), e))?;
    let Some(bytes) = bytes else {
        return Ok(None);
    };
    let value: Value = serde_json::from_slice(&bytes)
        .or_else(|e| serde_json::from_slice(&mark_nonfinite(&bytes)).map_err(|_| e))
        .map_err(|e| {
            zarr_error(
                location,
                None,
                format!("{} is not valid JSON", key.as_str()),
                e,
            )
        })?;
    match value {
        Value::Object(m) => Ok(Some(m)),
        other => Err(format_error(
            location,
            None,
            format!(
                "{} must hold a JSON object, not {}",
                key.as_str(),
                json_kind(&other)
            ),
        )),
    }
}

/// Marks a string that stood for a bare `NaN`/`Infinity`/`-Infinity` token.
const NONFINITE: &str = "\u{1}xr-nonfinite:";

/// Python's `json` writes non-finite floats as bare `NaN`, `Infinity`, `-Infinity`
/// (zarr-python 2 and xarray attributes do); JSON has no such tokens. They become
/// marked strings that [`nonfinite`] reads back as numbers.
fn mark_nonfinite(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
        }
        let rest = &bytes[i..];
        if let Some(token) = ["NaN", "Infinity", "-Infinity"]
            .into_iter()
            .find(|t| rest.starts_with(t.as_bytes()))
        {
            out.extend_from_slice(format!("\"\\u0001xr-nonfinite:{token}\"").as_bytes());
            i += token.len();
            continue;
        }
        out.push(b);
        i += 1;
    }
    out
}

/// The number a marked non-finite token stands for.
fn nonfinite(v: &Value) -> Option<f64> {
    match v.as_str()?.strip_prefix(NONFINITE)? {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn object(v: Option<&Value>) -> Map<String, Value> {
    match v {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    }
}

/// Reads the group at `group` (`""` is the root): from consolidated metadata when
/// `consolidated` allows and the store has it, else by listing the store.
pub(crate) fn read_group(
    storages: &Storages,
    group: &str,
    consolidated: Option<bool>,
) -> Result<GroupMeta> {
    let loc = storages.location.as_str();
    let read = storages.read.as_ref();
    let prefix = group_prefix(group);
    let where_ = if prefix.is_empty() {
        "the store's root".to_string()
    } else {
        format!("group {:?}", group.trim_matches('/'))
    };
    if let Some(mut g) = get_json(read, loc, &key(loc, &prefix, "zarr.json")?)? {
        if g.get("node_type").and_then(Value::as_str) != Some("group") {
            return Err(format_error(
                loc,
                None,
                format!("{prefix}zarr.json is not a group's metadata (node_type is not \"group\")"),
            ));
        }
        let attrs = object(g.get("attributes"));
        let inline = g
            .remove("consolidated_metadata")
            .filter(|c| !c.is_null())
            .map(|c| object(c.get("metadata")));
        // A group under the root may be listed only in the root's consolidated metadata.
        let inline = match (inline, prefix.is_empty()) {
            (Some(m), _) => Some((m, String::new())),
            (None, false) => get_json(read, loc, &key(loc, "", "zarr.json")?)?
                .and_then(|root| root.get("consolidated_metadata").cloned())
                .filter(|c| !c.is_null())
                .map(|c| (object(c.get("metadata")), prefix.clone())),
            (None, true) => None,
        };
        let use_inline = consolidated != Some(false) && inline.is_some();
        if consolidated == Some(true) && !use_inline {
            return Err(format_error(
                loc,
                None,
                format!("no consolidated metadata in {where_} (asked for consolidated=true)"),
            ));
        }
        let arrays = match inline {
            Some((meta, under)) if use_inline => {
                v3_consolidated_arrays(loc, &meta, &under, &prefix)?
            }
            _ => list_arrays(storages, &prefix, ZarrFormat::V3)?,
        };
        return Ok(GroupMeta {
            format: ZarrFormat::V3,
            attrs,
            arrays,
        });
    }
    let zgroup = get_json(read, loc, &key(loc, &prefix, ".zgroup")?)?;
    let zmeta = if consolidated == Some(false) {
        None
    } else {
        match get_json(read, loc, &key(loc, &prefix, ".zmetadata")?)? {
            Some(m) => Some((m, String::new())),
            None if !prefix.is_empty() => {
                get_json(read, loc, &key(loc, "", ".zmetadata")?)?.map(|m| (m, prefix.clone()))
            }
            None => None,
        }
    };
    if zgroup.is_none() && zmeta.is_none() {
        return Err(format_error(
            loc,
            None,
            format!(
                "no Zarr group at {where_}: neither {prefix}zarr.json (v3) nor {prefix}.zgroup (v2) exists"
            ),
        ));
    }
    if consolidated == Some(true) && zmeta.is_none() {
        return Err(format_error(
            loc,
            None,
            format!("no .zmetadata in {where_} (asked for consolidated=true)"),
        ));
    }
    if let Some((m, under)) = zmeta {
        let meta = object(m.get("metadata"));
        // The root's consolidated metadata lists every group below it: one that is
        // not there does not exist (unless the store says otherwise).
        if zgroup.is_none() && !under.is_empty() && !meta.contains_key(&format!("{under}.zgroup")) {
            return Err(format_error(
                loc,
                None,
                format!(
                    "no Zarr group at {where_}: the consolidated metadata (.zmetadata) \
                     has no {under}.zgroup and {prefix}.zgroup does not exist"
                ),
            ));
        }
        let attrs = object(meta.get(&format!("{under}.zattrs")));
        return Ok(GroupMeta {
            format: ZarrFormat::V2,
            attrs,
            arrays: v2_consolidated_arrays(loc, &meta, &under, &prefix)?,
        });
    }
    let attrs = get_json(read, loc, &key(loc, &prefix, ".zattrs")?)?.unwrap_or_default();
    Ok(GroupMeta {
        format: ZarrFormat::V2,
        attrs,
        arrays: list_arrays(storages, &prefix, ZarrFormat::V2)?,
    })
}

/// A direct child's name of `under` in a consolidated key, if it is one.
fn child_name<'a>(key: &'a str, under: &str) -> Option<&'a str> {
    let rest = key.strip_prefix(under)?;
    (!rest.is_empty() && !rest.contains('/')).then_some(rest)
}

/// The node path of array `name` of the group at `prefix`.
fn node_path(prefix: &str, name: &str) -> String {
    format!("/{prefix}{name}")
}

/// The arrays listed in consolidated metadata under the key prefix `under` (`""` when
/// the metadata is the group's own, the group's prefix when it is the root's), for the
/// group at `prefix`.
fn v3_consolidated_arrays(
    loc: &str,
    meta: &Map<String, Value>,
    under: &str,
    prefix: &str,
) -> Result<Vec<ArrayMeta>> {
    let mut arrays = Vec::new();
    for (k, v) in meta {
        let Some(name) = child_name(k, under) else {
            continue;
        };
        let Value::Object(json) = v else {
            return Err(format_error(
                loc,
                Some(name),
                "consolidated metadata entry is not a JSON object",
            ));
        };
        if json.get("node_type").and_then(Value::as_str) == Some("array") {
            arrays.push(v3_array(name, &node_path(prefix, name), json.clone()));
        }
    }
    arrays.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(arrays)
}

fn v3_array(name: &str, path: &str, mut json: Map<String, Value>) -> ArrayMeta {
    let attrs = object(json.remove("attributes").as_ref());
    ArrayMeta {
        name: name.to_string(),
        path: path.to_string(),
        format: ZarrFormat::V3,
        json,
        attrs,
    }
}

fn v2_consolidated_arrays(
    loc: &str,
    meta: &Map<String, Value>,
    under: &str,
    prefix: &str,
) -> Result<Vec<ArrayMeta>> {
    let mut arrays = Vec::new();
    for (k, v) in meta {
        let Some(name) = k
            .strip_suffix("/.zarray")
            .and_then(|base| child_name(base, under))
        else {
            continue;
        };
        let Value::Object(json) = v else {
            return Err(format_error(
                loc,
                Some(name),
                ".zarray in .zmetadata is not a JSON object",
            ));
        };
        let attrs = object(meta.get(&format!("{under}{name}/.zattrs")));
        arrays.push(ArrayMeta {
            name: name.to_string(),
            path: node_path(prefix, name),
            format: ZarrFormat::V2,
            json: json.clone(),
            attrs,
        });
    }
    arrays.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(arrays)
}

/// Finds the arrays of the group at `prefix` by listing its children.
pub(crate) fn list_arrays(
    storages: &Storages,
    prefix: &str,
    format: ZarrFormat,
) -> Result<Vec<ArrayMeta>> {
    let loc = storages.location.as_str();
    let Some(list) = &storages.list else {
        return Err(format_error(
            loc,
            None,
            "the store has no consolidated metadata and cannot be listed, so its arrays \
             cannot be found; write it with consolidated metadata (xarray's default)",
        ));
    };
    let store_prefix = if prefix.is_empty() {
        StorePrefix::root()
    } else {
        StorePrefix::new(prefix)
            .map_err(|e| zarr_error(loc, None, format!("invalid group prefix {prefix}"), e))?
    };
    let children = list
        .list_dir(&store_prefix)
        .map_err(|e| zarr_error(loc, None, format!("listing {prefix:?}"), e))?;
    let read = storages.read.as_ref();
    let mut arrays = Vec::new();
    for child in children.prefixes() {
        let child_prefix = child.as_str();
        let name = child_prefix
            .strip_prefix(prefix)
            .unwrap_or(child_prefix)
            .trim_end_matches('/');
        if name.is_empty() {
            continue;
        }
        let path = format!("/{}", child_prefix.trim_end_matches('/'));
        match format {
            ZarrFormat::V3 => {
                if let Some(json) = get_json(read, loc, &key(loc, child_prefix, "zarr.json")?)? {
                    if json.get("node_type").and_then(Value::as_str) == Some("array") {
                        arrays.push(v3_array(name, &path, json));
                    }
                }
            }
            ZarrFormat::V2 => {
                if let Some(json) = get_json(read, loc, &key(loc, child_prefix, ".zarray")?)? {
                    let attrs = get_json(read, loc, &key(loc, child_prefix, ".zattrs")?)?
                        .unwrap_or_default();
                    arrays.push(ArrayMeta {
                        name: name.to_string(),
                        path,
                        format: ZarrFormat::V2,
                        json,
                        attrs,
                    });
                }
            }
        }
    }
    arrays.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(arrays)
}

/// The consolidated metadata of the group at `prefix`, from listing the store: every
/// node below it, arrays and groups, at any depth, keyed as zarr-python keys them (v3:
/// `"air"`, `"sub"`, `"sub/w"` to each node's `zarr.json`; v2: `"air/.zarray"`,
/// `"air/.zattrs"`, `"sub/.zgroup"`, ...).
pub(crate) fn consolidated_entries(
    storages: &Storages,
    prefix: &str,
    format: ZarrFormat,
) -> Result<Map<String, Value>> {
    let loc = storages.location.as_str();
    let Some(list) = &storages.list else {
        return Err(format_error(
            loc,
            None,
            "the store cannot be listed, so its metadata cannot be consolidated",
        ));
    };
    let read = storages.read.as_ref();
    let mut out = Map::new();
    let mut pending = vec![prefix.to_string()];
    while let Some(dir) = pending.pop() {
        let store_prefix = if dir.is_empty() {
            StorePrefix::root()
        } else {
            StorePrefix::new(dir.as_str())
                .map_err(|e| zarr_error(loc, None, format!("invalid prefix {dir}"), e))?
        };
        let children = list
            .list_dir(&store_prefix)
            .map_err(|e| zarr_error(loc, None, format!("listing {dir:?}"), e))?;
        for child in children.prefixes() {
            let child = child.as_str();
            let rel = child
                .strip_prefix(prefix)
                .unwrap_or(child)
                .trim_end_matches('/');
            match format {
                ZarrFormat::V3 => {
                    let Some(mut json) = get_json(read, loc, &key(loc, child, "zarr.json")?)?
                    else {
                        continue;
                    };
                    let is_group = json.get("node_type").and_then(Value::as_str) == Some("group");
                    if is_group {
                        json.remove("consolidated_metadata");
                        pending.push(child.to_string());
                    }
                    out.insert(rel.to_string(), Value::Object(json));
                }
                ZarrFormat::V2 => {
                    let mut found = false;
                    for name in [".zarray", ".zgroup", ".zattrs"] {
                        if let Some(json) = get_json(read, loc, &key(loc, child, name)?)? {
                            if name == ".zgroup" {
                                pending.push(child.to_string());
                            }
                            found |= name != ".zattrs";
                            out.insert(format!("{rel}/{name}"), Value::Object(json));
                        }
                    }
                    if !found {
                        out.retain(|k, _| !k.starts_with(&format!("{rel}/")));
                    }
                }
            }
        }
    }
    out.sort_keys();
    Ok(out)
}

/// A check that one metadata field reads as zarrs types it, to name the field it refuses.
type FieldCheck = fn(&Value) -> Option<serde_json::Error>;

/// The check that a field reads as a `$t`: its error, if it does not.
macro_rules! refused {
    ($t:ty) => {
        |v: &Value| serde_json::from_value::<$t>(v.clone()).err()
    };
}

/// The fields of `zarr.json` (v3) whose types zarrs checks, in document order.
const V3_FIELDS: [(&str, FieldCheck); 8] = [
    ("shape", refused!(ArrayShape)),
    ("data_type", refused!(MetadataV3)),
    ("chunk_grid", refused!(MetadataV3)),
    ("chunk_key_encoding", refused!(MetadataV3)),
    ("fill_value", refused!(FillValueMetadataV3)),
    ("codecs", refused!(Vec<MetadataV3>)),
    ("storage_transformers", refused!(Vec<MetadataV3>)),
    ("dimension_names", refused!(Option<Vec<DimensionName>>)),
];

/// The fields of `.zarray` (v2) whose types zarrs checks, in document order.
const V2_FIELDS: [(&str, FieldCheck); 8] = [
    ("shape", refused!(ArrayShape)),
    ("chunks", refused!(ChunkShape)),
    ("dtype", refused!(DataTypeMetadataV2)),
    ("compressor", refused!(Option<MetadataV2>)),
    ("fill_value", refused!(FillValueMetadataV3)),
    ("order", refused!(ArrayMetadataV2Order)),
    ("filters", refused!(Option<Vec<MetadataV2>>)),
    ("dimension_separator", refused!(ChunkKeySeparator)),
];

/// An array's size along each axis (`shape`, `chunks`) as `usize`.
fn usizes(
    meta: &ArrayMeta,
    location: &str,
    field: &str,
    values: impl IntoIterator<Item = u64>,
) -> Result<Vec<usize>> {
    values
        .into_iter()
        .map(|n| {
            usize::try_from(n).map_err(|e| meta.zarr_error(location, format!("field {field:?}"), e))
        })
        .collect()
}

impl ArrayMeta {
    pub fn error(&self, location: &str, reason: impl Into<String>) -> Error {
        format_error(location, Some(&self.name), reason)
    }

    /// A library's error on this array, with what was being done.
    pub fn zarr_error(
        &self,
        location: &str,
        doing: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        zarr_error(location, Some(&self.name), doing, source)
    }

    /// The metadata document's name (`zarr.json`, `.zarray`).
    fn document(&self) -> &'static str {
        match self.format {
            ZarrFormat::V3 => "zarr.json",
            ZarrFormat::V2 => ".zarray",
        }
    }

    /// The array's metadata, typed by zarrs (with its user attributes).
    ///
    /// # Errors
    /// [`Error::Zarr`] naming the field zarrs refuses, with serde's error as source.
    pub fn metadata(&self, location: &str) -> Result<ArrayMetadata> {
        let mut json = self.json.clone();
        if let Some(f) = json.remove("fill_value") {
            json.insert("fill_value".into(), plain_nonfinite(f));
        }
        if self.format == ZarrFormat::V3 {
            json.insert("attributes".into(), Value::Object(self.attrs.clone()));
        }
        let doc = Value::Object(json);
        let parsed = match self.format {
            ZarrFormat::V3 => {
                serde_json::from_value::<ArrayMetadataV3>(doc.clone()).map(ArrayMetadata::V3)
            }
            ZarrFormat::V2 => {
                serde_json::from_value::<ArrayMetadataV2>(doc.clone()).map(ArrayMetadata::V2)
            }
        };
        parsed.map_err(|whole| {
            let fields: &[(&str, FieldCheck)] = match self.format {
                ZarrFormat::V3 => &V3_FIELDS,
                ZarrFormat::V2 => &V2_FIELDS,
            };
            let culprit = fields
                .iter()
                .find_map(|(field, check)| doc.get(field).and_then(check).map(|e| (*field, e)));
            match culprit {
                Some((field, e)) => self.zarr_error(
                    location,
                    format!("malformed field {field:?} of {}", self.document()),
                    e,
                ),
                None => self.zarr_error(location, format!("malformed {}", self.document()), whole),
            }
        })
    }

    /// The array's shape.
    pub fn shape(&self, location: &str, md: &ArrayMetadata) -> Result<Vec<usize>> {
        let shape = match md {
            ArrayMetadata::V3(m) => &m.shape,
            ArrayMetadata::V2(m) => &m.shape,
        };
        usizes(self, location, "shape", shape.iter().copied())
    }

    /// The shape of the stored chunks (v3 shards when sharded).
    pub fn chunk_shape(&self, location: &str, md: &ArrayMetadata) -> Result<Vec<usize>> {
        let chunks: ChunkShape = match md {
            ArrayMetadata::V2(m) => m.chunks.clone(),
            ArrayMetadata::V3(m) => {
                if m.chunk_grid.name() != "regular" {
                    return Err(self.error(
                        location,
                        format!(
                            "chunk grid {:?} is not supported (only \"regular\")",
                            m.chunk_grid.name()
                        ),
                    ));
                }
                m.chunk_grid
                    .to_typed_configuration::<RegularChunkGridConfiguration>()
                    .map_err(|e| {
                        self.zarr_error(location, "malformed field \"chunk_grid\" of zarr.json", e)
                    })?
                    .chunk_shape
            }
        };
        usizes(
            self,
            location,
            "chunk_shape",
            chunks.iter().map(|n| n.get()),
        )
    }

    /// The inner chunk shape of a sharded v3 array.
    pub fn inner_chunk_shape(
        &self,
        location: &str,
        md: &ArrayMetadata,
    ) -> Result<Option<Vec<usize>>> {
        let ArrayMetadata::V3(m) = md else {
            return Ok(None);
        };
        let Some(first) = m.codecs.first().filter(|c| c.name() == "sharding_indexed") else {
            return Ok(None);
        };
        let config = first
            .to_typed_configuration::<ShardingCodecConfiguration>()
            .map_err(|e| {
                self.zarr_error(location, "malformed sharding codec in field \"codecs\"", e)
            })?;
        let ShardingCodecConfiguration::V1(c) = config else {
            return Err(self.error(location, "unsupported version of the sharding codec"));
        };
        usizes(
            self,
            location,
            "codecs",
            c.chunk_shape.iter().map(|n| n.get()),
        )
        .map(Some)
    }

    /// The dimension names: v3 `dimension_names`, else the `_ARRAY_DIMENSIONS`
    /// attribute that xarray writes, else NCZarr's dimension references (the last
    /// part of each path); a 0-d array needs none.
    pub fn dims(&self, location: &str, md: &ArrayMetadata, ndim: usize) -> Result<Vec<String>> {
        let named = match md {
            ArrayMetadata::V3(m) => m
                .dimension_names
                .as_ref()
                .and_then(|names| names.iter().cloned().collect::<Option<Vec<String>>>()),
            ArrayMetadata::V2(_) => None,
        };
        // `_ARRAY_DIMENSIONS` is xarray's convention, an attribute zarrs has no type for.
        let from_attr = || -> Option<Vec<String>> {
            self.attrs
                .get("_ARRAY_DIMENSIONS")?
                .as_array()?
                .iter()
                .map(|d| d.as_str().map(str::to_string))
                .collect()
        };
        let dims = named
            .or_else(from_attr)
            .or_else(|| self.nczarr_dims())
            .or_else(|| (ndim == 0).then(Vec::new))
            .ok_or_else(|| {
                self.error(
                    location,
                    "no dimension names: neither v3 dimension_names, nor the \
                     _ARRAY_DIMENSIONS attribute that xarray writes, nor NCZarr's \
                     _nczarr_array dimension references",
                )
            })?;
        if dims.len() != ndim {
            return Err(self.error(
                location,
                format!("{} dimension names {dims:?} for {ndim} axes", dims.len()),
            ));
        }
        Ok(dims)
    }

    /// NCZarr's dimensions: `_nczarr_array.dimension_references` among the attributes
    /// (netcdf-c 4.9 and later) or `_nczarr_array.dimrefs` in `.zarray` (before 4.9),
    /// each a path such as `"/grp/x"` whose last part names the dimension.
    fn nczarr_dims(&self) -> Option<Vec<String>> {
        let refs = [&self.attrs, &self.json].into_iter().find_map(|m| {
            let nczarr = m.get("_nczarr_array")?;
            nczarr
                .get("dimension_references")
                .or_else(|| nczarr.get("dimrefs"))?
                .as_array()
        })?;
        refs.iter()
            .map(|r| Some(r.as_str()?.rsplit('/').next()?.to_string()))
            .collect()
    }

    /// The data type, as `xr` holds it.
    pub fn dtype(&self, location: &str, md: &ArrayMetadata) -> Result<DType> {
        let field = match self.format {
            ZarrFormat::V3 => "data_type",
            ZarrFormat::V2 => "dtype",
        };
        let unsupported = |t: &str| {
            self.error(
                location,
                format!(
                    "unsupported Zarr data type {t} (field {field:?} of {})",
                    self.document()
                ),
            )
        };
        if let Some(d) = Stored::of(md).dtype() {
            return Ok(d);
        }
        match md {
            ArrayMetadata::V3(m) => match m.data_type.name() {
                "string" => Ok(DType::Str),
                t @ ("fixed_length_bytes" | "variable_length_bytes" | "bytes") => Err(self.error(
                    location,
                    format!(
                        "unsupported Zarr data type {t} (field {field:?} of {}): raw bytes, \
                         which xr has no type for",
                        self.document()
                    ),
                )),
                t => DType::from_zarr_v3(t)
                    .filter(|d| *d != DType::Str)
                    .ok_or_else(|| unsupported(t)),
            },
            ArrayMetadata::V2(m) => match &m.dtype {
                // numpy objects: zarr-python's strings when the filter says so.
                DataTypeMetadataV2::Simple(t) if t == "|O" => match object_codec(m) {
                    Some("vlen-utf8") => Ok(DType::Str),
                    Some(codec) => Err(self.error(
                        location,
                        format!(
                            "unsupported Zarr data type |O with object codec {codec:?} \
                             (field \"filters\" of .zarray): only vlen-utf8 strings are read"
                        ),
                    )),
                    None => Err(self.error(
                        location,
                        "unsupported Zarr data type |O without an object codec \
                         (vlen-utf8) in field \"filters\" of .zarray",
                    )),
                },
                // zarrs decodes either byte order; only the type matters here.
                DataTypeMetadataV2::Simple(t) => DType::from_zarr_v2(t)
                    .map(|(d, _)| d)
                    .ok_or_else(|| unsupported(t)),
                structured => Err(unsupported(&structured.to_string())),
            },
        }
    }

    /// The zarr `fill_value`, as a one-element array of `dtype` (`None` for null).
    pub fn fill_value(
        &self,
        location: &str,
        md: &ArrayMetadata,
        dtype: DType,
    ) -> Result<Option<NdArray>> {
        let fill = match md {
            ArrayMetadata::V3(m) => &m.fill_value,
            ArrayMetadata::V2(m) => &m.fill_value,
        };
        if fill.is_null() {
            return Ok(None);
        }
        typed_fill_value(fill, dtype)
            .map(Some)
            .ok_or_else(|| self.error(location, format!("invalid fill_value {fill}")))
    }
}

/// `md` as zarrs opens it: xarray writes `"<U"` strings with a null `fill_value`, which
/// zarrs refuses; an empty string is what such chunks hold when missing.
///
/// Types that zarrs does not read as `xr` holds them are replaced as
/// [`Stored::for_zarrs`] says; a v2 blosc behind filters that change the item size
/// shuffles the filters' items, as numcodecs does ([`retype`](super::codecs::blosc_typesize::retype)).
pub(crate) fn for_zarrs(mut md: ArrayMetadata) -> ArrayMetadata {
    let stored = Stored::of(&md);
    if let ArrayMetadata::V2(m) = &mut md {
        let object = matches!(&m.dtype, DataTypeMetadataV2::Simple(t) if t == "|O");
        if (stored == Stored::FixedUtf32 || object) && m.fill_value.is_null() {
            m.fill_value = FillValueMetadataV3::from("");
        }
    }
    stored.for_zarrs(&mut md);
    integral_fill_value(&mut md);
    if let ArrayMetadata::V2(m) = &mut md {
        super::codecs::blosc_typesize::retype(m);
    }
    md
}

/// A whole float fill value (`0.0`) on an integer array, as z5py writes it, becomes
/// the integer zarrs takes; xarray reads it as that integer too.
fn integral_fill_value(md: &mut ArrayMetadata) {
    let (integer, fill) = match md {
        ArrayMetadata::V2(m) => (
            matches!(&m.dtype, DataTypeMetadataV2::Simple(t)
                if DType::from_zarr_v2(t).is_some_and(|(d, _)| d.is_integer())),
            &mut m.fill_value,
        ),
        ArrayMetadata::V3(m) => (
            DType::from_zarr_v3(m.data_type.name()).is_some_and(DType::is_integer),
            &mut m.fill_value,
        ),
    };
    let FillValueMetadataV3::Number(n) = fill else {
        return;
    };
    if !integer || n.is_i64() || n.is_u64() {
        return;
    }
    // Only whole values within i64 are rewritten; anything else stays for zarrs to refuse.
    #[allow(clippy::cast_possible_truncation)]
    if let Some(x) = n.as_f64().filter(|x| x.fract() == 0.0 && x.abs() < 9.0e18) {
        *fill = FillValueMetadataV3::from(x as i64);
    }
}

/// The object codec of a v2 `"|O"` array: the id of its first filter that is one
/// (`vlen-utf8`, `vlen-bytes`, `vlen-array`, `json2`, `msgpack2`, `pickle`).
fn object_codec(m: &ArrayMetadataV2) -> Option<&str> {
    const OBJECT_CODECS: [&str; 6] = [
        "vlen-utf8",
        "vlen-bytes",
        "vlen-array",
        "json2",
        "msgpack2",
        "pickle",
    ];
    m.filters
        .iter()
        .flatten()
        .map(MetadataV2::id)
        .find(|id| OBJECT_CODECS.contains(id))
}

/// True for numpy's fixed-length unicode strings, as xarray writes `str` values:
/// v2 `"<U3"`, v3 `{"name": "fixed_length_utf32", ...}`.
pub(crate) fn fixed_utf32(md: &ArrayMetadata) -> bool {
    Stored::of(md) == Stored::FixedUtf32
}

/// A typed fill value as a one-element array of `dtype`.
fn typed_fill_value(v: &FillValueMetadataV3, dtype: DType) -> Option<NdArray> {
    match v {
        FillValueMetadataV3::Bool(b) => NdArray::from(vec![*b]).astype(dtype).ok(),
        FillValueMetadataV3::Number(n) => number_fill_value(n, dtype),
        FillValueMetadataV3::String(s) => str_fill_value(s, dtype),
        _ => None,
    }
}

/// A JSON fill value (number, `"NaN"`, `"Infinity"`, `"-Infinity"`, a v3 hex bit
/// pattern, a boolean) as a one-element array of `dtype`.
pub(crate) fn json_fill_value(v: &Value, dtype: DType) -> Option<NdArray> {
    match v {
        Value::Bool(b) => NdArray::from(vec![*b]).astype(dtype).ok(),
        Value::Number(n) => number_fill_value(n, dtype),
        Value::String(s) => str_fill_value(s, dtype),
        _ => None,
    }
}

fn number_fill_value(n: &serde_json::Number, dtype: DType) -> Option<NdArray> {
    let one = |a: NdArray| a.astype(dtype).ok();
    if let Some(i) = n.as_i64() {
        one(NdArray::from(vec![i]))
    } else if let Some(u) = n.as_u64() {
        one(NdArray::from(vec![u]))
    } else {
        one(NdArray::from(vec![n.as_f64()?]))
    }
}

fn str_fill_value(s: &str, dtype: DType) -> Option<NdArray> {
    let x = match s.trim_start_matches(NONFINITE) {
        "NaN" => f64::NAN,
        "Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        hex if hex.starts_with("0x") => {
            let bits = u64::from_str_radix(&hex[2..], 16).ok()?;
            match dtype {
                DType::F32 => f64::from(f32::from_bits(u32::try_from(bits).ok()?)),
                DType::F64 => f64::from_bits(bits),
                _ => return None,
            }
        }
        _ if dtype == DType::Str => return Some(NdArray::from(vec![s.to_string()])),
        _ => return None,
    };
    if dtype.is_float() {
        NdArray::from(vec![x]).astype(dtype).ok()
    } else {
        None
    }
}

/// A one-element array as a JSON fill value (`"NaN"` and the infinities as strings).
pub(crate) fn fill_value_json(a: &NdArray) -> Result<Value> {
    let v = attr_to_json(&AttrValue::Array(a.clone()))?;
    let v = match v {
        Value::Array(mut items) if items.len() == 1 => items.remove(0),
        other => other,
    };
    Ok(plain_nonfinite(v))
}

/// A marked non-finite value as Zarr's string for it (`"NaN"`, ...); others unchanged.
pub(crate) fn plain_nonfinite(v: Value) -> Value {
    match v.as_str().and_then(|s| s.strip_prefix(NONFINITE)) {
        Some(token) => Value::from(token),
        None => v,
    }
}

/// A JSON attribute value as `xr` holds it: text, or numbers (integers as `i64`,
/// others as `f64`), or a list of strings; anything else keeps its JSON text.
pub(crate) fn json_to_attr(v: &Value) -> AttrValue {
    if let Some(x) = nonfinite(v) {
        return AttrValue::Array(NdArray::from(vec![x]));
    }
    match v {
        Value::String(s) => AttrValue::Str(s.clone()),
        Value::Bool(b) => AttrValue::Array(NdArray::from(vec![*b])),
        Value::Number(_) => json_numbers(std::slice::from_ref(v))
            .map_or_else(|| AttrValue::Str(v.to_string()), AttrValue::Array),
        Value::Array(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|x| x.is_string() && nonfinite(x).is_none()) =>
        {
            AttrValue::Array(NdArray::from(
                items
                    .iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect::<Vec<_>>(),
            ))
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_boolean) => {
            AttrValue::Array(NdArray::from(
                items.iter().filter_map(Value::as_bool).collect::<Vec<_>>(),
            ))
        }
        Value::Array(items) => {
            json_numbers(items).map_or_else(|| AttrValue::Str(v.to_string()), AttrValue::Array)
        }
        _ => AttrValue::Str(v.to_string()),
    }
}

fn json_numbers(items: &[Value]) -> Option<NdArray> {
    if items.is_empty() {
        return None;
    }
    if let Some(ints) = items.iter().map(Value::as_i64).collect::<Option<Vec<_>>>() {
        return Some(NdArray::from(ints));
    }
    items
        .iter()
        .map(|x| x.as_f64().or_else(|| nonfinite(x)))
        .collect::<Option<Vec<_>>>()
        .map(NdArray::from)
}

/// True for the attributes that netcdf-c keeps for itself (`_nczarr_array`,
/// `_nczarr_attr`, `_NCProperties`, ...), which xarray does not show either.
pub(crate) fn is_netcdf_internal(key: &str) -> bool {
    key.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("_nc"))
}

/// Attributes from JSON, without the keys `skip` and netcdf-c's internal ones.
pub(crate) fn json_to_attrs(m: &Map<String, Value>, skip: &[&str]) -> Attrs {
    m.iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()) && !is_netcdf_internal(k))
        .map(|(k, v)| (k.clone(), json_to_attr(v)))
        .collect()
}

/// A float as JSON; non-finite values as marked strings, which [`to_json_text`] writes
/// as Python's bare tokens (attributes) and [`fill_value_json`] as Zarr's strings.
fn float_json(x: f64) -> Value {
    let token = if x.is_nan() {
        "NaN"
    } else if x == f64::INFINITY {
        "Infinity"
    } else if x == f64::NEG_INFINITY {
        "-Infinity"
    } else {
        return Value::from(x);
    };
    Value::from(format!("{NONFINITE}{token}"))
}

/// `value` as pretty JSON text, with non-finite attribute values as the bare `NaN`,
/// `Infinity`, `-Infinity` tokens that Python's `json` (zarr-python, xarray) reads and
/// writes.
pub(crate) fn to_json_text(value: &Value) -> serde_json::Result<Vec<u8>> {
    let mut text = String::from_utf8(serde_json::to_vec_pretty(value)?).unwrap_or_default();
    for token in ["-Infinity", "Infinity", "NaN"] {
        text = text.replace(&format!("\"\\u0001xr-nonfinite:{token}\""), token);
    }
    Ok(text.into_bytes())
}

/// An attribute as JSON: a single value for one-element arrays, a list otherwise;
/// non-finite floats as the strings Zarr uses.
pub(crate) fn attr_to_json(v: &AttrValue) -> Result<Value> {
    let a = match v {
        AttrValue::Str(s) => return Ok(Value::from(s.as_str())),
        AttrValue::Array(a) => a,
    };
    let items: Vec<Value> = match a {
        NdArray::Bool(x) => x.iter().map(|&b| Value::from(b)).collect(),
        NdArray::F32(x) => x.iter().map(|&f| float_json(f64::from(f))).collect(),
        NdArray::F64(x) => x.iter().map(|&f| float_json(f)).collect(),
        NdArray::Str(x) => x.iter().map(|s| Value::from(s.as_str())).collect(),
        ints => match_numeric!(ints, x => x.iter().map(|&n| Value::from(n)).collect(), other => {
            return Err(Error::UnsupportedDType {
                op: "writing a Zarr attribute".into(),
                dtype: other.dtype(),
            })
        }),
    };
    // Lists of strings stay lists: a single string is an `AttrValue::Str`.
    Ok(if items.len() == 1 && !matches!(a, NdArray::Str(_)) {
        items.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::Array(items)
    })
}

/// Standard base64: padded when written, padding optional when read (as xarray's
/// `FillValueCoder` and zarr-python accept it).
pub(crate) const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Standard base64 with padding.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

/// Decodes standard base64 (padding optional); `None` on any other character.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    BASE64.decode(text).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn base64_round_trips_the_fill_values_xarray_writes() {
        // xarray's FillValueCoder: NaN packed as a little-endian f64.
        assert_eq!(base64_encode(&f64::NAN.to_le_bytes()), "AAAAAAAA+H8=");
        let back = base64_decode("AAAAAAAA+H8=").unwrap();
        assert!(f64::from_le_bytes(back.try_into().unwrap()).is_nan());
        for n in 0..10u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base64_decode(&base64_encode(&bytes)).unwrap(), bytes);
        }
    }

    #[test]
    fn fill_values_parse_as_zarr_writes_them() {
        let f = json_fill_value(&Value::from("NaN"), DType::F32).unwrap();
        assert!(f.to_f64_vec().unwrap()[0].is_nan());
        let f = json_fill_value(&Value::from("0x7fc00000"), DType::F32).unwrap();
        assert!(f.to_f64_vec().unwrap()[0].is_nan());
        let f = json_fill_value(&Value::from(-999), DType::I16).unwrap();
        assert_eq!(f.dtype(), DType::I16);
        assert_eq!(f.to_f64_vec().unwrap(), [-999.0]);
        assert!(json_fill_value(&Value::from("oops"), DType::F64).is_none());
    }

    #[test]
    fn bare_nan_and_infinity_tokens_read_as_numbers() {
        let text = br#"{"a": NaN, "b": [1.5, -Infinity], "c": "NaN in \"text\"", "d": Infinity}"#;
        assert!(serde_json::from_slice::<Value>(text).is_err());
        let v: Map<String, Value> = serde_json::from_slice(&mark_nonfinite(text)).unwrap();
        let attrs = json_to_attrs(&v, &[]);
        assert!(attrs["a"].as_f64().unwrap().is_nan());
        let b = match &attrs["b"] {
            AttrValue::Array(a) => a.to_f64_vec().unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(b, [1.5, f64::NEG_INFINITY]);
        assert_eq!(attrs["c"].as_str(), Some("NaN in \"text\""));
        assert_eq!(attrs["d"].as_f64(), Some(f64::INFINITY));
        let f = json_fill_value(&v["a"], DType::F32).unwrap();
        assert!(f.to_f64_vec().unwrap()[0].is_nan());
    }
}
