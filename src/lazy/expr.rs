//! Expression nodes of lazy arrays, how a region of a node maps to regions of its
//! inputs, and how a region is evaluated by pulling it through fused nodes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::overlap::RegionMap;
use super::{assemble, ChunkSource, LazyArray};
use crate::array::aggregation::{GroupPlan, Method};
use crate::array::chunks::{join_runs_within, ChunkGrid, Region};
use crate::array::kernels::{self, BinaryOp, MaskScale, ReduceParams, Reduction, UnaryOp};
use crate::array::{DType, NdArray};
use crate::dist::TaskValue;
use crate::error::{Error, Result};

/// A function applied block by block (`map_blocks`), handed the blocks: one no other
/// task still reads is its own (its data not shared), to change in place.
pub type BlockFn = Arc<dyn Fn(Vec<NdArray>) -> Result<NdArray> + Send + Sync>;

/// An elementwise function of one array (any region in, same shape out), fused.
pub type ElemFn = Arc<dyn Fn(&NdArray) -> Result<NdArray> + Send + Sync>;

/// One node of a lazy expression.
///
/// Fused nodes (everything but the materialised ones) are evaluated inside the task that
/// needs them, on exactly the region it needs, so a chain of elementwise, slicing,
/// broadcasting and transposing operations runs in one task and one pass. Materialised
/// nodes (reductions, tensordot, map_blocks) become tasks of their own; consumers read
/// their output blocks.
pub(crate) enum Expr {
    Source(Arc<dyn ChunkSource>),
    Memory(NdArray),
    /// In-memory values stored chunk by chunk (each block contiguous), as `from_array`
    /// and `persist` keep them: an aligned region is a block itself, with no copy.
    Blocks {
        grid: ChunkGrid,
        blocks: Arc<[NdArray]>,
    },
    Unary(UnaryOp, LazyArray),
    Binary(BinaryOp, LazyArray, LazyArray),
    Cast(DType, LazyArray),
    /// An elementwise function, fused into the task that reads its input; with the CF
    /// decoding it is, when it is one (a kernel that reads every value may then decode
    /// them as it reads, see [`eval_undecoded`]).
    Map(ElemFn, LazyArray, Option<Arc<MaskScale>>),
    /// Axis `i` of the result is axis `perm[i]` of the input.
    Permute(Vec<usize>, LazyArray),
    InsertAxis(usize, LazyArray),
    RemoveAxis(usize, LazyArray),
    /// Input has the same ndim, with size 1 where the shape is larger.
    BroadcastTo(LazyArray),
    Slice {
        axis: usize,
        start: usize,
        step: usize,
        input: LazyArray,
    },
    Take {
        axis: usize,
        indices: Arc<[usize]>,
        input: LazyArray,
    },
    Concat {
        axis: usize,
        parts: Vec<LazyArray>,
    },
    Reduce {
        input: LazyArray,
        axes: Vec<usize>,
        op: Reduction,
        params: ReduceParams,
        method: Method,
        grid: ChunkGrid,
    },
    TensorDot {
        a: LazyArray,
        b: LazyArray,
        axes_a: Vec<usize>,
        axes_b: Vec<usize>,
        grid: ChunkGrid,
    },
    MapBlocks {
        f: BlockFn,
        inputs: Vec<LazyArray>,
        grid: ChunkGrid,
    },
    /// A grouped aggregation along `axis` (which becomes the group axis): a partial per
    /// input chunk, a tree of combines and a finalize per output block.
    GroupReduce {
        input: LazyArray,
        axis: usize,
        plan: Arc<GroupPlan>,
        grid: ChunkGrid,
    },
    /// `Σ data·weights` and `Σ weights` over `axes` (NaN data skipped), stacked along a
    /// new leading axis of length 2 (one chunk): one pass over each chunk of `data` and
    /// the matching part of `weights` (same ndim, size 1 where broadcast), a tree of
    /// sums. See `aggregation::weighted_sums`.
    WeightedSums {
        data: LazyArray,
        weights: LazyArray,
        axes: Vec<usize>,
        grid: ChunkGrid,
    },
    /// Each output block computed from one region of the input (`map_overlap`,
    /// `coarsen`): see `overlap.rs`.
    RegionMap {
        input: LazyArray,
        map: Arc<RegionMap>,
        grid: ChunkGrid,
    },
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Expr {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Expr::Source(_) => "source",
            Expr::Memory(_) => "memory",
            Expr::Blocks { .. } => "blocks",
            Expr::Unary(..) => "unary",
            Expr::Binary(..) => "binary",
            Expr::Cast(..) => "astype",
            Expr::Map(..) => "map",
            Expr::Permute(..) => "transpose",
            Expr::InsertAxis(..) => "expand_dims",
            Expr::RemoveAxis(..) => "squeeze",
            Expr::BroadcastTo(..) => "broadcast",
            Expr::Slice { .. } => "slice",
            Expr::Take { .. } => "take",
            Expr::Concat { .. } => "concat",
            Expr::Reduce { .. } => "reduce",
            Expr::TensorDot { .. } => "tensordot",
            Expr::MapBlocks { .. } => "map_blocks",
            Expr::GroupReduce { .. } => "group_reduce",
            Expr::WeightedSums { .. } => "weighted sums",
            Expr::RegionMap { map, .. } => map.name,
        }
    }

    /// The block grid of a materialised node; `None` for fused nodes.
    pub(crate) fn materialized_grid(&self) -> Option<&ChunkGrid> {
        match self {
            Expr::Reduce { grid, .. }
            | Expr::TensorDot { grid, .. }
            | Expr::MapBlocks { grid, .. }
            | Expr::GroupReduce { grid, .. }
            | Expr::WeightedSums { grid, .. }
            | Expr::RegionMap { grid, .. } => Some(grid),
            _ => None,
        }
    }

    /// The inputs a fused node pulls from, each with the region it needs for `region`.
    /// Materialised nodes and leaves have none.
    pub(crate) fn input_regions(&self, region: &Region) -> Vec<(&LazyArray, Region)> {
        let same_or_one = |input: &LazyArray| -> Region {
            region
                .iter()
                .zip(input.shape())
                .map(|(r, &n)| if n == 1 { 0..1 } else { r.clone() })
                .collect()
        };
        match self {
            Expr::Source(_) | Expr::Memory(_) | Expr::Blocks { .. } => Vec::new(),
            Expr::Reduce { .. }
            | Expr::TensorDot { .. }
            | Expr::MapBlocks { .. }
            | Expr::GroupReduce { .. }
            | Expr::WeightedSums { .. }
            | Expr::RegionMap { .. } => Vec::new(),
            Expr::Unary(_, a) | Expr::Cast(_, a) | Expr::Map(_, a, _) => vec![(a, region.clone())],
            Expr::Binary(_, a, b) => vec![(a, same_or_one(a)), (b, same_or_one(b))],
            Expr::BroadcastTo(a) => vec![(a, same_or_one(a))],
            Expr::Permute(perm, a) => {
                let mut r = vec![0..0; perm.len()];
                for (i, &p) in perm.iter().enumerate() {
                    r[p] = region[i].clone();
                }
                vec![(a, r)]
            }
            Expr::InsertAxis(ax, a) => {
                let mut r = region.clone();
                r.remove(*ax);
                vec![(a, r)]
            }
            Expr::RemoveAxis(ax, a) => {
                let mut r = region.clone();
                r.insert(*ax, 0..1);
                vec![(a, r)]
            }
            Expr::Slice {
                axis,
                start,
                step,
                input,
            } => {
                let mut r = region.clone();
                let q = &region[*axis];
                r[*axis] = if q.is_empty() {
                    *start..*start
                } else {
                    start + q.start * step..start + (q.end - 1) * step + 1
                };
                vec![(input, r)]
            }
            Expr::Take {
                axis,
                indices,
                input,
            } => {
                let mut r = region.clone();
                let wanted = &indices[region[*axis].clone()];
                let lo = wanted.iter().copied().min().unwrap_or(0);
                let hi = wanted.iter().copied().max().map_or(lo, |m| m + 1);
                r[*axis] = lo..hi;
                vec![(input, r)]
            }
            Expr::Concat { axis, parts } => {
                let mut out = Vec::new();
                let mut offset = 0;
                let q = &region[*axis];
                for p in parts {
                    let n = p.shape()[*axis];
                    let lo = q.start.max(offset);
                    let hi = q.end.min(offset + n);
                    if lo < hi {
                        let mut r = region.clone();
                        r[*axis] = lo - offset..hi - offset;
                        out.push((p, r));
                    }
                    offset += n;
                }
                out
            }
        }
    }
}

thread_local! {
    /// The source reads of the task evaluating on this thread, by (node address,
    /// region), while [`with_read_cache`] runs it.
    static READS: RefCell<Option<HashMap<(usize, Region), NdArray>>> = const { RefCell::new(None) };
}

/// Runs `f` (a task's evaluation) keeping every source region it reads, so that a
/// second pull of the same region (a value and its mask, stacked into one reduction)
/// reads and decodes it once.
pub(crate) fn with_read_cache<T>(f: impl FnOnce() -> T) -> T {
    /// Puts the outer cache back (tasks may nest on a thread that waits in rayon),
    /// also when `f` panics.
    struct Restore(Option<HashMap<(usize, Region), NdArray>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            READS.with(|r| *r.borrow_mut() = outer);
        }
    }
    let outer = READS.with(|r| r.borrow_mut().replace(HashMap::new()));
    let _restore = Restore(outer);
    f()
}

/// Whether evaluating `arr` over `region` pulls some source region more than once.
pub(crate) fn reads_a_region_twice(arr: &LazyArray, region: &Region) -> bool {
    fn walk(arr: &LazyArray, region: &Region, seen: &mut Vec<(usize, Region)>) -> bool {
        if arr.expr.materialized_grid().is_some() {
            return false;
        }
        if let Expr::Source(_) = &*arr.expr {
            let key = (node_key(&arr.expr), region.clone());
            if seen.contains(&key) {
                return true;
            }
            seen.push(key);
            return false;
        }
        arr.expr
            .input_regions(region)
            .iter()
            .any(|(input, r)| walk(input, r, seen))
    }
    walk(arr, region, &mut Vec::new())
}

/// A source region's values: from the task's read cache when one is on (reading and
/// keeping them the first time).
fn read_source(expr: &Arc<Expr>, src: &Arc<dyn ChunkSource>, region: &Region) -> Result<NdArray> {
    let key = (node_key(expr), region.clone());
    let cached = READS.with(|r| r.borrow().as_ref().map(|m| m.get(&key).cloned()));
    match cached {
        None => src.read(region),
        Some(Some(v)) => Ok(v),
        Some(None) => {
            let v = src.read(region)?;
            READS.with(|r| {
                if let Some(m) = r.borrow_mut().as_mut() {
                    m.insert(key, v.clone());
                }
            });
            Ok(v)
        }
    }
}

/// `region` of a CF decoding of a source, read and decoded by the source in one pass
/// ([`ChunkSource::read_decoded`]); `None` when `arr` is something else or the source
/// does not decode, or when the task shares its reads through the read cache (which
/// holds stored values).
fn read_decoded(arr: &LazyArray, region: &Region) -> Option<Result<NdArray>> {
    let Expr::Map(_, input, Some(decode)) = &*arr.expr else {
        return None;
    };
    let Expr::Source(src) = &*input.expr else {
        return None;
    };
    if READS.with(|r| r.borrow().is_some()) {
        return None;
    }
    src.read_decoded(region, decode)
}

/// The one value every element of `arr` over `region` holds, when the sources know it
/// without reading (never-written chunks, see [`ChunkSource::constant`]) and it flows
/// through the fused nodes in between: elementwise nodes (a CF mask/scale `Map`) apply to
/// the one value, and layout nodes keep it. A one-element array of shape `[1; ndim]`;
/// `None` when unknown (a materialised or in-memory input, an empty region, or an
/// elementwise function that fails on the value, which the real evaluation then reports).
pub(crate) fn constant_region(arr: &LazyArray, region: &Region) -> Option<NdArray> {
    if region.iter().any(|r| r.is_empty()) || arr.expr.materialized_grid().is_some() {
        return None;
    }
    let ones = vec![1; arr.ndim()];
    let value = match &*arr.expr {
        Expr::Source(src) => src.constant(region)?,
        Expr::Memory(_) | Expr::Blocks { .. } => return None,
        Expr::Unary(op, a) => kernels::unary(&constant_region(a, region)?, *op).ok()?,
        Expr::Binary(op, a, b) => {
            let [(_, ra), (_, rb)] = &arr.expr.input_regions(region)[..] else {
                return None;
            };
            let (va, vb) = (constant_region(a, ra)?, constant_region(b, rb)?);
            kernels::binary(&va, &vb, *op).ok()?
        }
        Expr::Cast(dtype, a) => constant_region(a, region)?.astype(*dtype).ok()?,
        Expr::Map(f, a, _) => {
            let v = constant_region(a, region)?;
            let out = f(&v).ok()?;
            (out.len() == 1).then_some(out)?
        }
        _ => {
            let mut value: Option<NdArray> = None;
            for (input, r) in arr.expr.input_regions(region) {
                let v = constant_region(input, &r)?;
                match &value {
                    Some(seen) if !same_value(seen, &v) => return None,
                    Some(_) => {}
                    None => value = Some(v),
                }
            }
            value?
        }
    };
    value.reshape(&ones).ok()
}

/// Whether two one-element arrays hold the same value (NaN equal to NaN).
fn same_value(a: &NdArray, b: &NdArray) -> bool {
    match (a.get_flat(0), b.get_flat(0)) {
        (Ok(x), Ok(y)) => a.dtype() == b.dtype() && (x == y || x.to_string() == y.to_string()),
        _ => false,
    }
}

/// Values of materialised blocks available to a task: (node address, block number).
pub(crate) type Inputs = HashMap<(usize, usize), Arc<TaskValue>>;

pub(crate) fn node_key(expr: &Arc<Expr>) -> usize {
    Arc::as_ptr(expr) as *const () as usize
}

/// The materialised blocks that evaluating `arr` over `region` reads.
pub(crate) fn needed_blocks(arr: &LazyArray, region: &Region, out: &mut Vec<(Arc<Expr>, usize)>) {
    if let Some(grid) = arr.expr.materialized_grid() {
        let overlap = grid.overlapping(region);
        let counts: Vec<usize> = overlap.iter().map(Vec::len).collect();
        crate::array::chunks::for_each_index(&counts, |idx| {
            let block: Vec<usize> = idx.iter().zip(&overlap).map(|(&i, o)| o[i].0).collect();
            let linear = grid.linear_index(&block);
            if !out
                .iter()
                .any(|(e, l)| Arc::ptr_eq(e, &arr.expr) && *l == linear)
            {
                out.push((Arc::clone(&arr.expr), linear));
            }
        });
        return;
    }
    for (input, r) in arr.expr.input_regions(region) {
        needed_blocks(input, &r, out);
    }
}

/// Evaluates `arr` over `region`, pulling through fused nodes; materialised blocks come
/// from `inputs`.
pub(crate) fn eval(arr: &LazyArray, region: &Region, inputs: &Inputs) -> Result<NdArray> {
    let expr = &arr.expr;
    if let Some(grid) = expr.materialized_grid() {
        let key = node_key(expr);
        return assemble(grid, region, arr.dtype(), |linear| {
            inputs
                .get(&(key, linear))
                .and_then(|v| v.0.first().cloned())
                .ok_or_else(|| {
                    Error::internal(format!(
                        "block {linear} of a {} node was not computed",
                        expr.name()
                    ))
                })
        });
    }
    if !matches!(&**expr, Expr::Memory(_) | Expr::Blocks { .. }) {
        // A never-written region is its one value, broadcast: nothing read or decoded.
        if let Some(v) = constant_region(arr, region) {
            let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
            return v.broadcast_to(&shape);
        }
    }
    if let Some(v) = read_decoded(arr, region) {
        return v;
    }
    if matches!(
        &**expr,
        Expr::Unary(..) | Expr::Binary(..) | Expr::Cast(..) | Expr::Map(..)
    ) {
        if let Some(v) = super::fuse::eval_fused(arr, region, inputs)? {
            return Ok(v);
        }
    }
    let pulled = expr.input_regions(region);
    let mut vals = Vec::with_capacity(pulled.len());
    for (input, r) in &pulled {
        vals.push(eval(input, r, inputs)?);
    }
    let first = || {
        vals.first()
            .cloned()
            .ok_or_else(|| Error::internal("a fused node has an input"))
    };
    match &**expr {
        Expr::Source(src) => read_source(expr, src, region),
        Expr::Memory(a) => slice_region(a, region),
        Expr::Blocks { grid, blocks } => assemble(grid, region, arr.dtype(), |linear| {
            blocks
                .get(linear)
                .cloned()
                .ok_or_else(|| Error::internal("block number in range"))
        }),
        Expr::Unary(op, _) => kernels::unary(&first()?, *op),
        Expr::Binary(op, _, _) => match vals.as_slice() {
            [a, b] => kernels::binary(a, b, *op),
            _ => Err(Error::internal("binary node needs two inputs")),
        },
        Expr::Cast(dtype, _) => first()?.astype(*dtype),
        Expr::Map(f, _, _) => {
            let input = first()?;
            let out = f(&input)?;
            if out.shape() != input.shape() {
                return Err(Error::ShapeMismatch {
                    what: format!("result of an elementwise function on {}", arr.label()),
                    expected: input.shape().to_vec(),
                    actual: out.shape().to_vec(),
                });
            }
            Ok(out)
        }
        Expr::Permute(perm, _) => first()?.permute(perm),
        Expr::InsertAxis(ax, _) => first()?.insert_axis(*ax),
        Expr::RemoveAxis(ax, _) => first()?.remove_axis(*ax),
        Expr::BroadcastTo(_) => {
            let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
            first()?.broadcast_to(&shape)
        }
        Expr::Slice { axis, step, .. } => {
            let v = first()?;
            let n = v.shape()[*axis];
            v.slice_axis(*axis, 0, n, *step)
        }
        Expr::Take { axis, indices, .. } => {
            let v = first()?;
            let wanted = &indices[region[*axis].clone()];
            let lo = wanted.iter().copied().min().unwrap_or(0);
            let local: Vec<usize> = wanted.iter().map(|&i| i - lo).collect();
            v.take(*axis, &local)
        }
        Expr::Concat { axis, .. } => join(*axis, vals, arr.dtype(), region),
        Expr::Reduce { .. }
        | Expr::TensorDot { .. }
        | Expr::MapBlocks { .. }
        | Expr::GroupReduce { .. }
        | Expr::WeightedSums { .. }
        | Expr::RegionMap { .. } => Err(Error::internal(
            "materialised nodes are read from their blocks",
        )),
    }
}

/// `region` of `arr` as [`eval`] gives it, or, when `arr` is a CF decoding (or a
/// concatenation or transpose of parts decoded alike, which `open_mfdataset` makes), its
/// stored values and the decoding left to do: for a kernel that decodes each value as it
/// reads it.
pub(crate) fn eval_undecoded(
    arr: &LazyArray,
    region: &Region,
    inputs: &Inputs,
) -> Result<(NdArray, Option<Arc<MaskScale>>)> {
    match &*arr.expr {
        // A never-written region is one value, which `eval` broadcasts decoded.
        Expr::Map(_, input, Some(decode)) if constant_region(arr, region).is_none() => {
            Ok((eval(input, region, inputs)?, Some(Arc::clone(decode))))
        }
        // Decoding is elementwise: it commutes with a transpose (`open_mfdataset` puts
        // one on each file's variable).
        Expr::Permute(perm, _) => {
            let pulled = arr.expr.input_regions(region);
            let [(input, r)] = &pulled[..] else {
                return Err(Error::internal("a transpose has one input"));
            };
            let (raw, decode) = eval_undecoded(input, r, inputs)?;
            Ok((raw.permute(perm)?, decode))
        }
        Expr::Concat { axis, .. } => {
            let mut parts = Vec::new();
            for (part, r) in arr.expr.input_regions(region) {
                parts.push(eval_undecoded(part, &r, inputs)?);
            }
            let alike = parts.windows(2).all(|w| match (&w[0], &w[1]) {
                ((a, Some(da)), (b, Some(db))) => a.dtype() == b.dtype() && da == db,
                _ => false,
            });
            let decode = match parts.first() {
                Some((_, Some(d))) if alike => Some(Arc::clone(d)),
                _ => None,
            };
            let values = parts
                .into_iter()
                .map(|(v, d)| match d {
                    Some(d) if decode.is_none() => d.apply(&v),
                    _ => Ok(v),
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((join(*axis, values, arr.dtype(), region)?, decode))
        }
        _ => Ok((eval(arr, region, inputs)?, None)),
    }
}

/// The offsets along `axis` of `arr` where a part of a concatenation starts (increasing,
/// none at 0), seen through the nodes that [`eval_undecoded`] reads through: a region
/// that spans one is read part by part and joined, a copy that a region ending there
/// avoids (`open_mfdataset`'s file boundaries along `time`).
pub(crate) fn part_starts(arr: &LazyArray, axis: usize) -> Vec<usize> {
    match &*arr.expr {
        Expr::Map(_, input, _) | Expr::Unary(_, input) | Expr::Cast(_, input) => {
            part_starts(input, axis)
        }
        Expr::Permute(perm, input) => perm
            .get(axis)
            .map_or_else(Vec::new, |&a| part_starts(input, a)),
        Expr::Concat { axis: a, parts } if *a == axis => {
            let mut starts = Vec::new();
            let mut offset = 0;
            for part in parts {
                if offset > 0 {
                    starts.push(offset);
                }
                starts.extend(part_starts(part, axis).into_iter().map(|s| s + offset));
                offset += part.shape().get(axis).copied().unwrap_or(0);
            }
            starts
        }
        _ => Vec::new(),
    }
}

/// The offsets along `axis` of `arr` (increasing, none at 0 or at the end) where its
/// values pass from one block to the next: the blocks of a materialised node or of
/// in-memory blocks, the chunks of a source, the parts of a concatenation; seen through
/// elementwise nodes, broadcasts and transposes. A region that crosses none is
/// evaluated without joining blocks into a new array. `None` for what is not looked
/// through (slices, gathers, axes inserted or removed).
pub(crate) fn block_breaks(arr: &LazyArray, axis: usize) -> Option<Vec<usize>> {
    let within = |grid: &ChunkGrid| -> Option<Vec<usize>> {
        let sizes = grid.sizes().get(axis)?;
        let mut starts: Vec<usize> = sizes
            .iter()
            .scan(0, |end, &n| {
                *end += n;
                Some(*end)
            })
            .collect();
        starts.pop();
        Some(starts)
    };
    // The breaks of every input that is not one row along `axis` (broadcast), merged.
    let union = |inputs: &[&LazyArray]| -> Option<Vec<usize>> {
        let mut all = Vec::new();
        for input in inputs {
            if input.shape().get(axis) != Some(&1) {
                all.extend(block_breaks(input, axis)?);
            }
        }
        all.sort_unstable();
        all.dedup();
        Some(all)
    };
    if let Some(grid) = arr.expr.materialized_grid() {
        return within(grid);
    }
    match &*arr.expr {
        Expr::Memory(_) => Some(Vec::new()),
        Expr::Source(_) => within(&arr.grid),
        Expr::Blocks { grid, .. } => within(grid),
        Expr::Unary(_, a) | Expr::Cast(_, a) | Expr::Map(_, a, _) | Expr::BroadcastTo(a) => {
            union(&[a])
        }
        Expr::Binary(_, a, b) => union(&[a, b]),
        Expr::Permute(perm, a) => block_breaks(a, *perm.get(axis)?),
        Expr::Concat { axis: along, parts } if *along == axis => {
            let mut breaks = Vec::new();
            let mut offset = 0;
            for part in parts {
                if offset > 0 {
                    breaks.push(offset);
                }
                breaks.extend(block_breaks(part, axis)?.into_iter().map(|b| b + offset));
                offset += part.shape().get(axis).copied().unwrap_or(0);
            }
            Some(breaks)
        }
        Expr::Concat { parts, .. } => union(&parts.iter().collect::<Vec<_>>()),
        _ => None,
    }
}

impl LazyArray {
    /// The grid a writer writes the array in: its own, with consecutive chunks along
    /// the first axis joined into blocks of up to `max_bytes`, where no
    /// [`block_breaks`] lies between them. Each joined block is then a view of one
    /// block already computed (`ffill`'s blocks of many one-step chunks), and is written
    /// in one call, not one per chunk. The array's own grid when nothing joins.
    pub(crate) fn write_grid(&self, max_bytes: usize) -> ChunkGrid {
        let sizes = self.grid.sizes();
        let (Some(first), Some(breaks)) = (sizes.first(), block_breaks(self, 0)) else {
            return self.grid.clone();
        };
        let row_bytes = self.row_bytes(0);
        let joined = join_runs_within(first, &breaks, |block, n| {
            (block + n).saturating_mul(row_bytes) <= max_bytes
        });
        if joined.len() == first.len() {
            return self.grid.clone();
        }
        let mut sizes = sizes.to_vec();
        sizes[0] = joined;
        ChunkGrid::from_sizes(sizes).unwrap_or_else(|_| self.grid.clone())
    }

    /// The bytes of one step along `axis` of the largest block: the largest chunk along
    /// every other axis, times the item size (at least 1 each).
    pub(crate) fn row_bytes(&self, axis: usize) -> usize {
        self.grid
            .sizes()
            .iter()
            .enumerate()
            .filter(|&(a, _)| a != axis)
            .map(|(_, s)| s.iter().copied().max().unwrap_or(0).max(1))
            .product::<usize>()
            * self.dtype.size().max(1)
    }

    /// The chunks of `axis` joined into blocks of whole chunks, each chunk joining the
    /// block before it while `joins(block, chunk)` (their sizes) says so, and never
    /// across a part of a concatenation (a file of `open_mfdataset`, see
    /// [`part_starts`]): a block spanning two would be read in two parts and copied into
    /// one. Grouped reductions, weighted sums and `ffill` batch one-step chunks so.
    pub(crate) fn joined_chunks(
        &self,
        axis: usize,
        joins: impl Fn(usize, usize) -> bool,
    ) -> Vec<usize> {
        let sizes = self.grid.sizes().get(axis).map_or(&[][..], Vec::as_slice);
        join_runs_within(sizes, &part_starts(self, axis), joins)
    }
}

/// The parts of a concatenation along `axis`, joined: the one part as it is, none as an
/// empty `region` of `dtype`.
fn join(axis: usize, mut parts: Vec<NdArray>, dtype: DType, region: &Region) -> Result<NdArray> {
    match parts.len() {
        0 => empty_region(dtype, region),
        1 => Ok(parts.swap_remove(0)),
        _ => NdArray::concatenate(axis, &parts),
    }
}

/// The part of an in-memory array inside `region` (a view, no copy).
pub(crate) fn slice_region(a: &NdArray, region: &Region) -> Result<NdArray> {
    let mut out = a.clone();
    for (axis, r) in region.iter().enumerate() {
        if r.start != 0 || r.end != out.shape()[axis] {
            out = out.slice_axis(axis, r.start, r.end, 1)?;
        }
    }
    Ok(out)
}

fn empty_region(dtype: DType, region: &Region) -> Result<NdArray> {
    let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
    NdArray::zeros(&shape, dtype)
}
