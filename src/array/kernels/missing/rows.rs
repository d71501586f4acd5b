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
/// no valid value before), in one pass over the block, row by row. When `x` holds its
/// data alone (the lazy push hands over each block it read), or for
/// [`Direction::Backward`], the rows are pushed in place (see [`push_in_place`]); else
/// forward into a new array, each output row written once from the block's row and a
/// running row of the last valid values. `None` when `x` is not in standard layout.
pub(super) fn push_from<T: Nullable + Element>(
    mut x: ArcArray<T, IxDyn>,
    carry: Option<(&[T], &[T])>,
    axis: usize,
    limit: Option<usize>,
    dir: Direction,
) -> Option<ArcArray<T, IxDyn>> {
    if !x.is_standard_layout() {
        return None;
    }
    if dir == Direction::Backward || x.is_unique() {
        let (outer, len, inner) = around(x.shape(), axis);
        // Copies the data first only when it is shared (a backward push of a borrowed
        // block).
        let values = x.as_slice_mut()?;
        push_in_place(values, (outer, len, inner), carry, limit, dir);
        return Some(x);
    }
    // The whole body in the closure, so that all of it is compiled for AVX2.
    simd::wide(
        #[inline(always)]
        || {
            let src = x.as_slice()?;
            let (outer, len, inner) = around(x.shape(), axis);
            let mut out: Vec<T> = Vec::with_capacity(src.len());
            let mut last = vec![T::null(); inner];
            let mut since = vec![0usize; if limit.is_some() { inner } else { 0 }];
            for o in 0..outer {
                let lane = o * len * inner..(o + 1) * len * inner;
                start_carry(&mut last, &mut since, carry, o, limit);
                for k in 0..len {
                    let row = &src[lane.start + k * inner..][..inner];
                    emit_row(&mut out, row, &mut last, &mut since, limit);
                }
            }
            let out = ndarray::Array::from_shape_vec(IxDyn(x.shape()), out).ok()?;
            Some(out.into_shared())
        },
    )
}

/// Pushes `values` (`(outer, len, inner)` around the axis, standard layout) in place.
/// Without a limit, the last valid values before a row are the row before it, already
/// pushed (the carry for the first row): a row's nulls are filled from it, and no
/// running row is kept. With a limit, a running row of the last valid values and their
/// distances is carried, and each row rewritten.
fn push_in_place<T: Nullable>(
    values: &mut [T],
    (outer, len, inner): (usize, usize, usize),
    carry: Option<(&[T], &[T])>,
    limit: Option<usize>,
    dir: Direction,
) {
    if len * inner == 0 {
        return;
    }
    // The whole body in the closure, so that all of it is compiled for AVX2.
    simd::wide(
        #[inline(always)]
        || {
            let row_at = |k: usize| row_in_order(k, len, dir);
            let mut last = vec![T::null(); if limit.is_some() { inner } else { 0 }];
            let mut since = vec![0usize; last.len()];
            for (o, lane) in values.chunks_exact_mut(len * inner).take(outer).enumerate() {
                let Some(limit) = limit else {
                    if let Some((v, _)) = carry {
                        let first = row_at(0) * inner;
                        fill_nulls(&mut lane[first..first + inner], &v[o * inner..][..inner]);
                    }
                    for k in 1..len {
                        let (at, before) = (row_at(k) * inner, row_at(k - 1) * inner);
                        let (row, prev) = if at > before {
                            let (head, tail) = lane.split_at_mut(at);
                            (&mut tail[..inner], &head[before..before + inner])
                        } else {
                            let (head, tail) = lane.split_at_mut(before);
                            (&mut head[at..at + inner], &tail[..inner])
                        };
                        fill_nulls(row, prev);
                    }
                    continue;
                };
                start_carry(&mut last, &mut since, carry, o, Some(limit));
                for k in 0..len {
                    let at = row_at(k) * inner;
                    lane[at..at + inner]
                        .iter_mut()
                        .zip(last.iter_mut())
                        .zip(since.iter_mut())
                        .for_each(|((v, l), n)| *v = step_limited(*v, l, n, limit));
                }
            }
        },
    );
}

/// Sets the running rows of a push to the carry of lane `o` (null and 0 without one).
#[inline(always)]
fn start_carry<T: Nullable>(
    last: &mut [T],
    since: &mut [usize],
    carry: Option<(&[T], &[T])>,
    o: usize,
    limit: Option<usize>,
) {
    let inner = last.len();
    let carried = carry.map(|(v, c)| {
        let at = o * inner..(o + 1) * inner;
        (&v[at.clone()], &c[at])
    });
    match carried {
        Some((v, _)) => last.copy_from_slice(v),
        None => last.fill(T::null()),
    }
    if limit.is_some() {
        match carried {
            Some((_, c)) => since.iter_mut().zip(c).for_each(|(n, c)| *n = c.to_count()),
            None => since.fill(0),
        }
    }
}

/// Sets each null of `row` to the value at its place in `prev`. Each group of values
/// is written whole, from a copy: a store of only the nulls compiles to masked stores,
/// which cost more than the plain ones on some CPUs (AMD's), and nulls are seldom rare
/// enough to skip the groups without one.
#[inline(always)]
fn fill_nulls<T: Nullable>(row: &mut [T], prev: &[T]) {
    const GROUP: usize = 16;
    let pick = |v: T, p: T| if v.is_null() { p } else { v };
    let mut rows = row.chunks_exact_mut(GROUP);
    let mut prevs = prev.chunks_exact(GROUP);
    for (r, p) in (&mut rows).zip(&mut prevs) {
        let mut filled = [T::null(); GROUP];
        for ((f, &v), &p) in filled.iter_mut().zip(r.iter()).zip(p) {
            *f = pick(v, p);
        }
        // Through `black_box`, so that the compiler cannot see the copy back as a store
        // of the nulls only: it made masked stores of it.
        r.copy_from_slice(std::hint::black_box(&filled));
    }
    for (v, &p) in rows.into_remainder().iter_mut().zip(prevs.remainder()) {
        *v = pick(*v, p);
    }
}

/// `x`, already pushed without a limit from no carry, pushed on from the carry before it
/// (`carry`: its value row, `axis` removed, `outer * inner` long): in such a block a
/// column's nulls are the rows before its first valid value (after its last, backward),
/// so only those change, to the carry's value. The first row is scanned whole, then only
/// the columns still open. In place when `x` holds its data alone, else on a copy.
/// `None` when `x` is not in standard layout.
pub(super) fn fill_leading<T: Nullable + Element>(
    mut x: ArcArray<T, IxDyn>,
    carry: &[T],
    axis: usize,
    dir: Direction,
) -> Option<ArcArray<T, IxDyn>> {
    if !x.is_standard_layout() {
        return None;
    }
    let (outer, len, inner) = around(x.shape(), axis);
    if len * inner == 0 {
        return Some(x);
    }
    let values = x.as_slice_mut()?;
    let row_at = |k: usize| row_in_order(k, len, dir);
    let mut open = Vec::with_capacity(inner);
    for (o, lane) in values.chunks_exact_mut(len * inner).take(outer).enumerate() {
        let carry = &carry[o * inner..][..inner];
        // The columns null in the first row with a valid value to take, without a
        // branch per column.
        let first = &mut lane[row_at(0) * inner..][..inner];
        open.resize(inner, 0);
        let mut n = 0;
        for (j, (v, &c)) in first.iter_mut().zip(carry).enumerate() {
            let take = v.is_null() && !c.is_null();
            open[n] = j;
            n += usize::from(take);
            *v = if take { c } else { *v };
        }
        open.truncate(n);
        for k in 1..len {
            if open.is_empty() {
                break;
            }
            let row = &mut lane[row_at(k) * inner..][..inner];
            open.retain(|&j| {
                let null = row[j].is_null();
                if null {
                    row[j] = carry[j];
                }
                null
            });
        }
    }
    Some(x)
}

/// One row pushed forward onto the end of `out`: each value, or where it is null the
/// running last valid value of its column (`last`, updated as it goes); with a limit,
/// only nulls at most `limit` positions after a valid value, `since` counting them.
#[inline(always)]
fn emit_row<T: Nullable>(
    out: &mut Vec<T>,
    row: &[T],
    last: &mut [T],
    since: &mut [usize],
    limit: Option<usize>,
) {
    match limit {
        None => out.extend(last.iter_mut().zip(row).map(|(l, &v)| step(v, l))),
        Some(limit) => out.extend(
            last.iter_mut()
                .zip(row)
                .zip(since.iter_mut())
                .map(|((l, &v), n)| step_limited(v, l, n, limit)),
        ),
    }
}

/// One value pushed without a limit: itself, or the last valid value `last` when it is
/// null; `last` updated. Unconditional, so that a loop of it compiles to selects.
#[inline(always)]
fn step<T: Nullable>(v: T, last: &mut T) -> T {
    *last = if v.is_null() { *last } else { v };
    *last
}

/// One value pushed with a limit: a null takes the last valid value `last` when at most
/// `limit` positions lie since it (`since`, counted here).
#[inline(always)]
fn step_limited<T: Nullable>(v: T, last: &mut T, since: &mut usize, limit: usize) -> T {
    if v.is_null() {
        *since = since.saturating_add(1);
        if *since <= limit {
            *last
        } else {
            v
        }
    } else {
        *since = 0;
        *last = v;
        v
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
    // The columns still without a valid value: all of them before the first row, then
    // only those, so that the rows after the first cost what their open columns do.
    let mut open: Vec<usize> = Vec::with_capacity(inner);
    for o in 0..outer {
        let (value, count) = out[o * 2 * inner..(o + 1) * 2 * inner].split_at_mut(inner);
        open.clear();
        open.extend(0..inner);
        for d in 0..len {
            if open.is_empty() {
                break;
            }
            let t = match dir {
                Direction::Forward => len - 1 - d,
                Direction::Backward => d,
            };
            let row = &src[(o * len + t) * inner..][..inner];
            open.retain(|&j| {
                let x = row[j];
                if x.is_null() {
                    return true;
                }
                value[j] = x;
                count[j] = T::from_count(d.min(cap));
                false
            });
        }
        for &j in &open {
            count[j] = T::from_count(len.min(cap));
        }
    }
    let mut shape = x.shape().to_vec();
    shape[axis] = 2;
    let out = ndarray::Array::from_shape_vec(IxDyn(&shape), out).ok()?;
    Some(out.into_shared())
}

/// The row of a lane of `len` rows that a push in `dir` takes `k`-th.
#[inline(always)]
fn row_in_order(k: usize, len: usize, dir: Direction) -> usize {
    match dir {
        Direction::Forward => k,
        Direction::Backward => len - 1 - k,
    }
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
