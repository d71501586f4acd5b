//! [`DataTree`]'s IO (xarray's `open_datatree`, `DataTree.to_netcdf`, `to_zarr`): every
//! group of a NetCDF-4 file or a Zarr store, one node each.

use std::path::{Path, PathBuf};

use super::backend::Engine;
use super::cf::DecodeOptions;
use crate::dataset::{DataTree, Dataset};
use crate::error::{Error, Result};

/// Options for [`DataTree::open_with`]: one file or store, every group, any engine.
#[derive(Debug, Clone)]
#[must_use]
pub struct OpenDataTree {
    location: PathBuf,
    engine: Option<Engine>,
    decode: DecodeOptions,
}

impl OpenDataTree {
    /// Options for `location` with all CF decoding on and the engine guessed.
    pub fn new(location: impl AsRef<Path>) -> Self {
        OpenDataTree {
            location: location.as_ref().to_path_buf(),
            engine: None,
            decode: DecodeOptions::default(),
        }
    }

    crate::io::cf::decode_option_setters!();

    /// The engine to open with (default: [`Engine::guess`]).
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = Some(engine);
        self
    }

    /// Opens every group (metadata now, data variables lazily) into a tree.
    ///
    /// # Errors
    /// The engine's open errors, naming the location, the group (and the variable);
    /// [`Error::Alignment`] naming the group and the dim when a group does not align
    /// with its parents (as xarray refuses such files).
    pub fn open(&self) -> Result<DataTree> {
        let engine = match self.engine {
            Some(e) => e,
            None => Engine::guess(&self.location)?,
        };
        let groups = group_paths(engine, &self.location)?;
        let mut nodes: Vec<(String, Dataset)> = Vec::with_capacity(groups.len());
        for g in groups {
            let ds = open_group(engine, &self.location, &g, &self.decode)?;
            nodes.push((g, ds));
        }
        DataTree::from_dict(nodes.iter().map(|(g, ds)| (g.as_str(), ds.clone())))
    }
}

/// The paths of every group of the file or store, the root (`"/"`) first, parents before
/// their children.
fn group_paths(engine: Engine, location: &Path) -> Result<Vec<String>> {
    match engine {
        #[cfg(feature = "netcdf")]
        Engine::Netcdf => netcdf_groups(location),
        #[cfg(feature = "zarr")]
        Engine::Zarr => zarr_groups(location),
        #[cfg(feature = "netcdf")]
        Engine::Hdf5 => netcdf_groups(location),
    }
}

fn open_group(
    engine: Engine,
    location: &Path,
    group: &str,
    decode: &DecodeOptions,
) -> Result<Dataset> {
    match engine {
        #[cfg(feature = "netcdf")]
        Engine::Netcdf => super::netcdf::OpenOptions::new(location)
            .decode_options(*decode)
            .group(group)
            .open(),
        #[cfg(feature = "zarr")]
        Engine::Zarr => super::zarr::OpenZarr::new(location.to_string_lossy())
            .decode_options(*decode)
            .group(group)
            .open(),
        #[cfg(feature = "netcdf")]
        Engine::Hdf5 => super::hdf5::OpenHdf5::new(location)
            .decode_options(*decode)
            .group(group)
            .open(),
    }
}

#[cfg(feature = "netcdf")]
pub(crate) fn netcdf_groups(path: &Path) -> Result<Vec<String>> {
    fn walk(group: &netcdf::Group<'_>, prefix: &str, out: &mut Vec<String>) {
        for child in group.groups() {
            let p = format!("{prefix}/{}", child.name());
            out.push(p.clone());
            walk(&child, &p, out);
        }
    }
    std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let netcdf_error = |doing: &str, source| Error::Netcdf {
        path: path.to_path_buf(),
        variable: None,
        doing: doing.to_string(),
        source,
    };
    super::netcdf::with_lock(|| {
        let file = netcdf::open(path).map_err(|e| netcdf_error("opening the file", e))?;
        let mut out = vec!["/".to_string()];
        // NetCDF-3 files have no groups: the library says so with an error.
        if let Ok(top) = file.groups() {
            for g in top {
                let p = format!("/{}", g.name());
                out.push(p.clone());
                walk(&g, &p, &mut out);
            }
        }
        Ok(out)
    })
}

/// The groups of a local Zarr store: the directories under it holding group metadata
/// (`zarr.json` of a group, or `.zgroup`), in name order.
#[cfg(feature = "zarr")]
fn zarr_groups(location: &Path) -> Result<Vec<String>> {
    fn is_group(dir: &Path) -> bool {
        if dir.join(".zgroup").is_file() {
            return true;
        }
        std::fs::read_to_string(dir.join("zarr.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|v| v.get("node_type").and_then(|n| n.as_str()) == Some("group"))
    }
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<()> {
        let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect();
        names.sort();
        for name in names {
            let sub = dir.join(&name);
            if is_group(&sub) {
                let p = format!("{prefix}/{name}");
                out.push(p.clone());
                walk(&sub, &p, out)?;
            }
        }
        Ok(())
    }
    let mut out = vec!["/".to_string()];
    if location.is_dir() {
        walk(location, "", &mut out)?;
    }
    Ok(out)
}

impl DataTree {
    /// Opens every group of a NetCDF-4 file or a local Zarr store as a tree (xarray's
    /// `open_datatree`), with all CF decoding on; data variables are lazy.
    ///
    /// ```
    /// # fn main() -> xr::Result<()> {
    /// let tree = xr::DataTree::open("tests/data/datatree.nc")?;
    /// assert!(tree.groups().contains(&"/model/run1".to_string()));
    /// let run = tree["model/run1"].dataset(); // with the coordinates of its parents
    /// assert!(run.is_coord("lat"));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`OpenDataTree::open`].
    pub fn open(location: impl AsRef<Path>) -> Result<DataTree> {
        OpenDataTree::new(location).open()
    }

    /// Options for opening every group of `location`:
    /// `DataTree::open_with(path).decode_times(false).open()?`.
    pub fn open_with(location: impl AsRef<Path>) -> OpenDataTree {
        OpenDataTree::new(location)
    }

    /// Writes every node to its group of a new NetCDF-4 file at `path`, atomically (a
    /// temporary file renamed over the target): each node's own variables (not the
    /// coordinates it inherits, as xarray writes them), encoded as their `encoding`
    /// says; all values computed by one task graph.
    ///
    /// # Errors
    /// As [`crate::io::netcdf::ToNetcdf::write`], naming the file and variable.
    #[cfg(feature = "netcdf")]
    pub fn to_netcdf(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let nodes: Vec<(String, Dataset)> = self
            .subtree()
            .into_iter()
            .map(|(p, node)| (p, node.to_dataset(false)))
            .collect();
        let parts: Vec<_> = nodes
            .iter()
            .map(|(p, ds)| ds.write_netcdf(path).group(p))
            .collect();
        super::netcdf::write_groups(&parts, path, &crate::dist::LocalExecutor::default())
    }

    /// Writes every node to its group of a new Zarr v3 store at `location` (mode `w-`:
    /// an existing store is an error), each node's own variables; the groups are found
    /// by listing (no consolidated metadata, which would have to cover every group).
    ///
    /// # Errors
    /// As [`crate::io::zarr::ToZarr::write`], naming the store, group and variable.
    #[cfg(feature = "zarr")]
    pub fn to_zarr(&self, location: impl AsRef<str>) -> Result<()> {
        use super::zarr::ZarrMode;
        let location = location.as_ref();
        for (p, node) in self.subtree() {
            node.to_dataset(false)
                .write_zarr(location)
                .group(&p)
                .mode(ZarrMode::Create)
                .consolidated(false)
                .write()?;
        }
        Ok(())
    }
}
