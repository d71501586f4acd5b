//! Zarr stores written by other implementations (zarr-python 2 and 3 formats,
//! TensorStore, z5py's layout, netcdf-c's NCZarr; tests/golden/make_zarr_interop_fixtures.py)
//! opened as xarray opens them (tests/data/zarr/interop/expected.json), unreadable
//! variables skipped on request, and missing groups refused.
//!
//! Where `xr` has no type of xarray's, the values are compared in the type `xr` reads:
//! `float16` as `float32` (exact), byte strings (`|S2`) as strings, and timedeltas of
//! any unit (raw `timedelta64[s]`/`[ns]`, CF-encoded) as `xr`'s microseconds (the
//! script records xarray's floored to microseconds; raw ones without xarray's
//! `_FillValue` attribute, NaT). Timedeltas xr writes back read in xarray as xr read
//! them (checked by the same script).
#![cfg(feature = "zarr")]
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use proptest::prelude::*;
use serde_json::Value;
use xr::lazy::Data;
use xr::{AttrValue, Attrs, DType, Dataset, Error, NdArray, Variable};

fn fixture(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/zarr/interop");
    dir.join(name).to_str().unwrap().to_string()
}

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(fixture("expected.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all["cases"].as_array().unwrap().clone()
}

/// The case of `file` (with `group`, and with the variables `dropped` left out).
fn case(file: &str, group: Option<&str>, dropped: bool) -> Value {
    cases()
        .into_iter()
        .find(|c| {
            c["file"] == file
                && c["group"].as_str() == group
                && c.get("dropped").is_some() == dropped
        })
        .unwrap_or_else(|| panic!("no case {file} {group:?} in expected.json"))
}

fn num(x: f64) -> Value {
    if x.is_nan() {
        Value::Null
    } else {
        Value::from(x)
    }
}

fn attr_json(v: &AttrValue) -> Value {
    match v {
        AttrValue::Str(s) => Value::from(s.clone()),
        AttrValue::Array(NdArray::Str(a)) => Value::from(a.iter().cloned().collect::<Vec<_>>()),
        AttrValue::Array(a) => Value::from(
            a.to_f64_vec()
                .unwrap()
                .into_iter()
                .map(num)
                .collect::<Vec<_>>(),
        ),
        _ => panic!("unexpected attribute value"),
    }
}

fn attrs_json(attrs: &Attrs) -> Value {
    Value::Object(
        attrs
            .iter()
            .map(|(k, v)| (k.clone(), attr_json(v)))
            .collect(),
    )
}

fn values_json(v: &Variable) -> Vec<Value> {
    match v.values().unwrap() {
        NdArray::DateTime(t, cal) => t
            .iter()
            .map(|&x| {
                if x == xr::time::NAT {
                    Value::Null
                } else {
                    Value::from(xr::time::format_ticks(x, cal))
                }
            })
            .collect(),
        NdArray::Str(s) => s.iter().map(|x| Value::from(x.clone())).collect(),
        NdArray::TimeDelta(t) => t
            .iter()
            .map(|&x| {
                if x == xr::time::NAT {
                    Value::Null
                } else {
                    Value::from(x)
                }
            })
            .collect(),
        other => other.to_f64_vec().unwrap().into_iter().map(num).collect(),
    }
}

/// xarray's dtype as `xr` reads it (see the module's note).
fn dtype_in_xr(xarray: &str) -> String {
    match xarray {
        "float16" => "float32".into(),
        t if t.starts_with("timedelta64") => DType::TimeDelta.name().into(),
        "str" => "str".into(),
        "datetime" => "datetime".into(),
        other => other.into(),
    }
}

fn dtype_name(d: DType) -> String {
    match d {
        DType::DateTime(_) => "datetime".into(),
        DType::Str => "str".into(),
        other => other.name().into(),
    }
}

/// Asserts that `ds` holds what xarray read (one case of expected.json).
fn assert_matches_xarray(ds: &Dataset, expected: &Value) {
    let file = expected["file"].as_str().unwrap();
    let dims: serde_json::Map<String, Value> = ds
        .dims()
        .into_iter()
        .map(|(k, v)| (k, Value::from(v)))
        .collect();
    assert_eq!(Value::Object(dims), expected["dims"], "{file}: dims");
    let mut coords: Vec<Value> = ds
        .coord_names()
        .iter()
        .map(|c| Value::from(c.clone()))
        .collect();
    coords.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    assert_eq!(Value::from(coords), expected["coords"], "{file}: coords");
    assert_eq!(attrs_json(ds.attrs()), expected["attrs"], "{file}: attrs");
    let want = expected["variables"].as_object().unwrap();
    let mut names: Vec<&String> = ds.variables().keys().collect();
    names.sort();
    let mut want_names: Vec<&String> = want.keys().collect();
    want_names.sort();
    assert_eq!(names, want_names, "{file}: variables");
    for (name, w) in want {
        let v = ds.variable(name).unwrap();
        let ctx = format!("{file}: {name}");
        let dims: Vec<Value> = v.dims().iter().map(|d| Value::from(d.clone())).collect();
        assert_eq!(Value::from(dims), w["dims"], "{ctx}: dims");
        assert_eq!(
            dtype_name(v.dtype()),
            dtype_in_xr(w["dtype"].as_str().unwrap()),
            "{ctx}: dtype"
        );
        assert_eq!(
            values_json(v),
            *w["values"].as_array().unwrap(),
            "{ctx}: values"
        );
        let mut want_attrs = w["attrs"].clone();
        if w["dtype"].as_str().unwrap().starts_with("timedelta64") {
            want_attrs.as_object_mut().unwrap().remove("_FillValue");
        }
        assert_eq!(attrs_json(v.attrs()), want_attrs, "{ctx}: attrs");
        let encoding = v.encoding().to_attrs();
        if let Some(fill) = w["encoding"].get("_FillValue") {
            assert_eq!(
                encoding.get("_FillValue").map(attr_json).as_ref(),
                Some(fill),
                "{ctx}: encoding _FillValue"
            );
        }
        let stored = w["encoding"]["dtype"].as_str();
        if let Some(stored) = stored.filter(|d| v.dtype().is_numeric() && *d != "float16") {
            let ours = encoding.get("dtype").and_then(AttrValue::as_str);
            assert_eq!(ours, Some(stored), "{ctx}: encoding dtype");
        }
    }
}

fn open(expected: &Value) -> Dataset {
    let mut opts = Dataset::zarr(fixture(expected["file"].as_str().unwrap()));
    if let Some(g) = expected["group"].as_str() {
        opts = opts.group(g);
    }
    opts.open()
        .unwrap_or_else(|e| panic!("{}: {e}", expected["file"]))
}

#[test]
fn stores_of_other_writers_read_as_xarray_reads_them() {
    for file in [
        "zarr_python_v2_types.zarr",
        "zarr_python_v3_types.zarr",
        "cf_timedelta_v2.zarr",
        "cf_timedelta_v3.zarr",
        "xarray_defaults_v2.zarr",
        "xarray_defaults_v3.zarr",
        "tensorstore_v2.zarr",
        "tensorstore_v3.zarr",
        "z5py_style.zarr",
        "nczarr.zarr",
    ] {
        let expected = case(file, None, false);
        assert!(expected.get("error").is_none(), "{file}: {expected}");
        assert_matches_xarray(&open(&expected), &expected);
    }
}

#[test]
fn strings_floats16_and_raw_datetimes_stay_lazy_and_read_by_region() {
    for file in ["zarr_python_v2_types.zarr", "zarr_python_v3_types.zarr"] {
        let ds = Dataset::open_zarr(fixture(file)).unwrap();
        for name in ["name", "code", "half", "stamp", "span", "span_ns"] {
            let v = ds.variable(name).unwrap();
            assert!(matches!(v.data(), Data::Lazy(_)), "{file}: {name} is lazy");
            let tail = v.isel(&[("x", (1..3).into())]).unwrap();
            let all = values_json(v);
            assert_eq!(values_json(&tail), all[1..].to_vec(), "{file}: {name}[1:]");
        }
    }
}

#[test]
fn pre_4_9_nczarr_stores_take_their_dims_from_dimrefs() {
    // xarray 2026.9 refuses this layout; xr reads it as the 4.9+ layout of the same data.
    let refused = case("nczarr_pre49.zarr", None, false);
    assert_eq!(refused["error"], "KeyError", "{refused}");
    let ds = Dataset::open_zarr(fixture("nczarr_pre49.zarr")).unwrap();
    let mut expected = case("nczarr.zarr", None, false);
    expected["file"] = Value::from("nczarr_pre49.zarr");
    assert_matches_xarray(&ds, &expected);
}

#[test]
fn nczarr_internal_attributes_are_hidden() {
    let ds = Dataset::open_zarr(fixture("nczarr.zarr")).unwrap();
    for (name, v) in ds.variables() {
        for key in v.attrs().keys() {
            assert!(
                !key.to_ascii_lowercase().starts_with("_nc"),
                "{name}: {key}"
            );
        }
    }
    assert_eq!(
        ds.attrs().get("title").and_then(AttrValue::as_str),
        Some("nczarr")
    );
    assert_eq!(ds.attrs().len(), 1, "{:?}", ds.attrs());
}

#[test]
fn a_group_missing_from_consolidated_metadata_is_an_error_naming_it() {
    for file in ["zarr_python_v2_types.zarr", "zarr_python_v3_types.zarr"] {
        let expected = case(file, Some("missing"), false);
        assert_eq!(expected["error"], "KeyError", "{expected}");
        for consolidated in [None, Some(true), Some(false)] {
            let err = Dataset::zarr(fixture(file))
                .group("missing")
                .consolidated(consolidated)
                .open()
                .unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, Error::Format { .. }), "{file}: {err:?}");
            assert!(
                msg.contains("\"missing\"") && msg.contains(file),
                "{file} {consolidated:?}: {msg}"
            );
        }
    }
}

#[test]
fn an_unreadable_variable_is_an_error_naming_it_unless_skipped() {
    let file = "unreadable_v2.zarr";
    // xarray reads complex numbers; xr has no complex type.
    assert_eq!(case(file, None, false)["dtypes"]["wave"], "complex64");
    let err = Dataset::open_zarr(fixture(file)).unwrap_err().to_string();
    assert!(
        err.contains("wave") && err.contains("<c8") && err.contains(file),
        "{err}"
    );
    let (ds, skipped) = Dataset::zarr(fixture(file))
        .skip_unreadable(true)
        .open_with_skipped()
        .unwrap();
    let names: Vec<&str> = skipped.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["wave"]);
    assert!(
        skipped[0].error.to_string().contains("<c8"),
        "{}",
        skipped[0].error
    );
    assert_matches_xarray(&ds, &case(file, None, true));
    // Skipping changes nothing in a store that reads whole.
    let (_, none) = Dataset::zarr(fixture("tensorstore_v3.zarr"))
        .skip_unreadable(true)
        .open_with_skipped()
        .unwrap();
    assert!(none.is_empty());
}

#[test]
fn raw_bytes_are_refused_with_the_type_named() {
    let dir = std::env::temp_dir().join(format!("xr_interop_bytes_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let src = PathBuf::from(fixture("zarr_python_v3_types.zarr"));
    for entry in ["zarr.json", "code/zarr.json"] {
        let to = dir.join(entry);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let text = std::fs::read_to_string(src.join(entry)).unwrap();
        // fixed_length_bytes: numpy's void type, which xr has no type for.
        let text = text.replace("null_terminated_bytes", "fixed_length_bytes");
        std::fs::write(&to, text).unwrap();
    }
    let err = Dataset::zarr(dir.to_str().unwrap())
        .consolidated(Some(false))
        .open()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("code") && err.contains("fixed_length_bytes"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn object_arrays_other_than_utf8_strings_are_refused_with_the_codec_named() {
    let dir = std::env::temp_dir().join(format!("xr_interop_object_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let src = PathBuf::from(fixture("zarr_python_v2_types.zarr"));
    for entry in [".zgroup", "name/.zarray", "name/.zattrs", "name/0"] {
        let to = dir.join(entry);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src.join(entry), &to).unwrap();
    }
    let zarray = dir.join("name/.zarray");
    let text = std::fs::read_to_string(&zarray).unwrap();
    std::fs::write(&zarray, text.replace("vlen-utf8", "vlen-bytes")).unwrap();
    let err = Dataset::open_zarr(dir.to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"name\"") && err.contains("|O") && err.contains("vlen-bytes"),
        "{err}"
    );
    // The same array with its filter read as xarray reads it.
    std::fs::write(&zarray, text).unwrap();
    let ds = Dataset::open_zarr(dir.to_str().unwrap()).unwrap();
    let name = ds.variable("name").unwrap();
    assert_eq!(values_json(name), ["a", "bb", "ccc"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn eager_and_lazy(file: &str, name: &str) -> (Variable, Variable) {
    let ds = Dataset::open_zarr(fixture(file)).unwrap();
    let lazy = ds.variable(name).unwrap().clone();
    let eager = Variable::new(lazy.dims(), Data::Eager(lazy.values().unwrap())).unwrap();
    (eager, lazy)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Rechunked reads of converted types (float16, byte strings, raw datetimes and
    /// timedeltas, object strings) equal the whole array read at once.
    #[test]
    fn chunked_reads_equal_eager(
        v3 in any::<bool>(),
        which in 0usize..6,
        chunk in 1usize..4,
        start in 0usize..3,
    ) {
        let file = if v3 { "zarr_python_v3_types.zarr" } else { "zarr_python_v2_types.zarr" };
        let name = ["half", "code", "stamp", "name", "span", "span_ns"][which];
        let (eager, lazy) = eager_and_lazy(file, name);
        let rechunked = lazy.chunk(&[("x", chunk)]).unwrap();
        let ours = rechunked.isel(&[("x", (start..3).into())]).unwrap();
        let whole = eager.isel(&[("x", (start..3).into())]).unwrap();
        prop_assert_eq!(values_json(&ours), values_json(&whole));
    }
}

/// The timedeltas of the types store and the CF timedelta store of Zarr format `f`, in
/// one dataset, each named `<writer>_<name>` (`zarr_span`, `cf_lead`).
fn timedeltas(f: u8) -> Dataset {
    let mut out = Dataset::new();
    for (prefix, file) in [
        ("zarr", format!("zarr_python_v{f}_types.zarr")),
        ("cf", format!("cf_timedelta_v{f}.zarr")),
    ] {
        let ds = Dataset::open_zarr(fixture(&file)).unwrap();
        for (name, v) in ds.data_vars() {
            if v.dtype() == DType::TimeDelta {
                out = out
                    .with_data_var(&format!("{prefix}_{name}"), v.clone())
                    .unwrap();
            }
        }
    }
    out
}

fn zarr_format(f: u8) -> xr::io::zarr::ZarrFormat {
    xr::io::zarr::ZarrFormat::from_number(f).unwrap()
}

#[test]
fn timedeltas_written_by_xr_read_back_as_they_were_read() {
    for f in [2u8, 3] {
        let ds = timedeltas(f);
        assert_eq!(ds.data_vars().count(), 4, "v{f}: span, span_ns, lead, wait");
        for to in [2u8, 3] {
            let dir = std::env::temp_dir().join(format!(
                "xr_interop_timedelta_{}_{f}_{to}.zarr",
                std::process::id()
            ));
            let out = dir.to_str().unwrap();
            ds.write_zarr(out)
                .zarr_format(zarr_format(to))
                .write()
                .unwrap();
            let back = Dataset::open_zarr(out).unwrap();
            for (name, v) in ds.data_vars() {
                let w = back.variable(name).unwrap();
                assert_eq!(w.dtype(), DType::TimeDelta, "v{f} -> v{to}: {name}");
                assert_eq!(values_json(w), values_json(v), "v{f} -> v{to}: {name}");
            }
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}

/// Writes the stores tests/golden/make_zarr_interop_fixtures.py checks in xarray (the
/// timedeltas, and xarray's defaults store written again):
/// `cargo test --all-features --test io_zarr_interop -- --ignored write_timedelta_fixtures`.
#[test]
#[ignore = "regenerates committed fixtures"]
fn write_timedelta_fixtures() {
    for f in [2u8, 3] {
        let out = fixture(&format!("xr_timedelta_v{f}.zarr"));
        let _ = std::fs::remove_dir_all(&out);
        timedeltas(f)
            .write_zarr(&out)
            .zarr_format(zarr_format(f))
            .consolidated(false)
            .write()
            .unwrap();
        let out = fixture(&format!("xr_defaults_v{f}.zarr"));
        let _ = std::fs::remove_dir_all(&out);
        Dataset::open_zarr(fixture(&format!("xarray_defaults_v{f}.zarr")))
            .unwrap()
            .write_zarr(&out)
            .zarr_format(zarr_format(f))
            .consolidated(false)
            .write()
            .unwrap();
    }
}

#[test]
fn xr_written_timedeltas_are_stored_as_xarray_stores_them() {
    // CF numbers with units and xarray's dtype attribute (what xarray reads back;
    // see write_timedelta_fixtures).
    for f in [2u8, 3] {
        let ds = Dataset::zarr(fixture(&format!("xr_timedelta_v{f}.zarr")))
            .consolidated(Some(false))
            .open()
            .unwrap();
        let want = timedeltas(f);
        for (name, v) in want.data_vars() {
            let w = ds.variable(name).unwrap();
            assert_eq!(values_json(w), values_json(v), "v{f}: {name}");
            assert!(w.encoding().units.is_some(), "v{f}: {name} has units");
        }
    }
}

#[test]
fn timedeltas_in_calendar_units_are_refused_with_the_type_named() {
    let dir = std::env::temp_dir().join(format!("xr_interop_months_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let src = PathBuf::from(fixture("zarr_python_v2_types.zarr"));
    for entry in [".zgroup", "span/.zarray", "span/.zattrs", "span/0"] {
        let to = dir.join(entry);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src.join(entry), &to).unwrap();
    }
    let zarray = dir.join("span/.zarray");
    let text = std::fs::read_to_string(&zarray).unwrap();
    // Months have no fixed length: numpy cannot cast them to microseconds either.
    std::fs::write(&zarray, text.replace("<m8[s]", "<m8[M]")).unwrap();
    let err = Dataset::zarr(dir.to_str().unwrap())
        .consolidated(Some(false))
        .open()
        .unwrap_err()
        .to_string();
    assert!(err.contains("span") && err.contains("<m8[M]"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stores_of_other_writers_written_again_by_xr_read_back_the_same() {
    for file in [
        "zarr_python_v2_types.zarr",
        "zarr_python_v3_types.zarr",
        "cf_timedelta_v2.zarr",
        "cf_timedelta_v3.zarr",
        "xarray_defaults_v2.zarr",
        "xarray_defaults_v3.zarr",
        "tensorstore_v2.zarr",
        "tensorstore_v3.zarr",
        "z5py_style.zarr",
        "nczarr.zarr",
    ] {
        let ds = Dataset::open_zarr(fixture(file)).unwrap();
        for to in [2u8, 3] {
            let dir = std::env::temp_dir().join(format!(
                "xr_interop_again_{}_{to}_{file}",
                std::process::id()
            ));
            let out = dir.to_str().unwrap();
            ds.write_zarr(out)
                .zarr_format(zarr_format(to))
                .write()
                .unwrap_or_else(|e| panic!("{file} -> v{to}: {e}"));
            let back = Dataset::open_zarr(out).unwrap();
            assert_eq!(back.variables().len(), ds.variables().len(), "{file}");
            for (name, v) in ds.variables() {
                let w = back.variable(name).unwrap();
                let ctx = format!("{file} -> v{to}: {name}");
                assert_eq!(w.dtype(), v.dtype(), "{ctx}");
                assert_eq!(w.dims(), v.dims(), "{ctx}");
                assert_eq!(values_json(w), values_json(v), "{ctx}");
            }
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}
