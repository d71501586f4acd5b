//! The climatology benchmark's xr contender: `open_mfdataset(DIR/*.nc)`, seasonal mean,
//! written to OUT. Run by `bench/clim/run.sh`.

fn main() -> xr::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: clim_bench DATADIR OUT.nc");
        std::process::exit(2);
    };
    xr::Dataset::open_mfdataset(format!("{dir}/*.nc"))?
        .groupby("time.season")?
        .mean()?
        .to_netcdf(out)
}
