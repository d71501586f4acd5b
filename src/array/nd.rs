//! `NdArray`: a dtype-erased, cheaply cloned N-D array.

use ndarray::{ArcArray, ArrayD, Axis, IxDyn, Slice};

use super::{with_numeric_dtype, DType, Scalar};
use crate::error::{Error, Result};
use crate::time::Calendar;

/// A shared N-D array of one of the supported element types.
///
/// Cloning is cheap (an `Arc` increment); mutation copies on write. Kernels match on the
/// variant once and then run generic code over `ArcArray<T, IxDyn>`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum NdArray {
    /// `bool`
    Bool(ArcArray<bool, IxDyn>),
    /// `i8`
    I8(ArcArray<i8, IxDyn>),
    /// `i16`
    I16(ArcArray<i16, IxDyn>),
    /// `i32`
    I32(ArcArray<i32, IxDyn>),
    /// `i64`
    I64(ArcArray<i64, IxDyn>),
    /// `u8`
    U8(ArcArray<u8, IxDyn>),
    /// `u16`
    U16(ArcArray<u16, IxDyn>),
    /// `u32`
    U32(ArcArray<u32, IxDyn>),
    /// `u64`
    U64(ArcArray<u64, IxDyn>),
    /// `f32`
    F32(ArcArray<f32, IxDyn>),
    /// `f64`
    F64(ArcArray<f64, IxDyn>),
    /// Datetimes: microseconds since 1970-01-01 in `Calendar`.
    DateTime(ArcArray<i64, IxDyn>, Calendar),
    /// Strings.
    Str(ArcArray<String, IxDyn>),
    /// Durations: microseconds ([`NAT`](crate::time::NAT) is NaT).
    TimeDelta(ArcArray<i64, IxDyn>),
}

/// Runs `$body` with `$a` bound to the typed array, whatever the variant
/// (datetimes and timedeltas bind their `i64` ticks). The body's type must not depend on `T`.
macro_rules! match_all {
    ($arr:expr, $a:ident => $body:expr) => {
        match $arr {
            $crate::array::NdArray::Bool($a) => $body,
            $crate::array::NdArray::I8($a) => $body,
            $crate::array::NdArray::I16($a) => $body,
            $crate::array::NdArray::I32($a) => $body,
            $crate::array::NdArray::I64($a) => $body,
            $crate::array::NdArray::U8($a) => $body,
            $crate::array::NdArray::U16($a) => $body,
            $crate::array::NdArray::U32($a) => $body,
            $crate::array::NdArray::U64($a) => $body,
            $crate::array::NdArray::F32($a) => $body,
            $crate::array::NdArray::F64($a) => $body,
            $crate::array::NdArray::DateTime($a, _) => $body,
            $crate::array::NdArray::Str($a) => $body,
            $crate::array::NdArray::TimeDelta($a) => $body,
        }
    };
}

/// Runs `$body` (which yields an `ArcArray` of the same element type) and wraps the
/// result in the same variant (datetimes keep their calendar).
macro_rules! map_all {
    ($arr:expr, $a:ident => $body:expr) => {
        match $arr {
            $crate::array::NdArray::Bool($a) => $crate::array::NdArray::Bool($body),
            $crate::array::NdArray::I8($a) => $crate::array::NdArray::I8($body),
            $crate::array::NdArray::I16($a) => $crate::array::NdArray::I16($body),
            $crate::array::NdArray::I32($a) => $crate::array::NdArray::I32($body),
            $crate::array::NdArray::I64($a) => $crate::array::NdArray::I64($body),
            $crate::array::NdArray::U8($a) => $crate::array::NdArray::U8($body),
            $crate::array::NdArray::U16($a) => $crate::array::NdArray::U16($body),
            $crate::array::NdArray::U32($a) => $crate::array::NdArray::U32($body),
            $crate::array::NdArray::U64($a) => $crate::array::NdArray::U64($body),
            $crate::array::NdArray::F32($a) => $crate::array::NdArray::F32($body),
            $crate::array::NdArray::F64($a) => $crate::array::NdArray::F64($body),
            $crate::array::NdArray::DateTime($a, cal) => {
                $crate::array::NdArray::DateTime($body, *cal)
            }
            $crate::array::NdArray::Str($a) => $crate::array::NdArray::Str($body),
            $crate::array::NdArray::TimeDelta($a) => $crate::array::NdArray::TimeDelta($body),
        }
    };
}

/// Like [`match_all`] for the integer and float variants only; anything else
/// evaluates `$other`.
macro_rules! match_numeric {
    ($arr:expr, $a:ident => $body:expr, $other:pat => $fallback:expr) => {
        match $arr {
            $crate::array::NdArray::I8($a) => $body,
            $crate::array::NdArray::I16($a) => $body,
            $crate::array::NdArray::I32($a) => $body,
            $crate::array::NdArray::I64($a) => $body,
            $crate::array::NdArray::U8($a) => $body,
            $crate::array::NdArray::U16($a) => $body,
            $crate::array::NdArray::U32($a) => $body,
            $crate::array::NdArray::U64($a) => $body,
            $crate::array::NdArray::F32($a) => $body,
            $crate::array::NdArray::F64($a) => $body,
            $other => $fallback,
        }
    };
}

pub(crate) use {map_all, match_all, match_numeric};

/// An element type that an [`NdArray`] can hold.
pub trait Element: Clone + Send + Sync + 'static {
    /// The dtype of arrays of this element (datetimes are stored as `i64`).
    const DTYPE: DType;
    /// Wraps a typed array.
    fn wrap(a: ArcArray<Self, IxDyn>) -> NdArray;
    /// The typed array, if `arr` holds this element type.
    fn unwrap(arr: &NdArray) -> Option<&ArcArray<Self, IxDyn>>;
    /// The typed array, mutable, if `arr` holds this element type.
    fn unwrap_mut(arr: &mut NdArray) -> Option<&mut ArcArray<Self, IxDyn>>;
}

macro_rules! impl_element {
    ($t:ty, $variant:ident) => {
        impl Element for $t {
            const DTYPE: DType = DType::$variant;
            fn wrap(a: ArcArray<Self, IxDyn>) -> NdArray {
                NdArray::$variant(a)
            }
            fn unwrap(arr: &NdArray) -> Option<&ArcArray<Self, IxDyn>> {
                match arr {
                    NdArray::$variant(a) => Some(a),
                    _ => None,
                }
            }
            fn unwrap_mut(arr: &mut NdArray) -> Option<&mut ArcArray<Self, IxDyn>> {
                match arr {
                    NdArray::$variant(a) => Some(a),
                    _ => None,
                }
            }
        }
    };
}

impl_element!(bool, Bool);
impl_element!(i8, I8);
impl_element!(i16, I16);
impl_element!(i32, I32);
impl_element!(i64, I64);
impl_element!(u8, U8);
impl_element!(u16, U16);
impl_element!(u32, U32);
impl_element!(u64, U64);
impl_element!(f32, F32);
impl_element!(f64, F64);
impl_element!(String, Str);

impl<T: Element> From<ArrayD<T>> for NdArray {
    fn from(a: ArrayD<T>) -> Self {
        T::wrap(a.into_shared())
    }
}

impl<T: Element> From<ArcArray<T, IxDyn>> for NdArray {
    fn from(a: ArcArray<T, IxDyn>) -> Self {
        T::wrap(a)
    }
}

impl<T: Element> From<Vec<T>> for NdArray {
    /// A 1-D array.
    fn from(v: Vec<T>) -> Self {
        T::wrap(ArcArray::from_vec(v).into_dyn())
    }
}

impl From<Vec<&str>> for NdArray {
    fn from(v: Vec<&str>) -> Self {
        v.into_iter().map(str::to_string).collect::<Vec<_>>().into()
    }
}

impl NdArray {
    /// An array of `shape` from values in row-major order.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `values.len()` is not the product of `shape`.
    pub fn from_shape_vec<T: Element>(shape: &[usize], values: Vec<T>) -> Result<Self> {
        let n = values.len();
        ArcArray::from_shape_vec(IxDyn(shape), values)
            .map(T::wrap)
            .map_err(|_| Error::ShapeMismatch {
                what: "values for NdArray::from_shape_vec".into(),
                expected: shape.to_vec(),
                actual: vec![n],
            })
    }

    /// A datetime array from microsecond ticks on `calendar`.
    pub fn datetime(ticks: ArcArray<i64, IxDyn>, calendar: Calendar) -> Self {
        NdArray::DateTime(ticks, calendar)
    }

    /// A 0-d array holding `value`.
    pub fn from_scalar(value: &Scalar) -> Self {
        let e = IxDyn(&[]);
        match value {
            Scalar::Bool(v) => NdArray::Bool(ArcArray::from_elem(e, *v)),
            Scalar::I64(v) => NdArray::I64(ArcArray::from_elem(e, *v)),
            Scalar::U64(v) => NdArray::U64(ArcArray::from_elem(e, *v)),
            Scalar::F64(v) => NdArray::F64(ArcArray::from_elem(e, *v)),
            Scalar::DateTime(t, c) => NdArray::DateTime(ArcArray::from_elem(e, *t), *c),
            Scalar::Str(s) => NdArray::Str(ArcArray::from_elem(e, s.clone())),
            Scalar::TimeDelta(t) => NdArray::TimeDelta(ArcArray::from_elem(e, *t)),
        }
    }

    /// An array of `shape` filled with zeros (`false`, `""`, the calendar's epoch).
    ///
    /// # Errors
    /// Never for the supported dtypes; kept fallible like [`NdArray::full`].
    pub fn zeros(shape: &[usize], dtype: DType) -> Result<Self> {
        // `from_elem` of a zero asks for zeroed memory: no pass over it.
        let ix = IxDyn(shape);
        Ok(match dtype {
            DType::Str => NdArray::Str(ArcArray::from_elem(ix, String::new())),
            DType::Bool => NdArray::Bool(ArcArray::from_elem(ix, false)),
            DType::DateTime(c) => NdArray::DateTime(ArcArray::from_elem(ix, 0), c),
            DType::TimeDelta => NdArray::TimeDelta(ArcArray::from_elem(ix, 0)),
            d => with_numeric_dtype!(
                d,
                |T| T::wrap(ArcArray::from_elem(ix, <T as num_traits::Zero>::zero())),
                other => return Err(Error::internal(format!("no zero of {other}")))
            ),
        })
    }

    /// An array of `shape` filled with `value`, of dtype `dtype`.
    ///
    /// # Errors
    /// When `value` cannot be cast to `dtype`.
    pub fn full(shape: &[usize], value: &Scalar, dtype: DType) -> Result<Self> {
        let zero_d = NdArray::from_scalar(value).astype(dtype)?;
        zero_d.broadcast_to(shape)
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            NdArray::Bool(_) => DType::Bool,
            NdArray::I8(_) => DType::I8,
            NdArray::I16(_) => DType::I16,
            NdArray::I32(_) => DType::I32,
            NdArray::I64(_) => DType::I64,
            NdArray::U8(_) => DType::U8,
            NdArray::U16(_) => DType::U16,
            NdArray::U32(_) => DType::U32,
            NdArray::U64(_) => DType::U64,
            NdArray::F32(_) => DType::F32,
            NdArray::F64(_) => DType::F64,
            NdArray::DateTime(_, c) => DType::DateTime(*c),
            NdArray::Str(_) => DType::Str,
            NdArray::TimeDelta(_) => DType::TimeDelta,
        }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        match_all!(self, a => a.shape())
    }

    /// The number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape().len()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Size of the data in bytes.
    pub fn nbytes(&self) -> usize {
        self.len() * self.dtype().size()
    }

    /// The typed array, if the element type is `T`.
    pub fn as_array<T: Element>(&self) -> Option<&ArcArray<T, IxDyn>> {
        T::unwrap(self)
    }

    /// The element at a multi-index.
    ///
    /// # Errors
    /// [`Error::IndexOutOfBounds`] when the index does not fit the shape.
    pub fn get(&self, index: &[usize]) -> Result<Scalar> {
        let oob = || Error::IndexOutOfBounds {
            what: format!("{index:?} in array of shape {:?}", self.shape()),
        };
        if index.len() != self.ndim() {
            return Err(oob());
        }
        let ix = IxDyn(index);
        Ok(match self {
            NdArray::Bool(a) => Scalar::Bool(*a.get(ix).ok_or_else(oob)?),
            NdArray::I8(a) => Scalar::I64(i64::from(*a.get(ix).ok_or_else(oob)?)),
            NdArray::I16(a) => Scalar::I64(i64::from(*a.get(ix).ok_or_else(oob)?)),
            NdArray::I32(a) => Scalar::I64(i64::from(*a.get(ix).ok_or_else(oob)?)),
            NdArray::I64(a) => Scalar::I64(*a.get(ix).ok_or_else(oob)?),
            NdArray::U8(a) => Scalar::U64(u64::from(*a.get(ix).ok_or_else(oob)?)),
            NdArray::U16(a) => Scalar::U64(u64::from(*a.get(ix).ok_or_else(oob)?)),
            NdArray::U32(a) => Scalar::U64(u64::from(*a.get(ix).ok_or_else(oob)?)),
            NdArray::U64(a) => Scalar::U64(*a.get(ix).ok_or_else(oob)?),
            NdArray::F32(a) => Scalar::F64(f64::from(*a.get(ix).ok_or_else(oob)?)),
            NdArray::F64(a) => Scalar::F64(*a.get(ix).ok_or_else(oob)?),
            NdArray::DateTime(a, c) => Scalar::DateTime(*a.get(ix).ok_or_else(oob)?, *c),
            NdArray::Str(a) => Scalar::Str(a.get(ix).ok_or_else(oob)?.clone()),
            NdArray::TimeDelta(a) => Scalar::TimeDelta(*a.get(ix).ok_or_else(oob)?),
        })
    }

    /// The element at a flat (row-major) position.
    ///
    /// # Errors
    /// [`Error::IndexOutOfBounds`] when `flat >= self.len()`.
    pub fn get_flat(&self, flat: usize) -> Result<Scalar> {
        let shape = self.shape();
        if flat >= self.len() {
            return Err(Error::IndexOutOfBounds {
                what: format!("flat index {flat} in array of {} elements", self.len()),
            });
        }
        let mut index = vec![0; shape.len()];
        let mut rest = flat;
        for (i, &n) in shape.iter().enumerate().rev() {
            index[i] = rest % n;
            rest /= n;
        }
        self.get(&index)
    }

    /// The values in row-major order as `f64` (bools as 0/1, datetimes as ticks).
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] for strings.
    pub fn to_f64_vec(&self) -> Result<Vec<f64>> {
        let as_f64 = self.astype(DType::F64)?;
        let a = as_f64
            .as_array::<f64>()
            .ok_or_else(|| Error::internal("astype(F64) did not give f64"))?;
        Ok(a.iter().copied().collect())
    }

    /// The same values in row-major (C) order in memory; no copy when they already are.
    pub fn to_standard_layout(&self) -> NdArray {
        map_all!(self, a => if a.is_standard_layout() {
            a.clone()
        } else {
            a.as_standard_layout().into_owned().into_shared()
        })
    }

    /// Reverses the order of the axes (`.T`).
    pub fn t(&self) -> NdArray {
        map_all!(self, a => a.clone().reversed_axes())
    }

    /// Permutes the axes: axis `i` of the result is axis `order[i]` of `self`.
    ///
    /// # Errors
    /// When `order` is not a permutation of `0..ndim`.
    pub fn permute(&self, order: &[usize]) -> Result<NdArray> {
        let mut seen = vec![false; self.ndim()];
        if order.len() != self.ndim()
            || order
                .iter()
                .any(|&i| i >= seen.len() || std::mem::replace(&mut seen[i], true))
        {
            return Err(Error::invalid_argument(
                "order",
                format!(
                    "axis order {order:?} is not a permutation of 0..{}",
                    self.ndim()
                ),
            ));
        }
        Ok(map_all!(self, a => a.clone().permuted_axes(IxDyn(order))))
    }

    /// Inserts a length-1 axis at `axis`.
    ///
    /// # Errors
    /// When `axis > ndim`.
    pub fn insert_axis(&self, axis: usize) -> Result<NdArray> {
        if axis > self.ndim() {
            return Err(Error::invalid_argument(
                "axis",
                format!(
                    "cannot insert axis {axis} into an array of {} dimensions",
                    self.ndim()
                ),
            ));
        }
        Ok(map_all!(self, a => a.clone().insert_axis(Axis(axis))))
    }

    /// Removes a length-1 axis.
    ///
    /// # Errors
    /// When `axis` is out of range or its length is not 1.
    pub fn remove_axis(&self, axis: usize) -> Result<NdArray> {
        match self.shape().get(axis) {
            Some(1) => Ok(map_all!(self, a => a.clone().remove_axis(Axis(axis)))),
            _ => Err(Error::invalid_argument(
                "axis",
                format!(
                    "cannot squeeze axis {axis} of an array of shape {:?}: its length is not 1",
                    self.shape()
                ),
            )),
        }
    }

    /// The elements `start..stop` by `step` along `axis` (a view, no copy).
    /// `step` must be positive; see [`NdArray::take`] for reversals.
    ///
    /// # Errors
    /// When `axis` is out of range, `step` is 0 or the range does not fit.
    pub fn slice_axis(
        &self,
        axis: usize,
        start: usize,
        stop: usize,
        step: usize,
    ) -> Result<NdArray> {
        let n = self.shape().get(axis).copied().ok_or_else(|| {
            Error::invalid_argument(
                "axis",
                format!("axis {axis} out of range for shape {:?}", self.shape()),
            )
        })?;
        if step == 0 || start > stop || stop > n {
            return Err(Error::IndexOutOfBounds {
                what: format!("slice {start}..{stop} step {step} on an axis of length {n}"),
            });
        }
        let s = Slice::new(start as isize, Some(stop as isize), step as isize);
        Ok(map_all!(self, a => a.clone().slice_axis_move(Axis(axis), s)))
    }

    /// Gathers `indices` along `axis` (copies).
    ///
    /// # Errors
    /// When `axis` or any index is out of range.
    pub fn take(&self, axis: usize, indices: &[usize]) -> Result<NdArray> {
        let n = self.shape().get(axis).copied().ok_or_else(|| {
            Error::invalid_argument(
                "axis",
                format!("axis {axis} out of range for shape {:?}", self.shape()),
            )
        })?;
        if let Some(&bad) = indices.iter().find(|&&i| i >= n) {
            return Err(Error::IndexOutOfBounds {
                what: format!("index {bad} on an axis of length {n}"),
            });
        }
        Ok(map_all!(self, a => a.select(Axis(axis), indices).into_shared()))
    }

    /// Broadcasts to `shape` (numpy rules, trailing alignment), materialising the result.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the shapes are not compatible.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<NdArray> {
        if self.shape() == shape {
            return Ok(self.clone());
        }
        let err = || Error::ShapeMismatch {
            what: "broadcast".into(),
            expected: shape.to_vec(),
            actual: self.shape().to_vec(),
        };
        Ok(map_all!(self, a => a.broadcast(IxDyn(shape)).ok_or_else(err)?.to_shared()))
    }

    /// Reshapes (row-major), copying only when the layout requires it.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the sizes differ.
    pub fn reshape(&self, shape: &[usize]) -> Result<NdArray> {
        if shape.iter().product::<usize>() != self.len() {
            return Err(Error::ShapeMismatch {
                what: "reshape".into(),
                expected: shape.to_vec(),
                actual: self.shape().to_vec(),
            });
        }
        let err = || Error::internal("reshape of a standard-layout array failed");
        Ok(map_all!(self, a => {
            if a.is_standard_layout() {
                // Contiguous in row-major order: a new view of the same buffer, no copy.
                a.clone().into_shape_with_order(IxDyn(shape)).map_err(|_| err())?
            } else {
                let std = a.as_standard_layout().into_owned();
                std.into_shape_with_order(IxDyn(shape)).map_err(|_| err())?.into_shared()
            }
        }))
    }

    /// Concatenates arrays of one dtype along `axis`.
    ///
    /// # Errors
    /// When `parts` is empty, dtypes differ, or the other axes disagree.
    pub fn concatenate(axis: usize, parts: &[NdArray]) -> Result<NdArray> {
        let first = parts
            .first()
            .ok_or_else(|| Error::invalid_argument("parts", "concatenate of no arrays"))?;
        let dtype = first.dtype();
        if let Some(p) = parts.iter().find(|p| p.dtype() != dtype) {
            return Err(Error::DTypeMismatch {
                what: "concatenate".into(),
                left: dtype,
                right: p.dtype(),
            });
        }
        let shape_err = |p: &NdArray| Error::ShapeMismatch {
            what: format!("concatenate along axis {axis}"),
            expected: first.shape().to_vec(),
            actual: p.shape().to_vec(),
        };
        for p in parts {
            let ok = p.ndim() == first.ndim()
                && axis < p.ndim()
                && p.shape()
                    .iter()
                    .zip(first.shape())
                    .enumerate()
                    .all(|(i, (a, b))| i == axis || a == b);
            if !ok {
                return Err(shape_err(p));
            }
        }
        Ok(map_all!(first, a => {
            let _ = a;
            let views: Vec<_> = parts
                .iter()
                .map(|p| p.as_typed_like(first).map(|x| x.view()))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| Error::internal("dtype checked above"))?;
            ndarray::concatenate(Axis(axis), &views).map_err(|_| shape_err(first))?.into_shared()
        }))
    }

    /// The elements of `self` where `mask` is true and of `other` elsewhere (numpy's
    /// `where(mask, self, other)`); all three have one shape and `other` the same dtype.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] or [`Error::DTypeMismatch`] when they differ.
    pub fn select(&self, mask: &ArcArray<bool, IxDyn>, other: &NdArray) -> Result<NdArray> {
        if other.dtype() != self.dtype() {
            return Err(Error::DTypeMismatch {
                what: "where".into(),
                left: self.dtype(),
                right: other.dtype(),
            });
        }
        for shape in [mask.shape(), other.shape()] {
            if shape != self.shape() {
                return Err(Error::ShapeMismatch {
                    what: "where".into(),
                    expected: self.shape().to_vec(),
                    actual: shape.to_vec(),
                });
            }
        }
        let err = || Error::internal("dtype checked above");
        Ok(map_all!(self, a => {
            let o = other.as_typed_like(self).ok_or_else(err)?;
            let mut out = a.to_owned();
            ndarray::Zip::from(&mut out).and(mask).and(o).for_each(|x, &m, y| {
                if !m {
                    x.clone_from(y);
                }
            });
            out.into_shared()
        }))
    }

    /// Copies `src` (same dtype) into the region of `self` starting at `offset`.
    ///
    /// # Errors
    /// When dtypes differ or `src` does not fit at `offset`.
    pub fn assign_at(&mut self, offset: &[usize], src: &NdArray) -> Result<()> {
        if self.dtype() != src.dtype() {
            return Err(Error::DTypeMismatch {
                what: "assign".into(),
                left: self.dtype(),
                right: src.dtype(),
            });
        }
        let fits = offset.len() == self.ndim()
            && src.ndim() == self.ndim()
            && offset
                .iter()
                .zip(src.shape())
                .zip(self.shape())
                .all(|((&o, &n), &m)| o + n <= m);
        if !fits {
            return Err(Error::ShapeMismatch {
                what: format!("assign at offset {offset:?}"),
                expected: self.shape().to_vec(),
                actual: src.shape().to_vec(),
            });
        }
        let info: Vec<ndarray::SliceInfoElem> = offset
            .iter()
            .zip(src.shape())
            .map(|(&o, &n)| ndarray::SliceInfoElem::Slice {
                start: o as isize,
                end: Some((o + n) as isize),
                step: 1,
            })
            .collect();
        let info = ndarray::SliceInfo::<_, IxDyn, IxDyn>::try_from(info)
            .map_err(|e| Error::internal(format!("slice info: {e}")))?;
        macro_rules! assign_arms {
            ($($v:ident),*) => {
                match (self, src) {
                    $((NdArray::$v(d), NdArray::$v(s)) => d.slice_mut(info.as_ref()).assign(s),)*
                    (NdArray::DateTime(d, _), NdArray::DateTime(s, _)) => d.slice_mut(info.as_ref()).assign(s),
                    (NdArray::TimeDelta(d), NdArray::TimeDelta(s)) => d.slice_mut(info.as_ref()).assign(s),
                    _ => return Err(Error::internal("dtypes were checked equal")),
                }
            };
        }
        assign_arms!(Bool, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64, Str);
        Ok(())
    }

    /// True when both arrays have the same dtype, shape and values, with NaN equal to
    /// NaN (xarray's `equals`).
    pub fn equals(&self, other: &NdArray) -> bool {
        if self.dtype() != other.dtype() || self.shape() != other.shape() {
            return false;
        }
        match (self, other) {
            (NdArray::F32(a), NdArray::F32(b)) => a
                .iter()
                .zip(b.iter())
                .all(|(x, y)| x == y || (x.is_nan() && y.is_nan())),
            (NdArray::F64(a), NdArray::F64(b)) => a
                .iter()
                .zip(b.iter())
                .all(|(x, y)| x == y || (x.is_nan() && y.is_nan())),
            _ => match_all!(self, a => eq_typed(a, other.as_typed_like(self))),
        }
    }
}

/// Gives the typed array of `self` as the same element type as `like`'s binding inside a
/// `match_all!`; used where two arrays are known to share a dtype.
trait TypedLike<T> {
    fn as_typed_like(&self, like: &NdArray) -> Option<&ArcArray<T, IxDyn>>;
}

impl<T: 'static> TypedLike<T> for NdArray {
    fn as_typed_like(&self, _like: &NdArray) -> Option<&ArcArray<T, IxDyn>> {
        let any: &dyn std::any::Any = match_all!(self, a => a as &dyn std::any::Any);
        any.downcast_ref::<ArcArray<T, IxDyn>>()
    }
}

fn eq_typed<T: PartialEq>(a: &ArcArray<T, IxDyn>, b: Option<&ArcArray<T, IxDyn>>) -> bool {
    b.is_some_and(|b| a == b)
}
