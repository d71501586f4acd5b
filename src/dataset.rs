//! The data model: [`Variable`], [`DataArray`], [`Dataset`] and [`Index`], with
//! xarray's semantics for indexing, alignment, arithmetic, reductions and combining.

pub mod align;
mod arithmetic;
mod attrs;
mod chunked;
mod coarsen;
mod combine;
mod convert_calendar;
mod core;
mod correlation;
mod cumulative;
mod data_array;
mod dt;
mod encoding;
mod idxminmax;
mod index;
mod indexing;
mod linalg;
mod quantile;
mod reduce;
mod repr;
mod rolling;
mod rounding;
mod shift;
mod variable;
mod weighted;

pub use self::core::Dataset;
pub use align::Join;
pub use attrs::{AttrValue, Attrs};
pub use coarsen::{Boundary, Coarsen, CoarsenTarget, CoarsenVariable, Side};
pub use combine::{concat, concat_with_labels, merge};
pub use correlation::{corr, cov};
pub use data_array::DataArray;
pub use dt::DatetimeAccessor;
pub use encoding::{Compression, DatasetEncoding, Encoding};
pub use index::{Index, Method};
pub use indexing::{Indexer, Label, Sel};
pub use quantile::QuantileMethod;
pub use reduce::{Reduce, ReduceOptions, Reducer, Reduction};
pub use rolling::{RollVariable, Rolling, RollingTarget};
pub use shift::PadMode;
pub use variable::Variable;
pub use weighted::Weighted;
