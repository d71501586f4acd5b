//! Groupby, groupby_bins and resample: values, labels, dims and dtypes against xarray
//! (tests/golden/make_groupby_golden.py) on three calendars, eager and lazy; property
//! tests that chunking never changes an answer.
#![allow(clippy::unwrap_used)]

mod common;

use proptest::prelude::*;
use xr::groupby::{Bins, GroupAgg, Method};
use xr::time::{date_range, format_ticks, Calendar, CfDatetime};
use xr::{DataArray, Dataset, NdArray};

mod golden {
    pub struct GCase {
        pub dims: &'static [&'static str],
        pub shape: &'static [usize],
        pub dtype: &'static str,
        pub labels: &'static [&'static str],
        pub values: &'static [f64],
    }
    include!("golden/groupby_golden.rs");
}
use golden::golden;

const NT: usize = 2190;

/// The fixture of make_groupby_golden.py, chunked along time by `chunk` when given.
fn fixture(cal: Calendar, f32: bool, chunk: Option<usize>) -> DataArray {
    let mut v = Vec::with_capacity(NT * 6);
    for i in 0..NT {
        for j in 0..2 {
            for k in 0..3 {
                let x = if (3 * i + j + k) % 23 == 0 {
                    f64::NAN
                } else {
                    ((7 * i + 13 * j + 29 * k) % 101) as f64 / 7.0 + 0.001 * i as f64
                };
                v.push(x);
            }
        }
    }
    let data = NdArray::from_shape_vec(&[NT, 2, 3], v).unwrap();
    let data = if f32 {
        data.astype(xr::DType::F32).unwrap()
    } else {
        data
    };
    let start = CfDatetime::new(2000, 1, 1, cal).unwrap();
    let t = date_range(start, None, Some(NT), "12h".parse().unwrap(), cal).unwrap();
    let time = NdArray::datetime(ndarray::Array1::from(t).into_dyn().into_shared(), cal);
    let tag: Vec<i64> = (0..NT as i64).map(|i| i % 5).collect();
    let da = DataArray::new(data, &["time", "y", "x"])
        .unwrap()
        .with_coord("time", &["time"], time)
        .unwrap()
        .with_coord("x", &["x"], vec![0.5, 1.5, 2.5])
        .unwrap()
        .with_coord("tag", &["time"], tag)
        .unwrap()
        .with_name("v");
    match chunk {
        Some(c) => da.chunk(&[("time", c), ("y", 1)]).unwrap(),
        None => da,
    }
}

fn label_strings(a: &NdArray) -> Vec<String> {
    match a {
        NdArray::DateTime(t, cal) => t.iter().map(|&x| format_ticks(x, *cal)).collect(),
        NdArray::Str(s) => s.iter().cloned().collect(),
        NdArray::I64(v) => v.iter().map(i64::to_string).collect(),
        other => panic!("unexpected label dtype {}", other.dtype()),
    }
}

fn check(name: &str, da: &DataArray, group_dim: &str) {
    let case = golden(name);
    assert_eq!(da.dims(), case.dims, "{name}: dims");
    assert_eq!(da.shape(), case.shape, "{name}: shape");
    assert_eq!(da.dtype().name(), case.dtype, "{name}: dtype");
    let labels = da.coord(group_dim).unwrap().values().compute().unwrap();
    assert_eq!(label_strings(&labels), case.labels, "{name}: labels");
    assert_eq!(da.name(), Some("v"), "{name}: name");
    let got = da.values().to_f64_vec().unwrap();
    let rel = if case.dtype == "float32" { 1e-6 } else { 1e-12 };
    for (i, (g, e)) in got.iter().zip(case.values).enumerate() {
        assert!(
            common::close(*g, *e, rel) || (g - e).abs() < 1e-12,
            "{name}[{i}]: got {g}, expected {e}"
        );
    }
}

const CALENDARS: [(Calendar, &str); 3] = [
    (Calendar::Standard, "STANDARD"),
    (Calendar::NoLeap, "NOLEAP"),
    (Calendar::Day360, "DAY360"),
];

fn check_calendar(cal: Calendar, c: &str, chunk: Option<usize>) {
    let da = fixture(cal, false, chunk);
    let g = da.groupby("time.season").unwrap();
    let season = |op: &str, r: xr::Result<DataArray>| {
        check(&format!("{c}_SEASON_{op}"), &r.unwrap(), "season");
    };
    season("MEAN", g.mean());
    season("SUM", g.sum());
    season("COUNT", g.count());
    season("STD", g.std());
    season("VAR", g.var());
    season("MIN", g.min());
    season("MAX", g.max());
    season("FIRST", g.first());
    season("LAST", g.last());
    season("MEDIAN", g.median());
    season("STD_DDOF1", g.aggregate(GroupAgg::Std).ddof(1).run());
    season(
        "MEAN_NOSKIP",
        g.aggregate(GroupAgg::Mean).skipna(false).run(),
    );
    season("QUANTILE25", g.quantile(0.25));
    season("WEIGHTED_MEAN", g.mean_weighted_by_month_length());
    let gm = da.groupby("time.month").unwrap();
    check(&format!("{c}_MONTH_MEAN"), &gm.mean().unwrap(), "month");
    check(&format!("{c}_MONTH_STD"), &gm.std().unwrap(), "month");
    check(&format!("{c}_MONTH_MAX"), &gm.max().unwrap(), "month");
    let clim = gm.mean().unwrap();
    let anom = gm.sub(&clim).unwrap();
    assert_eq!(anom.dims(), ["time", "y", "x"]);
    let anom = anom
        .isel(&[("time", xr::dataset::Indexer::from(0..100))])
        .unwrap();
    check(&format!("{c}_MONTH_ANOMALY"), &anom, "time");
    for (key, comp) in [
        ("DAYOFYEAR", "dayofyear"),
        ("YEAR", "year"),
        ("HOUR", "hour"),
    ] {
        let r = da.groupby(&format!("time.{comp}")).unwrap().mean().unwrap();
        check(&format!("{c}_{key}_MEAN"), &r, comp);
    }
    check(
        &format!("{c}_TAG_SUM"),
        &da.groupby("tag").unwrap().sum().unwrap(),
        "tag",
    );
    for (key, freq) in [("MS", "MS"), ("QS_DEC", "QS-DEC"), ("YS", "YS")] {
        let r = da.resample("time", freq).unwrap().mean().unwrap();
        check(&format!("{c}_RESAMPLE_{key}_MEAN"), &r, "time");
    }
    let ms = da.resample("time", "MS").unwrap();
    check(&format!("{c}_RESAMPLE_MS_MAX"), &ms.max().unwrap(), "time");
    check(&format!("{c}_RESAMPLE_MS_SUM"), &ms.sum().unwrap(), "time");
    let short = da
        .isel(&[("time", xr::dataset::Indexer::from(0..80))])
        .unwrap();
    for (key, freq) in [("D", "D"), ("6H", "6h")] {
        let r = short.resample("time", freq).unwrap().mean().unwrap();
        check(&format!("{c}_RESAMPLE_{key}_MEAN"), &r, "time");
    }
}

#[test]
fn golden_eager() {
    for (cal, c) in CALENDARS {
        check_calendar(cal, c, None);
    }
}

#[test]
fn golden_lazy() {
    for (cal, c) in CALENDARS {
        check_calendar(cal, c, Some(97));
    }
}

#[test]
fn golden_bins_and_f32() {
    for chunk in [None, Some(7)] {
        let da = fixture(Calendar::Standard, false, chunk)
            .isel(&[("time", xr::dataset::Indexer::from(0..50))])
            .unwrap();
        let r = da
            .groupby_bins("x", Bins::new(vec![0.0, 1.0, 2.0, 3.0, 4.0]))
            .unwrap()
            .mean()
            .unwrap();
        check("BINS_X_MEAN", &r, "x_bins");
        let r = da
            .groupby_bins("x", Bins::new(vec![0.0, 1.0, 2.0, 3.0, 4.0]))
            .unwrap()
            .sum()
            .unwrap();
        check("BINS_X_SUM", &r, "x_bins");
        let r = da
            .groupby_bins("x", Bins::new(vec![0.0, 1.5, 3.0]).right(false))
            .unwrap()
            .sum()
            .unwrap();
        check("BINS_X_LEFT_SUM", &r, "x_bins");
        let r = da
            .groupby_bins("x", Bins::new(vec![0.0, 1.0, 3.0]).labels(vec!["lo", "hi"]))
            .unwrap()
            .max()
            .unwrap();
        check("BINS_X_LABELS_MAX", &r, "x_bins");
        let f = fixture(Calendar::Standard, true, chunk.map(|c| c * 13));
        let g = f.groupby("time.season").unwrap();
        check("F32_SEASON_MEAN", &g.mean().unwrap(), "season");
        check("F32_SEASON_STD", &g.std().unwrap(), "season");
        let r = f.resample("time", "MS").unwrap().mean().unwrap();
        check("F32_RESAMPLE_MS_MEAN", &r, "time");
    }
}

#[test]
fn lazy_stays_lazy_and_graph_is_bounded() {
    let da = fixture(Calendar::NoLeap, false, Some(10));
    let r = da.groupby("time.season").unwrap().mean().unwrap();
    assert!(r.values().is_lazy());
    let lazy = r.values().as_lazy().unwrap();
    assert_eq!(lazy.chunks()[0], vec![4]);
    assert_eq!(lazy.chunks()[1], vec![1, 1]);
}

#[test]
fn dataset_groupby_keeps_coords_and_broadcasts_others() {
    let da = fixture(Calendar::Standard, false, None);
    let ds = da
        .to_dataset()
        .with_data_var("w", xr::Variable::new(&["x"], vec![1.0, 2.0, 3.0]).unwrap())
        .unwrap()
        .with_data_var(
            "label",
            xr::Variable::new(&["time"], vec!["a"; NT]).unwrap(),
        )
        .unwrap();
    let r: Dataset = ds.groupby("time.season").unwrap().mean().unwrap();
    assert_eq!(r.variable("v").unwrap().dims(), ["season", "y", "x"]);
    assert_eq!(r.variable("w").unwrap().dims(), ["season", "x"]);
    assert!(r.variables().get("label").is_none(), "strings are dropped");
    assert!(
        r.variables().get("tag").is_none(),
        "coords along time are dropped"
    );
    assert!(r.indexes().contains_key("season"));
    assert!(r.indexes().contains_key("x"));
    check(
        "STANDARD_SEASON_MEAN",
        &r.get("v").unwrap().with_name("v"),
        "season",
    );
}

#[test]
fn groups_iteration_and_map() {
    let da = fixture(Calendar::Day360, false, None);
    let g = da.groupby("time.season").unwrap();
    let groups = g.groups().unwrap();
    assert_eq!(groups.len(), 4);
    assert_eq!(groups[0].0.to_string(), "DJF");
    // 360_day: DJF of Jan-Feb 2000 then Dec, 2 steps a day, 30-day months.
    assert_eq!(groups[0].1[..3], [0, 1, 2]);
    let total: usize = groups.iter().map(|(_, p)| p.len()).sum();
    assert_eq!(total, NT);
    let members = g.iter().unwrap();
    assert_eq!(members.len(), 4);
    assert_eq!(members[1].1.shape()[0], groups[1].1.len());
    // map with a reduction stacks along the group dim ...
    let m = g.map(|x| x.mean(&["time"])).unwrap();
    assert_eq!(m.dims(), ["season", "y", "x"]);
    check("DAY360_SEASON_MEAN", &m.with_name("v"), "season");
    // ... and with a transform restores the original order along time.
    let same = g.map(|x| Ok(x.clone())).unwrap();
    assert_eq!(same.dims(), ["time", "y", "x"]);
    assert!(same.values().equals(da.values()));
}

#[test]
fn errors_name_things() {
    let da = fixture(Calendar::Standard, false, None);
    let e = da.groupby("time.fortnight").unwrap_err().to_string();
    assert!(e.contains("fortnight"), "{e}");
    let e = da.groupby("nope").unwrap_err().to_string();
    assert!(e.contains("nope"), "{e}");
    let e = da.resample("time", "3MSX").unwrap_err().to_string();
    assert!(e.contains("3MSX"), "{e}");
    let e = da.groupby("x.month").unwrap_err().to_string();
    assert!(e.contains("\"x\"") && e.contains("datetime"), "{e}");
    let g = da.groupby("time.month").unwrap();
    let e = g
        .aggregate(GroupAgg::Mean)
        .dims(&["y"])
        .run()
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"time\"") && e.contains("\"y\""), "{e}");
    let e = da
        .groupby_bins("x", Bins::new(vec![1.0, 0.0]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"x\""), "{e}");
    let e = g.quantile(1.5).unwrap_err().to_string();
    assert!(e.contains("1.5"), "{e}");
}

/// The reference: each group's members gathered, reduced with the ordinary reductions.
fn aggregations() -> Vec<GroupAgg> {
    vec![
        GroupAgg::Sum,
        GroupAgg::Prod,
        GroupAgg::Count,
        GroupAgg::Mean,
        GroupAgg::Var,
        GroupAgg::Std,
        GroupAgg::Min,
        GroupAgg::Max,
        GroupAgg::First,
        GroupAgg::Last,
        GroupAgg::Median,
        GroupAgg::Quantile(0.3),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Lazy with random chunkings equals eager, for every aggregation, with NaN, empty
    /// groups (resample of a gappy series) and positions in no group.
    #[test]
    fn lazy_equals_eager(
        n in 1usize..60,
        chunk_t in 1usize..20,
        chunk_x in 1usize..4,
        seed in 0u64..1000,
        skipna in any::<bool>(),
    ) {
        let mut v = Vec::with_capacity(n * 3);
        let mut s = seed;
        for _ in 0..n * 3 {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let x = ((s >> 33) % 1000) as f64 / 100.0 - 3.0;
            v.push(if (s >> 20) % 11 == 0 { f64::NAN } else { x });
        }
        let data = NdArray::from_shape_vec(&[n, 3], v).unwrap();
        let cal = Calendar::NoLeap;
        let start = CfDatetime::new(2001, 11, 20, cal).unwrap();
        // Steps of 5 days: some months get no member.
        let t = date_range(start, None, Some(n), "5D".parse().unwrap(), cal).unwrap();
        let time = NdArray::datetime(ndarray::Array1::from(t).into_dyn().into_shared(), cal);
        let label: Vec<i64> = (0..n as i64).map(|i| (i * 7 + seed as i64) % 4 - 1).collect();
        // A float label with NaN: those positions are in no group.
        let flabel: Vec<f64> = (0..n)
            .map(|i| if i % 5 == 2 { f64::NAN } else { (i % 3) as f64 * 0.5 })
            .collect();
        let eager = DataArray::new(data, &["time", "x"]).unwrap()
            .with_coord("time", &["time"], time).unwrap()
            .with_coord("label", &["time"], label).unwrap()
            .with_coord("flabel", &["time"], flabel).unwrap();
        let lazy = eager.chunk(&[("time", chunk_t), ("x", chunk_x)]).unwrap();
        for agg in aggregations() {
            for key in ["time.month", "label", "flabel", "time.season"] {
                let e = eager.groupby(key).unwrap().aggregate(agg).skipna(skipna).run().unwrap();
                let l = lazy.groupby(key).unwrap().aggregate(agg).skipna(skipna).run().unwrap();
                prop_assert!(l.values().is_lazy());
                assert_same(&format!("{agg} by {key}"), &e, &l);
            }
            if agg == GroupAgg::Sum {
                let e = eager.groupby("time.season").unwrap().mean_weighted_by_month_length().unwrap();
                let l = lazy.groupby("time.season").unwrap().mean_weighted_by_month_length().unwrap();
                prop_assert!(l.values().is_lazy());
                assert_same("weighted mean by season", &e, &l);
            }
            let e = eager.resample("time", "MS").unwrap().aggregate(agg).skipna(skipna).run().unwrap();
            let l = lazy.resample("time", "MS").unwrap().aggregate(agg).skipna(skipna).run().unwrap();
            assert_same(&format!("{agg} resample MS"), &e, &l);
            // And equal to the plain reduction of each group's members.
            if matches!(agg, GroupAgg::Mean | GroupAgg::Max | GroupAgg::Std | GroupAgg::Median) {
                let g = eager.groupby("time.month").unwrap();
                let r = g.aggregate(agg).skipna(skipna).run().unwrap();
                for (k, (_, member)) in g.iter().unwrap().into_iter().enumerate() {
                    let op = match agg {
                        GroupAgg::Mean => xr::dataset::Reduction::Mean,
                        GroupAgg::Max => xr::dataset::Reduction::Max,
                        GroupAgg::Std => xr::dataset::Reduction::Std,
                        _ => xr::dataset::Reduction::Median,
                    };
                    let want = member.reduce_with(op).dim("time").skipna(skipna).run().unwrap();
                    let got = r.isel(&[("month", xr::dataset::Indexer::Pos(k as isize))]).unwrap();
                    assert_same(&format!("{agg} of group {k}"), &want, &got);
                }
            }
        }
    }
}

fn assert_same(what: &str, a: &DataArray, b: &DataArray) {
    assert_eq!(a.dims(), b.dims(), "{what}: dims");
    assert_eq!(a.dtype(), b.dtype(), "{what}: dtype");
    let (x, y) = (
        a.values().to_f64_vec().unwrap(),
        b.values().to_f64_vec().unwrap(),
    );
    assert_eq!(x.len(), y.len(), "{what}: len");
    for (i, (p, q)) in x.iter().zip(&y).enumerate() {
        assert!(
            common::close(*p, *q, 1e-9) || (p - q).abs() < 1e-9,
            "{what}[{i}]: {p} vs {q}"
        );
    }
}

#[test]
fn grouped_arithmetic_drops_ungrouped_and_adds_virtual_coord() {
    let cal = Calendar::NoLeap;
    let start = CfDatetime::new(2000, 1, 1, cal).unwrap();
    let t = date_range(start, None, Some(6), "MS".parse().unwrap(), cal).unwrap();
    let time = NdArray::datetime(ndarray::Array1::from(t).into_dyn().into_shared(), cal);
    let da = DataArray::new(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &["time"])
        .unwrap()
        .with_coord("time", &["time"], time)
        .unwrap()
        .with_coord("lab", &["time"], vec![1.0, 2.0, f64::NAN, 1.0, 2.0, 1.0])
        .unwrap()
        .with_name("v");
    for chunk in [None, Some(2)] {
        let da = match chunk {
            Some(c) => da.chunk(&[("time", c)]).unwrap(),
            None => da.clone(),
        };
        let g = da.groupby("lab").unwrap();
        let anom = g.sub(&g.mean().unwrap()).unwrap();
        assert_eq!(anom.name(), Some("v"));
        assert_eq!(anom.values().is_lazy(), chunk.is_some());
        // xarray: [-2.666..., -1.5, 0.333..., 1.5, 2.333...]
        let want = [-8.0 / 3.0, -1.5, 1.0 / 3.0, 1.5, 7.0 / 3.0];
        let got = anom.values().to_f64_vec().unwrap();
        assert_eq!(got.len(), 5);
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?}");
        }
        let gm = da.groupby("time.month").unwrap();
        let anom = gm.sub(&gm.mean().unwrap()).unwrap();
        let month = anom.coord("month").unwrap();
        assert_eq!(month.dims(), ["time"]);
        assert_eq!(
            month.values().to_f64_vec().unwrap(),
            [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
        );
        assert_eq!(anom.values().to_f64_vec().unwrap(), [0.0; 6]);
    }
}

/// Many years of a lazy source: the number of tasks grows with the chunks only (not
/// with the groups), and the peak memory does not grow with the number of years.
/// Enough partial tasks (input batches of about 4 MB) that the partials are folded in
/// several chains whose results are combined two by two: the same answer as eager.
#[test]
fn many_partials_in_several_chains_equal_eager() {
    use xr::lazy::LazyArray;
    let cal = Calendar::NoLeap;
    let n = 365 * 2;
    let start = CfDatetime::new(1900, 1, 1, cal).unwrap();
    let t = date_range(start, None, Some(n), "D".parse().unwrap(), cal).unwrap();
    let time = NdArray::datetime(ndarray::Array1::from(t).into_dyn().into_shared(), cal);
    // Chunks of 37 steps of 50 x 50 f64 (740 KB): 20 chunks, about 5 per partial.
    let src = LazyArray::random(&[n, 50, 50], &[37, 50, 50], 11).unwrap();
    let lazy = DataArray::new(src, &["time", "y", "x"])
        .unwrap()
        .with_coord("time", &["time"], time)
        .unwrap();
    let eager = lazy.compute().unwrap();
    for key in ["time.season", "time.month"] {
        let l = lazy.groupby(key).unwrap().mean().unwrap();
        assert!(l.values().is_lazy());
        let e = eager.groupby(key).unwrap().mean().unwrap();
        assert_same(&format!("mean by {key}"), &e, &l.compute().unwrap());
    }
}

#[test]
fn map_reduce_is_memory_bounded() {
    use xr::dist::LocalExecutor;
    use xr::lazy::LazyArray;
    let run = |years: usize, key: &str| {
        let cal = Calendar::NoLeap;
        let n = 365 * years;
        let start = CfDatetime::new(1900, 1, 1, cal).unwrap();
        let t = date_range(start, None, Some(n), "D".parse().unwrap(), cal).unwrap();
        let time = NdArray::datetime(ndarray::Array1::from(t).into_dyn().into_shared(), cal);
        let src = LazyArray::random(&[n, 20, 20], &[73, 20, 20], 7).unwrap();
        let da = DataArray::new(src, &["time", "y", "x"])
            .unwrap()
            .with_coord("time", &["time"], time)
            .unwrap();
        let r = da.groupby(key).unwrap().mean().unwrap();
        let exec = LocalExecutor::new().threads(2);
        let out = r.values().as_lazy().unwrap().compute_with(&exec).unwrap();
        assert_eq!(out.shape()[1..], [20, 20]);
        let stats = exec.last_stats().unwrap();
        (stats.tasks_run, stats.peak_bytes, n / 73)
    };
    let (tasks_small, peak_small, chunks_small) = run(10, "time.season");
    let (tasks_big, peak_big, chunks_big) = run(80, "time.season");
    // One partial per chunk, about one combine per 8 partials, one finalize.
    assert!(
        tasks_small <= chunks_small + chunks_small / 7 + 3,
        "{tasks_small}"
    );
    assert!(tasks_big <= chunks_big + chunks_big / 7 + 3, "{tasks_big}");
    assert!(
        peak_big * 2 < peak_small * 3,
        "peak {peak_big} for 80 years vs {peak_small} for 10"
    );
    let (tasks_doy, _, _) = run(10, "time.dayofyear");
    assert_eq!(tasks_doy, tasks_small, "no task per group");
}

#[test]
fn integer_dtypes_follow_xarray() {
    let cal = Calendar::Standard;
    let start = CfDatetime::new(2000, 1, 1, cal).unwrap();
    let t = date_range(start, None, Some(4), "MS".parse().unwrap(), cal).unwrap();
    // A gap: March is missing, so resample has an empty month.
    let t = vec![t[0], t[1], t[3]];
    let time = NdArray::datetime(ndarray::Array1::from(t).into_dyn().into_shared(), cal);
    let da = DataArray::new(vec![3i32, 5, 7], &["time"])
        .unwrap()
        .with_coord("time", &["time"], time)
        .unwrap();
    for da in [da.clone(), da.chunk(&[("time", 1)]).unwrap()] {
        let g = da.resample("time", "MS").unwrap();
        // xarray: empty periods are NaN whatever the aggregation, so floats.
        for r in [g.sum(), g.count(), g.prod(), g.first()] {
            let r = r.unwrap();
            assert_eq!(r.dtype(), xr::DType::F64);
            let v = r.values().to_f64_vec().unwrap();
            assert!(v[2].is_nan() && v[3] > 0.0, "{v:?}");
        }
        let by_year = da.groupby("time.year").unwrap();
        assert_eq!(by_year.sum().unwrap().dtype(), xr::DType::I64);
        assert_eq!(by_year.count().unwrap().dtype(), xr::DType::I64);
        let mean = g.mean().unwrap();
        assert_eq!(mean.dtype(), xr::DType::F64);
        let max = g.max().unwrap();
        assert_eq!(max.dtype(), xr::DType::F64, "NaN for the empty month");
        let m = max.values().to_f64_vec().unwrap();
        assert!(m[2].is_nan() && m[3] == 7.0);
        assert_eq!(by_year.max().unwrap().dtype(), xr::DType::I32);
        assert_eq!(
            by_year.first().unwrap().values().to_f64_vec().unwrap(),
            [3.0]
        );
        assert_eq!(
            by_year.last().unwrap().values().to_f64_vec().unwrap(),
            [7.0]
        );
    }
}

/// Large int64 values (near 2^60, where f64 has a spacing of 256): grouped sums stay
/// exact integers, eager and chunked alike, and equal the plain `.sum()` of each group's
/// members; extremes and first/last too.
#[test]
fn integer_sums_are_exact() {
    let cal = Calendar::NoLeap;
    let start = CfDatetime::new(2000, 1, 1, cal).unwrap();
    let n = 40;
    let t = date_range(start, None, Some(n), "10D".parse().unwrap(), cal).unwrap();
    let time = NdArray::datetime(ndarray::Array1::from(t).into_dyn().into_shared(), cal);
    let base = 1i64 << 60;
    let v: Vec<i64> = (0..n as i64 * 2).map(|i| base + i * 3 + 1).collect();
    let eager = DataArray::new(
        NdArray::from_shape_vec(&[n, 2], v.clone()).unwrap(),
        &["time", "x"],
    )
    .unwrap()
    .with_coord("time", &["time"], time)
    .unwrap();
    for chunk in [None, Some(1), Some(3), Some(7)] {
        let da = match chunk {
            Some(c) => eager.chunk(&[("time", c), ("x", 1)]).unwrap(),
            None => eager.clone(),
        };
        let g = da.groupby("time.month").unwrap();
        let sum = g.sum().unwrap();
        assert_eq!(sum.values().is_lazy(), chunk.is_some());
        assert_eq!(sum.dtype(), xr::DType::I64);
        let got = sum.values().compute().unwrap();
        let got = got.as_array::<i64>().unwrap();
        for (k, (_, member)) in g.iter().unwrap().into_iter().enumerate() {
            let want = member.sum(&["time"]).unwrap().values().compute().unwrap();
            let want = want.as_array::<i64>().unwrap();
            // The exact sum, computed here in i128.
            let members = member.values().compute().unwrap();
            let members = members.as_array::<i64>().unwrap();
            for x in 0..2 {
                let exact: i128 = members
                    .index_axis(ndarray::Axis(1), x)
                    .iter()
                    .map(|&v| i128::from(v))
                    .sum();
                let exact = exact as i64; // numpy wraps; these sums fit anyway
                assert_eq!(got[[k, x]], exact, "group {k}, x {x}, chunk {chunk:?}");
                assert_eq!(want[[x]], exact, "plain sum of group {k}");
            }
        }
        // Extremes and first/last of integers are exact too.
        for (agg, pick) in [
            (GroupAgg::Max, 2usize),
            (GroupAgg::Min, 0),
            (GroupAgg::First, 0),
            (GroupAgg::Last, 2),
        ] {
            let r = g.aggregate(agg).run().unwrap();
            assert_eq!(r.dtype(), xr::DType::I64, "{agg}");
            let r = r.values().compute().unwrap();
            let r = r.as_array::<i64>().unwrap();
            for (k, (_, pos)) in g.groups().unwrap().into_iter().enumerate() {
                // Values increase with position: max and last are the last member.
                let p = if pick == 0 {
                    pos[0]
                } else {
                    pos[pos.len() - 1]
                };
                assert_eq!(
                    r[[k, 1]],
                    v[p * 2 + 1],
                    "{agg} of group {k}, chunk {chunk:?}"
                );
            }
        }
        // The unsigned path stays exact too.
        let u = DataArray::new(
            NdArray::from_shape_vec(&[n, 2], v.iter().map(|&x| x as u64).collect()).unwrap(),
            &["time", "x"],
        )
        .unwrap()
        .with_coord(
            "time",
            &["time"],
            eager.coord("time").unwrap().values().compute().unwrap(),
        )
        .unwrap();
        let u = match chunk {
            Some(c) => u.chunk(&[("time", c)]).unwrap(),
            None => u,
        };
        let us = u.groupby("time.month").unwrap().sum().unwrap();
        assert_eq!(us.dtype(), xr::DType::U64);
        let us = us.values().compute().unwrap();
        let us = us.as_array::<u64>().unwrap();
        assert_eq!(us[[0, 0]] as i64, got[[0, 0]]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Integer data: grouped sum, prod, count, min and max give the same values and
    /// dtypes eager and chunked, by map-reduce and blockwise alike, for many chunkings;
    /// float data: the blockwise method equals map-reduce for every aggregation.
    #[test]
    fn chunked_equals_eager_for_ints_and_methods(
        n in 1usize..50,
        chunk_t in 1usize..12,
        seed in 0u64..1000,
    ) {
        let mut s = seed;
        let mut next = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            s >> 20
        };
        let ints: Vec<i64> = (0..n * 2).map(|_| (next() % 2001) as i64 - 1000 + (1 << 55)).collect();
        let floats: Vec<f64> = (0..n * 2)
            .map(|_| {
                let r = next();
                if r % 9 == 0 { f64::NAN } else { (r % 1000) as f64 / 100.0 - 3.0 }
            })
            .collect();
        let cal = Calendar::Standard;
        let start = CfDatetime::new(2001, 1, 20, cal).unwrap();
        let t = date_range(start, None, Some(n), "9D".parse().unwrap(), cal).unwrap();
        let time = NdArray::datetime(ndarray::Array1::from(t).into_dyn().into_shared(), cal);
        let make = |data: NdArray| {
            DataArray::new(data, &["time", "x"]).unwrap()
                .with_coord("time", &["time"], time.clone()).unwrap()
        };
        let ints = make(NdArray::from_shape_vec(&[n, 2], ints).unwrap());
        let floats = make(NdArray::from_shape_vec(&[n, 2], floats).unwrap());
        let int_aggs = [GroupAgg::Sum, GroupAgg::Count, GroupAgg::Min, GroupAgg::Max, GroupAgg::Prod];
        for (eager, aggs) in [(&ints, int_aggs.to_vec()), (&floats, aggregations())] {
            let lazy = eager.chunk(&[("time", chunk_t), ("x", 1)]).unwrap();
            for agg in aggs {
                for key in ["time.month", "time.season"] {
                    let want = eager.groupby(key).unwrap().aggregate(agg).run().unwrap();
                    let mut methods = vec![Method::Blockwise];
                    if agg.decomposes() {
                        methods.push(Method::MapReduce);
                    }
                    for m in methods {
                        for da in [eager, &lazy] {
                            let got = da.groupby(key).unwrap().aggregate(agg).method(m).run().unwrap();
                            let what = format!("{agg} by {key}, {m:?}, lazy {}", da.values().is_lazy());
                            prop_assert_eq!(got.values().is_lazy(), da.values().is_lazy());
                            prop_assert_eq!(got.dtype(), want.dtype(), "{}", what);
                            if want.dtype() == xr::DType::F64 || want.dtype() == xr::DType::F32 {
                                assert_same(&what, &want, &got);
                            } else {
                                // Integers (products wrap, in any order alike): exact.
                                let (a, b) = (want.values().compute().unwrap(), got.values().compute().unwrap());
                                prop_assert_eq!(a.as_array::<i64>(), b.as_array::<i64>(), "{}", what);
                            }
                        }
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// A packed variable (CF masking and unpacking on lazy data, as files are opened) in
    /// two parts, concatenated along time as `open_mfdataset` does, maybe transposed: the
    /// grouped mean, which decodes each stored value as it reads it, equals the mean of
    /// the eagerly decoded values bit for bit; so do the cases it leaves to the decoded
    /// chunk (several fill values, parts packed differently) and another aggregation.
    #[test]
    fn packed_mean_decoded_as_read_equals_eager(
        n in 2usize..80,
        chunk_t in 1usize..20,
        cut in 1usize..79,
        seed in 0u64..1000,
        packing in 0usize..4,
        transpose in any::<bool>(),
        skipna in any::<bool>(),
    ) {
        use xr::array::kernels::MaskScale;
        use xr::lazy::LazyArray;
        let cut = cut.min(n - 1);
        let mut s = seed;
        let raw: Vec<i16> = (0..n * 3)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                if (s >> 20) % 7 == 0 { -32767 } else { ((s >> 33) % 2000) as i16 - 1000 }
            })
            .collect();
        let (fill, scale, offset) = (vec![-32767.0], Some(2e-3), Some(6.5e-1));
        let decodings = |part: usize| match packing {
            0 => MaskScale::new(xr::DType::F32, fill.clone(), scale, offset),
            1 => MaskScale::new(xr::DType::F64, vec![], Some(0.25), None),
            2 => MaskScale::new(xr::DType::F32, vec![-32767.0, 5.0], scale, None),
            _ => MaskScale::new(xr::DType::F32, fill.clone(), scale, Some(part as f64)),
        };
        let mut lazy_parts = Vec::new();
        let mut eager_parts = Vec::new();
        for (part, rows) in [(0, 0..cut), (1, cut..n)] {
            let len = rows.len();
            let values = raw[rows.start * 3..rows.end * 3].to_vec();
            let stored = NdArray::from_shape_vec(&[len, 3], values).unwrap();
            eager_parts.push(decodings(part).apply(&stored).unwrap());
            let lazy = if transpose {
                let t = stored.permute(&[1, 0]).unwrap();
                LazyArray::from_array(t, &[2, chunk_t])
                    .unwrap()
                    .mask_scale(decodings(part))
                    .permute(&[1, 0])
                    .unwrap()
            } else {
                LazyArray::from_array(stored, &[chunk_t, 3]).unwrap().mask_scale(decodings(part))
            };
            lazy_parts.push(lazy);
        }
        let cal = Calendar::Standard;
        let start = CfDatetime::new(2001, 1, 20, cal).unwrap();
        let t = date_range(start, None, Some(n), "9D".parse().unwrap(), cal).unwrap();
        let time = NdArray::datetime(ndarray::Array1::from(t).into_dyn().into_shared(), cal);
        let eager = DataArray::new(NdArray::concatenate(0, &eager_parts).unwrap(), &["time", "x"])
            .unwrap()
            .with_coord("time", &["time"], time.clone())
            .unwrap();
        let lazy = DataArray::new(LazyArray::concatenate(0, &lazy_parts).unwrap(), &["time", "x"])
            .unwrap()
            .with_coord("time", &["time"], time)
            .unwrap();
        for agg in [GroupAgg::Mean, GroupAgg::Max] {
            let e = eager.groupby("time.season").unwrap().aggregate(agg).skipna(skipna).run().unwrap();
            let l = lazy.groupby("time.season").unwrap().aggregate(agg).skipna(skipna).run().unwrap();
            prop_assert!(l.values().is_lazy());
            let l = l.compute().unwrap();
            prop_assert_eq!(e.dtype(), l.dtype());
            let (x, y) = (e.values().to_f64_vec().unwrap(), l.values().to_f64_vec().unwrap());
            for (i, (p, q)) in x.iter().zip(&y).enumerate() {
                prop_assert!(
                    p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()),
                    "{agg} [{i}]: eager {p}, lazy {q}"
                );
            }
        }
    }
}
