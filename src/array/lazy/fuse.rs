//! One pass over memory for chains of elementwise operations.
//!
//! A subtree of elementwise nodes (unary, binary, casts, elementwise maps) over inputs of
//! the same region is compiled into a small postfix program; its inputs are evaluated
//! once, then the program runs tile by tile (a few thousand elements, so every
//! intermediate stays in the L1/L2 cache) and only the final result is written out.

use std::sync::Arc;

use super::expr::{eval, ElemFn, Expr, Inputs};
use super::LazyArray;
use crate::array::chunks::Region;
use crate::array::kernels::{self, BinaryOp, UnaryOp};
use crate::array::{DType, NdArray};
use crate::error::{Error, Result};

/// Elements per tile: 8192 f64 are 64 KiB, a few of which fit in L2 at once.
const TILE: usize = 8192;

enum Instr {
    Leaf(usize),
    Unary(UnaryOp),
    Binary(BinaryOp),
    Cast(DType),
    Map(ElemFn),
}

/// An input of the program: an array node and the region it is read over.
struct Leaf {
    node: LazyArray,
    region: Region,
}

struct Program {
    code: Vec<Instr>,
    leaves: Vec<Leaf>,
}

fn is_elementwise(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Unary(..) | Expr::Binary(..) | Expr::Cast(..) | Expr::Map(..)
    )
}

/// The number of elementwise nodes under (and including) `arr` that one program covers.
fn count(arr: &LazyArray, shape: &[usize]) -> usize {
    if !is_elementwise(&arr.expr) || arr.shape() != shape {
        return 0;
    }
    let region: Region = shape.iter().map(|&n| 0..n).collect();
    1 + arr
        .expr
        .input_regions(&region)
        .iter()
        .map(|(input, _)| count(input, shape))
        .sum::<usize>()
}

impl Program {
    fn compile(arr: &LazyArray, region: &Region) -> Program {
        let mut p = Program {
            code: Vec::new(),
            leaves: Vec::new(),
        };
        p.emit(arr, region);
        p
    }

    fn emit(&mut self, arr: &LazyArray, region: &Region) {
        if !is_elementwise(&arr.expr) {
            self.leaf(arr, region);
            return;
        }
        for (input, r) in arr.expr.input_regions(region) {
            if r == *region || input.len() == 1 {
                self.emit(input, &r);
            } else {
                // A broadcast operand: read it as a leaf and broadcast it once.
                self.leaf(input, &r);
            }
        }
        self.code.push(match &*arr.expr {
            Expr::Unary(op, _) => Instr::Unary(*op),
            Expr::Binary(op, _, _) => Instr::Binary(*op),
            Expr::Cast(dtype, _) => Instr::Cast(*dtype),
            Expr::Map(f, _) => Instr::Map(Arc::clone(f)),
            _ => unreachable!("only elementwise nodes are compiled"),
        });
    }

    fn leaf(&mut self, arr: &LazyArray, region: &Region) {
        let existing = self
            .leaves
            .iter()
            .position(|l| Arc::ptr_eq(&l.node.expr, &arr.expr) && l.region == *region);
        let idx = existing.unwrap_or_else(|| {
            self.leaves.push(Leaf {
                node: arr.clone(),
                region: region.clone(),
            });
            self.leaves.len() - 1
        });
        self.code.push(Instr::Leaf(idx));
    }

    fn run_tile(&self, tiles: &[NdArray]) -> Result<NdArray> {
        let mut stack: Vec<NdArray> = Vec::with_capacity(4);
        let pop = |stack: &mut Vec<NdArray>| {
            stack
                .pop()
                .ok_or_else(|| Error::internal("fused program stack"))
        };
        for ins in &self.code {
            let v = match ins {
                Instr::Leaf(i) => tiles
                    .get(*i)
                    .cloned()
                    .ok_or_else(|| Error::internal("fused leaf"))?,
                Instr::Unary(op) => kernels::unary(&pop(&mut stack)?, *op)?,
                Instr::Binary(op) => {
                    let b = pop(&mut stack)?;
                    let a = pop(&mut stack)?;
                    kernels::binary(&a, &b, *op)?
                }
                Instr::Cast(dtype) => pop(&mut stack)?.astype(*dtype)?,
                Instr::Map(f) => f(&pop(&mut stack)?)?,
            };
            stack.push(v);
        }
        pop(&mut stack)
    }
}

/// Evaluates `arr` (an elementwise node) over `region` in one pass, if the chain under it
/// is long enough to gain from it; `None` means: evaluate node by node.
pub(crate) fn eval_fused(
    arr: &LazyArray,
    region: &Region,
    inputs: &Inputs,
) -> Result<Option<NdArray>> {
    let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
    if count(arr, arr.shape()) < 2 || shape.iter().product::<usize>() <= TILE {
        return Ok(None);
    }
    let program = Program::compile(arr, region);
    let n: usize = shape.iter().product();
    // Inputs as flat, contiguous arrays of the region's length (or single values).
    let mut flat = Vec::with_capacity(program.leaves.len());
    for leaf in &program.leaves {
        let v = eval(&leaf.node, &leaf.region, inputs)?;
        let v = if v.len() == 1 {
            v.reshape(&[])?
        } else if v.shape() == shape.as_slice() {
            v.reshape(&[n])?
        } else {
            v.broadcast_to(&shape)?.reshape(&[n])?
        };
        flat.push(v);
    }
    // Each tile's result goes straight into the output (zeroed memory: no extra pass).
    let mut out = NdArray::zeros(&[n], arr.dtype())?;
    let mut start = 0;
    while start < n {
        let stop = (start + TILE).min(n);
        let tiles: Vec<NdArray> = flat
            .iter()
            .map(|v| {
                if v.ndim() == 0 {
                    Ok(v.clone())
                } else {
                    v.slice_axis(0, start, stop, 1)
                }
            })
            .collect::<Result<_>>()?;
        out.assign_at(&[start], &program.run_tile(&tiles)?)?;
        start = stop;
    }
    Ok(Some(out.reshape(&shape)?))
}
