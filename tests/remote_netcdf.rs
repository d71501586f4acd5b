//! NetCDF-4/HDF5 over HTTP and S3 through kerchunk references (see
//! `src/io/zarr/refs.rs`), against real servers on 127.0.0.1 (`tests/common/servers.rs`):
//! references as kerchunk writes them (`tests/golden/make_refs_golden.py`), read locally,
//! over HTTP and from S3 as the file itself reads, and clear errors when they are wrong.
#![cfg(feature = "remote")]
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/servers.rs"]
mod servers;

use std::path::{Path, PathBuf};

use serde_json::Value;
use xr::io::zarr::refs::{Reference, References};
use xr::io::zarr::StorageOptions;
use xr::{AttrValue, Dataset};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Fixtures read the same through references (all numeric, chunked and contiguous,
/// deflate, shuffle, fletcher32, zstd, big-endian, unwritten chunks with and without
/// `_FillValue`, packed integers, CF times on three calendars). `chunks/basic.nc` is
/// compared with kerchunk only: it repeats a dim, which the Zarr reader refuses.
const FILES: &[&str] = &[
    "refs_filters.nc",
    "compressed_chunked.nc",
    "append_base_noleap.nc",
    "append_base_360_day.nc",
    "day360_daily.nc",
    "mf_2000.nc",
];

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xr-remote-nc-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_refs(file: &Path, url: Option<&str>, out: &Path) {
    let refs = References::from_netcdf(file, url).unwrap();
    std::fs::write(out, refs.to_json().unwrap()).unwrap();
}

/// Attribute values equal as numbers or text: JSON holds numbers as f64/i64 where the
/// NetCDF file has their stored width (float32, int16), as in xarray.
fn same_attr(a: &AttrValue, b: &AttrValue) -> bool {
    match (a, b) {
        (AttrValue::Str(x), AttrValue::Str(y)) => x == y,
        (AttrValue::Array(x), AttrValue::Array(y)) => match (x.to_f64_vec(), y.to_f64_vec()) {
            (Ok(x), Ok(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(&y)
                        .all(|(p, q)| p == q || (p.is_nan() && q.is_nan()))
            }
            _ => x.equals(y),
        },
        _ => false,
    }
}

fn assert_same_attrs(a: &xr::Attrs, b: &xr::Attrs, ctx: &str) {
    let keys = |m: &xr::Attrs| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(a), keys(b), "{ctx}: attribute names");
    for (k, v) in a {
        assert!(
            same_attr(v, &b[k]),
            "{ctx}: attribute {k}: {v:?} vs {:?}",
            b[k]
        );
    }
}

/// Same variables, coordinates, dims, dtypes, values (NaN = NaN, decoded times) and
/// attrs; `a` is the file as `open_dataset` reads it.
fn assert_same(a: &Dataset, b: &Dataset, ctx: &str) {
    let names = |d: &Dataset| {
        let mut n: Vec<String> = d.variables().keys().cloned().collect();
        n.sort();
        n
    };
    assert_eq!(names(a), names(b), "{ctx}: variables");
    let mut ca: Vec<_> = a.coord_names().iter().cloned().collect();
    let mut cb: Vec<_> = b.coord_names().iter().cloned().collect();
    ca.sort();
    cb.sort();
    assert_eq!(ca, cb, "{ctx}: coords");
    assert_same_attrs(a.attrs(), b.attrs(), ctx);
    for (name, v) in a.variables() {
        let w = b.variable(name).unwrap();
        let ctx = format!("{ctx}: {name}");
        assert_eq!(v.dims(), w.dims(), "{ctx} dims");
        assert_eq!(v.dtype(), w.dtype(), "{ctx} dtype");
        assert_same_attrs(v.attrs(), w.attrs(), &ctx);
        let (x, y) = (v.values().unwrap(), w.values().unwrap());
        assert!(x.equals(&y), "{ctx} values: {x:?} vs {y:?}");
    }
}

#[test]
fn references_point_at_the_bytes_kerchunk_finds() {
    let text =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/refs_golden.json"))
            .unwrap();
    let golden: Value = serde_json::from_slice(&text).unwrap();
    let files = golden["files"].as_object().unwrap();
    assert!(files.len() >= 6);
    for (name, expected) in files {
        let refs = References::from_netcdf(&data(&format!("{name}.nc")), None).unwrap();
        let chunks = expected["chunks"].as_object().unwrap();
        for (key, range) in chunks {
            let Some(Reference::Range { offset, length, .. }) = refs.get(key) else {
                panic!("{name}: {key}: no range reference, got {:?}", refs.get(key));
            };
            assert_eq!(
                [*offset, *length],
                [range[0].as_u64().unwrap(), range[1].as_u64().unwrap()],
                "{name}: {key}"
            );
        }
        // No chunk kerchunk does not know of in the variables it reads (it refuses
        // fletcher32, which xr reads).
        let codecs = expected["codecs"].as_object().unwrap();
        for (key, r) in refs.iter() {
            let var = key.split('/').next().unwrap();
            if let (Reference::Range { .. }, true) = (r, codecs.contains_key(var)) {
                assert!(chunks.contains_key(key), "{name}: {key} not in kerchunk's");
            }
        }
        for (var, ids) in codecs {
            let Some(Reference::Inline(zarray)) = refs.get(&format!("{var}/.zarray")) else {
                panic!("{name}: {var}: no .zarray");
            };
            let meta: Value = serde_json::from_slice(zarray).unwrap();
            let mut ours: Vec<Value> = meta["filters"].as_array().cloned().unwrap_or_default();
            ours.extend(
                meta["compressor"]
                    .as_object()
                    .map(|c| Value::Object(c.clone())),
            );
            let ours: Vec<&str> = ours.iter().map(|c| c["id"].as_str().unwrap()).collect();
            let ids: Vec<&str> = ids
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_str().unwrap())
                .collect();
            assert_eq!(ours, ids, "{name}: {var} codecs");
        }
    }
}

#[test]
fn local_references_read_as_the_file() {
    let dir = temp_dir("local");
    for name in FILES {
        let out = dir.join(format!("{}.json", name.replace('/', "_")));
        write_refs(&data(name), None, &out);
        let direct = Dataset::open_dataset(data(name)).unwrap();
        let refs = Dataset::open_refs(out.to_str().unwrap()).unwrap();
        // Data variables stay lazy: chunks are read when computed.
        assert!(refs.data_vars().any(|(_, v)| v.data().is_lazy()), "{name}");
        assert_same(&direct, &refs, name);
        // open_dataset picks the references from the `.json` extension.
        let guessed = Dataset::open_dataset(&out).unwrap();
        assert_same(&direct, &guessed, name);
        // Decoding options apply as for the file.
        let raw = Dataset::refs(out.to_str().unwrap())
            .decode_times(false)
            .open()
            .unwrap();
        let raw_direct = Dataset::open(data(name))
            .decode_times(false)
            .open()
            .unwrap();
        assert_same(&raw_direct, &raw, name);
    }
    std::fs::remove_dir_all(dir).ok();
}

/// The fixtures copied into `dir` with references to them at `base/NAME`, written
/// next to them.
fn publish(dir: &Path, base: &str) {
    for name in FILES {
        let flat = name.replace('/', "_");
        let copy = dir.join(&flat);
        std::fs::copy(data(name), &copy).unwrap();
        let url = format!("{base}/{flat}");
        write_refs(&copy, Some(&url), &dir.join(format!("{flat}.json")));
    }
}

#[test]
fn references_to_http_files_read_as_the_files() {
    let dir = temp_dir("http");
    let server = servers::range_http_server(&dir);
    publish(&dir, &server.url);
    for name in FILES {
        let flat = name.replace('/', "_");
        let direct = Dataset::open_dataset(data(name)).unwrap();
        // The reference file itself over HTTP too.
        let url = format!("{}/{flat}.json", server.url);
        let remote = Dataset::open_refs(&url).unwrap();
        assert_same(&direct, &remote, &url);
        let guessed = Dataset::open_dataset(&url).unwrap();
        assert_same(&direct, &guessed, &url);
    }
    drop(server);
    std::fs::remove_dir_all(dir).ok();
}

/// Uploads `file` to `s3://bucket/key` on the moto server.
fn upload(s3: &servers::Server, bucket: &str, key: &str, bytes: Vec<u8>) {
    use object_store::ObjectStoreExt as _;
    let mut builder = object_store::aws::AmazonS3Builder::new().with_bucket_name(bucket);
    for (k, v) in s3.s3_options().iter() {
        builder = builder.with_config(k.parse().unwrap(), v);
    }
    let store = builder.build().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(store.put(&object_store::path::Path::from(key), bytes.into()))
        .unwrap();
}

#[test]
fn references_to_s3_objects_read_as_the_files() {
    let s3 = servers::s3_server();
    s3.create_bucket("xr-nc");
    let options = s3.s3_options();
    let dir = temp_dir("s3");
    for name in FILES {
        let flat = name.replace('/', "_");
        upload(&s3, "xr-nc", &flat, std::fs::read(data(name)).unwrap());
        let refs =
            References::from_netcdf(&data(name), Some(&format!("s3://xr-nc/{flat}"))).unwrap();
        let json = refs.to_json().unwrap();
        // The reference file on S3 too, and on disk.
        upload(&s3, "xr-nc", &format!("{flat}.json"), json.clone());
        let local = dir.join(format!("{flat}.json"));
        std::fs::write(&local, json).unwrap();
        let direct = Dataset::open_dataset(data(name)).unwrap();
        for location in [
            format!("s3://xr-nc/{flat}.json"),
            local.display().to_string(),
        ] {
            let remote = Dataset::refs(&location)
                .storage_options(options.clone())
                .open()
                .unwrap();
            assert_same(&direct, &remote, &location);
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

/// A reference file for `compressed_chunked.nc` with `edit` applied to its JSON.
fn edited_refs(
    dir: &Path,
    tag: &str,
    edit: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> String {
    let refs = References::from_netcdf(&data("compressed_chunked.nc"), None).unwrap();
    let mut doc: Value = serde_json::from_slice(&refs.to_json().unwrap()).unwrap();
    edit(doc["refs"].as_object_mut().unwrap());
    let out = dir.join(format!("{tag}.json"));
    std::fs::write(&out, serde_json::to_vec(&doc).unwrap()).unwrap();
    out.display().to_string()
}

/// The error of computing `var` of the reference file at `location`.
fn compute_error(location: &str, options: StorageOptions, var: &str) -> String {
    let ds = Dataset::refs(location)
        .storage_options(options)
        .open()
        .unwrap();
    ds.variable(var).unwrap().values().unwrap_err().to_string()
}

#[test]
fn broken_references_are_errors_naming_the_variable_and_chunk() {
    let dir = temp_dir("errors");
    // A chunk in a file that does not exist.
    let missing = edited_refs(&dir, "missing", |refs| {
        refs["z/0.0.0"] = serde_json::json!(["/nonexistent/xr/file.nc", 0, 10]);
    });
    let msg = compute_error(&missing, StorageOptions::new(), "z");
    assert!(msg.contains("z") && msg.contains("[0, 0, 0]"), "{msg}");
    assert!(msg.contains("/nonexistent/xr/file.nc"), "{msg}");
    // A range past the end of the file.
    let past = edited_refs(&dir, "past", |refs| {
        let url = refs["z/0.1.0"][0].clone();
        refs["z/0.1.0"] = serde_json::json!([url, 1u64 << 40, 100]);
    });
    let msg = compute_error(&past, StorageOptions::new(), "z");
    assert!(
        msg.contains("[0, 1, 0]") && msg.contains("past the end"),
        "{msg}"
    );
    // A codec xr does not decode: an error naming the variable and the codec.
    let codec = edited_refs(&dir, "codec", |refs| {
        let text = refs["z/.zarray"].as_str().unwrap().to_string();
        let mut meta: Value = serde_json::from_str(&text).unwrap();
        meta["compressor"] = serde_json::json!({"id": "lzf"});
        refs["z/.zarray"] = Value::from(meta.to_string());
    });
    let msg = match Dataset::open_refs(&codec) {
        Err(e) => e.to_string(),
        Ok(ds) => ds.variable("z").unwrap().values().unwrap_err().to_string(),
    };
    assert!(msg.contains('z') && msg.contains("lzf"), "{msg}");
    // Malformed reference files.
    for (tag, text, expect) in [
        ("notjson", "{not json", "not JSON"),
        (
            "badref",
            r#"{"version": 1, "refs": {"z/0.0.0": [1, 2, 3]}}"#,
            "z/0.0.0",
        ),
        ("version", r#"{"version": 7, "refs": {}}"#, "version"),
    ] {
        let path = dir.join(format!("{tag}.json"));
        std::fs::write(&path, text).unwrap();
        let msg = Dataset::open_refs(path.to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(msg.contains(expect) && msg.contains(tag), "{tag}: {msg}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn missing_s3_objects_are_errors_naming_the_chunk() {
    let s3 = servers::s3_server();
    s3.create_bucket("xr-missing");
    let dir = temp_dir("s3-missing");
    let refs = References::from_netcdf(
        &data("compressed_chunked.nc"),
        Some("s3://xr-missing/gone.nc"),
    )
    .unwrap();
    let path = dir.join("gone.json");
    std::fs::write(&path, refs.to_json().unwrap()).unwrap();
    let msg = compute_error(path.to_str().unwrap(), s3.s3_options(), "z");
    assert!(
        msg.contains("s3://xr-missing/gone.nc") && msg.contains('z'),
        "{msg}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn variables_of_types_without_references_are_errors_naming_them() {
    let err = References::from_netcdf(&data("nc_chars.nc"), None).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("nc_chars.nc"), "{msg}");
    assert!(msg.contains("type"), "{msg}");
}

/// Files read at a URL without a reference file besides [`FILES`]: the grouped one and
/// two that only the direct reader takes.
const MORE_DIRECT_FILES: &[&str] = &[
    "datatree.nc",
    // Plain HDF5 (h5py): dims from netcdf-c's phony dims where no scale is attached.
    "hdf5_phony.h5",
    // An enum variable (its integers, CF flags), a compound one (a variable per member),
    // a variable-length one skipped.
    "nc_enum.nc",
];

/// Every file read at a URL without a reference file.
fn direct_files() -> impl Iterator<Item = &'static str> {
    FILES.iter().chain(MORE_DIRECT_FILES).copied()
}

/// The CF encoding both readers keep: stored dtype, time units and calendar, fill.
fn assert_same_encoding(a: &Dataset, b: &Dataset, ctx: &str) {
    for (name, v) in a.variables() {
        let (e, f) = (v.encoding(), b.variable(name).unwrap().encoding());
        let ctx = format!("{ctx}: {name} encoding");
        assert_eq!(e.dtype, f.dtype, "{ctx} dtype");
        assert_eq!(e.units, f.units, "{ctx} units");
        assert_eq!(e.calendar, f.calendar, "{ctx} calendar");
        match (&e.fill_value, &f.fill_value) {
            (Some(x), Some(y)) => assert!(same_attr(x, y), "{ctx} fill {x:?} vs {y:?}"),
            (x, y) => assert_eq!(x.is_some(), y.is_some(), "{ctx} fill"),
        }
    }
}

/// Undecoded, the same variables, dims, dtypes, values and attributes; the Zarr reader
/// lists `_FillValue` (from the array's `fill_value`) last where libnetcdf lists it in
/// file order, so attributes compare as maps.
fn assert_same_raw(a: &Dataset, b: &Dataset, ctx: &str) {
    let sorted = |m: &xr::Attrs| {
        let mut v: Vec<(String, AttrValue)> =
            m.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        v.sort_by(|x, y| x.0.cmp(&y.0));
        v.into_iter().collect::<xr::Attrs>()
    };
    assert_same_attrs(&sorted(a.attrs()), &sorted(b.attrs()), ctx);
    assert_eq!(a.variables().len(), b.variables().len(), "{ctx}: variables");
    for (name, v) in a.variables() {
        let w = b.variable(name).unwrap();
        let ctx = format!("{ctx}: {name}");
        assert_eq!(v.dims(), w.dims(), "{ctx} dims");
        assert_eq!(v.dtype(), w.dtype(), "{ctx} dtype");
        assert_same_attrs(&sorted(v.attrs()), &sorted(w.attrs()), &ctx);
        let (x, y) = (v.values().unwrap(), w.values().unwrap());
        assert!(x.equals(&y), "{ctx} values: {x:?} vs {y:?}");
    }
}

/// Every group of `name` opened at `open(group)` reads as the local file's group, decoded
/// and raw.
fn assert_groups_read_as_the_file(name: &str, open: impl Fn(&str, bool) -> Dataset) {
    let groups: &[&str] = match name {
        "datatree.nc" => &["/", "model", "model/run1", "obs", "clim"],
        "hdf5_phony.h5" => &["/", "grp", "grp/sub", "other"],
        _ => &["/"],
    };
    for g in groups {
        let ctx = format!("{name} {g}");
        let direct = Dataset::open(data(name)).group(g).open().unwrap();
        let remote = open(g, true);
        assert!(
            remote
                .data_vars()
                .all(|(_, v)| v.data().is_lazy() || v.ndim() <= 1),
            "{ctx}: chunked data variables stay lazy"
        );
        assert_same(&direct, &remote, &ctx);
        assert_same_encoding(&direct, &remote, &ctx);
        let raw = Dataset::open(data(name))
            .group(g)
            .decode_cf(false)
            .open()
            .unwrap();
        assert_same_raw(&raw, &open(g, false), &format!("{ctx} raw"));
    }
}

#[test]
fn netcdf_files_over_http_open_directly() {
    let dir = temp_dir("direct-http");
    for name in direct_files() {
        std::fs::copy(data(name), dir.join(name)).unwrap();
    }
    let server = servers::range_http_server(&dir);
    for name in direct_files() {
        let url = format!("{}/{name}", server.url);
        // open_dataset picks the route from the URL's extension.
        let guessed = Dataset::open_dataset(&url).unwrap();
        assert_same(&Dataset::open_dataset(data(name)).unwrap(), &guessed, &url);
        assert_groups_read_as_the_file(name, |g, decode| {
            Dataset::refs(&url)
                .group(g)
                .decode_cf(decode)
                .open()
                .unwrap()
        });
    }
    drop(server);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn netcdf_files_on_s3_open_directly() {
    let s3 = servers::s3_server();
    s3.create_bucket("xr-direct");
    let options = s3.s3_options();
    for name in direct_files() {
        upload(&s3, "xr-direct", name, std::fs::read(data(name)).unwrap());
        let url = format!("s3://xr-direct/{name}");
        assert_groups_read_as_the_file(name, |g, decode| {
            Dataset::refs(&url)
                .storage_options(options.clone())
                .group(g)
                .decode_cf(decode)
                .open()
                .unwrap()
        });
    }
}

#[test]
fn direct_references_are_those_of_a_local_copy() {
    let s3 = servers::s3_server();
    s3.create_bucket("xr-same");
    for name in direct_files() {
        upload(&s3, "xr-same", name, std::fs::read(data(name)).unwrap());
        let url = format!("s3://xr-same/{name}");
        let remote = References::from_hdf5_url(&url, &s3.s3_options()).unwrap();
        let local = References::from_netcdf(&data(name), Some(&url)).unwrap();
        if name == "nc_enum.nc" {
            // The user types are there: compound members, the enum's flags.
            for key in ["obs.time/.zarray", "obs.temp/0", "cloud/0"] {
                assert!(remote.get(key).is_some(), "{key}");
            }
            let Some(Reference::Inline(attrs)) = remote.get("cloud/.zattrs") else {
                panic!("no cloud/.zattrs");
            };
            let attrs: Value = serde_json::from_slice(attrs).unwrap();
            // In the order the members were defined, as libnetcdf lists them.
            assert_eq!(attrs["flag_meanings"], "stratus clear cumulus", "{attrs}");
            assert_eq!(
                attrs["flag_values"],
                serde_json::json!([2, 0, 1]),
                "{attrs}"
            );
        }
        // The same keys in the same order, the same documents and ranges: the same file.
        assert_eq!(
            String::from_utf8(remote.to_json().unwrap()).unwrap(),
            String::from_utf8(local.to_json().unwrap()).unwrap(),
            "{name}"
        );
    }
}

/// The variable an error names, if any.
fn error_variable(e: &xr::Error) -> Option<String> {
    match e {
        xr::Error::Format { variable, .. } => variable.clone(),
        _ => None,
    }
}

/// Every fixture of `tests/data` (NetCDF-3, NetCDF-4, plain HDF5, truncated, with types
/// references cannot hold): at a URL, the same references as from the local file, or an
/// error where the local file has one, naming the same variable.
#[test]
fn every_fixture_at_a_url_has_the_references_of_the_local_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let server = servers::range_http_server(&dir);
    let mut names: Vec<String> = Vec::new();
    for sub in ["", "chunks/"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".nc") || name.ends_with(".h5") {
                names.push(format!("{sub}{name}"));
            }
        }
    }
    names.sort();
    assert!(names.len() > 40, "{names:?}");
    let mut same = 0;
    for name in &names {
        let url = format!("{}/{name}", server.url);
        let local = References::from_netcdf(&dir.join(name), Some(&url));
        let remote = References::from_hdf5_url(&url, &StorageOptions::new());
        match (local, remote) {
            (Ok(a), Ok(b)) => {
                assert_eq!(
                    String::from_utf8(b.to_json().unwrap()).unwrap(),
                    String::from_utf8(a.to_json().unwrap()).unwrap(),
                    "{name}"
                );
                same += 1;
            }
            (Err(a), Err(b)) => {
                assert_eq!(error_variable(&a), error_variable(&b), "{name}: {a} | {b}");
                assert!(b.to_string().contains(&url), "{name}: {b}");
            }
            // libnetcdf refuses to read a variable behind a filter it does not know
            // (chunks/corrupt.h5's lzf) where libhdf5 alone may have the filter.
            (Err(a), Ok(_)) if !matches!(a, xr::Error::Format { .. }) => {}
            (a, b) => panic!("{name}: local {:?}, at the URL {:?}", a.err(), b.err()),
        }
    }
    assert!(same >= 25, "{same} of {} files referenced", names.len());
}

#[test]
fn netcdf_files_at_urls_that_cannot_be_read_are_errors_naming_them() {
    let s3 = servers::s3_server();
    s3.create_bucket("xr-bad");
    let options = s3.s3_options();
    upload(
        &s3,
        "xr-bad",
        "classic.nc",
        std::fs::read(data("classic.nc")).unwrap(),
    );
    upload(&s3, "xr-bad", "text.nc", b"not a netCDF file\n".repeat(100));
    upload(
        &s3,
        "xr-bad",
        "chars.nc",
        std::fs::read(data("nc_chars.nc")).unwrap(),
    );
    let open = |key: &str| {
        let url = format!("s3://xr-bad/{key}");
        let msg = Dataset::refs(&url)
            .storage_options(options.clone())
            .open()
            .unwrap_err()
            .to_string();
        assert!(msg.contains(&url), "{msg}");
        msg
    };
    let msg = open("missing.nc");
    assert!(msg.to_lowercase().contains("not found"), "{msg}");
    let msg = open("classic.nc");
    assert!(msg.contains("NetCDF-3"), "{msg}");
    let msg = open("text.nc");
    assert!(msg.contains("not an HDF5 file"), "{msg}");
    // A character variable: the error names it and its type, as from a local copy.
    let msg = open("chars.nc");
    let local = References::from_netcdf(&data("nc_chars.nc"), None)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("variable") && msg.contains("type"), "{msg}");
    assert!(local.contains("variable"), "{local}");
    // No server at the address.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/file.nc");
    let msg = Dataset::open_dataset(&url).unwrap_err().to_string();
    assert!(msg.contains(&url), "{msg}");
}

#[test]
fn the_refs_command_writes_references_to_the_given_url() {
    let _turn = common::hdf5_turn();
    let dir = temp_dir("cli");
    let out = dir.join("out.json");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_xr"))
        .args(["refs", data("compressed_chunked.nc").to_str().unwrap()])
        .arg(&out)
        .args(["--url", "s3://bucket/cc.nc"])
        .status()
        .unwrap();
    assert!(status.success());
    let refs = References::from_json(&std::fs::read(&out).unwrap(), "out.json").unwrap();
    let Some(Reference::Range { url, .. }) = refs.get("z/0.0.0") else {
        panic!("no chunk reference: {:?}", refs.get("z/0.0.0"));
    };
    assert_eq!(url, "s3://bucket/cc.nc");
    // Unusable input: a message naming the variable, and a failure status.
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_xr"))
        .args(["refs", data("nc_chars.nc").to_str().unwrap()])
        .arg(dir.join("chars.json"))
        .output()
        .unwrap();
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("nc_chars.nc") && err.contains("variable"),
        "{err}"
    );
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_xr"))
        .args(["refs", "only-one-arg.nc"])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("usage"));
    std::fs::remove_dir_all(dir).ok();
}

mod chunkings {
    use super::*;
    use proptest::prelude::*;
    use xr::dataset::Compression;
    use xr::{NdArray, Variable};

    /// A NetCDF-4 file of `shape` (values `0, 1, ...` as `dtype`, every 7th a fill where
    /// `fill` is set) stored in `chunks` with the filters chosen.
    #[allow(clippy::too_many_arguments)]
    fn write(
        path: &Path,
        shape: &[usize],
        chunks: &[usize],
        float: bool,
        zlib: bool,
        shuffle: bool,
        fletcher32: bool,
    ) {
        let n: usize = shape.iter().product();
        let data = if float {
            NdArray::from_shape_vec(shape, (0..n).map(|i| i as f32 * 0.5).collect::<Vec<_>>())
        } else {
            NdArray::from_shape_vec(shape, (0..n).map(|i| i as i16 - 3).collect::<Vec<_>>())
        }
        .unwrap();
        let dims: Vec<String> = (0..shape.len()).map(|d| format!("d{d}")).collect();
        let mut v = Variable::new(&dims, data).unwrap();
        let e = v.encoding_mut();
        e.chunksizes = Some(chunks.to_vec());
        e.compression = zlib.then_some(Compression::Zlib(1));
        e.shuffle = Some(shuffle);
        e.fletcher32 = Some(fletcher32);
        let mut ds = Dataset::new();
        ds.insert("v".into(), v, false).unwrap();
        let _turn = crate::common::hdf5_turn();
        ds.to_netcdf(path).unwrap();
    }

    fn shape_and_chunks() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
        prop::collection::vec(1usize..9, 1..4).prop_flat_map(|shape| {
            let chunks: Vec<_> = shape.iter().map(|&n| 1..=n).collect();
            (Just(shape), chunks)
        })
    }

    /// Whatever the chunking and filters, the references built from the file at a URL are
    /// those of the local file, and the file opened at the URL reads as the local one.
    /// One range server for every case (a proptest runner inside one test).
    #[test]
    fn direct_references_are_the_local_ones_for_any_chunking() {
        let dir = temp_dir("prop-direct");
        let server = servers::range_http_server(&dir);
        let case = std::sync::atomic::AtomicUsize::new(0);
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(12));
        let cases = (
            shape_and_chunks(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        );
        runner
            .run(
                &cases,
                |((shape, chunks), float, zlib, shuffle, fletcher32)| {
                    let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let name = format!("v{n}.nc");
                    let file = dir.join(&name);
                    write(&file, &shape, &chunks, float, zlib, shuffle, fletcher32);
                    let url = format!("{}/{name}", server.url);
                    let remote = References::from_hdf5_url(&url, &StorageOptions::new()).unwrap();
                    let local = References::from_netcdf(&file, Some(&url)).unwrap();
                    prop_assert_eq!(remote.to_json().unwrap(), local.to_json().unwrap());
                    let a = Dataset::open_dataset(&file).unwrap();
                    let b = Dataset::open_dataset(&url).unwrap();
                    let (a, b) = (a.variable("v").unwrap(), b.variable("v").unwrap());
                    prop_assert_eq!(a.dtype(), b.dtype());
                    prop_assert!(a.values().unwrap().equals(&b.values().unwrap()));
                    Ok(())
                },
            )
            .unwrap();
        drop(server);
        std::fs::remove_dir_all(dir).ok();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        /// Whatever the chunking and filters, the references read as the file.
        #[test]
        fn references_read_as_the_file_for_any_chunking(
            (shape, chunks) in shape_and_chunks(),
            float in any::<bool>(),
            zlib in any::<bool>(),
            shuffle in any::<bool>(),
            fletcher32 in any::<bool>(),
        ) {
            // A new name per case: libhdf5 refuses a path it still holds open.
            static CASE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let case = CASE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir = temp_dir(&format!("prop{case}"));
            let file = dir.join("v.nc");
            write(&file, &shape, &chunks, float, zlib, shuffle, fletcher32);
            let out = dir.join("v.json");
            write_refs(&file, None, &out);
            let direct = Dataset::open_dataset(&file).unwrap();
            let refs = Dataset::open_refs(out.to_str().unwrap()).unwrap();
            let (a, b) = (direct.variable("v").unwrap(), refs.variable("v").unwrap());
            prop_assert_eq!(a.dtype(), b.dtype());
            prop_assert!(a.values().unwrap().equals(&b.values().unwrap()));
            std::fs::remove_dir_all(dir).ok();
        }
    }
}

#[test]
fn reference_files_kerchunk_wrote_read_as_the_files() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let text = std::fs::read(golden.join("refs_golden.json")).unwrap();
    let names: Value = serde_json::from_slice(&text).unwrap();
    let names = names["kerchunk_written"].as_array().unwrap();
    assert!(names.len() >= 4);
    for name in names {
        let name = name.as_str().unwrap();
        let refs = golden.join(format!("kerchunk_{name}.json"));
        let theirs = Dataset::open_refs(refs.to_str().unwrap()).unwrap();
        let direct = Dataset::open_dataset(data(&format!("{name}.nc"))).unwrap();
        assert_same(&direct, &theirs, name);
    }
}

#[test]
fn subgroups_are_referenced_under_their_paths() {
    let dir = temp_dir("groups");
    for (name, groups) in [
        (
            "datatree.nc",
            &["/", "model", "model/run1", "obs", "clim"][..],
        ),
        ("chunks/basic.nc", &["grp/sub"][..]),
    ] {
        let out = dir.join(format!("{}.json", name.replace('/', "_")));
        write_refs(&data(name), None, &out);
        for g in groups {
            let direct = Dataset::open(data(name)).group(g).open().unwrap();
            let refs = Dataset::refs(out.to_str().unwrap())
                .group(g)
                .open()
                .unwrap();
            assert_same(&direct, &refs, &format!("{name} {g}"));
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn netcdf3_files_have_no_references() {
    let err = References::from_netcdf(&data("classic.nc"), None).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("classic.nc") && msg.contains("NetCDF-3"),
        "{msg}"
    );
    let err = References::from_netcdf(&data("no-such-file.nc"), None).unwrap_err();
    assert!(err.to_string().contains("no-such-file.nc"), "{err}");
}
