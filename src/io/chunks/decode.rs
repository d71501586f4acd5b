//! Stored bytes to typed values: byte order, and the final unshuffle fused into the same
//! pass when it is the pipeline's last decode step.

/// Element types decoded from stored bytes in either byte order.
pub(super) use crate::array::FixedWidth as FromStored;

/// Fills `dst` with elements `skip..skip + dst.len()` of a decoded chunk. `shuffled`:
/// the bytes are still in HDF5's shuffle order (planes of byte `b` of every element).
#[inline(always)]
pub(super) fn convert_into<T: FromStored>(
    bytes: &[u8],
    shuffled: bool,
    big_endian: bool,
    skip: usize,
    dst: &mut [T],
) {
    let s = T::SIZE;
    if !shuffled || s == 1 {
        let src = &bytes[skip * s..(skip + dst.len()) * s];
        let words = dst.iter_mut().zip(src.chunks_exact(s));
        if big_endian {
            words.for_each(|(d, w)| *d = T::from_be(w));
        } else {
            words.for_each(|(d, w)| *d = T::from_le(w));
        }
        return;
    }
    let n = bytes.len() / s;
    let len = dst.len();
    let plane = |b: usize| &bytes[b * n + skip..b * n + skip + len];
    let word = |w: &[u8]| {
        if big_endian {
            T::from_be(w)
        } else {
            T::from_le(w)
        }
    };
    // One pass over `s` byte planes; the common sizes spelled out so the loop vectorises.
    match s {
        2 => {
            for ((d, &b0), &b1) in dst.iter_mut().zip(plane(0)).zip(plane(1)) {
                *d = word(&[b0, b1]);
            }
        }
        4 => {
            let planes = dst.iter_mut().zip(plane(0)).zip(plane(1)).zip(plane(2));
            for ((((d, &b0), &b1), &b2), &b3) in planes.zip(plane(3)) {
                *d = word(&[b0, b1, b2, b3]);
            }
        }
        _ => {
            let planes: Vec<&[u8]> = (0..s).map(plane).collect();
            let mut w = [0u8; 16];
            for (k, d) in dst.iter_mut().enumerate() {
                for (x, p) in w.iter_mut().zip(&planes) {
                    *x = p[k];
                }
                *d = word(&w[..s]);
            }
        }
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
