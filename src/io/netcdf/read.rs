//! Opening NetCDF files: metadata, lazy chunk sources, CF decoding.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use indexmap::IndexMap;
use netcdf::types::{
    CompoundType, EnumType as NcEnumType, EnumTypeValues, IntType, NcVariableType,
};
use netcdf::AttributeValue;

use super::classic::RecordsPastEnd;
use super::ffi::{Filters, VarIds};
use super::{format_error, nc_error, with_lock};
use crate::array::chunks::ChunkGrid;
use crate::array::{with_numeric_dtype, DType, FixedWidth, NdArray};
use crate::dataset::EnumType;
use crate::dataset::{AttrValue, Attrs, Compression, Dataset, DatasetEncoding, Encoding, Variable};
use crate::error::{Error, Result};
use crate::io::cf::{self, DecodeOptions};
use crate::lazy::ChunkSource;
use crate::lazy::Data;
use crate::lazy::LazyArray;
use crate::warning::warn;

/// Contiguous and NetCDF-3 variables are split along their first dim into pieces of
/// about this many bytes.
const TARGET_CHUNK_BYTES: usize = 16 << 20;

/// Options for opening a NetCDF file, built by [`Dataset::open`].
///
/// ```no_run
/// # fn main() -> xr::Result<()> {
/// let ds = xr::Dataset::open("in.nc").decode_times(false).group("/model/run1").open()?;
/// # let _ = ds;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct OpenOptions {
    path: PathBuf,
    decode: DecodeOptions,
    group: Option<String>,
}

impl OpenOptions {
    /// Options for opening `path`, with all CF decoding on.
    pub fn new(path: impl AsRef<Path>) -> Self {
        OpenOptions {
            path: path.as_ref().to_path_buf(),
            decode: DecodeOptions::default(),
            group: None,
        }
    }

    crate::io::cf::decode_option_setters!();

    /// Opens the group at `path` (`"/a/b"` or `"a/b"`; `"/"` is the root).
    pub fn group(mut self, path: &str) -> Self {
        let trimmed = path.trim_matches('/');
        self.group = (!trimmed.is_empty()).then(|| trimmed.to_string());
        self
    }

    /// Opens the file: metadata now, data variables lazily.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be found or read; [`Error::Netcdf`] naming the
    /// file (and variable), with libnetcdf's error as its source, when the library cannot
    /// open or read it (not a NetCDF file, truncated or corrupt); [`Error::Format`] naming
    /// the file (and variable) when it has no such group or a corrupt NetCDF-3 header, or
    /// wrapping the CF error for an unknown calendar.
    ///
    /// Types `xr` cannot represent are no error: such variables, compound members and
    /// attributes are left out with a warning naming them ([`crate::warning`]). Time
    /// units that cannot be parsed leave their variable undecoded, with a warning.
    pub fn open(&self) -> Result<Dataset> {
        open(&self.path, self.group.as_deref(), &self.decode)
    }
}

/// An open file shared by every source reading from it.
struct NcFile {
    path: PathBuf,
    /// `None` only while it is being closed.
    file: Option<netcdf::File>,
}

impl Drop for NcFile {
    /// Closes the file under [`with_lock`], not only the `netcdf` crate's per-call lock:
    /// a close between the calls of another thread's open of the same file (which libhdf5
    /// shares between the two handles) left that open converting a variable-length fill
    /// value through the closed handle, and crashed (1 run in 10 of `tests/io_nc_types.rs`).
    fn drop(&mut self) {
        let file = self.file.take();
        with_lock(|| drop(file));
    }
}

/// The files this process has open through libnetcdf, by identity: opening a file
/// that is open already reuses its handle. Two handles on one file share libhdf5's
/// objects, and libhdf5 converts a variable-length fill value through the handle that
/// first opened its dataset: once that handle was closed while another stayed open,
/// reading the variables' metadata through the other crashed (`tests/io_nc_types.rs`,
/// its tests opening the same fixtures in parallel). xarray also keeps one handle per
/// file (its file cache).
static OPEN_FILES: Mutex<Vec<(FileKey, Weak<NcFile>)>> = Mutex::new(Vec::new());

/// A file's identity and version: device, inode, size and modification time, so that
/// a file replaced or rewritten since it was opened is opened anew.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileKey([i128; 5]);

impl FileKey {
    #[cfg(unix)]
    fn of(path: &Path) -> Option<FileKey> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(FileKey([
            m.dev().into(),
            m.ino().into(),
            m.size().into(),
            m.mtime().into(),
            m.mtime_nsec().into(),
        ]))
    }

    #[cfg(not(unix))]
    fn of(_path: &Path) -> Option<FileKey> {
        None
    }

    /// The open handle on this file in `open` (the registry), if one is alive.
    fn open_file(&self, open: &mut Vec<(FileKey, Weak<NcFile>)>) -> Option<Arc<NcFile>> {
        open.retain(|(_, w)| w.strong_count() > 0);
        open.iter()
            .find(|(k, _)| k == self)
            .and_then(|(_, w)| w.upgrade())
    }
}

impl fmt::Debug for NcFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NcFile({})", self.path.display())
    }
}

/// How a variable's values are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Storage {
    /// Numbers, read as raw native-endian bytes.
    Number(DType),
    /// `NC_CHAR` with the last dim as string length: one string per element of the
    /// other dims.
    Chars(usize),
    /// `NC_CHAR` kept as characters, one string per character: without dims, or when
    /// the last dim is no string length by xarray's rule ([`collapse_char_dims`]).
    Char,
    /// `NC_STRING` (NetCDF-4's variable-length strings).
    Strings,
    /// One member of a compound variable: numbers of `dtype` at `offset` bytes into
    /// records of `size` bytes.
    Member {
        dtype: DType,
        offset: usize,
        size: usize,
    },
    /// One member of a compound variable that holds `len` characters: one string per
    /// record, as char arrays are.
    MemberChars {
        offset: usize,
        len: usize,
        size: usize,
    },
}

/// Reads one NetCDF variable, chunk by chunk, through libnetcdf.
///
/// Chunks are the storage chunks of chunked NetCDF-4 variables, and ~16 MB pieces along
/// the first dim for contiguous and NetCDF-3 variables. Every read holds the
/// process-wide libnetcdf lock (see the module docs).
#[derive(Debug)]
pub struct NetcdfSource {
    file: Arc<NcFile>,
    /// The variable's path in the file (`"a/b/air"`, or `"air"` at the root).
    var_path: String,
    storage: Storage,
    dtype: DType,
    shape: Vec<usize>,
    grid: ChunkGrid,
    /// How characters are decoded: the variable's `_Encoding`.
    charset: Charset,
    /// For a record variable of a classic file: the first record past the end of the
    /// file; from it on, records read as zeros (as netcdf-c reads them).
    zeros_from: Option<usize>,
}

/// The character set of `NC_CHAR` text (`_Encoding`). xarray decodes with any Python
/// codec; the ones netCDF files use are UTF-8 (the default here, invalid bytes
/// replaced) and Latin-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Charset {
    Utf8,
    Latin1,
}

impl Charset {
    fn of(attrs: &Attrs) -> Charset {
        Charset::named(attrs.get("_Encoding").and_then(AttrValue::as_str))
    }

    /// The charset an `_Encoding` names (UTF-8 for none).
    pub(super) fn named(name: Option<&str>) -> Charset {
        let name = name.map(|n| n.to_ascii_lowercase().replace(['-', '_'], ""));
        match name.as_deref() {
            Some("latin1" | "iso88591" | "l1" | "cp819") => Charset::Latin1,
            _ => Charset::Utf8,
        }
    }

    /// The text of `bytes`, trailing NULs dropped.
    fn decode(self, bytes: &[u8]) -> String {
        let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
        match self {
            Charset::Utf8 => String::from_utf8_lossy(&bytes[..end]).into_owned(),
            Charset::Latin1 => bytes[..end].iter().map(|&b| char::from(b)).collect(),
        }
    }

    /// The bytes of `text`; `None` when a character has none in this charset.
    pub(super) fn encode(self, text: &str) -> Option<Vec<u8>> {
        match self {
            Charset::Utf8 => Some(text.as_bytes().to_vec()),
            Charset::Latin1 => text.chars().map(|c| u8::try_from(c).ok()).collect(),
        }
    }
}

impl NetcdfSource {
    fn read_region(&self, region: &[Range<usize>]) -> Result<NdArray> {
        let path = &self.file.path;
        let name = Some(self.var_path.as_str());
        let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
        let n: usize = shape.iter().product();
        let mut extents: Vec<Range<usize>> = region.to_vec();
        if let Storage::Chars(len) = self.storage {
            extents.push(0..len);
        }
        with_lock(|| {
            let var = self
                .file
                .file
                .as_ref()
                .and_then(|f| f.variable(&self.var_path))
                .ok_or_else(|| format_error(path, name, "variable vanished from the file"))?;
            let ext: netcdf::Extents = if extents.is_empty() {
                netcdf::Extents::All
            } else {
                extents.clone().into()
            };
            match self.storage {
                Storage::Number(dtype) => {
                    let bytes = var
                        .get_raw_values(ext)
                        .map_err(|e| nc_error(path, name, "reading values", e))?;
                    bytes_to_array(&bytes, dtype, &shape)
                }
                Storage::Char => {
                    let bytes = var
                        .get_raw_values(ext)
                        .map_err(|e| nc_error(path, name, "reading characters", e))?;
                    let chars: Vec<String> = bytes
                        .iter()
                        .map(|b| self.charset.decode(std::slice::from_ref(b)))
                        .collect();
                    NdArray::from_shape_vec(&shape, chars)
                }
                Storage::Member {
                    dtype,
                    offset,
                    size,
                } => {
                    let records = var
                        .get_raw_values(ext)
                        .map_err(|e| nc_error(path, name, "reading compound records", e))?;
                    let width = dtype.size();
                    let bytes: Vec<u8> = records
                        .chunks_exact(size)
                        .flat_map(|r| &r[offset..offset + width])
                        .copied()
                        .collect();
                    bytes_to_array(&bytes, dtype, &shape)
                }
                Storage::MemberChars { offset, len, size } => {
                    let records = var
                        .get_raw_values(ext)
                        .map_err(|e| nc_error(path, name, "reading compound records", e))?;
                    let strings: Vec<String> = records
                        .chunks_exact(size)
                        .map(|r| self.charset.decode(&r[offset..offset + len]))
                        .collect();
                    NdArray::from_shape_vec(&shape, strings)
                }
                Storage::Chars(len) => {
                    let bytes = var
                        .get_raw_values(ext)
                        .map_err(|e| nc_error(path, name, "reading characters", e))?;
                    let strings: Vec<String> = if len == 0 {
                        vec![String::new(); n]
                    } else {
                        bytes
                            .chunks_exact(len)
                            .map(|c| self.charset.decode(c))
                            .collect()
                    };
                    NdArray::from_shape_vec(&shape, strings)
                }
                Storage::Strings => {
                    let start: Vec<usize> = region.iter().map(|r| r.start).collect();
                    #[cfg(feature = "direct")]
                    if super::ffi::fixed_strings_misread() {
                        // An HDF5 fixed-length string dataset: read through libhdf5.
                        let fixed = crate::io::chunks::hdf5::read_fixed_strings(
                            path,
                            &format!("/{}", self.var_path.trim_start_matches('/')),
                            &start,
                            &shape,
                        )
                        .map_err(|reason| format_error(path, name, reason))?;
                        if let Some(values) = fixed {
                            let strings: Vec<String> =
                                values.iter().map(|b| self.charset.decode(b)).collect();
                            return NdArray::from_shape_vec(&shape, strings);
                        }
                    }
                    // Not the netcdf crate's `get_string`: it calls `strlen` on NIL values.
                    let ids = VarIds::of(&var, path).ok_or_else(|| {
                        format_error(path, name, "cannot find the variable in libnetcdf")
                    })?;
                    let strings = ids
                        .get_strings(&start, &shape)
                        .map_err(|e| nc_error(path, name, "reading strings", e))?;
                    NdArray::from_shape_vec(&shape, strings)
                }
            }
        })
        .map_err(|e| match e {
            e @ (Error::Format { .. } | Error::Netcdf { .. }) => e,
            other => format_error(path, name, other.to_string()),
        })
    }
}

impl ChunkSource for NetcdfSource {
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
        self.read_region(region)
    }

    fn constant(&self, region: &[Range<usize>]) -> Option<NdArray> {
        let first = self.zeros_from?;
        let records = region.first()?;
        if !matches!(self.storage, Storage::Number(_))
            || records.start < first
            || region
                .iter()
                .zip(&self.shape)
                .any(|(r, &n)| r.is_empty() || r.end > n)
        {
            return None;
        }
        NdArray::zeros(&vec![1; self.shape.len()], self.dtype).ok()
    }

    fn label(&self) -> String {
        format!("{}: {}", self.file.path.display(), self.var_path)
    }
}

fn bytes_to_array(bytes: &[u8], dtype: DType, shape: &[usize]) -> Result<NdArray> {
    fn typed<T: FixedWidth>(bytes: &[u8], shape: &[usize]) -> Result<NdArray> {
        let values: Vec<T> = bytes.chunks_exact(T::SIZE).map(T::from_ne).collect();
        NdArray::from_shape_vec(shape, values)
    }
    with_numeric_dtype!(dtype, |T| typed::<T>(bytes, shape), other => {
        Err(Error::internal(format!("no raw NetCDF type for {other}")))
    })
}

fn number_dtype(t: &NcVariableType) -> Option<DType> {
    match t {
        NcVariableType::Int(i) => DType::integer(
            t.size(),
            matches!(i, IntType::I8 | IntType::I16 | IntType::I32 | IntType::I64),
        ),
        NcVariableType::Float(_) => DType::float(t.size()),
        _ => None,
    }
}

pub(super) fn attr_value(v: AttributeValue) -> AttrValue {
    match v {
        AttributeValue::Uchar(x) => x.into(),
        AttributeValue::Uchars(x) => x.into(),
        AttributeValue::Schar(x) => x.into(),
        AttributeValue::Schars(x) => x.into(),
        AttributeValue::Ushort(x) => x.into(),
        AttributeValue::Ushorts(x) => x.into(),
        AttributeValue::Short(x) => x.into(),
        AttributeValue::Shorts(x) => x.into(),
        AttributeValue::Uint(x) => x.into(),
        AttributeValue::Uints(x) => x.into(),
        AttributeValue::Int(x) => x.into(),
        AttributeValue::Ints(x) => x.into(),
        AttributeValue::Ulonglong(x) => x.into(),
        AttributeValue::Ulonglongs(x) => x.into(),
        AttributeValue::Longlong(x) => x.into(),
        AttributeValue::Longlongs(x) => x.into(),
        AttributeValue::Float(x) => x.into(),
        AttributeValue::Floats(x) => x.into(),
        AttributeValue::Double(x) => x.into(),
        AttributeValue::Doubles(x) => x.into(),
        AttributeValue::Str(s) => AttrValue::Str(s),
        AttributeValue::Strs(v) => AttrValue::Array(NdArray::from(v)),
    }
}

fn read_attrs<'a>(
    path: &Path,
    variable: Option<&str>,
    attrs: impl Iterator<Item = netcdf::Attribute<'a>>,
) -> Result<Attrs> {
    let mut out = Attrs::new();
    for a in attrs {
        let value = match a.value() {
            // NetCDF-4 user-defined types (enum, compound, opaque, vlen): no `AttrValue`.
            Err(netcdf::Error::TypeUnknown(t)) => {
                let of = variable.map_or("the file".to_string(), |v| format!("variable {v:?}"));
                warn(format!(
                    "{}: attribute {:?} of {of} has a user-defined type (NetCDF type id {t}) \
                     and is dropped",
                    path.display(),
                    a.name()
                ));
                continue;
            }
            other => other,
        };
        let value = value.map_err(|e| {
            nc_error(
                path,
                variable,
                &format!("reading attribute {}", a.name()),
                e,
            )
        })?;
        out.insert(a.name().to_string(), attr_value(value));
    }
    Ok(out)
}

/// What opening learns about one variable, before any data is read.
struct VarMeta {
    name: String,
    var_path: String,
    dims: Vec<String>,
    shape: Vec<usize>,
    storage: Storage,
    chunking: Option<Vec<usize>>,
    unlimited: Vec<String>,
    attrs: Attrs,
    /// How a NetCDF-4 variable is stored (`None` for NetCDF-3).
    storage_options: Option<StorageOptions>,
    /// The string-length dim of an `NC_CHAR` variable.
    char_dim: Option<String>,
    /// The enum type of a NetCDF-4 enum variable (read as its integer base type).
    enum_type: Option<EnumType>,
}

/// The storage of a NetCDF-4 variable: contiguous, or chunked with these filters
/// (`None` when the library would not say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StorageOptions {
    contiguous: bool,
    filters: Option<Filters>,
}

/// What opening learns about `var`: one [`VarMeta`] for most variables, one per member
/// for compounds, none (with a warning) for types `xr` cannot represent. `NC_CHAR`
/// variables keep all their dims here; [`collapse_char_dims`] decides which become
/// strings.
fn var_meta(
    path: &Path,
    prefix: &str,
    var: &netcdf::Variable<'_>,
    nc4: bool,
) -> Result<Vec<VarMeta>> {
    let name = var.name();
    let vn = Some(name.as_str());
    let dims: Vec<String> = var
        .dimensions()
        .iter()
        .map(netcdf::Dimension::name)
        .collect();
    let shape: Vec<usize> = var
        .dimensions()
        .iter()
        .map(netcdf::Dimension::len)
        .collect();
    let n: usize = shape.iter().product();
    if var.len() != n {
        return Err(format_error(
            path,
            vn,
            format!(
                "dims {dims:?} of sizes {shape:?} disagree with the variable's {} elements",
                var.len()
            ),
        ));
    }
    let unlimited: Vec<String> = var
        .dimensions()
        .iter()
        .filter(|d| d.is_unlimited())
        .map(netcdf::Dimension::name)
        .collect();
    let vartype = var.vartype();
    let mut enum_type = None;
    let storage = match &vartype {
        NcVariableType::Char => Storage::Char,
        NcVariableType::String => Storage::Strings,
        NcVariableType::Enum(e) => {
            let (dtype, enum_values) = enum_base(e);
            enum_type = Some(EnumType {
                name: e.name.clone(),
                labels: e.fieldnames.clone(),
                values: enum_values,
            });
            Storage::Number(dtype)
        }
        // Replaced by its members below.
        NcVariableType::Compound(_) => Storage::Number(DType::U8),
        t => match number_dtype(t) {
            Some(dtype) => Storage::Number(dtype),
            None => {
                warn(format!(
                    "{}: variable {name:?} has the NetCDF type {}, which xr cannot \
                     represent; it is skipped",
                    path.display(),
                    type_label(t)
                ));
                return Ok(Vec::new());
            }
        },
    };
    // NetCDF-3 files have no chunking; the library then reports an error, not None.
    let chunking = var.chunking().ok().flatten();
    let attrs = read_attrs(path, vn, var.attributes())?;
    let storage_options = nc4.then(|| {
        if var.dimensions().is_empty() || chunking.is_none() {
            StorageOptions {
                contiguous: !var.dimensions().is_empty(),
                filters: Some(Filters::default()),
            }
        } else {
            StorageOptions {
                contiguous: false,
                filters: VarIds::of(var, path).and_then(|ids| ids.filters().ok()),
            }
        }
    });
    let meta = VarMeta {
        var_path: format!("{prefix}{name}"),
        name,
        dims,
        shape,
        storage,
        chunking,
        unlimited,
        attrs,
        storage_options,
        char_dim: None,
        enum_type,
    };
    match &vartype {
        NcVariableType::Compound(c) => Ok(compound_members(path, &meta, c)),
        _ => Ok(vec![meta]),
    }
}

/// One variable `var.member` per member of the compound variable `meta` that holds a
/// number or characters (a string per record), a departure from xarray, which reads a
/// structured dtype `xr` has no equivalent for; other members (nested, arrays of
/// numbers, vlen) are skipped with a warning.
fn compound_members(path: &Path, meta: &VarMeta, compound: &CompoundType) -> Vec<VarMeta> {
    let mut members = Vec::new();
    for field in &compound.fields {
        let chars = match (&field.basetype, field.arraydims.as_deref()) {
            (NcVariableType::Char, None) => Some(1),
            (NcVariableType::Char, Some(&[len])) => Some(len),
            _ => None,
        };
        let number = number_dtype(&field.basetype).filter(|_| field.arraydims.is_none());
        let storage = match (number, chars) {
            (Some(dtype), _) => Some(Storage::Member {
                dtype,
                offset: field.offset,
                size: compound.size,
            }),
            (None, Some(len)) => Some(Storage::MemberChars {
                offset: field.offset,
                len,
                size: compound.size,
            }),
            (None, None) => None,
        };
        let width = match storage {
            Some(Storage::Member { dtype, .. }) => dtype.size(),
            Some(Storage::MemberChars { len, .. }) => len,
            _ => 0,
        };
        // A member must lie inside its record; the library says so, a corrupt file may not.
        let storage = storage.filter(|_| field.offset + width <= compound.size);
        let Some(storage) = storage else {
            warn(format!(
                "{}: member {:?} of the compound variable {:?} is a {}, which xr cannot \
                 represent; it is skipped",
                path.display(),
                field.name,
                meta.name,
                if field.arraydims.is_some() {
                    "fixed-size array".to_string()
                } else {
                    type_label(&field.basetype)
                }
            ));
            continue;
        };
        members.push(VarMeta {
            name: format!("{}.{}", meta.name, field.name),
            var_path: meta.var_path.clone(),
            dims: meta.dims.clone(),
            shape: meta.shape.clone(),
            storage,
            chunking: meta.chunking.clone(),
            unlimited: meta.unlimited.clone(),
            attrs: meta.attrs.clone(),
            storage_options: meta.storage_options,
            char_dim: None,
            enum_type: None,
        });
    }
    members
}

/// The integer dtype an enum is stored as, and its values as one attribute array.
fn enum_base(e: &NcEnumType) -> (DType, AttrValue) {
    match &e.fieldvalues {
        EnumTypeValues::U8(v) => (DType::U8, v.clone().into()),
        EnumTypeValues::U16(v) => (DType::U16, v.clone().into()),
        EnumTypeValues::U32(v) => (DType::U32, v.clone().into()),
        EnumTypeValues::U64(v) => (DType::U64, v.clone().into()),
        EnumTypeValues::I8(v) => (DType::I8, v.clone().into()),
        EnumTypeValues::I16(v) => (DType::I16, v.clone().into()),
        EnumTypeValues::I32(v) => (DType::I32, v.clone().into()),
        EnumTypeValues::I64(v) => (DType::I64, v.clone().into()),
    }
}

/// A NetCDF type as a user reads it in `ncdump -h`: `opaque(4) blob_t`, `int(*) ragged_t`.
fn type_label(t: &NcVariableType) -> String {
    match t {
        NcVariableType::Opaque(o) => format!("opaque type {:?}", o.name),
        NcVariableType::Vlen(v) => format!(
            "variable-length type {:?} of {}",
            v.name,
            type_label(&v.basetype)
        ),
        NcVariableType::Compound(c) => format!("compound type {:?}", c.name),
        NcVariableType::Enum(e) => format!("enum type {:?}", e.name),
        NcVariableType::String => "string".to_string(),
        NcVariableType::Char => "char".to_string(),
        other => number_dtype(other).map_or_else(|| format!("{other:?}"), |d| d.to_string()),
    }
}

/// Turns the last dim of `NC_CHAR` variables into strings exactly when xarray does
/// (`conventions.decode_cf_variables`, `stackable`): when no variable is named after it,
/// and every variable using it is a char variable with it as its last dim. Otherwise the
/// characters keep all their dims (`submode(recNum)` next to numbers along `recNum`).
fn collapse_char_dims(metas: &mut [VarMeta]) {
    let stackable = |dim: &str, metas: &[VarMeta]| {
        !metas.iter().any(|m| m.name == dim)
            && metas
                .iter()
                .filter(|m| m.dims.iter().any(|d| d == dim))
                .all(|m| {
                    matches!(m.storage, Storage::Char | Storage::Chars(_))
                        && m.dims.last().is_some_and(|d| d == dim)
                })
    };
    let collapse: Vec<bool> = metas
        .iter()
        .map(|m| {
            matches!(m.storage, Storage::Char) && m.dims.last().is_some_and(|d| stackable(d, metas))
        })
        .collect();
    for (meta, collapse) in metas.iter_mut().zip(collapse) {
        if !collapse {
            continue;
        }
        let len = meta.shape.pop().unwrap_or(0);
        meta.char_dim = meta.dims.pop();
        meta.storage = Storage::Chars(len);
        if let Some(c) = meta.chunking.as_mut() {
            c.pop();
        }
    }
}

/// True for NetCDF-3 files (`CDF\x01`, `\x02` or `\x05` at the start).
pub(super) fn is_netcdf3(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 3];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| &magic == b"CDF")
}

/// The encoding xarray's netCDF4 backend records for a variable: where it came from, its
/// on-disk dtype and shape, and (NetCDF-4) its storage and filters.
fn storage_encoding(path: &Path, meta: &VarMeta) -> Encoding {
    let mut encoding = Encoding {
        source: Some(path.display().to_string()),
        char_dim_name: meta.char_dim.clone(),
        chunksizes: meta.chunking.clone(),
        unlimited_dims: meta.unlimited.clone(),
        ..Encoding::default()
    };
    match meta.storage {
        Storage::Number(d) => encoding.dtype = Some(d),
        Storage::Chars(_) | Storage::Char => {
            encoding.dtype = Some(DType::Str);
            encoding.chars = true;
        }
        Storage::Strings => encoding.dtype = Some(DType::Str),
        Storage::Member { dtype, .. } => encoding.dtype = Some(dtype),
        Storage::MemberChars { .. } => encoding.dtype = Some(DType::Str),
    }
    let mut original = meta.shape.clone();
    if let Storage::Chars(len) = meta.storage {
        original.push(len);
    }
    encoding.original_shape = Some(original);
    if let Some(opts) = meta.storage_options {
        if let Some(f) = opts.filters {
            // No deflate leaves `compression` unset: another format then uses its own
            // default compressor, as it did for a file read by xarray.
            encoding.compression = f.deflate_level.map(|l| Compression::Zlib(l as u32));
            encoding.shuffle = Some(f.shuffle);
            encoding.fletcher32 = Some(f.fletcher32);
        }
        encoding.contiguous = Some(opts.contiguous);
    }
    encoding
}

/// The chunk grid of a variable: its storage chunks, or ~16 MB pieces along dim 0.
fn storage_grid(meta: &VarMeta, item_size: usize) -> Result<ChunkGrid> {
    if meta.shape.is_empty() {
        return Ok(ChunkGrid::single(&[]));
    }
    if let Some(c) = meta
        .chunking
        .as_ref()
        .filter(|c| c.len() == meta.shape.len())
    {
        let c: Vec<usize> = c.iter().map(|&x| x.max(1)).collect();
        return ChunkGrid::regular(&meta.shape, &c);
    }
    let row: usize = meta.shape[1..].iter().product::<usize>().max(1) * item_size.max(1);
    let rows = (TARGET_CHUNK_BYTES / row).max(1);
    let mut chunk = vec![0; meta.shape.len()];
    chunk[0] = rows;
    ChunkGrid::regular(&meta.shape, &chunk)
}

/// The chunk source of one variable.
///
/// This is where the direct chunk reader (`io::chunks::DirectChunkSource`) plugs in:
/// for chunked NetCDF-4 variables whose filter pipeline it can decode, it should be
/// built here and preferred, reading chunk bytes in parallel without the library lock;
/// the library-backed [`NetcdfSource`] below stays the fallback (NetCDF-3, contiguous
/// storage, unusual filters, strings).
fn variable_source(
    file: &Arc<NcFile>,
    meta: &VarMeta,
    past_end: &RecordsPastEnd,
) -> Result<Arc<dyn ChunkSource>> {
    let (dtype, item) = match meta.storage {
        Storage::Number(d) => (d, d.size()),
        Storage::Chars(len) => (DType::Str, len.max(1)),
        Storage::Char => (DType::Str, 1),
        Storage::Strings => (DType::Str, 16),
        Storage::Member { dtype, size, .. } => (dtype, size),
        Storage::MemberChars { size, .. } => (DType::Str, size),
    };
    Ok(Arc::new(NetcdfSource {
        file: Arc::clone(file),
        var_path: meta.var_path.clone(),
        storage: meta.storage,
        dtype,
        shape: meta.shape.clone(),
        grid: storage_grid(meta, item)?,
        charset: Charset::of(&meta.attrs),
        zeros_from: past_end
            .first(&meta.var_path)
            .and_then(|r| usize::try_from(r).ok()),
    }))
}

/// The direct chunk reader for `meta` when it can decode the variable (chunked
/// NetCDF-4 numbers with deflate/shuffle/fletcher32/zstd): chunk bytes are then read and
/// decoded in parallel without the library lock. Anything else keeps `library`.
#[cfg(feature = "direct")]
fn direct_source(
    path: &Path,
    meta: &VarMeta,
    library: Arc<dyn ChunkSource>,
) -> Arc<dyn ChunkSource> {
    if !matches!(meta.storage, Storage::Number(_))
        || meta.enum_type.is_some()
        || meta.chunking.is_none()
    {
        return library;
    }
    match crate::io::chunks::DirectChunkSource::open(path, &meta.var_path) {
        Ok(Some(direct))
            if direct.dtype() == library.dtype() && direct.shape() == library.shape() =>
        {
            Arc::new(direct)
        }
        _ => library,
    }
}

#[cfg(not(feature = "direct"))]
fn direct_source(_: &Path, _: &VarMeta, library: Arc<dyn ChunkSource>) -> Arc<dyn ChunkSource> {
    library
}

/// The variable `name` over `data`. A dim used twice (a covariance `cov(D1, D1)`)
/// opens with a warning, as in xarray.
fn variable_with_dims(path: &Path, name: &str, dims: &[String], data: Data) -> Result<Variable> {
    let repeated = dims.iter().enumerate().any(|(i, d)| dims[..i].contains(d));
    let var = if repeated {
        warn(format!(
            "{}: variable {name:?} uses a dimension more than once (dims {dims:?}); \
             operations that look that dimension up by name fail until one is renamed",
            path.display(),
        ));
        Variable::with_repeated_dims(dims, data)
    } else {
        Variable::new(dims, data)
    };
    var.map_err(|e| format_error(path, Some(name), e.to_string()))
}

fn open(path: &Path, group: Option<&str>, options: &DecodeOptions) -> Result<Dataset> {
    std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let past_end = super::classic::check_header(path)?;
    // The netcdf crate unwraps some library results internally (listing variables and
    // attributes); a corrupt file must give an error, not a panic.
    // A file this process has open already is read through the same handle (see
    // `OPEN_FILES`, held until the new handle is in it, so that two threads opening one
    // file make one handle).
    let key = FileKey::of(path);
    let mut registry = OPEN_FILES.lock().unwrap_or_else(PoisonError::into_inner);
    let shared = key.as_ref().and_then(|k| k.open_file(&mut registry));
    let scan = std::panic::AssertUnwindSafe(|| {
        with_lock(|| -> Result<_> {
            #[cfg(feature = "direct")]
            crate::io::chunks::silence_diagnostics();
            let nc4 = !is_netcdf3(path);
            let opened = match &shared {
                Some(_) => None,
                None => Some(netcdf::open(path).map_err(|e| {
                    nc_error(
                        path,
                        None,
                        "cannot open as NetCDF (not NetCDF, truncated or corrupt?)",
                        e,
                    )
                })?),
            };
            let file = opened
                .as_ref()
                .or_else(|| shared.as_ref().and_then(|nc| nc.file.as_ref()))
                .ok_or_else(|| Error::internal("an open NetCDF file without its handle"))?;
            let (metas, global) = match group {
                None => {
                    let metas = file
                        .variables()
                        .map(|v| var_meta(path, "", &v, nc4))
                        .collect::<Result<Vec<_>>>()?;
                    let mut metas: Vec<VarMeta> = metas.into_iter().flatten().collect();
                    collapse_char_dims(&mut metas);
                    (metas, read_attrs(path, None, file.attributes())?)
                }
                Some(g) => {
                    let grp = file
                        .group(g)
                        .map_err(|e| nc_error(path, None, &format!("opening group {g:?}"), e))?
                        .ok_or_else(|| {
                            format_error(path, None, format!("no group {g:?} in the file"))
                        })?;
                    let prefix = format!("{g}/");
                    let metas = grp
                        .variables()
                        .map(|v| var_meta(path, &prefix, &v, nc4))
                        .collect::<Result<Vec<_>>>()?;
                    let mut metas: Vec<VarMeta> = metas.into_iter().flatten().collect();
                    collapse_char_dims(&mut metas);
                    (metas, read_attrs(path, None, grp.attributes())?)
                }
            };
            Ok((opened, metas, global))
        })
    });
    let (opened, metas, global) = crate::panic::catch_quietly(scan).map_err(|panic| {
        format_error(
            path,
            None,
            format!(
                "the NetCDF library failed while reading the metadata (corrupt file?): {panic}"
            ),
        )
    })??;
    let file = match shared {
        Some(nc) => nc,
        None => {
            let nc = Arc::new(NcFile {
                path: path.to_path_buf(),
                file: opened,
            });
            if let Some(key) = key {
                registry.push((key, Arc::downgrade(&nc)));
            }
            nc
        }
    };
    drop(registry);
    let mut unlimited_dims: Vec<String> = Vec::new();
    for d in metas.iter().flat_map(|m| &m.unlimited) {
        if !unlimited_dims.contains(d) {
            unlimited_dims.push(d.clone());
        }
    }
    let mut variables = IndexMap::new();
    for meta in metas {
        let source = variable_source(&file, &meta, &past_end)?;
        let is_index = meta.dims.len() == 1 && meta.dims[0] == meta.name;
        let data: Data = if is_index || meta.shape.is_empty() {
            let full: Vec<Range<usize>> = meta.shape.iter().map(|&n| 0..n).collect();
            Data::Eager(source.read(&full)?)
        } else {
            Data::Lazy(LazyArray::from_source(direct_source(path, &meta, source)))
        };
        let mut encoding = storage_encoding(path, &meta);
        let mut attrs = meta.attrs;
        if let Some(e) = attrs.get("_Encoding").and_then(AttrValue::as_str) {
            encoding.string_encoding = Some(e.to_string());
            attrs.shift_remove("_Encoding");
        }
        if let Some(e) = meta.enum_type {
            // The labels as CF flags, unless the file already gives flags of its own.
            if !attrs.contains_key("flag_values") && !attrs.contains_key("flag_meanings") {
                attrs.insert("flag_values".to_string(), e.values.clone());
                attrs.insert(
                    "flag_meanings".to_string(),
                    AttrValue::Str(e.labels.join(" ")),
                );
            }
            encoding.enum_type = Some(e);
        }
        let var = variable_with_dims(path, &meta.name, &meta.dims, data)?
            .with_attrs(attrs)
            .with_encoding(encoding);
        variables.insert(meta.name, var);
    }
    let (variables, coords) = cf::decode_variables(variables, options).map_err(|e| match e {
        Error::Cf { variable, reason } => format_error(path, Some(&variable), reason),
        other => format_error(path, None, other.to_string()),
    })?;
    let (mut coords, mut global) = (coords, global);
    coords.extend(cf::global_coordinates(&mut global, options));
    coords.retain(|c| variables.contains_key(c));
    let dataset_encoding = DatasetEncoding {
        source: Some(path.display().to_string()),
        unlimited_dims: Some(unlimited_dims),
    };
    Ok(Dataset::from_parts(variables, coords, global)
        .map_err(|e| format_error(path, None, e.to_string()))?
        .with_encoding(dataset_encoding))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn meta(shape: &[usize], chunking: Option<Vec<usize>>) -> VarMeta {
        VarMeta {
            name: "v".into(),
            var_path: "v".into(),
            dims: (0..shape.len()).map(|i| format!("d{i}")).collect(),
            shape: shape.to_vec(),
            storage: Storage::Number(DType::F64),
            chunking,
            unlimited: Vec::new(),
            attrs: Attrs::new(),
            storage_options: None,
            char_dim: None,
            enum_type: None,
        }
    }

    #[test]
    fn contiguous_variables_split_along_the_first_dim_into_about_16_mb() {
        // 800 kB per row: 20 rows per chunk.
        let g = storage_grid(&meta(&[100, 1000, 100], None), 8).unwrap();
        assert_eq!(g.sizes()[0], vec![20; 5]);
        assert_eq!(g.sizes()[1], vec![1000]);
        // Small variables are one chunk.
        let g = storage_grid(&meta(&[3, 4], None), 8).unwrap();
        assert_eq!(g.sizes(), [vec![3], vec![4]]);
        // Storage chunks win.
        let g = storage_grid(&meta(&[10, 4], Some(vec![4, 2])), 8).unwrap();
        assert_eq!(g.sizes(), [vec![4, 4, 2], vec![2, 2]]);
    }
}
