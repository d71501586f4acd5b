//! NetCDF types netcdf-c's own tests write, against xarray's reading of the same files
//! (tests/golden/make_nc_types_fixtures.py → tests/data/nc_types_expected.json): NIL
//! strings, user-defined types decided per variable and per attribute, and char arrays
//! collapsed into strings exactly when xarray collapses them.
#![cfg(feature = "netcdf")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;
use xr::io::netcdf::NetcdfFormat;
use xr::warning::catch_warnings;
use xr::{AttrValue, Attrs, DType, Dataset, Error, NdArray, Variable};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn expected(file: &str) -> Value {
    let text = std::fs::read_to_string(fixture("nc_types_expected.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all["files"][file].clone()
}

fn open_path(path: &Path) -> (Dataset, Vec<String>) {
    let (ds, warnings) = catch_warnings(|| Dataset::open(path).open());
    (ds.unwrap(), warnings)
}

/// Opens the fixture `file`, returning the dataset and the warnings raised while opening it.
fn open(file: &str) -> (Dataset, Vec<String>) {
    open_path(&fixture(file))
}

fn number_json(x: f64) -> Value {
    if x.is_nan() {
        Value::Null
    } else {
        Value::from(x)
    }
}

/// Values in C order, as the JSON holds them once flattened.
fn values_json(v: &Variable) -> Vec<Value> {
    match v.values().unwrap() {
        NdArray::Str(s) => s.iter().map(|x| Value::from(x.clone())).collect(),
        other => other
            .to_f64_vec()
            .unwrap()
            .into_iter()
            .map(number_json)
            .collect(),
    }
}

/// The values of a nested JSON list in C order, numbers as floats.
fn flatten(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.iter().flat_map(flatten).collect(),
        Value::Number(x) => vec![Value::from(x.as_f64().unwrap())],
        one => vec![one.clone()],
    }
}

fn attr_json(v: &AttrValue) -> Value {
    match v {
        AttrValue::Str(s) => Value::from(s.clone()),
        AttrValue::Array(NdArray::Str(s)) => Value::from(s.iter().cloned().collect::<Vec<_>>()),
        AttrValue::Array(a) => {
            let values: Vec<Value> = a
                .to_f64_vec()
                .unwrap()
                .into_iter()
                .map(number_json)
                .collect();
            if values.len() == 1 {
                values[0].clone()
            } else {
                Value::from(values)
            }
        }
        other => panic!("unexpected attribute value {other:?}"),
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

fn names(values: impl IntoIterator<Item = impl ToString>) -> Vec<String> {
    let mut names: Vec<String> = values.into_iter().map(|x| x.to_string()).collect();
    names.sort();
    names
}

/// Asserts that variable `name` of `ds` holds what xarray read as `want`: dims, values,
/// attributes, and the char-dim and `_Encoding` encodings.
fn assert_variable(ds: &Dataset, name: &str, want: &Value, ctx: &str) {
    let v = ds.variable(name).unwrap();
    let ctx = format!("{ctx}: {name}");
    let dims: Vec<Value> = v.dims().iter().map(|d| Value::from(d.clone())).collect();
    assert_eq!(Value::from(dims), want["dims"], "{ctx}: dims");
    assert_eq!(values_json(v), flatten(&want["values"]), "{ctx}: values");
    let kind = want["dtype"].as_str().unwrap();
    if kind.starts_with("|S") || kind.starts_with("<U") || kind == "|O" {
        assert_eq!(v.dtype(), DType::Str, "{ctx}: dtype");
    } else {
        assert_eq!(v.dtype().names().zarr_v2, Some(kind), "{ctx}: dtype");
    }
    let enc = v.encoding();
    assert_eq!(
        enc.char_dim_name.as_deref(),
        want["char_dim_name"].as_str(),
        "{ctx}: char_dim_name"
    );
    assert_eq!(
        enc.string_encoding.as_deref(),
        want["_Encoding"].as_str(),
        "{ctx}: _Encoding"
    );
    let mut attrs = attrs_json(v.attrs());
    if let Some(labels) = want.get("enum") {
        assert_enum(v, labels, want["enum_name"].as_str().unwrap(), &ctx);
        // The CF flags xr adds from the enum's labels (xarray keeps them in the encoding only).
        let attrs = attrs.as_object_mut().unwrap();
        attrs.remove("flag_values");
        attrs.remove("flag_meanings");
    }
    assert_eq!(attrs, want["attrs"], "{ctx}: attrs");
}

/// The enum's labels are in the encoding and, as CF flags, in the attributes.
fn assert_enum(v: &Variable, labels: &Value, enum_name: &str, ctx: &str) {
    let e = v.encoding().enum_type.as_ref().unwrap();
    assert_eq!(e.name, enum_name, "{ctx}: enum name");
    let values: Vec<Value> = match &e.values {
        AttrValue::Array(a) => a
            .to_f64_vec()
            .unwrap()
            .into_iter()
            .map(number_json)
            .collect(),
        other => panic!("{ctx}: enum values {other:?}"),
    };
    let ours: serde_json::Map<String, Value> = e
        .labels
        .iter()
        .cloned()
        .zip(values.iter().cloned())
        .collect();
    let theirs: serde_json::Map<String, Value> = labels
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), flatten(v)[0].clone()))
        .collect();
    assert_eq!(ours, theirs, "{ctx}: enum labels");
    let meanings = v.attrs().get("flag_meanings").and_then(AttrValue::as_str);
    assert_eq!(
        meanings,
        Some(e.labels.join(" ").as_str()),
        "{ctx}: flag_meanings"
    );
    let flags = v.attrs().get("flag_values").unwrap();
    assert_eq!(flags, &e.values, "{ctx}: flag_values");
    if let AttrValue::Array(a) = flags {
        assert_eq!(a.dtype(), v.dtype(), "{ctx}: flag_values dtype");
    }
}

#[test]
fn nil_strings_read_as_empty_strings_as_in_xarray() {
    let file = "nc_nil_strings.nc";
    let want = expected(file);
    let (ds, warnings) = open(file);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        names(ds.variables().keys()),
        names(want["variables"].as_object().unwrap().keys())
    );
    for (name, w) in want["variables"].as_object().unwrap() {
        assert_variable(&ds, name, w, file);
    }
}

#[test]
fn char_arrays_collapse_exactly_when_xarray_collapses_them() {
    for file in ["nc_chars.nc", "nc_chars_classic.nc"] {
        let want = expected(file);
        let (ds, warnings) = open(file);
        assert!(warnings.is_empty(), "{file}: {warnings:?}");
        assert_eq!(
            names(ds.variables().keys()),
            names(want["variables"].as_object().unwrap().keys()),
            "{file}: variables"
        );
        assert_eq!(
            names(ds.coord_names().iter()),
            names(
                want["coords"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap())
            ),
            "{file}: coords"
        );
        for (name, w) in want["variables"].as_object().unwrap() {
            assert_variable(&ds, name, w, file);
        }
        // The characters kept along a dim numbers also use write back as they were read.
        assert!(ds.variable("submode").unwrap().encoding().chars, "{file}");
    }
}

#[test]
fn user_defined_types_are_decided_per_variable_and_per_attribute() {
    let file = "nc_user_types.nc";
    let want = expected(file);
    let vars = want["variables"].as_object().unwrap();
    let (ds, warnings) = open(file);

    // Enum, vlen-string and plain variables as xarray reads them.
    for name in ["cloud", "names", "x"] {
        let mut w = vars[name].clone();
        if name == "x" {
            // xarray reads the enum-typed attribute `flag` as its integer; xr drops it.
            w["attrs"].as_object_mut().unwrap().remove("flag");
        }
        assert_variable(&ds, name, &w, file);
    }
    // The compounds as one variable per member (a documented departure); characters
    // as one string per record.
    for (var, member) in [("obs", "time"), ("obs", "temp"), ("site", "height")] {
        let v = ds.variable(&format!("{var}.{member}")).unwrap();
        let values = &vars[var]["members"][member];
        assert_eq!(v.dims(), ["d"], "{var}.{member}: dims");
        assert_eq!(values_json(v), flatten(values), "{var}.{member}: values");
    }
    let chars = vars["site"]["members"]["name"].as_array().unwrap();
    let strings: Vec<Value> = chars
        .iter()
        .map(|c| {
            Value::from(
                flatten(c)
                    .iter()
                    .map(|x| x.as_str().unwrap())
                    .collect::<String>(),
            )
        })
        .collect();
    assert_eq!(values_json(ds.variable("site.name").unwrap()), strings);
    assert_eq!(ds.variable("obs.time").unwrap().dtype(), DType::F64);
    assert_eq!(ds.variable("obs.temp").unwrap().dtype(), DType::F32);
    assert_eq!(ds.variable("site.height").unwrap().dtype(), DType::I16);
    assert_eq!(
        names(ds.variables().keys()),
        names([
            "cloud",
            "names",
            "obs.temp",
            "obs.time",
            "site.height",
            "site.name",
            "x"
        ])
    );
    // The opaque `blob` (skipped by xarray too), the vlen-of-int `ragged` and the array
    // member `site.pos` are skipped, the user-typed attributes dropped, each with a
    // warning naming it.
    assert_eq!(warnings.len(), 5, "{warnings:?}");
    for (what, kind) in [
        ("member \"pos\" of the compound variable \"site\"", "array"),
        ("variable \"blob\"", "opaque"),
        ("variable \"ragged\"", "variable-length"),
        ("attribute \"flag\" of variable \"x\"", "user-defined"),
        ("attribute \"first_obs\" of the file", "user-defined"),
    ] {
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(what) && w.contains(kind)),
            "no warning about {what} in {warnings:?}"
        );
    }
    let mut attrs = want["attrs"].clone();
    attrs.as_object_mut().unwrap().remove("first_obs");
    assert_eq!(attrs_json(ds.attrs()), attrs);
}

#[test]
fn skipped_variables_and_unknown_groups_are_errors_naming_them() {
    let (ds, _) = open("nc_user_types.nc");
    for name in ["blob", "ragged", "obs"] {
        match ds.variable(name) {
            Err(Error::VarNotFound { name: n, .. }) => assert_eq!(n, name),
            other => panic!("{name}: {other:?}"),
        }
    }
    let err = Dataset::open(fixture("nc_nil_strings.nc"))
        .group("/nowhere")
        .open()
        .unwrap_err();
    assert!(err.to_string().contains("nowhere"), "{err}");
}

/// Every variable of the fixtures, read whole and read through random chunks.
fn assert_chunked_equals_eager(file: &str, dim: &str, size: usize) {
    let (ds, _) = open(file);
    let chunked = ds.chunk(&[(dim, size)]).unwrap();
    for (name, v) in ds.variables() {
        let c = chunked.variable(name).unwrap();
        assert_eq!(
            values_json(c),
            values_json(v),
            "{file}: {name} in chunks of {size}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn chunked_reads_equal_eager_reads(size in 1usize..4, which in 0usize..4) {
        let (file, dim) = [
            ("nc_nil_strings.nc", "d"),
            ("nc_user_types.nc", "d"),
            ("nc_chars.nc", "n"),
            ("nc_chars_classic.nc", "recNum"),
        ][which];
        assert_chunked_equals_eager(file, dim, size);
    }
}

#[test]
fn what_is_read_writes_back_and_reads_the_same() {
    let dir = std::env::temp_dir().join(format!("xr-nc-types-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (file, format) in [
        ("nc_chars.nc", NetcdfFormat::Netcdf4),
        ("nc_chars_classic.nc", NetcdfFormat::Netcdf3Classic),
        ("nc_nil_strings.nc", NetcdfFormat::Netcdf4),
        ("nc_user_types.nc", NetcdfFormat::Netcdf4),
    ] {
        let (ds, _) = open(file);
        let out = dir.join(file);
        ds.write_netcdf(&out).format(format).write().unwrap();
        let (back, warnings) = open_path(&out);
        assert!(warnings.is_empty(), "{file}: {warnings:?}");
        assert_eq!(
            names(back.variables().keys()),
            names(ds.variables().keys()),
            "{file}"
        );
        for (name, v) in ds.variables() {
            let w = back.variable(name).unwrap();
            assert_eq!(w.dims(), v.dims(), "{file}: {name}: dims");
            assert_eq!(values_json(w), values_json(v), "{file}: {name}: values");
        }
        // The enum's labels come back as the CF flags written from them.
        if file == "nc_user_types.nc" {
            let cloud = back.variable("cloud").unwrap();
            let meanings = cloud
                .attrs()
                .get("flag_meanings")
                .and_then(AttrValue::as_str);
            assert_eq!(meanings, Some("clear cumulus stratus"));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Opens of one file while it is open share its handle: after the first Dataset is
/// dropped the second still reads (libhdf5 once crashed converting a string fill value
/// through a closed handle); a file rewritten since is opened anew, with its new values.
#[test]
fn a_file_open_twice_reads_after_the_first_is_dropped_and_a_rewrite_is_read_anew() {
    let first = open("nc_user_types.nc").0;
    let second = open("nc_user_types.nc").0;
    let names: Vec<String> = first.variables().keys().cloned().collect();
    drop(first);
    let third = open("nc_user_types.nc").0;
    for name in &names {
        assert_eq!(
            values_json(second.variable(name).unwrap()),
            values_json(third.variable(name).unwrap()),
            "{name}"
        );
    }

    let dir = std::env::temp_dir().join(format!("xr_reopen_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("a.nc");
    let write = |v: f64| {
        let mut ds = Dataset::new();
        ds.insert(
            "x".to_string(),
            Variable::new(&["n"], NdArray::from(vec![v, v + 1.0])).unwrap(),
            false,
        )
        .unwrap();
        ds.to_netcdf(&path).unwrap();
    };
    write(1.0);
    let old = open_path(&path).0;
    write(5.0);
    let new = open_path(&path).0;
    assert_eq!(
        values_json(old.variable("x").unwrap()),
        vec![Value::from(1.0), Value::from(2.0)]
    );
    assert_eq!(
        values_json(new.variable("x").unwrap()),
        vec![Value::from(5.0), Value::from(6.0)]
    );
    std::fs::remove_dir_all(&dir).ok();
}
