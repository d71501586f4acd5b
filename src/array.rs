//! Typed storage: [`DType`], [`NdArray`] and [`Scalar`], with kernels generic over the
//! element type and dispatched once per array.

pub mod aggregation;
mod cast;
pub mod chunks;
mod dtype;
pub mod kernels;
pub mod linalg;
mod nd;
mod scalar;
pub mod window;

pub use dtype::DType;
#[allow(unused_imports)] // map_all is for kernels still to come
pub(crate) use nd::{map_all, match_all, match_numeric};
pub use nd::{Element, NdArray};
pub use scalar::Scalar;
