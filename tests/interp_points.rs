//! Pointwise (vectorized) interpolation against xarray: `interp` with DataArray targets
//! sharing a new dim `station` (linear and nearest; two dims together in either order,
//! one alone, with an orthogonal dim; fill values; float with NaNs, integer, a
//! descending source, a 3-D input whose interpolated dims are not the first), eager and
//! chunked (golden values from tests/golden/make_interp_points_golden.py), errors naming
//! the bad argument, and a property test that chunking never changes an answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden_file::{array_of, dims_of, shape_of, values_f64, GoldenFile};

use std::sync::OnceLock;

use proptest::prelude::*;
use xr::dataset::{Interp, InterpOptions, InterpTarget};
use xr::{DataArray, Error, NdArray};

fn golden() -> &'static GoldenFile {
    static G: OnceLock<GoldenFile> = OnceLock::new();
    G.get_or_init(|| GoldenFile::parse(include_str!("golden/interp_points_golden.json")))
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// A golden input with its 1-D numeric coordinates.
fn input(name: &str, chunked: bool) -> DataArray {
    let v = &golden()["inputs"][name];
    let mut da = DataArray::new(
        array_of(&v["values"], v["dtype"].as_str().unwrap(), &shape_of(v)),
        &dims_of(v),
    )
    .unwrap()
    .with_name(v["name"].as_str().unwrap());
    for (c, vals) in v["coords"].as_object().unwrap() {
        let dims: Vec<String> = strings(&v["coord_dims"][c]);
        let dims: Vec<&str> = dims.iter().map(String::as_str).collect();
        let n = vals.as_array().unwrap().len();
        let values = array_of(vals, v["coord_dtypes"][c].as_str().unwrap(), &[n]);
        da = da.with_coord(c, &dims, values).unwrap();
    }
    for (k, a) in v["attrs"].as_object().unwrap() {
        da = da.with_attr(k, a.as_str().unwrap());
    }
    if chunked {
        da.chunk(&[("x", 3), ("y", 4)]).unwrap()
    } else {
        da
    }
}

/// The stations' targets for one dim, a DataArray along `station` with station names.
fn points(which: &str) -> DataArray {
    DataArray::new(values_f64(&golden()[which]), &["station"])
        .unwrap()
        .with_coord(
            "station",
            &["station"],
            NdArray::from(strings(&golden()["stations"])),
        )
        .unwrap()
}

/// Asserts a result equals the golden case: dims, dtype, values, the coordinates
/// (names, dims, values; the station names as text), name and attrs.
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
        assert_eq!(
            coord.dims(),
            strings(&e["coord_dims"][c]).as_slice(),
            "{what}: dims of coordinate {c}"
        );
        let values = coord.values().unwrap();
        if e["coord_dtypes"][c].as_str().unwrap().starts_with("<U") {
            let got_s: Vec<String> = (0..values.len())
                .map(|k| values.get_flat(k).unwrap().to_string())
                .collect();
            assert_eq!(got_s, strings(vals), "{what}: coordinate {c}");
            continue;
        }
        let got_c = values.to_f64_vec().unwrap();
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
fn pointwise_interp_matches_xarray() {
    let (px, py) = (points("px"), points("py"));
    let yt = NdArray::from(values_f64(&golden()["y_targets"]));
    for chunked in [false, true] {
        for src in ["f", "i", "d", "h"] {
            let da = input(src, chunked);
            for m in ["linear", "nearest"] {
                let o = InterpOptions::new(method(m));
                let got = da.interp(&[("x", &px), ("y", &py)], o).unwrap();
                check(&format!("{src}_{m}_xy"), &got, chunked);
                let got = da.interp(&[("y", &py), ("x", &px)], o).unwrap();
                check(&format!("{src}_{m}_yx"), &got, chunked);
                let got = da.interp(&[("x", &px)], o).unwrap();
                check(&format!("{src}_{m}_x"), &got, chunked);
                let mixed = [
                    ("x", InterpTarget::from(&px)),
                    ("y", InterpTarget::from(yt.clone())),
                ];
                let got = da.interp(&mixed, o).unwrap();
                check(&format!("{src}_{m}_x_ortho_y"), &got, chunked);
                let got = da
                    .interp(&[("x", &px), ("y", &py)], o.fill_value(-9.5))
                    .unwrap();
                check(&format!("{src}_{m}_fill"), &got, chunked);
            }
        }
    }
}

#[test]
fn points_without_coordinates_take_the_targets_as_coordinates() {
    let f = input("f", false);
    let px = InterpTarget::points("station", NdArray::from(values_f64(&golden()["px"]))).unwrap();
    let py = InterpTarget::points("station", NdArray::from(values_f64(&golden()["py"]))).unwrap();
    let got = f.interp(&[("x", px), ("y", py)], Interp::Linear).unwrap();
    let want = &golden()["cases"]["f_linear_xy"];
    common::check_values(
        "f_linear_xy (points from values)",
        got.values(),
        got.dims(),
        &values_f64(&want["values"]),
        &["station"],
        "float64",
    );
    assert!(
        !got.coords().contains_key("station"),
        "no station names given"
    );
    assert_eq!(got.coords()["x"].dims(), ["station"]);
    assert_eq!(
        got.coords()["x"].values().unwrap().to_f64_vec().unwrap(),
        values_f64(&golden()["px"])
    );
}

#[test]
fn bad_points_are_an_error_naming_them() {
    let f = input("f", false);
    let (px, py) = (points("px"), points("py"));
    let err = f.interp(&[("z", &px)], Interp::Linear).unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "z"),
        "{err}"
    );
    // Points of different lengths along the same new dim.
    let short = py.isel(&[("station", (0..3).into())]);
    let err = f
        .interp(&[("x", &px), ("y", &short.unwrap())], Interp::Linear)
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "coords"),
        "{err}"
    );
    assert!(err.to_string().contains("\"station\""), "{err}");
    assert!(err.to_string().contains("\"y\""), "{err}");
    // The new dim must be new.
    let along_y = InterpTarget::points("y", NdArray::from(vec![0.5, 1.5])).unwrap();
    let err = f.interp(&[("x", along_y)], Interp::Linear).unwrap_err();
    assert!(err.to_string().contains("\"y\""), "{err}");
    // Points must lie along one dim.
    let grid = DataArray::new(ndarray::array![[0.5, 1.5]].into_dyn(), &["a", "b"]).unwrap();
    let err = f.interp(&[("x", &grid)], Interp::Linear).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "coords"),
        "{err}"
    );
    assert!(err.to_string().contains("\"x\""), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Chunking never changes a pointwise interpolation, whatever the chunks and points.
    #[test]
    fn chunked_equals_eager(
        cx in 1usize..8, ct in 1usize..4, cy in 1usize..7,
        pts in proptest::collection::vec((-1.5f64..8.5, 5.0f64..65.0), 1..10),
        nearest in any::<bool>(),
        src in 0usize..4,
    ) {
        let name = ["f", "i", "d", "h"][src];
        let m = if nearest { Interp::Nearest } else { Interp::Linear };
        let px = InterpTarget::points("station", NdArray::from(pts.iter().map(|p| p.0).collect::<Vec<_>>())).unwrap();
        let py = InterpTarget::points("station", NdArray::from(pts.iter().map(|p| p.1).collect::<Vec<_>>())).unwrap();
        let coords = [("x", px), ("y", py)];
        let eager = input(name, false).interp(&coords, m).unwrap();
        let mut chunks = vec![("x", cx), ("y", cy)];
        if name == "h" {
            chunks.push(("t", ct));
        }
        let lazy = input(name, false).chunk(&chunks).unwrap().interp(&coords, m).unwrap();
        prop_assert!(lazy.values().is_lazy());
        prop_assert_eq!(lazy.dims(), eager.dims());
        let (e, l) = (eager.values().to_f64_vec().unwrap(), lazy.values().to_f64_vec().unwrap());
        prop_assert_eq!(e.len(), l.len());
        for (a, b) in e.iter().zip(&l) {
            prop_assert!(common::close(*a, *b, 1e-15), "{:?} vs {:?}", e, l);
        }
    }
}
