//! Kernels for missing values: which values are null (NaN for floats, NaT for
//! datetimes and timedeltas; integers, bools and strings never are), filling nulls with a value,
//! pushing the last valid value along an axis (bottleneck's `push`, which xarray's
//! `ffill`/`bfill` use) with a carry from block to block, and filling gaps along an axis
//! by linear or nearest-neighbour interpolation (xarray's `interpolate_na`).
//!
//! A push over blocks carries two rows along the axis: the last valid value seen (null
//! when there is none) and the number of positions since it, capped at `limit + 1`, so
//! that it fits the element type (beyond the limit the exact distance no longer
//! matters).

mod rows;

use std::fmt;

use ndarray::{ArcArray, Axis, CowArray, IxDyn};

use crate::array::{DType, Element, NdArray, Scalar};
use crate::error::{Error, Result};
use crate::time::NAT;

/// Which way a push carries valid values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Towards higher positions (`ffill`).
    Forward,
    /// Towards lower positions (`bfill`).
    Backward,
}

/// How [`interpolate_na`] fills a gap (xarray's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum InterpMethod {
    /// Linear in the coordinate between the valid values around the gap (`np.interp`).
    #[default]
    Linear,
    /// The valid value nearest in the coordinate; at equal distance the one before
    /// (scipy's `interp1d(kind="nearest")`).
    Nearest,
}

impl fmt::Display for InterpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InterpMethod::Linear => "linear",
            InterpMethod::Nearest => "nearest",
        })
    }
}

/// An element type with a null value: floats (NaN) and datetime or timedelta ticks
/// (NaT).
trait Nullable: Copy {
    fn is_null(self) -> bool;
    fn null() -> Self;
    /// A count of positions, stored in a carry row.
    fn from_count(n: usize) -> Self;
    fn to_count(self) -> usize;
}

macro_rules! impl_nullable_float {
    ($t:ty) => {
        impl Nullable for $t {
            fn is_null(self) -> bool {
                self.is_nan()
            }
            fn null() -> Self {
                <$t>::NAN
            }
            #[allow(clippy::cast_precision_loss)]
            fn from_count(n: usize) -> Self {
                n as $t
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            fn to_count(self) -> usize {
                self as usize
            }
        }
    };
}

impl_nullable_float!(f32);
impl_nullable_float!(f64);

impl Nullable for i64 {
    fn is_null(self) -> bool {
        self == NAT
    }
    fn null() -> Self {
        NAT
    }
    fn from_count(n: usize) -> Self {
        i64::try_from(n).unwrap_or(i64::MAX)
    }
    fn to_count(self) -> usize {
        usize::try_from(self).unwrap_or(0)
    }
}

/// Runs `$body` with `$x` bound to the typed array of a dtype that has nulls (floats,
/// datetimes and timedeltas), rewrapping the result; evaluates `$other` for any other
/// dtype.
macro_rules! with_nullable {
    ($arr:expr, $x:ident => $body:expr, $other:pat => $fallback:expr) => {
        match $arr {
            NdArray::F32($x) => NdArray::F32($body),
            NdArray::F64($x) => NdArray::F64($body),
            NdArray::DateTime($x, cal) => NdArray::DateTime($body, *cal),
            NdArray::TimeDelta($x) => NdArray::TimeDelta($body),
            $other => $fallback,
        }
    };
}

/// [`with_nullable!`] on an array taken by value: `$body` gets its data (unshared when
/// the array was), the other dtypes come back as they are.
macro_rules! into_nullable {
    ($arr:expr, $x:ident => $body:expr) => {
        match $arr {
            NdArray::F32($x) => NdArray::F32($body),
            NdArray::F64($x) => NdArray::F64($body),
            NdArray::DateTime($x, cal) => NdArray::DateTime($body, cal),
            NdArray::TimeDelta($x) => NdArray::TimeDelta($body),
            other => other,
        }
    };
}

/// True where `a` is null (NaN, NaT of datetimes and timedeltas); false everywhere for integers, bools and strings.
pub fn isnull(a: &NdArray) -> NdArray {
    null_mask(a, true)
}

/// True where `a` is not null; the negation of [`isnull`].
pub fn notnull(a: &NdArray) -> NdArray {
    null_mask(a, false)
}

fn null_mask(a: &NdArray, null: bool) -> NdArray {
    let mask = match a {
        NdArray::F32(x) => x.mapv(|v| v.is_null() == null).into_shared(),
        NdArray::F64(x) => x.mapv(|v| v.is_null() == null).into_shared(),
        NdArray::DateTime(x, _) | NdArray::TimeDelta(x) => {
            x.mapv(|v| v.is_null() == null).into_shared()
        }
        other => ArcArray::from_elem(IxDyn(other.shape()), !null),
    };
    NdArray::Bool(mask)
}

/// `a` with its nulls replaced by `value`, cast to `a`'s dtype.
///
/// # Errors
/// When `value` cannot be cast to `a`'s dtype.
pub fn fill_null(a: &NdArray, value: &Scalar) -> Result<NdArray> {
    let fill = NdArray::from_scalar(value).astype(a.dtype())?;
    Ok(with_nullable!(a, x => fill_typed(x, &fill)?, other => other.clone()))
}

fn fill_typed<T: Nullable + Element>(
    x: &ArcArray<T, IxDyn>,
    fill: &NdArray,
) -> Result<ArcArray<T, IxDyn>> {
    let f = element_of::<T>(fill)?;
    Ok(x.mapv(|v| if v.is_null() { f } else { v }).into_shared())
}

/// The array as its element type stores it: datetimes and timedeltas as their `i64`
/// ticks.
fn storage(a: &NdArray) -> NdArray {
    match a {
        NdArray::DateTime(t, _) | NdArray::TimeDelta(t) => NdArray::I64(t.clone()),
        other => other.clone(),
    }
}

/// The one element of a 0-d array of `T` (datetime ticks for a datetime array).
fn element_of<T: Element + Copy>(a: &NdArray) -> Result<T> {
    T::unwrap(&storage(a))
        .and_then(|v| v.iter().next().copied())
        .ok_or_else(|| Error::internal("a scalar of the array's dtype"))
}

fn check_axis(a: &NdArray, axis: usize, op: &str, rows: usize) -> Result<usize> {
    match a.shape().get(axis) {
        Some(&n) if n >= rows => Ok(n - rows),
        Some(_) => Err(Error::internal(format!(
            "{op}: a block of shape {:?} lacks its {rows} carry rows",
            a.shape()
        ))),
        None => Err(Error::invalid_argument(
            "axis",
            format!("{op}: axis {axis} out of range for shape {:?}", a.shape()),
        )),
    }
}

/// The carry rows hold counts up to this (`limit + 1`; 0 without a limit, where the
/// count never matters).
fn count_cap(limit: Option<usize>) -> usize {
    limit.map_or(0, |l| l.saturating_add(1))
}

/// Fills the nulls of `a` along `axis` with the last valid value before them (after them
/// for [`Direction::Backward`]) at most `limit` positions away (bottleneck's `push`).
/// Arrays without nulls come back as they are.
///
/// # Errors
/// [`Error::InvalidArgument`] for an axis out of range.
pub fn push(a: &NdArray, axis: usize, limit: Option<usize>, dir: Direction) -> Result<NdArray> {
    push_from(a.clone(), None, axis, limit, dir)
}

/// The carry after `block` along `axis`, from no carry before it: its last valid value
/// (its first for [`Direction::Backward`]; null when it has none) and the number of
/// positions after (before) it, capped at `limit + 1`, as two rows along `axis`. Only
/// the rows from the block's end back to each column's last valid value are read.
///
/// # Errors
/// As [`push`].
pub fn push_summary(
    block: &NdArray,
    axis: usize,
    limit: Option<usize>,
    dir: Direction,
) -> Result<NdArray> {
    check_axis(block, axis, "push", 0)?;
    let cap = count_cap(limit);
    let block = block.to_standard_layout();
    Ok(
        with_nullable!(&block, x => contiguous(rows::summary_rows(x, axis, cap, dir))?, other => other.clone()),
    )
}

/// What a row kernel gave for a block in standard layout, which is always contiguous.
fn contiguous<T>(rows: Option<T>) -> Result<T> {
    rows.ok_or_else(|| Error::internal("a standard-layout block is contiguous"))
}

/// The carry after `n` positions whose own carry (from no valid value before them) is
/// `summary`, given the carry `carry` before them: `summary` when it found a valid
/// value, else `carry` moved `n` positions on. Both have two rows along `axis`.
///
/// # Errors
/// When the two carries differ in dtype or shape.
pub fn push_combine(
    carry: &NdArray,
    summary: &NdArray,
    axis: usize,
    n: usize,
    limit: Option<usize>,
) -> Result<NdArray> {
    check_axis(carry, axis, "push", 2)?;
    if carry.shape() != summary.shape() {
        return Err(Error::ShapeMismatch {
            what: "push carries".into(),
            expected: carry.shape().to_vec(),
            actual: summary.shape().to_vec(),
        });
    }
    let cap = count_cap(limit);
    fn combine<T: Nullable + Element>(
        carry: &NdArray,
        s: &ArcArray<T, IxDyn>,
        axis: usize,
        n: usize,
        cap: usize,
    ) -> Result<ArcArray<T, IxDyn>> {
        let c = T::unwrap(carry).ok_or_else(|| Error::DTypeMismatch {
            what: "push carries".into(),
            left: carry.dtype(),
            right: T::DTYPE,
        })?;
        if let Some(out) = rows::combine_rows(c, s, axis, n, cap) {
            return Ok(out);
        }
        let mut out = s.to_owned();
        for (mut o, c) in out
            .lanes_mut(Axis(axis))
            .into_iter()
            .zip(c.lanes(Axis(axis)))
        {
            if o[0].is_null() {
                o[0] = c[0];
                o[1] = T::from_count(c[1].to_count().saturating_add(n).min(cap));
            }
        }
        Ok(out.into_shared())
    }
    Ok(match summary {
        NdArray::F32(s) => NdArray::F32(combine(carry, s, axis, n, cap)?),
        NdArray::F64(s) => NdArray::F64(combine(carry, s, axis, n, cap)?),
        NdArray::DateTime(s, cal) => {
            NdArray::DateTime(combine(&storage(carry), s, axis, n, cap)?, *cal)
        }
        NdArray::TimeDelta(s) => NdArray::TimeDelta(combine(&storage(carry), s, axis, n, cap)?),
        other => other.clone(),
    })
}

/// The carry after `block` when it was pushed without a limit from no carry (the first
/// step of a lazy push without a limit): its last row along `axis` (its first for
/// [`Direction::Backward`]), each column's last valid value or null, and a count row of
/// zeros (counts matter only with a limit; [`push_summary`] gives zeros too). One row is
/// read, not the rows back to each column's last valid value.
///
/// # Errors
/// As [`push`].
pub fn pushed_summary(block: &NdArray, axis: usize, dir: Direction) -> Result<NdArray> {
    let n = check_axis(block, axis, "push", 0)?;
    if n == 0 {
        return push_summary(block, axis, None, dir);
    }
    let at = match dir {
        Direction::Forward => n - 1,
        Direction::Backward => 0,
    };
    let row = block.slice_axis(axis, at, at + 1, 1)?;
    let zeros = NdArray::zeros(row.shape(), row.dtype())?;
    NdArray::concatenate(axis, &[row, zeros])
}

/// `block`, already pushed without a limit from no carry, pushed on from the carry's
/// value row `value` ([`pushed_summary`], [`push_combine`]; one row along `axis`): only
/// each column's nulls before its first valid value (after its last, backward) change.
/// The result equals [`push_from`] of the block as read. In place when the block's data
/// is not shared.
///
/// # Errors
/// When the two differ in dtype or shape, or `axis` is out of range.
pub fn push_leading(
    block: NdArray,
    value: &NdArray,
    axis: usize,
    dir: Direction,
) -> Result<NdArray> {
    check_axis(&block, axis, "push", 0)?;
    check_carry(&block, value, axis)?;
    fn fill<T: Nullable + Element>(
        x: ArcArray<T, IxDyn>,
        value: &NdArray,
        axis: usize,
        dir: Direction,
    ) -> Result<ArcArray<T, IxDyn>> {
        let stored = (storage(value), value.dtype());
        let row = first_row::<T>(&stored, axis)?;
        let carry = contiguous(row.as_slice())?;
        contiguous(rows::fill_leading(standard(x), carry, axis, dir))
    }
    Ok(into_nullable!(block, x => fill(x, value, axis, dir)?))
}

/// Fails unless `carry` is one row along `axis` of `block`'s shape (or, as before,
/// broadcast to the block).
fn check_carry(block: &NdArray, carry: &NdArray, axis: usize) -> Result<()> {
    let fits = carry.ndim() == block.ndim()
        && carry
            .shape()
            .iter()
            .zip(block.shape())
            .enumerate()
            .all(|(a, (&n, &m))| n == m || (a == axis && n == 1));
    if fits {
        return Ok(());
    }
    Err(Error::ShapeMismatch {
        what: "push: a block and its carry".into(),
        expected: block.shape().to_vec(),
        actual: carry.shape().to_vec(),
    })
}

/// `x` itself when in standard layout, else a standard copy.
fn standard<T: Element>(x: ArcArray<T, IxDyn>) -> ArcArray<T, IxDyn> {
    if x.is_standard_layout() {
        x
    } else {
        x.as_standard_layout().into_owned().into_shared()
    }
}

/// The first row along `axis` of a carry as stored (`a`, of `dtype` as the user sees
/// it), in standard layout: a view when it already is, so that a carry is not copied
/// for each block it is handed to.
fn first_row<T: Element>(
    (a, dtype): &(NdArray, DType),
    axis: usize,
) -> Result<CowArray<'_, T, IxDyn>> {
    let t = T::unwrap(a).ok_or_else(|| Error::DTypeMismatch {
        what: "push: a block and its carry".into(),
        left: T::DTYPE,
        right: *dtype,
    })?;
    let row = t.index_axis(Axis(axis), 0);
    Ok(if row.is_standard_layout() {
        row.into()
    } else {
        row.as_standard_layout().into_owned().into()
    })
}

/// `block` pushed along `axis` (as [`push`]) from the carry of the positions before it
/// (after it for [`Direction::Backward`]), in one pass: `carry` is the carry's value and
/// count rows ([`push_summary`], [`push_combine`]), each of length 1 along `axis` (or
/// broadcast to the block: only the first row is read); `None` for no valid value
/// before the block. A block whose data no other array shares (one a task was handed)
/// is pushed in place; a shared one is left as it is.
///
/// # Errors
/// When the three differ in dtype or shape, or `axis` is out of range.
pub fn push_from(
    block: NdArray,
    carry: Option<(&NdArray, &NdArray)>,
    axis: usize,
    limit: Option<usize>,
    dir: Direction,
) -> Result<NdArray> {
    check_axis(&block, axis, "push", 0)?;
    if let Some((value, count)) = carry {
        check_carry(&block, value, axis)?;
        check_carry(&block, count, axis)?;
    }
    fn from<T: Nullable + Element>(
        x: ArcArray<T, IxDyn>,
        carry: Option<(&NdArray, &NdArray)>,
        axis: usize,
        limit: Option<usize>,
        dir: Direction,
    ) -> Result<ArcArray<T, IxDyn>> {
        // The carry as stored (datetimes as their ticks), and its first rows.
        let stored = carry.map(|(v, c)| ((storage(v), v.dtype()), (storage(c), c.dtype())));
        let carry = stored
            .as_ref()
            .map(|(v, c)| Ok::<_, Error>((first_row::<T>(v, axis)?, first_row::<T>(c, axis)?)))
            .transpose()?;
        let rows = carry
            .as_ref()
            .and_then(|(v, c)| Some((v.as_slice()?, c.as_slice()?)));
        contiguous(rows::push_from(standard(x), rows, axis, limit, dir))
    }
    Ok(into_nullable!(block, x => from(x, carry, axis, limit, dir)?))
}

/// Fills the gaps of nulls of `a` along `axis` from the valid values around them, at
/// coordinates `x` (strictly increasing, one per position): [`InterpMethod`]; with
/// `limit`, only the first `limit` nulls of each gap; with `max_gap`, only gaps whose
/// valid neighbours are at most `max_gap` apart in `x`. Nulls before the first and after
/// the last valid value stay (no extrapolation). Integers and bools come back as they
/// are. Datetimes and timedeltas are interpolated on their ticks, rounded to the
/// nearest tick (xarray's `linear` refuses them; its `nearest` gives the same values).
///
/// # Errors
/// [`Error::InvalidArgument`] for an axis out of range or `x` of the wrong length;
/// [`Error::UnsupportedDType`] for strings.
pub fn interpolate_na(
    a: &NdArray,
    axis: usize,
    x: &[f64],
    method: InterpMethod,
    limit: Option<usize>,
    max_gap: Option<f64>,
) -> Result<NdArray> {
    let n = check_axis(a, axis, "interpolate_na", 0)?;
    if x.len() != n {
        return Err(Error::invalid_argument(
            "x",
            format!(
                "interpolate_na: {} coordinates for an axis of length {n}",
                x.len()
            ),
        ));
    }
    let gap = Gap {
        x,
        method,
        limit: limit.unwrap_or(usize::MAX),
        max_gap: max_gap.unwrap_or(f64::INFINITY),
    };
    Ok(match a {
        NdArray::F32(v) => NdArray::F32(gap.fill(v, axis, f64::from, |y| y as f32)),
        NdArray::F64(v) => NdArray::F64(gap.fill(v, axis, |y| y, |y| y)),
        NdArray::DateTime(t, cal) => NdArray::DateTime(gap.fill(t, axis, tick_f64, f64_tick), *cal),
        NdArray::TimeDelta(t) => NdArray::TimeDelta(gap.fill(t, axis, tick_f64, f64_tick)),
        NdArray::Str(_) => {
            return Err(Error::UnsupportedDType {
                op: "interpolate_na".into(),
                dtype: a.dtype(),
            })
        }
        other => other.clone(),
    })
}

/// A tick as a number to interpolate (exact below 2^53 ticks, about 285 years of
/// microseconds either side of the epoch, and within a tick beyond).
#[allow(clippy::cast_precision_loss)]
fn tick_f64(t: i64) -> f64 {
    t as f64
}

/// An interpolated tick, rounded to the nearest.
#[allow(clippy::cast_possible_truncation)]
fn f64_tick(y: f64) -> i64 {
    y.round() as i64
}

/// How [`interpolate_na`] fills the gaps of one lane.
struct Gap<'a> {
    x: &'a [f64],
    method: InterpMethod,
    limit: usize,
    max_gap: f64,
}

impl Gap<'_> {
    fn fill<T: Nullable + Clone>(
        &self,
        a: &ArcArray<T, IxDyn>,
        axis: usize,
        to_f64: impl Fn(T) -> f64,
        from_f64: impl Fn(f64) -> T,
    ) -> ArcArray<T, IxDyn> {
        let mut out = a.to_owned();
        for mut lane in out.lanes_mut(Axis(axis)) {
            let mut prev: Option<usize> = None;
            for q in 0..lane.len() {
                if lane[q].is_null() {
                    continue;
                }
                if let Some(p) = prev.filter(|&p| q > p + 1) {
                    let (xp, xq) = (self.x[p], self.x[q]);
                    if xq - xp <= self.max_gap {
                        let (yp, yq) = (to_f64(lane[p]), to_f64(lane[q]));
                        for i in p + 1..q.min(p.saturating_add(self.limit).saturating_add(1)) {
                            lane[i] = from_f64(self.value(xp, yp, xq, yq, self.x[i]));
                        }
                    }
                }
                prev = Some(q);
            }
        }
        out.into_shared()
    }

    /// The value at `x` between `(xp, yp)` and `(xq, yq)`, as numpy's `interp` and
    /// scipy's `interp1d(kind="nearest")` compute it.
    fn value(&self, xp: f64, yp: f64, xq: f64, yq: f64, x: f64) -> f64 {
        match self.method {
            InterpMethod::Linear => {
                let slope = (yq - yp) / (xq - xp);
                let y = slope * (x - xp) + yp;
                if !y.is_nan() {
                    y
                } else if yp == yq {
                    yp
                } else {
                    slope * (x - xq) + yq
                }
            }
            InterpMethod::Nearest => {
                if x <= xp / 2.0 + xq / 2.0 {
                    yp
                } else {
                    yq
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f64s(a: &NdArray) -> Vec<f64> {
        a.to_f64_vec().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn push_with_limit_both_ways() {
        let nan = f64::NAN;
        let a = NdArray::from(vec![nan, 1.0, nan, nan, nan, 2.0, nan]);
        let ff = push(&a, 0, Some(2), Direction::Forward).unwrap_or_else(|e| panic!("{e}"));
        let want = [nan, 1.0, 1.0, 1.0, nan, 2.0, 2.0];
        assert!(f64s(&ff)
            .iter()
            .zip(want)
            .all(|(g, w)| g == &w || (g.is_nan() && w.is_nan())));
        let bf = push(&a, 0, None, Direction::Backward).unwrap_or_else(|e| panic!("{e}"));
        let want = [1.0, 1.0, 2.0, 2.0, 2.0, 2.0, nan];
        assert!(f64s(&bf)
            .iter()
            .zip(want)
            .all(|(g, w)| g == &w || (g.is_nan() && w.is_nan())));
    }

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
    }

    /// A new float64 array of `shape` holding `values`, its data its own.
    fn f64_block(shape: &[usize], values: &[f64]) -> NdArray {
        NdArray::from(ndarray::ArrayD::from_shape_vec(shape.to_vec(), values.to_vec()).unwrap())
    }

    /// Where a float64 array's data lies, to tell a block changed in place.
    fn data_ptr(a: &NdArray) -> *const f64 {
        match a {
            NdArray::F64(x) => x.as_ptr(),
            _ => std::ptr::null(),
        }
    }

    /// A block in another layout (a transposed view) is pushed as its standard copy.
    #[test]
    fn push_of_a_transposed_block() {
        let nan = f64::NAN;
        let values = vec![nan, 1.0, nan, 4.0, nan, nan, nan, 2.0, nan, nan, 3.0, nan];
        let a = NdArray::from(ndarray::ArrayD::from_shape_vec(vec![3, 4], values).unwrap());
        let t = a.permute(&[1, 0]).unwrap_or_else(|e| panic!("{e}"));
        let standard =
            NdArray::from(ndarray::ArrayD::from_shape_vec(vec![4, 3], f64s(&t)).unwrap());
        for dir in [Direction::Forward, Direction::Backward] {
            for axis in 0..2 {
                let got = push(&t, axis, Some(1), dir).unwrap_or_else(|e| panic!("{e}"));
                let want = push(&standard, axis, Some(1), dir).unwrap_or_else(|e| panic!("{e}"));
                assert!(same(&f64s(&got), &f64s(&want)), "{dir:?} along {axis}");
            }
        }
    }

    /// A lane pushed in two blocks, the second from the first's summary, equals the lane
    /// pushed whole, for every split, limit and direction.
    #[test]
    fn push_from_a_summary_equals_push_whole() {
        let nan = f64::NAN;
        let lane = [nan, 1.0, nan, nan, nan, 2.0, nan, nan, nan, nan];
        let n = lane.len();
        for dir in [Direction::Forward, Direction::Backward] {
            for limit in [None, Some(0), Some(1), Some(3)] {
                let whole = push(&NdArray::from(lane.to_vec()), 0, limit, dir)
                    .unwrap_or_else(|e| panic!("{e}"));
                for cut in 1..n {
                    let (a, b) = (lane[..cut].to_vec(), lane[cut..].to_vec());
                    // The block pushed first is the one the carry comes from.
                    let (first, second) = match dir {
                        Direction::Forward => (a, b),
                        Direction::Backward => (b, a),
                    };
                    let first = NdArray::from(first);
                    let summary =
                        push_summary(&first, 0, limit, dir).unwrap_or_else(|e| panic!("{e}"));
                    let value = summary
                        .slice_axis(0, 0, 1, 1)
                        .unwrap_or_else(|e| panic!("{e}"));
                    let count = summary
                        .slice_axis(0, 1, 2, 1)
                        .unwrap_or_else(|e| panic!("{e}"));
                    let pushed = [
                        push(&first, 0, limit, dir).unwrap_or_else(|e| panic!("{e}")),
                        push_from(NdArray::from(second), Some((&value, &count)), 0, limit, dir)
                            .unwrap_or_else(|e| panic!("{e}")),
                    ];
                    let mut got = f64s(&pushed[0]);
                    match dir {
                        Direction::Forward => got.extend(f64s(&pushed[1])),
                        Direction::Backward => got.splice(0..0, f64s(&pushed[1])).for_each(drop),
                    }
                    assert!(same(&got, &f64s(&whole)), "{dir:?} {limit:?} cut at {cut}");
                }
            }
        }
    }

    /// A block handed over (its data not shared) is pushed in place, to the values a
    /// shared one gets in a new array; the shared one is left as it was. Several
    /// columns and lanes around the pushed axis, with and without a carry.
    #[test]
    fn push_in_place_equals_push_into_a_new_array() {
        let nan = f64::NAN;
        let shape = [2, 5, 7];
        let values: Vec<f64> = (0..70)
            .map(|i| {
                if (i * 7 + i / 5) % 3 == 0 {
                    f64::from(i)
                } else {
                    nan
                }
            })
            .collect();
        let block = || f64_block(&shape, &values);
        let carry = |v: f64| NdArray::from(ndarray::ArrayD::from_elem(vec![2, 1, 7], v));
        for dir in [Direction::Forward, Direction::Backward] {
            for limit in [None, Some(0), Some(2)] {
                for with_carry in [false, true] {
                    let (value, count) = (carry(-1.0), carry(1.0));
                    let c = with_carry.then_some((&value, &count));
                    let what = format!("{dir:?} {limit:?} carry {with_carry}");
                    let shared = block();
                    let kept = shared.clone();
                    let copied =
                        push_from(shared, c, 1, limit, dir).unwrap_or_else(|e| panic!("{e}"));
                    assert!(
                        same(&f64s(&kept), &values),
                        "{what}: the shared block changed"
                    );
                    assert_ne!(data_ptr(&copied), data_ptr(&kept), "{what}");
                    let owned = block();
                    let at = data_ptr(&owned);
                    let pushed =
                        push_from(owned, c, 1, limit, dir).unwrap_or_else(|e| panic!("{e}"));
                    assert_eq!(data_ptr(&pushed), at, "{what}: not pushed in place");
                    assert!(same(&f64s(&pushed), &f64s(&copied)), "{what}");
                    if !with_carry {
                        let whole = push(&block(), 1, limit, dir).unwrap_or_else(|e| panic!("{e}"));
                        assert!(same(&f64s(&pushed), &f64s(&whole)), "{what}");
                    }
                }
            }
        }
    }

    /// A block pushed first from no carry, its carry its last row ([`pushed_summary`]),
    /// then pushed on from the carry before it ([`push_leading`]), equals the block
    /// pushed once from that carry, and gives the same carry as [`push_summary`]; in
    /// place when handed over, a shared block left as it was. Columns with no valid
    /// value in the block and null carries included.
    #[test]
    fn push_leading_after_a_push_from_nothing_equals_one_push() {
        let nan = f64::NAN;
        let shape = [2, 4, 6];
        let values: Vec<f64> = (0..48)
            .map(|i| {
                if (i % 6 == 1) || (i * 5 + i / 6) % 3 == 0 {
                    nan
                } else {
                    f64::from(i)
                }
            })
            .collect();
        let block = || f64_block(&shape, &values);
        // A carry with a null in one column.
        let carry: Vec<f64> = (0..12)
            .map(|j| if j % 4 == 3 { nan } else { -f64::from(j) })
            .collect();
        let value = NdArray::from(ndarray::ArrayD::from_shape_vec(vec![2, 1, 6], carry).unwrap());
        let count = NdArray::zeros(&[2, 1, 6], DType::F64).unwrap();
        for dir in [Direction::Forward, Direction::Backward] {
            let first = push(&block(), 1, None, dir).unwrap_or_else(|e| panic!("{e}"));
            let summary = pushed_summary(&first, 1, dir).unwrap_or_else(|e| panic!("{e}"));
            let want = push_summary(&block(), 1, None, dir).unwrap_or_else(|e| panic!("{e}"));
            assert!(same(&f64s(&summary), &f64s(&want)), "{dir:?} summary");
            let once = push_from(block(), Some((&value, &count)), 1, None, dir)
                .unwrap_or_else(|e| panic!("{e}"));
            let kept = first.clone();
            let before = f64s(&kept);
            let shared = push_leading(first, &value, 1, dir).unwrap_or_else(|e| panic!("{e}"));
            assert!(same(&f64s(&shared), &f64s(&once)), "{dir:?} shared");
            assert!(
                same(&f64s(&kept), &before),
                "{dir:?}: the shared block changed"
            );
            let at = data_ptr(&kept);
            let owned = push_leading(kept, &value, 1, dir).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(data_ptr(&owned), at, "{dir:?}: not filled in place");
            assert!(same(&f64s(&owned), &f64s(&once)), "{dir:?} in place");
        }
    }
}
