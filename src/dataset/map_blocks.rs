//! `map_blocks` with a template (xarray's `map_blocks(func, template=...)`): a user's
//! function of a block as a DataArray, with its coordinates, whose result may change
//! the block's shape along named dims. The template gives the output's dims, coords,
//! dtype, name, attrs and chunks; each result is checked against its template block.
//!
//! The lower-level [`DataArray::map_blocks`] (same-shape blocks as plain arrays) is in
//! `chunked.rs`.

use std::sync::Arc;

use indexmap::IndexMap;

use super::{DataArray, Indexer, Variable};
use crate::array::chunks::Region;
use crate::array::NdArray;
use crate::error::{Error, Result};
use crate::lazy::Data;

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
    fn block_of(&self, region: &Region) -> Vec<usize> {
        region
            .iter()
            .zip(&self.out_starts)
            .map(|(r, s)| s.partition_point(|&x| x < r.start))
            .collect()
    }

    /// The input block that the output block at `region` comes from.
    fn input_region(&self, region: &Region) -> Region {
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
                let out = conform(&f(self)?, &out_dims, template.shape(), "the only block")?;
                return finish(Data::Eager(out.astype(dtype)?));
            }
        };
        let layout = Arc::new(self.layout(template, lazy.chunks())?);
        let out_chunks: Vec<Vec<usize>> = layout
            .out_starts
            .iter()
            .zip(template.shape())
            .map(|(s, &n)| {
                s.iter()
                    .enumerate()
                    .map(|(k, &a)| s.get(k + 1).copied().unwrap_or(n) - a)
                    .collect()
            })
            .collect();
        let coords: IndexMap<String, Variable> = self
            .coords()
            .iter()
            .map(|(k, v)| Ok((k.clone(), v.load()?)))
            .collect::<Result<_>>()?;
        let (name, attrs) = (self.name().map(str::to_string), self.attrs().clone());
        let regions = Arc::clone(&layout);
        let apply = move |region: &Region, values: NdArray| -> Result<NdArray> {
            let block = layout.block_of(region);
            let read = layout.input_region(region);
            let var = Variable::new(&layout.in_dims, values)?.with_attrs(attrs.clone());
            let mut block_coords = IndexMap::with_capacity(coords.len());
            for (k, c) in &coords {
                let indexers: Vec<(&str, Indexer)> = c
                    .dims()
                    .iter()
                    .filter_map(|d| {
                        let ax = layout.in_dims.iter().position(|x| x == d)?;
                        Some((d.as_str(), Indexer::from(read[ax].clone())))
                    })
                    .collect();
                block_coords.insert(k.clone(), c.isel(&indexers)?);
            }
            let input = DataArray::from_parts(name.clone(), var, block_coords)?;
            let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
            let out = conform(
                &f(&input)?,
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

    /// How the blocks of this array (chunked as `chunks`) meet those of `template`.
    fn layout(&self, template: &DataArray, chunks: &[Vec<usize>]) -> Result<Layout> {
        let in_dims = self.dims().to_vec();
        let out_dims = template.dims().to_vec();
        let template_chunks = template.chunks().unwrap_or_default();
        let mut out_starts = Vec::with_capacity(out_dims.len());
        for (d, &n) in out_dims.iter().zip(template.shape()) {
            let given = template_chunks.get(d).cloned();
            let out = match self.variable().axis_of(d) {
                Some(ax) => {
                    let c = given.unwrap_or_else(|| chunks[ax].clone());
                    if c.len() != chunks[ax].len() {
                        return Err(Error::invalid_argument(
                            "template",
                            format!(
                                "map_blocks maps each block of the input to one block of the output, but along {d:?} the input has {} blocks {:?} and the template {} {c:?}",
                                chunks[ax].len(),
                                chunks[ax],
                                c.len()
                            ),
                        ));
                    }
                    if c.iter().sum::<usize>() != n {
                        return Err(Error::invalid_argument(
                            "template",
                            format!(
                                "the template has {n} elements along {d:?} but the input's chunks {:?} add up to {}: chunk the template to give each output block's length",
                                chunks[ax],
                                chunks[ax].iter().sum::<usize>()
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
        for (ax, d) in in_dims.iter().enumerate() {
            if !out_dims.contains(d) && chunks[ax].len() > 1 {
                return Err(Error::invalid_argument(
                    "template",
                    format!(
                        "the input is split into {} chunks along {d:?}, which the template lacks; make it one chunk",
                        chunks[ax].len()
                    ),
                ));
            }
        }
        Ok(Layout {
            out_axis: in_dims
                .iter()
                .map(|d| out_dims.iter().position(|x| x == d))
                .collect(),
            in_shape: self.shape().to_vec(),
            in_chunks: chunks.to_vec(),
            in_dims,
            out_dims,
            out_starts,
        })
    }
}

/// A function's result as the values of a template block: its dims (in any order) must
/// be the template's and its shape the block's.
fn conform(out: &DataArray, dims: &[String], shape: &[usize], block: &str) -> Result<NdArray> {
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
    let out = out.transpose(&dims.iter().map(String::as_str).collect::<Vec<_>>())?;
    if out.shape() != shape {
        return Err(Error::ShapeMismatch {
            what: format!(
                "map_blocks, {block}: the function's result (dims {dims:?}) against the template"
            ),
            expected: shape.to_vec(),
            actual: out.shape().to_vec(),
        });
    }
    out.values().compute()
}
