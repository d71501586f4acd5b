//! One entry point per fuzz target: each runs one parser or decoder of the crate on
//! arbitrary bytes and must return (an `Err` inside is fine), never panic, hang or
//! allocate without bound. The cargo-fuzz targets in `fuzz/` and the proptests in
//! `tests/fuzz_props.rs` call these same functions, so a crash found by one is replayed
//! by the other.
//!
//! Not part of the stable API: hidden from the docs.

use crate::array::{DType, NdArray};
use crate::dataset::{AttrValue, Attrs, Variable};
use crate::time::{
    format_ticks, parse_partial_datetime, Calendar, CfDatetime, CfUnits, NAT, TICKS_PER_DAY,
};

/// The calendar chosen by `byte`, and the bytes after it as (lossy) text.
fn calendar_and_text(data: &[u8]) -> (Calendar, String) {
    match data.split_first() {
        Some((&b, rest)) => (
            Calendar::ALL[usize::from(b) % Calendar::ALL.len()],
            String::from_utf8_lossy(rest).into_owned(),
        ),
        None => (Calendar::ALL[0], String::new()),
    }
}

/// Offsets that reach the edges of every unit: zero, fractions, huge, non-finite.
const FLOAT_OFFSETS: [f64; 9] = [
    0.0,
    1.5,
    -0.25,
    1e18,
    -1e300,
    f64::MAX,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
];
const INT_OFFSETS: [i64; 5] = [0, 1, -1, i64::MAX, i64::MIN];

/// CF time units (`"days since 2000-01-01"`): parse, then decode and encode extreme
/// offsets with them, and print them.
pub fn time_units(data: &[u8]) {
    let (calendar, text) = calendar_and_text(data);
    if let Ok(units) = CfUnits::parse(&text, calendar) {
        let _ = units.decode(&FLOAT_OFFSETS);
        let _ = units.decode(&INT_OFFSETS);
        let _ = units.decode(&[1i32, i32::MIN, i32::MAX]);
        let _ = units.encode(&[0, TICKS_PER_DAY, NAT, i64::MAX, i64::MIN + 1]);
        let _ = units.to_string();
    }
    let _ = crate::time::decode(&[0.5f32, f32::MAX], &text, calendar);
}

/// Datetime strings: full ISO datetimes and the partial ones of `sel("2000-01")`.
pub fn datetime_string(data: &[u8]) {
    let (calendar, text) = calendar_and_text(data);
    if let Ok(t) = CfDatetime::parse(&text, calendar) {
        let _ = t.to_string();
    }
    if let Ok((start, end)) = parse_partial_datetime(&text, calendar) {
        let _ = format_ticks(start, calendar);
        let _ = format_ticks(end, calendar);
    }
}

/// A little-endian reader of fuzz bytes that yields zeros once they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn f64(&mut self) -> f64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.u8();
        }
        f64::from_le_bytes(b)
    }

    /// Text up to the next zero byte.
    fn text(&mut self) -> String {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(self.0.len());
        let s = String::from_utf8_lossy(&self.0[..end]).into_owned();
        self.0 = self.0.get(end + 1..).unwrap_or(&[]);
        s
    }
}

/// The dtypes the CF fuzz target stores values in.
const CF_DTYPES: [DType; 6] = [
    DType::F64,
    DType::F32,
    DType::I16,
    DType::I32,
    DType::U8,
    DType::I64,
];

/// CF attribute decoding: a variable with fuzzed `units`, `calendar`, `_FillValue`,
/// `missing_value`, `scale_factor`, `add_offset` and `dtype` attributes in any
/// combination, decoded eagerly and chunked, and its values computed.
pub fn cf_attributes(data: &[u8]) {
    let mut b = Bytes(data);
    let dtype = CF_DTYPES[usize::from(b.u8()) % CF_DTYPES.len()];
    let present = b.u8();
    let chunk = usize::from(b.u8() % 4) + 1;
    let mut attrs = Attrs::new();
    let number = |x: f64, as_int: bool| {
        let a = if as_int {
            NdArray::from(vec![x as i64])
        } else {
            NdArray::from(vec![x])
        };
        AttrValue::Array(a)
    };
    if present & 1 != 0 {
        attrs.insert("units".into(), AttrValue::Str(b.text()));
    }
    if present & 2 != 0 {
        attrs.insert("calendar".into(), AttrValue::Str(b.text()));
    }
    for (bit, name) in [
        (4, "_FillValue"),
        (8, "missing_value"),
        (16, "scale_factor"),
        (32, "add_offset"),
    ] {
        if present & bit != 0 {
            let x = b.f64();
            attrs.insert(name.into(), number(x, present & 64 != 0));
        }
    }
    if present & 128 != 0 {
        attrs.insert("dtype".into(), AttrValue::Str(b.text()));
    }
    let n = usize::from(b.u8() % 16);
    let values: Vec<f64> = (0..n).map(|_| b.f64()).collect();
    let Ok(array) = NdArray::from(values).astype(dtype) else {
        return;
    };
    let Ok(var) = Variable::new(&["time"], array) else {
        return;
    };
    let var = var.with_attrs(attrs);
    let options = crate::io::cf::DecodeOptions::default();
    if let Ok(decoded) = crate::io::cf::decode_variable("v", var.clone(), &options) {
        let _ = decoded.data().compute();
    }
    if n > 0 {
        if let Ok(lazy) = var.data().chunk(&[chunk]) {
            if let Ok(chunked) = Variable::new(&["time"], lazy) {
                let chunked = chunked.with_attrs(var.attrs().clone());
                if let Ok(decoded) = crate::io::cf::decode_variable("v", chunked, &options) {
                    let _ = decoded.data().compute();
                }
            }
        }
    }
}

/// The NetCDF classic header validator on a whole file's bytes.
#[cfg(feature = "netcdf")]
pub fn netcdf_classic_header(data: &[u8]) {
    let _ = crate::io::netcdf::check_header_bytes(data, std::path::Path::new("fuzz.nc"));
}

/// The dtypes of the direct chunk decoder.
#[cfg(feature = "direct")]
const DIRECT_DTYPES: [DType; 6] = [
    DType::F32,
    DType::F64,
    DType::I16,
    DType::U8,
    DType::I32,
    DType::I64,
];

/// The direct chunk decoder: one chunk through a pipeline of deflate, shuffle,
/// fletcher32 and zstd, its stored bytes either the fuzz bytes as they are or a
/// correctly encoded chunk with bytes flipped, cut or added, and a stored size that may
/// disagree with the bytes. The bytes go through a file (one per thread, reused), as the
/// decoder reads from one.
#[cfg(feature = "direct")]
pub fn direct_chunk(data: &[u8]) {
    use crate::io::chunks::DirectChunkSource;
    let mut b = Bytes(data);
    let dtype = DIRECT_DTYPES[usize::from(b.u8()) % DIRECT_DTYPES.len()];
    let pipeline = b.u8();
    let mask = u32::from(b.u8() & 0x0f);
    let big_endian = pipeline & 0x80 != 0;
    let dims = [usize::from(b.u8() % 9) + 1, usize::from(b.u8() % 9) + 1];
    let size_delta = i64::from(b.u8() as i8);
    let corrupt_at = usize::from(b.u8());
    let corrupt_with = b.u8();
    let encode = pipeline & 0x40 != 0;
    let mut filters: Vec<(i32, Vec<u32>)> = Vec::new();
    if pipeline & 1 != 0 {
        filters.push((3, vec![]));
    }
    if pipeline & 2 != 0 {
        let shuffle_size = if pipeline & 0x20 != 0 {
            u32::from(b.u8())
        } else {
            dtype.size() as u32
        };
        filters.push((2, vec![shuffle_size]));
    }
    if pipeline & 4 != 0 {
        filters.push((1, vec![4]));
    }
    if pipeline & 8 != 0 {
        filters.push((32015, vec![]));
    }
    if pipeline & 0x10 != 0 {
        filters.reverse();
    }
    let mut stored = b.0.to_vec();
    if encode {
        let expected = dims[0] * dims[1] * dtype.size();
        stored.resize(expected, 0);
        for (id, cd) in &filters {
            stored = encode_filter(*id, cd, stored);
        }
        if !stored.is_empty() && corrupt_with != 0 {
            let at = corrupt_at % stored.len();
            stored[at] ^= corrupt_with;
        }
    }
    let stored_size = (stored.len() as i64 + size_delta).max(0) as u64;
    let path = std::env::temp_dir().join(format!(
        "xr-fuzz-chunk-{}-{:?}.bin",
        std::process::id(),
        std::thread::current().id()
    ));
    if std::fs::write(&path, &stored).is_err() {
        return;
    }
    if let Ok(src) = DirectChunkSource::single_chunk(
        &path,
        dtype,
        big_endian,
        &dims,
        &filters,
        stored_size,
        mask,
    ) {
        let _ = src.read_chunk(&[0, 0]);
        if let Some(chunk) = src.manifest().first() {
            let _ = src.unfilter(chunk, &stored);
        }
    }
}

/// Encodes `bytes` with HDF5 filter `id`, as a writer would.
#[cfg(feature = "direct")]
fn encode_filter(id: i32, cd: &[u32], bytes: Vec<u8>) -> Vec<u8> {
    use std::io::Write;
    match id {
        1 => {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            if z.write_all(&bytes).is_err() {
                return bytes;
            }
            z.finish().unwrap_or(bytes)
        }
        2 => {
            let size = cd.first().map_or(1, |&s| s as usize);
            let mut out = vec![0u8; bytes.len()];
            crate::io::shuffle::shuffle(&bytes, size, &mut out);
            out
        }
        3 => {
            let sum = crate::io::chunks::fletcher32(&bytes);
            let mut out = bytes;
            out.extend_from_slice(&sum.to_le_bytes());
            out
        }
        _ => zstd::bulk::compress(&bytes, 1).unwrap_or(bytes),
    }
}

/// A good Zarr v2 array with its attributes, for the templates below.
#[cfg(feature = "zarr")]
const V2_ZARRAY: &str = r#"{"zarr_format":2,"shape":[4],"chunks":[2],"dtype":"<f4","compressor":{"id":"zlib","level":1},"fill_value":"NaN","filters":null,"order":"C"}"#;
#[cfg(feature = "zarr")]
const V2_ZATTRS: &str = r#"{"_ARRAY_DIMENSIONS":["x"],"units":"days since 2000-01-01"}"#;
#[cfg(feature = "zarr")]
const V3_ROOT: &str = r#"{"zarr_format":3,"node_type":"group","attributes":{}}"#;
#[cfg(feature = "zarr")]
const V3_ARRAY: &str = r#"{"zarr_format":3,"node_type":"array","shape":[4],"data_type":"float32","chunk_grid":{"name":"regular","configuration":{"chunk_shape":[2]}},"chunk_key_encoding":{"name":"default","configuration":{"separator":"/"}},"fill_value":"NaN","codecs":[{"name":"bytes","configuration":{"endian":"little"}},{"name":"zstd","configuration":{"level":1,"checksum":false}}],"dimension_names":["x"],"attributes":{}}"#;

/// Zarr metadata: the fuzz bytes as one metadata document (`.zarray`, `.zattrs`,
/// `.zgroup`, `.zmetadata`, a v3 `zarr.json` of the root or of the array, or a chunk)
/// of a store whose other keys are good, opened in memory and every variable read.
#[cfg(feature = "zarr")]
pub fn zarr_metadata(data: &[u8]) {
    let Some((&which, doc)) = data.split_first() else {
        return;
    };
    let v2_group = br#"{"zarr_format":2}"#.as_slice();
    let chunk = [0u8; 8];
    let mut v2: Vec<(&str, &[u8])> = vec![
        (".zgroup", v2_group),
        ("a/.zarray", V2_ZARRAY.as_bytes()),
        ("a/.zattrs", V2_ZATTRS.as_bytes()),
        ("a/0", &chunk),
    ];
    let mut v3: Vec<(&str, &[u8])> = vec![
        ("zarr.json", V3_ROOT.as_bytes()),
        ("a/zarr.json", V3_ARRAY.as_bytes()),
        ("a/c/0", &chunk),
    ];
    let files = match which % 8 {
        k @ 0..=3 => {
            v2[usize::from(k)].1 = doc;
            v2
        }
        4 => {
            v2.push((".zmetadata", doc));
            v2
        }
        k @ 5..=7 => {
            v3[usize::from(k - 5)].1 = doc;
            v3
        }
        _ => return,
    };
    let _ = crate::io::zarr::open_memory(&files);
}

/// The length the `mpi_wire` target takes for the sender's bundle with the elements,
/// which bounds the zeros a header-only bundle may declare (see
/// `dist::mpi::wire::decode`).
#[cfg(feature = "mpi")]
pub const MPI_WIRE_WHOLE_BUNDLE: usize = 64 << 20;

/// The MPI wire format: a bundle of task values as a rank receives it, decoded for a
/// round and task ids taken from the first bytes.
#[cfg(feature = "mpi")]
pub fn mpi_wire(data: &[u8]) {
    let _ = mpi_wire_decode(data);
}

/// [`mpi_wire`], returning the decoder's answer: the number of arrays decoded, or the
/// error.
///
/// # Errors
/// The decoder's, for a bad message.
#[cfg(feature = "mpi")]
pub fn mpi_wire_decode(data: &[u8]) -> crate::Result<usize> {
    let mut b = Bytes(data);
    let round = usize::from(b.u8() % 4);
    let ids: Vec<usize> = (0..b.u8() % 4).map(|i| usize::from(i) * 3).collect();
    let values =
        crate::dist::mpi::wire::decode(b.0, round, &ids, "from rank 1", MPI_WIRE_WHOLE_BUNDLE)?;
    Ok(values.iter().map(|(_, v)| v.0.len()).sum())
}
