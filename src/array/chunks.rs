//! `ChunkGrid`: how an array is split into chunks, per dimension.

use std::ops::Range;
use std::sync::Arc;

use crate::error::{Error, Result};

/// A rectangular region of an array: one range per dimension.
pub type Region = Vec<Range<usize>>;

/// Per-dimension chunk sizes, regular or not (dask's `chunks`).
///
/// Cloning is cheap (the sizes are shared): every lazy node and every task of a graph
/// holds a grid, and a grid of ten years of one-step chunks has thousands of sizes.
#[derive(Debug, Clone)]
pub struct ChunkGrid {
    sizes: Arc<[Vec<usize>]>,
    /// Per dim, where each chunk starts, and the dim's length last (`sizes.len() + 1`
    /// entries), so that finding a block or a region's blocks is a binary search.
    starts: Arc<[Vec<usize>]>,
}

impl PartialEq for ChunkGrid {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.sizes, &other.sizes) || self.sizes == other.sizes
    }
}

impl Eq for ChunkGrid {}

impl std::hash::Hash for ChunkGrid {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.sizes.hash(state);
    }
}

impl ChunkGrid {
    /// Chunks of at most `chunk_shape` (the last chunk of a dimension may be smaller).
    /// A chunk size of 0 means the whole dimension.
    ///
    /// # Errors
    /// When `chunk_shape` and `shape` differ in length.
    pub fn regular(shape: &[usize], chunk_shape: &[usize]) -> Result<Self> {
        if shape.len() != chunk_shape.len() {
            return Err(Error::ShapeMismatch {
                what: "chunk shape for an array".into(),
                expected: shape.to_vec(),
                actual: chunk_shape.to_vec(),
            });
        }
        let sizes = shape
            .iter()
            .zip(chunk_shape)
            .map(|(&n, &c)| split(n, if c == 0 { n } else { c }))
            .collect();
        Ok(Self::new(sizes))
    }

    fn new(sizes: Vec<Vec<usize>>) -> Self {
        let starts = sizes
            .iter()
            .map(|s| {
                let mut at = Vec::with_capacity(s.len() + 1);
                let mut start = 0;
                at.push(0);
                for n in s {
                    start += n;
                    at.push(start);
                }
                at
            })
            .collect();
        ChunkGrid {
            sizes: sizes.into(),
            starts,
        }
    }

    /// One chunk holding the whole array.
    pub fn single(shape: &[usize]) -> Self {
        Self::new(shape.iter().map(|&n| split(n, n)).collect())
    }

    /// Explicit chunk sizes per dimension.
    ///
    /// # Errors
    /// When a chunk size is 0 in a non-empty dimension.
    pub fn from_sizes(sizes: Vec<Vec<usize>>) -> Result<Self> {
        if let Some((d, _)) = sizes
            .iter()
            .enumerate()
            .find(|(_, s)| s.len() > 1 && s.contains(&0))
        {
            return Err(Error::invalid_argument(
                "chunks",
                format!("chunk sizes of axis {d} contain 0: {:?}", sizes[d]),
            ));
        }
        Ok(Self::new(sizes))
    }

    /// Chunk sizes per dimension.
    pub fn sizes(&self) -> &[Vec<usize>] {
        &self.sizes
    }

    /// The array shape the grid covers.
    pub fn shape(&self) -> Vec<usize> {
        self.starts
            .iter()
            .map(|s| s.last().copied().unwrap_or(0))
            .collect()
    }

    /// The number of dimensions.
    pub fn ndim(&self) -> usize {
        self.sizes.len()
    }

    /// Chunks per dimension.
    pub fn blocks_per_dim(&self) -> Vec<usize> {
        self.sizes.iter().map(Vec::len).collect()
    }

    /// The total number of chunks.
    pub fn num_blocks(&self) -> usize {
        self.sizes.iter().map(Vec::len).product()
    }

    /// The largest chunk's number of elements.
    pub fn max_block_len(&self) -> usize {
        self.sizes
            .iter()
            .map(|s| s.iter().copied().max().unwrap_or(0))
            .product()
    }

    /// The block index (one per dim) of a row-major block number.
    pub fn block_index(&self, linear: usize) -> Vec<usize> {
        let counts = self.blocks_per_dim();
        let mut idx = vec![0; counts.len()];
        let mut rest = linear;
        for d in (0..counts.len()).rev() {
            idx[d] = rest % counts[d].max(1);
            rest /= counts[d].max(1);
        }
        idx
    }

    /// The row-major block number of a block index.
    pub fn linear_index(&self, block: &[usize]) -> usize {
        block
            .iter()
            .zip(self.blocks_per_dim())
            .fold(0, |acc, (&i, n)| acc * n + i)
    }

    /// The region of the block at `block`.
    pub fn block_region(&self, block: &[usize]) -> Region {
        block
            .iter()
            .zip(self.sizes.iter().zip(self.starts.iter()))
            .map(|(&i, (s, at))| {
                let start = at[i.min(s.len())];
                start..start + s.get(i).copied().unwrap_or(0)
            })
            .collect()
    }

    /// For each dim, the blocks overlapping `region` and, per block, the overlap in
    /// block-local coordinates: `(block_number_along_dim, local_range, region_offset)`.
    pub fn overlapping(&self, region: &[Range<usize>]) -> Vec<Vec<(usize, Range<usize>, usize)>> {
        region
            .iter()
            .zip(self.sizes.iter().zip(self.starts.iter()))
            .map(|(r, (sizes, at))| {
                // The first block that ends after the region starts (all blocks before
                // it end at or before `r.start`); empty blocks never overlap a
                // non-empty region, so starting there misses none.
                let first = at[1..].partition_point(|&end| end <= r.start);
                let mut out = Vec::new();
                for (b, &n) in sizes.iter().enumerate().skip(first.saturating_sub(1)) {
                    let (start, end) = (at[b], at[b] + n);
                    if start > r.end || (start == r.end && !r.is_empty()) {
                        break;
                    }
                    let lo = r.start.max(start);
                    let hi = r.end.min(end);
                    if lo < hi || (r.is_empty() && n == 0) {
                        out.push((b, lo - start..hi - start, lo - r.start));
                    }
                }
                out
            })
            .collect()
    }
}

/// Splits `n` into chunks of `c` (the last one shorter); an empty dim has one empty chunk.
fn split(n: usize, c: usize) -> Vec<usize> {
    if n == 0 || c == 0 {
        return vec![n];
    }
    let mut out = vec![c; n / c];
    if n % c != 0 {
        out.push(n % c);
    }
    out
}

/// The number of elements of a region.
pub fn region_len(region: &[Range<usize>]) -> usize {
    region.iter().map(|r| r.len()).product()
}

/// Calls `f` with every multi-index of a grid of `counts`, row-major.
pub(crate) fn for_each_index(counts: &[usize], mut f: impl FnMut(&[usize])) {
    if counts.contains(&0) {
        return;
    }
    let mut idx = vec![0; counts.len()];
    loop {
        f(&idx);
        let mut d = counts.len();
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            if idx[d] < counts[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// Consecutive chunk sizes along one axis joined into blocks: each chunk joins the block
/// before it while `joins(block, chunk)` (their sizes) says so, and starts a block
/// otherwise. Every chunk stays whole, so each block reads whole chunks.
pub(crate) fn join_runs(sizes: &[usize], joins: impl Fn(usize, usize) -> bool) -> Vec<usize> {
    join_runs_within(sizes, &[], joins)
}

/// [`join_runs`], except that a chunk starting at or after one of the increasing offsets
/// `breaks` never joins a block that starts before that break: a block spans a break only
/// inside one of its chunks.
pub(crate) fn join_runs_within(
    sizes: &[usize],
    breaks: &[usize],
    joins: impl Fn(usize, usize) -> bool,
) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut block_start = 0;
    let mut offset = 0;
    let mut next_break = 0;
    for &n in sizes {
        // The breaks up to this chunk's start; one after the block's start stops the join.
        let mut crossed = false;
        while let Some(&b) = breaks.get(next_break).filter(|&&b| b <= offset) {
            crossed |= b > block_start;
            next_break += 1;
        }
        match out.last_mut() {
            Some(block) if !crossed && joins(*block, n) => *block += n,
            _ => {
                out.push(n);
                block_start = offset;
            }
        }
        offset += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_runs_keeps_chunks_whole_and_starts_a_block_when_one_cannot_join() {
        let sizes = [1, 1, 1, 5, 1, 1, 2];
        assert_eq!(join_runs(&sizes, |block, n| block + n <= 3), [3, 5, 2, 2]);
        assert_eq!(join_runs(&sizes, |_, _| false), sizes);
        assert_eq!(join_runs(&sizes, |_, _| true), [12]);
        assert!(join_runs(&[], |_, _| true).is_empty());
    }

    #[test]
    fn join_runs_within_starts_a_block_at_a_break_between_chunks() {
        let sizes = [1, 1, 1, 1, 1, 1];
        assert_eq!(join_runs_within(&sizes, &[2, 5], |_, _| true), [2, 3, 1]);
        assert_eq!(join_runs_within(&sizes, &[2], |b, n| b + n <= 2), [2, 2, 2]);
        // A break inside a chunk ends the block after that chunk.
        assert_eq!(join_runs_within(&[2, 2, 2], &[3], |_, _| true), [4, 2]);
        assert_eq!(
            join_runs_within(&[2, 2, 2], &[1, 4], |_, _| true),
            [2, 2, 2]
        );
        assert_eq!(join_runs_within(&sizes, &[], |_, _| true), [6]);
    }

    #[test]
    fn regular_grid_splits_with_a_short_tail() {
        let g = ChunkGrid::regular(&[10, 4], &[4, 0]).unwrap();
        assert_eq!(g.sizes(), [vec![4, 4, 2], vec![4]]);
        assert_eq!(g.num_blocks(), 3);
        assert_eq!(g.block_region(&[2, 0]), vec![8..10, 0..4]);
        assert_eq!(g.block_index(2), vec![2, 0]);
        assert_eq!(g.linear_index(&[1, 0]), 1);
    }

    #[test]
    fn overlap_gives_local_ranges() {
        let g = ChunkGrid::regular(&[10], &[4]).unwrap();
        let region = 3..9;
        let o = g.overlapping(std::slice::from_ref(&region));
        assert_eq!(o[0], vec![(0, 3..4, 0), (1, 0..4, 1), (2, 0..1, 5)]);
    }

    /// The blocks overlapping a region, found by walking every block.
    fn overlapping_by_scan(sizes: &[usize], r: &Range<usize>) -> Vec<(usize, Range<usize>, usize)> {
        let mut out = Vec::new();
        let mut start = 0;
        for (b, &n) in sizes.iter().enumerate() {
            let (lo, hi) = (r.start.max(start), r.end.min(start + n));
            if lo < hi || (r.is_empty() && n == 0) {
                out.push((b, lo - start..hi - start, lo - r.start));
            }
            start += n;
        }
        out
    }

    #[test]
    fn overlap_and_block_regions_agree_with_a_scan_of_every_block() {
        for sizes in [
            vec![0],
            vec![1],
            vec![3, 1, 4, 1, 5],
            vec![2; 7],
            vec![9, 1],
        ] {
            let n: usize = sizes.iter().sum();
            let g = ChunkGrid::from_sizes(vec![sizes.clone()]).unwrap();
            for start in 0..=n {
                for end in start..=n {
                    let o = g.overlapping(std::slice::from_ref(&(start..end)));
                    assert_eq!(
                        o[0],
                        overlapping_by_scan(&sizes, &(start..end)),
                        "{sizes:?} {start}..{end}"
                    );
                }
            }
            let mut at = 0;
            for (b, &len) in sizes.iter().enumerate() {
                assert_eq!(g.block_region(&[b]), vec![at..at + len]);
                at += len;
            }
            assert_eq!(g.shape(), vec![n]);
        }
    }

    #[test]
    fn for_each_index_is_row_major() {
        let mut seen = Vec::new();
        for_each_index(&[2, 2], |i| seen.push(i.to_vec()));
        assert_eq!(seen, [vec![0, 0], vec![0, 1], vec![1, 0], vec![1, 1]]);
        let mut zero_d = 0;
        for_each_index(&[], |_| zero_d += 1);
        assert_eq!(zero_d, 1);
    }
}
