//! The error type of the data model and array layers.

use crate::array::DType;
use crate::time::TimeError;

/// A `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, naming the variable, dimension, label or shape involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A dimension name that the object does not have.
    #[error("dimension {dim:?} not found in {context}; dimensions are {available:?}")]
    DimNotFound {
        /// The name asked for.
        dim: String,
        /// What was searched (`"DataArray 'air'"`, `"Dataset"`).
        context: String,
        /// The dimensions that exist.
        available: Vec<String>,
    },
    /// A variable or coordinate name that the object does not have.
    #[error("variable {name:?} not found in {context}; variables are {available:?}")]
    VarNotFound {
        /// The name asked for.
        name: String,
        /// What was searched.
        context: String,
        /// The names that exist.
        available: Vec<String>,
    },
    /// Shapes that do not agree.
    #[error("shape mismatch in {what}: expected {expected:?}, got {actual:?}")]
    ShapeMismatch {
        /// The operation or object.
        what: String,
        /// The wanted shape.
        expected: Vec<usize>,
        /// The actual shape.
        actual: Vec<usize>,
    },
    /// A dimension whose length differs between two objects.
    #[error("dimension {dim:?} has conflicting sizes {left} and {right} in {what}")]
    DimSizeConflict {
        /// The dimension.
        dim: String,
        /// The operation or objects involved.
        what: String,
        /// One size.
        left: usize,
        /// The other size.
        right: usize,
    },
    /// An operation that the dtype does not support.
    #[error("{op} is not supported for dtype {dtype}")]
    UnsupportedDType {
        /// The operation.
        op: String,
        /// The dtype.
        dtype: DType,
    },
    /// Two dtypes that cannot meet in one operation.
    #[error("{what}: dtypes {left} and {right} cannot be combined")]
    DTypeMismatch {
        /// The operation.
        what: String,
        /// One dtype.
        left: DType,
        /// The other dtype.
        right: DType,
    },
    /// A label that an index does not contain.
    #[error("label {label} not found in index {dim:?}{hint}")]
    KeyNotFound {
        /// The label, as the user wrote it.
        label: String,
        /// The indexed dimension.
        dim: String,
        /// Extra help, like the nearest label or the tolerance.
        hint: String,
    },
    /// A selection that cannot be made (a label-based selection on a dimension with no
    /// index, a non-unique index, a method on a non-monotonic index, ...).
    #[error("invalid selection on {dim:?}: {reason}")]
    InvalidSelection {
        /// The dimension.
        dim: String,
        /// Why.
        reason: String,
    },
    /// A positional index out of range.
    #[error("index out of bounds: {what}")]
    IndexOutOfBounds {
        /// The index and what it indexed.
        what: String,
    },
    /// Indexes that do not align under the requested join.
    #[error("cannot align on {dim:?} with join={join}: {reason}")]
    Alignment {
        /// The dimension.
        dim: String,
        /// The join asked for.
        join: String,
        /// Why.
        reason: String,
    },
    /// Two objects hold different values for one variable in a merge or concat.
    #[error("conflicting values for variable {name:?} in {what}: {reason}")]
    MergeConflict {
        /// The variable.
        name: String,
        /// The operation.
        what: String,
        /// How they differ.
        reason: String,
    },
    /// An argument that makes no sense for the call: which one, and why.
    #[error("invalid argument `{argument}`: {reason}")]
    InvalidArgument {
        /// The argument's name in the call's signature (`"dims"`, `"q"`, `"chunks"`).
        argument: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A reduction with no value to give: `min`, `max`, `argmin` or `argmax` of an empty
    /// lane, `argmin`/`argmax` of an all-NaN one.
    #[error("{op} of {lane}: the reduction has no value to give")]
    EmptyReduction {
        /// The reduction.
        op: String,
        /// What the lane held (`"an empty slice"`, `"an all-NaN slice"`).
        lane: String,
    },
    /// Labels that cannot be grouped: a coordinate that is not 1-D, of a dtype the
    /// grouper cannot use, with no valid label, or making too many periods.
    #[error("cannot group by {group:?}: {reason}")]
    Grouping {
        /// The grouping coordinate (or `"time.season"`-style virtual variable).
        group: String,
        /// Why.
        reason: String,
    },
    /// Objects (datasets, files) that cannot be combined into one: no dimension to order
    /// them by, overlapping or unordered coordinates, dims that disagree.
    #[error("cannot combine {what}: {reason}")]
    Combine {
        /// The objects or the operation (`"the files by coordinates"`).
        what: String,
        /// Why.
        reason: String,
    },
    /// Variables chunked differently along one dimension, where one chunking is needed.
    #[error("dimension {dim:?} has inconsistent chunks: {reason}")]
    InconsistentChunks {
        /// The dimension.
        dim: String,
        /// Which variables disagree, and how.
        reason: String,
    },
    /// A user's `preprocess` function failed on one file of `open_mfdataset`.
    #[error("preprocess of {}: {source}", path.display())]
    Preprocess {
        /// The file.
        path: std::path::PathBuf,
        /// The function's error.
        source: Box<Error>,
    },
    /// MPI could not be used as asked (feature `mpi`).
    #[error("MPI: {0}")]
    Mpi(String),
    /// The worker threads of an executor could not be started.
    #[error("cannot start {threads} worker threads")]
    Threads {
        /// How many were asked for.
        threads: usize,
        /// What rayon said.
        source: rayon::ThreadPoolBuildError,
    },
    /// A time error (calendars, units, parsing).
    #[error(transparent)]
    Time(#[from] TimeError),
    /// A plot that could not be drawn or written to `path`.
    #[error("cannot write plot {path:?}: {reason}{}", cause_suffix(.source))]
    Plot {
        /// The output file.
        path: std::path::PathBuf,
        /// Why, or what was being done when `source` failed.
        reason: String,
        /// The plotting library's error, when it was at fault.
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A task of a computation failed; `source` says why.
    #[error("computing {label}: {source}")]
    Task {
        /// The task's label (`"array 'air' chunk (3, 0)"`).
        label: String,
        /// The task's own error.
        source: Box<Error>,
    },
    /// A task panicked; the payload's message, when it had one.
    #[error("task panicked: {0}")]
    TaskPanicked(String),
    /// A file that cannot be opened, created, renamed or removed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A file whose contents cannot be read or written as asked: not a NetCDF file,
    /// truncated or corrupt, an unsupported type, a store or encoding that does not fit.
    /// `xr`'s own checks; a library's errors are [`Error::Netcdf`], [`Error::Zarr`],
    /// [`Error::FileRead`] and [`Error::Io`], which keep them as their `source`.
    #[error("{}{}: {reason}", path.display(), variable_suffix(.variable))]
    Format {
        /// The file.
        path: std::path::PathBuf,
        /// The variable, when the problem is one variable's.
        variable: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// A variable whose CF attributes cannot be decoded or encoded (an unknown calendar,
    /// unparsable time units, a `scale_factor` that is not a number).
    #[error("CF decoding of variable {variable:?}: {reason}")]
    Cf {
        /// The variable.
        variable: String,
        /// What is wrong.
        reason: String,
    },
    /// Reading or decoding a variable's data failed (the direct chunk reader, Zarr
    /// chunks): the file or store, the variable and, when one chunk was at fault, that
    /// chunk's position in the chunk grid.
    #[error("reading {file}, variable {var:?}{}: {reason}{}", chunk_suffix(.chunk), cause_suffix(.source))]
    FileRead {
        /// The file or store.
        file: String,
        /// The variable (its full path, `"/group/var"`).
        var: String,
        /// The chunk's index in the chunk grid, when the error is about one chunk.
        chunk: Option<Vec<usize>>,
        /// What went wrong, or what was being done when `source` failed.
        reason: String,
        /// The error of the library or system call at fault (`std::io::Error`, a
        /// decompressor's, zarrs' codec or storage error), when one was.
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A libnetcdf call failed (feature `netcdf`): the file, the variable when one was
    /// involved, and what was being done; `source` is the library's error.
    #[cfg(feature = "netcdf")]
    #[error("{}{}: {doing}: {source}", path.display(), variable_suffix(.variable))]
    Netcdf {
        /// The file.
        path: std::path::PathBuf,
        /// The variable, when the call was about one.
        variable: Option<String>,
        /// What was being done (`"reading values"`, `"creating the file"`).
        doing: String,
        /// The library's error.
        source: netcdf::Error,
    },
    /// A library failed on a Zarr store (feature `zarr`): the store, the array when one
    /// was involved, and what was being done; `source` is the library's error: zarrs'
    /// (storage, metadata, codecs), `serde_json`'s (a metadata document) or, for remote
    /// stores, `object_store`'s.
    #[cfg(feature = "zarr")]
    #[error("{store}{}: {doing}: {source}", variable_suffix(.array))]
    Zarr {
        /// The store's location (a path or URL).
        store: String,
        /// The array, when the call was about one.
        array: Option<String>,
        /// What was being done (`"reading zarr.json"`, `"opening the array"`).
        doing: String,
        /// The library's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// JSON text that does not parse (`Dataset::from_json`).
    #[error("invalid JSON: {source}")]
    Json {
        /// What serde_json said, with the line and column.
        #[source]
        source: serde_json::Error,
    },
    /// A polars call that failed (`to_dataframe`, `from_dataframe`, IPC files): what
    /// `xr` was doing, and polars' error.
    #[cfg(feature = "polars")]
    #[error("{what}: {source}")]
    Polars {
        /// What was being done, naming the column or variable.
        what: String,
        /// polars' error.
        #[source]
        source: polars::error::PolarsError,
    },
    /// A broken internal invariant: a bug in `xr`; please report it.
    #[error("internal error (a bug in xr): {0}")]
    Internal(String),
}

fn variable_suffix(variable: &Option<String>) -> String {
    variable
        .as_ref()
        .map(|v| format!(", variable {v:?}"))
        .unwrap_or_default()
}

/// `": {source}"`: the message of an optional cause, which the CLI (printing only the
/// top-level message) would otherwise not show.
fn cause_suffix(source: &Option<Box<dyn std::error::Error + Send + Sync>>) -> String {
    source
        .as_ref()
        .map(|e| format!(": {e}"))
        .unwrap_or_default()
}

fn chunk_suffix(chunk: &Option<Vec<usize>>) -> String {
    chunk
        .as_ref()
        .map(|c| format!(", chunk {c:?}"))
        .unwrap_or_default()
}

impl Error {
    pub(crate) fn internal(msg: impl Into<String>) -> Self {
        Error::Internal(msg.into())
    }

    /// [`Error::InvalidArgument`]: `argument` (its name in the call) and what is wrong
    /// with it; also for the errors of a user's own closures (`map_blocks`).
    pub fn invalid_argument(argument: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            argument: argument.into(),
            reason: reason.into(),
        }
    }
}
