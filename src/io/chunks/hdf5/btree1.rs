//! The chunk index of a dataset stored in the HDF5 1.8 file format (a layout message of
//! version 3, which NetCDF-4 files and h5py's default files use): a version 1 B-tree,
//! read from the file in one walk over its nodes.
//!
//! libhdf5 1.10 finds a chunk's address by coordinate by iterating the tree from its
//! first chunk, so asking it for every chunk is quadratic: 36,500 one-step chunks of one
//! variable (100 years of daily data) took 22 s to open. Walking the tree reads each
//! node once. Anything this reader does not expect (another superblock or object header
//! layout, another index, offsets of other than 8 bytes, a node that is not a chunk
//! node, a key off the chunk grid) makes it give up with `None`, and the caller asks
//! libhdf5 as before: a malformed file then fails there, with libhdf5's error.
//!
//! Formats: the HDF5 File Format Specification version 3.0, sections II.A (superblock),
//! III.A.1 (version 1 B-trees), IV.A.1 (object headers) and IV.A.2.i (the data layout
//! message).

use super::ChunkLoc;

/// Reads `buf.len()` bytes of the file at `addr`; `None` when it cannot.
pub(crate) type ReadAt<'a> = &'a dyn Fn(u64, &mut [u8]) -> Option<()>;

/// The undefined address (all bits set).
const UNDEFINED: u64 = u64::MAX;

/// The location of every written chunk of the dataset whose object header is at
/// `header` (chunks of `chunk_shape` over a grid of `counts` chunks, row-major), or
/// `None` when the file is not laid out as this reader expects. The superblock is at
/// the start of the file (no user block).
pub(crate) fn chunk_index(
    read: ReadAt<'_>,
    header: u64,
    chunk_shape: &[usize],
    counts: &[usize],
) -> Option<Vec<Option<ChunkLoc>>> {
    check_superblock(read)?;
    let root = btree_address(read, header, chunk_shape)?;
    let total = counts.iter().try_fold(1usize, |n, &c| n.checked_mul(c))?;
    let mut out = vec![None; total];
    if root == UNDEFINED {
        return Some(out);
    }
    let rank = chunk_shape.len();
    // A key: the chunk's stored size and filter mask, then its offset in each
    // dimension and a last one for the element, 8 bytes each.
    let key = 8 + 8 * (rank + 1);
    let mut stack = vec![root];
    // Each leaf holds a chunk at least, and there are fewer inner nodes than leaves:
    // more nodes than twice the chunks is a cycle (a damaged file).
    let (mut visited, most) = (0, total.saturating_mul(2).saturating_add(1));
    while let Some(addr) = stack.pop() {
        visited += 1;
        if visited > most {
            return None;
        }
        let mut head = [0u8; 24];
        read(addr, &mut head)?;
        // Signature, node type 1 (raw data chunks), level, entries used, siblings.
        if &head[..4] != b"TREE" || head[4] != 1 {
            return None;
        }
        let level = head[5];
        let entries = usize::from(u16::from_le_bytes([head[6], head[7]]));
        let mut body = vec![0u8; entries * (key + 8) + key];
        read(addr.checked_add(24)?, &mut body)?;
        for i in 0..entries {
            let at = i * (key + 8);
            let child = le_u64(&body[at + key..at + key + 8]);
            if level > 0 {
                stack.push(child);
                continue;
            }
            let k = &body[at..at + key];
            let size = u64::from(u32::from_le_bytes(k[..4].try_into().ok()?));
            let filter_mask = u32::from_le_bytes(k[4..8].try_into().ok()?);
            let linear = grid_position(&k[8..], chunk_shape, counts)?;
            *out.get_mut(linear)? = Some(ChunkLoc {
                addr: child,
                size,
                filter_mask,
            });
        }
    }
    Some(out)
}

/// The chunk's row-major position in the grid from its element offsets (8 bytes each,
/// the element's last); `None` off the grid.
fn grid_position(offsets: &[u8], chunk_shape: &[usize], counts: &[usize]) -> Option<usize> {
    let mut linear = 0usize;
    for (d, (&c, &n)) in chunk_shape.iter().zip(counts).enumerate() {
        let offset = usize::try_from(le_u64(&offsets[8 * d..8 * d + 8])).ok()?;
        if offset % c != 0 || offset / c >= n {
            return None;
        }
        linear = linear.checked_mul(n)?.checked_add(offset / c)?;
    }
    Some(linear)
}

/// Fails (`None`) unless the superblock at the start of the file says addresses and
/// lengths are 8 bytes and data starts at the file's start.
fn check_superblock(read: ReadAt<'_>) -> Option<()> {
    let mut sb = [0u8; 32];
    read(0, &mut sb)?;
    if &sb[..8] != b"\x89HDF\r\n\x1a\n" {
        return None;
    }
    // Where the sizes of offsets and lengths and the base address lie.
    let (sizes, base) = match sb[8] {
        0 | 1 => (13, if sb[8] == 0 { 24 } else { 28 }),
        2 | 3 => (9, 12),
        _ => return None,
    };
    (sb[sizes] == 8 && sb[sizes + 1] == 8 && le_u64(&sb[base..base + 8]) == 0).then_some(())
}

/// The address of the chunk B-tree in the layout message of the object header at
/// `header` (version 1 or 2 headers, continuation blocks followed); `None` for another
/// layout message or index.
fn btree_address(read: ReadAt<'_>, header: u64, chunk_shape: &[usize]) -> Option<u64> {
    let mut first = [0u8; 4];
    read(header, &mut first)?;
    let v2 = &first == b"OHDR";
    // Blocks of messages still to scan: (address, length).
    let mut blocks: Vec<(u64, u64)> = Vec::new();
    // A v2 message: type (1), size (2), flags (1), creation order (2) when the header
    // tracks it; v1: type (2), size (2), flags (1), reserved (3), data padded to 8 bytes.
    let mut head = 8;
    if v2 {
        let mut pre = [0u8; 6 + 16 + 4 + 8];
        read(header, &mut pre)?;
        let flags = pre[5];
        head = if flags & 0x04 != 0 { 6 } else { 4 };
        let mut at = 6;
        if flags & 0x20 != 0 {
            at += 16; // access, modification, change and birth times
        }
        if flags & 0x10 != 0 {
            at += 4; // attribute phase change values
        }
        let width = 1usize << (flags & 0x03);
        let mut size = [0u8; 8];
        size[..width].copy_from_slice(&pre[at..at + width]);
        let start = header.checked_add(u64::try_from(at + width).ok()?)?;
        // The chunk's messages, without its checksum.
        blocks.push((start, u64::from_le_bytes(size)));
    } else {
        let mut pre = [0u8; 16];
        read(header, &mut pre)?;
        if pre[0] != 1 {
            return None;
        }
        let size = u32::from_le_bytes(pre[8..12].try_into().ok()?);
        blocks.push((header.checked_add(16)?, u64::from(size)));
    }
    let mut scanned = 0;
    while let Some((start, len)) = blocks.pop() {
        scanned += 1;
        if scanned > 4096 || len > 1 << 24 {
            return None;
        }
        let mut buf = vec![0u8; usize::try_from(len).ok()?];
        read(start, &mut buf)?;
        let mut at = 0;
        while at + head <= buf.len() {
            let (kind, size) = if v2 {
                (
                    u16::from(buf[at]),
                    u16::from_le_bytes([buf[at + 1], buf[at + 2]]),
                )
            } else {
                (
                    u16::from_le_bytes([buf[at], buf[at + 1]]),
                    u16::from_le_bytes([buf[at + 2], buf[at + 3]]),
                )
            };
            let data = buf.get(at + head..at + head + usize::from(size))?;
            match kind {
                // Layout.
                0x08 => return layout_btree(data, chunk_shape),
                // Continuation: another block of messages.
                0x10 => {
                    let addr = le_u64(data.get(..8)?);
                    let length = le_u64(data.get(8..16)?);
                    if v2 {
                        // "OCHK", the messages, a checksum.
                        blocks.push((addr.checked_add(4)?, length.checked_sub(8)?));
                    } else {
                        blocks.push((addr, length));
                    }
                }
                _ => {}
            }
            at += head + usize::from(size);
        }
    }
    None
}

/// The B-tree address of a version 3 layout message of chunked storage whose chunk
/// dimensions are `chunk_shape` (and the element size last); `None` for anything else.
fn layout_btree(data: &[u8], chunk_shape: &[usize]) -> Option<u64> {
    // Version 3, class 2 (chunked), dimensionality (rank + 1), the B-tree's address,
    // then the chunk's dimensions, 4 bytes each.
    if data.len() < 3 || data[0] != 3 || data[1] != 2 {
        return None;
    }
    let rank = usize::from(data[2]).checked_sub(1)?;
    if rank != chunk_shape.len() {
        return None;
    }
    let addr = le_u64(data.get(3..11)?);
    for (d, &c) in chunk_shape.iter().enumerate() {
        let dim = u32::from_le_bytes(data.get(11 + 4 * d..15 + 4 * d)?.try_into().ok()?);
        if usize::try_from(dim).ok()? != c {
            return None;
        }
    }
    Some(addr)
}

/// Eight little-endian bytes (the caller has checked there are eight).
fn le_u64(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(b)
}
