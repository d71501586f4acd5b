//! Where a loop's values go: collected into a new vector, or written over a slice that
//! is already there. A kernel that produces values one by one (a decode, a conversion)
//! takes a [`Sink`], so that the same loop fills a fresh array or a part of a larger one
//! without a copy in between.

/// A consumer of the values a loop produces, in order.
pub(crate) trait Sink<T> {
    /// What consuming them gives.
    type Out;
    /// Consumes `values`. Called with the loop's iterator itself, so that the compiler
    /// sees the whole loop (and vectorises it) where the sink is monomorphised.
    fn put(self, values: impl Iterator<Item = T>) -> Self::Out;
}

use std::mem::MaybeUninit;

use rayon::prelude::*;

use crate::error::{Error, Result};

/// Collects the values into a new vector.
pub(crate) struct Collect;

impl<T> Sink<T> for Collect {
    type Out = Vec<T>;

    #[inline(always)]
    fn put(self, values: impl Iterator<Item = T>) -> Vec<T> {
        values.collect()
    }
}

/// Writes the values over the slice, one each, from its start; values past its end are
/// not taken.
impl<T> Sink<T> for &mut [T] {
    type Out = ();

    #[inline(always)]
    fn put(self, values: impl Iterator<Item = T>) {
        self.iter_mut().zip(values).for_each(|(d, v)| *d = v);
    }
}

/// Writes the values over a slice of uninitialised memory, from its start, and counts
/// them, so that [`par_filled`] knows the part is whole without trusting its caller.
pub(crate) struct Uninit<'a, T> {
    dst: &'a mut [MaybeUninit<T>],
    written: &'a mut usize,
}

impl<T> Sink<T> for Uninit<'_, T> {
    type Out = ();

    #[inline(always)]
    fn put(self, values: impl Iterator<Item = T>) {
        let mut n = 0;
        for (d, v) in self.dst.iter_mut().zip(values) {
            d.write(v);
            n += 1;
        }
        *self.written = n;
    }
}

/// A vector of the lengths of `parts` added up, its parts written in parallel, each by
/// `fill(i, len, sink)` putting the `len` values of part `i` into `sink`: without first
/// zeroing the memory, a pass over it that costs as much as writing it (3% of `ffill`'s
/// samples when chunk reads zeroed their blocks).
///
/// # Errors
/// The first error of `fill`, or [`Error::Internal`] when a part got fewer values than
/// its length.
pub(crate) fn par_filled<T: Send>(
    parts: &[usize],
    fill: impl Fn(usize, usize, Uninit<'_, T>) -> Result<()> + Sync,
) -> Result<Vec<T>> {
    let len: usize = parts.iter().sum();
    let mut out: Vec<T> = Vec::with_capacity(len);
    let mut rest = &mut out.spare_capacity_mut()[..len];
    let mut slots = Vec::with_capacity(parts.len());
    for (i, &n) in parts.iter().enumerate() {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(n);
        slots.push((i, head));
        rest = tail;
    }
    slots.into_par_iter().try_for_each(|(i, dst)| {
        let n = dst.len();
        let mut written = 0;
        fill(
            i,
            n,
            Uninit {
                dst,
                written: &mut written,
            },
        )?;
        if written == n {
            Ok(())
        } else {
            Err(Error::internal(format!(
                "part {i} of {n} values got {written}"
            )))
        }
    })?;
    #[allow(unsafe_code)]
    // SAFETY: the parts tile `0..len` of the capacity, and each was written whole: an
    // `Uninit` counts the values it writes from its start, and a part whose count fell
    // short returned an error above.
    unsafe {
        out.set_len(len);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collect_and_slice_take_the_same_values() {
        let values = || (1..=4).map(|v: i32| v * 10);
        assert_eq!(Collect.put(values()), [10, 20, 30, 40]);
        let mut dst = [0; 3];
        dst.as_mut_slice().put(values());
        assert_eq!(dst, [10, 20, 30]);
    }

    #[test]
    fn parts_filled_in_parallel_make_one_vector() {
        let got = par_filled(&[3, 0, 2, 4], |i, n, sink| {
            sink.put((0..n).map(|k| 10 * i + k));
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got, [0, 1, 2, 20, 21, 30, 31, 32, 33]);
        // A part that gets fewer values than its length is an error, not a hole.
        let short = par_filled(&[2, 3], |i, n, sink| {
            sink.put((0..n - i).map(|k| k as f32));
            Ok(())
        });
        assert!(short.is_err_and(|e| e.to_string().contains("part 1 of 3 values got 2")));
        // The error of a part comes back.
        let failed = par_filled::<u8>(&[1, 1], |i, _, sink| match i {
            1 => Err(Error::internal("no such chunk")),
            _ => {
                sink.put([7].into_iter());
                Ok(())
            }
        });
        assert!(failed.is_err_and(|e| e.to_string().contains("no such chunk")));
    }
}
