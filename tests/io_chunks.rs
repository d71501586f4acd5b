//! The direct chunk reader against the library: every fixture of
//! `tests/golden/make_chunk_fixtures.py`, value for value and byte for byte.
#![cfg(feature = "direct")]
#![allow(clippy::unwrap_used)]

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use xr::array::kernels::MaskScale;
use xr::array::{DType, NdArray};
use xr::io::chunks::DirectChunkSource;
use xr::lazy::{ChunkSource, LazyArray};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/chunks")
}

struct Row {
    file: String,
    var: String,
    dtype: String,
    shape: Vec<usize>,
    chunks: Vec<usize>,
    dump: String,
    expect_values: bool,
}

fn dims(s: &str) -> Vec<usize> {
    if s == "-" || s.is_empty() {
        return vec![];
    }
    s.split(',').map(|d| d.parse().unwrap()).collect()
}

fn manifest() -> Vec<Row> {
    std::fs::read_to_string(dir().join("manifest.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Row {
                file: f[0].into(),
                var: f[1].into(),
                dtype: f[2].into(),
                shape: dims(f[3]),
                chunks: dims(f[4]),
                dump: f[5].into(),
                expect_values: f[6] == "values",
            }
        })
        .collect()
}

/// The array's values in logical order as little-endian bytes.
fn le_bytes(a: &NdArray) -> Vec<u8> {
    macro_rules! bytes {
        ($x:expr) => {
            $x.iter().flat_map(|v| v.to_le_bytes()).collect()
        };
    }
    match a {
        NdArray::I8(x) => bytes!(x),
        NdArray::I16(x) => bytes!(x),
        NdArray::I32(x) => bytes!(x),
        NdArray::I64(x) => bytes!(x),
        NdArray::U8(x) => bytes!(x),
        NdArray::U16(x) => bytes!(x),
        NdArray::U32(x) => bytes!(x),
        NdArray::U64(x) => bytes!(x),
        NdArray::F32(x) => bytes!(x),
        NdArray::F64(x) => bytes!(x),
        other => panic!("unexpected dtype {}", other.dtype()),
    }
}

/// The bytes of `region` cut out of a row-major little-endian dump of `shape`.
fn cut(dump: &[u8], shape: &[usize], elem: usize, region: &[Range<usize>]) -> Vec<u8> {
    let mut out = Vec::new();
    let n: usize = region.iter().map(Range::len).product();
    for k in 0..n {
        let mut rest = k;
        let mut flat = 0;
        let mut stride = 1;
        let mut idx = vec![0; shape.len()];
        for d in (0..shape.len()).rev() {
            idx[d] = region[d].start + rest % region[d].len();
            rest /= region[d].len();
        }
        for d in (0..shape.len()).rev() {
            flat += idx[d] * stride;
            stride *= shape[d];
        }
        out.extend_from_slice(&dump[flat * elem..(flat + 1) * elem]);
    }
    out
}

fn open(file: &str, var: &str) -> Option<DirectChunkSource> {
    DirectChunkSource::open(&dir().join(file), var).unwrap()
}

#[test]
fn every_fixture_matches_the_library_byte_for_byte() {
    let rows = manifest();
    assert!(rows.iter().filter(|r| r.expect_values).count() >= 10);
    for row in rows.iter().filter(|r| r.expect_values) {
        let src = open(&row.file, &row.var)
            .unwrap_or_else(|| panic!("{} {} should be read directly", row.file, row.var));
        assert_eq!(src.dtype().name(), row.dtype, "{}", row.var);
        assert_eq!(src.shape(), &row.shape[..], "{}", row.var);
        assert_eq!(src.chunk_shape(), &row.chunks[..], "{}", row.var);
        assert_eq!(
            src.label(),
            format!("{}: {}", dir().join(&row.file).display(), row.var)
        );
        let dump = std::fs::read(dir().join(&row.dump)).unwrap();
        let elem = src.dtype().size();
        let full: Vec<Range<usize>> = row.shape.iter().map(|&n| 0..n).collect();
        let all = src.read(&full).unwrap();
        assert_eq!(all.shape(), &row.shape[..]);
        assert!(le_bytes(&all) == dump, "{}: {} differs", row.file, row.var);

        // Every chunk on its own, edge chunks cut to the array.
        let grid = src.chunks().clone();
        for linear in 0..grid.num_blocks() {
            let idx = grid.block_index(linear);
            let region = grid.block_region(&idx);
            let chunk = src.read_chunk(&idx).unwrap();
            let want: Vec<usize> = region.iter().map(Range::len).collect();
            assert_eq!(chunk.shape(), &want[..], "{} chunk {idx:?}", row.var);
            assert!(le_bytes(&chunk) == cut(&dump, &row.shape, elem, &region));
        }

        // A region straddling chunk borders, and an empty one.
        let odd: Vec<Range<usize>> = row.shape.iter().map(|&n| n / 3..n - n / 4).collect();
        let got = src.read(&odd).unwrap();
        assert!(
            le_bytes(&got) == cut(&dump, &row.shape, elem, &odd),
            "{}",
            row.var
        );
        // Part of the first dimension, all of the others.
        let rows: Vec<Range<usize>> = row
            .shape
            .iter()
            .enumerate()
            .map(|(d, &n)| if d == 0 { n / 3..n } else { 0..n })
            .collect();
        let got = src.read(&rows).unwrap();
        assert!(
            le_bytes(&got) == cut(&dump, &row.shape, elem, &rows),
            "{}",
            row.var
        );
        let empty: Vec<Range<usize>> = row.shape.iter().map(|_| 0..0).collect();
        assert_eq!(src.read(&empty).unwrap().len(), 0);

        // Through the lazy array and its parallel executor.
        let lazy = LazyArray::from_source(Arc::new(src));
        assert!(
            le_bytes(&lazy.compute().unwrap()) == dump,
            "{} lazy",
            row.var
        );
    }
}

/// A CF decoding read in the pass that unpacks the bytes (`read_decoded`) gives, byte for
/// byte, what decoding the stored values read as they are gives, for every fixture,
/// decoding and region it takes; regions of whole chunks in every dimension but the
/// first are taken, other regions and 64-bit integers are left to the caller.
#[test]
fn decoding_as_chunks_unpack_equals_decoding_what_they_read() {
    let mut taken = 0;
    for row in manifest().iter().filter(|r| r.expect_values) {
        let src = open(&row.file, &row.var).unwrap();
        let full: Vec<Range<usize>> = row.shape.iter().map(|&n| 0..n).collect();
        let Ok(some) = src
            .read(&full)
            .unwrap()
            .get_flat(row.shape.iter().product::<usize>() / 2)
        else {
            continue;
        };
        let Some(fill) = some.as_f64() else {
            continue;
        };
        let decodings = [
            MaskScale::new(DType::F32, vec![fill], Some(0.5), Some(-3.0)),
            MaskScale::new(DType::F64, vec![], Some(2.0), None),
            MaskScale::new(DType::F32, vec![f64::NAN], None, None),
            MaskScale::new(DType::F64, vec![fill], None, Some(1.5)),
            MaskScale::new(DType::F64, vec![fill, 0.0], Some(0.25), Some(1.0)),
        ];
        let first = |r: Range<usize>| -> Vec<Range<usize>> {
            row.shape
                .iter()
                .enumerate()
                .map(|(d, &n)| if d == 0 { r.clone() } else { 0..n })
                .collect()
        };
        let n0 = row.shape.first().copied().unwrap_or(0);
        let odd: Vec<Range<usize>> = row.shape.iter().map(|&n| n / 3..n - n / 4).collect();
        // Whole chunks in every dimension but the first.
        let whole = |region: &[Range<usize>]| {
            (1..row.shape.len())
                .all(|d| region[d] == (0..row.shape[d]) && row.chunks[d] == row.shape[d])
        };
        let wide = matches!(src.dtype(), DType::I64 | DType::U64);
        for d in &decodings {
            for region in [full.clone(), first(n0 / 3..n0), first(0..1), odd.clone()] {
                if region.iter().any(Range::is_empty) {
                    continue;
                }
                let whole = whole(&region);
                let want = d.apply(&src.read(&region).unwrap()).unwrap();
                match src.read_decoded(&region, d) {
                    Some(got) => {
                        let got = got.unwrap();
                        assert!(whole && !wide, "{} {region:?}: taken", row.var);
                        assert_eq!(got.dtype(), want.dtype(), "{} {d:?}", row.var);
                        assert_eq!(got.shape(), want.shape(), "{} {region:?}", row.var);
                        assert!(
                            le_bytes(&got) == le_bytes(&want),
                            "{} {d:?} {region:?}: {got:?} vs {want:?}",
                            row.var
                        );
                        taken += 1;
                    }
                    None => assert!(!whole || wide, "{} {region:?}: not taken", row.var),
                }
            }
        }
    }
    // Enough fixtures of rows (shuffled, big-endian, 1- and 2-byte, plain) to mean it.
    assert!(taken >= 60, "{taken} reads decoded as they unpacked");
    // A region outside the shape is an error that names it, as `read`'s is.
    let src = open("basic.nc", "/cmip_like").unwrap();
    let d = MaskScale::new(DType::F32, vec![], None, None);
    let err = src
        .read_decoded(&[0..8, 0..10, 0..13], &d)
        .unwrap()
        .unwrap_err();
    assert!(err.to_string().contains("0..8"), "{err}");
}

#[test]
fn matches_reading_through_netcdf_c() {
    let file = netcdf::open(dir().join("basic.nc")).unwrap();
    for (var, group) in [
        ("f32_deflate1", None),
        ("f32_be_fletcher", None),
        ("sparse", None),
        ("unlimited", None),
        ("in_group", Some("grp/sub")),
    ] {
        let v = match group {
            None => file.variable(var).unwrap(),
            Some(g) => file.variable(&format!("{g}/{var}")).unwrap(),
        };
        let path = match group {
            None => format!("/{var}"),
            Some(g) => format!("/{g}/{var}"),
        };
        let src = open("basic.nc", &path).unwrap();
        let full: Vec<Range<usize>> = src.shape().iter().map(|&n| 0..n).collect();
        let got = le_bytes(&src.read(&full).unwrap());
        let want: Vec<u8> = match src.dtype() {
            DType::F32 => v
                .get_values::<f32, _>(..)
                .unwrap()
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect(),
            DType::F64 => v
                .get_values::<f64, _>(..)
                .unwrap()
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect(),
            other => panic!("unexpected {other}"),
        };
        assert!(got == want, "{path} differs from netcdf-c");
    }
}

#[test]
fn unwritten_chunks_read_as_the_fill_value() {
    let src = open("basic.nc", "sparse").unwrap();
    let NdArray::F32(a) = src.read_chunk(&[1, 1]).unwrap() else {
        panic!("float32 expected");
    };
    assert!(a.iter().all(|&v| v == -999.0));
    let src = open("basic.nc", "/sparse_default_fill").unwrap();
    let NdArray::I16(a) = src.read_chunk(&[0, 0]).unwrap() else {
        panic!("int16 expected");
    };
    assert!(
        a.iter().all(|&v| v == -32767),
        "NetCDF's default short fill"
    );
}

#[test]
fn what_it_cannot_decode_falls_back() {
    for row in manifest().iter().filter(|r| !r.expect_values) {
        let got = DirectChunkSource::open_explained(&dir().join(&row.file), &row.var).unwrap();
        let reason = got
            .err()
            .unwrap_or_else(|| panic!("{} should fall back", row.var));
        assert!(!reason.is_empty());
    }
    assert!(open("basic.nc", "/no_such_var").is_none());
    let why = DirectChunkSource::open_explained(&dir().join("h5py_filters.h5"), "/lzf").unwrap();
    assert!(
        why.err().unwrap().contains("32000"),
        "names the lzf filter id"
    );
}

#[test]
fn a_corrupted_chunk_is_an_error_naming_variable_and_chunk() {
    let path = dir().join("corrupt.nc");
    let src = DirectChunkSource::open(&path, "/i16_fletcher")
        .unwrap()
        .unwrap();
    let full: Vec<Range<usize>> = src.shape().iter().map(|&n| 0..n).collect();
    let msg = src.read(&full).unwrap_err().to_string();
    assert!(msg.contains("corrupt.nc"), "{msg}");
    assert!(msg.contains("/i16_fletcher"), "{msg}");
    assert!(msg.contains("chunk [1, 0]"), "{msg}");
    // netCDF puts fletcher32 first in the pipeline, so the inflate's own check fires.
    assert!(
        msg.contains("inflate") || msg.contains("fletcher32"),
        "{msg}"
    );
    // The chunks around it are fine.
    assert!(src.read_chunk(&[0, 0]).is_ok());

    let src = DirectChunkSource::open(&path, "/f64_deflate9")
        .unwrap()
        .unwrap();
    let msg = src.read_chunk(&[1, 1]).unwrap_err().to_string();
    assert!(
        msg.contains("/f64_deflate9") && msg.contains("chunk [1, 1]"),
        "{msg}"
    );
    assert!(src.read_chunk(&[0, 0]).is_ok());
}

#[test]
fn a_failed_checksum_is_an_error_naming_variable_and_chunk() {
    let path = dir().join("corrupt.h5");
    let src = DirectChunkSource::open(&path, "/fletcher_only")
        .unwrap()
        .unwrap();
    let msg = src.read_chunk(&[1, 0]).unwrap_err().to_string();
    assert!(msg.contains("corrupt.h5"), "{msg}");
    assert!(
        msg.contains("/fletcher_only") && msg.contains("chunk [1, 0]"),
        "{msg}"
    );
    assert!(msg.contains("fletcher32 checksum mismatch"), "{msg}");
    assert!(src.read_chunk(&[2, 0]).is_ok());
}

#[test]
fn a_truncated_file_is_an_error_not_a_panic() {
    let path = dir().join("truncated.nc");
    match DirectChunkSource::open(&path, "/f32_deflate1") {
        Err(e) => {
            let e = e.to_string();
            assert!(
                e.contains("truncated.nc") && e.contains("truncated: it has"),
                "{e}"
            );
        }
        Ok(Some(src)) => {
            let full: Vec<Range<usize>> = src.shape().iter().map(|&n| 0..n).collect();
            let e = src.read(&full).unwrap_err().to_string();
            assert!(e.contains("truncated.nc") && e.contains("chunk"), "{e}");
        }
        Ok(None) => panic!("a truncated HDF5 file is not a fallback case"),
    }
}

#[test]
fn out_of_range_requests_are_errors() {
    let src = open("basic.nc", "/f64_deflate9").unwrap();
    assert!(src.read_chunk(&[3, 0]).is_err());
    assert!(src.read_chunk(&[0]).is_err());
    assert!(src.read(&[0..6, 0..9]).is_err());
    assert!(src.read(&[0..5, 0..9, 0..1]).is_err(), "one range too many");
}

#[test]
fn a_failed_decompression_keeps_the_decompressors_error() {
    let src = DirectChunkSource::open(&dir().join("corrupt.nc"), "/f64_deflate9")
        .unwrap()
        .unwrap();
    let err = src.read_chunk(&[1, 1]).unwrap_err();
    let xr::Error::FileRead { chunk, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(chunk.as_deref(), Some(&[1, 1][..]));
    let inflate = std::error::Error::source(&err)
        .and_then(|e| e.downcast_ref::<libdeflater::DecompressionError>())
        .unwrap_or_else(|| panic!("{err:?}"));
    // The message still says what the decompressor said.
    let msg = err.to_string();
    assert!(msg.contains(&format!("inflate: {inflate}")), "{msg}");
}
