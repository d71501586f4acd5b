//! The push kernels in memory order: a block seen as `(outer, len, inner)` around the
//! pushed axis is walked one row of `inner` contiguous values at a time, each row
//! filled from the running carry row before it. A lane at a time (the obvious loop)
//! costs an iterator step per element when the axis is the outer one and short, as it
//! is for blocks of one or a few time steps; rows keep the inner loop flat.

use ndarray::{ArcArray, IxDyn};

use super::{Direction, Nullable};
use crate::array::{simd, Element};

/// `x` pushed along `axis` from the carry before it (`carry`: the carry's value and
/// count rows, `axis` removed, each `outer * inner` long in standard layout; `None` for
/// no valid value before), in one pass over the block: each row is copied into the
/// output and its nulls filled there from the output row before it (the carry for the
/// first), which is still in cache. `None` when `x` is not in standard layout.
pub(super) fn push_from<T: Nullable + Element>(
    x: &ArcArray<T, IxDyn>,
    carry: Option<(&[T], &[T])>,
    axis: usize,
    limit: Option<usize>,
    dir: Direction,
) -> Option<ArcArray<T, IxDyn>> {
    // The whole body in the closure, so that all of it is compiled for AVX2.
    simd::wide(
        #[inline(always)]
        || {
            let src = x.as_slice()?;
            let (outer, len, inner) = around(x.shape(), axis);
            // Forward, the rows are appended in order, each filled as it lands; backward,
            // the block is copied first and filled from its end.
            let mut out: Vec<T> = match dir {
                Direction::Forward => Vec::with_capacity(src.len()),
                Direction::Backward => src.to_vec(),
            };
            let null_row = vec![T::null(); inner];
            let mut since = vec![0usize; if limit.is_some() { inner } else { 0 }];
            for o in 0..outer {
                let lane = o * len * inner..(o + 1) * len * inner;
                let (first, counts) = match carry {
                    Some((v, c)) => (
                        &v[o * inner..(o + 1) * inner],
                        Some(&c[o * inner..(o + 1) * inner]),
                    ),
                    None => (&null_row[..], None),
                };
                if limit.is_some() {
                    match counts {
                        Some(c) => since.iter_mut().zip(c).for_each(|(n, c)| *n = c.to_count()),
                        None => since.fill(0),
                    }
                }
                for k in 0..len {
                    let (cur, prev) = match dir {
                        Direction::Forward => {
                            let at = out.len();
                            out.extend_from_slice(&src[lane.start + k * inner..][..inner]);
                            let (done, cur) = out.split_at_mut(at);
                            let prev = if k == 0 { first } else { &done[at - inner..] };
                            (cur, prev)
                        }
                        Direction::Backward => {
                            let t = lane.start + (len - 1 - k) * inner;
                            let (head, tail) = out.split_at_mut(t + inner);
                            let prev = if k == 0 { first } else { &tail[..inner] };
                            (&mut head[t..], prev)
                        }
                    };
                    fill_row(cur, prev, &mut since, limit);
                }
            }
            let out = ndarray::Array::from_shape_vec(IxDyn(x.shape()), out).ok()?;
            Some(out.into_shared())
        },
    )
}

/// One row's nulls filled from the row before it (`prev`, already filled): without a
/// limit, every null; with one, those at most `limit` positions after a valid value,
/// `since` counting the positions per column.
#[inline(always)]
fn fill_row<T: Nullable>(cur: &mut [T], prev: &[T], since: &mut [usize], limit: Option<usize>) {
    match limit {
        // Both values loaded and the store unconditional, so that the loop compiles to
        // a select.
        None => {
            for (v, p) in cur.iter_mut().zip(prev) {
                let (value, carried) = (*v, *p);
                *v = if value.is_null() { carried } else { value };
            }
        }
        Some(limit) => {
            for ((v, p), n) in cur.iter_mut().zip(prev).zip(since.iter_mut()) {
                if v.is_null() {
                    *n = n.saturating_add(1);
                    // Every position since the last valid value was filled from it, so
                    // the row before holds it.
                    if *n <= limit {
                        *v = *p;
                    }
                } else {
                    *n = 0;
                }
            }
        }
    }
}

/// The carry after `x` from no carry before it, in standard layout: the last valid
/// value along `axis` (the first for [`Direction::Backward`]; null when there is none)
/// and the positions after (before) it, capped at `cap`, as two rows along `axis`. Only
/// the rows from the block's end back to each column's last valid value are read.
/// `None` when `x` is not in standard layout.
pub(super) fn summary_rows<T: Nullable + Element>(
    x: &ArcArray<T, IxDyn>,
    axis: usize,
    cap: usize,
    dir: Direction,
) -> Option<ArcArray<T, IxDyn>> {
    let src = x.as_slice()?;
    let (outer, len, inner) = around(x.shape(), axis);
    let mut out = vec![T::null(); outer * 2 * inner];
    for o in 0..outer {
        let (value, count) = out[o * 2 * inner..(o + 1) * 2 * inner].split_at_mut(inner);
        let mut open = inner;
        for d in 0..len {
            let t = match dir {
                Direction::Forward => len - 1 - d,
                Direction::Backward => d,
            };
            let row = &src[(o * len + t) * inner..][..inner];
            for ((v, c), x) in value.iter_mut().zip(count.iter_mut()).zip(row) {
                if v.is_null() && !x.is_null() {
                    *v = *x;
                    *c = T::from_count(d.min(cap));
                    open -= 1;
                }
            }
            if open == 0 {
                break;
            }
        }
        if open > 0 {
            for (v, c) in value.iter().zip(count.iter_mut()) {
                if v.is_null() {
                    *c = T::from_count(len.min(cap));
                }
            }
        }
    }
    let mut shape = x.shape().to_vec();
    shape[axis] = 2;
    let out = ndarray::Array::from_shape_vec(IxDyn(&shape), out).ok()?;
    Some(out.into_shared())
}

/// `(outer, len, inner)`: the sizes before, along and after `axis`.
fn around(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    (
        shape[..axis].iter().product(),
        shape[axis],
        shape[axis + 1..].iter().product(),
    )
}

/// The carry after `n` positions whose own carry is `summary`, given the carry before
/// them (`carry`, the same shape, two rows along `axis`), row by row; `None` when either
/// is not in standard layout.
pub(super) fn combine_rows<T: Nullable + Element>(
    carry: &ArcArray<T, IxDyn>,
    summary: &ArcArray<T, IxDyn>,
    axis: usize,
    n: usize,
    cap: usize,
) -> Option<ArcArray<T, IxDyn>> {
    if !carry.is_standard_layout() || !summary.is_standard_layout() {
        return None;
    }
    let shape = summary.shape();
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis + 1..].iter().product();
    let mut out = summary.to_owned();
    let s = out.as_slice_mut()?;
    let c = carry.as_slice()?;
    for o in 0..outer {
        let base = o * 2 * inner;
        let (sv, sc) = s[base..base + 2 * inner].split_at_mut(inner);
        let (cv, cc) = c[base..base + 2 * inner].split_at(inner);
        for (((sv, sc), cv), cc) in sv.iter_mut().zip(sc.iter_mut()).zip(cv).zip(cc) {
            if sv.is_null() {
                *sv = *cv;
                *sc = T::from_count(cc.to_count().saturating_add(n).min(cap));
            }
        }
    }
    Some(out.into_shared())
}
