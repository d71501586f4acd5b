//! Calculus and fits against xarray: `differentiate` and `integrate` (uniform and
//! uneven coordinates, a non-dim coordinate, datetime coordinates of three calendars
//! in several units), `polyfit` (NaN skipped lane by lane, a lane too short for its
//! degree, an all-NaN lane, integer data, datetime coordinates) and `polyval`, on
//! eager and chunked inputs (golden values from tests/golden/make_calculus_golden.py),
//! errors naming the bad argument, and property tests that chunking never changes an
//! answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden_file::{array_of, dims_of, shape_of, values_f64, GoldenFile};

use std::sync::OnceLock;

use proptest::prelude::*;
use xr::{DataArray, Dataset, Error, NdArray};

fn golden() -> &'static GoldenFile {
    static G: OnceLock<GoldenFile> = OnceLock::new();
    G.get_or_init(|| GoldenFile::parse(include_str!("golden/calculus_golden.json")))
}

const CALENDARS: [&str; 3] = ["standard", "noleap", "360_day"];

fn datetimes(calendar: &str) -> NdArray {
    let cal: xr::Calendar = calendar.parse().unwrap();
    let ticks: Vec<i64> = golden()["time_coords"][calendar]
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

/// An input of a golden section as a DataArray with its 1-D coordinates (`xc` lies
/// along `x`; `time` is a datetime coordinate).
fn input_from(section: &str, name: &str, calendar: Option<&str>) -> DataArray {
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
        let values = match calendar {
            Some(cal) if c == "time" => datetimes(cal),
            _ => array_of(vals, v["coord_dtypes"][c].as_str().unwrap(), &[n]),
        };
        let dim = if c == "xc" { "x" } else { c.as_str() };
        da = da.with_coord(c, &[dim], values).unwrap();
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
    if chunked {
        da.chunk(&[("x", 3), ("y", 4)]).unwrap()
    } else {
        da
    }
}

fn time_input(cal: &str, chunked: bool) -> DataArray {
    let da = input_from("time_inputs", &format!("t_{cal}"), Some(cal));
    if chunked {
        da.chunk(&[("time", 3)]).unwrap()
    } else {
        da
    }
}

/// Asserts a result equals the golden case within `rel` (for a `fit`, or within `rel`
/// of the largest value of its row along the first dim): dims, dtype, values,
/// numeric 1-D coordinates, name and attrs; a chunked input gives a lazy result.
fn check_within(case: &str, got: &DataArray, lazy: bool, rel: f64, fit: bool) {
    let e = &golden()["cases"][case];
    assert!(!e.is_null(), "no golden case {case}");
    let what = format!("{case} ({})", if lazy { "chunked" } else { "eager" });
    if !got.dims().is_empty() {
        assert_eq!(got.values().is_lazy(), lazy, "{what}: lazy in, lazy out");
    }
    assert_eq!(got.shape(), shape_of(e).as_slice(), "{what}: shape");
    assert_eq!(got.dims(), dims_of(e), "{what}: dims");
    assert_eq!(
        got.dtype().name(),
        e["dtype"].as_str().unwrap(),
        "{what}: dtype"
    );
    let values = got.values().to_f64_vec().unwrap();
    let expected = values_f64(&e["values"]);
    assert_eq!(values.len(), expected.len(), "{what}: length");
    // Fits are compared within `rel` of the largest value of their degree (a
    // coefficient that should be 0 is rounding noise in both).
    let row = if fit {
        expected.len() / shape_of(e)[0].max(1)
    } else {
        expected.len()
    };
    let floor = |i: usize| {
        let r = i / row.max(1) * row;
        rel * expected[r..r + row]
            .iter()
            .filter(|v| !v.is_nan())
            .fold(0.0, |m, v| v.abs().max(m))
    };
    for (i, (g, x)) in values.iter().zip(&expected).enumerate() {
        assert!(
            common::close(*g, *x, rel) || (fit && (g - x).abs() <= floor(i)),
            "{what}[{i}]: got {g}, expected {x} ({values:?} vs {expected:?})"
        );
    }
    let mut names: Vec<&String> = got.coords().keys().collect();
    let mut enames: Vec<&String> = e["coords"].as_object().unwrap().keys().collect();
    names.sort();
    enames.sort();
    assert_eq!(names, enames, "{what}: coordinate names");
    for (c, vals) in e["coords"].as_object().unwrap() {
        let dtype = e["coord_dtypes"][c].as_str().unwrap();
        if dtype == "object" || dtype.starts_with("datetime") {
            continue;
        }
        let coord = &got.coords()[c];
        assert_eq!(
            coord.dtype().name(),
            dtype,
            "{what}: dtype of coordinate {c}"
        );
        let got_c = coord.values().unwrap().to_f64_vec().unwrap();
        assert_eq!(got_c, values_f64(vals), "{what}: coordinate {c}");
    }
    assert_eq!(got.name(), e["name"].as_str(), "{what}: name");
    let attrs: Vec<&String> = got.attrs().keys().collect();
    let eattrs: Vec<&String> = e["attrs"].as_object().unwrap().keys().collect();
    assert_eq!(attrs, eattrs, "{what}: attrs");
}

fn check(case: &str, got: &DataArray, lazy: bool) {
    check_within(case, got, lazy, 1e-12, false);
}

fn coefficients(fit: &Dataset) -> DataArray {
    assert!(
        fit.attrs().is_empty(),
        "xarray's polyfit of a DataArray has no attrs"
    );
    fit.get("polyfit_coefficients").unwrap()
}

#[test]
fn differentiate_and_integrate_match_xarray() {
    for chunked in [false, true] {
        for src in ["f", "i"] {
            let da = input(src, chunked);
            for dim in ["x", "y"] {
                check(
                    &format!("diff_{src}_{dim}"),
                    &da.differentiate(dim).unwrap(),
                    chunked,
                );
                check(
                    &format!("integ_{src}_{dim}"),
                    &da.integrate(dim).unwrap(),
                    chunked,
                );
            }
            check(
                &format!("integ_{src}_xc"),
                &da.integrate("xc").unwrap(),
                chunked,
            );
            check(
                &format!("diff_{src}_xc"),
                &da.differentiate("xc").unwrap(),
                chunked,
            );
        }
        let f32 = as_f32(&input("f", chunked));
        for dim in ["x", "y"] {
            let got = f32.differentiate(dim).unwrap();
            check_within(&format!("diff_f32_{dim}"), &got, chunked, 1e-7, false);
            check(
                &format!("integ_f32_{dim}"),
                &f32.integrate(dim).unwrap(),
                chunked,
            );
        }
    }
}

#[test]
fn datetime_coordinates_count_in_the_chosen_unit_on_every_calendar() {
    for cal in CALENDARS {
        for chunked in [false, true] {
            let t = time_input(cal, chunked);
            check(
                &format!("diff_t_{cal}_None"),
                &t.differentiate("time").unwrap(),
                chunked,
            );
            check(
                &format!("integ_t_{cal}_None"),
                &t.integrate("time").unwrap(),
                chunked,
            );
            for unit in ["D", "h", "s"] {
                check(
                    &format!("diff_t_{cal}_{unit}"),
                    &t.differentiate_in("time", unit).unwrap(),
                    chunked,
                );
                check(
                    &format!("integ_t_{cal}_{unit}"),
                    &t.integrate_in("time", unit).unwrap(),
                    chunked,
                );
            }
        }
    }
}

#[test]
fn polyfit_and_polyval_match_xarray() {
    for chunked in [false, true] {
        for src in ["f", "i"] {
            let da = input(src, chunked);
            for dim in ["x", "y"] {
                for deg in 0..3 {
                    let fit = coefficients(&da.polyfit(dim, deg).unwrap());
                    check_within(
                        &format!("polyfit_{src}_{dim}_{deg}"),
                        &fit,
                        chunked,
                        1e-10,
                        true,
                    );
                }
            }
            let fit = coefficients(&da.polyfit("x", 2).unwrap());
            let got = xr::polyval(&da.coord("x").unwrap(), &fit).unwrap();
            check_within(&format!("polyval_{src}"), &got, chunked, 1e-10, true);
        }
        for cal in CALENDARS {
            let t = time_input(cal, chunked);
            let fit = coefficients(&t.polyfit("time", 1).unwrap());
            // Nanoseconds since 1970 squeeze the fit: a few digits go to conditioning.
            check_within(&format!("polyfit_t_{cal}"), &fit, chunked, 1e-7, true);
            let got = xr::polyval(&t.coord("time").unwrap(), &fit).unwrap();
            check_within(&format!("polyval_t_{cal}"), &got, chunked, 1e-7, true);
        }
    }
}

#[test]
fn polyfit_of_a_dataset_names_each_variable() {
    let (f, i) = (input("f", false), input("i", false));
    let ds = f
        .to_dataset()
        .with_data_var("i", i.variable().clone())
        .unwrap()
        .with_data_var("scalar", xr::Variable::scalar(&1.0.into()))
        .unwrap();
    let fit = ds.polyfit("x", 1).unwrap();
    let mut names: Vec<String> = fit.data_vars().map(|(k, _)| k.clone()).collect();
    names.sort();
    let expected: Vec<String> = golden()["dataset_polyfit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, expected);
    let got = fit.get("f_polyfit_coefficients").unwrap();
    check_within(
        "polyfit_f_x_1",
        &got.with_name("polyfit_coefficients"),
        false,
        1e-10,
        true,
    );
}

#[test]
fn bad_input_is_an_error_naming_it() {
    let f = input("f", false);
    let err = f.differentiate("z").unwrap_err();
    assert!(
        matches!(&err, Error::VarNotFound { name, .. } if name == "z"),
        "{err}"
    );
    let err = f.integrate("z").unwrap_err();
    assert!(
        matches!(&err, Error::VarNotFound { name, .. } if name == "z"),
        "{err}"
    );
    let err = f.polyfit("z", 1).unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "z"),
        "{err}"
    );
    let t = time_input("noleap", false);
    let err = t.differentiate_in("time", "fortnight").unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "datetime_unit"),
        "{err}"
    );
    let one = f
        .isel(&[("x", xr::dataset::Indexer::from(vec![0_i64]))])
        .unwrap();
    let err = one.differentiate("x").unwrap_err();
    assert!(err.to_string().contains("\"x\""), "{err}");
    let no_coord = DataArray::new(vec![1.0, 2.0], &["x"]).unwrap();
    let err = no_coord.polyfit("x", 1).unwrap_err();
    assert!(
        matches!(&err, Error::VarNotFound { name, .. } if name == "x"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Chunking never changes a derivative, an integral or a fit.
    #[test]
    fn chunked_equals_eager(cx in 1usize..8, cy in 1usize..7, src in 0usize..2, y_dim in any::<bool>()) {
        let name = ["f", "i"][src];
        let dim = if y_dim { "y" } else { "x" };
        let eager = input(name, false);
        let lazy = eager.chunk(&[("x", cx), ("y", cy)]).unwrap();
        let pairs = [
            (eager.differentiate(dim).unwrap(), lazy.differentiate(dim).unwrap()),
            (eager.integrate(dim).unwrap(), lazy.integrate(dim).unwrap()),
            (coefficients(&eager.polyfit(dim, 2).unwrap()), coefficients(&lazy.polyfit(dim, 2).unwrap())),
        ];
        for (e, l) in pairs {
            prop_assert!(l.values().is_lazy());
            prop_assert_eq!(l.values().chunks().map(<[Vec<usize>]>::len), Some(l.dims().len()));
            // The dims that stay keep their chunks (the derivative keeps them all).
            for (d, sizes) in l.dims().iter().zip(l.values().chunks().unwrap()) {
                if let Some(axis) = lazy.dims().iter().position(|x| x == d) {
                    prop_assert_eq!(sizes, &lazy.values().chunks().unwrap()[axis], "dim {}", d);
                }
            }
            let (e, l) = (e.values().to_f64_vec().unwrap(), l.values().to_f64_vec().unwrap());
            prop_assert_eq!(e.len(), l.len());
            for (a, b) in e.iter().zip(&l) {
                prop_assert!(common::close(*a, *b, 1e-12), "{:?} vs {:?}", e, l);
            }
        }
    }
}
