//! The aggregation table: one record per aggregation saying how it splits into chunk →
//! combine → finalize, what a group without members gives and which dtype it returns
//! (flox's `Aggregation`, `flox/aggregations.py`).
//!
//! Plain reductions and grouped ones read the same records: a plain reduction is the
//! grouped one with a single group (its kernels reduce several axes at once, see
//! `reduce`), a grouped one gives each group its own partial along one axis (see
//! `grouped`). How chunks meet is a separate [`Method`], chosen by the caller: per-chunk
//! partials combined in a tree, or every member of a group (or lane) in one task.

mod grouped;
mod reduce;
mod weighted;

use std::fmt;

pub(crate) use self::grouped::GroupPlan;
pub(crate) use self::reduce::ReducePlan;
pub(crate) use self::weighted::weighted_sums;
use super::kernels::{QuantileMethod, Reduction};
use super::DType;
use crate::error::{Error, Result};

/// One column of a chunk's partial (flox's `chunk` functions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Intermediate {
    /// Sum of the values (skipping NaN with `skipna`).
    Sum,
    /// Product of the values.
    Prod,
    /// Number of non-NaN values.
    Count,
    /// Sum of weight × value over non-NaN values.
    WeightedSum,
    /// Sum of the weights of non-NaN values.
    Weight,
    /// Mean of the chunk's values (with [`Intermediate::Count`] and
    /// [`Intermediate::M2`]: the moments that [`Combine::Moments`] merges).
    Mean,
    /// Sum of squared deviations from the chunk's mean.
    M2,
    /// Minimum.
    Min,
    /// Maximum.
    Max,
    /// The first value by position.
    First,
    /// The last value by position.
    Last,
    /// Whether every value is non-zero.
    All,
    /// Whether any value is non-zero.
    Any,
}

impl Intermediate {
    /// The lane reduction computing this column of a plain reduction's partial, and the
    /// one merging the columns of several partials; `None` for grouped-only columns.
    pub(crate) fn reductions(self) -> Option<(Reduction, Reduction)> {
        Some(match self {
            Intermediate::Sum => (Reduction::Sum, Reduction::Sum),
            Intermediate::Prod => (Reduction::Prod, Reduction::Prod),
            Intermediate::Count => (Reduction::Count, Reduction::Sum),
            Intermediate::Min => (Reduction::Min, Reduction::Min),
            Intermediate::Max => (Reduction::Max, Reduction::Max),
            Intermediate::All => (Reduction::All, Reduction::All),
            Intermediate::Any => (Reduction::Any, Reduction::Any),
            _ => return None,
        })
    }
}

/// How partials of the same output merge (flox's `combine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Combine {
    /// Each column by its own rule: sums and counts add, products multiply, extremes
    /// compare, first/last keep the earliest/latest position, all/any and/or.
    Columns,
    /// `(count, mean, M2)` by Chan et al.'s pairwise update.
    Moments,
    /// Nothing to merge: every member is needed at once.
    Holistic,
}

/// How the combined partial becomes the result (flox's `finalize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finalize {
    /// The first column as it is.
    Value,
    /// The first column divided by the second; the fill value where the second is 0.
    Ratio,
    /// `M2 / (count - ddof)` from the moments, or its square root.
    Variance {
        /// Take the square root (standard deviation).
        std: bool,
    },
    /// Computed from all the members at once (median, quantile, argmin, argmax).
    Whole,
}

/// What a group (or lane) with no non-NaN member gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FillValue {
    /// 0 (sum, count).
    Zero,
    /// 1 (prod).
    One,
    /// NaN.
    NaN,
    /// `true` (all).
    True,
    /// `false` (any).
    False,
}

impl FillValue {
    /// The fill value as f64.
    pub fn as_f64(self) -> f64 {
        match self {
            FillValue::Zero | FillValue::False => 0.0,
            FillValue::One | FillValue::True => 1.0,
            FillValue::NaN => f64::NAN,
        }
    }
}

/// The result dtype for each input dtype (numpy's and xarray's rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DTypeRule {
    /// Signed integers and bools give `i64`, unsigned `u64`, floats stay.
    Sum,
    /// `f32` stays `f32`, everything else gives `f64`.
    Float,
    /// `i64`.
    Count,
    /// The input dtype.
    Same,
    /// `bool`.
    Bool,
    /// `i64` positions.
    Index,
    /// `f64` whatever the input (numpy's quantile of a list of `q`, even for `f32`).
    F64,
}

impl DTypeRule {
    /// The result dtype for input of `dtype`.
    pub fn apply(self, dtype: DType) -> DType {
        match self {
            DTypeRule::Sum => match dtype {
                DType::F32 | DType::F64 => dtype,
                DType::U8 | DType::U16 | DType::U32 | DType::U64 => DType::U64,
                _ => DType::I64,
            },
            DTypeRule::Float => float_of(dtype),
            DTypeRule::Count | DTypeRule::Index => DType::I64,
            DTypeRule::Same => dtype,
            DTypeRule::Bool => DType::Bool,
            DTypeRule::F64 => DType::F64,
        }
    }
}

fn float_of(dtype: DType) -> DType {
    if dtype == DType::F32 {
        DType::F32
    } else {
        DType::F64
    }
}

/// The type partial columns accumulate in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Accumulate {
    /// The input's own type, widened: integer sums and products stay exact integers.
    Native,
    /// `f64` (mean, variance).
    F64,
}

/// One aggregation, described as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Aggregation {
    /// xarray's method name.
    pub name: &'static str,
    /// The columns of a chunk's partial; empty when the aggregation does not decompose.
    pub chunk: &'static [Intermediate],
    /// How partials merge.
    pub combine: Combine,
    /// How the merged partial becomes the result.
    pub finalize: Finalize,
    /// What a group without non-NaN members gives.
    pub fill_value: FillValue,
    /// The result dtype.
    pub dtype: DTypeRule,
    /// The type the partials accumulate in.
    pub accumulate: Accumulate,
}

impl Aggregation {
    /// True when the aggregation splits into per-chunk partials.
    pub fn decomposes(&self) -> bool {
        !self.chunk.is_empty()
    }

    /// The method used unless the caller picks one: map-reduce when the aggregation
    /// decomposes, else blockwise.
    pub fn default_method(&self) -> Method {
        if self.decomposes() {
            Method::MapReduce
        } else {
            Method::Blockwise
        }
    }
}

const fn columns(
    name: &'static str,
    chunk: &'static [Intermediate],
    finalize: Finalize,
    fill_value: FillValue,
    dtype: DTypeRule,
    accumulate: Accumulate,
) -> Aggregation {
    Aggregation {
        name,
        chunk,
        combine: Combine::Columns,
        finalize,
        fill_value,
        dtype,
        accumulate,
    }
}

const fn holistic(name: &'static str, dtype: DTypeRule) -> Aggregation {
    Aggregation {
        name,
        chunk: &[],
        combine: Combine::Holistic,
        finalize: Finalize::Whole,
        fill_value: FillValue::NaN,
        dtype,
        accumulate: Accumulate::F64,
    }
}

const fn moments(name: &'static str, std: bool) -> Aggregation {
    Aggregation {
        name,
        chunk: &[Intermediate::Count, Intermediate::Mean, Intermediate::M2],
        combine: Combine::Moments,
        finalize: Finalize::Variance { std },
        fill_value: FillValue::NaN,
        dtype: DTypeRule::Float,
        accumulate: Accumulate::F64,
    }
}

use self::{Accumulate as Acc, DTypeRule as Rule, FillValue as Fill, Intermediate as I};

/// The table.
pub mod table {
    use super::*;

    /// Sum.
    pub const SUM: Aggregation = columns(
        "sum",
        &[I::Sum],
        Finalize::Value,
        Fill::Zero,
        Rule::Sum,
        Acc::Native,
    );
    /// Product.
    pub const PROD: Aggregation = columns(
        "prod",
        &[I::Prod],
        Finalize::Value,
        Fill::One,
        Rule::Sum,
        Acc::Native,
    );
    /// Number of non-NaN values.
    pub const COUNT: Aggregation = columns(
        "count",
        &[I::Count],
        Finalize::Value,
        Fill::Zero,
        Rule::Count,
        Acc::Native,
    );
    /// Mean.
    pub const MEAN: Aggregation = columns(
        "mean",
        &[I::Sum, I::Count],
        Finalize::Ratio,
        Fill::NaN,
        Rule::Float,
        Acc::F64,
    );
    /// Mean weighted by per-position weights.
    pub const WEIGHTED_MEAN: Aggregation = columns(
        "weighted mean",
        &[I::WeightedSum, I::Weight],
        Finalize::Ratio,
        Fill::NaN,
        Rule::Float,
        Acc::F64,
    );
    /// Variance.
    pub const VAR: Aggregation = moments("var", false);
    /// Standard deviation.
    pub const STD: Aggregation = moments("std", true);
    /// Minimum.
    pub const MIN: Aggregation = columns(
        "min",
        &[I::Min],
        Finalize::Value,
        Fill::NaN,
        Rule::Same,
        Acc::Native,
    );
    /// Maximum.
    pub const MAX: Aggregation = columns(
        "max",
        &[I::Max],
        Finalize::Value,
        Fill::NaN,
        Rule::Same,
        Acc::Native,
    );
    /// First value by position.
    pub const FIRST: Aggregation = columns(
        "first",
        &[I::First],
        Finalize::Value,
        Fill::NaN,
        Rule::Same,
        Acc::Native,
    );
    /// Last value by position.
    pub const LAST: Aggregation = columns(
        "last",
        &[I::Last],
        Finalize::Value,
        Fill::NaN,
        Rule::Same,
        Acc::Native,
    );
    /// Whether every value is non-zero.
    pub const ALL: Aggregation = columns(
        "all",
        &[I::All],
        Finalize::Value,
        Fill::True,
        Rule::Bool,
        Acc::Native,
    );
    /// Whether any value is non-zero.
    pub const ANY: Aggregation = columns(
        "any",
        &[I::Any],
        Finalize::Value,
        Fill::False,
        Rule::Bool,
        Acc::Native,
    );
    /// Median.
    pub const MEDIAN: Aggregation = holistic("median", Rule::Float);
    /// Quantile (numpy's linear interpolation).
    pub const QUANTILE: Aggregation = holistic("quantile", Rule::Float);
    /// Quantiles of a plain reduction (`DataArray::quantile`) by numpy's `linear`
    /// method: `f64` even for `f32`, as numpy gives for a list of `q`.
    pub const QUANTILE_LINEAR: Aggregation = holistic("quantile", Rule::F64);
    /// Quantile by numpy's `nearest` method: one of the values, so the input dtype.
    pub const QUANTILE_NEAREST: Aggregation = holistic("quantile", Rule::Same);
    /// Position of the minimum.
    pub const ARGMIN: Aggregation = holistic("argmin", Rule::Index);
    /// Position of the maximum.
    pub const ARGMAX: Aggregation = holistic("argmax", Rule::Index);
}

/// How chunks meet (flox's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// One partial per input chunk, combined in a tree, finalized per output block.
    MapReduce,
    /// Every member of a group (or reduced lane) pulled into one task.
    Blockwise,
}

impl Reduction {
    /// The record of this reduction in the aggregation table.
    pub fn aggregation(self) -> &'static Aggregation {
        match self {
            Reduction::Sum => &table::SUM,
            Reduction::Mean => &table::MEAN,
            Reduction::Std => &table::STD,
            Reduction::Var => &table::VAR,
            Reduction::Min => &table::MIN,
            Reduction::Max => &table::MAX,
            Reduction::Median => &table::MEDIAN,
            Reduction::Prod => &table::PROD,
            Reduction::Count => &table::COUNT,
            Reduction::ArgMin => &table::ARGMIN,
            Reduction::ArgMax => &table::ARGMAX,
            Reduction::All => &table::ALL,
            Reduction::Any => &table::ANY,
            Reduction::Quantile(q) => match q.method() {
                QuantileMethod::Linear => &table::QUANTILE_LINEAR,
                QuantileMethod::Nearest => &table::QUANTILE_NEAREST,
            },
        }
    }
}

/// An aggregation of the members of each group.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum GroupAgg {
    /// Sum (an empty or all-NaN group gives 0, as xarray); integers stay exact integers.
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
    /// The record of this aggregation in the table.
    pub fn aggregation(self) -> &'static Aggregation {
        match self {
            GroupAgg::Sum => &table::SUM,
            GroupAgg::Prod => &table::PROD,
            GroupAgg::Count => &table::COUNT,
            GroupAgg::Mean => &table::MEAN,
            GroupAgg::WeightedMean => &table::WEIGHTED_MEAN,
            GroupAgg::Var => &table::VAR,
            GroupAgg::Std => &table::STD,
            GroupAgg::Min => &table::MIN,
            GroupAgg::Max => &table::MAX,
            GroupAgg::First => &table::FIRST,
            GroupAgg::Last => &table::LAST,
            GroupAgg::Median => &table::MEDIAN,
            GroupAgg::Quantile(_) => &table::QUANTILE,
        }
    }

    /// xarray's method name.
    pub fn name(self) -> &'static str {
        self.aggregation().name
    }

    /// True when the aggregation splits into per-chunk partials; median and quantile
    /// need every member of a group at once.
    pub fn decomposes(self) -> bool {
        self.aggregation().decomposes()
    }

    /// The result dtype for data of `dtype`; `has_empty` says whether some group has no
    /// member (bins and resample periods): as in xarray, such groups are NaN whatever
    /// the aggregation, so integer results become floats.
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] for strings and datetimes.
    pub fn out_dtype(self, dtype: DType, has_empty: bool) -> Result<DType> {
        if matches!(dtype, DType::Str | DType::DateTime(_) | DType::TimeDelta) {
            return Err(Error::UnsupportedDType {
                op: format!("groupby {}", self.name()),
                dtype,
            });
        }
        if has_empty {
            return Ok(float_of(dtype));
        }
        Ok(self.aggregation().dtype.apply(dtype))
    }
}

impl fmt::Display for GroupAgg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Variance (or, with `std`, standard deviation) from a count and a sum of squared
/// deviations: `m2 / (n - ddof)`, NaN when `n <= ddof`.
pub(crate) fn variance_from_moments(n: f64, m2: f64, ddof: f64, std: bool) -> f64 {
    let var = if n - ddof > 0.0 {
        m2 / (n - ddof)
    } else {
        f64::NAN
    };
    if std {
        var.sqrt()
    } else {
        var
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::kernels::{self, Quantile, ReduceParams};
    use crate::array::NdArray;

    /// The table's dtype rules agree with the eager kernels, the other source of them.
    #[test]
    fn dtype_rules_match_the_kernels() -> Result<()> {
        let ops = [
            Reduction::Sum,
            Reduction::Mean,
            Reduction::Std,
            Reduction::Var,
            Reduction::Min,
            Reduction::Max,
            Reduction::Median,
            Reduction::Prod,
            Reduction::Count,
            Reduction::ArgMin,
            Reduction::ArgMax,
            Reduction::All,
            Reduction::Any,
            Reduction::Quantile(Quantile::new(0.3, QuantileMethod::Linear)?),
            Reduction::Quantile(Quantile::new(0.3, QuantileMethod::Nearest)?),
        ];
        let dtypes = [
            DType::Bool,
            DType::I8,
            DType::I16,
            DType::I32,
            DType::I64,
            DType::U8,
            DType::U16,
            DType::U32,
            DType::U64,
            DType::F32,
            DType::F64,
        ];
        for op in ops {
            for dtype in dtypes {
                let Ok(probe) = NdArray::zeros(&[1], dtype) else {
                    continue;
                };
                let Ok(got) = kernels::reduce(&probe, &[0], op, ReduceParams::default()) else {
                    continue;
                };
                assert_eq!(
                    op.aggregation().dtype.apply(dtype),
                    got.dtype(),
                    "{op} of {dtype}"
                );
            }
        }
        Ok(())
    }
}
