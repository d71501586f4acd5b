//! The header of a NetCDF classic file (CDF-1, CDF-2 and CDF-5), checked in Rust before
//! libnetcdf sees the file.
//!
//! libnetcdf trusts the counts, lengths and offsets of a classic header: with a few bytes
//! flipped it allocates or reads out of bounds and the process dies (SIGSEGV), or loops for
//! minutes over a count of billions. Every field is checked here against the NetCDF Classic
//! Format Specification and against the file's length, so a corrupt header is an
//! [`Error::Format`] naming the file and the field at fault.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use crate::error::{Error, Result};

/// The longest name libnetcdf accepts (`NC_MAX_NAME`).
const MAX_NAME: u64 = 256;

const TAG_ABSENT: u32 = 0;
const TAG_DIMENSION: u32 = 0x0A;
const TAG_VARIABLE: u32 = 0x0B;
const TAG_ATTRIBUTE: u32 = 0x0C;

/// What the data checks need of one variable.
struct Var {
    name: String,
    is_record: bool,
    /// Bytes of the whole variable (non-record) or of one record (record variable).
    bytes: u64,
    begin: u64,
}

/// The records of a classic file that lie past its end: never written (a writer that
/// declared them and stopped, or a cut copy). netcdf-c reads bytes past the end of a
/// classic file as zeros, and xarray, through it, does the same; so such records are
/// zeros, known without reading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct RecordsPastEnd {
    /// By record variable: the first record whose bytes all lie past the end of the file
    /// (and every later one). Only variables with such records are listed.
    first: Vec<(String, u64)>,
}

impl RecordsPastEnd {
    /// The first record of variable `name` (a root variable) past the end of the file.
    pub(super) fn first(&self, name: &str) -> Option<u64> {
        self.first.iter().find(|(n, _)| n == name).map(|&(_, r)| r)
    }
}

/// Checks the classic header of `path`; `Ok` for a file that is not a classic file (it
/// does not start with `CDF`), which libnetcdf then judges. Returns the records past the
/// end of the file, which read as zeros.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Format`] naming the file and the
/// field when the header is corrupt or truncated, or a fixed-size variable's data lies
/// past the end of the file.
pub(super) fn check_header(path: &Path) -> Result<RecordsPastEnd> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    check_reader(BufReader::new(file), len, path)
}

/// Checks a classic header held in memory, as [`check_header`] checks a file's (errors
/// name `name` as the file): for the fuzz targets, which try millions of headers.
///
/// # Errors
/// As [`check_header`].
pub(crate) fn check_header_bytes(bytes: &[u8], name: &Path) -> Result<()> {
    check_reader(bytes, bytes.len() as u64, name).map(|_| ())
}

/// Checks the classic header read from `reader`, `len` bytes long; `path` names it.
fn check_reader<R: Read>(mut reader: R, len: u64, path: &Path) -> Result<RecordsPastEnd> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut magic = [0u8; 4];
    if len < 4 {
        return Ok(RecordsPastEnd::default());
    }
    reader.read_exact(&mut magic).map_err(io)?;
    if &magic[..3] != b"CDF" {
        return Ok(RecordsPastEnd::default());
    }
    let mut header = Header {
        reader,
        pos: 4,
        len,
        version: magic[3],
        io_error: None,
    };
    header
        .check()
        .map_err(|(variable, reason)| match header.io_error.take() {
            // The operating system's error, not the file's: keep it as the cause.
            Some(source) => io(source),
            None => Error::Format {
                path: path.to_path_buf(),
                variable,
                reason: format!("corrupt NetCDF classic file: {reason}"),
            },
        })
}

/// A failure: the variable concerned, if any, and what is wrong.
type Fault = (Option<String>, String);

struct Header<R> {
    reader: R,
    /// Bytes read so far.
    pos: u64,
    /// The file's length.
    len: u64,
    version: u8,
    /// A failed read, kept whole for [`check_header`] to return as [`Error::Io`]; the
    /// [`Fault`] that goes up with it only stops the parse.
    io_error: Option<std::io::Error>,
}

impl<R: Read> Header<R> {
    fn check(&mut self) -> std::result::Result<RecordsPastEnd, Fault> {
        if !matches!(self.version, 1 | 2 | 5) {
            return Err((
                None,
                format!("format version {} (not 1, 2 or 5)", self.version),
            ));
        }
        let numrecs = self.numrecs()?;
        let dims = self.dims()?;
        self.attrs("global attribute")?;
        let vars = self.vars(&dims)?;
        let header_end = self.pos;
        self.check_data(&vars, numrecs, header_end)
    }

    /// Fails unless `n` more bytes lie within the file.
    fn within(&self, n: u64, what: &str) -> std::result::Result<(), Fault> {
        if n > self.len.saturating_sub(self.pos) {
            return Err((
                None,
                format!(
                    "{what} ({n} bytes at byte {}) runs past the end of the file ({} bytes)",
                    self.pos, self.len
                ),
            ));
        }
        Ok(())
    }

    fn bytes(&mut self, n: u64, what: &str) -> std::result::Result<Vec<u8>, Fault> {
        self.within(n, what)?;
        let mut buf =
            vec![0u8; usize::try_from(n).map_err(|_| (None, format!("{what}: {n} bytes")))?];
        if let Err(e) = self.reader.read_exact(&mut buf) {
            self.io_error = Some(e);
            return Err((None, format!("reading {what}")));
        }
        self.pos += n;
        Ok(buf)
    }

    fn u32(&mut self, what: &str) -> std::result::Result<u32, Fault> {
        let b = self.bytes(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self, what: &str) -> std::result::Result<u64, Fault> {
        let b = self.bytes(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(&b);
        Ok(u64::from_be_bytes(a))
    }

    /// A non-negative count or length: a 32-bit signed integer, 64-bit in CDF-5.
    fn non_neg(&mut self, what: &str) -> std::result::Result<u64, Fault> {
        let (value, max) = if self.version == 5 {
            (self.u64(what)?, i64::MAX as u64)
        } else {
            (u64::from(self.u32(what)?), i32::MAX as u64)
        };
        if value > max {
            return Err((None, format!("{what} is negative ({value:#x})")));
        }
        Ok(value)
    }

    /// A count of list entries, each taking at least `min_bytes` of the header.
    fn count(&mut self, what: &str, min_bytes: u64) -> std::result::Result<u64, Fault> {
        let at = self.pos;
        let n = self.non_neg(what)?;
        let room = self.len.saturating_sub(self.pos) / min_bytes;
        if n > room {
            return Err((
                None,
                format!(
                    "{what} {n} (at byte {at}) cannot fit in the {} bytes left",
                    self.len - self.pos
                ),
            ));
        }
        Ok(n)
    }

    fn numrecs(&mut self) -> std::result::Result<Option<u64>, Fault> {
        // STREAMING: all bits set, the count is taken from the file's length.
        let value = if self.version == 5 {
            self.u64("the number of records")?
        } else {
            let v = self.u32("the number of records")?;
            if v == u32::MAX {
                return Ok(None);
            }
            u64::from(v)
        };
        if value == u64::MAX {
            return Ok(None);
        }
        let max = if self.version == 5 {
            i64::MAX as u64
        } else {
            i32::MAX as u64
        };
        if value > max {
            return Err((
                None,
                format!("the number of records is negative ({value:#x})"),
            ));
        }
        Ok(Some(value))
    }

    fn size_bytes(&self) -> u64 {
        if self.version == 5 {
            8
        } else {
            4
        }
    }

    /// A list's tag and count: `None` when absent (a zero tag and a zero count).
    fn list(&mut self, tag: u32, what: &str, min_entry: u64) -> std::result::Result<u64, Fault> {
        let at = self.pos;
        let found = self.u32(&format!("the {what} list tag"))?;
        if found == TAG_ABSENT {
            let n = self.non_neg(&format!("the {what} count"))?;
            if n != 0 {
                return Err((
                    None,
                    format!("an absent {what} list (at byte {at}) has count {n}"),
                ));
            }
            return Ok(0);
        }
        if found != tag {
            return Err((
                None,
                format!("the {what} list tag at byte {at} is {found:#x}, not {tag:#x} or 0"),
            ));
        }
        self.count(&format!("the {what} count"), min_entry)
    }

    fn name(&mut self, what: &str) -> std::result::Result<String, Fault> {
        let at = self.pos;
        let n = self.non_neg(&format!("the length of the name of {what}"))?;
        if n == 0 || n > MAX_NAME {
            return Err((
                None,
                format!("the name of {what} (at byte {at}) has length {n} (1 to {MAX_NAME})"),
            ));
        }
        let bytes = self.bytes(n.next_multiple_of(4), &format!("the name of {what}"))?;
        let name = &bytes[..n as usize];
        if name.contains(&0) {
            return Err((
                None,
                format!("the name of {what} (at byte {at}) holds a NUL byte"),
            ));
        }
        String::from_utf8(name.to_vec()).map_err(|_| {
            (
                None,
                format!("the name of {what} (at byte {at}) is not UTF-8"),
            )
        })
    }

    fn dims(&mut self) -> std::result::Result<Vec<u64>, Fault> {
        let entry = self.size_bytes() * 2 + 4;
        let n = self.list(TAG_DIMENSION, "dimension", entry)?;
        let mut dims = Vec::new();
        let mut record = None;
        for i in 0..n {
            let name = self.name(&format!("dimension {i}"))?;
            let size = self.non_neg(&format!("the length of dimension {name:?}"))?;
            if size == 0 {
                if let Some(other) = record.replace(name.clone()) {
                    return Err((
                        None,
                        format!("two unlimited dimensions, {other:?} and {name:?}"),
                    ));
                }
            }
            dims.push(size);
        }
        Ok(dims)
    }

    /// Skips an attribute list, checking names, types and value sizes.
    fn attrs(&mut self, what: &str) -> std::result::Result<(), Fault> {
        let entry = self.size_bytes() * 2 + 8;
        let n = self.list(TAG_ATTRIBUTE, what, entry)?;
        for i in 0..n {
            let name = self.name(&format!("{what} {i}"))?;
            let at = self.pos;
            let t = self.u32(&format!("the type of {what} {name:?}"))?;
            let size = self
                .type_size(t)
                .ok_or_else(|| (None, format!("{what} {name:?} has type {t} (at byte {at})")))?;
            let count = self.non_neg(&format!("the length of {what} {name:?}"))?;
            let bytes = count
                .checked_mul(size)
                .and_then(|b| b.checked_next_multiple_of(4))
                .ok_or_else(|| (None, format!("{what} {name:?}: {count} values overflow")))?;
            self.skip(bytes, &format!("the values of {what} {name:?}"))?;
        }
        Ok(())
    }

    fn skip(&mut self, n: u64, what: &str) -> std::result::Result<(), Fault> {
        self.within(n, what)?;
        let copied = match std::io::copy(&mut (&mut self.reader).take(n), &mut std::io::sink()) {
            Ok(copied) => copied,
            Err(e) => {
                self.io_error = Some(e);
                return Err((None, format!("reading {what}")));
            }
        };
        if copied != n {
            return Err((None, format!("{what}: the file ended early")));
        }
        self.pos += n;
        Ok(())
    }

    /// The size in bytes of external type `t`, `None` for a type this version lacks.
    fn type_size(&self, t: u32) -> Option<u64> {
        Some(match t {
            1 | 2 => 1,                        // byte, char
            3 => 2,                            // short
            4 | 5 => 4,                        // int, float
            6 => 8,                            // double
            7 if self.version == 5 => 1,       // ubyte
            8 if self.version == 5 => 2,       // ushort
            9 if self.version == 5 => 4,       // uint
            10 | 11 if self.version == 5 => 8, // int64, uint64
            _ => return None,
        })
    }

    fn vars(&mut self, dims: &[u64]) -> std::result::Result<Vec<Var>, Fault> {
        let offset = if self.version == 1 { 4 } else { 8 };
        let entry = self.size_bytes() * 4 + 4 + 4 + 4 + offset;
        let n = self.list(TAG_VARIABLE, "variable", entry)?;
        let mut vars = Vec::new();
        for i in 0..n {
            let name = self.name(&format!("variable {i}"))?;
            let fault = |reason: String| (Some(name.clone()), reason);
            let ndims = self
                .count("its number of dimensions", self.size_bytes())
                .map_err(|(_, r)| fault(r))?;
            let mut shape = Vec::new();
            let mut is_record = false;
            for d in 0..ndims {
                let id = self.non_neg("a dimension id").map_err(|(_, r)| fault(r))?;
                let size = usize::try_from(id)
                    .ok()
                    .and_then(|id| dims.get(id))
                    .ok_or_else(|| {
                        fault(format!(
                            "dimension id {id} (the file has {} dimensions)",
                            dims.len()
                        ))
                    })?;
                if *size == 0 {
                    if d != 0 {
                        return Err(fault(format!(
                            "the unlimited dimension is its dimension {d}, not the first"
                        )));
                    }
                    is_record = true;
                } else {
                    shape.push(*size);
                }
            }
            self.attrs("attribute").map_err(|(_, r)| fault(r))?;
            let t = self.u32("its type").map_err(|(_, r)| fault(r))?;
            let size = self
                .type_size(t)
                .ok_or_else(|| fault(format!("unknown type {t}")))?;
            // vsize is redundant (and wrong by design past 4 GiB in CDF-1/2): the size is
            // computed from the shape instead.
            let _vsize = self.non_neg("its size").map_err(|(_, r)| fault(r))?;
            let begin = if self.version == 1 {
                u64::from(self.u32("its offset").map_err(|(_, r)| fault(r))?)
            } else {
                self.u64("its offset").map_err(|(_, r)| fault(r))?
            };
            let bytes = shape
                .iter()
                .try_fold(size, |acc, &n| acc.checked_mul(n))
                .ok_or_else(|| fault(format!("its shape {shape:?} overflows 64 bits")))?;
            vars.push(Var {
                name: name.clone(),
                is_record,
                bytes,
                begin,
            });
        }
        Ok(vars)
    }

    fn check_data(
        &self,
        vars: &[Var],
        numrecs: Option<u64>,
        header_end: u64,
    ) -> std::result::Result<RecordsPastEnd, Fault> {
        let mut past_end = RecordsPastEnd::default();
        // One record holds every record variable's slab; the lower bound without padding
        // keeps the check lenient for writers that pad differently.
        let recsize = vars
            .iter()
            .filter(|v| v.is_record)
            .try_fold(0u64, |acc, v| acc.checked_add(v.bytes))
            .ok_or_else(|| (None, "the record size overflows 64 bits".to_string()))?;
        for v in vars {
            let fault = |reason: String| (Some(v.name.clone()), reason);
            if v.begin < header_end {
                return Err(fault(format!(
                    "its data offset {} lies inside the header (which ends at byte {header_end})",
                    v.begin
                )));
            }
            let end = if v.is_record {
                match numrecs {
                    // Without records, libnetcdf places them past the end of the file.
                    Some(0) | None => continue,
                    Some(n) => {
                        (n - 1)
                            .checked_mul(recsize)
                            .and_then(|r| r.checked_add(v.begin))
                            .and_then(|r| r.checked_add(v.bytes))
                            .ok_or_else(|| fault(format!("{n} records overflow 64 bits")))?;
                        // Records past the end read as zeros (netcdf-c zero-fills reads
                        // past the end of the file). `recsize` is at most the true record
                        // size (no padding), so every record from `first` on truly lies
                        // past the end.
                        if recsize > 0 && v.bytes > 0 {
                            let first = self.len.saturating_sub(v.begin).div_ceil(recsize);
                            if first < n {
                                past_end.first.push((v.name.clone(), first));
                            }
                        }
                        continue;
                    }
                }
            } else {
                v.begin
                    .checked_add(v.bytes)
                    .ok_or_else(|| fault("its data end overflows 64 bits".to_string()))?
            };
            if end > self.len {
                return Err(fault(format!(
                    "its data (bytes {} to {end}) runs past the end of the file ({} bytes)",
                    v.begin, self.len
                )));
            }
        }
        Ok(past_end)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name)
    }

    fn check_bytes(bytes: &[u8]) -> Result<RecordsPastEnd> {
        let dir = std::env::temp_dir().join(format!("xr-classic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!(
            "{:x}.nc",
            bytes.len() ^ (bytes.iter().map(|&b| b as usize).sum::<usize>() << 20)
        ));
        std::fs::write(&path, bytes).unwrap();
        let r = check_header(&path);
        std::fs::remove_file(&path).unwrap();
        r
    }

    const CLASSIC: [&str; 6] = [
        "classic.nc",
        "classic_strings.nc",
        "scalars.nc",
        "empty_records_classic.nc",
        "example_1.nc",
        "bears.nc",
    ];

    #[test]
    fn the_classic_fixtures_pass_and_others_are_left_to_the_library() {
        for name in CLASSIC
            .iter()
            .chain(&["compressed_chunked.nc", "noleap_daily.nc"])
        {
            check_header(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn every_truncation_of_a_classic_file_is_an_error_naming_the_file() {
        for name in CLASSIC {
            let bytes = std::fs::read(fixture(name)).unwrap();
            for keep in 4..bytes.len() {
                // A file cut inside the data of records past the first may still hold a
                // whole header and whole fixed variables: only the start is certain.
                let err = match check_bytes(&bytes[..keep]) {
                    Err(e) => e,
                    Ok(_) => continue,
                };
                assert!(
                    matches!(err, Error::Format { .. }),
                    "{name}[..{keep}]: {err}"
                );
                assert!(
                    err.to_string().contains("corrupt NetCDF classic file"),
                    "{err}"
                );
            }
            // The header itself: every cut inside it is an error.
            assert!(
                check_bytes(&bytes[..bytes.len().min(40)]).is_err(),
                "{name}"
            );
        }
    }

    #[test]
    fn records_past_the_end_of_the_file_are_known() {
        // 3 records written of the 50 million declared.
        let past = check_header(&fixture("nc_sparse_classic.nc")).unwrap();
        assert_eq!((past.first("a"), past.first("b")), (Some(3), Some(3)));
        assert_eq!(past.first("x"), None);
        let whole = check_header(&fixture("classic.nc")).unwrap();
        assert_eq!(whole, RecordsPastEnd::default());
    }

    #[test]
    fn faults_name_the_field() {
        let bytes = std::fs::read(fixture("classic.nc")).unwrap();
        let mut b = bytes.clone();
        b[3] = 3;
        let err = check_bytes(&b).unwrap_err().to_string();
        assert!(err.contains("format version 3"), "{err}");
        let mut b = bytes.clone();
        b[8..12].copy_from_slice(&[0, 0, 0, 0x0B]);
        let err = check_bytes(&b).unwrap_err().to_string();
        assert!(err.contains("dimension list tag at byte 8 is 0xb"), "{err}");
        let mut b = bytes;
        b[12..16].copy_from_slice(&[0x7f, 0, 0, 0]);
        let err = check_bytes(&b).unwrap_err().to_string();
        assert!(err.contains("dimension count 2130706432"), "{err}");
    }
}
