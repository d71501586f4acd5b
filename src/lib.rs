//! # xr: labeled N-dimensional datasets
//!
//! `xr` brings xarray's data model to Rust: [`Dataset`]s of named, labeled N-D arrays
//! ([`DataArray`]), selected by label, aligned by coordinate, reduced over named
//! dimensions.
//!
//! ```
//! use xr::{DataArray, Dataset};
//!
//! # fn main() -> xr::Result<()> {
//! let t = DataArray::new(
//!     ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]].into_dyn(),
//!     &["y", "x"],
//! )?
//! .with_coord("x", &["x"], vec![10, 20, 30])?
//! .with_name("t");
//! assert_eq!(t.dims(), ["y", "x"]);
//! let ds = t.to_dataset();
//! assert_eq!(ds.dims()["x"], 3);
//! # let _ = Dataset::new();
//! # Ok(())
//! # }
//! ```

pub mod array;
pub mod dataset;
pub mod dist;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod groupby;
pub mod io;
pub mod lazy;
// Quiet catching is for the NetCDF driver and the MPI hook; `message` for every build.
#[cfg_attr(not(any(feature = "netcdf", feature = "mpi")), allow(dead_code))]
mod panic;
#[cfg(feature = "plot")]
pub mod plot;
pub mod time;
pub mod warning;

pub use array::{DType, NdArray, Scalar};
pub use dataset::apply_ufunc;
pub use dataset::polyval;
pub use dataset::DataTree;
pub use dataset::{
    concat, concat_with_labels, corr, cov, merge, AttrValue, Attrs, Compression, DataArray,
    Dataset, DatasetEncoding, Encoding, Index, Join, Variable,
};
pub use dataset::{PolyfitCov, PolyfitOptions, PolyfitWeights};
pub use error::{Error, Result};
pub use time::{Calendar, CfDatetime};
