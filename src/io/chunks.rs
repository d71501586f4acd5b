//! Direct chunk reads of NetCDF-4/HDF5 variables: byte ranges from the chunk index, decoded in Rust on all cores.
//!
//! libnetcdf and libhdf5 are not thread-safe, so reading through them serialises every
//! chunk behind one lock. [`DirectChunkSource`] asks the library once for a variable's
//! chunk index, filter pipeline, dtype and fill value, closes it, and from then on reads
//! chunks with positioned reads and decodes them (inflate, unshuffle, fletcher32, zstd,
//! byte order) on as many threads as ask. Anything it cannot decode makes
//! [`DirectChunkSource::open`] return `Ok(None)`, and the driver falls back to the library.

mod decode;
pub(crate) mod filters;
pub(crate) mod hdf5;

#[cfg(feature = "netcdf")]
pub(crate) use hdf5::silence_diagnostics;
// The fuzz target encodes chunks with the checksum the decoder checks.
pub(crate) use filters::fletcher32;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::marker::PhantomData;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use ndarray::{ArcArray, ArrayD, IxDyn, Slice};
use rayon::prelude::*;

use num_traits::{AsPrimitive, Float};

use self::decode::{convert, fill_value, Decoded, FromStored};
use self::filters::{DecodeError, Filter};
use self::hdf5::{Layout, Probe};
use crate::array::chunks::{for_each_index, ChunkGrid, Region};
use crate::array::kernels::{MaskScale, Num};
use crate::array::sink::{par_filled, Sink, Uninit};
use crate::array::{simd, with_numeric_dtype, DType, Element, NdArray};
use crate::error::{Error, Result};
use crate::lazy::{assemble, ChunkSource};

/// A NetCDF-4/HDF5 variable whose chunks are read and decoded without the library.
///
/// Values are the raw stored values (no CF decoding: fill values stay as they are, no
/// scale/offset); chunks never written read as the variable's fill value.
pub struct DirectChunkSource {
    path: PathBuf,
    var: String,
    file: File,
    file_len: u64,
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

/// One written chunk of a variable: where its stored (filtered) bytes are in the file.
///
/// The chunk manifest is what a range-request reader (HTTP, S3) needs besides the
/// filter pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChunk {
    /// The chunk's index in the chunk grid.
    pub index: Vec<usize>,
    /// Byte offset in the file.
    pub offset: u64,
    /// Stored size in bytes.
    pub size: u64,
    /// Bit `i` set: filter `i` of the pipeline was skipped for this chunk.
    pub filter_mask: u32,
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
    /// [`Error::FileRead`] naming the file and variable when the file cannot be read
    /// (the `std::io::Error` its source), or is HDF5 but libhdf5 fails on it (truncated
    /// or corrupted metadata).
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
        let error = |reason: &str, source: Option<std::io::Error>| Error::FileRead {
            file: path.display().to_string(),
            var: var.clone(),
            chunk: None,
            reason: reason.to_string(),
            source: source.map(|e| e.into()),
        };
        let fail = |reason: String| error(&reason, None);
        let io = |reason: &'static str| move |e| error(reason, Some(e));
        let file = File::open(path).map_err(io("cannot open"))?;
        let Some(superblock) = find_superblock(&file).map_err(io("cannot read"))? else {
            return Ok(Err("not an HDF5 file (NetCDF-3?)".into()));
        };
        // libhdf5 1.10 leaks ids when H5Fopen fails on a truncated file (and then loops
        // at exit), so a file shorter than its superblock says is refused before it.
        check_length(&file, superblock)
            .map_err(io("reading the superblock"))?
            .map_err(fail)?;
        let layout = match hdf5::probe(path, &var).map_err(fail)? {
            Probe::Layout(layout) => layout,
            Probe::Unsupported(reason) => return Ok(Err(reason)),
        };
        let grid = ChunkGrid::regular(&layout.shape, &layout.chunk_shape)?;
        let file_len = file.metadata().map_err(io("cannot read"))?.len();
        Ok(Ok(DirectChunkSource {
            path: path.to_path_buf(),
            var,
            file,
            file_len,
            layout,
            grid,
        }))
    }

    /// A source of one variable made of a single stored chunk: the bytes at the start of
    /// the file at `path`, `stored_size` of them claimed (more than the file holds is a
    /// truncated chunk), undone by the HDF5 filters `filters` (id and client data, in
    /// write order) with those of `filter_mask` skipped. No libhdf5 call: it is the chunk
    /// decoder alone, for the fuzz targets.
    ///
    /// # Errors
    /// [`Error::FileRead`] when the file cannot be opened; [`Error::InvalidArgument`]
    /// for a filter this reader does not decode, a shape with a zero dimension, or a
    /// chunk of more than `1 << 24` elements.
    #[doc(hidden)]
    pub fn single_chunk(
        path: &Path,
        dtype: DType,
        big_endian: bool,
        chunk_shape: &[usize],
        filters: &[(i32, Vec<u32>)],
        stored_size: u64,
        filter_mask: u32,
    ) -> Result<Self> {
        chunk_shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .filter(|&n| n > 0 && n <= 1 << 24)
            .ok_or_else(|| {
                Error::invalid_argument(
                    "chunk_shape",
                    format!("{chunk_shape:?}: empty or too large"),
                )
            })?;
        let filters = filters
            .iter()
            .map(|(id, cd)| {
                Filter::from_hdf5(*id, cd, dtype.size())
                    .ok_or_else(|| Error::invalid_argument("filters", format!("filter id {id}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let var = "/fuzz".to_string();
        let file = File::open(path).map_err(|e| Error::FileRead {
            file: path.display().to_string(),
            var: var.clone(),
            chunk: None,
            reason: "cannot open".into(),
            source: Some(e.into()),
        })?;
        let file_len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let layout = Layout {
            shape: chunk_shape.to_vec(),
            chunk_shape: chunk_shape.to_vec(),
            dtype,
            big_endian,
            filters,
            fill: vec![0; dtype.size()],
            chunks: vec![Some(hdf5::ChunkLoc {
                addr: 0,
                size: stored_size,
                filter_mask,
            })],
        };
        let grid = ChunkGrid::regular(&layout.shape, &layout.chunk_shape)?;
        Ok(DirectChunkSource {
            path: path.to_path_buf(),
            var,
            file,
            file_len,
            layout,
            grid,
        })
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
    /// [`Error::IndexOutOfBounds`] when `chunk` is outside the grid; [`Error::FileRead`]
    /// naming the file, variable and chunk when the chunk's bytes cannot be read (a
    /// truncated file) or do not decode (corruption: a failed checksum or inflate), with
    /// the `std::io::Error` or the decompressor's error as its source when one failed.
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

    /// The written chunks (unwritten chunks read as the fill value), in grid order.
    pub fn manifest(&self) -> Vec<StoredChunk> {
        self.layout
            .chunks
            .iter()
            .enumerate()
            .filter_map(|(linear, loc)| {
                loc.map(|l| StoredChunk {
                    index: self.grid.block_index(linear),
                    offset: l.addr,
                    size: l.size,
                    filter_mask: l.filter_mask,
                })
            })
            .collect()
    }

    /// Undoes the filter pipeline on one chunk's stored bytes (as read from the
    /// [`manifest`](Self::manifest)'s byte range), giving the chunk's full, uncut bytes
    /// in the file's byte order.
    ///
    /// # Errors
    /// [`Error::FileRead`] naming the file, the variable and the chunk when the bytes do
    /// not decode (a failed checksum or inflate, a wrong size), with the decompressor's
    /// error as its source when it failed.
    pub fn unfilter(&self, chunk: &StoredChunk, bytes: &[u8]) -> Result<Vec<u8>> {
        let linear = self.grid.linear_index(&chunk.index);
        with_scratch(|a, b| {
            a.clear();
            a.extend_from_slice(bytes);
            self.unfilter_in(linear, chunk.filter_mask, None, a, b)?;
            Ok(a.clone())
        })
    }

    /// Undoes the filters on the stored bytes in `a`, leaving the result in `a` (`b` is
    /// scratch). See [`unfilter_bytes`].
    fn unfilter_in(
        &self,
        linear: usize,
        mask: u32,
        fuse: Option<usize>,
        a: &mut Vec<u8>,
        b: &mut Vec<u8>,
    ) -> Result<bool> {
        let layout = &self.layout;
        let expected = layout.chunk_shape.iter().product::<usize>() * layout.dtype.size();
        unfilter_bytes(&layout.filters, mask, fuse, expected, None, a, b)
            .map_err(|e| self.error_from(Some(linear), e.reason, e.source))
    }

    fn error(&self, linear: Option<usize>, reason: String) -> Error {
        self.error_from(linear, reason, None)
    }

    /// The error for chunk `linear` (or the variable), with the library error at fault.
    fn error_from(
        &self,
        linear: Option<usize>,
        reason: String,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::FileRead {
            file: self.path.display().to_string(),
            var: self.var.clone(),
            chunk: linear.map(|l| self.grid.block_index(l)),
            reason,
            source,
        }
    }

    /// Elements `skip..skip + len` of chunk `linear` (row-major in the full, uncut
    /// storage chunk), into `sink`.
    fn decode_into<T: FromStored, K: Sink<T>>(
        &self,
        linear: usize,
        skip: usize,
        len: usize,
        sink: K,
    ) -> Result<K::Out> {
        let layout = &self.layout;
        let Some(loc) = layout.chunks.get(linear).copied().flatten() else {
            let fill = fill_value::<T>(&layout.fill, layout.big_endian)
                .ok_or_else(|| self.error(None, "the fill value is too short".into()))?;
            return Ok(sink.put(std::iter::repeat_n(fill, len)));
        };
        if loc.addr.saturating_add(loc.size) > self.file_len {
            return Err(self.error(
                Some(linear),
                format!(
                    "its {} bytes at offset {} run past the end of the file ({} bytes): truncated?",
                    loc.size, loc.addr, self.file_len
                ),
            ));
        }
        let size = usize::try_from(loc.size)
            .map_err(|_| self.error(Some(linear), format!("chunk size {} too large", loc.size)))?;
        with_scratch(|a, b| {
            a.resize(size, 0);
            self.file.read_exact_at(a, loc.addr).map_err(|e| {
                self.error_from(
                    Some(linear),
                    format!("reading {size} bytes at offset {}", loc.addr),
                    Some(e.into()),
                )
            })?;
            let shuffled = self.unfilter_in(linear, loc.filter_mask, Some(T::SIZE), a, b)?;
            Ok(simd::wide(
                #[inline(always)]
                || convert(a, shuffled, layout.big_endian, skip, len, sink),
            ))
        })
    }

    /// The chunk at row-major grid position `linear`, decoded and cut to the array.
    fn decode_block(&self, linear: usize) -> Result<NdArray> {
        with_numeric_dtype!(self.layout.dtype, |T| decode_block_typed::<T>(self, linear), other => Err(Error::UnsupportedDType {
            op: "direct chunk reads".into(),
            dtype: other,
        }))
    }

    /// Whether `region` (within the shape, not empty) spans whole storage chunks in
    /// every dimension but the first, each of them one chunk: each chunk along the
    /// first then lands in one contiguous run of the values.
    fn spans_rows(&self, region: &Region) -> bool {
        let (shape, chunk) = (&self.layout.shape, &self.layout.chunk_shape);
        !shape.is_empty()
            && !region.iter().any(Range::is_empty)
            && (1..shape.len()).all(|d| region[d] == (0..shape[d]) && chunk[d] == shape[d])
    }

    /// `region` of rows ([`Self::spans_rows`]): the chunks decode in parallel, each by
    /// `decode(linear, skip, len, sink)` straight into its run of the values.
    fn read_rows<U: Element + Send>(
        &self,
        region: &Region,
        decode: impl Fn(usize, usize, usize, Uninit<'_, U>) -> Result<()> + Sync,
    ) -> Result<NdArray> {
        let shape: Vec<usize> = region.iter().map(Range::len).collect();
        let row: usize = shape[1..].iter().product();
        let mut index = vec![0; shape.len()];
        let (mut lens, mut at) = (Vec::new(), Vec::new());
        for (block, local, _) in &self.grid.overlapping(&region[..1])[0] {
            index[0] = *block;
            lens.push(local.len() * row);
            at.push((self.grid.linear_index(&index), local.start * row));
        }
        let out = par_filled(&lens, |i, len, sink| {
            let (linear, skip) = at[i];
            decode(linear, skip, len, sink)
        })?;
        let arr = ArcArray::from_shape_vec(IxDyn(&shape), out)
            .map_err(|e| Error::internal(format!("read_rows: {e}")))?;
        Ok(U::wrap(arr))
    }

    /// `region` of rows, the stored values as they are.
    fn read_rows_stored<T: FromStored>(&self, region: &Region) -> Result<NdArray> {
        self.read_rows(region, |linear, skip, len, sink: Uninit<'_, T>| {
            self.decode_into(linear, skip, len, sink)
        })
    }

    /// `region` of rows of stored type `S`, decoded by `decode` into `T` as each value
    /// is unpacked; `None` when `decode` does not take `S` values into `T`.
    fn read_rows_decoded<S, T>(
        &self,
        region: &Region,
        decode: &MaskScale,
    ) -> Option<Result<NdArray>>
    where
        S: FromStored + Num,
        T: Float + Element + Send + 'static,
        f64: AsPrimitive<T>,
    {
        if !decode.takes::<S, T>() {
            return None;
        }
        Some(
            self.read_rows(region, |linear, skip, len, into: Uninit<'_, T>| {
                let decoded = PhantomData;
                self.decode_into::<S, _>(
                    linear,
                    skip,
                    len,
                    Decoded {
                        decode,
                        into,
                        decoded,
                    },
                )?
                .ok_or_else(|| Error::internal("a decoding that took the type once refused it"))
            }),
        )
    }

    /// Fails with [`Error::IndexOutOfBounds`] unless `region` lies within the shape.
    fn check_region(&self, region: &[Range<usize>]) -> Result<()> {
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
        Ok(())
    }
}

fn decode_block_typed<T: FromStored>(src: &DirectChunkSource, linear: usize) -> Result<NdArray> {
    let full = &src.layout.chunk_shape;
    let region = src.grid.block_region(&src.grid.block_index(linear));
    let keep: Vec<usize> = region.iter().map(Range::len).collect();
    let mut values = vec![T::default(); full.iter().product()];
    let len = values.len();
    src.decode_into(linear, 0, len, values.as_mut_slice())?;
    let arr = ArrayD::from_shape_vec(IxDyn(full), values)
        .map_err(|e| Error::internal(format!("decode_block: {e}")))?;
    let arr = if *full == keep {
        arr
    } else {
        arr.slice_each_axis(|ax| Slice::from(0..keep[ax.axis.index()]))
            .to_owned()
    };
    Ok(T::wrap(arr.into_shared()))
}

thread_local! {
    /// Per-thread buffers for stored and partly decoded chunk bytes, reused: a chunk is
    /// the size at which every fresh allocation is a fresh mapping that page-faults.
    static SCRATCH: RefCell<(Vec<u8>, Vec<u8>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>, &mut Vec<u8>) -> Result<R>) -> Result<R> {
    SCRATCH.with(|s| {
        let mut s = s
            .try_borrow_mut()
            .map_err(|_| Error::internal("chunk scratch buffers borrowed twice"))?;
        let (a, b) = &mut *s;
        f(a, b)
    })
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

/// Fails (inner `Err`) when the file is shorter than the end-of-file address in its
/// superblock; the outer `Err` is a failed read.
fn check_length(file: &File, at: u64) -> std::io::Result<std::result::Result<(), String>> {
    let mut sb = [0u8; 96];
    let len = file.metadata()?.len();
    let n = usize::try_from((len - at).min(sb.len() as u64)).unwrap_or(sb.len());
    file.read_exact_at(&mut sb[..n], at)?;
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
        _ => return Ok(Ok(())),
    };
    if !matches!(size, 2 | 4 | 8) {
        return Ok(Ok(()));
    }
    let (Some(base), Some(eoa)) = (word(base_at, size), word(base_at + eoa_index * size, size))
    else {
        return Ok(Err("file is truncated inside its superblock".into()));
    };
    if eoa != u64::MAX && base.saturating_add(eoa) > len {
        return Ok(Err(format!(
            "file is truncated: it has {len} bytes, its superblock says {}",
            base.saturating_add(eoa)
        )));
    }
    Ok(Ok(()))
}

/// Undoes `filters` (bit `i` of `mask` set: filter `i` was skipped when the chunk was
/// stored) on a chunk's stored bytes, `stored`, or those in `a` when `None`. The result
/// is left in `a` (`b` is scratch) and must be `expected` bytes. When `fuse` is the
/// element size of a shuffle that is the last step, that step is left to the caller;
/// the return value says whether it was.
fn unfilter_bytes(
    filters: &[Filter],
    mask: u32,
    fuse: Option<usize>,
    expected: usize,
    mut stored: Option<&[u8]>,
    a: &mut Vec<u8>,
    b: &mut Vec<u8>,
) -> std::result::Result<bool, DecodeError> {
    let deferred =
        mask & 1 == 0 && matches!(filters.first(), Some(Filter::Shuffle(n)) if Some(*n) == fuse);
    for (i, f) in filters.iter().enumerate().rev() {
        if mask & (1 << i) != 0 || (i == 0 && deferred) {
            continue;
        }
        match stored.take() {
            // The first step reads the stored bytes where they are.
            Some(bytes) => f.decode(bytes, a, expected)?,
            None => {
                f.decode(a, b, expected)?;
                std::mem::swap(a, b);
            }
        }
    }
    if let Some(bytes) = stored {
        a.clear();
        a.extend_from_slice(bytes);
    }
    if a.len() != expected {
        return Err(format!("decodes to {} bytes, expected {expected}", a.len()).into());
    }
    Ok(deferred)
}

/// Fills `dst` with elements `skip..skip + dst.len()` of a chunk of `expected` bytes
/// whose stored bytes are `stored`, undoing `filters` as [`DirectChunkSource`] does (a
/// final unshuffle fused into the conversion to `T` in the given byte order): for
/// chunks of HDF5's filters kept elsewhere than in a local file (kerchunk references, a
/// Zarr v2 store with the same codecs).
pub(crate) fn decode_stored_into<T: FromStored>(
    stored: &[u8],
    filters: &[Filter],
    big_endian: bool,
    expected: usize,
    skip: usize,
    dst: &mut [T],
) -> std::result::Result<(), DecodeError> {
    SCRATCH.with(|s| {
        let mut s = s
            .try_borrow_mut()
            .map_err(|_| DecodeError::from("chunk scratch buffers borrowed twice".to_string()))?;
        let (a, b) = &mut *s;
        let shuffled = unfilter_bytes(filters, 0, Some(T::SIZE), expected, Some(stored), a, b)?;
        if (skip + dst.len()) * T::SIZE > a.len() {
            return Err(format!(
                "{} values from value {skip} of a chunk of {expected} bytes",
                dst.len()
            )
            .into());
        }
        let len = dst.len();
        simd::wide(
            #[inline(always)]
            || convert(a, shuffled, big_endian, skip, len, dst),
        );
        Ok(())
    })
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
        self.check_region(region)?;
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
        if linear.len() > 1 && self.spans_rows(&region) {
            return with_numeric_dtype!(self.layout.dtype, |T| self.read_rows_stored::<T>(&region), other => Err(Error::UnsupportedDType {
                op: "direct chunk reads".into(),
                dtype: other,
            }));
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

    /// Regions of whole chunks in every dimension but the first decode into `f32` or
    /// `f64` in the pass that unshuffles them; other regions and 64-bit integers are left
    /// to the caller.
    fn read_decoded(&self, region: &[Range<usize>], decode: &MaskScale) -> Option<Result<NdArray>> {
        if let Err(e) = self.check_region(region) {
            return Some(Err(e));
        }
        let region: Region = region.to_vec();
        if !self.spans_rows(&region) {
            return None;
        }
        let dtype = self.layout.dtype;
        match decode.dtype() {
            DType::F32 => {
                with_numeric_dtype!(dtype, |S| self.read_rows_decoded::<S, f32>(&region, decode), _ => None)
            }
            DType::F64 => {
                with_numeric_dtype!(dtype, |S| self.read_rows_decoded::<S, f64>(&region, decode), _ => None)
            }
            _ => None,
        }
    }

    fn constant(&self, region: &[Range<usize>]) -> Option<NdArray> {
        let shape = &self.layout.shape;
        if region.len() != shape.len()
            || region
                .iter()
                .zip(shape)
                .any(|(r, &n)| r.is_empty() || r.end > n)
        {
            return None;
        }
        let overlap = self.grid.overlapping(region);
        let counts: Vec<usize> = overlap.iter().map(Vec::len).collect();
        let mut written = false;
        for_each_index(&counts, |idx| {
            let block: Vec<usize> = idx.iter().zip(&overlap).map(|(&i, o)| o[i].0).collect();
            let linear = self.grid.linear_index(&block);
            written |= self.layout.chunks.get(linear).is_none_or(Option::is_some);
        });
        if written {
            return None;
        }
        let one = IxDyn(&vec![1; shape.len()]);
        let (fill, big_endian) = (&self.layout.fill, self.layout.big_endian);
        with_numeric_dtype!(
            self.layout.dtype,
            |T| fill_value::<T>(fill, big_endian).map(|v| <T as crate::array::Element>::wrap(ArcArray::from_elem(one, v))),
            _ => None
        )
    }

    fn label(&self) -> String {
        format!("{}: {}", self.path.display(), self.var)
    }
}
