//! The `DataArray` type: one variable plus coordinates and a name.

use indexmap::{IndexMap, IndexSet};

use super::{AttrValue, Attrs, Dataset, Index, Variable};
use crate::array::DType;
use crate::error::{Error, Result};
use crate::lazy::Data;

/// The name xarray gives an unnamed DataArray's variable inside a Dataset.
pub(crate) const UNNAMED: &str = "__xarray_dataarray_variable__";

/// A labeled N-D array: a [`Variable`] with coordinates and an optional name, like
/// `xarray.DataArray`.
#[derive(Debug, Clone)]
pub struct DataArray {
    name: Option<String>,
    variable: Variable,
    coords: IndexMap<String, Variable>,
    indexes: IndexMap<String, Index>,
}

impl DataArray {
    /// An unnamed DataArray with `dims` over `data` and no coordinates.
    ///
    /// # Errors
    /// When the number of dims is not the number of axes, or a dim repeats.
    pub fn new<S: AsRef<str>>(data: impl Into<Data>, dims: &[S]) -> Result<Self> {
        Self::from_variable(Variable::new(dims, data)?)
    }

    /// An unnamed DataArray over a variable.
    ///
    /// # Errors
    /// Never for a valid variable; kept fallible for symmetry with `from_parts`.
    pub fn from_variable(variable: Variable) -> Result<Self> {
        Self::from_parts(None, variable, IndexMap::new())
    }

    /// A DataArray from its parts; dimension coordinates get indexes.
    ///
    /// # Errors
    /// When a coordinate has a dim the variable lacks, or a size that disagrees.
    pub fn from_parts(
        name: Option<String>,
        variable: Variable,
        coords: IndexMap<String, Variable>,
    ) -> Result<Self> {
        let mut da = DataArray {
            name,
            variable,
            coords: IndexMap::new(),
            indexes: IndexMap::new(),
        };
        for (k, c) in coords {
            da.insert_coord(k, c)?;
        }
        Ok(da)
    }

    fn insert_coord(&mut self, name: String, coord: Variable) -> Result<()> {
        let sizes = self.variable.sizes();
        for (d, &n) in coord.dims().iter().zip(coord.shape()) {
            match sizes.get(d) {
                None => {
                    return Err(Error::DimNotFound {
                        dim: d.clone(),
                        context: format!(
                            "coordinate {name:?} of DataArray {}",
                            self.display_name()
                        ),
                        available: self.variable.dims().to_vec(),
                    })
                }
                Some(&m) if m != n => {
                    return Err(Error::DimSizeConflict {
                        dim: d.clone(),
                        what: format!("coordinate {name:?} of DataArray {}", self.display_name()),
                        left: m,
                        right: n,
                    })
                }
                Some(_) => {}
            }
        }
        self.indexes.shift_remove(&name);
        let coord = if coord.ndim() == 1 && coord.dims()[0] == name {
            // Index coordinates live in memory, as in xarray.
            let coord = coord.load()?;
            self.indexes
                .insert(name.clone(), Index::new(&name, coord.values()?)?);
            coord
        } else {
            coord
        };
        self.coords.insert(name, coord);
        Ok(())
    }

    /// Returns `self` with a coordinate `name` over `dims` (a dimension coordinate
    /// when `name` is its only dim).
    ///
    /// # Errors
    /// When the coordinate's dims or sizes do not fit the array.
    pub fn with_coord<S: AsRef<str>>(
        self,
        name: &str,
        dims: &[S],
        values: impl Into<Data>,
    ) -> Result<Self> {
        self.with_coord_var(name, Variable::new(dims, values)?)
    }

    /// Returns `self` with a coordinate variable.
    ///
    /// # Errors
    /// When the coordinate's dims or sizes do not fit the array.
    pub fn with_coord_var(mut self, name: &str, coord: Variable) -> Result<Self> {
        self.insert_coord(name.to_string(), coord)?;
        Ok(self)
    }

    /// Returns `self` named `name`.
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// Returns `self` with `attrs`.
    pub fn with_attrs(mut self, attrs: Attrs) -> Self {
        *self.variable.attrs_mut() = attrs;
        self
    }

    /// Returns `self` with one more attribute.
    pub fn with_attr(mut self, key: &str, value: impl Into<AttrValue>) -> Self {
        self.variable
            .attrs_mut()
            .insert(key.to_string(), value.into());
        self
    }

    /// The same name and coordinates over another variable of the same dims.
    pub(crate) fn with_variable(&self, variable: Variable) -> Result<DataArray> {
        if variable.dims() != self.dims() || variable.shape() != self.shape() {
            return Err(Error::internal("with_variable keeps dims and shape"));
        }
        Ok(DataArray {
            name: self.name.clone(),
            variable,
            coords: self.coords.clone(),
            indexes: self.indexes.clone(),
        })
    }

    /// The name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub(crate) fn display_name(&self) -> String {
        match &self.name {
            Some(n) => format!("{n:?}"),
            None => "(unnamed)".to_string(),
        }
    }

    /// The underlying variable.
    pub fn variable(&self) -> &Variable {
        &self.variable
    }

    /// The data, in memory or lazy.
    pub fn values(&self) -> &Data {
        self.variable.data()
    }

    /// The dimension names.
    pub fn dims(&self) -> &[String] {
        self.variable.dims()
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        self.variable.shape()
    }

    /// Dimension name → length.
    pub fn sizes(&self) -> IndexMap<String, usize> {
        self.variable.sizes()
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.variable.dtype()
    }

    /// The attributes.
    pub fn attrs(&self) -> &Attrs {
        self.variable.attrs()
    }

    /// The coordinates, in order.
    pub fn coords(&self) -> &IndexMap<String, Variable> {
        &self.coords
    }

    /// The indexes, by dimension.
    pub fn indexes(&self) -> &IndexMap<String, Index> {
        &self.indexes
    }

    /// The coordinate `name` as a DataArray (with the coordinates it shares).
    ///
    /// # Errors
    /// [`Error::VarNotFound`] listing the coordinates.
    pub fn coord(&self, name: &str) -> Result<DataArray> {
        self.to_dataset_unnamed().get(name)
    }

    /// A dataset holding this array's variable (under its name, or
    /// `__xarray_dataarray_variable__`) and its coordinates. No data is copied.
    pub fn to_dataset(&self) -> Dataset {
        self.to_dataset_unnamed()
    }

    fn to_dataset_unnamed(&self) -> Dataset {
        let name = self.name.clone().unwrap_or_else(|| UNNAMED.to_string());
        self.to_dataset_named(&name)
    }

    /// A dataset holding this array's variable under `name` and its coordinates.
    pub(crate) fn to_dataset_named(&self, name: &str) -> Dataset {
        let mut vars = self.coords.clone();
        vars.insert(name.to_string(), self.variable.clone());
        let coord_names: IndexSet<String> = self.coords.keys().cloned().collect();
        // The coords were checked against the variable when they were added.
        Dataset::from_parts(vars, coord_names, Attrs::new())
            .unwrap_or_else(|e| unreachable!("a DataArray's coords fit its variable: {e}"))
    }

    /// The inverse of [`DataArray::to_dataset`]: takes the one data variable of `ds`
    /// (named as `name`, or unnamed for `__xarray_dataarray_variable__`) and its coords.
    ///
    /// # Errors
    /// When `ds` has no data variable `var`.
    pub(crate) fn from_dataset(ds: &Dataset, var: &str) -> Result<Self> {
        let mut da = ds.get(var)?;
        if var == UNNAMED {
            da.name = None;
        }
        Ok(da)
    }
}
