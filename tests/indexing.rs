#![allow(clippy::unwrap_used)]
//! Indexing: isel, sel (methods, tolerance, slices, datetime strings), where, and the
//! reshaping verbs. Expected values come from tests/golden/indexing.py (xarray 2026.9.0,
//! pandas 3.1.1) or by hand.

use xr::dataset::{Indexer, Label, Method};
use xr::time::parse_partial_datetime;
use xr::{Calendar, DataArray, Dataset, Error, NdArray, Scalar, Variable};

fn f64s(da: &DataArray) -> Vec<f64> {
    da.values().to_f64_vec().unwrap()
}

fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

/// t(y: 2, x: 3) = [[0, 1, 2], [3, 4, 5]] with x = [10, 20, 30], y = ["a", "b"].
fn grid() -> DataArray {
    DataArray::new(
        ndarray::array![[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]].into_dyn(),
        &["y", "x"],
    )
    .unwrap()
    .with_coord("x", &["x"], vec![10_i64, 20, 30])
    .unwrap()
    .with_coord("y", &["y"], vec!["a", "b"])
    .unwrap()
    .with_name("t")
    .with_attr("units", "K")
}

fn line(labels: Vec<f64>) -> DataArray {
    DataArray::new(vec![10.0, 20.0, 30.0, 40.0], &["x"])
        .unwrap()
        .with_coord("x", &["x"], labels)
        .unwrap()
        .with_name("v")
}

fn months() -> DataArray {
    // 2018-02-01 .. 2018-07-01, month starts (pandas date_range("2018-01-15", freq="MS")).
    let ticks: Vec<i64> = (2..=7)
        .map(|m| {
            parse_partial_datetime(&format!("2018-{m:02}"), Calendar::ProlepticGregorian)
                .unwrap()
                .0
        })
        .collect();
    let n = ticks.len();
    let time = NdArray::datetime(
        ndarray::ArcArray::from_shape_vec(ndarray::IxDyn(&[n]), ticks).unwrap(),
        Calendar::ProlepticGregorian,
    );
    DataArray::new(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &["time"])
        .unwrap()
        .with_coord("time", &["time"], time)
        .unwrap()
}

#[test]
fn isel_position_drops_dim_and_keeps_scalar_coord() {
    let t = grid();
    let r = t.isel(&[("x", (-1).into())]).unwrap();
    assert_eq!(r.dims(), ["y"]);
    assert_eq!(f64s(&r), [2.0, 5.0]);
    let x = &r.coords()["x"];
    assert!(x.dims().is_empty());
    assert_eq!(x.data().get(&[]).unwrap(), Scalar::I64(30));
    assert!(!r.indexes().contains_key("x"));
    assert!(r.indexes().contains_key("y"));
    assert_eq!(r.attrs()["units"], "K".into());
    assert_eq!(r.name(), Some("t"));
}

#[test]
fn isel_slices_lists_masks() {
    let t = grid();
    let r = t.isel(&[("x", (1..).into())]).unwrap();
    assert_eq!(r.shape(), [2, 2]);
    assert_eq!(f64s(&r), [1.0, 2.0, 4.0, 5.0]);
    assert_eq!(
        r.indexes()["x"].values().to_f64_vec().unwrap(),
        [20.0, 30.0]
    );

    let r = t.isel(&[("x", Indexer::slice(None, None, -2))]).unwrap();
    assert_eq!(f64s(&r), [2.0, 0.0, 5.0, 3.0]);
    assert_eq!(r.coords()["x"].data().to_f64_vec().unwrap(), [30.0, 10.0]);

    let r = t
        .isel(&[("x", vec![2, 0, 0].into()), ("y", 1.into())])
        .unwrap();
    assert_eq!(r.dims(), ["x"]);
    assert_eq!(f64s(&r), [5.0, 3.0, 3.0]);

    let r = t.isel(&[("x", vec![true, false, true].into())]).unwrap();
    assert_eq!(f64s(&r), [0.0, 2.0, 3.0, 5.0]);

    // Python slices clip out-of-range bounds.
    assert_eq!(t.isel(&[("x", (1..99).into())]).unwrap().shape(), [2, 2]);
}

#[test]
fn isel_errors_name_the_dim() {
    let t = grid();
    let e = t.isel(&[("x", 3.into())]).unwrap_err();
    assert!(matches!(e, Error::IndexOutOfBounds { .. }));
    assert!(e.to_string().contains("\"x\""), "{e}");
    let e = t.isel(&[("z", 0.into())]).unwrap_err();
    assert!(matches!(e, Error::DimNotFound { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("\"z\"") && msg.contains("\"y\"") && msg.contains("\"x\""),
        "{msg}"
    );
    let e = t.isel(&[("x", vec![true].into())]).unwrap_err();
    assert!(e.to_string().contains("\"x\""), "{e}");
    assert!(t.isel(&[("x", Indexer::slice(None, None, 0))]).is_err());
}

#[test]
fn sel_exact_and_lists() {
    let t = grid();
    let r = t.sel(&[("x", 20.into()), ("y", "b".into())]).unwrap();
    assert!(r.dims().is_empty());
    assert_eq!(r.values().get(&[]).unwrap(), Scalar::F64(4.0));
    assert_eq!(r.coords()["y"].data().get(&[]).unwrap(), Scalar::from("b"));
    let r = t.sel(&[("x", vec![30, 10].into())]).unwrap();
    assert_eq!(f64s(&r), [2.0, 0.0, 5.0, 3.0]);
    // A float label finds an integer label.
    assert_eq!(t.sel(&[("x", 20.0.into())]).unwrap().shape(), [2]);
}

#[test]
fn sel_missing_label_names_label_dim_and_nearest() {
    let t = grid();
    let e = t.sel(&[("x", 21.into())]).unwrap_err();
    assert!(matches!(e, Error::KeyNotFound { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("21") && msg.contains("\"x\"") && msg.contains("nearest label is 20"),
        "{msg}"
    );
    let e = t.sel(&[("y", "c".into())]).unwrap_err();
    assert!(
        e.to_string().contains("\"c\"") && e.to_string().contains("\"y\""),
        "{e}"
    );
    let e = t.sel(&[("y", 1.into())]).unwrap_err();
    assert!(matches!(e, Error::InvalidSelection { .. }), "{e}");
}

#[test]
fn sel_on_dim_without_index_is_invalid() {
    let da = DataArray::new(vec![1.0, 2.0], &["x"]).unwrap();
    let e = da.sel(&[("x", 0.into())]).unwrap_err();
    assert!(
        matches!(e, Error::InvalidSelection { ref dim, .. } if dim == "x"),
        "{e}"
    );
    let e = da.sel(&[("q", 0.into())]).unwrap_err();
    assert!(matches!(e, Error::DimNotFound { .. }));
}

fn opt(v: &[i64]) -> Vec<Option<usize>> {
    v.iter().map(|&i| usize::try_from(i).ok()).collect()
}

#[test]
fn get_indexer_methods_match_pandas() {
    let targets: NdArray = vec![2.5, 0.0, 5.0, 2.4, 2.6, 2.0].into();
    let inc = line(vec![1.0, 2.0, 3.0, 4.0]);
    let dec = line(vec![4.0, 3.0, 2.0, 1.0]);
    let cases: [(&DataArray, Method, Option<f64>, [i64; 6]); 12] = [
        (&inc, Method::Nearest, None, [2, 0, 3, 1, 2, 1]),
        (&inc, Method::Nearest, Some(0.3), [-1, -1, -1, -1, -1, 1]),
        (&inc, Method::Pad, None, [1, -1, 3, 1, 1, 1]),
        (&inc, Method::Pad, Some(0.3), [-1, -1, -1, -1, -1, 1]),
        (&inc, Method::Backfill, None, [2, 0, -1, 2, 2, 1]),
        (&inc, Method::Backfill, Some(0.3), [-1, -1, -1, -1, -1, 1]),
        (&dec, Method::Nearest, None, [1, 3, 0, 2, 1, 2]),
        (&dec, Method::Nearest, Some(0.3), [-1, -1, -1, -1, -1, 2]),
        (&dec, Method::Pad, None, [1, 3, -1, 1, 1, 2]),
        (&dec, Method::Pad, Some(0.3), [-1, -1, -1, -1, -1, 2]),
        (&dec, Method::Backfill, None, [2, -1, 0, 2, 2, 2]),
        (&dec, Method::Backfill, Some(0.3), [-1, -1, -1, -1, -1, 2]),
    ];
    for (da, m, tol, want) in cases {
        let got = da.indexes()["x"]
            .get_indexer(&targets, Some(m), tol)
            .unwrap();
        assert_eq!(
            got,
            opt(&want),
            "{m:?} tol {tol:?} on {:?}",
            da.indexes()["x"].values()
        );
    }
}

#[test]
fn sel_with_method_and_tolerance() {
    let dec = line(vec![4.0, 3.0, 2.0, 1.0]);
    let r = dec
        .sel_with(&[("x", 2.4.into())])
        .method(Method::Nearest)
        .run()
        .unwrap();
    assert_eq!(r.values().get(&[]).unwrap(), Scalar::F64(30.0));
    assert_eq!(r.coords()["x"].data().get(&[]).unwrap(), Scalar::F64(2.0));
    let r = dec
        .sel_with(&[("x", vec![2.5, 0.0].into())])
        .method(Method::Pad)
        .run()
        .unwrap();
    assert_eq!(f64s(&r), [20.0, 40.0]);
    let e = dec
        .sel_with(&[("x", 2.5.into())])
        .method(Method::Nearest)
        .tolerance(0.3)
        .run()
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        matches!(e, Error::KeyNotFound { .. })
            && msg.contains("2.5")
            && msg.contains("tolerance 0.3"),
        "{msg}"
    );
    // Methods need a monotonic index.
    let shuffled = line(vec![2.0, 1.0, 4.0, 3.0]);
    let e = shuffled
        .sel_with(&[("x", 2.5.into())])
        .method(Method::Pad)
        .run()
        .unwrap_err();
    assert!(matches!(e, Error::InvalidSelection { .. }), "{e}");
    // But exact lookups on it use the hash map.
    assert_eq!(
        shuffled
            .sel(&[("x", 4.0.into())])
            .unwrap()
            .values()
            .get(&[])
            .unwrap(),
        Scalar::F64(30.0)
    );
}

#[test]
fn label_slices_include_both_ends() {
    let inc = line(vec![1.0, 2.0, 3.0, 4.0]);
    let dec = line(vec![4.0, 3.0, 2.0, 1.0]);
    let s = |da: &DataArray, a: f64, b: f64| f64s(&da.sel(&[("x", (a..=b).into())]).unwrap());
    assert_eq!(s(&inc, 1.5, 3.5), [20.0, 30.0]);
    assert!(s(&inc, 3.5, 1.5).is_empty());
    assert_eq!(s(&inc, 2.0, 3.0), [20.0, 30.0]);
    assert!(s(&inc, 3.0, 2.0).is_empty());
    assert!(s(&dec, 1.5, 3.5).is_empty());
    assert_eq!(s(&dec, 3.5, 1.5), [20.0, 30.0]);
    assert!(s(&dec, 2.0, 3.0).is_empty());
    assert_eq!(s(&dec, 3.0, 2.0), [20.0, 30.0]);
    let r = dec.sel(&[("x", (..=3.0).into())]).unwrap();
    assert_eq!(f64s(&r), [10.0, 20.0]);
    assert_eq!(r.indexes()["x"].values().to_f64_vec().unwrap(), [4.0, 3.0]);
    let r = inc.sel(&[("x", (3.0..).into())]).unwrap();
    assert_eq!(f64s(&r), [30.0, 40.0]);

    let e = line(vec![2.0, 1.0, 4.0, 3.0])
        .sel(&[("x", (1.0..=2.0).into())])
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidSelection { ref dim, .. } if dim == "x"),
        "{e}"
    );
    assert!(e.to_string().contains("monotonic"), "{e}");

    let t = grid();
    let r = t.sel(&[("y", ("a"..="a").into())]).unwrap();
    assert_eq!(r.shape(), [1, 3]);
}

#[test]
fn datetime_strings_and_partial_strings() {
    let t = months();
    let r = t.sel(&[("time", "2018".into())]).unwrap();
    assert_eq!(f64s(&r), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    let r = t.sel(&[("time", "2018-03".into())]).unwrap();
    assert_eq!(r.dims(), ["time"]);
    assert_eq!(f64s(&r), [1.0]);
    let r = t.sel(&[("time", "2018-03-01".into())]).unwrap();
    assert!(r.dims().is_empty());
    assert_eq!(f64s(&r), [1.0]);
    assert_eq!(
        r.coords()["time"].data().get(&[]).unwrap().to_string(),
        "2018-03-01T00:00:00"
    );
    let r = t.sel(&[("time", ("2018-03"..="2018-05").into())]).unwrap();
    assert_eq!(f64s(&r), [1.0, 2.0, 3.0]);
    let r = t
        .sel(&[("time", vec!["2018-05-01", "2018-02-01"].into())])
        .unwrap();
    assert_eq!(f64s(&r), [3.0, 0.0]);

    let e = t.sel(&[("time", "2019".into())]).unwrap_err();
    assert!(
        matches!(e, Error::KeyNotFound { .. }) && e.to_string().contains("2019"),
        "{e}"
    );
    let e = t.sel(&[("time", "2018-03-02".into())]).unwrap_err();
    assert!(e.to_string().contains("nearest label is 2018-03-01"), "{e}");
    let e = t.sel(&[("time", "2018-13".into())]).unwrap_err();
    assert!(matches!(e, Error::Time(_)), "{e}");

    // On a descending index the slice runs from the later period down to the earlier.
    let rev = t.isel(&[("time", Indexer::slice(None, None, -1))]).unwrap();
    let r = rev
        .sel(&[("time", ("2018-05"..="2018-03").into())])
        .unwrap();
    assert_eq!(f64s(&r), [3.0, 2.0, 1.0]);
}

#[test]
fn day_string_on_hourly_index_is_a_period() {
    let start = parse_partial_datetime("2018-03-01", Calendar::NoLeap)
        .unwrap()
        .0;
    let hour = 3_600_000_000_i64;
    let ticks: Vec<i64> = (0..30).map(|h| start + h * hour).collect();
    let time = NdArray::datetime(
        ndarray::ArcArray::from_shape_vec(ndarray::IxDyn(&[30]), ticks).unwrap(),
        Calendar::NoLeap,
    );
    let da = DataArray::new((0..30).map(f64::from).collect::<Vec<_>>(), &["time"])
        .unwrap()
        .with_coord("time", &["time"], time)
        .unwrap();
    let r = da.sel(&[("time", "2018-03-01".into())]).unwrap();
    assert_eq!(r.shape(), [24]);
    let r = da.sel(&[("time", "2018-03-02T03".into())]).unwrap();
    assert!(r.dims().is_empty());
    assert_eq!(f64s(&r), [27.0]);
    let r = da
        .sel_with(&[("time", "2018-03-01T05:20".into())])
        .method(Method::Nearest)
        .run()
        .unwrap();
    assert_eq!(f64s(&r), [5.0]);
}

#[test]
fn where_masks_and_promotes() {
    let a = DataArray::new(vec![1_i64, 2, 3], &["x"])
        .unwrap()
        .with_coord("x", &["x"], vec![0, 1, 2])
        .unwrap();
    let cond = DataArray::new(vec![false, true, true], &["x"])
        .unwrap()
        .with_coord("x", &["x"], vec![0, 1, 2])
        .unwrap();
    let r = a.where_(&cond).unwrap();
    assert_eq!(r.dtype(), xr::DType::F64);
    assert!(same(&f64s(&r), &[f64::NAN, 2.0, 3.0]));
    let r = a.where_or(&cond, 0).unwrap();
    assert_eq!(r.dtype(), xr::DType::I64);
    assert_eq!(f64s(&r), [0.0, 2.0, 3.0]);

    // cond broadcast by dim name over a 2-D array.
    let t = grid();
    let cond = DataArray::new(vec![true, false, true], &["x"]).unwrap();
    let r = t.where_(&cond).unwrap();
    assert_eq!(r.dims(), ["y", "x"]);
    assert!(same(&f64s(&r), &[0.0, f64::NAN, 2.0, 3.0, f64::NAN, 5.0]));
    assert_eq!(r.attrs()["units"], "K".into());
    assert!(t.where_(&t).is_err());
}

#[test]
fn drop_rename_assign() {
    let t = grid();
    let r = t.drop_vars(&["x"]).unwrap();
    assert!(!r.coords().contains_key("x") && !r.indexes().contains_key("x"));
    let e = t.drop_vars(&["nope"]).unwrap_err();
    assert!(e.to_string().contains("nope"));

    let r = t.rename(&[("x", "lon")]).unwrap();
    assert_eq!(r.dims(), ["y", "lon"]);
    assert!(r.indexes().contains_key("lon") && !r.indexes().contains_key("x"));
    assert_eq!(r.indexes()["lon"].dim(), "lon");
    assert_eq!(f64s(&r.sel(&[("lon", 20.into())]).unwrap()), [1.0, 4.0]);
    assert!(t
        .rename(&[("zz", "q")])
        .unwrap_err()
        .to_string()
        .contains("zz"));

    let r = t
        .assign_coords(&[("x", Variable::new(&["x"], vec![1.0, 2.0, 3.0]).unwrap())])
        .unwrap();
    assert_eq!(
        r.indexes()["x"].values().to_f64_vec().unwrap(),
        [1.0, 2.0, 3.0]
    );
    assert!(t
        .assign_coords(&[("x", Variable::new(&["x"], vec![1.0]).unwrap())])
        .is_err());
}

#[test]
fn expand_squeeze_transpose() {
    let t = grid();
    let r = t.expand_dims("time", 2).unwrap();
    assert_eq!(r.dims(), ["time", "y", "x"]);
    assert_eq!(r.shape(), [2, 2, 3]);
    assert_eq!(f64s(&r)[6..], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    assert!(t.expand_dims("x", 2).is_err());
    let r = t.expand_dims_with_coord("band", vec!["red"]).unwrap();
    assert_eq!(r.shape(), [1, 2, 3]);
    assert!(r.indexes().contains_key("band"));

    let s = r.squeeze().unwrap();
    assert_eq!(s.dims(), ["y", "x"]);
    assert_eq!(
        s.coords()["band"].data().get(&[]).unwrap(),
        Scalar::from("red")
    );
    let s = r.squeeze_dims(&["band"]).unwrap();
    assert_eq!(s.dims(), ["y", "x"]);
    let e = r.squeeze_dims(&["x"]).unwrap_err();
    assert!(
        e.to_string().contains("\"x\"") && e.to_string().contains('3'),
        "{e}"
    );
    assert!(matches!(
        r.squeeze_dims(&["q"]).unwrap_err(),
        Error::DimNotFound { .. }
    ));

    let tt = t.transpose(&[]).unwrap();
    assert_eq!(tt.dims(), ["x", "y"]);
    assert_eq!(f64s(&tt), [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    assert_eq!(t.transpose(&["x", "y"]).unwrap().dims(), ["x", "y"]);
    assert!(t.transpose(&["x"]).is_err());
    assert!(matches!(
        t.transpose(&["x", "q"]).unwrap_err(),
        Error::DimNotFound { .. }
    ));
}

#[test]
fn dataset_isel_sel_keep_attrs_and_other_vars() {
    let t = grid();
    let ds: Dataset = t
        .to_dataset()
        .with_data_var("s", Variable::new(&["x"], vec![7_i32, 8, 9]).unwrap())
        .unwrap()
        .with_data_var("c", Variable::scalar(&Scalar::F64(1.5)))
        .unwrap()
        .with_attr("title", "demo");
    let r = ds.sel(&[("x", (20..=30).into())]).unwrap();
    assert_eq!(r.dims()["x"], 2);
    assert_eq!(
        r.variable("s").unwrap().data().to_f64_vec().unwrap(),
        [8.0, 9.0]
    );
    assert_eq!(
        r.variable("c").unwrap().data().get(&[]).unwrap(),
        Scalar::F64(1.5)
    );
    assert_eq!(r.attrs()["title"], "demo".into());
    assert!(r.is_coord("x"));
    let r = ds.isel(&[("y", 0.into())]).unwrap();
    assert!(!r.dims().contains_key("y"));
    assert_eq!(r.variable("t").unwrap().dims(), ["x"]);
    let e = ds.isel(&[("q", 0.into())]).unwrap_err();
    assert!(e.to_string().contains("\"q\""));
    let r = ds.rename(&[("s", "s2"), ("y", "lat")]).unwrap();
    assert!(r.variables().contains_key("s2") && r.indexes().contains_key("lat"));
    assert_eq!(r.variable("t").unwrap().dims(), ["lat", "x"]);
    let r = ds.transpose(&["x", "y"]).unwrap();
    assert_eq!(r.variable("t").unwrap().dims(), ["x", "y"]);
    assert_eq!(r.variable("s").unwrap().dims(), ["x"]);
}

#[test]
fn labels_convert() {
    assert_eq!(Label::from(3.5), Label::Value(Scalar::F64(3.5)));
    assert_eq!(Label::from(1..=2), Label::slice(1, 2));
    assert_eq!(Label::from(..), Label::Slice(None, None));
    assert_eq!(
        Label::from(vec!["a", "b"]),
        Label::List(vec!["a".into(), "b".into()])
    );
    assert_eq!(Indexer::from(2usize..), Indexer::slice(Some(2), None, 1));
}

#[test]
fn repeated_label_keeps_the_dim() {
    let da = line(vec![1.0, 2.0, 2.0, 3.0]);
    let r = da.sel(&[("x", 2.0.into())]).unwrap();
    assert_eq!(r.dims(), ["x"]);
    assert_eq!(f64s(&r), [20.0, 30.0]);
    let r = da.sel(&[("x", 1.0.into())]).unwrap();
    assert!(r.dims().is_empty());
    let e = da.sel(&[("x", vec![2.0].into())]).unwrap_err();
    assert!(e.to_string().contains("more than once"), "{e}");
}

#[test]
fn dataset_where_masks_data_vars_only() {
    let t = grid();
    let ds = t
        .to_dataset()
        .with_data_var("s", Variable::new(&["x"], vec![7_i32, 8, 9]).unwrap())
        .unwrap();
    let cond = DataArray::new(vec![true, false, true], &["x"]).unwrap();
    let r = ds.where_(&cond).unwrap();
    let s = r.variable("s").unwrap().data().to_f64_vec().unwrap();
    assert!(same(&s, &[7.0, f64::NAN, 9.0]));
    assert_eq!(r.variable("t").unwrap().dims(), ["y", "x"]);
    assert_eq!(r.variable("x").unwrap().dtype(), xr::DType::I64);
    assert!(r.is_coord("x") && !r.is_coord("s"));
}

#[test]
fn wrong_label_kind_is_named() {
    let e = grid().sel(&[("x", "ten".into())]).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("\"ten\"") && msg.contains("\"x\"") && msg.contains("int64"),
        "{msg}"
    );
}

#[test]
fn partial_datetime_ranges() {
    let pg = Calendar::ProlepticGregorian;
    assert_eq!(
        parse_partial_datetime("2018-03", pg).unwrap(),
        (1_519_862_400_000_000, 1_522_540_800_000_000)
    );
    let (s, e) = parse_partial_datetime("2018-03-04T05:06:07.5", pg).unwrap();
    assert_eq!((s, e - s), (1_520_139_967_500_000, 1));
    let (s, e) = parse_partial_datetime("2018", Calendar::Standard).unwrap();
    assert_eq!((e - s) / 86_400_000_000, 365);
    let (s, e) = parse_partial_datetime("2000-02", Calendar::Day360).unwrap();
    assert_eq!((e - s) / 86_400_000_000, 30);
    assert!(parse_partial_datetime("2000-02-30", Calendar::Day360).is_ok());
    assert!(parse_partial_datetime("2001-02-29", Calendar::NoLeap).is_err());
    assert!(parse_partial_datetime("2000-02-29", Calendar::AllLeap).is_ok());
    assert!(parse_partial_datetime("2018-1x", pg).is_err());
    assert!(parse_partial_datetime("2018-03-04T25", pg).is_err());
}

#[test]
fn index_properties_are_cached_and_shared() {
    let ix = xr::Index::new("x", vec![3.0, 2.0, 2.0].into()).unwrap();
    let copy = ix.clone();
    assert!(ix.is_monotonic_decreasing() && !ix.is_monotonic_increasing());
    assert!(!copy.is_unique());
    assert_eq!(ix.get_loc(&3.0.into()).unwrap(), 0);
    assert!(ix.get_loc(&2.0.into()).is_err());
    let s = xr::Index::new("s", vec!["b", "a", "c"].into()).unwrap();
    assert!(s.is_unique() && !s.is_monotonic_increasing() && !s.is_monotonic_decreasing());
    assert_eq!(s.get_loc(&"c".into()).unwrap(), 2);
}
