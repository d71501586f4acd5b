#![allow(clippy::unwrap_used)]
//! Alignment, reindexing and broadcasting. Expected values from
//! tests/golden/indexing.py (xarray 2026.9.0) or by hand.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use xr::dataset::align::{align, align_arrays, broadcast_dims, join_indexes};
use xr::{DType, DataArray, Error, Index, Join, NdArray, Scalar, Variable};

fn f64s(da: &DataArray) -> Vec<f64> {
    da.values().to_f64_vec().unwrap()
}

fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

fn labelled(values: NdArray, labels: Vec<i64>, name: &str) -> DataArray {
    DataArray::new(values, &["x"])
        .unwrap()
        .with_coord("x", &["x"], labels)
        .unwrap()
        .with_name(name)
        .with_attr("units", "m")
}

fn ab() -> (DataArray, DataArray) {
    (
        labelled(vec![1_i64, 2, 3].into(), vec![0, 1, 2], "a"),
        labelled(vec![10.0, 20.0, 30.0].into(), vec![1, 2, 3], "b"),
    )
}

#[test]
fn joins_match_xarray() {
    let (a, b) = ab();
    let nan = f64::NAN;
    type Case = (Join, Vec<f64>, Vec<f64>, Vec<f64>);
    let cases: [Case; 4] = [
        (
            Join::Inner,
            vec![1.0, 2.0],
            vec![2.0, 3.0],
            vec![10.0, 20.0],
        ),
        (
            Join::Outer,
            vec![0.0, 1.0, 2.0, 3.0],
            vec![1.0, 2.0, 3.0, nan],
            vec![nan, 10.0, 20.0, 30.0],
        ),
        (
            Join::Left,
            vec![0.0, 1.0, 2.0],
            vec![1.0, 2.0, 3.0],
            vec![nan, 10.0, 20.0],
        ),
        (
            Join::Right,
            vec![1.0, 2.0, 3.0],
            vec![2.0, 3.0, nan],
            vec![10.0, 20.0, 30.0],
        ),
    ];
    for (join, x, va, vb) in cases {
        let out = align_arrays(&[&a, &b], join).unwrap();
        let (ra, rb) = (&out[0], &out[1]);
        assert_eq!(ra.coords()["x"].data().to_f64_vec().unwrap(), x, "{join}");
        assert_eq!(
            rb.indexes()["x"].values().to_f64_vec().unwrap(),
            x,
            "{join}"
        );
        assert!(same(&f64s(ra), &va), "{join}: {:?}", f64s(ra));
        assert!(same(&f64s(rb), &vb), "{join}: {:?}", f64s(rb));
        assert_eq!(ra.name(), Some("a"));
        assert_eq!(ra.attrs()["units"], "m".into());
        assert_eq!(ra.coords()["x"].dtype(), DType::I64);
    }
    // Ints stay ints when no label goes missing, and become f64 when one does.
    assert_eq!(
        align_arrays(&[&a, &b], Join::Inner).unwrap()[0].dtype(),
        DType::I64
    );
    assert_eq!(
        align_arrays(&[&a, &b], Join::Outer).unwrap()[0].dtype(),
        DType::F64
    );
}

#[test]
fn exact_join_names_the_dim() {
    let (a, b) = ab();
    let e = align_arrays(&[&a, &b], Join::Exact).unwrap_err();
    assert!(
        matches!(e, Error::Alignment { ref dim, .. } if dim == "x"),
        "{e}"
    );
    assert!(e.to_string().contains("exact"), "{e}");
    assert_eq!(align_arrays(&[&a, &a], Join::Exact).unwrap().len(), 2);
}

#[test]
fn outer_union_sorts_like_pandas() {
    let a = Index::new("x", vec![3_i64, 1, 2].into()).unwrap();
    let b = Index::new("x", vec![5_i64, 4].into()).unwrap();
    let u = join_indexes(&[&a, &b], Join::Outer).unwrap();
    assert_eq!(u.values().to_f64_vec().unwrap(), [1.0, 2.0, 3.0, 4.0, 5.0]);
    let i = join_indexes(
        &[&a, &Index::new("x", vec![2_i64, 3, 9].into()).unwrap()],
        Join::Inner,
    )
    .unwrap();
    assert_eq!(i.values().to_f64_vec().unwrap(), [3.0, 2.0]);
    // Mixed int/float labels promote.
    let f = Index::new("x", vec![2.5].into()).unwrap();
    let u = join_indexes(&[&a, &f], Join::Outer).unwrap();
    assert_eq!(u.values().to_f64_vec().unwrap(), [1.0, 2.0, 2.5, 3.0]);
    let s = Index::new("x", vec!["a"].into()).unwrap();
    assert!(matches!(
        join_indexes(&[&a, &s], Join::Outer).unwrap_err(),
        Error::Alignment { .. }
    ));
}

#[test]
fn unindexed_dim_must_match_joined_size() {
    let (a, _) = ab();
    let plain = DataArray::new(vec![1.0, 2.0], &["x"]).unwrap();
    let e = align_arrays(&[&a, &plain], Join::Inner).unwrap_err();
    assert!(
        matches!(e, Error::Alignment { ref dim, .. } if dim == "x"),
        "{e}"
    );
    let plain = DataArray::new(vec![1.0, 2.0, 3.0], &["x"]).unwrap();
    let out = align_arrays(&[&a, &plain], Join::Inner).unwrap();
    assert_eq!(f64s(&out[1]), [1.0, 2.0, 3.0]);
}

#[test]
fn duplicate_labels_cannot_be_reindexed() {
    let (a, _) = ab();
    let dup = labelled(vec![1.0, 2.0].into(), vec![1, 1], "d");
    let e = align_arrays(&[&a, &dup], Join::Outer).unwrap_err();
    assert!(
        matches!(e, Error::Alignment { ref dim, .. } if dim == "x"),
        "{e}"
    );
}

#[test]
fn reindex_fills() {
    let (a, _) = ab();
    let r = a.reindex(&[("x", vec![2_i64, 5, 0].into())], None).unwrap();
    assert!(same(&f64s(&r), &[3.0, f64::NAN, 1.0]));
    assert_eq!(
        r.coords()["x"].data().to_f64_vec().unwrap(),
        [2.0, 5.0, 0.0]
    );
    let r = a
        .reindex(&[("x", vec![2_i64, 5].into())], Some(&Scalar::I64(-1)))
        .unwrap();
    assert_eq!(r.dtype(), DType::I64);
    assert_eq!(f64s(&r), [3.0, -1.0]);

    let s = DataArray::new(vec!["p", "q"], &["x"])
        .unwrap()
        .with_coord("x", &["x"], vec![0_i64, 1])
        .unwrap();
    let r = s.reindex(&[("x", vec![1_i64, 7].into())], None).unwrap();
    assert_eq!(r.values().get(&[0]).unwrap(), Scalar::from("q"));
    assert_eq!(r.values().get(&[1]).unwrap(), Scalar::from(""));

    let e = a.reindex(&[("y", vec![1_i64].into())], None).unwrap_err();
    assert!(matches!(e, Error::DimNotFound { .. }));
    let plain = DataArray::new(vec![1.0], &["x"]).unwrap();
    assert!(matches!(
        plain
            .reindex(&[("x", vec![0_i64].into())], None)
            .unwrap_err(),
        Error::InvalidSelection { .. }
    ));
}

#[test]
fn align_datasets_reindexes_every_variable() {
    let (a, b) = ab();
    let ds = a
        .to_dataset()
        .with_data_var(
            "m",
            Variable::new(&["y", "x"], ndarray::array![[1_u8, 2, 3]].into_dyn()).unwrap(),
        )
        .unwrap()
        .with_data_var("k", Variable::new(&["y"], vec![true]).unwrap())
        .unwrap();
    let out = align(&[ds, b.to_dataset()], Join::Outer).unwrap();
    let m = out[0].variable("m").unwrap();
    assert_eq!(m.dims(), ["y", "x"]);
    assert!(same(
        &m.data().to_f64_vec().unwrap(),
        &[1.0, 2.0, 3.0, f64::NAN]
    ));
    assert_eq!(out[0].variable("k").unwrap().dtype(), DType::Bool);
}

#[test]
fn broadcast_dims_unions_in_order() {
    let a = Variable::new(
        &["y", "x"],
        ndarray::Array2::<f64>::zeros((2, 3)).into_dyn(),
    )
    .unwrap();
    let b = Variable::new(
        &["x", "t"],
        ndarray::Array2::<f64>::zeros((3, 4)).into_dyn(),
    )
    .unwrap();
    let (dims, sizes) = broadcast_dims(&[&a, &b]).unwrap();
    assert_eq!(dims, ["y", "x", "t"]);
    assert_eq!(sizes, [2, 3, 4]);
    let c = Variable::new(&["x"], vec![1.0, 2.0]).unwrap();
    let e = broadcast_dims(&[&a, &c]).unwrap_err();
    assert!(
        matches!(e, Error::DimSizeConflict { ref dim, .. } if dim == "x"),
        "{e}"
    );
}

fn arrays() -> impl Strategy<Value = BTreeMap<i64, i64>> {
    prop::collection::btree_map(-20_i64..20, -1000_i64..1000, 0..12)
}

/// A 1-D array with the map's labels (in a shuffled order given by `rot`) and values.
fn from_map(m: &BTreeMap<i64, i64>, rot: usize, name: &str) -> DataArray {
    let mut pairs: Vec<(i64, i64)> = m.iter().map(|(k, v)| (*k, *v)).collect();
    if !pairs.is_empty() {
        let r = rot % pairs.len();
        pairs.rotate_left(r);
    }
    let (labels, values): (Vec<i64>, Vec<i64>) = pairs.into_iter().unzip();
    labelled(values.into(), labels, name)
}

fn as_map(da: &DataArray) -> BTreeMap<i64, Option<i64>> {
    let labels = da.coords()["x"].data().to_f64_vec().unwrap();
    let values = f64s(da);
    labels
        .iter()
        .zip(values)
        .map(|(l, v)| (*l as i64, (!v.is_nan()).then_some(v as i64)))
        .collect()
}

proptest! {
    #[test]
    fn inner_and_outer_match_a_btreemap_reference(
        a in arrays(), b in arrays(), ra in 0usize..12, rb in 0usize..12
    ) {
        let (da, db) = (from_map(&a, ra, "a"), from_map(&b, rb, "b"));
        let ka: BTreeSet<i64> = a.keys().copied().collect();
        let kb: BTreeSet<i64> = b.keys().copied().collect();

        let inner = align_arrays(&[&da, &db], Join::Inner).unwrap();
        let want_a: BTreeMap<i64, Option<i64>> =
            ka.intersection(&kb).map(|k| (*k, Some(a[k]))).collect();
        let want_b: BTreeMap<i64, Option<i64>> =
            ka.intersection(&kb).map(|k| (*k, Some(b[k]))).collect();
        prop_assert_eq!(as_map(&inner[0]), want_a);
        prop_assert_eq!(as_map(&inner[1]), want_b);
        // Inner keeps the first object's order.
        let order: Vec<f64> = da.coords()["x"].data().to_f64_vec().unwrap()
            .into_iter().filter(|l| kb.contains(&(*l as i64))).collect();
        prop_assert_eq!(inner[0].coords()["x"].data().to_f64_vec().unwrap(), order);

        let outer = align_arrays(&[&da, &db], Join::Outer).unwrap();
        let want_a: BTreeMap<i64, Option<i64>> =
            ka.union(&kb).map(|k| (*k, a.get(k).copied())).collect();
        let want_b: BTreeMap<i64, Option<i64>> =
            ka.union(&kb).map(|k| (*k, b.get(k).copied())).collect();
        prop_assert_eq!(as_map(&outer[0]), want_a);
        prop_assert_eq!(as_map(&outer[1]), want_b);
        // Both objects share one index of the right length.
        prop_assert!(outer[0].indexes()["x"].equals(&outer[1].indexes()["x"]));
        prop_assert_eq!(outer[0].shape()[0], ka.union(&kb).count());
    }
}
