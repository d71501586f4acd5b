//! `apply_ufunc`: a user's function over the values of DataArrays, with xarray's core
//! dimensions, broadcasting of the other dimensions by name, several outputs, and
//! block-by-block evaluation of chunked inputs (xarray's `dask="parallelized"`).
//!
//! Lazy inputs become one task per block of the loop (non-core) dimensions. Each
//! input's core dims are packed into one trailing axis and the inputs concatenated
//! along it, so that a single region-mapping node hands every task all its inputs; the
//! task unpacks them, calls the function and packs its outputs the same way, and each
//! output is sliced back out of the packed result (fused, no extra task).

use std::marker::PhantomData;
use std::sync::Arc;

use indexmap::{IndexMap, IndexSet};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};

use super::align::{align_arrays, Join};
use super::{DataArray, Dataset, Variable};
use crate::array::chunks::{for_each_index, Region};
use crate::array::{DType, Element, NdArray};
use crate::error::{Error, Result};
use crate::lazy::{Data, LazyArray};

/// What a function given to [`apply_ufunc`] returns: one array (one output) or a `Vec`
/// of arrays (one per entry of `output_core_dims`).
pub trait UfuncOutput<T> {
    /// The outputs, in the order of `output_core_dims`.
    fn into_outputs(self) -> Vec<ArrayD<T>>;
}

impl<T> UfuncOutput<T> for ArrayD<T> {
    fn into_outputs(self) -> Vec<ArrayD<T>> {
        vec![self]
    }
}

impl<T> UfuncOutput<T> for Vec<ArrayD<T>> {
    fn into_outputs(self) -> Vec<ArrayD<T>> {
        self
    }
}

type UserFn<T, O> = Arc<dyn Fn(&[ArrayViewD<'_, T>]) -> Result<O> + Send + Sync>;

/// Applies `func` to the values of `inputs` (xarray's `apply_ufunc`): DataArrays, or
/// Datasets (then to each data variable); configure the call with the builder's methods
/// and finish it with [`ApplyUfunc::run`].
///
/// `func` gets one `ndarray` view per input, its values cast to `T`, with the input's
/// core dims ([`ApplyUfunc::input_core_dims`]) last, in the order given, and the loop
/// dims (every other dim of any input, in order of first appearance) first, broadcast
/// across the inputs by name (to their full lengths, where xarray passes length-1
/// axes). It returns one array per output: the loop dims followed
/// by that output's core dims ([`ApplyUfunc::output_core_dims`]). With
/// [`ApplyUfunc::vectorize`] it is called once per point of the loop dims instead, on
/// the core dims only (numpy's `vectorize`).
///
/// Inputs are aligned exactly (xarray's default `join="exact"`). When any input is
/// chunked the result is lazy, computed block by block over the loop dims; the core
/// dims must then be one chunk each, unless [`ApplyUfunc::allow_rechunk`].
///
/// ```
/// use ndarray::{ArrayViewD, Axis};
/// use xr::DataArray;
/// # fn main() -> xr::Result<()> {
/// let a = DataArray::new(ndarray::array![[1.0, 5.0, 3.0], [2.0, 0.0, 4.0]].into_dyn(), &["x", "time"])?;
/// // The range of each series along time.
/// let range = xr::apply_ufunc(
///     |xs: &[ArrayViewD<f64>]| {
///         let max = xs[0].fold_axis(Axis(1), f64::MIN, |m, &v| m.max(v));
///         let min = xs[0].fold_axis(Axis(1), f64::MAX, |m, &v| m.min(v));
///         Ok(max - min)
///     },
///     &[&a],
/// )
/// .input_core_dims(&[&["time"]])
/// .run_one()?;
/// assert_eq!(range.dims(), ["x"]);
/// assert_eq!(range.values().to_f64_vec()?, vec![4.0, 4.0]);
/// # Ok(())
/// # }
/// ```
pub fn apply_ufunc<'a, A, T, O, F>(func: F, inputs: &[&'a A]) -> ApplyUfunc<'a, A, T, O>
where
    A: UfuncArg,
    T: Element,
    O: UfuncOutput<T> + 'static,
    F: Fn(&[ArrayViewD<'_, T>]) -> Result<O> + Send + Sync + 'static,
{
    ApplyUfunc {
        func: Arc::new(func),
        inputs: inputs.to_vec(),
        input_core_dims: None,
        output_core_dims: vec![Vec::new()],
        output_dtypes: None,
        output_sizes: IndexMap::new(),
        vectorize: false,
        allow_rechunk: false,
        keep_attrs: true,
        _output: PhantomData,
    }
}

/// A call of [`apply_ufunc`] being configured; run it with [`ApplyUfunc::run`].
#[must_use = "apply_ufunc does nothing until `run` is called"]
pub struct ApplyUfunc<'a, A, T, O> {
    func: UserFn<T, O>,
    inputs: Vec<&'a A>,
    input_core_dims: Option<Vec<Vec<String>>>,
    output_core_dims: Vec<Vec<String>>,
    output_dtypes: Option<Vec<DType>>,
    output_sizes: IndexMap<String, usize>,
    vectorize: bool,
    allow_rechunk: bool,
    keep_attrs: bool,
    _output: PhantomData<fn() -> O>,
}

fn owned(dims: &[&[&str]]) -> Vec<Vec<String>> {
    dims.iter()
        .map(|ds| ds.iter().map(|d| (*d).to_string()).collect())
        .collect()
}

impl<A, T, O> ApplyUfunc<'_, A, T, O>
where
    A: UfuncArg,
    T: Element,
    O: UfuncOutput<T> + 'static,
{
    /// The core dims of each input (one list per input, default none): moved last, in
    /// this order, and not broadcast or split into blocks.
    pub fn input_core_dims(mut self, dims: &[&[&str]]) -> Self {
        self.input_core_dims = Some(owned(dims));
        self
    }

    /// The core dims of each output (one list per output, default one output with
    /// none). Several lists mean several outputs.
    pub fn output_core_dims(mut self, dims: &[&[&str]]) -> Self {
        self.output_core_dims = owned(dims);
        self
    }

    /// The dtype of each output (default `T`): the function's results are cast to it.
    pub fn output_dtypes(mut self, dtypes: &[DType]) -> Self {
        self.output_dtypes = Some(dtypes.to_vec());
        self
    }

    /// Sizes of output core dims that no input has (xarray's
    /// `dask_gufunc_kwargs={"output_sizes": ...}`); needed for chunked inputs.
    pub fn output_sizes(mut self, sizes: &[(&str, usize)]) -> Self {
        self.output_sizes = sizes.iter().map(|(d, n)| ((*d).to_string(), *n)).collect();
        self
    }

    /// Calls the function once per point of the loop dims, on the core dims only.
    pub fn vectorize(mut self, vectorize: bool) -> Self {
        self.vectorize = vectorize;
        self
    }

    /// Lets chunked inputs be rechunked to one chunk along their core dims (which may
    /// use much memory) instead of failing.
    pub fn allow_rechunk(mut self, allow: bool) -> Self {
        self.allow_rechunk = allow;
        self
    }

    /// Whether the outputs take the first input's attributes and name (default, as
    /// xarray's `keep_attrs="override"`) or drop the attributes and take the name the
    /// inputs share, if they all have the same one (`keep_attrs=False`).
    pub fn keep_attrs(mut self, keep: bool) -> Self {
        self.keep_attrs = keep;
        self
    }

    /// Runs the call when it has a single output (one DataArray or Dataset).
    ///
    /// # Errors
    /// As [`ApplyUfunc::run`]; [`Error::InvalidArgument`] when `output_core_dims` names
    /// several outputs.
    pub fn run_one(self) -> Result<A> {
        let n = self.output_core_dims.len();
        let mut outs = self.run()?;
        match (outs.pop(), n) {
            (Some(out), 1) => Ok(out),
            _ => Err(Error::invalid_argument(
                "output_core_dims",
                format!("run_one needs one output; {n} are named, use run"),
            )),
        }
    }

    /// Runs the call: one DataArray per output, with the loop dims and the output's core
    /// dims, the inputs' coordinates that fit them, and the first input's name and
    /// attributes (see [`ApplyUfunc::keep_attrs`]). For Datasets, one Dataset per
    /// output, the function applied to each data variable (every input must have the
    /// same data variables, as xarray's `dataset_join="exact"`), with the first input's
    /// attributes when they are kept.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] for a core dim an input lacks; [`Error::InvalidArgument`]
    /// naming the argument for lists of the wrong length, a dim that is core for one
    /// input but not for another, a new output core dim without a size for chunked
    /// inputs, or a core dim split into several chunks without `allow_rechunk`;
    /// [`Error::DimSizeConflict`] for a dim of different sizes; [`Error::Alignment`]
    /// when indexes differ; the function's own errors, and [`Error::ShapeMismatch`]
    /// when it returns arrays of the wrong shape (at compute time for chunked inputs);
    /// for Datasets, [`Error::VarNotFound`] naming a data variable missing from an input.
    pub fn run(self) -> Result<Vec<A>> {
        A::run_ufunc(&self)
    }

    /// The call on DataArrays (the inputs, or one data variable of each Dataset).
    fn run_arrays(&self, inputs: &[&DataArray]) -> Result<Vec<DataArray>> {
        let plan = self.plan(inputs)?;
        let aligned = align_arrays(inputs, Join::Exact)?;
        let lazy = aligned.iter().any(|da| da.values().is_lazy());
        let datas = aligned
            .iter()
            .zip(&plan.input_core)
            .map(|(da, core)| plan.input_data(da.variable(), core, T::DTYPE, lazy))
            .collect::<Result<Vec<_>>>()?;
        let kernel = Kernel {
            func: Arc::clone(&self.func),
            vectorize: self.vectorize,
            n_loop: plan.loop_dims.len(),
            out_core: plan.out_core_sizes.clone(),
        };
        let raw: Vec<Data> = if lazy {
            self.run_lazy(&plan, &aligned, datas, kernel)?
        } else {
            let blocks = datas
                .iter()
                .map(|d| d.compute())
                .collect::<Result<Vec<_>>>()?;
            kernel
                .call(&blocks)?
                .into_iter()
                .map(|a| Data::Eager(NdArray::from(a)))
                .collect()
        };
        let name = aligned
            .first()
            .and_then(|first| {
                (self.keep_attrs || aligned.iter().all(|da| da.name() == first.name()))
                    .then(|| first.name())
            })
            .flatten();
        let mut outs = Vec::with_capacity(raw.len());
        for (j, data) in raw.into_iter().enumerate() {
            let dtype = self
                .output_dtypes
                .as_ref()
                .and_then(|d| d.get(j).copied())
                .unwrap_or(T::DTYPE);
            let mut dims = plan.loop_dims.clone();
            dims.extend(self.output_core_dims[j].iter().cloned());
            let mut var = Variable::new(&dims, data.astype(dtype)?)?;
            if self.keep_attrs {
                if let Some(first) = aligned.first() {
                    var = var.with_attrs(first.attrs().clone());
                }
            }
            let sizes = var.sizes();
            let mut coords = IndexMap::new();
            for da in &aligned {
                for (c, v) in da.coords() {
                    let fits = v
                        .dims()
                        .iter()
                        .zip(v.shape())
                        .all(|(d, n)| sizes.get(d) == Some(n));
                    if fits && !coords.contains_key(c) {
                        coords.insert(c.clone(), v.clone());
                    }
                }
            }
            outs.push(DataArray::from_parts(
                name.map(str::to_string),
                var,
                coords,
            )?);
        }
        Ok(outs)
    }

    /// Checks the arguments and works out the loop dims and every core size.
    fn plan(&self, inputs: &[&DataArray]) -> Result<Plan> {
        let n_in = inputs.len();
        if n_in == 0 {
            return Err(Error::invalid_argument(
                "inputs",
                "apply_ufunc needs at least one DataArray",
            ));
        }
        let input_core = self
            .input_core_dims
            .clone()
            .unwrap_or_else(|| vec![Vec::new(); n_in]);
        if input_core.len() != n_in {
            return Err(Error::invalid_argument(
                "input_core_dims",
                format!(
                    "one list of core dims per input is needed: {} given for {n_in} inputs",
                    input_core.len()
                ),
            ));
        }
        let n_out = self.output_core_dims.len();
        if n_out == 0 {
            return Err(Error::invalid_argument(
                "output_core_dims",
                "at least one output (an empty list of core dims) is needed",
            ));
        }
        if let Some(d) = &self.output_dtypes {
            if d.len() != n_out {
                return Err(Error::invalid_argument(
                    "output_dtypes",
                    format!("{} dtypes given for {n_out} outputs", d.len()),
                ));
            }
        }
        for (arg, lists) in [
            ("input_core_dims", &input_core),
            ("output_core_dims", &self.output_core_dims),
        ] {
            for list in lists.iter() {
                let unique: IndexSet<&String> = list.iter().collect();
                if unique.len() != list.len() {
                    return Err(Error::invalid_argument(
                        arg,
                        format!("core dims {list:?} repeat a dimension"),
                    ));
                }
            }
        }
        let all_core: IndexSet<&String> = input_core
            .iter()
            .chain(&self.output_core_dims)
            .flatten()
            .collect();
        let mut loop_sizes: IndexMap<String, usize> = IndexMap::new();
        let mut core_sizes: IndexMap<String, usize> = IndexMap::new();
        for (i, (da, core)) in inputs.iter().zip(&input_core).enumerate() {
            for d in core {
                if da.variable().axis_of(d).is_none() {
                    return Err(Error::DimNotFound {
                        dim: d.clone(),
                        context: format!(
                            "input {i} of apply_ufunc (DataArray {}), listed in input_core_dims",
                            da.display_name()
                        ),
                        available: da.dims().to_vec(),
                    });
                }
            }
            for (d, &n) in da.dims().iter().zip(da.shape()) {
                let target = if core.contains(d) {
                    &mut core_sizes
                } else if all_core.contains(d) {
                    return Err(Error::invalid_argument(
                        "input_core_dims",
                        format!(
                            "input {i} of apply_ufunc (DataArray {}) has dimension {d:?}, a core dimension of another input or output; list it among its own core dims",
                            da.display_name()
                        ),
                    ));
                } else {
                    &mut loop_sizes
                };
                match target.get(d) {
                    Some(&m) if m != n => {
                        return Err(Error::DimSizeConflict {
                            dim: d.clone(),
                            what: format!("the inputs of apply_ufunc (input {i})"),
                            left: m,
                            right: n,
                        })
                    }
                    Some(_) => {}
                    None => {
                        target.insert(d.clone(), n);
                    }
                }
            }
        }
        let out_core_sizes = self
            .output_core_dims
            .iter()
            .map(|dims| {
                dims.iter()
                    .map(|d| {
                        core_sizes
                            .get(d)
                            .or_else(|| self.output_sizes.get(d))
                            .copied()
                    })
                    .collect()
            })
            .collect();
        let input_core_sizes = input_core
            .iter()
            .map(|dims| dims.iter().map(|d| core_sizes[d]).collect())
            .collect();
        Ok(Plan {
            loop_dims: loop_sizes.keys().cloned().collect(),
            loop_shape: loop_sizes.values().copied().collect(),
            input_core,
            input_core_sizes,
            out_core_sizes,
        })
    }

    fn run_lazy(
        &self,
        plan: &Plan,
        aligned: &[DataArray],
        datas: Vec<Data>,
        kernel: Kernel<T, O>,
    ) -> Result<Vec<Data>> {
        let nl = plan.loop_dims.len();
        // Loop dims take the chunks of the first input split along them.
        let mut loop_chunks: Vec<Vec<usize>> = plan.loop_shape.iter().map(|&n| vec![n]).collect();
        for (k, d) in plan.loop_dims.iter().enumerate() {
            if let Some(c) = aligned
                .iter()
                .filter_map(|da| da.variable().chunks()?.get(d).cloned())
                .find(|c| c.len() > 1)
            {
                loop_chunks[k] = c;
            }
        }
        for (i, (da, core)) in aligned.iter().zip(&plan.input_core).enumerate() {
            let Some(chunks) = da.variable().chunks() else {
                continue;
            };
            for d in core {
                if chunks[d].len() > 1 && !self.allow_rechunk {
                    return Err(Error::invalid_argument(
                        "input_core_dims",
                        format!(
                            "dimension {d:?} on input {i} of apply_ufunc (DataArray {}) consists of multiple chunks {:?}, but is also a core dimension; rechunk it into a single chunk (chunk(&[({d:?}, {})])) or call allow_rechunk(true), which may use much memory",
                            da.display_name(),
                            chunks[d],
                            chunks[d].iter().sum::<usize>()
                        ),
                    ));
                }
            }
        }
        let mut out_widths = Vec::with_capacity(plan.out_core_sizes.len());
        for (j, sizes) in plan.out_core_sizes.iter().enumerate() {
            let mut width = 1;
            for (d, n) in self.output_core_dims[j].iter().zip(sizes) {
                width *= n.ok_or_else(|| {
                    Error::invalid_argument(
                        "output_sizes",
                        format!("output core dimension {d:?} of output {j} is in no input: give its size with output_sizes for chunked inputs"),
                    )
                })?;
            }
            out_widths.push(width);
        }
        let mut packed = Vec::with_capacity(datas.len());
        let mut in_widths = Vec::with_capacity(datas.len());
        for (data, core) in datas.into_iter().zip(&plan.input_core_sizes) {
            let lazy = match data {
                Data::Lazy(l) => l,
                Data::Eager(a) => LazyArray::from_array(a.clone(), &vec![0; a.ndim()])?,
            };
            let mut sizes = loop_chunks.clone();
            sizes.extend(core.iter().map(|&n| vec![n]));
            let lazy = lazy.rechunk_sizes(sizes)?;
            in_widths.push(core.iter().product::<usize>());
            packed.push(match core.len() {
                0 => lazy.insert_axis(nl)?,
                1 => lazy,
                _ => reshape_core(&lazy, nl, &loop_chunks, &[core.iter().product()])?,
            });
        }
        let k_in: usize = in_widths.iter().sum();
        let all = match packed.len() {
            1 => packed.swap_remove(0),
            _ => LazyArray::concatenate(nl, &packed)?,
        };
        let mut sizes = loop_chunks.clone();
        sizes.push(vec![k_in]);
        let all = all.rechunk_sizes(sizes)?;
        let k_out: usize = out_widths.iter().sum();
        let mut out_chunks = loop_chunks.clone();
        out_chunks.push(vec![k_out]);
        let in_shapes = plan.input_core_sizes.clone();
        let widths = out_widths.clone();
        let main = all.map_blocks_to(
            out_chunks,
            T::DTYPE,
            "apply_ufunc",
            move |region: &Region| {
                let mut r = region[..nl].to_vec();
                r.push(0..k_in);
                r
            },
            move |region: &Region, values: NdArray| {
                let lb: Vec<usize> = region[..nl].iter().map(ExactSizeIterator::len).collect();
                let mut blocks = Vec::with_capacity(in_shapes.len());
                let mut offset = 0;
                for core in &in_shapes {
                    let width: usize = core.iter().product();
                    let mut shape = lb.clone();
                    shape.extend(core);
                    blocks.push(
                        values
                            .slice_axis(nl, offset, offset + width, 1)?
                            .reshape(&shape)?,
                    );
                    offset += width;
                }
                let mut parts = Vec::with_capacity(widths.len());
                for (out, &width) in kernel.call(&blocks)?.into_iter().zip(&widths) {
                    let mut shape = lb.clone();
                    shape.push(width);
                    parts.push(NdArray::from(out).reshape(&shape)?);
                }
                match parts.len() {
                    1 => Ok(parts.swap_remove(0)),
                    _ => NdArray::concatenate(nl, &parts),
                }
            },
        )?;
        let mut outs = Vec::with_capacity(out_widths.len());
        let mut offset = 0;
        for (j, &width) in out_widths.iter().enumerate() {
            let part = main.slice_axis(nl, offset, offset + width, 1)?;
            offset += width;
            let core: Vec<usize> = plan.out_core_sizes[j].iter().flatten().copied().collect();
            outs.push(Data::Lazy(match core.len() {
                0 => part.remove_axis(nl)?,
                1 => part,
                _ => reshape_core(&part, nl, &loop_chunks, &core)?,
            }));
        }
        Ok(outs)
    }
}

/// What [`apply_ufunc`] applies to: [`DataArray`]s, or [`Dataset`]s (the function
/// applied to each data variable).
pub trait UfuncArg: Sized {
    /// Runs `call` on its inputs; see [`ApplyUfunc::run`].
    ///
    /// # Errors
    /// As [`ApplyUfunc::run`].
    #[doc(hidden)]
    fn run_ufunc<T: Element, O: UfuncOutput<T> + 'static>(
        call: &ApplyUfunc<'_, Self, T, O>,
    ) -> Result<Vec<Self>>;
}

impl UfuncArg for DataArray {
    fn run_ufunc<T: Element, O: UfuncOutput<T> + 'static>(
        call: &ApplyUfunc<'_, Self, T, O>,
    ) -> Result<Vec<Self>> {
        call.run_arrays(&call.inputs)
    }
}

impl UfuncArg for Dataset {
    fn run_ufunc<T: Element, O: UfuncOutput<T> + 'static>(
        call: &ApplyUfunc<'_, Self, T, O>,
    ) -> Result<Vec<Self>> {
        let Some(first) = call.inputs.first() else {
            return Err(Error::invalid_argument(
                "inputs",
                "apply_ufunc needs at least one Dataset",
            ));
        };
        let names: Vec<&String> = first.data_vars().map(|(k, _)| k).collect();
        for (i, ds) in call.inputs.iter().enumerate() {
            let theirs: Vec<&String> = ds.data_vars().map(|(k, _)| k).collect();
            if let Some(missing) = names
                .iter()
                .find(|n| !theirs.contains(n))
                .or_else(|| theirs.iter().find(|n| !names.contains(n)))
            {
                return Err(Error::VarNotFound {
                    name: (*missing).clone(),
                    context: format!(
                        "the data variables of every input of apply_ufunc (input {i} or the first); they must be the same"
                    ),
                    available: theirs.iter().map(|n| (*n).clone()).collect(),
                });
            }
        }
        let n_out = call.output_core_dims.len();
        let mut outs: Vec<Dataset> = vec![Dataset::new(); n_out];
        for name in names {
            let arrays = call
                .inputs
                .iter()
                .map(|ds| ds.get(name))
                .collect::<Result<Vec<_>>>()?;
            let refs: Vec<&DataArray> = arrays.iter().collect();
            for (out, da) in outs.iter_mut().zip(call.run_arrays(&refs)?) {
                for (c, v) in da.coords() {
                    if !out.variables().contains_key(c) {
                        *out = out.clone().with_coord(c, v.clone())?;
                    }
                }
                *out = out.clone().with_data_var(name, da.variable().clone())?;
            }
        }
        if call.keep_attrs {
            for out in &mut outs {
                *out = out.clone().with_attrs(first.attrs().clone());
            }
        }
        Ok(outs)
    }
}

/// What the arguments resolve to.
struct Plan {
    loop_dims: Vec<String>,
    loop_shape: Vec<usize>,
    input_core: Vec<Vec<String>>,
    input_core_sizes: Vec<Vec<usize>>,
    /// Each output's core sizes; `None` for a new dim whose size is not given.
    out_core_sizes: Vec<Vec<Option<usize>>>,
}

impl Plan {
    /// An input's values with its loop dims (all of them, broadcast) then its core
    /// dims, cast to `dtype`; lazy (in-memory values wrapped as one chunk, so that
    /// broadcasting copies block by block) when `lazy`.
    fn input_data(
        &self,
        var: &Variable,
        core: &[String],
        dtype: DType,
        lazy: bool,
    ) -> Result<Data> {
        let mut order: Vec<&String> = self
            .loop_dims
            .iter()
            .filter(|d| var.axis_of(d).is_some())
            .collect();
        order.extend(core);
        let mut data = var.transpose(&order)?.data().clone();
        if let (true, Data::Eager(a)) = (lazy, &data) {
            data = Data::Lazy(LazyArray::from_array(a.clone(), &vec![0; a.ndim()])?);
        }
        let mut shape = Vec::with_capacity(self.loop_dims.len() + core.len());
        for (k, d) in self.loop_dims.iter().enumerate() {
            if var.axis_of(d).is_none() {
                data = data.insert_axis(k)?;
            }
            shape.push(self.loop_shape[k]);
        }
        for d in core {
            shape.push(var.shape()[var.require_axis(d, "apply_ufunc input")?]);
        }
        data.broadcast_to(&shape)?.astype(dtype)
    }
}

/// The user's function applied to one block of every input (each the loop dims of the
/// block, then the input's core dims, of dtype `T`).
struct Kernel<T, O> {
    func: UserFn<T, O>,
    vectorize: bool,
    n_loop: usize,
    out_core: Vec<Vec<Option<usize>>>,
}

impl<T: Element, O: UfuncOutput<T>> Kernel<T, O> {
    /// The outputs over the block: its loop dims, then each output's core dims.
    fn call(&self, blocks: &[NdArray]) -> Result<Vec<ArrayD<T>>> {
        let arrays = blocks
            .iter()
            .map(|b| {
                b.as_array::<T>().ok_or_else(|| {
                    Error::internal(format!("apply_ufunc input of dtype {}", b.dtype()))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let loop_shape: Vec<usize> = arrays
            .first()
            .map(|a| a.shape()[..self.n_loop].to_vec())
            .unwrap_or_default();
        let outs = if self.vectorize {
            self.call_vectorized(&arrays, &loop_shape)?
        } else {
            let views: Vec<ArrayViewD<'_, T>> = arrays.iter().map(|a| a.view()).collect();
            let outs = self.outputs((self.func)(&views)?)?;
            for (j, o) in outs.iter().enumerate() {
                if o.ndim() < self.n_loop || o.shape()[..self.n_loop] != loop_shape[..] {
                    return Err(Error::ShapeMismatch {
                        what: format!(
                            "output {j} of the function of apply_ufunc (it must start with the loop dims of its inputs)"
                        ),
                        expected: loop_shape.clone(),
                        actual: o.shape().to_vec(),
                    });
                }
            }
            outs
        };
        for (j, (o, want)) in outs.iter().zip(&self.out_core).enumerate() {
            let core = &o.shape()[self.n_loop..];
            let fits = core.len() == want.len()
                && core
                    .iter()
                    .zip(want)
                    .all(|(&n, w)| w.is_none_or(|w| w == n));
            if !fits {
                return Err(Error::ShapeMismatch {
                    what: format!(
                        "core dims of output {j} of the function of apply_ufunc (per output_core_dims)"
                    ),
                    expected: want.iter().map(|w| w.unwrap_or(0)).collect(),
                    actual: core.to_vec(),
                });
            }
        }
        Ok(outs)
    }

    fn outputs(&self, out: O) -> Result<Vec<ArrayD<T>>> {
        let outs = out.into_outputs();
        if outs.len() != self.out_core.len() {
            return Err(Error::invalid_argument(
                "output_core_dims",
                format!(
                    "the function of apply_ufunc returned {} arrays where output_core_dims names {} outputs",
                    outs.len(),
                    self.out_core.len()
                ),
            ));
        }
        Ok(outs)
    }

    /// One call per point of the loop dims; results stacked in row-major order.
    fn call_vectorized(
        &self,
        arrays: &[&ndarray::ArcArray<T, IxDyn>],
        loop_shape: &[usize],
    ) -> Result<Vec<ArrayD<T>>> {
        let n_out = self.out_core.len();
        let mut values: Vec<Vec<T>> = vec![Vec::new(); n_out];
        let mut cores: Vec<Option<Vec<usize>>> = vec![None; n_out];
        let mut err = None;
        for_each_index(loop_shape, |idx| {
            if err.is_some() {
                return;
            }
            let views: Vec<ArrayViewD<'_, T>> = arrays
                .iter()
                .map(|a| {
                    let mut v = a.view();
                    for &i in idx {
                        v = v.index_axis_move(Axis(0), i);
                    }
                    v
                })
                .collect();
            let outs = match (self.func)(&views).and_then(|o| self.outputs(o)) {
                Ok(o) => o,
                Err(e) => {
                    err = Some(e);
                    return;
                }
            };
            for (j, o) in outs.into_iter().enumerate() {
                match &cores[j] {
                    Some(c) if c.as_slice() != o.shape() => {
                        err = Some(Error::ShapeMismatch {
                            what: format!(
                                "output {j} of the vectorized function of apply_ufunc at loop index {idx:?} (every call must return the same shape)"
                            ),
                            expected: c.clone(),
                            actual: o.shape().to_vec(),
                        });
                        return;
                    }
                    Some(_) => {}
                    None => cores[j] = Some(o.shape().to_vec()),
                }
                values[j].extend(o.iter().cloned());
            }
        });
        if let Some(e) = err {
            return Err(e);
        }
        values
            .into_iter()
            .zip(cores)
            .zip(&self.out_core)
            .map(|((vals, core), want)| {
                let core = match core {
                    Some(c) => c,
                    None => want
                        .iter()
                        .map(|w| {
                            w.ok_or_else(|| {
                                Error::invalid_argument(
                                    "output_sizes",
                                    "the loop dims are empty, so the size of a new output core dimension must be given",
                                )
                            })
                        })
                        .collect::<Result<_>>()?,
                };
                let mut shape = loop_shape.to_vec();
                shape.extend(core);
                ArrayD::from_shape_vec(IxDyn(&shape), vals)
                    .map_err(|e| Error::internal(format!("vectorized apply_ufunc output: {e}")))
            })
            .collect()
    }
}

/// `lazy` (loop dims chunked as `loop_chunks`, then one axis or several, each one chunk)
/// with its trailing core axes reshaped to `core`.
fn reshape_core(
    lazy: &LazyArray,
    nl: usize,
    loop_chunks: &[Vec<usize>],
    core: &[usize],
) -> Result<LazyArray> {
    let mut chunks = loop_chunks.to_vec();
    chunks.extend(core.iter().map(|&n| vec![n]));
    let in_core: Vec<usize> = lazy.shape()[nl..].to_vec();
    let core = core.to_vec();
    lazy.map_blocks_to(
        chunks,
        lazy.dtype(),
        "apply_ufunc",
        move |region: &Region| {
            let mut r = region[..nl].to_vec();
            r.extend(in_core.iter().map(|&n| 0..n));
            r
        },
        move |region: &Region, values: NdArray| {
            let mut shape: Vec<usize> = region[..nl].iter().map(ExactSizeIterator::len).collect();
            shape.extend(&core);
            values.reshape(&shape)
        },
    )
}
