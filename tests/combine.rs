#![allow(clippy::unwrap_used)]
//! concat and merge, against xarray (tests/golden/combine_expectations.py).

use ndarray::array;
use xr::{concat, concat_with_labels, merge, DType, DataArray, Dataset, Error, Variable};

fn a() -> Dataset {
    Dataset::new()
        .with_data_var(
            "v",
            Variable::new(&["x", "y"], array![[1i64, 2], [3, 4]].into_dyn()).unwrap(),
        )
        .unwrap()
        .with_data_var("c", Variable::new(&["y"], vec![5.0, 6.0]).unwrap())
        .unwrap()
        .with_coord("x", Variable::new(&["x"], vec![0i64, 1]).unwrap())
        .unwrap()
        .with_coord("lab", Variable::new(&["y"], vec!["p", "q"]).unwrap())
        .unwrap()
        .with_attr("title", "first")
}

fn b() -> Dataset {
    Dataset::new()
        .with_data_var(
            "v",
            Variable::new(&["x", "y"], array![[7i64, 8]].into_dyn()).unwrap(),
        )
        .unwrap()
        .with_coord("x", Variable::new(&["x"], vec![2i64]).unwrap())
        .unwrap()
        .with_coord("lab", Variable::new(&["y"], vec!["p", "q"]).unwrap())
        .unwrap()
}

fn values(ds: &Dataset, name: &str) -> Vec<f64> {
    ds.variable(name).unwrap().data().to_f64_vec().unwrap()
}

#[test]
fn concat_along_existing_dim_matches_xarray() {
    let r = concat(&[a(), b()], "x").unwrap();
    assert_eq!(
        r.dims().into_iter().collect::<Vec<_>>(),
        [("x".to_string(), 3), ("y".to_string(), 2)]
    );
    assert_eq!(values(&r, "x"), [0.0, 1.0, 2.0]);
    assert!(r.indexes().contains_key("x"));
    assert_eq!(r.variable("v").unwrap().dims(), ["x", "y"]);
    assert_eq!(r.variable("v").unwrap().dtype(), DType::I64);
    assert_eq!(values(&r, "v"), [1.0, 2.0, 3.0, 4.0, 7.0, 8.0]);
    // `c` lacks x: xarray (data_vars="all") concatenates it, NaN where it is missing.
    assert_eq!(r.variable("c").unwrap().dims(), ["x", "y"]);
    let c = values(&r, "c");
    assert_eq!(&c[..4], [5.0, 6.0, 5.0, 6.0]);
    assert!(c[4].is_nan() && c[5].is_nan());
    // Equal coordinates without the dim are kept once.
    assert_eq!(r.variable("lab").unwrap().dims(), ["y"]);
    assert!(r.is_coord("lab"));
    assert_eq!(r.attrs()["title"].as_str(), Some("first"));
}

#[test]
fn concat_along_new_dim_puts_it_first() {
    let first = Dataset::new()
        .with_data_var("v", Variable::new(&["y"], vec![1i64, 2]).unwrap())
        .unwrap()
        .with_coord(
            "x",
            Variable::new::<&str>(&[], ndarray::arr0(0i64).into_dyn()).unwrap(),
        )
        .unwrap();
    let second = Dataset::new()
        .with_data_var("v", Variable::new(&["y"], vec![3i64, 4]).unwrap())
        .unwrap()
        .with_coord(
            "x",
            Variable::new::<&str>(&[], ndarray::arr0(1i64).into_dyn()).unwrap(),
        )
        .unwrap();
    let r = concat(&[first.clone(), second.clone()], "t").unwrap();
    assert_eq!(r.dim_size("t").unwrap(), 2);
    assert_eq!(r.variable("v").unwrap().dims(), ["t", "y"]);
    assert_eq!(values(&r, "v"), [1.0, 2.0, 3.0, 4.0]);
    // The scalar coordinate differs, so it is concatenated too (coords="different").
    assert_eq!(r.variable("x").unwrap().dims(), ["t"]);
    assert_eq!(values(&r, "x"), [0.0, 1.0]);
    assert!(!r.indexes().contains_key("t"));

    let labelled = concat_with_labels(&[first, second], "t", vec![10i64, 20]).unwrap();
    assert_eq!(values(&labelled, "t"), [10.0, 20.0]);
    assert!(labelled.indexes().contains_key("t"));
}

#[test]
fn concat_errors_name_the_problem() {
    assert!(matches!(
        concat(&[], "x"),
        Err(Error::InvalidArgument { .. })
    ));
    let bad = labels_err();
    assert!(bad.to_string().contains("\"t\""), "{bad}");
    let other = Dataset::new()
        .with_data_var(
            "v",
            Variable::new(&["x", "y"], array![[7i64, 8]].into_dyn()).unwrap(),
        )
        .unwrap()
        .with_coord("y", Variable::new(&["y"], vec![1i64, 2]).unwrap())
        .unwrap();
    let this = Dataset::new()
        .with_data_var(
            "v",
            Variable::new(&["x", "y"], array![[7i64, 8]].into_dyn()).unwrap(),
        )
        .unwrap()
        .with_coord("y", Variable::new(&["y"], vec![1i64, 3]).unwrap())
        .unwrap();
    let err = concat(&[this, other], "x").unwrap_err();
    assert!(
        matches!(&err, Error::Alignment { dim, .. } if dim == "y"),
        "{err}"
    );
}

fn labels_err() -> Error {
    concat_with_labels(&[a(), b()], "t", vec![1i64]).unwrap_err()
}

#[test]
fn concat_dataarrays_keeps_name_and_coords() {
    let d1 = DataArray::new(vec![1.0, 2.0], &["x"])
        .unwrap()
        .with_coord("x", &["x"], vec![0i64, 1])
        .unwrap()
        .with_name("t");
    let d2 = DataArray::new(vec![3.0], &["x"])
        .unwrap()
        .with_coord("x", &["x"], vec![5i64])
        .unwrap()
        .with_name("t");
    let r = DataArray::concat(&[d1, d2], "x").unwrap();
    assert_eq!(r.name(), Some("t"));
    assert_eq!(r.values().to_f64_vec().unwrap(), [1.0, 2.0, 3.0]);
    assert_eq!(
        r.coords()["x"].data().to_f64_vec().unwrap(),
        [0.0, 1.0, 5.0]
    );
}

#[test]
fn merge_disjoint_and_equal_variables() {
    let left = Dataset::new()
        .with_data_var("u", Variable::new(&["x"], vec![1.0, 2.0]).unwrap())
        .unwrap();
    let right = Dataset::new()
        .with_data_var("w", Variable::new(&["x"], vec![3i32, 4]).unwrap())
        .unwrap()
        .with_data_var("u", Variable::new(&["x"], vec![1.0, 2.0]).unwrap())
        .unwrap();
    let m = merge(&[left, right]).unwrap();
    assert_eq!(
        m.data_vars().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["u", "w"]
    );
    assert_eq!(values(&m, "w"), [3.0, 4.0]);
    assert_eq!(m.variable("w").unwrap().dtype(), DType::I32);
}

#[test]
fn merge_fills_nans_and_reports_conflicts_by_name() {
    let left = Dataset::new()
        .with_data_var("u", Variable::new(&["x"], vec![1.0, f64::NAN]).unwrap())
        .unwrap();
    let right = Dataset::new()
        .with_data_var("u", Variable::new(&["x"], vec![f64::NAN, 2.0]).unwrap())
        .unwrap();
    let m = left.merge(&right).unwrap();
    assert_eq!(values(&m, "u"), [1.0, 2.0]);

    let clash = Dataset::new()
        .with_data_var("u", Variable::new(&["x"], vec![9.0, 2.0]).unwrap())
        .unwrap();
    let err = left.merge(&clash).unwrap_err();
    assert!(
        matches!(&err, Error::MergeConflict { name, .. } if name == "u"),
        "{err}"
    );
    assert!(err.to_string().contains("\"u\""));
}
