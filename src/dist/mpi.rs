//! [`MpiExecutor`]: runs a [`TaskGraph`] on every rank of an MPI job, SPMD.
//!
//! Every rank runs the same program and so builds the same graph (checked: a hash of its
//! structure, compared by two all-reduces). A deterministic placement (`placement.rs`)
//! gives each rank a contiguous share of the source tasks (the chunk reads: each chunk is
//! read once per job, by one rank) and puts every other task with the bulk of its
//! inputs, so a reduction's combine tree stays on the rank that made its partials. Each
//! rank then runs its tasks round by round: a round is the tasks that need nothing more
//! from other ranks, run by a [`LocalExecutor`] on the rank's rayon threads (memory
//! budget, depth-first order and all). The placement, and so the rounds, are the same on
//! every rank.
//!
//! After a round, the values that cross ranks move in one collective exchange that every
//! rank enters (a round in which no value crosses is skipped by all): the bundle sizes go
//! with `MPI_Alltoall`, the bundles with `MPI_Alltoallv`, so each combine's owner receives
//! exactly the partials it combines (the reduce-scatter pattern). MPI's counts and
//! displacements are 32-bit: an exchange that would move more than
//! [`MpiExecutor::max_bytes_per_call`] (1 GiB) into or out of a rank is split into several
//! `MPI_Alltoallv` calls, each carrying the same share of every bundle. The outputs are
//! then gathered with `MPI_Gatherv` to rank 0 (the other ranks get their dtypes and shapes
//! with `MPI_Allgatherv`), or with `MPI_Allgatherv` to every rank on request, split the
//! same way. A rank waiting for the others to reach an exchange sleeps between tests of a
//! non-blocking `MPI_Ialltoall` / `MPI_Iallgather` rather than spinning in a blocking
//! call, so that it does not take a core from a rank still computing on the same node.
//!
//! The collectives move the partials; the combining stays in the graph's own tasks, run in
//! the graph's order. That is why `MPI_Reduce` / `MPI_Reduce_scatter` with `MPI_SUM` are
//! not used: they add the ranks' partials in the library's order (which depends on the
//! number of ranks and the algorithm it picks), and would need the graph to say which
//! combines are plain sums. With the partials moved instead, the answer is bit for bit the
//! [`LocalExecutor`]'s, whatever the number of ranks.
//!
//! Memory: each round's local run gets the rank's budget less the bytes the rank already
//! holds (values from earlier rounds and other ranks, kept for later) and the estimated
//! bytes of the values the round makes to keep or to send, which the local run does not
//! count since they are its outputs.
//!
//! A failing or panicking task on any rank aborts the whole job (`MPI_Abort`) with its
//! message, as does any other error of an execution on a job of several ranks: a rank
//! never leaves the execution early while the others wait for it in a collective.

mod placement;
pub(crate) mod wire;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use mpi::collective::SystemOperation;
use mpi::datatype::{Partition, PartitionMut};
use mpi::environment::Universe;
use mpi::request::{Request, Scope};
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives, Root};
use mpi::Count;

use crate::dist::executor::{ExecStats, Executor};
use crate::dist::graph::{GraphStructure, TaskFn, TaskGraph, TaskId, TaskValue};
use crate::dist::local::{check_budget, LocalExecutor};
use crate::error::{Error, Result};
use placement::{place, Placement};

/// The most bytes one collective call moves into or out of a rank, by default and at
/// most: MPI's counts and displacements are `int`s, so this leaves a factor of two.
const MAX_CALL: usize = 1 << 30;

/// Where the outputs of an execution end up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Results {
    /// On rank 0. The other ranks get arrays of the outputs' dtypes and shapes filled
    /// with zeros (untouched zero pages, so they cost no memory until written), so that
    /// the same program runs unchanged on every rank; only rank 0's are the values.
    #[default]
    Root,
    /// On every rank.
    AllRanks,
}

/// Communication figures, summed over the executions of this executor on this rank.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[non_exhaustive]
pub struct CommStats {
    /// Executions run.
    pub executions: usize,
    /// Bundles of values sent to other ranks (one per destination rank per exchange).
    pub messages_sent: usize,
    /// Bytes sent to other ranks.
    pub bytes_sent: usize,
    /// Bytes received from other ranks, results included.
    pub bytes_received: usize,
    /// Of `bytes_received`, the bytes of outputs (values, or dtypes and shapes) gathered
    /// from other ranks at the end of the executions.
    pub results_received: usize,
    /// Collective calls made to exchange values and gather results.
    pub collectives: usize,
    /// Wall time spent exchanging values (encoding, waiting, decoding).
    pub exchange: Duration,
    /// Wall time spent running tasks.
    pub compute: Duration,
}

/// Runs task graphs SPMD on every rank of an MPI job (see the [module docs](self)).
///
/// One per process: [`MpiExecutor::new`] initializes MPI, and dropping the executor
/// finalizes it.
///
/// ```no_run
/// use xr::dist::MpiExecutor;
/// # fn main() -> xr::Result<()> {
/// let mpi = MpiExecutor::new()?;
/// let clim = xr::Dataset::open_mfdataset("data/*.nc")?
///     .groupby("time.season")?
///     .mean()?
///     .compute_with(&mpi)?;
/// if mpi.is_root() {
///     clim.to_netcdf("clim.nc")?;
/// }
/// # Ok(())
/// # }
/// ```
pub struct MpiExecutor {
    world: SimpleCommunicator,
    rank: usize,
    size: usize,
    /// Ranks on this node (sharing its memory).
    node_ranks: usize,
    /// Runs each round's tasks; taken out of the mutex for a run with the round's budget.
    local: Mutex<Option<LocalExecutor>>,
    /// This rank's memory budget, of which each round's local run gets what the values
    /// held by the rank leave.
    budget: usize,
    /// Whether the budget is the caller's ([`MpiExecutor::memory_budget`]).
    budget_set: bool,
    /// [`MpiExecutor::strict_budget`]'s choice; `None`: strict when the budget was set.
    strict_budget: Option<bool>,
    max_call: usize,
    results: Results,
    last_stats: Mutex<Option<ExecStats>>,
    comm: Mutex<CommStats>,
    /// Declared last: finalizes MPI when dropped, after everything else.
    _universe: Universe,
}

impl fmt::Debug for MpiExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MpiExecutor")
            .field("rank", &self.rank)
            .field("size", &self.size)
            .field("node_ranks", &self.node_ranks)
            .field("budget", &self.budget)
            .field("max_call", &self.max_call)
            .field("results", &self.results)
            .finish_non_exhaustive()
    }
}

impl MpiExecutor {
    /// Initializes MPI and makes the executor: results on rank 0, tasks on the rank's
    /// rayon threads (set them with `RAYON_NUM_THREADS` per rank), a memory budget of a
    /// quarter of the node's memory shared by the node's ranks. Installs a panic hook that
    /// aborts the whole job when a thread of this rank panics.
    ///
    /// Run outside `mpirun`, it is a job of one rank.
    ///
    /// # Errors
    /// [`Error::Mpi`] when MPI was already initialized in this process (by an
    /// earlier `MpiExecutor` or other code).
    pub fn new() -> Result<Self> {
        let (universe, _threading) =
            mpi::initialize_with_threading(mpi::Threading::Funneled).ok_or_else(|| {
                Error::Mpi(
                    "MpiExecutor::new: MPI is already initialized in this process; make one MpiExecutor and share it".into(),
                )
            })?;
        let world = universe.world();
        let rank = usize::try_from(world.rank()).unwrap_or(0);
        let size = usize::try_from(world.size()).unwrap_or(1).max(1);
        let node_ranks = usize::try_from(world.split_shared(world.rank()).size())
            .unwrap_or(1)
            .max(1);
        install_abort_hook(rank, size);
        let local = LocalExecutor::new().progress(false);
        let budget = local.budget() / node_ranks;
        Ok(MpiExecutor {
            world,
            rank,
            size,
            node_ranks,
            local: Mutex::new(Some(local)),
            budget,
            budget_set: false,
            strict_budget: None,
            max_call: MAX_CALL,
            results: Results::Root,
            last_stats: Mutex::new(None),
            comm: Mutex::new(CommStats::default()),
            _universe: universe,
        })
    }

    /// Where the outputs go (rank 0 by default).
    #[must_use]
    pub fn results(mut self, results: Results) -> Self {
        self.results = results;
        self
    }

    /// Runs this rank's tasks on a pool of `n` threads of its own; 0 (the default) means
    /// rayon's global pool, sized by `RAYON_NUM_THREADS`.
    #[must_use]
    pub fn threads(mut self, n: usize) -> Self {
        let slot = self.local.get_mut().unwrap_or_else(PoisonError::into_inner);
        *slot = slot.take().map(|l| l.threads(n));
        self
    }

    /// Keeps at most about `bytes` of task values alive on this rank at once (see
    /// [`LocalExecutor`]), values held for later rounds and values waiting to be sent
    /// to other ranks included.
    ///
    /// As with [`LocalExecutor::memory_budget`], a budget set here is strict: a graph
    /// with a task whose value alone is larger than `bytes` fails before anything runs
    /// (on a job of several ranks, by ending the job with that message), unless
    /// [`strict_budget(false)`](Self::strict_budget).
    #[must_use]
    pub fn memory_budget(mut self, bytes: usize) -> Self {
        self.budget = bytes;
        self.budget_set = true;
        self
    }

    /// Refuses (`true`) a graph with a task whose value alone is larger than this rank's
    /// memory budget, or runs such a task on its own over the budget (`false`). Without
    /// this call, a budget set with [`memory_budget`](Self::memory_budget) is strict and
    /// the default one is not, as for [`LocalExecutor::strict_budget`].
    #[must_use]
    pub fn strict_budget(mut self, on: bool) -> Self {
        self.strict_budget = Some(on);
        self
    }

    /// Moves at most about `bytes` into or out of this rank per collective call (default
    /// and largest: 1 GiB; at least 1); larger exchanges are split into several calls.
    /// Smaller values are for testing the split.
    #[must_use]
    pub fn max_bytes_per_call(mut self, bytes: usize) -> Self {
        self.max_call = bytes.clamp(1, MAX_CALL);
        self
    }

    /// This process's rank in the job.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of ranks in the job.
    pub fn size(&self) -> usize {
        self.size
    }

    /// True on rank 0, where results arrive.
    pub fn is_root(&self) -> bool {
        self.rank == 0
    }

    /// The number of ranks on this node.
    pub fn node_ranks(&self) -> usize {
        self.node_ranks
    }

    /// Communication figures of this rank, summed over its executions.
    pub fn comm_stats(&self) -> CommStats {
        *self.comm.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until every rank got here.
    pub fn barrier(&self) {
        self.world.barrier();
    }

    /// Prints `error` naming this rank and ends the whole job with exit code 1
    /// (`MPI_Abort`). For errors outside executions: a rank that returned from `main`
    /// with an error while the others wait for it would hang the job.
    pub fn abort(&self, error: &dyn fmt::Display) -> ! {
        eprintln!(
            "xr: MPI rank {} of {} failed: {error}\nxr: aborting the MPI job",
            self.rank, self.size
        );
        self.world.abort(1)
    }

    /// An error of this rank during an execution: with other ranks waiting on this one,
    /// the job is aborted; alone, the error is returned.
    fn fail(&self, e: Error) -> Error {
        if self.size > 1 {
            self.abort(&e);
        }
        e
    }

    /// Checks that every rank built a graph of the same structure (a hash compared by
    /// two all-reduces): ranks that diverged would otherwise wait for each other forever.
    fn check_same_graph(&self, s: &GraphStructure) -> Result<()> {
        if self.size == 1 {
            return Ok(());
        }
        let h = structure_hash(s);
        let (mut lo, mut hi) = (0u64, 0u64);
        self.world
            .all_reduce_into(&h, &mut lo, SystemOperation::min());
        self.world
            .all_reduce_into(&h, &mut hi, SystemOperation::max());
        if lo != hi {
            return Err(Error::internal(format!(
                "the ranks of the MPI job built different task graphs (this rank: {} tasks); \
                 every rank must run the same program on the same inputs",
                s.len()
            )));
        }
        Ok(())
    }

    fn count_comm(&self, f: impl FnOnce(&mut CommStats)) {
        f(&mut self.comm.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// Installs (once per process) a panic hook that runs the previous hook, then aborts the
/// MPI job when it has more than one rank and MPI is still running.
fn install_abort_hook(rank: usize, size: usize) {
    if size < 2 {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        previous(info);
        // A panic caught on purpose (a dependency failing on bad input) is an error for
        // the caller, not a reason to end the job.
        if crate::panic::is_quiet() {
            return;
        }
        if mpi::environment::is_initialized() && !mpi::environment::is_finalized() {
            eprintln!("xr: MPI rank {rank} of {size} panicked\nxr: aborting the MPI job");
            SimpleCommunicator::world().abort(101);
        }
    }));
}

/// Completes a non-blocking collective, sleeping between tests: a blocking call would
/// spin a core for as long as the slowest rank computes (a whole round), taking it from
/// other ranks on the same cores. Exchanges are few and large, so the up to 2 ms of
/// added latency does not matter.
fn wait_sleeping<'a, D: ?Sized, S: Scope<'a>>(mut request: Request<'a, D, S>) {
    let mut pause = Duration::from_micros(20);
    loop {
        match request.test() {
            Ok(_) => return,
            Err(pending) => request = pending,
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(2));
    }
}

/// FNV-1a over the task count, dependencies, size estimates and outputs.
fn structure_hash(s: &GraphStructure) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |v: usize| {
        for b in (v as u64).to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(s.len());
    for t in 0..s.len() {
        eat(s.deps(t).len());
        s.deps(t).iter().for_each(|&d| eat(d));
        eat(s.est_bytes(t));
    }
    eat(s.outputs().len());
    s.outputs().iter().for_each(|&o| eat(o));
    h
}

/// What one rank sends and expects in one round: per peer rank, the task ids, ascending.
#[derive(Default)]
struct Traffic {
    send: BTreeMap<usize, Vec<TaskId>>,
    recv: BTreeMap<usize, Vec<TaskId>>,
}

/// This rank's plan of an execution, derived from the placement.
struct Plan {
    /// Per round, this rank's tasks, ascending.
    tasks: Vec<Vec<TaskId>>,
    /// Per round, the values crossing to and from this rank.
    traffic: Vec<Traffic>,
    /// Per round, whether any value crosses between any two ranks after it (the same on
    /// every rank: rounds without traffic skip the exchange).
    busy: Vec<bool>,
    /// Per round, the estimated bytes of the values this rank makes in it and keeps past
    /// its local run (for later rounds, or to send), outputs of the graph aside.
    reserved: Vec<usize>,
    /// The last round in which this rank uses each value it holds (`usize::MAX`: an
    /// output, kept to the end; `None`: never held here).
    last_use: Vec<Option<usize>>,
    /// Whether a value made here must leave its round's local run (used later, or
    /// elsewhere, or an output).
    keep: Vec<bool>,
}

fn plan(s: &GraphStructure, p: &Placement, me: usize) -> Plan {
    let n = s.len();
    let (cons_start, consumers) = s.consumers();
    let mut tasks = vec![Vec::new(); p.rounds];
    let mut traffic: Vec<Traffic> = (0..p.rounds).map(|_| Traffic::default()).collect();
    let mut busy = vec![false; p.rounds];
    let mut reserved = vec![0usize; p.rounds];
    let mut last_use = vec![None; n];
    let mut keep = vec![false; n];
    let mut is_output = vec![false; n];
    for &o in s.outputs() {
        is_output[o] = true;
    }
    let mut peers: Vec<usize> = Vec::new();
    for t in 0..n {
        let (owner, round) = (p.owner[t], p.round[t]);
        let cons = &consumers[cons_start[t]..cons_start[t + 1]];
        let mine_last = cons
            .iter()
            .filter(|&&c| p.owner[c] == me)
            .map(|&c| p.round[c])
            .max();
        peers.clear();
        peers.extend(cons.iter().map(|&c| p.owner[c]).filter(|&q| q != owner));
        peers.sort_unstable();
        peers.dedup();
        busy[round] |= !peers.is_empty();
        if owner == me {
            tasks[round].push(t);
            for &q in &peers {
                traffic[round].send.entry(q).or_default().push(t);
            }
            keep[t] = is_output[t] || !peers.is_empty() || mine_last.is_some_and(|r| r > round);
            if keep[t] && !is_output[t] {
                reserved[round] += s.est_bytes(t);
            }
            last_use[t] = if is_output[t] {
                Some(usize::MAX)
            } else if keep[t] {
                Some(mine_last.unwrap_or(round).max(round))
            } else {
                None
            };
        } else if peers.contains(&me) {
            traffic[round].recv.entry(owner).or_default().push(t);
            last_use[t] = mine_last;
        }
    }
    Plan {
        tasks,
        traffic,
        busy,
        reserved,
        last_use,
        keep,
    }
}

/// The budget of one round's local run: the rank's `budget` less the bytes it holds
/// (`held`: values from earlier rounds and other ranks) and the bytes it will hold when
/// the run ends (`reserved`: values kept for later rounds or waiting to be sent).
fn round_budget(budget: usize, held: usize, reserved: usize) -> usize {
    budget.saturating_sub(held.saturating_add(reserved))
}

/// The bytes one rank sends in an exchange, the bundles of all destinations one after
/// the other: rank `q`'s are `bytes[start[q]..start[q + 1]]` (none for most ranks).
struct Outbox {
    bytes: Vec<u8>,
    start: Vec<usize>,
}

impl Outbox {
    /// The bundles `bundle(q, out)` appends for every rank `q` in turn.
    fn new(
        ranks: usize,
        mut bundle: impl FnMut(usize, &mut Vec<u8>) -> Result<()>,
    ) -> Result<Self> {
        let mut bytes = Vec::new();
        let mut start = Vec::with_capacity(ranks + 1);
        start.push(0);
        for q in 0..ranks {
            bundle(q, &mut bytes)?;
            start.push(bytes.len());
        }
        Ok(Outbox { bytes, start })
    }

    fn lens(&self) -> Vec<usize> {
        self.start.windows(2).map(|w| w[1] - w[0]).collect()
    }
}

/// Bytes `piece(len, k, calls)` of a message of `len` bytes are the ones collective call
/// `k` of `calls` moves: the same share of every message.
fn piece(len: usize, k: usize, calls: usize) -> Range<usize> {
    let at = |i: usize| (len as u128 * i as u128 / calls.max(1) as u128) as usize;
    at(k)..at(k + 1)
}

/// The calls needed to move `bytes` at most about `max_call` at a time.
fn calls_for(bytes: usize, max_call: usize) -> usize {
    bytes.div_ceil(max_call.max(1)).max(1)
}

/// Offsets of messages of `lens` bytes laid out one after the other (one more than
/// `lens`: the last is the total).
fn offsets(lens: &[usize]) -> Vec<usize> {
    let mut start = Vec::with_capacity(lens.len() + 1);
    start.push(0);
    for &l in lens {
        start.push(start[start.len() - 1] + l);
    }
    start
}

/// `bytes`, or when empty, an empty slice of a real buffer. An empty slice's pointer may
/// be the dangling 0x1, which is `MPI_IN_PLACE` in OpenMPI: an empty send buffer would
/// turn an all-gather into an in-place one, and an all-to-all into an error.
fn in_place_safe(bytes: &[u8]) -> &[u8] {
    static PAD: [u8; 1] = [0];
    if bytes.is_empty() {
        &PAD[..0]
    } else {
        bytes
    }
}

/// A receive buffer of `len` zeros whose pointer is a real allocation even when empty
/// (see [`in_place_safe`]).
fn recv_buffer(len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len.max(1));
    v.resize(len, 0);
    v
}

fn count(n: usize) -> Result<Count> {
    Count::try_from(n).map_err(|_| Error::internal(format!("{n} bytes do not fit one MPI count")))
}

/// MPI counts and displacements of call `k` of `calls` over messages of `lens` bytes,
/// their pieces laid out one after the other; and the total.
fn layout(lens: &[usize], k: usize, calls: usize) -> Result<(Vec<Count>, Vec<Count>, usize)> {
    let mut counts = Vec::with_capacity(lens.len());
    let mut displs = Vec::with_capacity(lens.len());
    let mut at = 0;
    for &len in lens {
        let n = piece(len, k, calls).len();
        counts.push(count(n)?);
        displs.push(count(at)?);
        at += n;
    }
    Ok((counts, displs, at))
}

/// Call `k`'s pieces of the messages in `bytes` (laid out by `start`), one after the
/// other: `bytes` itself when there is one call.
fn pack<'b>(bytes: &'b [u8], start: &[usize], k: usize, calls: usize) -> Cow<'b, [u8]> {
    if calls == 1 {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::new();
    for w in start.windows(2) {
        let r = piece(w[1] - w[0], k, calls);
        out.extend_from_slice(&bytes[w[0] + r.start..w[0] + r.end]);
    }
    Cow::Owned(out)
}

/// Copies call `k`'s pieces (`got`, one after the other) to their places in `into`
/// (messages laid out by `start`).
fn unpack(got: &[u8], into: &mut [u8], start: &[usize], k: usize, calls: usize) {
    let mut at = 0;
    for w in start.windows(2) {
        let r = piece(w[1] - w[0], k, calls);
        into[w[0] + r.start..w[0] + r.end].copy_from_slice(&got[at..at + r.len()]);
        at += r.len();
    }
}

impl MpiExecutor {
    /// The values of one round that cross ranks, in one collective exchange every rank
    /// enters: the sizes (and each rank's total) by `MPI_Ialltoall`, then the bundles by
    /// `MPI_Alltoallv`, in several calls when more than `max_call` bytes would move into
    /// or out of a rank. Returns the values received; `expect`: per source, the task ids
    /// its bundle holds.
    fn exchange(
        &self,
        round: usize,
        out: &Outbox,
        expect: &BTreeMap<usize, Vec<TaskId>>,
    ) -> Result<Vec<(TaskId, Arc<TaskValue>)>> {
        let n = self.size;
        let send_lens = out.lens();
        let total = out.bytes.len();
        // To every rank: the bytes it gets from this one, and this one's total.
        let sizes: Vec<u64> = send_lens
            .iter()
            .flat_map(|&l| [l as u64, total as u64])
            .collect();
        let mut got_sizes = vec![0u64; 2 * n];
        mpi::request::scope(|scope| {
            wait_sleeping(self.world.immediate_all_to_all_into(
                scope,
                &sizes[..],
                &mut got_sizes[..],
            ));
        });
        let mut collectives = 1;
        let recv_lens = got_sizes
            .chunks(2)
            .map(|c| usize::try_from(c[0]))
            .collect::<std::result::Result<Vec<usize>, _>>()
            .map_err(|_| Error::internal("a bundle size does not fit this rank's memory"))?;
        // Every rank knows every rank's total: all take the same branch.
        let all: u128 = got_sizes.chunks(2).map(|c| u128::from(c[1])).sum();
        let calls = if all <= self.max_call as u128 {
            1
        } else {
            let mine = total.max(recv_lens.iter().sum()) as u64;
            let mut most = 0u64;
            self.world
                .all_reduce_into(&mine, &mut most, SystemOperation::max());
            collectives += 1;
            calls_for(usize::try_from(most).unwrap_or(usize::MAX), self.max_call)
        };
        let rstart = offsets(&recv_lens);
        let mut received = recv_buffer(rstart[n]);
        for k in 0..calls {
            let (scounts, sdispls, _) = layout(&send_lens, k, calls)?;
            let (rcounts, rdispls, rtotal) = layout(&recv_lens, k, calls)?;
            let send = pack(&out.bytes, &out.start, k, calls);
            let sendbuf = Partition::new(in_place_safe(&send), scounts, sdispls);
            if calls == 1 {
                let mut recvbuf = PartitionMut::new(&mut received[..], rcounts, rdispls);
                self.world.all_to_all_varcount_into(&sendbuf, &mut recvbuf);
            } else {
                let mut got = recv_buffer(rtotal);
                let mut recvbuf = PartitionMut::new(&mut got[..], rcounts, rdispls);
                self.world.all_to_all_varcount_into(&sendbuf, &mut recvbuf);
                unpack(&got, &mut received, &rstart, k, calls);
            }
            collectives += 1;
        }
        self.count_comm(|c| {
            c.messages_sent += send_lens.iter().filter(|&&l| l > 0).count();
            c.bytes_sent += total;
            c.bytes_received += received.len();
            c.collectives += collectives;
        });
        let mut values = Vec::new();
        for p in 0..n {
            let bytes = &received[rstart[p]..rstart[p + 1]];
            match expect.get(&p) {
                Some(ids) => {
                    let from = format!("from rank {p}");
                    values.extend(wire::decode(bytes, round, ids, &from, bytes.len())?);
                }
                None if bytes.is_empty() => {}
                None => {
                    return Err(Error::internal(format!(
                        "rank {} got {} bytes from rank {p} in round {round}, and expected none",
                        self.rank,
                        bytes.len()
                    )))
                }
            }
        }
        Ok(values)
    }

    /// Every rank's `mine`, in rank order, on every rank (`MPI_Iallgather`: waits
    /// sleeping for the slowest rank).
    fn all_gather_sizes(&self, mine: &[u64]) -> Vec<u64> {
        let mut all = vec![0u64; mine.len() * self.size];
        mpi::request::scope(|scope| {
            wait_sleeping(
                self.world
                    .immediate_all_gather_into(scope, mine, &mut all[..]),
            );
        });
        self.count_comm(|c| c.collectives += 1);
        all
    }

    /// Every rank's `mine` (of `lens[rank]` bytes), one after the other in rank order,
    /// on every rank (`MPI_Allgatherv`, in several calls for more than `max_call` bytes).
    fn all_gather_bytes(&self, mine: &[u8], lens: &[usize]) -> Result<Vec<u8>> {
        let start = offsets(lens);
        let mut all = recv_buffer(start[self.size]);
        let calls = calls_for(all.len(), self.max_call);
        for k in 0..calls {
            let (counts, displs, total) = layout(lens, k, calls)?;
            let send = in_place_safe(&mine[piece(mine.len(), k, calls)]);
            if calls == 1 {
                let mut recv = PartitionMut::new(&mut all[..], counts, displs);
                self.world.all_gather_varcount_into(send, &mut recv);
            } else {
                let mut got = recv_buffer(total);
                let mut recv = PartitionMut::new(&mut got[..], counts, displs);
                self.world.all_gather_varcount_into(send, &mut recv);
                unpack(&got, &mut all, &start, k, calls);
            }
        }
        self.count_comm(|c| {
            c.collectives += calls;
            c.bytes_sent += mine.len() * (self.size - 1);
            c.bytes_received += all.len() - mine.len();
            c.results_received += all.len() - mine.len();
        });
        Ok(all)
    }

    /// Every rank's `mine` (of `lens[rank]` bytes), one after the other in rank order, on
    /// rank 0 (`MPI_Gatherv`, in several calls for more than `max_call` bytes); `None`
    /// on the other ranks.
    fn gather_bytes(&self, mine: &[u8], lens: &[usize]) -> Result<Option<Vec<u8>>> {
        let start = offsets(lens);
        let calls = calls_for(start[self.size], self.max_call);
        let root = self.world.process_at_rank(0);
        if self.rank != 0 {
            for k in 0..calls {
                root.gather_varcount_into(in_place_safe(&mine[piece(mine.len(), k, calls)]));
            }
            self.count_comm(|c| {
                c.collectives += calls;
                c.bytes_sent += mine.len();
                c.messages_sent += usize::from(!mine.is_empty());
            });
            return Ok(None);
        }
        let mut all = recv_buffer(start[self.size]);
        for k in 0..calls {
            let (counts, displs, total) = layout(lens, k, calls)?;
            let send = in_place_safe(&mine[piece(mine.len(), k, calls)]);
            if calls == 1 {
                let mut recv = PartitionMut::new(&mut all[..], counts, displs);
                root.gather_varcount_into_root(send, &mut recv);
            } else {
                let mut got = recv_buffer(total);
                let mut recv = PartitionMut::new(&mut got[..], counts, displs);
                root.gather_varcount_into_root(send, &mut recv);
                unpack(&got, &mut all, &start, k, calls);
            }
        }
        self.count_comm(|c| {
            c.collectives += calls;
            c.bytes_received += all.len() - mine.len();
            c.results_received += all.len() - mine.len();
        });
        Ok(Some(all))
    }

    /// Runs `sub` on this rank's local executor with a memory budget of `budget`.
    fn run_local(
        &self,
        sub: TaskGraph,
        budget: usize,
    ) -> Result<(Vec<Arc<TaskValue>>, Option<ExecStats>)> {
        let mut slot = self.local.lock().unwrap_or_else(PoisonError::into_inner);
        let local = slot
            .take()
            .ok_or_else(|| Error::internal("the MPI executor's local executor is in use"))?
            .memory_budget(budget)
            // A round's budget is what the rank's budget leaves, which may be less than
            // one task: the whole graph was checked against the rank's budget instead.
            .strict_budget(false);
        let out = local.execute(sub);
        let stats = local.last_stats();
        *slot = Some(local);
        out.map(|v| (v, stats))
    }

    fn run(&self, graph: TaskGraph) -> Result<(Vec<Arc<TaskValue>>, ExecStats)> {
        let (s, runs) = graph.into_parts();
        let p = place(&s, self.size);
        let me = self.rank;
        let plan = plan(&s, &p, me);
        let mut runs: Vec<Option<TaskFn>> = runs.into_iter().map(Some).collect();
        let mut store: BTreeMap<TaskId, Arc<TaskValue>> = BTreeMap::new();
        let mut stats = ExecStats::default();
        let (mut compute, mut exchange) = (Duration::ZERO, Duration::ZERO);
        // `local_id[t]` is task `t`'s id in the current round's run when
        // `stamp[t] == round + 1`.
        let mut local_id = vec![0; s.len()];
        let mut stamp = vec![0; s.len()];
        for round in 0..p.rounds {
            let t0 = Instant::now();
            let mine = &plan.tasks[round];
            let mut sub = TaskGraph::new();
            let mut kept = Vec::new();
            for &t in mine {
                let mut deps = Vec::with_capacity(s.deps(t).len());
                for &d in s.deps(t) {
                    if stamp[d] != round + 1 {
                        // A value from an earlier round or another rank: a task of this
                        // run that hands it over.
                        let v = store.get(&d).map(Arc::clone).ok_or_else(|| {
                            Error::internal(format!(
                                "rank {me} lacks the value of task {d} ({}) in round {round}",
                                s.label(d)
                            ))
                        })?;
                        local_id[d] = sub.add_task(
                            Vec::new(),
                            s.label(d).to_string(),
                            0,
                            Box::new(move |_| Ok(TaskValue::clone(&v))),
                        );
                        stamp[d] = round + 1;
                    }
                    deps.push(local_id[d]);
                }
                let run = runs[t].take().ok_or_else(|| {
                    Error::internal(format!("task {t} ({}) placed twice", s.label(t)))
                })?;
                local_id[t] = sub.add_task(deps, s.label(t).to_string(), s.est_bytes(t), run);
                stamp[t] = round + 1;
                if plan.keep[t] {
                    kept.push(t);
                }
            }
            let values = if mine.is_empty() {
                Vec::new()
            } else {
                sub.set_outputs(kept.iter().map(|&t| local_id[t]).collect());
                let held: usize = store.values().map(|v| v.nbytes()).sum();
                let budget = round_budget(self.budget, held, plan.reserved[round]);
                let (out, st) = self.run_local(sub, budget)?;
                let made: usize = out.iter().map(|v| v.nbytes()).sum();
                if let Some(st) = st {
                    stats.tasks_run += st.tasks_run;
                    stats.peak_bytes = stats.peak_bytes.max(st.peak_bytes + held + made);
                }
                out
            };
            for (&t, v) in kept.iter().zip(values) {
                store.insert(t, v);
            }
            let t1 = Instant::now();
            compute += t1 - t0;
            if plan.busy[round] {
                let traffic = &plan.traffic[round];
                let out = Outbox::new(self.size, |q, bytes| {
                    let Some(ids) = traffic.send.get(&q) else {
                        return Ok(());
                    };
                    let vals = ids
                        .iter()
                        .map(|t| store.get(t).map(|v| (*t, v.as_ref())))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| {
                            Error::internal(format!("rank {me} lost a value to send"))
                        })?;
                    wire::encode_into(bytes, round, &vals, true);
                    Ok(())
                })?;
                let got = self.exchange(round, &out, &traffic.recv)?;
                store.extend(got);
            }
            store.retain(|t, _| plan.last_use[*t].is_some_and(|r| r > round));
            exchange += t1.elapsed();
        }
        let t2 = Instant::now();
        let outputs = self.gather_outputs(&s, &p, &mut store)?;
        exchange += t2.elapsed();
        self.count_comm(|c| {
            c.executions += 1;
            c.compute += compute;
            c.exchange += exchange;
        });
        Ok((outputs, stats))
    }

    /// Brings the outputs where [`Results`] says, after the last round.
    fn gather_outputs(
        &self,
        s: &GraphStructure,
        p: &Placement,
        store: &mut BTreeMap<TaskId, Arc<TaskValue>>,
    ) -> Result<Vec<Arc<TaskValue>>> {
        let (me, n) = (self.rank, self.size);
        let mut outs: Vec<TaskId> = s.outputs().to_vec();
        outs.sort_unstable();
        outs.dedup();
        // Per rank, the outputs it owns, ascending: the same on every rank.
        let mut owned: Vec<Vec<TaskId>> = vec![Vec::new(); n];
        for &o in &outs {
            owned[p.owner[o]].push(o);
        }
        if n > 1 {
            let vals = owned[me]
                .iter()
                .map(|t| store.get(t).map(|v| (*t, v.as_ref())))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| Error::internal(format!("rank {me} lost an output")))?;
            // A rank that owns no output sends nothing.
            let encode = |with_data: bool| {
                let mut out = Vec::new();
                if !vals.is_empty() {
                    wire::encode_into(&mut out, p.rounds, &vals, with_data);
                }
                out
            };
            let full = encode(true);
            // Every rank's bundle, in rank order, and whether they hold the values (or
            // only dtypes and shapes); and the lengths of the bundles with the values,
            // which bound the zeros a header-only bundle may ask for.
            let (all, lens, with_data, whole_lens) = match self.results {
                Results::AllRanks => {
                    let lens = to_usizes(&self.all_gather_sizes(&[full.len() as u64]))?;
                    (
                        self.all_gather_bytes(&full, &lens)?,
                        lens.clone(),
                        true,
                        lens,
                    )
                }
                Results::Root => {
                    let header = encode(false);
                    let lens = to_usizes(
                        &self.all_gather_sizes(&[full.len() as u64, header.len() as u64]),
                    )?;
                    let full_lens: Vec<usize> = lens.iter().step_by(2).copied().collect();
                    let header_lens: Vec<usize> = lens.iter().skip(1).step_by(2).copied().collect();
                    let headers = self.all_gather_bytes(&header, &header_lens)?;
                    match self.gather_bytes(&full, &full_lens)? {
                        Some(all) => (all, full_lens.clone(), true, full_lens),
                        None => (headers, header_lens, false, full_lens),
                    }
                }
            };
            drop(vals);
            let start = offsets(&lens);
            for q in (0..n).filter(|&q| q != me) {
                let bytes = &all[start[q]..start[q + 1]];
                if owned[q].is_empty() {
                    if !bytes.is_empty() {
                        return Err(Error::internal(format!(
                            "rank {me} got {} bytes of results from rank {q}, which owns none",
                            bytes.len()
                        )));
                    }
                    continue;
                }
                store.extend(wire::decode(
                    bytes,
                    p.rounds,
                    &owned[q],
                    &format!("from rank {q}"),
                    whole_lens[q],
                )?);
            }
            if !with_data {
                // Zeros of the outputs' dtypes and shapes, also for the ones made here.
                for &t in &owned[me] {
                    if let Some(v) = store.get_mut(&t) {
                        let header = wire::encode(p.rounds, &[(t, v.as_ref())], false);
                        if let Some((_, z)) =
                            wire::decode(&header, p.rounds, &[t], "this rank", full.len())?.pop()
                        {
                            *v = z;
                        }
                    }
                }
            }
        }
        s.outputs()
            .iter()
            .map(|o| {
                store.get(o).map(Arc::clone).ok_or_else(|| {
                    Error::internal(format!("rank {me} has no value for output task {o}"))
                })
            })
            .collect()
    }
}

fn to_usizes(v: &[u64]) -> Result<Vec<usize>> {
    v.iter()
        .map(|&x| {
            usize::try_from(x)
                .map_err(|_| Error::internal(format!("a message of {x} bytes does not fit")))
        })
        .collect()
}

impl Executor for MpiExecutor {
    fn execute(&self, graph: TaskGraph) -> Result<Vec<Arc<TaskValue>>> {
        // Any error of an execution on one rank aborts the job: the other ranks would
        // wait for this one in the next collective.
        let result = graph
            .structure()
            .validate()
            .and_then(|()| self.check_same_graph(graph.structure()))
            .and_then(|()| {
                if self.strict_budget.unwrap_or(self.budget_set) {
                    check_budget(graph.structure(), self.budget)
                } else {
                    Ok(())
                }
            })
            .and_then(|()| self.run(graph))
            .map_err(|e| self.fail(e));
        let (out, stats) = result?;
        *self
            .last_stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(stats);
        Ok(out)
    }

    fn name(&self) -> &str {
        "mpi"
    }

    /// Figures of this rank's share of the last execution: its tasks, and the peak of
    /// its rounds (values held for later rounds or waiting to be sent included).
    fn last_stats(&self) -> Option<ExecStats> {
        *self
            .last_stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn rank(&self) -> usize {
        self.rank
    }

    fn ranks(&self) -> usize {
        self.size
    }

    /// An `MPI_Allreduce` (logical and) of `ok`; every rank must call it.
    fn all_ranks_ok(&self, ok: bool) -> bool {
        if self.size == 1 {
            return ok;
        }
        let mine = u8::from(ok);
        let mut all = 0u8;
        self.world
            .all_reduce_into(&mine, &mut all, SystemOperation::min());
        all == 1
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Tasks of 8 estimated bytes each.
    fn graph(tasks: &[&[TaskId]], outputs: &[TaskId]) -> GraphStructure {
        let tasks: Vec<(&[TaskId], usize)> = tasks.iter().map(|&d| (d, 8)).collect();
        placement::test_graph(&tasks, outputs)
    }

    #[test]
    fn plans_of_two_ranks_match_each_other() {
        // Two sources per rank, a combine per rank, a root on rank 0.
        let s = graph(&[&[], &[], &[], &[], &[0, 1], &[2, 3], &[4, 5]], &[6]);
        let p = place(&s, 2);
        let (a, b) = (plan(&s, &p, 0), plan(&s, &p, 1));
        assert_eq!(a.tasks, vec![vec![0, 1, 4], vec![6]]);
        assert_eq!(b.tasks, vec![vec![2, 3, 5], vec![]]);
        // Rank 1 sends its combine in round 0; rank 0 expects exactly that.
        assert_eq!(b.traffic[0].send.get(&0), Some(&vec![5]));
        assert_eq!(a.traffic[0].recv.get(&1), Some(&vec![5]));
        assert!(a.traffic[0].send.is_empty() && b.traffic[0].recv.is_empty());
        // Rank 0 keeps its combine for round 1, and the output to the end.
        assert!(a.keep[4] && !a.keep[0]);
        assert_eq!(a.last_use[4], Some(1));
        assert_eq!(a.last_use[5], Some(1));
        assert_eq!(a.last_use[6], Some(usize::MAX));
        assert_eq!(b.last_use[5], Some(0));
        // Round 0 moves a value on every rank's plan, round 1 none: skipped by all.
        assert_eq!(a.busy, vec![true, false]);
        assert_eq!(b.busy, a.busy);
    }

    #[test]
    fn the_local_budget_leaves_room_for_values_held_and_waiting_to_be_sent() {
        // Sources of 100 bytes estimated, combines of 8; rank 1's combine (task 5) waits
        // to be sent to rank 0 after round 0, rank 0's (task 4) is kept for round 1.
        let mut g = TaskGraph::new();
        for (deps, est) in [
            (vec![], 100),
            (vec![], 100),
            (vec![], 100),
            (vec![], 100),
            (vec![0, 1], 8),
            (vec![2, 3], 8),
            (vec![4, 5], 8),
        ] {
            g.add_task(deps, "t", est, Box::new(|_| Ok(TaskValue(Vec::new()))));
        }
        g.set_outputs(vec![6]);
        let s = g.into_parts().0;
        let p = place(&s, 2);
        let (a, b) = (plan(&s, &p, 0), plan(&s, &p, 1));
        assert_eq!(b.reserved, vec![8, 0]);
        assert_eq!(a.reserved, vec![8, 0]);
        // Rank 1's round 0 runs with its budget less the partial it will send, and less
        // what it already holds.
        assert_eq!(round_budget(1000, 0, b.reserved[0]), 992);
        assert_eq!(round_budget(1000, 300, b.reserved[0]), 692);
        // The output (task 6) is the caller's result, not reserved; a budget smaller than
        // what is held leaves 0 (the local executor then runs one task at a time).
        assert_eq!(round_budget(1000, 0, a.reserved[1]), 1000);
        assert_eq!(round_budget(100, 95, 8), 0);
    }

    #[test]
    fn split_exchanges_move_every_byte_once() {
        // Three messages laid out one after the other, moved in 1, 2 and 7 calls.
        let lens = [5usize, 0, 13];
        let start = offsets(&lens);
        assert_eq!(start, vec![0, 5, 5, 18]);
        let bytes: Vec<u8> = (0..18).collect();
        for calls in [1, 2, 7] {
            let mut back = vec![0u8; 18];
            let mut moved = 0;
            for k in 0..calls {
                let (counts, displs, total) = layout(&lens, k, calls).unwrap();
                let packed = pack(&bytes, &start, k, calls);
                assert_eq!(packed.len(), total);
                assert_eq!(counts.iter().map(|&c| c as usize).sum::<usize>(), total);
                assert_eq!(displs[0], 0);
                unpack(&packed, &mut back, &start, k, calls);
                moved += total;
            }
            assert_eq!(moved, 18, "{calls} calls");
            assert_eq!(back, bytes, "{calls} calls");
        }
        // Each call moves about the same share of a message.
        assert_eq!(piece(10, 0, 3), 0..3);
        assert_eq!(piece(10, 2, 3), 6..10);
        assert_eq!(calls_for(0, 4), 1);
        assert_eq!(calls_for(9, 4), 3);
        assert_eq!(calls_for(3 << 30, MAX_CALL), 3);
    }

    #[test]
    fn the_structure_hash_sees_every_edge() {
        let a = graph(&[&[], &[], &[0, 1]], &[2]);
        let b = graph(&[&[], &[], &[1, 0]], &[2]);
        let c = graph(&[&[], &[], &[0, 1]], &[1]);
        assert_ne!(structure_hash(&a), structure_hash(&b));
        assert_ne!(structure_hash(&a), structure_hash(&c));
        assert_eq!(
            structure_hash(&a),
            structure_hash(&graph(&[&[], &[], &[0, 1]], &[2]))
        );
    }
}
