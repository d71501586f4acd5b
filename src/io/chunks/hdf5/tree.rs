//! A NetCDF-4 file's groups, variables and attributes read with the HDF5 C API, as
//! netcdf-c (and xr's netCDF reader on top of it) maps them: links in creation order,
//! dimensions from dimension scales (`DIMENSION_LIST` references on variables, the
//! scales' names), scales that are dimensions only (`NAME` "This is a netCDF dimension
//! but not a netCDF variable") left out of the variables, netcdf-c's phony dims for
//! datasets without scales, `_nc4_non_coord_` names, netCDF's and HDF5's bookkeeping
//! attributes dropped, enums as their integers with CF flags, compounds as one variable
//! per member, variable-length and opaque variables skipped. Used for files at a URL,
//! which libnetcdf cannot open: the file is opened through the range-read driver
//! (`vfd.rs`).

use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;

use hdf5_metno_sys::h5::{
    herr_t, hsize_t, H5free_memory, H5_INDEX_CRT_ORDER, H5_INDEX_NAME, H5_ITER_INC,
};
#[allow(deprecated)] // H5Aget_num_attrs: the count without version-dependent structs.
use hdf5_metno_sys::h5a::{
    H5Aclose, H5Aget_name, H5Aget_num_attrs, H5Aget_space, H5Aget_type, H5Aopen_by_idx, H5Aread,
};
#[allow(deprecated)] // H5Dvlen_reclaim: in 1.10 and 2.x alike (H5Treclaim is 1.12+).
use hdf5_metno_sys::h5d::{
    H5D_layout_t, H5Dget_create_plist, H5Dget_space, H5Dget_type, H5Dread, H5Dvlen_reclaim,
};
use hdf5_metno_sys::h5f::{H5Fclose, H5Fopen, H5F_ACC_RDONLY};
use hdf5_metno_sys::h5g::{H5G_info_t, H5Gget_info};
use hdf5_metno_sys::h5i::{hid_t, H5I_type_t, H5Iget_name, H5Iget_type};
use hdf5_metno_sys::h5l::H5Lget_name_by_idx;
use hdf5_metno_sys::h5o::{H5Oclose, H5Oopen};
use hdf5_metno_sys::h5p::{H5Pclose, H5Pget_filter_by_id2, H5Pget_layout, H5P_DEFAULT};
use hdf5_metno_sys::h5s::{
    H5S_class_t, H5Sclose, H5Sget_simple_extent_dims, H5Sget_simple_extent_ndims,
    H5Sget_simple_extent_npoints, H5Sget_simple_extent_type, H5S_ALL,
};
use hdf5_metno_sys::h5t::{
    hvl_t, H5T_class_t, H5T_direction_t, H5Tclose, H5Tcopy, H5Tcreate, H5Tget_class, H5Tget_cset,
    H5Tget_member_name, H5Tget_member_type, H5Tget_member_value, H5Tget_native_type,
    H5Tget_nmembers, H5Tget_size, H5Tget_super, H5Tinsert, H5Tis_variable_str, H5Tset_cset,
    H5Tset_size, H5Tvlen_create, H5T_C_S1, H5T_STD_REF_OBJ, H5T_VARIABLE,
};
use hdf5_metno_sys::h5z::H5Z_FILTER_DEFLATE;

use super::vfd::{access_list, file_name, RangeSource, Shared};
use super::{element_type, id, probe_dataset, Id, Probe, QuietErrors};
use crate::array::{with_numeric_dtype, DType, FixedWidth, NdArray};
use crate::dataset::{AttrValue, Attrs};

/// One group: its path (`""` for the root, `"a/b"`), attributes and variables.
pub(crate) struct Group {
    pub path: String,
    pub attrs: Attrs,
    pub variables: Vec<Variable>,
}

/// One netCDF variable of an HDF5 file.
pub(crate) struct Variable {
    pub name: String,
    pub dims: Vec<String>,
    /// The shape in netCDF (the dims' lengths).
    pub shape: Vec<usize>,
    pub attrs: Attrs,
    /// The deflate level (1 without deflate).
    pub deflate_level: i64,
    pub content: Content,
}

/// How a variable's values are had.
pub(crate) enum Content {
    /// Chunks at known places of the file.
    Chunked(super::Layout),
    /// The values, read through libhdf5 (not chunked, or a pipeline the chunk reader
    /// does not decode), when they are at most the inline limit.
    Values(NdArray),
    /// Why the values cannot be had: an error naming the variable.
    Unsupported(String),
}

/// A variable's address in the tree, its HDF5 extent and what is known of it before the
/// dims' lengths are.
struct Found {
    group: usize,
    name: String,
    /// Each dim's scale dataset (its full path) and name.
    dims: Vec<(String, String)>,
    /// Without dimension scales: per axis whether it is unlimited, for netcdf-c's
    /// phony dims (made once every group is read).
    phony: Option<Vec<bool>>,
    extent: Vec<usize>,
    attrs: Attrs,
    deflate_level: i64,
    content: Content,
}

/// Attributes netCDF-4 (and the dimension-scale API) keeps for itself.
const HIDDEN: &[&str] = &[
    "_Netcdf4Dimid",
    "_Netcdf4Coordinates",
    "_NCProperties",
    "DIMENSION_LIST",
    "REFERENCE_LIST",
    "CLASS",
    "NAME",
    "_nc3_strict",
];

const DIM_ONLY: &str = "This is a netCDF dimension but not a netCDF variable";
/// netcdf-c's prefix for a dim whose name a non-coordinate variable also has.
const NON_COORD: &str = "_nc4_non_coord_";

/// Reads the groups of the HDF5 file behind `source` (`url` names it; `first_page` is
/// its first [`super::vfd::PAGE`] bytes, already read), in netcdf-c's order; unchunked
/// variables up to `max_inline` bytes are read whole.
///
/// `Err` is a reason without the URL (the caller adds it).
pub(crate) fn read_groups(
    url: &str,
    source: std::sync::Arc<dyn RangeSource>,
    first_page: Vec<u8>,
    max_inline: usize,
) -> Result<Vec<Group>, String> {
    let shared = Shared::new(source).with_first_page(first_page);
    let name = file_name(url)?;
    let _lock = hdf5_metno_sys::LOCK.lock();
    let _quiet = QuietErrors::new();
    let walked = (|| {
        let fapl = access_list(&shared)?;
        // SAFETY: `name` is NUL-terminated; `fapl` reads through `shared`, which lives
        // until after the file is closed (when `file` drops, before this returns).
        let raw = unsafe { H5Fopen(name.as_ptr(), H5F_ACC_RDONLY, fapl.id) };
        let file = id(raw, H5Fclose, "opening the file (H5Fopen)")?;
        let mut walk = Walk {
            groups: Vec::new(),
            children: Vec::new(),
            dims: Vec::new(),
            next_dimid: 0,
            found: Vec::new(),
            max_inline,
            url: url.to_string(),
        };
        // The root group as an object (attribute calls on a file id fail in 1.10).
        // SAFETY: `file` is open; the name is NUL-terminated.
        let raw = unsafe { H5Oopen(file.id, c"/".as_ptr(), H5P_DEFAULT) };
        let root = id(raw, H5Oclose, "opening the root group")?;
        walk.group(&root, String::new())?;
        Ok::<_, String>(walk)
    })();
    let walk = walked.map_err(|reason| match shared.error() {
        Some(cause) => format!("{reason}: {cause}"),
        None => reason,
    })?;
    Ok(walk.finish())
}

struct Walk {
    groups: Vec<Group>,
    /// Per group, its subgroups.
    children: Vec<Vec<usize>>,
    /// Per group, its dims in the order netcdf-c makes them.
    dims: Vec<Vec<Dim>>,
    /// netcdf-c's next dim id: phony dims are named after it.
    next_dimid: i64,
    found: Vec<Found>,
    max_inline: usize,
    /// The file, for warnings.
    url: String,
}

/// One dim of a group: its key (the scale's full path, or a phony dim's), name, length
/// and whether it is unlimited.
struct Dim {
    key: String,
    name: String,
    len: usize,
    unlimited: bool,
}

impl Walk {
    /// Reads the group `g` at `path`, then its subgroups (depth first, as netcdf-c lists
    /// them).
    fn group(&mut self, g: &Id, path: String) -> Result<(), String> {
        let at = self.groups.len();
        let attrs = read_attrs(g.id).map_err(|e| format!("group /{path}: {e}"))?;
        self.groups.push(Group {
            path: path.clone(),
            attrs,
            variables: Vec::new(),
        });
        self.children.push(Vec::new());
        self.dims.push(Vec::new());
        let mut subgroups = Vec::new();
        for name in link_names(g.id)? {
            let cname = CString::new(name.as_str()).map_err(|_| "a NUL in a name")?;
            // SAFETY: `g` is an open group and `cname` NUL-terminated.
            let obj = id(
                unsafe { H5Oopen(g.id, cname.as_ptr(), H5P_DEFAULT) },
                H5Oclose,
                "H5Oopen",
            )?;
            // SAFETY: `obj` is an open object.
            match unsafe { H5Iget_type(obj.id) } {
                H5I_type_t::H5I_GROUP => subgroups.push(name),
                H5I_type_t::H5I_DATASET => {
                    let full = if path.is_empty() {
                        name.clone()
                    } else {
                        format!("{path}/{name}")
                    };
                    let found = self
                        .dataset(&obj, at, &name)
                        .map_err(|e| format!("variable {full}: {e}"))?;
                    self.found.extend(found);
                }
                _ => {}
            }
        }
        for name in subgroups {
            let cname = CString::new(name.as_str()).map_err(|_| "a NUL in a name")?;
            // SAFETY: as above.
            let sub = id(
                unsafe { H5Oopen(g.id, cname.as_ptr(), H5P_DEFAULT) },
                H5Oclose,
                "H5Oopen",
            )?;
            let sub_path = if path.is_empty() {
                name
            } else {
                format!("{path}/{name}")
            };
            let child = self.groups.len();
            self.children[at].push(child);
            self.group(&sub, sub_path)?;
        }
        Ok(())
    }

    /// A dataset as a netCDF variable; `None` for a dimension without a variable.
    fn dataset(&mut self, d: &Id, group: usize, name: &str) -> Result<Vec<Found>, String> {
        let all = read_all_attrs(d.id)?;
        let is_scale =
            matches!(all.get("CLASS"), Some(AttrValue::Str(c)) if c == "DIMENSION_SCALE");
        let (extent, unlimited) = extent(d)?;
        if is_scale {
            // A dim of this group, with netcdf-c's id (its own, if it kept one).
            match all.get("_Netcdf4Dimid").and_then(AttrValue::as_f64) {
                Some(dimid) => self.next_dimid = self.next_dimid.max(dimid as i64 + 1),
                None => self.next_dimid += 1,
            }
            if let (&[len], &[unlimited]) = (extent.as_slice(), unlimited.as_slice()) {
                self.dims[group].push(Dim {
                    key: object_path(d.id)?,
                    name: dim_name(name),
                    len,
                    unlimited,
                });
            }
        }
        if let Some(AttrValue::Str(n)) = all.get("NAME") {
            if is_scale && n.starts_with(DIM_ONLY) {
                return Ok(Vec::new());
            }
        }
        let attrs: Attrs = all
            .iter()
            .filter(|(k, _)| !HIDDEN.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // SAFETY: `d` is an open dataset.
        let dtype = id(unsafe { H5Dget_type(d.id) }, H5Tclose, "H5Dget_type")?;
        // SAFETY: `dtype` is an open datatype.
        let class = unsafe { H5Tget_class(dtype.id) };
        if matches!(class, H5T_class_t::H5T_VLEN | H5T_class_t::H5T_OPAQUE) {
            // Skipped, as the netCDF reader skips them.
            crate::warning::warn(format!(
                "{}: variable {name:?} has a {} type, which xr cannot represent; it is skipped",
                self.url,
                if class == H5T_class_t::H5T_VLEN {
                    "variable-length"
                } else {
                    "opaque"
                }
            ));
            return Ok(Vec::new());
        }
        // An enum reads as its integers (as libnetcdf reads it), its labels as CF flags.
        let mut attrs = attrs;
        let numeric = match enum_flags(&dtype)? {
            Some((base, values, labels)) => {
                if !attrs.contains_key("flag_values") && !attrs.contains_key("flag_meanings") {
                    attrs.insert("flag_values".into(), AttrValue::Array(values));
                    attrs.insert("flag_meanings".into(), AttrValue::Str(labels.join(" ")));
                }
                element_type(&base)
            }
            None => element_type(&dtype),
        };
        let dcpl = id(
            // SAFETY: `d` is an open dataset.
            unsafe { H5Dget_create_plist(d.id) },
            H5Pclose,
            "H5Dget_create_plist",
        )?;
        let deflate_level = deflate_level(&dcpl);
        let contents = if class == H5T_class_t::H5T_COMPOUND {
            self.compound_members(d, &dtype, name, &extent)?
        } else {
            let content = match numeric {
                None => Content::Unsupported(format!(
                    "its type ({}) has no Zarr v2 reference (numbers only)",
                    type_name(&dtype)
                )),
                Some((dt, _, size)) => {
                    // SAFETY: `dcpl` is an open dataset creation property list.
                    let chunked = unsafe { H5Pget_layout(dcpl.id) } == H5D_layout_t::H5D_CHUNKED;
                    let layout = if chunked {
                        match probe_dataset(d, None)? {
                            Probe::Layout(l) => Some(l),
                            Probe::Unsupported(_) => None,
                        }
                    } else {
                        None
                    };
                    match layout {
                        Some(l) => Content::Chunked(l),
                        None => {
                            self.inline(&extent, size, || read_values(d, &dtype, dt, &extent))?
                        }
                    }
                }
            };
            // netcdf-c's name for a variable named as a dim it does not have.
            vec![(dim_name(name), content)]
        };
        // Dims of variables that will be errors anyway are not looked for: their type
        // is the error, as for a local file.
        let needs_dims = !extent.is_empty()
            && contents
                .iter()
                .any(|(_, c)| !matches!(c, Content::Unsupported(_)));
        let (dims, phony) = if !needs_dims {
            (Vec::new(), None)
        } else if is_scale {
            if extent.len() != 1 {
                return Err("a multidimensional coordinate variable (netCDF's \
                            _Netcdf4Coordinates) is not supported"
                    .into());
            }
            (vec![(object_path(d.id)?, dim_name(name))], None)
        } else {
            match dimension_list(d.id)? {
                None => (Vec::new(), Some(unlimited)),
                Some(scales) if scales.len() != extent.len() => {
                    return Err(format!(
                        "it has {} dimensions and {} dimension scales (DIMENSION_LIST): not \
                         a netCDF-4 variable",
                        extent.len(),
                        scales.len()
                    ))
                }
                Some(scales) => {
                    let dims = scales
                        .into_iter()
                        .map(|p| {
                            let n = dim_name(p.rsplit('/').next().unwrap_or(&p));
                            (p, n)
                        })
                        .collect();
                    (dims, None)
                }
            }
        };
        Ok(contents
            .into_iter()
            .map(|(name, content)| Found {
                group,
                name,
                dims: dims.clone(),
                phony: phony.clone(),
                extent: extent.clone(),
                attrs: attrs.clone(),
                deflate_level,
                content,
            })
            .collect())
    }

    /// Values of `extent` elements of `size` bytes read by `read`, or an error past the
    /// inline limit.
    fn inline(
        &self,
        extent: &[usize],
        size: usize,
        read: impl FnOnce() -> Result<NdArray, String>,
    ) -> Result<Content, String> {
        let bytes = extent.iter().product::<usize>().saturating_mul(size);
        if bytes > self.max_inline {
            return Ok(Content::Unsupported(format!(
                "it is not chunked and holds {bytes} bytes, more than the {} a reference file \
                 inlines; store it chunked (nccopy -c, or chunksizes when writing) to \
                 reference it by ranges",
                self.max_inline
            )));
        }
        read().map(Content::Values)
    }

    /// The members of a compound variable as the netCDF reader gives them: one variable
    /// `name.member` per member of numbers (its values read and inlined) or characters
    /// (an error: text has no reference); other members skipped with a warning.
    fn compound_members(
        &self,
        d: &Id,
        dtype: &Id,
        name: &str,
        extent: &[usize],
    ) -> Result<Vec<(String, Content)>, String> {
        let name = dim_name(name);
        // SAFETY: `dtype` is an open compound type.
        let n = u32::try_from(unsafe { H5Tget_nmembers(dtype.id) })
            .map_err(|_| "H5Tget_nmembers failed")?;
        let mut out = Vec::new();
        for i in 0..n {
            let member = member_name(dtype, i)?;
            // SAFETY: `dtype` is an open compound type with more than `i` members.
            let mtype = id(
                unsafe { H5Tget_member_type(dtype.id, i) },
                H5Tclose,
                "H5Tget_member_type",
            )?;
            let full = format!("{name}.{member}");
            // SAFETY: `mtype` is an open datatype.
            let class = unsafe { H5Tget_class(mtype.id) };
            let chars = match class {
                // SAFETY: as above.
                H5T_class_t::H5T_STRING => (unsafe { H5Tis_variable_str(mtype.id) }) <= 0,
                H5T_class_t::H5T_ARRAY => {
                    // SAFETY: `mtype` is an open array type.
                    let base = id(unsafe { H5Tget_super(mtype.id) }, H5Tclose, "H5Tget_super")?;
                    // SAFETY: `base` is an open datatype.
                    (unsafe { H5Tget_class(base.id) }) == H5T_class_t::H5T_STRING
                }
                _ => false,
            };
            let content = match element_type(&mtype) {
                Some((dt, _, size)) => {
                    self.inline(extent, size, || read_member(d, &mtype, &member, dt, extent))?
                }
                None if chars => Content::Unsupported(
                    "its type (char) has no Zarr v2 reference (numbers only)".into(),
                ),
                None => {
                    crate::warning::warn(format!(
                        "{}: member {member:?} of the compound variable {name:?} has a type \
                         xr cannot represent; it is skipped",
                        self.url
                    ));
                    continue;
                }
            };
            out.push((full, content));
        }
        Ok(out)
    }

    /// The groups with their variables, shapes from the dims' lengths: a dim is as
    /// long as its scale, or as the longest variable along it (an unlimited dim).
    fn finish(mut self) -> Vec<Group> {
        self.phony_dims(0);
        let mut lengths: HashMap<String, usize> = HashMap::new();
        for f in &self.found {
            for ((path, _), &n) in f.dims.iter().zip(&f.extent) {
                let len = lengths.entry(path.clone()).or_insert(0);
                *len = (*len).max(n);
            }
        }
        for f in self.found {
            let shape = f
                .dims
                .iter()
                .zip(&f.extent)
                .map(|((path, _), &n)| lengths.get(path).copied().unwrap_or(n))
                .collect();
            self.groups[f.group].variables.push(Variable {
                name: f.name,
                dims: f.dims.into_iter().map(|(_, n)| n).collect(),
                shape,
                attrs: f.attrs,
                deflate_level: f.deflate_level,
                content: f.content,
            });
        }
        self.groups
    }
}

impl Walk {
    /// netcdf-c's dims for variables without dimension scales, subgroups first: per
    /// axis, the first dim of the variable's group with its length (and
    /// unlimitedness) that no earlier axis took, else a new `phony_dim_<next id>`.
    fn phony_dims(&mut self, group: usize) {
        for child in self.children[group].clone() {
            self.phony_dims(child);
        }
        for f in self.found.iter_mut().filter(|f| f.group == group) {
            let Some(unlimited) = f.phony.take() else {
                continue;
            };
            let mut dims: Vec<(String, String)> = Vec::new();
            for (&len, &unlimited) in f.extent.iter().zip(&unlimited) {
                let found = self.dims[group].iter().find(|d| {
                    d.len == len
                        && d.unlimited == unlimited
                        && !dims.iter().any(|(key, _)| *key == d.key)
                });
                let dim = match found {
                    Some(d) => (d.key.clone(), d.name.clone()),
                    None => {
                        let name = format!("phony_dim_{}", self.next_dimid);
                        self.next_dimid += 1;
                        let key = format!("{}#{name}", self.groups[group].path);
                        self.dims[group].push(Dim {
                            key: key.clone(),
                            name: name.clone(),
                            len,
                            unlimited,
                        });
                        (key, name)
                    }
                };
                dims.push(dim);
            }
            f.dims = dims;
        }
    }
}

fn dim_name(scale: &str) -> String {
    scale.strip_prefix(NON_COORD).unwrap_or(scale).to_string()
}

/// The names of the links of group `g`, in creation order where it is tracked (as
/// netcdf-c writes groups), by name otherwise.
fn link_names(g: hid_t) -> Result<Vec<String>, String> {
    let mut info = H5G_info_t::default();
    // SAFETY: `g` is an open group; `info` a live local.
    if unsafe { H5Gget_info(g, &mut info) } < 0 {
        return Err("H5Gget_info failed".into());
    }
    let dot = c".";
    let name_at = |order, i: hsize_t| -> Option<String> {
        // SAFETY: a null buffer asks for the length only.
        let len = unsafe {
            H5Lget_name_by_idx(
                g,
                dot.as_ptr(),
                order,
                H5_ITER_INC,
                i,
                ptr::null_mut(),
                0,
                H5P_DEFAULT,
            )
        };
        let len = usize::try_from(len).ok()?;
        let mut buf = vec![0 as c_char; len + 1];
        // SAFETY: `buf` holds `len + 1` bytes, as told.
        let rc = unsafe {
            H5Lget_name_by_idx(
                g,
                dot.as_ptr(),
                order,
                H5_ITER_INC,
                i,
                buf.as_mut_ptr(),
                buf.len(),
                H5P_DEFAULT,
            )
        };
        (rc >= 0).then(|| c_string(&buf))
    };
    let order = if info.nlinks == 0 || name_at(H5_INDEX_CRT_ORDER, 0).is_some() {
        H5_INDEX_CRT_ORDER
    } else {
        H5_INDEX_NAME
    };
    (0..info.nlinks)
        .map(|i| name_at(order, i).ok_or_else(|| format!("H5Lget_name_by_idx failed at link {i}")))
        .collect()
}

fn c_string(buf: &[c_char]) -> String {
    let bytes: Vec<u8> = buf
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The full path of an open object (`/lat`).
fn object_path(obj: hid_t) -> Result<String, String> {
    // SAFETY: a null buffer asks for the length only.
    let len = unsafe { H5Iget_name(obj, ptr::null_mut(), 0) };
    let len = usize::try_from(len).map_err(|_| "H5Iget_name failed")?;
    let mut buf = vec![0 as c_char; len + 1];
    // SAFETY: `buf` holds `len + 1` bytes, as told.
    if unsafe { H5Iget_name(obj, buf.as_mut_ptr(), buf.len()) } < 0 {
        return Err("H5Iget_name failed".into());
    }
    Ok(c_string(&buf))
}

/// The dataset's extent (`[]` for a scalar).
/// The dataset's extent (`[]` for a scalar) and, per axis, whether it is unlimited.
fn extent(d: &Id) -> Result<(Vec<usize>, Vec<bool>), String> {
    // SAFETY: `d` is an open dataset.
    let space = id(unsafe { H5Dget_space(d.id) }, H5Sclose, "H5Dget_space")?;
    // SAFETY: `space` is an open dataspace.
    match unsafe { H5Sget_simple_extent_type(space.id) } {
        H5S_class_t::H5S_SIMPLE => {}
        H5S_class_t::H5S_SCALAR => return Ok((Vec::new(), Vec::new())),
        other => return Err(format!("dataspace of class {other:?}")),
    }
    // SAFETY: `space` is an open dataspace.
    let ndims = unsafe { H5Sget_simple_extent_ndims(space.id) };
    let ndims = usize::try_from(ndims).map_err(|_| "H5Sget_simple_extent_ndims failed")?;
    let mut dims: Vec<hsize_t> = vec![0; ndims];
    let mut max: Vec<hsize_t> = vec![0; ndims];
    // SAFETY: `dims` and `max` have room for `ndims` values each.
    if unsafe { H5Sget_simple_extent_dims(space.id, dims.as_mut_ptr(), max.as_mut_ptr()) } < 0 {
        return Err("H5Sget_simple_extent_dims failed".into());
    }
    Ok((
        dims.iter().map(|&d| d as usize).collect(),
        // H5S_UNLIMITED
        max.iter().map(|&m| m == hsize_t::MAX).collect(),
    ))
}

unsafe extern "C" {
    // The reference type is `H5R_OBJECT` (1.10) or `H5R_OBJECT1` (1.12+): 0 in both,
    // under different names in the binding.
    fn H5Rdereference2(obj: hid_t, oapl: hid_t, ref_type: c_int, reference: *const c_void)
        -> hid_t;
}

/// The full paths of the scale datasets of each dim of `d`, from its `DIMENSION_LIST`
/// (one variable-length list of object references per dim; the first is the scale);
/// `None` without one.
fn dimension_list(d: hid_t) -> Result<Option<Vec<String>>, String> {
    let Some(attr) = open_attr_by_name(d, "DIMENSION_LIST")? else {
        return Ok(None);
    };
    // SAFETY: `attr` is an open attribute.
    let space = id(unsafe { H5Aget_space(attr.id) }, H5Sclose, "H5Aget_space")?;
    // SAFETY: `space` is an open dataspace.
    let n = usize::try_from(unsafe { H5Sget_simple_extent_npoints(space.id) })
        .map_err(|_| "H5Sget_simple_extent_npoints failed")?;
    // SAFETY: the library's reference type, valid after `H5open`.
    let memtype = id(
        unsafe { H5Tvlen_create(*H5T_STD_REF_OBJ) },
        H5Tclose,
        "H5Tvlen_create",
    )?;
    let mut lists = vec![
        hvl_t {
            len: 0,
            p: ptr::null_mut()
        };
        n
    ];
    // SAFETY: `lists` has room for the attribute's `n` variable-length elements.
    if unsafe { H5Aread(attr.id, memtype.id, lists.as_mut_ptr().cast()) } < 0 {
        return Err("reading DIMENSION_LIST failed".into());
    }
    let mut out = Vec::with_capacity(n);
    let mut failed = None;
    for l in &lists {
        if l.len == 0 || l.p.is_null() {
            failed = Some("an empty DIMENSION_LIST entry".to_string());
            break;
        }
        // SAFETY: each element is `len` object references; the first is read.
        let obj = unsafe { H5Rdereference2(d, H5P_DEFAULT, 0, l.p.cast_const()) };
        match id(
            obj,
            H5Oclose,
            "dereferencing a dimension scale (H5Rdereference2)",
        )
        .and_then(|o| object_path(o.id))
        {
            Ok(p) => out.push(p),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    // SAFETY: frees the lists the library allocated in `H5Aread`, once.
    #[allow(deprecated)]
    unsafe {
        H5Dvlen_reclaim(memtype.id, space.id, H5P_DEFAULT, lists.as_mut_ptr().cast())
    };
    match failed {
        Some(e) => Err(e),
        None => Ok(Some(out)),
    }
}

fn open_attr_by_name(obj: hid_t, name: &str) -> Result<Option<Id>, String> {
    let cname = CString::new(name).map_err(|_| "a NUL in a name")?;
    // SAFETY: `obj` is open and `cname` NUL-terminated.
    if unsafe { hdf5_metno_sys::h5a::H5Aexists(obj, cname.as_ptr()) } <= 0 {
        return Ok(None);
    }
    // SAFETY: as above.
    let raw = unsafe { hdf5_metno_sys::h5a::H5Aopen(obj, cname.as_ptr(), H5P_DEFAULT) };
    id(raw, H5Aclose, "H5Aopen").map(Some)
}

/// The attributes netCDF shows (hidden ones dropped), in creation order.
fn read_attrs(obj: hid_t) -> Result<Attrs, String> {
    let all = read_all_attrs(obj)?;
    Ok(all
        .into_iter()
        .filter(|(k, _)| !HIDDEN.contains(&k.as_str()))
        .collect())
}

/// Every attribute of a number or text type, in creation order where tracked.
fn read_all_attrs(obj: hid_t) -> Result<Attrs, String> {
    // SAFETY: `obj` is an open object.
    #[allow(deprecated)]
    let n = unsafe { H5Aget_num_attrs(obj) };
    let n = hsize_t::try_from(n).map_err(|_| "H5Aget_num_attrs failed")?;
    let dot = c".";
    let open = |order, i: hsize_t| {
        // SAFETY: `obj` is open; `dot` names it.
        let raw = unsafe {
            H5Aopen_by_idx(
                obj,
                dot.as_ptr(),
                order,
                H5_ITER_INC,
                i,
                H5P_DEFAULT,
                H5P_DEFAULT,
            )
        };
        id(raw, H5Aclose, "H5Aopen_by_idx")
    };
    let order = if n == 0 || open(H5_INDEX_CRT_ORDER, 0).is_ok() {
        H5_INDEX_CRT_ORDER
    } else {
        H5_INDEX_NAME
    };
    let mut out = Attrs::new();
    for i in 0..n {
        let attr = open(order, i)?;
        // SAFETY: a null buffer asks for the length only.
        let len = unsafe { H5Aget_name(attr.id, 0, ptr::null_mut()) };
        let len = usize::try_from(len).map_err(|_| "H5Aget_name failed")?;
        let mut buf = vec![0 as c_char; len + 1];
        // SAFETY: `buf` holds `len + 1` bytes, as told.
        if unsafe { H5Aget_name(attr.id, buf.len(), buf.as_mut_ptr()) } < 0 {
            return Err("H5Aget_name failed".into());
        }
        let name = c_string(&buf);
        if name == "REFERENCE_LIST" || name == "DIMENSION_LIST" {
            continue;
        }
        if let Some(v) = attr_value(&attr).map_err(|e| format!("attribute {name}: {e}"))? {
            out.insert(name, v);
        }
    }
    Ok(out)
}

/// A number or text attribute's value; `None` for other types (dropped, as libnetcdf's
/// reader drops user-defined types).
fn attr_value(attr: &Id) -> Result<Option<AttrValue>, String> {
    // SAFETY: `attr` is an open attribute.
    let ftype = id(unsafe { H5Aget_type(attr.id) }, H5Tclose, "H5Aget_type")?;
    // SAFETY: `attr` is an open attribute.
    let space = id(unsafe { H5Aget_space(attr.id) }, H5Sclose, "H5Aget_space")?;
    // SAFETY: `space` is an open dataspace.
    let n = match unsafe { H5Sget_simple_extent_type(space.id) } {
        H5S_class_t::H5S_NULL => 0,
        // SAFETY: as above.
        _ => usize::try_from(unsafe { H5Sget_simple_extent_npoints(space.id) })
            .map_err(|_| "H5Sget_simple_extent_npoints failed")?,
    };
    // SAFETY: `ftype` is an open datatype.
    match unsafe { H5Tget_class(ftype.id) } {
        H5T_class_t::H5T_STRING => {
            if n == 0 {
                return Ok(Some(AttrValue::Str(String::new())));
            }
            // SAFETY: `ftype` is an open string type.
            if unsafe { H5Tis_variable_str(ftype.id) } > 0 {
                // As libnetcdf gives NC_STRING attributes: a list, even of one.
                let strings = read_vlen_strings(attr, &ftype, &space, n)?;
                return Ok(Some(AttrValue::Array(NdArray::from(strings))));
            }
            // SAFETY: `ftype` is an open datatype.
            let size = unsafe { H5Tget_size(ftype.id) };
            let mut buf = vec![0u8; size * n];
            // SAFETY: `buf` holds `n` elements of the file's fixed-size string type.
            if unsafe { H5Aread(attr.id, ftype.id, buf.as_mut_ptr().cast()) } < 0 {
                return Err("H5Aread failed".into());
            }
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            Ok(Some(AttrValue::Str(
                String::from_utf8_lossy(&buf[..end]).into_owned(),
            )))
        }
        H5T_class_t::H5T_INTEGER | H5T_class_t::H5T_FLOAT => {
            let Some((dtype, _, _)) = element_type(&ftype) else {
                return Ok(None);
            };
            // SAFETY: `ftype` is an open datatype.
            let native = id(
                unsafe { H5Tget_native_type(ftype.id, H5T_direction_t::H5T_DIR_ASCEND) },
                H5Tclose,
                "H5Tget_native_type",
            )?;
            let mut buf = vec![0u8; dtype.size() * n];
            // SAFETY: `buf` holds `n` elements of the native type of the same size.
            if n > 0 && unsafe { H5Aread(attr.id, native.id, buf.as_mut_ptr().cast()) } < 0 {
                return Err("H5Aread failed".into());
            }
            ne_array(dtype, &[n], &buf).map(|a| Some(AttrValue::Array(a)))
        }
        _ => Ok(None),
    }
}

fn read_vlen_strings(attr: &Id, ftype: &Id, space: &Id, n: usize) -> Result<Vec<String>, String> {
    // SAFETY: copies the library's C string type (valid after `H5open`).
    let memtype = id(unsafe { H5Tcopy(*H5T_C_S1) }, H5Tclose, "H5Tcopy")?;
    // SAFETY: `memtype` is an open string type.
    if unsafe { H5Tset_size(memtype.id, H5T_VARIABLE) } < 0 {
        return Err("H5Tset_size failed".into());
    }
    // The file's character set (ASCII or UTF-8): libhdf5 converts between neither.
    // SAFETY: `ftype` and `memtype` are open string types.
    if unsafe { H5Tset_cset(memtype.id, H5Tget_cset(ftype.id)) } < 0 {
        return Err("H5Tset_cset failed".into());
    }
    let mut ptrs: Vec<*mut c_char> = vec![ptr::null_mut(); n];
    // SAFETY: `ptrs` has room for `n` string pointers.
    if unsafe { H5Aread(attr.id, memtype.id, ptrs.as_mut_ptr().cast()) } < 0 {
        return Err("H5Aread failed".into());
    }
    let out = ptrs
        .iter()
        .map(|&p| {
            if p.is_null() {
                String::new()
            } else {
                // SAFETY: the library wrote NUL-terminated strings.
                unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
            }
        })
        .collect();
    // SAFETY: frees the strings the library allocated in `H5Aread`, once.
    #[allow(deprecated)]
    unsafe {
        H5Dvlen_reclaim(memtype.id, space.id, H5P_DEFAULT, ptrs.as_mut_ptr().cast())
    };
    Ok(out)
}

/// `bytes` (machine order) as an array of `dtype` and `shape`.
fn ne_array(dtype: DType, shape: &[usize], bytes: &[u8]) -> Result<NdArray, String> {
    fn build<T: FixedWidth>(shape: &[usize], bytes: &[u8]) -> Result<NdArray, String> {
        let values: Vec<T> = bytes.chunks_exact(T::SIZE).map(T::from_ne).collect();
        NdArray::from_shape_vec(shape, values).map_err(|e| e.to_string())
    }
    with_numeric_dtype!(dtype, |T| build::<T>(shape, bytes), other => Err(format!("no array of {other}")))
}

/// The name of member `i` of a compound or enum type.
fn member_name(t: &Id, i: u32) -> Result<String, String> {
    // SAFETY: the library allocates the name; it is freed below, once.
    let name = unsafe { H5Tget_member_name(t.id, i) };
    if name.is_null() {
        return Err("H5Tget_member_name failed".into());
    }
    // SAFETY: a NUL-terminated string from the library.
    let out = unsafe { CStr::from_ptr(name) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: allocated by the library, freed once.
    unsafe { H5free_memory(name.cast()) };
    Ok(out)
}

/// Member `member` (of type `mtype`) of every record of the compound dataset `d`, in
/// the machine's byte order.
fn read_member(
    d: &Id,
    mtype: &Id,
    member: &str,
    dtype: DType,
    extent: &[usize],
) -> Result<NdArray, String> {
    let cname = CString::new(member).map_err(|_| "a NUL in a member name")?;
    // SAFETY: `mtype` is an open datatype.
    let native = id(
        unsafe { H5Tget_native_type(mtype.id, H5T_direction_t::H5T_DIR_ASCEND) },
        H5Tclose,
        "H5Tget_native_type",
    )?;
    // A compound of that member alone: libhdf5 picks it out of each record by name.
    // SAFETY: a new compound type of one member's size.
    let memtype = id(
        unsafe { H5Tcreate(H5T_class_t::H5T_COMPOUND, dtype.size()) },
        H5Tclose,
        "H5Tcreate",
    )?;
    // SAFETY: `memtype` is open, `cname` NUL-terminated, the member at offset 0 fits.
    if unsafe { H5Tinsert(memtype.id, cname.as_ptr(), 0, native.id) } < 0 {
        return Err("H5Tinsert failed".into());
    }
    read_whole(d, &memtype, dtype, extent, &format!("member {member:?}"))
}

/// Every element of the dataset `d` read as `memtype`, a type of `dtype`'s size in the
/// machine's byte order; `what` names the values read in the error.
fn read_whole(
    d: &Id,
    memtype: &Id,
    dtype: DType,
    extent: &[usize],
    what: &str,
) -> Result<NdArray, String> {
    let n: usize = extent.iter().product();
    let mut buf = vec![0u8; n * dtype.size()];
    // SAFETY: `buf` holds `n` elements of `memtype` (`dtype.size()` bytes each).
    if n > 0
        && unsafe {
            H5Dread(
                d.id,
                memtype.id,
                H5S_ALL,
                H5S_ALL,
                H5P_DEFAULT,
                buf.as_mut_ptr().cast(),
            )
        } < 0
    {
        return Err(format!("reading {what} (H5Dread) failed"));
    }
    ne_array(dtype, extent, &buf)
}

/// For an enum type: its base integer type, its values and labels (in the type's
/// member order, as libnetcdf lists them).
fn enum_flags(t: &Id) -> Result<Option<(Id, NdArray, Vec<String>)>, String> {
    // SAFETY: `t` is an open datatype.
    if unsafe { H5Tget_class(t.id) } != H5T_class_t::H5T_ENUM {
        return Ok(None);
    }
    // SAFETY: `t` is an open enum type.
    let base = id(unsafe { H5Tget_super(t.id) }, H5Tclose, "H5Tget_super")?;
    let Some((dtype, big_endian, size)) = element_type(&base) else {
        return Ok(None);
    };
    // SAFETY: `t` is an open enum type.
    let n = u32::try_from(unsafe { H5Tget_nmembers(t.id) }).map_err(|_| "H5Tget_nmembers")?;
    let mut bytes = Vec::with_capacity(n as usize * size);
    let mut labels = Vec::with_capacity(n as usize);
    for i in 0..n {
        let mut value = vec![0u8; size];
        // SAFETY: `value` holds one element of the enum's base type.
        if unsafe { H5Tget_member_value(t.id, i, value.as_mut_ptr().cast()) } < 0 {
            return Err("H5Tget_member_value failed".into());
        }
        if big_endian != cfg!(target_endian = "big") {
            value.reverse();
        }
        bytes.extend_from_slice(&value);
        labels.push(member_name(t, i)?);
    }
    let values = ne_array(dtype, &[n as usize], &bytes)?;
    Ok(Some((base, values, labels)))
}

/// The whole dataset, in the machine's byte order.
fn read_values(d: &Id, ftype: &Id, dtype: DType, extent: &[usize]) -> Result<NdArray, String> {
    // SAFETY: `ftype` is an open datatype.
    let native = id(
        unsafe { H5Tget_native_type(ftype.id, H5T_direction_t::H5T_DIR_ASCEND) },
        H5Tclose,
        "H5Tget_native_type",
    )?;
    read_whole(d, &native, dtype, extent, "the values")
}

/// The deflate level of a dataset's pipeline (1 without deflate, as `from_netcdf`).
fn deflate_level(dcpl: &Id) -> i64 {
    let mut flags = 0;
    let mut cd: [std::os::raw::c_uint; 8] = [0; 8];
    let mut n = cd.len();
    let mut name: [c_char; 16] = [0; 16];
    let mut config = 0;
    // SAFETY: every out-pointer is a live local of the capacity told.
    let rc: herr_t = unsafe {
        H5Pget_filter_by_id2(
            dcpl.id,
            H5Z_FILTER_DEFLATE,
            &mut flags,
            &mut n,
            cd.as_mut_ptr(),
            name.len(),
            name.as_mut_ptr(),
            &mut config,
        )
    };
    if rc >= 0 && n >= 1 {
        i64::from(cd[0])
    } else {
        1
    }
}

/// A datatype's class, for errors.
fn type_name(t: &Id) -> String {
    // SAFETY: `t` is an open datatype.
    let class = unsafe { H5Tget_class(t.id) };
    match class {
        // SAFETY: as above.
        H5T_class_t::H5T_STRING if unsafe { H5Tis_variable_str(t.id) } > 0 => "string".into(),
        H5T_class_t::H5T_STRING => "char".into(),
        other => format!("HDF5 {other:?}"),
    }
}
