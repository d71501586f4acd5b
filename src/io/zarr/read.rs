//! Opening Zarr stores: metadata, lazy chunk sources through zarrs, CF decoding.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;
use zarrs::array::{Array, ArrayMetadata, ArraySubset};
use zarrs::storage::ReadableStorageTraits;

use super::meta::{self, format_error, ArrayMeta, GroupMeta};
use super::store::{self, Access, StorageOptions, Storages};
use super::stored::Stored;
use super::ZarrFormat;
use crate::array::chunks::ChunkGrid;
use crate::array::{with_dtype, DType, Element, NdArray};
use crate::dataset::{AttrValue, Attrs, Compression, Dataset, Encoding, Variable};
use crate::error::{Error, Result};
use crate::io::cf::{self, DecodeOptions};
use crate::lazy::Data;
use crate::lazy::{ChunkSource, LazyArray};

/// Stored chunks (or shards) larger than this are read by their inner chunks.
const MAX_TASK_BYTES: usize = 16 << 20;
/// Small stored chunks are grouped into tasks of up to this many bytes.
const TARGET_TASK_BYTES: usize = 8 << 20;

/// Options for opening a Zarr store, built by [`Dataset::zarr`].
///
/// ```no_run
/// # fn main() -> xr::Result<()> {
/// let ds = xr::Dataset::zarr("out.zarr").decode_times(false).group("run1").open()?;
/// # let _ = ds;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct OpenZarr {
    location: String,
    decode: DecodeOptions,
    group: String,
    consolidated: Option<bool>,
    storage_options: StorageOptions,
    skip_unreadable: bool,
}

/// A variable that [`OpenZarr::skip_unreadable`] left out of a dataset, with why.
#[derive(Debug)]
pub struct SkippedVariable {
    /// The array's name in its group.
    pub name: String,
    /// Why it could not be read (its data type, a codec, its metadata).
    pub error: Error,
}

impl OpenZarr {
    /// Options for opening the store at `location` (a directory), with all CF
    /// decoding on and consolidated metadata used when present.
    pub fn new(location: impl AsRef<str>) -> Self {
        OpenZarr {
            location: location.as_ref().to_string(),
            decode: DecodeOptions::default(),
            group: String::new(),
            consolidated: None,
            storage_options: StorageOptions::default(),
            skip_unreadable: false,
        }
    }

    crate::io::cf::decode_option_setters!();

    /// Opens the group at `path` (`"a/b"` or `"/a/b"`; `"/"` is the root).
    pub fn group(mut self, path: &str) -> Self {
        self.group = path.trim_matches('/').to_string();
        self
    }

    /// `Some(true)`: require consolidated metadata; `Some(false)`: ignore it and list
    /// the store; `None` (the default): use it when present.
    pub fn consolidated(mut self, consolidated: Option<bool>) -> Self {
        self.consolidated = consolidated;
        self
    }

    /// Settings of a remote store (endpoint, credentials, ...), over the `AWS_*`
    /// environment variables; see [`StorageOptions`].
    pub fn storage_options(mut self, options: StorageOptions) -> Self {
        self.storage_options = options;
        self
    }

    /// `true`: a variable that cannot be read (a data type or codec that `xr` does not
    /// read, metadata that does not fit) is left out, with a warning on stderr naming
    /// each; `false` (the default): it is an error naming it.
    ///
    /// ```no_run
    /// # fn main() -> xr::Result<()> {
    /// let (ds, skipped) = xr::Dataset::zarr("mixed.zarr").skip_unreadable(true).open_with_skipped()?;
    /// for s in &skipped {
    ///     println!("{}: {}", s.name, s.error);
    /// }
    /// # let _ = ds;
    /// # Ok(())
    /// # }
    /// ```
    pub fn skip_unreadable(mut self, skip: bool) -> Self {
        self.skip_unreadable = skip;
        self
    }

    /// Opens the store like [`OpenZarr::open`], and returns the variables that
    /// [`OpenZarr::skip_unreadable`] left out (none unless it is on) instead of
    /// printing a warning.
    ///
    /// # Errors
    /// As [`OpenZarr::open`].
    pub fn open_with_skipped(&self) -> Result<(Dataset, Vec<SkippedVariable>)> {
        let storages = store::open_with(&self.location, Access::Read, &self.storage_options)?;
        open_group(
            &storages,
            &self.group,
            self.consolidated,
            &self.decode,
            self.skip_unreadable,
        )
    }

    /// Opens the store: metadata now, data variables lazily (one task per stored chunk,
    /// or per group of small chunks); dimension coordinates are read at once.
    ///
    /// # Errors
    /// [`Error::Io`] when there is no store at the location; [`Error::Format`] naming
    /// the store (and variable) for a missing group (also one that consolidated metadata
    /// does not list), metadata that does not fit, an array
    /// without dimension names, an unsupported data type, or a CF error (an unknown
    /// calendar, bad time units); [`Error::Zarr`] naming the store (and variable), with
    /// the library's error as its source, for a metadata document that is not JSON, a
    /// metadata field that zarrs refuses (the field named), a codec that zarrs refuses,
    /// or a failed read from the store. With [`OpenZarr::skip_unreadable`], a variable
    /// whose metadata, data type or codec fails is left out instead.
    pub fn open(&self) -> Result<Dataset> {
        let (ds, skipped) = self.open_with_skipped()?;
        if !skipped.is_empty() {
            let list: Vec<String> = skipped
                .iter()
                .map(|s| format!("  {}: {}", s.name, s.error))
                .collect();
            crate::warning::warn(format!(
                "{} variable(s) of {} skipped as unreadable:\n{}",
                skipped.len(),
                self.location,
                list.join("\n")
            ));
        }
        Ok(ds)
    }
}

/// Reads one Zarr array, region by region, through zarrs (which decodes the chunks of a
/// region in parallel). A missing chunk reads as the array's fill value.
pub struct ZarrSource {
    array: Array<dyn ReadableStorageTraits>,
    location: String,
    name: String,
    dtype: DType,
    /// How the stored values become `xr` values.
    stored: Stored,
    shape: Vec<usize>,
    grid: ChunkGrid,
    /// Set when the chunks are HDF5's filters, read without zarrs' codec chain.
    #[cfg(feature = "direct")]
    plain: Option<super::plain::Plain>,
}

impl fmt::Debug for ZarrSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ZarrSource({}: {})", self.location, self.name)
    }
}

pub(super) fn subset(region: &[Range<usize>]) -> ArraySubset {
    let ranges: Vec<Range<u64>> = region
        .iter()
        .map(|r| r.start as u64..r.end as u64)
        .collect();
    ArraySubset::new_with_ranges(&ranges)
}

/// Reads `region` of `array` as `dtype`.
fn retrieve(
    array: &Array<dyn ReadableStorageTraits>,
    dtype: DType,
    stored: Stored,
    region: &[Range<usize>],
) -> std::result::Result<NdArray, BoxError> {
    let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
    let subset = subset(region);
    fn typed<T: Element + zarrs::array::ElementOwned>(
        array: &Array<dyn ReadableStorageTraits>,
        subset: &ArraySubset,
        shape: &[usize],
    ) -> std::result::Result<NdArray, BoxError> {
        let v: Vec<T> = array.retrieve_array_subset(subset)?;
        Ok(NdArray::from_shape_vec(shape, v)?)
    }
    match dtype {
        _ if !stored.read_by_zarrs() => stored.retrieve(array, &subset, &shape),
        DType::Str if stored == Stored::FixedUtf32 => {
            let v: Vec<Vec<char>> = array.retrieve_array_subset(&subset)?;
            let v: Vec<String> = v.into_iter().map(|c| c.into_iter().collect()).collect();
            Ok(NdArray::from_shape_vec(&shape, v)?)
        }
        DType::Str => typed::<String>(array, &subset, &shape),
        d => with_dtype!(d, |T| typed::<T>(array, &subset, &shape), other => {
            Err(format!("cannot read Zarr values as {other}").into())
        }),
    }
}

/// A library's error (zarrs', or `xr`'s own when values do not fit), kept as a source.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl ZarrSource {
    /// The error for a failed read of `region`: the first stored chunk that fails on
    /// its own is named (a corrupt chunk), else the region's error as it came.
    fn read_error(&self, region: &[Range<usize>], source: BoxError) -> Error {
        let mut chunk = None;
        let mut source = source;
        if let Ok(Some(chunks)) = self.array.chunks_in_array_subset(&subset(region)) {
            for idx in chunks.indices().iter() {
                if let Err(e) = self.array.retrieve_chunk::<zarrs::array::ArrayBytes>(&idx) {
                    chunk = Some(idx.iter().map(|&i| i as usize).collect());
                    source = Box::new(e);
                    break;
                }
            }
        }
        let reason = if chunk.is_some() {
            "retrieving the chunk"
        } else {
            "retrieving the values"
        };
        Error::FileRead {
            file: self.location.clone(),
            var: self.name.clone(),
            chunk,
            reason: reason.to_string(),
            source: Some(source),
        }
    }
}

impl ChunkSource for ZarrSource {
    fn dtype(&self) -> DType {
        self.dtype
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn chunks(&self) -> &ChunkGrid {
        &self.grid
    }

    fn read(&self, region: &[Range<usize>]) -> Result<NdArray> {
        #[cfg(feature = "direct")]
        if let Some(read) = self
            .plain
            .as_ref()
            .and_then(|p| p.read(&self.array, self.dtype, &self.shape, region))
        {
            return read.map_err(|e| self.read_error(region, e));
        }
        retrieve(&self.array, self.dtype, self.stored, region)
            .map_err(|e| self.read_error(region, e))
    }

    fn label(&self) -> String {
        format!("{}: {}", self.location, self.name)
    }
}

/// The tasks of an array: its stored chunks (inner chunks when the stored chunks or
/// shards are over [`MAX_TASK_BYTES`]), small chunks grouped up to
/// [`TARGET_TASK_BYTES`], last dims first (they are contiguous in the output).
fn task_grid(
    shape: &[usize],
    stored: &[usize],
    inner: Option<&[usize]>,
    item: usize,
) -> Result<ChunkGrid> {
    let bytes = |c: &[usize]| c.iter().product::<usize>().saturating_mul(item.max(1));
    let mut chunk: Vec<usize> = match inner {
        Some(inner) if bytes(stored) > MAX_TASK_BYTES && inner.len() == stored.len() => {
            inner.to_vec()
        }
        _ => stored.to_vec(),
    };
    for c in &mut chunk {
        *c = (*c).max(1);
    }
    for d in (0..chunk.len()).rev() {
        let now = bytes(&chunk);
        let blocks = shape[d].div_ceil(chunk[d]);
        let factor = (TARGET_TASK_BYTES / now.max(1)).min(blocks).max(1);
        chunk[d] *= factor;
        // Grouping stops at the first dim not grouped whole: further out, groups
        // would not be rectangular in storage order.
        if chunk[d] < shape[d] {
            break;
        }
    }
    ChunkGrid::regular(shape, &chunk)
}

/// The zarrs array of `meta`, reading through `storage`.
pub(super) fn zarrs_array<S: ?Sized>(
    storage: Arc<S>,
    location: &str,
    meta: &ArrayMeta,
) -> Result<Array<S>> {
    array_with_metadata(storage, location, meta, meta.metadata(location)?)
}

/// The zarrs array of `meta`, already typed as `md`, reading through `storage`.
fn array_with_metadata<S: ?Sized>(
    storage: Arc<S>,
    location: &str,
    meta: &ArrayMeta,
    md: ArrayMetadata,
) -> Result<Array<S>> {
    Array::new_with_metadata(storage, &meta.path, meta::for_zarrs(md))
        .map_err(|e| meta.zarr_error(location, "cannot open the array", e))
}

/// One array as an undecoded variable: dims, data (lazy unless a dimension coordinate
/// or 0-d), attrs as xarray presents them, encoding as stored.
/// The largest chunk (decoded, in bytes) a Zarr array may declare.
const MAX_CHUNK_BYTES: usize = 4 << 30;

fn raw_variable(storages: &Storages, meta: &ArrayMeta) -> Result<Variable> {
    let loc = storages.location.as_str();
    let md = meta.metadata(loc)?;
    let dtype = meta.dtype(loc, &md)?;
    let shape = meta.shape(loc, &md)?;
    let dims = meta.dims(loc, &md, shape.len())?;
    let stored = meta.chunk_shape(loc, &md)?;
    if stored.len() != shape.len() {
        return Err(meta.error(
            loc,
            format!("chunk shape {stored:?} does not fit the array shape {shape:?}"),
        ));
    }
    let inner = meta.inner_chunk_shape(loc, &md)?;
    // A chunk is decoded whole: one larger than this is refused here rather than
    // aborting the process when its buffer cannot be allocated.
    let decoded = inner.as_ref().unwrap_or(&stored);
    let chunk_bytes = decoded
        .iter()
        .try_fold(dtype.size().max(1), |n, &d| n.checked_mul(d));
    if chunk_bytes.is_none_or(|n| n > MAX_CHUNK_BYTES) {
        return Err(meta.error(
            loc,
            format!(
                "a chunk of shape {decoded:?} ({}) is larger than the {} GiB xr decodes at once",
                dtype.name(),
                MAX_CHUNK_BYTES >> 30
            ),
        ));
    }
    let kind = Stored::of(&md);
    // A raw datetime64's fill value is its integer (NaT), as xarray shows it.
    let fill_dtype = match kind {
        Stored::Datetime64(_) | Stored::Timedelta64(_) => DType::I64,
        _ => dtype,
    };
    let fill = meta.fill_value(loc, &md, fill_dtype)?;
    let mut encoding = Encoding::default();
    match &md {
        ArrayMetadata::V2(m) => {
            encoding.compression = m
                .compressor
                .as_ref()
                .map(|c| json_text(meta, loc, "compressor", serde_json::to_string(c)))
                .transpose()?
                .map(Compression::ZarrV2);
            encoding.filters = m
                .filters
                .as_ref()
                .map(|f| json_text(meta, loc, "filters", serde_json::to_string(f)))
                .transpose()?;
        }
        ArrayMetadata::V3(m) => {
            encoding.codecs = Some(json_text(
                meta,
                loc,
                "codecs",
                serde_json::to_string(&m.codecs),
            )?);
        }
    }
    #[cfg(feature = "direct")]
    let plain = (kind == Stored::Native)
        .then(|| super::plain::Plain::of(&md, dtype, Arc::clone(&storages.read)))
        .flatten();
    let array = array_with_metadata(Arc::clone(&storages.read), loc, meta, md)?;

    let mut attrs = meta::json_to_attrs(&meta.attrs, &["_ARRAY_DIMENSIONS"]);
    match meta.format {
        ZarrFormat::V2 => {
            // Zarr v2's fill_value is the CF _FillValue (xarray's
            // use_zarr_fill_value_as_mask for v2 stores).
            // Not for raw timedeltas: xarray shows NaT, which is what missing
            // timedeltas are without it.
            if let Some(f) = fill.filter(|_| !matches!(kind, Stored::Timedelta64(_))) {
                attrs.insert("_FillValue".into(), AttrValue::Array(f));
            }
        }
        ZarrFormat::V3 => {
            // The CF _FillValue is an attribute of its own, floats base64-encoded.
            if let Some(v) = meta.attrs.get("_FillValue") {
                let decoded = v3_cf_fill(v, dtype)
                    .ok_or_else(|| meta.error(loc, format!("invalid _FillValue attribute {v}")))?;
                attrs.insert("_FillValue".into(), AttrValue::Array(decoded));
            }
            // A raw timedelta's is NaT, which writing it as numbers does not take.
            if !matches!(kind, Stored::Timedelta64(_)) {
                encoding.zarr_fill_value = fill.map(AttrValue::Array);
            }
        }
    }
    encoding.chunks = Some(inner.clone().unwrap_or_else(|| stored.clone()));
    if inner.is_some() {
        encoding.shards = Some(stored.clone());
    }
    if dtype.is_numeric() || dtype == DType::Bool {
        encoding.dtype = Some(dtype);
    }
    encoding.source = Some(loc.to_string());

    let item = if dtype == DType::Str {
        16
    } else {
        dtype.size()
    };
    let source = ZarrSource {
        array,
        location: loc.to_string(),
        name: meta.path.trim_start_matches('/').to_string(),
        dtype,
        stored: kind,
        grid: task_grid(&shape, &stored, inner.as_deref(), item)?,
        shape: shape.clone(),
        #[cfg(feature = "direct")]
        plain,
    };
    let is_index = dims.len() == 1 && dims[0] == meta.name;
    let data: Data = if is_index || shape.is_empty() {
        let full: Vec<Range<usize>> = shape.iter().map(|&n| 0..n).collect();
        Data::Eager(source.read(&full)?)
    } else {
        Data::Lazy(LazyArray::from_source(Arc::new(source)))
    };
    Ok(Variable::new(&dims, data)
        .map_err(|e| meta.error(loc, e.to_string()))?
        .with_attrs(attrs)
        .with_encoding(encoding))
}

/// A metadata field as JSON text, as an encoding keeps it.
fn json_text(
    meta: &ArrayMeta,
    location: &str,
    field: &str,
    text: serde_json::Result<String>,
) -> Result<String> {
    text.map_err(|e| meta.zarr_error(location, format!("writing field {field:?} as JSON"), e))
}

/// A v3 `_FillValue` attribute as xarray writes it (floats: base64 of a little-endian
/// f64; others: the number), as a one-element array of `dtype`.
fn v3_cf_fill(v: &Value, dtype: DType) -> Option<NdArray> {
    match (v, dtype.is_float()) {
        (Value::String(s), true) => match meta::json_fill_value(v, dtype) {
            Some(a) => Some(a),
            None => {
                let bytes: [u8; 8] = meta::base64_decode(s)?.try_into().ok()?;
                NdArray::from(vec![f64::from_le_bytes(bytes)])
                    .astype(dtype)
                    .ok()
            }
        },
        _ => meta::json_fill_value(v, dtype),
    }
}

/// Opens the group `group` of an opened store; every variable must be readable.
pub(crate) fn open_storages(
    storages: &Storages,
    group: &str,
    consolidated: Option<bool>,
    options: &DecodeOptions,
) -> Result<Dataset> {
    open_group(storages, group, consolidated, options, false).map(|(ds, _)| ds)
}

/// Opens the root group of a store held in memory, made of `files` (key, bytes), and
/// computes every variable: the whole read path without a filesystem, for the fuzz
/// targets.
///
/// # Errors
/// As [`OpenZarr::open`], and any error of reading a chunk.
pub(crate) fn open_memory(files: &[(&str, &[u8])]) -> Result<Dataset> {
    use zarrs::storage::store::MemoryStore;
    use zarrs::storage::{StoreKey, WritableStorageTraits};
    super::codecs::register();
    let store = Arc::new(MemoryStore::new());
    for (key, bytes) in files {
        let Ok(key) = StoreKey::new(*key) else {
            continue;
        };
        store
            .set(&key, zarrs::storage::Bytes::copy_from_slice(bytes))
            .map_err(|e| Error::internal(format!("memory store: {e}")))?;
    }
    let storages = Storages {
        read: Arc::clone(&store) as _,
        list: Some(Arc::clone(&store) as _),
        write: None,
        location: "memory".into(),
    };
    let ds = open_storages(&storages, "", None, &DecodeOptions::default())?;
    // Metadata may declare any size: arrays too large to hold are opened, not read.
    for (_, var) in ds.variables() {
        let bytes = var
            .shape()
            .iter()
            .try_fold(var.dtype().size(), |n, &d| n.checked_mul(d));
        if bytes.is_some_and(|n| n <= 64 << 20) {
            var.data().compute()?;
        }
    }
    Ok(ds)
}

/// Opens the group `group` of an opened store, leaving out the variables that cannot
/// be read when `skip_unreadable`.
pub(super) fn open_group(
    storages: &Storages,
    group: &str,
    consolidated: Option<bool>,
    options: &DecodeOptions,
    skip_unreadable: bool,
) -> Result<(Dataset, Vec<SkippedVariable>)> {
    let loc = storages.location.as_str();
    let group_meta: GroupMeta = meta::read_group(storages, group, consolidated)?;
    let mut variables = IndexMap::new();
    let mut skipped = Vec::new();
    for array in &group_meta.arrays {
        match raw_variable(storages, array) {
            Ok(v) => {
                variables.insert(array.name.clone(), v);
            }
            Err(error) if skip_unreadable => skipped.push(SkippedVariable {
                name: array.name.clone(),
                error,
            }),
            Err(e) => return Err(e),
        }
    }
    let (mut variables, coords) =
        cf::decode_variables(variables, options).map_err(|e| match e {
            Error::Cf { variable, reason } => format_error(loc, Some(&variable), reason),
            other => format_error(loc, None, other.to_string()),
        })?;
    // Raw datetime64/timedelta64 values are stored as themselves: no number dtype to
    // write them back in (CF decoding records the values' own type), so that writing
    // encodes them as xarray does (numbers of inferred units).
    for v in variables.values_mut() {
        let encoding = v.encoding_mut();
        if matches!(encoding.dtype, Some(DType::DateTime(_) | DType::TimeDelta)) {
            encoding.dtype = None;
        }
    }
    let mut attrs: Attrs = group_meta
        .attrs
        .iter()
        .filter(|(k, _)| !meta::is_netcdf_internal(k))
        .map(|(k, v)| (k.clone(), meta::json_to_attr(v)))
        .collect();
    let mut coords = coords;
    coords.extend(cf::global_coordinates(&mut attrs, options));
    coords.retain(|c| variables.contains_key(c));
    let ds = Dataset::from_parts(variables, coords, attrs)
        .map_err(|e| format_error(loc, None, e.to_string()))?;
    Ok((ds, skipped))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn fixture(name: &str) -> String {
        format!("{}/tests/data/zarr/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    /// A store that can only be read, like plain HTTP: no listing, no writing.
    fn read_only(location: &str) -> Storages {
        let all = store::open(location, Access::Read).unwrap();
        Storages {
            read: Arc::clone(&all.read),
            list: None,
            write: None,
            location: all.location,
        }
    }

    #[test]
    fn stores_that_cannot_list_need_consolidated_metadata() {
        let options = DecodeOptions::default();
        let ds = open_storages(
            &read_only(&fixture("v3_consolidated.zarr")),
            "",
            None,
            &options,
        )
        .unwrap();
        assert_eq!(ds.dim_size("time").unwrap(), 6);
        let ds = open_storages(
            &read_only(&fixture("v2_consolidated.zarr")),
            "",
            None,
            &options,
        )
        .unwrap();
        assert!(ds.variable("packed").is_ok());
        let err = open_storages(&read_only(&fixture("v3_plain.zarr")), "", None, &options)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("v3_plain.zarr") && err.contains("cannot be listed"),
            "{err}"
        );
    }

    #[test]
    fn small_chunks_are_grouped_last_dims_first() {
        // 4 x 90 x 90 f32 chunks (130 kB) of a 100 x 180 x 360 array: whole rows of
        // lon and lat, then 8 chunks (32 steps) of time = 8.3 MB per task.
        let g = task_grid(&[100, 180, 360], &[4, 90, 90], None, 4).unwrap();
        assert_eq!(g.sizes()[2], vec![360]);
        assert_eq!(g.sizes()[1], vec![180]);
        assert_eq!(g.sizes()[0][0], 4 * 8);
        // Big chunks stay as stored.
        let g = task_grid(&[100, 1000, 1000], &[10, 1000, 1000], None, 4).unwrap();
        assert_eq!(g.sizes()[0], vec![10; 10]);
        // Big shards are read by inner chunk.
        let g = task_grid(
            &[64, 1024, 1024],
            &[32, 1024, 1024],
            Some(&[1, 1024, 1024]),
            4,
        )
        .unwrap();
        assert_eq!(g.sizes()[0][0], 2);
    }
}
