//! Moving-window kernels: rolling reductions and the strided window view (`construct`),
//! with xarray's semantics.
//!
//! A window of size `w` ends at its label unless centred; centred, it reaches
//! `(w - 1) / 2` positions ahead and `w / 2` behind (xarray's padding). Positions outside
//! the array count as missing, so a window with fewer than `min_periods` non-NaN values
//! gives NaN. Results are floats (`f32` stays `f32`, everything else gives `f64`; counts
//! are `f64`), as bottleneck's `move_*` functions return them.
//!
//! Sums, means, counts, variances and extremes along one axis run in O(n) per lane
//! (running sums, Welford's update, a monotonic deque), as bottleneck's do. Everything
//! else (median, prod, several axes at once) reduces the constructed windows with the
//! plain reduction kernels of the aggregation table, as xarray does.

use std::collections::VecDeque;

use ndarray::{ArrayD, Axis, IxDyn, Slice, Zip};

use super::kernels::{self, ReduceParams, Reduction};
use super::{DType, NdArray};
use crate::error::{Error, Result};

/// A rolling window along one axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowAxis {
    /// The axis.
    pub axis: usize,
    /// The window size (at least 1).
    pub size: usize,
    /// Label at the window's centre instead of its right edge.
    pub center: bool,
}

impl WindowAxis {
    /// Positions before the label that the window covers.
    pub fn before(&self) -> usize {
        if self.center {
            self.size / 2
        } else {
            self.size.saturating_sub(1)
        }
    }

    /// Positions after the label that the window covers.
    pub fn after(&self) -> usize {
        self.size.saturating_sub(1) - self.before()
    }
}

/// The reductions a rolling window supports.
pub const ROLLING_REDUCTIONS: [Reduction; 9] = [
    Reduction::Sum,
    Reduction::Mean,
    Reduction::Min,
    Reduction::Max,
    Reduction::Std,
    Reduction::Var,
    Reduction::Median,
    Reduction::Count,
    Reduction::Prod,
];

/// The dtype of a rolling `op` (or of the constructed windows, `op = None`) over
/// `dtype`.
///
/// # Errors
/// [`Error::UnsupportedDType`] for strings and datetimes; [`Error::InvalidArgument`]
/// for a reduction rolling windows do not support.
pub fn rolling_dtype(dtype: DType, op: Option<Reduction>) -> Result<DType> {
    let name = op.map_or("rolling construct", |op| op.aggregation().name);
    if !(dtype.is_numeric() || dtype == DType::Bool) {
        return Err(Error::UnsupportedDType {
            op: format!("rolling {name}"),
            dtype,
        });
    }
    if let Some(op) = op {
        if !ROLLING_REDUCTIONS.contains(&op) {
            return Err(Error::invalid_argument(
                "op",
                format!("rolling windows do not support {name}"),
            ));
        }
        if op == Reduction::Count {
            return Ok(DType::F64);
        }
    }
    Ok(if dtype == DType::F32 {
        DType::F32
    } else {
        DType::F64
    })
}

fn check_axes(a: &NdArray, windows: &[WindowAxis]) -> Result<()> {
    for (i, w) in windows.iter().enumerate() {
        if w.axis >= a.ndim() || windows[..i].iter().any(|o| o.axis == w.axis) {
            return Err(Error::invalid_argument(
                "axis",
                format!(
                    "rolling axes {:?} are not distinct axes of an array of shape {:?}",
                    windows.iter().map(|w| w.axis).collect::<Vec<_>>(),
                    a.shape()
                ),
            ));
        }
        if w.size == 0 {
            return Err(Error::invalid_argument(
                "window",
                format!("the window along axis {} must be at least 1", w.axis),
            ));
        }
    }
    Ok(())
}

fn to_f64(a: &NdArray) -> Result<ndarray::ArcArray<f64, IxDyn>> {
    let as_f64 = a.astype(DType::F64)?;
    as_f64
        .as_array::<f64>()
        .cloned()
        .ok_or_else(|| Error::internal("astype(F64) did not give f64"))
}

/// The values of every window: `a`'s shape followed by one axis per window (in the
/// order given), NaN where a window reaches outside the array (xarray's
/// `rolling(...).construct(...)` with stride 1).
///
/// # Errors
/// As [`rolling_dtype`]; [`Error::InvalidArgument`] for a repeated or out-of-range
/// axis or a window of 0.
pub fn construct(a: &NdArray, windows: &[WindowAxis]) -> Result<NdArray> {
    let dtype = rolling_dtype(a.dtype(), None)?;
    check_axes(a, windows)?;
    let x = to_f64(a)?;
    let mut shape = a.shape().to_vec();
    shape.extend(windows.iter().map(|w| w.size));
    let mut out = ArrayD::<f64>::from_elem(IxDyn(&shape), f64::NAN);
    let sizes: Vec<usize> = windows.iter().map(|w| w.size).collect();
    crate::array::chunks::for_each_index(&sizes, |offsets| {
        let mut view = out.view_mut();
        for &k in offsets.iter().rev() {
            let last = view.ndim() - 1;
            view = view.index_axis_move(Axis(last), k);
        }
        // Window element k of the label at i is the value at i - before + k.
        let shift = |axis: usize| -> isize {
            windows
                .iter()
                .zip(offsets)
                .find(|(w, _)| w.axis == axis)
                .map_or(0, |(w, &k)| k as isize - w.before() as isize)
        };
        let n = |axis: usize| x.shape()[axis] as isize;
        let dest_range = |axis: usize| -> (isize, isize) {
            let s = shift(axis);
            ((-s).max(0), (n(axis) - s).min(n(axis)))
        };
        if (0..x.ndim()).any(|ax| {
            let (lo, hi) = dest_range(ax);
            lo >= hi
        }) {
            return;
        }
        let dest = view.slice_each_axis_mut(|d| {
            let (lo, hi) = dest_range(d.axis.index());
            Slice::from(lo..hi)
        });
        let src = x.slice_each_axis(|d| {
            let (lo, hi) = dest_range(d.axis.index());
            let s = shift(d.axis.index());
            Slice::from(lo + s..hi + s)
        });
        Zip::from(dest).and(&src).for_each(|o, &v| *o = v);
    });
    NdArray::from(out.into_shared()).astype(dtype)
}

/// A rolling `op` over `windows` (one or several axes), NaN where a window holds fewer
/// than `min_periods` non-NaN values.
///
/// # Errors
/// As [`construct`]; [`Error::InvalidArgument`] for `min_periods` of 0.
pub fn rolling(
    a: &NdArray,
    windows: &[WindowAxis],
    min_periods: usize,
    op: Reduction,
) -> Result<NdArray> {
    let dtype = rolling_dtype(a.dtype(), Some(op))?;
    check_axes(a, windows)?;
    if min_periods == 0 {
        return Err(Error::invalid_argument(
            "min_periods",
            "min_periods must be at least 1",
        ));
    }
    let out = match windows {
        [w] if matches!(
            op,
            Reduction::Sum
                | Reduction::Mean
                | Reduction::Count
                | Reduction::Std
                | Reduction::Var
                | Reduction::Min
                | Reduction::Max
        ) =>
        {
            // float32 is read and written as it is (the lanes compute in f64): no f64
            // copy of the block in or out.
            if let Some(x) = a.as_array::<f32>() {
                NdArray::from(
                    rolling_one_axis(x.view(), *w, min_periods, op, f64::from, |v| v as f32)
                        .into_shared(),
                )
            } else {
                let x = to_f64(a)?;
                NdArray::from(
                    rolling_one_axis(x.view(), *w, min_periods, op, |v| v, |v| v).into_shared(),
                )
            }
        }
        _ => {
            // xarray's general path: reduce the constructed windows, then mask the
            // windows with too few values.
            let windowed = construct(a, windows)?;
            let axes: Vec<usize> = (a.ndim()..windowed.ndim()).collect();
            let params = ReduceParams::new(Some(true), 0);
            let values = to_f64(&kernels::reduce(&windowed, &axes, op, params)?)?;
            let counts = to_f64(&kernels::reduce(
                &windowed,
                &axes,
                Reduction::Count,
                params,
            )?)?;
            let mut out = values.into_owned();
            Zip::from(&mut out).and(&counts).for_each(|v, &c| {
                if c < min_periods as f64 {
                    *v = f64::NAN;
                } else if op == Reduction::Count {
                    *v = c;
                }
            });
            NdArray::from(out.into_shared())
        }
    };
    out.astype(dtype)
}

/// Lanes shorter than this along the inner axes are summed lane by lane instead of row
/// by row.
const MIN_ROW: usize = 64;

/// A one-axis rolling `op` of the fast kernels, in f64 (`to` reads an element, `from`
/// writes one): sums, means and counts of a contiguous array along an outer axis row by
/// row ([`sum_rows`]: the same arithmetic per lane, in memory order), the rest lane by
/// lane.
fn rolling_one_axis<T: Copy, U: Copy + Default>(
    x: ndarray::ArrayViewD<'_, T>,
    w: WindowAxis,
    min_periods: usize,
    op: Reduction,
    to: impl Fn(T) -> f64 + Copy,
    from: impl Fn(f64) -> U + Copy,
) -> ArrayD<U> {
    let inner: usize = x.shape()[w.axis + 1..].iter().product();
    let n = x.shape()[w.axis];
    if matches!(op, Reduction::Sum | Reduction::Mean | Reduction::Count)
        && inner >= MIN_ROW
        && n > 0
    {
        if let Some(values) = x.as_slice() {
            let mut out = vec![U::default(); values.len()];
            for (src, dst) in values.chunks(n * inner).zip(out.chunks_mut(n * inner)) {
                sum_rows(src, dst, inner, w, min_periods, op, to, from);
            }
            if let Ok(out) = ArrayD::from_shape_vec(x.raw_dim(), out) {
                return out;
            }
        }
    }
    rolling_lanes(x, w, min_periods, op, to, from)
}

/// Running counts of one lane's window (see [`sum_lane`]).
#[derive(Clone, Copy, Default)]
struct Counts {
    values: usize,
    pinf: usize,
    ninf: usize,
}

/// [`sum_lane`] on every lane of `x` at once: `x` is rows of `inner` values along the
/// rolled axis, and each lane's running state is updated row by row with the same
/// additions and removals, in the same order, as `sum_lane`: the same bits, read in
/// memory order.
#[allow(clippy::too_many_arguments)]
fn sum_rows<T: Copy, U: Copy>(
    x: &[T],
    out: &mut [U],
    inner: usize,
    w: WindowAxis,
    min_periods: usize,
    op: Reduction,
    to: impl Fn(T) -> f64,
    from: impl Fn(f64) -> U,
) {
    let n = x.len() / inner;
    let (before, after) = (w.before(), w.after());
    let mut sum = vec![0.0f64; inner];
    let mut counts = vec![Counts::default(); inner];
    let row = |j: usize| &x[j * inner..(j + 1) * inner];
    let add = |r: &[T], sum: &mut [f64], counts: &mut [Counts]| {
        for ((&v, s), c) in r.iter().zip(sum.iter_mut()).zip(counts.iter_mut()) {
            let v = to(v);
            if v.is_nan() {
                continue;
            }
            c.values += 1;
            if v == f64::INFINITY {
                c.pinf += 1;
            } else if v == f64::NEG_INFINITY {
                c.ninf += 1;
            } else {
                *s += v;
            }
        }
    };
    for j in 0..after.min(n) {
        add(row(j), &mut sum, &mut counts);
    }
    for i in 0..n {
        if i + after < n {
            add(row(i + after), &mut sum, &mut counts);
        }
        if i > before {
            let r = row(i - before - 1);
            for ((&v, s), c) in r.iter().zip(sum.iter_mut()).zip(counts.iter_mut()) {
                let v = to(v);
                if v.is_nan() {
                    continue;
                }
                c.values -= 1;
                if v == f64::INFINITY {
                    c.pinf -= 1;
                } else if v == f64::NEG_INFINITY {
                    c.ninf -= 1;
                } else {
                    *s -= v;
                }
                if c.values == c.pinf + c.ninf {
                    *s = 0.0;
                }
            }
        }
        let dst = &mut out[i * inner..(i + 1) * inner];
        for ((d, &s), c) in dst.iter_mut().zip(&sum).zip(&counts) {
            let total = match (c.pinf > 0, c.ninf > 0) {
                (true, true) => f64::NAN,
                (true, false) => f64::INFINITY,
                (false, true) => f64::NEG_INFINITY,
                (false, false) => s,
            };
            *d = from(if c.values < min_periods {
                f64::NAN
            } else {
                match op {
                    Reduction::Count => c.values as f64,
                    Reduction::Mean => total / c.values as f64,
                    _ => total,
                }
            });
        }
    }
}

/// A one-axis rolling `op` of the fast kernels, lane by lane along `w.axis`, each lane
/// computed in f64 (`to` reads an element, `from` writes one).
fn rolling_lanes<T: Copy, U: Copy + Default>(
    x: ndarray::ArrayViewD<'_, T>,
    w: WindowAxis,
    min_periods: usize,
    op: Reduction,
    to: impl Fn(T) -> f64,
    from: impl Fn(f64) -> U,
) -> ArrayD<U> {
    let mut out = ArrayD::<U>::default(x.raw_dim());
    let n = x.shape()[w.axis];
    let mut lane_in = vec![0.0; n];
    let mut lane_out = vec![0.0; n];
    let (before, after) = (w.before(), w.after());
    Zip::from(x.lanes(Axis(w.axis)))
        .and(out.lanes_mut(Axis(w.axis)))
        .for_each(|src, mut dst| {
            for (d, &s) in lane_in.iter_mut().zip(src.iter()) {
                *d = to(s);
            }
            match op {
                Reduction::Min => extreme_lane(
                    &lane_in,
                    before,
                    after,
                    min_periods,
                    &mut lane_out,
                    |a, b| a <= b,
                ),
                Reduction::Max => extreme_lane(
                    &lane_in,
                    before,
                    after,
                    min_periods,
                    &mut lane_out,
                    |a, b| a >= b,
                ),
                Reduction::Std | Reduction::Var => var_lane(
                    &lane_in,
                    before,
                    after,
                    min_periods,
                    op == Reduction::Std,
                    &mut lane_out,
                ),
                _ => sum_lane(&lane_in, before, after, min_periods, op, &mut lane_out),
            }
            for (d, &s) in dst.iter_mut().zip(&lane_out) {
                *d = from(s);
            }
        });
    out
}

/// The positions entering and leaving the window of each label `i` in turn, as
/// `(entering, leaving)`; the window of `i` is `[i - before, i + after]` within the lane.
fn moves(
    n: usize,
    before: usize,
    after: usize,
) -> impl Iterator<Item = (usize, Option<usize>, Option<usize>)> {
    (0..n).map(move |i| {
        let entering = (i + after < n).then_some(i + after);
        let leaving = (i > before).then(|| i - before - 1);
        (i, entering, leaving)
    })
}

/// Running sum, mean and count. Infinities are counted apart so that one leaving the
/// window does not leave NaN behind (inf - inf), and the sum restarts from 0 whenever
/// the window empties, so rounding does not drift from one run of values to the next.
fn sum_lane(
    x: &[f64],
    before: usize,
    after: usize,
    min_periods: usize,
    op: Reduction,
    out: &mut [f64],
) {
    #[derive(Default)]
    struct Running {
        sum: f64,
        count: usize,
        pinf: usize,
        ninf: usize,
    }
    impl Running {
        fn add(&mut self, v: f64) {
            if v.is_nan() {
                return;
            }
            self.count += 1;
            if v == f64::INFINITY {
                self.pinf += 1;
            } else if v == f64::NEG_INFINITY {
                self.ninf += 1;
            } else {
                self.sum += v;
            }
        }
        fn remove(&mut self, v: f64) {
            if v.is_nan() {
                return;
            }
            self.count -= 1;
            if v == f64::INFINITY {
                self.pinf -= 1;
            } else if v == f64::NEG_INFINITY {
                self.ninf -= 1;
            } else {
                self.sum -= v;
            }
            if self.count == self.pinf + self.ninf {
                self.sum = 0.0;
            }
        }
        fn total(&self) -> f64 {
            match (self.pinf > 0, self.ninf > 0) {
                (true, true) => f64::NAN,
                (true, false) => f64::INFINITY,
                (false, true) => f64::NEG_INFINITY,
                (false, false) => self.sum,
            }
        }
    }
    let mut r = Running::default();
    for &v in x.iter().take(after) {
        r.add(v);
    }
    for (i, entering, leaving) in moves(x.len(), before, after) {
        if let Some(j) = entering {
            r.add(x[j]);
        }
        if let Some(j) = leaving {
            r.remove(x[j]);
        }
        out[i] = if r.count < min_periods {
            f64::NAN
        } else {
            match op {
                Reduction::Count => r.count as f64,
                Reduction::Mean => r.total() / r.count as f64,
                _ => r.total(),
            }
        };
    }
}

/// Running variance (ddof = 0) by Welford's update, adding and removing one value at a
/// time, as bottleneck's `move_var` does; a window holding an infinity gives NaN.
/// Removing values leaves rounding residue in the sum of squares, which would show as a
/// small spread where there is none, so a window of one value, or of values all equal
/// to the last ones added, gives exactly 0 (pandas' rule).
fn var_lane(
    x: &[f64],
    before: usize,
    after: usize,
    min_periods: usize,
    std: bool,
    out: &mut [f64],
) {
    #[derive(Default)]
    struct Running {
        count: usize,
        nonfinite: usize,
        mean: f64,
        m2: f64,
        last: f64,
        same: usize,
    }
    impl Running {
        fn add(&mut self, v: f64) {
            if v.is_nan() {
                return;
            }
            self.count += 1;
            self.same = if v == self.last { self.same + 1 } else { 1 };
            self.last = v;
            if v.is_infinite() {
                self.nonfinite += 1;
                return;
            }
            let d = v - self.mean;
            self.mean += d / (self.count - self.nonfinite) as f64;
            self.m2 += d * (v - self.mean);
        }
        fn remove(&mut self, v: f64) {
            if v.is_nan() {
                return;
            }
            self.count -= 1;
            if v.is_infinite() {
                self.nonfinite -= 1;
                return;
            }
            let finite = self.count - self.nonfinite;
            if finite == 0 {
                self.mean = 0.0;
                self.m2 = 0.0;
                return;
            }
            let d = v - self.mean;
            self.mean -= d / finite as f64;
            self.m2 = (self.m2 - d * (v - self.mean)).max(0.0);
        }
        fn var(&self) -> f64 {
            if self.nonfinite > 0 {
                f64::NAN
            } else if self.count == 1 || self.same >= self.count {
                0.0
            } else {
                self.m2 / self.count as f64
            }
        }
    }
    let mut r = Running {
        last: f64::NAN,
        ..Running::default()
    };
    for &v in x.iter().take(after) {
        r.add(v);
    }
    for (i, entering, leaving) in moves(x.len(), before, after) {
        if let Some(j) = entering {
            r.add(x[j]);
        }
        if let Some(j) = leaving {
            r.remove(x[j]);
        }
        out[i] = if r.count < min_periods {
            f64::NAN
        } else if std {
            r.var().sqrt()
        } else {
            r.var()
        };
    }
}

/// Running minimum or maximum by a monotonic deque of positions (`keep(a, b)`: `a`
/// stays ahead of a newer `b`), skipping NaN.
fn extreme_lane(
    x: &[f64],
    before: usize,
    after: usize,
    min_periods: usize,
    out: &mut [f64],
    keep: impl Fn(f64, f64) -> bool,
) {
    let mut deque: VecDeque<usize> = VecDeque::new();
    let mut count = 0usize;
    let push = |j: usize, deque: &mut VecDeque<usize>, count: &mut usize| {
        let v = x[j];
        if v.is_nan() {
            return;
        }
        *count += 1;
        while deque.back().is_some_and(|&b| !keep(x[b], v)) {
            deque.pop_back();
        }
        deque.push_back(j);
    };
    for j in 0..after.min(x.len()) {
        push(j, &mut deque, &mut count);
    }
    for (i, entering, leaving) in moves(x.len(), before, after) {
        if let Some(j) = entering {
            push(j, &mut deque, &mut count);
        }
        if let Some(j) = leaving {
            if !x[j].is_nan() {
                count -= 1;
            }
            if deque.front() == Some(&j) {
                deque.pop_front();
            }
        }
        out[i] = match deque.front() {
            Some(&f) if count >= min_periods => x[f],
            _ => f64::NAN,
        };
    }
}

/// Reduces every block of `size` consecutive values along each `(axis, size)` of
/// `windows` to one value (xarray's `coarsen(...).op()` once the lengths are
/// multiples of the sizes): the axes are split in place into `(len / size, size)` and
/// the inner ones reduced by the aggregation table's plain reduction, skipping NaN.
/// Datetimes average by their ticks.
///
/// # Errors
/// [`Error::InvalidArgument`] when an axis is out of range or repeated, a size is 0,
/// or a length is not a multiple of its size; the reduction's errors for its dtype.
pub fn coarsen(a: &NdArray, windows: &[(usize, usize)], op: Reduction) -> Result<NdArray> {
    let mut windows = windows.to_vec();
    windows.sort_unstable();
    let mut shape = Vec::with_capacity(a.ndim() + windows.len());
    let mut axes = Vec::with_capacity(windows.len());
    for (axis, &n) in a.shape().iter().enumerate() {
        let size = match windows.iter().filter(|(ax, _)| *ax == axis).count() {
            0 => {
                shape.push(n);
                continue;
            }
            1 => windows
                .iter()
                .find(|(ax, _)| *ax == axis)
                .map_or(1, |&(_, s)| s),
            _ => {
                return Err(Error::invalid_argument(
                    "windows",
                    format!("axis {axis} given twice to coarsen"),
                ))
            }
        };
        if size == 0 || n % size != 0 {
            return Err(Error::invalid_argument(
                "window",
                format!("cannot coarsen an axis of length {n} by blocks of {size}"),
            ));
        }
        shape.push(n / size);
        axes.push(shape.len());
        shape.push(size);
    }
    if let Some(&(axis, _)) = windows.iter().find(|(ax, _)| *ax >= a.ndim()) {
        return Err(Error::invalid_argument(
            "windows",
            format!("axis {axis} out of range for shape {:?}", a.shape()),
        ));
    }
    let blocks = a.to_standard_layout().reshape(&shape)?;
    let params = ReduceParams::new(None, 0);
    match (&blocks, op) {
        (NdArray::DateTime(ticks, calendar), Reduction::Mean) => {
            let mean = kernels::reduce(&NdArray::from(ticks.clone()), &axes, op, params)?;
            let mean = to_f64(&mean)?.mapv(|t| t.round() as i64).into_shared();
            Ok(NdArray::datetime(mean, *calendar))
        }
        _ => kernels::reduce(&blocks, &axes, op, params),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The row-by-row sums give the lane-by-lane kernel's bits, NaN and infinities
    /// included, for every window, centring and `min_periods`.
    #[test]
    fn sums_by_rows_equal_sums_by_lanes() {
        let (n, inner) = (37, MIN_ROW + 6);
        let values: Vec<f64> = (0..n * inner)
            .map(|i| match (i * 7919) % 53 {
                0 => f64::NAN,
                1 => f64::INFINITY,
                2 => f64::NEG_INFINITY,
                3..=12 => f64::NAN,
                k => (k as f64 - 20.0) * 1.37e3 + (i as f64).sin(),
            })
            .collect();
        let x = ArrayD::from_shape_vec(IxDyn(&[n, inner]), values).unwrap();
        for size in [1, 2, 5, 30, 40] {
            for center in [false, true] {
                for min_periods in [1, 3] {
                    for op in [Reduction::Sum, Reduction::Mean, Reduction::Count] {
                        let w = WindowAxis {
                            axis: 0,
                            size,
                            center,
                        };
                        let rows = rolling_one_axis(x.view(), w, min_periods, op, |v| v, |v| v);
                        let lanes = rolling_lanes(x.view(), w, min_periods, op, |v| v, |v| v);
                        let same = rows
                            .iter()
                            .zip(lanes.iter())
                            .all(|(a, b)| a.to_bits() == b.to_bits());
                        assert!(
                            same,
                            "{op:?} window {size} center {center} min {min_periods}"
                        );
                    }
                }
            }
        }
    }
}
