//! Chunking and computing: `chunk`, `chunks`, `compute`/`load`, `persist`, `map_blocks`
//! on variables, DataArrays and Datasets.

use std::collections::HashMap;

use indexmap::IndexMap;

use super::{DataArray, Dataset, Variable};
use crate::array::{DType, NdArray};
use crate::dist::{Executor, LocalExecutor};
use crate::error::{Error, Result};
use crate::lazy::{compute_many, compute_many_local, persist_many, Data, LazyArray};

impl Variable {
    /// The variable with lazy data split into chunks of `sizes` along the named dims;
    /// other dims keep their chunks (or are one chunk, for data in memory).
    ///
    /// Names of dims the variable lacks are ignored, so that a Dataset can chunk every
    /// variable with the same request.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a chunk size of 0.
    pub fn chunk(&self, sizes: &[(&str, usize)]) -> Result<Variable> {
        if let Some((d, _)) = sizes.iter().find(|(_, n)| *n == 0) {
            return Err(Error::invalid_argument(
                "chunks",
                format!("chunk size of dimension {d:?} is 0"),
            ));
        }
        let current: Vec<Vec<usize>> = match self.data() {
            Data::Lazy(l) => l.chunks().to_vec(),
            Data::Eager(a) => a.shape().iter().map(|&n| vec![n]).collect(),
        };
        let shape: Vec<usize> = self
            .dims()
            .iter()
            .enumerate()
            .map(|(i, d)| {
                sizes.iter().find(|(name, _)| name == d).map_or_else(
                    || current[i].iter().copied().max().unwrap_or(0),
                    |(_, n)| *n,
                )
            })
            .collect();
        let lazy = self.data().chunk(&shape)?;
        Ok(self.replace(self.dims().to_vec(), lazy))
    }

    /// Chunk sizes per dim, for lazy data.
    pub fn chunks(&self) -> Option<IndexMap<String, Vec<usize>>> {
        self.data()
            .chunks()
            .map(|c| self.dims().iter().cloned().zip(c.iter().cloned()).collect())
    }

    /// Computes lazy data and keeps it in memory as a lazy array with the same chunks
    /// (dask's `persist`), so later computations start from it.
    ///
    /// # Errors
    /// The first failing chunk's error.
    pub fn persist(&self) -> Result<Variable> {
        match self.data() {
            Data::Eager(_) => Ok(self.clone()),
            Data::Lazy(l) => Ok(self.replace(self.dims().to_vec(), l.persist()?)),
        }
    }

    /// Applies `f` to each block of the data (each block as an in-memory array);
    /// `f` must return an array of the block's shape.
    ///
    /// # Errors
    /// When the data cannot be chunked; a wrong block shape surfaces at compute time.
    pub fn map_blocks(
        &self,
        dtype: DType,
        f: impl Fn(&NdArray) -> Result<NdArray> + Send + Sync + 'static,
    ) -> Result<Variable> {
        let lazy = match self.data() {
            Data::Lazy(l) => l.clone(),
            Data::Eager(a) => self.data().chunk(&vec![0; a.ndim()])?,
        };
        let mapped = lazy.map_blocks(&[], dtype, move |blocks| match blocks {
            [b] => f(b),
            _ => Err(Error::internal("map_blocks over one array gets one block")),
        })?;
        Ok(self.replace(self.dims().to_vec(), mapped))
    }
}

impl DataArray {
    /// Splits the data into chunks of `sizes` along the named dims (xarray's `chunk`).
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming a dim the array lacks; a size of 0.
    pub fn chunk(&self, sizes: &[(&str, usize)]) -> Result<DataArray> {
        for (d, _) in sizes {
            self.variable()
                .require_axis(d, &format!("DataArray {}", self.display_name()))?;
        }
        self.with_variable(self.variable().chunk(sizes)?)
    }

    /// Chunk sizes per dim, for lazy data.
    pub fn chunks(&self) -> Option<IndexMap<String, Vec<usize>>> {
        self.variable().chunks()
    }

    /// The array with its data computed into memory (xarray's `compute`/`load`).
    ///
    /// # Errors
    /// The first failing chunk's error, naming the array and chunk.
    pub fn compute(&self) -> Result<DataArray> {
        self.with_variable(self.variable().load()?)
    }

    /// As [`DataArray::compute`], with `executor` (an MPI executor, a local one with its
    /// own settings).
    ///
    /// # Errors
    /// As [`DataArray::compute`].
    pub fn compute_with(&self, executor: &dyn Executor) -> Result<DataArray> {
        self.with_variable(self.variable().load_with(executor)?)
    }

    /// Same as [`DataArray::compute`].
    ///
    /// # Errors
    /// As [`DataArray::compute`].
    pub fn load(&self) -> Result<DataArray> {
        self.compute()
    }

    /// Computes and keeps the result chunked in memory (dask's `persist`).
    ///
    /// # Errors
    /// As [`DataArray::compute`].
    pub fn persist(&self) -> Result<DataArray> {
        self.with_variable(self.variable().persist()?)
    }

    /// Applies `f` to each block of the data; dims, coords and attrs are kept.
    ///
    /// # Errors
    /// As [`Variable::map_blocks`].
    pub fn map_blocks(
        &self,
        dtype: DType,
        f: impl Fn(&NdArray) -> Result<NdArray> + Send + Sync + 'static,
    ) -> Result<DataArray> {
        self.with_variable(self.variable().map_blocks(dtype, f)?)
    }
}

impl Dataset {
    /// Chunks every data variable (and non-index coordinate) along the named dims.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming a dim the dataset lacks; a size of 0.
    pub fn chunk(&self, sizes: &[(&str, usize)]) -> Result<Dataset> {
        let dims = self.dims();
        for (d, _) in sizes {
            if !dims.contains_key(*d) {
                return Err(Error::DimNotFound {
                    dim: d.to_string(),
                    context: "Dataset.chunk".into(),
                    available: dims.keys().cloned().collect(),
                });
            }
        }
        self.map_variables(|name, v| {
            let v = if self.indexes().contains_key(name) {
                v.clone()
            } else {
                v.chunk(sizes)?
            };
            Ok(Some((name.to_string(), v)))
        })
    }

    /// Chunk sizes per dim over the lazy variables.
    ///
    /// # Errors
    /// [`Error::InconsistentChunks`] when two variables chunk a dim differently (as
    /// xarray's `Dataset.chunks` does).
    pub fn chunks(&self) -> Result<IndexMap<String, Vec<usize>>> {
        let mut out: IndexMap<String, Vec<usize>> = IndexMap::new();
        for (name, v) in self.variables() {
            for (d, c) in v.chunks().into_iter().flatten() {
                match out.get(&d) {
                    Some(existing) if *existing != c => {
                        return Err(Error::InconsistentChunks {
                            dim: d.clone(),
                            reason: format!(
                                "variable {name:?} has {c:?}, another has {existing:?}"
                            ),
                        })
                    }
                    Some(_) => {}
                    None => {
                        out.insert(d, c);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Computes every lazy variable into memory, all in one task graph run once, so
    /// that what variables share (chunks of one source, a reduction) is computed once.
    ///
    /// # Errors
    /// The first failing chunk's error, naming the variable and chunk.
    pub fn compute(&self) -> Result<Dataset> {
        self.compute_by(|arrays| compute_many_local(arrays, &LocalExecutor::default()))
    }

    /// As [`Dataset::compute`], with `executor`: one graph for every lazy variable, run
    /// once.
    ///
    /// # Errors
    /// As [`Dataset::compute`].
    pub fn compute_with(&self, executor: &dyn Executor) -> Result<Dataset> {
        self.compute_by(|arrays| compute_many(arrays, executor))
    }

    /// The dataset with the values of its lazy variables computed together by `run`.
    fn compute_by(
        &self,
        run: impl FnOnce(&[&LazyArray]) -> Result<Vec<NdArray>>,
    ) -> Result<Dataset> {
        let (names, arrays) = self.lazy_variables();
        if arrays.is_empty() {
            return Ok(self.clone());
        }
        let values = run(&arrays)?;
        self.replace_data(names, values.into_iter().map(Data::Eager).collect())
    }

    /// Same as [`Dataset::compute`].
    ///
    /// # Errors
    /// As [`Dataset::compute`].
    pub fn load(&self) -> Result<Dataset> {
        self.compute()
    }

    /// Computes every lazy variable and keeps it chunked in memory, all in one task
    /// graph run once (as [`Dataset::compute`]).
    ///
    /// # Errors
    /// As [`Dataset::compute`].
    pub fn persist(&self) -> Result<Dataset> {
        let (names, arrays): (Vec<&str>, Vec<&LazyArray>) = self.lazy_variables();
        if arrays.is_empty() {
            return Ok(self.clone());
        }
        let persisted = persist_many(&arrays, &LocalExecutor::default())?;
        self.replace_data(names, persisted.into_iter().map(Data::Lazy).collect())
    }

    /// The names and data of the lazy variables, in order.
    fn lazy_variables(&self) -> (Vec<&str>, Vec<&LazyArray>) {
        self.variables()
            .iter()
            .filter_map(|(name, v)| v.data().as_lazy().map(|l| (name.as_str(), l)))
            .unzip()
    }

    /// The dataset with the data of the variables `names` replaced by `data`.
    fn replace_data(&self, names: Vec<&str>, data: Vec<Data>) -> Result<Dataset> {
        if data.len() != names.len() {
            return Err(Error::internal("one computed array per lazy variable"));
        }
        let mut data: HashMap<&str, Data> = names.into_iter().zip(data).collect();
        self.map_variables(|name, v| {
            let v = match data.remove(name) {
                Some(d) => v.replace(v.dims().to_vec(), d),
                None => v.clone(),
            };
            Ok(Some((name.to_string(), v)))
        })
    }
}
