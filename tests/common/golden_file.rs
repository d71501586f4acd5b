//! A golden file of `tests/golden/make_toolkit*_golden.py`: inputs and cases as xarray
//! computed them, read back as DataArrays and compared with a result.

use std::ops::Deref;

use ndarray::{ArrayD, IxDyn};
use serde_json::Value;
use xr::{DataArray, NdArray};

/// A parsed golden file; derefs to its JSON for cases of other shapes.
pub struct GoldenFile(Value);

impl Deref for GoldenFile {
    type Target = Value;

    fn deref(&self) -> &Value {
        &self.0
    }
}

pub fn values_f64(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

pub fn array_of(v: &Value, dtype: &str, shape: &[usize]) -> NdArray {
    let vals = values_f64(v);
    match dtype {
        "int64" => NdArray::from(
            ArrayD::from_shape_vec(IxDyn(shape), vals.iter().map(|&x| x as i64).collect()).unwrap(),
        ),
        _ => NdArray::from(ArrayD::from_shape_vec(IxDyn(shape), vals).unwrap()),
    }
}

pub fn shape_of(v: &Value) -> Vec<usize> {
    v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

pub fn dims_of(v: &Value) -> Vec<String> {
    v["dims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

impl GoldenFile {
    pub fn parse(text: &str) -> GoldenFile {
        GoldenFile(serde_json::from_str(text).unwrap())
    }

    /// An input of the golden file as a DataArray with its 1-D coordinates and attrs.
    pub fn input(&self, name: &str) -> DataArray {
        let v = &self.0["inputs"][name];
        let shape = shape_of(v);
        let dims = dims_of(v);
        let mut da = DataArray::new(
            array_of(&v["values"], v["dtype"].as_str().unwrap(), &shape),
            &dims,
        )
        .unwrap()
        .with_name(v["name"].as_str().unwrap());
        for (c, vals) in v["coords"].as_object().unwrap() {
            let dtype = v["coord_dtypes"][c].as_str().unwrap();
            let n = vals.as_array().unwrap().len();
            da = da
                .with_coord(c, &[c.as_str()], array_of(vals, dtype, &[n]))
                .unwrap();
        }
        for (k, a) in v["attrs"].as_object().unwrap() {
            da = da.with_attr(k, a.as_str().unwrap());
        }
        da
    }

    /// The data inputs, eager or chunked (time by 2, lon by 3: chunks of unequal sizes).
    pub fn data(&self, src: &str, chunked: bool) -> DataArray {
        let da = self.input(src);
        if chunked {
            da.chunk(&[("time", 2), ("lon", 3)]).unwrap()
        } else {
            da
        }
    }

    /// Asserts a result equals the golden case: dims, dtype, values, 1-D coordinates,
    /// name and attrs; a chunked input must give a lazy result.
    pub fn check(&self, case: &str, got: &DataArray, lazy: bool) {
        let e = &self.0["cases"][case];
        assert!(!e.is_null(), "no golden case {case}");
        let what = format!("{case} ({})", if lazy { "chunked" } else { "eager" });
        if lazy && !got.dims().is_empty() {
            assert!(got.values().is_lazy(), "{what}: lazy in, lazy out");
        }
        assert_eq!(got.shape(), shape_of(e).as_slice(), "{what}: shape");
        let expected = values_f64(&e["values"]);
        let edims: Vec<String> = dims_of(e);
        let edims: Vec<&str> = edims.iter().map(String::as_str).collect();
        super::check_values(
            &what,
            got.values(),
            got.dims(),
            &expected,
            &edims,
            e["dtype"].as_str().unwrap(),
        );
        for (c, vals) in e["coords"].as_object().unwrap() {
            let coord = got
                .coords()
                .get(c)
                .unwrap_or_else(|| panic!("{what}: coordinate {c} missing"));
            assert_eq!(
                coord.dtype().name(),
                e["coord_dtypes"][c].as_str().unwrap(),
                "{what}: dtype of coordinate {c}"
            );
            let got_c = coord.values().unwrap().to_f64_vec().unwrap();
            let exp_c = values_f64(vals);
            assert_eq!(got_c.len(), exp_c.len(), "{what}: length of coordinate {c}");
            for (g, x) in got_c.iter().zip(&exp_c) {
                assert!(
                    super::close(*g, *x, 1e-12),
                    "{what}: coordinate {c}: {got_c:?} vs {exp_c:?}"
                );
            }
        }
        assert_eq!(got.name(), e["name"].as_str(), "{what}: name");
        let attrs: Vec<&String> = got.attrs().keys().collect();
        let eattrs: Vec<&String> = e["attrs"].as_object().unwrap().keys().collect();
        assert_eq!(attrs, eattrs, "{what}: attrs");
    }
}
