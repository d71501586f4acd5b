//! The NetCDF driver against xarray: every fixture of tests/golden/make_io_fixtures.py
//! opened as xarray opens it (tests/data/expected.json), round trips xr → xr and
//! xr → xarray (tests/golden/check_xr_written.py), and bad input.
#![cfg(feature = "netcdf")]
#![allow(clippy::unwrap_used)]

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use xr::array::chunks::ChunkGrid;
use xr::io::netcdf::NetcdfFormat;
use xr::lazy::Data;
use xr::lazy::{ChunkSource, LazyArray};
use xr::{AttrValue, Attrs, Compression, DType, Dataset, Encoding, Error, NdArray, Variable};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn fixture(name: &str) -> PathBuf {
    data_dir().join(name)
}

fn load_json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data_dir().join(name)).unwrap()).unwrap()
}

fn cases() -> Vec<Value> {
    load_json("expected.json")["cases"]
        .as_array()
        .unwrap()
        .clone()
}

fn case(file: &str) -> Value {
    cases()
        .into_iter()
        .find(|c| c["file"] == file)
        .unwrap_or_else(|| panic!("no case {file} in expected.json"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xr-io-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The decoded values of `var` in the file at `path`, as f64.
fn decoded_values(path: &Path, var: &str) -> Vec<f64> {
    Dataset::open_dataset(path)
        .unwrap()
        .variable(var)
        .unwrap()
        .values()
        .unwrap()
        .to_f64_vec()
        .unwrap()
}

fn dtype_name(d: DType) -> String {
    match d {
        DType::DateTime(_) => "datetime".into(),
        DType::Str => "str".into(),
        other => other.name().into(),
    }
}

fn attr_json(v: &AttrValue) -> Value {
    match v {
        AttrValue::Str(s) => Value::from(s.clone()),
        AttrValue::Array(a) => match a {
            NdArray::Str(s) => Value::from(s.iter().cloned().collect::<Vec<_>>()),
            _ => Value::from(
                a.to_f64_vec()
                    .unwrap()
                    .into_iter()
                    .map(|x| {
                        if x.is_nan() {
                            Value::Null
                        } else {
                            Value::from(x)
                        }
                    })
                    .collect::<Vec<_>>(),
            ),
        },
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
        other => other
            .to_f64_vec()
            .unwrap()
            .into_iter()
            .map(|x| {
                if x.is_nan() {
                    Value::Null
                } else {
                    Value::from(x)
                }
            })
            .collect(),
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

/// Asserts that `ds` holds what xarray read (one case of expected.json).
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
    if let Some(unlimited) = expected.get("unlimited_dims") {
        let mut ours: Vec<String> = match &ds.encoding().unlimited_dims {
            Some(dims) => dims.clone(),
            None => panic!("{file}: no unlimited_dims encoding"),
        };
        ours.sort();
        assert_eq!(&Value::from(ours), unlimited, "{file}: unlimited_dims");
        let source = ds.encoding().source.as_deref();
        assert!(source.is_some_and(|s| s.ends_with(".nc")), "{file}: source");
    }
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
                "dtype" if wv == "|S1" => {
                    let ours = ours.and_then(AttrValue::as_str);
                    assert_eq!(ours, Some("S1"), "{ctx}: encoding dtype");
                }
                "zlib" | "shuffle" | "fletcher32" | "contiguous" => {
                    let ours = ours.and_then(AttrValue::as_f64).map(|x| x != 0.0);
                    assert_eq!(ours, wv.as_bool(), "{ctx}: encoding {key}");
                }
                "complevel" | "original_shape" => {
                    let ours = ours.map(|a| match a {
                        AttrValue::Array(a) => a.to_f64_vec().unwrap(),
                        other => panic!("{ctx}: {key} {other:?}"),
                    });
                    let theirs = match wv {
                        Value::Array(v) => v.iter().map(|x| x.as_f64().unwrap()).collect(),
                        one => vec![one.as_f64().unwrap()],
                    };
                    assert_eq!(ours, Some(theirs), "{ctx}: encoding {key}");
                }
                "units" | "calendar" | "_Unsigned" | "char_dim_name" | "_Encoding" => {
                    let ours = ours.map(attr_json);
                    assert_eq!(ours.as_ref(), Some(wv), "{ctx}: encoding {key}");
                }
                "scale_factor" | "add_offset" | "_FillValue" => {
                    let ours = ours.map(attr_json);
                    assert_eq!(ours.as_ref(), Some(wv), "{ctx}: encoding {key}");
                }
                "chunksizes" if !wv[0].is_null() => {
                    let ours = ours.map(|a| match a {
                        AttrValue::Array(a) => a.to_f64_vec().unwrap(),
                        other => panic!("{ctx}: chunksizes {other:?}"),
                    });
                    let theirs: Vec<f64> = wv
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_f64().unwrap())
                        .collect();
                    assert_eq!(ours, Some(theirs), "{ctx}: encoding chunksizes");
                }
                _ => {}
            }
        }
    }
}

fn open_case(expected: &Value) -> xr::Result<Dataset> {
    let mut opts = Dataset::open(fixture(expected["file"].as_str().unwrap()));
    if let Some(g) = expected["group"].as_str() {
        opts = opts.group(g);
    }
    opts.open()
}

#[test]
fn every_fixture_reads_as_xarray_reads_it() {
    let mut checked = 0;
    for expected in cases() {
        let file = expected["file"].as_str().unwrap().to_string();
        let result = open_case(&expected);
        if expected.get("error").is_some() {
            let err = result
                .err()
                .unwrap_or_else(|| panic!("{file}: xarray fails, xr opened it"));
            let msg = err.to_string();
            assert!(
                msg.contains(Path::new(&file).file_name().unwrap().to_str().unwrap()),
                "{file}: error does not name the file: {msg}"
            );
        } else {
            let ds = result.unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_matches_xarray(&ds, &expected);
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} cases checked");
}

#[test]
fn xarray_example_files_match_xarray() {
    for name in ["example_1.nc", "bears.nc"] {
        let expected = case(name);
        let ds = open_case(&expected).unwrap();
        assert_matches_xarray(&ds, &expected);
    }
}

#[test]
fn data_variables_are_lazy_and_chunked_as_stored() {
    let ds = Dataset::open_dataset(fixture("compressed_chunked.nc")).unwrap();
    let z = ds.variable("z").unwrap();
    assert!(z.data().is_lazy());
    assert_eq!(
        z.data().chunks().unwrap(),
        [vec![5; 4], vec![4, 4], vec![4, 4]]
    );
    // Encoding for the write stays lazy too (time bounds in known units).
    let bnds = ds.variable("time_bnds").unwrap();
    assert!(matches!(bnds.dtype(), DType::DateTime(_)));
    let encoded = xr::io::cf::encode_variable("time_bnds", bnds).unwrap();
    assert!(encoded.data().is_lazy());
    assert_eq!(encoded.dtype(), DType::F64);
    // Index coordinates are in memory.
    assert!(!ds.variable("time").unwrap().data().is_lazy());
    // NetCDF-3: one piece along the record dim (tiny file).
    let ds = Dataset::open_dataset(fixture("classic.nc")).unwrap();
    assert_eq!(
        ds.variable("temp").unwrap().data().chunks().unwrap(),
        [vec![4], vec![3]]
    );
    // Decoding stays lazy: masking and scaling run per chunk.
    let ds = Dataset::open_dataset(fixture("packed_int16.nc")).unwrap();
    assert!(ds.variable("t").unwrap().data().is_lazy());
}

#[test]
fn chunks_read_in_parallel_agree_with_one_read() {
    // libnetcdf is not thread-safe: the executor reads chunks from many threads, which
    // the driver's lock serialises.
    let ds = Dataset::open_dataset(fixture("compressed_chunked.nc")).unwrap();
    let z = ds.variable("z").unwrap();
    let whole = z.values().unwrap();
    let opened: Vec<Dataset> = (2000..2003)
        .map(|y| Dataset::open_dataset(fixture(&format!("mf_{y}.nc"))).unwrap())
        .collect();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..5 {
                    assert!(z.values().unwrap().equals(&whole));
                    for ds in &opened {
                        assert_eq!(ds.variable("v").unwrap().values().unwrap().len(), 12);
                    }
                }
            });
        }
    });
}

#[test]
fn decode_options_turn_each_step_off() {
    let raw = Dataset::open(fixture("packed_int16.nc"))
        .decode_cf(false)
        .open()
        .unwrap();
    let t = raw.variable("t").unwrap();
    assert_eq!(t.dtype(), DType::I16);
    assert!(t.attrs().contains_key("scale_factor"));
    assert!(t.attrs().contains_key("_FillValue"));

    let no_mask = Dataset::open(fixture("packed_int16.nc"))
        .mask_and_scale(false)
        .open()
        .unwrap();
    assert_eq!(no_mask.variable("count").unwrap().dtype(), DType::I16);

    let no_times = Dataset::open(fixture("noleap_daily.nc"))
        .decode_times(false)
        .open()
        .unwrap();
    let time = no_times.variable("time").unwrap();
    assert_eq!(time.dtype(), DType::I32);
    assert_eq!(time.attrs()["calendar"].as_str(), Some("noleap"));
    assert_eq!(time.values().unwrap().to_f64_vec().unwrap()[0], 50.0);

    let no_coords = Dataset::open(fixture("compressed_chunked.nc"))
        .decode_coords(false)
        .open()
        .unwrap();
    assert!(!no_coords.is_coord("lat"));
    assert_eq!(
        no_coords.variable("z").unwrap().attrs()["coordinates"].as_str(),
        Some("lat lon")
    );
}

#[test]
fn group_option_opens_a_nested_group() {
    let ds = Dataset::open(fixture("group.nc"))
        .group("/model/run1")
        .open()
        .unwrap();
    assert_eq!(ds.attrs()["run"].as_str(), Some("one"));
    let root = Dataset::open_dataset(fixture("group.nc")).unwrap();
    assert_eq!(root.attrs()["title"].as_str(), Some("root"));
    assert!(root.variables().is_empty());
    let err = Dataset::open(fixture("group.nc"))
        .group("/nope")
        .open()
        .unwrap_err()
        .to_string();
    assert!(err.contains("nope") && err.contains("group.nc"), "{err}");
}

/// Writes `ds`, reads it back, and checks every variable round-trips exactly.
fn assert_round_trip(ds: &Dataset, format: NetcdfFormat, name: &str) -> Dataset {
    let out = scratch(name);
    ds.write_netcdf(&out).format(format).write().unwrap();
    let back = Dataset::open_dataset(&out).unwrap();
    for (n, v) in ds.variables() {
        let w = back.variable(n).unwrap();
        assert_eq!(w.dims(), v.dims(), "{name}: {n}: dims");
        let nc3 = matches!(
            format,
            NetcdfFormat::Netcdf3Classic | NetcdfFormat::Netcdf3_64BitOffset
        );
        // NetCDF-3 has no 64-bit integers: int64 comes back int32, as in xarray.
        let want = if nc3 && v.dtype() == DType::I64 {
            v.values().unwrap().astype(DType::I32).unwrap()
        } else {
            v.values().unwrap()
        };
        assert_eq!(w.dtype(), want.dtype(), "{name}: {n}: dtype");
        assert!(
            w.values().unwrap().equals(&want),
            "{name}: {n}: values {:?} vs {:?}",
            w.values().unwrap(),
            v.values().unwrap()
        );
        for key in [
            "dtype",
            "units",
            "calendar",
            "scale_factor",
            "add_offset",
            "_FillValue",
        ] {
            if key == "dtype" && nc3 {
                continue; // NetCDF-3 has no 64-bit integers: xarray's coercion applies
            }
            if let Some(e) = v.encoding().to_attrs().get(key) {
                assert_eq!(
                    w.encoding().to_attrs().get(key),
                    Some(e),
                    "{name}: {n}: encoding {key}"
                );
            }
        }
        assert_eq!(w.attrs(), v.attrs(), "{name}: {n}: attrs");
    }
    assert_eq!(back.coord_names(), ds.coord_names(), "{name}: coords");
    back
}

#[test]
fn packed_time_and_fill_round_trip_exactly() {
    for (file, format) in [
        ("packed_int16.nc", NetcdfFormat::Netcdf4),
        ("noleap_daily.nc", NetcdfFormat::Netcdf4),
        ("day360_daily.nc", NetcdfFormat::Netcdf4),
        ("unsigned.nc", NetcdfFormat::Netcdf4),
        ("compressed_chunked.nc", NetcdfFormat::Netcdf4),
        ("classic.nc", NetcdfFormat::Netcdf4),
        ("classic.nc", NetcdfFormat::Netcdf3Classic),
        ("classic_strings.nc", NetcdfFormat::Netcdf3Classic),
        ("classic_strings.nc", NetcdfFormat::Netcdf4Classic),
        ("classic_strings.nc", NetcdfFormat::Netcdf4),
        ("mf_2001.nc", NetcdfFormat::Netcdf3_64BitOffset),
        ("packed_int16.nc", NetcdfFormat::Netcdf3Classic),
        ("noleap_daily.nc", NetcdfFormat::Netcdf4Classic),
    ] {
        let ds = Dataset::open_dataset(fixture(file)).unwrap();
        assert_round_trip(&ds, format, &format!("rt_{file}"));
    }
}

#[test]
fn compression_and_chunking_are_written() {
    let ds = Dataset::open_dataset(fixture("compressed_chunked.nc")).unwrap();
    let enc = Encoding {
        chunksizes: Some(vec![10, 8, 8]),
        compression: Some(Compression::Zlib(9)),
        ..Encoding::default()
    };
    let out = scratch("compressed_out.nc");
    ds.write_netcdf(&out)
        .encoding("z", enc)
        .unlimited_dims(&["time"])
        .write()
        .unwrap();
    let back = Dataset::open_dataset(&out).unwrap();
    let z = back.variable("z").unwrap();
    assert_eq!(z.data().chunks().unwrap(), [vec![10, 10], vec![8], vec![8]]);
    assert_eq!(z.encoding().unlimited_dims, ["time"]);
    assert!(z
        .values()
        .unwrap()
        .equals(&ds.variable("z").unwrap().values().unwrap()));
}

/// The storage encoding xr reads (what nc_inq_var_deflate/fletcher32 say).
fn storage(v: &Variable) -> Vec<(String, Option<f64>)> {
    ["zlib", "complevel", "shuffle", "fletcher32", "contiguous"]
        .iter()
        .map(|k| {
            (
                k.to_string(),
                v.encoding().to_attrs().get(*k).and_then(AttrValue::as_f64),
            )
        })
        .collect()
}

#[test]
fn open_then_to_netcdf_keeps_chunking_and_filters() {
    let ds = Dataset::open_dataset(fixture("compressed_chunked.nc")).unwrap();
    let z = ds.variable("z").unwrap();
    // What xarray's encoding says for z (expected.json checks the rest).
    let on = Some(1.0);
    let off = Some(0.0);
    let want = [
        ("zlib", on),
        ("complevel", Some(4.0)),
        ("shuffle", on),
        ("fletcher32", off),
        ("contiguous", off),
    ];
    let want: Vec<(String, Option<f64>)> = want.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    assert_eq!(storage(z), want);
    let out = scratch("kept_storage.nc");
    ds.to_netcdf(&out).unwrap();

    // The netcdf crate on the rewritten file: same chunking, contiguous where it was.
    let original = netcdf::open(fixture("compressed_chunked.nc")).unwrap();
    let rewritten = netcdf::open(&out).unwrap();
    for name in ["z", "time", "time_bnds", "lat", "lon"] {
        assert_eq!(
            rewritten.variable(name).unwrap().chunking().unwrap(),
            original.variable(name).unwrap().chunking().unwrap(),
            "{name}: chunking"
        );
    }
    assert_eq!(
        rewritten.variable("z").unwrap().chunking().unwrap(),
        Some(vec![5, 4, 4])
    );
    // Deflate level, shuffle, fletcher32 and storage, read back from the library.
    let back = Dataset::open_dataset(&out).unwrap();
    for (name, v) in ds.variables() {
        assert_eq!(storage(back.variable(name).unwrap()), storage(v), "{name}");
    }
    assert!(back.variable("z").unwrap().data().equals(z.data()));
}

#[test]
fn fletcher32_level_and_contiguous_are_written_as_asked() {
    let ds = Dataset::open_dataset(fixture("noleap_daily.nc")).unwrap();
    // The file's `zlib: false` is replaced, as xarray needs it to be.
    let enc = Encoding {
        compression: Some(Compression::Zlib(2)),
        shuffle: Some(false),
        fletcher32: Some(true),
        chunksizes: Some(vec![4, 3]),
        ..Encoding::default()
    };
    let out = scratch("fletcher.nc");
    ds.write_netcdf(&out).encoding("tas", enc).write().unwrap();
    let back = Dataset::open_dataset(&out).unwrap();
    let tas = back.variable("tas").unwrap();
    let got: Vec<Option<f64>> = storage(tas).into_iter().map(|(_, v)| v).collect();
    assert_eq!(got, [Some(1.0), Some(2.0), Some(0.0), Some(1.0), Some(0.0)]);
    assert_eq!(
        netcdf::open(&out)
            .unwrap()
            .variable("tas")
            .unwrap()
            .chunking()
            .unwrap(),
        Some(vec![4, 3])
    );
    assert!(tas.data().equals(ds.variable("tas").unwrap().data()));
    // HDF5 itself (the direct reader's probe) sees the checksum and deflate filters.
    #[cfg(feature = "direct")]
    {
        let direct = xr::io::chunks::DirectChunkSource::open(&out, "tas")
            .unwrap()
            .unwrap();
        let filters = format!("{direct:?}");
        assert!(
            filters.contains("Fletcher32")
                && filters.contains("Deflate")
                && !filters.contains("Shuffle"),
            "{filters}"
        );
    }
}

#[test]
fn dataset_encoding_gives_source_and_unlimited_dims() {
    let ds = Dataset::open_dataset(fixture("classic.nc")).unwrap();
    assert_eq!(
        ds.encoding().unlimited_dims.as_deref(),
        Some(&["time".to_string()][..])
    );
    assert_eq!(
        ds.encoding().source.as_deref(),
        fixture("classic.nc").to_str()
    );
    // No variable says so; the dataset's encoding makes `x` unlimited (as xarray).
    let mut plain = Dataset::new()
        .with_data_var("v", Variable::new(&["x"], vec![1.0f64, 2.0]).unwrap())
        .unwrap();
    plain.encoding_mut().unlimited_dims = Some(vec!["x".into()]);
    let out = scratch("ds_unlimited.nc");
    plain.to_netcdf(&out).unwrap();
    assert!(netcdf::open(&out)
        .unwrap()
        .dimension("x")
        .unwrap()
        .is_unlimited());
}

/// The dataset of tests/data/xr_written_strings.nc: strings (multi-byte, empty, 2-D, an
/// index coordinate) for NetCDF-3.
fn strings_dataset() -> Dataset {
    let name = Variable::new(&["site"], vec!["Zürich", "", "Ōsaka", "Lyon"]).unwrap();
    let code = Variable::new(
        &["t", "site"],
        NdArray::from_shape_vec(
            &[2, 4],
            ["a", "bb", "ccc", "d", "ee", "", "fff", "g"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        )
        .unwrap(),
    )
    .unwrap()
    .with_attr("long_name", "station code");
    let site = Variable::new(&["site"], vec!["zrh", "nul", "osa", "lys"]).unwrap();
    Dataset::new()
        .with_coord("site", site)
        .unwrap()
        .with_coord("t", Variable::new(&["t"], vec![0i32, 1]).unwrap())
        .unwrap()
        .with_data_var("name", name)
        .unwrap()
        .with_data_var("code", code)
        .unwrap()
        .with_attr("title", "strings written by xr")
}

/// Regenerates tests/data/xr_written_strings.nc; then run
/// `tests/golden/make_io_fixtures.py --expect-only`, which checks xarray reads the
/// strings and records its reading in expected.json.
#[test]
#[ignore = "regenerates a committed fixture"]
fn write_xr_written_strings_fixture() {
    strings_dataset()
        .write_netcdf(fixture("xr_written_strings.nc"))
        .format(NetcdfFormat::Netcdf3Classic)
        .write()
        .unwrap();
}

#[test]
fn strings_go_to_netcdf3_as_xarray_writes_them() {
    let out = scratch("strings3.nc");
    strings_dataset()
        .write_netcdf(&out)
        .format(NetcdfFormat::Netcdf3Classic)
        .write()
        .unwrap();
    // xarray's reading of the committed file xr wrote; the new one reads the same.
    assert_matches_xarray(
        &Dataset::open_dataset(&out).unwrap(),
        &case("xr_written_strings.nc"),
    );
    // As xarray stores them: NC_CHAR, a string{N} dim of the longest UTF-8 length,
    // `_Encoding = "utf-8"`.
    let file = netcdf::open(&out).unwrap();
    let name = file.variable("name").unwrap();
    assert_eq!(name.vartype(), netcdf::types::NcVariableType::Char);
    let dims: Vec<(String, usize)> = name
        .dimensions()
        .iter()
        .map(|d| (d.name(), d.len()))
        .collect();
    assert_eq!(dims, [("site".to_string(), 4), ("string7".to_string(), 7)]);
    assert_eq!(
        name.attribute_value("_Encoding").unwrap().unwrap(),
        netcdf::AttributeValue::Str("utf-8".into())
    );
    // A string longer than a given char dim is an error naming the variable.
    let enc = Encoding {
        char_dim_name: Some("nchar".into()),
        ..Encoding::default()
    };
    let long = Dataset::new()
        .with_data_var("n", Variable::new(&["nchar"], vec![0i8; 2]).unwrap())
        .unwrap()
        .with_data_var(
            "s",
            Variable::new(&["x"], vec!["abc"])
                .unwrap()
                .with_encoding(enc),
        )
        .unwrap();
    let err = long
        .write_netcdf(scratch("too_long.nc"))
        .format(NetcdfFormat::Netcdf3Classic)
        .write()
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"s\"") && err.contains("nchar"), "{err}");
}

#[test]
fn bools_round_trip_as_xarray_stores_them() {
    let ds = Dataset::new()
        .with_data_var(
            "flag",
            Variable::new(&["x"], vec![true, false, true]).unwrap(),
        )
        .unwrap();
    let back = assert_round_trip(&ds, NetcdfFormat::Netcdf4, "bools.nc");
    assert_eq!(back.variable("flag").unwrap().dtype(), DType::Bool);
}

#[test]
fn writing_into_a_group() {
    let ds = Dataset::open_dataset(fixture("packed_int16.nc")).unwrap();
    let out = scratch("grouped.nc");
    ds.write_netcdf(&out).group("/exp/a").write().unwrap();
    let back = Dataset::open(&out).group("exp/a").open().unwrap();
    for (n, v) in ds.variables() {
        assert!(back.variable(n).unwrap().data().equals(v.data()), "{n}");
    }
    assert!(Dataset::open_dataset(&out).unwrap().variables().is_empty());
}

#[test]
fn unlimited_dims_survive_a_round_trip() {
    let ds = Dataset::open_dataset(fixture("mf_2000.nc")).unwrap();
    let out = scratch("unlimited_again.nc");
    ds.write_netcdf(&out)
        .format(NetcdfFormat::Netcdf3Classic)
        .write()
        .unwrap();
    let back = Dataset::open_dataset(&out).unwrap();
    assert_eq!(
        back.variable("v").unwrap().encoding().unlimited_dims,
        ["time"]
    );
}

#[test]
fn packing_a_float_variable_to_int16() {
    let t = Variable::new(&["x"], vec![1.5f64, f64::NAN, -3.25, 100.0]).unwrap();
    let enc = Encoding {
        dtype: Some(DType::I16),
        scale_factor: Some(0.25f64.into()),
        add_offset: Some(10f64.into()),
        fill_value: Some((-32768i16).into()),
        ..Encoding::default()
    };
    let ds = Dataset::new()
        .with_data_var("t", t.with_encoding(enc))
        .unwrap();
    let back = assert_round_trip(&ds, NetcdfFormat::Netcdf4, "packed_f64.nc");
    let raw = Dataset::open(scratch("packed_f64.nc"))
        .decode_cf(false)
        .open()
        .unwrap();
    let t = raw.variable("t").unwrap();
    assert_eq!(t.dtype(), DType::I16);
    assert_eq!(
        t.values().unwrap().to_f64_vec().unwrap(),
        [-34.0, -32768.0, -53.0, 360.0]
    );
    assert_eq!(back.variable("t").unwrap().dtype(), DType::F64);
}

/// The dataset of tests/data/xr_written.nc: noleap time, a packed variable with NaNs, a
/// compressed chunked lazy variable, a string variable and a non-index coordinate.
fn xr_written_dataset() -> Dataset {
    let cal = xr::Calendar::NoLeap;
    let ticks = xr::time::decode(&[58i32, 59, 60, 61], "days since 2001-01-01", cal).unwrap();
    let time = Variable::new(
        &["time"],
        NdArray::datetime(ndarray::ArcArray::from_vec(ticks).into_dyn(), cal),
    )
    .unwrap()
    .with_attr("standard_name", "time");
    let tenc = Encoding {
        units: Some("hours since 2001-01-01".into()),
        dtype: Some(DType::I32),
        ..Encoding::default()
    };
    let time = time.with_encoding(tenc);
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
    .with_attr("units", "K");
    let penc = Encoding {
        dtype: Some(DType::I16),
        scale_factor: Some(0.01f64.into()),
        add_offset: Some(273.15f64.into()),
        fill_value: Some((-32767i16).into()),
        ..Encoding::default()
    };
    let t = t.with_encoding(penc);
    let z = LazyArray::from_array(
        NdArray::from_shape_vec(&[4, 3], (0..12).map(|i| i as f32 * 0.5).collect()).unwrap(),
        &[2, 3],
    )
    .unwrap();
    let zenc = Encoding {
        compression: Some(Compression::Zlib(4)),
        chunksizes: Some(vec![2, 3]),
        ..Encoding::default()
    };
    let z = Variable::new(&["time", "x"], Data::Lazy(z))
        .unwrap()
        .with_encoding(zenc);
    let name = Variable::new(&["x"], vec!["a", "bb", "ccc"]).unwrap();
    let lat = Variable::new(&["x"], vec![10.5f64, 20.5, 30.5]).unwrap();
    Dataset::new()
        .with_coord("time", time)
        .unwrap()
        .with_coord("x", Variable::new(&["x"], vec![1i32, 2, 3]).unwrap())
        .unwrap()
        .with_coord("lat", lat)
        .unwrap()
        .with_data_var("t", t)
        .unwrap()
        .with_data_var("z", z)
        .unwrap()
        .with_data_var("name", name)
        .unwrap()
        .with_attr("title", "written by xr")
}

/// Regenerates tests/data/xr_written.nc; then run tests/golden/check_xr_written.py.
#[test]
#[ignore = "regenerates a committed fixture"]
fn write_xr_written_fixture() {
    xr_written_dataset()
        .to_netcdf(fixture("xr_written.nc"))
        .unwrap();
}

#[test]
fn xarray_reads_what_xr_writes() {
    // xr_written_expected.json is xarray's reading of xr_written.nc, which this same
    // dataset wrote; write it again and check xr reads what xarray read.
    let expected = load_json("xr_written_expected.json");
    let out = scratch("xr_written_again.nc");
    xr_written_dataset().to_netcdf(&out).unwrap();
    let back = Dataset::open_dataset(&out).unwrap();
    assert_matches_xarray(&back, &expected);
    // The committed file itself reads the same.
    let committed = Dataset::open_dataset(fixture("xr_written.nc")).unwrap();
    assert_matches_xarray(&committed, &expected);
}

#[test]
fn missing_file_names_the_path() {
    let err = Dataset::open_dataset(fixture("no_such_file.nc")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("no_such_file.nc"), "{err}");
}

#[test]
fn truncated_files_are_errors_naming_the_file() {
    for name in ["truncated_nc4.nc", "truncated_nc3.nc"] {
        let err = Dataset::open_dataset(fixture(name))
            .and_then(|ds| {
                for (_, v) in ds.variables() {
                    v.values()?;
                }
                Ok(ds)
            })
            .unwrap_err()
            .to_string();
        assert!(err.contains(name), "{err}");
    }
    let not_netcdf = fixture("expected.json");
    let err = Dataset::open_dataset(&not_netcdf).unwrap_err().to_string();
    assert!(err.contains("expected.json"), "{err}");
}

#[test]
fn unknown_calendar_names_calendar_and_variable() {
    let err = Dataset::open_dataset(fixture("unknown_calendar.nc"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("martian"), "{err}");
    assert!(err.contains("\"time\""), "{err}");
    assert!(err.contains("unknown_calendar.nc"), "{err}");
    // Without time decoding the file opens.
    let ds = Dataset::open(fixture("unknown_calendar.nc"))
        .decode_times(false)
        .open()
        .unwrap();
    assert_eq!(ds.variable("time").unwrap().dtype(), DType::I32);
}

/// A source whose chunks fail to read after the first.
#[derive(Debug)]
struct Failing {
    shape: Vec<usize>,
    grid: ChunkGrid,
}

impl ChunkSource for Failing {
    fn dtype(&self) -> DType {
        DType::F64
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn chunks(&self) -> &ChunkGrid {
        &self.grid
    }
    fn read(&self, region: &[Range<usize>]) -> xr::Result<NdArray> {
        if region[0].start > 0 {
            return Err(Error::invalid_argument("region", "the disk is on fire"));
        }
        NdArray::full(&[region[0].len()], &xr::Scalar::F64(1.0), DType::F64)
    }
    fn label(&self) -> String {
        "failing".into()
    }
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("xr-tmp"))
        .collect()
}

#[test]
fn failed_write_leaves_no_file_and_keeps_the_target() {
    let dir = scratch("failing").with_extension("d");
    std::fs::create_dir_all(&dir).unwrap();
    let source = Failing {
        shape: vec![10],
        grid: ChunkGrid::regular(&[10], &[5]).unwrap(),
    };
    let lazy = LazyArray::from_source(Arc::new(source));
    let ds = Dataset::new()
        .with_data_var("v", Variable::new(&["x"], Data::Lazy(lazy)).unwrap())
        .unwrap();

    // A new target: the failure leaves nothing behind.
    let new = dir.join("new.nc");
    let err = ds.to_netcdf(&new).unwrap_err().to_string();
    assert!(err.contains("on fire"), "{err}");
    assert!(!new.exists());
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));

    // An existing target is untouched.
    let existing = dir.join("existing.nc");
    std::fs::write(&existing, b"precious").unwrap();
    assert!(ds.to_netcdf(&existing).is_err());
    assert_eq!(std::fs::read(&existing).unwrap(), b"precious");
    assert!(leftovers(&dir).is_empty());

    // A failure while defining (a string-length dim that clashes with another dim)
    // behaves the same.
    let enc = Encoding {
        char_dim_name: Some("y".into()),
        ..Encoding::default()
    };
    let s = Variable::new(&["x"], vec!["a", "b"])
        .unwrap()
        .with_encoding(enc);
    let strings = Dataset::new()
        .with_data_var("n", Variable::new(&["y"], vec![1i32; 5]).unwrap())
        .unwrap()
        .with_data_var("s", s)
        .unwrap();
    let err = strings
        .write_netcdf(&existing)
        .format(NetcdfFormat::Netcdf3Classic)
        .write()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"s\"") && err.contains("existing.nc"),
        "{err}"
    );
    assert_eq!(std::fs::read(&existing).unwrap(), b"precious");
    assert!(leftovers(&dir).is_empty());

    // Writing into a directory that does not exist names the file.
    let err = ds
        .to_netcdf(dir.join("no/such/dir/out.nc"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("out.nc"), "{err}");
}

#[test]
fn dims_that_disagree_are_errors_naming_the_variable() {
    // Dataset refuses the conflict itself; the writer checks too, for datasets built
    // by hand from parts.
    let a = Variable::new(&["x"], vec![1.0f64, 2.0]).unwrap();
    let b = Variable::new(&["x"], vec![1.0f64, 2.0, 3.0]).unwrap();
    let err = Dataset::new()
        .with_data_var("a", a)
        .unwrap()
        .with_data_var("b", b)
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"b\""), "{err}");
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
    let path = fixture("truncated_nc4.nc");
    let err = Dataset::open_dataset(&path)
        .and_then(|ds| {
            for (_, v) in ds.variables() {
                v.values()?;
            }
            Ok(ds)
        })
        .unwrap_err();
    // libnetcdf's own error is the source, not a copy of its text.
    let netcdf_error = cause::<netcdf::Error>(&err).unwrap_or_else(|| panic!("{err:?}"));
    let Error::Netcdf {
        path: at, source, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*at, path);
    assert!(std::ptr::eq(source, netcdf_error));
    // The message still names the file and says what the library said.
    let msg = err.to_string();
    assert!(
        msg.contains("truncated_nc4.nc") && msg.contains(&netcdf_error.to_string()),
        "{msg}"
    );
}

/// Unfiltered chunks that every write covers whole go to the file past libhdf5's cache
/// and without a fill value written first (`NC_NOFILL`); blocks that split chunks keep
/// the default. Either way the file reads back as written, its `_FillValue` attribute
/// (set before `NC_NOFILL`, which would delete it) kept, and masked values stored as it.
#[test]
fn unfiltered_chunks_read_back_whether_written_whole_or_not() {
    let nan = f64::NAN;
    let values: Vec<f64> = (0..6 * 4 * 5)
        .map(|i| if i % 7 == 3 { nan } else { f64::from(i) * 0.5 })
        .collect();
    let data = NdArray::from_shape_vec(&[6, 4, 5], values.clone()).unwrap();
    for (block, chunk) in [(2, 2), (3, 2), (1, 6)] {
        let ds = Dataset::new()
            .with_data_var("v", Variable::new(&["t", "y", "x"], data.clone()).unwrap())
            .unwrap()
            .chunk(&[("t", block)])
            .unwrap();
        let enc = Encoding {
            dtype: Some(DType::I16),
            fill_value: Some(AttrValue::from(-99_i16)),
            chunksizes: Some(vec![chunk, 4, 5]),
            ..Encoding::default()
        };
        let out = scratch(&format!("unfiltered-{block}-{chunk}.nc"));
        ds.write_netcdf(&out).encoding("v", enc).write().unwrap();
        let what = format!("blocks of {block}, chunks of {chunk}");
        let got = decoded_values(&out, "v");
        let same = got
            .iter()
            .zip(&values)
            .all(|(g, w)| g == &w.round() || (g.is_nan() && w.is_nan()));
        assert!(same, "{what}: {got:?}");
        let raw = Dataset::open(&out).decode_cf(false).open().unwrap();
        let v = raw.variable("v").unwrap();
        assert_eq!(
            v.attrs().get("_FillValue"),
            Some(&AttrValue::from(-99_i16)),
            "{what}"
        );
        let stored = v.values().unwrap().to_f64_vec().unwrap();
        assert_eq!(stored[3], -99.0, "{what}");
        // libnetcdf's view: no fill for the chunks written whole, the fill value else.
        let file = netcdf::open(&out).unwrap();
        let fill = file.variable("v").unwrap().fill_value::<i16>().unwrap();
        let whole = block % chunk == 0;
        assert_eq!(fill, (!whole).then_some(-99), "{what}");
        std::fs::remove_file(&out).unwrap();
    }
}

/// The writer reserves the blocks of unfiltered values before writing them (and gives
/// back any reserved past the file's end): the file reads back as written and takes no
/// more disk than its size.
#[test]
fn a_file_written_into_reserved_blocks_reads_back_and_takes_its_size() {
    let values: Vec<f64> = (0..64 * 1024).map(|i| f64::from(i % 977)).collect();
    let data = NdArray::from_shape_vec(&[64, 1024], values.clone()).unwrap();
    let ds = Dataset::new()
        .with_data_var("v", Variable::new(&["t", "x"], data).unwrap())
        .unwrap()
        .chunk(&[("t", 16)])
        .unwrap();
    let out = scratch("reserved.nc");
    ds.write_netcdf(&out).write().unwrap();
    assert_eq!(decoded_values(&out, "v"), values);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt as _;
        let meta = std::fs::metadata(&out).unwrap();
        assert!(meta.len() >= 512 * 1024, "{} bytes", meta.len());
        assert!(
            meta.blocks() * 512 <= meta.len() + (64 << 10),
            "{} bytes on disk for a file of {}",
            meta.blocks() * 512,
            meta.len()
        );
    }
    std::fs::remove_file(&out).unwrap();
}
