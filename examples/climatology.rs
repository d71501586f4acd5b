//! The main job: the seasonal climatology of a multi-file daily dataset.
//!
//! ```text
//! let clim = Dataset::open_mfdataset("data/*.nc")?.groupby("time.season")?.mean()?;
//! ```
//!
//! Makes a sample dataset if `DIR` has no `*.nc` files (four years of daily near-surface
//! temperature on a 2.5° grid, one file per year, written with xr's NetCDF writer: float32,
//! deflate level 1 + shuffle, one time step per chunk, as CMIP6 writes them), computes the
//! seasonal climatology lazily on all cores, writes it to `DIR/../clim.nc`, prints it, and
//! draws `|JJA − DJF|` to `DIR/../clim_jja_minus_djf.png`.
//!
//! Run: `make demo`, or `cargo run --release --features plot --example climatology -- [DIR]`
//! (DIR = `data/sample`).

use std::f64::consts::PI;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::{ArcArray, Array3};
use xr::dataset::Label;
use xr::plot::{pcolormesh, MapOptions};
use xr::time::{date_range, Frequency};
use xr::{Calendar, CfDatetime, Compression, Dataset, Encoding, NdArray, Variable};

const YEARS: std::ops::Range<i64> = 2000..2004;

fn main() -> xr::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "data/sample".into()),
    );
    let out_dir = dir
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    if !has_netcdf(&dir) {
        let t = Instant::now();
        make_sample(&dir)?;
        println!(
            "wrote a sample dataset to {} in {:.2?}",
            dir.display(),
            t.elapsed()
        );
    }

    let t = Instant::now();
    let pattern = format!("{}/*.nc", dir.display());
    let clim = Dataset::open_mfdataset(pattern.as_str())?
        .groupby("time.season")?
        .mean()?
        .compute()?;
    println!("seasonal climatology of {pattern} in {:.2?}\n", t.elapsed());
    println!("{clim}\n");

    let nc = out_dir.join("clim.nc");
    clim.to_netcdf(&nc)?;
    println!("wrote {}", nc.display());

    let tas = clim.get("tas")?;
    let jja = tas.sel(&[("season", Label::from("JJA"))])?;
    let djf = tas.sel(&[("season", Label::from("DJF"))])?;
    let diff = (&jja - &djf)?
        .abs()?
        .with_attr("units", "K")
        .with_attr("long_name", "|JJA - DJF| near-surface air temperature");
    let png = out_dir.join("clim_jja_minus_djf.png");
    pcolormesh(
        &diff,
        &png,
        &MapOptions::new().title("Seasonal range: |JJA − DJF| mean temperature"),
    )?;
    println!("drew {}", png.display());
    Ok(())
}

fn has_netcdf(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "nc"))
    })
}

/// Daily temperature with a real seasonal cycle: warm summers in each hemisphere,
/// larger swings over two made-up continents and at high latitudes.
fn make_sample(dir: &Path) -> xr::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| xr::Error::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    let (ny, nx) = (72, 144);
    let lats: Vec<f64> = (0..ny).map(|j| -88.75 + 2.5 * j as f64).collect();
    let lons: Vec<f64> = (0..nx).map(|i| 1.25 + 2.5 * i as f64).collect();
    let cal = Calendar::Standard;
    for year in YEARS {
        let days = date_range(
            CfDatetime::new(year, 1, 1, cal)?,
            Some(CfDatetime::new(year, 12, 31, cal)?),
            None,
            "D".parse::<Frequency>()?,
            cal,
        )?;
        let nt = days.len();
        let data = Array3::from_shape_fn((nt, ny, nx), |(t, j, i)| {
            let (lat, lon) = (lats[j].to_radians(), lons[i].to_radians());
            let land = ((2.0 * lon).sin() * lat.cos()).max(0.0)
                + 0.5 * ((lon - 1.0).cos() * (2.0 * lat).sin()).max(0.0);
            let amplitude = (4.0 + 18.0 * lat.sin().abs() + 12.0 * land) * lat.sin().signum();
            let phase = 2.0 * PI * (t as f64 - 196.0) / nt as f64;
            let weather = 2.0 * ((t * 7 + j * 13 + i * 29) as f64 * 0.37).sin();
            (288.0 - 40.0 * lat.sin().powi(2) + amplitude * phase.cos() + weather) as f32
        });
        let time = Variable::new(
            &["time"],
            NdArray::datetime(ArcArray::from_vec(days).into_dyn(), cal),
        )?
        .with_attr("standard_name", "time")
        .with_encoding(Encoding {
            units: Some(format!("days since {year}-01-01")),
            calendar: Some("standard".into()),
            ..Encoding::default()
        });
        let encoding = Encoding {
            compression: Some(Compression::Zlib(1)),
            shuffle: Some(true),
            chunksizes: Some(vec![1, ny, nx]),
            ..Encoding::default()
        };
        let tas = Variable::new(&["time", "lat", "lon"], data.into_dyn())?
            .with_attr("standard_name", "air_temperature")
            .with_attr("long_name", "Near-Surface Air Temperature")
            .with_attr("units", "K")
            .with_encoding(encoding);
        let ds = Dataset::new()
            .with_coord("time", time)?
            .with_coord(
                "lat",
                Variable::new(&["lat"], lats.clone())?.with_attr("units", "degrees_north"),
            )?
            .with_coord(
                "lon",
                Variable::new(&["lon"], lons.clone())?.with_attr("units", "degrees_east"),
            )?
            .with_data_var("tas", tas)?
            .with_attr(
                "title",
                "xr sample: synthetic daily near-surface air temperature",
            );
        ds.to_netcdf(dir.join(format!("tas_day_{year}.nc")))?;
    }
    Ok(())
}
