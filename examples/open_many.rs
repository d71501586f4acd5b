//! Times `open_mfdataset` over many small files (the figure: 1,000 files in
//! under 2 s). Writes the files once into a temporary directory.
//!
//! Run: `cargo run --release --example open_many -- [N]` (N = 1000).

use std::time::Instant;

use xr::time::{date_range, Frequency};
use xr::{Calendar, CfDatetime, Dataset, NdArray, Variable};

fn main() -> xr::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = std::env::temp_dir().join(format!("xr_open_many_{n}"));
    if !dir.join(format!("f{:05}.nc", n - 1)).exists() {
        std::fs::create_dir_all(&dir).map_err(|e| xr::Error::Io {
            path: dir.clone(),
            source: e,
        })?;
        let cal = Calendar::Standard;
        let days = date_range(
            CfDatetime::new(1900, 1, 1, cal)?,
            None,
            Some(n * 10),
            "D".parse::<Frequency>()?,
            cal,
        )?;
        for k in 0..n {
            let t = NdArray::datetime(
                ndarray::ArcArray::from_vec(days[k * 10..k * 10 + 10].to_vec()).into_dyn(),
                cal,
            );
            let ds = Dataset::new()
                .with_coord("time", Variable::new(&["time"], t)?)?
                .with_coord("lat", Variable::new(&["lat"], vec![0.0, 10.0, 20.0])?)?
                .with_data_var(
                    "v",
                    Variable::new(
                        &["time", "lat"],
                        NdArray::from_shape_vec(&[10, 3], vec![k as f32; 30])?,
                    )?,
                )?;
            ds.to_netcdf(dir.join(format!("f{k:05}.nc")))?;
        }
    }
    if std::env::var_os("XR_BREAKDOWN").is_some() {
        breakdown(&dir, n)?;
    }
    let t = Instant::now();
    let ds = Dataset::open_mfdataset(format!("{}/f*.nc", dir.display()))?;
    let elapsed = t.elapsed();
    println!(
        "open_mfdataset of {n} files: {elapsed:.2?} -> time: {}",
        ds.dim_size("time")?
    );
    Ok(())
}

fn breakdown(dir: &std::path::Path, n: usize) -> xr::Result<()> {
    let paths: Vec<_> = (0..n).map(|k| dir.join(format!("f{k:05}.nc"))).collect();
    let t = Instant::now();
    let dss: Vec<Dataset> = paths
        .iter()
        .map(Dataset::open_dataset)
        .collect::<xr::Result<_>>()?;
    println!("open {n} sequentially: {:.2?}", t.elapsed());
    let t = Instant::now();
    let _ = xr::concat(&dss, "time")?;
    println!("concat: {:.2?}", t.elapsed());
    Ok(())
}
