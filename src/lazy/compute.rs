//! Computing lazy arrays: several arrays are lowered into one task graph that runs once,
//! so what they share (a chunk read, a reduction) is computed once.
//!
//! With the local executor, output blocks that are not a materialised node's are
//! evaluated straight into their region of the result (disjoint views of one
//! allocation per array), so they are neither returned nor copied.

use std::ops::Range;
use std::sync::Arc;

use super::lower::{Lowering, OutputBlock};
use super::{assemble, expr, first_touch, fuse, split_blocks, LazyArray};
use crate::array::chunks::Region;
use crate::array::{DType, NdArray};
use crate::dist::{Executor, LocalExecutor, TaskId, TaskValue};
use crate::error::{Error, Result};

/// A task body that may borrow from the caller (a view of the result to write into).
type ScopedRun<'v> = Box<dyn FnOnce(Vec<Arc<TaskValue>>) -> Result<TaskValue> + Send + 'v>;

/// Computes `arrays` with `executor` in one task graph, run once: nodes the arrays share
/// are lowered once and their tasks run once (two variables derived from one source
/// read each of its chunks once).
///
/// # Errors
/// The first failing chunk's error, naming the array and chunk.
pub fn compute_many(arrays: &[&LazyArray], executor: &dyn Executor) -> Result<Vec<NdArray>> {
    let (values, ranges) = run_blocks(arrays, executor)?;
    arrays
        .iter()
        .zip(ranges)
        .map(|(a, r)| assemble_outputs(a, &values, r))
        .collect()
}

/// Computes `arrays` with `executor` in one task graph, run once, and keeps each in
/// memory chunked as before, as a new lazy array (dask's `persist` of several
/// collections at once).
///
/// # Errors
/// As [`compute_many`].
pub fn persist_many(arrays: &[&LazyArray], executor: &dyn Executor) -> Result<Vec<LazyArray>> {
    let (values, ranges) = run_blocks(arrays, executor)?;
    arrays
        .iter()
        .zip(ranges)
        .map(|(a, r)| {
            let blocks = values
                .get(r)
                .ok_or_else(|| Error::internal("one output per block"))?
                .iter()
                .map(|v| {
                    v.0.first()
                        .map(NdArray::to_standard_layout)
                        .ok_or_else(|| Error::internal("an output task yields an array"))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(a.with_blocks(blocks))
        })
        .collect()
}

/// The values of a graph's output tasks, in output order.
type BlockValues = Vec<Arc<TaskValue>>;

/// Lowers every block of `arrays` into one graph and runs it: the blocks' values, and
/// for each array the range of them that is its blocks, row-major.
fn run_blocks(
    arrays: &[&LazyArray],
    executor: &dyn Executor,
) -> Result<(BlockValues, Vec<Range<usize>>)> {
    let mut lowering = Lowering::new();
    let mut outputs = Vec::new();
    let mut ranges = Vec::with_capacity(arrays.len());
    for a in arrays {
        let tasks = lowering.blocks(a, &a.grid)?;
        ranges.push(outputs.len()..outputs.len() + tasks.len());
        outputs.extend(tasks);
    }
    let mut graph = lowering.graph;
    graph.set_outputs(outputs);
    let values = executor.execute(graph)?;
    Ok((values, ranges))
}

/// The array from its blocks' values, `values[range]` in row-major block order.
fn assemble_outputs(
    a: &LazyArray,
    values: &[Arc<TaskValue>],
    range: Range<usize>,
) -> Result<NdArray> {
    let blocks = values
        .get(range)
        .ok_or_else(|| Error::internal("one output per block"))?;
    let full: Region = a.shape.iter().map(|&n| 0..n).collect();
    assemble(&a.grid, &full, a.dtype, |linear| {
        blocks
            .get(linear)
            .and_then(|v| v.0.first().cloned())
            .ok_or_else(|| Error::internal("an output task yields an array"))
    })
}

/// How one array of [`compute_many_local`] gets its values.
enum Outputs {
    /// Blocks evaluated into a result allocated here.
    InPlace(Vec<OutputBlock>),
    /// Blocks returned by the graph's outputs (materialised nodes, strings, empty
    /// arrays), at these positions of the outputs.
    Returned(Range<usize>),
}

/// As [`compute_many`] on the local executor, with blocks written in place where they
/// can be.
pub(crate) fn compute_many_local(
    arrays: &[&LazyArray],
    executor: &LocalExecutor,
) -> Result<Vec<NdArray>> {
    let mut lowering = Lowering::new();
    let mut outputs = Vec::new();
    let mut how = Vec::with_capacity(arrays.len());
    for a in arrays {
        let in_place = if a.is_empty() || a.dtype == DType::Str {
            None
        } else {
            lowering.output_blocks(a, &a.grid)?
        };
        how.push(match in_place {
            Some(blocks) => Outputs::InPlace(blocks),
            None => {
                let tasks = lowering.blocks(a, &a.grid)?;
                let r = outputs.len()..outputs.len() + tasks.len();
                outputs.extend(tasks);
                Outputs::Returned(r)
            }
        });
    }
    let mut graph = lowering.graph;
    let mut dests: Vec<Option<NdArray>> = Vec::with_capacity(arrays.len());
    for (a, h) in arrays.iter().zip(&how) {
        dests.push(match h {
            Outputs::InPlace(blocks) => {
                outputs.extend(blocks.iter().map(|b| b.task));
                Some(NdArray::zeros(&a.shape, a.dtype)?)
            }
            Outputs::Returned(_) => None,
        });
    }
    graph.set_outputs(outputs);
    let mut returned = Vec::new();
    let mut scoped: Vec<(TaskId, ScopedRun<'_>)> = Vec::new();
    for ((a, h), dest) in arrays.iter().zip(how).zip(dests.iter_mut()) {
        match (h, dest) {
            (Outputs::InPlace(blocks), Some(out)) => scoped.extend(fills(a, out, blocks)?),
            (Outputs::Returned(r), _) => returned.push(r),
            (Outputs::InPlace(_), None) => {
                return Err(Error::internal("an in-place array has a destination"))
            }
        }
    }
    let values = executor.execute_scoped(graph, scoped)?;
    let mut returned = returned.into_iter();
    arrays
        .iter()
        .zip(dests)
        .map(|(a, dest)| match dest {
            Some(out) => Ok(out),
            None => {
                let r = returned
                    .next()
                    .ok_or_else(|| Error::internal("one output range per returned array"))?;
                assemble_outputs(a, &values, r)
            }
        })
        .collect()
}

/// The task bodies evaluating each of `blocks` of `a` into its region of `out`.
fn fills<'v>(
    a: &LazyArray,
    out: &'v mut NdArray,
    blocks: Vec<OutputBlock>,
) -> Result<Vec<(TaskId, ScopedRun<'v>)>> {
    macro_rules! fill_arms {
        ($($variant:ident $(, $cal:tt)?);*) => {
            match out {
                $(NdArray::$variant(x $(, $cal)?) => typed_fills(a, x.view_mut(), blocks),)*
                NdArray::Str(_) => Err(Error::internal("strings are not written in place")),
            }
        };
    }
    fill_arms!(Bool; I8; I16; I32; I64; U8; U16; U32; U64; F32; F64; DateTime, _; TimeDelta)
}

fn typed_fills<'v, T: fuse::FillRegion>(
    a: &LazyArray,
    dest: ndarray::ArrayViewMut<'v, T, ndarray::IxDyn>,
    blocks: Vec<OutputBlock>,
) -> Result<Vec<(TaskId, ScopedRun<'v>)>> {
    let mut dest = dest;
    if let Some(all) = dest.as_slice_mut() {
        first_touch(all);
    }
    let views = split_blocks(dest, a.grid.sizes());
    if views.len() != blocks.len() {
        return Err(Error::internal("one view per output block"));
    }
    Ok(blocks
        .into_iter()
        .zip(views)
        .map(|(block, view)| {
            let arr = a.clone();
            let run: ScopedRun<'v> = Box::new(move |values: Vec<Arc<TaskValue>>| {
                let inputs: expr::Inputs = block.keys.into_iter().zip(values).collect();
                T::fill(&arr, &block.region, &inputs, view)?;
                Ok(TaskValue(Vec::new()))
            });
            (block.task, run)
        })
        .collect())
}
