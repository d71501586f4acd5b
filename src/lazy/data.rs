//! `Data`: the values of a variable, in memory or lazy.

use std::fmt;

use ndarray::{ArcArray, ArrayD, IxDyn};

use super::LazyArray;
use crate::array::kernels::{self, BinaryOp, MaskScale, ReduceParams, Reduction, UnaryOp};
use crate::array::{DType, Element, NdArray, Scalar};
use crate::error::{Error, Result};

/// A variable's values: an in-memory [`NdArray`] or a [`LazyArray`] computed on demand.
///
/// Every operation of the data model works on both; operations on lazy data stay lazy
/// (an eager operand joins a lazy expression as a single in-memory chunk). Reading
/// element values ([`Data::get`], [`Data::to_f64_vec`], [`Data::equals`]) computes lazy
/// data first.
#[derive(Debug, Clone)]
pub enum Data {
    /// Values in memory.
    Eager(NdArray),
    /// Values described by a lazy chunked expression.
    Lazy(LazyArray),
}

impl From<NdArray> for Data {
    fn from(a: NdArray) -> Self {
        Data::Eager(a)
    }
}

impl From<LazyArray> for Data {
    fn from(a: LazyArray) -> Self {
        Data::Lazy(a)
    }
}

impl<T: Element> From<ArrayD<T>> for Data {
    fn from(a: ArrayD<T>) -> Self {
        Data::Eager(a.into())
    }
}

impl<T: Element> From<ArcArray<T, IxDyn>> for Data {
    fn from(a: ArcArray<T, IxDyn>) -> Self {
        Data::Eager(a.into())
    }
}

impl<T: Element> From<Vec<T>> for Data {
    fn from(v: Vec<T>) -> Self {
        Data::Eager(v.into())
    }
}

impl From<Vec<&str>> for Data {
    fn from(v: Vec<&str>) -> Self {
        Data::Eager(v.into())
    }
}

/// Applies the same operation to eager or lazy data, keeping the kind.
macro_rules! both {
    ($self:expr, $a:ident => $e:expr, $l:ident => $lz:expr) => {
        match $self {
            Data::Eager($a) => Ok(Data::Eager($e?)),
            Data::Lazy($l) => Ok(Data::Lazy($lz?)),
        }
    };
}

impl Data {
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            Data::Eager(a) => a.shape(),
            Data::Lazy(l) => l.shape(),
        }
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            Data::Eager(a) => a.dtype(),
            Data::Lazy(l) => l.dtype(),
        }
    }

    /// The number of dims.
    pub fn ndim(&self) -> usize {
        self.shape().len()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The size in bytes (of the values once computed, for lazy data).
    pub fn nbytes(&self) -> usize {
        self.len() * self.dtype().size()
    }

    /// True for lazy data.
    pub fn is_lazy(&self) -> bool {
        matches!(self, Data::Lazy(_))
    }

    /// The in-memory array, if the data is eager.
    pub fn as_eager(&self) -> Option<&NdArray> {
        match self {
            Data::Eager(a) => Some(a),
            Data::Lazy(_) => None,
        }
    }

    /// The lazy array, if the data is lazy.
    pub fn as_lazy(&self) -> Option<&LazyArray> {
        match self {
            Data::Lazy(l) => Some(l),
            Data::Eager(_) => None,
        }
    }

    /// Chunk sizes per dim, for lazy data.
    pub fn chunks(&self) -> Option<&[Vec<usize>]> {
        self.as_lazy().map(LazyArray::chunks)
    }

    /// The values in memory (computing lazy data with the default executor).
    ///
    /// # Errors
    /// The first failing chunk's error.
    pub fn compute(&self) -> Result<NdArray> {
        match self {
            Data::Eager(a) => Ok(a.clone()),
            Data::Lazy(l) => l.compute(),
        }
    }

    /// The data as lazy, chunked as `chunk_shape` (0 = whole dim).
    ///
    /// # Errors
    /// When `chunk_shape` does not have one entry per dim.
    pub fn chunk(&self, chunk_shape: &[usize]) -> Result<LazyArray> {
        match self {
            Data::Eager(a) => LazyArray::from_array(a.clone(), chunk_shape),
            Data::Lazy(l) => l.rechunk(chunk_shape),
        }
    }

    fn lazy_or_wrap(&self) -> Result<LazyArray> {
        match self {
            Data::Lazy(l) => Ok(l.clone()),
            Data::Eager(a) => LazyArray::from_array(a.clone(), &vec![0; a.ndim()]),
        }
    }

    /// The typed in-memory array, if the data is eager and of element type `T`.
    pub fn as_array<T: Element>(&self) -> Option<&ArcArray<T, IxDyn>> {
        self.as_eager().and_then(NdArray::as_array)
    }

    /// The element at a multi-index (computes lazy data).
    ///
    /// # Errors
    /// When the index does not fit, or computing fails.
    pub fn get(&self, index: &[usize]) -> Result<Scalar> {
        self.compute()?.get(index)
    }

    /// The element at a flat position (computes lazy data).
    ///
    /// # Errors
    /// When the position does not fit, or computing fails.
    pub fn get_flat(&self, flat: usize) -> Result<Scalar> {
        self.compute()?.get_flat(flat)
    }

    /// The values as `f64` in row-major order (computes lazy data).
    ///
    /// # Errors
    /// For strings, or when computing fails.
    pub fn to_f64_vec(&self) -> Result<Vec<f64>> {
        self.compute()?.to_f64_vec()
    }

    /// Same dtype, shape and values, NaN equal to NaN (computes lazy data; a failing
    /// computation counts as not equal).
    pub fn equals(&self, other: &Data) -> bool {
        if self.dtype() != other.dtype() || self.shape() != other.shape() {
            return false;
        }
        match (self.compute(), other.compute()) {
            (Ok(a), Ok(b)) => a.equals(&b),
            _ => false,
        }
    }

    /// Reverses the axes.
    pub fn t(&self) -> Data {
        match self {
            Data::Eager(a) => Data::Eager(a.t()),
            Data::Lazy(l) => Data::Lazy(l.t()),
        }
    }

    /// Permutes the axes.
    ///
    /// # Errors
    /// When `order` is not a permutation.
    pub fn permute(&self, order: &[usize]) -> Result<Data> {
        both!(self, a => a.permute(order), l => l.permute(order))
    }

    /// Inserts a length-1 axis.
    ///
    /// # Errors
    /// When `axis > ndim`.
    pub fn insert_axis(&self, axis: usize) -> Result<Data> {
        both!(self, a => a.insert_axis(axis), l => l.insert_axis(axis))
    }

    /// Removes a length-1 axis.
    ///
    /// # Errors
    /// When the axis is out of range or not of length 1.
    pub fn remove_axis(&self, axis: usize) -> Result<Data> {
        both!(self, a => a.remove_axis(axis), l => l.remove_axis(axis))
    }

    /// `start..stop` by `step` along `axis`.
    ///
    /// # Errors
    /// When the range does not fit.
    pub fn slice_axis(&self, axis: usize, start: usize, stop: usize, step: usize) -> Result<Data> {
        both!(self, a => a.slice_axis(axis, start, stop, step), l => l.slice_axis(axis, start, stop, step))
    }

    /// Gathers `indices` along `axis`.
    ///
    /// # Errors
    /// When an index is out of range.
    pub fn take(&self, axis: usize, indices: &[usize]) -> Result<Data> {
        both!(self, a => a.take(axis, indices), l => l.take(axis, indices))
    }

    /// Broadcasts to `shape`.
    ///
    /// # Errors
    /// When the shapes are not compatible.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Data> {
        both!(self, a => a.broadcast_to(shape), l => l.broadcast_to(shape))
    }

    /// Casts to `dtype`.
    ///
    /// # Errors
    /// When the cast is not supported.
    pub fn astype(&self, dtype: DType) -> Result<Data> {
        both!(self, a => a.astype(dtype), l => l.astype(dtype))
    }

    /// Reshapes (eager data only).
    ///
    /// # Errors
    /// When the sizes differ, or the data is lazy.
    pub fn reshape(&self, shape: &[usize]) -> Result<Data> {
        match self {
            Data::Eager(a) => Ok(Data::Eager(a.reshape(shape)?)),
            Data::Lazy(_) => Err(Error::invalid_argument(
                "self",
                "reshape of lazy data is not supported; use insert_axis/remove_axis",
            )),
        }
    }

    /// Concatenates along `axis`; lazy if any part is.
    ///
    /// # Errors
    /// When dtypes or the other axes disagree.
    pub fn concatenate(axis: usize, parts: &[Data]) -> Result<Data> {
        if parts.iter().all(|p| !p.is_lazy()) {
            let eager: Vec<NdArray> = parts.iter().filter_map(|p| p.as_eager().cloned()).collect();
            return Ok(Data::Eager(NdArray::concatenate(axis, &eager)?));
        }
        let lazy: Vec<LazyArray> = parts
            .iter()
            .map(Data::lazy_or_wrap)
            .collect::<Result<_>>()?;
        Ok(Data::Lazy(LazyArray::concatenate(axis, &lazy)?))
    }

    /// `a op b` elementwise with numpy broadcasting; lazy if either is.
    ///
    /// # Errors
    /// As [`kernels::binary`].
    pub fn binary(&self, other: &Data, op: BinaryOp) -> Result<Data> {
        match (self, other) {
            (Data::Eager(a), Data::Eager(b)) => Ok(Data::Eager(kernels::binary(a, b, op)?)),
            (Data::Lazy(a), Data::Lazy(b)) => Ok(Data::Lazy(a.binary(b, op)?)),
            (Data::Lazy(a), Data::Eager(b)) => Ok(Data::Lazy(a.binary_array(b, op, false)?)),
            (Data::Eager(a), Data::Lazy(b)) => Ok(Data::Lazy(b.binary_array(a, op, true)?)),
        }
    }

    /// Applies an elementwise function (same shape out, element type `dtype`): at once
    /// for eager data, fused into the chunk tasks for lazy data.
    ///
    /// # Errors
    /// Whatever `f` returns, for eager data.
    pub fn map_elementwise(
        &self,
        dtype: DType,
        f: impl Fn(&NdArray) -> Result<NdArray> + Send + Sync + 'static,
    ) -> Result<Data> {
        match self {
            Data::Eager(a) => Ok(Data::Eager(f(a)?)),
            Data::Lazy(l) => Ok(Data::Lazy(l.map_elementwise(dtype, f))),
        }
    }

    /// CF masking and unpacking ([`LazyArray::mask_scale`] on lazy data).
    ///
    /// # Errors
    /// As [`MaskScale::apply`], on eager data.
    pub fn mask_scale(&self, decode: MaskScale) -> Result<Data> {
        match self {
            Data::Eager(a) => Ok(Data::Eager(decode.apply(a)?)),
            Data::Lazy(l) => Ok(Data::Lazy(l.mask_scale(decode))),
        }
    }

    /// An elementwise unary operation.
    ///
    /// # Errors
    /// As [`kernels::unary`].
    pub fn unary(&self, op: UnaryOp) -> Result<Data> {
        both!(self, a => kernels::unary(a, op), l => l.unary(op))
    }

    /// Reduces `axes`.
    ///
    /// # Errors
    /// As [`kernels::reduce`].
    pub fn reduce(&self, axes: &[usize], op: Reduction, params: ReduceParams) -> Result<Data> {
        both!(self, a => kernels::reduce(a, axes, op, params), l => l.reduce(axes, op, params))
    }

    /// numpy's `tensordot`: contracts `axes_a` of `self` with `axes_b` of `other`; lazy
    /// (blocked) if either is.
    ///
    /// # Errors
    /// As [`crate::array::linalg::tensordot`].
    pub fn tensordot(&self, other: &Data, axes_a: &[usize], axes_b: &[usize]) -> Result<Data> {
        match (self, other) {
            (Data::Eager(a), Data::Eager(b)) => Ok(Data::Eager(crate::array::linalg::tensordot(
                a, b, axes_a, axes_b,
            )?)),
            _ => Ok(Data::Lazy(self.lazy_or_wrap()?.tensordot(
                &other.lazy_or_wrap()?,
                axes_a,
                axes_b,
            )?)),
        }
    }

    /// numpy's `where(mask, self, other)`; lazy if any operand is.
    ///
    /// # Errors
    /// When shapes do not broadcast or dtypes cannot meet.
    pub fn select(mask: &Data, this: &Data, other: &Data) -> Result<Data> {
        if let (Data::Eager(m), Data::Eager(a), Data::Eager(b)) = (mask, this, other) {
            let m = m
                .as_array::<bool>()
                .ok_or_else(|| Error::UnsupportedDType {
                    op: "where (the condition must be bool)".into(),
                    dtype: m.dtype(),
                })?;
            return Ok(Data::Eager(a.select(m, b)?));
        }
        let (m, a, b) = (
            mask.lazy_or_wrap()?,
            this.lazy_or_wrap()?,
            other.lazy_or_wrap()?,
        );
        let shape = kernels::broadcast_shapes(
            &kernels::broadcast_shapes(m.shape(), a.shape())?,
            b.shape(),
        )?;
        let (m, a, b) = (
            m.broadcast_to(&shape)?,
            a.broadcast_to(&shape)?,
            b.broadcast_to(&shape)?,
        );
        let dtype = a.dtype();
        Ok(Data::Lazy(m.map_blocks(
            &[a, b],
            dtype,
            |blocks| match blocks {
                [m, a, b] => {
                    let mask = m
                        .as_array::<bool>()
                        .ok_or_else(|| Error::UnsupportedDType {
                            op: "where (the condition must be bool)".into(),
                            dtype: m.dtype(),
                        })?;
                    a.select(mask, b)
                }
                _ => Err(Error::internal("where takes three blocks")),
            },
        )?))
    }
}

impl fmt::Display for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Data::Eager(a) => write!(f, "{:?}", a.shape()),
            Data::Lazy(l) => write!(f, "lazy {:?} in chunks {:?}", l.shape(), l.chunks()),
        }
    }
}
