//! Cumulative scans (`cumsum`, `cumprod`) of chunked arrays without a rechunk: each
//! chunk along the scanned axis is scanned on its own, then offset by a carry, the
//! running total of the chunks before it (one small task per chunk, chained).

use super::{Data, LazyArray};
use crate::array::kernels::{self, BinaryOp, ReduceParams, Reduction, ScanOp};
use crate::error::{Error, Result};

impl LazyArray {
    /// The running sum or product along `axis` (numpy's dtypes: integers widen to
    /// `i64`/`u64`); with `skipna`, NaN counts as the identity.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an axis out of range;
    /// [`Error::UnsupportedDType`] for strings and datetimes.
    pub fn scan(&self, axis: usize, op: ScanOp, skipna: bool) -> Result<LazyArray> {
        let sizes = self
            .grid
            .sizes()
            .get(axis)
            .ok_or_else(|| {
                Error::invalid_argument(
                    "axis",
                    format!("{op}: axis {axis} out of range for shape {:?}", self.shape),
                )
            })?
            .clone();
        let dtype = kernels::scan_dtype(self.dtype, op)?;
        let local = |part: &LazyArray| {
            part.map_blocks(&[], dtype, move |blocks| match blocks {
                [b] => kernels::scan(b, axis, op, skipna),
                _ => Err(Error::internal("a scan takes one block")),
            })
        };
        if sizes.len() <= 1 {
            return local(self);
        }
        let (combine, total_op) = match op {
            ScanOp::CumSum => (BinaryOp::Add, Reduction::Sum),
            ScanOp::CumProd => (BinaryOp::Mul, Reduction::Prod),
        };
        let params = ReduceParams::new(Some(skipna), 0);
        let mut parts = Vec::with_capacity(sizes.len());
        let mut carry: Option<LazyArray> = None;
        let mut start = 0;
        for &n in &sizes {
            let part = self.slice_axis(axis, start, start + n, 1)?;
            let scanned = local(&part)?;
            parts.push(match &carry {
                None => scanned,
                Some(c) => scanned.binary(&c.insert_axis(axis)?, combine)?,
            });
            let total = part.astype(dtype)?.reduce(&[axis], total_op, params)?;
            // A materialised task per carry, so the chain is k tasks, not k² fused steps.
            carry = Some(match carry {
                None => total,
                Some(c) => c.map_blocks(&[total], dtype, move |blocks| match blocks {
                    [a, b] => kernels::binary(a, b, combine),
                    _ => Err(Error::internal("a carry takes two blocks")),
                })?,
            });
            start += n;
        }
        LazyArray::concatenate(axis, &parts)
    }
}

impl Data {
    /// The running sum or product along `axis`; lazy data stays lazy, its chunks kept.
    ///
    /// # Errors
    /// As [`LazyArray::scan`].
    pub fn scan(&self, axis: usize, op: ScanOp, skipna: bool) -> Result<Data> {
        match self {
            Data::Eager(a) => Ok(Data::Eager(kernels::scan(a, axis, op, skipna)?)),
            Data::Lazy(l) => Ok(Data::Lazy(l.scan(axis, op, skipna)?)),
        }
    }
}
