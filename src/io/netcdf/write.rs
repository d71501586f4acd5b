//! Writing datasets to NetCDF: CF encoding, per-variable storage options, and an atomic
//! replace of the target (write a temporary file next to it, then rename).
//!
//! The values of all variables are written by one task graph, run once: every lazy
//! variable is lowered with one [`Lowering`] (what variables share, a chunk read or a
//! reduction, is computed once) and its blocks are computed in parallel, within the
//! executor's memory budget. libnetcdf is not thread-safe and the file is one handle, so
//! the blocks are written by write tasks chained in the file's order (each depends on
//! its block and on the previous write), the handle behind a mutex and every library
//! call under [`with_lock`]. Why write tasks and not a channel to a writing thread:
//!
//! - Memory: a block counts against the executor's budget until its write task has
//!   finished, so the executor stops reading when blocks wait to be written; blocks in a
//!   channel would be outside the budget.
//! - No deadlock: the chain makes the writes run one at a time, so no worker waits on the
//!   file's mutex, and a writer holds the locks only for library calls (no lazy
//!   computation, no rayon), so whoever waits on them waits for a finite section. A
//!   writing thread fed by workers blocked on a full channel would tie the executor's
//!   progress to that thread's.
//! - Same file every time: the writes happen in the order of the sequential write
//!   (variables in order, blocks row-major), whatever order the blocks are computed in,
//!   so HDF5 lays the file out the same way.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use indexmap::IndexMap;
use netcdf::AttributeValue;

use super::ffi::{NcChar, VarIds};
use super::read::Charset;
use super::{format_error, nc_error, with_lock};
use crate::array::{match_numeric, with_numeric_dtype, DType, Element, NdArray};
use crate::dataset::{AttrValue, Compression, Dataset, Encoding, Variable};
use crate::dist::{Executor, LocalExecutor, TaskId, TaskValue};
use crate::error::{Error, Result};
use crate::io::cf;
use crate::io::writeback::WriteBack;
use crate::lazy::lower::Lowering;
use crate::lazy::Data;
use crate::warning::warn;

mod append;
mod groups;

pub(crate) use groups::write_groups;

pub use append::NetcdfMode;

/// The file being written, shared by the write tasks; taken back to be closed.
type SharedFile = Arc<Mutex<Option<netcdf::FileMut>>>;

/// The on-disk format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum NetcdfFormat {
    /// NetCDF-4 (HDF5), with compression, chunking and strings.
    #[default]
    Netcdf4,
    /// NetCDF-4 restricted to the classic data model.
    Netcdf4Classic,
    /// NetCDF-3 classic (CDF-1).
    Netcdf3Classic,
    /// NetCDF-3 with 64-bit offsets (CDF-2).
    Netcdf3_64BitOffset,
}

impl NetcdfFormat {
    fn options(self) -> netcdf::Options {
        match self {
            NetcdfFormat::Netcdf4 => netcdf::Options::NETCDF4,
            NetcdfFormat::Netcdf4Classic => netcdf::Options::NETCDF4 | netcdf::Options::CLASSIC,
            NetcdfFormat::Netcdf3Classic => netcdf::Options::empty(),
            NetcdfFormat::Netcdf3_64BitOffset => netcdf::Options::_64BIT_OFFSET,
        }
    }

    fn is_netcdf4(self) -> bool {
        matches!(self, NetcdfFormat::Netcdf4 | NetcdfFormat::Netcdf4Classic)
    }
}

/// Options for writing a dataset to NetCDF, built by [`Dataset::write_netcdf`].
///
/// Per-variable [`Encoding`] (the variable's own, overridden field by field by
/// [`ToNetcdf::encoding`]): `dtype`, `fill_value`, `scale_factor`, `add_offset`,
/// `unsigned`, `units`, `calendar`, `compression` (`Zlib`: deflate at that level),
/// `shuffle`, `fletcher32`, `contiguous`, `chunksizes`, and for strings `chars` and
/// `char_dim_name` (characters with a string-length dim, as NetCDF-3 stores strings).
/// The dataset's own encoding gives `unlimited_dims`.
#[derive(Debug, Clone)]
#[must_use]
pub struct ToNetcdf<'a> {
    dataset: &'a Dataset,
    path: PathBuf,
    format: NetcdfFormat,
    unlimited_dims: Vec<String>,
    group: Option<String>,
    encoding: IndexMap<String, Encoding>,
    mode: NetcdfMode,
}

impl<'a> ToNetcdf<'a> {
    /// Options for writing `dataset` to `path` as NetCDF-4.
    pub fn new(dataset: &'a Dataset, path: impl AsRef<Path>) -> Self {
        ToNetcdf {
            dataset,
            path: path.as_ref().to_path_buf(),
            format: NetcdfFormat::default(),
            unlimited_dims: Vec::new(),
            group: None,
            encoding: IndexMap::new(),
            mode: NetcdfMode::default(),
        }
    }

    /// Whether to write a new file ([`NetcdfMode::Write`], the default) or append along
    /// the unlimited dim of an existing one ([`NetcdfMode::Append`]).
    pub fn mode(mut self, mode: NetcdfMode) -> Self {
        self.mode = mode;
        self
    }

    /// The file format.
    pub fn format(mut self, format: NetcdfFormat) -> Self {
        self.format = format;
        self
    }

    /// Dimensions to write as unlimited (record) dimensions.
    pub fn unlimited_dims<S: AsRef<str>>(mut self, dims: &[S]) -> Self {
        self.unlimited_dims = dims.iter().map(|d| d.as_ref().to_string()).collect();
        self
    }

    /// Writes the dataset into the group at `path` (`"/a/b"`; NetCDF-4 only) of the new
    /// file, creating the groups on the way.
    pub fn group(mut self, path: &str) -> Self {
        let trimmed = path.trim_matches('/');
        self.group = (!trimmed.is_empty()).then(|| trimmed.to_string());
        self
    }

    /// Encoding for variable `name`, merged over the variable's own (its set fields win).
    pub fn encoding(mut self, name: &str, encoding: Encoding) -> Self {
        self.encoding.insert(name.to_string(), encoding);
        self
    }

    /// Writes the file: to a temporary file in the target's directory, renamed over the
    /// target once complete. On any error the temporary file is removed and an existing
    /// target is left untouched. Lazy variables are computed in one task graph, their
    /// chunks in parallel within the executor's memory budget, and written as they come,
    /// in the file's order, by write tasks chained one after the other. Once the file
    /// is larger than the kernel's background write-back threshold (on Linux,
    /// `vm.dirty_background_bytes`, or `vm.dirty_background_ratio` percent of the
    /// available memory: 10% by default), it is written to
    /// the disk as it grows and its pages leave the page cache, 64 MiB behind the
    /// writer: a multi-gigabyte output neither fills the page cache nor waits for the
    /// kernel to find fresh pages, and is on disk, not in memory, once written.
    ///
    /// # Errors
    /// [`Error::Cf`]/[`Error::Format`] naming the variable when its encoding cannot be
    /// applied or the format cannot hold it (strings in NetCDF-3, a dim size that
    /// disagrees with the dataset's); [`Error::Netcdf`] naming the file (and variable)
    /// when a libnetcdf call fails, its error the source; [`Error::Io`] when the file
    /// cannot be created or renamed; the first failing chunk's error for lazy data,
    /// naming the file, the variable and the chunk.
    pub fn write(&self) -> Result<()> {
        self.write_with(&LocalExecutor::default())
    }

    /// Writes the file as [`ToNetcdf::write`] does, the values computed and written by
    /// `executor`'s tasks (its threads and memory budget).
    ///
    /// # Errors
    /// As [`ToNetcdf::write`]; [`Error::Format`] for an executor of several processes
    /// (MPI): one process writes a NetCDF file (compute there, then write on rank 0).
    pub fn write_with(&self, executor: &dyn Executor) -> Result<()> {
        if executor.ranks() > 1 {
            return Err(format_error(
                &self.path,
                None,
                format!(
                    "a NetCDF file is written by one process, not by the {} ranks of {}: \
                     compute the dataset, then write it on rank 0",
                    executor.ranks(),
                    executor.name()
                ),
            ));
        }
        if self.mode == NetcdfMode::Append && self.path.exists() {
            return self.append(executor);
        }
        let tmp = temp_path(&self.path);
        let result = self.write_to(&tmp, executor).and_then(|()| {
            std::fs::rename(&tmp, &self.path).map_err(|source| Error::Io {
                path: self.path.clone(),
                source,
            })
        });
        if result.is_err() {
            // The temporary file may not exist (the failure came first); nothing to do then.
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// The dims to write as unlimited: those given, else the dataset's `unlimited_dims`
    /// encoding (as xarray), else those its variables were read with.
    fn unlimited(&self) -> Vec<String> {
        if !self.unlimited_dims.is_empty() {
            return self.unlimited_dims.clone();
        }
        let dims = self.dataset.dims();
        if let Some(from_dataset) = &self.dataset.encoding().unlimited_dims {
            return from_dataset
                .iter()
                .filter(|d| dims.contains_key(*d))
                .cloned()
                .collect();
        }
        let mut out: Vec<String> = Vec::new();
        for var in self.dataset.variables().values() {
            for d in &var.encoding().unlimited_dims {
                if var.dims().contains(d) && !out.contains(d) {
                    out.push(d.clone());
                }
            }
        }
        out
    }

    fn encoded_variables(&self) -> Result<IndexMap<String, Variable>> {
        let ds = self.dataset;
        let dims = ds.dims();
        let mut out = IndexMap::new();
        for (name, var) in ds.variables() {
            for (d, &n) in var.dims().iter().zip(var.shape()) {
                if dims.get(d).is_some_and(|&m| m != n) {
                    return Err(format_error(
                        &self.path,
                        Some(name),
                        format!(
                            "dim {d:?} has length {n} here but {:?} in the dataset",
                            dims.get(d)
                        ),
                    ));
                }
            }
            let mut var = var.clone();
            if let Some(extra) = self.encoding.get(name) {
                var.encoding_mut().update(extra);
            }
            let mut enc = cf::encode_variable(name, &var).map_err(|e| match e {
                Error::Cf { variable, reason } => format_error(&self.path, Some(&variable), reason),
                other => other,
            })?;
            if let Some(coords) = cf::coordinates_attribute(ds, name, &var) {
                enc.attrs_mut()
                    .insert("coordinates".into(), AttrValue::Str(coords));
            }
            out.insert(name.clone(), enc);
        }
        Ok(out)
    }

    /// For each string variable stored as characters, its string-length dim and length:
    /// every string variable in the classic formats (which have no `NC_STRING`), and in
    /// NetCDF-4 those whose encoding says `chars` or names a `char_dim_name`.
    fn char_dims(
        &self,
        variables: &IndexMap<String, Variable>,
    ) -> Result<IndexMap<String, (String, usize)>> {
        let path = self.path.as_path();
        let mut out = IndexMap::new();
        for (name, var) in variables {
            let enc = var.encoding();
            let wants_chars =
                self.format != NetcdfFormat::Netcdf4 || enc.chars || enc.char_dim_name.is_some();
            if var.dtype() != DType::Str || !wants_chars {
                continue;
            }
            let values = var.values()?;
            let charset = Charset::named(enc.string_encoding.as_deref());
            let longest = values.as_array::<String>().map_or(0, |a| {
                a.iter()
                    .map(|s| charset.encode(s).map_or(s.len(), |b| b.len()))
                    .max()
                    .unwrap_or(0)
            });
            let len = longest.max(1);
            let dim = char_dim_name(name, len, enc);
            if var.dims().contains(&dim) {
                return Err(format_error(
                    path,
                    Some(name),
                    format!("its string-length dim {dim:?} is also one of its dims"),
                ));
            }
            out.insert(name.clone(), (dim, len));
        }
        Ok(out)
    }

    fn write_to(&self, tmp: &Path, executor: &dyn Executor) -> Result<()> {
        groups::write_parts(&[self], tmp, executor)
    }

    /// The encoded variables and string-length dims of this part, prepared before the
    /// library lock is taken: they may compute lazy values, which may read NetCDF files.
    fn prepare(&self) -> Result<Defined> {
        let variables = self.encoded_variables()?;
        let char_dims = self.char_dims(&variables)?;
        let prefix = self
            .group
            .as_ref()
            .map_or_else(String::new, |g| format!("{g}/"));
        Ok(Defined {
            variables,
            char_dims,
            prefix,
        })
    }

    /// Defines this part's group, dims, attributes and variables (`prepared`) in `file`
    /// (in define mode, under [`with_lock`]; nothing here computes lazy values); returns
    /// the bytes its variables store without filters (see [`define_variable`]).
    fn define(&self, file: &mut netcdf::FileMut, tmp: &Path, prepared: &Defined) -> Result<u64> {
        let path = self.path.as_path();
        let Defined {
            variables,
            char_dims,
            prefix,
        } = prepared;
        let dims = self.dataset.dims();
        let nc4 = self.format.is_netcdf4();
        let unlimited = self.unlimited();
        if self.group.is_some() && !nc4 {
            return Err(format_error(path, None, "groups need a NetCDF-4 format"));
        }
        if let Some(g) = &self.group {
            file.add_group(g)
                .map_err(|e| nc_error(path, None, &format!("creating group {g:?}"), e))?;
        }
        for (d, &n) in &dims {
            let full = format!("{prefix}{d}");
            let r = if unlimited.contains(d) {
                file.add_unlimited_dimension(&full).map(|_| ())
            } else {
                file.add_dimension(&full, n).map(|_| ())
            };
            r.map_err(|e| nc_error(path, None, &format!("adding dimension {d:?}"), e))?;
        }
        let mut char_dim_lens: IndexMap<&str, usize> = IndexMap::new();
        for (name, (d, n)) in char_dims {
            let known = dims.get(d).or_else(|| char_dim_lens.get(d.as_str()));
            match known {
                Some(&m) if m == *n => {}
                Some(&m) => {
                    return Err(format_error(
                        path,
                        Some(name),
                        format!(
                            "its string-length dim {d:?} needs length {n} but has {m}; \
                             set another char_dim_name in its encoding"
                        ),
                    ))
                }
                None => {
                    file.add_dimension(&format!("{prefix}{d}"), *n)
                        .map_err(|e| nc_error(path, None, &format!("adding dimension {d:?}"), e))?;
                    char_dim_lens.insert(d, *n);
                }
            }
        }
        for (k, v) in self.dataset.attrs() {
            let v = if nc4 { v.clone() } else { nc3_attr(v) };
            let value =
                nc_attr(&v).map_err(|r| format_error(path, None, format!("attribute {k}: {r}")))?;
            file.add_attribute(&format!("{prefix}{k}"), value)
                .map_err(|e| nc_error(path, None, &format!("writing attribute {k}"), e))?;
        }
        let mut unfiltered_bytes = 0u64;
        for (name, var) in variables {
            let target = Target {
                path,
                tmp,
                name: &format!("{prefix}{name}"),
                nc4,
                chars: char_dims
                    .get(name)
                    .map(|(d, n)| (format!("{prefix}{d}"), *n)),
            };
            unfiltered_bytes = unfiltered_bytes.saturating_add(define_variable(
                file,
                &target,
                var,
                unlimited.iter().any(|d| var.dims().contains(d)),
            )?);
        }
        Ok(unfiltered_bytes)
    }

    /// Adds the writes of this part's values (defined as `defined` says) to `writes`.
    fn add_writes(
        &self,
        defined: &Defined,
        file: &SharedFile,
        writeback: Option<&Arc<WriteBack>>,
        writes: &mut Writes,
    ) -> Result<()> {
        let path = self.path.as_path();
        let Defined {
            variables,
            char_dims,
            prefix,
        } = defined;
        for (name, var) in variables {
            let target = Write {
                file: Arc::clone(file),
                path: Arc::from(path),
                name: Arc::from(format!("{prefix}{name}")),
                nc4: self.format.is_netcdf4(),
                chars: char_dims.get(name).map(|&(_, n)| n),
                charset: Charset::named(var.encoding().string_encoding.as_deref()),
                origin: Vec::new(),
                writeback: writeback.cloned(),
            };
            writes.add(target, var)?;
        }
        Ok(())
    }
}

/// What [`ToNetcdf::define`] defined: the encoded variables, the string-length dims of
/// those stored as characters, and the group's path prefix.
struct Defined {
    variables: IndexMap<String, Variable>,
    char_dims: IndexMap<String, (String, usize)>,
    prefix: String,
}

/// The string-length dim of `name`, strings of at most `len` bytes stored as characters,
/// named as xarray names it (`validate_char_dim_name`): `string{len}` by default; the
/// encoding's `char_dim_name` when it fits, else (with a warning) that name with its last
/// number replaced by `len`, or with `len` appended when its `original_shape` says
/// another length.
fn char_dim_name(name: &str, len: usize, enc: &Encoding) -> String {
    let Some(dim) = &enc.char_dim_name else {
        return format!("string{len}");
    };
    let digits_end = dim.rfind(|c: char| c.is_ascii_digit()).map(|i| i + 1);
    let renamed = match digits_end {
        Some(end) => {
            let start = dim[..end]
                .rfind(|c: char| !c.is_ascii_digit())
                .map_or(0, |i| i + 1);
            let stored = dim[start..end].parse::<usize>().ok();
            (stored != Some(len)).then(|| format!("{}{len}", &dim[..start]))
        }
        None => {
            let stored = enc.original_shape.as_ref().and_then(|s| s.last().copied());
            stored
                .is_some_and(|n| n != len)
                .then(|| format!("{dim}{len}"))
        }
    };
    match renamed {
        Some(new) => {
            warn(format!(
                "string dimension {dim:?} of variable {name:?} does not fit its strings of \
                 {len} bytes; writing {new:?} instead"
            ));
            new
        }
        None => dim.clone(),
    }
}

fn temp_path(target: &Path) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let file_name = target
        .file_name()
        .map_or_else(|| "out.nc".into(), |f| f.to_string_lossy().into_owned());
    target.with_file_name(format!(".{file_name}.xr-tmp-{}-{n}", std::process::id()))
}

/// An attribute as the netcdf crate writes it.
fn nc_attr(v: &AttrValue) -> std::result::Result<AttributeValue, String> {
    let a = match v {
        AttrValue::Str(s) => return Ok(AttributeValue::Str(s.clone())),
        AttrValue::Array(a) => a,
    };
    fn values<T: Element>(a: &NdArray) -> std::result::Result<AttributeValue, String>
    where
        AttributeValue: From<T> + From<Vec<T>>,
    {
        let x = a
            .as_array::<T>()
            .ok_or_else(|| "dtype mismatch".to_string())?;
        let mut v: Vec<T> = x.iter().cloned().collect();
        Ok(if v.len() == 1 {
            AttributeValue::from(v.remove(0))
        } else {
            AttributeValue::from(v)
        })
    }
    match a.dtype() {
        DType::Str => values::<String>(a),
        DType::Bool => {
            let x = a.astype(DType::U8).map_err(|e| e.to_string())?;
            nc_attr(&AttrValue::Array(x))
        }
        d => with_numeric_dtype!(d, |T| values::<T>(a), other => {
            Err(format!("attributes of dtype {other} cannot be written"))
        }),
    }
}

/// Where and how one variable is defined.
struct Target<'a> {
    /// The file the user asked for (for errors).
    path: &'a Path,
    /// The temporary file being written.
    tmp: &'a Path,
    /// The variable's path in the file.
    name: &'a str,
    nc4: bool,
    /// Stored as characters: the string-length dim and its length.
    chars: Option<(String, usize)>,
}

/// Defines `var` as `target` says; returns the bytes its values take in the file when
/// it has no filters (0 with filters, or for strings, whose size is not known yet).
fn define_variable(
    file: &mut netcdf::FileMut,
    target: &Target<'_>,
    var: &Variable,
    has_unlimited: bool,
) -> Result<u64> {
    let &Target {
        path, name, nc4, ..
    } = target;
    let vn = Some(name);
    let err = |doing: String| move |e: netcdf::Error| nc_error(path, vn, &doing, e);
    let mut dims: Vec<&str> = var.dims().iter().map(String::as_str).collect();
    if let Some((d, _)) = &target.chars {
        dims.push(d);
    }
    let dtype = if nc4 {
        var.dtype()
    } else {
        nc3_dtype(var.dtype())
    };
    let mut v = match dtype {
        // NetCDF has no bool: xarray stores them as bytes.
        DType::Bool => file.add_variable::<i8>(name, &dims),
        DType::Str if target.chars.is_some() => file.add_variable::<NcChar>(name, &dims),
        DType::Str if nc4 => file.add_string_variable(name, &dims),
        d => with_numeric_dtype!(d, |T| file.add_variable::<T>(name, &dims), other => {
            return Err(format_error(
                path,
                vn,
                format!("variables of dtype {other} cannot be written to this NetCDF format"),
            ))
        }),
    }
    .map_err(err("defining the variable".into()))?;
    let enc = var.encoding();
    // Without filters, chunks can go to the file past libhdf5's cache.
    let mut unfiltered = !nc4;
    if nc4 && !dims.is_empty() {
        let mut chunked = false;
        if let Some(c) = &enc.chunksizes {
            let mut c = c.clone();
            if let Some((_, n)) = &target.chars {
                // Chunk sizes read from a char variable omit the string-length dim.
                if c.len() + 1 == dims.len() {
                    c.push(*n);
                }
            }
            let mut shape = var.shape().to_vec();
            shape.extend(target.chars.as_ref().map(|&(_, n)| n));
            if c.len() == dims.len() {
                let c: Vec<usize> = c
                    .iter()
                    .zip(&shape)
                    .map(|(&x, &n)| x.max(1).min(n.max(1)))
                    .collect();
                v.set_chunking(&c)
                    .map_err(err("setting chunk sizes".into()))?;
                chunked = true;
            }
        }
        // Zarr's compressors have no NetCDF filter here: they are left out, as xarray
        // drops encodings another backend wrote.
        let deflate = match enc.compression {
            Some(Compression::Zlib(level)) => Some(level.clamp(1, 9) as i32),
            _ => None,
        };
        let shuffle = enc.shuffle;
        let fletcher32 = enc.fletcher32.unwrap_or(false);
        if deflate.is_some() || shuffle == Some(true) {
            // Shuffle without deflate is a level-0 deflate filter pipeline in libnetcdf.
            let level = deflate.unwrap_or(0);
            let deflate = deflate.is_some();
            v.set_compression(level, shuffle.unwrap_or(deflate))
                .map_err(err("setting compression".into()))?;
            chunked = true;
        }
        unfiltered = deflate.is_none() && shuffle != Some(true) && !fletcher32;
        let contiguous = enc.contiguous == Some(true) && !chunked && !has_unlimited;
        if fletcher32 || contiguous {
            let failed = |doing: &'static str| move |e: netcdf::Error| nc_error(path, vn, doing, e);
            match VarIds::of(&v, target.tmp) {
                Some(ids) if fletcher32 => {
                    ids.set_fletcher32().map_err(failed("setting fletcher32"))?;
                }
                Some(ids) => ids
                    .set_contiguous()
                    .map_err(failed("setting contiguous storage"))?,
                None if fletcher32 => {
                    return Err(format_error(
                        path,
                        vn,
                        "setting fletcher32: the NetCDF library did not give the variable's ids",
                    ))
                }
                // Contiguous is libnetcdf's default for fixed-size unfiltered variables.
                None => {}
            }
        }
    }
    // Chunks (those asked for or libnetcdf's default) written whole, each by one write:
    // their data straight to the file, and no fill value first, as every chunk is
    // written before the file is renamed into place. Without the ids, through the cache.
    let direct = unfiltered
        && target.chars.is_none()
        && dtype != DType::Str
        && v.chunking()
            .ok()
            .flatten()
            .is_some_and(|c| writes_whole_chunks(var, &c));
    if direct {
        if let Some(ids) = VarIds::of(&v, target.tmp) {
            ids.write_chunks_direct()
                .map_err(|e| nc_error(path, vn, "setting direct chunk writes", e))?;
        }
    }
    if var.dtype() == DType::Bool {
        v.put_attribute("dtype", "bool")
            .map_err(err("writing attribute dtype".into()))?;
    }
    if target.chars.is_some() && !var.attrs().contains_key("_Encoding") {
        let encoding = enc.string_encoding.as_deref().unwrap_or("utf-8");
        v.put_attribute("_Encoding", encoding)
            .map_err(err("writing attribute _Encoding".into()))?;
    }
    for (k, a) in var.attrs() {
        let value =
            nc_attr(a).map_err(|r| format_error(path, vn, format!("attribute {k}: {r}")))?;
        v.put_attribute(k, value)
            .map_err(err(format!("writing attribute {k}")))?;
    }
    let stored = match dtype {
        DType::Str => 0,
        DType::Bool => 1,
        d => d.size(),
    };
    Ok(if unfiltered {
        (var.shape().iter().product::<usize>() as u64).saturating_mul(stored as u64)
    } else {
        0
    })
}

/// Whether each of `var`'s writes covers whole chunks of sizes `chunks` (the last along
/// a dim may be cut by the dim's end): in-memory values are written in one piece, lazy
/// ones a block at a time, so their blocks must start and end on chunk boundaries.
fn writes_whole_chunks(var: &Variable, chunks: &[usize]) -> bool {
    match var.data() {
        Data::Eager(_) => true,
        Data::Lazy(l) => {
            let sizes = l.grid().sizes();
            sizes.len() == chunks.len()
                && sizes.iter().zip(chunks).all(|(blocks, &c)| {
                    let inner = &blocks[..blocks.len().saturating_sub(1)];
                    c > 0 && inner.iter().all(|&n| n % c == 0)
                })
        }
    }
}

/// Strings as `len` characters each (UTF-8 bytes, NUL-padded), row-major.
fn to_chars(
    path: &Path,
    name: &str,
    block: &NdArray,
    len: usize,
    charset: Charset,
) -> Result<Vec<NcChar>> {
    let strings = block
        .as_array::<String>()
        .ok_or_else(|| format_error(path, Some(name), "characters are written from strings"))?;
    let mut out = vec![NcChar(0); strings.len() * len];
    for (s, slot) in strings.iter().zip(out.chunks_exact_mut(len)) {
        let bytes = charset.encode(s).ok_or_else(|| {
            format_error(
                path,
                Some(name),
                format!("the string {s:?} has characters its _Encoding {charset:?} cannot hold"),
            )
        })?;
        if bytes.len() > len {
            return Err(format_error(
                path,
                Some(name),
                format!("the string {s:?} is longer than its {len}-character dim"),
            ));
        }
        for (c, &b) in slot.iter_mut().zip(&bytes) {
            *c = NcChar(b);
        }
    }
    Ok(out)
}

fn put_block(
    file: &mut netcdf::FileMut,
    path: &Path,
    name: &str,
    block: &NdArray,
    region: &[std::ops::Range<usize>],
    chars: Option<(usize, Charset)>,
) -> Result<()> {
    let vn = Some(name);
    let chars = chars
        .map(|(len, charset)| to_chars(path, name, block, len, charset).map(|c| (c, len)))
        .transpose()?;
    with_lock(|| {
        let mut v = file
            .variable_mut(name)
            .ok_or_else(|| format_error(path, vn, "variable vanished while writing"))?;
        if let Some((values, len)) = &chars {
            let mut region = region.to_vec();
            region.push(0..*len);
            return v
                .put_values(values, region)
                .map_err(|e| nc_error(path, vn, "writing characters", e));
        }
        let ext: netcdf::Extents = if region.is_empty() {
            netcdf::Extents::All
        } else {
            region.to_vec().into()
        };
        let r = match block {
            NdArray::Bool(a) => {
                let values: Vec<i8> = a.iter().map(|&b| i8::from(b)).collect();
                v.put_values(&values, ext)
            }
            NdArray::Str(a) => {
                let shape = a.shape().to_vec();
                for (flat, s) in a.iter().enumerate() {
                    let mut rest = flat;
                    let mut one = vec![0..0; shape.len()];
                    for i in (0..shape.len()).rev() {
                        let k = rest % shape[i].max(1);
                        rest /= shape[i].max(1);
                        one[i] = region[i].start + k..region[i].start + k + 1;
                    }
                    let ext: netcdf::Extents = if one.is_empty() {
                        netcdf::Extents::All
                    } else {
                        one.into()
                    };
                    v.put_string(s, ext)
                        .map_err(|e| nc_error(path, vn, "writing strings", e))?;
                }
                Ok(())
            }
            // Contiguous blocks (the usual case) go to libnetcdf as they are; others
            // are gathered into one buffer first.
            numeric => match_numeric!(numeric, a => match a.as_slice() {
                Some(values) => v.put_values(values, ext),
                None => {
                    let values: Vec<_> = a.iter().copied().collect();
                    v.put_values(&values, ext)
                }
            }, other => {
                return Err(format_error(
                    path,
                    vn,
                    format!("values of dtype {} cannot be written", other.dtype()),
                ))
            }),
        };
        r.map_err(|e| nc_error(path, vn, "writing values", e))
    })
}

/// The type NetCDF-3 stores `dtype` as (xarray's `coerce_nc3_dtype`): it has no 64-bit or
/// unsigned integers and no bool.
fn nc3_dtype(dtype: DType) -> DType {
    match dtype {
        DType::I64 | DType::U64 | DType::U32 => DType::I32,
        DType::U16 => DType::I16,
        DType::U8 | DType::Bool => DType::I8,
        other => other,
    }
}

fn nc3_attr(v: &AttrValue) -> AttrValue {
    match v {
        AttrValue::Array(a) if nc3_dtype(a.dtype()) != a.dtype() => a
            .astype(nc3_dtype(a.dtype()))
            .map_or_else(|_| v.clone(), AttrValue::Array),
        other => other.clone(),
    }
}

/// Casts a block for NetCDF-3, refusing values that the cast would change.
fn nc3_block(path: &Path, name: &str, block: &NdArray) -> Result<NdArray> {
    let target = nc3_dtype(block.dtype());
    if target == block.dtype() {
        return Ok(block.clone());
    }
    let cast = block.astype(target)?;
    if !cast.astype(block.dtype())?.equals(block) {
        return Err(format_error(
            path,
            Some(name),
            format!(
                "values of dtype {} do not fit NetCDF-3's {target}; write NetCDF-4 or cast first",
                block.dtype()
            ),
        ));
    }
    Ok(cast)
}

/// One variable's values to write, as the write tasks need it.
#[derive(Clone)]
struct Write {
    file: SharedFile,
    /// The file the user asked for (for errors).
    path: Arc<Path>,
    /// The variable's path in the file.
    name: Arc<str>,
    nc4: bool,
    /// Stored as characters of this length.
    chars: Option<usize>,
    /// The characters' charset (`_Encoding`).
    charset: Charset,
    /// Where the variable's values start in the file (appends); empty for the origin.
    origin: Vec<usize>,
    /// The file's rolling write-back (a new file written front to back), shared by the
    /// variables' writes.
    writeback: Option<Arc<WriteBack>>,
}

impl Write {
    /// Writes `block` into `region` of the variable: cast for NetCDF-3 first, then the
    /// library calls under the file's mutex (uncontended: the writes are chained) and
    /// [`with_lock`].
    fn put(&self, block: &NdArray, region: &[std::ops::Range<usize>]) -> Result<()> {
        let block = if self.nc4 {
            block.clone()
        } else {
            nc3_block(&self.path, &self.name, block)?
        };
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let file = file.as_mut().ok_or_else(|| {
            format_error(
                &self.path,
                Some(&self.name),
                "the file was closed while writing",
            )
        })?;
        let chars = self.chars.map(|len| (len, self.charset));
        let shifted: Vec<std::ops::Range<usize>> = region
            .iter()
            .enumerate()
            .map(|(axis, r)| {
                let start = self.origin.get(axis).copied().unwrap_or(0);
                r.start + start..r.end + start
            })
            .collect();
        put_block(file, &self.path, &self.name, &block, &shifted, chars)?;
        if let Some(wb) = &self.writeback {
            wb.advance();
        }
        Ok(())
    }
}

/// The largest block of joined chunks a lazy variable is written in (see
/// `LazyArray::write_grid`): libnetcdf works per call as well as per chunk, and
/// `ffill`'s output of one-step chunks (1.9 GB, 7300 chunks), written in its blocks of
/// 8 MiB instead, took 11% less wall time in 2 of 3 rounds (`bench/toolkit/README.md`).
const WRITE_BYTES: usize = 8 << 20;

/// The graph writing every variable, as it is built: one lowering for all lazy
/// variables, and the write tasks chained in the file's order.
struct Writes {
    lowering: Lowering,
    /// The last write task added, which the next one waits for.
    last: Option<TaskId>,
    outputs: Vec<TaskId>,
}

impl Writes {
    /// Adds the write of `var`'s values: one task for in-memory values; for lazy ones,
    /// per block, the task computing it and, next (the executor runs the lowest ready id
    /// first, so a block is written before more are read), the one writing it.
    fn add(&mut self, w: Write, var: &Variable) -> Result<()> {
        if var.shape().contains(&0) {
            return Ok(());
        }
        match var.data() {
            Data::Eager(a) => {
                let a = a.clone();
                let label = format!("write {}: {}", w.path.display(), w.name);
                self.chain(None, label, move |_| {
                    let region: Vec<_> = a.shape().iter().map(|&n| 0..n).collect();
                    w.put(&a, &region)
                });
            }
            Data::Lazy(l) => {
                let grid = l.write_grid(WRITE_BYTES);
                for linear in 0..grid.num_blocks() {
                    let block = self.lowering.block(l, &grid, linear)?;
                    let index = grid.block_index(linear);
                    let region = grid.block_region(&index);
                    let label = format!("write {}: {} chunk {index:?}", w.path.display(), w.name);
                    let w = w.clone();
                    self.chain(Some(block), label, move |deps| {
                        let block = deps
                            .first()
                            .and_then(|v| v.0.first())
                            .ok_or_else(|| Error::internal("a write task gets its block"))?;
                        w.put(block, &region)
                    });
                }
            }
        }
        Ok(())
    }

    /// Adds a write task after the last one (and after `block`, whose value it gets
    /// first).
    fn chain(
        &mut self,
        block: Option<TaskId>,
        label: String,
        put: impl FnOnce(Vec<Arc<TaskValue>>) -> Result<()> + Send + 'static,
    ) {
        let deps: Vec<TaskId> = block.into_iter().chain(self.last).collect();
        let id = self.lowering.graph.add_task(
            deps,
            label,
            0,
            Box::new(move |deps| {
                put(deps)?;
                Ok(TaskValue(Vec::new()))
            }),
        );
        self.last = Some(id);
        self.outputs.push(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::warning::catch_warnings;

    fn named(dim: Option<&str>, original: Option<Vec<usize>>) -> Encoding {
        Encoding {
            char_dim_name: dim.map(str::to_string),
            original_shape: original,
            ..Encoding::default()
        }
    }

    /// A file written with its rolling write-back on (`io::writeback`: from the first
    /// byte, every 64 KiB, in unit tests; libhdf5 keeps chunks in its cache and writes
    /// them when it evicts them or at the close) reads back as written.
    #[test]
    fn a_file_written_back_as_it_grows_reads_back_whole() {
        let values: Vec<f64> = (0..40 * 250 * 250).map(|i| f64::from(i) * 0.25).collect();
        let data = NdArray::from_shape_vec(&[40, 250, 250], values.clone()).unwrap();
        let ds = Dataset::new()
            .with_data_var("v", Variable::new(&["t", "y", "x"], data).unwrap())
            .unwrap()
            .chunk(&[("t", 1)])
            .unwrap();
        let out = std::env::temp_dir().join(format!("xr-writeback-{}.nc", std::process::id()));
        ds.to_netcdf(&out).unwrap();
        let back = Dataset::open_dataset(&out).unwrap();
        let got = back
            .variable("v")
            .unwrap()
            .values()
            .unwrap()
            .to_f64_vec()
            .unwrap();
        std::fs::remove_file(&out).unwrap();
        assert_eq!(got, values);
    }

    #[test]
    fn char_dims_are_named_as_xarray_names_them() {
        let cases = [
            (None, None, "string3", false),
            (Some("strlen"), None, "strlen", false),
            (Some("strlen"), Some(vec![4, 3]), "strlen", false),
            (Some("strlen"), Some(vec![4, 8]), "strlen3", true),
            (Some("string3"), None, "string3", false),
            (Some("string8"), None, "string3", true),
            (Some("nc12x"), None, "nc3", true),
            (Some("12"), None, "3", true),
        ];
        for (dim, original, want, warns) in cases {
            let (got, warnings) = catch_warnings(|| char_dim_name("v", 3, &named(dim, original)));
            assert_eq!(got, want, "{dim:?}");
            assert_eq!(warnings.len(), usize::from(warns), "{dim:?}: {warnings:?}");
            if warns {
                assert!(warnings[0].contains("\"v\"") && warnings[0].contains(want));
            }
        }
    }
}
