//! Zarr stores over HTTP and S3, against real servers on 127.0.0.1 (see
//! `tests/common/servers.rs`): read what is read locally, write and read back, append.
#![cfg(feature = "remote")]
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/servers.rs"]
mod servers;

use std::path::{Path, PathBuf};

use xr::dataset::Indexer;
use xr::io::zarr::ZarrFormat;
use xr::lazy::Data;
use xr::{Dataset, Error};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/zarr")
}

fn local(name: &str) -> Dataset {
    Dataset::open_zarr(fixtures().join(name).to_str().unwrap()).unwrap()
}

/// Same variables, coordinates, dims, dtypes, values (NaN = NaN) and attrs.
fn assert_same(a: &Dataset, b: &Dataset, ctx: &str) {
    let names = |d: &Dataset| {
        let mut n: Vec<String> = d.variables().keys().cloned().collect();
        n.sort();
        n
    };
    assert_eq!(names(a), names(b), "{ctx}: variables");
    assert_eq!(a.coord_names(), b.coord_names(), "{ctx}: coords");
    assert_eq!(a.attrs(), b.attrs(), "{ctx}: dataset attrs");
    for (name, v) in a.variables() {
        let w = b.variable(name).unwrap();
        assert_eq!(v.dims(), w.dims(), "{ctx}: {name} dims");
        assert_eq!(v.dtype(), w.dtype(), "{ctx}: {name} dtype");
        assert_eq!(v.attrs(), w.attrs(), "{ctx}: {name} attrs");
        assert!(v.data().equals(w.data()), "{ctx}: {name} values");
    }
}

fn slice(ds: &Dataset, dim: &str, start: isize, stop: isize) -> Dataset {
    let i = Indexer::Slice {
        start: Some(start),
        stop: Some(stop),
        step: 1,
    };
    ds.isel(&[(dim, i)]).unwrap()
}

#[test]
fn consolidated_stores_read_over_http_as_from_disk() {
    let server = servers::http_server(&fixtures());
    for name in ["v3_consolidated.zarr", "v2_consolidated.zarr"] {
        let url = format!("{}/{name}", server.url);
        let remote = Dataset::open_zarr(&url).unwrap();
        // Data variables stay lazy: their chunks are fetched when computed.
        let lazy = remote
            .data_vars()
            .filter(|(_, v)| matches!(v.data(), Data::Lazy(_)))
            .count();
        assert!(lazy > 0, "{name}: no lazy data variable");
        assert_same(&remote, &local(name), name);
    }
    // A trailing slash names the same store.
    let url = format!("{}/v3_consolidated.zarr/", server.url);
    assert_same(
        &Dataset::open_zarr(&url).unwrap(),
        &local("v3_consolidated.zarr"),
        "trailing slash",
    );
}

#[test]
fn sharded_stores_read_over_http() {
    // The fixture has no consolidated metadata: a copy with it, served from a temp dir.
    let dir = std::env::temp_dir().join(format!("xr-remote-shards-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sharded = local("v3_plain.zarr");
    sharded
        .to_zarr(dir.join("s.zarr").to_str().unwrap())
        .unwrap();
    let server = servers::http_server(&dir);
    let remote = Dataset::open_zarr(format!("{}/s.zarr", server.url)).unwrap();
    assert!(remote.variable("temp").unwrap().encoding().shards.is_some());
    assert_same(&remote, &sharded, "sharded over http");
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn http_stores_that_need_listing_or_writing_are_clear_errors() {
    let server = servers::http_server(&fixtures());
    // No consolidated metadata: finding the arrays would need a listing HTTP lacks.
    let url = format!("{}/v3_plain.zarr", server.url);
    let err = Dataset::open_zarr(&url).unwrap_err().to_string();
    assert!(err.contains(&url), "{err}");
    assert!(err.contains("consolidated"), "{err}");
    // No store at all.
    let url = format!("{}/nothing.zarr", server.url);
    let err = Dataset::open_zarr(&url).unwrap_err().to_string();
    assert!(err.contains(&url), "{err}");
    // Writing.
    let url = format!("{}/new.zarr", server.url);
    let err = local("v3_consolidated.zarr").to_zarr(&url).unwrap_err();
    assert!(matches!(err, Error::Format { .. }), "{err}");
    assert!(err.to_string().contains("read-only"), "{err}");
}

#[test]
fn stores_written_to_s3_read_back_identically() {
    let s3 = servers::s3_server();
    s3.create_bucket("xr-test");
    let options = s3.s3_options();
    let full = local("v3_consolidated.zarr");
    for (format, consolidated) in [
        (ZarrFormat::V3, true),
        (ZarrFormat::V2, true),
        (ZarrFormat::V3, false),
    ] {
        let ctx = format!("{format:?} consolidated={consolidated}");
        let url = format!("s3://xr-test/runs/{format:?}-{consolidated}.zarr");
        full.write_zarr(&url)
            .zarr_format(format)
            .consolidated(consolidated)
            .storage_options(options.clone())
            .write()
            .unwrap();
        // Without consolidated metadata the arrays are found by listing the bucket.
        let back = Dataset::zarr(&url)
            .storage_options(options.clone())
            .open()
            .unwrap();
        assert_same(&back, &full, &ctx);
    }
    // Mode w- refuses to overwrite the store it finds on S3.
    let err = full
        .write_zarr("s3://xr-test/runs/V3-true.zarr")
        .storage_options(options.clone())
        .write()
        .unwrap_err();
    assert!(
        err.to_string().contains("s3://xr-test/runs/V3-true.zarr"),
        "{err}"
    );
    // A bucket that does not exist.
    let err = Dataset::zarr("s3://no-such-bucket/x.zarr")
        .storage_options(options)
        .open()
        .unwrap_err();
    assert!(
        err.to_string().contains("s3://no-such-bucket/x.zarr"),
        "{err}"
    );
}

#[test]
fn appending_to_an_s3_store_gives_the_whole_array() {
    let s3 = servers::s3_server();
    s3.create_bucket("xr-append");
    let options = s3.s3_options();
    let full = local("v3_consolidated.zarr");
    let url = "s3://xr-append/series.zarr";
    slice(&full, "time", 0, 3)
        .write_zarr(url)
        .storage_options(options.clone())
        .write()
        .unwrap();
    for (start, stop) in [(3, 5), (5, 6)] {
        slice(&full, "time", start, stop)
            .write_zarr(url)
            .append_dim("time")
            .storage_options(options.clone())
            .write()
            .unwrap();
    }
    let back = Dataset::zarr(url).storage_options(options).open().unwrap();
    assert_same(&back, &full, "append");
}

// Runs the `xr` binary, which needs the netcdf feature.
#[cfg(feature = "netcdf")]
#[test]
fn a_malformed_s3_endpoint_is_an_error_naming_it() {
    for endpoint in ["http://", "127.0.0.1:9000", "https:// x"] {
        let options = xr::io::zarr::StorageOptions::new()
            .with("endpoint", endpoint)
            .with("region", "us-east-1");
        let err = Dataset::zarr("s3://bucket/store.zarr")
            .storage_options(options)
            .open()
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("{endpoint:?}")), "{err}");
        assert!(err.contains("s3://bucket/store.zarr"), "{err}");
    }
}

#[test]
fn s3_settings_come_from_the_aws_environment() {
    // In a child process (the CLI), so the environment is its own.
    let s3 = servers::s3_server();
    s3.create_bucket("xr-env");
    let nc = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/noleap_daily.nc");
    let dir = std::env::temp_dir().join(format!("xr-remote-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let back_nc = dir.join("back.nc");
    let xr = env!("CARGO_BIN_EXE_xr");
    for (from, to) in [
        (nc.to_str().unwrap(), "s3://xr-env/daily.zarr"),
        ("s3://xr-env/daily.zarr", back_nc.to_str().unwrap()),
    ] {
        let out = std::process::Command::new(xr)
            .args(["convert", from, to])
            .env("AWS_ENDPOINT_URL", &s3.url)
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "xr convert {from} {to}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let a = Dataset::open_dataset(nc.to_str().unwrap()).unwrap();
    let b = Dataset::open_dataset(back_nc.to_str().unwrap()).unwrap();
    assert_same(&a, &b, "netcdf -> s3 zarr -> netcdf");
    // The same store, opened in process with explicit settings.
    let z = Dataset::zarr("s3://xr-env/daily.zarr")
        .storage_options(s3.s3_options())
        .open()
        .unwrap();
    assert_same(&a, &z, "netcdf -> s3 zarr");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn remote_stores_open_from_inside_a_tokio_runtime() {
    // An async program opening a store: from a task on a worker thread, and from the
    // thread that blocks on the runtime. Blocking there used to panic ("cannot start a
    // runtime from within a runtime").
    let server = servers::http_server(&fixtures());
    let url = format!("{}/v3_consolidated.zarr", server.url);
    let want = local("v3_consolidated.zarr");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let from_task = {
        let url = url.clone();
        rt.block_on(async move {
            tokio::spawn(async move { Dataset::open_zarr(&url).and_then(|d| d.load()) })
                .await
                .unwrap()
        })
    };
    assert_same(&from_task.unwrap(), &want, "from a runtime worker");
    let from_block_on = rt.block_on(async { Dataset::open_zarr(&url).and_then(|d| d.load()) });
    assert_same(&from_block_on.unwrap(), &want, "from block_on");
}
