//! Aggregations of groups as chunk → combine → finalize (flox's second choice).
//!
//! A chunk's partial has shape `[ngroups, ...other dims of the chunk...]` and is
//! computed in one pass over the chunk with the chunk's codes; partials of any chunks
//! combine in any order (a tree); finalize turns the combined partial into the result,
//! with the group axis put back where the grouped axis was. Everything is accumulated
//! in `f64` and cast to the result dtype at the end.
//!
//! Median and quantile do not decompose: they are computed from all the members of one
//! group at once (see [`GroupPlan::holistic`]).

use std::fmt;
use std::sync::Arc;

use ndarray::{ArcArray, IxDyn};

use crate::array::{DType, NdArray};
use crate::dist::TaskValue;
use crate::error::{Error, Result};

/// An aggregation of the members of each group.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum GroupAgg {
    /// Sum (an empty or all-NaN group gives 0, as xarray).
    Sum,
    /// Product (an empty group gives 1).
    Prod,
    /// Number of non-NaN members (`i64`).
    Count,
    /// Mean (an empty group gives NaN).
    Mean,
    /// Mean weighted by per-position weights: `sum(w x) / sum(w)` over non-NaN `x`.
    WeightedMean,
    /// Variance with `ddof`.
    Var,
    /// Standard deviation with `ddof`.
    Std,
    /// Minimum.
    Min,
    /// Maximum.
    Max,
    /// The first member by position (the first non-NaN with `skipna`).
    First,
    /// The last member by position (the last non-NaN with `skipna`).
    Last,
    /// Median (holistic: each group's members are pulled into one task).
    Median,
    /// Quantile `q` in `[0, 1]`, numpy's linear interpolation (holistic, like median).
    Quantile(f64),
}

impl GroupAgg {
    /// xarray's method name.
    pub fn name(self) -> &'static str {
        match self {
            GroupAgg::Sum => "sum",
            GroupAgg::Prod => "prod",
            GroupAgg::Count => "count",
            GroupAgg::Mean => "mean",
            GroupAgg::WeightedMean => "weighted mean",
            GroupAgg::Var => "var",
            GroupAgg::Std => "std",
            GroupAgg::Min => "min",
            GroupAgg::Max => "max",
            GroupAgg::First => "first",
            GroupAgg::Last => "last",
            GroupAgg::Median => "median",
            GroupAgg::Quantile(_) => "quantile",
        }
    }

    /// True when the aggregation splits into per-chunk partials; median and quantile
    /// need every member of a group at once.
    pub fn decomposes(self) -> bool {
        !matches!(self, GroupAgg::Median | GroupAgg::Quantile(_))
    }

    /// The result dtype for data of `dtype`; `has_empty` says whether some group has no
    /// member (bins and resample periods): as in xarray, such groups are NaN whatever
    /// the aggregation, so integer results become `f64`.
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] for strings and datetimes.
    pub fn out_dtype(self, dtype: DType, has_empty: bool) -> Result<DType> {
        if matches!(dtype, DType::Str | DType::DateTime(_)) {
            return Err(Error::UnsupportedDType {
                op: format!("groupby {}", self.name()),
                dtype,
            });
        }
        let float = if dtype == DType::F32 {
            DType::F32
        } else {
            DType::F64
        };
        if has_empty {
            return Ok(float);
        }
        Ok(match self {
            GroupAgg::Count => DType::I64,
            GroupAgg::Sum | GroupAgg::Prod => match dtype {
                DType::F32 | DType::F64 => dtype,
                DType::U8 | DType::U16 | DType::U32 | DType::U64 => DType::U64,
                _ => DType::I64,
            },
            GroupAgg::Min | GroupAgg::Max | GroupAgg::First | GroupAgg::Last => dtype,
            _ => float,
        })
    }
}

impl fmt::Display for GroupAgg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One grouped aggregation along one axis: the codes of every position along the
/// grouped axis, the aggregation and its options.
#[derive(Debug, Clone)]
pub(crate) struct GroupPlan {
    pub agg: GroupAgg,
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

/// `a` as f64 with `axis` moved first, in standard layout: (values, len along axis,
/// shape of the other axes).
fn axis_first(a: &NdArray, axis: usize) -> Result<(Vec<f64>, usize, Vec<usize>)> {
    let x = a.astype(DType::F64)?;
    let arr = x
        .as_array::<f64>()
        .ok_or_else(|| Error::internal("astype(f64) gives f64"))?;
    let mut order = vec![axis];
    order.extend((0..a.ndim()).filter(|&d| d != axis));
    let rest: Vec<usize> = order[1..].iter().map(|&d| a.shape()[d]).collect();
    let moved = arr.view().permuted_axes(IxDyn(&order));
    // ndarray's own copy (a memcpy when `axis` is already first, else one internal
    // iteration), not `moved.iter().collect()`: an external iterator over dynamic dims
    // steps its index per element, and whether the compiler inlines that `next` into
    // the collect moved this function's cost by 1.6x between two builds.
    let (flat, _) = moved
        .as_standard_layout()
        .into_owned()
        .into_raw_vec_and_offset();
    Ok((flat, a.shape()[axis], rest))
}

fn column(shape: &[usize], values: Vec<f64>) -> Result<NdArray> {
    NdArray::from_shape_vec(shape, values)
}

fn columns(part: &TaskValue) -> Result<Vec<(&[f64], &[usize])>> {
    part.0
        .iter()
        .map(|c| {
            let a = c
                .as_array::<f64>()
                .ok_or_else(|| Error::internal("group partials are f64"))?;
            let s = a
                .as_slice()
                .ok_or_else(|| Error::internal("group partials are contiguous"))?;
            Ok((s, a.shape()))
        })
        .collect()
}

impl GroupPlan {
    fn code(&self, pos: usize) -> Result<i64> {
        self.codes
            .get(pos)
            .copied()
            .ok_or_else(|| Error::internal("a code per position"))
    }

    /// The partial of one chunk whose grouped axis covers positions
    /// `offset..offset + chunk.shape()[axis]`.
    pub fn chunk(&self, chunk: &NdArray, axis: usize, offset: usize) -> Result<TaskValue> {
        let (flat, n, rest) = axis_first(chunk, axis)?;
        let inner: usize = rest.iter().product();
        let g = self.ngroups;
        let mut shape = vec![g];
        shape.extend(&rest);
        let size = g * inner;
        let skip = |v: f64| self.skipna && v.is_nan();
        let rows = (0..n).map(|i| (i, &flat[i * inner..(i + 1) * inner]));
        let out = match self.agg {
            GroupAgg::Sum | GroupAgg::Mean | GroupAgg::Count | GroupAgg::WeightedMean => {
                let mut s = vec![0.0; size];
                let mut c = vec![0.0; size];
                for (i, row) in rows {
                    let code = self.code(offset + i)?;
                    if code < 0 {
                        continue;
                    }
                    let w = match &self.weights {
                        Some(w) => w
                            .get(offset + i)
                            .copied()
                            .ok_or_else(|| Error::internal("a weight per position"))?,
                        None => 1.0,
                    };
                    let base = code as usize * inner;
                    for (k, &v) in row.iter().enumerate() {
                        if self.agg == GroupAgg::Count {
                            if !v.is_nan() {
                                c[base + k] += 1.0;
                            }
                        } else if !skip(v) {
                            s[base + k] += w * v;
                            c[base + k] += w;
                        }
                    }
                }
                vec![column(&shape, s)?, column(&shape, c)?]
            }
            GroupAgg::Prod => {
                let mut p = vec![1.0; size];
                for (i, row) in rows {
                    let code = self.code(offset + i)?;
                    if code < 0 {
                        continue;
                    }
                    let base = code as usize * inner;
                    for (k, &v) in row.iter().enumerate() {
                        if !skip(v) {
                            p[base + k] *= v;
                        }
                    }
                }
                vec![column(&shape, p)?]
            }
            GroupAgg::Var | GroupAgg::Std => {
                let mut cnt = vec![0.0; size];
                let mut sum = vec![0.0; size];
                let mut codes = Vec::with_capacity(n);
                for (i, row) in rows {
                    let code = self.code(offset + i)?;
                    codes.push(code);
                    if code < 0 {
                        continue;
                    }
                    let base = code as usize * inner;
                    for (k, &v) in row.iter().enumerate() {
                        if !skip(v) {
                            sum[base + k] += v;
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
                for (i, &code) in codes.iter().enumerate() {
                    if code < 0 {
                        continue;
                    }
                    let base = code as usize * inner;
                    for (k, &v) in flat[i * inner..(i + 1) * inner].iter().enumerate() {
                        if !skip(v) {
                            let d = v - mean[base + k];
                            m2[base + k] += d * d;
                        }
                    }
                }
                vec![
                    column(&shape, cnt)?,
                    column(&shape, mean)?,
                    column(&shape, m2)?,
                ]
            }
            GroupAgg::Min | GroupAgg::Max => {
                let want_max = self.agg == GroupAgg::Max;
                let mut val = vec![f64::NAN; size];
                let mut cnt = vec![0.0; size];
                for (i, row) in rows {
                    let code = self.code(offset + i)?;
                    if code < 0 {
                        continue;
                    }
                    let base = code as usize * inner;
                    for (k, &v) in row.iter().enumerate() {
                        if skip(v) {
                            continue;
                        }
                        merge_extreme(&mut val[base + k], &mut cnt[base + k], v, 1.0, want_max);
                    }
                }
                vec![column(&shape, val)?, column(&shape, cnt)?]
            }
            GroupAgg::First | GroupAgg::Last => {
                let last = self.agg == GroupAgg::Last;
                let mut val = vec![f64::NAN; size];
                let mut pos = vec![-1.0; size];
                for (i, row) in rows {
                    let code = self.code(offset + i)?;
                    if code < 0 {
                        continue;
                    }
                    let base = code as usize * inner;
                    let p = (offset + i) as f64;
                    for (k, &v) in row.iter().enumerate() {
                        if skip(v) {
                            continue;
                        }
                        if pos[base + k] < 0.0 || last {
                            val[base + k] = v;
                            pos[base + k] = p;
                        }
                    }
                }
                vec![column(&shape, val)?, column(&shape, pos)?]
            }
            GroupAgg::Median | GroupAgg::Quantile(_) => {
                return Err(Error::internal(format!(
                    "groupby {} does not decompose into partials",
                    self.agg
                )))
            }
        };
        Ok(TaskValue(out))
    }

    /// Combines partials of the same output block, in any grouping.
    pub fn combine(&self, parts: &[&TaskValue]) -> Result<TaskValue> {
        let first = parts
            .first()
            .ok_or_else(|| Error::internal("combine of no partials"))?;
        let first_cols = columns(first)?;
        let shape = first_cols
            .first()
            .map(|(_, s)| s.to_vec())
            .ok_or_else(|| Error::internal("a partial has columns"))?;
        let mut acc: Vec<Vec<f64>> = first_cols.iter().map(|(c, _)| c.to_vec()).collect();
        for p in &parts[1..] {
            let cols = columns(p)?;
            if cols.len() != acc.len() || cols.iter().any(|(c, _)| c.len() != acc[0].len()) {
                return Err(Error::internal("partials of one block have one shape"));
            }
            match self.agg {
                GroupAgg::Sum | GroupAgg::Mean | GroupAgg::Count | GroupAgg::WeightedMean => {
                    for (a, (b, _)) in acc.iter_mut().zip(&cols) {
                        a.iter_mut().zip(b.iter()).for_each(|(x, y)| *x += y);
                    }
                }
                GroupAgg::Prod => {
                    acc[0].iter_mut().zip(cols[0].0).for_each(|(x, y)| *x *= y);
                }
                GroupAgg::Var | GroupAgg::Std => {
                    let (nb, mb, m2b) = (cols[0].0, cols[1].0, cols[2].0);
                    for k in 0..nb.len() {
                        let (na, ma, m2a) = (acc[0][k], acc[1][k], acc[2][k]);
                        if nb[k] == 0.0 {
                            continue;
                        }
                        if na == 0.0 {
                            acc[0][k] = nb[k];
                            acc[1][k] = mb[k];
                            acc[2][k] = m2b[k];
                            continue;
                        }
                        // Chan et al.'s pairwise update.
                        let total = na + nb[k];
                        let delta = mb[k] - ma;
                        acc[1][k] = ma + delta * nb[k] / total;
                        acc[2][k] = m2a + m2b[k] + delta * delta * na * nb[k] / total;
                        acc[0][k] = total;
                    }
                }
                GroupAgg::Min | GroupAgg::Max => {
                    let want_max = self.agg == GroupAgg::Max;
                    let (vb, cb) = (cols[0].0, cols[1].0);
                    let (va, ca) = acc.split_at_mut(1);
                    for k in 0..vb.len() {
                        if cb[k] > 0.0 {
                            merge_extreme(&mut va[0][k], &mut ca[0][k], vb[k], cb[k], want_max);
                        }
                    }
                }
                GroupAgg::First | GroupAgg::Last => {
                    let last = self.agg == GroupAgg::Last;
                    let (vb, pb) = (cols[0].0, cols[1].0);
                    for k in 0..vb.len() {
                        if pb[k] < 0.0 {
                            continue;
                        }
                        let pa = acc[1][k];
                        if pa < 0.0 || (last && pb[k] > pa) || (!last && pb[k] < pa) {
                            acc[0][k] = vb[k];
                            acc[1][k] = pb[k];
                        }
                    }
                }
                GroupAgg::Median | GroupAgg::Quantile(_) => {
                    return Err(Error::internal("holistic aggregations have no partials"))
                }
            }
        }
        Ok(TaskValue(
            acc.into_iter()
                .map(|c| column(&shape, c))
                .collect::<Result<_>>()?,
        ))
    }

    /// The result from a combined partial: the group axis moves to `axis` and values
    /// take the result dtype.
    pub fn finalize(&self, part: &TaskValue, axis: usize) -> Result<NdArray> {
        let cols = columns(part)?;
        let (first, shape) = cols
            .first()
            .copied()
            .ok_or_else(|| Error::internal("a partial has columns"))?;
        let get = |k: usize| {
            cols.get(k)
                .map(|c| c.0)
                .ok_or_else(|| Error::internal("partial width"))
        };
        let ddof = self.ddof as f64;
        let values: Vec<f64> = match self.agg {
            GroupAgg::Sum | GroupAgg::Prod => first.to_vec(),
            GroupAgg::Count => get(1)?.to_vec(),
            GroupAgg::Mean | GroupAgg::WeightedMean => first
                .iter()
                .zip(get(1)?)
                .map(|(&s, &c)| if c == 0.0 { f64::NAN } else { s / c })
                .collect(),
            GroupAgg::Var | GroupAgg::Std => {
                let std = self.agg == GroupAgg::Std;
                first
                    .iter()
                    .zip(get(2)?)
                    .map(|(&n, &m2)| crate::lazy::partial::variance_from_moments(n, m2, ddof, std))
                    .collect()
            }
            GroupAgg::Min | GroupAgg::Max => first
                .iter()
                .zip(get(1)?)
                .map(|(&v, &c)| if c > 0.0 { v } else { f64::NAN })
                .collect(),
            GroupAgg::First | GroupAgg::Last => first.to_vec(),
            GroupAgg::Median | GroupAgg::Quantile(_) => {
                return Err(Error::internal("holistic aggregations have no partials"))
            }
        };
        let mut values = values;
        let inner: usize = shape[1..].iter().product();
        for (g, _) in self.empty.iter().enumerate().filter(|(_, &e)| e) {
            if let Some(row) = values.get_mut(g * inner..(g + 1) * inner) {
                row.fill(f64::NAN);
            }
        }
        let out = column(shape, values)?;
        group_axis_to(&out, axis)?.astype(self.out_dtype)
    }

    /// Median or quantile of the members of one group: `members` holds them along
    /// `axis`, which the result drops (f64; cast by the caller).
    pub fn holistic(&self, members: &NdArray, axis: usize) -> Result<NdArray> {
        let q = match self.agg {
            GroupAgg::Median => 0.5,
            GroupAgg::Quantile(q) => q,
            other => return Err(Error::internal(format!("groupby {other} is not holistic"))),
        };
        let (flat, n, rest) = axis_first(members, axis)?;
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
        column(&rest, out)
    }

    /// Every group's median or quantile of an in-memory array: the eager path.
    pub fn holistic_all(&self, data: &NdArray, axis: usize) -> Result<NdArray> {
        let mut positions = vec![Vec::new(); self.ngroups];
        for (p, &c) in self.codes.iter().enumerate() {
            if c >= 0 {
                if let Some(v) = positions.get_mut(c as usize) {
                    v.push(p);
                }
            }
        }
        let parts = positions
            .iter()
            .map(|pos| {
                self.holistic(&data.take(axis, pos)?, axis)?
                    .insert_axis(axis)
            })
            .collect::<Result<Vec<_>>>()?;
        NdArray::concatenate(axis, &parts)?.astype(self.out_dtype)
    }

    /// Every group's aggregate of an in-memory array, with the same kernels that run on
    /// chunks.
    pub fn eager(&self, data: &NdArray, axis: usize) -> Result<NdArray> {
        if !self.agg.decomposes() {
            return self.holistic_all(data, axis);
        }
        let part = self.chunk(data, axis, 0)?;
        self.finalize(&part, axis)
    }
}

/// Merges `(v, c)` (a value seen `c` times) into the running extreme `(val, cnt)`. A
/// counted NaN (only counted without `skipna`) poisons the extreme.
fn merge_extreme(val: &mut f64, cnt: &mut f64, v: f64, c: f64, want_max: bool) {
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

/// An f64 array of `shape` filled with NaN.
pub(crate) fn nan_array(shape: &[usize]) -> NdArray {
    NdArray::from(ArcArray::from_elem(IxDyn(shape), f64::NAN))
}
