//! `map_blocks` with a template (xarray's `map_blocks(func, template=...)`): a user's
//! function of a block as a DataArray, with its coordinates, whose result may change
//! the block's shape along named dims. The template gives the output's dims, coords,
//! dtype, name, attrs and chunks; each result is checked against its template block.
//!
//! The lower-level [`DataArray::map_blocks`] (same-shape blocks as plain arrays) is in
//! `chunked.rs`.

use std::ops::Range;
use std::sync::Arc;

use indexmap::IndexMap;

use indexmap::IndexSet;

use super::{Attrs, DataArray, Dataset, Indexer, Variable};
use crate::array::chunks::Region;
use crate::array::{DType, NdArray};
use crate::error::{Error, Result};
use crate::lazy::{Data, LazyArray};

/// Where the blocks of the output and of the input start, and how their dims meet.
struct Layout {
    in_dims: Vec<String>,
    in_shape: Vec<usize>,
    in_chunks: Vec<Vec<usize>>,
    out_dims: Vec<String>,
    out_starts: Vec<Vec<usize>>,
    /// For each input axis, the output axis of the same dim.
    out_axis: Vec<Option<usize>>,
}

fn starts(chunks: &[usize]) -> Vec<usize> {
    chunks
        .iter()
        .scan(0, |acc, &n| {
            let s = *acc;
            *acc += n;
            Some(s)
        })
        .collect()
}

impl Layout {
    /// The block number along each output axis of the output block at `region`.
    fn block_of(&self, region: &[Range<usize>]) -> Vec<usize> {
        region
            .iter()
            .zip(&self.out_starts)
            .map(|(r, s)| s.partition_point(|&x| x < r.start))
            .collect()
    }

    /// The input block that the output block at `region` comes from.
    fn input_region(&self, region: &[Range<usize>]) -> Region {
        let block = self.block_of(region);
        (0..self.in_dims.len())
            .map(|ax| match self.out_axis[ax] {
                Some(o) => {
                    let start: usize = self.in_chunks[ax][..block[o]].iter().sum();
                    start..start + self.in_chunks[ax][block[o]]
                }
                None => 0..self.in_shape[ax],
            })
            .collect()
    }
}

impl Layout {
    /// How blocks of an input over `in_dims` (chunked as `in_chunks`) meet those of a
    /// template over `out_dims` (chunked as `template_chunks` where it is).
    fn new(
        in_dims: Vec<String>,
        in_chunks: Vec<Vec<usize>>,
        out_dims: Vec<String>,
        out_shape: &[usize],
        template_chunks: &IndexMap<String, Vec<usize>>,
    ) -> Result<Layout> {
        let mut out_starts = Vec::with_capacity(out_dims.len());
        for (d, &n) in out_dims.iter().zip(out_shape) {
            let given = template_chunks.get(d).cloned();
            let out = match in_dims.iter().position(|x| x == d) {
                Some(ax) => {
                    let chunks = &in_chunks[ax];
                    let c = given.unwrap_or_else(|| chunks.clone());
                    if c.len() != chunks.len() {
                        return Err(Error::invalid_argument(
                            "template",
                            format!(
                                "map_blocks maps each block of the input to one block of the output, but along {d:?} the input has {} blocks {chunks:?} and the template {} {c:?}",
                                chunks.len(),
                                c.len()
                            ),
                        ));
                    }
                    if c.iter().sum::<usize>() != n {
                        return Err(Error::invalid_argument(
                            "template",
                            format!(
                                "the template has {n} elements along {d:?} but the input's chunks {chunks:?} add up to {}: chunk the template to give each output block's length",
                                chunks.iter().sum::<usize>()
                            ),
                        ));
                    }
                    c
                }
                None => {
                    if given.as_ref().is_some_and(|c| c.len() > 1) {
                        return Err(Error::invalid_argument(
                            "template",
                            format!("{d:?} is not a dimension of the input, so it must be one chunk in the template"),
                        ));
                    }
                    vec![n]
                }
            };
            out_starts.push(starts(&out));
        }
        for (d, chunks) in in_dims.iter().zip(&in_chunks) {
            if !out_dims.contains(d) && chunks.len() > 1 {
                return Err(Error::invalid_argument(
                    "template",
                    format!(
                        "the input is split into {} chunks along {d:?}, which the template lacks; make it one chunk",
                        chunks.len()
                    ),
                ));
            }
        }
        Ok(Layout {
            out_axis: in_dims
                .iter()
                .map(|d| out_dims.iter().position(|x| x == d))
                .collect(),
            in_shape: in_chunks.iter().map(|c| c.iter().sum()).collect(),
            in_chunks,
            in_dims,
            out_dims,
            out_starts,
        })
    }

    /// The output's chunk sizes along each of its dims.
    fn out_chunks(&self, out_shape: &[usize]) -> Vec<Vec<usize>> {
        self.out_starts
            .iter()
            .zip(out_shape)
            .map(|(s, &n)| {
                s.iter()
                    .enumerate()
                    .map(|(k, &a)| s.get(k + 1).copied().unwrap_or(n) - a)
                    .collect()
            })
            .collect()
    }

    /// `coords` cut to the input block read for the output block at `region`.
    fn block_coords(
        &self,
        coords: &IndexMap<String, Variable>,
        region: &[Range<usize>],
    ) -> Result<IndexMap<String, Variable>> {
        let read = self.input_region(region);
        let mut out = IndexMap::with_capacity(coords.len());
        for (k, c) in coords {
            let indexers: Vec<(&str, Indexer)> = c
                .dims()
                .iter()
                .filter_map(|d| {
                    let ax = self.in_dims.iter().position(|x| x == d)?;
                    Some((d.as_str(), Indexer::from(read[ax].clone())))
                })
                .collect();
            out.insert(k.clone(), c.isel(&indexers)?);
        }
        Ok(out)
    }
}

impl DataArray {
    /// Applies `f` to each block of this (chunked) array, given as a DataArray with the
    /// block's coordinates, name and attrs; the results form an array shaped like
    /// `template` (xarray's `map_blocks(func, template=template)`).
    ///
    /// Block `k` of the input along a dim becomes block `k` of the output along it, so
    /// `f` may change a block's length along any dim: chunk the template to say how
    /// (a template that is not chunked takes the input's chunks, so keeps the lengths).
    /// Dims of the template the input lacks are one block; dims of the input the
    /// template lacks must be one chunk. The output takes the template's dims, coords,
    /// dtype (each result is cast to it), name and attrs. An array in memory is one
    /// block: `f` runs at once.
    ///
    /// ```
    /// use xr::DataArray;
    /// # fn main() -> xr::Result<()> {
    /// let da = DataArray::new(vec![1.0, 2.0, 3.0, 4.0, 5.0], &["time"])?.chunk(&[("time", 2)])?;
    /// // The first value of each block.
    /// let template = DataArray::new(vec![0.0; 3], &["time"])?.chunk(&[("time", 1)])?;
    /// let firsts = da.map_blocks_template(&template, |b| b.isel(&[("time", (0..1).into())]))?;
    /// assert_eq!(firsts.values().to_f64_vec()?, vec![1.0, 3.0, 5.0]);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] (argument `template`) naming the dim when the blocks
    /// cannot correspond: different numbers of blocks, a template length that the
    /// input's chunks do not give, a new dim in several chunks, an input dim missing
    /// from the template but split into chunks. At compute time (at once for an array
    /// in memory), the function's errors, and [`Error::ShapeMismatch`] or
    /// [`Error::InvalidArgument`] (argument `func`) naming the block whose result does
    /// not fit the template.
    pub fn map_blocks_template(
        &self,
        template: &DataArray,
        f: impl Fn(&DataArray) -> Result<DataArray> + Send + Sync + 'static,
    ) -> Result<DataArray> {
        let out_dims = template.dims().to_vec();
        let dtype = template.dtype();
        let finish = |data: Data| -> Result<DataArray> {
            let var = Variable::new(&out_dims, data)?.with_attrs(template.attrs().clone());
            DataArray::from_parts(
                template.name().map(str::to_string),
                var,
                template.coords().clone(),
            )
        };
        let lazy = match self.values() {
            Data::Lazy(l) => l.clone(),
            Data::Eager(_) => {
                let out = conform(
                    f(self)?.variable(),
                    &out_dims,
                    template.shape(),
                    "the only block",
                )?;
                return finish(Data::Eager(out.astype(dtype)?));
            }
        };
        let layout = Arc::new(Layout::new(
            self.dims().to_vec(),
            lazy.chunks().to_vec(),
            out_dims.clone(),
            template.shape(),
            &template.chunks().unwrap_or_default(),
        )?);
        let out_chunks = layout.out_chunks(template.shape());
        let coords: IndexMap<String, Variable> = self
            .coords()
            .iter()
            .map(|(k, v)| Ok((k.clone(), v.load()?)))
            .collect::<Result<_>>()?;
        let (name, attrs) = (self.name().map(str::to_string), self.attrs().clone());
        let regions = Arc::clone(&layout);
        let apply = move |region: &Region, values: NdArray| -> Result<NdArray> {
            let block = layout.block_of(region);
            let var = Variable::new(&layout.in_dims, values)?.with_attrs(attrs.clone());
            let block_coords = layout.block_coords(&coords, region)?;
            let input = DataArray::from_parts(name.clone(), var, block_coords)?;
            let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
            let out = conform(
                f(&input)?.variable(),
                &layout.out_dims,
                &shape,
                &format!("block {block:?}"),
            )?;
            out.astype(dtype)
        };
        let mapped = lazy.map_blocks_to(
            out_chunks,
            dtype,
            "map_blocks",
            move |region: &Region| regions.input_region(region),
            apply,
        )?;
        finish(Data::Lazy(mapped))
    }
}

/// A function's result as the values of a template block: its dims (in any order) must
/// be the template's and its shape the block's.
fn conform(out: &Variable, dims: &[String], shape: &[usize], block: &str) -> Result<NdArray> {
    let same_dims = out.dims().len() == dims.len() && dims.iter().all(|d| out.dims().contains(d));
    if !same_dims {
        return Err(Error::invalid_argument(
            "func",
            format!(
                "map_blocks, {block}: the function returned dims {:?} where the template has {dims:?}",
                out.dims()
            ),
        ));
    }
    let out = out.transpose(dims)?;
    if out.shape() != shape {
        return Err(Error::ShapeMismatch {
            what: format!(
                "map_blocks, {block}: the function's result (dims {dims:?}) against the template"
            ),
            expected: shape.to_vec(),
            actual: out.shape().to_vec(),
        });
    }
    out.values()
}

impl Dataset {
    /// Applies `f` to each block of this (chunked) dataset, given as a Dataset with the
    /// block of every data variable and coordinate; the results form a dataset shaped
    /// like `template` (xarray's `Dataset.map_blocks(func, template=template)`).
    ///
    /// Blocks correspond as in [`DataArray::map_blocks_template`], over the union of
    /// the data variables' dims (of the input, and of the template). Each result must
    /// hold every data variable of the template, with its dims and the block's lengths.
    /// One task per block runs `f` once: the input variables are broadcast to the
    /// block and travel together, as do the results, in one dtype (theirs when they
    /// share it, `f64` otherwise), each cast back to its own (or its template's) dtype.
    ///
    /// # Errors
    /// As [`DataArray::map_blocks_template`]; [`Error::InvalidArgument`] for a template
    /// without data variables, or variables of different dtypes that are not all
    /// numbers or bools; [`Error::InconsistentChunks`] when the variables chunk a dim
    /// differently.
    pub fn map_blocks(
        &self,
        template: &Dataset,
        f: impl Fn(&Dataset) -> Result<Dataset> + Send + Sync + 'static,
    ) -> Result<Dataset> {
        let inputs: Vec<(String, Variable)> = self
            .data_vars()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let outputs: Vec<(String, Variable)> = template
            .data_vars()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if outputs.is_empty() {
            return Err(Error::invalid_argument(
                "template",
                "the template has no data variables",
            ));
        }
        let finish = |data: Vec<Data>| -> Result<Dataset> {
            let mut out = template.clone();
            for ((name, var), d) in outputs.iter().zip(data) {
                out = out.with_data_var(name, var.with_data(d)?)?;
            }
            Ok(out)
        };
        if !inputs.iter().any(|(_, v)| v.data().is_lazy()) {
            let result = f(self)?;
            let data = outputs
                .iter()
                .map(|(name, var)| {
                    let got = result_var(&result, name, "the only block")?;
                    let vals = conform(
                        got,
                        var.dims(),
                        var.shape(),
                        &format!("the only block, variable {name:?}"),
                    )?;
                    Ok(Data::Eager(vals.astype(var.dtype())?))
                })
                .collect::<Result<Vec<_>>>()?;
            return finish(data);
        }
        let sizes = self.dims();
        let in_dims = union_dims(&inputs);
        let chunks = self.chunks()?;
        let in_chunks: Vec<Vec<usize>> = in_dims
            .iter()
            .map(|d| chunks.get(d).cloned().unwrap_or_else(|| vec![sizes[d]]))
            .collect();
        let in_shape: Vec<usize> = in_dims.iter().map(|d| sizes[d]).collect();
        let in_dtype = common_dtype(inputs.iter().map(|(_, v)| v.dtype()), "self")?;
        let parts = inputs
            .iter()
            .map(|(_, v)| packed_part(v, &in_dims, &in_shape, in_dtype))
            .collect::<Result<Vec<_>>>()?;
        let nd_in = in_dims.len();
        let packed = match parts.len() {
            1 => parts
                .into_iter()
                .next()
                .ok_or_else(|| Error::internal("one part"))?,
            _ => LazyArray::concatenate(nd_in, &parts)?,
        };
        let mut packed_chunks = in_chunks.clone();
        packed_chunks.push(vec![inputs.len()]);
        let packed = packed.rechunk_sizes(packed_chunks)?;

        let out_dims = union_dims(&outputs);
        let template_sizes = template.dims();
        let out_shape: Vec<usize> = out_dims.iter().map(|d| template_sizes[d]).collect();
        let layout = Arc::new(Layout::new(
            in_dims,
            in_chunks,
            out_dims.clone(),
            &out_shape,
            &template.chunks()?,
        )?);
        let nd_out = out_dims.len();
        let mut out_chunks = layout.out_chunks(&out_shape);
        out_chunks.push(vec![outputs.len()]);
        let out_dtype = common_dtype(outputs.iter().map(|(_, v)| v.dtype()), "template")?;
        let coords: IndexMap<String, Variable> = self
            .coords()
            .map(|(k, v)| Ok((k.clone(), v.load()?)))
            .collect::<Result<_>>()?;
        let attrs = self.attrs().clone();
        // What each input variable is, without its values: name, dims, dtype, attrs.
        let input_meta: Vec<(String, Vec<String>, DType, Attrs)> = inputs
            .iter()
            .map(|(k, v)| (k.clone(), v.dims().to_vec(), v.dtype(), v.attrs().clone()))
            .collect();
        let output_dims: Vec<(String, Vec<String>)> = outputs
            .iter()
            .map(|(k, v)| (k.clone(), v.dims().to_vec()))
            .collect();
        let regions = Arc::clone(&layout);
        let n_in = inputs.len();
        let apply = move |region: &Region, values: NdArray| -> Result<NdArray> {
            let out_region = &region[..nd_out];
            let block = layout.block_of(out_region);
            let mut vars: IndexMap<String, Variable> = layout.block_coords(&coords, out_region)?;
            let coord_names: IndexSet<String> = vars.keys().cloned().collect();
            for (i, (name, dims, dtype, var_attrs)) in input_meta.iter().enumerate() {
                let a = values.slice_axis(nd_in, i, i + 1, 1)?.remove_axis(nd_in)?;
                let a = select_dims(a, &layout.in_dims, dims)?.astype(*dtype)?;
                vars.insert(
                    name.clone(),
                    Variable::new(dims, a)?.with_attrs(var_attrs.clone()),
                );
            }
            let input = Dataset::from_parts(vars, coord_names, attrs.clone())?;
            let result = f(&input)?;
            let shape: Vec<usize> = out_region.iter().map(ExactSizeIterator::len).collect();
            let mut parts = Vec::with_capacity(output_dims.len());
            for (name, dims) in &output_dims {
                let what = format!("block {block:?}, variable {name:?}");
                let got = result_var(&result, name, &what)?;
                let own: Vec<usize> = dims
                    .iter()
                    .map(|d| {
                        layout
                            .out_dims
                            .iter()
                            .position(|x| x == d)
                            .map_or(0, |ax| shape[ax])
                    })
                    .collect();
                let vals = conform(got, dims, &own, &what)?.astype(out_dtype)?;
                parts.push(spread_dims(vals, dims, &layout.out_dims, &shape)?.insert_axis(nd_out)?);
            }
            match parts.len() {
                1 => parts.pop().ok_or_else(|| Error::internal("one part")),
                _ => NdArray::concatenate(nd_out, &parts),
            }
        };
        let mapped = packed.map_blocks_to(
            out_chunks,
            out_dtype,
            "map_blocks",
            move |region: &Region| {
                let mut r = regions.input_region(&region[..nd_out]);
                r.push(0..n_in);
                r
            },
            apply,
        )?;
        let mut data = Vec::with_capacity(outputs.len());
        for (j, (_, var)) in outputs.iter().enumerate() {
            let mut l = mapped
                .slice_axis(nd_out, j, j + 1, 1)?
                .remove_axis(nd_out)?;
            for ax in (0..nd_out).rev() {
                if var.axis_of(&out_dims[ax]).is_none() {
                    l = l.slice_axis(ax, 0, 1, 1)?.remove_axis(ax)?;
                }
            }
            let present: Vec<&String> = out_dims
                .iter()
                .filter(|d| var.axis_of(d).is_some())
                .collect();
            let perm: Vec<usize> = var
                .dims()
                .iter()
                .map(|d| present.iter().position(|p| *p == d).unwrap_or_default())
                .collect();
            data.push(Data::Lazy(l.permute(&perm)?.astype(var.dtype())?));
        }
        finish(data)
    }
}

/// The dims of the variables, in order of first appearance.
fn union_dims(vars: &[(String, Variable)]) -> Vec<String> {
    let mut dims: IndexSet<String> = IndexSet::new();
    for (_, v) in vars {
        dims.extend(v.dims().iter().cloned());
    }
    dims.into_iter().collect()
}

/// One dtype for values that travel together: theirs when they share it, else `f64`
/// for numbers and bools.
fn common_dtype(dtypes: impl Iterator<Item = DType>, argument: &str) -> Result<DType> {
    let all: Vec<DType> = dtypes.collect();
    match all.first() {
        Some(&first) if all.iter().all(|&d| d == first) => Ok(first),
        _ if all.iter().all(|d| d.is_numeric() || *d == DType::Bool) => Ok(DType::F64),
        _ => Err(Error::invalid_argument(
            argument,
            format!("map_blocks needs its data variables to share a dtype, or all be numbers: got {all:?}"),
        )),
    }
}

/// `var` lazily over `dims` (broadcast to `shape`), cast to `dtype`, with a trailing
/// axis of length 1 to pack it with others.
fn packed_part(
    var: &Variable,
    dims: &[String],
    shape: &[usize],
    dtype: DType,
) -> Result<LazyArray> {
    let present: Vec<&String> = dims.iter().filter(|d| var.axis_of(d).is_some()).collect();
    let moved = var.transpose(&present)?;
    let mut lazy = match moved.data() {
        Data::Lazy(l) => l.clone(),
        Data::Eager(a) => LazyArray::from_array(a.clone(), &vec![0; a.ndim()])?,
    };
    for (ax, d) in dims.iter().enumerate() {
        if var.axis_of(d).is_none() {
            lazy = lazy.insert_axis(ax)?;
        }
    }
    lazy.broadcast_to(shape)?
        .astype(dtype)?
        .insert_axis(dims.len())
}

/// A block over `all` dims cut down to `dims` (in that order): the first element along
/// every other dim (where it was broadcast).
fn select_dims(mut a: NdArray, all: &[String], dims: &[String]) -> Result<NdArray> {
    for ax in (0..all.len()).rev() {
        if !dims.contains(&all[ax]) {
            let n = a.shape()[ax].min(1);
            a = a.slice_axis(ax, 0, n, 1)?.remove_axis(ax)?;
        }
    }
    let present: Vec<&String> = all.iter().filter(|d| dims.contains(d)).collect();
    let perm: Vec<usize> = dims
        .iter()
        .map(|d| present.iter().position(|p| *p == d).unwrap_or_default())
        .collect();
    a.permute(&perm)
}

/// Values over `dims` broadcast to a block over `all` dims of `shape`.
fn spread_dims(a: NdArray, dims: &[String], all: &[String], shape: &[usize]) -> Result<NdArray> {
    let present: Vec<usize> = all
        .iter()
        .filter_map(|d| dims.iter().position(|x| x == d))
        .collect();
    let mut a = a.permute(&present)?;
    for (ax, d) in all.iter().enumerate() {
        if !dims.contains(d) {
            a = a.insert_axis(ax)?;
        }
    }
    a.broadcast_to(shape)
}

/// The data variable `name` of a function's result, or an error naming the block.
fn result_var<'a>(result: &'a Dataset, name: &str, block: &str) -> Result<&'a Variable> {
    result.variables().get(name).ok_or_else(|| {
        Error::invalid_argument(
            "func",
            format!(
                "map_blocks, {block}: the function's result lacks the template's data variable {name:?}; it has {:?}",
                result.variables().keys().collect::<Vec<_>>()
            ),
        )
    })
}
