//! The climatology benchmark's xr contender: the seasonal mean of every data variable,
//! `open_mfdataset(DIR/*.nc).groupby("time.season").mean("time")` (or `open_zarr(STORE)`
//! when the input ends in `.zarr`), written to OUT. Run by `bench/clim/run.sh`,
//! `rss.sh`, `zarr.sh`.
//!
//! ```text
//! clim_bench DATADIR|STORE.zarr OUT.nc
//! ```

/// mimalloc, not glibc's malloc: about 4% faster on the climatology bench (Cargo feature
/// `mimalloc`).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> xr::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: clim_bench DATADIR|STORE.zarr OUT.nc");
        std::process::exit(2);
    };
    open(&input)?.groupby("time.season")?.mean()?.to_netcdf(out)
}

#[cfg(feature = "zarr")]
fn open(input: &str) -> xr::Result<xr::Dataset> {
    if input.trim_end_matches('/').ends_with(".zarr") {
        return xr::Dataset::open_zarr(input);
    }
    xr::Dataset::open_mfdataset(format!("{input}/*.nc"))
}

#[cfg(not(feature = "zarr"))]
fn open(input: &str) -> xr::Result<xr::Dataset> {
    xr::Dataset::open_mfdataset(format!("{input}/*.nc"))
}
