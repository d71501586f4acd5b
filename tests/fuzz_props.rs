#![allow(clippy::unwrap_used)]
//! The fuzz targets of `fuzz/` (cargo-fuzz) as proptests, a few seconds in all: each
//! runs `xr::fuzzing::<target>` (the same function the fuzzer runs) on inputs built from
//! good ones (units strings, datetimes, real classic headers, encoded chunks, good Zarr
//! metadata, wire messages) with bytes changed, cut or added. A target returns, `Err`
//! inside or not; a panic fails the test. The regression tests at the end replay the
//! crashes the fuzzer found.

use proptest::prelude::*;
use proptest::test_runner::Config;

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// `good` with up to a few bytes replaced, and perhaps cut short or extended.
fn mutated(good: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = good.len().max(1);
    (
        prop::collection::vec((0..len, any::<u8>()), 0..6),
        prop::option::of(0..len + 16),
        prop::collection::vec(any::<u8>(), 0..8),
    )
        .prop_map(move |(flips, cut, tail)| {
            let mut b = good.clone();
            for (at, x) in flips {
                if at < b.len() {
                    b[at] = x;
                }
            }
            if let Some(cut) = cut {
                if cut < b.len() {
                    b.truncate(cut);
                } else {
                    b.extend_from_slice(&tail);
                }
            }
            b
        })
}

fn with_calendar(calendar: u8, text: &str) -> Vec<u8> {
    let mut b = vec![calendar];
    b.extend_from_slice(text.as_bytes());
    b
}

const UNITS: &str = "(days|hours|minutes|seconds|milliseconds|microseconds|nanoseconds|weeks|months|years|common_years|d|h|s|ms|us) (since|after|from) [-+]?[0-9]{1,6}(-[0-9]{1,3}(-[0-9]{1,3}([ T][0-9]{1,3}(:[0-9]{1,3}(:[0-9]{1,3}(\\.[0-9]{0,12})?)?)?)?)?)?( ?(Z|UTC|[-+][0-9]{1,2}(:?[0-9]{2})?))?";
const DATETIME: &str = "[-+]?[0-9]{1,12}(-[0-9]{1,3}(-[0-9]{1,3}([ T][0-9]{1,3}(:[0-9]{1,3}(:[0-9]{1,3}(\\.[0-9]{0,20})?)?)?)?)?)?";

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn time_units_never_panic(calendar in any::<u8>(), text in UNITS) {
        xr::fuzzing::time_units(&with_calendar(calendar, &text));
    }

    #[test]
    fn time_units_of_any_bytes(data in prop::collection::vec(any::<u8>(), 0..48)) {
        xr::fuzzing::time_units(&data);
    }

    #[test]
    fn datetime_strings_never_panic(calendar in any::<u8>(), text in DATETIME) {
        xr::fuzzing::datetime_string(&with_calendar(calendar, &text));
    }

    #[test]
    fn datetime_strings_of_any_bytes(data in prop::collection::vec(any::<u8>(), 0..40)) {
        xr::fuzzing::datetime_string(&data);
    }
}

proptest! {
    #![proptest_config(config(1500))]

    #[test]
    fn cf_attributes_never_panic(
        head in prop::collection::vec(any::<u8>(), 3..4),
        units in UNITS,
        calendar in "(standard|gregorian|noleap|360_day|julian|all_leap|366_day|365_day|proleptic_gregorian|none|[a-z_]{0,8})",
        numbers in prop::collection::vec(prop_oneof![any::<f64>(), prop::sample::select(vec![0.0, 1.0, -1.0, 1e-300, 1e300, 255.0, -32768.0, 65535.0])], 4),
        values in prop::collection::vec(any::<f64>(), 0..16),
        dtype_attr in "(bool|timedelta64\\[ns\\]|[a-z0-9]{0,6})",
    ) {
        let mut data = head;
        data.extend_from_slice(units.as_bytes());
        data.push(0);
        data.extend_from_slice(calendar.as_bytes());
        data.push(0);
        for x in numbers {
            data.extend_from_slice(&x.to_le_bytes());
        }
        data.extend_from_slice(dtype_attr.as_bytes());
        data.push(0);
        data.push(values.len() as u8);
        for x in values {
            data.extend_from_slice(&x.to_le_bytes());
        }
        xr::fuzzing::cf_attributes(&data);
    }

    #[test]
    fn cf_attributes_of_any_bytes(data in prop::collection::vec(any::<u8>(), 0..160)) {
        xr::fuzzing::cf_attributes(&data);
    }
}

#[cfg(feature = "netcdf")]
fn classic_fixtures() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    [
        "classic.nc",
        "classic_strings.nc",
        "scalars.nc",
        "example_1.nc",
    ]
    .iter()
    .map(|n| std::fs::read(dir.join(n)).unwrap())
    .collect()
}

#[cfg(feature = "netcdf")]
proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn netcdf_classic_headers_never_panic(
        data in prop::sample::select(classic_fixtures()).prop_flat_map(|good| {
            // Most of a classic file's decisions are in its first few hundred bytes.
            let head = good.len().min(600);
            mutated(good[..head].to_vec()).prop_map(move |mut b| {
                b.extend_from_slice(&good[head.min(good.len())..]);
                b
            })
        })
    ) {
        xr::fuzzing::netcdf_classic_header(&data);
    }

    #[test]
    fn netcdf_classic_headers_of_any_bytes(
        version in prop::sample::select(vec![1u8, 2, 5, 3]),
        rest in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut data = b"CDF".to_vec();
        data.push(version);
        data.extend_from_slice(&rest);
        xr::fuzzing::netcdf_classic_header(&data);
    }
}

#[cfg(feature = "direct")]
proptest! {
    #![proptest_config(config(1500))]

    #[test]
    fn direct_chunks_never_panic(
        head in prop::collection::vec(any::<u8>(), 9),
        encode in any::<bool>(),
        body in prop::collection::vec(any::<u8>(), 0..700),
    ) {
        let mut data = head;
        if encode {
            data[1] |= 0x40;
        }
        data.extend_from_slice(&body);
        xr::fuzzing::direct_chunk(&data);
    }
}

/// Good Zarr documents for the key the first byte of a `zarr_metadata` input chooses.
#[cfg(feature = "zarr")]
fn zarr_documents() -> Vec<(u8, Vec<u8>)> {
    let v2_array = r#"{"zarr_format":2,"shape":[4],"chunks":[2],"dtype":"<f4","compressor":{"id":"zlib","level":1},"fill_value":"NaN","filters":null,"order":"C"}"#;
    let v2_attrs =
        r#"{"_ARRAY_DIMENSIONS":["x"],"units":"days since 2000-01-01","calendar":"noleap"}"#;
    let consolidated = format!(
        r#"{{"zarr_consolidated_format":1,"metadata":{{".zgroup":{{"zarr_format":2}},"a/.zarray":{v2_array},"a/.zattrs":{v2_attrs}}}}}"#
    );
    let v3_root =
        r#"{"zarr_format":3,"node_type":"group","attributes":{},"consolidated_metadata":null}"#;
    let v3_array = r#"{"zarr_format":3,"node_type":"array","shape":[4],"data_type":"int16","chunk_grid":{"name":"regular","configuration":{"chunk_shape":[3]}},"chunk_key_encoding":{"name":"default","configuration":{"separator":"/"}},"fill_value":0,"codecs":[{"name":"bytes","configuration":{"endian":"big"}},{"name":"gzip","configuration":{"level":1}}],"dimension_names":["x"],"attributes":{"scale_factor":0.5,"_FillValue":-1}}"#;
    vec![
        (0, br#"{"zarr_format":2}"#.to_vec()),
        (1, v2_array.as_bytes().to_vec()),
        (2, v2_attrs.as_bytes().to_vec()),
        (3, vec![0u8; 8]),
        (4, consolidated.into_bytes()),
        (5, v3_root.as_bytes().to_vec()),
        (6, v3_array.as_bytes().to_vec()),
        (7, vec![0u8; 8]),
    ]
}

#[cfg(feature = "zarr")]
proptest! {
    #![proptest_config(config(600))]

    #[test]
    fn zarr_metadata_never_panics(
        data in prop::sample::select(zarr_documents()).prop_flat_map(|(which, good)| {
            mutated(good).prop_map(move |b| {
                let mut data = vec![which];
                data.extend_from_slice(&b);
                data
            })
        })
    ) {
        xr::fuzzing::zarr_metadata(&data);
    }

    #[test]
    fn zarr_metadata_with_json_values_swapped(
        (which, good) in prop::sample::select(zarr_documents()),
        at in any::<prop::sample::Index>(),
        value in prop::sample::select(vec!["-1", "0", "1e400", "18446744073709551616", "null", "[]", "{}", "\"\"", "[0]", "[-1,2]", "\"NaN\"", "\"<f16\"", "[4294967296]", "\"|O\"", "true"]),
    ) {
        // Replace one JSON value (after a ':') by a value of the wrong kind or range.
        let text = String::from_utf8(good).unwrap();
        let colons: Vec<usize> = text.match_indices(':').map(|(i, _)| i).collect();
        prop_assume!(!colons.is_empty());
        let start = colons[at.index(colons.len())] + 1;
        let end = text[start..]
            .find([',', '}'])
            .map_or(text.len(), |e| start + e);
        let doc = format!("{}{}{}", &text[..start], value, &text[end..]);
        let mut data = vec![which];
        data.extend_from_slice(doc.as_bytes());
        xr::fuzzing::zarr_metadata(&data);
    }
}

/// A wire bundle's bytes: round, with-data flag (with elements or header-only), values,
/// each of id and arrays.
#[cfg(feature = "mpi")]
fn wire_message() -> impl Strategy<Value = Vec<u8>> {
    (
        0u8..4,
        0u8..3,
        any::<bool>(),
        prop::collection::vec(0u64..6, 0..12),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(round, count, with_data, words, tail)| {
            let mut data = vec![round, count];
            data.extend_from_slice(&u64::from(round).to_le_bytes());
            data.push(u8::from(with_data));
            data.extend_from_slice(&u64::from(count).to_le_bytes());
            for w in words {
                data.extend_from_slice(&w.to_le_bytes());
            }
            data.extend_from_slice(&tail);
            data
        })
}

#[cfg(feature = "mpi")]
proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn mpi_wire_messages_never_panic(data in wire_message()) {
        xr::fuzzing::mpi_wire(&data);
    }

    #[test]
    fn mpi_wire_of_any_bytes(data in prop::collection::vec(any::<u8>(), 0..96)) {
        xr::fuzzing::mpi_wire(&data);
    }
}

/// Found by cargo-fuzz (`mpi_wire`, crash-fd2d8b88): a header-only bundle whose shape
/// multiplies past `isize::MAX` made ndarray panic in `NdArray::zeros`; it is an error.
#[cfg(feature = "mpi")]
#[test]
fn mpi_wire_header_with_an_overflowing_shape_is_an_error() {
    let crash = b"\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\xbb\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\x88\x88\x88\x88\x88\x88\x00\x00\x00\x00\x00\x00\x00\x00";
    let err = xr::fuzzing::mpi_wire_decode(crash).unwrap_err().to_string();
    assert!(
        err.contains("bad message from rank 1") && err.contains("overflows"),
        "{err}"
    );
}

/// Found by cargo-fuzz (`mpi_wire`, crash-6588e278): a header-only bundle of a shape that
/// fits in `isize` but needs 281 TB aborted the process when allocating its zeros; it is
/// an error.
#[cfg(feature = "mpi")]
#[test]
fn mpi_wire_header_of_a_huge_array_is_an_error_not_an_abort() {
    let crash = b"\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x00\x00\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xfd\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7a\x00\x00\x00\x00";
    // An error instead of an abort: since the bound on a header's zeros, that bound
    // refuses it before any allocation is tried.
    let err = xr::fuzzing::mpi_wire_decode(crash).unwrap_err().to_string();
    assert!(
        err.contains("bad message from rank 1") && err.contains("declares"),
        "{err}"
    );
}

/// Found by cargo-fuzz (`mpi_wire`, oom-fa4bc5c6, 84 bytes): a header-only bundle
/// declaring zero-filled arrays of 2.5 GB, which the allocator granted, took the process
/// past libFuzzer's 2 GiB RSS limit. A header may declare no more bytes of elements than
/// the sender's bundle with the elements holds (here the harness's 64 MiB): it is an
/// error naming the sender, the round and the task.
#[cfg(feature = "mpi")]
#[test]
fn mpi_wire_header_declaring_more_than_its_whole_bundle_is_an_error() {
    let oom = b"\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x21\x00\x00\xb5\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x0c\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x78\x00\x00\x00\x00\x00\x60\x00\x00\x00\x00\x00\x00\x00\x80\x00\x00\x00\x00\x26\x00\x00\x00\x00\x00\x00\x00\x0a\x3b";
    let err = xr::fuzzing::mpi_wire_decode(oom).unwrap_err().to_string();
    assert!(
        err.contains("bad message from rank 1 in round 0")
            && err.contains("task 0's array")
            && err.contains(&format!(
                "of the {} bytes",
                xr::fuzzing::MPI_WIRE_WHOLE_BUNDLE
            )),
        "{err}"
    );
}
