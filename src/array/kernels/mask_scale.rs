//! CF masking and unpacking of stored values: the fill values (`_FillValue`,
//! `missing_value`) become NaN, the rest `v · scale_factor + add_offset`, computed in the
//! decoded float type as numpy does. The decoding of a packed or masked variable, as one
//! value the lazy graph can see: [`MaskScale::apply`] decodes a chunk, and a kernel that
//! reads every value anyway (the grouped mean's chunk step) may decode each value as it
//! reads it with [`MaskScale::unpack`] instead of reading a decoded copy.

use ndarray::{ArcArray, IxDyn};
use num_traits::{AsPrimitive, Float};

use super::Num;
use crate::array::sink::{Collect, Sink};
use crate::array::{match_numeric, simd, DType, Element, NdArray};
use crate::error::{Error, Result};

/// How stored values decode: masked (NaN where a fill value is) and unpacked.
#[derive(Debug, Clone, PartialEq)]
pub struct MaskScale {
    out: DType,
    fills: Vec<f64>,
    scale: Option<f64>,
    offset: Option<f64>,
}

impl MaskScale {
    /// Values equal to one of `fills` become NaN, the others `v · scale + offset` (each
    /// part only if given), in `out`: `f32` for [`DType::F32`], `f64` for anything else.
    pub fn new(out: DType, fills: Vec<f64>, scale: Option<f64>, offset: Option<f64>) -> Self {
        let out = if out == DType::F32 {
            DType::F32
        } else {
            DType::F64
        };
        MaskScale {
            out,
            fills,
            scale,
            offset,
        }
    }

    /// The decoded dtype.
    pub fn dtype(&self) -> DType {
        self.out
    }

    /// `raw` decoded.
    ///
    /// # Errors
    /// When `raw` is not numeric.
    pub fn apply(&self, raw: &NdArray) -> Result<NdArray> {
        match self.out {
            DType::F32 => Ok(NdArray::F32(self.apply_typed::<f32>(raw)?)),
            _ => Ok(NdArray::F64(self.apply_typed::<f64>(raw)?)),
        }
    }

    /// The decoding of one value at a time, for kernels that only sum and count the
    /// decoded values: `None` with several fill values, or in another type than the
    /// decoded one. It gives [`MaskScale::apply`]'s values but for the sign of a zero
    /// (it always adds the offset, 0 when there is none), which no sum or count sees.
    pub(crate) fn unpack<T: Float + Element>(&self) -> Option<Unpack<T>>
    where
        f64: AsPrimitive<T>,
    {
        if T::DTYPE != self.out || self.fills.len() > 1 {
            return None;
        }
        Some(Unpack {
            // A NaN fill never equals a value: NaNs stay NaN through the unpacking.
            fill: self.fills.first().map_or(T::nan(), |f| f.as_()),
            scale: self.scale.map_or(T::one(), AsPrimitive::as_),
            offset: self.offset.map_or(T::zero(), AsPrimitive::as_),
        })
    }

    /// `stored` values, one by one, decoded as [`MaskScale::apply`] decodes them, into
    /// `sink`: for a reader that decodes each value in the pass that unpacks its bytes,
    /// instead of writing the stored values and decoding them in a second pass. `None`
    /// when `T` is not the decoded type, or the stored type is a 64-bit integer (which
    /// [`MaskScale::apply`] casts first, so as not to round twice).
    pub(crate) fn decode_into<S, T, K>(
        &self,
        stored: impl Iterator<Item = S>,
        sink: K,
    ) -> Option<K::Out>
    where
        S: Num,
        T: Float + Element + 'static,
        f64: AsPrimitive<T>,
        K: Sink<T>,
    {
        if !self.takes::<S, T>() {
            return None;
        }
        Some(self.decode_with(stored, |v: S| -> T { v.to_f64().as_() }, sink))
    }

    /// Whether [`MaskScale::decode_into`] takes values stored as `S` into `T`.
    pub(crate) fn takes<S: Element, T: Element>(&self) -> bool {
        T::DTYPE == self.out && !matches!(S::DTYPE, DType::I64 | DType::U64)
    }

    /// Masks, then unpacks, computing in `T` as numpy does.
    fn apply_typed<T>(&self, raw: &NdArray) -> Result<ArcArray<T, IxDyn>>
    where
        T: Float + Element + 'static,
        f64: AsPrimitive<T>,
    {
        let values: Vec<T> = match_numeric!(raw, a => {
            if matches!(raw, NdArray::I64(_) | NdArray::U64(_)) {
                // Through f64 these could round twice: cast as `astype` does.
                let wide = raw.astype(T::DTYPE)?;
                let w = T::unwrap(&wide).ok_or_else(|| Error::internal("astype gave another dtype"))?;
                let w = w.as_standard_layout();
                let w = w.as_slice().unwrap_or_default();
                self.decode_with(w.iter().copied(), |v| v, Collect)
            } else {
                // One pass from the stored type over contiguous values.
                let a = a.as_standard_layout();
                let a = a.as_slice().unwrap_or_default();
                self.decode_with(a.iter().copied(), |v| -> T { Num::to_f64(v).as_() }, Collect)
            }
        }, other => return Err(Error::UnsupportedDType {
            op: "decoding a packed or masked variable".into(),
            dtype: other.dtype(),
        }));
        ArcArray::from_shape_vec(IxDyn(raw.shape()), values)
            .map_err(|_| Error::internal("decoded values have the chunk's length"))
    }

    /// `stored`, converted to `T` by `conv`, masked and unpacked into `sink`, the fill
    /// test chosen once (no fill, one number, NaN, several).
    fn decode_with<S, T, K>(
        &self,
        stored: impl Iterator<Item = S>,
        conv: impl Fn(S) -> T,
        sink: K,
    ) -> K::Out
    where
        T: Float + 'static,
        f64: AsPrimitive<T>,
        K: Sink<T>,
    {
        let fills: Vec<T> = self.fills.iter().map(|f| f.as_()).collect();
        let scale: Option<T> = self.scale.map(AsPrimitive::as_);
        let offset: Option<T> = self.offset.map(AsPrimitive::as_);
        let any = |v: T| fills.iter().any(|&f| f == v || (f.is_nan() && v.is_nan()));
        match fills.as_slice() {
            [] => decode_values(stored, conv, |_| false, scale, offset, sink),
            [f] if f.is_nan() => {
                decode_values(stored, conv, |x: T| x.is_nan(), scale, offset, sink)
            }
            &[f] => decode_values(stored, conv, move |x| x == f, scale, offset, sink),
            _ => decode_values(stored, conv, any, scale, offset, sink),
        }
    }
}

/// [`MaskScale`] with one fill value, for decoding inside another kernel's loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unpack<T> {
    fill: T,
    scale: T,
    offset: T,
}

impl<T: Float + 'static> Unpack<T>
where
    f64: AsPrimitive<T>,
{
    /// One stored value decoded (stored as `i64`/`u64` it may round twice: such data
    /// takes [`MaskScale::apply`]).
    #[inline(always)]
    pub(crate) fn decode<S: Num>(&self, v: S) -> T {
        let x: T = v.to_f64().as_();
        if x == self.fill {
            T::nan()
        } else {
            x * self.scale + self.offset
        }
    }
}

/// `stored` converted, masked (NaN where `is_fill`) and unpacked (`v · scale + offset`)
/// into `sink`, with the unpacking chosen once (each case its own loop, which the
/// compiler vectorises).
fn decode_values<S, T: Float, K: Sink<T>>(
    stored: impl Iterator<Item = S>,
    conv: impl Fn(S) -> T,
    is_fill: impl Fn(T) -> bool,
    scale: Option<T>,
    offset: Option<T>,
    sink: K,
) -> K::Out {
    // `move`: the closures' captures become locals of the loop, not memory it reads
    // through a pointer on every element (which keeps it from vectorising).
    simd::wide(
        #[inline(always)]
        move || match (scale, offset) {
            (None, None) => sink.put(masked(stored, conv, is_fill, |v| v)),
            (Some(s), None) => sink.put(masked(stored, conv, is_fill, |v| v * s)),
            (None, Some(o)) => sink.put(masked(stored, conv, is_fill, |v| v + o)),
            (Some(s), Some(o)) => sink.put(masked(stored, conv, is_fill, |v| v * s + o)),
        },
    )
}

/// One loop of [`decode_values`], monomorphised per unpacking.
#[inline(always)]
fn masked<S, T: Float>(
    stored: impl Iterator<Item = S>,
    conv: impl Fn(S) -> T,
    is_fill: impl Fn(T) -> bool,
    unpack: impl Fn(T) -> T,
) -> impl Iterator<Item = T> {
    stored.map(move |v| {
        let v = conv(v);
        if is_fill(v) {
            T::nan()
        } else {
            unpack(v)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i16s(v: &[i16]) -> NdArray {
        NdArray::from_shape_vec(&[v.len()], v.to_vec()).unwrap()
    }

    #[test]
    fn unpack_gives_apply_values() {
        let raw: Vec<i16> = vec![-32767, -3, 0, 1, 7, 32766];
        for (fills, scale, offset) in [
            (vec![-32767.0], Some(2e-8), Some(6.5e-4)),
            (vec![], Some(0.5), None),
            (vec![7.0], None, Some(-1.25)),
            (vec![], None, None),
            (vec![f64::NAN], Some(3.0), Some(1.0)),
        ] {
            let ms = MaskScale::new(DType::F32, fills, scale, offset);
            let applied = ms.apply(&i16s(&raw)).unwrap();
            let applied = applied.as_array::<f32>().unwrap();
            let u = ms.unpack::<f32>().unwrap();
            for (&r, &a) in raw.iter().zip(applied.iter()) {
                let d = u.decode(r);
                assert!(
                    d == a || (d.is_nan() && a.is_nan()),
                    "{ms:?}: {r} decodes to {d}, apply gives {a}"
                );
            }
        }
    }

    #[test]
    fn unpack_only_for_one_fill_in_the_decoded_type() {
        let ms = MaskScale::new(DType::F32, vec![1.0, 2.0], None, None);
        assert!(ms.unpack::<f32>().is_none());
        let ms = MaskScale::new(DType::F64, vec![1.0], None, None);
        assert!(ms.unpack::<f32>().is_none());
        assert!(ms.unpack::<f64>().is_some());
    }

    #[test]
    fn decode_into_writes_apply_values_in_the_decoded_type_only() {
        let raw: Vec<i16> = vec![-32767, -3, 0, 1, 7, 32766];
        let ms = MaskScale::new(DType::F32, vec![-32767.0, 7.0], Some(0.5), Some(2.0));
        let want = ms.apply(&i16s(&raw)).unwrap();
        let mut got = vec![0f32; raw.len()];
        assert!(ms
            .decode_into(raw.iter().copied(), got.as_mut_slice())
            .is_some());
        let want: Vec<u32> = want
            .as_array::<f32>()
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), want);
        // Another type than the decoded one, or 64-bit integers (which `apply` casts).
        let mut f64s = vec![0f64; raw.len()];
        assert!(ms
            .decode_into(raw.iter().copied(), f64s.as_mut_slice())
            .is_none());
        assert!(ms
            .decode_into([1i64].into_iter(), got.as_mut_slice())
            .is_none());
    }

    #[test]
    fn apply_masks_then_unpacks() {
        let ms = MaskScale::new(DType::F64, vec![-1.0, 9.0], Some(2.0), Some(1.0));
        let out = ms.apply(&i16s(&[-1, 0, 9, 4])).unwrap();
        let out: Vec<f64> = out.as_array::<f64>().unwrap().iter().copied().collect();
        assert!(out[0].is_nan() && out[2].is_nan());
        assert_eq!((out[1], out[3]), (1.0, 9.0));
    }
}
