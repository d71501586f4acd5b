//! polars DataFrames against xarray/pandas (tests/golden/make_interop_polars_golden.py):
//! `to_dataframe` as xarray's `to_dataframe().reset_index()`, `from_dataframe` as
//! `Dataset.from_dataframe(df.set_index(...))`, round trips, the IPC file written slab
//! by slab, chunked equal to eager, and errors that name the bad input.
#![cfg(feature = "polars")]
#![allow(clippy::unwrap_used)]

use ndarray::ArcArray;
use polars::prelude::*;
use proptest::prelude::*;
use serde_json::Value;
use xr::time::CfDatetime;
use xr::{Calendar, DataArray, Dataset, NdArray, Variable};

fn golden() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/interop_polars_golden.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap_or(xr::time::NAT))
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// An array of the golden input's dtype, values and shape.
fn array_of(d: &Value) -> NdArray {
    let shape: Vec<usize> = d["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    let v = &d["values"];
    let flat = match d["dtype"].as_str().unwrap() {
        "float64" => NdArray::from(floats(v)),
        "float32" => NdArray::from(floats(v).into_iter().map(|x| x as f32).collect::<Vec<_>>()),
        "int64" => NdArray::from(ints(v)),
        "int32" => NdArray::from(ints(v).into_iter().map(|x| x as i32).collect::<Vec<_>>()),
        "int16" => NdArray::from(ints(v).into_iter().map(|x| x as i16).collect::<Vec<_>>()),
        "bool" => NdArray::from(
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_bool().unwrap())
                .collect::<Vec<_>>(),
        ),
        "str" => NdArray::from(strings(v)),
        "datetime64[us]" => {
            NdArray::datetime(ArcArray::from_vec(ints(v)).into_dyn(), Calendar::Standard)
        }
        "cftime" => {
            let cal: Calendar = d["calendar"].as_str().unwrap().parse().unwrap();
            let ticks = strings(v)
                .iter()
                .map(|s| CfDatetime::parse(s, cal).unwrap().to_ticks().unwrap())
                .collect();
            NdArray::datetime(ArcArray::from_vec(ticks).into_dyn(), cal)
        }
        other => panic!("dtype {other}"),
    };
    flat.reshape(&shape).unwrap()
}

fn input_dataset(input: &Value) -> Dataset {
    let mut ds = Dataset::new();
    for (name, d) in input.as_object().unwrap() {
        if name.starts_with("__") {
            continue;
        }
        let dims: Vec<&str> = d["dims"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        let var = Variable::new(&dims, array_of(d)).unwrap();
        ds.insert(name.clone(), var, d["coord"].as_bool().unwrap())
            .unwrap();
    }
    ds
}

fn input_dataarray(input: &Value) -> DataArray {
    let meta = &input["__dataarray__"];
    let name = meta["name"].as_str().unwrap();
    let ds = input_dataset(input);
    let mut da = DataArray::from_variable(ds.variable(name).unwrap().clone())
        .unwrap()
        .with_name(name);
    for (c, v) in ds.coords() {
        da = da.with_coord_var(c, v.clone()).unwrap();
    }
    da
}

/// A column as the golden file writes one: null for null or NaN, datetimes as µs.
fn column_json(s: &Series) -> Vec<Value> {
    let f = |x: Option<f64>| x.filter(|v| !v.is_nan()).map_or(Value::Null, Value::from);
    match s.dtype() {
        DataType::Float64 => s.f64().unwrap().iter().map(f).collect(),
        DataType::Float32 => s
            .f32()
            .unwrap()
            .iter()
            .map(|x| f(x.map(f64::from)))
            .collect(),
        DataType::Boolean => s
            .bool()
            .unwrap()
            .iter()
            .map(|x| Value::from(x.unwrap()))
            .collect(),
        DataType::String => s
            .str()
            .unwrap()
            .iter()
            .map(|x| x.map_or(Value::Null, Value::from))
            .collect(),
        DataType::Datetime(TimeUnit::Microseconds, None) => s
            .datetime()
            .unwrap()
            .physical()
            .iter()
            .map(|x| x.map_or(Value::Null, Value::from))
            .collect(),
        _ => s
            .cast(&DataType::Int64)
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .map(|x| x.map_or(Value::Null, Value::from))
            .collect(),
    }
}

fn polars_dtype(golden: &str) -> DataType {
    match golden {
        "float64" => DataType::Float64,
        "float32" => DataType::Float32,
        "int64" => DataType::Int64,
        "int32" => DataType::Int32,
        "int16" => DataType::Int16,
        "bool" => DataType::Boolean,
        "str" | "cftime" => DataType::String,
        "datetime64[us]" => DataType::Datetime(TimeUnit::Microseconds, None),
        other => panic!("dtype {other}"),
    }
}

fn check_frame(what: &str, df: &DataFrame, expected: &Value) {
    let cols = expected.as_array().unwrap();
    let names: Vec<&str> = cols.iter().map(|c| c["name"].as_str().unwrap()).collect();
    let got: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(got, names, "{what}: column names and order");
    for c in cols {
        let name = c["name"].as_str().unwrap();
        let s = df.column(name).unwrap().as_materialized_series();
        assert_eq!(
            s.dtype(),
            &polars_dtype(c["dtype"].as_str().unwrap()),
            "{what}: dtype of {name}"
        );
        let got = column_json(s);
        let exp = c["values"].as_array().unwrap();
        assert_eq!(got.len(), exp.len(), "{what}: rows of {name}");
        for (i, (g, e)) in got.iter().zip(exp).enumerate() {
            let same = match (g.as_f64(), e.as_f64()) {
                (Some(a), Some(b)) => (a - b).abs() <= 1e-12 * a.abs().max(1.0),
                _ => g == e,
            };
            assert!(same, "{what}: column {name} row {i}: {g} vs {e}");
        }
    }
}

#[test]
fn to_dataframe_matches_xarray_reset_index() {
    let g = golden();
    for (case, c) in g["to_dataframe"].as_object().unwrap() {
        let input = &c["input"];
        for chunked in [false, true] {
            let what = format!("{case} ({})", if chunked { "chunked" } else { "eager" });
            let df = if input.get("__dataarray__").is_some() {
                let da = input_dataarray(input);
                let da = if chunked {
                    da.chunk(&[("x", 2)]).unwrap()
                } else {
                    da
                };
                da.to_dataframe().unwrap()
            } else {
                let ds = input_dataset(input);
                let ds = if chunked {
                    ds.chunk(&[("time", 2)]).unwrap()
                } else {
                    ds
                };
                ds.to_dataframe().unwrap()
            };
            check_frame(&what, &df, &c["frame"]);
        }
    }
}

/// The golden DataFrame as polars holds it.
fn frame_of(cols: &Value) -> DataFrame {
    let columns: Vec<Column> = cols
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let name = c["name"].as_str().unwrap();
            let v = &c["values"];
            let s = match c["dtype"].as_str().unwrap() {
                "float64" => Series::new(name.into(), floats(v)),
                "float32" => Series::new(
                    name.into(),
                    floats(v).into_iter().map(|x| x as f32).collect::<Vec<_>>(),
                ),
                "int64" => Series::new(name.into(), ints(v)),
                "str" => Series::new(name.into(), strings(v)),
                "datetime64[us]" => Series::new(name.into(), ints(v))
                    .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
                    .unwrap(),
                other => panic!("dtype {other}"),
            };
            s.into_column()
        })
        .collect();
    DataFrame::new_infer_height(columns).unwrap()
}

#[test]
fn from_dataframe_matches_xarray() {
    let g = golden();
    for (case, c) in g["from_dataframe"].as_object().unwrap() {
        let df = frame_of(&c["frame"]);
        let index = strings(&c["index"]);
        let ds = Dataset::from_dataframe(&df, &index).unwrap();
        let expected = c["dataset"].as_object().unwrap();
        let names: Vec<&String> = ds.variables().keys().collect();
        let mut exp_names: Vec<&String> = expected.keys().collect();
        let mut got_sorted = names.clone();
        got_sorted.sort();
        exp_names.sort();
        assert_eq!(got_sorted, exp_names, "{case}: variables");
        for (name, e) in expected {
            let var = ds.variable(name).unwrap();
            let dims: Vec<String> = strings(&e["dims"]);
            assert_eq!(var.dims(), dims.as_slice(), "{case}: dims of {name}");
            assert_eq!(
                ds.is_coord(name),
                e["coord"].as_bool().unwrap(),
                "{case}: {name} is a coordinate"
            );
            let exp = array_of(e);
            assert_eq!(
                var.dtype().name(),
                exp.dtype().name(),
                "{case}: dtype of {name}"
            );
            assert!(
                var.values().unwrap().equals(&exp),
                "{case}: values of {name}: {:?} vs {exp:?}",
                var.values().unwrap()
            );
        }
    }
}

/// A dataset over two dims with every dtype xr maps (standard-calendar datetimes).
fn sample(nx: usize, ny: usize) -> Dataset {
    let n = nx * ny;
    let f: Vec<f64> = (0..n)
        .map(|i| {
            if i % 7 == 3 {
                f64::NAN
            } else {
                i as f64 * 0.25 - 3.0
            }
        })
        .collect();
    let k: Vec<i32> = (0..n).map(|i| i as i32 * 3 - 11).collect();
    let s: Vec<String> = (0..ny).map(|j| format!("s{j}")).collect();
    let t: Vec<i64> = (0..nx)
        .map(|i| 946_684_800_000_000 + i as i64 * 3_600_000_000)
        .collect();
    Dataset::new()
        .with_coord(
            "time",
            Variable::new(
                &["time"],
                NdArray::datetime(ArcArray::from_vec(t).into_dyn(), Calendar::Standard),
            )
            .unwrap(),
        )
        .unwrap()
        .with_coord(
            "y",
            Variable::new(
                &["y"],
                NdArray::from((0..ny as i64).map(|j| 100 + 5 * j).collect::<Vec<_>>()),
            )
            .unwrap(),
        )
        .unwrap()
        .with_data_var(
            "f",
            Variable::new(&["time", "y"], NdArray::from(f).reshape(&[nx, ny]).unwrap()).unwrap(),
        )
        .unwrap()
        .with_data_var(
            "k",
            Variable::new(&["time", "y"], NdArray::from(k).reshape(&[nx, ny]).unwrap()).unwrap(),
        )
        .unwrap()
        .with_data_var("s", Variable::new(&["y"], NdArray::from(s)).unwrap())
        .unwrap()
}

#[test]
fn a_dataset_round_trips_through_a_dataframe() {
    let ds = sample(5, 3);
    let df = ds.to_dataframe().unwrap();
    assert_eq!(df.height(), 15);
    let back = Dataset::from_dataframe(&df, &["time", "y"]).unwrap();
    for name in ["time", "y", "f", "k"] {
        let a = ds.variable(name).unwrap().values().unwrap();
        let b = back.variable(name).unwrap().values().unwrap();
        assert_eq!(a.dtype(), b.dtype(), "{name}");
        assert!(a.equals(&b), "{name}: {a:?} vs {b:?}");
    }
    // s was broadcast over time; it comes back on both dims, as in xarray.
    let s = back.variable("s").unwrap();
    assert_eq!(s.dims(), ["time", "y"]);
    assert_eq!(
        s.values().unwrap().get(&[4, 2]).unwrap().as_str(),
        Some("s2")
    );
}

#[test]
fn noleap_datetimes_become_strings_and_timedeltas_durations() {
    let t: Vec<i64> = vec![0, 86_400_000_000];
    let ds = Dataset::new()
        .with_coord(
            "time",
            Variable::new(
                &["time"],
                NdArray::datetime(ArcArray::from_vec(t.clone()).into_dyn(), Calendar::NoLeap),
            )
            .unwrap(),
        )
        .unwrap()
        .with_data_var(
            "d",
            Variable::new(
                &["time"],
                NdArray::TimeDelta(ArcArray::from_vec(vec![5, xr::time::NAT]).into_dyn()),
            )
            .unwrap(),
        )
        .unwrap();
    let df = ds.to_dataframe().unwrap();
    let time = df.column("time").unwrap().as_materialized_series();
    assert_eq!(time.dtype(), &DataType::String);
    assert_eq!(time.str().unwrap().get(1), Some("1970-01-02 00:00:00"));
    let d = df.column("d").unwrap().as_materialized_series();
    assert_eq!(d.dtype(), &DataType::Duration(TimeUnit::Microseconds));
    assert_eq!(d.null_count(), 1);
    let back = Dataset::from_dataframe(&df, &["time"]).unwrap();
    let d = back.variable("d").unwrap().values().unwrap();
    assert!(d.equals(&NdArray::TimeDelta(
        ArcArray::from_vec(vec![5, xr::time::NAT]).into_dyn()
    )));
}

fn read_ipc(path: &std::path::Path) -> DataFrame {
    IpcReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

#[test]
fn write_ipc_streams_the_same_rows_as_to_dataframe() {
    let dir = std::env::temp_dir().join(format!("xr-interop-polars-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ds = sample(7, 4);
    let whole = ds.to_dataframe().unwrap();
    for (i, chunks) in [None, Some(3), Some(1)].into_iter().enumerate() {
        let src = match chunks {
            Some(c) => ds.chunk(&[("time", c), ("y", 3)]).unwrap(),
            None => ds.clone(),
        };
        let path = dir.join(format!("rows{i}.arrow"));
        src.write_ipc(&path).unwrap();
        let read = read_ipc(&path);
        assert!(
            read.equals_missing(&whole),
            "chunks {chunks:?}: {read} vs {whole}"
        );
    }
    // A dim without a coordinate counts over the whole dataset, not per slab.
    let bare = Dataset::new()
        .with_data_var(
            "v",
            Variable::new(&["x"], NdArray::from(vec![1.0, 2.0, 3.0])).unwrap(),
        )
        .unwrap()
        .chunk(&[("x", 2)])
        .unwrap();
    let path = dir.join("bare.arrow");
    bare.write_ipc(&path).unwrap();
    let x = read_ipc(&path)
        .column("x")
        .unwrap()
        .as_materialized_series()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .collect::<Vec<_>>();
    assert_eq!(x, [0, 1, 2]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Three dims: the middle dim's index column is repeated over the last dim and tiled
/// over the first, a string coordinate and a variable lacking dims are broadcast, a
/// transposed variable is read in the dataset's dim order; each row is checked against
/// its row-major position.
#[test]
fn three_dims_rows_follow_row_major_order() {
    let (nt, ny, nx) = (3, 4, 5);
    let t: Vec<i64> = (0..nt as i64)
        .map(|k| 946_684_800_000_000 + k * 86_400_000_000)
        .collect();
    let y: Vec<f32> = (0..ny).map(|j| j as f32 * 1.5 - 2.0).collect();
    let x: Vec<String> = (0..nx).map(|i| format!("x{i}")).collect();
    let v: Vec<f64> = (0..nt * ny * nx).map(|k| k as f64 * 0.5 - 7.0).collect();
    let w: Vec<i32> = (0..ny).map(|j| 10 * j as i32 + 1).collect();
    // u over (x, time): u[i][k] = 100 i + k.
    let u: Vec<i64> = (0..nx * nt)
        .map(|k| 100 * (k / nt) as i64 + (k % nt) as i64)
        .collect();
    let ds = Dataset::new()
        .with_coord(
            "time",
            Variable::new(
                &["time"],
                NdArray::datetime(ArcArray::from_vec(t.clone()).into_dyn(), Calendar::Standard),
            )
            .unwrap(),
        )
        .unwrap()
        .with_coord(
            "y",
            Variable::new(&["y"], NdArray::from(y.clone())).unwrap(),
        )
        .unwrap()
        .with_coord(
            "x",
            Variable::new(&["x"], NdArray::from(x.clone())).unwrap(),
        )
        .unwrap()
        .with_data_var(
            "v",
            Variable::new(
                &["time", "y", "x"],
                NdArray::from(v.clone()).reshape(&[nt, ny, nx]).unwrap(),
            )
            .unwrap(),
        )
        .unwrap()
        .with_data_var(
            "w",
            Variable::new(&["y"], NdArray::from(w.clone())).unwrap(),
        )
        .unwrap()
        .with_data_var(
            "u",
            Variable::new(&["x", "time"], NdArray::from(u).reshape(&[nx, nt]).unwrap()).unwrap(),
        )
        .unwrap();
    for (what, ds) in [
        ("eager", ds.clone()),
        ("chunked", ds.chunk(&[("y", 3), ("x", 2)]).unwrap()),
    ] {
        let df = ds.to_dataframe().unwrap();
        assert_eq!(
            df.get_column_names(),
            ["time", "y", "x", "v", "w", "u"],
            "{what}"
        );
        assert_eq!(df.height(), nt * ny * nx, "{what}");
        let col = |n: &str| df.column(n).unwrap().as_materialized_series().clone();
        let times: Vec<i64> = col("time")
            .datetime()
            .unwrap()
            .physical()
            .into_no_null_iter()
            .collect();
        let ys: Vec<f32> = col("y").f32().unwrap().into_no_null_iter().collect();
        let xs: Vec<String> = col("x")
            .str()
            .unwrap()
            .iter()
            .map(|s| s.unwrap().to_string())
            .collect();
        let vs: Vec<f64> = col("v").f64().unwrap().into_no_null_iter().collect();
        let ws: Vec<i32> = col("w").i32().unwrap().into_no_null_iter().collect();
        let us: Vec<i64> = col("u").i64().unwrap().into_no_null_iter().collect();
        for r in 0..nt * ny * nx {
            let (k, j, i) = (r / (ny * nx), (r / nx) % ny, r % nx);
            assert_eq!(times[r], t[k], "{what} row {r} time");
            assert_eq!(ys[r], y[j], "{what} row {r} y");
            assert_eq!(xs[r], x[i], "{what} row {r} x");
            assert_eq!(vs[r], v[r], "{what} row {r} v");
            assert_eq!(ws[r], w[j], "{what} row {r} w");
            assert_eq!(us[r], 100 * i as i64 + k as i64, "{what} row {r} u");
        }
    }
}

#[test]
fn bad_input_is_an_error_naming_it() {
    let unnamed = DataArray::new(NdArray::from(vec![1.0, 2.0]), &["x"]).unwrap();
    let e = unnamed.to_dataframe().unwrap_err().to_string();
    assert!(e.contains("`name`") && e.contains("unnamed"), "{e}");

    let df = sample(2, 2).to_dataframe().unwrap();
    let e = Dataset::from_dataframe(&df, &["nope"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("index_cols") && e.contains("\"nope\""), "{e}");
    let e = Dataset::from_dataframe(&df, &["time", "time"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("named twice"), "{e}");
    let none: [&str; 0] = [];
    assert!(Dataset::from_dataframe(&df, &none)
        .unwrap_err()
        .to_string()
        .contains("index_cols"));
    // Two rows on one (time) with only "time" as... y as the index: repeated pairs.
    let dup = df.vstack(&df).unwrap();
    let e = Dataset::from_dataframe(&dup, &["time", "y"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("non-unique"), "{e}");

    let nulls = DataFrame::new(
        2,
        vec![
            Series::new("a".into(), [1_i64, 2]).into_column(),
            Series::new_null("z".into(), 2).into_column(),
        ],
    )
    .unwrap();
    let e = Dataset::from_dataframe(&nulls, &["a"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"z\"") && e.contains("null"), "{e}");
    let e = Dataset::from_dataframe(
        &DataFrame::new(
            2,
            vec![Series::new("a".into(), [Some(1_i64), None]).into_column()],
        )
        .unwrap(),
        &["a"],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("\"a\"") && e.contains("nulls"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Chunking never changes the frame, nor the IPC file.
    #[test]
    fn chunked_equals_eager(ct in 1_usize..8, cy in 1_usize..5) {
        let ds = sample(7, 4);
        let eager = ds.to_dataframe().unwrap();
        let lazy = ds.chunk(&[("time", ct), ("y", cy)]).unwrap();
        prop_assert!(lazy.to_dataframe().unwrap().equals_missing(&eager));
        let path = std::env::temp_dir().join(format!("xr-interop-polars-prop-{}-{ct}-{cy}.arrow", std::process::id()));
        lazy.write_ipc(&path).unwrap();
        let read = read_ipc(&path);
        std::fs::remove_file(&path).unwrap();
        prop_assert!(read.equals_missing(&eager));
    }
}

/// Indicative speed of `to_dataframe` on 10^7 float64 values (a debug build is far
/// slower than release): `cargo test --features polars --test interop_polars -- --ignored --nocapture`.
#[test]
#[ignore]
fn to_dataframe_speed() {
    let n = 10_000_000;
    let (nx, ny) = (10_000, n / 10_000);
    let ds = Dataset::new()
        .with_data_var(
            "v",
            Variable::new(
                &["x", "y"],
                NdArray::from((0..n).map(|i| i as f64).collect::<Vec<_>>())
                    .reshape(&[nx, ny])
                    .unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
    let start = std::time::Instant::now();
    let df = ds.to_dataframe().unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(df.height(), n);
    let bytes = (n * 8 * 3) as f64; // the value column and two int64 index columns
    println!(
        "to_dataframe of {n} float64 values: {secs:.3} s, {:.2} GB/s of columns",
        bytes / secs / 1e9
    );
}
