//! `dot`: tensor contraction over named dimensions.

use super::align::align_arrays;
use super::{DataArray, Join, Variable};
use crate::error::{Error, Result};

impl DataArray {
    /// Sums the product of `self` and `other` over `dims` (xarray's `dot`; by default
    /// every dim they share). The result has `self`'s other dims, then `other`'s.
    /// Indexes are aligned first (inner join). Lazy operands give a blocked lazy result.
    ///
    /// A dim both arrays have but that is not contracted (a batch dim of `einsum`) is not
    /// supported.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming a contracted dim one array lacks;
    /// [`Error::InvalidArgument`] for a shared dim left out of `dims`; dtype errors.
    pub fn dot(&self, other: &DataArray, dims: Option<&[&str]>) -> Result<DataArray> {
        let aligned = align_arrays(&[self, other], Join::Inner)?;
        let (a, b) = match aligned.as_slice() {
            [a, b] => (a, b),
            _ => return Err(Error::internal("align returned other than two arrays")),
        };
        let shared: Vec<String> = a
            .dims()
            .iter()
            .filter(|d| b.dims().contains(d))
            .cloned()
            .collect();
        let contract: Vec<String> = match dims {
            Some(ds) => ds.iter().map(|d| d.to_string()).collect(),
            None => shared.clone(),
        };
        if let Some(batch) = shared.iter().find(|d| !contract.contains(d)) {
            return Err(Error::invalid_argument("dims", format!(
                "dot over {contract:?}: dimension {batch:?} is in both arrays but not contracted; batched dot is not supported"
            )));
        }
        let mut axes_a = Vec::new();
        let mut axes_b = Vec::new();
        for d in &contract {
            axes_a.push(
                a.variable()
                    .require_axis(d, &format!("DataArray {}", a.display_name()))?,
            );
            axes_b.push(
                b.variable()
                    .require_axis(d, &format!("DataArray {}", b.display_name()))?,
            );
        }
        let out_dims: Vec<String> = a
            .dims()
            .iter()
            .chain(b.dims())
            .filter(|d| !contract.contains(d))
            .cloned()
            .collect();
        let data = a.values().tensordot(b.values(), &axes_a, &axes_b)?;
        let coords = a
            .coords()
            .iter()
            .chain(b.coords())
            .filter(|(_, c)| c.dims().iter().all(|d| out_dims.contains(d)))
            .map(|(k, c)| (k.clone(), c.clone()))
            .collect();
        DataArray::from_parts(None, Variable::new(&out_dims, data)?, coords)
    }
}
