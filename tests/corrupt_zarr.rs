//! Damaged Zarr stores, made in a temp dir from a good one that xr writes (v2 and v3):
//! truncated and oversized chunks, garbage metadata, a missing `.zarray`, a chunk file
//! where a directory is expected, wrong codec parameters. Every open and every read is
//! an `Err` that names the array (and, for a chunk, the chunk), never a panic or a hang.
#![cfg(feature = "zarr")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use xr::io::zarr::ZarrFormat;
use xr::lazy::{Data, LazyArray};
use xr::{Dataset, Variable};

/// A fresh directory for one test's stores.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xr-corrupt-zarr-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// `air` (t: 8, x: 4) in 2 × 2 chunks of (4, 2), with its coordinates.
fn dataset() -> Dataset {
    let air = LazyArray::random(&[8, 4], &[4, 2], 3).unwrap();
    Dataset::new()
        .with_coord(
            "t",
            Variable::new(&["t"], (0..8i64).collect::<Vec<_>>()).unwrap(),
        )
        .unwrap()
        .with_coord(
            "x",
            Variable::new(&["x"], vec![0.5f64, 1.5, 2.5, 3.5]).unwrap(),
        )
        .unwrap()
        .with_data_var("air", Variable::new(&["t", "x"], Data::Lazy(air)).unwrap())
        .unwrap()
}

/// A good store of `format` at `<scratch>/good.zarr`, without consolidated metadata
/// unless `consolidated` (which would hide a damaged array's own metadata).
fn good_store(test: &str, format: ZarrFormat, consolidated: bool) -> PathBuf {
    let path = scratch(test).join("good.zarr");
    dataset()
        .write_zarr(s(&path))
        .zarr_format(format)
        .consolidated(consolidated)
        .write()
        .unwrap();
    // The good store reads back whole.
    let back = Dataset::open_zarr(s(&path)).unwrap();
    back.variable("air").unwrap().data().compute().unwrap();
    path
}

/// The file of chunk `(i, j)` of `air`.
fn chunk_file(store: &Path, format: ZarrFormat, i: usize, j: usize) -> PathBuf {
    match format {
        ZarrFormat::V2 => store.join("air").join(format!("{i}.{j}")),
        _ => store.join("air/c").join(i.to_string()).join(j.to_string()),
    }
}

fn metadata_file(store: &Path, format: ZarrFormat) -> PathBuf {
    match format {
        ZarrFormat::V2 => store.join("air/.zarray"),
        _ => store.join("air/zarr.json"),
    }
}

const FORMATS: [ZarrFormat; 2] = [ZarrFormat::V2, ZarrFormat::V3];

/// Opening fails, naming `air`.
fn assert_open_fails(store: &Path, what: &str) {
    let err = match Dataset::open_zarr(s(store)) {
        Ok(ds) => panic!("{what}: opened, with variables {:?}", ds.variables().keys()),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("air"),
        "{what}: the error does not name the array: {err}"
    );
}

/// Opening succeeds (the metadata is good) and reading `air` fails, naming the array and
/// chunk `chunk`.
fn assert_read_fails(store: &Path, chunk: [usize; 2], what: &str) {
    let ds = Dataset::open_zarr(s(store)).unwrap_or_else(|e| panic!("{what}: open: {e}"));
    let err = ds
        .variable("air")
        .unwrap()
        .data()
        .compute()
        .map(|a| format!("{a:?}"))
        .expect_err(what)
        .to_string();
    assert!(
        err.contains("\"air\""),
        "{what}: the error does not name the array: {err}"
    );
    let named = format!("chunk [{}, {}]", chunk[0], chunk[1]);
    assert!(
        err.contains(&named),
        "{what}: the error does not name {named}: {err}"
    );
}

#[test]
fn truncated_chunks_are_errors_naming_the_chunk() {
    for format in FORMATS {
        let store = good_store(&format!("truncated-{format:?}"), format, false);
        let file = chunk_file(&store, format, 1, 0);
        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
        assert_read_fails(&store, [1, 0], &format!("{format:?} truncated chunk"));
        std::fs::write(&file, []).unwrap();
        assert_read_fails(&store, [1, 0], &format!("{format:?} empty chunk"));
    }
}

#[test]
fn oversized_chunks_are_errors_naming_the_chunk() {
    for format in FORMATS {
        let store = good_store(&format!("oversized-{format:?}"), format, false);
        let file = chunk_file(&store, format, 0, 1);
        let mut bytes = std::fs::read(&file).unwrap();
        let doubled = bytes.clone();
        bytes.extend_from_slice(&doubled);
        std::fs::write(&file, &bytes).unwrap();
        assert_read_fails(&store, [0, 1], &format!("{format:?} oversized chunk"));
    }
}

#[test]
fn garbage_in_a_chunk_is_an_error_naming_it() {
    for format in FORMATS {
        let store = good_store(&format!("garbage-chunk-{format:?}"), format, false);
        let file = chunk_file(&store, format, 1, 1);
        let len = std::fs::read(&file).unwrap().len();
        let garbage: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
        std::fs::write(&file, garbage).unwrap();
        assert_read_fails(&store, [1, 1], &format!("{format:?} garbage chunk"));
    }
}

#[test]
fn garbage_metadata_is_an_error_naming_the_array() {
    for format in FORMATS {
        let store = good_store(&format!("garbage-meta-{format:?}"), format, false);
        let meta = metadata_file(&store, format);
        let good = std::fs::read_to_string(&meta).unwrap();
        for (what, text) in [
            ("not JSON", "{\"zarr_format\": 2, \"shape\": [8, 4"),
            ("binary", "\u{1}\u{2}\u{fffd}\u{0}"),
            ("a JSON list", "[1, 2, 3]"),
            ("empty", ""),
        ] {
            std::fs::write(&meta, text).unwrap();
            assert_open_fails(&store, &format!("{format:?} metadata {what}"));
        }
        for (what, from, to) in [
            ("a negative shape", "[8,4]", "[-8,4]"),
            ("a shape of the wrong rank", "[8,4]", "[8]"),
            ("a zero chunk", "[4,2]", "[0,2]"),
            // Decoded whole, one such chunk would be 4 TiB: refused at open, not an abort.
            ("a huge chunk", "[4,2]", "[1099511627776,2]"),
        ] {
            let compact = good.replace([' ', '\n'], "");
            assert!(compact.contains(from), "{format:?}: no {from} in {compact}");
            std::fs::write(&meta, compact.replacen(from, to, 1)).unwrap();
            assert_open_fails(&store, &format!("{format:?} metadata with {what}"));
        }
    }
}

#[test]
fn a_missing_zarray_is_an_error_naming_the_array() {
    // Consolidated metadata still lists the array; its own metadata is gone.
    for format in FORMATS {
        let store = good_store(&format!("missing-{format:?}"), format, true);
        std::fs::remove_file(metadata_file(&store, format)).unwrap();
        let listed = Dataset::zarr(s(&store)).consolidated(Some(false)).open();
        match listed {
            // Without its metadata the directory is not an array: the store has no `air`.
            Ok(ds) => assert!(
                ds.variable("air").is_err(),
                "{format:?}: air read without its metadata"
            ),
            Err(e) => assert!(e.to_string().contains("air"), "{format:?}: {e}"),
        }
        // Through the consolidated metadata the array is found; its chunks still read.
        let ds = Dataset::open_zarr(s(&store)).unwrap();
        ds.variable("air").unwrap().data().compute().unwrap();
    }
}

#[test]
fn a_chunk_file_where_a_directory_is_expected_is_an_error() {
    // v3 keeps chunk (1, 0) at `air/c/1/0`: `air/c/1` made a file.
    let format = ZarrFormat::V3;
    let store = good_store("file-for-dir", format, false);
    let dir = store.join("air/c/1");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::write(&dir, b"not a directory").unwrap();
    assert_read_fails(&store, [1, 0], "a file for the chunk directory");
    // And the array's directory itself a file: the metadata cannot be found under it.
    let store = good_store("file-for-array-dir", format, false);
    std::fs::remove_dir_all(store.join("air")).unwrap();
    std::fs::write(store.join("air"), b"not a directory").unwrap();
    match Dataset::open_zarr(s(&store)) {
        Ok(ds) => assert!(ds.variable("air").is_err(), "air read from a file"),
        Err(e) => assert!(e.to_string().contains("air"), "{e}"),
    }
}

#[test]
fn wrong_codec_parameters_are_errors_naming_the_array() {
    for format in FORMATS {
        let store = good_store(&format!("codec-{format:?}"), format, false);
        let meta = metadata_file(&store, format);
        let good: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&meta).unwrap()).unwrap();
        let bad_codecs: Vec<(&str, serde_json::Value)> = match format {
            ZarrFormat::V2 => vec![
                ("an unknown compressor", serde_json::json!({"id": "nope"})),
                (
                    "a zlib level of text",
                    serde_json::json!({"id": "zlib", "level": "high"}),
                ),
                (
                    "a blosc without cname",
                    serde_json::json!({"id": "blosc", "clevel": 5}),
                ),
            ],
            _ => vec![
                (
                    "an unknown codec",
                    serde_json::json!([{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "nope"}]),
                ),
                (
                    "an endian of nonsense",
                    serde_json::json!([{"name": "bytes", "configuration": {"endian": "middle"}}]),
                ),
                (
                    "no array-to-bytes codec",
                    serde_json::json!([{"name": "zstd", "configuration": {"level": 1, "checksum": false}}]),
                ),
            ],
        };
        let key = if format == ZarrFormat::V2 {
            "compressor"
        } else {
            "codecs"
        };
        for (what, codec) in bad_codecs {
            let mut doc = good.clone();
            doc[key] = codec;
            std::fs::write(&meta, doc.to_string()).unwrap();
            assert_open_fails(&store, &format!("{format:?} {what}"));
        }
        // A codec that parses but does not match the stored bytes: reads fail per chunk.
        let mut doc = good.clone();
        let stored = good[key].to_string();
        let mismatch = match format {
            ZarrFormat::V2 if stored.contains("zlib") => {
                serde_json::json!({"id": "zstd", "level": 1})
            }
            ZarrFormat::V2 => serde_json::json!({"id": "zlib", "level": 1}),
            _ if stored.contains("gzip") => {
                serde_json::json!([{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "zstd", "configuration": {"level": 1, "checksum": false}}])
            }
            _ => {
                serde_json::json!([{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "gzip", "configuration": {"level": 1}}])
            }
        };
        doc[key] = mismatch;
        std::fs::write(&meta, doc.to_string()).unwrap();
        assert_read_fails(&store, [0, 0], &format!("{format:?} mismatched codec"));
    }
}
