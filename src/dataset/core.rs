//! The `Dataset` type: an ordered map of variables, which of them are coordinates,
//! their indexes, and attrs.

use indexmap::{IndexMap, IndexSet};

use super::{AttrValue, Attrs, DataArray, DatasetEncoding, Index, Variable};
use crate::error::{Error, Result};

/// A collection of named variables sharing dimensions, like `xarray.Dataset`.
///
/// Coordinates are variables listed in [`Dataset::coord_names`]; a 1-D coordinate named
/// after its dimension also gets an [`Index`] for label-based selection and alignment.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    variables: IndexMap<String, Variable>,
    coord_names: IndexSet<String>,
    indexes: IndexMap<String, Index>,
    attrs: Attrs,
    encoding: DatasetEncoding,
}

impl Dataset {
    /// An empty dataset.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a dataset from variables, the names among them that are coordinates, and
    /// attrs; indexes are created for dimension coordinates.
    ///
    /// # Errors
    /// When two variables disagree on a dimension's size, or a coordinate name is not a
    /// variable.
    pub fn from_parts(
        variables: IndexMap<String, Variable>,
        coord_names: IndexSet<String>,
        attrs: Attrs,
    ) -> Result<Self> {
        let mut ds = Dataset {
            attrs,
            ..Dataset::default()
        };
        for (name, var) in variables {
            let is_coord = coord_names.contains(&name);
            ds.insert(name, var, is_coord)?;
        }
        if let Some(missing) = coord_names.iter().find(|c| !ds.variables.contains_key(*c)) {
            return Err(Error::VarNotFound {
                name: missing.clone(),
                context: "the variables given as coordinates".into(),
                available: ds.variables.keys().cloned().collect(),
            });
        }
        Ok(ds)
    }

    /// Returns `self` with a data variable added (or replaced).
    ///
    /// # Errors
    /// [`Error::DimSizeConflict`] when a dimension's size disagrees with the dataset's.
    pub fn with_data_var(mut self, name: &str, var: Variable) -> Result<Self> {
        self.insert(name.to_string(), var, false)?;
        Ok(self)
    }

    /// Returns `self` with a coordinate added (or replaced).
    ///
    /// # Errors
    /// [`Error::DimSizeConflict`] when a dimension's size disagrees with the dataset's.
    pub fn with_coord(mut self, name: &str, var: Variable) -> Result<Self> {
        self.insert(name.to_string(), var, true)?;
        Ok(self)
    }

    /// Returns `self` with `attrs`.
    pub fn with_attrs(mut self, attrs: Attrs) -> Self {
        self.attrs = attrs;
        self
    }

    /// Returns `self` with one more attribute.
    pub fn with_attr(mut self, key: &str, value: impl Into<AttrValue>) -> Self {
        self.attrs.insert(key.to_string(), value.into());
        self
    }

    /// Adds or replaces a variable.
    ///
    /// # Errors
    /// [`Error::DimSizeConflict`] when a dimension's size disagrees with the dataset's.
    pub fn insert(&mut self, name: String, var: Variable, is_coord: bool) -> Result<()> {
        let dims = self.dims_without(&name);
        for (d, &n) in var.dims().iter().zip(var.shape()) {
            if let Some(&m) = dims.get(d) {
                if m != n {
                    return Err(Error::DimSizeConflict {
                        dim: d.clone(),
                        what: format!("adding variable {name:?} to a dataset"),
                        left: m,
                        right: n,
                    });
                }
            }
        }
        self.indexes.shift_remove(&name);
        let var = if is_coord && var.ndim() == 1 && var.dims()[0] == name {
            // Index coordinates live in memory, as in xarray.
            let var = var.load()?;
            self.indexes
                .insert(name.clone(), Index::new(&name, var.values()?)?);
            var
        } else {
            var
        };
        if is_coord {
            self.coord_names.insert(name.clone());
        } else {
            self.coord_names.shift_remove(&name);
        }
        self.variables.insert(name, var);
        Ok(())
    }

    fn dims_without(&self, skip: &str) -> IndexMap<String, usize> {
        let mut dims = IndexMap::new();
        for (name, var) in &self.variables {
            if name != skip {
                for (d, &n) in var.dims().iter().zip(var.shape()) {
                    dims.entry(d.clone()).or_insert(n);
                }
            }
        }
        dims
    }

    /// Dimension name → length, in order of first appearance.
    pub fn dims(&self) -> IndexMap<String, usize> {
        self.dims_without("")
    }

    /// The length of `dim`.
    ///
    /// # Errors
    /// [`Error::DimNotFound`].
    pub fn dim_size(&self, dim: &str) -> Result<usize> {
        let dims = self.dims();
        dims.get(dim).copied().ok_or_else(|| Error::DimNotFound {
            dim: dim.to_string(),
            context: "Dataset".into(),
            available: dims.keys().cloned().collect(),
        })
    }

    /// Every variable (coordinates and data variables), in order.
    pub fn variables(&self) -> &IndexMap<String, Variable> {
        &self.variables
    }

    /// The names of the coordinate variables.
    pub fn coord_names(&self) -> &IndexSet<String> {
        &self.coord_names
    }

    /// Coordinate variables, in order.
    pub fn coords(&self) -> impl Iterator<Item = (&String, &Variable)> {
        self.variables
            .iter()
            .filter(|(k, _)| self.coord_names.contains(*k))
    }

    /// Data variables, in order.
    pub fn data_vars(&self) -> impl Iterator<Item = (&String, &Variable)> {
        self.variables
            .iter()
            .filter(|(k, _)| !self.coord_names.contains(*k))
    }

    /// True when `name` is a coordinate.
    pub fn is_coord(&self, name: &str) -> bool {
        self.coord_names.contains(name)
    }

    /// The indexes, by dimension.
    pub fn indexes(&self) -> &IndexMap<String, Index> {
        &self.indexes
    }

    /// The attributes.
    pub fn attrs(&self) -> &Attrs {
        &self.attrs
    }

    /// The attributes, mutably.
    pub fn attrs_mut(&mut self) -> &mut Attrs {
        &mut self.attrs
    }

    /// How the dataset was stored, like xarray's `Dataset.encoding`: the path it was
    /// opened from and the dims `to_netcdf` writes as unlimited unless told otherwise.
    pub fn encoding(&self) -> &DatasetEncoding {
        &self.encoding
    }

    /// The dataset-level encoding, mutably.
    pub fn encoding_mut(&mut self) -> &mut DatasetEncoding {
        &mut self.encoding
    }

    /// Returns `self` with `encoding` as its dataset-level encoding.
    pub fn with_encoding(mut self, encoding: DatasetEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The variable `name`.
    ///
    /// # Errors
    /// [`Error::VarNotFound`] listing the variables.
    pub fn variable(&self, name: &str) -> Result<&Variable> {
        self.variables.get(name).ok_or_else(|| Error::VarNotFound {
            name: name.to_string(),
            context: "Dataset".into(),
            available: self.variables.keys().cloned().collect(),
        })
    }

    /// The variable `name` as a DataArray with the coordinates whose dims it has
    /// (no data is copied).
    ///
    /// # Errors
    /// [`Error::VarNotFound`] listing the variables.
    pub fn get(&self, name: &str) -> Result<DataArray> {
        let var = self.variable(name)?;
        let coords = self
            .coords()
            .filter(|(_, c)| c.dims().iter().all(|d| var.dims().contains(d)))
            .map(|(k, c)| (k.clone(), c.clone()))
            .collect();
        DataArray::from_parts(Some(name.to_string()), var.clone(), coords)
    }
}
