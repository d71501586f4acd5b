//! Grouped arithmetic: `ds.groupby("time.month")?.sub(&clim)?`, each member combined
//! with its group's value. Lazily: a `take` of the per-group values along the group dim
//! by codes, then an ordinary binary operation.

use indexmap::{IndexMap, IndexSet};

use super::{GroupBy, Grouped};
use crate::array::kernels::BinaryOp;
use crate::dataset::{Dataset, Indexer, Variable};
use crate::error::{Error, Result};

impl<T: Grouped> GroupBy<T> {
    /// `member op other[group]` for every member: `other` holds one value per group
    /// along the group dim (named like the results of aggregations, with the group
    /// labels as its coordinate, in any order). A Dataset pairs variables by name and
    /// keeps those in both. Other dims broadcast by name, without alignment.
    ///
    /// As in xarray, members in no group (NaN labels, values outside every bin) are
    /// left out of the result, and a virtual group coordinate (`month` of
    /// `"time.month"`) is added along the grouped dim.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] when `other` lacks the group dim; [`Error::KeyNotFound`]
    /// when it lacks a group's label; dtype errors of the operation.
    pub fn binary_op(&self, other: &T, op: BinaryOp) -> Result<T> {
        let g = &self.groups;
        let (other, _) = other.to_group_dataset();
        let kept: Vec<usize> = (0..g.codes.len()).filter(|&p| g.codes[p] >= 0).collect();
        let (obj, codes) = if kept.len() == g.codes.len() {
            (self.obj.clone(), g.codes.clone())
        } else {
            let list = kept.iter().map(|&p| p as isize).collect();
            let obj = self.obj.isel(&[(g.dim.as_str(), Indexer::List(list))])?;
            (obj, kept.iter().map(|&p| g.codes[p]).collect())
        };
        // Where each of our groups sits along `other`'s group dim.
        let at: Vec<usize> = match other.indexes().get(&g.name) {
            Some(index) => (0..g.ngroups())
                .map(|k| index.get_loc(&g.labels.get_flat(k)?))
                .collect::<Result<_>>()?,
            None => {
                let n = other
                    .dims()
                    .get(&g.name)
                    .copied()
                    .ok_or_else(|| Error::DimNotFound {
                        dim: g.name.clone(),
                        context: format!("the per-group values of a grouped {op:?}"),
                        available: other.dims().keys().cloned().collect(),
                    })?;
                if n != g.ngroups() {
                    return Err(Error::DimSizeConflict {
                        dim: g.name.clone(),
                        what: format!("grouped {op:?} without group labels"),
                        left: g.ngroups(),
                        right: n,
                    });
                }
                (0..n).collect()
            }
        };
        let take: Vec<usize> = codes.iter().map(|&c| at[c as usize]).collect();
        let rename: IndexMap<String, String> =
            [(g.name.clone(), g.dim.clone())].into_iter().collect();
        let mut vars = IndexMap::new();
        for (name, var) in obj.variables() {
            if obj.is_coord(name) {
                vars.insert(name.clone(), var.clone());
                continue;
            }
            let o = match &self.key {
                Some(_) => other.data_vars().next().map(|(_, v)| v),
                None => other
                    .variables()
                    .get(name)
                    .filter(|_| !other.is_coord(name)),
            };
            let Some(o) = o else { continue };
            let out = match o.axis_of(&g.name) {
                Some(axis) => {
                    let spread: Variable =
                        o.replace(o.dims().to_vec(), o.data().take(axis, &take)?);
                    var.binary_op(&spread.rename_dims(&rename), op)?
                }
                None => var.binary_op(o, op)?,
            };
            vars.insert(name.clone(), out);
        }
        let mut coord_names: IndexSet<String> = obj
            .coord_names()
            .iter()
            .filter(|c| vars.contains_key(*c))
            .cloned()
            .collect();
        if !vars.contains_key(&g.name) {
            let by_code: Vec<usize> = codes.iter().map(|&c| c as usize).collect();
            let labels = g.labels.take(0, &by_code)?;
            vars.insert(g.name.clone(), Variable::new(&[&g.dim], labels)?);
            coord_names.insert(g.name.clone());
        }
        let ds = Dataset::from_parts(vars, coord_names, obj.attrs().clone())?;
        self.finish(ds)
    }

    /// Each member minus its group's value (anomalies from a climatology).
    ///
    /// # Errors
    /// As [`GroupBy::binary_op`].
    pub fn sub(&self, other: &T) -> Result<T> {
        self.binary_op(other, BinaryOp::Sub)
    }

    /// Each member plus its group's value.
    ///
    /// # Errors
    /// As [`GroupBy::binary_op`].
    pub fn add(&self, other: &T) -> Result<T> {
        self.binary_op(other, BinaryOp::Add)
    }

    /// Each member times its group's value.
    ///
    /// # Errors
    /// As [`GroupBy::binary_op`].
    pub fn mul(&self, other: &T) -> Result<T> {
        self.binary_op(other, BinaryOp::Mul)
    }

    /// Each member divided by its group's value.
    ///
    /// # Errors
    /// As [`GroupBy::binary_op`].
    pub fn div(&self, other: &T) -> Result<T> {
        self.binary_op(other, BinaryOp::Div)
    }
}
