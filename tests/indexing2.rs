//! Indexing, part two, against xarray: pointwise (vectorized) `isel`/`sel` with points
//! along a new dim (exact and nearest labels, with other indexers), `sortby`
//! (coordinates, 1-D DataArrays with ties and NaN, several keys, descending), `stack`
//! and `unstack` (full product, missing combinations as NaN), on float (with NaNs) and
//! integer inputs, over time axes of the standard, noleap and 360_day calendars, eager
//! and chunked (golden values from
//! tests/golden/make_indexing2_golden.py); that pointwise selection reads only the
//! blocks holding points; errors naming the bad dim or argument; and property tests
//! that chunking never changes an answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use common::golden_file::GoldenFile;
use proptest::prelude::*;
use xr::array::chunks::ChunkGrid;
use xr::dataset::{Indexer, Label, Method};
use xr::lazy::{ChunkSource, LazyArray};
use xr::{DType, DataArray, Error, NdArray, Scalar};

fn golden() -> &'static GoldenFile {
    static G: OnceLock<GoldenFile> = OnceLock::new();
    G.get_or_init(|| GoldenFile::parse(include_str!("golden/indexing2_golden.json")))
}

/// An input, eager or chunked as xarray's check chunked it (time by 2, lon by 3).
fn input(name: &str, chunked: bool) -> DataArray {
    let da = golden().input(name);
    if chunked {
        da.chunk(&[("time", 2), ("lon", 3)]).unwrap()
    } else {
        da
    }
}

fn points(dim: &str, pos: &[isize]) -> Indexer {
    Indexer::points(dim, pos)
}

fn labels(vals: &[f64]) -> Label {
    Label::points("station", vals.iter().map(|&v| Scalar::from(v)).collect())
}

/// Every golden case for source `src` ("f" or "i").
fn cases(src: &str, chunked: bool) -> Vec<(String, DataArray)> {
    let a = input(src, chunked);
    let u = input(&format!("{src}u"), chunked);
    let (key, key2) = (input("key", false), input("key2", false));
    let stacked = a.stack("z", &["lat", "lon"]).unwrap();
    let by_time = a.stack("s", &["lon", "time"]).unwrap();
    vec![
        ("sortby_lon", u.sortby(&["lon"], true).unwrap()),
        ("sortby_lat", a.sortby(&["lat"], true).unwrap()),
        (
            "sortby_lonlat_desc",
            u.sortby(&["lon", "lat"], false).unwrap(),
        ),
        ("sortby_key", a.sortby_arrays(&[&key], true).unwrap()),
        (
            "sortby_keys",
            a.sortby_arrays(&[&key, &key2], true).unwrap(),
        ),
        (
            "sortby_keys_desc",
            a.sortby_arrays(&[&key, &key2], false).unwrap(),
        ),
        (
            "isel_points",
            a.isel(&[
                ("lat", points("station", &[0, 2, 1, 2, 0])),
                ("lon", points("station", &[3, 0, 0, -1, 1])),
            ])
            .unwrap(),
        ),
        (
            "isel_points_time",
            a.isel(&[
                ("time", Indexer::slice(Some(2), Some(7), 1)),
                ("lat", points("station", &[1, 2])),
                ("lon", points("station", &[3, 3])),
            ])
            .unwrap(),
        ),
        (
            "isel_points_timelon",
            a.isel(&[
                ("time", points("station", &[0, 8, 4])),
                ("lon", points("station", &[1, 2, 3])),
            ])
            .unwrap(),
        ),
        (
            "sel_points",
            a.sel(&[
                ("lat", labels(&[0.0, 45.0, -60.0])),
                ("lon", labels(&[90.0, 270.0, 0.0])),
            ])
            .unwrap(),
        ),
        (
            "sel_points_nearest",
            a.sel_with(&[
                ("lat", labels(&[44.0, -50.0, 3.0, -61.0])),
                ("lon", labels(&[260.0, 10.0, 95.0, 170.0])),
            ])
            .method(Method::Nearest)
            .run()
            .unwrap(),
        ),
        ("stack_latlon", stacked.clone()),
        ("stack_lontime", by_time.clone()),
        ("unstack_full", stacked.unstack("z").unwrap()),
        (
            "unstack_missing",
            stacked
                .isel(&[("z", Indexer::List(vec![0, 2, 3, 5, 7, 8, 11]))])
                .unwrap()
                .unstack("z")
                .unwrap(),
        ),
        ("unstack_time", by_time.unstack("s").unwrap()),
    ]
    .into_iter()
    .map(|(k, v)| (format!("{k}_{src}"), v))
    .collect()
}

#[test]
fn indexing2_matches_xarray_eager_and_chunked() {
    let n = golden()["cases"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !k.starts_with("cal_"))
        .count();
    for chunked in [false, true] {
        let mut count = 0;
        for src in ["f", "i"] {
            for (case, da) in cases(src, chunked) {
                golden().check(&case, &da, chunked);
                count += 1;
            }
        }
        assert_eq!(count, n, "one result per golden case");
    }
}

/// A time coordinate of the golden file on `calendar`.
fn time_coord(calendar: &str) -> NdArray {
    let cal: xr::Calendar = calendar.parse().unwrap();
    let ticks: Vec<i64> = golden()["time_coords"][calendar]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            xr::CfDatetime::parse(s.as_str().unwrap(), cal)
                .unwrap()
                .to_ticks()
                .unwrap()
        })
        .collect();
    NdArray::datetime(ndarray::ArcArray::from(ticks).into_dyn(), cal)
}

/// Asserts the time coordinate of a result: calendar and values as ISO text.
fn check_times(case: &str, got: &DataArray, calendar: &str) {
    let expected = golden()["cases"][case]["time"].as_array().unwrap();
    let time = got
        .coords()
        .get("time")
        .unwrap_or_else(|| panic!("{case}: no time"));
    assert_eq!(
        time.dtype(),
        DType::DateTime(calendar.parse().unwrap()),
        "{case}"
    );
    let values = time.values().unwrap();
    assert_eq!(values.len(), expected.len(), "{case}: time length");
    for (k, x) in expected.iter().enumerate() {
        assert_eq!(
            values.get_flat(k).unwrap().to_string(),
            x.as_str().unwrap(),
            "{case}: time[{k}]"
        );
    }
}

#[test]
fn verbs_over_time_axes_of_three_calendars_match_xarray() {
    for chunked in [false, true] {
        for cal in ["standard", "noleap", "360_day"] {
            let a = input("f", chunked)
                .with_coord("time", &["time"], time_coord(cal))
                .unwrap();
            let stacked = a.stack("s", &["lon", "time"]).unwrap();
            let mut kept: Vec<isize> = (0..9).collect();
            kept.extend([12, 30, 35]);
            let cases = [
                ("cal_sortby_desc", a.sortby(&["time"], false).unwrap()),
                (
                    "cal_isel_points",
                    a.isel(&[
                        ("time", points("station", &[0, 8, 4])),
                        ("lon", points("station", &[1, 2, 3])),
                    ])
                    .unwrap(),
                ),
                ("cal_stack", stacked.clone()),
                (
                    "cal_unstack",
                    stacked
                        .isel(&[("s", Indexer::List(kept))])
                        .unwrap()
                        .unstack("s")
                        .unwrap(),
                ),
            ];
            for (k, da) in cases {
                let case = format!("{k}_{cal}");
                golden().check(&case, &da, chunked);
                check_times(&case, &da, cal);
            }
        }
    }
}

#[test]
fn dataset_verbs_apply_to_every_variable() {
    let ds = input("f", false)
        .to_dataset()
        .with_data_var("i", input("i", false).variable().clone())
        .unwrap();
    let s = ds.stack("z", &["lat", "lon"]).unwrap();
    assert_eq!(s.get("i").unwrap().dims(), ["time", "z"]);
    assert_eq!(s.multi_index("z").unwrap().names(), ["lat", "lon"]);
    let back = s.unstack("z").unwrap();
    for v in ["f", "i"] {
        assert!(
            back.get(v)
                .unwrap()
                .values()
                .equals(ds.get(v).unwrap().values()),
            "{v}"
        );
    }
    let p = ds
        .isel(&[
            ("time", Indexer::slice(Some(2), Some(7), 1)),
            ("lat", points("station", &[1, 2])),
            ("lon", points("station", &[3, 3])),
        ])
        .unwrap();
    let sorted = ds.sortby(&["lat"], true).unwrap();
    for v in ["f", "i"] {
        golden().check(&format!("isel_points_time_{v}"), &p.get(v).unwrap(), false);
        golden().check(&format!("sortby_lat_{v}"), &sorted.get(v).unwrap(), false);
    }
}

/// An in-memory array served as a chunk source that records the regions read.
#[derive(Debug)]
struct Counting {
    values: NdArray,
    grid: ChunkGrid,
    reads: Mutex<Vec<Vec<Range<usize>>>>,
}

impl ChunkSource for Counting {
    fn dtype(&self) -> DType {
        self.values.dtype()
    }
    fn shape(&self) -> &[usize] {
        self.values.shape()
    }
    fn chunks(&self) -> &ChunkGrid {
        &self.grid
    }
    fn read(&self, region: &[Range<usize>]) -> xr::Result<NdArray> {
        self.reads.lock().unwrap().push(region.to_vec());
        let mut out = self.values.clone();
        for (axis, r) in region.iter().enumerate() {
            out = out.slice_axis(axis, r.start, r.end, 1)?;
        }
        Ok(out)
    }
    fn label(&self) -> String {
        "counting source".into()
    }
}

#[test]
fn pointwise_selection_reads_only_blocks_holding_points() {
    let eager = input("f", false);
    let source = Arc::new(Counting {
        values: eager.values().compute().unwrap(),
        grid: ChunkGrid::regular(&[9, 3, 4], &[3, 1, 2]).unwrap(),
        reads: Mutex::new(Vec::new()),
    });
    let lazy = DataArray::new(
        LazyArray::from_source(Arc::clone(&source) as Arc<dyn ChunkSource>),
        eager.dims(),
    )
    .unwrap();
    let sel = [
        ("lat", points("station", &[0, 2])),
        ("lon", points("station", &[3, 3])),
    ];
    let got = lazy.isel(&sel).unwrap();
    assert!(got.values().is_lazy());
    assert!(
        source.reads.lock().unwrap().is_empty(),
        "nothing read before compute"
    );
    let want = eager.isel(&sel).unwrap();
    assert!(got.values().equals(want.values()));
    let reads = source.reads.lock().unwrap().clone();
    assert!(!reads.is_empty());
    for r in &reads {
        // Every read lies in a block holding a point: lat 0 or 2, lon block 1 (2..4).
        assert!(r[1].len() == 1 && [0, 2].contains(&r[1].start), "{r:?}");
        assert!(r[2].start >= 2 && r[2].end <= 4, "{r:?}");
    }
}

fn invalid_argument(e: Error) -> String {
    match e {
        Error::InvalidArgument { argument, .. } => argument,
        other => panic!("expected InvalidArgument, got {other}"),
    }
}

#[test]
fn bad_input_is_an_error_naming_it() {
    let f = input("f", false);
    // sortby
    assert!(
        matches!(f.sortby(&["depth"], true), Err(Error::VarNotFound { name, .. }) if name == "depth")
    );
    assert_eq!(
        invalid_argument(f.sortby_arrays(&[&f], true).unwrap_err()),
        "variables"
    );
    let elsewhere = DataArray::new(vec![1.0, 2.0], &["x"])
        .unwrap()
        .with_name("k");
    assert!(
        matches!(f.sortby_arrays(&[&elsewhere], true), Err(Error::DimNotFound { dim, .. }) if dim == "x")
    );
    // pointwise
    let err = f
        .isel(&[
            ("lat", points("station", &[0, 1])),
            ("lon", points("station", &[0])),
        ])
        .unwrap_err();
    assert_eq!(invalid_argument(err), "indexers");
    assert!(matches!(
        f.isel(&[("lat", points("station", &[3]))]),
        Err(Error::IndexOutOfBounds { what }) if what.contains("\"lat\"")
    ));
    assert!(matches!(
        f.isel(&[("depth", points("station", &[0]))]),
        Err(Error::DimNotFound { dim, .. }) if dim == "depth"
    ));
    assert_eq!(
        invalid_argument(f.isel(&[("lat", points("lon", &[0]))]).unwrap_err()),
        "indexers"
    );
    assert!(matches!(
        f.sel(&[("lat", labels(&[1.0]))]),
        Err(Error::KeyNotFound { dim, .. }) if dim == "lat"
    ));
    // stack / unstack
    assert!(
        matches!(f.stack("z", &["lat", "depth"]), Err(Error::DimNotFound { dim, .. }) if dim == "depth")
    );
    assert_eq!(
        invalid_argument(f.stack("time", &["lat", "lon"]).unwrap_err()),
        "new_dim"
    );
    assert_eq!(
        invalid_argument(f.stack("z", &["lat", "lat"]).unwrap_err()),
        "dims"
    );
    assert_eq!(invalid_argument(f.stack("z", &[]).unwrap_err()), "dims");
    assert!(matches!(f.unstack("depth"), Err(Error::DimNotFound { dim, .. }) if dim == "depth"));
    let plain = DataArray::new(vec![1.0, 2.0], &["x"]).unwrap();
    assert_eq!(invalid_argument(plain.unstack("x").unwrap_err()), "dim");
    let twice = f
        .stack("z", &["lat", "lon"])
        .unwrap()
        .isel(&[("z", Indexer::List(vec![1, 1]))])
        .unwrap();
    assert_eq!(invalid_argument(twice.unstack("z").unwrap_err()), "dim");
}

#[test]
fn stack_of_a_dim_without_coordinate_gives_positions() {
    let da = DataArray::new(
        ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]].into_dyn(),
        &["y", "x"],
    )
    .unwrap();
    let z = da.stack("z", &["y", "x"]).unwrap();
    assert_eq!(
        z.coord("y").unwrap().values().to_f64_vec().unwrap(),
        [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    );
    assert_eq!(
        z.coord("x").unwrap().values().to_f64_vec().unwrap(),
        [0.0, 1.0, 2.0, 0.0, 1.0, 2.0]
    );
    assert_eq!(z.coord("x").unwrap().dtype(), DType::I64);
    assert_eq!(
        z.values().to_f64_vec().unwrap(),
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20))]

    /// Chunking never changes an answer: sortby, pointwise selection, stack and unstack
    /// (full and with missing combinations) on random chunkings equal the eager results.
    #[test]
    fn chunked_equals_eager(
        ct in 1_usize..10, cl in 1_usize..4, co in 1_usize..5, int in any::<bool>(),
        lat in prop::collection::vec(-3_isize..3, 1..6), seed in 0_usize..100,
        keep in prop::collection::vec(any::<bool>(), 12),
    ) {
        let src = if int { "i" } else { "f" };
        let eager = input(src, false);
        let lazy = eager.chunk(&[("time", ct), ("lat", cl), ("lon", co)]).unwrap();
        let lon: Vec<isize> = (0..lat.len()).map(|k| ((k * 7 + seed) % 4) as isize).collect();
        let mut kept: Vec<isize> = (0..12).filter(|&k| keep[k as usize]).collect();
        if kept.is_empty() {
            kept.push(5);
        }
        let key = input("key", false);
        type Verb = Box<dyn Fn(&DataArray) -> DataArray>;
        let ops: Vec<(&str, Verb)> = vec![
            ("sortby", Box::new(move |a: &DataArray| a.sortby_arrays(&[&key], seed % 2 == 0).unwrap())),
            ("points", Box::new(move |a: &DataArray| a.isel(&[
                ("lat", points("station", &lat)),
                ("lon", points("station", &lon)),
            ]).unwrap())),
            ("stack", Box::new(|a: &DataArray| a.stack("s", &["lon", "time"]).unwrap())),
            ("unstack", Box::new(move |a: &DataArray| a.stack("z", &["lat", "lon"]).unwrap()
                .isel(&[("z", Indexer::List(kept.clone()))]).unwrap()
                .unstack("z").unwrap())),
        ];
        for (name, op) in &ops {
            let e = op(&eager);
            let l = op(&lazy);
            prop_assert!(l.values().is_lazy(), "{name}");
            prop_assert_eq!(e.dims(), l.dims(), "{}", name);
            prop_assert!(e.values().equals(l.values()), "{name}: chunks {ct} {cl} {co}");
        }
    }
}
