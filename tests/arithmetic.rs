#![allow(clippy::unwrap_used)]
//! Arithmetic between DataArrays, Datasets and scalars: values, dims, coords, dtypes and
//! names against xarray (tests/golden/make_ops_golden.py) and a naive reference.

mod common;

use common::{check, check_attrs, close, f64_array, Attr, Case};
use ndarray::array;
use proptest::prelude::*;
use xr::array::kernels::BinaryOp;
use xr::{DType, DataArray, Dataset, Error, Join, NdArray, Variable};

#[allow(dead_code, clippy::approx_constant)]
mod golden {
    use super::{Attr, Case};
    include!("golden/ops_golden.rs");
}
use golden::*;

fn a_xy() -> DataArray {
    DataArray::new(
        array![[1.5, -2.0], [3.25, 4.0], [0.5, 8.0]].into_dyn(),
        &["x", "y"],
    )
    .unwrap()
    .with_coord("x", &["x"], vec![10_i64, 20, 30])
    .unwrap()
    .with_coord("y", &["y"], vec!["a", "b"])
    .unwrap()
    .with_name("t")
    .with_attr("units", "K")
}

fn b_zy() -> DataArray {
    DataArray::new(array![[1_i32, 2], [3, 4]].into_dyn(), &["z", "y"])
        .unwrap()
        .with_name("t")
}

#[test]
fn broadcasting_by_name_matches_xarray() {
    let (a, b) = (a_xy(), b_zy());
    check("add", &(&a + &b).unwrap(), &ADD_XY_ZY);
    check("sub", &(&b - &a).unwrap(), &SUB_ZY_XY);
    check("mul", &(&a * &b).unwrap(), &MUL_XY_ZY);
    check("div", &(&a / &b).unwrap(), &DIV_XY_ZY);
    check("pow", &a.pow(&b).unwrap(), &POW_XY_ZY);
    check("gt", &a.gt(&b).unwrap(), &GT_XY_ZY);
}

#[test]
fn result_keeps_merged_coords_equal_names_and_merged_attrs() {
    let (a, b) = (a_xy(), b_zy());
    let c = (&a + &b).unwrap();
    assert_eq!(c.name(), Some("t"));
    // xarray 2026.9.0 keeps attrs: `a`'s units meet no conflict in `b`.
    check_attrs("a+b", c.attrs(), &[("units", Attr::S("K"))]);
    assert_eq!(c.coords().keys().collect::<Vec<_>>(), ["x", "y"]);
    assert!(c.indexes().contains_key("x") && c.indexes().contains_key("y"));
    assert_eq!(
        c.coords()["x"].data().to_f64_vec().unwrap(),
        [10.0, 20.0, 30.0]
    );

    let renamed = b.clone().with_name("other");
    assert_eq!((&a * &renamed).unwrap().name(), None);
    let unnamed = DataArray::new(array![1.0, 2.0].into_dyn(), &["y"]).unwrap();
    assert_eq!((&a - &unnamed).unwrap().name(), None);
}

#[test]
fn scalars_and_dtype_promotion_match_xarray() {
    let i = DataArray::new(vec![7_i32, -3, 4], &["x"]).unwrap();
    let j = DataArray::new(vec![2_i32, 2, 3], &["x"]).unwrap();
    let f = DataArray::new(vec![1.0_f32, 2.0, 4.0], &["x"]).unwrap();
    check("int_div", &(&i / &j).unwrap(), &INT_DIV);
    check("int_pow", &i.pow(&j).unwrap(), &INT_POW);
    check("int+2.5", &(&i + 2.5).unwrap(), &INT_PLUS_FLOAT_SCALAR);
    check("int*3", &(&i * 3).unwrap(), &INT_TIMES_INT_SCALAR);
    check("f32*2", &(&f * 2.0).unwrap(), &F32_TIMES_SCALAR);
    check("f32+i32", &(&f + &i).unwrap(), &F32_PLUS_INT32);
    check("sqrt", &j.sqrt().unwrap(), &SQRT_INT);
    check("neg", &(-&i).unwrap(), &NEG_INT);
    check("abs", &i.abs().unwrap(), &ABS_INT);
    check("log", &f.log().unwrap(), &LOG_F32);
    // Scalar on the left.
    let r = (10.0 - &f).unwrap();
    assert_eq!(r.dtype(), DType::F32);
    assert_eq!(r.values().to_f64_vec().unwrap(), [9.0, 8.0, 6.0]);
    let r = (1 / &j).unwrap();
    assert_eq!(r.dtype(), DType::F64);
    assert_eq!(r.values().to_f64_vec().unwrap(), [0.5, 0.5, 1.0 / 3.0]);
}

#[test]
fn unary_ops_keep_name_coords_and_attrs() {
    let a = a_xy();
    let n = (-&a).unwrap();
    assert_eq!(n.name(), Some("t"));
    assert_eq!(n.attrs()["units"].as_str(), Some("K"));
    assert_eq!(n.coords().len(), 2);
    assert_eq!(n.values().get(&[0, 1]).unwrap().as_f64(), Some(2.0));
    let e = a.exp().unwrap();
    assert!(close(
        e.values().get(&[0, 0]).unwrap().as_f64().unwrap(),
        1.5_f64.exp(),
        1e-15
    ));
}

#[test]
fn comparisons_and_logic_give_bools() {
    let a = DataArray::new(vec![1.0, f64::NAN, 3.0], &["x"]).unwrap();
    let b = DataArray::new(vec![1_i64, 2, 4], &["x"]).unwrap();
    let eq = a.eq(&b).unwrap();
    assert_eq!(eq.dtype(), DType::Bool);
    assert_eq!(eq.values().to_f64_vec().unwrap(), [1.0, 0.0, 0.0]);
    assert_eq!(
        a.ne(&b).unwrap().values().to_f64_vec().unwrap(),
        [0.0, 1.0, 1.0]
    );
    assert_eq!(
        a.le(&b).unwrap().values().to_f64_vec().unwrap(),
        [1.0, 0.0, 1.0]
    );
    let both = (&a.lt(&b).unwrap() | &eq).unwrap();
    assert_eq!(both.values().to_f64_vec().unwrap(), [1.0, 0.0, 1.0]);
    let not = (!&both).unwrap();
    assert_eq!(not.values().to_f64_vec().unwrap(), [0.0, 1.0, 0.0]);
    let s = DataArray::new(vec!["a", "b"], &["y"]).unwrap();
    let t = DataArray::new(vec!["a", "c"], &["y"]).unwrap();
    assert_eq!(s.eq(&t).unwrap().values().to_f64_vec().unwrap(), [1.0, 0.0]);
}

#[test]
fn errors_name_the_problem() {
    let a = DataArray::new(vec![1.0, 2.0], &["x"])
        .unwrap()
        .with_name("a");
    let b = DataArray::new(vec![1.0, 2.0, 3.0], &["x"])
        .unwrap()
        .with_name("b");
    match (&a + &b).unwrap_err() {
        Error::DimSizeConflict {
            dim, left, right, ..
        } => {
            assert_eq!((dim.as_str(), left, right), ("x", 2, 3));
        }
        e => panic!("unexpected {e}"),
    }
    let s = DataArray::new(vec!["p", "q"], &["x"])
        .unwrap()
        .with_name("s");
    let err = (&s * 2.0).unwrap_err();
    assert!(matches!(err, Error::DTypeMismatch { .. }), "{err}");
    assert!(err.to_string().contains("\"s\""), "{err}");
    let i = DataArray::new(vec![2_i64, 3], &["x"]).unwrap();
    let neg = DataArray::new(vec![1_i64, -1], &["x"]).unwrap();
    assert!(matches!(
        i.pow(&neg).unwrap_err(),
        Error::InvalidArgument { .. }
    ));
    let bools = DataArray::new(vec![true, false], &["x"]).unwrap();
    assert!(matches!(
        (-&bools).unwrap_err(),
        Error::UnsupportedDType { .. }
    ));
    assert!(matches!(
        (&bools - &bools).unwrap_err(),
        Error::UnsupportedDType { .. }
    ));
}

#[test]
fn conflicting_non_index_coords_are_dropped() {
    let base = DataArray::new(vec![1.0, 2.0], &["x"]).unwrap();
    let a = base
        .clone()
        .with_coord("lat", &["x"], vec![1.0, 2.0])
        .unwrap()
        .with_coord("height", &[] as &[&str], NdArray::from_scalar(&2.0.into()))
        .unwrap();
    let b = base
        .with_coord("lat", &["x"], vec![1.0, 5.0])
        .unwrap()
        .with_coord("height", &[] as &[&str], NdArray::from_scalar(&2.0.into()))
        .unwrap()
        .with_coord("lon", &["x"], vec![7.0, 8.0])
        .unwrap();
    let c = (&a + &b).unwrap();
    assert_eq!(c.coords().keys().collect::<Vec<_>>(), ["height", "lon"]);
}

fn dataset() -> Dataset {
    Dataset::new()
        .with_coord("x", Variable::new(&["x"], vec![1_i64, 2, 3]).unwrap())
        .unwrap()
        .with_data_var("u", Variable::new(&["x"], vec![1.0, 2.0, 3.0]).unwrap())
        .unwrap()
        .with_data_var("v", Variable::new(&["x"], vec![10_i32, 20, 30]).unwrap())
        .unwrap()
        .with_attr("title", "test")
}

#[test]
fn dataset_ops_work_on_common_data_vars() {
    let a = dataset();
    let b = Dataset::new()
        .with_data_var("v", Variable::new(&["y"], vec![1_i32, 2]).unwrap())
        .unwrap()
        .with_data_var("w", Variable::new(&["x"], vec![0.0, 0.0, 0.0]).unwrap())
        .unwrap();
    let c = (&a * &b).unwrap();
    assert_eq!(
        c.data_vars().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["v"]
    );
    let v = c.variable("v").unwrap();
    assert_eq!(v.dims(), ["x", "y"]);
    assert_eq!(v.dtype(), DType::I32);
    assert_eq!(
        v.data().to_f64_vec().unwrap(),
        [10.0, 20.0, 20.0, 40.0, 30.0, 60.0]
    );
    assert!(c.is_coord("x"));
    // xarray 2026.9.0: the dataset attrs merge (`b` has none), so `a`'s title stays.
    check_attrs("a*b", c.attrs(), &[("title", Attr::S("test"))]);

    let d = (&a + 1.0).unwrap();
    assert_eq!(
        d.variable("u").unwrap().data().to_f64_vec().unwrap(),
        [2.0, 3.0, 4.0]
    );
    assert_eq!(d.variable("v").unwrap().dtype(), DType::F64);
    assert_eq!(d.variable("x").unwrap().dtype(), DType::I64);

    let da = DataArray::new(vec![2.0, 4.0], &["y"]).unwrap();
    let e = (&a / &da).unwrap();
    assert_eq!(e.variable("u").unwrap().dims(), ["x", "y"]);
    assert_eq!(
        e.variable("u").unwrap().data().to_f64_vec().unwrap(),
        [0.5, 0.25, 1.0, 0.5, 1.5, 0.75]
    );
    let f = (&da - &a).unwrap();
    assert_eq!(f.variable("v").unwrap().dims(), ["y", "x"]);
    assert_eq!(
        f.variable("v").unwrap().data().to_f64_vec().unwrap()[..3],
        [-8.0, -18.0, -28.0]
    );
    let s = a.sqrt().unwrap();
    assert_eq!(s.attrs()["title"].as_str(), Some("test"));
}

#[test]
fn equal_indexes_align_exactly() {
    let a = dataset();
    let c = a.binary_op(&a, BinaryOp::Sub, Join::Exact).unwrap();
    assert_eq!(
        c.variable("u").unwrap().data().to_f64_vec().unwrap(),
        [0.0; 3]
    );
}

fn on_x(values: Vec<f64>, labels: Vec<i64>) -> DataArray {
    DataArray::new(values, &["x"])
        .unwrap()
        .with_coord("x", &["x"], labels)
        .unwrap()
}

#[test]
fn misaligned_indexes_inner_join_by_default() {
    let a = on_x(vec![1.0, 2.0, 3.0], vec![1, 2, 3]);
    let b = on_x(vec![10.0, 20.0, 30.0], vec![2, 3, 4]);
    let c = (&a + &b).unwrap();
    assert_eq!(c.coords()["x"].data().to_f64_vec().unwrap(), [2.0, 3.0]);
    assert_eq!(c.values().to_f64_vec().unwrap(), [12.0, 23.0]);
}

#[test]
fn misaligned_indexes_outer_join_fills_nan() {
    let a = on_x(vec![1.0, 2.0, 3.0], vec![1, 2, 3]);
    let b = on_x(vec![10.0, 20.0, 30.0], vec![2, 3, 4]);
    let c = a.binary_op(&b, BinaryOp::Add, Join::Outer).unwrap();
    assert_eq!(
        c.coords()["x"].data().to_f64_vec().unwrap(),
        [1.0, 2.0, 3.0, 4.0]
    );
    let v = c.values().to_f64_vec().unwrap();
    assert!(v[0].is_nan() && v[3].is_nan());
    assert_eq!(v[1..3], [12.0, 23.0]);
}

#[test]
fn misaligned_indexes_exact_join_fails() {
    let a = on_x(vec![1.0, 2.0, 3.0], vec![1, 2, 3]);
    let b = on_x(vec![10.0, 20.0, 30.0], vec![2, 3, 4]);
    match a.binary_op(&b, BinaryOp::Add, Join::Exact).unwrap_err() {
        Error::Alignment { dim, .. } => assert_eq!(dim, "x"),
        e => panic!("unexpected {e}"),
    }
}

// Property test: broadcasting by name against nested loops over index maps.

const NAMES: [&str; 4] = ["a", "b", "c", "d"];

/// Two variables over random subsets/orders of four dims with fixed sizes.
fn two_arrays() -> impl Strategy<Value = (Vec<usize>, Vec<usize>, Vec<f64>, Vec<f64>)> {
    let sizes = [2_usize, 3, 1, 2];
    let dims = || proptest::sample::subsequence(vec![0_usize, 1, 2, 3], 0..=4).prop_shuffle();
    (dims(), dims()).prop_flat_map(move |(da, db)| {
        let na: usize = da.iter().map(|&d| sizes[d]).product();
        let nb: usize = db.iter().map(|&d| sizes[d]).product();
        (
            Just(da),
            Just(db),
            proptest::collection::vec(-10.0..10.0_f64, na),
            proptest::collection::vec(-10.0..10.0_f64, nb),
        )
    })
}

/// The flat row-major position in an array of `dims` of the point `labels` (a map
/// from dim to position).
fn flat_at(dims: &[usize], sizes: &[usize; 4], point: &[usize; 4]) -> usize {
    dims.iter().fold(0, |acc, &d| acc * sizes[d] + point[d])
}

proptest! {
    #[test]
    fn broadcasting_matches_nested_loops((da, db, va, vb) in two_arrays()) {
        let sizes = [2_usize, 3, 1, 2];
        let shape = |ds: &[usize]| ds.iter().map(|&d| sizes[d]).collect::<Vec<_>>();
        let names = |ds: &[usize]| ds.iter().map(|&d| NAMES[d]).collect::<Vec<_>>();
        let a = f64_array(va.clone(), &shape(&da), &names(&da));
        let b = f64_array(vb.clone(), &shape(&db), &names(&db));
        let c = (&a * &b).unwrap();
        let mut want_dims = da.clone();
        want_dims.extend(db.iter().filter(|d| !da.contains(d)));
        let want_names = names(&want_dims);
        prop_assert_eq!(c.dims(), want_names.as_slice());
        let got = c.values().to_f64_vec().unwrap();
        let total: usize = shape(&want_dims).iter().product();
        prop_assert_eq!(got.len(), total);
        for (flat, g) in got.iter().enumerate() {
            let mut point = [0_usize; 4];
            let mut rest = flat;
            for &d in want_dims.iter().rev() {
                point[d] = rest % sizes[d];
                rest /= sizes[d];
            }
            let want = va[flat_at(&da, &sizes, &point)] * vb[flat_at(&db, &sizes, &point)];
            prop_assert_eq!(*g, want);
        }
    }
}

#[test]
fn golden_case_type_is_used() {
    let c: &Case<f64> = &ADD_XY_ZY;
    assert_eq!(c.dims.len(), 3);
}

#[test]
fn coordinate_arrays_keep_their_labels() {
    let ds = dataset();
    let x = ds.get("x").unwrap();
    let twice = (&x + &x).unwrap();
    assert_eq!(twice.name(), Some("x"));
    assert_eq!(twice.values().to_f64_vec().unwrap(), [2.0, 4.0, 6.0]);
    assert_eq!(
        twice.coords()["x"].data().to_f64_vec().unwrap(),
        [1.0, 2.0, 3.0]
    );
    let u = (&ds * &x).unwrap();
    assert_eq!(
        u.variable("u").unwrap().data().to_f64_vec().unwrap(),
        [1.0, 4.0, 9.0]
    );
    assert_eq!(
        u.variable("x").unwrap().data().to_f64_vec().unwrap(),
        [1.0, 2.0, 3.0]
    );
}

#[test]
fn kernels_broadcast_like_numpy() {
    use xr::array::kernels::{binary, broadcast_shapes, weak_scalar_dtype};
    assert_eq!(broadcast_shapes(&[3, 1], &[4]).unwrap(), [3, 4]);
    assert_eq!(broadcast_shapes(&[], &[2, 2]).unwrap(), [2, 2]);
    assert!(matches!(
        broadcast_shapes(&[3], &[4]),
        Err(Error::ShapeMismatch { .. })
    ));
    let col = NdArray::from_shape_vec(&[2, 1], vec![1_i16, 2]).unwrap();
    let row = NdArray::from(vec![10_u8, 20, 30]);
    let s = binary(&col, &row, BinaryOp::Add).unwrap();
    assert_eq!(s.dtype(), DType::I16);
    assert_eq!(s.shape(), [2, 3]);
    assert_eq!(
        s.to_f64_vec().unwrap(),
        [11.0, 21.0, 31.0, 12.0, 22.0, 32.0]
    );
    let w = binary(
        &NdArray::from(vec![100_i8]),
        &NdArray::from(vec![100_i8]),
        BinaryOp::Add,
    )
    .unwrap();
    assert_eq!(w.to_f64_vec().unwrap(), [-56.0]);
    let big = binary(
        &NdArray::from(vec![1_i64]),
        &NdArray::from(vec![1_u64]),
        BinaryOp::Add,
    )
    .unwrap();
    assert_eq!(big.dtype(), DType::F64);
    assert_eq!(weak_scalar_dtype(DType::U8, &xr::Scalar::I64(3)), DType::U8);
    assert_eq!(
        weak_scalar_dtype(DType::I32, &xr::Scalar::F64(0.5)),
        DType::F64
    );
    assert_eq!(
        weak_scalar_dtype(DType::Bool, &xr::Scalar::I64(1)),
        DType::I64
    );
}

fn attrs_a() -> DataArray {
    DataArray::new(vec![1.0, 2.0], &["x"])
        .unwrap()
        .with_attr("units", "K")
        .with_attr("a", 1_i64)
}

fn attrs_b() -> DataArray {
    DataArray::new(vec![1.0, 2.0], &["x"])
        .unwrap()
        .with_attr("units", "C")
}

fn attrs_c() -> DataArray {
    DataArray::new(vec![1.0, 2.0], &["x"])
        .unwrap()
        .with_attr("b", 2_i64)
        .with_attr("a", 1_i64)
}

fn attrs_ds(v: &DataArray, w: &DataArray, attrs: &[(&str, xr::AttrValue)]) -> Dataset {
    let mut ds = Dataset::new()
        .with_data_var("v", v.variable().clone())
        .unwrap()
        .with_data_var("w", w.variable().clone())
        .unwrap();
    for (k, x) in attrs {
        ds = ds.with_attr(k, x.clone());
    }
    ds
}

#[test]
fn binary_ops_merge_attrs_dropping_conflicts_as_xarray() {
    let (a, b, c) = (attrs_a(), attrs_b(), attrs_c());
    check_attrs("a+b", (&a + &b).unwrap().attrs(), ATTRS_A_PLUS_B);
    check_attrs("b+a", (&b + &a).unwrap().attrs(), ATTRS_B_PLUS_A);
    check_attrs("a+c", (&a + &c).unwrap().attrs(), ATTRS_A_PLUS_C);
    check_attrs("c+a", (&c + &a).unwrap().attrs(), ATTRS_C_PLUS_A);
    check_attrs("a*2", (&a * 2.0).unwrap().attrs(), ATTRS_A_TIMES_2);
    check_attrs("2-a", (2.0 - &a).unwrap().attrs(), ATTRS_TWO_MINUS_A);
    let (va, vc) = (a.variable(), c.variable());
    check_attrs(
        "var a+c",
        va.binary_op(vc, BinaryOp::Add).unwrap().attrs(),
        ATTRS_VAR_A_PLUS_C,
    );
    check_attrs(
        "var a*2",
        va.scalar_op(&2.0.into(), BinaryOp::Mul, false)
            .unwrap()
            .attrs(),
        ATTRS_VAR_A_TIMES_2,
    );
}

#[test]
fn dataset_ops_merge_attrs_as_xarray() {
    let (a, b, c) = (attrs_a(), attrs_b(), attrs_c());
    let ds1 = attrs_ds(&a, &b, &[("title", "t".into()), ("k", 1_i64.into())]);
    let ds2 = attrs_ds(&c, &a, &[("title", "u".into()), ("z", 3_i64.into())]);
    let r = (&ds1 + &ds2).unwrap();
    check_attrs("ds1+ds2", r.attrs(), ATTRS_DS1_PLUS_DS2);
    check_attrs(
        "ds1+ds2 v",
        r.variable("v").unwrap().attrs(),
        ATTRS_DS1_PLUS_DS2_V,
    );
    check_attrs(
        "ds1+ds2 w",
        r.variable("w").unwrap().attrs(),
        ATTRS_DS1_PLUS_DS2_W,
    );
    let r = (&ds1 * 2.0).unwrap();
    check_attrs("ds1*2", r.attrs(), ATTRS_DS1_TIMES_2);
    check_attrs(
        "ds1*2 w",
        r.variable("w").unwrap().attrs(),
        ATTRS_DS1_TIMES_2_W,
    );

    let pa = DataArray::new(vec![1.0, 2.0], &["x"])
        .unwrap()
        .with_attr("p", 1_i64)
        .with_attr("q", 2_i64);
    let pd = Dataset::new()
        .with_data_var(
            "v",
            Variable::new(&["x"], vec![1.0, 2.0])
                .unwrap()
                .with_attr("r", 3_i64)
                .with_attr("q", 2_i64),
        )
        .unwrap()
        .with_attr("s", 4_i64)
        .with_attr("p", 9_i64);
    let r = (&pd + &pa).unwrap();
    check_attrs("ds+da", r.attrs(), ATTRS_DS_PLUS_DA);
    check_attrs(
        "ds+da v",
        r.variable("v").unwrap().attrs(),
        ATTRS_DS_PLUS_DA_V,
    );
    let r = (&pa + &pd).unwrap();
    check_attrs("da+ds", r.attrs(), ATTRS_DA_PLUS_DS);
    check_attrs(
        "da+ds v",
        r.variable("v").unwrap().attrs(),
        ATTRS_DA_PLUS_DS_V,
    );
}
