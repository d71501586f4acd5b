//! Fewer, larger range requests: a chunk asked for is fetched together with the chunks
//! of the same array that follow it in the file (a NetCDF writer puts a variable's
//! chunks one after the other), in one streamed request, and each chunk is handed over
//! as soon as its bytes have arrived. Object stores charge per request and answer each
//! with a latency (moto's S3 server even reads the whole object for each), so a
//! variable of 365 one-day chunks costs one request instead of 365 (`bench/remote/`).
//!
//! Chunks asked for while their run is in flight wait for it instead of fetching again.
//! A run's stream stays at most [`MAX_AHEAD_BYTES`] ahead of the chunks taken from it
//! (it pauses, unless someone waits on a later chunk of it), so reading a variable never
//! holds much more than that; at most [`MAX_HELD_BYTES`] fetched and not yet asked for
//! are held over all runs (a partial read can leave some never asked for), past which
//! chunks are fetched one by one.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use zarrs::storage::Bytes;

/// The most bytes one request asks for.
const MAX_RUN_BYTES: u64 = 256 << 20;
/// The largest gap between two chunks that one request reads through (libhdf5 puts a
/// chunk index node of a few KiB between every few dozen chunks; fsspec's reference
/// file system merges ranges up to 64 000 bytes apart).
const MAX_GAP_BYTES: u64 = 64 << 10;
/// How far a run's stream gets ahead of the chunks taken from it before it pauses.
const MAX_AHEAD_BYTES: usize = 32 << 20;
/// The most bytes fetched and not yet asked for, over all runs.
const MAX_HELD_BYTES: usize = 128 << 20;

/// A chunk fetched (or being fetched) ahead: `None` until its bytes have arrived; then
/// its bytes, or `Err` when its run's request failed or ended first (the chunk is then
/// fetched alone, so its own error names it).
#[derive(Default)]
struct Slot {
    value: Mutex<Option<Result<Bytes, ()>>>,
    ready: Condvar,
}

impl Slot {
    fn fill(&self, value: Result<Bytes, ()>) {
        if let Ok(mut v) = self.value.lock() {
            *v = Some(value);
        }
        self.ready.notify_all();
    }

    /// Waits for the value and takes it: a slot has one taker (the caller who asked
    /// for its chunk), and the slot, which lives as long as its run, must not keep the
    /// bytes after they are decoded.
    fn wait(&self) -> Result<Bytes, ()> {
        let Ok(mut v) = self.value.lock() else {
            return Err(());
        };
        loop {
            if let Some(value) = v.take() {
                return value;
            }
            v = match self.ready.wait(v) {
                Ok(v) => v,
                Err(_) => return Err(()),
            };
        }
    }
}

/// One byte range of a target: the chunk at `key`.
#[derive(Debug, Clone)]
pub(super) struct Piece {
    pub key: String,
    pub offset: u64,
    pub length: u64,
}

/// The chunks fetched ahead, and which chunk follows which in its file.
pub(super) struct Readahead {
    /// For a chunk key, the next chunk of the same array after it in the same file, at
    /// most [`MAX_GAP_BYTES`] past its end.
    next: HashMap<String, Piece>,
    shared: Arc<Shared>,
    max_ahead: usize,
}

/// What the runs' streams and the callers share.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Signalled when a chunk is taken, someone starts waiting, or the store is dropped.
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// Chunks fetched (or being fetched) ahead and not yet asked for.
    held: HashMap<String, Held>,
    /// For each run in flight: bytes delivered and not taken, and how many wait on it.
    runs: HashMap<u64, Flow>,
    /// Bytes delivered and not taken, over all runs.
    total: usize,
    next_run: u64,
    /// The store is gone: streams stop.
    closed: bool,
}

struct Held {
    slot: Arc<Slot>,
    size: usize,
    run: u64,
    delivered: bool,
}

#[derive(Default)]
struct Flow {
    ahead: usize,
    waiting: usize,
}

/// A run of chunks one after the other in a file (with at most [`MAX_GAP_BYTES`]
/// between two), fetched by one request: the chunk asked for first, then those
/// fetched ahead.
/// Dropped before all its pieces are delivered, it gives up the rest (see [`Drop`]).
pub(super) struct Run {
    pub pieces: Vec<Piece>,
    /// One per piece; the first is the caller's.
    slots: Vec<Arc<Slot>>,
    id: u64,
    /// How many pieces were delivered.
    done: usize,
    shared: Arc<Shared>,
}

/// What a caller asking for one chunk does.
pub(super) enum Plan {
    /// Its run is in flight or done: the bytes, or `None` to fetch it alone.
    Ready(Option<Bytes>),
    /// Open a stream of the run's byte range and hand it to [`Readahead::stream`].
    Fetch(Run),
}

impl Shared {
    fn lock(&self) -> Option<MutexGuard<'_, State>> {
        self.state.lock().ok()
    }
}

impl Readahead {
    /// `ranges`: every range reference, as (key, url, offset, length).
    pub(super) fn new<'a>(ranges: impl Iterator<Item = (&'a str, &'a str, u64, u64)>) -> Self {
        // Each array's ranges in each file, in file order.
        let array = |key: &'a str| key.rsplit_once('/').map_or("", |(a, _)| a);
        let mut sorted: Vec<_> = ranges.map(|(k, u, o, l)| (u, array(k), o, l, k)).collect();
        sorted.sort_unstable();
        let mut next = HashMap::new();
        for w in sorted.windows(2) {
            let ((u0, a0, o0, l0, k0), (u1, a1, o1, l1, k1)) = (w[0], w[1]);
            let end = o0.saturating_add(l0);
            if (u0, a0) == (u1, a1) && end <= o1 && o1 - end <= MAX_GAP_BYTES {
                next.insert(
                    k0.to_string(),
                    Piece {
                        key: k1.to_string(),
                        offset: o1,
                        length: l1,
                    },
                );
            }
        }
        Readahead {
            next,
            shared: Arc::default(),
            max_ahead: MAX_AHEAD_BYTES,
        }
    }

    /// What to do for the chunk `first`.
    pub(super) fn plan(&self, first: Piece) -> Plan {
        let Some(mut state) = self.shared.lock() else {
            return Plan::Ready(None);
        };
        if let Some(held) = state.held.remove(&first.key) {
            if held.delivered {
                state.total = state.total.saturating_sub(held.size);
                if let Some(flow) = state.runs.get_mut(&held.run) {
                    flow.ahead = flow.ahead.saturating_sub(held.size);
                }
            } else if let Some(flow) = state.runs.get_mut(&held.run) {
                // Keeps the run's stream going until this chunk has arrived.
                flow.waiting += 1;
            }
            drop(state);
            self.shared.changed.notify_all();
            let bytes = held.slot.wait().ok();
            if !held.delivered {
                if let Some(flow) = self
                    .shared
                    .lock()
                    .as_mut()
                    .and_then(|s| s.runs.get_mut(&held.run))
                {
                    flow.waiting = flow.waiting.saturating_sub(1);
                }
            }
            return Plan::Ready(bytes);
        }
        let id = state.next_run;
        state.next_run += 1;
        let start = first.offset;
        let mut pieces = vec![first];
        while let Some(p) = self.next.get(&pieces[pieces.len() - 1].key) {
            if state.total >= MAX_HELD_BYTES
                || p.offset.saturating_add(p.length).saturating_sub(start) > MAX_RUN_BYTES
                || state.held.contains_key(&p.key)
            {
                break;
            }
            pieces.push(p.clone());
        }
        let slots: Vec<Arc<Slot>> = pieces.iter().map(|_| Arc::default()).collect();
        for (p, slot) in pieces.iter().zip(&slots).skip(1) {
            let held = Held {
                slot: Arc::clone(slot),
                size: usize::try_from(p.length).unwrap_or(usize::MAX),
                run: id,
                delivered: false,
            };
            state.held.insert(p.key.clone(), held);
        }
        state.runs.insert(id, Flow::default());
        Plan::Fetch(Run {
            pieces,
            slots,
            id,
            done: 0,
            shared: Arc::clone(&self.shared),
        })
    }

    /// The byte range `run` reads: from its first chunk's start to its last chunk's end.
    pub(super) fn range(run: &Run) -> (u64, u64) {
        let start = run.pieces.first().map_or(0, |p| p.offset);
        let end = run
            .pieces
            .last()
            .map_or(start, |p| p.offset.saturating_add(p.length));
        (start, end.saturating_sub(start))
    }

    /// Hands the chunks of `run` over as `frames` (its [`Readahead::range`], in pieces of
    /// any size; `None` when the request could not be sent) brings them, on a thread of
    /// its own, and returns the first chunk's bytes, or `None` when they did not come
    /// (the caller then fetches it alone, for its own error).
    pub(super) fn stream<F>(&self, run: Run, frames: Option<F>) -> Option<Bytes>
    where
        F: Iterator<Item = Result<Bytes, String>> + Send + 'static,
    {
        let first = Arc::clone(&run.slots[0]);
        let max_ahead = self.max_ahead;
        match frames {
            // A thread that cannot start drops the run: its pieces get `Err`.
            Some(frames) => {
                let _ = std::thread::Builder::new()
                    .name("xr-readahead".into())
                    .spawn(move || deliver(run, frames, max_ahead));
            }
            None => drop(run),
        }
        first.wait().ok()
    }
}

impl Drop for Readahead {
    fn drop(&mut self) {
        if let Some(mut state) = self.shared.lock() {
            state.closed = true;
        }
        self.shared.changed.notify_all();
    }
}

/// Cuts `frames` into the pieces of `run` and fills their slots in order, pausing while
/// the run is [`MAX_AHEAD_BYTES`] ahead of its takers and no one waits on it.
fn deliver<F>(mut run: Run, frames: F, max_ahead: usize)
where
    F: Iterator<Item = Result<Bytes, String>>,
{
    let pool = Arc::new(Pool::default());
    let mut partial: Vec<u8> = Vec::new();
    // The file offset of the frame's first byte.
    let mut at = run.pieces.first().map_or(0, |p| p.offset);
    'frames: for frame in frames {
        let Ok(mut frame) = frame else { break };
        while !frame.is_empty() {
            let Some(piece) = run.pieces.get(run.done) else {
                break 'frames; // more bytes than asked for
            };
            // The gap before the piece.
            if partial.is_empty() && at < piece.offset {
                let skip = usize::try_from(piece.offset - at).unwrap_or(usize::MAX);
                let skip = skip.min(frame.len());
                let _ = frame.split_to(skip);
                at = at.saturating_add(skip as u64);
                continue;
            }
            let length = usize::try_from(piece.length).unwrap_or(usize::MAX);
            let bytes = if partial.is_empty() && frame.len() >= length {
                at = at.saturating_add(piece.length);
                frame.split_to(length)
            } else {
                if partial.is_empty() {
                    partial = pool.take(length);
                }
                let take = (length - partial.len()).min(frame.len());
                partial.extend_from_slice(&frame.split_to(take));
                at = at.saturating_add(take as u64);
                if partial.len() < length {
                    continue;
                }
                Bytes::from_owner(Pooled {
                    buf: std::mem::take(&mut partial),
                    pool: Arc::downgrade(&pool),
                })
            };
            if run.done > 0 && !pause(&run, &piece.key, max_ahead) {
                break 'frames;
            }
            run.slots[run.done].fill(Ok(bytes));
            run.done += 1;
        }
    }
}

/// The buffers of chunks that arrived in several frames, given back when the chunk's
/// bytes are dropped (decoded) and reused for the next ones: a fresh buffer per chunk
/// is fresh memory that page-faults as it is written (half the stream thread's time on
/// a 226 MB file of 620 KB chunks, `bench/remote/`). At most [`MAX_AHEAD_BYTES`] are
/// kept; the rest are freed as usual, and all of them once the stream has ended.
#[derive(Default)]
struct Pool {
    free: Mutex<(Vec<Vec<u8>>, usize)>,
}

impl Pool {
    /// An empty buffer with room for `len` bytes.
    fn take(&self, len: usize) -> Vec<u8> {
        let mut buf = self
            .free
            .lock()
            .ok()
            .and_then(|mut f| {
                let buf = f.0.pop()?;
                f.1 = f.1.saturating_sub(buf.capacity());
                Some(buf)
            })
            .unwrap_or_default();
        buf.clear();
        buf.reserve_exact(len);
        buf
    }
}

/// A chunk's bytes in a buffer of a [`Pool`], which gets it back on drop.
struct Pooled {
    buf: Vec<u8>,
    pool: std::sync::Weak<Pool>,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let Some(pool) = self.pool.upgrade() else {
            return;
        };
        if let Ok(mut free) = pool.free.lock() {
            let size = self.buf.capacity();
            if free.1.saturating_add(size) <= MAX_AHEAD_BYTES {
                free.1 += size;
                free.0.push(std::mem::take(&mut self.buf));
            }
        };
    }
}

/// Waits until piece `key` of `run` may be delivered, then counts it as delivered when
/// it is still held. False when the store is gone.
fn pause(run: &Run, key: &str, max_ahead: usize) -> bool {
    let shared = &*run.shared;
    let Some(mut state) = shared.lock() else {
        return false;
    };
    loop {
        if state.closed {
            return false;
        }
        let flow = state.runs.get(&run.id);
        if flow.is_none_or(|f| f.ahead < max_ahead || f.waiting > 0) {
            break;
        }
        state = match shared.changed.wait(state) {
            Ok(s) => s,
            Err(_) => return false,
        };
    }
    let State {
        held, runs, total, ..
    } = &mut *state;
    if let Some(held) = held.get_mut(key).filter(|h| h.run == run.id) {
        held.delivered = true;
        *total = total.saturating_add(held.size);
        if let Some(flow) = runs.get_mut(&run.id) {
            flow.ahead = flow.ahead.saturating_add(held.size);
        }
    }
    true
}

/// A run ends after the pieces it delivered: the rest are no longer held (each is
/// fetched alone when asked for), and whoever waits on one gets `Err`.
impl Drop for Run {
    fn drop(&mut self) {
        if let Some(mut state) = self.shared.lock() {
            for p in self.pieces.iter().skip(self.done.max(1)) {
                if state.held.get(&p.key).is_some_and(|h| h.run == self.id) {
                    state.held.remove(&p.key);
                }
            }
            if state.runs.get(&self.id).is_some_and(|f| f.ahead == 0) {
                state.runs.remove(&self.id);
            }
        }
        for slot in self.slots.iter().skip(self.done) {
            slot.fill(Err(()));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn piece(key: &str, offset: u64, length: u64) -> Piece {
        Piece {
            key: key.into(),
            offset,
            length,
        }
    }

    /// `a/0..a/2` one after the other in `f`, then `b/0` (another array), and `a/3`
    /// too far away to read through the gap.
    fn readahead() -> Readahead {
        let refs = [
            ("a/0", "f", 100, 10),
            ("a/1", "f", 110, 20),
            ("a/2", "f", 130, 5),
            ("b/0", "f", 135, 7),
            ("a/3", "f", 1 << 20, 10),
        ];
        Readahead::new(refs.into_iter())
    }

    fn bytes(n: usize) -> Bytes {
        Bytes::from((0..n).map(|i| i as u8).collect::<Vec<_>>())
    }

    /// `all` in frames of `size` bytes.
    fn frames(all: &Bytes, size: usize) -> impl Iterator<Item = Result<Bytes, String>> + Send {
        let all = all.clone();
        (0..all.len())
            .step_by(size)
            .map(move |i| Ok(all.slice(i..(i + size).min(all.len()))))
    }

    fn fetch(r: &Readahead, p: Piece) -> Run {
        match r.plan(p) {
            Plan::Fetch(run) => run,
            Plan::Ready(_) => panic!("expected a fetch"),
        }
    }

    fn ready(r: &Readahead, p: Piece) -> Option<Bytes> {
        match r.plan(p) {
            Plan::Ready(b) => b,
            Plan::Fetch(_) => panic!("expected the chunk fetched ahead"),
        }
    }

    #[test]
    fn a_run_covers_the_following_chunks_of_the_array_and_hands_them_over() {
        // Frames of 3, 7 and 64 bytes: chunks cut across frames, and within one.
        for size in [3, 7, 64] {
            let r = readahead();
            let run = fetch(&r, piece("a/0", 100, 10));
            let keys: Vec<&str> = run.pieces.iter().map(|p| p.key.as_str()).collect();
            assert_eq!(keys, ["a/0", "a/1", "a/2"]);
            let all = bytes(35);
            let first = r.stream(run, Some(frames(&all, size))).unwrap();
            assert_eq!(&first[..], &all[..10]);
            assert_eq!(&ready(&r, piece("a/1", 110, 20)).unwrap()[..], &all[10..30]);
            assert_eq!(&ready(&r, piece("a/2", 130, 5)).unwrap()[..], &all[30..35]);
            // Handed over once: asked again, it is fetched again.
            assert!(matches!(r.plan(piece("a/2", 130, 5)), Plan::Fetch(_)));
            assert_eq!(r.shared.lock().unwrap().total, 0);
        }
    }

    #[test]
    fn a_chunk_buffer_comes_back_to_the_pool_when_its_bytes_are_dropped() {
        let pool = Arc::new(Pool::default());
        let mut buf = pool.take(1000);
        buf.extend_from_slice(&[7; 1000]);
        let at = buf.as_ptr();
        let bytes = Bytes::from_owner(Pooled {
            buf,
            pool: Arc::downgrade(&pool),
        });
        let copy = bytes.clone();
        drop(bytes);
        // Still held by a clone: not back yet.
        let other = pool.take(1000);
        assert_ne!(other.as_ptr(), at);
        drop(copy);
        let again = pool.take(1000);
        assert_eq!((again.as_ptr(), again.len()), (at, 0));
        // A pool that is gone frees the buffer instead.
        let bytes = Bytes::from_owner(Pooled {
            buf: again,
            pool: Arc::downgrade(&pool),
        });
        drop(pool);
        drop(bytes);
    }

    #[test]
    fn a_slot_hands_its_bytes_over_and_keeps_no_copy() {
        // A run keeps its slots until it ends: a slot that kept the bytes it handed over
        // would hold every chunk of the run (up to `MAX_RUN_BYTES`) until then.
        let slot = Slot::default();
        slot.fill(Ok(Bytes::from(vec![1u8, 2, 3])));
        let bytes = slot.wait().unwrap();
        assert_eq!(&bytes[..], [1, 2, 3]);
        assert!(bytes.is_unique());
        assert!(slot.value.lock().unwrap().is_none());
    }

    #[test]
    fn a_run_reads_through_small_gaps_and_skips_their_bytes() {
        let refs = [
            ("c/0", "f", 100, 10),
            ("c/1", "f", 115, 10),
            ("c/2", "f", 125, 3),
        ];
        for size in [1, 4, 64] {
            let r = Readahead::new(refs.into_iter());
            let run = fetch(&r, piece("c/0", 100, 10));
            assert_eq!(Readahead::range(&run), (100, 28));
            let all = bytes(28);
            assert_eq!(
                &r.stream(run, Some(frames(&all, size))).unwrap()[..],
                &all[..10]
            );
            assert_eq!(&ready(&r, piece("c/1", 115, 10)).unwrap()[..], &all[15..25]);
            assert_eq!(&ready(&r, piece("c/2", 125, 3)).unwrap()[..], &all[25..28]);
        }
    }

    #[test]
    fn ranges_at_the_end_of_the_offsets_do_not_overflow() {
        // A reference file's offsets are input: a range that runs past u64::MAX.
        let refs = [
            ("x/0", "f", u64::MAX - 5, 10),
            ("x/1", "f", u64::MAX - 2, 10),
        ];
        let r = Readahead::new(refs.into_iter());
        let run = fetch(&r, piece("x/0", u64::MAX - 5, 10));
        assert_eq!(Readahead::range(&run).0, u64::MAX - 5);
        let none: Option<std::iter::Empty<Result<Bytes, String>>> = None;
        assert!(r.stream(run, none).is_none());
    }

    #[test]
    fn a_failed_or_short_run_leaves_the_missing_chunks_to_be_fetched_alone() {
        let r = readahead();
        let run = fetch(&r, piece("a/0", 100, 10));
        let none: Option<std::iter::Empty<Result<Bytes, String>>> = None;
        assert!(r.stream(run, none).is_none());
        assert!(matches!(r.plan(piece("a/1", 110, 20)), Plan::Fetch(_)));

        // The stream breaks after 15 bytes: a/0 arrives, a/1 and a/2 do not.
        let r = readahead();
        let run = fetch(&r, piece("a/0", 100, 10));
        let all = bytes(15);
        let broken = frames(&all, 5).chain(std::iter::once(Err("reset".to_string())));
        assert_eq!(&r.stream(run, Some(broken)).unwrap()[..], &all[..10]);
        // Either it waits for the run's end and gets nothing, or it is no longer held
        // (and a run dropped unstreamed gives its chunks up too).
        match r.plan(piece("a/1", 110, 20)) {
            Plan::Ready(b) => assert!(b.is_none()),
            Plan::Fetch(run) => drop(run),
        }
        assert!(matches!(r.plan(piece("a/2", 130, 5)), Plan::Fetch(_)));
    }

    #[test]
    fn a_chunk_asked_for_while_its_run_is_in_flight_waits_for_it() {
        let r = Arc::new(readahead());
        let run = fetch(&r, piece("a/0", 100, 10));
        let (tx, rx) = std::sync::mpsc::channel::<Result<Bytes, String>>();
        let all = bytes(35);
        tx.send(Ok(all.slice(0..10))).unwrap();
        let first = r.stream(run, Some(rx.into_iter()));
        assert_eq!(&first.unwrap()[..], &all[..10]);
        let waiter = {
            let r = Arc::clone(&r);
            std::thread::spawn(move || ready(&r, piece("a/2", 130, 5)))
        };
        std::thread::sleep(std::time::Duration::from_millis(20));
        tx.send(Ok(all.slice(10..35))).unwrap();
        drop(tx);
        assert_eq!(&waiter.join().unwrap().unwrap()[..], &all[30..35]);
    }

    /// 10 chunks of 10 bytes one after the other, with a stream allowed 20 bytes ahead.
    fn ten() -> Readahead {
        let keys: Vec<String> = (0..10).map(|i| format!("c/{i}")).collect();
        let mut r = Readahead::new(
            keys.iter()
                .enumerate()
                .map(|(i, k)| (k.as_str(), "f", i as u64 * 10, 10)),
        );
        r.max_ahead = 20;
        r
    }

    #[test]
    fn a_stream_pauses_ahead_of_its_takers_and_goes_on_when_they_take() {
        let r = ten();
        let run = fetch(&r, piece("c/0", 0, 10));
        assert_eq!(run.pieces.len(), 10);
        let all = bytes(100);
        r.stream(run, Some(frames(&all, 100))).unwrap();
        let delivered = |r: &Readahead| r.shared.lock().unwrap().total;
        std::thread::sleep(std::time::Duration::from_millis(30));
        assert_eq!(delivered(&r), 20, "c/1 and c/2 delivered, then a pause");
        for i in 1..10 {
            let p = piece(&format!("c/{i}"), i * 10, 10);
            let start = i as usize * 10;
            assert_eq!(&ready(&r, p).unwrap()[..], &all[start..start + 10]);
        }
        assert_eq!(delivered(&r), 0);
    }

    #[test]
    fn a_paused_stream_goes_on_for_someone_waiting_on_a_later_chunk() {
        // Only every third chunk is asked for: the stream would pause for good after
        // two chunks nobody takes, but a waiter keeps it going.
        let r = ten();
        let run = fetch(&r, piece("c/0", 0, 10));
        let all = bytes(100);
        r.stream(run, Some(frames(&all, 10))).unwrap();
        for i in [3, 6, 9] {
            let p = piece(&format!("c/{i}"), i * 10, 10);
            let start = i as usize * 10;
            assert_eq!(&ready(&r, p).unwrap()[..], &all[start..start + 10]);
        }
    }

    #[test]
    fn a_dropped_store_stops_its_streams() {
        let r = ten();
        let run = fetch(&r, piece("c/0", 0, 10));
        let (tx, rx) = std::sync::mpsc::channel::<Result<Bytes, String>>();
        let all = bytes(100);
        tx.send(Ok(all.clone())).unwrap();
        r.stream(run, Some(rx.into_iter())).unwrap();
        let shared = Arc::clone(&r.shared);
        drop(r);
        std::thread::sleep(std::time::Duration::from_millis(30));
        // The stream thread let go of the run: its frames' sender is all that is left.
        assert!(shared.lock().unwrap().closed);
        assert!(
            tx.send(Ok(Bytes::new())).is_err(),
            "the stream stopped reading"
        );
    }
}
