//! `Variable`: dims + data + attrs + encoding.

use indexmap::IndexMap;

use super::{Attrs, Encoding};
use crate::array::{DType, NdArray};
use crate::error::{Error, Result};
use crate::lazy::Data;

/// Named dimensions over an array, with attributes (what the user sees) and encoding
/// (how it was or will be stored).
#[derive(Debug, Clone)]
pub struct Variable {
    dims: Vec<String>,
    data: Data,
    attrs: Attrs,
    encoding: Encoding,
}

impl Variable {
    /// A variable with `dims` over `data`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the number of dims is not the number of axes or
    /// a dim name repeats.
    pub fn new<S: AsRef<str>>(dims: &[S], data: impl Into<Data>) -> Result<Self> {
        let var = Self::with_repeated_dims(dims, data)?;
        if let Some(d) = var.repeated_dims().first() {
            return Err(Error::invalid_argument(
                "dims",
                format!("dimension {d:?} appears twice in {:?}", var.dims),
            ));
        }
        Ok(var)
    }

    /// A variable whose dims may repeat, such as a covariance `cov(D1, D1)`: files hold
    /// them and xarray opens them (with a warning). Most operations need distinct dims:
    /// those that look a repeated dim up by name ([`Variable::require_axis`]) give an
    /// error naming it; rename one of the dims first.
    ///
    /// ```
    /// # use xr::{NdArray, Variable};
    /// let cov = Variable::with_repeated_dims(&["d", "d"], NdArray::from(vec![1.0; 4]).reshape(&[2, 2])?)?;
    /// assert_eq!(cov.dims(), ["d", "d"]);
    /// assert!(cov.require_axis("d", "sum").is_err());
    /// # Ok::<(), xr::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the number of dims is not the number of axes.
    pub fn with_repeated_dims<S: AsRef<str>>(dims: &[S], data: impl Into<Data>) -> Result<Self> {
        let data = data.into();
        let dims: Vec<String> = dims.iter().map(|d| d.as_ref().to_string()).collect();
        if dims.len() != data.ndim() {
            return Err(Error::invalid_argument(
                "dims",
                format!(
                    "dims {dims:?} name {} axes but the data has shape {:?}",
                    dims.len(),
                    data.shape()
                ),
            ));
        }
        Ok(Variable {
            dims,
            data,
            attrs: Attrs::new(),
            encoding: Encoding::default(),
        })
    }

    /// The dims that appear more than once, each once, in order.
    pub fn repeated_dims(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (i, d) in self.dims.iter().enumerate() {
            if self.dims[..i].contains(d) && !out.contains(&d.as_str()) {
                out.push(d);
            }
        }
        out
    }

    /// A 0-d variable.
    pub fn scalar(value: &crate::array::Scalar) -> Self {
        Variable {
            dims: Vec::new(),
            data: Data::Eager(NdArray::from_scalar(value)),
            attrs: Attrs::new(),
            encoding: Encoding::default(),
        }
    }

    /// Returns `self` with `attrs`.
    pub fn with_attrs(mut self, attrs: Attrs) -> Self {
        self.attrs = attrs;
        self
    }

    /// Returns `self` with one more attribute.
    pub fn with_attr(mut self, key: &str, value: impl Into<super::AttrValue>) -> Self {
        self.attrs.insert(key.to_string(), value.into());
        self
    }

    /// Returns `self` with `encoding`.
    pub fn with_encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The dimension names, in axis order.
    pub fn dims(&self) -> &[String] {
        &self.dims
    }

    /// The data, in memory or lazy.
    pub fn data(&self) -> &Data {
        &self.data
    }

    /// The values in memory (computing lazy data).
    ///
    /// # Errors
    /// The first failing chunk's error, for lazy data.
    pub fn values(&self) -> Result<NdArray> {
        self.data.compute()
    }

    /// The same variable with its values in memory (xarray's `load`/`compute`).
    ///
    /// # Errors
    /// The first failing chunk's error, for lazy data.
    pub fn load(&self) -> Result<Variable> {
        match &self.data {
            Data::Eager(_) => Ok(self.clone()),
            Data::Lazy(l) => Ok(self.replace(self.dims.clone(), Data::Eager(l.compute()?))),
        }
    }

    /// As [`Variable::load`], computing lazy data with `executor`.
    ///
    /// # Errors
    /// The first failing chunk's error, for lazy data.
    pub fn load_with(&self, executor: &dyn crate::dist::Executor) -> Result<Variable> {
        match &self.data {
            Data::Eager(_) => Ok(self.clone()),
            Data::Lazy(l) => {
                Ok(self.replace(self.dims.clone(), Data::Eager(l.compute_with(executor)?)))
            }
        }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        self.data.shape()
    }

    /// Dimension name → length, in axis order.
    pub fn sizes(&self) -> IndexMap<String, usize> {
        self.dims
            .iter()
            .cloned()
            .zip(self.shape().iter().copied())
            .collect()
    }

    /// The number of dimensions.
    pub fn ndim(&self) -> usize {
        self.dims.len()
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.data.dtype()
    }

    /// The attributes.
    pub fn attrs(&self) -> &Attrs {
        &self.attrs
    }

    /// The attributes, mutably.
    pub fn attrs_mut(&mut self) -> &mut Attrs {
        &mut self.attrs
    }

    /// The encoding.
    pub fn encoding(&self) -> &Encoding {
        &self.encoding
    }

    /// The encoding, mutably.
    pub fn encoding_mut(&mut self) -> &mut Encoding {
        &mut self.encoding
    }

    /// The axis of `dim`, if the variable has it.
    pub fn axis_of(&self, dim: &str) -> Option<usize> {
        self.dims.iter().position(|d| d == dim)
    }

    /// The axis of `dim`.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `context`; [`Error::InvalidArgument`] naming `dim`
    /// when it is the name of more than one axis (see
    /// [`Variable::with_repeated_dims`]).
    pub fn require_axis(&self, dim: &str, context: &str) -> Result<usize> {
        let axis = self.axis_of(dim).ok_or_else(|| Error::DimNotFound {
            dim: dim.to_string(),
            context: context.to_string(),
            available: self.dims.clone(),
        })?;
        if self.dims[axis + 1..].iter().any(|d| d == dim) {
            return Err(Error::invalid_argument(
                "dim",
                format!(
                    "dimension {dim:?} names more than one axis of dims {:?} ({context}); \
                     rename one of them first",
                    self.dims
                ),
            ));
        }
        Ok(axis)
    }

    /// The same dims, attrs and encoding over new data of the same shape.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shape differs.
    pub fn with_data(&self, data: impl Into<Data>) -> Result<Variable> {
        let data = data.into();
        if data.shape() != self.shape() {
            return Err(Error::ShapeMismatch {
                what: format!("new data for variable with dims {:?}", self.dims),
                expected: self.shape().to_vec(),
                actual: data.shape().to_vec(),
            });
        }
        Ok(Variable {
            dims: self.dims.clone(),
            data,
            attrs: self.attrs.clone(),
            encoding: self.encoding.clone(),
        })
    }

    /// New dims and data, keeping attrs and encoding.
    pub(crate) fn replace(&self, dims: Vec<String>, data: impl Into<Data>) -> Variable {
        let data = data.into();
        debug_assert_eq!(dims.len(), data.ndim());
        Variable {
            dims,
            data,
            attrs: self.attrs.clone(),
            encoding: self.encoding.clone(),
        }
    }

    /// New dims and data computed from this variable's values: attrs kept, encoding
    /// dropped, as xarray's computations (rolling, cumsum, round, fillna, ...) drop it:
    /// the source's packing, compression and chunking no longer describe the result,
    /// so writing it gives the result's own dtype, as xarray writes it.
    pub(crate) fn computed(&self, dims: Vec<String>, data: impl Into<Data>) -> Variable {
        let data = data.into();
        debug_assert_eq!(dims.len(), data.ndim());
        Variable {
            dims,
            data,
            attrs: self.attrs.clone(),
            encoding: Encoding::default(),
        }
    }

    /// Reorders the dims to `order` (which must name each dim once).
    ///
    /// # Errors
    /// When `order` is not a permutation of the dims.
    pub fn transpose<S: AsRef<str>>(&self, order: &[S]) -> Result<Variable> {
        let perm = order
            .iter()
            .map(|d| self.require_axis(d.as_ref(), "variable"))
            .collect::<Result<Vec<_>>>()?;
        if perm.len() != self.ndim() {
            return Err(Error::invalid_argument(
                "order",
                format!(
                    "transpose order {:?} must name every dimension of {:?}",
                    order.iter().map(AsRef::as_ref).collect::<Vec<_>>(),
                    self.dims
                ),
            ));
        }
        let dims = perm.iter().map(|&i| self.dims[i].clone()).collect();
        Ok(self.replace(dims, self.data.permute(&perm)?))
    }

    /// Broadcasts to `dims` with `sizes`: existing dims are moved into that order and
    /// missing ones are added (xarray's `set_dims`). Every dim of `self` must be in `dims`.
    ///
    /// # Errors
    /// When a dim of `self` is missing from `dims` or a size disagrees.
    pub fn set_dims(&self, dims: &[String], sizes: &[usize]) -> Result<Variable> {
        if let Some(d) = self.dims.iter().find(|d| !dims.contains(d)) {
            return Err(Error::invalid_argument(
                "dims",
                format!(
                    "cannot broadcast a variable with dims {:?} to {dims:?}: {d:?} is missing",
                    self.dims
                ),
            ));
        }
        let present: Vec<&String> = dims.iter().filter(|d| self.dims.contains(d)).collect();
        let moved = self.transpose(&present)?;
        let mut data = moved.data.clone();
        let mut shape = Vec::with_capacity(dims.len());
        for (i, (d, &n)) in dims.iter().zip(sizes).enumerate() {
            match moved.axis_of(d) {
                Some(ax) if moved.shape()[ax] != n => {
                    return Err(Error::DimSizeConflict {
                        dim: d.clone(),
                        what: "broadcast".into(),
                        left: moved.shape()[ax],
                        right: n,
                    })
                }
                Some(_) => {}
                None => data = data.insert_axis(i)?,
            }
            shape.push(n);
        }
        let data = data.broadcast_to(&shape)?;
        Ok(self.replace(dims.to_vec(), data))
    }
}
