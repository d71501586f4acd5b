//! `xr convert IN OUT`: NetCDF ↔ Zarr (and Zarr → Zarr, NetCDF → NetCDF), streamed.
//! IN may be a glob pattern (`'data/*.nc'`): the files are opened as one dataset
//! (`open_mfdataset`) and written to the one OUT.
//!
//! The input is opened lazily and the output written chunk by chunk from the lazy
//! variables (in parallel for Zarr), so memory holds a few chunks, never the dataset.

use std::path::Path;

use xr::io::zarr::{ZarrFormat, ZarrMode};
use xr::io::Engine;
use xr::Dataset;

pub const USAGE: &str = "usage: xr convert IN OUT [--overwrite] [--zarr-format 2|3]
  IN, OUT: a NetCDF file (*.nc, *.nc4, *.cdf), or a Zarr store: a path ending in .zarr,
  an existing Zarr directory, or a URL (http(s):// to read, s3://bucket/prefix; s3 takes
  its endpoint and credentials from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...)
  IN may also be a glob pattern ('data/*.nc', quoted): its files opened as one dataset
  (open_mfdataset, combined along the record dimension) and written to OUT";

pub fn run(args: &[String]) -> Result<(), String> {
    let mut paths = Vec::new();
    let mut overwrite = false;
    let mut format = ZarrFormat::V3;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--overwrite" => overwrite = true,
            "--zarr-format" => {
                let n = it
                    .next()
                    .and_then(|n| n.parse::<u8>().ok())
                    .ok_or_else(|| format!("--zarr-format needs 2 or 3\n{USAGE}"))?;
                format = ZarrFormat::from_number(n).map_err(|e| e.to_string())?;
            }
            flag if flag.starts_with('-') => {
                return Err(format!("unknown option {flag:?}\n{USAGE}"))
            }
            path => paths.push(path.to_string()),
        }
    }
    let [input, output] = paths.as_slice() else {
        return Err(USAGE.to_string());
    };
    let ds = if is_glob(input) {
        Dataset::open_mfdataset(input.as_str())
    } else {
        Dataset::open_with(input).engine(engine_of(input)?).open()
    }
    .map_err(|e| e.to_string())?;
    match engine_of(output)? {
        Engine::Zarr => {
            let mode = if overwrite {
                ZarrMode::Write
            } else {
                ZarrMode::Create
            };
            ds.write_zarr(output).mode(mode).zarr_format(format).write()
        }
        Engine::Netcdf => {
            if !overwrite && std::path::Path::new(output).exists() {
                return Err(format!("{output} exists; pass --overwrite to replace it"));
            }
            netcdf_encoding(ds).and_then(|ds| ds.to_netcdf(output))
        }
        other => return Err(format!("xr convert cannot write {other:?} output")),
    }
    .map_err(|e| e.to_string())
}

/// A glob pattern (many inputs) rather than one file or store.
fn is_glob(input: &str) -> bool {
    !input.contains("://") && input.contains(['*', '?', '['])
}

/// The engine whose backend claims `location` (Zarr for URLs, `*.zarr` and Zarr
/// directories; NetCDF for the usual extensions and existing files).
fn engine_of(location: &str) -> Result<Engine, String> {
    Engine::ALL
        .iter()
        .copied()
        .find(|e| e.backend().guess_can_open(Path::new(location)))
        .ok_or_else(|| {
            format!("cannot tell whether {location} is NetCDF or Zarr: name it *.nc or *.zarr")
        })
}

/// Zarr's chunk shape becomes the NetCDF chunk shape (so each chunk is read and written
/// once), compressed with deflate level 1 + shuffle, unless the encoding says otherwise
/// (NetCDF cannot compress strings).
fn netcdf_encoding(mut ds: Dataset) -> xr::Result<Dataset> {
    let names: Vec<(String, bool)> = ds
        .variables()
        .keys()
        .map(|n| (n.clone(), ds.coord_names().contains(n)))
        .collect();
    for (name, is_coord) in names {
        let mut var = ds.variable(&name)?.clone();
        let numeric = var.dtype() != xr::DType::Str;
        let enc = var.encoding_mut();
        let Some(chunks) = enc.chunks.clone() else {
            continue;
        };
        enc.chunksizes.get_or_insert(chunks);
        // A Zarr compressor has no NetCDF filter: deflate replaces it.
        if numeric && !matches!(enc.compression, Some(xr::Compression::Zlib(_))) {
            enc.compression = Some(xr::Compression::Zlib(1));
            enc.shuffle = Some(true);
        }
        ds.insert(name, var, is_coord)?;
    }
    Ok(ds)
}
