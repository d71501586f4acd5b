//! The Zarr v2 documents and chunk references of one variable, from a description of its
//! HDF5 storage (libhdf5's, for local files and, through range reads, for files at a
//! URL).

use std::path::Path;

use serde_json::{json, Map, Value};

use super::{Reference, References};
use crate::array::{with_numeric_dtype, ByteOrder, DType, FixedWidth, NdArray};
use crate::dataset::{AttrValue, Attrs};
use crate::error::{Error, Result};
use crate::io::chunks::filters::Filter;
use crate::io::chunks::hdf5::{chunk_counts, ChunkLoc, Layout};
use crate::io::zarr::meta::{attr_to_json, fill_value_json, to_json_text};

/// One netCDF variable as stored in an HDF5 file.
pub(super) struct StoredVariable {
    pub name: String,
    pub dims: Vec<String>,
    /// Its attributes as stored (`_FillValue` included, no netCDF/HDF5 internals).
    pub attrs: Attrs,
    /// The shape in netCDF: along an unlimited dim it may exceed the HDF5 extent.
    pub shape: Vec<usize>,
    /// The deflate level, for the `zlib` codec's metadata (decoding ignores it).
    pub deflate_level: i64,
    pub storage: Storage,
}

/// The most bytes of an unchunked variable's values a reference file inlines.
pub(super) const MAX_INLINE_BYTES: usize = 64 << 20;

/// Where a variable's values are.
pub(super) enum Storage {
    /// Chunks, with their filters and locations.
    Chunked(Layout),
    /// The values themselves (read through a library): inlined.
    Values(NdArray),
}

/// A format error naming the file and variable.
pub(super) fn var_error(file: &Path, name: &str, reason: impl Into<String>) -> Error {
    Error::Format {
        path: file.to_path_buf(),
        variable: Some(name.to_string()),
        reason: reason.into(),
    }
}

/// A group's documents, `.zgroup` and `.zattrs` (its attributes), under `path` (the
/// group's path in the file, without slashes at its ends; empty for the root); returns
/// the prefix of the group's keys (`path/`, or nothing for the root).
pub(super) fn add_group(refs: &mut References, path: &str, attrs: &Attrs) -> Result<String> {
    let prefix = match path {
        "" => String::new(),
        g => format!("{g}/"),
    };
    refs.insert(
        format!("{prefix}.zgroup"),
        Reference::Inline(br#"{"zarr_format":2}"#.to_vec()),
    );
    refs.insert(
        format!("{prefix}.zattrs"),
        Reference::Inline(attrs_json(attrs, &[])?),
    );
    Ok(prefix)
}

/// Attributes as a `.zattrs` document, with `extra` entries after them.
pub(super) fn attrs_json(attrs: &Attrs, extra: &[(&str, Value)]) -> Result<Vec<u8>> {
    let mut m = Map::new();
    for (k, v) in attrs {
        m.insert(k.clone(), attr_to_json(v)?);
    }
    for (k, v) in extra {
        m.insert((*k).to_string(), v.clone());
    }
    to_json_text(&Value::Object(m)).map_err(|e| Error::internal(format!("attributes: {e}")))
}

/// Adds the `.zattrs`, `.zarray` and chunk references of `v`, its chunks at `url`;
/// `file` names the file in errors.
pub(super) fn add_variable(
    refs: &mut References,
    file: &Path,
    url: &str,
    v: StoredVariable,
) -> Result<()> {
    let name = v.name.as_str();
    let mut attrs = v.attrs.clone();
    let has_fill = attrs.contains_key("_FillValue");
    let fill = match attrs.shift_remove("_FillValue") {
        Some(AttrValue::Array(a)) => fill_value_json(&a)?,
        Some(AttrValue::Str(s)) => {
            return Err(var_error(
                file,
                name,
                format!("_FillValue {s:?} is not a number"),
            ))
        }
        None => Value::Null,
    };
    let dims: Vec<Value> = v.dims.iter().map(|d| Value::from(d.as_str())).collect();
    refs.insert(
        format!("{name}/.zattrs"),
        Reference::Inline(attrs_json(
            &attrs,
            &[("_ARRAY_DIMENSIONS", Value::from(dims))],
        )?),
    );
    let whole: Vec<usize> = v.shape.iter().map(|&n| n.max(1)).collect();
    let zero = vec![0; v.shape.len()];
    let layout = match &v.storage {
        Storage::Chunked(layout) => layout,
        Storage::Values(values) => {
            let dtype = values.dtype();
            let zarray = zarray(
                &v.shape,
                &whole,
                dtype,
                ByteOrder::Little,
                fill,
                Vec::new(),
                None,
            )
            .map_err(|reason| var_error(file, name, reason))?;
            refs.insert(format!("{name}/.zarray"), Reference::Inline(zarray));
            if !v.shape.contains(&0) {
                let bytes = le_bytes(values).ok_or_else(|| {
                    var_error(file, name, format!("cannot inline values of type {dtype}"))
                })?;
                refs.insert(chunk_key(name, &zero), Reference::Inline(bytes));
            }
            return Ok(());
        }
    };
    let (filters, compressor) = numcodecs(&layout.filters, v.deflate_level);
    let order = if layout.big_endian {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };
    let zarray = zarray(
        &v.shape,
        &layout.chunk_shape,
        layout.dtype,
        order,
        fill,
        filters,
        compressor,
    )
    .map_err(|reason| var_error(file, name, reason))?;
    refs.insert(format!("{name}/.zarray"), Reference::Inline(zarray));
    // A variable along an unlimited dim may be shorter in HDF5 than the dim is in
    // netCDF; libnetcdf reads the rest as fill values, and so do these references.
    let counts = chunk_counts(&v.shape, &layout.chunk_shape);
    let stored = chunk_counts(&layout.shape, &layout.chunk_shape);
    let locations: Vec<Option<ChunkLoc>> = (0..counts.iter().product())
        .map(|linear| {
            let index = unravel(linear, &counts);
            if index.iter().zip(&stored).any(|(&i, &n)| i >= n) {
                return None;
            }
            let at = index
                .iter()
                .zip(&stored)
                .fold(0, |acc, (&i, &n)| acc * n + i);
            layout.chunks.get(at).copied().flatten()
        })
        .collect();
    // Without a `_FillValue` attribute the Zarr fill value stays unset (xarray would
    // take it as `_FillValue` and mask), so unwritten chunks holding HDF5's fill value
    // (netCDF's default fill) are referenced as an encoded chunk of it.
    let unwritten = locations.iter().filter(|c| c.is_none()).count();
    let fill_chunk = if has_fill || unwritten == 0 || layout.fill.iter().all(|&b| b == 0) {
        None
    } else {
        let chunk = encode_fill_chunk(&layout.fill, &layout.chunk_shape, &layout.filters)
            .map_err(|reason| var_error(file, name, reason))?;
        if chunk.len().saturating_mul(unwritten) > MAX_FILL_BYTES {
            return Err(var_error(
                file,
                name,
                format!(
                    "{unwritten} chunks are unwritten and there is no _FillValue attribute: \
                     their netCDF default fill cannot be referenced compactly"
                ),
            ));
        }
        Some(chunk)
    };
    for (linear, loc) in locations.iter().enumerate() {
        let index = unravel(linear, &counts);
        let Some(loc) = loc else {
            if let Some(chunk) = &fill_chunk {
                refs.insert(chunk_key(name, &index), Reference::Inline(chunk.clone()));
            }
            continue;
        };
        if loc.filter_mask != 0 {
            return Err(var_error(
                file,
                name,
                format!(
                    "chunk {index:?} is stored with filters skipped (mask {:#x}), which a \
                     Zarr v2 reference cannot describe",
                    loc.filter_mask
                ),
            ));
        }
        refs.insert(
            chunk_key(name, &index),
            Reference::Range {
                url: url.to_string(),
                offset: loc.addr,
                length: loc.size,
            },
        );
    }
    Ok(())
}

/// The most bytes of encoded fill chunks one variable's references may inline.
const MAX_FILL_BYTES: usize = 16 << 20;

/// One chunk of `fill` (one element, file byte order) encoded through `pipeline`, as
/// HDF5 would store it.
fn encode_fill_chunk(
    fill: &[u8],
    chunk_shape: &[usize],
    pipeline: &[Filter],
) -> std::result::Result<Vec<u8>, String> {
    use std::io::Write as _;
    let n: usize = chunk_shape.iter().product();
    let mut bytes: Vec<u8> = fill.repeat(n);
    for f in pipeline {
        bytes = match *f {
            Filter::Shuffle(size) if size > 1 && bytes.len() >= size => {
                let count = bytes.len() / size;
                let mut out = bytes.clone();
                for (i, elem) in bytes[..count * size].chunks_exact(size).enumerate() {
                    for (b, &x) in elem.iter().enumerate() {
                        out[b * count + i] = x;
                    }
                }
                out
            }
            Filter::Shuffle(_) => bytes,
            Filter::Deflate => {
                let mut z =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(1));
                z.write_all(&bytes).map_err(|e| format!("deflate: {e}"))?;
                z.finish().map_err(|e| format!("deflate: {e}"))?
            }
            Filter::Fletcher32 => {
                let sum = crate::io::chunks::fletcher32(&bytes);
                bytes.extend_from_slice(&sum.to_le_bytes());
                bytes
            }
            Filter::Zstd => zstd::bulk::compress(&bytes, 0).map_err(|e| format!("zstd: {e}"))?,
        };
    }
    Ok(bytes)
}

/// The HDF5 pipeline (write order) as numcodecs: a trailing compressor is the
/// `compressor`, everything before it `filters` (Zarr v2 decodes the compressor first,
/// then the filters backwards: HDF5's order).
fn numcodecs(pipeline: &[Filter], level: i64) -> (Vec<Value>, Option<Value>) {
    let mut codecs: Vec<Value> = pipeline
        .iter()
        .map(|f| match f {
            Filter::Deflate => json!({"id": "zlib", "level": level}),
            Filter::Shuffle(n) => json!({"id": "shuffle", "elementsize": n}),
            Filter::Fletcher32 => json!({"id": "fletcher32"}),
            // The level does not matter for decoding; HDF5's is not kept.
            Filter::Zstd => json!({"id": "zstd", "level": 0}),
        })
        .collect();
    let compressor = match pipeline.last() {
        Some(Filter::Deflate | Filter::Zstd) => codecs.pop(),
        _ => None,
    };
    (codecs, compressor)
}

/// The HDF5 filter a numcodecs codec of [`numcodecs`] stands for (its inverse); `None`
/// for any other codec.
pub(in crate::io::zarr) fn hdf5_filter(codec: &Value) -> Option<Filter> {
    Some(match codec.get("id")?.as_str()? {
        "zlib" => Filter::Deflate,
        // numcodecs' default element size.
        "shuffle" => Filter::Shuffle(
            usize::try_from(codec.get("elementsize").map_or(Some(4), Value::as_u64)?).ok()?,
        ),
        "fletcher32" => Filter::Fletcher32,
        "zstd" => Filter::Zstd,
        _ => return None,
    })
}

/// A Zarr v2 `.zarray` document; `Err` says why the dtype has none.
fn zarray(
    shape: &[usize],
    chunks: &[usize],
    dtype: DType,
    order: ByteOrder,
    fill: Value,
    filters: Vec<Value>,
    compressor: Option<Value>,
) -> std::result::Result<Vec<u8>, String> {
    let dtype_name = dtype
        .zarr_v2_name(order)
        .ok_or_else(|| format!("its type {dtype} has no Zarr v2 dtype"))?;
    let doc = json!({
        "chunks": chunks,
        "compressor": compressor,
        "dtype": dtype_name,
        "fill_value": fill,
        "filters": if filters.is_empty() { Value::Null } else { Value::from(filters) },
        "order": "C",
        "shape": shape,
        "zarr_format": 2,
    });
    serde_json::to_vec(&doc).map_err(|e| e.to_string())
}

/// The grid index of row-major chunk number `linear`.
fn unravel(mut linear: usize, counts: &[usize]) -> Vec<usize> {
    let mut index = vec![0; counts.len()];
    for d in (0..counts.len()).rev() {
        index[d] = linear % counts[d].max(1);
        linear /= counts[d].max(1);
    }
    index
}

/// `name/i.j.k` (`name/0` for a 0-d array), Zarr v2's chunk key.
fn chunk_key(name: &str, index: &[usize]) -> String {
    if index.is_empty() {
        return format!("{name}/0");
    }
    let parts: Vec<String> = index.iter().map(usize::to_string).collect();
    format!("{name}/{}", parts.join("."))
}

/// The values in row-major order as little-endian bytes (numbers only).
fn le_bytes(values: &NdArray) -> Option<Vec<u8>> {
    fn put<T: FixedWidth>(values: &NdArray) -> Option<Vec<u8>> {
        let a = values.as_array::<T>()?;
        let mut out = Vec::with_capacity(a.len() * T::SIZE);
        for &x in a.iter() {
            x.put_le(&mut out);
        }
        Some(out)
    }
    with_numeric_dtype!(values.dtype(), |T| put::<T>(values), _ => None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hdf5_filters_and_their_numcodecs_map_both_ways() {
        let pipeline = [Filter::Shuffle(4), Filter::Fletcher32, Filter::Deflate];
        let (filters, compressor) = numcodecs(&pipeline, 1);
        let back: Vec<Option<Filter>> =
            filters.iter().chain(&compressor).map(hdf5_filter).collect();
        assert_eq!(back, pipeline.map(Some));
        assert_eq!(
            hdf5_filter(&json!({"id": "zstd", "level": 3})),
            Some(Filter::Zstd)
        );
        assert_eq!(
            hdf5_filter(&json!({"id": "shuffle"})),
            Some(Filter::Shuffle(4))
        );
        assert_eq!(hdf5_filter(&json!({"id": "gzip", "level": 1})), None);
        assert_eq!(hdf5_filter(&json!({"level": 1})), None);
    }
}
