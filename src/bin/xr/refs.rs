//! `xr refs FILE.nc OUT.json [--url URL]`: a kerchunk reference file (version 1) for a
//! local NetCDF-4/HDF5 file, so that it can be read as Zarr from wherever it is copied.

use std::path::Path;

use xr::io::zarr::refs::References;

pub const USAGE: &str = "usage: xr refs FILE.nc OUT.json [--url URL]
  FILE.nc: a local NetCDF-4/HDF5 file; OUT.json: the kerchunk references to write.
  --url: where the chunks will be read from (s3://bucket/file.nc, https://host/file.nc);
  default: FILE.nc's absolute path";

pub fn run(args: &[String]) -> Result<(), String> {
    let mut paths = Vec::new();
    let mut url = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--url" => {
                url = Some(
                    it.next()
                        .ok_or_else(|| format!("--url needs a URL\n{USAGE}"))?
                        .clone(),
                );
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
    let refs =
        References::from_netcdf(Path::new(input), url.as_deref()).map_err(|e| e.to_string())?;
    let json = refs.to_json().map_err(|e| e.to_string())?;
    std::fs::write(output, json).map_err(|e| format!("writing {output}: {e}"))
}
