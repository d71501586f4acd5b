//! Appending records to an existing NetCDF file along its unlimited dimension.
//!
//! Every check runs before the file is touched: the variables, their dims and lengths,
//! their dtypes once encoded with the encoding stored in the file (units, calendar,
//! packing, fill values). The records are then written into a copy of the file next to
//! it, renamed over the original once complete, so that an error at any point (a chunk
//! that fails to compute, a full disk) leaves the original exactly as it was.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use super::{temp_path, ToNetcdf, Write, Writes};
use crate::array::DType;
use crate::dataset::{AttrValue, Dataset, Encoding, Variable};
use crate::dist::Executor;
use crate::error::{Error, Result};
use crate::io::cf;
use crate::io::netcdf::read::{is_netcdf3, Charset, OpenOptions};
use crate::io::netcdf::{format_error, nc_error, with_lock};
use crate::lazy::lower::Lowering;

/// How [`ToNetcdf::write`] treats the target file (xarray's `mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum NetcdfMode {
    /// `"w"`: a new file, replacing any file at the path.
    #[default]
    Write,
    /// `"a"`: append the dataset's records along the unlimited dim of the existing file
    /// (or write a new file when there is none). Every variable of the file with that
    /// dim must be in the dataset, with the file's dims in the file's order and the
    /// file's lengths along the other dims; values are encoded as the file stores them
    /// (dtype, units and calendar, `scale_factor`/`add_offset`, `_FillValue`).
    /// Variables without the unlimited dim must match the file's shape and are left as
    /// stored.
    Append,
}

/// What one variable adds to the file.
struct Record {
    name: String,
    /// The variable CF-encoded with the file's encoding.
    encoded: Variable,
    /// Where its values start: the stored length along the appended dim.
    origin: Vec<usize>,
    /// Stored as characters of this length.
    chars: Option<usize>,
}

impl ToNetcdf<'_> {
    /// Appends the dataset to the existing file (see [`NetcdfMode::Append`]).
    pub(super) fn append(&self, executor: &dyn Executor) -> Result<()> {
        let path = self.path.as_path();
        let mut open = OpenOptions::new(path);
        if let Some(g) = &self.group {
            open = open.group(g);
        }
        let stored = open.open()?;
        let dim = self.append_dim(&stored)?;
        let records = self.records(&stored, &dim)?;
        let nc4 = !is_netcdf3(path);
        let prefix = self
            .group
            .as_ref()
            .map_or_else(String::new, |g| format!("{g}/"));
        let tmp = temp_path(path);
        let result = std::fs::copy(path, &tmp)
            .map_err(|source| Error::Io {
                path: tmp.clone(),
                source,
            })
            .and_then(|_| write_records(path, &tmp, &prefix, nc4, &records, executor))
            .and_then(|()| {
                std::fs::rename(&tmp, path).map_err(|source| Error::Io {
                    path: path.to_path_buf(),
                    source,
                })
            });
        if result.is_err() {
            // The copy may not exist (the failure came first); nothing to do then.
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// The dim to append along: the one given to [`ToNetcdf::unlimited_dims`], else the
    /// file's unlimited dim; it must be unlimited in the file and a dim of the dataset.
    fn append_dim(&self, stored: &Dataset) -> Result<String> {
        let path = self.path.as_path();
        let unlimited: Vec<String> = stored.encoding().unlimited_dims.clone().unwrap_or_default();
        let dim = match self.unlimited_dims.first() {
            Some(d) if unlimited.contains(d) => d.clone(),
            Some(d) => {
                return Err(format_error(
                    path,
                    None,
                    format!(
                        "cannot append along {d:?}: it is not an unlimited dim of the file \
                         (unlimited: {unlimited:?})"
                    ),
                ))
            }
            None => match unlimited.as_slice() {
                [d] => d.clone(),
                [] => {
                    return Err(format_error(
                        path,
                        None,
                        "cannot append: the file has no unlimited dim (write it with \
                         unlimited_dims to append later)",
                    ))
                }
                several => {
                    return Err(format_error(
                        path,
                        None,
                        format!(
                            "the file has several unlimited dims {several:?}: name the one \
                             to append along with unlimited_dims"
                        ),
                    ))
                }
            },
        };
        if !self.dataset.dims().contains_key(&dim) {
            return Err(format_error(
                path,
                None,
                format!(
                    "the dataset has no dim {dim:?} to append along; its dims are {:?}",
                    self.dataset.dims().keys().collect::<Vec<_>>()
                ),
            ));
        }
        Ok(dim)
    }

    /// Checks every variable against the file and encodes it as stored.
    fn records(&self, stored: &Dataset, dim: &str) -> Result<Vec<Record>> {
        let path = self.path.as_path();
        let ds = self.dataset;
        let missing: Vec<&String> = stored
            .variables()
            .iter()
            .filter(|(n, v)| v.dims().iter().any(|d| d == dim) && !ds.variables().contains_key(*n))
            .map(|(n, _)| n)
            .collect();
        if !missing.is_empty() {
            return Err(format_error(
                path,
                None,
                format!(
                    "variables {missing:?} of the file along {dim:?} are not in the dataset \
                     appended"
                ),
            ));
        }
        let mut out = Vec::new();
        for (name, var) in ds.variables() {
            let old = stored.variables().get(name).ok_or_else(|| {
                format_error(
                    path,
                    Some(name),
                    "not in the file: an append writes only the file's variables",
                )
            })?;
            if var.dims() != old.dims() {
                return Err(format_error(
                    path,
                    Some(name),
                    format!(
                        "dims {:?} differ from the file's {:?}",
                        var.dims(),
                        old.dims()
                    ),
                ));
            }
            let along = var.dims().iter().position(|d| d == dim);
            for (axis, (d, (&n, &m))) in var
                .dims()
                .iter()
                .zip(var.shape().iter().zip(old.shape()))
                .enumerate()
            {
                if Some(axis) != along && n != m {
                    return Err(format_error(
                        path,
                        Some(name),
                        format!("dim {d:?} has length {n} but {m} in the file"),
                    ));
                }
            }
            if kind(var.dtype()) != kind(old.dtype()) {
                return Err(format_error(
                    path,
                    Some(name),
                    format!(
                        "dtype {} cannot be appended to the file's {}",
                        var.dtype(),
                        old.dtype()
                    ),
                ));
            }
            let Some(axis) = along else {
                continue;
            };
            let mut var = var.clone();
            *var.encoding_mut() = stored_encoding(old.encoding());
            let encoded = cf::encode_variable(name, &var).map_err(|e| match e {
                Error::Cf { variable, reason } => format_error(path, Some(&variable), reason),
                other => other,
            })?;
            let on_disk = old.encoding().dtype.unwrap_or(old.dtype());
            let written = if encoded.dtype() == DType::Bool {
                DType::I8
            } else {
                encoded.dtype()
            };
            if written != on_disk {
                return Err(format_error(
                    path,
                    Some(name),
                    format!(
                        "encoded as {written}, but the file stores {on_disk}: cast the values \
                         or give them the file's encoding"
                    ),
                ));
            }
            let mut origin = vec![0; var.ndim()];
            origin[axis] = old.shape()[axis];
            let chars = old
                .encoding()
                .chars
                .then(|| old.encoding().original_shape.as_ref()?.last().copied())
                .flatten()
                .filter(|_| {
                    old.encoding().original_shape.as_ref().map(Vec::len) > Some(var.ndim())
                });
            out.push(Record {
                name: name.clone(),
                encoded,
                origin,
                chars,
            });
        }
        Ok(out)
    }
}

/// What a dtype can be appended to: numbers to numbers (cast to the stored type), each
/// other kind only to itself.
fn kind(dtype: DType) -> u8 {
    match dtype {
        d if d.is_numeric() => 0,
        DType::Bool => 1,
        DType::Str => 2,
        DType::DateTime(_) => 3,
        DType::TimeDelta => 4,
        _ => 5,
    }
}

/// The encoding the file stores a variable with, as the appended values must be encoded.
fn stored_encoding(encoding: &Encoding) -> Encoding {
    Encoding {
        dtype: encoding.dtype,
        chars: encoding.chars,
        char_dim_name: encoding.char_dim_name.clone(),
        fill_value: encoding.fill_value.clone(),
        missing_value: encoding.missing_value.clone(),
        scale_factor: encoding.scale_factor.clone(),
        add_offset: encoding.add_offset.clone(),
        unsigned: encoding.unsigned.clone(),
        units: encoding.units.clone(),
        calendar: encoding.calendar.clone(),
        string_encoding: encoding.string_encoding.clone(),
        ..Encoding::default()
    }
}

/// Writes the records into the copy `tmp` of `path`, in one task graph.
fn write_records(
    path: &Path,
    tmp: &Path,
    prefix: &str,
    nc4: bool,
    records: &[Record],
    executor: &dyn Executor,
) -> Result<()> {
    let file = with_lock(|| netcdf::append(tmp))
        .map_err(|e| nc_error(path, None, "opening the file to append", e))?;
    let file = Arc::new(Mutex::new(Some(file)));
    let mut writes = Writes {
        lowering: Lowering::new(),
        last: None,
        outputs: Vec::new(),
    };
    for r in records {
        let charset =
            Charset::named(r.encoded.encoding().string_encoding.as_deref().or_else(|| {
                r.encoded
                    .attrs()
                    .get("_Encoding")
                    .and_then(AttrValue::as_str)
            }));
        let w = Write {
            file: Arc::clone(&file),
            path: Arc::from(path),
            name: Arc::from(format!("{prefix}{}", r.name)),
            nc4,
            chars: r.chars,
            charset,
            origin: r.origin.clone(),
            writeback: None,
        };
        writes.add(w, &r.encoded)?;
    }
    let mut graph = writes.lowering.graph;
    graph.set_outputs(writes.outputs);
    let result = executor.execute(graph);
    let file = file.lock().unwrap_or_else(PoisonError::into_inner).take();
    result?;
    let file = file.ok_or_else(|| Error::internal("the NetCDF file is taken back once, here"))?;
    with_lock(|| file.close()).map_err(|e| nc_error(path, None, "closing the file", e))
}
