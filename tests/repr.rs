#![allow(clippy::unwrap_used)]
//! The text repr, against xarray's (tests/golden/combine_expectations.py prints it;
//! `<xarray.` reads `<xr.` here).

use ndarray::array;
use xr::{DataArray, Variable};

fn t() -> DataArray {
    DataArray::new(
        array![[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]].into_dyn(),
        &["y", "x"],
    )
    .unwrap()
    .with_coord("lbl", &["y"], vec!["a", "b"])
    .unwrap()
    .with_coord("x", &["x"], vec![10i64, 20, 30])
    .unwrap()
    .with_name("t")
    .with_attr("units", "K")
}

#[test]
fn dataarray_repr_matches_xarray() {
    let expected = "\
<xr.DataArray 't' (y: 2, x: 3)> Size: 48B
array([[0., 1., 2.],
       [3., 4., 5.]])
Coordinates:
    lbl      (y) <U1 8B 'a' 'b'
  * x        (x) int64 24B 10 20 30
Dimensions without coordinates: y
Attributes:
    units:    K";
    assert_eq!(t().to_string(), expected);
}

#[test]
fn dataset_repr_matches_xarray() {
    let ds = t()
        .to_dataset()
        .with_data_var("n", Variable::new(&["x"], vec![1i32, 2, 3]).unwrap())
        .unwrap()
        .with_attr("title", "demo");
    let expected = "\
<xr.Dataset> Size: 92B
Dimensions:  (y: 2, x: 3)
Coordinates:
    lbl      (y) <U1 8B 'a' 'b'
  * x        (x) int64 24B 10 20 30
Dimensions without coordinates: y
Data variables:
    t        (y, x) float64 48B 0.0 1.0 2.0 3.0 4.0 5.0
    n        (x) int32 12B 1 2 3
Attributes:
    title:    demo";
    assert_eq!(ds.to_string(), expected);
}

#[test]
fn long_variables_are_summarized_to_the_display_width() {
    let v: Vec<f32> = (0..20000).map(|i| i as f32 / 20000.0).collect();
    let ds = DataArray::new(v, &["n"])
        .unwrap()
        .with_name("air")
        .to_dataset();
    let line = ds.to_string().lines().last().unwrap().to_string();
    assert!(line.chars().count() <= 80, "{line}");
    assert_eq!(
        line,
        "    air      (n) float32 80kB 0.0 5e-05 0.0001 0.00015 ... 0.9998 0.9999 0.9999"
    );
    let da = DataArray::new((0..5000).map(f64::from).collect::<Vec<_>>(), &["n"]).unwrap();
    // numpy switches to scientific notation when max/min > 1e3 (line wrapping aside).
    assert!(
        da.to_string().contains(
            "array([0.000e+00, 1.000e+00, 2.000e+00, ..., 4.997e+03, 4.998e+03, 4.999e+03])"
        ),
        "{da}"
    );
}
