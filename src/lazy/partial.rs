//! Reductions as chunk → combine → finalize, so a tree of small tasks computes them.

use ndarray::{ArcArray, IxDyn, Zip};

use crate::array::kernels::{self, ReduceParams, Reduction};
use crate::array::{DType, NdArray};
use crate::dist::TaskValue;
use crate::error::{Error, Result};

/// How one reduction splits into per-chunk partials.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub op: Reduction,
    pub params: ReduceParams,
    /// The result dtype (from the eager kernel, the single source of dtype rules).
    pub out_dtype: DType,
}

impl Plan {
    /// Whether the reduction decomposes into partials; otherwise every reduced lane must
    /// be in one task (median, argmin, argmax).
    pub fn decomposes(op: Reduction) -> bool {
        !matches!(
            op,
            Reduction::Median | Reduction::ArgMin | Reduction::ArgMax
        )
    }

    /// The partial of one chunk: reduces `axes` of `chunk`.
    pub fn chunk(&self, chunk: &NdArray, axes: &[usize]) -> Result<TaskValue> {
        let p = self.params;
        Ok(TaskValue(match self.op {
            Reduction::Mean => {
                let x = chunk.astype(DType::F64)?;
                vec![
                    kernels::reduce(&x, axes, Reduction::Sum, p)?,
                    kernels::reduce(&x, axes, Reduction::Count, p)?.astype(DType::F64)?,
                ]
            }
            Reduction::Var | Reduction::Std => {
                let x = chunk.astype(DType::F64)?;
                let n = kernels::reduce(&x, axes, Reduction::Count, p)?.astype(DType::F64)?;
                let s = kernels::reduce(&x, axes, Reduction::Sum, p)?;
                let mean = kernels::binary(&s, &n, kernels::BinaryOp::Div)?;
                let mean = zero_where_empty(&mean, &n)?;
                let mut keep = mean.clone();
                let mut sorted = axes.to_vec();
                sorted.sort_unstable();
                for &ax in &sorted {
                    keep = keep.insert_axis(ax)?;
                }
                let dev = kernels::binary(&x, &keep, kernels::BinaryOp::Sub)?;
                let sq = kernels::binary(&dev, &dev, kernels::BinaryOp::Mul)?;
                let m2 = kernels::reduce(&sq, axes, Reduction::Sum, p)?;
                vec![n, mean, m2]
            }
            op => vec![kernels::reduce(chunk, axes, op, p)?],
        }))
    }

    /// Combines partials of the same output block.
    pub fn combine(&self, parts: &[&TaskValue]) -> Result<TaskValue> {
        match self.op {
            Reduction::Var | Reduction::Std => combine_moments(parts),
            op => {
                let width = parts.first().map_or(0, |p| p.0.len());
                let mut out = Vec::with_capacity(width);
                for k in 0..width {
                    let column: Vec<NdArray> = parts
                        .iter()
                        .map(|p| {
                            p.0.get(k)
                                .cloned()
                                .ok_or_else(|| Error::internal("partial width"))
                        })
                        .collect::<Result<_>>()?;
                    let stacked = stack(&column)?;
                    let how = match (op, k) {
                        (Reduction::Count | Reduction::Mean, _) => Reduction::Sum,
                        (op, _) => op,
                    };
                    out.push(kernels::reduce(&stacked, &[0], how, self.params)?);
                }
                Ok(TaskValue(out))
            }
        }
    }

    /// The final value of an output block from its combined partial.
    pub fn finalize(&self, part: &TaskValue) -> Result<NdArray> {
        let get = |k: usize| {
            part.0
                .get(k)
                .cloned()
                .ok_or_else(|| Error::internal("partial width"))
        };
        let v = match self.op {
            Reduction::Mean => kernels::binary(&get(0)?, &get(1)?, kernels::BinaryOp::Div)?,
            Reduction::Var | Reduction::Std => {
                let (n, m2) = (get(0)?, get(2)?);
                let (Some(n), Some(m2)) = (n.as_array::<f64>(), m2.as_array::<f64>()) else {
                    return Err(Error::internal("moments are f64"));
                };
                let ddof = self.params.ddof as f64;
                let std = self.op == Reduction::Std;
                let v = Zip::from(n)
                    .and(m2)
                    .map_collect(|&n, &m2| variance_from_moments(n, m2, ddof, std));
                NdArray::from(v)
            }
            _ => get(0)?,
        };
        v.astype(self.out_dtype)
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

fn zero_where_empty(mean: &NdArray, n: &NdArray) -> Result<NdArray> {
    let (Some(m), Some(n)) = (mean.as_array::<f64>(), n.as_array::<f64>()) else {
        return Err(Error::internal("moments are f64"));
    };
    Ok(NdArray::from(Zip::from(m).and(n).map_collect(|&m, &n| {
        if n == 0.0 {
            0.0
        } else {
            m
        }
    })))
}

/// Chan et al.'s pairwise update of (count, mean, M2).
fn combine_moments(parts: &[&TaskValue]) -> Result<TaskValue> {
    let typed = |p: &TaskValue, k: usize| -> Result<ArcArray<f64, IxDyn>> {
        p.0.get(k)
            .and_then(|a| a.as_array::<f64>().cloned())
            .ok_or_else(|| Error::internal("moments are f64"))
    };
    let first = parts
        .first()
        .ok_or_else(|| Error::internal("combine of no partials"))?;
    let mut n = typed(first, 0)?.into_owned();
    let mut mean = typed(first, 1)?.into_owned();
    let mut m2 = typed(first, 2)?.into_owned();
    for p in &parts[1..] {
        let (nb, mb, m2b) = (typed(p, 0)?, typed(p, 1)?, typed(p, 2)?);
        Zip::from(&mut n)
            .and(&mut mean)
            .and(&mut m2)
            .and(&nb)
            .and(&mb)
            .and(&m2b)
            .for_each(|na, ma, m2a, &nb, &mb, &m2b| {
                let total = *na + nb;
                if nb == 0.0 {
                    if m2b.is_nan() || mb.is_nan() {
                        *m2a = f64::NAN;
                    }
                    return;
                }
                if *na == 0.0 {
                    *na = nb;
                    *ma = mb;
                    *m2a += m2b;
                    return;
                }
                let delta = mb - *ma;
                *ma += delta * nb / total;
                *m2a += m2b + delta * delta * *na * nb / total;
                *na = total;
            });
    }
    Ok(TaskValue(vec![
        NdArray::from(n),
        NdArray::from(mean),
        NdArray::from(m2),
    ]))
}

/// Stacks same-shaped arrays along a new axis 0.
fn stack(parts: &[NdArray]) -> Result<NdArray> {
    let expanded: Vec<NdArray> = parts
        .iter()
        .map(|p| p.insert_axis(0))
        .collect::<Result<_>>()?;
    NdArray::concatenate(0, &expanded)
}
