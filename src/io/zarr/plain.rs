//! Zarr v2 arrays stored with HDF5's own filters (numcodecs `zlib` and `shuffle`, what
//! kerchunk references to NetCDF-4 files hold, and what many Zarr v2 stores use), read
//! as the direct chunk reader reads a local file: each chunk inflated by libdeflate and
//! unshuffled in the same pass that writes its values into the output, in parallel.
//! zarrs' codec chain decodes a chunk into bytes, copies them into a typed vector and
//! that into the output, which cost a reference read of a 226 MB NetCDF-4 file a fifth
//! of its time (`bench/remote/`).
//!
//! Only reads of whole rows (every dimension but the first whole, as the direct reader
//! asks) take this path, and only when every chunk they cover is stored; anything else
//! goes through zarrs, whose answers and errors stand.

use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;
use zarrs::array::{Array, ArrayMetadata};
use zarrs::storage::ReadableStorageTraits;

use crate::array::{with_numeric_dtype, ByteOrder, DType, Element, FixedWidth, NdArray};
use crate::io::chunks::decode_stored_into;
use crate::io::chunks::filters::Filter;
use crate::io::zarr::refs::hdf5_filter;

/// How the chunks of such an array are stored.
pub(super) struct Plain {
    /// Encode order: the filters, then the compressor.
    filters: Vec<Filter>,
    big_endian: bool,
    /// The chunk shape.
    chunk: Vec<usize>,
    storage: Arc<dyn ReadableStorageTraits>,
}

/// A library's error (zarrs', or `xr`'s own when a chunk does not decode).
type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl Plain {
    /// The stored form of the array of `md` (values of `dtype`), when it is one this
    /// path reads: Zarr v2, C order, a number whose v2 type name is `dtype`'s in either
    /// byte order ([`DType::from_zarr_v2`]), filters and compressor among `shuffle` and
    /// `zlib` (the numcodecs the references give HDF5's filters).
    pub(super) fn of(
        md: &ArrayMetadata,
        dtype: DType,
        storage: Arc<dyn ReadableStorageTraits>,
    ) -> Option<Plain> {
        let ArrayMetadata::V2(m) = md else {
            return None;
        };
        if !dtype.is_numeric() {
            return None;
        }
        let json = serde_json::to_value(m).ok()?;
        if json.get("order")?.as_str()? != "C" {
            return None;
        }
        let (stored, order) = DType::from_zarr_v2(json.get("dtype")?.as_str()?)?;
        if stored != dtype {
            return None;
        }
        // Encode order: the filters, then the compressor; of HDF5's, those `unfilter`
        // fuses with the conversion or decodes with libdeflate.
        let codecs = json
            .get("filters")?
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        let compressor = json.get("compressor").filter(|c| !c.is_null());
        let filters = codecs
            .iter()
            .chain(compressor)
            .map(|c| hdf5_filter(c).filter(|f| matches!(f, Filter::Shuffle(_) | Filter::Deflate)))
            .collect::<Option<Vec<Filter>>>()?;
        let chunk = json
            .get("chunks")?
            .as_array()?
            .iter()
            .map(|c| c.as_u64().and_then(|c| usize::try_from(c).ok()))
            .collect::<Option<Vec<usize>>>()?;
        Some(Plain {
            filters,
            big_endian: order == ByteOrder::Big,
            chunk,
            storage,
        })
    }

    /// `region` of `array` (of `shape`), when it is whole rows of chunks that are all
    /// stored; `None` to read it through zarrs.
    pub(super) fn read(
        &self,
        array: &Array<dyn ReadableStorageTraits>,
        dtype: DType,
        shape: &[usize],
        region: &[Range<usize>],
    ) -> Option<Result<NdArray, BoxError>> {
        let whole_rows = region.len() == shape.len()
            && self.chunk.len() == shape.len()
            && !region.is_empty()
            && !region.iter().any(Range::is_empty)
            && (1..shape.len()).all(|d| region[d] == (0..shape[d]) && self.chunk[d] == shape[d]);
        if !whole_rows || self.chunk[0] == 0 {
            return None;
        }
        with_numeric_dtype!(dtype, |T| self.read_rows::<T>(array, region), _ => None)
    }

    fn read_rows<T: FixedWidth + Element>(
        &self,
        array: &Array<dyn ReadableStorageTraits>,
        region: &[Range<usize>],
    ) -> Option<Result<NdArray, BoxError>> {
        let rows = self.chunk[0];
        let row: usize = self.chunk[1..].iter().product();
        let expected = rows * row * T::SIZE;
        let shape: Vec<usize> = region.iter().map(Range::len).collect();
        let mut out = vec![T::default(); shape.iter().product()];
        let mut parts = Vec::new();
        let mut rest = out.as_mut_slice();
        for c in region[0].start / rows..=(region[0].end - 1) / rows {
            let lo = region[0].start.max(c * rows);
            let hi = region[0].end.min((c + 1) * rows);
            let (head, tail) = std::mem::take(&mut rest).split_at_mut((hi - lo) * row);
            parts.push((c, (lo - c * rows) * row, head));
            rest = tail;
        }
        // Each chunk fetched and decoded by one task, as they arrive.
        let decoded = parts.into_par_iter().try_for_each(|(c, skip, dst)| {
            let mut index = vec![0u64; self.chunk.len()];
            index[0] = c as u64;
            let bytes = match self.storage.get(&array.chunk_key(&index)) {
                Ok(Some(bytes)) => bytes,
                // Never written: its fill value is zarrs'.
                Ok(None) => return Err(None),
                Err(e) => return Err(Some(Box::new(e) as BoxError)),
            };
            decode_stored_into(&bytes, &self.filters, self.big_endian, expected, skip, dst).map_err(
                |e| {
                    Some(match e.source {
                        Some(source) => format!("{}: {source}", e.reason).into(),
                        None => e.reason.into(),
                    })
                },
            )
        });
        let decoded = match decoded {
            Ok(()) => Ok(()),
            Err(None) => return None,
            Err(Some(e)) => Err(e),
        };
        Some(decoded.and_then(|()| Ok(NdArray::from_shape_vec(&shape, out)?)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::io::Write as _;

    use super::*;
    use crate::io::shuffle::shuffle;

    fn metadata(dtype: &str, compressor: &str, filters: &str, order: &str) -> ArrayMetadata {
        let json = format!(
            r#"{{"zarr_format": 2, "shape": [10, 3, 4], "chunks": [3, 3, 4], "dtype": "{dtype}",
                "compressor": {compressor}, "fill_value": 0, "order": "{order}",
                "filters": {filters}}}"#
        );
        ArrayMetadata::V2(serde_json::from_str(&json).unwrap())
    }

    fn storage() -> Arc<dyn ReadableStorageTraits> {
        Arc::new(zarrs::storage::store::MemoryStore::new())
    }

    const ZLIB: &str = r#"{"id": "zlib", "level": 1}"#;
    const SHUFFLE: &str = r#"[{"id": "shuffle", "elementsize": 4}]"#;

    #[test]
    fn hdf5_filters_are_read_plainly_and_others_are_left_to_zarrs() {
        let plain = |dtype, compressor, filters, order, as_dtype| {
            Plain::of(
                &metadata(dtype, compressor, filters, order),
                as_dtype,
                storage(),
            )
            .map(|p| (p.filters, p.big_endian))
        };
        let f32 = DType::F32;
        assert_eq!(
            plain("<f4", ZLIB, SHUFFLE, "C", f32),
            Some((vec![Filter::Shuffle(4), Filter::Deflate], false))
        );
        assert_eq!(plain(">f4", "null", "null", "C", f32), Some((vec![], true)));
        assert_eq!(
            plain("<i2", ZLIB, "null", "C", DType::I16),
            Some((vec![Filter::Deflate], false))
        );
        // Not HDF5's filters, not C order, not a plain number, not xr's type.
        for compressor in [r#"{"id": "gzip", "level": 1}"#, r#"{"id": "blosc"}"#] {
            assert!(plain("<f4", compressor, "null", "C", f32).is_none());
        }
        assert!(plain(
            "<f4",
            ZLIB,
            r#"[{"id": "delta", "dtype": "<f4"}]"#,
            "C",
            f32
        )
        .is_none());
        assert!(plain("<f4", ZLIB, SHUFFLE, "F", f32).is_none());
        assert!(plain("|b1", "null", "null", "C", DType::Bool).is_none());
        assert!(plain("<f8", ZLIB, "null", "C", f32).is_none());
    }

    /// An array of 10 x 3 x 4 in chunks of 3 steps (the last one short), stored with
    /// `filters`; chunk 2 left out when `hole`.
    fn stored_array(
        dtype: &str,
        filters: &str,
        hole: bool,
    ) -> (Array<dyn ReadableStorageTraits>, Plain, Vec<f32>) {
        super::super::codecs::register();
        let store = Arc::new(zarrs::storage::store::MemoryStore::new());
        let big_endian = dtype.starts_with('>');
        let values: Vec<f32> = (0..120).map(|i| i as f32 * 0.5 - 7.0).collect();
        let md = metadata(dtype, ZLIB, filters, "C");
        let plain = Plain::of(&md, DType::F32, store.clone()).unwrap();
        for c in 0..4usize {
            if hole && c == 2 {
                continue;
            }
            // A whole chunk: the last one padded past the array's end.
            let mut raw = Vec::new();
            for i in c * 36..(c + 1) * 36 {
                let v = values.get(i).copied().unwrap_or(0.0);
                raw.extend(if big_endian {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                });
            }
            if filters != "null" {
                let mut out = vec![0; raw.len()];
                shuffle(&raw, 4, &mut out);
                raw = out;
            }
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            z.write_all(&raw).unwrap();
            let key = zarrs::storage::StoreKey::new(format!("{c}.0.0")).unwrap();
            zarrs::storage::WritableStorageTraits::set(&*store, &key, z.finish().unwrap().into())
                .unwrap();
        }
        let array = Array::new_with_metadata(
            store as Arc<dyn ReadableStorageTraits>,
            "/",
            super::super::meta::for_zarrs(md),
        )
        .unwrap();
        (array, plain, values)
    }

    #[test]
    fn whole_rows_decode_as_zarrs_decodes_them() {
        for dtype in ["<f4", ">f4"] {
            for filters in [SHUFFLE, "null"] {
                let (array, plain, values) = stored_array(dtype, filters, false);
                // The whole array, and rows cutting chunks at both ends.
                for rows in [0..10, 2..8, 4..5, 9..10] {
                    let region = [rows.clone(), 0..3, 0..4];
                    let got = plain
                        .read(&array, DType::F32, &[10, 3, 4], &region)
                        .unwrap()
                        .unwrap();
                    let want = &values[rows.start * 12..rows.end * 12];
                    assert_eq!(got.shape(), [rows.len(), 3, 4]);
                    assert_eq!(
                        got.to_f64_vec().unwrap(),
                        want.iter().map(|&v| f64::from(v)).collect::<Vec<_>>()
                    );
                    let zarrs: Vec<f32> = array
                        .retrieve_array_subset(&super::super::read::subset(&region))
                        .unwrap();
                    assert_eq!(zarrs, want, "{dtype} {filters} {rows:?}");
                }
                // Not whole rows: zarrs' to read.
                assert!(plain
                    .read(&array, DType::F32, &[10, 3, 4], &[0..10, 0..2, 0..4])
                    .is_none());
            }
        }
    }

    #[test]
    fn a_missing_chunk_is_left_to_zarrs_and_a_corrupt_one_fails() {
        let (array, plain, _) = stored_array("<f4", SHUFFLE, true);
        assert!(plain
            .read(&array, DType::F32, &[10, 3, 4], &[0..10, 0..3, 0..4])
            .is_none());
        // Rows of the stored chunks only still read here.
        assert!(plain
            .read(&array, DType::F32, &[10, 3, 4], &[0..6, 0..3, 0..4])
            .is_some());
        let key = zarrs::storage::StoreKey::new("1.0.0").unwrap();
        let store = Arc::new(zarrs::storage::store::MemoryStore::new());
        zarrs::storage::WritableStorageTraits::set(&*store, &key, vec![1u8, 2, 3].into()).unwrap();
        let broken = Plain {
            storage: store,
            ..plain
        };
        let err = broken
            .read(&array, DType::F32, &[10, 3, 4], &[3..6, 0..3, 0..4])
            .unwrap()
            .unwrap_err();
        assert!(err.to_string().contains("inflate"), "{err}");
    }
}
