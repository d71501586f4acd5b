//! Forward and backward fill (`ffill`/`bfill`) of chunked arrays without a rechunk, in
//! three steps, each block of chunks read and decoded once:
//! 1. every block's own carry (its last valid value and how far back it lies) is found
//!    from its last rows, without pushing it; without a limit, the block is pushed from
//!    no carry as it is read, and its carry is its last row;
//! 2. the carries are chained, a small task per block combining the carry before it
//!    with the block's own;
//! 3. each block is pushed from the carry before it, in place; without a limit, only
//!    each column's nulls before its first valid value are left to fill.
//!
//! Steps 1 and 3 run on all blocks in parallel; only the small carries wait for each
//! other.

use super::{Data, LazyArray};
use crate::array::chunks::Region;
use crate::array::kernels::{self, Direction};
use crate::array::{DType, NdArray};
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
        let chunks = sizes;
        let sizes = joined(self, axis);
        // Block i spans `starts[i]..starts[i] + sizes[i]`; its carry, rows `2 i..2 i + 2`
        // of the summaries.
        let starts: Vec<usize> = sizes
            .iter()
            .scan(0, |acc, &n| {
                let s = *acc;
                *acc += n;
                Some(s)
            })
            .collect();
        // The chunks joined into blocks, each read once, for its summary and its push.
        // Without a limit, each block is pushed from no carry as soon as it is read (in
        // place, the block just decoded); its carry is then its last row, and the push
        // from the carry before it changes only each column's first nulls.
        let pushed_first = limit.is_none();
        let mut joined_sizes = self.grid.sizes().to_vec();
        joined_sizes[axis] = sizes.clone();
        let raw = self.map_blocks_to(joined_sizes, dtype, "push", Region::clone, move |_, v| {
            if pushed_first {
                kernels::push_from(v, None, axis, None, dir)
            } else {
                Ok(v)
            }
        })?;
        let mut summary_sizes = self.grid.sizes().to_vec();
        summary_sizes[axis] = vec![2; sizes.len()];
        let (in_starts, in_sizes) = (starts.clone(), sizes.clone());
        let summaries = raw.map_blocks_to(
            summary_sizes,
            dtype,
            "push carry",
            move |region: &Region| {
                let mut r = region.clone();
                let i = region[axis].start / 2;
                let start = in_starts.get(i).copied().unwrap_or(0);
                r[axis] = start..start + in_sizes.get(i).copied().unwrap_or(0);
                r
            },
            move |_, values: NdArray| {
                if pushed_first {
                    kernels::pushed_summary(&values, axis, dir)
                } else {
                    kernels::push_summary(&values, axis, limit, dir)
                }
            },
        )?;
        let mut order: Vec<usize> = (0..sizes.len()).collect();
        if dir == Direction::Backward {
            order.reverse();
        }
        let mut parts: Vec<Option<LazyArray>> = vec![None; sizes.len()];
        let mut carry: Option<LazyArray> = None;
        for &i in &order {
            let values = raw.slice_axis(axis, starts[i], starts[i] + sizes[i], 1)?;
            let own = summaries.slice_axis(axis, 2 * i, 2 * i + 2, 1)?;
            // The block's own carry (its first row, unread) makes the push wait for it,
            // so that the push is the raw block's last reader: it is handed the block and
            // pushes it in place.
            let after_summary = own.slice_axis(axis, 0, 1, 1)?;
            parts[i] = Some(match &carry {
                // Pushed already when read; a node of its own all the same, as the other
                // parts are, so that a writer sees one block (`block_breaks` does not look
                // through slices).
                None if pushed_first => values.map_blocks_owned(&[], dtype, |blocks| {
                    blocks
                        .into_iter()
                        .next()
                        .ok_or_else(|| Error::internal("a push takes a block"))
                })?,
                None => values.map_blocks_owned(&[after_summary], dtype, move |blocks| {
                    let [b, _] = <[NdArray; 2]>::try_from(blocks)
                        .map_err(|_| Error::internal("a push takes a block and its carry"))?;
                    kernels::push_from(b, None, axis, limit, dir)
                })?,
                Some(c) => {
                    // One row each: `map_blocks` hands them to every block as they are.
                    let value = c.slice_axis(axis, 0, 1, 1)?;
                    if pushed_first {
                        values.map_blocks_owned(&[value, after_summary], dtype, move |blocks| {
                            let [b, v, _] = <[NdArray; 3]>::try_from(blocks).map_err(|_| {
                                Error::internal("a push from a carry takes three blocks")
                            })?;
                            kernels::push_leading(b, &v, axis, dir)
                        })?
                    } else {
                        let count = c.slice_axis(axis, 1, 2, 1)?;
                        let inputs = [value, count, after_summary];
                        values.map_blocks_owned(&inputs, dtype, move |blocks| {
                            let [b, v, c, _] = <[NdArray; 4]>::try_from(blocks).map_err(|_| {
                                Error::internal("a push from a carry takes four blocks")
                            })?;
                            kernels::push_from(b, Some((&v, &c)), axis, limit, dir)
                        })?
                    }
                }
            });
            let n = sizes[i];
            carry = Some(match carry {
                None => own,
                // A materialised task per carry, so the chain is k tasks, not k² fused steps.
                Some(c) => c.map_blocks(&[own], dtype, move |blocks| match blocks {
                    [c, s] => kernels::push_combine(c, s, axis, n, limit),
                    _ => Err(Error::internal("a push carry takes two blocks")),
                })?,
            });
        }
        let parts: Vec<LazyArray> = parts.into_iter().flatten().collect();
        let out = LazyArray::concatenate(axis, &parts)?;
        if sizes == chunks {
            return Ok(out);
        }
        // The array's own chunks back.
        let mut grid = self.grid.sizes().to_vec();
        grid[axis] = chunks;
        out.rechunk_sizes(grid)
    }
}

/// Blocks along `axis` of whole consecutive chunks, each up to [`JOINED_BYTES`] (a
/// chunk already larger stays as it is): chunks of a few rows (one time step each, as
/// files often store them) would cost a task, a carry and a combine each for little
/// work. A block ends at a file boundary (see `part_starts`).
fn joined(arr: &LazyArray, axis: usize) -> Vec<usize> {
    let rows = (JOINED_BYTES / arr.row_bytes(axis).max(1)).max(1);
    arr.joined_chunks(axis, |block, n| block + n <= rows)
}

/// The largest block [`joined`] makes of consecutive chunks.
const JOINED_BYTES: usize = 8 << 20;

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
                // `lazy`, pushed and computed, equals the eager push.
                let check = |lazy: Result<LazyArray>, what: &str| {
                    let got = lazy
                        .and_then(|l| l.push(0, limit, dir))
                        .and_then(|l| l.compute())
                        .and_then(|r| r.to_f64_vec())
                        .unwrap_or_else(|e| panic!("{e}"));
                    let same = got
                        .iter()
                        .zip(&want)
                        .all(|(g, w)| g == w || (g.is_nan() && w.is_nan()));
                    assert!(same, "{dir:?} {limit:?} {what}: {got:?} vs {want:?}");
                };
                for chunk in [1, 2, 3, 5, 12] {
                    check(
                        LazyArray::from_array(a.clone(), &[chunk]),
                        &format!("chunk {chunk}"),
                    );
                }
                // Three "files" of one-step chunks: blocks end at their boundaries.
                let file = |lo: usize, hi: usize| {
                    let part = NdArray::from(a.to_f64_vec().unwrap_or_default()[lo..hi].to_vec());
                    LazyArray::from_array(part, &[1]).unwrap_or_else(|e| panic!("{e}"))
                };
                let files = [file(0, 4), file(4, 9), file(9, 12)];
                let cat = LazyArray::concatenate(0, &files).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(joined(&cat, 0), [4, 5, 3]);
                check(Ok(cat), "three files");
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
