//! Interpolation against xarray: `interp` (linear, nearest; along one dim and two;
//! unsorted, repeated, exact and out-of-range targets; fill values and extrapolation; a
//! descending source; datetime targets on three calendars) and `interp_like`, on eager
//! and chunked inputs with NaNs, integer and float dtypes (golden values from
//! tests/golden/make_interp_golden.py), errors naming the bad argument, and property
//! tests that chunking never changes an answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden_file::{array_of, dims_of, shape_of, values_f64, GoldenFile};

use std::sync::OnceLock;

use proptest::prelude::*;
use xr::dataset::{Interp, InterpOptions};
use xr::{DataArray, Dataset, Error, NdArray};

fn golden() -> &'static GoldenFile {
    static G: OnceLock<GoldenFile> = OnceLock::new();
    G.get_or_init(|| GoldenFile::parse(include_str!("golden/interp_golden.json")))
}

/// The dim a coordinate of the golden inputs lies along (`xc` is a non-dim coordinate).
fn dim_of(coord: &str) -> &str {
    if coord == "xc" {
        "x"
    } else {
        coord
    }
}

/// An input of a golden section as a DataArray with its numeric 1-D coordinates.
fn input_from(section: &str, name: &str, time: Option<NdArray>) -> DataArray {
    let v = &golden()[section][name];
    let shape = shape_of(v);
    let mut da = DataArray::new(
        array_of(&v["values"], v["dtype"].as_str().unwrap(), &shape),
        &dims_of(v),
    )
    .unwrap()
    .with_name(v["name"].as_str().unwrap());
    for (c, vals) in v["coords"].as_object().unwrap() {
        let n = vals.as_array().unwrap().len();
        let values = if c == "time" {
            time.clone().unwrap()
        } else {
            array_of(vals, v["coord_dtypes"][c].as_str().unwrap(), &[n])
        };
        da = da.with_coord(c, &[dim_of(c)], values).unwrap();
    }
    for (k, a) in v["attrs"].as_object().unwrap() {
        da = da.with_attr(k, a.as_str().unwrap());
    }
    da
}

/// The array with its values cast to float32.
fn as_f32(da: &DataArray) -> DataArray {
    let v = da.variable();
    let v = v
        .with_data(v.data().astype(xr::DType::F32).unwrap())
        .unwrap();
    DataArray::from_parts(da.name().map(str::to_string), v, da.coords().clone()).unwrap()
}

fn input(name: &str, chunked: bool) -> DataArray {
    let da = input_from("inputs", name, None);
    if !chunked {
        da
    } else if name == "g" {
        da.chunk(&[("x", 3)]).unwrap()
    } else {
        da.chunk(&[("x", 3), ("y", 4)]).unwrap()
    }
}

fn datetimes(section: &str, calendar: &str) -> NdArray {
    let cal: xr::Calendar = calendar.parse().unwrap();
    let ticks: Vec<i64> = golden()[section][calendar]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            xr::CfDatetime::parse(s.as_str().unwrap(), cal)
                .unwrap()
                .to_ticks()
                .unwrap()
        })
        .collect();
    NdArray::datetime(ndarray::ArcArray::from(ticks).into_dyn(), cal)
}

fn targets(which: &str) -> NdArray {
    NdArray::from(values_f64(&golden()[which]))
}

/// Asserts a result equals the golden case: dims, dtype, values, numeric 1-D
/// coordinates (datetime ones are compared by the caller), name and attrs; a chunked
/// input gives a lazy result.
fn check(case: &str, got: &DataArray, lazy: bool) {
    let e = &golden()["cases"][case];
    assert!(!e.is_null(), "no golden case {case}");
    let what = format!("{case} ({})", if lazy { "chunked" } else { "eager" });
    assert_eq!(got.values().is_lazy(), lazy, "{what}: lazy in, lazy out");
    assert_eq!(got.shape(), shape_of(e).as_slice(), "{what}: shape");
    let edims = dims_of(e);
    let edims: Vec<&str> = edims.iter().map(String::as_str).collect();
    common::check_values(
        &what,
        got.values(),
        got.dims(),
        &values_f64(&e["values"]),
        &edims,
        e["dtype"].as_str().unwrap(),
    );
    let mut names: Vec<&String> = got.coords().keys().collect();
    let mut enames: Vec<&String> = e["coords"].as_object().unwrap().keys().collect();
    names.sort();
    enames.sort();
    assert_eq!(names, enames, "{what}: coordinate names");
    for (c, vals) in e["coords"].as_object().unwrap() {
        let coord = &got.coords()[c];
        let dtype = e["coord_dtypes"][c].as_str().unwrap();
        if dtype == "object" || dtype.starts_with("datetime") {
            continue;
        }
        assert_eq!(
            coord.dtype().name(),
            dtype,
            "{what}: dtype of coordinate {c}"
        );
        let got_c = coord.values().unwrap().to_f64_vec().unwrap();
        let exp_c = values_f64(vals);
        assert_eq!(got_c.len(), exp_c.len(), "{what}: length of coordinate {c}");
        for (g, x) in got_c.iter().zip(&exp_c) {
            assert!(
                common::close(*g, *x, 1e-12),
                "{what}: coordinate {c}: {got_c:?} vs {exp_c:?}"
            );
        }
    }
    assert_eq!(got.name(), e["name"].as_str(), "{what}: name");
    let attrs: Vec<&String> = got.attrs().keys().collect();
    let eattrs: Vec<&String> = e["attrs"].as_object().unwrap().keys().collect();
    assert_eq!(attrs, eattrs, "{what}: attrs");
}

fn method(name: &str) -> Interp {
    match name {
        "nearest" => Interp::Nearest,
        _ => Interp::Linear,
    }
}

#[test]
fn interp_matches_xarray() {
    for chunked in [false, true] {
        for src in ["f", "i", "d"] {
            let da = input(src, chunked);
            for m in ["linear", "nearest"] {
                let (xt, yt) = (targets("x_targets"), targets("y_targets"));
                let o = InterpOptions::new(method(m));
                let got = da.interp(&[("x", xt.clone())], o).unwrap();
                check(&format!("{src}_{m}_x"), &got, chunked);
                let got = da.interp(&[("y", yt.clone())], o).unwrap();
                check(&format!("{src}_{m}_y"), &got, chunked);
                let got = da.interp(&[("x", xt.clone()), ("y", yt)], o).unwrap();
                check(&format!("{src}_{m}_xy"), &got, chunked);
                let got = da.interp(&[("x", xt.clone())], o.fill_value(-9.5)).unwrap();
                check(&format!("{src}_{m}_fill"), &got, chunked);
                let got = da.interp(&[("x", xt)], o.extrapolate()).unwrap();
                check(&format!("{src}_{m}_extrap"), &got, chunked);
            }
        }
        let f32 = as_f32(&input("f", chunked));
        let got = f32
            .interp(&[("x", targets("x_targets"))], Interp::Linear)
            .unwrap();
        check("f32_linear_x", &got, chunked);
        // 1-D data: numpy's rule, a target on a source value takes it.
        let g = input("g", chunked);
        for m in ["linear", "nearest"] {
            let got = g.interp(&[("x", targets("x_targets"))], method(m)).unwrap();
            check(&format!("g_{m}_x"), &got, chunked);
            let o = InterpOptions::new(method(m)).fill_value(-9.5);
            let got = g.interp(&[("x", targets("x_targets"))], o).unwrap();
            check(&format!("g_{m}_fill"), &got, chunked);
        }
    }
}

#[test]
fn interp_like_matches_xarray() {
    let other = DataArray::new(
        NdArray::zeros(&[3, 2], xr::DType::F64).unwrap(),
        &["x", "y"],
    )
    .unwrap()
    .with_coord("x", &["x"], vec![0.5, 6.5, 9.0])
    .unwrap()
    .with_coord("y", &["y"], vec![35.0, 12.0])
    .unwrap();
    let only_x = other.isel(&[("y", 0.into())]).unwrap();
    for chunked in [false, true] {
        let f = input("f", chunked);
        check(
            "f_like",
            &f.interp_like(&other, Interp::Linear).unwrap(),
            chunked,
        );
        check(
            "f_like_x",
            &f.interp_like(&only_x, Interp::Linear).unwrap(),
            chunked,
        );
    }
}

#[test]
fn datetime_targets_match_xarray_on_every_calendar() {
    for cal in ["standard", "noleap", "360_day"] {
        let t = input_from(
            "time_inputs",
            &format!("t_{cal}"),
            Some(datetimes("time_coords", cal)),
        );
        for chunked in [false, true] {
            let t = if chunked {
                t.chunk(&[("time", 3)]).unwrap()
            } else {
                t.clone()
            };
            for m in ["linear", "nearest"] {
                let new = datetimes("time_targets", cal);
                let got = t.interp(&[("time", new.clone())], method(m)).unwrap();
                check(&format!("t_{cal}_{m}"), &got, chunked);
                let coord = got.coords()["time"].values().unwrap();
                assert!(
                    coord.equals(&new),
                    "{cal} {m}: the targets become the time coordinate"
                );
            }
        }
    }
}

#[test]
fn interp_of_a_dataset_interpolates_each_variable() {
    let f = input("f", false);
    let ds = Dataset::new()
        .with_data_var("f", f.variable().clone())
        .unwrap()
        .with_data_var("g", input("g", false).variable().clone())
        .unwrap()
        .with_coord("x", f.coords()["x"].clone())
        .unwrap()
        .with_coord("y", f.coords()["y"].clone())
        .unwrap()
        .with_coord("xc", f.coords()["xc"].clone())
        .unwrap();
    let out = ds
        .interp(&[("x", targets("x_targets"))], Interp::Linear)
        .unwrap();
    check(
        "f_linear_x",
        &out.get("f").unwrap().with_attrs(f.attrs().clone()),
        false,
    );
    // g is 1-D: numpy's rule, as when interpolated alone.
    check(
        "g_linear_x",
        &out.get("g").unwrap().drop_vars(&["xc"]).unwrap(),
        false,
    );
}

#[test]
fn bad_input_is_an_error_naming_it() {
    let f = input("f", false);
    let err = f
        .interp(&[("z", targets("x_targets"))], Interp::Linear)
        .unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "z"),
        "{err}"
    );
    let err = f
        .interp(&[("x", NdArray::from(vec!["a", "b"]))], Interp::Linear)
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "coords"),
        "{err}"
    );
    assert!(err.to_string().contains("\"x\""), "{err}");
    let t = input_from(
        "time_inputs",
        "t_noleap",
        Some(datetimes("time_coords", "noleap")),
    );
    let err = t
        .interp(&[("time", NdArray::from(vec![1.0]))], Interp::Linear)
        .unwrap_err();
    assert!(
        matches!(&err, Error::DTypeMismatch { what, .. } if what.contains("\"time\"")),
        "{err}"
    );
    let err = t
        .interp(
            &[("time", datetimes("time_coords", "standard"))],
            Interp::Linear,
        )
        .unwrap_err();
    assert!(matches!(&err, Error::DTypeMismatch { .. }), "{err}");
    // A NaT in the source coordinate is an error; a NaT target gives NaN.
    let cal: xr::Calendar = "noleap".parse().unwrap();
    let mut ticks: Vec<i64> = match datetimes("time_coords", "noleap") {
        NdArray::DateTime(t, _) => t.iter().copied().collect(),
        _ => unreachable!("datetimes"),
    };
    let with_nat =
        |ticks: Vec<i64>| NdArray::datetime(ndarray::ArcArray::from(ticks).into_dyn(), cal);
    let got = t
        .interp(
            &[("time", with_nat(vec![ticks[1], xr::time::NAT]))],
            Interp::Linear,
        )
        .unwrap();
    let v = got.values().to_f64_vec().unwrap();
    assert!(!v[0].is_nan() && v[3..].iter().all(|x| x.is_nan()), "{v:?}");
    ticks[2] = xr::time::NAT;
    let bad = t
        .assign_coords(&[(
            "time",
            xr::Variable::new(&["time"], with_nat(ticks)).unwrap(),
        )])
        .unwrap();
    let err = bad
        .interp(
            &[("time", datetimes("time_coords", "noleap"))],
            Interp::Linear,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("NaT") && err.to_string().contains("\"time\""),
        "{err}"
    );
    let one = f
        .isel(&[("x", xr::dataset::Indexer::from(vec![0_i64]))])
        .unwrap();
    let err = one
        .interp(&[("x", targets("x_targets"))], Interp::Linear)
        .unwrap_err();
    assert!(err.to_string().contains("length 1"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Chunking never changes an interpolation, whatever the chunks and targets.
    #[test]
    fn chunked_equals_eager(
        cx in 1usize..8, cy in 1usize..7,
        xt in proptest::collection::vec(-1.5f64..8.5, 1..12),
        yt in proptest::collection::vec(5.0f64..65.0, 1..8),
        nearest in any::<bool>(),
        src in 0usize..3,
    ) {
        let name = ["f", "i", "d"][src];
        let m = if nearest { Interp::Nearest } else { Interp::Linear };
        let coords = [("x", NdArray::from(xt)), ("y", NdArray::from(yt))];
        let eager = input(name, false).interp(&coords, m).unwrap();
        let lazy = input(name, false).chunk(&[("x", cx), ("y", cy)]).unwrap().interp(&coords, m).unwrap();
        prop_assert!(lazy.values().is_lazy());
        // Along x only, the chunks of y stay as they were.
        let along_x = input(name, false).chunk(&[("x", cx), ("y", cy)]).unwrap().interp(&coords[..1], m).unwrap();
        let before = input(name, false).chunk(&[("x", cx), ("y", cy)]).unwrap();
        prop_assert_eq!(&along_x.values().chunks().unwrap()[1], &before.values().chunks().unwrap()[1]);
        let (e, l) = (eager.values().to_f64_vec().unwrap(), lazy.values().to_f64_vec().unwrap());
        prop_assert_eq!(e.len(), l.len());
        for (a, b) in e.iter().zip(&l) {
            prop_assert!(common::close(*a, *b, 1e-15), "{:?} vs {:?}", e, l);
        }
    }
}

/// Datetimes of a JSON list (ISO text, null for NaT) on `calendar`.
fn datetimes_of(v: &serde_json::Value, calendar: &str) -> NdArray {
    let cal: xr::Calendar = calendar.parse().unwrap();
    let ticks: Vec<i64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| match s.as_str() {
            Some(s) => xr::CfDatetime::parse(s, cal).unwrap().to_ticks().unwrap(),
            None => xr::time::NAT,
        })
        .collect();
    NdArray::datetime(ndarray::ArcArray::from(ticks).into_dyn(), cal)
}

fn strings_of(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn bools_of(v: &serde_json::Value) -> Vec<bool> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_bool().unwrap())
        .collect()
}

/// A Dataset's variables of every kind: floats interpolated; numpy datetimes
/// interpolated and rounded; cftime datetimes, strings and bools from the nearest
/// source position.
#[test]
fn variables_of_every_dtype_follow_xarray() {
    let g = golden();
    let input = &g["mixed_input"];
    let x = NdArray::from(vec![0.0, 1.0, 2.0, 3.0]);
    let var = |data: NdArray| xr::Variable::new(&["x"], data).unwrap();
    let ds = Dataset::new()
        .with_coord("x", var(x))
        .unwrap()
        .with_data_var("v", var(NdArray::from(values_f64(&input["v"]["values"]))))
        .unwrap()
        .with_data_var("d", var(datetimes_of(&input["d"]["values"], "standard")))
        .unwrap()
        .with_data_var("cd", var(datetimes_of(&input["cd"]["values"], "noleap")))
        .unwrap()
        .with_data_var(
            "s",
            var(NdArray::from(
                ndarray::ArrayD::from_shape_vec(
                    ndarray::IxDyn(&[4]),
                    strings_of(&input["s"]["values"]),
                )
                .unwrap(),
            )),
        )
        .unwrap()
        .with_data_var("b", var(NdArray::from(bools_of(&input["b"]["values"]))))
        .unwrap();
    let t = NdArray::from(values_f64(&g["mixed_targets"]));
    for chunked in [false, true] {
        let ds = if chunked {
            ds.chunk(&[("x", 3)]).unwrap()
        } else {
            ds.clone()
        };
        let out = ds.interp(&[("x", t.clone())], Interp::Linear).unwrap();
        let e = &g["mixed"];
        let got = |k: &str| {
            let v = out.variable(k).unwrap();
            assert_eq!(v.data().is_lazy(), chunked, "{k}: lazy in, lazy out");
            v.values().unwrap()
        };
        let v = got("v").to_f64_vec().unwrap();
        for (a, b) in v.iter().zip(values_f64(&e["v"]["values"])) {
            assert!(common::close(*a, b, 1e-12), "v: {v:?}");
        }
        assert!(got("d").equals(&datetimes_of(&e["d"]["values"], "standard")));
        assert!(got("cd").equals(&datetimes_of(&e["cd"]["values"], "noleap")));
        assert_eq!(
            got("s")
                .as_array::<String>()
                .unwrap()
                .iter()
                .cloned()
                .collect::<Vec<_>>(),
            strings_of(&e["s"]["values"])
        );
        assert_eq!(
            got("b")
                .as_array::<bool>()
                .unwrap()
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            bools_of(&e["b"]["values"])
        );
        assert!(out.variable("x").unwrap().values().unwrap().equals(&t));
    }
}

/// interp_like onto datetimes: interpolated on the standard calendar, reindexed on
/// cftime's (xarray holds those as objects).
#[test]
fn interp_like_on_datetimes_follows_xarray() {
    for cal in ["standard", "noleap"] {
        for which in ["shifted", "exact"] {
            let case = &golden()["like"][format!("like_{cal}_{which}")];
            let src = DataArray::new(vec![0.0, 1.0, 2.0, 3.0], &["time"])
                .unwrap()
                .with_coord("time", &["time"], datetimes_of(&case["source_times"], cal))
                .unwrap()
                .with_name("v");
            let other_t = datetimes_of(&case["other_times"], cal);
            let other = DataArray::new(vec![0.0, 0.0], &["time"])
                .unwrap()
                .with_coord("time", &["time"], other_t.clone())
                .unwrap();
            let got = src.interp_like(&other, Interp::Linear).unwrap();
            let v = got.values().to_f64_vec().unwrap();
            let e = values_f64(&case["result"]["values"]);
            assert_eq!(v.len(), e.len(), "{cal} {which}");
            for (a, b) in v.iter().zip(&e) {
                assert!(
                    common::close(*a, *b, 1e-12),
                    "{cal} {which}: {v:?} vs {e:?}"
                );
            }
            assert!(got.coords()["time"].values().unwrap().equals(&other_t));
        }
    }
}

/// A source that records the regions it is asked for.
#[derive(Debug)]
struct Recording {
    inner: xr::lazy::RandomSource,
    reads: std::sync::Arc<std::sync::Mutex<Vec<Vec<std::ops::Range<usize>>>>>,
}

impl xr::lazy::ChunkSource for Recording {
    fn dtype(&self) -> xr::DType {
        self.inner.dtype()
    }
    fn shape(&self) -> &[usize] {
        self.inner.shape()
    }
    fn chunks(&self) -> &xr::array::chunks::ChunkGrid {
        self.inner.chunks()
    }
    fn read(&self, region: &[std::ops::Range<usize>]) -> xr::Result<NdArray> {
        self.reads.lock().unwrap().push(region.to_vec());
        self.inner.read(region)
    }
    fn label(&self) -> String {
        "recording".into()
    }
}

/// Targets that jump to and fro do not make a block each.
#[test]
fn scattered_targets_keep_the_number_of_blocks_bounded() {
    let lazy = xr::lazy::LazyArray::random(&[60, 4], &[10, 2], 3).unwrap();
    let da = DataArray::new(xr::lazy::Data::Lazy(lazy), &["x", "y"])
        .unwrap()
        .with_coord("x", &["x"], (0..60).map(f64::from).collect::<Vec<_>>())
        .unwrap();
    let targets: Vec<f64> = (0..200)
        .map(|i| if i % 2 == 0 { 5.5 } else { 55.5 })
        .collect();
    let got = da
        .interp(&[("x", NdArray::from(targets))], Interp::Linear)
        .unwrap();
    let blocks = got.values().chunks().unwrap()[0].len();
    assert!(
        (1..=20).contains(&blocks),
        "{blocks} blocks for 200 targets"
    );
    let eager = DataArray::new(da.values().compute().unwrap(), &["x", "y"]).unwrap();
    let v = got.values().to_f64_vec().unwrap();
    let e = eager.values().to_f64_vec().unwrap();
    // Row k of the result is target k; scipy's slope * (x - x_lo) + y_lo.
    let at = |lo: usize, y: usize| (e[(lo + 1) * 4 + y] - e[lo * 4 + y]) * 0.5 + e[lo * 4 + y];
    for y in 0..4 {
        assert!(common::close(v[y], at(5, y), 1e-15), "{v:?}");
        assert!(common::close(v[4 + y], at(55, y), 1e-15), "{v:?}");
    }
}

/// Interpolating chunked data reads only the source blocks that hold the targets'
/// neighbours (here rows 10..20 and 40..50 of 60 in blocks of 10), targets outside
/// the range read nothing of their own, and the chunks along the other dim stay.
#[test]
fn chunked_interp_reads_only_the_blocks_around_its_targets() {
    let reads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let src = Recording {
        inner: xr::lazy::RandomSource::new(&[60, 4], &[10, 2], 5).unwrap(),
        reads: std::sync::Arc::clone(&reads),
    };
    let lazy = xr::lazy::LazyArray::from_source(std::sync::Arc::new(src));
    let x: Vec<f64> = (0..60).map(f64::from).collect();
    let da = DataArray::new(xr::lazy::Data::Lazy(lazy), &["x", "y"])
        .unwrap()
        .with_coord("x", &["x"], x)
        .unwrap();
    let eager = DataArray::new(da.values().compute().unwrap(), &["x", "y"])
        .unwrap()
        .with_coord("x", &["x"], (0..60).map(f64::from).collect::<Vec<_>>())
        .unwrap();
    reads.lock().unwrap().clear();
    let targets = NdArray::from(vec![12.5, 13.0, 47.2, -3.0, 48.9, 14.0, 75.0]);
    for options in [
        InterpOptions::new(Interp::Linear),
        InterpOptions::new(Interp::Nearest).fill_value(-1.0),
    ] {
        let got = da.interp(&[("x", targets.clone())], options).unwrap();
        assert_eq!(got.values().chunks().unwrap()[1], [2, 2], "{options:?}");
        let values = got.values().compute().unwrap().to_f64_vec().unwrap();
        let expected = eager.interp(&[("x", targets.clone())], options).unwrap();
        let expected = expected.values().to_f64_vec().unwrap();
        for (a, b) in values.iter().zip(&expected) {
            assert!(
                common::close(*a, *b, 0.0),
                "{options:?}: {values:?} vs {expected:?}"
            );
        }
        let mut rows: Vec<std::ops::Range<usize>> = reads
            .lock()
            .unwrap()
            .drain(..)
            .map(|r| r[0].clone())
            .collect();
        assert!(!rows.is_empty());
        rows.sort_by_key(|r| r.start);
        assert!(
            rows.iter()
                .all(|r| (10..20).contains(&r.start) && r.end <= 20
                    || (40..50).contains(&r.start) && r.end <= 50),
            "{options:?}: read rows {rows:?}"
        );
    }
}
