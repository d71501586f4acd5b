//! Stored bytes to typed values: byte order, and the final unshuffle fused into the same
//! pass when it is the pipeline's last decode step.

use std::marker::PhantomData;

use num_traits::{AsPrimitive, Float};

use crate::array::kernels::{MaskScale, Num};
use crate::array::sink::Sink;
use crate::array::Element;

/// Element types decoded from stored bytes in either byte order.
pub(super) use crate::array::FixedWidth as FromStored;

/// Elements `skip..skip + len` of a decoded chunk, into `sink`. `shuffled`: the bytes
/// are still in HDF5's shuffle order (planes of byte `b` of every element).
#[inline(always)]
pub(super) fn convert<T: FromStored, K: Sink<T>>(
    bytes: &[u8],
    shuffled: bool,
    big_endian: bool,
    skip: usize,
    len: usize,
    sink: K,
) -> K::Out {
    let s = T::SIZE;
    let word = move |w: &[u8]| {
        if big_endian {
            T::from_be(w)
        } else {
            T::from_le(w)
        }
    };
    if !shuffled || s == 1 {
        let src = &bytes[skip * s..(skip + len) * s];
        return sink.put(src.chunks_exact(s).map(word));
    }
    let n = bytes.len() / s;
    let plane = |b: usize| &bytes[b * n + skip..b * n + skip + len];
    // One pass over `s` byte planes; the common sizes spelled out so the loop vectorises.
    match s {
        2 => sink.put(
            plane(0)
                .iter()
                .zip(plane(1))
                .map(move |(&b0, &b1)| word(&[b0, b1])),
        ),
        4 => sink.put(
            plane(0)
                .iter()
                .zip(plane(1))
                .zip(plane(2))
                .zip(plane(3))
                .map(move |(((&b0, &b1), &b2), &b3)| word(&[b0, b1, b2, b3])),
        ),
        _ => {
            let planes: Vec<&[u8]> = (0..s).map(plane).collect();
            sink.put((0..len).map(move |k| {
                let mut w = [0u8; 16];
                for (x, p) in w.iter_mut().zip(&planes) {
                    *x = p[k];
                }
                word(&w[..s])
            }))
        }
    }
}

/// Stored values decoded by a [`MaskScale`] into `T` as they go into the sink `into`;
/// `None` when the decoding does not take them (see [`MaskScale::decode_into`]).
pub(super) struct Decoded<'a, T, K> {
    pub decode: &'a MaskScale,
    pub into: K,
    pub decoded: PhantomData<T>,
}

impl<S, T, K> Sink<S> for Decoded<'_, T, K>
where
    S: Num,
    T: Float + Element + 'static,
    f64: AsPrimitive<T>,
    K: Sink<T>,
{
    type Out = Option<K::Out>;

    #[inline(always)]
    fn put(self, values: impl Iterator<Item = S>) -> Option<K::Out> {
        self.decode.decode_into(values, self.into)
    }
}

/// The first element of `fill` (one element in the file's byte order).
pub(super) fn fill_value<T: FromStored>(fill: &[u8], big_endian: bool) -> Option<T> {
    let w = fill.get(..T::SIZE)?;
    Some(if big_endian {
        T::from_be(w)
    } else {
        T::from_le(w)
    })
}
