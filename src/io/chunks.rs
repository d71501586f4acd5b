//! Direct chunk reads of NetCDF-4/HDF5 variables: byte ranges from the chunk index, decoded in Rust on all cores.
//!
//! libnetcdf and libhdf5 are not thread-safe, so reading through them serialises every
//! chunk behind one lock. [`DirectChunkSource`] asks the library once for a variable's
//! chunk index, filter pipeline, dtype and fill value, closes it, and from then on reads
//! chunks with positioned reads and decodes them (inflate, unshuffle, fletcher32, zstd,
//! byte order) on as many threads as ask. Anything it cannot decode makes
//! [`DirectChunkSource::open`] return `Ok(None)`, and the driver falls back to the library.

mod filters;
mod hdf5;

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use ndarray::{ArcArray, ArrayD, IxDyn, Slice};
use rayon::prelude::*;

use self::hdf5::{Layout, Probe};
use crate::array::chunks::{ChunkGrid, Region};
use crate::array::lazy::{assemble, ChunkSource};
use crate::array::{DType, Element, NdArray};
use crate::error::{Error, Result};

/// A NetCDF-4/HDF5 variable whose chunks are read and decoded without the library.
///
/// Values are the raw stored values (no CF decoding: fill values stay as they are, no
/// scale/offset); chunks never written read as the variable's fill value.
pub struct DirectChunkSource {
    path: PathBuf,
    var: String,
    file: File,
    layout: Layout,
    grid: ChunkGrid,
}

impl fmt::Debug for DirectChunkSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DirectChunkSource")
            .field("path", &self.path)
            .field("var", &self.var)
            .field("dtype", &self.layout.dtype)
            .field("shape", &self.layout.shape)
            .field("chunk_shape", &self.layout.chunk_shape)
            .field("filters", &self.layout.filters)
            .finish_non_exhaustive()
    }
}

/// HDF5's superblock signature; it sits at 0, 512, 1024, 2048, ... (after a user block).
const HDF5_SIGNATURE: [u8; 8] = *b"\x89HDF\r\n\x1a\n";

impl DirectChunkSource {
    /// Opens the variable at `var_path` (`"/group/var"`, or `"var"` for the root group)
    /// of the NetCDF-4/HDF5 file at `path`, reading its chunk index through libhdf5.
    ///
    /// Returns `Ok(None)` when the variable is not something this reader decodes: a file
    /// that is not HDF5 (NetCDF-3), a path that is not a dataset, a layout other than
    /// chunked, an element type other than plain integers and IEEE floats, or a filter
    /// other than deflate, shuffle, fletcher32 and zstd.
    ///
    /// # Errors
    /// When the file cannot be read, or is HDF5 but libhdf5 fails on it (truncated or
    /// corrupted metadata); the error names the file and variable.
    pub fn open(path: &Path, var_path: &str) -> Result<Option<Self>> {
        Ok(Self::open_explained(path, var_path)?.ok())
    }

    /// Like [`open`](Self::open), but says why a variable is not read directly: `Err`
    /// inside `Ok` holds the reason (for logs and tests).
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn open_explained(
        path: &Path,
        var_path: &str,
    ) -> Result<std::result::Result<Self, String>> {
        let var = if var_path.starts_with('/') {
            var_path.to_string()
        } else {
            format!("/{var_path}")
        };
        let fail = |reason: String| Error::FileRead {
            file: path.display().to_string(),
            var: var.clone(),
            chunk: None,
            reason,
        };
        let file = File::open(path).map_err(|e| fail(format!("cannot open: {e}")))?;
        let Some(superblock) =
            find_superblock(&file).map_err(|e| fail(format!("cannot read: {e}")))?
        else {
            return Ok(Err("not an HDF5 file (NetCDF-3?)".into()));
        };
        // libhdf5 1.10 leaks ids when H5Fopen fails on a truncated file (and then loops
        // at exit), so a file shorter than its superblock says is refused before it.
        check_length(&file, superblock).map_err(fail)?;
        let layout = match hdf5::probe(path, &var).map_err(fail)? {
            Probe::Layout(layout) => layout,
            Probe::Unsupported(reason) => return Ok(Err(reason)),
        };
        let grid = ChunkGrid::regular(&layout.shape, &layout.chunk_shape)?;
        Ok(Ok(DirectChunkSource {
            path: path.to_path_buf(),
            var,
            file,
            layout,
            grid,
        }))
    }

    /// The variable's path in the file (`"/group/var"`).
    pub fn var_path(&self) -> &str {
        &self.var
    }

    /// The storage chunk shape (edge chunks of the grid may be smaller).
    pub fn chunk_shape(&self) -> &[usize] {
        &self.layout.chunk_shape
    }

    /// Reads and decodes one storage chunk, `chunk` being its index in the chunk grid;
    /// edge chunks come cut to the array's shape.
    ///
    /// # Errors
    /// When `chunk` is outside the grid, the chunk's bytes cannot be read (a truncated
    /// file) or do not decode (corruption: a failed checksum or inflate); the error names
    /// the file, variable and chunk.
    pub fn read_chunk(&self, chunk: &[usize]) -> Result<NdArray> {
        let counts = self.grid.blocks_per_dim();
        if chunk.len() != counts.len() || chunk.iter().zip(&counts).any(|(&i, &n)| i >= n) {
            return Err(Error::IndexOutOfBounds {
                what: format!(
                    "chunk {chunk:?} of {} (chunks per dimension: {counts:?})",
                    self.label()
                ),
            });
        }
        self.decode_block(self.grid.linear_index(chunk))
    }

    fn error(&self, linear: Option<usize>, reason: String) -> Error {
        Error::FileRead {
            file: self.path.display().to_string(),
            var: self.var.clone(),
            chunk: linear.map(|l| self.grid.block_index(l)),
            reason,
        }
    }

    /// The chunk at row-major grid position `linear`, decoded and cut to the array.
    fn decode_block(&self, linear: usize) -> Result<NdArray> {
        let region = self.grid.block_region(&self.grid.block_index(linear));
        let keep: Vec<usize> = region.iter().map(Range::len).collect();
        let layout = &self.layout;
        let Some(loc) = layout.chunks.get(linear).copied().flatten() else {
            return fill_array(layout.dtype, &layout.fill, layout.big_endian, &keep);
        };
        let elem = layout.dtype.size();
        let expected = layout.chunk_shape.iter().product::<usize>() * elem;
        let size = usize::try_from(loc.size)
            .map_err(|_| self.error(Some(linear), format!("chunk size {} too large", loc.size)))?;
        let mut bytes = vec![0u8; size];
        self.file.read_exact_at(&mut bytes, loc.addr).map_err(|e| {
            self.error(
                Some(linear),
                format!("reading {size} bytes at offset {}: {e}", loc.addr),
            )
        })?;
        for (i, f) in layout.filters.iter().enumerate().rev() {
            if loc.filter_mask & (1 << i) != 0 {
                continue;
            }
            bytes = f
                .decode(bytes, expected)
                .map_err(|reason| self.error(Some(linear), reason))?;
        }
        if bytes.len() != expected {
            return Err(self.error(
                Some(linear),
                format!("decodes to {} bytes, expected {expected}", bytes.len()),
            ));
        }
        to_array(
            layout.dtype,
            &bytes,
            layout.big_endian,
            &layout.chunk_shape,
            &keep,
        )
        .map_err(|reason| self.error(Some(linear), reason))
    }
}

/// Where the HDF5 signature sits, if the file has one.
fn find_superblock(file: &File) -> std::io::Result<Option<u64>> {
    let len = file.metadata()?.len();
    let mut at = 0u64;
    while at + 8 <= len {
        let mut sig = [0u8; 8];
        file.read_exact_at(&mut sig, at)?;
        if sig == HDF5_SIGNATURE {
            return Ok(Some(at));
        }
        at = if at == 0 { 512 } else { at * 2 };
    }
    Ok(None)
}

/// Fails when the file is shorter than the end-of-file address in its superblock.
fn check_length(file: &File, at: u64) -> std::result::Result<(), String> {
    let mut sb = [0u8; 96];
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let n = usize::try_from((len - at).min(sb.len() as u64)).unwrap_or(sb.len());
    file.read_exact_at(&mut sb[..n], at)
        .map_err(|e| format!("reading the superblock: {e}"))?;
    let word = |pos: usize, size: usize| -> Option<u64> {
        let b = sb.get(pos..pos + size)?;
        Some(
            b.iter()
                .rev()
                .fold(0u64, |acc, &x| (acc << 8) | u64::from(x)),
        )
    };
    // (size of offsets, position of the base address) per superblock version.
    let (size, base_at, eoa_index) = match sb[8] {
        0 => (usize::from(sb[13]), 24, 2),
        1 => (usize::from(sb[13]), 28, 2),
        2 | 3 => (usize::from(sb[9]), 12, 2),
        _ => return Ok(()),
    };
    if !matches!(size, 2 | 4 | 8) {
        return Ok(());
    }
    let (Some(base), Some(eoa)) = (word(base_at, size), word(base_at + eoa_index * size, size))
    else {
        return Err("file is truncated inside its superblock".into());
    };
    if eoa != u64::MAX && base.saturating_add(eoa) > len {
        return Err(format!(
            "file is truncated: it has {len} bytes, its superblock says {}",
            base.saturating_add(eoa)
        ));
    }
    Ok(())
}

/// Element types decoded from stored bytes in either byte order.
trait FromStored: Element + Copy {
    const SIZE: usize;
    fn from_le(b: &[u8]) -> Self;
    fn from_be(b: &[u8]) -> Self;
}

macro_rules! from_stored {
    ($($t:ty),*) => {$(
        impl FromStored for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline]
            fn from_le(b: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(b);
                <$t>::from_le_bytes(a)
            }
            #[inline]
            fn from_be(b: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(b);
                <$t>::from_be_bytes(a)
            }
        }
    )*};
}
from_stored!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

/// Runs `$f::<T>($args)` with `T` the element type of `$dtype`.
macro_rules! dispatch {
    ($dtype:expr, $f:ident($($arg:expr),*)) => {
        match $dtype {
            DType::I8 => $f::<i8>($($arg),*),
            DType::I16 => $f::<i16>($($arg),*),
            DType::I32 => $f::<i32>($($arg),*),
            DType::I64 => $f::<i64>($($arg),*),
            DType::U8 => $f::<u8>($($arg),*),
            DType::U16 => $f::<u16>($($arg),*),
            DType::U32 => $f::<u32>($($arg),*),
            DType::U64 => $f::<u64>($($arg),*),
            DType::F32 => $f::<f32>($($arg),*),
            DType::F64 => $f::<f64>($($arg),*),
            other => Err(format!("dtype {other} is not read directly")),
        }
    };
}

fn decode_values<T: FromStored>(bytes: &[u8], big_endian: bool) -> Vec<T> {
    let words = bytes.chunks_exact(T::SIZE);
    if big_endian {
        words.map(T::from_be).collect()
    } else {
        words.map(T::from_le).collect()
    }
}

fn typed_array<T: FromStored>(
    bytes: &[u8],
    big_endian: bool,
    full: &[usize],
    keep: &[usize],
) -> Result<NdArray, String> {
    let values = decode_values::<T>(bytes, big_endian);
    let arr = ArrayD::from_shape_vec(IxDyn(full), values).map_err(|e| e.to_string())?;
    let arr = if full == keep {
        arr
    } else {
        arr.slice_each_axis(|ax| Slice::from(0..keep[ax.axis.index()]))
            .to_owned()
    };
    Ok(T::wrap(arr.into_shared()))
}

fn fill_typed<T: FromStored>(
    fill: &[u8],
    big_endian: bool,
    _full: &[usize],
    keep: &[usize],
) -> Result<NdArray, String> {
    let value = decode_values::<T>(fill, big_endian)
        .first()
        .copied()
        .ok_or_else(|| "the fill value is shorter than one element".to_string())?;
    Ok(T::wrap(ArcArray::from_elem(IxDyn(keep), value)))
}

fn to_array(
    dtype: DType,
    bytes: &[u8],
    big_endian: bool,
    full: &[usize],
    keep: &[usize],
) -> Result<NdArray, String> {
    dispatch!(dtype, typed_array(bytes, big_endian, full, keep))
}

fn fill_array(dtype: DType, fill: &[u8], big_endian: bool, keep: &[usize]) -> Result<NdArray> {
    dispatch!(dtype, fill_typed(fill, big_endian, keep, keep)).map_err(Error::Internal)
}

impl ChunkSource for DirectChunkSource {
    fn dtype(&self) -> DType {
        self.layout.dtype
    }

    fn shape(&self) -> &[usize] {
        &self.layout.shape
    }

    fn chunks(&self) -> &ChunkGrid {
        &self.grid
    }

    fn read(&self, region: &[Range<usize>]) -> Result<NdArray> {
        let shape = &self.layout.shape;
        if region.len() != shape.len()
            || region
                .iter()
                .zip(shape)
                .any(|(r, &n)| r.start > r.end || r.end > n)
        {
            return Err(Error::IndexOutOfBounds {
                what: format!("region {region:?} of {} with shape {shape:?}", self.label()),
            });
        }
        let region: Region = region.to_vec();
        let overlap = self.grid.overlapping(&region);
        let mut blocks = vec![Vec::new()];
        for dim in &overlap {
            blocks = blocks
                .into_iter()
                .flat_map(|prefix: Vec<usize>| {
                    dim.iter().map(move |(b, _, _)| {
                        let mut idx = prefix.clone();
                        idx.push(*b);
                        idx
                    })
                })
                .collect();
        }
        let linear: Vec<usize> = blocks.iter().map(|b| self.grid.linear_index(b)).collect();
        if let [one] = linear[..] {
            if self.grid.block_region(&blocks[0]) == region {
                return self.decode_block(one);
            }
        }
        let mut decoded: HashMap<usize, NdArray> = linear
            .par_iter()
            .map(|&l| Ok((l, self.decode_block(l)?)))
            .collect::<Result<_>>()?;
        assemble(&self.grid, &region, self.layout.dtype, |l| {
            decoded
                .remove(&l)
                .ok_or_else(|| Error::internal(format!("chunk {l} was not decoded")))
        })
    }

    fn label(&self) -> String {
        format!("{}: {}", self.path.display(), self.var)
    }
}
