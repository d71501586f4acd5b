//! Lazy chunked arrays: an expression over chunk sources, computed by a task graph.
//!
//! A [`LazyArray`] records what to compute and how it is split into chunks; nothing is
//! read until [`LazyArray::compute`]. Elementwise operations, slicing, broadcasting and
//! transposes are fused into the tasks that read the chunks; reductions are trees of
//! per-chunk partials; `tensordot` is blocked. Memory stays bounded by the executor's
//! budget whatever the size of the array.

mod blockwise;
mod coarsen;
mod compute;
mod data;
pub(crate) mod expr;
pub(crate) mod fuse;
mod interpolate_na;
pub(crate) mod lower;
mod overlap;
mod push;
mod scan;
mod source;

use std::ops::Range;
use std::sync::Arc;

pub(crate) use self::compute::compute_many_local;
pub use self::compute::{compute_many, persist_many};
pub use self::data::Data;
use self::expr::{BlockFn, Expr};
pub use self::overlap::OverlapBoundary;
pub use self::source::{ChunkSource, RandomSource};
use crate::array::aggregation::{GroupPlan, Method};
use crate::array::chunks::{for_each_index, ChunkGrid, Region};
use crate::array::kernels::{self, BinaryOp, MaskScale, ReduceParams, Reduction, UnaryOp};
use crate::array::{DType, Element, NdArray};
use crate::dist::{Executor, LocalExecutor};
use crate::error::{Error, Result};

/// A lazily evaluated, chunked N-D array.
///
/// Cloning is cheap. Every operation returns a new lazy array; [`LazyArray::compute`]
/// runs the task graph and returns an in-memory [`NdArray`].
#[derive(Debug, Clone)]
pub struct LazyArray {
    dtype: DType,
    shape: Vec<usize>,
    grid: ChunkGrid,
    label: Arc<str>,
    pub(crate) expr: Arc<Expr>,
}

impl LazyArray {
    fn from_expr(
        dtype: DType,
        shape: Vec<usize>,
        grid: ChunkGrid,
        label: Arc<str>,
        expr: Expr,
    ) -> Self {
        LazyArray {
            dtype,
            shape,
            grid,
            label,
            expr: Arc::new(expr),
        }
    }

    fn derive(&self, dtype: DType, shape: Vec<usize>, grid: ChunkGrid, expr: Expr) -> Self {
        Self::from_expr(dtype, shape, grid, Arc::clone(&self.label), expr)
    }

    /// A lazy array reading from `source`, chunked as the source stores it.
    pub fn from_source(source: Arc<dyn ChunkSource>) -> Self {
        let label: Arc<str> = source.label().into();
        Self::from_expr(
            source.dtype(),
            source.shape().to_vec(),
            source.chunks().clone(),
            label,
            Expr::Source(source),
        )
    }

    /// An in-memory array split into chunks of `chunk_shape` (0 = whole dim).
    ///
    /// # Errors
    /// When `chunk_shape` does not have one entry per dim.
    pub fn from_array(array: NdArray, chunk_shape: &[usize]) -> Result<Self> {
        let grid = ChunkGrid::regular(array.shape(), chunk_shape)?;
        let (dtype, shape) = (array.dtype(), array.shape().to_vec());
        let expr = if grid.num_blocks() <= 1 {
            Expr::Memory(array)
        } else {
            // One contiguous copy per chunk, so that tasks read their chunk in place.
            let mut blocks = Vec::with_capacity(grid.num_blocks());
            for linear in 0..grid.num_blocks() {
                let region = grid.block_region(&grid.block_index(linear));
                blocks.push(expr::slice_region(&array, &region)?.to_standard_layout());
            }
            Expr::Blocks {
                grid: grid.clone(),
                blocks: blocks.into(),
            }
        };
        Ok(Self::from_expr(
            dtype,
            shape,
            grid,
            "in-memory array".into(),
            expr,
        ))
    }

    /// Uniform random values in [0, 1) of `shape`, generated chunk by chunk (so an array
    /// far larger than memory can be described and reduced).
    ///
    /// # Errors
    /// When `chunk_shape` does not have one entry per dim.
    pub fn random(shape: &[usize], chunk_shape: &[usize], seed: u64) -> Result<Self> {
        Ok(Self::from_source(Arc::new(RandomSource::new(
            shape,
            chunk_shape,
            seed,
        )?)))
    }

    /// Returns `self` named `label` in errors and progress messages.
    pub fn with_label(mut self, label: &str) -> Self {
        self.label = label.into();
        self
    }

    /// What errors and progress call this array.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The number of dims.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The chunk grid.
    pub fn grid(&self) -> &ChunkGrid {
        &self.grid
    }

    /// Chunk sizes per dim (dask's `.chunks`).
    pub fn chunks(&self) -> &[Vec<usize>] {
        self.grid.sizes()
    }

    /// The same values split into chunks of `chunk_shape` (0 = whole dim). Costs
    /// nothing until computed: tasks pull the regions they need.
    ///
    /// # Errors
    /// When `chunk_shape` does not have one entry per dim.
    pub fn rechunk(&self, chunk_shape: &[usize]) -> Result<Self> {
        let mut out = self.clone();
        out.grid = ChunkGrid::regular(&self.shape, chunk_shape)?;
        Ok(out)
    }

    /// The same values with explicit chunk sizes.
    ///
    /// # Errors
    /// When the sizes do not add up to the shape.
    pub fn rechunk_sizes(&self, sizes: Vec<Vec<usize>>) -> Result<Self> {
        let grid = ChunkGrid::from_sizes(sizes)?;
        if grid.shape() != self.shape {
            return Err(Error::ShapeMismatch {
                what: "chunk sizes".into(),
                expected: self.shape.clone(),
                actual: grid.shape(),
            });
        }
        let mut out = self.clone();
        out.grid = grid;
        Ok(out)
    }

    /// Computes the array with the default [`LocalExecutor`].
    ///
    /// # Errors
    /// The first failing chunk's error, naming the array and chunk.
    pub fn compute(&self) -> Result<NdArray> {
        compute::compute_many_local(&[self], &LocalExecutor::default())?
            .pop()
            .ok_or_else(|| Error::internal("one result per array"))
    }

    /// Computes the array with `executor`.
    ///
    /// # Errors
    /// The first failing chunk's error, naming the array and chunk.
    pub fn compute_with(&self, executor: &dyn Executor) -> Result<NdArray> {
        compute_many(&[self], executor)?
            .pop()
            .ok_or_else(|| Error::internal("one result per array"))
    }

    /// Computes the array and keeps it in memory, chunked as before, as a new lazy
    /// array (dask's `persist`).
    ///
    /// # Errors
    /// As [`LazyArray::compute`].
    pub fn persist(&self) -> Result<Self> {
        compute::persist_many(&[self], &LocalExecutor::default())?
            .pop()
            .ok_or_else(|| Error::internal("one result per array"))
    }

    /// The array with its blocks (row-major, standard layout) held in memory.
    fn with_blocks(&self, blocks: Vec<NdArray>) -> Self {
        self.derive(
            self.dtype,
            self.shape.clone(),
            self.grid.clone(),
            Expr::Blocks {
                grid: self.grid.clone(),
                blocks: blocks.into(),
            },
        )
    }

    // ---- fused operations ----

    /// Elementwise unary operation.
    ///
    /// # Errors
    /// When the dtype does not support `op`.
    pub fn unary(&self, op: UnaryOp) -> Result<Self> {
        let dtype = kernels::unary(&probe(self.dtype)?, op)?.dtype();
        Ok(self.derive(
            dtype,
            self.shape.clone(),
            self.grid.clone(),
            Expr::Unary(op, self.clone()),
        ))
    }

    /// Elementwise binary operation with numpy broadcasting (trailing alignment).
    ///
    /// # Errors
    /// When shapes do not broadcast or the dtypes cannot meet.
    pub fn binary(&self, other: &LazyArray, op: BinaryOp) -> Result<Self> {
        let shape = kernels::broadcast_shapes(&self.shape, &other.shape)?;
        let dtype = kernels::binary(&probe(self.dtype)?, &probe(other.dtype)?, op)?.dtype();
        let a = self.expand_to_ndim(shape.len())?;
        let b = other.expand_to_ndim(shape.len())?;
        // Chunks follow the operand that spans each dim (the first, when both do).
        let sizes = (0..shape.len())
            .map(|d| {
                if a.shape[d] == shape[d] {
                    a.grid.sizes()[d].clone()
                } else {
                    b.grid.sizes()[d].clone()
                }
            })
            .collect();
        let grid = ChunkGrid::from_sizes(sizes)?;
        Ok(self.derive(dtype, shape, grid, Expr::Binary(op, a, b)))
    }

    /// Elementwise operation with an in-memory array (a scalar is a 0-d array).
    ///
    /// # Errors
    /// As [`LazyArray::binary`].
    pub fn binary_array(&self, other: &NdArray, op: BinaryOp, other_first: bool) -> Result<Self> {
        let other = LazyArray::from_array(other.clone(), &vec![0; other.ndim()])?;
        if other_first {
            other.binary(self, op).map(|r| r.with_label_of(self))
        } else {
            self.binary(&other, op)
        }
    }

    fn with_label_of(mut self, other: &LazyArray) -> Self {
        self.label = Arc::clone(&other.label);
        self
    }

    fn expand_to_ndim(&self, ndim: usize) -> Result<Self> {
        let mut out = self.clone();
        while out.ndim() < ndim {
            out = out.insert_axis(0)?;
        }
        Ok(out)
    }

    /// Applies an elementwise function `f` (same shape out as in, element type `dtype`);
    /// fused into the tasks that read the chunks, like the built-in elementwise ops. Used
    /// for decoding (CF masking and scaling) in one pass over each chunk.
    pub fn map_elementwise(
        &self,
        dtype: DType,
        f: impl Fn(&NdArray) -> Result<NdArray> + Send + Sync + 'static,
    ) -> Self {
        let f: expr::ElemFn = Arc::new(f);
        self.derive(
            dtype,
            self.shape.clone(),
            self.grid.clone(),
            Expr::Map(f, self.clone(), None),
        )
    }

    /// CF masking and unpacking: [`Self::map_elementwise`] of [`MaskScale::apply`], which
    /// the grouped mean may instead do value by value as it reads the stored chunk.
    pub fn mask_scale(&self, decode: MaskScale) -> Self {
        let decode = Arc::new(decode);
        let d = Arc::clone(&decode);
        let f: expr::ElemFn = Arc::new(move |chunk: &NdArray| d.apply(chunk));
        self.derive(
            decode.dtype(),
            self.shape.clone(),
            self.grid.clone(),
            Expr::Map(f, self.clone(), Some(decode)),
        )
    }

    /// Casts to `dtype`.
    ///
    /// # Errors
    /// When the cast is not supported.
    pub fn astype(&self, dtype: DType) -> Result<Self> {
        probe(self.dtype)?.astype(dtype)?;
        if dtype == self.dtype {
            return Ok(self.clone());
        }
        Ok(self.derive(
            dtype,
            self.shape.clone(),
            self.grid.clone(),
            Expr::Cast(dtype, self.clone()),
        ))
    }

    /// Permutes the axes: axis `i` of the result is axis `perm[i]` of `self`.
    ///
    /// # Errors
    /// When `perm` is not a permutation.
    pub fn permute(&self, perm: &[usize]) -> Result<Self> {
        let mut seen = vec![false; self.ndim()];
        if perm.len() != self.ndim()
            || perm
                .iter()
                .any(|&p| p >= seen.len() || std::mem::replace(&mut seen[p], true))
        {
            return Err(Error::invalid_argument(
                "perm",
                format!(
                    "axis order {perm:?} is not a permutation of 0..{}",
                    self.ndim()
                ),
            ));
        }
        let shape = perm.iter().map(|&p| self.shape[p]).collect();
        let grid =
            ChunkGrid::from_sizes(perm.iter().map(|&p| self.grid.sizes()[p].clone()).collect())?;
        Ok(self.derive(
            self.dtype,
            shape,
            grid,
            Expr::Permute(perm.to_vec(), self.clone()),
        ))
    }

    /// Reverses the axes (`.T`).
    pub fn t(&self) -> Self {
        let perm: Vec<usize> = (0..self.ndim()).rev().collect();
        self.permute(&perm)
            .unwrap_or_else(|_| unreachable!("a reversal is a permutation"))
    }

    /// Inserts a length-1 axis at `axis`.
    ///
    /// # Errors
    /// When `axis > ndim`.
    pub fn insert_axis(&self, axis: usize) -> Result<Self> {
        if axis > self.ndim() {
            return Err(Error::invalid_argument(
                "axis",
                format!(
                    "cannot insert axis {axis} into an array of {} dimensions",
                    self.ndim()
                ),
            ));
        }
        let mut shape = self.shape.clone();
        shape.insert(axis, 1);
        let mut sizes = self.grid.sizes().to_vec();
        sizes.insert(axis, vec![1]);
        let grid = ChunkGrid::from_sizes(sizes)?;
        Ok(self.derive(
            self.dtype,
            shape,
            grid,
            Expr::InsertAxis(axis, self.clone()),
        ))
    }

    /// Removes a length-1 axis.
    ///
    /// # Errors
    /// When the axis is out of range or not of length 1.
    pub fn remove_axis(&self, axis: usize) -> Result<Self> {
        if self.shape.get(axis) != Some(&1) {
            return Err(Error::invalid_argument(
                "axis",
                format!(
                    "cannot squeeze axis {axis} of an array of shape {:?}: its length is not 1",
                    self.shape
                ),
            ));
        }
        let mut shape = self.shape.clone();
        shape.remove(axis);
        let mut sizes = self.grid.sizes().to_vec();
        sizes.remove(axis);
        let grid = ChunkGrid::from_sizes(sizes)?;
        Ok(self.derive(
            self.dtype,
            shape,
            grid,
            Expr::RemoveAxis(axis, self.clone()),
        ))
    }

    /// Broadcasts to `shape` (numpy rules), chunking new extents as one chunk each.
    ///
    /// # Errors
    /// When the shapes are not compatible.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Self> {
        if shape == self.shape.as_slice() {
            return Ok(self.clone());
        }
        let err = || Error::ShapeMismatch {
            what: "broadcast of a lazy array".into(),
            expected: shape.to_vec(),
            actual: self.shape.clone(),
        };
        if shape.len() < self.ndim() {
            return Err(err());
        }
        let a = self.expand_to_ndim(shape.len())?;
        let mut sizes = Vec::with_capacity(shape.len());
        for (d, (&have, &want)) in a.shape.iter().zip(shape).enumerate() {
            if have == want {
                sizes.push(a.grid.sizes()[d].clone());
            } else if have == 1 {
                sizes.push(vec![want]);
            } else {
                return Err(err());
            }
        }
        let grid = ChunkGrid::from_sizes(sizes)?;
        Ok(self.derive(self.dtype, shape.to_vec(), grid, Expr::BroadcastTo(a)))
    }

    /// The elements `start..stop` by `step` along `axis`.
    ///
    /// # Errors
    /// When the axis or range is out of bounds, or `step` is 0.
    pub fn slice_axis(&self, axis: usize, start: usize, stop: usize, step: usize) -> Result<Self> {
        let n = *self.shape.get(axis).ok_or_else(|| {
            Error::invalid_argument(
                "axis",
                format!("axis {axis} out of range for shape {:?}", self.shape),
            )
        })?;
        if step == 0 || start > stop || stop > n {
            return Err(Error::IndexOutOfBounds {
                what: format!("slice {start}..{stop} step {step} on an axis of length {n}"),
            });
        }
        let len = (stop - start).div_ceil(step);
        let mut shape = self.shape.clone();
        shape[axis] = len;
        let mut sizes = self.grid.sizes().to_vec();
        sizes[axis] = sliced_chunks(&self.grid.sizes()[axis], start, stop, step);
        let grid = ChunkGrid::from_sizes(sizes)?;
        Ok(self.derive(
            self.dtype,
            shape,
            grid,
            Expr::Slice {
                axis,
                start,
                step,
                input: self.clone(),
            },
        ))
    }

    /// Gathers `indices` along `axis`.
    ///
    /// # Errors
    /// When an index is out of range.
    pub fn take(&self, axis: usize, indices: &[usize]) -> Result<Self> {
        let n = *self.shape.get(axis).ok_or_else(|| {
            Error::invalid_argument(
                "axis",
                format!("axis {axis} out of range for shape {:?}", self.shape),
            )
        })?;
        if let Some(bad) = indices.iter().find(|&&i| i >= n) {
            return Err(Error::IndexOutOfBounds {
                what: format!("index {bad} on an axis of length {n}"),
            });
        }
        let mut shape = self.shape.clone();
        shape[axis] = indices.len();
        // Keep about the input's chunk length along the axis.
        let chunk = self.grid.sizes()[axis]
            .iter()
            .copied()
            .max()
            .unwrap_or(1)
            .max(1);
        let mut sizes = self.grid.sizes().to_vec();
        sizes[axis] = ChunkGrid::regular(&[indices.len()], &[chunk])?.sizes()[0].clone();
        let grid = ChunkGrid::from_sizes(sizes)?;
        Ok(self.derive(
            self.dtype,
            shape,
            grid,
            Expr::Take {
                axis,
                indices: indices.into(),
                input: self.clone(),
            },
        ))
    }

    /// Concatenates along `axis`; chunks of each part are kept.
    ///
    /// # Errors
    /// When `parts` is empty, dtypes differ, or other dims disagree.
    pub fn concatenate(axis: usize, parts: &[LazyArray]) -> Result<Self> {
        let first = parts
            .first()
            .ok_or_else(|| Error::invalid_argument("parts", "concatenate of no arrays"))?;
        let mut shape = first.shape.clone();
        if axis >= shape.len() {
            return Err(Error::invalid_argument(
                "axis",
                format!("axis {axis} out of range for shape {shape:?}"),
            ));
        }
        let mut along = Vec::new();
        for p in parts {
            if p.dtype != first.dtype {
                return Err(Error::DTypeMismatch {
                    what: "concatenate".into(),
                    left: first.dtype,
                    right: p.dtype,
                });
            }
            let fits = p.ndim() == first.ndim()
                && p.shape
                    .iter()
                    .zip(&first.shape)
                    .enumerate()
                    .all(|(i, (a, b))| i == axis || a == b);
            if !fits {
                return Err(Error::ShapeMismatch {
                    what: format!("concatenate along axis {axis}"),
                    expected: first.shape.clone(),
                    actual: p.shape.clone(),
                });
            }
            along.extend(p.grid.sizes()[axis].iter().copied().filter(|&n| n > 0));
        }
        shape[axis] = parts.iter().map(|p| p.shape[axis]).sum();
        if along.is_empty() {
            along.push(0);
        }
        let mut sizes = first.grid.sizes().to_vec();
        sizes[axis] = along;
        let grid = ChunkGrid::from_sizes(sizes)?;
        Ok(first.derive(
            first.dtype,
            shape,
            grid,
            Expr::Concat {
                axis,
                parts: parts.to_vec(),
            },
        ))
    }

    // ---- materialised operations ----

    /// Reduces `axes` (a tree of per-chunk partials for sum, mean, std, var, min, max,
    /// prod, count, all, any; median, argmin and argmax take each reduced lane whole).
    ///
    /// # Errors
    /// When an axis is out of range or repeated, or the dtype does not support `op`.
    pub fn reduce(&self, axes: &[usize], op: Reduction, params: ReduceParams) -> Result<Self> {
        self.reduce_by(axes, op, params, op.aggregation().default_method())
    }

    /// [`LazyArray::reduce`] by a chosen method: map-reduce (a tree of partials; only for
    /// reductions that decompose) or blockwise (each reduced lane whole in one task).
    ///
    /// # Errors
    /// As [`LazyArray::reduce`]; [`Error::InvalidArgument`] for map-reduce of a
    /// reduction that does not decompose.
    pub fn reduce_by(
        &self,
        axes: &[usize],
        op: Reduction,
        params: ReduceParams,
        method: Method,
    ) -> Result<Self> {
        if method == Method::MapReduce && !op.aggregation().decomposes() {
            return Err(Error::invalid_argument(
                "method",
                format!(
                    "{op} does not split into per-chunk partials: it needs the blockwise method"
                ),
            ));
        }
        for (i, &ax) in axes.iter().enumerate() {
            if ax >= self.ndim() || axes[..i].contains(&ax) {
                return Err(Error::invalid_argument(
                    "axes",
                    format!(
                        "{op}: axes {axes:?} are not distinct axes of an array of shape {:?}",
                        self.shape
                    ),
                ));
            }
        }
        let dtype = reduce_dtype(self.dtype, op, params)?;
        let kept: Vec<usize> = (0..self.ndim()).filter(|a| !axes.contains(a)).collect();
        let shape: Vec<usize> = kept.iter().map(|&a| self.shape[a]).collect();
        let grid =
            ChunkGrid::from_sizes(kept.iter().map(|&a| self.grid.sizes()[a].clone()).collect())?;
        Ok(self.derive(
            dtype,
            shape,
            grid.clone(),
            Expr::Reduce {
                input: self.clone(),
                axes: axes.to_vec(),
                op,
                params,
                method,
                grid,
            },
        ))
    }

    /// `Σ self·weights` and `Σ weights` over `axes`, skipping the values of `self` that
    /// are NaN (and their weights), as `f64`, stacked along a new leading axis of length
    /// 2: xarray's weighted `sum` (of the data with NaN as 0) and `sum_of_weights`, in one
    /// pass over each chunk, with no product or mask array made. `weights` has `self`'s
    /// ndim, each dim the size of `self`'s or 1 (broadcast).
    ///
    /// # Errors
    /// When `axes` are empty, repeated or out of range, or `weights` does not broadcast.
    pub(crate) fn weighted_sums(&self, weights: &LazyArray, axes: &[usize]) -> Result<Self> {
        let broadcasts = weights.ndim() == self.ndim()
            && weights
                .shape()
                .iter()
                .zip(&self.shape)
                .all(|(&w, &n)| w == n || w == 1);
        let distinct = axes
            .iter()
            .enumerate()
            .all(|(i, &ax)| ax < self.ndim() && !axes[..i].contains(&ax));
        if !broadcasts || !distinct || axes.is_empty() {
            return Err(Error::invalid_argument(
                "weights",
                format!(
                    "weighted sums over axes {axes:?} of shape {:?} with weights of shape {:?}",
                    self.shape,
                    weights.shape()
                ),
            ));
        }
        let kept: Vec<usize> = (0..self.ndim()).filter(|a| !axes.contains(a)).collect();
        let mut shape = vec![2];
        shape.extend(kept.iter().map(|&a| self.shape[a]));
        // Along the kept axis of most chunks, consecutive chunks join into output blocks
        // of up to `BATCH_BYTES` of input, each one task: one-step chunks would otherwise
        // make a task, a label and an output block per step, and a graph that grows with
        // the length of the series.
        let join = kept
            .iter()
            .copied()
            .max_by_key(|&a| self.grid.sizes()[a].len());
        let mut sizes = vec![vec![2]];
        for &a in &kept {
            let own = &self.grid.sizes()[a];
            if Some(a) != join {
                sizes.push(own.clone());
                continue;
            }
            let row_bytes = (0..self.ndim())
                .filter(|&d| d != a)
                .map(|d| match axes.contains(&d) {
                    true => self.shape[d],
                    false => self.grid.sizes()[d].iter().copied().max().unwrap_or(1),
                })
                .product::<usize>()
                .max(1)
                * self.dtype.size();
            sizes.push(self.joined_chunks(a, |b, len| (b + len) * row_bytes <= lower::BATCH_BYTES));
        }
        let grid = ChunkGrid::from_sizes(sizes)?;
        Ok(self.derive(
            DType::F64,
            shape,
            grid.clone(),
            Expr::WeightedSums {
                data: self.clone(),
                weights: weights.clone(),
                axes: axes.to_vec(),
                grid,
            },
        ))
    }

    /// Aggregates the members of each group along `axis`, which becomes a group axis of
    /// `plan.ngroups` (one chunk): one partial per input chunk along `axis`, combined in
    /// a tree (median and quantile pull each group's members into one task instead).
    ///
    /// # Errors
    /// When `axis` is out of range or the plan's codes do not have one entry per
    /// position along it.
    pub(crate) fn group_reduce(&self, axis: usize, plan: GroupPlan) -> Result<Self> {
        let n = *self.shape.get(axis).ok_or_else(|| {
            Error::invalid_argument(
                "axis",
                format!("group axis {axis} out of range for shape {:?}", self.shape),
            )
        })?;
        if plan.codes.len() != n {
            return Err(Error::ShapeMismatch {
                what: format!("group codes along axis {axis}"),
                expected: vec![n],
                actual: vec![plan.codes.len()],
            });
        }
        let mut shape = self.shape.clone();
        shape[axis] = plan.ngroups;
        let mut sizes = self.grid.sizes().to_vec();
        sizes[axis] = vec![plan.ngroups];
        let grid = ChunkGrid::from_sizes(sizes)?;
        Ok(self.derive(
            plan.out_dtype,
            shape,
            grid.clone(),
            Expr::GroupReduce {
                input: self.clone(),
                axis,
                plan: Arc::new(plan),
                grid,
            },
        ))
    }

    /// `tensordot(self, other, (axes_a, axes_b))`: contracts the listed axes; the result
    /// has `self`'s free axes then `other`'s. Computed block by block.
    ///
    /// # Errors
    /// When the axes lists differ in length, are out of range, or contract unequal sizes.
    pub fn tensordot(&self, other: &LazyArray, axes_a: &[usize], axes_b: &[usize]) -> Result<Self> {
        crate::array::linalg::check_tensordot(&self.shape, &other.shape, axes_a, axes_b)?;
        let dtype =
            crate::array::linalg::tensordot(&probe(self.dtype)?, &probe(other.dtype)?, &[], &[])?
                .dtype();
        let free_a: Vec<usize> = (0..self.ndim()).filter(|x| !axes_a.contains(x)).collect();
        let free_b: Vec<usize> = (0..other.ndim()).filter(|x| !axes_b.contains(x)).collect();
        let shape: Vec<usize> = free_a
            .iter()
            .map(|&x| self.shape[x])
            .chain(free_b.iter().map(|&x| other.shape[x]))
            .collect();
        let sizes: Vec<Vec<usize>> = free_a
            .iter()
            .map(|&x| self.grid.sizes()[x].clone())
            .chain(free_b.iter().map(|&x| other.grid.sizes()[x].clone()))
            .collect();
        let grid = ChunkGrid::from_sizes(sizes)?;
        Ok(self.derive(
            dtype,
            shape,
            grid.clone(),
            Expr::TensorDot {
                a: self.clone(),
                b: other.clone(),
                axes_a: axes_a.to_vec(),
                axes_b: axes_b.to_vec(),
                grid,
            },
        ))
    }

    /// Matrix product of two 2-D arrays (`self @ other`).
    ///
    /// # Errors
    /// When the arrays are not 2-D or the inner sizes differ.
    pub fn dot(&self, other: &LazyArray) -> Result<Self> {
        if self.ndim() != 2 || other.ndim() != 2 {
            return Err(Error::invalid_argument(
                "other",
                format!(
                    "dot needs two 2-D arrays, got shapes {:?} and {:?}",
                    self.shape, other.shape
                ),
            ));
        }
        self.tensordot(other, &[1], &[0])
    }

    /// Applies `f` to every block (with the matching blocks of `others`); `f` must
    /// return an array of the block's shape and `dtype`.
    ///
    /// Each of `others` has `self`'s shape, except that it may have length 1 along an
    /// axis: `f` then gets its one row there, not broadcast to the block (a carry, a
    /// per-column parameter), so nothing of the block's size is made for it.
    ///
    /// # Errors
    /// When one of `others` has another shape; a wrong block shape surfaces at compute
    /// time, naming the block.
    pub fn map_blocks(
        &self,
        others: &[LazyArray],
        dtype: DType,
        f: impl Fn(&[NdArray]) -> Result<NdArray> + Send + Sync + 'static,
    ) -> Result<Self> {
        self.map_blocks_owned(others, dtype, move |blocks| f(&blocks))
    }

    /// [`LazyArray::map_blocks`] with `f` handed the blocks: a block that no other task
    /// still reads has its data unshared, for `f` to change in place.
    ///
    /// # Errors
    /// As [`LazyArray::map_blocks`].
    pub(crate) fn map_blocks_owned(
        &self,
        others: &[LazyArray],
        dtype: DType,
        f: impl Fn(Vec<NdArray>) -> Result<NdArray> + Send + Sync + 'static,
    ) -> Result<Self> {
        let fits = |o: &LazyArray| {
            o.shape.len() == self.shape.len()
                && o.shape
                    .iter()
                    .zip(&self.shape)
                    .all(|(&n, &m)| n == m || n == 1)
        };
        if let Some(o) = others.iter().find(|o| !fits(o)) {
            return Err(Error::ShapeMismatch {
                what: "map_blocks inputs".into(),
                expected: self.shape.clone(),
                actual: o.shape.clone(),
            });
        }
        let mut inputs = vec![self.clone()];
        inputs.extend(others.iter().cloned());
        let f: BlockFn = Arc::new(f);
        Ok(self.derive(
            dtype,
            self.shape.clone(),
            self.grid.clone(),
            Expr::MapBlocks {
                f,
                inputs,
                grid: self.grid.clone(),
            },
        ))
    }
}

/// A one-element array of `dtype`, to learn result dtypes from the eager kernels.
fn probe(dtype: DType) -> Result<NdArray> {
    NdArray::zeros(&[1], dtype)
}

/// The dtype of `op` over `dtype`, as the eager kernel gives it.
pub(crate) fn reduce_dtype(dtype: DType, op: Reduction, params: ReduceParams) -> Result<DType> {
    Ok(kernels::reduce(&probe(dtype)?, &[0], op, params)?.dtype())
}

/// Chunk sizes along an axis after slicing `start..stop` by `step`.
fn sliced_chunks(sizes: &[usize], start: usize, stop: usize, step: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut offset = 0;
    for &n in sizes {
        let (lo, hi) = (offset.max(start), (offset + n).min(stop));
        if lo < hi {
            // Elements start + k*step within [lo, hi).
            let first_k = (lo - start).div_ceil(step);
            let end_k = (hi - start).div_ceil(step);
            if end_k > first_k {
                out.push(end_k - first_k);
            }
        }
        offset += n;
    }
    if out.is_empty() {
        out.push(0);
    }
    out
}

/// Bytes from which a result's pages are touched first by [`first_touch`].
const FIRST_TOUCH_BYTES: usize = 4 << 20;

/// Faults in the pages of a large, freshly allocated result from contiguous ranges, in
/// parallel, one write of its (zero) first value per page, before the tasks write
/// their blocks. A block is a set of strided row pieces, so without this two tasks
/// running side by side fault on the halves of the same pages at once and queue on
/// their page-table lock; measured on 2048 x 2048 f64 in 256 x 256 blocks, that costs
/// more than this pass (see benches/lazy_fused.rs).
fn first_touch<T: Element>(all: &mut [T]) {
    use rayon::prelude::*;
    let Some(zero) = all.first().cloned() else {
        return;
    };
    let size = std::mem::size_of::<T>().max(1);
    if all.len() * size < FIRST_TOUCH_BYTES {
        return;
    }
    let page = (4096 / size).max(1);
    all.par_chunks_mut(page * 64).for_each(|range| {
        for v in range.iter_mut().step_by(page) {
            *v = zero.clone();
        }
    });
}

/// `view` split into the blocks of chunk sizes `sizes` (one list per axis), row-major
/// block order: disjoint mutable views.
fn split_blocks<'a, T>(
    view: ndarray::ArrayViewMut<'a, T, ndarray::IxDyn>,
    sizes: &[Vec<usize>],
) -> Vec<ndarray::ArrayViewMut<'a, T, ndarray::IxDyn>> {
    let Some((first, rest)) = sizes.split_first() else {
        return vec![view];
    };
    let axis = view.ndim() - sizes.len();
    let mut out = Vec::new();
    let mut tail = Some(view);
    for (k, &n) in first.iter().enumerate() {
        let Some(rest_of_axis) = tail.take() else {
            break;
        };
        let piece = if k + 1 == first.len() {
            rest_of_axis
        } else {
            let (head, t) = rest_of_axis.split_at(ndarray::Axis(axis), n);
            tail = Some(t);
            head
        };
        out.extend(split_blocks(piece, rest));
    }
    out
}

/// Builds `region` of an array chunked by `grid` from its blocks (by row-major number),
/// without copying when the region is one whole block.
pub(crate) fn assemble(
    grid: &ChunkGrid,
    region: &Region,
    dtype: DType,
    mut block: impl FnMut(usize) -> Result<NdArray>,
) -> Result<NdArray> {
    let overlap = grid.overlapping(region);
    let shape: Vec<usize> = region.iter().map(Range::len).collect();
    if overlap.iter().any(Vec::is_empty) || shape.contains(&0) {
        return NdArray::zeros(&shape, dtype);
    }
    let counts: Vec<usize> = overlap.iter().map(Vec::len).collect();
    if counts.iter().all(|&c| c == 1) {
        let blk: Vec<usize> = overlap.iter().map(|o| o[0].0).collect();
        let local: Region = overlap.iter().map(|o| o[0].1.clone()).collect();
        let out = expr::slice_region(&block(grid.linear_index(&blk))?, &local)?;
        return check_dtype(out, dtype);
    }
    // Several blocks: one output allocation, each block copied into place once.
    let mut out = NdArray::zeros(&shape, dtype)?;
    let mut err = None;
    for_each_index(&counts, |idx| {
        if err.is_some() {
            return;
        }
        let blk: Vec<usize> = idx.iter().zip(&overlap).map(|(&i, o)| o[i].0).collect();
        let local: Region = idx
            .iter()
            .zip(&overlap)
            .map(|(&i, o)| o[i].1.clone())
            .collect();
        let offset: Vec<usize> = idx.iter().zip(&overlap).map(|(&i, o)| o[i].2).collect();
        let placed = block(grid.linear_index(&blk))
            .and_then(|b| expr::slice_region(&b, &local))
            .and_then(|p| out.assign_at(&offset, &p));
        if let Err(e) = placed {
            err = Some(e);
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

fn check_dtype(out: NdArray, dtype: DType) -> Result<NdArray> {
    if out.dtype() != dtype {
        return Err(Error::internal(format!(
            "a block has dtype {} where {dtype} was expected",
            out.dtype()
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::LocalExecutor;

    fn exec() -> LocalExecutor {
        LocalExecutor::new().progress(false)
    }

    /// A writer joins one-step chunks into the blocks they are views of: a materialised
    /// node's blocks and a concatenation's parts, seen through elementwise nodes and a
    /// broadcast row, never across a break, up to the byte budget; a slice is not looked
    /// through, and chunks that are blocks of their own stay as they are.
    #[test]
    fn write_grid_joins_chunks_within_blocks() {
        let ok = |r: Result<LazyArray>| r.unwrap_or_else(|e| panic!("{e}"));
        let zeros = |n: usize, chunk: usize| {
            let a = NdArray::zeros(&[n, 3], DType::F32).unwrap_or_else(|e| panic!("{e}"));
            ok(LazyArray::from_array(a, &[chunk, 3]))
        };
        let same = |b: &[NdArray]| Ok(b[0].clone());
        // Blocks of 4 and 4, then a part of 5 in one block; one-step chunks over them.
        let blocks = ok(zeros(8, 4).map_blocks(&[], DType::F32, same));
        let cat = ok(LazyArray::concatenate(0, &[blocks, zeros(5, 5)]));
        assert_eq!(expr::block_breaks(&cat, 0), Some(vec![4, 8]));
        let fine = ok(cat.rechunk_sizes(vec![vec![1; 13], vec![3]]));
        let row = 3 * DType::F32.size();
        assert_eq!(fine.write_grid(1 << 20).sizes()[0], [4, 4, 5]);
        assert_eq!(fine.write_grid(2 * row).sizes()[0], [2, 2, 2, 2, 2, 2, 1]);
        assert_eq!(fine.write_grid(row).sizes()[0], [1; 13]);
        let shifted = ok(ok(fine.unary(UnaryOp::Abs)).binary(&zeros(1, 1), BinaryOp::Add));
        assert_eq!(shifted.write_grid(1 << 20).sizes()[0], [4, 4, 5]);
        // Not looked through: a slice.
        let sliced = ok(fine.slice_axis(0, 1, 13, 1));
        assert_eq!(expr::block_breaks(&sliced, 0), None);
        assert_eq!(sliced.write_grid(1 << 20).sizes()[0], [1; 12]);
        // In-memory blocks of one step each: nothing to join.
        assert_eq!(zeros(6, 1).write_grid(1 << 20).sizes()[0], [1; 6]);
    }

    /// The starts of a concatenation's parts, seen through elementwise nodes, a transpose
    /// and a nested concatenation; a weighted sum's output blocks along that axis end at
    /// them (a block spanning two parts would be read in two and copied into one).
    #[test]
    fn part_starts_end_the_weighted_sums_blocks() {
        let ok = |r: Result<LazyArray>| r.unwrap_or_else(|e| panic!("{e}"));
        let part = |n: usize| {
            let a = NdArray::zeros(&[n, 3], DType::F32).unwrap_or_else(|e| panic!("{e}"));
            ok(LazyArray::from_array(a, &[1, 3]))
        };
        let cat = ok(LazyArray::concatenate(0, &[part(4), part(5), part(2)]));
        assert_eq!(expr::part_starts(&cat, 0), [4, 9]);
        assert!(expr::part_starts(&cat, 1).is_empty());
        let t = ok(ok(ok(cat.unary(UnaryOp::Abs)).astype(DType::F64)).permute(&[1, 0]));
        assert_eq!(expr::part_starts(&t, 1), [4, 9]);
        assert!(expr::part_starts(&t, 0).is_empty());
        let nested = ok(LazyArray::concatenate(0, &[cat.clone(), part(3)]));
        assert_eq!(expr::part_starts(&nested, 0), [4, 9, 11]);

        let w = ok(LazyArray::from_array(
            NdArray::zeros(&[1, 3], DType::F32).unwrap_or_else(|e| panic!("{e}")),
            &[1, 3],
        ));
        let sums = ok(nested.weighted_sums(&w, &[1]));
        assert_eq!(sums.grid().sizes()[1], [4, 5, 2, 3]);
    }

    /// `compute` (each block written in place) equals `compute_with` (blocks returned
    /// and assembled), bit for bit, for float chains run by the
    /// typed program (contiguous and strided destinations, transposed and broadcast
    /// inputs, irregular chunks) and for other dtypes copied into place.
    #[test]
    fn in_place_compute_equals_assembled_and_eager() {
        let vals: Vec<f64> = (0..37 * 29)
            .map(|i| f64::from(i % 97) / 7.0 - 6.0)
            .collect();
        let e = NdArray::from_shape_vec(&[37, 29], vals).unwrap_or_else(|e| panic!("{e}"));
        let row = NdArray::from_shape_vec(&[29], (0..29).map(f64::from).collect::<Vec<_>>())
            .unwrap_or_else(|e| panic!("{e}"));
        let sq =
            NdArray::from_shape_vec(&[29, 29], (0..29 * 29).map(f64::from).collect::<Vec<_>>())
                .unwrap_or_else(|e| panic!("{e}"));
        let two = NdArray::from_scalar(&2.0.into());
        for chunks in [[37, 29], [10, 29], [37, 8], [6, 5], [1, 29]] {
            let x = LazyArray::from_array(e.clone(), &chunks).unwrap_or_else(|e| panic!("{e}"));
            let r = LazyArray::from_array(row.clone(), &[7]).unwrap_or_else(|e| panic!("{e}"));
            let s = LazyArray::from_array(sq.clone(), &[chunks[1].min(29), 4])
                .unwrap_or_else(|e| panic!("{e}"));
            let ok = |r: Result<LazyArray>| r.unwrap_or_else(|e| panic!("{e}"));
            let chain = ok(
                ok(ok(x.binary_array(&two, BinaryOp::Mul, false)).unary(UnaryOp::Abs))
                    .unary(UnaryOp::Sqrt),
            );
            let cases = [
                chain.clone(),
                ok(chain.binary(&r, BinaryOp::Sub)),
                ok(ok(s.t().binary(&s, BinaryOp::Div)).unary(UnaryOp::Exp)),
                ok(ok(x.astype(DType::F32)).binary_array(
                    &NdArray::from_scalar(&1.5.into())
                        .astype(DType::F32)
                        .unwrap_or_else(|e| panic!("{e}")),
                    BinaryOp::Pow,
                    false,
                )),
                ok(x.astype(DType::I32)),
                ok(ok(x.astype(DType::I64)).binary_array(
                    &NdArray::from_scalar(&3i64.into()),
                    BinaryOp::Mul,
                    false,
                )),
                ok(x.binary(&r, BinaryOp::Gt)),
            ];
            for lazy in cases {
                let placed = lazy.compute().unwrap_or_else(|e| panic!("{e}"));
                let assembled = lazy.compute_with(&exec()).unwrap_or_else(|e| panic!("{e}"));
                assert!(
                    placed.equals(&assembled),
                    "chunks {chunks:?}: {placed:?} vs {assembled:?}"
                );
                assert_eq!(placed.dtype(), lazy.dtype());
                assert_eq!(placed.shape(), lazy.shape());
            }
        }
    }
}
