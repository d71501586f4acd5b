//! `Index`: a 1-D label index over a dimension coordinate.
//!
//! Label lookups follow pandas: exact labels by binary search on monotonic indexes (either
//! direction) and by hash map otherwise; `method` (nearest, pad, backfill) and
//! `tolerance` as `pandas.Index.get_indexer` defines them; label slices include both
//! ends; datetime indexes take (partial) ISO 8601 strings.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::indexing::{Indexer, Label};
use crate::array::{NdArray, Scalar};
use crate::error::{Error, Result};
use crate::time::{Calendar, TICKS_PER_SECOND};

/// How a label that is not in the index finds a position (pandas' `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// The closest label; on a tie the later position on an increasing index and the
    /// earlier one on a decreasing index, as pandas does.
    Nearest,
    /// The label at or before the target in index order (`ffill`).
    Pad,
    /// The label at or after the target in index order (`bfill`).
    Backfill,
}

/// The labels of one dimension (numbers, strings or datetimes), for label-based
/// selection and alignment.
///
/// Cloning is cheap: the labels are a shared array and the derived lookup structures
/// (sortedness, uniqueness, hash map) are computed once on first use and shared.
#[derive(Debug, Clone)]
pub struct Index {
    dim: String,
    values: NdArray,
    cache: Arc<OnceLock<Cache>>,
}

/// The direction of a monotonic index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Increasing,
    Decreasing,
    Unordered,
}

#[derive(Debug)]
struct Cache {
    keys: Keys,
    order: Order,
    unique: bool,
    /// For datetimes: the coarsest of day/hour/minute/second/tick that divides every
    /// label, which decides whether a datetime string is one label or a period.
    resolution: i64,
    lookup: OnceLock<HashMap<HashKey, usize>>,
}

/// The labels in a comparable form: every number as `f64` (exact for integers up to
/// 2^53), datetimes as ticks, strings as themselves.
#[derive(Debug)]
enum Keys {
    Num(Vec<f64>),
    Time(Vec<i64>, Calendar),
    Str(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum HashKey {
    F(u64),
    I(i64),
    S(String),
}

/// A label type that an index can search.
trait Key: PartialOrd + Clone {
    fn distance(&self, other: &Self) -> Option<f64>;
    fn hash_key(&self) -> HashKey;
}

impl Key for f64 {
    fn distance(&self, other: &Self) -> Option<f64> {
        Some((self - other).abs())
    }
    fn hash_key(&self) -> HashKey {
        // -0.0 and 0.0 are one label.
        HashKey::F(if *self == 0.0 { 0 } else { self.to_bits() })
    }
}

impl Key for i64 {
    fn distance(&self, other: &Self) -> Option<f64> {
        Some((i128::from(*self) - i128::from(*other)).unsigned_abs() as f64)
    }
    fn hash_key(&self) -> HashKey {
        HashKey::I(*self)
    }
}

impl Key for String {
    fn distance(&self, _other: &Self) -> Option<f64> {
        None
    }
    fn hash_key(&self) -> HashKey {
        HashKey::S(self.clone())
    }
}

/// One label converted to the index's key type.
enum Target {
    Num(f64),
    Time(i64),
    Str(String),
    /// A datetime string naming a period `[start, end)` coarser than the index.
    Period(i64, i64),
}

impl Index {
    /// An index over `values` (1-D) for `dim`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `values` is not 1-D.
    pub fn new(dim: &str, values: NdArray) -> Result<Self> {
        if values.ndim() != 1 {
            return Err(Error::invalid_argument(
                "values",
                format!(
                    "an index on {dim:?} needs 1-D values, got shape {:?}",
                    values.shape()
                ),
            ));
        }
        Ok(Index {
            dim: dim.to_string(),
            values,
            cache: Arc::new(OnceLock::new()),
        })
    }

    /// The dimension indexed.
    pub fn dim(&self) -> &str {
        &self.dim
    }

    /// The labels.
    pub fn values(&self) -> &NdArray {
        &self.values
    }

    /// The number of labels.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when there are no labels.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// True when both indexes hold the same labels in the same order.
    pub fn equals(&self, other: &Index) -> bool {
        self.values.equals(&other.values)
    }

    /// The same labels indexing another dimension name.
    pub fn renamed(&self, dim: &str) -> Index {
        Index {
            dim: dim.to_string(),
            values: self.values.clone(),
            cache: Arc::clone(&self.cache),
        }
    }

    /// True when the labels never decrease (pandas' `is_monotonic_increasing`).
    pub fn is_monotonic_increasing(&self) -> bool {
        self.cache().order == Order::Increasing
    }

    /// True when the labels never increase; a single label is both.
    pub fn is_monotonic_decreasing(&self) -> bool {
        let c = self.cache();
        c.order == Order::Decreasing || (c.order == Order::Increasing && self.len() <= 1)
    }

    /// True when no label repeats.
    pub fn is_unique(&self) -> bool {
        self.cache().unique
    }

    /// The label at `pos`.
    ///
    /// # Errors
    /// [`Error::IndexOutOfBounds`] when `pos >= len`.
    pub fn label(&self, pos: usize) -> Result<Scalar> {
        self.values.get(&[pos])
    }

    fn cache(&self) -> &Cache {
        self.cache.get_or_init(|| Cache::build(&self.values))
    }

    /// The position of one label (exact match).
    ///
    /// # Errors
    /// [`Error::KeyNotFound`] naming the label and dim, with the nearest label as a hint;
    /// [`Error::InvalidSelection`] when the label's type does not fit the index or the
    /// label occurs more than once.
    pub fn get_loc(&self, label: &Scalar) -> Result<usize> {
        match self.sel(&Label::Value(label.clone()), None, None)? {
            Indexer::Pos(p) => usize::try_from(p).map_err(|_| Error::internal("negative loc")),
            _ => Err(Error::InvalidSelection {
                dim: self.dim.clone(),
                reason: format!("label {label} does not name exactly one position"),
            }),
        }
    }

    /// The position of every label in `labels` (1-D, same kind as the index), `None`
    /// where there is none (pandas' `get_indexer`, with `-1` as `None`).
    ///
    /// # Errors
    /// [`Error::InvalidSelection`] when the label kinds differ (numbers vs strings vs
    /// datetimes, or two calendars), when an exact lookup meets a non-unique index, when
    /// a method meets a non-monotonic index, or `nearest`/`tolerance` meets strings.
    pub fn get_indexer(
        &self,
        labels: &NdArray,
        method: Option<Method>,
        tolerance: Option<f64>,
    ) -> Result<Vec<Option<usize>>> {
        let c = self.cache();
        let other = Keys::from_values(labels);
        self.check_method(method, tolerance)?;
        if method.is_none() && !c.unique {
            return Err(self.invalid("cannot look up labels in an index with duplicate values"));
        }
        match (&c.keys, &other) {
            (Keys::Num(k), Keys::Num(t)) => Ok(t
                .iter()
                .map(|t| self.locate(k, t, method, tolerance))
                .collect()),
            (Keys::Time(k, a), Keys::Time(t, b)) if a == b => Ok(t
                .iter()
                .map(|t| self.locate(k, t, method, tolerance))
                .collect()),
            (Keys::Str(k), Keys::Str(t)) => Ok(t
                .iter()
                .map(|t| self.locate(k, t, method, tolerance))
                .collect()),
            _ => Err(self.invalid(&format!(
                "labels of dtype {} cannot be looked up in an index of dtype {}",
                labels.dtype(),
                self.values.dtype()
            ))),
        }
    }

    /// The positions a label selection picks, as an [`Indexer`] for `isel`: a scalar
    /// label gives [`Indexer::Pos`] (the dim is dropped), except a datetime string
    /// coarser than the index (`"2018-01"`), which gives the period as a slice; a label
    /// slice gives [`Indexer::Slice`] including both ends; a list gives [`Indexer::List`].
    ///
    /// # Errors
    /// [`Error::KeyNotFound`] for a missing label (naming it, the dim and the nearest
    /// label); [`Error::InvalidSelection`] for a label slice on a non-monotonic index, a
    /// method on a non-monotonic index or on a slice, a label of the wrong kind.
    pub fn sel(
        &self,
        label: &Label,
        method: Option<Method>,
        tolerance: Option<f64>,
    ) -> Result<Indexer> {
        self.check_method(method, tolerance)?;
        match label {
            Label::Value(v) => match self.target(v)? {
                Target::Period(start, end) => self.period(v, start, end),
                t => {
                    let positions = self.find(&t, method, tolerance);
                    match positions.as_slice() {
                        [] => Err(self.not_found(v, &t, tolerance)),
                        [p] => Ok(Indexer::Pos(as_isize(*p))),
                        many => Ok(Indexer::List(many.iter().map(|&p| as_isize(p)).collect())),
                    }
                }
            },
            Label::List(labels) => {
                let mut out = Vec::with_capacity(labels.len());
                for v in labels {
                    let t = match self.target(v)? {
                        Target::Period(start, _) => Target::Time(start),
                        t => t,
                    };
                    match self.find(&t, method, tolerance).as_slice() {
                        [p] => out.push(as_isize(*p)),
                        [] => return Err(self.not_found(v, &t, tolerance)),
                        _ => {
                            return Err(self.invalid(&format!(
                            "label {v} occurs more than once; a list selection needs unique labels"
                        )))
                        }
                    }
                }
                Ok(Indexer::List(out))
            }
            Label::Points { dim, labels } => {
                match self.sel(&Label::List(labels.clone()), method, tolerance)? {
                    Indexer::List(positions) => Ok(Indexer::Points {
                        dim: dim.clone(),
                        positions,
                    }),
                    _ => Err(Error::internal(
                        "a list of labels selects a list of positions",
                    )),
                }
            }
            Label::Slice(a, b) => {
                if method.is_some() || tolerance.is_some() {
                    return Err(self.invalid("method and tolerance do not apply to slices"));
                }
                let (start, stop) = self.slice_locs(a.as_ref(), b.as_ref())?;
                Ok(Indexer::Slice {
                    start: Some(as_isize(start)),
                    stop: Some(as_isize(stop)),
                    step: 1,
                })
            }
        }
    }

    fn invalid(&self, reason: &str) -> Error {
        Error::InvalidSelection {
            dim: self.dim.clone(),
            reason: reason.to_string(),
        }
    }

    fn check_method(&self, method: Option<Method>, tolerance: Option<f64>) -> Result<()> {
        let c = self.cache();
        if let Some(m) = method {
            if c.order == Order::Unordered {
                return Err(self.invalid(&format!(
                    "method {m:?} needs a monotonic increasing or decreasing index"
                )));
            }
            if m == Method::Nearest && matches!(c.keys, Keys::Str(_)) {
                return Err(self.invalid("method Nearest needs numbers or datetimes, not strings"));
            }
        }
        if let Some(t) = tolerance {
            if method.is_none() {
                return Err(self.invalid("tolerance needs a method (Nearest, Pad or Backfill)"));
            }
            if matches!(c.keys, Keys::Str(_)) {
                return Err(self.invalid("tolerance needs numbers or datetimes, not strings"));
            }
            if t.is_nan() || t < 0.0 {
                return Err(self.invalid(&format!("tolerance must be >= 0, got {t}")));
            }
        }
        Ok(())
    }

    /// Converts a label to the index's key type.
    fn target(&self, label: &Scalar) -> Result<Target> {
        let c = self.cache();
        let mismatch = || {
            self.invalid(&format!(
                "label {} of dtype {} does not fit an index of dtype {}",
                quoted(label),
                NdArray::from_scalar(label).dtype(),
                self.values.dtype()
            ))
        };
        match (&c.keys, label) {
            (Keys::Num(_), Scalar::Str(_) | Scalar::DateTime(..)) => Err(mismatch()),
            (Keys::Num(_), v) => v.as_f64().map(Target::Num).ok_or_else(mismatch),
            (Keys::Time(_, cal), Scalar::DateTime(t, c2)) if cal == c2 => Ok(Target::Time(*t)),
            (Keys::Time(_, cal), Scalar::Str(s)) => {
                let (start, end) = crate::time::parse_partial_datetime(s, *cal)?;
                if end - start <= c.resolution {
                    Ok(Target::Time(start))
                } else {
                    Ok(Target::Period(start, end))
                }
            }
            (Keys::Str(_), Scalar::Str(s)) => Ok(Target::Str(s.clone())),
            _ => Err(mismatch()),
        }
    }

    /// The positions of one label: all equal labels for an exact lookup, at most one
    /// with a method.
    fn find(&self, t: &Target, method: Option<Method>, tol: Option<f64>) -> Vec<usize> {
        let c = self.cache();
        match (&c.keys, t) {
            (Keys::Num(k), Target::Num(t)) => self.find_in(k, t, method, tol),
            (Keys::Time(k, _), Target::Time(t)) => self.find_in(k, t, method, tol),
            (Keys::Str(k), Target::Str(t)) => self.find_in(k, t, method, tol),
            _ => Vec::new(),
        }
    }

    fn find_in<K: Key>(
        &self,
        keys: &[K],
        t: &K,
        method: Option<Method>,
        tol: Option<f64>,
    ) -> Vec<usize> {
        let c = self.cache();
        if method.is_some() || c.unique {
            return self.locate(keys, t, method, tol).into_iter().collect();
        }
        match c.order {
            Order::Increasing => {
                (keys.partition_point(|k| k < t)..keys.partition_point(|k| k <= t)).collect()
            }
            Order::Decreasing => {
                (keys.partition_point(|k| k > t)..keys.partition_point(|k| k >= t)).collect()
            }
            Order::Unordered => (0..keys.len()).filter(|&i| keys[i] == *t).collect(),
        }
    }

    /// pandas' `get_indexer` for one target on a unique index (or any monotonic index
    /// with a method).
    fn locate<K: Key>(
        &self,
        keys: &[K],
        t: &K,
        method: Option<Method>,
        tol: Option<f64>,
    ) -> Option<usize> {
        let c = self.cache();
        let inc = c.order == Order::Increasing;
        let n = keys.len();
        let pad = || {
            if inc {
                keys.partition_point(|k| k <= t).checked_sub(1)
            } else {
                keys.partition_point(|k| k >= t).checked_sub(1)
            }
        };
        let backfill = || {
            let i = if inc {
                keys.partition_point(|k| k < t)
            } else {
                keys.partition_point(|k| k > t)
            };
            (i < n).then_some(i)
        };
        let dist = |i: usize| keys[i].distance(t).unwrap_or(f64::INFINITY);
        let found = match method {
            None => match c.order {
                Order::Unordered => {
                    let map = c.lookup.get_or_init(|| {
                        let mut m = HashMap::with_capacity(n);
                        for (i, k) in keys.iter().enumerate() {
                            m.entry(k.hash_key()).or_insert(i);
                        }
                        m
                    });
                    map.get(&t.hash_key()).copied()
                }
                _ => backfill().filter(|&i| keys[i] == *t),
            },
            Some(Method::Pad) => pad(),
            Some(Method::Backfill) => backfill(),
            Some(Method::Nearest) => match (pad(), backfill()) {
                (Some(l), Some(r)) => {
                    let (dl, dr) = (dist(l), dist(r));
                    Some(if (inc && dl < dr) || (!inc && dl <= dr) {
                        l
                    } else {
                        r
                    })
                }
                (l, r) => l.or(r),
            },
        };
        match tol {
            Some(tol) => found.filter(|&i| dist(i) <= tol),
            None => found,
        }
    }

    /// The positions in the period `[start, end)` named by a partial datetime string.
    fn period(&self, label: &Scalar, start: i64, end: i64) -> Result<Indexer> {
        let c = self.cache();
        let Keys::Time(keys, cal) = &c.keys else {
            return Err(Error::internal("a period label on a non-datetime index"));
        };
        let hint = || Error::KeyNotFound {
            label: quoted(label),
            dim: self.dim.clone(),
            hint: format!(
                " (no label falls in [{}, {}))",
                Scalar::DateTime(start, *cal),
                Scalar::DateTime(end, *cal)
            ),
        };
        match c.order {
            Order::Unordered => {
                let hits: Vec<isize> = (0..keys.len())
                    .filter(|&i| keys[i] >= start && keys[i] < end)
                    .map(as_isize)
                    .collect();
                if hits.is_empty() {
                    return Err(hint());
                }
                Ok(Indexer::List(hits))
            }
            _ => {
                let bound = Bound {
                    lower: start,
                    upper: end,
                    inclusive: false,
                };
                let (i, j) = slice_positions(keys, c.order, Some(&bound), Some(&bound));
                if i == j {
                    return Err(hint());
                }
                Ok(Indexer::Slice {
                    start: Some(as_isize(i)),
                    stop: Some(as_isize(j)),
                    step: 1,
                })
            }
        }
    }

    /// The positions `[start, stop)` of a label slice including both ends (pandas'
    /// `slice_locs`); on a decreasing index `a` is the larger label.
    ///
    /// # Errors
    /// [`Error::InvalidSelection`] when the index is not monotonic or a label does not fit.
    pub fn slice_locs(&self, a: Option<&Scalar>, b: Option<&Scalar>) -> Result<(usize, usize)> {
        let c = self.cache();
        if c.order == Order::Unordered {
            return Err(self.invalid(
                "cannot select a label slice on an index that is neither monotonic increasing nor decreasing; sort it first",
            ));
        }
        let a = a.map(|v| self.target(v)).transpose()?;
        let b = b.map(|v| self.target(v)).transpose()?;
        let err = || self.invalid("slice bounds do not fit the index dtype");
        Ok(match &c.keys {
            Keys::Num(k) => {
                let conv = |t: &Target| match t {
                    Target::Num(v) => Some(Bound {
                        lower: *v,
                        upper: *v,
                        inclusive: true,
                    }),
                    _ => None,
                };
                let a = a.as_ref().map(|t| conv(t).ok_or_else(err)).transpose()?;
                let b = b.as_ref().map(|t| conv(t).ok_or_else(err)).transpose()?;
                slice_positions(k, c.order, a.as_ref(), b.as_ref())
            }
            Keys::Time(k, _) => {
                let conv = |t: &Target| match t {
                    Target::Time(v) => Some(Bound {
                        lower: *v,
                        upper: *v,
                        inclusive: true,
                    }),
                    Target::Period(s, e) => Some(Bound {
                        lower: *s,
                        upper: *e,
                        inclusive: false,
                    }),
                    _ => None,
                };
                let a = a.as_ref().map(|t| conv(t).ok_or_else(err)).transpose()?;
                let b = b.as_ref().map(|t| conv(t).ok_or_else(err)).transpose()?;
                slice_positions(k, c.order, a.as_ref(), b.as_ref())
            }
            Keys::Str(k) => {
                let conv = |t: &Target| match t {
                    Target::Str(v) => Some(Bound {
                        lower: v.clone(),
                        upper: v.clone(),
                        inclusive: true,
                    }),
                    _ => None,
                };
                let a = a.as_ref().map(|t| conv(t).ok_or_else(err)).transpose()?;
                let b = b.as_ref().map(|t| conv(t).ok_or_else(err)).transpose()?;
                slice_positions(k, c.order, a.as_ref(), b.as_ref())
            }
        })
    }

    fn not_found(&self, label: &Scalar, t: &Target, tolerance: Option<f64>) -> Error {
        let c = self.cache();
        let nearest = match (&c.keys, t) {
            (Keys::Num(k), Target::Num(t)) => nearest_any(k, t),
            (Keys::Time(k, _), Target::Time(t)) => nearest_any(k, t),
            _ => None,
        };
        let mut hint = String::new();
        if let Some(l) = nearest.and_then(|p| self.label(p).ok()) {
            hint.push_str(&format!("; the nearest label is {l}"));
        } else if self.is_empty() {
            hint.push_str("; the index is empty");
        }
        if let Some(tol) = tolerance {
            hint.push_str(&format!(" (tolerance {tol})"));
        }
        Error::KeyNotFound {
            label: quoted(label),
            dim: self.dim.clone(),
            hint,
        }
    }

    /// The argsort of the labels (stable; NaN last).
    pub(crate) fn argsort(&self) -> Vec<usize> {
        let c = self.cache();
        let mut idx: Vec<usize> = (0..self.len()).collect();
        match &c.keys {
            Keys::Num(k) => idx.sort_by(|&i, &j| k[i].total_cmp(&k[j])),
            Keys::Time(k, _) => idx.sort_by_key(|&i| k[i]),
            Keys::Str(k) => idx.sort_by(|&i, &j| k[i].cmp(&k[j])),
        }
        if let Keys::Num(k) = &c.keys {
            // total_cmp puts -NaN first; every NaN goes last, as pandas sorts.
            let (mut nums, nans): (Vec<usize>, Vec<usize>) =
                idx.into_iter().partition(|&i| !k[i].is_nan());
            nums.extend(nans);
            idx = nums;
        }
        idx
    }

    /// True when the labels are of a comparable kind (both numbers, both strings, or
    /// datetimes on one calendar).
    pub(crate) fn same_kind(&self, other: &Index) -> bool {
        matches!(
            (&self.cache().keys, &other.cache().keys),
            (Keys::Num(_), Keys::Num(_)) | (Keys::Str(_), Keys::Str(_))
        ) || matches!((&self.cache().keys, &other.cache().keys), (Keys::Time(_, a), Keys::Time(_, b)) if a == b)
    }
}

/// A label as the user would write it: strings quoted, everything else plain.
fn quoted(label: &Scalar) -> String {
    match label {
        Scalar::Str(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

fn as_isize(p: usize) -> isize {
    // Array lengths never exceed isize::MAX.
    isize::try_from(p).unwrap_or(isize::MAX)
}

/// One end of a label slice: a label (both bounds equal, inclusive) or a datetime
/// period `[lower, upper)`.
struct Bound<K> {
    lower: K,
    upper: K,
    inclusive: bool,
}

fn slice_positions<K: PartialOrd>(
    keys: &[K],
    order: Order,
    a: Option<&Bound<K>>,
    b: Option<&Bound<K>>,
) -> (usize, usize) {
    let n = keys.len();
    let (start, stop) = if order == Order::Decreasing {
        let start = a.map_or(0, |a| {
            if a.inclusive {
                keys.partition_point(|k| *k > a.upper)
            } else {
                keys.partition_point(|k| *k >= a.upper)
            }
        });
        let stop = b.map_or(n, |b| keys.partition_point(|k| *k >= b.lower));
        (start, stop)
    } else {
        let start = a.map_or(0, |a| keys.partition_point(|k| *k < a.lower));
        let stop = b.map_or(n, |b| {
            if b.inclusive {
                keys.partition_point(|k| *k <= b.upper)
            } else {
                keys.partition_point(|k| *k < b.upper)
            }
        });
        (start, stop)
    };
    (start, stop.max(start))
}

fn nearest_any<K: Key>(keys: &[K], t: &K) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, k) in keys.iter().enumerate() {
        if let Some(d) = k.distance(t) {
            if !d.is_nan() && best.is_none_or(|(_, b)| d < b) {
                best = Some((i, d));
            }
        }
    }
    best.map(|(i, _)| i)
}

impl Keys {
    fn from_values(values: &NdArray) -> Keys {
        match values {
            NdArray::DateTime(a, cal) => Keys::Time(a.iter().copied().collect(), *cal),
            NdArray::Str(a) => Keys::Str(a.iter().cloned().collect()),
            // Durations are numbers of microseconds; a timedelta label is one too.
            NdArray::TimeDelta(a) => Keys::Num(a.iter().map(|&t| t as f64).collect()),
            // Every other dtype is a number or a bool, which `to_f64_vec` handles.
            other => Keys::Num(other.to_f64_vec().unwrap_or_default()),
        }
    }
}

fn order_of<K: PartialOrd>(keys: &[K]) -> Order {
    if keys.windows(2).all(|w| w[0] <= w[1]) {
        Order::Increasing
    } else if keys.windows(2).all(|w| w[0] >= w[1]) {
        Order::Decreasing
    } else {
        Order::Unordered
    }
}

fn unique_of<K: Key>(keys: &[K], order: Order) -> bool {
    if order == Order::Unordered {
        let mut seen = std::collections::HashSet::with_capacity(keys.len());
        keys.iter().all(|k| seen.insert(k.hash_key()))
    } else {
        keys.windows(2).all(|w| w[0] != w[1])
    }
}

impl Cache {
    fn build(values: &NdArray) -> Cache {
        let keys = Keys::from_values(values);
        let (order, unique, resolution) = match &keys {
            Keys::Num(k) => {
                // NaN compares false both ways: an index with NaN is unordered.
                let o = if k.iter().any(|v| v.is_nan()) {
                    Order::Unordered
                } else {
                    order_of(k)
                };
                (o, unique_of(k, o), 0)
            }
            Keys::Time(k, _) => {
                let o = order_of(k);
                let res = [86_400, 3_600, 60, 1]
                    .into_iter()
                    .map(|s| s * TICKS_PER_SECOND)
                    .find(|&u| k.iter().all(|t| t.rem_euclid(u) == 0))
                    .unwrap_or(1);
                (o, unique_of(k, o), res)
            }
            Keys::Str(k) => {
                let o = order_of(k);
                (o, unique_of(k, o), 0)
            }
        };
        Cache {
            keys,
            order,
            unique,
            resolution,
            lookup: OnceLock::new(),
        }
    }
}
