//! The push kernels in memory order: a block seen as `(outer, len, inner)` around the
//! pushed axis is walked one row of `inner` contiguous values at a time, each row
//! filled from the running carry row before it. A lane at a time (the obvious loop)
//! costs an iterator step per element when the axis is the outer one and short, as it
//! is for blocks of one or a few time steps; rows keep the inner loop flat.

use ndarray::{ArcArray, ArrayView, IxDyn};

use super::{Direction, Nullable};
use crate::array::{simd, Element};

/// Where the pushed values and the carry rows lie along the axis of a block.
pub(super) struct Rows {
    /// The positions of the values, in block order.
    pub values: std::ops::Range<usize>,
    /// The carry rows (value, count), read before and written after the push; `None`
    /// to start from nothing and keep no carry.
    pub carry: Option<(usize, usize)>,
}

/// `x`, with `pad.0` null rows before it and `pad.1` after it along `axis`, pushed
/// along `axis` as [`Rows`] says (positions counted in the padded block), or `None`
/// when `x` is not in standard layout (the caller then walks lanes). Null rows read as
/// a carry of no value, count 0: a block is padded with its carry rows in the one copy
/// the push makes anyway.
pub(super) fn push_rows<T: Nullable + Element>(
    x: &ArcArray<T, IxDyn>,
    axis: usize,
    pad: (usize, usize),
    rows: &Rows,
    limit: Option<usize>,
    cap: usize,
    dir: Direction,
) -> Option<ArcArray<T, IxDyn>> {
    // The whole body in the closure, so that all of it is compiled for AVX2.
    simd::wide(
        #[inline(always)]
        || {
            if !x.is_standard_layout() {
                return None;
            }
            let (outer, own, inner) = around(x.shape(), axis);
            let len = own + pad.0 + pad.1;
            let mut out = if pad == (0, 0) {
                x.to_owned()
            } else {
                let src = x.as_slice()?;
                let mut buf = Vec::with_capacity(outer * len * inner);
                for o in 0..outer {
                    buf.resize(buf.len() + pad.0 * inner, T::null());
                    buf.extend_from_slice(&src[o * own * inner..(o + 1) * own * inner]);
                    buf.resize(buf.len() + pad.1 * inner, T::null());
                }
                let mut shape = x.shape().to_vec();
                shape[axis] = len;
                ndarray::Array::from_shape_vec(IxDyn(&shape), buf).ok()?
            };
            let s = out.as_slice_mut()?;
            let mut last = vec![T::null(); inner];
            let mut since = vec![0usize; inner];
            for o in 0..outer {
                let block = &mut s[o * len * inner..(o + 1) * len * inner];
                match rows.carry {
                    Some((v, c)) => {
                        last.copy_from_slice(&block[v * inner..(v + 1) * inner]);
                        for (n, c) in since.iter_mut().zip(&block[c * inner..(c + 1) * inner]) {
                            *n = c.to_count();
                        }
                    }
                    None => {
                        last.fill(T::null());
                        since.fill(0);
                    }
                }
                let mut step = |t: usize| {
                    let row = &mut block[t * inner..(t + 1) * inner];
                    match limit {
                        // No limit: a null takes the last value (null when there is none).
                        // Both stores unconditional, so that the loop compiles to a select.
                        None => {
                            // Both values loaded first: a select of values, not of the
                            // addresses to load from, which would not vectorise.
                            for (v, l) in row.iter_mut().zip(last.iter_mut()) {
                                let (value, carried) = (*v, *l);
                                let kept = if value.is_null() { carried } else { value };
                                *v = kept;
                                *l = kept;
                            }
                        }
                        Some(limit) => {
                            for ((v, l), n) in
                                row.iter_mut().zip(last.iter_mut()).zip(since.iter_mut())
                            {
                                if v.is_null() {
                                    *n = n.saturating_add(1);
                                    if *n <= limit && !l.is_null() {
                                        *v = *l;
                                    }
                                } else {
                                    *l = *v;
                                    *n = 0;
                                }
                            }
                        }
                    }
                };
                match dir {
                    Direction::Forward => rows.values.clone().for_each(&mut step),
                    Direction::Backward => rows.values.clone().rev().for_each(&mut step),
                }
                if let Some((v, c)) = rows.carry {
                    block[v * inner..(v + 1) * inner].copy_from_slice(&last);
                    for (c, n) in block[c * inner..(c + 1) * inner].iter_mut().zip(&since) {
                        *c = T::from_count((*n).min(cap));
                    }
                }
            }
            Some(out.into_shared())
        },
    )
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

/// `x` (values already pushed within their block) with the nulls its block left
/// filled from the carry before the block: `value` and `count` are the carry's rows
/// (`axis` removed). The nulls left are those before the block's first valid value, or
/// more than `limit` after a valid value, which the carry cannot reach either.
pub(super) fn fill_from_carry<T: Nullable + Element>(
    x: &ArcArray<T, IxDyn>,
    value: &ArrayView<'_, T, IxDyn>,
    count: &ArrayView<'_, T, IxDyn>,
    axis: usize,
    limit: Option<usize>,
    dir: Direction,
) -> Option<ArcArray<T, IxDyn>> {
    // The whole body in the closure, so that all of it is compiled for AVX2.
    simd::wide(
        #[inline(always)]
        || {
            let mut out = x.as_standard_layout().into_owned();
            let shape = out.shape().to_vec();
            let len = shape[axis];
            let outer: usize = shape[..axis].iter().product();
            let inner: usize = shape[axis + 1..].iter().product();
            let value = value.as_standard_layout();
            let count = count.as_standard_layout();
            let (s, cv, cc) = (out.as_slice_mut()?, value.as_slice()?, count.as_slice()?);
            for o in 0..outer {
                let (cv, cc) = (
                    &cv[o * inner..(o + 1) * inner],
                    &cc[o * inner..(o + 1) * inner],
                );
                for k in 0..len {
                    if limit.is_some_and(|l| k >= l) {
                        break;
                    }
                    let t = match dir {
                        Direction::Forward => k,
                        Direction::Backward => len - 1 - k,
                    };
                    let row = &mut s[(o * len + t) * inner..(o * len + t + 1) * inner];
                    match limit {
                        None => {
                            let mut nulls = 0usize;
                            for (v, c) in row.iter_mut().zip(cv) {
                                let (value, carried) = (*v, *c);
                                let null = value.is_null();
                                nulls += usize::from(null);
                                *v = if null { carried } else { value };
                            }
                            // Pushed within the block, a column stays valid from its first
                            // valid value on: a row without nulls has none after it either.
                            if nulls == 0 {
                                break;
                            }
                        }
                        Some(l) => {
                            for ((v, c), n) in row.iter_mut().zip(cv).zip(cc) {
                                if v.is_null() && n.to_count().saturating_add(k + 1) <= l {
                                    *v = *c;
                                }
                            }
                        }
                    }
                }
            }
            Some(out.into_shared())
        },
    )
}
