//! The HDF5 filters this reader decodes, in Rust: deflate, shuffle, fletcher32, zstd.

use std::cell::RefCell;

use crate::io::shuffle::unshuffle;
use libdeflater::{DecompressionError, Decompressor};

/// One stage of a dataset's filter pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filter {
    /// zlib stream (HDF5 filter 1).
    Deflate,
    /// Byte shuffle of elements of this many bytes (filter 2).
    Shuffle(usize),
    /// Fletcher-32 checksum in the last 4 bytes (filter 3).
    Fletcher32,
    /// Zstandard frame (registered filter 32015).
    Zstd,
}

const ZSTD_FILTER_ID: i32 = 32015;

/// Why a filter could not be undone: what failed and, when a decompressor failed, its
/// error (kept as the `source` of [`crate::Error::FileRead`]).
#[derive(Debug)]
pub(crate) struct DecodeError {
    pub reason: String,
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl DecodeError {
    fn library(reason: &str, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        DecodeError {
            reason: reason.to_string(),
            source: Some(Box::new(source)),
        }
    }
}

impl From<String> for DecodeError {
    fn from(reason: String) -> Self {
        DecodeError {
            reason,
            source: None,
        }
    }
}

/// Room for checksums that inner stages of a pipeline carry.
const HEADROOM: usize = 64;

impl Filter {
    /// The filter for an HDF5 filter id and its client data, or `None` when unknown.
    pub(crate) fn from_hdf5(id: i32, cd_values: &[u32], elem_size: usize) -> Option<Filter> {
        match id {
            1 => Some(Filter::Deflate),
            2 => {
                let size = cd_values.first().map_or(elem_size, |&s| s as usize);
                Some(Filter::Shuffle(if size == 0 { elem_size } else { size }))
            }
            3 => Some(Filter::Fletcher32),
            ZSTD_FILTER_ID => Some(Filter::Zstd),
            _ => None,
        }
    }

    /// Undoes this filter on `data` into `out` (its old contents dropped, its capacity reused);
    /// `expected` is the chunk's decoded size in bytes. Inner stages may be a little
    /// larger (a fletcher32 checksum under a compressor), so `HEADROOM` bytes more are
    /// allowed; the pipeline's end checks the exact size.
    pub(crate) fn decode(
        self,
        data: &[u8],
        out: &mut Vec<u8>,
        expected: usize,
    ) -> Result<(), DecodeError> {
        let limit = expected + HEADROOM;
        if self != Filter::Deflate {
            out.clear();
        }
        match self {
            Filter::Deflate => inflate(data, out, limit),
            Filter::Shuffle(size) => {
                out.resize(data.len(), 0);
                unshuffle(data, size, out);
                Ok(())
            }
            Filter::Fletcher32 => {
                let body = verify_fletcher32(data)?;
                out.extend_from_slice(body);
                Ok(())
            }
            Filter::Zstd => {
                out.reserve(limit);
                zstd::bulk::Decompressor::new()
                    .and_then(|mut z| z.decompress_to_buffer(data, out))
                    .map(|_| ())
                    .map_err(|e| DecodeError::library("zstd", e))
            }
        }
    }
}

/// Inflates a zlib stream into `out`; more than `limit` bytes is an error (corrupt data
/// must not grow a buffer without bound). One libdeflate decompressor per thread.
pub(crate) fn inflate(data: &[u8], out: &mut Vec<u8>, limit: usize) -> Result<(), DecodeError> {
    thread_local! {
        static INFLATE: RefCell<Decompressor> = RefCell::new(Decompressor::new());
    }
    // Only bytes beyond the old length are zeroed: libdeflate overwrites what it returns.
    out.resize(limit, 0);
    let n = INFLATE.with(|z| z.borrow_mut().zlib_decompress(data, out));
    match n {
        Ok(n) => {
            out.truncate(n);
            Ok(())
        }
        Err(DecompressionError::InsufficientSpace) => {
            Err(format!("inflate: decodes to more than {limit} bytes").into())
        }
        // Corrupted or truncated: libdeflate's error kept as the cause.
        Err(e) => Err(DecodeError::library("inflate", e)),
    }
}

/// HDF5's Fletcher-32 (`H5_checksum_fletcher32`): big-endian 16-bit words.
pub(crate) fn fletcher32(data: &[u8]) -> u32 {
    let (mut sum1, mut sum2) = (0u32, 0u32);
    for block in data[..data.len() / 2 * 2].chunks(720) {
        for w in block.chunks_exact(2) {
            sum1 += (u32::from(w[0]) << 8) | u32::from(w[1]);
            sum2 += sum1;
        }
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    if data.len() % 2 == 1 {
        sum1 += u32::from(data[data.len() - 1]) << 8;
        sum2 += sum1;
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    (sum2 << 16) | sum1
}

/// Checks and strips the trailing checksum. Like HDF5, also accepts the byte-swapped sum
/// that libraries before 1.6.3 wrote on little-endian machines.
fn verify_fletcher32(data: &[u8]) -> Result<&[u8], String> {
    let Some(body) = data.len().checked_sub(4) else {
        return Err(format!(
            "fletcher32: {} bytes cannot hold a checksum",
            data.len()
        ));
    };
    let mut stored = [0u8; 4];
    stored.copy_from_slice(&data[body..]);
    let stored = u32::from_le_bytes(stored);
    let sum = fletcher32(&data[..body]);
    let b = sum.to_le_bytes();
    let reversed = u32::from_le_bytes([b[1], b[0], b[3], b[2]]);
    if stored != sum && stored != reversed {
        return Err(format!(
            "fletcher32 checksum mismatch: stored {stored:#010x}, computed {sum:#010x} (corrupted data)"
        ));
    }
    Ok(&data[..body])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fletcher32_matches_hdf5_on_known_input() {
        // Worked by hand: words 0x0102, 0x0304 and a trailing 0x05 byte.
        let s1 = 0x0102 + 0x0304 + 0x0500;
        let s2 = 0x0102 + (0x0102 + 0x0304) + s1;
        assert_eq!(fletcher32(&[1, 2, 3, 4, 5]), (s2 << 16) | s1);
    }
}
