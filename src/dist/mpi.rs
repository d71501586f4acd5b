//! [`MpiExecutor`]: runs a [`TaskGraph`] on every rank of an MPI job, SPMD.
//!
//! Every rank runs the same program and so builds the same graph. A deterministic
//! [placement](placement) gives each rank a contiguous share of the source tasks (the
//! chunk reads: each chunk is read once per job, by one rank) and puts every other task
//! with the bulk of its inputs, so a reduction's combine tree stays on the rank that made
//! its partials. Each rank then runs its tasks round by round: a round is the tasks that
//! need nothing more from other ranks, run by a [`LocalExecutor`] on the rank's rayon
//! threads (memory budget, depth-first order and all); after it, the values other ranks
//! need travel as point-to-point messages (one per rank pair per round: non-blocking
//! sends, blocking receives, no global barrier). The outputs are then sent to rank 0, or
//! to every rank on request.
//!
//! Partials cross ranks as values of the graph's own combine tree rather than through
//! `MPI_Reduce`: the tree fixes the order of every floating-point addition, so the answer
//! is bit for bit the [`LocalExecutor`]'s, whatever the number of ranks. (An
//! `MPI_Reduce` would sum the ranks' partials in the library's order, and would need the
//! graph to say which combines are plain sums.) Collectives check that every rank built
//! the same graph.
//!
//! A failing or panicking task on any rank aborts the whole job (`MPI_Abort`) with its
//! message; no rank is left waiting for a value that will never come.

mod placement;
mod wire;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use mpi::collective::SystemOperation;
use mpi::environment::Universe;
use mpi::topology::{Rank, SimpleCommunicator};
use mpi::traits::{Communicator, CommunicatorCollectives, Destination, Source};

use crate::dist::executor::{ExecStats, Executor};
use crate::dist::graph::{GraphStructure, TaskFn, TaskGraph, TaskId, TaskValue};
use crate::dist::local::LocalExecutor;
use crate::error::{Error, Result};
use placement::{place, Placement};

/// The tag of every message: messages between two ranks are sent and received in the
/// same (round) order, which MPI's non-overtaking rule preserves.
const TAG: mpi::Tag = 7;

/// The largest single MPI message: MPI counts are 32-bit, so a larger bundle goes in
/// pieces.
const MAX_PIECE: usize = 1 << 30;

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
    /// Messages (bundles of values) sent to other ranks.
    pub messages_sent: usize,
    /// Bytes sent to other ranks.
    pub bytes_sent: usize,
    /// Bytes received from other ranks.
    pub bytes_received: usize,
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
///     .mean(&["time"])?
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
    local: LocalExecutor,
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
            .field("local", &self.local)
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
    /// [`Error::InvalidArgument`] when MPI was already initialized in this process (by an
    /// earlier `MpiExecutor` or other code).
    pub fn new() -> Result<Self> {
        let (universe, _threading) =
            mpi::initialize_with_threading(mpi::Threading::Funneled).ok_or_else(|| {
                Error::InvalidArgument(
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
            local: local.memory_budget(budget),
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
        self.local = self.local.threads(n);
        self
    }

    /// Keeps at most about `bytes` of task values alive on this rank at once (see
    /// [`LocalExecutor`]), not counting values waiting to be sent.
    #[must_use]
    pub fn memory_budget(mut self, bytes: usize) -> Self {
        self.local = self.local.memory_budget(bytes);
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
        if mpi::environment::is_initialized() && !mpi::environment::is_finalized() {
            eprintln!("xr: MPI rank {rank} of {size} panicked\nxr: aborting the MPI job");
            SimpleCommunicator::world().abort(101);
        }
    }));
}

/// Waits until `peer` has sent this rank a message, sleeping between probes: a blocking
/// receive would spin a core for as long as the peer computes (a whole round), taking it
/// from other ranks on the same cores. Messages here are few and large, so the up to
/// 2 ms of added latency does not matter.
fn wait_for_message(peer: &mpi::topology::Process<'_>) {
    let mut pause = Duration::from_micros(20);
    while peer.immediate_probe_with_tag(TAG).is_none() {
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
        if owner == me {
            tasks[round].push(t);
            for &q in &peers {
                traffic[round].send.entry(q).or_default().push(t);
            }
            keep[t] = is_output[t] || !peers.is_empty() || mine_last.is_some_and(|r| r > round);
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
        last_use,
        keep,
    }
}

impl MpiExecutor {
    /// Sends each peer its bundle and receives the bundles this rank expects; returns the
    /// received values. `bundles`: per destination, the message bytes; `expect`: per
    /// source, the task ids its message holds. Headers-only messages decode to zeros.
    fn exchange(
        &self,
        round: usize,
        bundles: &[(usize, Vec<u8>)],
        expect: &BTreeMap<usize, Vec<TaskId>>,
    ) -> Result<Vec<(TaskId, Arc<TaskValue>)>> {
        let lens: Vec<[u8; 8]> = bundles
            .iter()
            .map(|(_, b)| (b.len() as u64).to_le_bytes())
            .collect();
        let mut received = Vec::new();
        let mut bytes_in = 0;
        let result = mpi::request::scope(|scope| {
            let mut sends = Vec::new();
            for ((q, bytes), len) in bundles.iter().zip(&lens) {
                let peer = self.world.process_at_rank(*q as Rank);
                sends.push(peer.immediate_send_with_tag(scope, &len[..], TAG));
                for piece in bytes.chunks(MAX_PIECE) {
                    sends.push(peer.immediate_send_with_tag(scope, piece, TAG));
                }
            }
            let mut result = Ok(());
            for (&q, ids) in expect {
                let peer = self.world.process_at_rank(q as Rank);
                wait_for_message(&peer);
                let mut len = [0u8; 8];
                peer.receive_into_with_tag(&mut len[..], TAG);
                let len = u64::from_le_bytes(len);
                let Ok(len) = usize::try_from(len) else {
                    result = Err(Error::internal(format!(
                        "a message of {len} bytes from rank {q}"
                    )));
                    break;
                };
                let mut buf = vec![0u8; len];
                for piece in buf.chunks_mut(MAX_PIECE) {
                    peer.receive_into_with_tag(piece, TAG);
                }
                bytes_in += len;
                match wire::decode(&buf, round, ids, &format!("from rank {q}")) {
                    Ok(v) => received.extend(v),
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            for s in sends {
                s.wait();
            }
            result
        });
        let mut c = self.comm.lock().unwrap_or_else(PoisonError::into_inner);
        c.messages_sent += bundles.len();
        c.bytes_sent += bundles.iter().map(|(_, b)| b.len()).sum::<usize>();
        c.bytes_received += bytes_in;
        result.map(|()| received)
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
                let out = self.local.execute(sub).map_err(|e| self.fail(e))?;
                if let Some(st) = self.local.last_stats() {
                    stats.tasks_run += st.tasks_run;
                    stats.peak_bytes = stats.peak_bytes.max(st.peak_bytes + held);
                }
                out
            };
            for (&t, v) in kept.iter().zip(values) {
                store.insert(t, v);
            }
            let t1 = Instant::now();
            compute += t1 - t0;
            let traffic = &plan.traffic[round];
            let bundles = traffic
                .send
                .iter()
                .map(|(&q, ids)| {
                    let vals = ids
                        .iter()
                        .map(|t| store.get(t).map(|v| (*t, v.as_ref())))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| {
                            Error::internal(format!("rank {me} lost a value to send"))
                        })?;
                    Ok((q, wire::encode(round, &vals, true)))
                })
                .collect::<Result<Vec<_>>>()
                .map_err(|e| self.fail(e))?;
            let got = self
                .exchange(round, &bundles, &traffic.recv)
                .map_err(|e| self.fail(e))?;
            store.extend(got);
            store.retain(|t, _| plan.last_use[*t].is_some_and(|r| r > round));
            exchange += t1.elapsed();
        }
        let t2 = Instant::now();
        let outputs = self
            .gather_outputs(&s, &p, &mut store)
            .map_err(|e| self.fail(e))?;
        exchange += t2.elapsed();
        let mut c = self.comm.lock().unwrap_or_else(PoisonError::into_inner);
        c.executions += 1;
        c.compute += compute;
        c.exchange += exchange;
        Ok((outputs, stats))
    }

    /// Sends the outputs where [`Results`] says, after the last round.
    fn gather_outputs(
        &self,
        s: &GraphStructure,
        p: &Placement,
        store: &mut BTreeMap<TaskId, Arc<TaskValue>>,
    ) -> Result<Vec<Arc<TaskValue>>> {
        let me = self.rank;
        let mut outs: Vec<TaskId> = s.outputs().to_vec();
        outs.sort_unstable();
        outs.dedup();
        let full_to = |q: usize| self.results == Results::AllRanks || q == 0;
        // Full values to the ranks that get them, headers to the others.
        let mut bundles = Vec::new();
        let mine: Vec<TaskId> = outs.iter().copied().filter(|&o| p.owner[o] == me).collect();
        if !mine.is_empty() {
            let vals = mine
                .iter()
                .map(|t| store.get(t).map(|v| (*t, v.as_ref())))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| Error::internal(format!("rank {me} lost an output")))?;
            let (full, header) = (
                wire::encode(p.rounds, &vals, true),
                wire::encode(p.rounds, &vals, false),
            );
            for q in (0..self.size).filter(|&q| q != me) {
                bundles.push((
                    q,
                    if full_to(q) {
                        full.clone()
                    } else {
                        header.clone()
                    },
                ));
            }
        }
        let mut expect: BTreeMap<usize, Vec<TaskId>> = BTreeMap::new();
        for &o in &outs {
            if p.owner[o] != me {
                expect.entry(p.owner[o]).or_default().push(o);
            }
        }
        let got = self.exchange(p.rounds, &bundles, &expect)?;
        if !full_to(me) {
            // Zeros of the outputs' dtypes and shapes, also for the ones made here.
            for (t, v) in store.iter_mut() {
                let header = wire::encode(p.rounds, &[(*t, v.as_ref())], false);
                if let Some((_, z)) = wire::decode(&header, p.rounds, &[*t], "this rank")?.pop() {
                    *v = z;
                }
            }
        }
        store.extend(got);
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

impl Executor for MpiExecutor {
    fn execute(&self, graph: TaskGraph) -> Result<Vec<Arc<TaskValue>>> {
        graph.structure().validate()?;
        self.check_same_graph(graph.structure())?;
        let (out, stats) = self.run(graph)?;
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
    /// its rounds (values held for later rounds included).
    fn last_stats(&self) -> Option<ExecStats> {
        *self
            .last_stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(tasks: &[&[TaskId]], outputs: &[TaskId]) -> GraphStructure {
        let mut g = TaskGraph::new();
        for deps in tasks {
            g.add_task(
                deps.to_vec(),
                "t",
                8,
                Box::new(|_| Ok(TaskValue(Vec::new()))),
            );
        }
        g.set_outputs(outputs.to_vec());
        g.into_parts().0
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
