//! The Zarr driver against xarray: every store of tests/golden/make_zarr_fixtures.py
//! opened as xarray opens it (tests/data/zarr/expected.json), round trips xr → xr (v2
//! and v3), xr → xarray (tests/golden/check_xr_zarr.py), appends and region writes
//! against the whole array, lazy parallel writes, and bad input.
#![cfg(feature = "zarr")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use xr::dataset::Indexer;
use xr::io::zarr::{ZarrFormat, ZarrMode};
use xr::lazy::Data;
use xr::lazy::LazyArray;
use xr::{AttrValue, Attrs, DType, Dataset, Encoding, Error, NdArray, Variable};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/zarr")
}

fn fixture(name: &str) -> String {
    data_dir().join(name).to_str().unwrap().to_string()
}

fn load_json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data_dir().join(name)).unwrap()).unwrap()
}

fn case(file: &str, group: Option<&str>) -> Value {
    load_json("expected.json")["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["file"] == file && c["group"].as_str() == group)
        .unwrap_or_else(|| panic!("no case {file} {group:?} in expected.json"))
        .clone()
}

/// A fresh directory for one test's stores.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xr-zarr-tests-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn dtype_name(d: DType) -> String {
    match d {
        DType::DateTime(_) => "datetime".into(),
        DType::Str => "str".into(),
        other => other.name().into(),
    }
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

fn values_json(v: &Variable) -> Vec<Value> {
    match v.values().unwrap() {
        NdArray::DateTime(t, cal) => t
            .iter()
            .map(|&x| Value::from(xr::time::format_ticks(x, cal)))
            .collect(),
        NdArray::Str(s) => s.iter().map(|x| Value::from(x.clone())).collect(),
        other => other.to_f64_vec().unwrap().into_iter().map(num).collect(),
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

/// Asserts that `ds` holds what xarray read (one case of an expected JSON).
fn assert_matches_xarray(ds: &Dataset, expected: &Value) {
    let file = expected["file"].as_str().unwrap_or("?");
    let dims: serde_json::Map<String, Value> = ds
        .dims()
        .into_iter()
        .map(|(k, v)| (k, Value::from(v)))
        .collect();
    assert_eq!(Value::Object(dims), expected["dims"], "{file}: dims");
    let mut coords: Vec<&String> = ds.coord_names().iter().collect();
    coords.sort();
    let coords: Vec<Value> = coords.into_iter().map(|c| Value::from(c.clone())).collect();
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
            Value::from(dtype_name(v.dtype())),
            w["dtype"],
            "{ctx}: dtype"
        );
        let ours = values_json(v);
        let theirs = w["values"].as_array().unwrap();
        assert_eq!(ours.len(), theirs.len(), "{ctx}: number of values");
        for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
            assert_eq!(a, b, "{ctx}: value {i}");
        }
        assert_eq!(attrs_json(v.attrs()), w["attrs"], "{ctx}: attrs");
        let encoding = v.encoding().to_attrs();
        for (key, wv) in w["encoding"].as_object().unwrap() {
            let ours = encoding.get(key);
            match key.as_str() {
                "dtype" if !matches!(v.dtype(), DType::Str) => {
                    let ours = ours.and_then(AttrValue::as_str).unwrap_or("<none>");
                    assert_eq!(ours, wv.as_str().unwrap(), "{ctx}: encoding dtype");
                }
                "units" | "calendar" | "scale_factor" | "add_offset" | "_FillValue" => {
                    assert_eq!(
                        ours.map(attr_json).as_ref(),
                        Some(wv),
                        "{ctx}: encoding {key}"
                    );
                }
                _ => {}
            }
        }
    }
}

fn open_case(expected: &Value) -> Dataset {
    let mut opts = Dataset::zarr(fixture(expected["file"].as_str().unwrap()));
    if let Some(g) = expected["group"].as_str() {
        opts = opts.group(g);
    }
    opts.open().unwrap()
}

#[test]
fn stores_written_by_xarray_read_identically() {
    let cases = load_json("expected.json")["cases"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(cases.len(), 7);
    for expected in &cases {
        assert_matches_xarray(&open_case(expected), expected);
    }
}

#[test]
fn data_variables_are_lazy_with_the_stored_chunks_in_the_encoding() {
    let ds = Dataset::open_zarr(fixture("v3_consolidated.zarr")).unwrap();
    let temp = ds.variable("temp").unwrap();
    assert!(temp.data().is_lazy());
    assert!(!ds.variable("time").unwrap().data().is_lazy());
    assert!(ds.indexes().contains_key("time"));
    assert_eq!(temp.encoding().chunks.as_deref(), Some(&[2usize, 3, 2][..]));
    assert!(temp.encoding().codecs.as_ref().unwrap().contains("zstd"));
    // The sharded array records its inner chunks and its shards, as xarray does.
    let plain = Dataset::open_zarr(fixture("v3_plain.zarr")).unwrap();
    let t = plain.variable("temp").unwrap();
    assert_eq!(t.encoding().chunks.as_deref(), Some(&[1usize, 3, 2][..]));
    assert_eq!(t.encoding().shards.as_deref(), Some(&[2usize, 3, 4][..]));
    // Without CF decoding the raw values and attributes show.
    let raw = Dataset::zarr(fixture("v2_consolidated.zarr"))
        .decode_cf(false)
        .open()
        .unwrap();
    let counts = raw.variable("counts").unwrap();
    assert_eq!(counts.dtype(), DType::I32);
    assert_eq!(counts.attrs()["_FillValue"].as_f64(), Some(-1.0));
    assert_eq!(counts.values().unwrap().to_f64_vec().unwrap()[8], -1.0);
    assert_eq!(raw.variable("time").unwrap().dtype(), DType::I32);
}

#[test]
fn consolidated_option_is_honoured() {
    let err = Dataset::zarr(fixture("v3_plain.zarr"))
        .consolidated(Some(true))
        .open()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("v3_plain.zarr") && err.contains("consolidated"),
        "{err}"
    );
    // Ignoring consolidated metadata lists the store and finds the same arrays.
    let listed = Dataset::zarr(fixture("v2_consolidated.zarr"))
        .consolidated(Some(false))
        .open()
        .unwrap();
    assert_matches_xarray(&listed, &case("v2_consolidated.zarr", None));
}

/// Writes `ds` as `format`, reads it back and checks it against xarray's reading of the
/// store it came from.
fn round_trip(test: &str, source: &str, group: Option<&str>, format: ZarrFormat) {
    let expected = case(source, group);
    let ds = open_case(&expected);
    let out = s(&scratch(test).join("out.zarr"));
    ds.write_zarr(&out).zarr_format(format).write().unwrap();
    let back = Dataset::open_zarr(&out).unwrap();
    assert_matches_xarray(&back, &expected);
    for (name, v) in ds.variables() {
        let b = back.variable(name).unwrap();
        assert!(b.data().equals(v.data()), "{test}: {name} values");
    }
}

#[test]
fn xr_round_trips_v3_and_v2_including_packing_times_and_shards() {
    round_trip("rt_v3", "v3_consolidated.zarr", None, ZarrFormat::V3);
    round_trip("rt_v2", "v3_consolidated.zarr", None, ZarrFormat::V2);
    round_trip("rt_v2v2", "v2_plain.zarr", None, ZarrFormat::V2);
    round_trip("rt_shards", "v3_plain.zarr", None, ZarrFormat::V3);
    // Codecs survive a round trip in the same format.
    let codec = |test: &str, var: &str, key: &str| {
        let out = std::env::temp_dir()
            .join(format!("xr-zarr-tests-{}-{test}", std::process::id()))
            .join("out.zarr");
        let back = Dataset::open_zarr(s(&out)).unwrap();
        back.variable(var).unwrap().encoding().to_attrs()[key]
            .as_str()
            .unwrap()
            .to_string()
    };
    let c = codec("rt_v3", "temp", "codecs");
    assert!(c.contains("\"zstd\"") && c.contains("\"level\":3"), "{c}");
    assert!(codec("rt_v3", "packed", "codecs").contains("gzip"));
    assert!(codec("rt_v2v2", "temp", "compressor").contains("gzip"));
    assert!(codec("rt_v2", "temp", "compressor").contains("blosc"));
    // Shards survive the round trip.
    let out = s(&scratch("rt_shards2").join("out.zarr"));
    Dataset::open_zarr(fixture("v3_plain.zarr"))
        .unwrap()
        .to_zarr(&out)
        .unwrap();
    let back = Dataset::open_zarr(&out).unwrap();
    let t = back.variable("temp").unwrap();
    assert_eq!(t.encoding().shards.as_deref(), Some(&[2usize, 3, 4][..]));
}

fn lazy_dataset(chunk: usize) -> Dataset {
    let data = LazyArray::random(&[20, 6], &[chunk, 6], 7).unwrap();
    Dataset::new()
        .with_coord(
            "t",
            Variable::new(&["t"], (0..20i64).collect::<Vec<_>>()).unwrap(),
        )
        .unwrap()
        .with_data_var("v", Variable::new(&["t", "x"], Data::Lazy(data)).unwrap())
        .unwrap()
        .with_attr("title", "lazy")
}

#[test]
fn lazy_results_are_written_chunk_by_chunk_with_their_chunks() {
    let ds = lazy_dataset(5);
    let out = s(&scratch("lazy").join("out.zarr"));
    ds.to_zarr(&out).unwrap();
    let back = Dataset::open_zarr(&out).unwrap();
    let v = back.variable("v").unwrap();
    assert_eq!(v.encoding().chunks.as_deref(), Some(&[5usize, 6][..]));
    assert!(v.data().equals(ds.variable("v").unwrap().data()));
    assert_eq!(back.attrs()["title"].as_str(), Some("lazy"));
    // 4 stored chunks, one file each.
    let files = std::fs::read_dir(Path::new(&out).join("v/c"))
        .unwrap()
        .count();
    assert_eq!(files, 4);
}

#[test]
fn a_lazy_chunk_straddling_two_zarr_chunks_is_an_error() {
    let mut ds = lazy_dataset(5);
    let enc = Encoding {
        chunks: Some(vec![4, 6]),
        ..Encoding::default()
    };
    let v = ds.variable("v").unwrap().clone().with_encoding(enc);
    ds = ds.with_data_var("v", v).unwrap();
    let out = s(&scratch("straddle").join("out.zarr"));
    let err = ds.to_zarr(&out).unwrap_err().to_string();
    assert!(
        err.contains("\"v\"") && err.contains("inside Zarr chunk") && err.contains("\"t\""),
        "{err}"
    );
    // Lazy chunks that are multiples of the Zarr chunks are fine.
    let enc = Encoding {
        chunks: Some(vec![5, 3]),
        ..Encoding::default()
    };
    let lazy = lazy_dataset(10);
    let v = lazy.variable("v").unwrap().clone().with_encoding(enc);
    let ok = lazy.with_data_var("v", v).unwrap();
    let out2 = s(&scratch("straddle_ok").join("out.zarr"));
    ok.to_zarr(&out2).unwrap();
    let back = Dataset::open_zarr(&out2).unwrap();
    assert!(back
        .variable("v")
        .unwrap()
        .data()
        .equals(ok.variable("v").unwrap().data()));
}

fn slice(ds: &Dataset, dim: &str, start: isize, stop: isize) -> Dataset {
    ds.isel(&[(
        dim,
        Indexer::Slice {
            start: Some(start),
            stop: Some(stop),
            step: 1,
        },
    )])
    .unwrap()
}

fn assert_same(a: &Dataset, b: &Dataset, ctx: &str) {
    let mut an: Vec<&String> = a.variables().keys().collect();
    let mut bn: Vec<&String> = b.variables().keys().collect();
    an.sort();
    bn.sort();
    assert_eq!(an, bn, "{ctx}: variables");
    for (name, v) in a.variables() {
        let w = b.variable(name).unwrap();
        assert_eq!(v.dims(), w.dims(), "{ctx}: {name} dims");
        assert_eq!(values_json(v), values_json(w), "{ctx}: {name} values");
        assert_eq!(
            attrs_json(v.attrs()),
            attrs_json(w.attrs()),
            "{ctx}: {name} attrs"
        );
    }
}

#[test]
fn appending_years_along_time_gives_the_whole_array() {
    for format in [ZarrFormat::V3, ZarrFormat::V2] {
        let full = Dataset::open_zarr(fixture("v3_consolidated.zarr")).unwrap();
        let out = s(&scratch(&format!("append_{format:?}")).join("out.zarr"));
        slice(&full, "time", 0, 3)
            .write_zarr(&out)
            .zarr_format(format)
            .write()
            .unwrap();
        slice(&full, "time", 3, 5)
            .write_zarr(&out)
            .append_dim("time")
            .write()
            .unwrap();
        // A lazy piece whose chunks fit the stored ones.
        slice(&full, "time", 5, 6)
            .write_zarr(&out)
            .append_dim("time")
            .write()
            .unwrap();
        let back = Dataset::open_zarr(&out).unwrap();
        assert_same(&back, &full, &format!("append {format:?}"));
        // Consolidated metadata follows the appends.
        let listed = Dataset::zarr(&out)
            .consolidated(Some(false))
            .open()
            .unwrap();
        assert_same(&listed, &full, "append listed");
    }
}

#[test]
fn appends_keep_subgroups_in_the_consolidated_metadata() {
    for store in ["v3_consolidated.zarr", "v2_consolidated.zarr"] {
        let dir = scratch(&format!("append_sub_{store}"));
        let out = dir.join(store);
        copy_dir(&data_dir().join(store), &out);
        let out = s(&out);
        let full = Dataset::open_zarr(&out).unwrap();
        slice(&full, "time", 4, 6)
            .write_zarr(&out)
            .append_dim("time")
            .write()
            .unwrap();
        let back = Dataset::zarr(&out).consolidated(Some(true)).open().unwrap();
        assert_eq!(back.dim_size("time").unwrap(), 8, "{store}");
        let sub = Dataset::zarr(&out)
            .group("sub")
            .consolidated(Some(true))
            .open()
            .unwrap();
        assert_matches_xarray(&sub, &case(store, Some("sub")));
    }
}

#[test]
fn region_writes_replace_one_slice() {
    let full = Dataset::open_zarr(fixture("v2_plain.zarr"))
        .unwrap()
        .load()
        .unwrap();
    let out = s(&scratch("region").join("out.zarr"));
    full.to_zarr(&out).unwrap();
    // New values for times 2..4, written into the existing arrays.
    let piece = slice(&full, "time", 2, 4)
        .drop_vars(&["x", "y", "lat", "station"])
        .unwrap();
    let temp = piece.variable("temp").unwrap();
    let doubled = temp
        .with_data(
            temp.data()
                .binary(&temp.data().clone(), xr::array::kernels::BinaryOp::Add)
                .unwrap(),
        )
        .unwrap();
    let piece = piece.with_data_var("temp", doubled).unwrap();
    piece.write_zarr(&out).region("time", 2..4).write().unwrap();
    let back = Dataset::open_zarr(&out).unwrap();
    let want: Vec<f64> = full
        .variable("temp")
        .unwrap()
        .values()
        .unwrap()
        .to_f64_vec()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, &x)| if (24..48).contains(&i) { 2.0 * x } else { x })
        .collect();
    let got = back
        .variable("temp")
        .unwrap()
        .values()
        .unwrap()
        .to_f64_vec()
        .unwrap();
    assert_eq!(got.len(), want.len());
    for (i, (a, b)) in got.iter().zip(&want).enumerate() {
        assert!(
            a == b || (a.is_nan() && b.is_nan()),
            "value {i}: {a} vs {b}"
        );
    }
    assert_same(
        &slice(&back, "time", 0, 2),
        &slice(&full, "time", 0, 2),
        "region untouched",
    );
    // Variables without the region's dims must be dropped first, as in xarray.
    let err = slice(&full, "time", 2, 4)
        .write_zarr(&out)
        .region("time", 2..4)
        .write()
        .unwrap_err()
        .to_string();
    assert!(err.contains("lat") && err.contains("region"), "{err}");
}

#[test]
fn modes_w_minus_w_and_bad_appends_give_clear_errors() {
    let ds = Dataset::open_zarr(fixture("v3_consolidated.zarr")).unwrap();
    let out = s(&scratch("modes").join("out.zarr"));
    ds.to_zarr(&out).unwrap();
    let err = ds.to_zarr(&out).unwrap_err().to_string();
    assert!(err.contains("out.zarr") && err.contains("w-"), "{err}");
    // "w" replaces the store: the old arrays are gone.
    let small = slice(&ds, "time", 0, 2)
        .drop_vars(&["temp", "packed"])
        .unwrap();
    small
        .write_zarr(&out)
        .mode(ZarrMode::Write)
        .write()
        .unwrap();
    let back = Dataset::open_zarr(&out).unwrap();
    assert!(back.variable("temp").is_err());
    assert_eq!(back.dim_size("time").unwrap(), 2);
    // Appending along a dim the store does not have.
    let other = Dataset::new()
        .with_coord("k", Variable::new(&["k"], vec![1i64, 2]).unwrap())
        .unwrap();
    let err = other
        .write_zarr(&out)
        .append_dim("k")
        .write()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"k\"") && err.contains("existing store"),
        "{err}"
    );
    assert!("x".parse::<ZarrMode>().is_err());
    assert_eq!("w-".parse::<ZarrMode>().unwrap(), ZarrMode::Create);
}

#[test]
fn bad_stores_give_errors_naming_store_variable_and_chunk() {
    // A missing store.
    let err = Dataset::open_zarr("/nonexistent/xr/nothing.zarr").unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("nothing.zarr"));
    // A directory that is no Zarr store.
    let empty = scratch("empty");
    let err = Dataset::open_zarr(s(&empty)).unwrap_err().to_string();
    assert!(
        err.contains("zarr.json") && err.contains(".zgroup"),
        "{err}"
    );

    // A corrupt chunk: the error names the store, the variable and the chunk.
    let dir = scratch("corrupt");
    let store = dir.join("v3.zarr");
    copy_dir(&data_dir().join("v3_consolidated.zarr"), &store);
    std::fs::write(store.join("temp/c/1/0/1"), b"not zstd at all").unwrap();
    let ds = Dataset::open_zarr(s(&store)).unwrap();
    let err = ds
        .variable("temp")
        .unwrap()
        .values()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("v3.zarr") && err.contains("temp") && err.contains("[1, 0, 1]"),
        "{err}"
    );

    // Malformed metadata: the group's zarr.json, an array's zarr.json, a v2 .zarray.
    std::fs::write(store.join("zarr.json"), b"{ not json").unwrap();
    let err = Dataset::open_zarr(s(&store)).unwrap_err().to_string();
    assert!(err.contains("zarr.json") && err.contains("JSON"), "{err}");
    let plain = dir.join("v3_plain.zarr");
    copy_dir(&data_dir().join("v3_plain.zarr"), &plain);
    std::fs::write(plain.join("temp/zarr.json"), b"[1, 2]").unwrap();
    let err = Dataset::open_zarr(s(&plain)).unwrap_err().to_string();
    assert!(err.contains("temp/zarr.json"), "{err}");
    let v2 = dir.join("v2_plain.zarr");
    copy_dir(&data_dir().join("v2_plain.zarr"), &v2);
    std::fs::write(
        v2.join("temp/.zarray"),
        br#"{"zarr_format": 2, "shape": [6, 3, 4], "chunks": "big", "dtype": "<f4"}"#,
    )
    .unwrap();
    let err = Dataset::open_zarr(s(&v2)).unwrap_err().to_string();
    assert!(
        err.contains("v2_plain.zarr") && err.contains("\"temp\""),
        "{err}"
    );
    // Chunks that do not fit the shape.
    std::fs::write(
        v2.join("temp/.zarray"),
        br#"{"zarr_format": 2, "shape": [6, 3, 4], "chunks": [2, 3], "dtype": "<f4",
             "compressor": null, "fill_value": null, "order": "C", "filters": null}"#,
    )
    .unwrap();
    let err = Dataset::open_zarr(s(&v2)).unwrap_err().to_string();
    assert!(err.contains("\"temp\"") && err.contains("[2, 3]"), "{err}");
    // An array without dimension names.
    std::fs::copy(
        data_dir().join("v2_plain.zarr/temp/.zarray"),
        v2.join("temp/.zarray"),
    )
    .unwrap();
    std::fs::write(v2.join("temp/.zattrs"), b"{}").unwrap();
    let err = Dataset::open_zarr(s(&v2)).unwrap_err().to_string();
    assert!(
        err.contains("\"temp\"") && err.contains("_ARRAY_DIMENSIONS"),
        "{err}"
    );
}

/// The dataset of tests/data/zarr/xr_written.zarr: noleap time in hours, a packed
/// variable with NaNs, a lazy variable, a string coordinate and a non-index coordinate.
fn xr_written_dataset() -> Dataset {
    let cal = xr::Calendar::NoLeap;
    let ticks = xr::time::decode(&[58i32, 59, 60, 61], "days since 2001-01-01", cal).unwrap();
    let tenc = Encoding {
        units: Some("hours since 2001-01-01".into()),
        dtype: Some(DType::I32),
        ..Encoding::default()
    };
    let time = Variable::new(
        &["time"],
        NdArray::datetime(ndarray::ArcArray::from_vec(ticks).into_dyn(), cal),
    )
    .unwrap()
    .with_attr("standard_name", "time")
    .with_encoding(tenc);
    let penc = Encoding {
        dtype: Some(DType::I16),
        scale_factor: Some(0.01f64.into()),
        add_offset: Some(273.15f64.into()),
        fill_value: Some((-32767i16).into()),
        ..Encoding::default()
    };
    let t = Variable::new(
        &["time", "x"],
        ndarray::array![
            [270.0, 271.5, f64::NAN],
            [280.25, 290.0, 300.5],
            [f64::NAN, 250.0, 260.0],
            [1.0, 2.0, 3.0]
        ]
        .into_dyn(),
    )
    .unwrap()
    .with_attr("units", "K")
    .with_attr("not_a_number", f64::NAN)
    .with_encoding(penc);
    let z = LazyArray::from_array(
        NdArray::from_shape_vec(&[4, 3], (0..12).map(|i| i as f32 * 0.5).collect()).unwrap(),
        &[2, 3],
    )
    .unwrap();
    let zenc = Encoding {
        chunks: Some(vec![1, 3]),
        shards: Some(vec![2, 3]),
        ..Encoding::default()
    };
    let z = Variable::new(&["time", "x"], Data::Lazy(z))
        .unwrap()
        .with_encoding(zenc);
    Dataset::new()
        .with_coord("time", time)
        .unwrap()
        .with_coord("x", Variable::new(&["x"], vec![1i32, 2, 3]).unwrap())
        .unwrap()
        .with_coord(
            "lat",
            Variable::new(&["x"], vec![10.5f64, 20.5, 30.5]).unwrap(),
        )
        .unwrap()
        .with_coord(
            "name",
            Variable::new(&["x"], vec!["a", "bb", "ccc"]).unwrap(),
        )
        .unwrap()
        .with_data_var("t", t)
        .unwrap()
        .with_data_var("z", z)
        .unwrap()
        .with_attr("title", "written by xr")
}

/// Rewrites tests/data/zarr/xr_written{,_v2}.zarr; then run tests/golden/check_xr_zarr.py.
#[test]
#[ignore = "regenerates committed fixtures"]
fn write_xr_zarr_fixture() {
    for (file, format) in [
        ("xr_written.zarr", ZarrFormat::V3),
        ("xr_written_v2.zarr", ZarrFormat::V2),
    ] {
        xr_written_dataset()
            .write_zarr(fixture(file))
            .mode(ZarrMode::Write)
            .zarr_format(format)
            .write()
            .unwrap();
    }
}

#[test]
fn xarray_reads_what_xr_writes() {
    // What xarray read from the committed stores that xr wrote (check_xr_zarr.py), and
    // what xr reads from stores written now: the same.
    for (file, format, keys) in [
        (
            "xr_written.zarr",
            ZarrFormat::V3,
            ["zarr.json", "t/zarr.json", "z/zarr.json", "name/zarr.json"],
        ),
        (
            "xr_written_v2.zarr",
            ZarrFormat::V2,
            [".zmetadata", "t/.zarray", "z/.zarray", "name/.zarray"],
        ),
    ] {
        let expected = load_json(&file.replace(".zarr", "_expected.json"));
        let committed = Dataset::open_zarr(fixture(file)).unwrap();
        assert_matches_xarray(&committed, &expected);
        let out = s(&scratch(&format!("xr_written_{format:?}")).join(file));
        xr_written_dataset()
            .write_zarr(&out)
            .zarr_format(format)
            .write()
            .unwrap();
        assert_matches_xarray(&Dataset::open_zarr(&out).unwrap(), &expected);
        // The committed store is what xr writes today, key for key.
        for key in keys {
            // Text, not JSON values: attributes hold Python's bare NaN token.
            let ours = std::fs::read_to_string(Path::new(&out).join(key)).unwrap();
            let committed = std::fs::read_to_string(data_dir().join(file).join(key)).unwrap();
            assert_eq!(ours, committed, "{file}: {key}");
        }
    }
}

#[test]
fn xr_writes_into_nested_groups() {
    let ds = xr_written_dataset();
    let out = s(&scratch("groups").join("g.zarr"));
    ds.write_zarr(&out).group("a/b").write().unwrap();
    let back = Dataset::zarr(&out).group("/a/b").open().unwrap();
    // Packed values come back quantised, exactly as from the root of a store.
    let root = Dataset::open_zarr(fixture("xr_written.zarr")).unwrap();
    assert_same(&back, &root, "group a/b");
    // The root and the intermediate group exist (empty).
    assert_eq!(Dataset::open_zarr(&out).unwrap().variables().len(), 0);
    assert_eq!(
        Dataset::zarr(&out)
            .group("a")
            .open()
            .unwrap()
            .variables()
            .len(),
        0
    );
    let err = Dataset::zarr(&out)
        .group("nope")
        .open()
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"nope\"") && err.contains("g.zarr"), "{err}");
}

/// What `xr convert` does: NetCDF files (lazy, chunked as stored) to Zarr v2 and v3 and
/// back, with identical decoded values and attributes.
#[cfg(feature = "netcdf")]
#[test]
fn netcdf_files_convert_to_zarr_and_back() {
    let nc_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let dir = scratch("convert");
    for file in [
        "noleap_daily.nc",
        "day360_daily.nc",
        "packed_int16.nc",
        "compressed_chunked.nc",
        "classic.nc",
        "scalars.nc",
        "unsigned.nc",
        "xr_written.nc",
    ] {
        let nc = Dataset::open_dataset(nc_dir.join(file)).unwrap();
        for format in [ZarrFormat::V3, ZarrFormat::V2] {
            let out = s(&dir.join(format!("{file}.{format:?}.zarr")));
            nc.write_zarr(&out)
                .zarr_format(format)
                .write()
                .unwrap_or_else(|e| panic!("{file} to {format:?}: {e}"));
            let z = Dataset::open_zarr(&out).unwrap();
            assert_same(&z, &nc, &format!("{file} as {format:?}"));
            let back = dir.join(format!("{file}.{format:?}.nc"));
            z.to_netcdf(&back).unwrap();
            let again = Dataset::open_dataset(&back).unwrap();
            assert_same(&again, &nc, &format!("{file} via {format:?} and back"));
        }
    }
}

/// A lazy variable whose last chunk (the only one with 2 rows) fails to compute.
fn failing_dataset(rows: usize) -> Dataset {
    let data = LazyArray::random(&[rows, 6], &[6, 6], 3)
        .unwrap()
        .map_blocks(&[], DType::F64, |blocks| {
            if blocks[0].shape()[0] == 2 {
                Err(Error::invalid_argument(
                    "blk",
                    "this chunk fails on purpose",
                ))
            } else {
                Ok(blocks[0].clone())
            }
        })
        .unwrap();
    Dataset::new()
        .with_coord(
            "t",
            Variable::new(&["t"], (0..rows as i64).collect::<Vec<_>>()).unwrap(),
        )
        .unwrap()
        .with_data_var("v", Variable::new(&["t", "x"], Data::Lazy(data)).unwrap())
        .unwrap()
}

#[test]
fn a_failed_write_leaves_no_store_claiming_the_data() {
    let dir = scratch("failed");
    // A new store: the error names the chunk; no group metadata was written.
    let out = s(&dir.join("new.zarr"));
    let err = failing_dataset(20).to_zarr(&out).unwrap_err().to_string();
    assert!(err.contains("fails on purpose"), "{err}");
    let err = Dataset::open_zarr(&out).unwrap_err().to_string();
    assert!(err.contains("no Zarr group"), "{err}");
    // A failed append: the store keeps its old length, consolidated or listed.
    let out = s(&dir.join("old.zarr"));
    failing_dataset(12).to_zarr(&out).unwrap();
    assert!(failing_dataset(20)
        .write_zarr(&out)
        .append_dim("t")
        .write()
        .is_err());
    for consolidated in [Some(true), Some(false)] {
        let back = Dataset::zarr(&out)
            .consolidated(consolidated)
            .open()
            .unwrap();
        assert_eq!(back.dim_size("t").unwrap(), 12);
        assert!(back
            .variable("v")
            .unwrap()
            .data()
            .equals(failing_dataset(12).variable("v").unwrap().data()));
    }
}

/// The first error of type `E` in `err`'s `source()` chain (`err` itself included).
fn cause<E: std::error::Error + 'static>(err: &Error) -> Option<&E> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

#[test]
fn library_errors_keep_their_cause() {
    let dir = scratch("causes");
    let ds = Dataset::new()
        .with_data_var(
            "v",
            Variable::new(&["x"], vec![1.0f64, 2.0, 3.0, 4.0])
                .unwrap()
                .with_encoding(Encoding {
                    chunks: Some(vec![2]),
                    ..Encoding::default()
                }),
        )
        .unwrap();
    for format in [ZarrFormat::V3, ZarrFormat::V2] {
        // Broken metadata: serde_json's error is the source.
        let store = dir.join(format!("{format:?}.zarr"));
        ds.write_zarr(s(&store))
            .zarr_format(format)
            .consolidated(false)
            .write()
            .unwrap();
        let meta = match format {
            ZarrFormat::V3 => "v/zarr.json",
            ZarrFormat::V2 => "v/.zarray",
        };
        let good = std::fs::read(store.join(meta)).unwrap();
        std::fs::write(store.join(meta), b"{ not json").unwrap();
        let err = Dataset::open_zarr(s(&store)).unwrap_err();
        let json = cause::<serde_json::Error>(&err).unwrap_or_else(|| panic!("{err:?}"));
        assert!(matches!(err, Error::Zarr { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(&s(&store)) && msg.contains(meta) && msg.contains(&json.to_string()),
            "{msg}"
        );

        // A chunk that cannot be decoded: zarrs' error is the source, the chunk named.
        std::fs::write(store.join(meta), good).unwrap();
        let chunk = match format {
            ZarrFormat::V3 => "v/c/1",
            ZarrFormat::V2 => "v/1",
        };
        std::fs::write(store.join(chunk), b"not a chunk").unwrap();
        let opened = Dataset::open_zarr(s(&store)).unwrap();
        let err = opened.variable("v").unwrap().values().unwrap_err();
        assert!(
            cause::<zarrs::array::ArrayError>(&err).is_some(),
            "{format:?}: {err:?}"
        );
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(&err);
        let read = std::iter::from_fn(|| {
            let e = next?;
            next = e.source();
            Some(e)
        })
        .find_map(|e| {
            // A task's error holds its cause as a `Box<Error>`.
            let xr = e
                .downcast_ref::<Error>()
                .or_else(|| e.downcast_ref::<Box<Error>>().map(|b| &**b));
            match xr {
                Some(Error::FileRead { chunk, var, .. }) => Some((chunk, var)),
                _ => None,
            }
        });
        let Some((chunk, var)) = read else {
            panic!("{err:?}")
        };
        assert_eq!(chunk.as_deref(), Some(&[1][..]), "{err}");
        assert_eq!(var, "v");
    }
}

/// A metadata field of the wrong type is zarrs' refusal (serde's error as the source),
/// naming the store, the array and the field; an unknown data type names its field.
#[test]
fn malformed_metadata_fields_are_named() {
    let dir = scratch("malformed_fields");
    let ds = Dataset::new()
        .with_data_var(
            "v",
            Variable::new(&["x"], vec![1.0f64, 2.0, 3.0, 4.0]).unwrap(),
        )
        .unwrap();
    let cases = [
        (ZarrFormat::V3, "v/zarr.json", "shape", r#""four""#),
        (ZarrFormat::V3, "v/zarr.json", "chunk_grid", "7"),
        (ZarrFormat::V2, "v/.zarray", "dtype", "5"),
        (ZarrFormat::V2, "v/.zarray", "chunks", "[0]"),
    ];
    for (i, (format, meta, field, bad)) in cases.into_iter().enumerate() {
        let store = dir.join(format!("{i}.zarr"));
        ds.write_zarr(s(&store))
            .zarr_format(format)
            .consolidated(false)
            .write()
            .unwrap();
        let mut json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(store.join(meta)).unwrap()).unwrap();
        json[field] = serde_json::from_str(bad).unwrap();
        std::fs::write(store.join(meta), json.to_string()).unwrap();
        let err = Dataset::open_zarr(s(&store)).unwrap_err();
        let source = cause::<serde_json::Error>(&err).unwrap_or_else(|| panic!("{err:?}"));
        let Error::Zarr {
            store: named,
            array,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(named, &s(&store));
        assert_eq!(array.as_deref(), Some("v"));
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("{field:?}")) && msg.contains(&source.to_string()),
            "{msg}"
        );
    }
    // A data type zarrs parses but neither it nor xr knows: xr's own check names it.
    let store = dir.join("unknown_dtype.zarr");
    ds.write_zarr(s(&store))
        .zarr_format(ZarrFormat::V2)
        .consolidated(false)
        .write()
        .unwrap();
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.join("v/.zarray")).unwrap()).unwrap();
    json["dtype"] = "<x9".into();
    std::fs::write(store.join("v/.zarray"), json.to_string()).unwrap();
    let msg = Dataset::open_zarr(s(&store)).unwrap_err().to_string();
    assert!(
        msg.contains("unknown_dtype.zarr")
            && msg.contains("\"v\"")
            && msg.contains("<x9")
            && msg.contains("\"dtype\""),
        "{msg}"
    );
}
