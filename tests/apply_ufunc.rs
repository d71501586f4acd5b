//! `apply_ufunc` against xarray: core dims (last or not, one or two), loop dims
//! broadcast by name across inputs, several outputs, vectorized calls with kept, new and
//! transposed core dims, on float (with NaNs) and integer inputs, eager and chunked
//! (golden values from tests/golden/make_ufunc_golden.py); `map_blocks` with a template
//! that changes the blocks' shapes; errors naming the bad dim, argument or block; a
//! property test that chunking never changes an answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::OnceLock;

use common::golden_file::GoldenFile;
use ndarray::{arr0, ArrayD, ArrayViewD, Axis};
use proptest::prelude::*;
use xr::dataset::Indexer;
use xr::{apply_ufunc, DataArray, Error};

fn golden() -> &'static GoldenFile {
    static G: OnceLock<GoldenFile> = OnceLock::new();
    G.get_or_init(|| GoldenFile::parse(include_str!("golden/ufunc_golden.json")))
}

/// The input `name`: eager, or chunked as `chunks` (dims it lacks skipped).
fn input(name: &str, chunks: &[(&str, usize)]) -> DataArray {
    let da = golden().input(name);
    let own: Vec<(&str, usize)> = chunks
        .iter()
        .copied()
        .filter(|(d, _)| da.dims().iter().any(|x| x == d))
        .collect();
    if chunks.is_empty() {
        da
    } else {
        da.chunk(&own).unwrap()
    }
}

fn last(v: &ArrayViewD<f64>) -> Axis {
    Axis(v.ndim() - 1)
}

fn nanmax(v: &ArrayViewD<f64>) -> ArrayD<f64> {
    v.fold_axis(
        last(v),
        f64::NAN,
        |&m, &x| if m.is_nan() || x > m { x } else { m },
    )
}

fn nanmin(v: &ArrayViewD<f64>) -> ArrayD<f64> {
    v.fold_axis(
        last(v),
        f64::NAN,
        |&m, &x| if m.is_nan() || x < m { x } else { m },
    )
}

fn nansum_last(v: &ArrayViewD<f64>) -> ArrayD<f64> {
    v.fold_axis(last(v), 0.0, |&s, &x| if x.is_nan() { s } else { s + x })
}

fn nanmean_last(v: &ArrayViewD<f64>) -> ArrayD<f64> {
    let n = v.fold_axis(last(v), 0.0, |&c, &x| if x.is_nan() { c } else { c + 1.0 });
    nansum_last(v) / n
}

/// numpy's sort: NaN last.
fn sorted(v: &ArrayViewD<f64>) -> Vec<f64> {
    let mut s: Vec<f64> = v.iter().copied().collect();
    s.sort_by(|a, b| {
        a.is_nan()
            .cmp(&b.is_nan())
            .then(a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal))
    });
    s
}

/// Every golden case, computed from inputs chunked as `chunks` (none: eager).
fn cases(chunks: &[(&str, usize)], allow_rechunk: bool) -> Vec<(String, DataArray)> {
    let (f, i, w) = (input("f", chunks), input("i", chunks), input("w", chunks));
    let (a, b) = (input("a", chunks), input("b", chunks));
    let mut out: Vec<(String, DataArray)> = Vec::new();
    let mut push = |name: &str, da: DataArray| out.push((name.to_string(), da));
    push(
        "range_f",
        apply_ufunc(
            |x: &[ArrayViewD<f64>]| Ok(nanmax(&x[0]) - nanmin(&x[0])),
            &[&f],
        )
        .input_core_dims(&[&["time"]])
        .allow_rechunk(allow_rechunk)
        .run_one()
        .unwrap(),
    );
    push(
        "range_i",
        apply_ufunc(
            |x: &[ArrayViewD<i64>]| {
                let ax = Axis(x[0].ndim() - 1);
                Ok(x[0].fold_axis(ax, i64::MIN, |&m, &v| m.max(v))
                    - x[0].fold_axis(ax, i64::MAX, |&m, &v| m.min(v)))
            },
            &[&i],
        )
        .input_core_dims(&[&["time"]])
        .allow_rechunk(allow_rechunk)
        .run_one()
        .unwrap(),
    );
    push(
        "mean_lat",
        apply_ufunc(|x: &[ArrayViewD<f64>]| Ok(nanmean_last(&x[0])), &[&f])
            .input_core_dims(&[&["lat"]])
            .allow_rechunk(allow_rechunk)
            .run_one()
            .unwrap(),
    );
    push(
        "wsum",
        apply_ufunc(
            |x: &[ArrayViewD<f64>]| Ok(nansum_last(&(&x[0] * &x[1]).view())),
            &[&f, &w],
        )
        .input_core_dims(&[&["time"], &["time"]])
        .allow_rechunk(allow_rechunk)
        .run_one()
        .unwrap(),
    );
    push(
        "outer",
        apply_ufunc(|x: &[ArrayViewD<f64>]| Ok(&x[0] * 10.0 + &x[1]), &[&a, &b])
            .run_one()
            .unwrap(),
    );
    push(
        "affine_i",
        apply_ufunc(|x: &[ArrayViewD<i64>]| Ok(x[0].mapv(|v| v * 2 + 1)), &[&i])
            .run_one()
            .unwrap(),
    );
    push(
        "sum_latlon",
        apply_ufunc(
            |x: &[ArrayViewD<f64>]| Ok(nansum_last(&nansum_last(&x[0]).view())),
            &[&f],
        )
        .input_core_dims(&[&["lat", "lon"]])
        .allow_rechunk(allow_rechunk)
        .run_one()
        .unwrap(),
    );
    let minmax = apply_ufunc(
        |x: &[ArrayViewD<f64>]| Ok(vec![nanmin(&x[0]), nanmax(&x[0])]),
        &[&f],
    )
    .input_core_dims(&[&["time"]])
    .output_core_dims(&[&[], &[]])
    .allow_rechunk(allow_rechunk)
    .run()
    .unwrap();
    assert_eq!(minmax.len(), 2);
    for (j, da) in minmax.into_iter().enumerate() {
        push(&format!("minmax_{j}"), da);
    }
    push(
        "sort_v",
        apply_ufunc(
            |x: &[ArrayViewD<f64>]| Ok(ArrayD::from_shape_vec(x[0].shape(), sorted(&x[0])).unwrap()),
            &[&f],
        )
        .input_core_dims(&[&["time"]])
        .output_core_dims(&[&["time"]])
        .vectorize(true)
        .allow_rechunk(allow_rechunk)
        .run_one()
        .unwrap(),
    );
    push(
        "top2_v",
        apply_ufunc(
            |x: &[ArrayViewD<i64>]| {
                let mut v: Vec<i64> = x[0].iter().copied().collect();
                v.sort_unstable();
                Ok(ArrayD::from_shape_vec(vec![2], v[..2].to_vec()).unwrap())
            },
            &[&i],
        )
        .input_core_dims(&[&["time"]])
        .output_core_dims(&[&["k"]])
        .output_sizes(&[("k", 2)])
        .vectorize(true)
        .allow_rechunk(allow_rechunk)
        .run_one()
        .unwrap(),
    );
    push(
        "transpose_v",
        apply_ufunc(|x: &[ArrayViewD<f64>]| Ok(x[0].t().to_owned()), &[&f])
            .input_core_dims(&[&["lat", "lon"]])
            .output_core_dims(&[&["lon", "lat"]])
            .vectorize(true)
            .allow_rechunk(allow_rechunk)
            .run_one()
            .unwrap(),
    );
    out
}

#[test]
fn apply_ufunc_matches_xarray_eager_and_chunked() {
    let n = golden()["cases"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !k.starts_with("mb_"))
        .count();
    for (chunks, allow) in [
        (&[][..], false),
        // Loop dims split only; time (the core dim of most cases) whole.
        (&[("lat", 2), ("lon", 3)][..], true),
        // Core dims split too: rechunked to one chunk each.
        (&[("time", 3), ("lat", 2), ("lon", 2)][..], true),
    ] {
        let got = cases(chunks, allow);
        assert_eq!(got.len(), n, "one result per golden case");
        for (case, da) in &got {
            golden().check(case, da, !chunks.is_empty());
        }
    }
}

#[test]
fn loop_chunks_are_kept() {
    let f = input("f", &[("lat", 2), ("lon", 3)]);
    let r = apply_ufunc(|x: &[ArrayViewD<f64>]| Ok(nanmax(&x[0])), &[&f])
        .input_core_dims(&[&["time"]])
        .run_one()
        .unwrap();
    let chunks = r.chunks().unwrap();
    assert_eq!(chunks["lat"], vec![2, 1]);
    assert_eq!(chunks["lon"], vec![3, 1]);
}

#[test]
fn keep_attrs_false_drops_attrs_and_unshared_names() {
    let (f, w) = (input("f", &[]), input("w", &[]));
    let r = apply_ufunc(|x: &[ArrayViewD<f64>]| Ok(nansum_last(&x[0])), &[&f, &w])
        .input_core_dims(&[&["time"], &["time"]])
        .keep_attrs(false)
        .run_one()
        .unwrap();
    assert!(r.attrs().is_empty());
    assert_eq!(r.name(), None);
    let r = apply_ufunc(|x: &[ArrayViewD<f64>]| Ok(nansum_last(&x[0])), &[&f])
        .input_core_dims(&[&["time"]])
        .keep_attrs(false)
        .run_one()
        .unwrap();
    assert_eq!(r.name(), Some("f"));
    assert!(r.attrs().is_empty());
}

#[test]
fn output_dtypes_cast_the_results() {
    let i = input("i", &[("lon", 3)]);
    let r = apply_ufunc(|x: &[ArrayViewD<f64>]| Ok(x[0].mapv(|v| v / 2.0)), &[&i])
        .output_dtypes(&[xr::DType::F32])
        .run_one()
        .unwrap();
    assert_eq!(r.dtype(), xr::DType::F32);
    let want: Vec<f64> = input("i", &[])
        .values()
        .to_f64_vec()
        .unwrap()
        .iter()
        .map(|v| v / 2.0)
        .collect();
    assert_eq!(r.values().to_f64_vec().unwrap(), want);
}

fn invalid_argument(e: Error) -> (String, String) {
    match e {
        Error::InvalidArgument { argument, reason } => (argument, reason),
        other => panic!("expected InvalidArgument, got {other}"),
    }
}

#[test]
fn bad_calls_are_errors_naming_the_dim_or_argument() {
    let f = input("f", &[]);
    let id = |x: &[ArrayViewD<f64>]| Ok(x[0].to_owned());
    // A core dim the input lacks.
    match apply_ufunc(id, &[&f]).input_core_dims(&[&["depth"]]).run() {
        Err(Error::DimNotFound { dim, .. }) => assert_eq!(dim, "depth"),
        other => panic!("expected DimNotFound, got {other:?}"),
    }
    // One list of core dims per input.
    let (arg, _) = invalid_argument(
        apply_ufunc(id, &[&f])
            .input_core_dims(&[&["time"], &["time"]])
            .run()
            .unwrap_err(),
    );
    assert_eq!(arg, "input_core_dims");
    // A core dim split into chunks, without allow_rechunk.
    let chunked = input("f", &[("time", 3)]);
    let (arg, reason) = invalid_argument(
        apply_ufunc(|x: &[ArrayViewD<f64>]| Ok(nanmax(&x[0])), &[&chunked])
            .input_core_dims(&[&["time"]])
            .run()
            .unwrap_err(),
    );
    assert_eq!(arg, "input_core_dims");
    assert!(
        reason.contains("\"time\"") && reason.contains("allow_rechunk"),
        "{reason}"
    );
    // A new output dim of unknown size, for chunked inputs.
    let (arg, reason) = invalid_argument(
        apply_ufunc(
            |x: &[ArrayViewD<f64>]| Ok(ArrayD::from_elem(vec![2], x[0][[0]])),
            &[&input("f", &[("lon", 2)])],
        )
        .input_core_dims(&[&["time"]])
        .output_core_dims(&[&["k"]])
        .vectorize(true)
        .run()
        .unwrap_err(),
    );
    assert_eq!(arg, "output_sizes");
    assert!(reason.contains("\"k\""), "{reason}");
    // A dim that is core for one input and not for another.
    let w = input("w", &[]);
    let (arg, reason) = invalid_argument(
        apply_ufunc(|x: &[ArrayViewD<f64>]| Ok(x[1].to_owned()), &[&f, &w])
            .input_core_dims(&[&[], &["time"]])
            .run()
            .unwrap_err(),
    );
    assert_eq!(arg, "input_core_dims");
    assert!(reason.contains("\"time\""), "{reason}");
    // Several outputs named, one returned.
    let (arg, _) = invalid_argument(
        apply_ufunc(|x: &[ArrayViewD<f64>]| Ok(nanmax(&x[0])), &[&f])
            .input_core_dims(&[&["time"]])
            .output_core_dims(&[&[], &[]])
            .run()
            .unwrap_err(),
    );
    assert_eq!(arg, "output_core_dims");
    // A result of the wrong shape: at once for eager inputs, at compute for chunked.
    let wrong = |x: &[ArrayViewD<f64>]| Ok(arr0(x[0].sum()).into_dyn());
    let err = apply_ufunc(wrong, &[&f])
        .input_core_dims(&[&["time"]])
        .run();
    assert!(matches!(err, Err(Error::ShapeMismatch { .. })), "{err:?}");
    let lazy = apply_ufunc(wrong, &[&input("f", &[("lon", 2)])])
        .input_core_dims(&[&["time"]])
        .run_one()
        .unwrap();
    let err = lazy.compute().unwrap_err().to_string();
    assert!(err.contains("apply_ufunc"), "{err}");
    // The function's own error comes back.
    let err = apply_ufunc(
        |_: &[ArrayViewD<f64>]| -> xr::Result<ArrayD<f64>> {
            Err(Error::invalid_argument("threshold", "must be positive"))
        },
        &[&f],
    )
    .run()
    .unwrap_err();
    assert_eq!(invalid_argument(err).0, "threshold");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Chunking never changes an answer: a reduction, a vectorized sort, two inputs and
    /// several outputs on random chunkings equal the eager results.
    #[test]
    fn chunked_equals_eager(ct in 1_usize..10, cl in 1_usize..4, co in 1_usize..5) {
        let eager = cases(&[], false);
        let lazy = cases(&[("time", ct), ("lat", cl), ("lon", co)], true);
        for ((name, e), (_, l)) in eager.iter().zip(&lazy) {
            prop_assert!(l.values().is_lazy(), "{name}");
            prop_assert_eq!(e.dims(), l.dims(), "{}", name);
            prop_assert_eq!(e.dtype(), l.dtype(), "{}", name);
            prop_assert!(e.values().equals(l.values()), "{name}: chunks {ct} {cl} {co}");
        }
    }
}

// ---- map_blocks with a template ----

fn chunked(name: &str, chunks: &[(&str, usize)]) -> DataArray {
    golden().input(name).chunk(chunks).unwrap()
}

fn first_step(b: &DataArray) -> xr::Result<DataArray> {
    b.isel(&[("time", Indexer::from(0..1))])
}

fn mean_time(b: &DataArray) -> xr::Result<DataArray> {
    b.mean(&["time"])
}

fn anomaly(b: &DataArray) -> xr::Result<DataArray> {
    b - &b.mean(&["time"])?
}

fn with_k(b: &DataArray) -> xr::Result<DataArray> {
    b.mean(&["time"])?.expand_dims("k", 1)
}

/// The golden map_blocks cases: (name, result) with templates chunked as xarray needs.
fn map_blocks_cases() -> Vec<(&'static str, DataArray)> {
    let f = golden().input("f");
    let i = golden().input("i");
    let firsts = f
        .isel(&[("time", Indexer::List(vec![0, 2, 4, 6, 8]))])
        .unwrap()
        .chunk(&[("time", 1)])
        .unwrap();
    let mean = f.mean(&["time"]).unwrap().with_attrs(f.attrs().clone());
    let anom = (&i * 1.0)
        .unwrap()
        .chunk(&[("time", 3), ("lon", 2)])
        .unwrap();
    let k = mean
        .expand_dims("k", 1)
        .unwrap()
        .chunk(&[("lat", 2)])
        .unwrap();
    vec![
        (
            "mb_firsts",
            chunked("f", &[("time", 2)])
                .map_blocks_template(&firsts, first_step)
                .unwrap(),
        ),
        (
            "mb_mean_time",
            chunked("f", &[("lat", 2), ("lon", 3)])
                .map_blocks_template(&mean.chunk(&[("lat", 2), ("lon", 3)]).unwrap(), mean_time)
                .unwrap(),
        ),
        (
            "mb_anom_i",
            chunked("i", &[("time", 3), ("lon", 2)])
                .map_blocks_template(&anom, anomaly)
                .unwrap(),
        ),
        (
            "mb_newdim",
            chunked("f", &[("lat", 2)])
                .map_blocks_template(&k, with_k)
                .unwrap(),
        ),
    ]
}

#[test]
fn map_blocks_with_template_matches_xarray() {
    let cases = map_blocks_cases();
    let n = golden()["cases"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with("mb_") && !k.starts_with("mb_ds_"))
        .count();
    assert_eq!(cases.len(), n, "one result per golden case");
    for (case, got) in cases {
        golden().check(case, &got, true);
    }
    // A template that is not chunked takes the input's chunks.
    let f = golden().input("f");
    let mean = f.mean(&["time"]).unwrap().with_attrs(f.attrs().clone());
    let got = chunked("f", &[("lat", 2), ("lon", 3)])
        .map_blocks_template(&mean, mean_time)
        .unwrap();
    assert_eq!(got.chunks().unwrap()["lon"], vec![3, 1]);
    golden().check("mb_mean_time", &got, true);
    // An array in memory is one block.
    let got = f.map_blocks_template(&mean, mean_time).unwrap();
    assert!(!got.values().is_lazy());
    golden().check("mb_mean_time", &got, false);
    // Blocks see their own coordinates: each value replaced by its time label.
    let labels = chunked("f", &[("time", 4), ("lon", 3)])
        .map_blocks_template(&f.chunk(&[("time", 4), ("lon", 3)]).unwrap(), |b| {
            &(b * 0.0)? + &b.coord("time")?
        })
        .unwrap();
    let vals = labels.values().to_f64_vec().unwrap();
    let times = f.coord("time").unwrap().values().to_f64_vec().unwrap();
    for (k, v) in vals.iter().enumerate() {
        // NaN * 0 stays NaN.
        assert!(v.is_nan() || *v == times[k / 12], "{k}: {v}");
    }
}

#[test]
fn map_blocks_errors_name_the_dim_or_block() {
    let f = golden().input("f");
    let lazy = chunked("f", &[("time", 2)]);
    // Blocks that cannot correspond.
    let three = f
        .isel(&[("time", Indexer::from(0..3))])
        .unwrap()
        .chunk(&[("time", 1)])
        .unwrap();
    let err = lazy.map_blocks_template(&three, first_step).unwrap_err();
    assert!(err.to_string().contains("\"time\""), "{err}");
    let unchunked = f.isel(&[("time", Indexer::from(0..5))]).unwrap();
    let err = lazy
        .map_blocks_template(&unchunked, first_step)
        .unwrap_err();
    assert!(err.to_string().contains("\"time\""), "{err}");
    let mean = f.mean(&["time"]).unwrap();
    let err = lazy.map_blocks_template(&mean, mean_time).unwrap_err();
    assert!(
        err.to_string().contains("\"time\"") && err.to_string().contains("one chunk"),
        "{err}"
    );
    // A result of the wrong shape names the block, at compute time.
    let firsts = f
        .isel(&[("time", Indexer::List(vec![0, 2, 4, 6, 8]))])
        .unwrap()
        .chunk(&[("time", 1)])
        .unwrap();
    let wrong = lazy
        .map_blocks_template(&firsts, |b| b.isel(&[("time", Indexer::from(0..2))]))
        .unwrap();
    let err = wrong.compute().unwrap_err().to_string();
    // Every block is wrong; which one fails first depends on thread timing.
    assert!(
        (0..5).any(|k| err.contains(&format!("block [{k}, 0, 0]"))),
        "{err}"
    );
    // Wrong dims.
    let err = lazy
        .map_blocks_template(&firsts, mean_time)
        .unwrap()
        .compute()
        .unwrap_err()
        .to_string();
    assert!(err.contains("dims"), "{err}");
    // The eager path checks the same way.
    assert!(matches!(
        f.map_blocks_template(&firsts, first_step),
        Err(Error::ShapeMismatch { .. })
    ));
}

fn summary(b: &xr::Dataset) -> xr::Result<xr::Dataset> {
    let (f, i) = (b.get("f")?, b.get("i")?);
    let mean = f.mean(&["time"])?.with_attrs(f.attrs().clone());
    let range = (&i.max(&["time"])? - &i.min(&["time"])?)?;
    mean.with_name("fmean")
        .to_dataset()
        .with_data_var("irange", range.variable().clone())
}

#[test]
fn dataset_map_blocks_with_template_matches_xarray() {
    let f = golden().input("f");
    let ds = f
        .to_dataset()
        .with_data_var("i", golden().input("i").variable().clone())
        .unwrap();
    let firsts = ds
        .isel(&[("time", Indexer::List(vec![0, 2, 4, 6, 8]))])
        .unwrap()
        .chunk(&[("time", 1)])
        .unwrap();
    let got = ds
        .chunk(&[("time", 2)])
        .unwrap()
        .map_blocks(&firsts, |b| b.isel(&[("time", Indexer::from(0..1))]))
        .unwrap();
    for v in ["f", "i"] {
        golden().check(&format!("mb_ds_firsts_{v}"), &got.get(v).unwrap(), true);
    }
    let template = summary(&ds).unwrap().chunk(&[("lat", 2)]).unwrap();
    for lazy in [true, false] {
        let input = if lazy {
            ds.chunk(&[("lat", 2)]).unwrap()
        } else {
            ds.clone()
        };
        let got = input.map_blocks(&template, summary).unwrap();
        for v in ["fmean", "irange"] {
            golden().check(&format!("mb_ds_summary_{v}"), &got.get(v).unwrap(), lazy);
        }
    }
    // A result without a variable of the template names it and the block.
    let err = ds
        .chunk(&[("lat", 2)])
        .unwrap()
        .map_blocks(&template, |b| b.drop_vars(&["i"]).and_then(|b| summary(&b)))
        .and_then(|d| d.compute())
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"i\"") || err.contains("irange"), "{err}");
    let err = ds
        .chunk(&[("lat", 2)])
        .unwrap()
        .map_blocks(&template, |b| {
            summary(b).and_then(|s| s.drop_vars(&["irange"]))
        })
        .and_then(|d| d.compute())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"irange\"") && err.contains("block ["),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// map_blocks with a function that does not depend on the chunking (a reduction over
    /// a dim kept whole) gives the eager answer for any chunking of the other dims.
    #[test]
    fn map_blocks_chunked_equals_eager(cl in 1_usize..4, co in 1_usize..5) {
        let f = golden().input("f");
        let ds = f.to_dataset().with_data_var("i", golden().input("i").variable().clone()).unwrap();
        let want = summary(&ds).unwrap();
        let got = ds
            .chunk(&[("lat", cl), ("lon", co)])
            .unwrap()
            .map_blocks(&want, summary)
            .unwrap();
        let one = f.chunk(&[("lat", cl), ("lon", co)]).unwrap().map_blocks_template(&f.mean(&["time"]).unwrap(), mean_time).unwrap();
        prop_assert!(one.values().equals(want.get("fmean").unwrap().values()));
        for v in ["fmean", "irange"] {
            let (g, w) = (got.get(v).unwrap(), want.get(v).unwrap());
            prop_assert!(g.values().is_lazy());
            prop_assert_eq!(g.dtype(), w.dtype());
            prop_assert!(g.values().equals(w.values()), "{v}: chunks {cl} {co}");
        }
    }
}

#[test]
fn datasets_apply_the_function_to_each_data_variable() {
    let f = golden().input("f");
    let g = (&f * 2.0).unwrap().with_name("g");
    let ds = f
        .to_dataset()
        .with_data_var("g", g.variable().clone())
        .unwrap();
    let w = golden().input("w");
    let wds = w
        .to_dataset()
        .with_data_var("g", w.variable().clone())
        .unwrap();
    let wds = wds.rename(&[("w", "f")]).unwrap();
    for chunks in [&[][..], &[("lat", 2), ("lon", 3)][..]] {
        let input = if chunks.is_empty() {
            ds.clone()
        } else {
            ds.chunk(chunks).unwrap()
        };
        let got = apply_ufunc(
            |x: &[ArrayViewD<f64>]| Ok(nansum_last(&(&x[0] * &x[1]).view())),
            &[&input, &wds],
        )
        .input_core_dims(&[&["time"], &["time"]])
        .run_one()
        .unwrap();
        for (v, da) in [("f", &f), ("g", &g)] {
            let want = apply_ufunc(
                |x: &[ArrayViewD<f64>]| Ok(nansum_last(&(&x[0] * &x[1]).view())),
                &[da, &w],
            )
            .input_core_dims(&[&["time"], &["time"]])
            .run_one()
            .unwrap();
            let got_v = got.get(v).unwrap();
            assert_eq!(got_v.values().is_lazy(), !chunks.is_empty());
            assert_eq!(got_v.dims(), want.dims());
            assert!(got_v.values().equals(want.values()), "{v}");
            assert_eq!(got_v.attrs().len(), want.attrs().len(), "{v}");
        }
        assert!(got.variables().contains_key("lat") && got.variables().contains_key("lon"));
    }
    // The inputs must have the same data variables.
    let other = f.to_dataset();
    match apply_ufunc(|x: &[ArrayViewD<f64>]| Ok(x[0].to_owned()), &[&ds, &other]).run() {
        Err(Error::VarNotFound { name, .. }) => assert_eq!(name, "g"),
        r => panic!("expected VarNotFound, got {r:?}"),
    }
}
