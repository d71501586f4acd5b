//! The one place that talks to libhdf5: a variable's chunk index, filter pipeline, dtype,
//! shape and fill value, read once under the process-wide HDF5 lock.
//
// `unsafe` is allowed in this module only: the HDF5 C API has no safe binding in the
// dependency tree (we take `hdf5-metno-sys`, the binding `netcdf` links, so there is one
// HDF5 in the process). Each unsafe block is one C call with its pointers checked here.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::path::Path;
use std::ptr;

use hdf5_metno_sys::h5::{haddr_t, herr_t, hsize_t, HADDR_UNDEF};
use hdf5_metno_sys::h5d::{
    H5D_fill_value_t, H5D_layout_t, H5Dclose, H5Dget_chunk_info_by_coord, H5Dget_create_plist,
    H5Dget_num_chunks, H5Dget_space, H5Dget_type, H5Dopen2, H5Dread,
};
use hdf5_metno_sys::h5e::{H5E_auto2_t, H5Eget_auto2, H5Eset_auto2, H5E_DEFAULT};
use hdf5_metno_sys::h5f::{H5Fclose, H5Fopen, H5F_ACC_RDONLY};
use hdf5_metno_sys::h5i::hid_t;
use hdf5_metno_sys::h5l::H5Lexists;
use hdf5_metno_sys::h5p::{
    H5Pclose, H5Pfill_value_defined, H5Pget_chunk, H5Pget_fill_value, H5Pget_filter2,
    H5Pget_layout, H5Pget_nfilters, H5P_DEFAULT,
};
use hdf5_metno_sys::h5s::{
    H5S_class_t, H5S_seloper_t, H5Sclose, H5Screate, H5Screate_simple, H5Sget_simple_extent_dims,
    H5Sget_simple_extent_ndims, H5Sget_simple_extent_type, H5Sselect_hyperslab,
};
use hdf5_metno_sys::h5t::{
    H5T_class_t, H5T_order_t, H5T_sign_t, H5T_str_t, H5Tclose, H5Tget_class, H5Tget_offset,
    H5Tget_order, H5Tget_precision, H5Tget_sign, H5Tget_size, H5Tget_strpad, H5Tis_variable_str,
};

use super::filters::Filter;
use crate::array::DType;

mod btree1;
#[cfg(feature = "remote")]
pub(crate) mod tree;
#[cfg(feature = "remote")]
pub(crate) mod vfd;

/// Where one stored chunk lives in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChunkLoc {
    /// Byte offset in the file.
    pub addr: u64,
    /// Stored (filtered) size in bytes.
    pub size: u64,
    /// Bit `i` set: filter `i` of the pipeline was skipped for this chunk.
    pub filter_mask: u32,
}

/// Everything needed to decode a variable's chunks without the library.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub shape: Vec<usize>,
    pub chunk_shape: Vec<usize>,
    pub dtype: DType,
    pub big_endian: bool,
    /// The pipeline in write order (decode runs it backwards).
    pub filters: Vec<Filter>,
    /// One element of the fill value, in the file's byte order.
    pub fill: Vec<u8>,
    /// Per chunk of the grid (row-major), its location, or `None` when never written.
    pub chunks: Vec<Option<ChunkLoc>>,
}

/// What asking the library gave: a layout, or why this reader does not decode it.
#[derive(Debug)]
pub(crate) enum Probe {
    Layout(Layout),
    Unsupported(String),
}

/// An HDF5 id closed on drop (while the caller still holds the lock).
struct Id {
    id: hid_t,
    close: unsafe extern "C" fn(hid_t) -> herr_t,
}

impl Drop for Id {
    fn drop(&mut self) {
        // SAFETY: `id` came from a successful open/get call of the kind `close` ends, and
        // is closed exactly once, here.
        unsafe { (self.close)(self.id) };
    }
}

fn id(raw: hid_t, close: unsafe extern "C" fn(hid_t) -> herr_t, what: &str) -> Result<Id, String> {
    if raw < 0 {
        Err(format!("libhdf5: {what} failed"))
    } else {
        Ok(Id { id: raw, close })
    }
}

/// Silences HDF5's automatic error printing while it lives, then restores it.
struct QuietErrors {
    func: H5E_auto2_t,
    data: *mut c_void,
}

impl QuietErrors {
    fn new() -> Self {
        let mut func: H5E_auto2_t = None;
        let mut data: *mut c_void = ptr::null_mut();
        // SAFETY: both out-pointers point to live locals of the right types.
        unsafe { H5Eget_auto2(H5E_DEFAULT, &mut func, &mut data) };
        // SAFETY: a null handler turns printing off; no pointer is kept.
        unsafe { H5Eset_auto2(H5E_DEFAULT, None, ptr::null_mut()) };
        QuietErrors { func, data }
    }
}

impl Drop for QuietErrors {
    fn drop(&mut self) {
        // SAFETY: restores the handler and data HDF5 itself gave us in `new`.
        unsafe { H5Eset_auto2(H5E_DEFAULT, self.func, self.data) };
    }
}

/// Turns off HDF5's printing of error stacks to stderr for the calling thread.
///
/// libnetcdf 4.9.0 probes optional attributes (`_QuantizeBitGroom...`) on every variable
/// it opens, and each miss prints an HDF5 error stack; xr reports real errors itself.
#[cfg(feature = "netcdf")]
pub(crate) fn silence_diagnostics() {
    let _lock = hdf5_metno_sys::LOCK.lock();
    // SAFETY: setting the default stack's handler to none is always valid.
    unsafe { H5Eset_auto2(H5E_DEFAULT, None, ptr::null_mut()) };
}

/// Reads the layout of the dataset `var_path` in `path`.
///
/// `Err` carries a reason without the file or variable name (the caller adds them).
pub(crate) fn probe(path: &Path, var_path: &str) -> Result<Probe, String> {
    // The HDF5 lock `netcdf` itself takes: no other thread is inside libhdf5 or libnetcdf
    // while we are. Ids are declared after the guard so they close before it unlocks.
    let _lock = hdf5_metno_sys::LOCK.lock();
    let _quiet = QuietErrors::new();
    let Some((_file, dset)) = open_dataset(path, var_path)? else {
        return Ok(Probe::Unsupported(format!(
            "no HDF5 dataset at {var_path:?}"
        )));
    };
    match std::fs::File::open(path) {
        Ok(file) => probe_dataset(&dset, Some(&reader(&file))),
        Err(_) => probe_dataset(&dset, None),
    }
}

/// Reads a local file's bytes for [`btree1`].
fn reader(file: &std::fs::File) -> impl Fn(u64, &mut [u8]) -> Option<()> + '_ {
    |addr, buf| {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(buf, addr).ok()
    }
}

/// The file and the dataset at `var_path` in it, open read-only; `None` when there is no
/// such dataset. The caller holds the HDF5 lock.
fn open_dataset(path: &Path, var_path: &str) -> Result<Option<(Id, Id)>, String> {
    let cpath = CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| "the path contains a NUL byte".to_string())?;
    let cvar =
        CString::new(var_path).map_err(|_| "the variable path contains a NUL byte".to_string())?;
    // SAFETY: `cpath` is a NUL-terminated string that outlives the call.
    let raw = unsafe { H5Fopen(cpath.as_ptr(), H5F_ACC_RDONLY, H5P_DEFAULT) };
    let file = id(raw, H5Fclose, "opening the file (H5Fopen)")?;
    // SAFETY: `file` is open and `cvar` is NUL-terminated.
    let exists = unsafe { H5Lexists(file.id, cvar.as_ptr(), H5P_DEFAULT) };
    if exists <= 0 {
        return Ok(None);
    }
    // SAFETY: as above.
    let raw = unsafe { H5Dopen2(file.id, cvar.as_ptr(), H5P_DEFAULT) };
    let dset = id(raw, H5Dclose, "opening the dataset (H5Dopen2)")?;
    Ok(Some((file, dset)))
}

/// The values at `start`, `count` (row-major) of the dataset `var_path` when its type is
/// a fixed-length string: each its stored bytes up to the padding (the first NUL, or the
/// trailing spaces of a space-padded type). `None` when the dataset is not of that type.
///
/// For libnetcdf before 4.9.1, which reads an array of such strings as its first value
/// followed by empty ones (Unidata/netcdf-c#2159).
pub(crate) fn read_fixed_strings(
    path: &Path,
    var_path: &str,
    start: &[usize],
    count: &[usize],
) -> Result<Option<Vec<Vec<u8>>>, String> {
    let _lock = hdf5_metno_sys::LOCK.lock();
    let _quiet = QuietErrors::new();
    let Some((_file, dset)) = open_dataset(path, var_path)? else {
        return Ok(None);
    };
    // SAFETY: `dset` is an open dataset.
    let dtype = id(unsafe { H5Dget_type(dset.id) }, H5Tclose, "H5Dget_type")?;
    // SAFETY (both calls): `dtype` is an open datatype.
    let fixed = unsafe { H5Tget_class(dtype.id) } == H5T_class_t::H5T_STRING
        && unsafe { H5Tis_variable_str(dtype.id) } == 0;
    if !fixed {
        return Ok(None);
    }
    // SAFETY: `dtype` is an open datatype.
    let size = unsafe { H5Tget_size(dtype.id) };
    // SAFETY: `dtype` is an open string datatype.
    let space_padded = unsafe { H5Tget_strpad(dtype.id) } == H5T_str_t::H5T_STR_SPACEPAD;
    let n: usize = count.iter().product();
    let mut buf = vec![0u8; n * size];
    if n > 0 {
        let to_h = |v: &[usize]| v.iter().map(|&x| x as hsize_t).collect::<Vec<hsize_t>>();
        let (h_start, h_count) = (to_h(start), to_h(count));
        // SAFETY: `dset` is an open dataset.
        let file_space = id(unsafe { H5Dget_space(dset.id) }, H5Sclose, "H5Dget_space")?;
        let mem_space = if count.is_empty() {
            // SAFETY: a plain call.
            id(
                unsafe { H5Screate(H5S_class_t::H5S_SCALAR) },
                H5Sclose,
                "H5Screate",
            )?
        } else {
            // SAFETY: `file_space` is open; `h_start` and `h_count` hold its rank of values
            // (the caller's region has the dataset's rank); null stride and block are 1s.
            let selected = unsafe {
                H5Sselect_hyperslab(
                    file_space.id,
                    H5S_seloper_t::H5S_SELECT_SET,
                    h_start.as_ptr(),
                    ptr::null(),
                    h_count.as_ptr(),
                    ptr::null(),
                )
            };
            if selected < 0 {
                return Err("H5Sselect_hyperslab failed".into());
            }
            let rank = c_int::try_from(count.len()).map_err(|_| "rank too large")?;
            // SAFETY: `h_count` holds `rank` values; null max dims means the same.
            let raw = unsafe { H5Screate_simple(rank, h_count.as_ptr(), ptr::null()) };
            id(raw, H5Sclose, "H5Screate_simple")?
        };
        // SAFETY: `buf` holds the `n` selected elements of `size` bytes each, the memory
        // type being the file's own fixed-length string type.
        let read = unsafe {
            H5Dread(
                dset.id,
                dtype.id,
                mem_space.id,
                file_space.id,
                H5P_DEFAULT,
                buf.as_mut_ptr().cast(),
            )
        };
        if read < 0 {
            return Err("reading the strings (H5Dread) failed".into());
        }
    }
    let values = buf
        .chunks(size.max(1))
        .take(n)
        .map(|s| {
            let s = &s[..s.iter().position(|&b| b == 0).unwrap_or(s.len())];
            let end = if space_padded {
                s.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1)
            } else {
                s.len()
            };
            s[..end].to_vec()
        })
        .collect();
    Ok(Some(values))
}

/// Reads the layout of the open dataset `dset` (the caller holds the HDF5 lock); `read`
/// reads its file's bytes, for the chunk index (see [`chunk_index`]).
fn probe_dataset(dset: &Id, read: Option<btree1::ReadAt<'_>>) -> Result<Probe, String> {
    // SAFETY: `dset` is an open dataset.
    let dtype_id = id(unsafe { H5Dget_type(dset.id) }, H5Tclose, "H5Dget_type")?;
    let Some((dtype, big_endian, elem_size)) = element_type(&dtype_id) else {
        return Ok(Probe::Unsupported(
            "element type is not a plain integer or IEEE float".into(),
        ));
    };

    // SAFETY: `dset` is an open dataset.
    let space = id(unsafe { H5Dget_space(dset.id) }, H5Sclose, "H5Dget_space")?;
    // SAFETY: `space` is an open dataspace.
    if unsafe { H5Sget_simple_extent_type(space.id) } != H5S_class_t::H5S_SIMPLE {
        return Ok(Probe::Unsupported("not a simple (N-D) dataspace".into()));
    }
    // SAFETY: `space` is an open dataspace.
    let ndims = unsafe { H5Sget_simple_extent_ndims(space.id) };
    let ndims = usize::try_from(ndims).map_err(|_| "H5Sget_simple_extent_ndims failed")?;
    let mut dims: Vec<hsize_t> = vec![0; ndims];
    // SAFETY: `dims` has room for `ndims` values; the max-dims pointer may be null.
    if unsafe { H5Sget_simple_extent_dims(space.id, dims.as_mut_ptr(), ptr::null_mut()) } < 0 {
        return Err("H5Sget_simple_extent_dims failed".into());
    }

    // SAFETY: `dset` is an open dataset.
    let dcpl = id(
        unsafe { H5Dget_create_plist(dset.id) },
        H5Pclose,
        "H5Dget_create_plist",
    )?;
    // SAFETY: `dcpl` is an open dataset creation property list.
    let layout = unsafe { H5Pget_layout(dcpl.id) };
    if layout != H5D_layout_t::H5D_CHUNKED {
        return Ok(Probe::Unsupported(format!(
            "storage layout is {layout:?}, not chunked"
        )));
    }
    let mut cdims: Vec<hsize_t> = vec![0; ndims];
    let rank = c_int::try_from(ndims).map_err(|_| "too many dimensions")?;
    // SAFETY: `cdims` has room for `rank` values.
    if unsafe { H5Pget_chunk(dcpl.id, rank, cdims.as_mut_ptr()) } != rank {
        return Err("H5Pget_chunk failed".into());
    }

    let mut filters = Vec::new();
    // SAFETY: `dcpl` is an open dataset creation property list.
    let nfilters = unsafe { H5Pget_nfilters(dcpl.id) };
    for i in 0..c_uint::try_from(nfilters).map_err(|_| "H5Pget_nfilters failed")? {
        let mut flags: c_uint = 0;
        let mut cd_values: [c_uint; 16] = [0; 16];
        let mut cd_nelmts: usize = cd_values.len();
        let mut name: [c_char; 64] = [0; 64];
        let mut config: c_uint = 0;
        // SAFETY: every out-pointer points to a live local; `cd_nelmts` and the name
        // length tell the library the capacity of `cd_values` and `name`.
        let filter_id = unsafe {
            H5Pget_filter2(
                dcpl.id,
                i,
                &mut flags,
                &mut cd_nelmts,
                cd_values.as_mut_ptr(),
                name.len(),
                name.as_mut_ptr(),
                &mut config,
            )
        };
        let cd = &cd_values[..cd_nelmts.min(cd_values.len())];
        match Filter::from_hdf5(filter_id, cd, elem_size) {
            Some(f) => filters.push(f),
            None => {
                return Ok(Probe::Unsupported(format!(
                    "filter {filter_id} (cd_values {cd:?}) is not one this reader decodes"
                )))
            }
        }
    }

    let mut fill = vec![0u8; elem_size];
    let mut status = H5D_fill_value_t::H5D_FILL_VALUE_UNDEFINED;
    // SAFETY: `status` is a live local.
    if unsafe { H5Pfill_value_defined(dcpl.id, &mut status) } < 0 {
        return Err("H5Pfill_value_defined failed".into());
    }
    if status != H5D_fill_value_t::H5D_FILL_VALUE_UNDEFINED {
        // SAFETY: `fill` holds one element of the dataset's own type, which is the memory
        // type asked for, so the library writes exactly `elem_size` bytes.
        let rc = unsafe { H5Pget_fill_value(dcpl.id, dtype_id.id, fill.as_mut_ptr().cast()) };
        if rc < 0 {
            return Err("H5Pget_fill_value failed".into());
        }
    }

    let shape: Vec<usize> = dims.iter().map(|&d| d as usize).collect();
    let chunk_shape: Vec<usize> = cdims.iter().map(|&d| d as usize).collect();
    if chunk_shape.contains(&0) {
        return Err(format!("chunk shape {chunk_shape:?} has a zero"));
    }
    let chunks = chunk_index(dset, &space, &shape, &chunk_shape, read)?;
    Ok(Probe::Layout(Layout {
        shape,
        chunk_shape,
        dtype,
        big_endian,
        filters,
        fill,
        chunks,
    }))
}

/// The dtype, byte order and size of a plain integer or IEEE float type.
fn element_type(t: &Id) -> Option<(DType, bool, usize)> {
    // SAFETY (all calls below): `t` is an open datatype.
    let class = unsafe { H5Tget_class(t.id) };
    let size = unsafe { H5Tget_size(t.id) };
    let precision = unsafe { H5Tget_precision(t.id) };
    let offset = unsafe { H5Tget_offset(t.id) };
    let order = unsafe { H5Tget_order(t.id) };
    if precision != size * 8 || offset != 0 {
        return None;
    }
    let big_endian = match order {
        H5T_order_t::H5T_ORDER_LE => false,
        H5T_order_t::H5T_ORDER_BE => true,
        _ => return None,
    };
    let dtype = match class {
        H5T_class_t::H5T_FLOAT => DType::float(size)?,
        H5T_class_t::H5T_INTEGER => {
            // SAFETY: `t` is an open integer datatype.
            let signed = match unsafe { H5Tget_sign(t.id) } {
                H5T_sign_t::H5T_SGN_NONE => false,
                H5T_sign_t::H5T_SGN_2 => true,
                _ => return None,
            };
            DType::integer(size, signed)?
        }
        _ => return None,
    };
    Some((dtype, big_endian, size))
}

/// The location of every written chunk: from the file's B-tree in one walk when `read`
/// reads the file and the dataset is stored as [`btree1`] reads it; else looked up by
/// coordinate through libhdf5, which in 1.10 rescans the index for each chunk, so that
/// the cost grows with the square of the chunks.
fn chunk_index(
    dset: &Id,
    space: &Id,
    shape: &[usize],
    chunk_shape: &[usize],
    read: Option<btree1::ReadAt<'_>>,
) -> Result<Vec<Option<ChunkLoc>>, String> {
    if let Some(index) = read.and_then(|read| walked_index(dset, read, shape, chunk_shape)) {
        return Ok(index);
    }
    let counts = chunk_counts(shape, chunk_shape);
    let total: usize = counts.iter().product();
    let mut out = vec![None; total];
    let mut written: hsize_t = 0;
    // SAFETY: `dset` and `space` are open; `written` is a live local.
    if unsafe { H5Dget_num_chunks(dset.id, space.id, &mut written) } < 0 {
        return Err("H5Dget_num_chunks failed".into());
    }
    if written == 0 {
        return Ok(out);
    }
    let mut offset: Vec<hsize_t> = vec![0; shape.len()];
    for (linear, slot) in out.iter_mut().enumerate() {
        let mut rest = linear;
        for d in (0..counts.len()).rev() {
            offset[d] = ((rest % counts[d]) * chunk_shape[d]) as hsize_t;
            rest /= counts[d];
        }
        let mut mask: c_uint = 0;
        let mut addr: haddr_t = HADDR_UNDEF;
        let mut size: hsize_t = 0;
        // SAFETY: `offset` has one entry per dimension; the out-pointers are live locals.
        let rc = unsafe {
            H5Dget_chunk_info_by_coord(dset.id, offset.as_ptr(), &mut mask, &mut addr, &mut size)
        };
        if rc < 0 {
            return Err(format!(
                "H5Dget_chunk_info_by_coord failed at element {offset:?}"
            ));
        }
        if addr != HADDR_UNDEF {
            *slot = Some(ChunkLoc {
                addr,
                size,
                filter_mask: mask,
            });
        }
    }
    Ok(out)
}

/// The chunks along each dimension of `shape` cut in chunks of `chunk_shape` (the last
/// ones cut short).
pub(crate) fn chunk_counts(shape: &[usize], chunk_shape: &[usize]) -> Vec<usize> {
    shape
        .iter()
        .zip(chunk_shape)
        .map(|(&n, &c)| n.div_ceil(c))
        .collect()
}

/// The chunk index of `dset` read by walking its B-tree in the file ([`btree1`]);
/// `None` when the walk gives up (the caller holds the HDF5 lock).
fn walked_index(
    dset: &Id,
    read: btree1::ReadAt<'_>,
    shape: &[usize],
    chunk_shape: &[usize],
) -> Option<Vec<Option<ChunkLoc>>> {
    let header = object_address(dset)?;
    btree1::chunk_index(read, header, chunk_shape, &chunk_counts(shape, chunk_shape))
}

/// The address of the object header of `dset` (the caller holds the HDF5 lock).
fn object_address(dset: &Id) -> Option<u64> {
    let mut info = hdf5_metno_sys::h5o::H5O_info1_t::default();
    // SAFETY: `dset` is open and `info` is a live local of the type the call fills.
    #[allow(deprecated)] // the one call that gives the address in every version
    let rc = unsafe { hdf5_metno_sys::h5o::H5Oget_info1(dset.id, &mut info) };
    (rc >= 0 && info.addr != HADDR_UNDEF).then_some(info.addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hdf5_plain.h5")
    }

    /// h5py's `S3` dataset `["ab", "cde", ""]` (tests/golden/make_hdf5_golden.py), read
    /// whole and in part; a variable-length string dataset and a missing one are not
    /// fixed-length strings.
    #[test]
    fn fixed_length_strings_read_through_libhdf5() {
        let read = |var: &str, start: &[usize], count: &[usize]| {
            read_fixed_strings(&fixture(), var, start, count).unwrap_or_else(|e| panic!("{e}"))
        };
        let all = read("/fixed", &[0], &[3]).map(|v| {
            v.into_iter()
                .map(|b| String::from_utf8(b).unwrap_or_default())
                .collect::<Vec<_>>()
        });
        assert_eq!(all, Some(vec!["ab".into(), "cde".into(), String::new()]));
        assert_eq!(read("/fixed", &[1], &[1]), Some(vec![b"cde".to_vec()]));
        assert_eq!(read("/fixed", &[1], &[0]), Some(vec![]));
        assert_eq!(read("/vlen", &[0], &[3]), None);
        assert_eq!(read("/nothing", &[0], &[1]), None);
    }

    type Index = Vec<Option<ChunkLoc>>;

    /// The chunk index of `var` in `path` as libhdf5 gives it chunk by chunk, and as
    /// the B-tree walk reads it (`None` when the walk gave up); `None` when `path` is not
    /// an HDF5 file or `var` not a chunked dataset of numbers in it.
    fn both_indexes(path: &Path, var: &str) -> Option<(Index, Option<Index>)> {
        let _lock = hdf5_metno_sys::LOCK.lock();
        let (_quiet, mut found) = (QuietErrors::new(), None);
        if let Ok(Some(ids)) = open_dataset(path, var) {
            found = Some(ids);
        }
        let (_file, dset) = found?;
        let Probe::Layout(layout) = probe_dataset(&dset, None).unwrap_or_else(|e| panic!("{e}"))
        else {
            return None;
        };
        let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{e}"));
        let walked = walked_index(&dset, &reader(&file), &layout.shape, &layout.chunk_shape);
        Some((layout.chunks, walked))
    }

    /// The B-tree walk finds the chunks libhdf5 finds, chunk by chunk: in NetCDF-4 files
    /// of one to three dimensions, chunks that were never written, edge chunks cut by the
    /// shape, an unlimited dimension, and enough chunks for a tree of more than one
    /// level; and in every chunked variable of the NetCDF-4 files among the test data. A
    /// file with bytes flipped makes it give up or give an index of the grid's size.
    #[cfg(feature = "netcdf")]
    #[test]
    fn the_btree_walk_finds_the_chunks_libhdf5_finds() {
        let path = std::env::temp_dir().join(format!("xr-btree1-{}.nc", std::process::id()));
        {
            let mut f = netcdf::create(&path).unwrap_or_else(|e| panic!("{e}"));
            f.add_dimension("t", 37).unwrap();
            f.add_dimension("y", 3).unwrap();
            f.add_dimension("x", 4).unwrap();
            f.add_dimension("n", 3000).unwrap();
            f.add_dimension("r", 23).unwrap();
            f.add_dimension("c", 7).unwrap();
            f.add_unlimited_dimension("u").unwrap();
            let mut v = f.add_variable::<f32>("cube", &["t", "y", "x"]).unwrap();
            v.set_chunking(&[1, 3, 4]).unwrap();
            v.set_compression(1, true).unwrap();
            // Steps 20..25 and 30.. never written.
            for (lo, hi) in [(0, 20), (25, 30)] {
                let values: Vec<f32> = (0..(hi - lo) * 12).map(|i| i as f32).collect();
                v.put_values(&values, [lo..hi, 0..3, 0..4]).unwrap();
            }
            let mut v = f.add_variable::<i32>("long", &["n"]).unwrap();
            v.set_chunking(&[1]).unwrap();
            let values: Vec<i32> = (0..3000).collect();
            v.put_values(&values, netcdf::Extents::All).unwrap();
            let mut v = f.add_variable::<f64>("edges", &["r", "c"]).unwrap();
            v.set_chunking(&[5, 2]).unwrap();
            v.set_compression(4, false).unwrap();
            let values: Vec<f64> = (0..23 * 7).map(f64::from).collect();
            v.put_values(&values, [0..23, 0..7]).unwrap();
            let mut v = f.add_variable::<i16>("grows", &["u", "x"]).unwrap();
            v.set_chunking(&[2, 4]).unwrap();
            v.put_values(&[1i16; 20], [0..5, 0..4]).unwrap();
        }
        for var in ["cube", "long", "edges", "grows"] {
            let (api, walked) = both_indexes(&path, var).unwrap_or_else(|| panic!("{var}"));
            assert_eq!(walked.as_ref(), Some(&api), "{var}");
            assert!(api.iter().any(Option::is_some), "{var} has chunks");
        }
        let (cube, _) = both_indexes(&path, "cube").unwrap_or_else(|| panic!("cube"));
        let unwritten: Vec<usize> = (0..37).filter(|&i| cube[i].is_none()).collect();
        assert_eq!(unwritten, (20..25).chain(30..37).collect::<Vec<_>>());
        // Bytes flipped anywhere: the walk gives up or gives an index of the grid's size,
        // and never panics.
        let header = {
            let _lock = hdf5_metno_sys::LOCK.lock();
            let (_file, dset) = open_dataset(&path, "long")
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("long"));
            object_address(&dset).unwrap_or_else(|| panic!("no address"))
        };
        let bytes = std::fs::read(&path).unwrap();
        let mut state = 2026u64;
        for _ in 0..300 {
            let mut bad = bytes.clone();
            for _ in 0..3 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let at = usize::try_from(state >> 33).unwrap() % bad.len();
                bad[at] ^= u8::try_from(state >> 56).unwrap() | 1;
            }
            let read = |addr: u64, buf: &mut [u8]| {
                let at = usize::try_from(addr).ok()?;
                buf.copy_from_slice(bad.get(at..at.checked_add(buf.len())?)?);
                Some(())
            };
            if let Some(index) = btree1::chunk_index(&read, header, &[1], &[3000]) {
                assert_eq!(index.len(), 3000);
            }
        }
        std::fs::remove_file(&path).unwrap();

        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        let mut walked_some = 0;
        for entry in std::fs::read_dir(&data).unwrap_or_else(|e| panic!("{e}")) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            // NetCDF-4 files only: libhdf5 1.10 leaks ids when it fails to open a file,
            // and then loops at exit.
            let head = std::fs::read(&path).unwrap_or_default();
            if path.extension().is_none_or(|e| e != "nc") || !head.starts_with(b"\x89HDF") {
                continue;
            }
            let Ok(file) = netcdf::open(&path) else {
                continue;
            };
            let names: Vec<String> = file.variables().map(|v| v.name()).collect();
            drop(file);
            for var in names {
                if let Some((api, Some(walked))) = both_indexes(&path, &var) {
                    assert_eq!(walked, api, "{} {var}", path.display());
                    walked_some += 1;
                }
            }
        }
        assert!(walked_some >= 10, "only {walked_some} variables walked");
    }
}
