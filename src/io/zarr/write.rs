//! Writing datasets to Zarr: CF encoding from [`crate::io::cf`], array metadata as
//! xarray writes it, data written chunk by chunk (lazy data in parallel, never loaded
//! whole), modes w / w- / a / r+, `append_dim` and `region`, consolidated metadata.
//!
//! Order of writes: all chunk data first, then each array's metadata, then the group's
//! metadata (with the consolidated metadata) last. A store whose write failed thus
//! never has a group (mode w) or keeps its old shapes (append, region): it does not
//! claim to hold data that was not written.
//!
//! Under an executor of several ranks (SPMD: `MpiExecutor`, `mpi` feature), every rank
//! calls [`ToZarr::write_with`] with the same dataset, and the same order holds across
//! the job: every rank checks and plans from the store as it is; rank 0 alone removes a
//! replaced store and writes the in-memory variables; every lazy chunk is written by the
//! rank that computed it (the executor's placement); rank 0 alone writes the metadata,
//! once, after every chunk. Each step ends with a vote of all ranks
//! ([`Executor::all_ranks_ok`]), so a step starts only when the previous one is done on
//! every rank, and an error on one rank ends the write on all of them.

use std::collections::HashMap;
use std::num::NonZeroU64;
use std::ops::Range;
use std::str::FromStr;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{json, Map, Value};
use zarrs::array::{Array, ArrayMetadataV2, ArrayMetadataV3, ArraySubset};
use zarrs::metadata::v2::{DataTypeMetadataV2, MetadataV2};
use zarrs::metadata::v3::MetadataV3;
use zarrs::storage::{
    Bytes, ReadableWritableListableStorage, ReadableWritableListableStorageTraits, StorePrefix,
};

use super::codecs;
use super::meta::{self, format_error, group_prefix, zarr_error, ArrayMeta};
use super::read::{open_storages, zarrs_array};
use super::store::{self, Access, StorageOptions, Storages};
use super::ZarrFormat;
use crate::array::chunks::ChunkGrid;
use crate::array::{match_numeric, ByteOrder, DType, NdArray};
use crate::dataset::{AttrValue, Compression, Dataset, Encoding, Variable};
use crate::dist::{Executor, LocalExecutor, TaskGraph, TaskId, TaskValue};
use crate::error::{Error, Result};
use crate::io::cf::{self, DecodeOptions};
use crate::lazy::lower::Lowering;
use crate::lazy::{Data, LazyArray};

type WritableArray = Array<dyn ReadableWritableListableStorageTraits>;

/// Chunks chosen for in-memory variables without a `chunks` encoding hold at most
/// about this many bytes.
const AUTO_CHUNK_BYTES: usize = 4 << 20;

/// What `to_zarr` does with an existing store (xarray's `mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ZarrMode {
    /// `"w"`: create the store, replacing an existing one.
    Write,
    /// `"w-"`: create the store; an existing one is an error.
    Create,
    /// `"a"`: add or overwrite variables, or append along `append_dim`; creates the
    /// store when missing.
    Append,
    /// `"r+"`: modify existing arrays only (region writes).
    Modify,
}

impl FromStr for ZarrMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "w" => ZarrMode::Write,
            "w-" => ZarrMode::Create,
            "a" => ZarrMode::Append,
            "r+" => ZarrMode::Modify,
            other => {
                return Err(Error::invalid_argument(
                    "mode",
                    format!("Zarr write mode {other:?}: expected \"w\", \"w-\", \"a\" or \"r+\""),
                ))
            }
        })
    }
}

/// Options for writing a dataset to a Zarr store, built by [`Dataset::write_zarr`].
///
/// Per-variable [`Encoding`] (the variable's own, overridden field by field by
/// [`ToZarr::encoding`]): `dtype`, `fill_value`, `scale_factor`, `add_offset`, `units`,
/// `calendar`, `chunks`, `shards` (v3), `zarr_fill_value` (v3), `codecs` (v3, JSON),
/// `compression` (`Zstd`, `Gzip`, `Blosc`, `None`, or v2 JSON) and `filters` (v2 JSON).
/// The array metadata is built with zarrs' `ArrayMetadataV3`/`ArrayMetadataV2`.
///
/// ```
/// # fn main() -> xr::Result<()> {
/// use xr::io::zarr::ZarrMode;
/// let ds = xr::Dataset::new().with_coord("t", xr::Variable::new(&["t"], vec![0i64, 1, 2])?)?;
/// let out = std::env::temp_dir().join(format!("xr_doc_{}.zarr", std::process::id()));
/// let out = out.to_str().unwrap_or_default();
/// ds.write_zarr(out).mode(ZarrMode::Write).write()?;
/// let more = xr::Dataset::new().with_coord("t", xr::Variable::new(&["t"], vec![3i64, 4])?)?;
/// more.write_zarr(out).append_dim("t").write()?;
/// assert_eq!(xr::Dataset::open_zarr(out)?.dim_size("t")?, 5);
/// # std::fs::remove_dir_all(out).ok();
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ToZarr<'a> {
    dataset: &'a Dataset,
    location: String,
    mode: Option<ZarrMode>,
    append_dim: Option<String>,
    region: IndexMap<String, Range<usize>>,
    format: ZarrFormat,
    consolidated: bool,
    group: String,
    encoding: IndexMap<String, Encoding>,
    storage_options: StorageOptions,
}

/// A write checked and planned, before anything is written.
struct Prepared {
    store: ReadableWritableListableStorage,
    format: ZarrFormat,
    /// The group's key prefix.
    prefix: String,
    plans: Vec<Plan>,
    /// Per plan, how its values are written.
    writes: Vec<Writes>,
    /// The one graph that computes every lazy variable's chunks and writes each where it
    /// was computed (`None` when no variable is lazy).
    lazy: Option<TaskGraph>,
    /// Whether the existing group is removed first (mode `w`).
    erase: bool,
    /// The group's attributes to write.
    attrs: Map<String, Value>,
}

/// How one variable's values are written.
enum Writes {
    /// Nothing to write (a variable with a zero-length dim).
    Nothing,
    /// In-memory values, written whole (by rank 0) into this array.
    Eager(Arc<WritableArray>),
    /// Lazy values, computed and written by the tasks of [`Prepared::lazy`].
    Lazy,
}

/// The graph of a write's lazy variables, as it is built.
struct LazyWrites {
    lowering: Lowering,
    /// The write tasks, the graph's outputs (empty values).
    writes: Vec<TaskId>,
}

/// Where and how one variable is written.
struct Plan {
    name: String,
    /// The CF-encoded variable (on-disk dtype and attrs).
    var: Variable,
    /// The array metadata to write (with the final shape).
    meta: ArrayMeta,
    /// Where the variable's values start in the array.
    offset: Vec<usize>,
}

impl<'a> ToZarr<'a> {
    /// Options for writing `dataset` to the store at `location`: mode `w-` (unless
    /// `append_dim` or `region` is set), Zarr v3, consolidated metadata.
    pub fn new(dataset: &'a Dataset, location: impl AsRef<str>) -> Self {
        ToZarr {
            dataset,
            location: location.as_ref().to_string(),
            mode: None,
            append_dim: None,
            region: IndexMap::new(),
            format: ZarrFormat::V3,
            consolidated: true,
            group: String::new(),
            encoding: IndexMap::new(),
            storage_options: StorageOptions::default(),
        }
    }

    /// The write mode (see [`ZarrMode`]; `"w"`, `"w-"`, `"a"`, `"r+"` parse into it).
    pub fn mode(mut self, mode: ZarrMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Appends along `dim` to the arrays of an existing store (mode `a`); variables
    /// without `dim` are overwritten.
    pub fn append_dim(mut self, dim: &str) -> Self {
        self.append_dim = Some(dim.to_string());
        self
    }

    /// Writes the dataset into `range` of `dim` of existing arrays (mode `r+`); every
    /// variable must have at least one of the region's dims.
    pub fn region(mut self, dim: &str, range: Range<usize>) -> Self {
        self.region.insert(dim.to_string(), range);
        self
    }

    /// The Zarr format of a new store (default v3). Appends keep the store's format.
    pub fn zarr_format(mut self, format: ZarrFormat) -> Self {
        self.format = format;
        self
    }

    /// Writes consolidated metadata (default true): `.zmetadata` for v2, the
    /// `consolidated_metadata` of the group's `zarr.json` for v3, as zarr-python does.
    pub fn consolidated(mut self, on: bool) -> Self {
        self.consolidated = on;
        self
    }

    /// Writes into the group at `path` (`"a/b"`), creating the groups on the way.
    pub fn group(mut self, path: &str) -> Self {
        self.group = path.trim_matches('/').to_string();
        self
    }

    /// Encoding for variable `name`, merged over the variable's own (its set fields win).
    pub fn encoding(mut self, name: &str, encoding: Encoding) -> Self {
        self.encoding.insert(name.to_string(), encoding);
        self
    }

    /// Settings of a remote store (endpoint, credentials, ...), over the `AWS_*`
    /// environment variables; see [`StorageOptions`].
    pub fn storage_options(mut self, options: StorageOptions) -> Self {
        self.storage_options = options;
        self
    }

    fn err(&self, variable: Option<&str>, reason: impl Into<String>) -> Error {
        format_error(&self.location, variable, reason)
    }

    fn zarr_err(&self, variable: Option<&str>, doing: &str, source: impl Into<BoxError>) -> Error {
        zarr_error(&self.location, variable, doing, source)
    }

    fn effective_mode(&self) -> ZarrMode {
        self.mode.unwrap_or(if self.append_dim.is_some() {
            ZarrMode::Append
        } else if !self.region.is_empty() {
            ZarrMode::Modify
        } else {
            ZarrMode::Create
        })
    }

    /// Writes the store. Lazy variables are computed chunk by chunk in parallel, each
    /// chunk written by the task that computed it.
    ///
    /// # Errors
    /// [`Error::Format`] naming the store (and variable) when mode `w-` meets an existing
    /// store, an append or region does not fit the existing arrays, a lazy chunk would
    /// straddle two Zarr chunks (two tasks writing one chunk), lazy chunks are not
    /// uniform, or the encoding cannot be applied; [`Error::Zarr`] naming the store (and
    /// variable), with the library's error as its source, when zarrs refuses the
    /// metadata or the store fails to read, write or remove a key; [`Error::Io`] when the
    /// store cannot be created; the first failing chunk's error for lazy data.
    pub fn write(&self) -> Result<()> {
        self.write_with(&LocalExecutor::default())
    }

    /// Writes the store, the lazy chunks computed and written by `executor`'s tasks.
    ///
    /// With an executor of several ranks (`MpiExecutor`, `mpi` feature), every rank calls
    /// it with the same dataset and store: each chunk is written by the rank that computed
    /// it, and only tiny per-task results travel; rank 0 removes a replaced store and
    /// writes the in-memory variables before any chunk, and writes the metadata (arrays,
    /// attributes, coordinates, consolidated metadata) once, after every chunk. It returns
    /// on every rank when the store is complete.
    ///
    /// # Errors
    /// As [`ToZarr::write`]. Under several ranks, an error of one rank before or after the
    /// chunk writes is returned on that rank, and on the others as an error saying that
    /// another rank failed; a failing chunk task ends the whole job (the executor aborts).
    pub fn write_with(&self, executor: &dyn Executor) -> Result<()> {
        let storages = store::open_with(&self.location, Access::Write, &self.storage_options);
        if !executor.all_ranks_ok(storages.is_ok()) {
            return Err(storages
                .err()
                .unwrap_or_else(|| self.another_rank_failed("open")));
        }
        self.write_to(&storages?, executor)
    }

    /// The error of a rank whose own step went well while another rank's failed.
    fn another_rank_failed(&self, step: &str) -> Error {
        self.err(
            None,
            format!("another rank of the job failed to {step} the store (see its error)"),
        )
    }

    /// Ends a step of the write on every rank: `Ok` when it went well on all of them.
    fn vote<T>(&self, executor: &dyn Executor, step: &str, result: Result<T>) -> Result<T> {
        if executor.all_ranks_ok(result.is_ok()) {
            return result;
        }
        Err(match result {
            Err(e) => e,
            Ok(_) => self.another_rank_failed(step),
        })
    }

    /// Writes into an opened store.
    fn write_to(&self, storages: &Storages, executor: &dyn Executor) -> Result<()> {
        let root = executor.rank() == 0;
        // Every rank: checks and plans from the store as it is (nothing written yet).
        let prepared = self.vote(executor, "plan", self.prepare(storages))?;
        let Prepared {
            store,
            format,
            prefix,
            plans,
            writes,
            lazy,
            erase,
            attrs,
        } = prepared;
        // Rank 0: the replaced store removed, the in-memory variables written.
        let step = if root {
            self.write_eager(&store, &prefix, erase, &plans, &writes)
        } else {
            Ok(())
        };
        self.vote(executor, "write", step)?;
        // Every rank: the lazy chunks of all variables in one graph, run once, each
        // written where it was computed.
        if let Some(graph) = lazy {
            executor.execute(graph)?;
        }
        // Rank 0: the metadata, once every chunk is written.
        let step = if root {
            self.write_meta(storages, &store, format, &prefix, &plans, attrs)
        } else {
            Ok(())
        };
        self.vote(executor, "finish", step)
    }

    /// Checks the options against the store, encodes every variable and prepares its
    /// writes; writes nothing.
    fn prepare(&self, storages: &Storages) -> Result<Prepared> {
        let store = storages.write.clone().ok_or_else(|| {
            self.err(
                None,
                "the store is read-only; Zarr writes need a writable store",
            )
        })?;
        let mode = self.effective_mode();
        if let Some(dim) = &self.append_dim {
            if !self.region.is_empty() {
                return Err(self.err(None, "append_dim and region cannot be used together"));
            }
            if matches!(mode, ZarrMode::Write | ZarrMode::Create | ZarrMode::Modify) {
                return Err(self.err(
                    None,
                    format!("append_dim {dim:?} needs mode \"a\", not {mode:?}"),
                ));
            }
        }
        if !self.region.is_empty() && matches!(mode, ZarrMode::Write | ZarrMode::Create) {
            return Err(self.err(None, "region writes need mode \"a\" or \"r+\""));
        }
        let prefix = group_prefix(&self.group);
        let existing = group_exists(storages, &prefix)?;
        match mode {
            ZarrMode::Create if existing => {
                return Err(self.err(
                    None,
                    "a Zarr store (group) already exists here; mode \"w-\" never replaces \
                     one: use mode \"w\" to replace it or \"a\" to add to it",
                ))
            }
            ZarrMode::Modify if !existing => {
                return Err(self.err(None, "no Zarr store (group) to modify (mode \"r+\")"))
            }
            _ => {}
        }
        let (format, old, old_attrs) = if existing && mode != ZarrMode::Write {
            let group = meta::read_group(storages, &self.group, None)?;
            let old = open_storages(storages, &self.group, None, &DecodeOptions::default())?;
            let arrays: HashMap<String, ArrayMeta> = group
                .arrays
                .into_iter()
                .map(|a| (a.name.clone(), a))
                .collect();
            (group.format, Some((old, arrays)), group.attrs)
        } else {
            (self.format, None, Map::new())
        };
        if !self.region.is_empty() && old.is_none() {
            return Err(self.err(None, "region writes need an existing store"));
        }
        if let (Some(dim), Some((old_ds, _))) = (&self.append_dim, &old) {
            if !old_ds.dims().contains_key(dim) {
                return Err(self.err(
                    None,
                    format!(
                        "append_dim {dim:?} is not a dimension of the existing store; its dims are {:?}",
                        old_ds.dims().keys().collect::<Vec<_>>()
                    ),
                ));
            }
        }
        let plans = self.plans(format, old.as_ref())?;
        // One lowering for every lazy variable: what they share (a chunk read, a
        // reduction) is computed once, and the whole write is one graph.
        let mut lazy = LazyWrites {
            lowering: Lowering::new(),
            writes: Vec::new(),
        };
        let writes = plans
            .iter()
            .map(|plan| {
                let array = zarrs_array(Arc::clone(&store), &self.location, &plan.meta)?;
                self.prepare_writes(Arc::new(array), plan, &mut lazy)
            })
            .collect::<Result<Vec<_>>>()?;
        let lazy = (!lazy.writes.is_empty()).then(|| {
            let mut graph = lazy.lowering.graph;
            graph.set_outputs(lazy.writes);
            graph
        });
        let mut attrs = old_attrs;
        for (k, v) in self.dataset.attrs() {
            attrs.insert(k.clone(), meta::attr_to_json(v)?);
        }
        Ok(Prepared {
            store,
            format,
            prefix,
            plans,
            writes,
            lazy,
            erase: mode == ZarrMode::Write,
            attrs,
        })
    }

    /// Encodes every variable and decides where it goes.
    fn plans(
        &self,
        format: ZarrFormat,
        old: Option<&(Dataset, HashMap<String, ArrayMeta>)>,
    ) -> Result<Vec<Plan>> {
        let ds = self.dataset;
        let dims = ds.dims();
        if let Some(dim) = &self.append_dim {
            if !dims.contains_key(dim) {
                return Err(self.err(
                    None,
                    format!("append_dim {dim:?} is not a dimension of the dataset written"),
                ));
            }
        }
        for (dim, range) in &self.region {
            match dims.get(dim) {
                Some(&n) if n == range.len() => {}
                Some(&n) => {
                    return Err(self.err(
                        None,
                        format!(
                        "region {dim:?} {range:?} has length {} but the dataset's {dim:?} has {n}",
                        range.len()
                    ),
                    ))
                }
                None => {
                    return Err(self.err(
                        None,
                        format!("region dim {dim:?} is not a dimension of the dataset"),
                    ))
                }
            }
        }
        if !self.region.is_empty() {
            let outside: Vec<&String> = ds
                .variables()
                .iter()
                .filter(|(_, v)| !v.dims().iter().any(|d| self.region.contains_key(d)))
                .map(|(k, _)| k)
                .collect();
            if !outside.is_empty() {
                return Err(self.err(
                    None,
                    format!(
                        "variables {outside:?} have none of the region's dims {:?}; drop them \
                         before a region write (as xarray asks)",
                        self.region.keys().collect::<Vec<_>>()
                    ),
                ));
            }
        }
        let mut plans = Vec::new();
        for (name, var) in ds.variables() {
            let existing = old.and_then(|(ds_old, metas)| {
                Some((ds_old.variables().get(name)?, metas.get(name)?))
            });
            let mut var = var.clone();
            match existing {
                Some((old_var, _)) => {
                    // Existing arrays keep their on-disk encoding, as in xarray.
                    *var.encoding_mut() = storage_encoding(old_var.encoding());
                }
                None => {
                    if let Some(extra) = self.encoding.get(name) {
                        var.encoding_mut().update(extra);
                    }
                }
            }
            if format == ZarrFormat::V2 {
                var.encoding_mut().zarr_fill_value = None;
            }
            let mut enc = cf::encode_variable(name, &var).map_err(|e| match e {
                Error::Cf { variable, reason } => self.err(Some(&variable), reason),
                other => other,
            })?;
            if let Some(coords) = cf::coordinates_attribute(ds, name, &var) {
                enc.attrs_mut()
                    .insert("coordinates".into(), AttrValue::Str(coords));
            }
            let plan = match existing {
                Some((_, old_meta)) => self.existing_plan(name, enc, old_meta)?,
                None => {
                    if !self.region.is_empty() {
                        return Err(self.err(
                            Some(name),
                            "region writes go into existing arrays; this one is not in the store",
                        ));
                    }
                    let meta = self.new_array_meta(format, name, &enc)?;
                    Plan {
                        name: name.clone(),
                        offset: vec![0; enc.ndim()],
                        var: enc,
                        meta,
                    }
                }
            };
            plans.push(plan);
        }
        Ok(plans)
    }

    /// The plan for a variable already in the store: appended, written into its region,
    /// or overwritten whole.
    fn existing_plan(&self, name: &str, enc: Variable, old: &ArrayMeta) -> Result<Plan> {
        let loc = self.location.as_str();
        let md = old.metadata(loc)?;
        let old_shape = old.shape(loc, &md)?;
        let old_dims = old.dims(loc, &md, old_shape.len())?;
        if old_dims != enc.dims() {
            return Err(self.err(
                Some(name),
                format!(
                    "dims {:?} differ from the stored array's {old_dims:?}",
                    enc.dims()
                ),
            ));
        }
        let old_dtype = old.dtype(loc, &md)?;
        if old_dtype != enc.dtype() {
            return Err(self.err(
                Some(name),
                format!(
                    "encoded dtype {} differs from the stored array's {old_dtype}",
                    enc.dtype()
                ),
            ));
        }
        let mut shape = old_shape.clone();
        let mut offset = vec![0; shape.len()];
        for (axis, (dim, &n)) in enc.dims().iter().zip(enc.shape()).enumerate() {
            if self.append_dim.as_deref() == Some(dim.as_str()) {
                offset[axis] = old_shape[axis];
                shape[axis] = old_shape[axis] + n;
            } else if let Some(range) = self.region.get(dim) {
                if range.end > old_shape[axis] {
                    return Err(self.err(
                        Some(name),
                        format!(
                            "region {dim:?} {range:?} is beyond the stored length {}",
                            old_shape[axis]
                        ),
                    ));
                }
                offset[axis] = range.start;
            } else if n != old_shape[axis] {
                return Err(self.err(
                    Some(name),
                    format!(
                        "dim {dim:?} has length {n} but {} in the store; only append_dim \
                         may change length",
                        old_shape[axis]
                    ),
                ));
            }
        }
        let mut meta = old.clone();
        meta.json.insert("shape".into(), json!(shape));
        Ok(Plan {
            name: name.to_string(),
            var: enc,
            meta,
            offset,
        })
    }

    /// The metadata of a new array for the encoded variable `enc`.
    fn new_array_meta(&self, format: ZarrFormat, name: &str, enc: &Variable) -> Result<ArrayMeta> {
        let dtype = enc.dtype();
        let shape = enc.shape().to_vec();
        let encoding = enc.encoding();
        let chunks = match encoding_shape(encoding.chunks.as_deref(), shape.len()) {
            Some(c) => c,
            None => default_chunks(self, name, enc)?,
        };
        let shards = match format {
            ZarrFormat::V3 => encoding_shape(encoding.shards.as_deref(), shape.len()),
            ZarrFormat::V2 => None,
        };
        if let Some(s) = &shards {
            if s.iter().zip(&chunks).any(|(&s, &c)| s % c != 0) {
                return Err(self.err(
                    Some(name),
                    format!("shards {s:?} must be multiples of chunks {chunks:?}"),
                ));
            }
        }
        let mut attrs = Map::new();
        let mut cf_fill = None;
        for (k, v) in enc.attrs() {
            if k == "_FillValue" {
                cf_fill = Some(v.clone());
            } else {
                attrs.insert(k.clone(), meta::attr_to_json(v)?);
            }
        }
        let fill_of = |v: &AttrValue| -> Result<Value> {
            match v {
                AttrValue::Array(a) => meta::fill_value_json(&a.astype(dtype)?),
                AttrValue::Str(s) => Ok(Value::from(s.as_str())),
            }
        };
        let typed = |e: serde_json::Error| self.zarr_err(Some(name), "array metadata", e);
        let metadata = match format {
            ZarrFormat::V2 => {
                let mut filters = v2_filters(self, name, encoding)?;
                // numcodecs' categorize codes numpy's fixed-length unicode.
                let categorized = filters.as_array().is_some_and(|f| {
                    f.iter()
                        .any(|f| f.get("id").and_then(Value::as_str) == Some("categorize"))
                });
                let dtype_name = match dtype {
                    DType::Str if categorized => format!("<U{}", max_chars(enc)?.max(1)),
                    // numpy objects with the vlen-utf8 filter, as zarr-python writes
                    // str to v2 (and any string length can be appended later).
                    DType::Str => "|O".to_string(),
                    d => d.zarr_v2_name(ByteOrder::Little).ok_or_else(|| {
                        self.err(
                            Some(name),
                            format!("values of dtype {d} cannot be written to Zarr v2"),
                        )
                    })?,
                };
                let fill = match &cf_fill {
                    Some(v) => fill_of(v)?,
                    None => Value::Null,
                };
                let compressor: Option<MetadataV2> =
                    serde_json::from_value(v2_compressor(self, name, encoding)?).map_err(typed)?;
                if dtype == DType::Str && !categorized {
                    filters = with_vlen_utf8(filters);
                }
                let filters: Option<Vec<MetadataV2>> =
                    serde_json::from_value(filters).map_err(typed)?;
                // xarray's convention, not Zarr's: v2 has no dimension names of its own.
                attrs.insert("_ARRAY_DIMENSIONS".into(), json!(enc.dims()));
                serde_json::to_value(ArrayMetadataV2::new(
                    shape.iter().map(|&n| n as u64).collect(),
                    chunk_shape(self, name, &chunks)?,
                    DataTypeMetadataV2::Simple(dtype_name),
                    serde_json::from_value(fill).map_err(typed)?,
                    compressor,
                    filters,
                ))
            }
            ZarrFormat::V3 => {
                let type_name = dtype.names().zarr_v3.ok_or_else(|| {
                    self.err(
                        Some(name),
                        format!("values of dtype {dtype} cannot be written to Zarr"),
                    )
                })?;
                let fill = match &encoding.zarr_fill_value {
                    Some(v) => fill_of(v)?,
                    None if dtype.is_float() => json!("NaN"),
                    None if dtype == DType::Bool => json!(false),
                    None if dtype == DType::Str => json!(""),
                    None => json!(0),
                };
                if let Some(v) = &cf_fill {
                    attrs.insert("_FillValue".into(), v3_cf_fill_json(v, dtype)?);
                }
                let inner = v3_codecs(self, name, encoding, dtype)?;
                let (grid, codecs) = match &shards {
                    Some(s) => (
                        s.clone(),
                        vec![MetadataV3::new_with_configuration(
                            "sharding_indexed",
                            json_object(json!({
                                "chunk_shape": chunks,
                                "codecs": named(inner).map_err(typed)?,
                                "index_codecs": named(json!([
                                    {"name": "bytes", "configuration": {"endian": "little"}},
                                    {"name": "crc32c"},
                                ])).map_err(typed)?,
                                "index_location": "end"
                            })),
                        )],
                    ),
                    None => (chunks.clone(), named(inner).map_err(typed)?),
                };
                let grid = MetadataV3::new_with_configuration(
                    "regular",
                    json_object(json!({"chunk_shape": grid})),
                );
                serde_json::to_value(
                    ArrayMetadataV3::new(
                        shape.iter().map(|&n| n as u64).collect(),
                        grid,
                        MetadataV3::new(type_name),
                        serde_json::from_value(fill).map_err(typed)?,
                        codecs,
                    )
                    .with_dimension_names(Some(enc.dims().to_vec())),
                )
            }
        };
        let mut json = match metadata.map_err(typed)? {
            Value::Object(map) => map,
            other => return Err(self.err(Some(name), format!("array metadata {other}"))),
        };
        match format {
            // zarrs leaves an empty list out; zarr-python writes it, and so did xr for
            // the stores xarray was checked against (tests/golden/check_xr_zarr.py).
            ZarrFormat::V3 => {
                json.insert("storage_transformers".into(), json!([]));
                if let Some(codecs) = json.get_mut("codecs") {
                    numcodecs_configurations(codecs);
                }
            }
            // zarrs tags its v2 struct with a `node_type`, a v3 key that no v2 `.zarray`
            // written by zarr-python has.
            ZarrFormat::V2 => {
                json.shift_remove("node_type");
            }
        }
        Ok(ArrayMeta {
            name: name.to_string(),
            path: format!("/{}{name}", group_prefix(&self.group)),
            format,
            json,
            attrs,
        })
    }

    /// How `plan`'s values are written into `array` (checked: lazy chunks must fall on
    /// the stored chunks).
    fn prepare_writes(
        &self,
        array: Arc<WritableArray>,
        plan: &Plan,
        lazy: &mut LazyWrites,
    ) -> Result<Writes> {
        let var = &plan.var;
        if var.shape().contains(&0) {
            return Ok(Writes::Nothing);
        }
        match var.data() {
            Data::Eager(_) => Ok(Writes::Eager(array)),
            Data::Lazy(l) => {
                let stored = plan.meta.chunk_shape(&self.location, array.metadata())?;
                check_alignment(self, plan, l.grid(), &stored)?;
                self.lazy_tasks(lazy, array, plan, l)?;
                Ok(Writes::Lazy)
            }
        }
    }

    /// Removes the group replaced (mode `w`) and writes the in-memory variables.
    fn write_eager(
        &self,
        store: &ReadableWritableListableStorage,
        prefix: &str,
        erase: bool,
        plans: &[Plan],
        writes: &[Writes],
    ) -> Result<()> {
        if erase {
            erase_group(store, &self.location, prefix)?;
        }
        for (plan, w) in plans.iter().zip(writes) {
            if let (Writes::Eager(array), Data::Eager(a)) = (w, plan.var.data()) {
                store_block(array, a, &plan.offset, meta::fixed_utf32(array.metadata()))
                    .map_err(|e| self.write_error(&plan.name, &plan.offset, e))?;
            }
        }
        Ok(())
    }

    /// Writes each array's metadata, then the group's.
    fn write_meta(
        &self,
        storages: &Storages,
        store: &ReadableWritableListableStorage,
        format: ZarrFormat,
        prefix: &str,
        plans: &[Plan],
        attrs: Map<String, Value>,
    ) -> Result<()> {
        for plan in plans {
            write_array_meta(store, &self.location, &plan.meta)?;
        }
        self.write_group(storages, store, format, prefix, attrs)
    }

    fn write_error(&self, name: &str, at: &[usize], source: BoxError) -> Error {
        self.zarr_err(Some(name), &format!("writing values at {at:?}"), source)
    }

    /// Adds the tasks that compute and write a lazy variable block by block to the
    /// write's graph: the task computing a block, then the one writing it (next id, so
    /// that the executor, lowest ready id first, writes a block before reading more), so
    /// at most the executor's budget of blocks is alive. A write task's only input is its
    /// block, so an executor that places tasks with their inputs writes each block where
    /// it was computed; its value is empty.
    fn lazy_tasks(
        &self,
        lazy: &mut LazyWrites,
        array: Arc<WritableArray>,
        plan: &Plan,
        arr: &LazyArray,
    ) -> Result<()> {
        let grid = arr.grid().clone();
        for linear in 0..grid.num_blocks() {
            let task = lazy.lowering.block(arr, &grid, linear)?;
            let index = grid.block_index(linear);
            let region = grid.block_region(&index);
            let at: Vec<usize> = region
                .iter()
                .zip(&plan.offset)
                .map(|(r, &o)| r.start + o)
                .collect();
            let array = Arc::clone(&array);
            let location = self.location.clone();
            let name = plan.name.clone();
            let fixed_utf32 = meta::fixed_utf32(array.metadata());
            let label = format!("write {location}: {name} chunk {index:?}");
            lazy.writes.push(lazy.lowering.graph.add_task(
                vec![task],
                label,
                0,
                Box::new(move |deps| {
                    let block = deps
                        .first()
                        .and_then(|v| v.0.first())
                        .ok_or_else(|| Error::internal("a write task gets its block"))?;
                    store_block(&array, block, &at, fixed_utf32).map_err(|source| {
                        zarr_error(
                            &location,
                            Some(&name),
                            format!("writing lazy chunk {index:?} at {at:?}"),
                            source,
                        )
                    })?;
                    Ok(TaskValue(Vec::new()))
                }),
            ));
        }
        Ok(())
    }

    fn write_group(
        &self,
        storages: &Storages,
        store: &ReadableWritableListableStorage,
        format: ZarrFormat,
        prefix: &str,
        attrs: Map<String, Value>,
    ) -> Result<()> {
        let loc = self.location.as_str();
        // Parent groups first (a nested group needs them to be found).
        let parts: Vec<&str> = self.group.split('/').filter(|p| !p.is_empty()).collect();
        for depth in 0..parts.len() {
            let parent = group_prefix(&parts[..depth].join("/"));
            if !group_exists(storages, &parent)? {
                write_group_meta(store, loc, format, &parent, &Map::new(), None)?;
            }
        }
        let consolidated = if self.consolidated {
            // What the store holds now, listed (not what this write planned).
            Some(meta::consolidated_entries(storages, prefix, format)?)
        } else {
            None
        };
        write_group_meta(store, loc, format, prefix, &attrs, consolidated)
    }
}

/// The encoding of how an existing array is stored (its source and NetCDF-only
/// fields left out).
fn storage_encoding(encoding: &Encoding) -> Encoding {
    Encoding {
        dtype: encoding.dtype,
        fill_value: encoding.fill_value.clone(),
        missing_value: encoding.missing_value.clone(),
        scale_factor: encoding.scale_factor.clone(),
        add_offset: encoding.add_offset.clone(),
        unsigned: encoding.unsigned.clone(),
        units: encoding.units.clone(),
        calendar: encoding.calendar.clone(),
        zarr_fill_value: encoding.zarr_fill_value.clone(),
        chunks: encoding.chunks.clone(),
        shards: encoding.shards.clone(),
        codecs: encoding.codecs.clone(),
        compression: encoding.compression.clone(),
        filters: encoding.filters.clone(),
        ..Encoding::default()
    }
}

fn group_exists(storages: &Storages, prefix: &str) -> Result<bool> {
    let loc = storages.location.as_str();
    for name in ["zarr.json", ".zgroup"] {
        let k = meta::key(loc, prefix, name)?;
        let found = storages
            .read
            .get(&k)
            .map_err(|e| zarr_error(loc, None, format!("reading {}", k.as_str()), e))?;
        if found.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Removes the group at `prefix`: its metadata first (so that a failure half way
/// leaves no group behind), then everything under it.
fn erase_group(store: &ReadableWritableListableStorage, loc: &str, prefix: &str) -> Result<()> {
    let fail =
        |e: zarrs::storage::StorageError| zarr_error(loc, None, "removing the existing store", e);
    for name in ["zarr.json", ".zgroup", ".zmetadata", ".zattrs"] {
        store.erase(&meta::key(loc, prefix, name)?).map_err(fail)?;
    }
    let p = if prefix.is_empty() {
        StorePrefix::root()
    } else {
        StorePrefix::new(prefix)
            .map_err(|e| zarr_error(loc, None, format!("invalid prefix {prefix}"), e))?
    };
    store.erase_prefix(&p).map_err(fail)
}

fn set_json(
    store: &ReadableWritableListableStorage,
    loc: &str,
    prefix: &str,
    name: &str,
    value: &Value,
) -> Result<()> {
    let text = meta::to_json_text(value)
        .map_err(|e| zarr_error(loc, None, format!("serialising {prefix}{name}"), e))?;
    store
        .set(&meta::key(loc, prefix, name)?, Bytes::from(text))
        .map_err(|e| zarr_error(loc, None, format!("writing {prefix}{name}"), e))
}

/// The prefix of an array's node path (`"/grp/air"` → `"grp/air/"`).
fn array_prefix(meta: &ArrayMeta) -> String {
    format!("{}/", meta.path.trim_start_matches('/'))
}

/// A v3 array's full `zarr.json` (metadata and attributes).
fn v3_json(meta: &ArrayMeta) -> Value {
    let mut json = meta.json.clone();
    json.insert("attributes".into(), Value::Object(meta.attrs.clone()));
    Value::Object(json)
}

fn write_array_meta(
    store: &ReadableWritableListableStorage,
    loc: &str,
    meta: &ArrayMeta,
) -> Result<()> {
    let prefix = array_prefix(meta);
    match meta.format {
        ZarrFormat::V3 => set_json(store, loc, &prefix, "zarr.json", &v3_json(meta)),
        ZarrFormat::V2 => {
            set_json(
                store,
                loc,
                &prefix,
                ".zarray",
                &Value::Object(meta.json.clone()),
            )?;
            set_json(
                store,
                loc,
                &prefix,
                ".zattrs",
                &Value::Object(meta.attrs.clone()),
            )
        }
    }
}

/// Writes a group's metadata, with `consolidated` arrays when given.
///
/// JSON by hand, not zarrs' `GroupMetadataV3`: zarr-python's inline
/// `consolidated_metadata` (v3) and `.zmetadata` (v2) are not part of the Zarr spec, and
/// zarrs has no type for them; the group documents are three keys around them.
fn write_group_meta(
    store: &ReadableWritableListableStorage,
    loc: &str,
    format: ZarrFormat,
    prefix: &str,
    attrs: &Map<String, Value>,
    consolidated: Option<Map<String, Value>>,
) -> Result<()> {
    match format {
        ZarrFormat::V3 => {
            let mut group = json!({
                "zarr_format": 3,
                "node_type": "group",
                "attributes": attrs,
            });
            if let (Some(metadata), Value::Object(g)) = (consolidated, &mut group) {
                g.insert(
                    "consolidated_metadata".into(),
                    json!({"kind": "inline", "must_understand": false, "metadata": metadata}),
                );
            }
            set_json(store, loc, prefix, "zarr.json", &group)
        }
        ZarrFormat::V2 => {
            set_json(store, loc, prefix, ".zattrs", &Value::Object(attrs.clone()))?;
            if let Some(nodes) = consolidated {
                let mut metadata = Map::new();
                metadata.insert(".zgroup".into(), json!({"zarr_format": 2}));
                metadata.insert(".zattrs".into(), Value::Object(attrs.clone()));
                metadata.extend(nodes);
                set_json(
                    store,
                    loc,
                    prefix,
                    ".zmetadata",
                    &json!({"metadata": metadata, "zarr_consolidated_format": 1}),
                )?;
            } else {
                // Stale consolidated metadata would hide what was just written.
                store
                    .erase(&meta::key(loc, prefix, ".zmetadata")?)
                    .map_err(|e| zarr_error(loc, None, "removing .zmetadata", e))?;
            }
            // .zgroup last: it is what makes the group exist.
            set_json(store, loc, prefix, ".zgroup", &json!({"zarr_format": 2}))
        }
    }
}

/// A shape-like encoding entry (`chunks`, `shards`) with one positive entry per dim.
fn encoding_shape(shape: Option<&[usize]>, ndim: usize) -> Option<Vec<usize>> {
    let v: Vec<usize> = shape?.iter().map(|&x| x.max(1)).collect();
    (v.len() == ndim).then_some(v)
}

/// Chunks for a variable without a `chunks` encoding: a lazy array's own (uniform)
/// chunks, else pieces of at most [`AUTO_CHUNK_BYTES`] halving the longest chunk dim.
fn default_chunks(w: &ToZarr<'_>, name: &str, var: &Variable) -> Result<Vec<usize>> {
    if let Data::Lazy(l) = var.data() {
        let mut out = Vec::with_capacity(l.ndim());
        for (axis, sizes) in l.chunks().iter().enumerate() {
            let first = sizes.first().copied().unwrap_or(1).max(1);
            let uniform = sizes.len() < 2
                || (sizes[..sizes.len() - 1].iter().all(|&s| s == first)
                    && sizes[sizes.len() - 1] <= first);
            if !uniform {
                return Err(w.err(
                    Some(name),
                    format!(
                        "Zarr needs uniform chunks (all equal but a smaller last one); dim {:?} \
                         has lazy chunks {sizes:?}: rechunk it or set encoding \"chunks\"",
                        var.dims()[axis]
                    ),
                ));
            }
            out.push(first);
        }
        return Ok(out);
    }
    let item = if var.dtype() == DType::Str {
        16
    } else {
        var.dtype().size().max(1)
    };
    let mut chunk: Vec<usize> = var.shape().iter().map(|&n| n.max(1)).collect();
    while chunk.iter().product::<usize>() * item > AUTO_CHUNK_BYTES {
        let Some((axis, _)) = chunk.iter().enumerate().max_by_key(|(_, &c)| c) else {
            break;
        };
        if chunk[axis] == 1 {
            break;
        }
        chunk[axis] = chunk[axis].div_ceil(2);
    }
    Ok(chunk)
}

/// xarray's `safe_chunks`: every boundary between two lazy chunks must fall on a
/// boundary of the stored (Zarr) chunks, so that no Zarr chunk is written by two tasks.
fn check_alignment(w: &ToZarr<'_>, plan: &Plan, grid: &ChunkGrid, stored: &[usize]) -> Result<()> {
    for (axis, sizes) in grid.sizes().iter().enumerate() {
        let z = stored.get(axis).copied().unwrap_or(1).max(1);
        let mut end = plan.offset[axis];
        for (i, &s) in sizes.iter().enumerate().take(sizes.len().saturating_sub(1)) {
            end += s;
            if end % z != 0 {
                return Err(w.err(
                    Some(&plan.name),
                    format!(
                        "lazy chunk {i} along dim {:?} ends at {end}, inside Zarr chunk {} \
                         (Zarr chunks of {z}): two tasks would write one Zarr chunk at once. \
                         Rechunk to multiples of {z} or set encoding \"chunks\" to divide {sizes:?}",
                        plan.var.dims()[axis],
                        end / z
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The longest string of a string variable, in characters (the `N` of numpy's `<UN`).
fn max_chars(var: &Variable) -> Result<usize> {
    Ok(match var.values()? {
        NdArray::Str(a) => a.iter().map(|s| s.chars().count()).max().unwrap_or(0),
        _ => 0,
    })
}

/// Writes `block` at `at` (chunk-aligned blocks are stored without reading).
fn store_block(
    array: &WritableArray,
    block: &NdArray,
    at: &[usize],
    fixed_utf32: bool,
) -> std::result::Result<(), BoxError> {
    let subset = ArraySubset::new_with_start_shape(
        at.iter().map(|&x| x as u64).collect(),
        block.shape().iter().map(|&n| n as u64).collect(),
    )?;
    let block = block.to_standard_layout();
    macro_rules! put {
        ($a:expr) => {{
            let values: Vec<_> = $a.iter().cloned().collect();
            Ok(array.store_array_subset(&subset, values)?)
        }};
    }
    match &block {
        NdArray::Bool(a) => put!(a),
        NdArray::Str(a) if fixed_utf32 => {
            let values: Vec<Vec<char>> = a.iter().map(|s| s.chars().collect()).collect();
            Ok(array.store_array_subset(&subset, values)?)
        }
        NdArray::Str(a) => put!(a),
        numeric => match_numeric!(numeric, a => put!(a), other => Err(format!(
            "values of dtype {} cannot be written",
            other.dtype()
        ).into())),
    }
}

/// A library's error (zarrs'), kept as the `source` of [`Error::Zarr`].
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A v3 `_FillValue` attribute as xarray writes it: floats as base64 of a little-endian
/// f64, integers as numbers.
fn v3_cf_fill_json(v: &AttrValue, dtype: DType) -> Result<Value> {
    match v {
        AttrValue::Array(a) if dtype.is_float() => {
            let x = a.to_f64_vec()?.first().copied().unwrap_or(f64::NAN);
            Ok(Value::from(meta::base64_encode(&x.to_le_bytes())))
        }
        AttrValue::Array(a) => meta::fill_value_json(a),
        AttrValue::Str(s) => Ok(Value::from(s.as_str())),
    }
}

fn parse_json(w: &ToZarr<'_>, name: &str, key: &str, text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| {
        w.zarr_err(
            Some(name),
            &format!("encoding {key:?} is not valid JSON"),
            e,
        )
    })
}

fn v2_compressor(w: &ToZarr<'_>, name: &str, encoding: &Encoding) -> Result<Value> {
    // zarr-python's default for v2; NetCDF's deflate has no v2 counterpart here.
    let default =
        || json!({"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0});
    Ok(match &encoding.compression {
        None | Some(Compression::Zlib(_)) => default(),
        Some(Compression::Zstd(level)) => json!({"id": "zstd", "level": level}),
        Some(Compression::Gzip(level)) => json!({"id": "gzip", "level": level}),
        Some(Compression::Blosc { cname, clevel }) => json!({
            "id": "blosc", "cname": cname.as_deref().unwrap_or("lz4"), "clevel": clevel,
            "shuffle": 1, "blocksize": 0
        }),
        Some(Compression::None) => Value::Null,
        Some(Compression::ZarrV2(text)) => parse_json(w, name, "compressor", text)?,
    })
}

fn v2_filters(w: &ToZarr<'_>, name: &str, encoding: &Encoding) -> Result<Value> {
    match &encoding.filters {
        Some(t) => parse_json(w, name, "filters", t),
        None => Ok(Value::Null),
    }
}

/// v2 `filters` (a JSON list or null) with the `vlen-utf8` object codec first, once,
/// as zarr-python writes strings.
fn with_vlen_utf8(filters: Value) -> Value {
    let mut list: Vec<Value> = match filters {
        Value::Array(items) => items
            .into_iter()
            .filter(|f| f.get("id").and_then(Value::as_str) != Some("vlen-utf8"))
            .collect(),
        _ => Vec::new(),
    };
    list.insert(0, json!({"id": "vlen-utf8"}));
    Value::Array(list)
}

/// Codecs (a JSON list) as zarrs' metadata. A codec without configuration keeps the
/// `{"name": ...}` form: zarrs would write a bare name, which zarr-python does not read.
fn named(codecs: Value) -> serde_json::Result<Vec<MetadataV3>> {
    let list: Vec<Value> = serde_json::from_value(codecs)?;
    list.into_iter()
        .map(|c| {
            match (
                c.get("name").and_then(Value::as_str),
                c.get("configuration"),
            ) {
                (Some(n), None) => Ok(MetadataV3::new_with_configuration(n, Map::new())),
                _ => serde_json::from_value(c),
            }
        })
        .collect()
}

/// Writes out the configuration of each numcodecs codec in a v3 codec list (and in a
/// shard's), as zarr-python reads them: zarrs leaves an empty configuration out, and
/// zarr-python refuses `numcodecs.zlib`, `numcodecs.lzma` or `numcodecs.packbits`
/// without one.
fn numcodecs_configurations(codecs: &mut Value) {
    let Value::Array(list) = codecs else {
        return;
    };
    for codec in list {
        if let Value::String(name) = codec {
            *codec = json!({ "name": name });
        }
        let Value::Object(c) = codec else {
            continue;
        };
        let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
        let config = match c.get("configuration") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        if name == "sharding_indexed" {
            if let Some(Value::Object(conf)) = c.get_mut("configuration") {
                for key in ["codecs", "index_codecs"] {
                    if let Some(inner) = conf.get_mut(key) {
                        numcodecs_configurations(inner);
                    }
                }
            }
        } else if let Some(full) = codecs::numcodecs_v3_configuration(name, &config) {
            c.insert("configuration".into(), Value::Object(full));
        }
    }
}

/// A JSON object's map (codec configurations built with `json!`).
fn json_object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A chunk shape as zarrs holds it.
fn chunk_shape(w: &ToZarr<'_>, name: &str, chunks: &[usize]) -> Result<Vec<NonZeroU64>> {
    chunks
        .iter()
        .map(|&c| NonZeroU64::new(c as u64))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| w.err(Some(name), format!("chunk shape {chunks:?} has a zero")))
}

/// The v3 codecs (inside the shard, when sharded) for `encoding`.
fn v3_codecs(w: &ToZarr<'_>, name: &str, encoding: &Encoding, dtype: DType) -> Result<Value> {
    if let Some(text) = &encoding.codecs {
        let mut codecs = parse_json(w, name, "codecs", text)?;
        // Codecs read from a sharded array: keep the ones inside the shard.
        let first_is_sharding = codecs
            .get(0)
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str)
            == Some("sharding_indexed");
        if first_is_sharding {
            if let Some(inner) = codecs
                .get(0)
                .and_then(|c| c.get("configuration"))
                .and_then(|c| c.get("codecs"))
            {
                codecs = inner.clone();
            }
        }
        if dtype == DType::Str {
            // Strings are written as variable-length UTF-8 ("string"), whatever they
            // were read from (numpy's fixed-length UTF-32 has a "bytes" serializer).
            if let Value::Array(list) = &mut codecs {
                for c in list.iter_mut() {
                    // zarrs writes a codec without configuration as its bare name.
                    let name = c.get("name").and_then(Value::as_str).or(c.as_str());
                    if matches!(name, Some("bytes" | "vlen-utf8")) {
                        *c = json!({"name": "vlen-utf8"});
                    }
                }
            }
        }
        return Ok(codecs);
    }
    let serializer = if dtype == DType::Str {
        json!({"name": "vlen-utf8"})
    } else {
        json!({"name": "bytes", "configuration": {"endian": "little"}})
    };
    let zstd =
        |level: i32| json!({"name": "zstd", "configuration": {"level": level, "checksum": false}});
    let compressor = match &encoding.compression {
        Some(Compression::Zstd(level)) => Some(zstd(*level)),
        Some(Compression::Gzip(level)) => {
            Some(json!({"name": "gzip", "configuration": {"level": level}}))
        }
        Some(Compression::Blosc { cname, clevel }) => {
            Some(json!({"name": "blosc", "configuration": {
            "cname": cname.as_deref().unwrap_or("zstd"), "clevel": clevel,
            "shuffle": if dtype.size() > 1 { "shuffle" } else { "noshuffle" },
            "typesize": dtype.size().max(1), "blocksize": 0}}))
        }
        Some(Compression::None) => None,
        // The default; NetCDF's deflate and v2 compressors from a v2 store get it too.
        _ => Some(zstd(0)),
    };
    let mut codecs = vec![serializer];
    codecs.extend(compressor);
    Ok(Value::Array(codecs))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn read_only_stores_refuse_writes_naming_the_store() {
        let dir = std::env::temp_dir().join(format!("xr-zarr-ro-{}", std::process::id()));
        let location = dir.join("ro.zarr");
        let all = store::open(location.to_str().unwrap(), Access::Write).unwrap();
        let read_only = Storages { write: None, ..all };
        let ds = Dataset::new()
            .with_coord("t", Variable::new(&["t"], vec![1i64, 2]).unwrap())
            .unwrap();
        let err = ToZarr::new(&ds, location.to_str().unwrap())
            .write_to(&read_only, &LocalExecutor::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ro.zarr") && err.contains("read-only"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
