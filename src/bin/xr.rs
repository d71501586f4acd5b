//! The `xr` command-line tool.
//!
//! ```text
//! xr info FILE [--json] [--stats]    describe a NetCDF file as xr decodes it
//!                                     (and each group of a file or store with groups)
//! xr clim DIR_OR_GLOB OUT [--mpi] [--memory-budget SIZE]
//!                                     seasonal climatology of a multi-file dataset (.nc, .zarr)
//! xr convert IN OUT                   NetCDF <-> Zarr, streamed chunk by chunk
//! xr refs FILE.nc OUT.json [--url U]  kerchunk references of a NetCDF-4/HDF5 file
//! ```

#[path = "xr/clim.rs"]
mod clim;
#[cfg(feature = "zarr")]
#[path = "xr/convert.rs"]
mod convert;
#[cfg(all(feature = "zarr", feature = "direct"))]
#[path = "xr/refs.rs"]
mod refs;
#[path = "xr/size.rs"]
mod size;

use std::process::ExitCode;

use serde_json::{json, Map, Value};
use xr::{AttrValue, Attrs, Dataset, NdArray, Scalar, Variable};

/// mimalloc, not glibc's malloc: about 4% faster on the climatology bench (Cargo feature
/// `mimalloc`).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: xr info FILE [--json] [--stats]
       xr clim DIR_OR_GLOB OUT.nc|OUT.zarr [--mpi] [--memory-budget SIZE]
       xr convert IN OUT [--overwrite] [--zarr-format 2|3]
       xr refs FILE.nc OUT.json [--url URL]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("info") => info(&args[1..]),
        Some("clim") => clim::clim(&args[1..]),
        #[cfg(feature = "zarr")]
        Some("convert") => convert::run(&args[1..]),
        #[cfg(not(feature = "zarr"))]
        Some("convert") => Err("xr convert needs xr built with the `zarr` feature".into()),
        #[cfg(all(feature = "zarr", feature = "direct"))]
        Some("refs") => refs::run(&args[1..]),
        #[cfg(not(all(feature = "zarr", feature = "direct")))]
        Some("refs") => Err("xr refs needs xr built with the `zarr` and `direct` features".into()),
        Some("--version" | "-V") => {
            println!("xr {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Some("--help" | "-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other:?}\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("xr: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn info(args: &[String]) -> Result<(), String> {
    let mut file = None;
    let (mut as_json, mut stats) = (false, false);
    for a in args {
        match a.as_str() {
            "--json" => as_json = true,
            "--stats" => stats = true,
            flag if flag.starts_with('-') => {
                return Err(format!("unknown option {flag:?}\n{USAGE}"))
            }
            path if file.is_none() => file = Some(path.to_string()),
            extra => return Err(format!("unexpected argument {extra:?}\n{USAGE}")),
        }
    }
    let file = file.ok_or_else(|| USAGE.to_string())?;
    let ds = Dataset::open_dataset(&file).map_err(|e| e.to_string())?;
    // The groups below the root, when there are any (a tree whose groups do not align
    // is described by its root alone, as before).
    let tree = xr::DataTree::open(&file)
        .ok()
        .filter(|t| t.groups().len() > 1);
    if as_json {
        let mut v = describe(&ds, stats).map_err(|e| e.to_string())?;
        if let Some(tree) = &tree {
            let mut groups = Map::new();
            for (path, node) in tree.subtree().into_iter().skip(1) {
                let d = describe(&node.dataset(), stats).map_err(|e| format!("{path}: {e}"))?;
                groups.insert(path, d);
            }
            v["groups"] = Value::Object(groups);
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
        );
    } else {
        match &tree {
            Some(tree) => println!("{tree}"),
            None => println!("{ds}"),
        }
        if stats {
            for (name, var) in ds.data_vars() {
                if let Some(s) = var_stats(var).map_err(|e| format!("{name}: {e}"))? {
                    println!("{name}: {s}");
                }
            }
        }
    }
    Ok(())
}

/// The JSON schema documented in the README.
fn describe(ds: &Dataset, stats: bool) -> xr::Result<Value> {
    let dims: Map<String, Value> = ds.dims().into_iter().map(|(k, n)| (k, json!(n))).collect();
    let mut coords = Map::new();
    for (name, var) in ds.coords() {
        let values = var.data().compute()?;
        let ends = if values.is_empty() {
            vec![]
        } else {
            vec![
                scalar(&values.get_flat(0)?),
                scalar(&values.get_flat(values.len() - 1)?),
            ]
        };
        coords.insert(
            name.clone(),
            json!({"dims": var.dims(), "dtype": var.dtype().to_string(), "attrs": attrs(var.attrs()), "values": ends}),
        );
    }
    let mut data_vars = Map::new();
    for (name, var) in ds.data_vars() {
        let mut entry = json!({"dims": var.dims(), "dtype": var.dtype().to_string(), "attrs": attrs(var.attrs())});
        if stats {
            entry["stats"] = var_stats(var)?.unwrap_or(Value::Null);
        }
        data_vars.insert(name.clone(), entry);
    }
    Ok(json!({"dims": dims, "coords": coords, "data_vars": data_vars, "attrs": attrs(ds.attrs())}))
}

/// `{count, mean, min, max}` over the non-missing decoded values of a numeric variable;
/// a variable with no such value (a zero-length record dim, or all missing) has count 0
/// and `null` for the others.
fn var_stats(var: &Variable) -> xr::Result<Option<Value>> {
    if !var.dtype().is_numeric() {
        return Ok(None);
    }
    use xr::dataset::Reduction;
    // Without `.dims(..)` the reduction is over every dim.
    let one =
        |op| -> xr::Result<Value> { Ok(scalar(&var.reduce_with(op).run()?.data().get_flat(0)?)) };
    let count = one(Reduction::Count)?;
    if count.as_u64() == Some(0) {
        return Ok(Some(
            json!({"count": 0, "mean": null, "min": null, "max": null}),
        ));
    }
    Ok(Some(json!({
        "count": count,
        "mean": one(Reduction::Mean)?,
        "min": one(Reduction::Min)?,
        "max": one(Reduction::Max)?,
    })))
}

fn scalar(s: &Scalar) -> Value {
    match s {
        Scalar::Bool(b) => json!(b),
        Scalar::I64(v) => json!(v),
        Scalar::U64(v) => json!(v),
        Scalar::F64(v) if v.is_finite() => json!(v),
        Scalar::F64(_) => Value::Null,
        other => json!(other.to_string()),
    }
}

fn attrs(a: &Attrs) -> Value {
    let m: Map<String, Value> = a
        .iter()
        .map(|(k, v)| {
            let value = match v {
                AttrValue::Str(s) => json!(s),
                AttrValue::Array(arr) => array(arr),
                other => json!(other.to_string()),
            };
            (k.clone(), value)
        })
        .collect();
    Value::Object(m)
}

fn array(a: &NdArray) -> Value {
    let items: Vec<Value> = (0..a.len())
        .filter_map(|i| a.get_flat(i).ok())
        .map(|s| scalar(&s))
        .collect();
    match items.as_slice() {
        [one] => one.clone(),
        _ => Value::Array(items),
    }
}
