//! The toolkit benchmark's xr contender (tracker issue 15, run by `bench/toolkit/run.sh`):
//! `open_mfdataset(DIR/*.nc)`, then one of
//! - `rolling`: `rolling("time", 30).center(true).mean()` of every variable, written to OUT;
//! - `fldmean`: the `cos(lat)`-weighted mean over `lat` and `lon` (the global-mean time
//!   series of every variable), written to OUT;
//! - `interp`: linear interpolation of every variable onto the 0.5° grid (`lat` −89.75 …
//!   89.75, `lon` 0.25 … 359.75), written to OUT as float32 (what xarray + dask writes:
//!   its lazy result is labelled float32, where an eager one, like xr's, is float64);
//! - `ffill`: `ffill("time")` of every variable (of the data with gaps), written to OUT.
//!
//! Usage: `toolkit_bench DATADIR OUT.nc rolling|fldmean|interp|ffill [TIME_CHUNK]`.

/// mimalloc, not glibc's malloc: about 4% faster on the climatology bench (Cargo feature
/// `mimalloc`).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> xr::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(out), Some(what)) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: toolkit_bench DATADIR OUT.nc rolling|fldmean|interp|ffill [TIME_CHUNK]");
        std::process::exit(2);
    };
    let mut ds = xr::Dataset::open_mfdataset(format!("{dir}/*.nc"))?;
    // Optional: rechunk along time first (e.g. 365, as xarray's `chunks={"time": 365}`);
    // by default the chunks are the files' own (one time step each).
    if let Some(n) = args.next() {
        let n: usize = n
            .parse()
            .map_err(|_| xr::Error::invalid_argument("TIME_CHUNK", format!("not a size: {n:?}")))?;
        ds = ds.chunk(&[("time", n)])?;
    }
    match what.as_str() {
        "rolling" => ds.rolling("time", 30)?.center(true).mean()?.to_netcdf(out),
        "fldmean" => {
            let lat = ds.get("lat")?.values().to_f64_vec()?;
            let coslat: Vec<f64> = lat.iter().map(|l| l.to_radians().cos()).collect();
            let weights = xr::DataArray::new(coslat, &["lat"])?;
            ds.weighted(&weights)?.mean(&["lat", "lon"])?.to_netcdf(out)
        }
        "interp" => {
            let grid = |first: f64, n: u32| -> xr::NdArray {
                xr::NdArray::from(
                    (0..n)
                        .map(|k| first + 0.5 * f64::from(k))
                        .collect::<Vec<_>>(),
                )
            };
            let fine = ds.interp(
                &[("lat", grid(-89.75, 360)), ("lon", grid(0.25, 720))],
                xr::dataset::Interp::Linear,
            )?;
            let mut f32s = fine.clone();
            for (name, v) in fine.data_vars() {
                f32s.insert(
                    name.clone(),
                    v.with_data(v.data().astype(xr::DType::F32)?)?,
                    false,
                )?;
            }
            f32s.to_netcdf(out)
        }
        "ffill" => ds.ffill("time", None)?.to_netcdf(out),
        other => {
            eprintln!("unknown benchmark {other:?}: rolling, fldmean, interp or ffill");
            std::process::exit(2);
        }
    }
}
