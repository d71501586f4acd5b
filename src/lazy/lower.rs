//! Lowering a lazy expression to a task graph of chunk tasks.
//!
//! Fused nodes never become tasks: a task evaluates its region by pulling through them
//! (see `expr::eval`). Materialised nodes are lowered block by block, each block once,
//! when a consumer first needs it, and depth first: a block's tasks get ids just below
//! its first consumer's, and a reduction's partial tasks are followed closely by the
//! combine that consumes them. The executor runs ready tasks lowest id first, so it
//! finishes with a block (and frees its inputs) before it computes blocks far ahead: a
//! chain `source -> map_blocks -> write` streams instead of computing every
//! `map_blocks` block before the first write.

use std::collections::HashMap;
use std::sync::Arc;

use super::expr::{
    constant_region, eval, eval_undecoded, needed_blocks, node_key, reads_a_region_twice,
    with_read_cache, BlockFn, Expr, Inputs,
};
use super::overlap::RegionMap;
use super::{reduce_dtype, LazyArray};
use crate::array::aggregation::{weighted_sums, GroupPlan, Method, ReducePlan};
use crate::array::chunks::{for_each_index, region_len, ChunkGrid, Region};
use crate::array::kernels::{self, MaskScale};
use crate::array::{DType, NdArray};
use crate::dist::{TaskGraph, TaskId, TaskValue};
use crate::error::{Error, Result};

/// Partials combined per combine task.
const FAN_IN: usize = 8;

/// The most independent combine chains a grouped reduction's partials are split into
/// (contiguous runs of its partials, each folded on its own, then their results combined
/// two by two). A fixed number, not the executor's: the graph, and so the answer's bits,
/// are the same whatever runs it. On MPI, each rank's share of the partials is then
/// whole chains whose results alone cross ranks, instead of one chain that every partial
/// of the other ranks has to reach. 4, not 8: on 2 ranks, 10 years of the climatology
/// took 1.42 s against 1.52 s with 8 (`bench/clim/README.md`), and at most two chain
/// results wait at once, not three.
const CHAIN_SEGMENTS: usize = 4;

/// Input bytes a grouped-reduction partial task may cover when its chunks are small.
pub(crate) const BATCH_BYTES: usize = 4 << 20;

/// Steps along the grouped axis a partial task takes even when they exceed
/// [`BATCH_BYTES`], up to [`MAX_BATCH_BYTES`] of input.
const MIN_BATCH_ROWS: usize = 16;

/// The most input a partial task of a grouped reduction takes.
const MAX_BATCH_BYTES: usize = 24 << 20;

/// One output block of [`Lowering::output_blocks`].
pub(crate) struct OutputBlock {
    /// The task computing the block.
    pub task: TaskId,
    /// The block's region of the array.
    pub region: Region,
    /// The keys, in [`Inputs`], of the values the task receives, in order.
    pub keys: Vec<BlockKey>,
}

/// A materialised block's key in [`Inputs`]: (node address, block number).
pub(crate) type BlockKey = (usize, usize);

pub(crate) struct Lowering {
    pub graph: TaskGraph,
    /// Task ids of the blocks lowered so far of each materialised node, by node
    /// address and block number.
    done: HashMap<usize, Vec<Option<TaskId>>>,
    /// The members' positions of each group of a blockwise grouped reduction, by node
    /// address: found once, used by every output block.
    group_positions: HashMap<usize, Arc<Vec<Vec<usize>>>>,
}

impl Lowering {
    pub fn new() -> Self {
        Lowering {
            graph: TaskGraph::new(),
            done: HashMap::new(),
            group_positions: HashMap::new(),
        }
    }

    /// Adds tasks computing `arr` block by block on `grid`; returns one task per block,
    /// row-major.
    pub fn blocks(&mut self, arr: &LazyArray, grid: &ChunkGrid) -> Result<Vec<TaskId>> {
        if arr.expr.materialized_grid() == Some(grid) {
            return (0..grid.num_blocks())
                .map(|linear| self.materialized_block(&arr.expr, linear))
                .collect();
        }
        let mut out = Vec::with_capacity(grid.num_blocks());
        for_each_index(&grid.blocks_per_dim(), |block| {
            out.push(grid.block_region(block))
        });
        out.into_iter()
            .map(|region| self.region_task(arr, region, None))
            .collect()
    }

    /// Adds the task computing block `linear` (row-major) of `arr` on `grid`, and returns
    /// it: as [`Lowering::blocks`], one block at a time, so that a caller can add a task
    /// consuming each block right after it (a write), and the executor, which runs the
    /// lowest ready id first, finishes with a block before it reads more.
    #[cfg_attr(not(any(feature = "netcdf", feature = "zarr")), allow(dead_code))]
    pub fn block(&mut self, arr: &LazyArray, grid: &ChunkGrid, linear: usize) -> Result<TaskId> {
        if linear >= grid.num_blocks() {
            return Err(Error::internal(format!(
                "block {linear} of a grid of {} blocks",
                grid.num_blocks()
            )));
        }
        if arr.expr.materialized_grid() == Some(grid) {
            return self.materialized_block(&arr.expr, linear);
        }
        let region = grid.block_region(&grid.block_index(linear));
        self.region_task(arr, region, None)
    }

    /// The tasks of the blocks of `arr` on `grid` when `arr` is not materialised on that
    /// grid (else `None`), with what a caller needs to evaluate each block itself
    /// (see [`LocalExecutor::execute_scoped`](super::local::LocalExecutor)): its region
    /// and the materialised blocks its task receives, in order.
    pub fn output_blocks(
        &mut self,
        arr: &LazyArray,
        grid: &ChunkGrid,
    ) -> Result<Option<Vec<OutputBlock>>> {
        if arr.expr.materialized_grid() == Some(grid) {
            return Ok(None);
        }
        let mut regions = Vec::with_capacity(grid.num_blocks());
        for_each_index(&grid.blocks_per_dim(), |block| {
            regions.push(grid.block_region(block))
        });
        let mut out = Vec::with_capacity(regions.len());
        for region in regions {
            let (_, keys) = self.dependencies(arr, &region)?;
            let task = self.region_task(arr, region.clone(), None)?;
            out.push(OutputBlock { task, region, keys });
        }
        Ok(Some(out))
    }

    /// The materialised blocks that evaluating `arr` over `region` reads: their tasks
    /// (lowered first, if need be) and their keys in [`Inputs`].
    fn dependencies(
        &mut self,
        arr: &LazyArray,
        region: &Region,
    ) -> Result<(Vec<TaskId>, Vec<BlockKey>)> {
        let mut needed = Vec::new();
        needed_blocks(arr, region, &mut needed);
        let mut deps = Vec::with_capacity(needed.len());
        let mut keys = Vec::with_capacity(needed.len());
        for (node, linear) in &needed {
            deps.push(self.materialized_block(node, *linear)?);
            keys.push((node_key(node), *linear));
        }
        Ok((deps, keys))
    }

    /// A task evaluating `arr` over `region`, then `then` (if any) on the result.
    fn region_task(
        &mut self,
        arr: &LazyArray,
        region: Region,
        then: Option<Box<dyn FnOnce(NdArray) -> Result<TaskValue> + Send>>,
    ) -> Result<TaskId> {
        let then = then.unwrap_or_else(|| Box::new(|v| Ok(TaskValue::single(v))));
        self.region_task_by(arr, region, eval, then)
    }

    /// [`Self::region_task`] with the region's values from `evaluate` ([`eval`], or
    /// [`eval_undecoded`] for a kernel that decodes as it reads).
    fn region_task_by<V: 'static>(
        &mut self,
        arr: &LazyArray,
        region: Region,
        evaluate: fn(&LazyArray, &Region, &Inputs) -> Result<V>,
        then: Box<dyn FnOnce(V) -> Result<TaskValue> + Send>,
    ) -> Result<TaskId> {
        let (deps, keys) = self.dependencies(arr, &region)?;
        let label = format!("{} block {}", arr.label(), fmt_region(&region));
        let est = region_len(&region) * arr.dtype().size();
        let cache_reads = reads_a_region_twice(arr, &region);
        let arr = arr.clone();
        let id = self.graph.add_task(
            deps,
            label,
            est,
            Box::new(move |values: Vec<Arc<TaskValue>>| {
                let inputs: Inputs = keys.into_iter().zip(values).collect();
                let v = if cache_reads {
                    with_read_cache(|| evaluate(&arr, &region, &inputs))?
                } else {
                    evaluate(&arr, &region, &inputs)?
                };
                then(v)
            }),
        );
        Ok(id)
    }

    /// A task evaluating each of `arrs` over its region (one pass, the materialised
    /// blocks they read received together), then `then` on the results, in order.
    fn regions_task(
        &mut self,
        arrs: &[&LazyArray],
        regions: Vec<Region>,
        then: Box<dyn FnOnce(Vec<NdArray>) -> Result<TaskValue> + Send>,
    ) -> Result<TaskId> {
        let (mut deps, mut keys) = (Vec::new(), Vec::new());
        for (arr, region) in arrs.iter().zip(&regions) {
            let (d, k) = self.dependencies(arr, region)?;
            for (d, k) in d.into_iter().zip(k) {
                if !keys.contains(&k) {
                    deps.push(d);
                    keys.push(k);
                }
            }
        }
        let label = arrs
            .iter()
            .zip(&regions)
            .map(|(a, r)| format!("{} block {}", a.label(), fmt_region(r)))
            .collect::<Vec<_>>()
            .join(" with ");
        let est = arrs
            .iter()
            .zip(&regions)
            .map(|(a, r)| region_len(r) * a.dtype().size())
            .sum();
        let cache_reads = arrs
            .iter()
            .zip(&regions)
            .any(|(a, r)| reads_a_region_twice(a, r));
        let arrs: Vec<LazyArray> = arrs.iter().map(|a| (*a).clone()).collect();
        Ok(self.graph.add_task(
            deps,
            label,
            est,
            Box::new(move |values: Vec<Arc<TaskValue>>| {
                let inputs: Inputs = keys.into_iter().zip(values).collect();
                let run = || -> Result<Vec<NdArray>> {
                    arrs.iter()
                        .zip(&regions)
                        .map(|(a, r)| eval(a, r, &inputs))
                        .collect()
                };
                let v = if cache_reads {
                    with_read_cache(run)?
                } else {
                    run()?
                };
                then(v)
            }),
        ))
    }

    /// The task of block `linear` of a materialised node, lowered (with the blocks of
    /// other materialised nodes it reads, first) when first asked for.
    fn materialized_block(&mut self, node: &Arc<Expr>, linear: usize) -> Result<TaskId> {
        let key = node_key(node);
        if let Some(&Some(id)) = self.done.get(&key).and_then(|tasks| tasks.get(linear)) {
            return Ok(id);
        }
        let grid = node
            .materialized_grid()
            .ok_or_else(|| Error::internal("only materialised nodes are lowered"))?;
        let nblocks = grid.num_blocks();
        if linear >= nblocks {
            return Err(Error::internal(format!(
                "block {linear} of a {} node of {nblocks} blocks",
                node.name()
            )));
        }
        let block = grid.block_index(linear);
        let id = match &**node {
            Expr::Reduce {
                input,
                axes,
                op,
                params,
                method,
                grid,
            } => {
                let plan = ReducePlan {
                    op: *op,
                    params: *params,
                    out_dtype: reduce_dtype(input.dtype(), *op, *params)?,
                    method: *method,
                };
                self.reduce(input, axes, plan, grid, &block)?
            }
            Expr::TensorDot {
                a,
                b,
                axes_a,
                axes_b,
                grid,
            } => self.tensordot(a, b, axes_a, axes_b, grid, &block)?,
            Expr::MapBlocks { f, inputs, grid } => self.map_blocks(f, inputs, grid, &block)?,
            Expr::GroupReduce {
                input,
                axis,
                plan,
                grid,
            } => self.group_reduce(key, input, *axis, plan, grid, &block)?,
            Expr::RegionMap { input, map, grid } => self.region_map(input, map, grid, &block)?,
            Expr::WeightedSums {
                data,
                weights,
                axes,
                grid,
            } => self.weighted_sums(data, weights, axes, grid, &block)?,
            _ => return Err(Error::internal("only materialised nodes are lowered")),
        };
        self.done.entry(key).or_insert_with(|| vec![None; nblocks])[linear] = Some(id);
        Ok(id)
    }

    /// One output block of a plain reduction: the input region whole along the reduced
    /// axes, by the plan's method.
    fn reduce(
        &mut self,
        input: &LazyArray,
        axes: &[usize],
        plan: ReducePlan,
        grid: &ChunkGrid,
        out_block: &[usize],
    ) -> Result<TaskId> {
        let kept: Vec<usize> = (0..input.ndim()).filter(|a| !axes.contains(a)).collect();
        let label = format!("{} of {}", plan.op, input.label());
        // The input region of this output block, whole along the reduced axes.
        let mut full: Region = (0..input.ndim()).map(|d| 0..input.shape()[d]).collect();
        let out_region = grid.block_region(out_block);
        for (k, &ax) in kept.iter().enumerate() {
            full[ax] = out_region[k].clone();
        }
        match plan.method {
            Method::MapReduce => {
                self.reduce_map_reduce(input, axes, plan, full, &label, out_block, &out_region)
            }
            Method::Blockwise => {
                let axes = axes.to_vec();
                self.region_task(
                    input,
                    full,
                    Some(Box::new(move |chunk: NdArray| {
                        Ok(TaskValue::single(plan.whole(&chunk, &axes)?))
                    })),
                )
            }
        }
    }

    /// One output block of a plain reduction by map-reduce: one partial per input block
    /// of `full`, combined `FAN_IN` at a time, then finalized.
    #[allow(clippy::too_many_arguments)]
    fn reduce_map_reduce(
        &mut self,
        input: &LazyArray,
        axes: &[usize],
        plan: ReducePlan,
        full: Region,
        label: &str,
        out_block: &[usize],
        out_region: &Region,
    ) -> Result<TaskId> {
        let regions = chunk_regions(input.grid(), &full);
        let combine = move |p: &[&TaskValue]| {
            let parts: Vec<&[NdArray]> = p.iter().map(|t| t.0.as_slice()).collect();
            Ok(TaskValue(plan.combine(&parts)?))
        };
        // Never-written chunks each hold one value: their partials are known without a
        // read, and those of the same output lanes and value merge into one partial, so
        // the work follows the written chunks, not the declared size.
        let mut constant: Vec<(NdArray, usize, Vec<Region>)> = Vec::new();
        let mut group_of: HashMap<(Region, String), usize> = HashMap::new();
        let mut read = Vec::new();
        for r in regions {
            let Some(value) = constant_region(input, &r) else {
                read.push(r);
                continue;
            };
            let lanes: Region = (0..r.len())
                .filter(|d| !axes.contains(d))
                .map(|d| r[d].clone())
                .collect();
            let key = (lanes, format!("{} {:?}", value.dtype(), value.get_flat(0)?));
            let per_lane: usize = axes.iter().map(|&a| r[a].len()).product();
            let g = *group_of.entry(key).or_insert_with(|| {
                constant.push((value, 0, Vec::new()));
                constant.len() - 1
            });
            constant[g].1 += per_lane;
            constant[g].2.push(r);
        }
        let mut tree = CombineTree::default();
        for (value, per_lane, members) in constant {
            let mut shape: Vec<usize> = members[0].iter().map(ExactSizeIterator::len).collect();
            for (k, &a) in axes.iter().enumerate() {
                shape[a] = if k == 0 { per_lane } else { 1 };
            }
            let Some(part) = plan.constant_chunk(&value, &shape, axes)? else {
                read.extend(members);
                continue;
            };
            let id = self.graph.add_task(
                Vec::new(),
                format!("{label}, {} never-written blocks", members.len()),
                0,
                Box::new(move |_| Ok(TaskValue(part))),
            );
            tree.push(id, |deps| self.combine(deps, label, combine));
        }
        for r in read {
            let axes = axes.to_vec();
            let id = self.region_task(
                input,
                r,
                Some(Box::new(move |chunk: NdArray| {
                    Ok(TaskValue(plan.chunk(&chunk, &axes)?))
                })),
            )?;
            tree.push(id, |deps| self.combine(deps, label, combine));
        }
        let root = tree
            .finish(|deps| self.combine(deps, label, combine))
            .ok_or_else(|| Error::internal("a reduction has at least one partial"))?;
        Ok(self.graph.add_task(
            vec![root],
            format!("{label}, output block {out_block:?}"),
            region_len(out_region) * plan.out_dtype.size(),
            Box::new(move |v: Vec<Arc<TaskValue>>| {
                let part = v.first().ok_or_else(|| Error::internal("finalize input"))?;
                Ok(TaskValue::single(plan.finalize(&part.0)?))
            }),
        ))
    }

    /// One output block of [`LazyArray::weighted_sums`]: a `[2, ...]` partial per input
    /// chunk of the block's region (whole along the reduced axes), with the weights'
    /// matching (broadcast) part, added up in a tree.
    fn weighted_sums(
        &mut self,
        data: &LazyArray,
        weights: &LazyArray,
        axes: &[usize],
        grid: &ChunkGrid,
        out_block: &[usize],
    ) -> Result<TaskId> {
        let kept: Vec<usize> = (0..data.ndim()).filter(|a| !axes.contains(a)).collect();
        let label = format!("weighted sums of {}", data.label());
        let out_region = grid.block_region(out_block);
        let mut full: Region = (0..data.ndim()).map(|d| 0..data.shape()[d]).collect();
        for (k, &ax) in kept.iter().enumerate() {
            full[ax] = out_region[k + 1].clone();
        }
        // A block of at most BATCH_BYTES of input (see `LazyArray::weighted_sums`, which
        // joins short chunks into such blocks) is one task over its whole region.
        let regions = if region_len(&full) * data.dtype().size() <= BATCH_BYTES {
            vec![full]
        } else {
            chunk_regions(data.grid(), &full)
        };
        let add = |p: &[&TaskValue]| -> Result<TaskValue> {
            let mut parts = p.iter().filter_map(|t| t.0.first());
            let first = parts
                .next()
                .ok_or_else(|| Error::internal("weighted sums: no partial to add"))?;
            let sum = parts.try_fold(first.clone(), |acc, b| {
                kernels::binary(&acc, b, kernels::BinaryOp::Add)
            })?;
            Ok(TaskValue::single(sum))
        };
        let mut tree = CombineTree::default();
        for r in regions {
            let wr: Region = r
                .iter()
                .zip(weights.shape())
                .map(|(q, &n)| if n == 1 { 0..1 } else { q.clone() })
                .collect();
            let axes = axes.to_vec();
            let id = self.regions_task(
                &[data, weights],
                vec![r, wr],
                Box::new(move |blocks: Vec<NdArray>| match blocks.as_slice() {
                    [x, w] => Ok(TaskValue::single(weighted_sums(x, w, &axes)?)),
                    _ => Err(Error::internal("weighted sums of data and weights")),
                }),
            )?;
            tree.push(id, |deps| self.combine(deps, &label, add));
        }
        if let Some(root) = tree.finish(|deps| self.combine(deps, &label, add)) {
            return Ok(root);
        }
        // Nothing to reduce (a zero-length reduced dim): both sums are 0.
        let shape: Vec<usize> = out_region.iter().map(ExactSizeIterator::len).collect();
        Ok(self.graph.add_task(
            Vec::new(),
            format!("{label}, output block {out_block:?}"),
            region_len(&out_region) * 8,
            Box::new(move |_| Ok(TaskValue::single(NdArray::zeros(&shape, DType::F64)?))),
        ))
    }

    /// A task combining the partials of `deps` with `combine`; its size estimate is the
    /// largest partial's.
    fn combine(
        &mut self,
        deps: Vec<TaskId>,
        label: &str,
        combine: impl FnOnce(&[&TaskValue]) -> Result<TaskValue> + Send + 'static,
    ) -> TaskId {
        self.combine_owned(deps, label, move |v: Vec<Arc<TaskValue>>| {
            let refs: Vec<&TaskValue> = v.iter().map(AsRef::as_ref).collect();
            combine(&refs)
        })
    }

    /// [`Self::combine`] with the partials themselves: a value whose last consumer this
    /// is arrives unshared, and can be added into.
    fn combine_owned(
        &mut self,
        deps: Vec<TaskId>,
        label: &str,
        combine: impl FnOnce(Vec<Arc<TaskValue>>) -> Result<TaskValue> + Send + 'static,
    ) -> TaskId {
        let est = deps
            .iter()
            .map(|&d| self.graph.est_bytes(d))
            .max()
            .unwrap_or(0);
        self.graph
            .add_task(deps, format!("combine {label}"), est, Box::new(combine))
    }

    /// One output block (of the other dims' chunks) of a grouped aggregation, by the
    /// plan's method.
    fn group_reduce(
        &mut self,
        key: usize,
        input: &LazyArray,
        axis: usize,
        plan: &Arc<GroupPlan>,
        grid: &ChunkGrid,
        out_block: &[usize],
    ) -> Result<TaskId> {
        let label = format!("groupby {} of {}", plan.agg, input.label());
        let out_region = grid.block_region(out_block);
        let task_label = format!("{label}, output block {out_block:?}");
        match plan.method {
            Method::MapReduce => {
                self.group_map_reduce(input, axis, plan, &out_region, &label, task_label)
            }
            Method::Blockwise => {
                let positions = Arc::clone(
                    self.group_positions
                        .entry(key)
                        .or_insert_with(|| Arc::new(plan.positions())),
                );
                self.group_blockwise(
                    input,
                    axis,
                    plan,
                    &positions,
                    &out_region,
                    &label,
                    task_label,
                )
            }
        }
    }

    /// One output block of a grouped aggregation by map-reduce: one partial per input
    /// chunk along the grouped axis, each of shape `[ngroups, ...]` computed in one pass
    /// with that chunk's codes, combined `FAN_IN` at a time and finalized. No task per
    /// group per chunk, no shuffle: memory is the partials of one combine, whatever the
    /// length of the grouped axis.
    fn group_map_reduce(
        &mut self,
        input: &LazyArray,
        axis: usize,
        plan: &Arc<GroupPlan>,
        out_region: &Region,
        label: &str,
        task_label: String,
    ) -> Result<TaskId> {
        let out_bytes = region_len(out_region) * plan.out_dtype.size();
        // The first partial is the chain's running result: when the executor hands it
        // over (its last consumer), the others are added into it in place.
        let combine = |p: &Arc<GroupPlan>| {
            let p = Arc::clone(p);
            move |mut v: Vec<Arc<TaskValue>>| {
                if v.is_empty() {
                    return Err(Error::internal("combine of no partials"));
                }
                let first = Arc::try_unwrap(v.remove(0)).unwrap_or_else(|shared| (*shared).clone());
                let rest: Vec<&[NdArray]> = v.iter().map(|t| t.0.as_slice()).collect();
                Ok(TaskValue(p.combine(first.0, &rest)?))
            }
        };
        // The combines are made as the partials come, so that task ids (the executor's
        // order) finish each combine before starting more partials; chains, not a tree,
        // so that the partials alive at once do not grow with the grouped axis; a few
        // chains one after the other (CHAIN_SEGMENTS), each finished before the next.
        let mut chain = CombineChain::default();
        let mut roots = PairTree::default();
        let mut offset = 0;
        // Consecutive chunks along the grouped axis share one partial task, up to about
        // BATCH_BYTES of input: one time step per chunk would otherwise make a dense
        // [groups, ...] partial, and a combine, per time step.
        let row_bytes = out_region
            .iter()
            .enumerate()
            .filter(|(d, _)| *d != axis)
            .map(|(_, r)| r.len())
            .product::<usize>()
            .max(1)
            * input.dtype().size();
        // Large chunks (a step of a fine grid) still join up to MIN_BATCH_ROWS steps, up
        // to MAX_BATCH_BYTES: a partial holds two f64 columns per cell of its groups, so
        // a partial per 4-byte step would cost four times the data it sums, and the
        // combines copy it again.
        // A batch ends at a file's end (`open_mfdataset`): one spanning two would be read
        // as two parts and copied into one.
        let batches = input.joined_chunks(axis, |b, len| {
            (b + len) * row_bytes <= BATCH_BYTES
                || (b < MIN_BATCH_ROWS && (b + len) * row_bytes <= MAX_BATCH_BYTES)
        });
        let segments = batches.len().clamp(1, CHAIN_SEGMENTS);
        for (i, &len) in batches.iter().enumerate() {
            if i > 0 && i * segments / batches.len() != (i - 1) * segments / batches.len() {
                let done = std::mem::take(&mut chain);
                if let Some(root) =
                    done.finish(|deps| self.combine_owned(deps, label, combine(plan)))
                {
                    roots.push(root, |deps| self.combine_owned(deps, label, combine(plan)));
                }
            }
            let mut r = out_region.clone();
            r[axis] = offset..offset + len;
            let p = Arc::clone(plan);
            let start = offset;
            // The stored values, decoded by the chunk step as it reads them.
            let id = self.region_task_by(
                input,
                r,
                eval_undecoded,
                Box::new(move |(raw, decode): (NdArray, Option<Arc<MaskScale>>)| {
                    Ok(TaskValue(p.chunk_decoded(
                        &raw,
                        decode.as_deref(),
                        axis,
                        start,
                    )?))
                }),
            )?;
            offset += len;
            chain.push(id, |deps| self.combine_owned(deps, label, combine(plan)));
        }
        if let Some(root) = chain.finish(|deps| self.combine_owned(deps, label, combine(plan))) {
            roots.push(root, |deps| self.combine_owned(deps, label, combine(plan)));
        }
        let root = roots
            .finish(|deps| self.combine_owned(deps, label, combine(plan)))
            .ok_or_else(|| Error::internal("a grouped reduction has at least one partial"))?;
        let p = Arc::clone(plan);
        Ok(self.graph.add_task(
            vec![root],
            task_label,
            out_bytes,
            Box::new(move |v: Vec<Arc<TaskValue>>| {
                let part = v.first().ok_or_else(|| Error::internal("finalize input"))?;
                Ok(TaskValue::single(p.finalize(&part.0, axis)?))
            }),
        ))
    }

    /// One output block of a grouped aggregation by the blockwise method: a task per
    /// group pulling the group's members (one `take` of its positions per input chunk
    /// along the grouped axis, concatenated, all fused into the task: it reads one chunk
    /// at a time and keeps only the members), then one that stacks the groups.
    #[allow(clippy::too_many_arguments)]
    fn group_blockwise(
        &mut self,
        input: &LazyArray,
        axis: usize,
        plan: &Arc<GroupPlan>,
        positions: &[Vec<usize>],
        out_region: &Region,
        label: &str,
        task_label: String,
    ) -> Result<TaskId> {
        let along: Vec<usize> = input.grid().sizes()[axis].clone();
        let out_bytes = region_len(out_region) * plan.out_dtype.size();
        let mut deps = Vec::with_capacity(plan.ngroups);
        for (g, pos) in positions.iter().enumerate() {
            let mut r = out_region.clone();
            let mut rest_shape: Vec<usize> =
                out_region.iter().map(ExactSizeIterator::len).collect();
            rest_shape[axis] = 1;
            if pos.is_empty() {
                let p = Arc::clone(plan);
                deps.push(self.graph.add_task(
                    Vec::new(),
                    format!("{label}, empty group {g}"),
                    region_len(&r) * 8,
                    Box::new(move |_| Ok(TaskValue::single(p.empty_group(&rest_shape)?))),
                ));
                continue;
            }
            r[axis] = 0..pos.len();
            let mut parts = Vec::new();
            let mut chunk_start = 0;
            let mut rest = pos.as_slice();
            for &len in &along {
                let end = chunk_start + len;
                let k = rest.partition_point(|&p| p < end);
                if k > 0 {
                    parts.push(input.take(axis, &rest[..k])?);
                    rest = &rest[k..];
                }
                chunk_start = end;
            }
            let members = if parts.len() == 1 {
                parts.swap_remove(0)
            } else {
                LazyArray::concatenate(axis, &parts)?
            };
            let p = Arc::clone(plan);
            let pos = pos.clone();
            deps.push(self.region_task(
                &members,
                r,
                Some(Box::new(move |m: NdArray| {
                    Ok(TaskValue::single(p.group(&m, axis, &pos)?))
                })),
            )?);
        }
        Ok(self.graph.add_task(
            deps,
            task_label,
            out_bytes,
            Box::new(move |v: Vec<Arc<TaskValue>>| {
                let parts: Vec<NdArray> = v.iter().filter_map(|t| t.0.first().cloned()).collect();
                Ok(TaskValue::single(NdArray::concatenate(axis, &parts)?))
            }),
        ))
    }

    fn tensordot(
        &mut self,
        a: &LazyArray,
        b: &LazyArray,
        axes_a: &[usize],
        axes_b: &[usize],
        grid: &ChunkGrid,
        out_block: &[usize],
    ) -> Result<TaskId> {
        let free_a: Vec<usize> = (0..a.ndim()).filter(|x| !axes_a.contains(x)).collect();
        let free_b: Vec<usize> = (0..b.ndim()).filter(|x| !axes_b.contains(x)).collect();
        // The contraction is split as `a` is chunked along its contracted axes.
        let contract_grid = ChunkGrid::from_sizes(
            axes_a
                .iter()
                .map(|&x| a.grid().sizes()[x].clone())
                .collect(),
        )?;
        let label = format!("tensordot of {} and {}", a.label(), b.label());
        let out_region = grid.block_region(out_block);
        let mut partials = Vec::new();
        let mut contract_blocks = Vec::new();
        for_each_index(&contract_grid.blocks_per_dim(), |c| {
            contract_blocks.push(c.to_vec())
        });
        for cblock in contract_blocks {
            let creg = contract_grid.block_region(&cblock);
            let mut ra: Region = vec![0..0; a.ndim()];
            for (k, &x) in free_a.iter().enumerate() {
                ra[x] = out_region[k].clone();
            }
            for (k, &x) in axes_a.iter().enumerate() {
                ra[x] = creg[k].clone();
            }
            let mut rb: Region = vec![0..0; b.ndim()];
            for (k, &x) in free_b.iter().enumerate() {
                rb[x] = out_region[free_a.len() + k].clone();
            }
            for (k, &x) in axes_b.iter().enumerate() {
                rb[x] = creg[k].clone();
            }
            let ta = self.region_task(a, ra, None)?;
            let (axes_a2, axes_b2) = (axes_a.to_vec(), axes_b.to_vec());
            let tb_then: Box<dyn FnOnce(NdArray) -> Result<TaskValue> + Send> =
                Box::new(move |blk: NdArray| Ok(TaskValue::single(blk)));
            let tb = self.region_task(b, rb, Some(tb_then))?;
            let id = self.graph.add_task(
                vec![ta, tb],
                format!("{label}, output block {out_block:?}"),
                region_len(&out_region) * 8,
                Box::new(move |v: Vec<Arc<TaskValue>>| {
                    let get = |i: usize| {
                        v.get(i)
                            .and_then(|t| t.0.first().cloned())
                            .ok_or_else(|| Error::internal("tensordot inputs"))
                    };
                    Ok(TaskValue::single(crate::array::linalg::tensordot(
                        &get(0)?,
                        &get(1)?,
                        &axes_a2,
                        &axes_b2,
                    )?))
                }),
            );
            partials.push(id);
        }
        // Sum the products pairwise in a tree.
        while partials.len() > 1 {
            let mut next = Vec::new();
            for pair in partials.chunks(FAN_IN) {
                let deps = pair.to_vec();
                let est = self.graph.est_bytes(deps[0]);
                next.push(self.graph.add_task(
                    deps,
                    format!("sum of {label}"),
                    est,
                    Box::new(|v: Vec<Arc<TaskValue>>| {
                        let mut it = v.iter().filter_map(|t| t.0.first());
                        let mut acc = it
                            .next()
                            .cloned()
                            .ok_or_else(|| Error::internal("sum of no products"))?;
                        for x in it {
                            acc = kernels::binary(&acc, x, kernels::BinaryOp::Add)?;
                        }
                        Ok(TaskValue::single(acc))
                    }),
                ));
            }
            partials = next;
        }
        partials
            .pop()
            .ok_or_else(|| Error::internal("tensordot with no contraction block"))
    }

    fn map_blocks(
        &mut self,
        f: &BlockFn,
        inputs: &[LazyArray],
        grid: &ChunkGrid,
        block: &[usize],
    ) -> Result<TaskId> {
        let label = format!(
            "map_blocks over {}",
            inputs
                .iter()
                .map(LazyArray::label)
                .collect::<Vec<_>>()
                .join(", ")
        );
        let region = grid.block_region(block);
        let deps = inputs
            .iter()
            .map(|input| {
                // An input of length 1 along an axis gives its one row to every block.
                let own: Region = region
                    .iter()
                    .zip(input.shape())
                    .map(|(r, &n)| if n == 1 { 0..1 } else { r.clone() })
                    .collect();
                self.region_task(input, own, None)
            })
            .collect::<Result<Vec<_>>>()?;
        let f = Arc::clone(f);
        let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
        let task_label = format!("{label}, block {block:?}");
        let err_label = task_label.clone();
        Ok(self.graph.add_task(
            deps,
            task_label,
            region_len(&region) * 8,
            Box::new(move |v: Vec<Arc<TaskValue>>| {
                let args: Vec<NdArray> = v.into_iter().filter_map(TaskValue::into_first).collect();
                let out = f(args)?;
                if out.shape() != shape.as_slice() {
                    return Err(Error::ShapeMismatch {
                        what: format!("result of the function in {err_label}"),
                        expected: shape,
                        actual: out.shape().to_vec(),
                    });
                }
                Ok(TaskValue::single(out))
            }),
        ))
    }
}

impl Lowering {
    /// The task of one output block of a region map, on the input region it names
    /// (pulled from however many input chunks it spans).
    fn region_map(
        &mut self,
        input: &LazyArray,
        map: &Arc<RegionMap>,
        grid: &ChunkGrid,
        block: &[usize],
    ) -> Result<TaskId> {
        let region = grid.block_region(block);
        let wanted = (map.input_region)(&region);
        let map = Arc::clone(map);
        let label = format!("{} of {}, block {block:?}", map.name, input.label());
        let then = move |values: NdArray| -> Result<TaskValue> {
            let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
            let out = (map.apply)(&region, values)?;
            if out.shape() != shape.as_slice() {
                return Err(Error::ShapeMismatch {
                    what: format!("{label}: result"),
                    expected: shape,
                    actual: out.shape().to_vec(),
                });
            }
            Ok(TaskValue::single(out))
        };
        self.region_task(input, wanted, Some(Box::new(then)))
    }
}

/// The parts of `full` in each chunk of `grid` it overlaps, row-major.
fn chunk_regions(grid: &ChunkGrid, full: &Region) -> Vec<Region> {
    let overlap = grid.overlapping(full);
    let counts: Vec<usize> = overlap.iter().map(Vec::len).collect();
    let mut regions = Vec::new();
    for_each_index(&counts, |idx| {
        let r: Region = idx
            .iter()
            .zip(&overlap)
            .zip(full)
            .map(|((&i, o), f)| {
                let (_, local, off) = &o[i];
                let start = f.start + off;
                start..start + local.len()
            })
            .collect();
        regions.push(r);
    });
    regions
}

/// A combine tree built as partials arrive, like a counter in base `FAN_IN`: a level is
/// combined as soon as it holds `FAN_IN` members, so at most `FAN_IN - 1` finished
/// partials per level wait, and task ids (the executor's order) finish each combine
/// before more partials start.
#[derive(Default)]
struct CombineTree {
    levels: Vec<Vec<TaskId>>,
}

impl CombineTree {
    fn push(&mut self, id: TaskId, mut combine: impl FnMut(Vec<TaskId>) -> TaskId) {
        let mut id = id;
        let mut k = 0;
        loop {
            if self.levels.len() == k {
                self.levels.push(Vec::new());
            }
            self.levels[k].push(id);
            if self.levels[k].len() < FAN_IN {
                return;
            }
            id = combine(std::mem::take(&mut self.levels[k]));
            k += 1;
        }
    }

    /// Folds what is left, lowest level first; `None` when nothing was pushed.
    fn finish(self, mut combine: impl FnMut(Vec<TaskId>) -> TaskId) -> Option<TaskId> {
        let mut carry: Option<TaskId> = None;
        for mut members in self.levels {
            members.extend(carry.take());
            carry = match members.len() {
                0 => None,
                1 => members.pop(),
                _ => Some(combine(members)),
            };
        }
        carry
    }
}

/// Partials combined `FAN_IN` at a time into one running result, as they arrive: at
/// most `FAN_IN - 1` finished partials and the running result wait, however many
/// partials there are, where a [`CombineTree`] keeps up to `FAN_IN - 1` per level and
/// gains a level each `FAN_IN` times more partials. For partials as large as their
/// result (a grouped reduction's rows), so that memory stays flat in the length of
/// the reduced axis; each combine waits for the one before it.
#[derive(Default)]
struct CombineChain {
    waiting: Vec<TaskId>,
    result: Option<TaskId>,
}

impl CombineChain {
    fn push(&mut self, id: TaskId, combine: impl FnOnce(Vec<TaskId>) -> TaskId) {
        self.waiting.push(id);
        if self.waiting.len() == FAN_IN {
            let mut members: Vec<TaskId> = self.result.take().into_iter().collect();
            members.append(&mut self.waiting);
            self.result = Some(combine(members));
        }
    }

    /// Folds what is left into the running result; `None` when nothing was pushed.
    fn finish(mut self, combine: impl FnOnce(Vec<TaskId>) -> TaskId) -> Option<TaskId> {
        let mut members: Vec<TaskId> = self.result.take().into_iter().collect();
        members.append(&mut self.waiting);
        match members.len() {
            0 | 1 => members.pop(),
            _ => Some(combine(members)),
        }
    }
}

/// Results combined two by two as they arrive (a binary counter): the results of the
/// chains of one grouped reduction. At most one result per level is waiting, and a
/// contiguous run of chains (one MPI rank's share) is combined within the run before
/// anything leaves it.
#[derive(Default)]
struct PairTree {
    /// (level, task): the levels strictly decrease from the bottom.
    waiting: Vec<(u32, TaskId)>,
}

impl PairTree {
    fn push(&mut self, id: TaskId, mut combine: impl FnMut(Vec<TaskId>) -> TaskId) {
        let mut top = (0, id);
        while let Some(&(level, left)) = self.waiting.last() {
            if level != top.0 {
                break;
            }
            self.waiting.pop();
            top = (level + 1, combine(vec![left, top.1]));
        }
        self.waiting.push(top);
    }

    /// One combine of what is left; `None` when nothing was pushed.
    fn finish(mut self, combine: impl FnOnce(Vec<TaskId>) -> TaskId) -> Option<TaskId> {
        match self.waiting.len() {
            0 | 1 => self.waiting.pop().map(|(_, id)| id),
            _ => Some(combine(
                self.waiting.into_iter().map(|(_, id)| id).collect(),
            )),
        }
    }
}

fn fmt_region(region: &Region) -> String {
    let parts: Vec<String> = region
        .iter()
        .map(|r| format!("{}..{}", r.start, r.end))
        .collect();
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::aggregation::GroupAgg;

    /// A combine that records its members and returns ids from 100 on.
    fn recorder(log: &mut Vec<Vec<TaskId>>) -> impl FnMut(Vec<TaskId>) -> TaskId + '_ {
        move |members| {
            log.push(members);
            100 + log.len() - 1
        }
    }

    #[test]
    fn chains_results_are_combined_two_by_two_as_they_arrive() {
        let mut log = Vec::new();
        let mut tree = PairTree::default();
        for id in 0..6 {
            tree.push(id, recorder(&mut log));
        }
        let root = tree.finish(recorder(&mut log));
        // (0 1) (2 3) ((0 1) (2 3)) (4 5), then the two left over in one.
        assert_eq!(
            log,
            vec![
                vec![0, 1],
                vec![2, 3],
                vec![100, 101],
                vec![4, 5],
                vec![102, 103]
            ]
        );
        assert_eq!(root, Some(104));

        let mut log = Vec::new();
        let mut tree = PairTree::default();
        tree.push(7, recorder(&mut log));
        assert_eq!(tree.finish(recorder(&mut log)), Some(7));
        assert!(log.is_empty());
        assert_eq!(PairTree::default().finish(recorder(&mut log)), None);
    }

    /// Three "files" of 4, 5 and 2 one-step chunks, small enough to join into one batch:
    /// the grouped mean's partials still read each file on its own (no batch read in two
    /// parts and copied into one), and the answer is the eager one.
    #[test]
    fn grouped_batches_end_at_a_file_boundary() {
        let ok = |r: Result<LazyArray>| r.unwrap_or_else(|e| panic!("{e}"));
        let part = |n: usize, first: usize| {
            let vals: Vec<f64> = (first..first + n)
                .flat_map(|i| [i as f64, -(i as f64)])
                .collect();
            let a = NdArray::from_shape_vec(&[n, 2], vals).unwrap_or_else(|e| panic!("{e}"));
            ok(LazyArray::from_array(a, &[1, 2]))
        };
        let cat = ok(LazyArray::concatenate(
            0,
            &[part(4, 0), part(5, 4), part(2, 9)],
        ));
        let codes: Vec<i64> = (0..11).map(|i| i % 3).collect();
        let plan = GroupPlan {
            agg: GroupAgg::Mean,
            method: Method::MapReduce,
            skipna: true,
            ddof: 0,
            ngroups: 3,
            codes: codes.into(),
            weights: None,
            empty: vec![false; 3].into(),
            out_dtype: DType::F64,
        };
        let values = cat.compute().unwrap_or_else(|e| panic!("{e}"));
        let eager = plan.eager(&values, 0).unwrap_or_else(|e| panic!("{e}"));
        let grouped = ok(cat.group_reduce(0, plan));
        let mut low = Lowering::new();
        low.blocks(&grouped, grouped.grid())
            .unwrap_or_else(|e| panic!("{e}"));
        let reads: Vec<&str> = (0..low.graph.len())
            .map(|t| low.graph.label(t))
            .filter(|l| l.starts_with("in-memory array block ["))
            .collect();
        let starts: Vec<&str> = reads
            .iter()
            .filter_map(|l| l.split(" block [").nth(1)?.split(',').next())
            .collect();
        assert_eq!(starts, ["0..4", "4..9", "9..11"], "{reads:?}");
        let lazy = grouped.compute().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lazy.to_f64_vec().ok(), eager.to_f64_vec().ok());
    }
}
