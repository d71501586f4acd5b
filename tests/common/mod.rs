//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

pub mod golden_file;

use std::sync::{Mutex, MutexGuard, PoisonError};

use xr::{DataArray, NdArray};

/// A golden value, whatever its Rust type.
pub trait Golden: Copy {
    fn as_f64(self) -> f64;
}

impl Golden for f64 {
    fn as_f64(self) -> f64 {
        self
    }
}

impl Golden for i64 {
    fn as_f64(self) -> f64 {
        self as f64
    }
}

impl Golden for bool {
    fn as_f64(self) -> f64 {
        f64::from(u8::from(self))
    }
}

/// True when `a` and `b` agree within `rel` relative error (NaN equals NaN).
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= rel * a.abs().max(b.abs())
}

/// Asserts values (row-major), dims and numpy dtype name.
pub fn check_values<G: Golden>(
    what: &str,
    data: &xr::lazy::Data,
    dims: &[String],
    expected: &[G],
    expected_dims: &[&str],
    expected_dtype: &str,
) {
    assert_eq!(dims, expected_dims, "{what}: dims");
    assert_eq!(data.dtype().name(), expected_dtype, "{what}: dtype");
    let got = data.to_f64_vec().unwrap();
    assert_eq!(got.len(), expected.len(), "{what}: length");
    let rel = if expected_dtype == "float32" {
        1e-6
    } else {
        1e-12
    };
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        assert!(
            close(*g, e.as_f64(), rel),
            "{what}[{i}]: got {g}, expected {}",
            e.as_f64()
        );
    }
}

/// One golden case: values in row-major order, dims and numpy dtype name.
pub struct Case<G: 'static> {
    pub values: &'static [G],
    pub dims: &'static [&'static str],
    pub dtype: &'static str,
}

/// Asserts that `da` matches the golden case.
pub fn check<G: Golden>(what: &str, da: &DataArray, case: &Case<G>) {
    check_values(
        what,
        da.values(),
        da.dims(),
        case.values,
        case.dims,
        case.dtype,
    );
}

/// Builds an f64 DataArray of `shape` from row-major values.
pub fn f64_array(values: Vec<f64>, shape: &[usize], dims: &[&str]) -> DataArray {
    DataArray::new(NdArray::from_shape_vec(shape, values).unwrap(), dims).unwrap()
}

/// A golden attribute value: text or a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attr {
    S(&'static str),
    N(f64),
}

/// Asserts that `attrs` holds exactly `expected`, in order.
pub fn check_attrs(what: &str, attrs: &xr::Attrs, expected: &[(&str, Attr)]) {
    let keys: Vec<&str> = attrs.keys().map(String::as_str).collect();
    let want: Vec<&str> = expected.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, want, "{what}: attr keys");
    for (k, a) in expected {
        let v = &attrs[*k];
        match a {
            Attr::S(s) => assert_eq!(v.as_str(), Some(*s), "{what}: attr {k:?}"),
            Attr::N(x) => assert_eq!(v.as_f64(), Some(*x), "{what}: attr {k:?}"),
        }
    }
}

/// The tests of one binary that write NetCDF files and the ones that start processes take
/// turns. A process started while libhdf5 holds a file open for writing inherits the
/// descriptor (libhdf5 1.10 does not open with `O_CLOEXEC`) and with it the file's
/// `flock`, so that opening the file just written failed (`NC_EHDFERR`, in clean-clone
/// runs) until that process ended.
pub fn hdf5_turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}
