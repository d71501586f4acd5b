//! Typed storage: [`DType`], [`NdArray`] and [`Scalar`], with kernels generic over the
//! element type and dispatched once per array.

pub mod aggregation;
mod bytes;
mod cast;
pub mod chunks;
mod dtype;
pub mod kernels;
pub mod linalg;
pub(crate) mod lstsq;
mod nd;
mod scalar;
pub(crate) mod simd;
pub(crate) mod sink;
pub mod window;

pub use bytes::FixedWidth;
#[cfg(feature = "zarr")]
pub(crate) use dtype::with_dtype;
pub(crate) use dtype::with_numeric_dtype;
pub use dtype::{ByteOrder, DType, DTypeNames};
#[allow(unused_imports)] // map_all is for kernels still to come
pub(crate) use nd::{map_all, match_all, match_numeric};
pub use nd::{Element, NdArray};
pub use scalar::Scalar;
