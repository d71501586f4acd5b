//! Quantiles over named dims (xarray's `DataArray.quantile` / `Dataset.quantile`): a
//! new leading `quantile` dim whose coordinate is the `q` values, then the kept dims.
//!
//! Each quantile is a holistic reduction of the aggregation table
//! ([`Reduction::Quantile`]): on chunked data it runs blockwise, each reduced lane whole
//! in one task while the other dims keep their chunks, so lazy in gives lazy out.
//!
//! ```
//! use xr::{dataset::QuantileMethod, DataArray};
//! # fn main() -> xr::Result<()> {
//! let t = DataArray::new(ndarray::array![[1.0, 4.0], [2.0, f64::NAN], [3.0, 6.0]].into_dyn(), &["time", "x"])?;
//! let q = t.quantile(&[0.5, 1.0], &["time"])?;
//! assert_eq!(q.dims(), ["quantile", "x"]);
//! assert_eq!(q.values().to_f64_vec()?, [2.0, 5.0, 3.0, 6.0]);
//! let n = t.quantile_by(&[0.25], &["time"], QuantileMethod::Nearest, None)?;
//! assert_eq!(n.values().to_f64_vec()?, [1.0, 4.0]); // index 0.5 rounds half to even
//! # Ok(())
//! # }
//! ```

use indexmap::{IndexMap, IndexSet};

use super::{DataArray, Dataset, Variable};
pub use crate::array::kernels::QuantileMethod;
use crate::array::kernels::{Quantile, ReduceParams, Reduction};
use crate::array::{DType, NdArray};
use crate::error::{Error, Result};
use crate::lazy::Data;

/// The quantiles `qs` of `var` over `dims` as a variable with a leading `quantile` dim.
fn quantile_var(
    var: &Variable,
    qs: &[Quantile],
    dims: &[String],
    skipna: Option<bool>,
    context: &str,
) -> Result<Variable> {
    let axes = dims
        .iter()
        .map(|d| var.require_axis(d, context))
        .collect::<Result<Vec<_>>>()?;
    if matches!(var.dtype(), DType::Str | DType::DateTime(_)) {
        return Err(Error::UnsupportedDType {
            op: format!("quantile of {context}"),
            dtype: var.dtype(),
        });
    }
    let params = ReduceParams::new(skipna, 0);
    let parts = qs
        .iter()
        .map(|&q| {
            var.data()
                .reduce(&axes, Reduction::Quantile(q), params)?
                .insert_axis(0)
        })
        .collect::<Result<Vec<Data>>>()?;
    let data = Data::concatenate(0, &parts)?;
    let out_dims: Vec<String> = std::iter::once("quantile".to_string())
        .chain(var.dims().iter().filter(|d| !dims.contains(d)).cloned())
        .collect();
    Ok(Variable::new(&out_dims, data)?.with_attrs(var.attrs().clone()))
}

/// Checks `q` and pairs each value with the method.
fn quantiles(q: &[f64], method: QuantileMethod) -> Result<(Vec<Quantile>, Variable)> {
    if q.is_empty() {
        return Err(Error::invalid_argument("q", "no quantile asked for"));
    }
    let qs = q
        .iter()
        .map(|&v| Quantile::new(v, method))
        .collect::<Result<Vec<_>>>()?;
    let coord = Variable::new(&["quantile"], NdArray::from(q.to_vec()))?;
    Ok((qs, coord))
}

impl DataArray {
    /// The quantiles `q` over `dims` (all dims when empty) by numpy's `linear` method,
    /// skipping NaN for floats: a leading `quantile` dim with `q` as its coordinate.
    /// The result is `f64` (`f32` too, as numpy gives for a list of `q`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `q` for a value outside `[0, 1]` or an empty
    /// list; [`Error::DimNotFound`] naming a dim that is not there;
    /// [`Error::UnsupportedDType`] for strings and datetimes.
    pub fn quantile(&self, q: &[f64], dims: &[&str]) -> Result<DataArray> {
        self.quantile_by(q, dims, QuantileMethod::Linear, None)
    }

    /// [`quantile`](Self::quantile) by `method` (`Nearest` keeps the dtype), skipping NaN
    /// or not (`None`: skip for floats, as xarray).
    ///
    /// # Errors
    /// As [`quantile`](Self::quantile).
    pub fn quantile_by(
        &self,
        q: &[f64],
        dims: &[&str],
        method: QuantileMethod,
        skipna: Option<bool>,
    ) -> Result<DataArray> {
        let (qs, coord) = quantiles(q, method)?;
        let dims: Vec<String> = if dims.is_empty() {
            self.dims().to_vec()
        } else {
            dims.iter().map(|d| d.to_string()).collect()
        };
        let context = format!("DataArray {}", self.display_name());
        let var = quantile_var(self.variable(), &qs, &dims, skipna, &context)?;
        let mut coords: IndexMap<String, Variable> = IndexMap::new();
        coords.insert("quantile".into(), coord);
        for (k, c) in self.coords() {
            if k != "quantile" && !c.dims().iter().any(|d| dims.contains(d)) {
                coords.insert(k.clone(), c.clone());
            }
        }
        DataArray::from_parts(self.name().map(str::to_string), var, coords)
    }
}

impl Dataset {
    /// The quantiles `q` of every numeric data variable over `dims` (all dims when
    /// empty), numpy's `linear` method, NaN skipped for floats; as xarray, a variable
    /// with none of `dims` (and some dims) is kept as it is, non-numeric ones are dropped,
    /// coordinates on `dims` are dropped and `quantile` becomes a coordinate; attrs are
    /// kept.
    ///
    /// # Errors
    /// As [`DataArray::quantile`].
    pub fn quantile(&self, q: &[f64], dims: &[&str]) -> Result<Dataset> {
        self.quantile_by(q, dims, QuantileMethod::Linear, None)
    }

    /// [`quantile`](Self::quantile) by `method`, skipping NaN or not (`None`: skip for
    /// floats).
    ///
    /// # Errors
    /// As [`DataArray::quantile`].
    pub fn quantile_by(
        &self,
        q: &[f64],
        dims: &[&str],
        method: QuantileMethod,
        skipna: Option<bool>,
    ) -> Result<Dataset> {
        let (qs, coord) = quantiles(q, method)?;
        let all = self.dims();
        let dims: Vec<String> = if dims.is_empty() {
            all.keys().cloned().collect()
        } else {
            dims.iter().map(|d| d.to_string()).collect()
        };
        if let Some(d) = dims.iter().find(|d| !all.contains_key(*d)) {
            return Err(Error::DimNotFound {
                dim: d.clone(),
                context: "Dataset".into(),
                available: all.keys().cloned().collect(),
            });
        }
        let mut vars = IndexMap::new();
        let mut coord_names = IndexSet::new();
        vars.insert("quantile".to_string(), coord);
        coord_names.insert("quantile".to_string());
        for (name, var) in self.variables() {
            let mine: Vec<String> = var
                .dims()
                .iter()
                .filter(|d| dims.contains(d))
                .cloned()
                .collect();
            if self.is_coord(name) {
                if mine.is_empty() && name != "quantile" {
                    vars.insert(name.clone(), var.clone());
                    coord_names.insert(name.clone());
                }
                continue;
            }
            let numeric = var.dtype().is_integer() || var.dtype().is_float();
            if !mine.is_empty() || var.dims().is_empty() {
                if numeric {
                    let out = quantile_var(var, &qs, &mine, skipna, &format!("variable {name:?}"))?;
                    vars.insert(name.clone(), out);
                }
            } else {
                vars.insert(name.clone(), var.clone());
            }
        }
        Dataset::from_parts(vars, coord_names, self.attrs().clone())
    }
}
