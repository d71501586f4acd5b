//! Grouped aggregations along one axis, read from the aggregation table.
//!
//! A chunk's partial has one array per column of [`Aggregation::chunk`] (two for
//! extremes and first/last, which carry a count or a position along), each of shape
//! `[ngroups, ...other dims of the chunk...]`, computed in one pass per column over the
//! chunk with its codes. Partials of any chunks combine in any order (a tree); finalize
//! turns the combined partial into the result, with the group axis put back where the
//! grouped axis was. Columns of [`Accumulate::Native`] aggregations (sums, products,
//! extremes, first/last) of integers live in `i64`/`u64`, so they stay exact (sums and
//! products wrap, like numpy's); everything else, and every float, accumulates in `f64`
//! and is cast to the result dtype at the end.
//!
//! Kernels are generic over the element type and dispatched once per chunk.
//!
//! [`Aggregation::chunk`]: super::Aggregation::chunk

use std::borrow::Cow;
use std::sync::Arc;

use ndarray::{ArcArray, Axis, IxDyn};

use super::{variance_from_moments, Accumulate, Combine, Finalize, GroupAgg, Intermediate, Method};
use crate::array::kernels::{MaskScale, Num};
use crate::array::{match_numeric, simd, DType, Element, NdArray};
use crate::error::{Error, Result};

/// Where partial values that must stay exact live: `f64` for floats, `i64`/`u64` for
/// integers (sums and products wrap, like numpy's).
pub(crate) trait Wide: Element + Copy + PartialOrd {
    const ZERO: Self;
    const ONE: Self;
    /// The value of a slot no member reached yet.
    const EMPTY: Self;
    fn add(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn is_nan(self) -> bool;
}

impl Wide for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const EMPTY: Self = f64::NAN;
    fn add(self, o: Self) -> Self {
        self + o
    }
    fn mul(self, o: Self) -> Self {
        self * o
    }
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
}

macro_rules! impl_wide_int {
    ($t:ty) => {
        impl Wide for $t {
            const ZERO: Self = 0;
            const ONE: Self = 1;
            const EMPTY: Self = 0;
            fn add(self, o: Self) -> Self {
                self.wrapping_add(o)
            }
            fn mul(self, o: Self) -> Self {
                self.wrapping_mul(o)
            }
            fn is_nan(self) -> bool {
                false
            }
        }
    };
}
impl_wide_int!(i64);
impl_wide_int!(u64);

/// An element the grouped kernels read.
pub(crate) trait GroupNum: Num {
    /// Where sums, products, extremes and first/last values of native accumulation go:
    /// `i64`/`u64` for integers, `f64` for floats (so `f32` data accumulates in `f64`).
    type Wide: Wide;
    fn wide(self) -> Self::Wide;
}

macro_rules! impl_group_num {
    ($($t:ty => $w:ty),*) => {
        $(impl GroupNum for $t {
            type Wide = $w;
            #[allow(clippy::cast_lossless, clippy::unnecessary_cast)]
            fn wide(self) -> $w {
                self as $w
            }
        })*
    };
}
impl_group_num!(i8 => i64, i16 => i64, i32 => i64, i64 => i64, u8 => u64, u16 => u64,
    u32 => u64, u64 => u64, f32 => f64, f64 => f64);

/// One grouped aggregation along one axis: the codes of every position along the
/// grouped axis, the aggregation, the method and the options.
#[derive(Debug, Clone)]
pub(crate) struct GroupPlan {
    pub agg: GroupAgg,
    pub method: Method,
    pub skipna: bool,
    pub ddof: usize,
    pub ngroups: usize,
    /// One code per position along the grouped axis; -1 for none.
    pub codes: Arc<[i64]>,
    /// One weight per position along the grouped axis (weighted mean only).
    pub weights: Option<Arc<[f64]>>,
    /// Groups without any member: NaN in the result, whatever the aggregation.
    pub empty: Arc<[bool]>,
    pub out_dtype: DType,
}

/// `a` with `axis` moved first, in standard layout: (values, len along axis, shape of
/// the other axes).
fn axis_first<T: Clone>(a: &ArcArray<T, IxDyn>, axis: usize) -> (Cow<'_, [T]>, usize, Vec<usize>) {
    let mut order = vec![axis];
    order.extend((0..a.ndim()).filter(|&d| d != axis));
    let rest: Vec<usize> = order[1..].iter().map(|&d| a.shape()[d]).collect();
    if axis == 0 {
        if let Some(s) = a.as_slice() {
            return (Cow::Borrowed(s), a.shape()[0], rest);
        }
    }
    let moved = a.view().permuted_axes(IxDyn(&order));
    // ndarray's own copy (a memcpy when `axis` is already first, else one internal
    // iteration), not `moved.iter().collect()`: an external iterator over dynamic dims
    // steps its index per element, and whether the compiler inlines that `next` into
    // the collect moved this function's cost by 1.6x between two builds.
    let (flat, _) = moved
        .as_standard_layout()
        .into_owned()
        .into_raw_vec_and_offset();
    (Cow::Owned(flat), a.shape()[axis], rest)
}

/// The values of column `k` of a partial, contiguous.
fn column<A: Element>(part: &[NdArray], k: usize) -> Result<(&[A], &[usize])> {
    let a = part
        .get(k)
        .and_then(NdArray::as_array::<A>)
        .ok_or_else(|| Error::internal("partial width and column types"))?;
    let s = a
        .as_slice()
        .ok_or_else(|| Error::internal("group partials are contiguous"))?;
    Ok((s, a.shape()))
}

/// Column `k` of a partial, mutable and contiguous: copied first only if it is shared.
fn column_mut<A: Element>(part: &mut [NdArray], k: usize) -> Result<&mut [A]> {
    part.get_mut(k)
        .and_then(A::unwrap_mut)
        .and_then(|a| a.as_slice_mut())
        .ok_or_else(|| Error::internal("partial width and column types"))
}

/// Merges column `k` of `p` into the same column of `acc` from value `at`, with `f`.
fn merge_column<A: Wide>(
    acc: &mut [NdArray],
    at: usize,
    p: &[NdArray],
    k: usize,
    f: impl Fn(&mut A, A),
) -> Result<()> {
    let (b, _) = column::<A>(p, k)?;
    let a = column_mut::<A>(acc, k)?
        .get_mut(at..at + b.len())
        .ok_or_else(|| Error::internal("a partial's rows lie in the combined window"))?;
    a.iter_mut().zip(b).for_each(|(x, &y)| f(x, y));
    Ok(())
}

/// Merges columns `k` (values) and `k + 1` (their counts or positions) of `p` into
/// `acc` from value `at`, pair by pair with `f`.
fn merge_pairs<A: Wide>(
    acc: &mut [NdArray],
    at: usize,
    p: &[NdArray],
    k: usize,
    f: impl Fn(&mut A, &mut f64, A, f64),
) -> Result<()> {
    let (vb, _) = column::<A>(p, k)?;
    let (cb, _) = column::<f64>(p, k + 1)?;
    let (head, tail) = acc.split_at_mut(k + 1);
    let range = at..at + vb.len();
    let va = column_mut::<A>(head, k)?.get_mut(range.clone());
    let ca = column_mut::<f64>(tail, 0)?.get_mut(range);
    let (Some(va), Some(ca)) = (va, ca) else {
        return Err(Error::internal(
            "a partial's rows lie in the combined window",
        ));
    };
    for (((va, ca), &vb), &cb) in va.iter_mut().zip(ca).zip(vb).zip(cb) {
        f(va, ca, vb, cb);
    }
    Ok(())
}

/// Runs `$body` with `$a` the type of column `$k` of the partials (`i64`, `u64` or
/// `f64`): dispatched once per combine.
macro_rules! by_column_type {
    ($parts:expr, $k:expr, $a:ident => $body:expr) => {
        match $parts.first().and_then(|p| p.get($k)).map(NdArray::dtype) {
            Some(DType::I64) => {
                type $a = i64;
                $body
            }
            Some(DType::U64) => {
                type $a = u64;
                $body
            }
            _ => {
                type $a = f64;
                $body
            }
        }
    };
}

/// Adds (or multiplies) column `k` of `p` into `acc` from value `at`, in the column's
/// own type.
fn merge_wide(acc: &mut [NdArray], at: usize, p: &[NdArray], k: usize, mul: bool) -> Result<()> {
    by_column_type!([p], k, A => if mul {
        merge_column::<A>(acc, at, p, k, |x, y| *x = <A as Wide>::mul(*x, y))
    } else {
        merge_column::<A>(acc, at, p, k, |x, y| *x = <A as Wide>::add(*x, y))
    })
}

/// The groups a partial holds: `width` consecutive codes from `first`. A chunk's partial
/// holds only the groups its rows belong to (one or two seasons for a batch of days,
/// not all four), so that making, combining and keeping partials costs what the chunk
/// holds; the window travels as a last column (`[first]`, `i64`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Window {
    first: usize,
    width: usize,
}

impl Window {
    /// The smallest window holding every code of `codes`.
    fn of(codes: &[Option<usize>]) -> Self {
        let lo = codes.iter().flatten().min();
        let hi = codes.iter().flatten().max();
        match (lo, hi) {
            (Some(&lo), Some(&hi)) => Window {
                first: lo,
                width: hi - lo + 1,
            },
            _ => Window::default(),
        }
    }

    /// The window of a partial: its last column, and its first column's length.
    fn of_partial(part: &[NdArray]) -> Result<Self> {
        let (w, cols) = part
            .split_last()
            .ok_or_else(|| Error::internal("a partial has a window column"))?;
        let first = w
            .as_array::<i64>()
            .and_then(|a| a.iter().next().copied())
            .and_then(|f| usize::try_from(f).ok())
            .ok_or_else(|| Error::internal("a partial's window column is [first]"))?;
        let width = cols
            .first()
            .and_then(|c| c.shape().first().copied())
            .ok_or_else(|| Error::internal("a partial has columns"))?;
        Ok(Window { first, width })
    }

    fn union(self, o: &Window) -> Self {
        let first = self.first.min(o.first);
        let end = (self.first + self.width).max(o.first + o.width);
        Window {
            first,
            width: end - first,
        }
    }

    fn column(self) -> NdArray {
        NdArray::I64(ArcArray::from_elem(IxDyn(&[1]), self.first as i64))
    }
}

/// The value a partial's column starts from, before any member.
#[derive(Debug, Clone, Copy)]
enum Start {
    Zero,
    One,
    /// [`Wide::EMPTY`]: NaN, or 0 for integers (a count or position says it is empty).
    Empty,
    MinusOne,
}

impl Start {
    fn float(self) -> f64 {
        match self {
            Start::Zero => 0.0,
            Start::One => 1.0,
            Start::Empty => f64::NAN,
            Start::MinusOne => -1.0,
        }
    }

    fn int(self) -> i64 {
        match self {
            Start::Zero | Start::Empty => 0,
            Start::One => 1,
            Start::MinusOne => -1,
        }
    }
}

/// Rows of a chunk with their group: (row index, offset of the group's row in a
/// partial, values).
struct Rows<'a, T> {
    flat: &'a [T],
    inner: usize,
    codes: &'a [Option<usize>],
}

/// A chunk as [`GroupPlan::lay_out`] gives it.
struct Layout<'a, S: Clone> {
    flat: Cow<'a, [S]>,
    inner: usize,
    /// Relative to the window's first group.
    codes: Vec<Option<usize>>,
    window: Window,
    shape: Vec<usize>,
}

impl<S: Clone> Layout<'_, S> {
    /// The number of values of one partial column over the window.
    fn size(&self) -> usize {
        self.window.width * self.inner
    }

    fn rows(&self) -> Rows<'_, S> {
        Rows {
            flat: &self.flat,
            inner: self.inner,
            codes: &self.codes,
        }
    }
}

impl<'a, T> Rows<'a, T> {
    fn iter(&self) -> impl Iterator<Item = (usize, usize, &'a [T])> + '_ {
        let (flat, inner) = (self.flat, self.inner);
        self.codes
            .iter()
            .enumerate()
            .filter_map(move |(i, c)| c.map(|c| (i, c * inner, &flat[i * inner..(i + 1) * inner])))
    }
}

/// The sums and counts of the non-NaN values of every grouped row into their group's
/// rows (a NaN makes the sum NaN unless `skipna`), each stored value `decode`d as it is
/// read. Branch-free when skipping: adding 0 to a sum that starts at +0 changes no bit.
#[inline(always)]
fn sum_count<S: Copy, T: Num>(
    rows: &Rows<'_, S>,
    sum: &mut [f64],
    cnt: &mut [f64],
    skipna: bool,
    decode: impl Fn(S) -> T,
) {
    let inner = rows.inner;
    for (_, base, row) in rows.iter() {
        let (s, c) = (&mut sum[base..base + inner], &mut cnt[base..base + inner]);
        let values = s
            .iter_mut()
            .zip(c.iter_mut())
            .zip(row.iter().map(|&v| decode(v)));
        if skipna {
            for ((s, c), v) in values {
                let valid = !v.is_nan();
                *s += if valid { v.to_f64() } else { 0.0 };
                *c += if valid { 1.0 } else { 0.0 };
            }
        } else {
            for ((s, c), v) in values {
                if v.is_nan() {
                    *s = f64::NAN;
                } else {
                    *s += v.to_f64();
                    *c += 1.0;
                }
            }
        }
    }
}

/// Applies `f` to each value of every grouped row and its group's accumulator.
fn each_row<T: Copy, A>(rows: &Rows<'_, T>, acc: &mut [A], f: impl Fn(&mut A, T)) {
    let inner = rows.inner;
    for (_, base, row) in rows.iter() {
        for (a, &v) in acc[base..base + inner].iter_mut().zip(row) {
            f(a, v);
        }
    }
}

impl GroupPlan {
    fn code(&self, pos: usize) -> Result<Option<usize>> {
        let c = self
            .codes
            .get(pos)
            .copied()
            .ok_or_else(|| Error::internal("a code per position"))?;
        Ok(usize::try_from(c).ok())
    }

    fn weight(&self, pos: usize) -> Result<f64> {
        match &self.weights {
            Some(w) => w
                .get(pos)
                .copied()
                .ok_or_else(|| Error::internal("a weight per position")),
            None => Ok(1.0),
        }
    }

    /// The partial of one chunk whose grouped axis covers positions
    /// `offset..offset + chunk.shape()[axis]`.
    pub fn chunk(&self, chunk: &NdArray, axis: usize, offset: usize) -> Result<Vec<NdArray>> {
        // Bools sum and compare as integers, as in the plain kernels.
        let widened;
        let chunk = if chunk.dtype() == DType::Bool {
            widened = chunk.astype(DType::I64)?;
            &widened
        } else {
            chunk
        };
        match_numeric!(chunk, x => self.chunk_typed(x, axis, offset),
        other => Err(Error::UnsupportedDType {
            op: format!("groupby {}", self.agg),
            dtype: other.dtype(),
        }))
    }

    /// [`Self::chunk`] of `raw` decoded by `decode`. The mean's columns decode each
    /// value as they read it, with no decoded copy of the chunk; the other aggregations
    /// (and stored `i64`/`u64`, or several fill values) decode the chunk first.
    pub fn chunk_decoded(
        &self,
        raw: &NdArray,
        decode: Option<&MaskScale>,
        axis: usize,
        offset: usize,
    ) -> Result<Vec<NdArray>> {
        let Some(decode) = decode else {
            return self.chunk(raw, axis, offset);
        };
        if self.sums_and_counts() && !matches!(raw, NdArray::I64(_) | NdArray::U64(_)) {
            macro_rules! fused {
                ($t:ty) => {
                    decode.unpack::<$t>().map(|u| {
                        match_numeric!(raw, x => self.sum_count_chunk(x, axis, offset, #[inline(always)] move |v| u.decode(v)),
                        other => Err(Error::UnsupportedDType {
                            op: "decoding a packed or masked variable".into(),
                            dtype: other.dtype(),
                        }))
                    })
                };
            }
            let fused = match decode.dtype() {
                DType::F32 => fused!(f32),
                _ => fused!(f64),
            };
            if let Some(partial) = fused {
                return partial;
            }
        }
        self.chunk(&decode.apply(raw)?, axis, offset)
    }

    /// Whether the partial is the mean's sums and counts, the hot path of climatologies.
    fn sums_and_counts(&self) -> bool {
        let agg = self.agg.aggregation();
        agg.combine == Combine::Columns
            && agg.accumulate != Accumulate::Native
            && agg.chunk == [Intermediate::Sum, Intermediate::Count]
    }

    /// A chunk laid out for the grouped kernels: its values with the grouped `axis`
    /// first, the group code of each row (from position `offset` along it), the window of
    /// groups they reach and the shape of the partial over that window.
    fn lay_out<'a, S: Clone>(
        &self,
        x: &'a ArcArray<S, IxDyn>,
        axis: usize,
        offset: usize,
    ) -> Result<Layout<'a, S>> {
        let (flat, n, rest) = axis_first(x, axis);
        let codes = (0..n)
            .map(|i| self.code(offset + i))
            .collect::<Result<Vec<_>>>()?;
        let window = Window::of(&codes);
        let mut shape = vec![window.width];
        shape.extend(&rest);
        Ok(Layout {
            flat,
            inner: rest.iter().product(),
            codes: codes
                .into_iter()
                .map(|c| c.map(|c| c - window.first))
                .collect(),
            window,
            shape,
        })
    }

    /// The mean's two columns of a chunk in one pass, each value `decode`d as it is read.
    fn sum_count_chunk<S: Copy, T: Num>(
        &self,
        x: &ArcArray<S, IxDyn>,
        axis: usize,
        offset: usize,
        decode: impl Fn(S) -> T,
    ) -> Result<Vec<NdArray>> {
        let laid = self.lay_out(x, axis, offset)?;
        let (rows, window, shape, size) = (laid.rows(), laid.window, &laid.shape, laid.size());
        let (mut sum, mut cnt) = (vec![0.0; size], vec![0.0; size]);
        let (s, c) = (sum.as_mut_slice(), cnt.as_mut_slice());
        let skipna = self.skipna;
        simd::wide(
            #[inline(always)]
            move || sum_count(&rows, s, c, skipna, decode),
        );
        Ok(vec![
            NdArray::from_shape_vec(shape, sum)?,
            NdArray::from_shape_vec(shape, cnt)?,
            window.column(),
        ])
    }

    fn chunk_typed<T: GroupNum>(
        &self,
        x: &ArcArray<T, IxDyn>,
        axis: usize,
        offset: usize,
    ) -> Result<Vec<NdArray>> {
        let agg = self.agg.aggregation();
        if self.sums_and_counts() {
            return self.sum_count_chunk(x, axis, offset, |v| v);
        }
        let laid = self.lay_out(x, axis, offset)?;
        let (rows, window, shape, size) = (laid.rows(), laid.window, &laid.shape, laid.size());
        let inner = rows.inner;
        let skip = |v: T| self.skipna && v.is_nan();
        let f64s = |v: Vec<f64>| NdArray::from_shape_vec(shape, v);
        if agg.combine == Combine::Moments {
            let mut cnt = vec![0.0; size];
            let mut sum = vec![0.0; size];
            for (_, base, row) in rows.iter() {
                for (k, &v) in row.iter().enumerate() {
                    if !skip(v) {
                        sum[base + k] += v.to_f64();
                        cnt[base + k] += 1.0;
                    }
                }
            }
            let mean: Vec<f64> = sum
                .iter()
                .zip(&cnt)
                .map(|(&s, &c)| if c > 0.0 { s / c } else { 0.0 })
                .collect();
            let mut m2 = vec![0.0; size];
            for (_, base, row) in rows.iter() {
                for (k, &v) in row.iter().enumerate() {
                    if !skip(v) {
                        let d = v.to_f64() - mean[base + k];
                        m2[base + k] += d * d;
                    }
                }
            }
            return Ok(vec![f64s(cnt)?, f64s(mean)?, f64s(m2)?, window.column()]);
        }
        if agg.combine != Combine::Columns {
            return Err(Error::internal(format!(
                "groupby {} does not decompose into partials",
                self.agg
            )));
        }
        let native = agg.accumulate == Accumulate::Native;
        let mut out = Vec::with_capacity(agg.chunk.len() + 1);
        for &i in agg.chunk {
            match i {
                Intermediate::Sum if native => {
                    let mut acc = vec![T::Wide::ZERO; size];
                    each_row(&rows, &mut acc, |a, v| {
                        if !skip(v) {
                            *a = a.add(v.wide());
                        }
                    });
                    out.push(NdArray::from_shape_vec(shape, acc)?);
                }
                Intermediate::Prod if native => {
                    let mut acc = vec![T::Wide::ONE; size];
                    each_row(&rows, &mut acc, |a, v| {
                        if !skip(v) {
                            *a = a.mul(v.wide());
                        }
                    });
                    out.push(NdArray::from_shape_vec(shape, acc)?);
                }
                Intermediate::Sum => {
                    let mut acc = vec![0.0; size];
                    each_row(&rows, &mut acc, |a, v| {
                        if !skip(v) {
                            *a += v.to_f64();
                        }
                    });
                    out.push(f64s(acc)?);
                }
                Intermediate::Prod => {
                    let mut acc = vec![1.0; size];
                    each_row(&rows, &mut acc, |a, v| {
                        if !skip(v) {
                            *a *= v.to_f64();
                        }
                    });
                    out.push(f64s(acc)?);
                }
                Intermediate::Count => {
                    let mut c = vec![0.0; size];
                    each_row(&rows, &mut c, |a, v| {
                        if !v.is_nan() {
                            *a += 1.0;
                        }
                    });
                    out.push(f64s(c)?);
                }
                Intermediate::WeightedSum | Intermediate::Weight => {
                    let value = i == Intermediate::WeightedSum;
                    let mut s = vec![0.0; size];
                    for (r, base, row) in rows.iter() {
                        let w = self.weight(offset + r)?;
                        for (a, &v) in s[base..base + inner].iter_mut().zip(row) {
                            if !skip(v) {
                                *a += if value { w * v.to_f64() } else { w };
                            }
                        }
                    }
                    out.push(f64s(s)?);
                }
                Intermediate::Min | Intermediate::Max => {
                    let want_max = i == Intermediate::Max;
                    let mut val = vec![T::Wide::EMPTY; size];
                    let mut cnt = vec![0.0; size];
                    for (_, base, row) in rows.iter() {
                        for (k, &v) in row.iter().enumerate() {
                            if !skip(v) {
                                let (val, cnt) = (&mut val[base + k], &mut cnt[base + k]);
                                merge_extreme(val, cnt, v.wide(), 1.0, want_max);
                            }
                        }
                    }
                    out.push(NdArray::from_shape_vec(shape, val)?);
                    out.push(f64s(cnt)?);
                }
                Intermediate::First | Intermediate::Last => {
                    let last = i == Intermediate::Last;
                    let mut val = vec![T::Wide::EMPTY; size];
                    let mut pos = vec![-1.0; size];
                    for (r, base, row) in rows.iter() {
                        let p = (offset + r) as f64;
                        for (k, &v) in row.iter().enumerate() {
                            if !skip(v) && (pos[base + k] < 0.0 || last) {
                                val[base + k] = v.wide();
                                pos[base + k] = p;
                            }
                        }
                    }
                    out.push(NdArray::from_shape_vec(shape, val)?);
                    out.push(f64s(pos)?);
                }
                other => {
                    return Err(Error::internal(format!(
                        "{other:?} is not a grouped column"
                    )))
                }
            }
        }
        out.push(window.column());
        Ok(out)
    }

    /// Combines partials of the same output block, in any grouping, over the union of
    /// their group windows: `rest` merged into `acc`, in place when `acc`'s columns are
    /// not shared and hold every group of `rest` (as the running result of a chain of
    /// combines does, handed over by the executor), else into copies. Merged in order,
    /// value by value, so the bits are the same either way.
    pub fn combine(&self, acc: Vec<NdArray>, rest: &[&[NdArray]]) -> Result<Vec<NdArray>> {
        let window = Window::of_partial(&acc)?;
        let windows = rest
            .iter()
            .map(|p| Window::of_partial(p))
            .collect::<Result<Vec<_>>>()?;
        // Partials without any group add nothing (unless no partial has one).
        let mut present = std::iter::once(window)
            .chain(windows.iter().copied())
            .filter(|w| w.width > 0);
        let union = match present.next() {
            Some(first) => present.fold(first, |u, w| u.union(&w)),
            None => Window::default(),
        };
        let mut acc = acc;
        acc.pop();
        if window != union {
            acc = self.widen(&acc, window, union)?.into_owned();
        }
        for (p, w) in rest.iter().zip(windows) {
            if w.width == 0 {
                continue;
            }
            let cols = &p[..p.len() - 1];
            let inner: usize = cols.first().map_or(0, |c| c.shape()[1..].iter().product());
            self.merge_into(&mut acc, (w.first - union.first) * inner, cols)?;
        }
        acc.push(union.column());
        Ok(acc)
    }

    /// A partial's columns (`cols`, without its window) over `to`, a window holding `from`:
    /// the groups `from` lacks hold each column's starting value (what a group no member
    /// reached holds in [`GroupPlan::chunk`]).
    fn widen<'a>(
        &self,
        cols: &'a [NdArray],
        from: Window,
        to: Window,
    ) -> Result<Cow<'a, [NdArray]>> {
        if from == to {
            return Ok(Cow::Borrowed(cols));
        }
        let starts = self.column_starts();
        cols.iter()
            .zip(&starts)
            .map(|(c, &start)| {
                let inner: usize = c.shape()[1..].iter().product();
                let mut shape = c.shape().to_vec();
                shape[0] = to.width;
                let at = (from.first - to.first) * inner;
                macro_rules! widened {
                    ($t:ty, $v:expr) => {{
                        let (src, _) = column::<$t>(std::slice::from_ref(c), 0)?;
                        let mut v: Vec<$t> = vec![$v; to.width * inner];
                        v[at..at + src.len()].copy_from_slice(src);
                        NdArray::from_shape_vec(&shape, v)
                    }};
                }
                match c.dtype() {
                    DType::I64 => widened!(i64, start.int()),
                    DType::U64 => widened!(u64, start.int().max(0) as u64),
                    _ => widened!(f64, start.float()),
                }
            })
            .collect::<Result<Vec<_>>>()
            .map(Cow::Owned)
    }

    /// The value each column of a partial starts from, column by column.
    fn column_starts(&self) -> Vec<Start> {
        let agg = self.agg.aggregation();
        if agg.combine == Combine::Moments {
            return vec![Start::Zero; 3];
        }
        agg.chunk
            .iter()
            .flat_map(|i| match i {
                Intermediate::Prod => vec![Start::One],
                Intermediate::Min | Intermediate::Max => vec![Start::Empty, Start::Zero],
                Intermediate::First | Intermediate::Last => vec![Start::Empty, Start::MinusOne],
                _ => vec![Start::Zero],
            })
            .collect()
    }

    /// Merges the columns of a partial (`p`, no window column) into `acc`'s from value
    /// `at` (the first of `p`'s rows), column by column.
    fn merge_into(&self, acc: &mut [NdArray], at: usize, p: &[NdArray]) -> Result<()> {
        let agg = self.agg.aggregation();
        match agg.combine {
            Combine::Moments => return merge_moments(acc, at, p),
            Combine::Columns => {}
            Combine::Holistic => {
                return Err(Error::internal("holistic aggregations have no partials"))
            }
        }
        let mut k = 0;
        for &i in agg.chunk {
            match i {
                Intermediate::Prod => merge_wide(acc, at, p, k, true)?,
                Intermediate::Sum
                | Intermediate::Count
                | Intermediate::WeightedSum
                | Intermediate::Weight => merge_wide(acc, at, p, k, false)?,
                Intermediate::Min | Intermediate::Max => {
                    let want_max = i == Intermediate::Max;
                    by_column_type!([p], k, A => {
                        merge_pairs::<A>(acc, at, p, k, |va, ca, vb, cb| {
                            if cb > 0.0 {
                                merge_extreme(va, ca, vb, cb, want_max);
                            }
                        })
                    })?;
                    k += 1;
                }
                Intermediate::First | Intermediate::Last => {
                    let last = i == Intermediate::Last;
                    by_column_type!([p], k, A => {
                        merge_pairs::<A>(acc, at, p, k, |va, pa, vb, pb| {
                            if pb >= 0.0
                                && (*pa < 0.0 || (last && pb > *pa) || (!last && pb < *pa))
                            {
                                *va = vb;
                                *pa = pb;
                            }
                        })
                    })?;
                    k += 1;
                }
                other => {
                    return Err(Error::internal(format!(
                        "{other:?} is not a grouped column"
                    )))
                }
            }
            k += 1;
        }
        Ok(())
    }

    /// The result from a combined partial: the group axis moves to `axis` and values
    /// take the result dtype.
    pub fn finalize(&self, part: &[NdArray], axis: usize) -> Result<NdArray> {
        let all = Window {
            first: 0,
            width: self.ngroups,
        };
        let part = self.widen(&part[..part.len() - 1], Window::of_partial(part)?, all)?;
        let part = &part[..];
        let agg = self.agg.aggregation();
        let fill = agg.fill_value.as_f64();
        let (first, shape) = (|| {
            let a = part.first()?;
            Some((a, a.shape().to_vec()))
        })()
        .ok_or_else(|| Error::internal("a partial has columns"))?;
        let f64s = |k: usize| column::<f64>(part, k).map(|(s, _)| s);
        let values = match agg.finalize {
            Finalize::Value => match agg.chunk.first() {
                // Integer extremes: a slot without members is an empty group, which
                // `fill_empty` sets to NaN.
                Some(Intermediate::Min | Intermediate::Max) if first.dtype() == DType::F64 => {
                    let v = f64s(0)?
                        .iter()
                        .zip(f64s(1)?)
                        .map(|(&v, &c)| if c > 0.0 { v } else { fill })
                        .collect();
                    NdArray::from_shape_vec(&shape, v)?
                }
                _ => first.clone(),
            },
            Finalize::Ratio => {
                let v = f64s(0)?
                    .iter()
                    .zip(f64s(1)?)
                    .map(|(&s, &c)| if c == 0.0 { fill } else { s / c })
                    .collect();
                NdArray::from_shape_vec(&shape, v)?
            }
            Finalize::Variance { std } => {
                let ddof = self.ddof as f64;
                let v = f64s(0)?
                    .iter()
                    .zip(f64s(2)?)
                    .map(|(&n, &m2)| variance_from_moments(n, m2, ddof, std))
                    .collect();
                NdArray::from_shape_vec(&shape, v)?
            }
            Finalize::Whole => {
                return Err(Error::internal("holistic aggregations have no partials"))
            }
        };
        let values = self.fill_empty(values)?;
        group_axis_to(&values, axis)?.astype(self.out_dtype)
    }

    /// `values` (group axis first) with the groups that have no member set to NaN.
    fn fill_empty(&self, values: NdArray) -> Result<NdArray> {
        if !self.empty.iter().any(|&e| e) {
            return Ok(values);
        }
        let mut a = values
            .astype(DType::F64)?
            .as_array::<f64>()
            .ok_or_else(|| Error::internal("astype(f64) gives f64"))?
            .to_owned();
        for (g, _) in self.empty.iter().enumerate().filter(|(_, &e)| e) {
            if g < a.shape()[0] {
                a.index_axis_mut(Axis(0), g).fill(f64::NAN);
            }
        }
        Ok(NdArray::from(a.into_shared()))
    }

    /// The result for a group without members: NaN of the result dtype (a float, since
    /// some group is empty), of `shape`.
    pub fn empty_group(&self, shape: &[usize]) -> Result<NdArray> {
        NdArray::from(ArcArray::from_elem(IxDyn(shape), f64::NAN)).astype(self.out_dtype)
    }

    /// One group's result from all its members, held along `axis` of `members`
    /// (the blockwise method); `positions` are the members' positions along the
    /// grouped axis. The group axis, of length 1, takes `axis`'s place.
    pub fn group(&self, members: &NdArray, axis: usize, positions: &[usize]) -> Result<NdArray> {
        if !self.agg.decomposes() {
            return self
                .holistic(members, axis)?
                .insert_axis(axis)?
                .astype(self.out_dtype);
        }
        let weights = match &self.weights {
            Some(w) => Some(
                positions
                    .iter()
                    .map(|&p| w.get(p).copied())
                    .collect::<Option<Arc<[f64]>>>()
                    .ok_or_else(|| Error::internal("a weight per position"))?,
            ),
            None => None,
        };
        let one = GroupPlan {
            ngroups: 1,
            codes: vec![0; positions.len()].into(),
            weights,
            empty: vec![false].into(),
            ..self.clone()
        };
        let part = one.chunk(members, axis, 0)?;
        one.finalize(&part, axis)
    }

    /// Median or quantile of the members of one group: `members` holds them along
    /// `axis`, which the result drops (f64).
    fn holistic(&self, members: &NdArray, axis: usize) -> Result<NdArray> {
        let q = match self.agg {
            GroupAgg::Median => 0.5,
            GroupAgg::Quantile(q) => q,
            other => return Err(Error::internal(format!("groupby {other} is not holistic"))),
        };
        let x = members.astype(DType::F64)?;
        let x = x
            .as_array::<f64>()
            .ok_or_else(|| Error::internal("astype(f64) gives f64"))?;
        let (flat, n, rest) = axis_first(x, axis);
        let inner: usize = rest.iter().product();
        let mut out = Vec::with_capacity(inner);
        let mut lane = Vec::with_capacity(n);
        for k in 0..inner {
            lane.clear();
            let mut has_nan = false;
            for i in 0..n {
                let v = flat[i * inner + k];
                if v.is_nan() {
                    has_nan = true;
                } else {
                    lane.push(v);
                }
            }
            out.push(if has_nan && !self.skipna {
                f64::NAN
            } else {
                quantile_sorted(&mut lane, q)
            });
        }
        NdArray::from_shape_vec(&rest, out)
    }

    /// The members' positions of every group.
    pub fn positions(&self) -> Vec<Vec<usize>> {
        let mut pos = vec![Vec::new(); self.ngroups];
        for (p, &c) in self.codes.iter().enumerate() {
            if let Some(v) = usize::try_from(c).ok().and_then(|c| pos.get_mut(c)) {
                v.push(p);
            }
        }
        pos
    }

    /// Every group's aggregate of an in-memory array, with the same kernels that run on
    /// chunks and by the same method.
    pub fn eager(&self, data: &NdArray, axis: usize) -> Result<NdArray> {
        match self.method {
            Method::MapReduce => {
                let part = self.chunk(data, axis, 0)?;
                self.finalize(&part, axis)
            }
            Method::Blockwise => {
                let parts = self
                    .positions()
                    .iter()
                    .map(|pos| {
                        if pos.is_empty() {
                            let mut shape = data.shape().to_vec();
                            shape[axis] = 1;
                            return self.empty_group(&shape);
                        }
                        self.group(&data.take(axis, pos)?, axis, pos)
                    })
                    .collect::<Result<Vec<_>>>()?;
                NdArray::concatenate(axis, &parts)
            }
        }
    }
}

/// Merges the moments `(n, mean, m2)` of `p` into `acc`'s from value `at` (Chan et
/// al.'s pairwise update).
fn merge_moments(acc: &mut [NdArray], at: usize, p: &[NdArray]) -> Result<()> {
    let (nb, mb, m2b) = (
        column::<f64>(p, 0)?.0,
        column::<f64>(p, 1)?.0,
        column::<f64>(p, 2)?.0,
    );
    let range = at..at + nb.len();
    let (n_col, rest) = acc.split_at_mut(1);
    let (m_col, m2_col) = rest.split_at_mut(1);
    let na = column_mut::<f64>(n_col, 0)?.get_mut(range.clone());
    let ma = column_mut::<f64>(m_col, 0)?.get_mut(range.clone());
    let m2a = column_mut::<f64>(m2_col, 0)?.get_mut(range);
    let (Some(na), Some(ma), Some(m2a)) = (na, ma, m2a) else {
        return Err(Error::internal(
            "a partial's rows lie in the combined window",
        ));
    };
    for k in 0..nb.len() {
        if nb[k] == 0.0 {
            continue;
        }
        if na[k] == 0.0 {
            na[k] = nb[k];
            ma[k] = mb[k];
            m2a[k] = m2b[k];
            continue;
        }
        let total = na[k] + nb[k];
        let delta = mb[k] - ma[k];
        ma[k] += delta * nb[k] / total;
        m2a[k] = m2a[k] + m2b[k] + delta * delta * na[k] * nb[k] / total;
        na[k] = total;
    }
    Ok(())
}

/// Merges `(v, c)` (a value seen `c` times) into the running extreme `(val, cnt)`. A
/// counted NaN (only counted without `skipna`) poisons the extreme.
fn merge_extreme<A: Wide>(val: &mut A, cnt: &mut f64, v: A, c: f64, want_max: bool) {
    if *cnt == 0.0 {
        *val = v;
    } else if val.is_nan() {
        // Already poisoned by a NaN.
    } else if v.is_nan() || (want_max && v > *val) || (!want_max && v < *val) {
        *val = v;
    }
    *cnt += c;
}

/// numpy's linear-interpolation quantile of the values (reordered in place); NaN when
/// there are none.
fn quantile_sorted(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable_by(f64::total_cmp);
    let pos = q * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (v[lo], v[hi.min(v.len() - 1)]);
    if lo == hi {
        a
    } else {
        a + (b - a) * (pos - lo as f64)
    }
}

/// Moves axis 0 of `a` to `axis`.
fn group_axis_to(a: &NdArray, axis: usize) -> Result<NdArray> {
    if axis == 0 {
        return Ok(a.clone());
    }
    let perm: Vec<usize> = (0..a.ndim())
        .map(|i| match i.cmp(&axis) {
            std::cmp::Ordering::Less => i + 1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => i,
        })
        .collect();
    a.permute(&perm)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(agg: GroupAgg, codes: Vec<i64>, ngroups: usize) -> GroupPlan {
        GroupPlan {
            agg,
            method: Method::MapReduce,
            skipna: true,
            ddof: 0,
            ngroups,
            codes: codes.into(),
            weights: None,
            empty: vec![false; ngroups].into(),
            out_dtype: DType::F64,
        }
    }

    fn chunk(p: &GroupPlan, values: &[f64], offset: usize) -> Vec<NdArray> {
        let a = NdArray::from_shape_vec(&[values.len(), 1], values.to_vec()).unwrap();
        p.chunk(&a, 0, offset).unwrap()
    }

    fn f64s(a: &NdArray) -> Vec<f64> {
        a.to_f64_vec().unwrap()
    }

    fn assert_close(got: &NdArray, want: &NdArray, what: &str) {
        let (g, w) = (f64s(got), f64s(want));
        assert_eq!(g.len(), w.len(), "{what}");
        for (a, b) in g.iter().zip(&w) {
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                "{what}: {g:?} vs {w:?}"
            );
        }
    }

    /// Partials over different windows combine to the eager answer, whichever holds the
    /// union; a shared running result is left as it was.
    #[test]
    fn combine_in_place_leaves_shared_partials_alone() {
        // Groups 0 0 1 1 2 2 3 3 over 8 steps.
        let codes: Vec<i64> = (0..8).map(|i| i / 2).collect();
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        for agg in [
            GroupAgg::Mean,
            GroupAgg::Max,
            GroupAgg::First,
            GroupAgg::Std,
        ] {
            let p = plan(agg, codes.clone(), 4);
            let eager = p.finalize(&chunk(&p, &values, 0), 0).unwrap();
            // Steps 2..6 (groups 1, 2), then 0..2 (group 0), then 6..8 (group 3).
            let middle = chunk(&p, &values[2..6], 2);
            let shared = middle.clone();
            let before: Vec<Vec<f64>> = shared.iter().map(f64s).collect();
            let head = chunk(&p, &values[..2], 0);
            let tail = chunk(&p, &values[6..], 6);
            let all = p.combine(middle, &[&head, &tail]).unwrap();
            let after: Vec<Vec<f64>> = shared.iter().map(f64s).collect();
            assert_eq!(before, after, "{agg}: a shared partial changed");
            let got = p.finalize(&all, 0).unwrap();
            assert_close(&got, &eager, &format!("{agg}"));
            // In place (the running result holds every group): group 0 gets the first
            // step again, the others stay.
            let whole = p.combine(all, &[&chunk(&p, &values[..1], 0)]).unwrap();
            let again: Vec<f64> = [1.0, 1.0, 2.0]
                .into_iter()
                .chain(values[2..].iter().copied())
                .collect();
            let codes: Vec<i64> = [0].into_iter().chain(codes.iter().copied()).collect();
            let q = plan(agg, codes, 4);
            let want = q.finalize(&chunk(&q, &again, 0), 0).unwrap();
            assert_close(
                &p.finalize(&whole, 0).unwrap(),
                &want,
                &format!("{agg} again"),
            );
        }
    }
}
