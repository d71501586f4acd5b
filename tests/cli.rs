#![cfg(feature = "netcdf")]
#![allow(clippy::unwrap_used)]
//! `xr info`, against xarray's reading of the same file (xarray 2026.9.0:
//! rh count 50, mean 0.43000000715, min 0.0, max 0.89999997616).

use std::process::Command;

fn xr(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xr"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn info_json_with_stats_follows_the_documented_schema() {
    let (ok, out, err) = xr(&["info", "tests/data/example_1.nc", "--json", "--stats"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let dims: Vec<(String, u64)> = v["dims"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
        .collect();
    assert_eq!(
        dims,
        [
            ("time".into(), 1),
            ("level".into(), 4),
            ("lat".into(), 5),
            ("lon".into(), 10)
        ]
    );
    assert_eq!(v["coords"]["time"]["values"][0], "1996-01-01T12:00:00");
    assert_eq!(v["coords"]["lon"]["values"], serde_json::json!([-160, -15]));
    assert_eq!(v["coords"]["lat"]["attrs"]["units"], "degrees_north");
    assert_eq!(
        v["data_vars"]["rh"]["dims"],
        serde_json::json!(["time", "lat", "lon"])
    );
    assert_eq!(v["data_vars"]["rh"]["dtype"], "float32");
    let s = &v["data_vars"]["rh"]["stats"];
    assert_eq!(s["count"], 50);
    assert!((s["mean"].as_f64().unwrap() - 0.430_000_007_152_557_4).abs() < 1e-6);
    assert_eq!(s["min"].as_f64().unwrap(), 0.0);
    assert!((s["max"].as_f64().unwrap() - 0.899_999_976_158_142_1).abs() < 1e-7);
    assert_eq!(v["attrs"]["source"], "Fictional Model Output");
}

#[test]
fn info_text_prints_the_repr() {
    let (ok, out, _) = xr(&["info", "tests/data/example_1.nc"]);
    assert!(ok);
    assert!(out.starts_with("<xr.Dataset>"), "{out}");
    assert!(
        out.contains("Dimensions:  (time: 1, level: 4, lat: 5, lon: 10)"),
        "{out}"
    );
}

#[test]
fn bad_input_is_a_message_not_a_panic() {
    let (ok, _, err) = xr(&["info", "no/such/file.nc"]);
    assert!(!ok);
    assert!(
        err.contains("no/such/file.nc") && !err.contains("panicked"),
        "{err}"
    );
    let (ok, _, err) = xr(&["info", "tests/data/truncated_nc4.nc", "--json"]);
    assert!(!ok);
    assert!(
        err.contains("truncated_nc4.nc") && !err.contains("panicked"),
        "{err}"
    );
    let (ok, _, err) = xr(&["frobnicate"]);
    assert!(!ok && err.contains("unknown command"), "{err}");
}

/// A freshly created file (NetCDF-4 and NetCDF-3): zero records on the unlimited dim, and a
/// variable whose values are all `_FillValue`. xarray opens both (expected.json).
#[test]
fn info_stats_of_empty_and_all_missing_variables_are_count_zero() {
    for file in [
        "tests/data/empty_records.nc",
        "tests/data/empty_records_classic.nc",
    ] {
        let (ok, out, err) = xr(&["info", file, "--json", "--stats"]);
        assert!(ok, "{file}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["dims"],
            serde_json::json!({"time": 0, "lat": 3}),
            "{file}"
        );
        let empty = serde_json::json!({"count": 0, "mean": null, "min": null, "max": null});
        assert_eq!(v["data_vars"]["tas"]["stats"], empty, "{file}");
        assert_eq!(v["data_vars"]["mask"]["stats"], empty, "{file}");
        assert_eq!(v["coords"]["time"]["values"], serde_json::json!([]));
        assert_eq!(
            v["coords"]["lat"]["values"],
            serde_json::json!([-10.0, 10.0])
        );
        assert_eq!(v["attrs"]["title"], "no records yet");
        // The text form prints the same stats after the repr.
        let (ok, out, err) = xr(&["info", file, "--stats"]);
        assert!(ok, "{file}: {err}");
        assert!(out.contains("tas: {\"count\":0,"), "{out}");
    }
}
