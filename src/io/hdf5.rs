//! The HDF5 driver: any HDF5 file (not only NetCDF-4) as a [`Dataset`], as xarray's
//! `open_dataset(path, engine="h5netcdf", phony_dims="sort")` reads it.
//!
//! The file is read through libnetcdf, which opens plain HDF5 files: datasets become
//! variables, dimension scales dims, attributes attributes, numeric and string types
//! what they are in NetCDF-4; data variables are lazy and their chunks read by the
//! direct chunk reader ([`crate::io::chunks`]) as for NetCDF-4. Why libnetcdf rather
//! than a second HDF5 binding: it is already linked (with the HDF5 that `hdf5-metno-sys`
//! provides), so no new system dependency, and its NetCDF-4 mapping of HDF5 is the one
//! h5netcdf follows.
//!
//! What differs is the naming of the dims of datasets without dimension scales:
//! libnetcdf numbers its `phony_dim_N` its own way, h5netcdf (with `phony_dims="sort"`)
//! another. This driver renames them as h5netcdf does: group by group (the root, then
//! each group and its subgroups in order), each dataset whose axes have no scale needs,
//! for every length, as many dims of that length as its most frequent use in one
//! dataset; the group's scales of that length count first, the missing ones are
//! created as `phony_dim_{K}`, `K` counting every scale and phony dim made so far in the
//! file; a dataset's k-th axis of a length is the group's k-th dim of that length.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use indexmap::{IndexMap, IndexSet};

use super::backend::{Backend, WriteBackend};
use super::cf::{self, DecodeOptions};
use super::netcdf::{with_lock, OpenOptions, ToNetcdf};
use crate::array::DType;
use crate::dataset::{AttrValue, Attrs, Dataset, Variable};
use crate::error::{Error, Result};

/// The prefix of libnetcdf's and h5netcdf's names for dims without a scale.
const PHONY: &str = "phony_dim_";

/// Any HDF5 file (xarray's `h5netcdf` engine with `phony_dims="sort"`). Writes NetCDF-4,
/// which is HDF5.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hdf5Backend;

impl Backend for Hdf5Backend {
    fn name(&self) -> &'static str {
        "hdf5"
    }

    fn open_dataset(&self, location: &Path, decode: &DecodeOptions) -> Result<Dataset> {
        OpenHdf5::new(location).decode_options(*decode).open()
    }
}

impl WriteBackend for Hdf5Backend {
    fn write_dataset(&self, dataset: &Dataset, location: &Path) -> Result<()> {
        ToNetcdf::new(dataset, location).write()
    }
}

/// Options for opening an HDF5 file, built by [`Dataset::open_hdf5_with`].
///
/// ```
/// # fn main() -> xr::Result<()> {
/// let ds = xr::Dataset::open_hdf5_with("tests/data/hdf5_plain.h5").group("/grp/sub").open()?;
/// assert!(ds.dims().keys().all(|d| d.starts_with("phony_dim_")));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct OpenHdf5 {
    path: PathBuf,
    group: String,
    decode: DecodeOptions,
}

impl OpenHdf5 {
    /// Options for `path`, its root group, all CF decoding on.
    pub fn new(path: impl AsRef<Path>) -> Self {
        OpenHdf5 {
            path: path.as_ref().to_path_buf(),
            group: "/".to_string(),
            decode: DecodeOptions::default(),
        }
    }

    crate::io::cf::decode_option_setters!();

    /// Opens the group at `path` (`"/a/b"` or `"a/b"`; `"/"` is the root).
    pub fn group(mut self, path: &str) -> Self {
        self.group = format!("/{}", path.trim_matches('/'));
        self
    }

    /// Opens the file: metadata now, data variables lazily, dims without a scale named
    /// as h5netcdf names them.
    ///
    /// # Errors
    /// As [`OpenOptions::open`]: [`Error::Io`] for a missing file, [`Error::Netcdf`]
    /// naming the file for one that is not HDF5, [`Error::Format`] naming the group
    /// when there is none of that name.
    pub fn open(&self) -> Result<Dataset> {
        // Undecoded first: CF decoding needs the attributes as strings.
        let raw = OpenOptions::new(&self.path)
            .decode_options(DecodeOptions::none())
            .group(&self.group)
            .open()?;
        let layout = layout(&self.path)?;
        let empty = HashMap::new();
        let names = layout.get(&self.group).unwrap_or(&empty);
        let raw = rename_phony(&self.path, raw, names)?;
        let path = self.path.as_path();
        let format = |variable: Option<String>, reason: String| Error::Format {
            path: path.to_path_buf(),
            variable,
            reason,
        };
        let mut attrs = raw.attrs().clone();
        let (variables, mut coords) = cf::decode_variables(raw.variables().clone(), &self.decode)
            .map_err(|e| match e {
            Error::Cf { variable, reason } => format(Some(variable), reason),
            other => format(None, other.to_string()),
        })?;
        coords.extend(raw.coord_names().iter().cloned());
        coords.extend(cf::global_coordinates(&mut attrs, &self.decode));
        coords.retain(|c| variables.contains_key(c));
        Dataset::from_parts(variables, coords, attrs)
            .map(|d| d.with_encoding(raw.encoding().clone()))
            .map_err(|e| format(None, e.to_string()))
    }
}

/// What libnetcdf says of one group: its dims (name, length) and variables (name,
/// dims, shape).
struct GroupMeta {
    path: String,
    dims: Vec<(String, usize)>,
    variables: Vec<(String, Vec<String>, Vec<usize>)>,
}

/// For every group, the h5netcdf dims of each variable with dims without a scale.
type Layout = HashMap<String, HashMap<String, Vec<String>>>;

fn layout(path: &Path) -> Result<Layout> {
    let groups = group_metas(path)?;
    let mut out = Layout::new();
    let (mut scales, mut phony) = (0_usize, 0_usize);
    for g in &groups {
        let labeled: Vec<(String, usize)> = g
            .dims
            .iter()
            .filter(|(d, _)| !d.starts_with(PHONY))
            .cloned()
            .collect();
        scales += labeled.len();
        // For each length, first seen first: the most axes of it one dataset has.
        let mut needed: IndexMap<usize, usize> = IndexMap::new();
        let unlabeled: Vec<&(String, Vec<String>, Vec<usize>)> = g
            .variables
            .iter()
            .filter(|(_, dims, _)| dims.iter().any(|d| d.starts_with(PHONY)))
            .collect();
        for (_, _, shape) in &unlabeled {
            let mut count: IndexMap<usize, usize> = IndexMap::new();
            for &n in shape {
                *count.entry(n).or_default() += 1;
            }
            for (n, c) in count {
                let e = needed.entry(n).or_default();
                *e = (*e).max(c);
            }
        }
        let mut group_dims = labeled.clone();
        for (n, c) in needed {
            let have = labeled.iter().filter(|(_, m)| *m == n).count();
            for _ in have..c {
                group_dims.push((format!("{PHONY}{}", phony + scales), n));
                phony += 1;
            }
        }
        let mut names = HashMap::new();
        for (name, _, shape) in unlabeled {
            let mut seen: HashMap<usize, usize> = HashMap::new();
            let dims: Vec<String> = shape
                .iter()
                .map(|&n| {
                    let k = seen.entry(n).or_default();
                    let d = group_dims
                        .iter()
                        .filter(|(_, m)| *m == n)
                        .nth(*k)
                        .map_or_else(|| format!("{PHONY}?"), |(d, _)| d.clone());
                    *k += 1;
                    d
                })
                .collect();
            names.insert(name.clone(), dims);
        }
        out.insert(g.path.clone(), names);
    }
    Ok(out)
}

/// Every group's metadata, the root first, each group before its subgroups (the order
/// h5netcdf names phony dims in).
fn group_metas(path: &Path) -> Result<Vec<GroupMeta>> {
    fn meta(path: String, group: &netcdf::Group<'_>) -> GroupMeta {
        GroupMeta {
            path,
            dims: group.dimensions().map(|d| (d.name(), d.len())).collect(),
            variables: group
                .variables()
                .map(|v| {
                    let dims = v.dimensions().iter().map(netcdf::Dimension::name).collect();
                    let shape = v.dimensions().iter().map(netcdf::Dimension::len).collect();
                    (v.name(), dims, shape)
                })
                .collect(),
        }
    }
    fn walk(prefix: &str, group: &netcdf::Group<'_>, out: &mut Vec<GroupMeta>) {
        for child in group.groups() {
            let p = format!("{prefix}/{}", child.name());
            out.push(meta(p.clone(), &child));
            walk(&p, &child, out);
        }
    }
    std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    with_lock(|| {
        let file = netcdf::open(path).map_err(|source| Error::Netcdf {
            path: path.to_path_buf(),
            variable: None,
            doing: "opening the file as HDF5".to_string(),
            source,
        })?;
        let root = file.root().ok_or_else(|| Error::Format {
            path: path.to_path_buf(),
            variable: None,
            reason: "the file has no root group (NetCDF-3 is no HDF5)".to_string(),
        })?;
        let mut out = vec![meta("/".to_string(), &root)];
        walk("", &root, &mut out);
        Ok(out)
    })
}

/// `ds` with each variable's dims renamed as `names` says, and (h5py writes string
/// and its attributes' one-string arrays as strings.
fn rename_phony(path: &Path, ds: Dataset, names: &HashMap<String, Vec<String>>) -> Result<Dataset> {
    let mut variables: IndexMap<String, Variable> = IndexMap::new();
    for (name, var) in ds.variables() {
        let var = match names.get(name) {
            Some(dims) if dims.len() == var.ndim() => Variable::new(dims, var.data().clone())
                .map_err(|e| Error::Format {
                    path: path.to_path_buf(),
                    variable: Some(name.clone()),
                    reason: format!("naming its dims {dims:?}: {e}"),
                })?
                .with_attrs(var.attrs().clone())
                .with_encoding(var.encoding().clone()),
            _ => var.clone(),
        };
        let attrs = one_strings(var.attrs());
        let var = var.with_attrs(attrs);
        variables.insert(name.clone(), var);
    }
    let coords: IndexSet<String> = ds.coord_names().clone();
    let encoding = ds.encoding().clone();
    Dataset::from_parts(variables, coords, one_strings(ds.attrs()))
        .map(|d| d.with_encoding(encoding))
        .map_err(|e| Error::Format {
            path: path.to_path_buf(),
            variable: None,
            reason: format!("renaming phony dims: {e}"),
        })
}

/// `attrs` with each array of one string as that string: h5py writes a string
/// attribute as a variable-length string, which libnetcdf lists as an array of one and
/// h5netcdf (like netCDF4-python) gives as a string.
fn one_strings(attrs: &Attrs) -> Attrs {
    attrs
        .iter()
        .map(|(k, v)| {
            let v = match v {
                AttrValue::Array(a) if a.dtype() == DType::Str && a.len() == 1 => a
                    .as_array::<String>()
                    .and_then(|s| s.iter().next().cloned())
                    .map_or_else(|| v.clone(), AttrValue::Str),
                other => other.clone(),
            };
            (k.clone(), v)
        })
        .collect()
}

impl Dataset {
    /// Opens any HDF5 file's root group as xarray's
    /// `open_dataset(path, engine="h5netcdf", phony_dims="sort")` does: datasets as
    /// variables (lazy, read chunk by chunk), dimension scales as dims, dims without a
    /// scale named `phony_dim_N` as h5netcdf names them, attributes, CF decoding on.
    ///
    /// ```
    /// # fn main() -> xr::Result<()> {
    /// let ds = xr::Dataset::open_hdf5("tests/data/hdf5_plain.h5")?;
    /// assert_eq!(ds.variable("a")?.dims(), ["phony_dim_1", "x"]);
    /// assert!(ds.variable("a")?.data().is_lazy());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`OpenHdf5::open`].
    pub fn open_hdf5(path: impl AsRef<Path>) -> Result<Dataset> {
        OpenHdf5::new(path).open()
    }

    /// Options for opening an HDF5 file:
    /// `Dataset::open_hdf5_with(path).group("/a").decode_times(false).open()?`.
    pub fn open_hdf5_with(path: impl AsRef<Path>) -> OpenHdf5 {
        OpenHdf5::new(path)
    }
}
