//! Plain reductions over several axes, read from the aggregation table: the single
//! group's partial of a chunk is computed with the lane kernels of
//! [`kernels::reduce`], so results and dtypes are the eager reduction's.

use ndarray::{ArcArray, IxDyn, Zip};

use super::{variance_from_moments, Accumulate, Combine, Finalize, Method};
use crate::array::kernels::{self, ReduceParams, Reduction};
use crate::array::{DType, NdArray};
use crate::error::{Error, Result};

/// One plain reduction, as chunk → combine → finalize.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReducePlan {
    pub op: Reduction,
    pub params: ReduceParams,
    /// The result dtype (from the eager kernel, which the table's rule agrees with).
    pub out_dtype: DType,
    pub method: Method,
}

impl ReducePlan {
    /// The whole reduction of a lane set held in one task (the blockwise method).
    pub fn whole(&self, block: &NdArray, axes: &[usize]) -> Result<NdArray> {
        kernels::reduce(block, axes, self.op, self.params)?.astype(self.out_dtype)
    }

    /// The partial of one chunk: reduces `axes` of `chunk`.
    pub fn chunk(&self, chunk: &NdArray, axes: &[usize]) -> Result<Vec<NdArray>> {
        let agg = self.op.aggregation();
        let p = self.params;
        match agg.combine {
            Combine::Moments => {
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
                Ok(vec![n, mean, m2])
            }
            Combine::Columns => {
                let x = match agg.accumulate {
                    Accumulate::F64 => chunk.astype(DType::F64)?,
                    Accumulate::Native => chunk.clone(),
                };
                agg.chunk
                    .iter()
                    .map(|i| {
                        let (op, _) = i.reductions().ok_or_else(|| {
                            Error::internal(format!("{i:?} is not a plain-reduction column"))
                        })?;
                        let col = kernels::reduce(&x, axes, op, p)?;
                        match agg.accumulate {
                            Accumulate::F64 => col.astype(DType::F64),
                            Accumulate::Native => Ok(col),
                        }
                    })
                    .collect()
            }
            Combine::Holistic => Err(Error::internal(format!(
                "{} does not decompose into partials",
                self.op
            ))),
        }
    }

    /// Combines partials of the same output block.
    pub fn combine(&self, parts: &[&[NdArray]]) -> Result<Vec<NdArray>> {
        let agg = self.op.aggregation();
        match agg.combine {
            Combine::Moments => combine_moments(parts),
            Combine::Columns => agg
                .chunk
                .iter()
                .enumerate()
                .map(|(k, i)| {
                    let (_, how) = i.reductions().ok_or_else(|| {
                        Error::internal(format!("{i:?} is not a plain-reduction column"))
                    })?;
                    let column: Vec<NdArray> = parts
                        .iter()
                        .map(|p| {
                            p.get(k)
                                .cloned()
                                .ok_or_else(|| Error::internal("partial width"))
                        })
                        .collect::<Result<_>>()?;
                    kernels::reduce(&stack(&column)?, &[0], how, self.params)
                })
                .collect(),
            Combine::Holistic => Err(Error::internal("holistic reductions have no partials")),
        }
    }

    /// The final value of an output block from its combined partial.
    pub fn finalize(&self, part: &[NdArray]) -> Result<NdArray> {
        let get = |k: usize| {
            part.get(k)
                .cloned()
                .ok_or_else(|| Error::internal("partial width"))
        };
        let v = match self.op.aggregation().finalize {
            Finalize::Ratio => kernels::binary(&get(0)?, &get(1)?, kernels::BinaryOp::Div)?,
            Finalize::Variance { std } => {
                let (n, m2) = (get(0)?, get(2)?);
                let (Some(n), Some(m2)) = (n.as_array::<f64>(), m2.as_array::<f64>()) else {
                    return Err(Error::internal("moments are f64"));
                };
                let ddof = self.params.ddof as f64;
                NdArray::from(
                    Zip::from(n)
                        .and(m2)
                        .map_collect(|&n, &m2| variance_from_moments(n, m2, ddof, std)),
                )
            }
            Finalize::Value => get(0)?,
            Finalize::Whole => return Err(Error::internal("holistic reductions have no partials")),
        };
        v.astype(self.out_dtype)
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
fn combine_moments(parts: &[&[NdArray]]) -> Result<Vec<NdArray>> {
    let typed = |p: &[NdArray], k: usize| -> Result<ArcArray<f64, IxDyn>> {
        p.get(k)
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
    Ok(vec![
        NdArray::from(n),
        NdArray::from(mean),
        NdArray::from(m2),
    ])
}

/// Stacks same-shaped arrays along a new axis 0.
fn stack(parts: &[NdArray]) -> Result<NdArray> {
    let expanded: Vec<NdArray> = parts
        .iter()
        .map(|p| p.insert_axis(0))
        .collect::<Result<_>>()?;
    NdArray::concatenate(0, &expanded)
}
