//! Combining datasets: `concat` along a dimension and `merge` of variables.

use indexmap::{IndexMap, IndexSet};

use super::align::align;
use super::{DataArray, Dataset, Join, Variable};
use crate::array::{DType, NdArray, Scalar};
use crate::error::{Error, Result};
use crate::lazy::Data;

/// Concatenates datasets along `dim`, like `xarray.concat(objs, dim)`.
///
/// When `dim` exists, every variable that has it is joined along it; when it is new,
/// it becomes the first dimension of every concatenated variable. As xarray's default
/// (`data_vars="all"`, `coords="different"`), every data variable is concatenated (gaining
/// `dim` if it lacks it), and a coordinate without `dim` is kept once when it is equal in
/// every object and concatenated otherwise. A data variable missing from some objects is
/// filled with NaN there (ints become `f64`). Indexes on the other dimensions must be
/// equal.
///
/// # Errors
/// [`Error::InvalidArgument`] for no objects; indexes on other dims that differ
/// ([`Error::Alignment`] naming the dim); [`Error::Combine`] for a variable whose dims
/// disagree between objects; dtypes that cannot be combined.
pub fn concat(objs: &[Dataset], dim: &str) -> Result<Dataset> {
    concat_impl(objs, dim, None)
}

/// [`concat()`] along a new dimension `dim` labelled by `labels` (one per object).
///
/// # Errors
/// As [`concat()`]; also when `labels` is not 1-D of length `objs.len()`.
pub fn concat_with_labels(
    objs: &[Dataset],
    dim: &str,
    labels: impl Into<NdArray>,
) -> Result<Dataset> {
    let labels = labels.into();
    if labels.shape() != [objs.len()] {
        return Err(Error::ShapeMismatch {
            what: format!("labels for the new dimension {dim:?} in concat"),
            expected: vec![objs.len()],
            actual: labels.shape().to_vec(),
        });
    }
    concat_impl(objs, dim, Some(labels))
}

fn concat_impl(objs: &[Dataset], dim: &str, labels: Option<NdArray>) -> Result<Dataset> {
    let first = objs.first().ok_or_else(|| {
        Error::invalid_argument("objs", format!("concat along {dim:?} of no objects"))
    })?;
    check_other_indexes(objs, dim)?;
    let is_new = objs.iter().all(|o| !o.dims().contains_key(dim));
    if is_new && first.variables().contains_key(dim) {
        return Err(Error::invalid_argument(
            "dim",
            format!("cannot concat along new dimension {dim:?}: a variable of that name exists"),
        ));
    }
    let lengths: Vec<usize> = objs
        .iter()
        .map(|o| o.dims().get(dim).copied().unwrap_or(1))
        .collect();

    let mut names: IndexSet<String> = IndexSet::new();
    let mut coord_names: IndexSet<String> = IndexSet::new();
    for o in objs {
        for (name, _) in o.variables() {
            names.insert(name.clone());
            if o.is_coord(name) {
                coord_names.insert(name.clone());
            }
        }
    }

    let mut out: IndexMap<String, Variable> = IndexMap::new();
    for name in &names {
        let present: Vec<Option<&Variable>> =
            objs.iter().map(|o| o.variables().get(name)).collect();
        let template = present
            .iter()
            .flatten()
            .next()
            .ok_or_else(|| Error::internal("every name comes from some object"))?;
        let has_dim = present
            .iter()
            .flatten()
            .any(|v| v.dims().iter().any(|d| d == dim));
        let is_coord = coord_names.contains(name);
        let keep_once = !has_dim
            && is_coord
            && present.iter().all(|v| {
                v.is_some_and(|v| v.data().equals(template.data()) && v.dims() == template.dims())
            });
        let var = if keep_once {
            (*template).clone()
        } else {
            concat_variable(name, &present, template, dim, &lengths)?
        };
        out.insert(name.clone(), var);
    }
    if let Some(labels) = labels {
        out.insert(dim.to_string(), Variable::new(&[dim], labels)?);
        coord_names.insert(dim.to_string());
    }
    Dataset::from_parts(out, coord_names, first.attrs().clone())
}

fn check_other_indexes(objs: &[Dataset], dim: &str) -> Result<()> {
    let first = &objs[0];
    for o in &objs[1..] {
        for (d, idx) in o.indexes() {
            if d == dim {
                continue;
            }
            if let Some(fi) = first.indexes().get(d) {
                if !fi.equals(idx) {
                    return Err(Error::Alignment {
                        dim: d.clone(),
                        join: Join::Exact.to_string(),
                        reason: format!(
                            "concat along {dim:?} needs equal indexes on the other dimensions"
                        ),
                    });
                }
            }
        }
    }
    Ok(())
}

fn concat_variable(
    name: &str,
    present: &[Option<&Variable>],
    template: &Variable,
    dim: &str,
    lengths: &[usize],
) -> Result<Variable> {
    // The result's dims: the template's, with `dim` first if the template lacks it.
    let mut dims: Vec<String> = template.dims().to_vec();
    if !dims.iter().any(|d| d == dim) {
        dims.insert(0, dim.to_string());
    }
    let axis = dims.iter().position(|d| d == dim).unwrap_or(0);
    let dtype =
        present
            .iter()
            .flatten()
            .map(|v| v.dtype())
            .try_fold(template.dtype(), |acc, t| {
                promote_for_concat(acc, t).ok_or_else(|| Error::DTypeMismatch {
                    what: format!("concat of variable {name:?}"),
                    left: acc,
                    right: t,
                })
            })?;
    let missing_any = present.iter().any(Option::is_none);
    let dtype = if missing_any {
        fill_dtype(name, dtype)?
    } else {
        dtype
    };
    let mut parts = Vec::with_capacity(present.len());
    for (v, &len) in present.iter().zip(lengths) {
        let sizes: Vec<usize> = dims
            .iter()
            .map(|d| {
                if d == dim {
                    Ok(len)
                } else {
                    template
                        .axis_of(d)
                        .map(|ax| template.shape()[ax])
                        .ok_or_else(|| Error::internal("template dims"))
                }
            })
            .collect::<Result<_>>()?;
        let data = match v {
            None => Data::Eager(NdArray::full(&sizes, &Scalar::F64(f64::NAN), dtype)?),
            Some(v) => {
                if v.dims().len() + usize::from(!v.dims().iter().any(|d| d == dim)) != dims.len()
                    || v.dims().iter().any(|d| !dims.contains(d))
                {
                    return Err(Error::Combine {
                        what: format!("variable {name:?} along {dim:?}"),
                        reason: format!(
                            "its dims are {:?} in one object and {:?} in another",
                            template.dims(),
                            v.dims()
                        ),
                    });
                }
                v.set_dims(&dims, &sizes)?.data().astype(dtype)?
            }
        };
        parts.push(data);
    }
    let data = Data::concatenate(axis, &parts)?;
    Ok(template.replace(dims, data))
}

fn promote_for_concat(a: DType, b: DType) -> Option<DType> {
    if a == b {
        Some(a)
    } else {
        a.promote(b)
    }
}

fn fill_dtype(name: &str, dtype: DType) -> Result<DType> {
    match dtype {
        DType::F32 | DType::F64 => Ok(dtype),
        t if t.is_numeric() || t == DType::Bool => Ok(DType::F64),
        t => Err(Error::UnsupportedDType {
            op: format!("filling variable {name:?}, missing from some objects in concat, with NaN"),
            dtype: t,
        }),
    }
}

/// Merges the variables of several datasets into one, like `xarray.merge`: objects are
/// aligned with an outer join, a variable present in several must have equal values
/// wherever neither is NaN (`compat="no_conflicts"`), and its NaNs are filled from the
/// others. Attributes come from the first object.
///
/// # Errors
/// [`Error::MergeConflict`] naming the variable whose values or dims disagree; alignment
/// errors.
pub fn merge(objs: &[Dataset]) -> Result<Dataset> {
    let aligned = align(objs, Join::Outer)?;
    let mut vars: IndexMap<String, Variable> = IndexMap::new();
    let mut coord_names = IndexSet::new();
    for ds in &aligned {
        for (name, var) in ds.variables() {
            if ds.is_coord(name) {
                coord_names.insert(name.clone());
            }
            let merged = match vars.get(name) {
                None => var.clone(),
                Some(existing) => merge_variable(name, existing, var)?,
            };
            vars.insert(name.clone(), merged);
        }
    }
    let attrs = aligned
        .first()
        .map(|d| d.attrs().clone())
        .unwrap_or_default();
    Dataset::from_parts(vars, coord_names, attrs)
}

fn merge_variable(name: &str, a: &Variable, b: &Variable) -> Result<Variable> {
    let conflict = |reason: String| Error::MergeConflict {
        name: name.to_string(),
        what: "merge".into(),
        reason,
    };
    if a.dims() != b.dims() {
        return Err(conflict(format!("dims {:?} and {:?}", a.dims(), b.dims())));
    }
    if a.data().equals(b.data()) {
        return Ok(a.clone());
    }
    if a.shape() != b.shape() {
        return Err(conflict(format!(
            "shapes {:?} and {:?}",
            a.shape(),
            b.shape()
        )));
    }
    let dtype = a
        .dtype()
        .promote(b.dtype())
        .filter(|t| t.is_float())
        .ok_or_else(|| conflict("values differ".into()))?;
    let x = a.data().astype(DType::F64)?;
    let y = b.data().astype(DType::F64)?;
    let (Some(x), Some(y)) = (x.as_array::<f64>(), y.as_array::<f64>()) else {
        return Err(Error::internal("astype(F64) did not give f64"));
    };
    let mut out = x.to_owned();
    for (pos, (o, yv)) in out.iter_mut().zip(y.iter()).enumerate() {
        if o.is_nan() {
            *o = *yv;
        } else if !yv.is_nan() && o != yv {
            return Err(conflict(format!(
                "element {pos} is {o} in one object and {yv} in another"
            )));
        }
    }
    a.with_data(NdArray::from(out).astype(dtype)?)
}

impl Dataset {
    /// This dataset merged with `other` (see [`merge`]).
    ///
    /// # Errors
    /// [`Error::MergeConflict`] naming the conflicting variable.
    pub fn merge(&self, other: &Dataset) -> Result<Dataset> {
        merge(&[self.clone(), other.clone()])
    }
}

impl DataArray {
    /// Concatenates DataArrays along `dim` (see [`concat()`]).
    ///
    /// # Errors
    /// As [`concat()`].
    pub fn concat(objs: &[DataArray], dim: &str) -> Result<DataArray> {
        let name = objs.first().and_then(|o| o.name().map(str::to_string));
        let key = name
            .clone()
            .unwrap_or_else(|| super::data_array::UNNAMED.to_string());
        let datasets: Vec<Dataset> = objs.iter().map(|o| o.to_dataset_named(&key)).collect();
        let ds = concat(&datasets, dim)?;
        DataArray::from_dataset(&ds, &key)
    }
}
