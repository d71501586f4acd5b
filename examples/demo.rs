//! A tour of the data model on a small made-up dataset: build a Dataset from ndarrays
//! with coordinates (a noleap time axis among them), select by label, do arithmetic
//! between misaligned arrays, reduce over named dims, compute lazily in chunks, print.
//!
//! Run: `make demo` (or `cargo run --release --example demo`).

use ndarray::Array3;
use xr::dataset::{Label, Method};
use xr::time::{date_range, Frequency};
use xr::{Calendar, CfDatetime, DataArray, NdArray, Variable};

fn main() -> xr::Result<()> {
    // Daily surface temperature on a noleap calendar, 2 years x 6 lats x 8 lons.
    let cal = Calendar::NoLeap;
    let times = date_range(
        CfDatetime::new(2000, 1, 1, cal)?,
        Some(CfDatetime::new(2001, 12, 31, cal)?),
        None,
        "D".parse::<Frequency>()?,
        cal,
    )?;
    let lats: Vec<f64> = vec![75.0, 45.0, 15.0, -15.0, -45.0, -75.0];
    let lons: Vec<f64> = (0..8).map(|i| f64::from(i) * 45.0).collect();
    let (nt, ny, nx) = (times.len(), lats.len(), lons.len());
    let data = Array3::from_shape_fn((nt, ny, nx), |(t, y, x)| {
        let season = (2.0 * std::f64::consts::PI * (t % 365) as f64 / 365.0).cos();
        288.0 - 30.0 * lats[y].to_radians().sin().abs() - 10.0 * season * lats[y].signum()
            + (x as f64 * 0.7).sin()
    });
    let time = Variable::new(
        &["time"],
        NdArray::datetime(ndarray::ArcArray::from_vec(times).into_dyn(), cal),
    )?
    .with_attr("standard_name", "time");
    let tas = DataArray::new(data.into_dyn(), &["time", "lat", "lon"])?
        .with_coord_var("time", time)?
        .with_coord("lat", &["lat"], lats)?
        .with_coord("lon", &["lon"], lons)?
        .with_name("tas")
        .with_attr("units", "K")
        .with_attr("long_name", "near-surface air temperature");
    let ds = tas.to_dataset().with_attr("title", "xr demo");
    println!("== the dataset\n{ds}\n");

    // Label-based selection: nearest latitude, an inclusive slice of a descending
    // coordinate, and a partial datetime string selecting a month.
    let point = tas
        .sel_with(&[("lat", 50.0.into()), ("lon", 90.0.into())])
        .method(Method::Nearest)
        .run()?;
    println!(
        "== tas.sel(lat=50, lon=90, method=\"nearest\") over {} days",
        point.shape()[0]
    );
    let band = tas.sel(&[
        ("lat", Label::slice(45.0, -15.0)),
        ("time", "2001-07".into()),
    ])?;
    println!(
        "== tas.sel(lat=slice(45, -15), time=\"2001-07\"): dims {:?}\n",
        band.sizes()
    );

    // Arithmetic between misaligned arrays: an inner join on lon, broadcasting by name.
    let zonal = tas.mean(&["lon"])?;
    let eastern = tas.sel(&[("lon", Label::slice(90.0, 270.0))])?;
    let anomaly = (&eastern - &zonal)?;
    println!(
        "== eastern - zonal mean (aligned on lon, broadcast over lon)\n{}\n",
        anomaly.isel(&[("time", 0.into())])?
    );

    // Reductions over named dims.
    let clim = tas.mean(&["time"])?;
    println!("== time mean\n{clim}\n");
    println!(
        "== global std over everything: {}",
        tas.std(&[])?.values().get_flat(0)?
    );

    // The same reduction lazily, in chunks of 30 days, on all cores.
    let lazy = tas.chunk(&[("time", 30)])?;
    println!(
        "== chunks of the lazy array: {:?}",
        lazy.chunks().unwrap_or_default()["time"].len()
    );
    let lazy_clim = lazy.mean(&["time"])?.compute()?;
    println!(
        "== lazy and eager time means agree: {}",
        lazy_clim.values().equals(clim.values()) || {
            let (a, b) = (
                lazy_clim.values().to_f64_vec()?,
                clim.values().to_f64_vec()?,
            );
            a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-9)
        }
    );
    Ok(())
}
