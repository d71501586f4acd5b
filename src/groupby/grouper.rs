//! Groupers: labels factorized into integer codes (flox's first choice).
//!
//! Every grouper reads one 1-D coordinate (in memory: coordinates are small) and gives
//! [`Groups`]: one code per position along the coordinate's dim (-1 for "no group")
//! and the labels of the groups, in the order of the codes.

use std::cmp::Ordering;
use std::str::FromStr;

use ndarray::{ArcArray, IxDyn};

use crate::array::NdArray;
use crate::dataset::{Dataset, Variable};
use crate::error::{Error, Result};
use crate::time::components::{Component, SEASONS};
use crate::time::{Calendar, Frequency, NAT, TICKS_PER_DAY};

/// Labels factorized into codes along one dim.
#[derive(Debug, Clone)]
pub struct Groups {
    /// The grouped dim.
    pub dim: String,
    /// The name of the group dim and coordinate of results (`"season"`, `"time_bins"`).
    pub name: String,
    /// One label per group (1-D), in code order.
    pub labels: NdArray,
    /// One code per position along `dim`: the group's index in `labels`, or -1.
    pub codes: Vec<i64>,
}

impl Groups {
    /// The number of groups.
    pub fn ngroups(&self) -> usize {
        self.labels.len()
    }

    /// The positions along the grouped dim of each group's members, in code order.
    pub fn positions(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.ngroups()];
        for (p, &c) in self.codes.iter().enumerate() {
            if let Some(v) = usize::try_from(c).ok().and_then(|c| out.get_mut(c)) {
                v.push(p);
            }
        }
        out
    }

    /// True when some group has no member (empty bins of `groupby_bins` or `resample`).
    pub fn has_empty(&self) -> bool {
        self.positions().iter().any(Vec::is_empty)
    }
}

/// The edges and options of [`Grouper::Bins`]: `Bins::new(vec![0., 10., 20.])`.
#[derive(Debug, Clone)]
pub struct Bins {
    edges: Vec<f64>,
    labels: Option<NdArray>,
    right: bool,
}

impl Bins {
    /// Bins between consecutive `edges`, closed on the right as in xarray/pandas.
    pub fn new(edges: Vec<f64>) -> Self {
        Bins {
            edges,
            labels: None,
            right: true,
        }
    }

    /// Labels of the bins (one fewer than the edges) instead of interval strings.
    pub fn labels(mut self, labels: impl Into<NdArray>) -> Self {
        self.labels = Some(labels.into());
        self
    }

    /// Closed on the right (`(a, b]`, the default) or on the left (`[a, b)`).
    pub fn right(mut self, right: bool) -> Self {
        self.right = right;
        self
    }
}

/// What to group by.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Grouper {
    /// The unique values of a 1-D coordinate, sorted.
    Values(String),
    /// A datetime component of a 1-D datetime coordinate (`"time.month"`); seasons come
    /// in calendar order DJF, MAM, JJA, SON.
    Component {
        /// The datetime coordinate.
        coord: String,
        /// The component.
        component: Component,
        /// The component's xarray name, used for the group dim.
        name: String,
    },
    /// Bins of a numeric 1-D coordinate.
    Bins {
        /// The coordinate.
        coord: String,
        /// Edges and options.
        bins: Bins,
    },
    /// Periods of a frequency over a datetime coordinate (`resample`); every period
    /// between the first and the last is a group, empty or not.
    Resample {
        /// The datetime coordinate.
        coord: String,
        /// The frequency.
        freq: Frequency,
    },
}

impl Grouper {
    /// The grouper of `groupby(key)`: a variable of that name, otherwise
    /// `"<coord>.<component>"`.
    ///
    /// # Errors
    /// [`Error::VarNotFound`] when neither `key` nor the part before its last `.` is a
    /// variable; a time error for an unknown component.
    pub fn from_key(ds: &Dataset, key: &str) -> Result<Grouper> {
        if ds.variables().contains_key(key) {
            return Ok(Grouper::Values(key.to_string()));
        }
        if let Some((coord, comp)) = key.rsplit_once('.') {
            if ds.variables().contains_key(coord) {
                return Ok(Grouper::Component {
                    coord: coord.to_string(),
                    component: Component::from_str(comp)?,
                    name: comp.to_string(),
                });
            }
        }
        Err(Error::VarNotFound {
            name: key.to_string(),
            context: "the Dataset to group (nor a virtual \"<coord>.<component>\")".into(),
            available: ds.variables().keys().cloned().collect(),
        })
    }

    /// Factorizes the grouper's coordinate of `ds`.
    ///
    /// # Errors
    /// [`Error::VarNotFound`] for a missing coordinate; [`Error::Grouping`] for a
    /// coordinate that is not 1-D, of the wrong dtype (datetimes for components and
    /// resample, numbers for bins); [`Error::InvalidArgument`] for bin edges that do not increase or labels of the
    /// wrong length, or a resample with no valid time.
    pub fn factorize(&self, ds: &Dataset) -> Result<Groups> {
        match self {
            Grouper::Values(coord) => {
                let (dim, values) = coord_1d(ds, coord)?;
                let (reps, codes) = factorize_values(&values, coord)?;
                Ok(Groups {
                    dim,
                    name: coord.clone(),
                    labels: values.take(0, &reps)?,
                    codes,
                })
            }
            Grouper::Component {
                coord,
                component,
                name,
            } => {
                let (dim, values) = coord_1d(ds, coord)?;
                let (ticks, cal) = datetimes(&values, coord, &format!("{coord}.{name}"))?;
                let comp = component.compute(&ticks, cal);
                let keys: Vec<Option<i64>> = ticks
                    .iter()
                    .zip(comp)
                    .map(|(&t, c)| (t != NAT).then_some(c))
                    .collect();
                let (reps, codes) = factorize_keys(&keys);
                let uniq: Vec<i64> = reps.iter().filter_map(|&r| keys[r]).collect();
                let labels = if *component == Component::Season {
                    let names: Vec<&str> = uniq
                        .iter()
                        .map(|&s| SEASONS.get(s as usize).copied().unwrap_or("?"))
                        .collect();
                    NdArray::from(names)
                } else {
                    NdArray::from(uniq)
                };
                Ok(Groups {
                    dim,
                    name: name.clone(),
                    labels,
                    codes,
                })
            }
            Grouper::Bins { coord, bins } => factorize_bins(ds, coord, bins),
            Grouper::Resample { coord, freq } => factorize_resample(ds, coord, *freq),
        }
    }
}

/// The dim and values of the 1-D variable `coord`.
fn coord_1d(ds: &Dataset, coord: &str) -> Result<(String, NdArray)> {
    let var: &Variable = ds.variable(coord)?;
    if var.ndim() != 1 {
        return Err(Error::Grouping {
            group: coord.to_string(),
            reason: format!("it has dims {:?}; groups need a 1-D coordinate", var.dims()),
        });
    }
    Ok((var.dims()[0].clone(), var.values()?))
}

fn datetimes(values: &NdArray, coord: &str, what: &str) -> Result<(Vec<i64>, Calendar)> {
    match values {
        NdArray::DateTime(t, cal) => Ok((t.iter().copied().collect(), *cal)),
        other => Err(Error::Grouping {
            group: coord.to_string(),
            reason: format!(
                "{what} needs datetime values, found dtype {}",
                other.dtype()
            ),
        }),
    }
}

/// Sorted unique keys: the position of each unique key's first occurrence, in sorted
/// order, and every position's code (-1 for `None`).
fn factorize_keys<K: Ord>(keys: &[Option<K>]) -> (Vec<usize>, Vec<i64>) {
    let mut order: Vec<usize> = (0..keys.len()).filter(|&i| keys[i].is_some()).collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]).then(a.cmp(&b)));
    let mut codes = vec![-1; keys.len()];
    let mut reps: Vec<usize> = Vec::new();
    for &i in &order {
        match reps.last() {
            Some(&r) if keys[r] == keys[i] => {}
            _ => reps.push(i),
        }
        codes[i] = reps.len() as i64 - 1;
    }
    (reps, codes)
}

/// An f64 ordered by `total_cmp`.
#[derive(Debug, Clone, Copy)]
struct Total(f64);

impl PartialEq for Total {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Total {}
impl PartialOrd for Total {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Total {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

fn factorize_values(values: &NdArray, coord: &str) -> Result<(Vec<usize>, Vec<i64>)> {
    Ok(match values {
        NdArray::Str(a) => factorize_keys(&a.iter().map(Some).collect::<Vec<_>>()),
        NdArray::DateTime(a, _) => factorize_keys(
            &a.iter()
                .map(|&t| (t != NAT).then_some(t))
                .collect::<Vec<_>>(),
        ),
        NdArray::F32(_) | NdArray::F64(_) => {
            let v = values.to_f64_vec()?;
            factorize_keys(
                &v.iter()
                    .map(|&x| (!x.is_nan()).then_some(Total(x)))
                    .collect::<Vec<_>>(),
            )
        }
        NdArray::U64(a) => factorize_keys(&a.iter().map(Some).collect::<Vec<_>>()),
        other => {
            let ints = other
                .astype(crate::array::DType::I64)
                .map_err(|_| Error::Grouping {
                    group: coord.to_string(),
                    reason: format!("dtype {} has no labels to group", other.dtype()),
                })?;
            let a = ints
                .as_array::<i64>()
                .ok_or_else(|| Error::internal("astype(i64) gives i64"))?;
            factorize_keys(&a.iter().map(Some).collect::<Vec<_>>())
        }
    })
}

/// pandas' interval string, with Python's float formatting: `(0.0, 1.5]`.
fn interval_label(a: f64, b: f64, right: bool) -> String {
    let (open, close) = if right { ("(", "]") } else { ("[", ")") };
    format!("{open}{}, {}{close}", py_float(a), py_float(b))
}

fn py_float(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

fn factorize_bins(ds: &Dataset, coord: &str, bins: &Bins) -> Result<Groups> {
    let (dim, values) = coord_1d(ds, coord)?;
    let edges = &bins.edges;
    if edges.len() < 2 || edges.windows(2).any(|w| w[0] >= w[1] || w[0].is_nan()) {
        return Err(Error::invalid_argument("bins", format!(
            "groupby_bins on {coord:?}: bin edges must increase strictly, with at least two, got {edges:?}"
        )));
    }
    let nbins = edges.len() - 1;
    let labels = match &bins.labels {
        Some(l) if l.shape() != [nbins] => {
            return Err(Error::invalid_argument(
                "bins",
                format!(
                "groupby_bins on {coord:?}: {} edges make {nbins} bins, but labels have shape {:?}",
                edges.len(),
                l.shape()
            ),
            ))
        }
        Some(l) => l.clone(),
        None => NdArray::from(
            edges
                .windows(2)
                .map(|w| interval_label(w[0], w[1], bins.right))
                .collect::<Vec<String>>(),
        ),
    };
    let x = values
        .astype(crate::array::DType::F64)
        .map_err(|_| Error::Grouping {
            group: coord.to_string(),
            reason: format!("groupby_bins needs numbers, found dtype {}", values.dtype()),
        })?;
    let codes = x
        .to_f64_vec()?
        .iter()
        .map(|&v| {
            if v.is_nan() {
                return -1;
            }
            // The number of edges below v (or at most v, closed left).
            let k = if bins.right {
                edges.partition_point(|&e| e < v)
            } else {
                edges.partition_point(|&e| e <= v)
            };
            if k == 0 || k > nbins {
                -1
            } else {
                k as i64 - 1
            }
        })
        .collect();
    Ok(Groups {
        dim,
        name: format!("{coord}_bins"),
        labels,
        codes,
    })
}

/// Periods beyond which a resample is refused (a typo like `"us"` over centuries).
const MAX_PERIODS: usize = 50_000_000;

fn factorize_resample(ds: &Dataset, coord: &str, freq: Frequency) -> Result<Groups> {
    let (dim, values) = coord_1d(ds, coord)?;
    let (ticks, cal) = datetimes(&values, coord, &format!("resample of {coord:?} to {freq}"))?;
    let valid = || ticks.iter().copied().filter(|&t| t != NAT);
    let (Some(lo), Some(hi)) = (valid().min(), valid().max()) else {
        return Err(Error::Grouping {
            group: coord.to_string(),
            reason: format!("resample to {freq}: the coordinate has no valid time"),
        });
    };
    // Fixed frequencies count from midnight of the first day (xarray's default
    // `origin="start_day"`); calendar frequencies from their anchored months.
    let floor = |t: i64| -> Result<i64> {
        match freq.fixed_ticks() {
            Some(step) => {
                let origin = lo.div_euclid(TICKS_PER_DAY) * TICKS_PER_DAY;
                Ok(origin + (t - origin).div_euclid(step) * step)
            }
            None => Ok(freq.floor(t, cal)?),
        }
    };
    let first = floor(lo)?;
    let last = floor(hi)?;
    let periods = freq
        .fixed_ticks()
        .map(|step| ((last - first) / step) as usize + 1);
    if periods.is_some_and(|p| p > MAX_PERIODS) {
        return Err(Error::Grouping {
            group: coord.to_string(),
            reason: format!("resample to {freq} makes more than {MAX_PERIODS} periods"),
        });
    }
    let mut starts = vec![first];
    while let Some(&s) = starts.last() {
        if s >= last {
            break;
        }
        if starts.len() > MAX_PERIODS {
            return Err(Error::Grouping {
                group: coord.to_string(),
                reason: format!("resample to {freq} makes more than {MAX_PERIODS} periods"),
            });
        }
        starts.push(match freq.fixed_ticks() {
            Some(step) => s + step,
            None => freq.next(s, cal)?,
        });
    }
    let codes = ticks
        .iter()
        .map(|&t| {
            if t == NAT {
                return Ok(-1);
            }
            let f = floor(t)?;
            Ok(starts.binary_search(&f).map_or(-1, |i| i as i64))
        })
        .collect::<Result<Vec<i64>>>()?;
    let labels = match freq.fixed_ticks() {
        Some(_) => starts,
        None => starts
            .iter()
            .map(|&s| freq.label(s, cal))
            .collect::<Result<Vec<i64>, _>>()?,
    };
    let n = labels.len();
    let labels = ArcArray::from_shape_vec(IxDyn(&[n]), labels)
        .map_err(|_| Error::internal("labels are 1-D"))?;
    Ok(Groups {
        dim,
        name: coord.to_string(),
        labels: NdArray::DateTime(labels, cal),
        codes,
    })
}
