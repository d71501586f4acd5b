//! Plain reductions over several axes, read from the aggregation table: the single
//! group's partial of a chunk is computed with the lane kernels of
//! [`kernels::reduce`], so results and dtypes are the eager reduction's.

use ndarray::{ArcArray, IxDyn, Zip};

use super::{variance_from_moments, Accumulate, Combine, Finalize, Intermediate, Method};
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

    /// The partial of a chunk of `shape` whose every element is `value` (a one-element
    /// array), computed without the chunk: the partial of one element per kept lane, its
    /// counts (and sums) scaled by the elements per lane. A never-written chunk after CF
    /// masking is all NaN: count 0, sum 0, no extremes, whatever its size.
    ///
    /// `None` when that is not exact for this reduction and value: positions
    /// (`argmin`), holistic reductions, products of values other than NaN, 0 and 1, and
    /// sums of integers other than 0 (which the kernel may wrap). Float sums and means of
    /// other values are `n·value`, which may differ from a sum of `n` terms in the last
    /// bit.
    ///
    /// # Errors
    /// When the kernels fail on the one-element chunk (as they would on the chunk).
    pub fn constant_chunk(
        &self,
        value: &NdArray,
        shape: &[usize],
        axes: &[usize],
    ) -> Result<Option<Vec<NdArray>>> {
        let per_lane: usize = axes
            .iter()
            .map(|&ax| shape.get(ax).copied().unwrap_or(0))
            .product();
        if value.len() != 1 || per_lane == 0 {
            return Ok(None);
        }
        let x = match value.get_flat(0)? {
            crate::array::Scalar::F64(x) => x,
            crate::array::Scalar::I64(x) => x as f64,
            crate::array::Scalar::U64(x) => x as f64,
            crate::array::Scalar::Bool(b) => f64::from(u8::from(b)),
            _ => return Ok(None),
        };
        let agg = self.op.aggregation();
        let float = value.dtype().is_float() || matches!(agg.accumulate, Accumulate::F64);
        let lane: Vec<usize> = shape
            .iter()
            .enumerate()
            .map(|(d, &n)| if axes.contains(&d) { 1 } else { n })
            .collect();
        let ones = vec![1; shape.len()];
        let one = value.reshape(&ones)?.broadcast_to(&lane)?;
        let scale = |col: &NdArray| -> Result<NdArray> {
            let n = NdArray::full(
                &[],
                &crate::array::Scalar::U64(per_lane as u64),
                col.dtype(),
            )?;
            kernels::binary(col, &n, kernels::BinaryOp::Mul)
        };
        let mut part = self.chunk(&one, axes)?;
        match agg.combine {
            Combine::Moments => {
                // (count, mean, M2): a constant has M2 0 (NaN stays NaN).
                part[0] = scale(&part[0])?;
            }
            Combine::Columns => {
                for (col, i) in part.iter_mut().zip(agg.chunk) {
                    match i {
                        Intermediate::Count => *col = scale(col)?,
                        Intermediate::Sum if x.is_nan() || x == 0.0 => {}
                        Intermediate::Sum if float => *col = scale(col)?,
                        Intermediate::Prod if x.is_nan() || x == 0.0 || x == 1.0 => {}
                        Intermediate::Min
                        | Intermediate::Max
                        | Intermediate::All
                        | Intermediate::Any => {}
                        _ => return Ok(None),
                    }
                }
            }
            Combine::Holistic => return Ok(None),
        }
        Ok(Some(part))
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
