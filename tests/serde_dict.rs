//! xarray's `to_dict(data="list")` layout both ways (tests/golden/make_serde_dict_golden.py):
//! xr reads xarray's JSON as xarray itself reads it back, xarray reads the JSON xr writes
//! (checked by the script on the committed tests/golden/serde_dict_xr.json, which xr
//! must still write), xr's own round trip keeps dtypes and calendars, chunked equals
//! eager, and bad input is an error naming it.
#![cfg(feature = "serde")]
#![allow(clippy::unwrap_used)]

use ndarray::ArcArray;
use proptest::prelude::*;
use serde_json::Value;
use xr::time::{CfDatetime, NAT};
use xr::{AttrValue, Calendar, DataArray, Dataset, NdArray, Variable};

const XR_WRITTEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/serde_dict_xr.json"
);

/// A test object: a Dataset or a DataArray.
enum Obj {
    Ds(Box<Dataset>),
    Da(Box<DataArray>),
}

fn golden() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/serde_dict_golden.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn dt(ticks: Vec<i64>, cal: Calendar) -> NdArray {
    NdArray::datetime(ArcArray::from_vec(ticks).into_dyn(), cal)
}

fn ticks(s: &str, cal: Calendar) -> i64 {
    CfDatetime::parse(s, cal).unwrap().to_ticks().unwrap()
}

/// The objects of the golden script's `objects()`, built in Rust.
fn objects() -> Vec<(&'static str, Obj)> {
    let std_ = Calendar::Standard;
    let t = NdArray::from(vec![
        1.5,
        f64::NAN,
        -2.25,
        f64::INFINITY,
        0.125,
        f64::NEG_INFINITY,
    ])
    .reshape(&[2, 3])
    .unwrap();
    let ds = Dataset::new()
        .with_data_var(
            "t",
            Variable::new(&["time", "x"], t)
                .unwrap()
                .with_attr("units", "K")
                .with_attr("scale", AttrValue::Array(NdArray::from(vec![0.5])))
                .with_attr("valid", AttrValue::Array(NdArray::from(vec![0_i64, 10]))),
        )
        .unwrap()
        .with_data_var(
            "f32",
            Variable::new(&["x"], NdArray::from(vec![0.1_f32, 2.5, -3.0])).unwrap(),
        )
        .unwrap()
        .with_data_var(
            "i",
            Variable::new(&["time"], NdArray::from(vec![7_i32, -3])).unwrap(),
        )
        .unwrap()
        .with_data_var(
            "flag",
            Variable::new(&["x"], NdArray::from(vec![true, false, true])).unwrap(),
        )
        .unwrap()
        .with_data_var(
            "when",
            Variable::new(
                &["time"],
                dt(vec![ticks("2001-03-01T06:30:00", std_), NAT], std_),
            )
            .unwrap(),
        )
        .unwrap()
        .with_coord(
            "time",
            Variable::new(
                &["time"],
                dt(
                    vec![ticks("2000-01-01", std_), ticks("2000-01-01T12:00", std_)],
                    std_,
                ),
            )
            .unwrap(),
        )
        .unwrap()
        .with_coord(
            "x",
            Variable::new(&["x"], NdArray::from(vec![10_i64, 20, 30])).unwrap(),
        )
        .unwrap()
        .with_coord(
            "label",
            Variable::new(&["x"], NdArray::from(vec!["a", "bb", "ccc"])).unwrap(),
        )
        .unwrap()
        .with_attr("title", "golden")
        .with_attr("version", AttrValue::Array(NdArray::from(vec![3_i64])));
    let nl = Calendar::NoLeap;
    let noleap = Dataset::new()
        .with_data_var(
            "v",
            Variable::new(&["time"], NdArray::from(vec![1.0, 2.0, 3.0])).unwrap(),
        )
        .unwrap()
        .with_coord(
            "time",
            Variable::new(
                &["time"],
                dt(
                    vec![
                        ticks("2001-02-27", nl),
                        ticks("2001-02-28", nl),
                        ticks("2001-03-01", nl),
                    ],
                    nl,
                ),
            )
            .unwrap(),
        )
        .unwrap();
    let da = DataArray::new(
        NdArray::from((0..6_i64).collect::<Vec<_>>())
            .reshape(&[2, 3])
            .unwrap(),
        &["y", "x"],
    )
    .unwrap()
    .with_name("air")
    .with_attr("long_name", "air")
    .with_coord("x", &["x"], NdArray::from(vec![0.5, 1.5, 2.5]))
    .unwrap()
    .with_coord("y", &["y"], NdArray::from(vec!["p", "q"]))
    .unwrap();
    vec![
        ("ds", Obj::Ds(Box::new(ds))),
        ("noleap", Obj::Ds(Box::new(noleap))),
        ("da", Obj::Da(Box::new(da))),
    ]
}

fn to_json(o: &Obj) -> String {
    match o {
        Obj::Ds(ds) => ds.to_json().unwrap(),
        Obj::Da(da) => da.to_json().unwrap(),
    }
}

/// A golden value (null for NaN or, in strings, xarray's None; "inf"/"-inf").
fn expected_f64(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        Value::Null => f64::NAN,
        other => other.as_f64().unwrap(),
    }
}

fn check_variable(what: &str, var: &Variable, e: &Value) {
    let dims: Vec<&str> = e["dims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(var.dims(), dims.as_slice(), "{what}: dims");
    let values = var.values().unwrap();
    let exp = e["values"].as_array().unwrap();
    assert_eq!(values.len(), exp.len(), "{what}: size");
    let dtype = e["dtype"].as_str().unwrap();
    match dtype {
        "str" => {
            assert_eq!(var.dtype(), xr::DType::Str, "{what}: dtype");
            for (i, x) in exp.iter().enumerate() {
                // xarray's None in an object array is xr's empty string.
                let got = values.get_flat(i).unwrap();
                assert_eq!(
                    got.as_str().unwrap(),
                    x.as_str().unwrap_or(""),
                    "{what}[{i}]"
                );
            }
        }
        _ => {
            assert_eq!(var.dtype().name(), dtype, "{what}: dtype");
            let got = values.to_f64_vec().unwrap();
            for (i, (g, x)) in got.iter().zip(exp).enumerate() {
                let x = if x.is_boolean() {
                    f64::from(u8::from(x.as_bool().unwrap()))
                } else {
                    expected_f64(x)
                };
                assert!(
                    (g.is_nan() && x.is_nan()) || *g == x,
                    "{what}[{i}]: {g} vs {x}"
                );
            }
        }
    }
    for (k, a) in e["attrs"].as_object().unwrap() {
        let got = var
            .attrs()
            .get(k)
            .unwrap_or_else(|| panic!("{what}: attr {k}"));
        match a {
            Value::String(s) => assert_eq!(got.as_str(), Some(s.as_str()), "{what}: attr {k}"),
            Value::Array(items) => {
                let AttrValue::Array(arr) = got else {
                    panic!("{what}: attr {k}")
                };
                let exp: Vec<f64> = items.iter().map(expected_f64).collect();
                assert_eq!(arr.to_f64_vec().unwrap(), exp, "{what}: attr {k}");
            }
            n => assert_eq!(got.as_f64(), n.as_f64(), "{what}: attr {k}"),
        }
    }
}

#[test]
fn xarray_json_reads_as_xarray_reads_it() {
    let g = golden();
    for (case, c) in g["cases"].as_object().unwrap() {
        let text = c["json"].as_str().unwrap();
        let e = &c["xarray_reads"];
        let ds = if c["kind"] == "DataArray" {
            let da = DataArray::from_json(text).unwrap();
            assert_eq!(da.name(), e["name"].as_str(), "{case}: name");
            for (k, v) in e["attrs"].as_object().unwrap() {
                assert_eq!(da.attrs()[k].as_str(), v.as_str(), "{case}: attr {k}");
            }
            let mut ds = Dataset::new();
            for (n, v) in da.coords() {
                ds.insert(n.clone(), v.clone(), true).unwrap();
            }
            ds.insert(da.name().unwrap().to_string(), da.variable().clone(), false)
                .unwrap();
            ds
        } else {
            let ds = Dataset::from_json(text).unwrap();
            assert_eq!(
                ds.attrs().len(),
                e["attrs"].as_object().unwrap().len(),
                "{case}: attrs"
            );
            ds
        };
        let mut coords: Vec<&String> = ds.coord_names().iter().collect();
        coords.sort();
        let exp: Vec<&str> = e["coords"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(coords, exp, "{case}: coordinates");
        for (name, ev) in e["variables"].as_object().unwrap() {
            check_variable(&format!("{case}.{name}"), ds.variable(name).unwrap(), ev);
        }
    }
}

#[test]
fn xr_still_writes_the_json_xarray_was_checked_on() {
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(XR_WRITTEN).unwrap()).unwrap();
    let g = golden();
    let checked: Vec<&str> = g["xr_written_checked_by_xarray"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for (name, o) in objects() {
        assert!(
            checked.contains(&name),
            "{name}: the golden script did not check it in xarray"
        );
        assert_eq!(to_json(&o), written[name].as_str().unwrap(), "{name}");
    }
}

/// Rewrites tests/golden/serde_dict_xr.json; then run the golden script, which checks it
/// in xarray.
#[test]
#[ignore]
fn write_xr_json() {
    let mut out = serde_json::Map::new();
    for (name, o) in objects() {
        out.insert(name.to_string(), Value::from(to_json(&o)));
    }
    std::fs::write(
        XR_WRITTEN,
        serde_json::to_string_pretty(&Value::Object(out)).unwrap(),
    )
    .unwrap();
}

fn same_dataset(a: &Dataset, b: &Dataset) {
    let names: Vec<&String> = a.variables().keys().collect();
    let mut bn: Vec<&String> = b.variables().keys().collect();
    let mut an = names.clone();
    an.sort();
    bn.sort();
    assert_eq!(an, bn);
    for n in names {
        let (x, y) = (a.variable(n).unwrap(), b.variable(n).unwrap());
        assert_eq!(x.dims(), y.dims(), "{n}: dims");
        assert_eq!(x.dtype(), y.dtype(), "{n}: dtype");
        assert!(
            x.values().unwrap().equals(&y.values().unwrap()),
            "{n}: values"
        );
        assert_eq!(x.attrs(), y.attrs(), "{n}: attrs");
        assert_eq!(a.is_coord(n), b.is_coord(n), "{n}: coordinate");
    }
    assert_eq!(a.attrs(), b.attrs());
}

#[test]
fn xr_round_trips_keep_dtypes_calendars_and_non_finite_floats() {
    for (name, o) in objects() {
        match o {
            Obj::Ds(ds) => {
                same_dataset(&ds, &Dataset::from_json(&ds.to_json().unwrap()).unwrap());
                // Strict JSON (to_dict): NaN and ±inf become null and read back as NaN.
                let back = Dataset::from_dict(&ds.to_dict().unwrap()).unwrap();
                if name == "ds" {
                    let t = back
                        .variable("t")
                        .unwrap()
                        .values()
                        .unwrap()
                        .to_f64_vec()
                        .unwrap();
                    assert!(t[1].is_nan() && t[3].is_nan() && t[2] == -2.25, "{t:?}");
                    assert_eq!(back.variable("f32").unwrap().dtype(), xr::DType::F32);
                    assert_eq!(
                        back.variable("when").unwrap().dtype(),
                        xr::DType::DateTime(Calendar::Standard)
                    );
                } else {
                    assert_eq!(
                        back.variable("time").unwrap().dtype(),
                        xr::DType::DateTime(Calendar::NoLeap)
                    );
                }
                // serde: the same layout through Serialize/Deserialize.
                let v = serde_json::to_value(&ds).unwrap();
                assert_eq!(v, ds.to_dict().unwrap());
                let de: Dataset = serde_json::from_value(v).unwrap();
                assert_eq!(de.variables().len(), ds.variables().len());
            }
            Obj::Da(da) => {
                let back = DataArray::from_json(&da.to_json().unwrap()).unwrap();
                assert_eq!(back.name(), da.name());
                assert_eq!(back.dims(), da.dims());
                assert_eq!(back.dtype(), da.dtype());
                assert!(back
                    .values()
                    .compute()
                    .unwrap()
                    .equals(&da.values().compute().unwrap()));
                assert_eq!(back.coords().len(), 2);
                assert_eq!(back.attrs(), da.attrs());
                let de: DataArray =
                    serde_json::from_str(&serde_json::to_string(&da).unwrap()).unwrap();
                assert_eq!(de.name(), Some("air"));
            }
        }
    }
}

#[test]
fn bad_input_is_an_error_naming_it() {
    let e = Dataset::from_json(r#"{"a": {"dims": ["x"]}}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"a\"") && e.contains("\"data\""), "{e}");
    let e = Dataset::from_json(r#"{"a": {"dims": ["x", "y"], "data": [[1, 2], [3]]}}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`a`") && e.contains("ragged"), "{e}");
    let e = Dataset::from_json(r#"{"a": {"dims": ["x"], "data": [1, "b"]}}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`a`") && e.contains("mixes"), "{e}");
    let e = Dataset::from_json(r#"{"a": {"dims": ["x"], "data": [1, 2], "dtype": "complex64"}}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`a`") && e.contains("complex64"), "{e}");
    let e = Dataset::from_json(r#"{"a": {"dims": ["x", "y"], "data": [1, 2]}}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`a`") && e.contains("axes"), "{e}");
    let e = Dataset::from_json("{\"a\": ").unwrap_err();
    assert!(matches!(e, xr::Error::Json { .. }), "{e}");
    let e = DataArray::from_json(r#"{"dims": ["x"], "data": [1], "name": 3}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`name`"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Chunking never changes the dict.
    #[test]
    fn chunked_equals_eager(ct in 1_usize..3, cx in 1_usize..4) {
        let Obj::Ds(ds) = objects().remove(0).1 else { unreachable!() };
        let lazy = ds.chunk(&[("time", ct), ("x", cx)]).unwrap();
        prop_assert_eq!(lazy.to_dict().unwrap(), ds.to_dict().unwrap());
        prop_assert_eq!(lazy.to_json().unwrap(), ds.to_json().unwrap());
    }
}
