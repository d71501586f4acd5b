//! Forward and backward fill (`ffill`/`bfill`) of chunked arrays without a rechunk:
//! each chunk along the axis is filled on its own from a carry, the last valid value
//! before it and how far back it lies (for `limit`). The carries are a chain of small
//! tasks, one per chunk: each combines the previous carry with the chunk's own summary
//! (its carry from nothing), so the chunks themselves are read in parallel.

use super::{Data, LazyArray};
use crate::array::kernels::{self, Direction};
use crate::array::DType;
use crate::error::{Error, Result};

impl LazyArray {
    /// Fills nulls (NaN, NaT of datetimes and timedeltas) along `axis` with the last valid value before them (after
    /// them for [`Direction::Backward`]), at most `limit` positions away; the chunks
    /// are kept. Integers, bools and strings have no nulls and come back as they are.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an axis out of range.
    pub fn push(&self, axis: usize, limit: Option<usize>, dir: Direction) -> Result<LazyArray> {
        let sizes = self
            .grid
            .sizes()
            .get(axis)
            .ok_or_else(|| {
                Error::invalid_argument(
                    "axis",
                    format!("push: axis {axis} out of range for shape {:?}", self.shape),
                )
            })?
            .clone();
        if !(self.dtype.is_float() || matches!(self.dtype, DType::DateTime(_) | DType::TimeDelta)) {
            // No nulls to fill.
            return Ok(self.clone());
        }
        let dtype = self.dtype;
        // The carry before the first chunk (in the direction of the push), chunked as
        // the array on the other axes.
        let mut carry_sizes = self.grid.sizes().to_vec();
        carry_sizes[axis] = vec![2];
        let empty = LazyArray::from_array(
            kernels::empty_carry(&self.shape, axis, dtype)?,
            &vec![0; self.ndim()],
        )?
        .rechunk_sizes(carry_sizes)?;
        // A chunk with its carry rows as one block along the axis, pushed.
        let pushed = |part: &LazyArray, carry: &LazyArray| -> Result<LazyArray> {
            let ext = match dir {
                Direction::Forward => LazyArray::concatenate(axis, &[carry.clone(), part.clone()])?,
                Direction::Backward => {
                    LazyArray::concatenate(axis, &[part.clone(), carry.clone()])?
                }
            };
            let mut one = ext.grid.sizes().to_vec();
            one[axis] = vec![ext.shape[axis]];
            ext.rechunk_sizes(one)?
                .map_blocks(&[], dtype, move |blocks| match blocks {
                    [b] => kernels::push_carried(b, axis, limit, dir),
                    _ => Err(Error::internal("a push takes one block")),
                })
        };
        let mut starts = Vec::with_capacity(sizes.len());
        let mut start = 0;
        for &n in &sizes {
            starts.push((start, n));
            start += n;
        }
        if dir == Direction::Backward {
            starts.reverse();
        }
        let mut parts = Vec::with_capacity(starts.len());
        let mut carry = empty.clone();
        for (i, &(start, n)) in starts.iter().enumerate() {
            let part = self.slice_axis(axis, start, start + n, 1)?;
            let (rows, values) = match dir {
                Direction::Forward => ((0, 2), (2, n + 2)),
                Direction::Backward => ((n, n + 2), (0, n)),
            };
            let filled = pushed(&part, &carry)?;
            parts.push(filled.slice_axis(axis, values.0, values.1, 1)?);
            if i + 1 == starts.len() {
                break;
            }
            // The chunk's own carry, then combined with the one before it: a small
            // task per chunk, so that no chunk waits for the one before it to be filled.
            let summary = pushed(&part, &empty)?.slice_axis(axis, rows.0, rows.1, 1)?;
            carry = carry.map_blocks(&[summary], dtype, move |blocks| match blocks {
                [c, s] => kernels::push_combine(c, s, axis, n, limit),
                _ => Err(Error::internal("a push carry takes two blocks")),
            })?;
        }
        if dir == Direction::Backward {
            parts.reverse();
        }
        LazyArray::concatenate(axis, &parts)
    }
}

impl Data {
    /// Fills nulls along `axis` from the last valid value before (or after) them; lazy
    /// data stays lazy, its chunks kept. See [`LazyArray::push`].
    ///
    /// # Errors
    /// As [`LazyArray::push`].
    pub fn push(&self, axis: usize, limit: Option<usize>, dir: Direction) -> Result<Data> {
        match self {
            Data::Eager(a) => Ok(Data::Eager(kernels::push(a, axis, limit, dir)?)),
            Data::Lazy(l) => Ok(Data::Lazy(l.push(axis, limit, dir)?)),
        }
    }

    /// True where the values are null (NaN, NaT), fused into the chunk tasks of lazy
    /// data.
    ///
    /// # Errors
    /// Never for eager data; kept fallible like the other elementwise operations.
    pub fn isnull(&self) -> Result<Data> {
        self.map_elementwise(DType::Bool, |a| Ok(kernels::isnull(a)))
    }

    /// True where the values are not null; see [`Data::isnull`].
    ///
    /// # Errors
    /// As [`Data::isnull`].
    pub fn notnull(&self) -> Result<Data> {
        self.map_elementwise(DType::Bool, |a| Ok(kernels::notnull(a)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::NdArray;

    #[test]
    fn chunked_push_equals_eager() {
        let nan = f64::NAN;
        let v = vec![nan, 1.0, nan, nan, nan, 2.0, nan, nan, 3.0, nan, nan, nan];
        let a = NdArray::from(v);
        for dir in [Direction::Forward, Direction::Backward] {
            for limit in [None, Some(0), Some(1), Some(2), Some(5)] {
                let want = kernels::push(&a, 0, limit, dir)
                    .and_then(|r| r.to_f64_vec())
                    .unwrap_or_else(|e| panic!("{e}"));
                for chunk in [1, 2, 3, 5, 12] {
                    let got = LazyArray::from_array(a.clone(), &[chunk])
                        .and_then(|l| l.push(0, limit, dir))
                        .and_then(|l| l.compute())
                        .and_then(|r| r.to_f64_vec())
                        .unwrap_or_else(|e| panic!("{e}"));
                    let same = got
                        .iter()
                        .zip(&want)
                        .all(|(g, w)| g == w || (g.is_nan() && w.is_nan()));
                    assert!(same, "{dir:?} {limit:?} chunk {chunk}: {got:?} vs {want:?}");
                }
            }
        }
    }

    /// One chunk per step over a long axis: the chain of carries is as long as the axis.
    #[test]
    fn a_long_chain_of_carries_computes() {
        let n = 1000;
        let v: Vec<f64> = (0..n)
            .map(|i| if i % 7 == 0 { f64::from(i) } else { f64::NAN })
            .collect();
        let got = LazyArray::from_array(NdArray::from(v), &[1])
            .and_then(|l| l.push(0, None, Direction::Forward))
            .and_then(|l| l.compute())
            .and_then(|r| r.to_f64_vec())
            .unwrap_or_else(|e| panic!("{e}"));
        let want: Vec<f64> = (0..n).map(|i| f64::from(i - i % 7)).collect();
        assert_eq!(got, want);
    }
}
