//! [`LocalExecutor`]: runs a [`TaskGraph`] on rayon's threads within a memory budget.
//!
//! One mutex guards the scheduling state (dependency counts, the ready queues, the values
//! alive). A worker that finishes a task takes the lock once to record the result, release
//! the task's consumers and pick its own next task, plus one for every idle slot, which it
//! spawns on the pool after unlocking. No worker ever blocks waiting for work: a worker
//! with nothing to pick returns to rayon, so tasks that use rayon inside get every idle
//! thread. Every completion refills the free slots, so the run always progresses.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::dist::executor::{ExecStats, Executor};
use crate::dist::graph::{GraphStructure, TaskGraph, TaskId, TaskValue};
use crate::dist::progress::Progress;
use crate::error::{Error, Result};

/// The work of a task that may borrow from the caller of
/// [`LocalExecutor::execute_scoped`] (a `TaskFn` that need not be `'static`).
pub(crate) type ScopedFn<'s> =
    Box<dyn FnOnce(Vec<Arc<TaskValue>>) -> Result<TaskValue> + Send + 's>;

/// The budget when the physical memory cannot be read.
const FALLBACK_BUDGET: usize = 2 << 30;

/// Runs task graphs on this machine's cores (rayon), depth first, within a memory budget.
///
/// - Ready tasks run lowest id first, so a reduction's combine runs as soon as its
///   partials are done instead of after every chunk was read.
/// - An intermediate value is dropped as soon as its last consumer ran (outputs are kept).
/// - While other work runs, a task does not start far ahead of the lowest unfinished one
///   (in task ids, and in bytes alive: 64 MiB per thread, or twice the largest task's
///   estimate), so producers racing ahead of a slow consumer, a lagging writer, do not
///   hold memory.
/// - A task does not start while the bytes alive plus its `est_bytes` exceed the budget,
///   unless nothing else is running, so the run always progresses; a task with
///   dependencies (which usually frees more than it makes) is preferred over a new source
///   read. Peak memory is thus at most the budget plus one task's value (when each
///   `est_bytes` is right). A task larger than a budget the caller set is an error
///   before anything runs (see [`LocalExecutor::strict_budget`]). Finished outputs are the caller's result and do not count
///   against the budget, so a result larger than the budget does not serialize the run.
/// - The first failing or panicking task stops the run: no other task starts, and its
///   error names the task's label.
///
/// ```
/// use xr::dist::LocalExecutor;
/// let exec = LocalExecutor::new().threads(2).memory_budget(1 << 30).progress(false);
/// assert_eq!(exec.num_threads(), 2);
/// ```
#[derive(Debug)]
pub struct LocalExecutor {
    threads: Option<usize>,
    memory_budget: usize,
    /// Whether the budget is the caller's ([`LocalExecutor::memory_budget`]).
    budget_set: bool,
    /// [`LocalExecutor::strict_budget`]'s choice; `None`: strict when the budget was set.
    strict_budget: Option<bool>,
    progress: bool,
    pool: Mutex<Option<Arc<rayon::ThreadPool>>>,
    last_stats: Mutex<Option<ExecStats>>,
}

impl Default for LocalExecutor {
    /// All of rayon's threads, a quarter of the physical memory (2 GiB when it cannot be
    /// read), and a progress bar when stderr is a terminal.
    fn default() -> Self {
        LocalExecutor {
            threads: None,
            memory_budget: physical_memory().map_or(FALLBACK_BUDGET, |m| m / 4),
            budget_set: false,
            strict_budget: None,
            progress: true,
            pool: Mutex::new(None),
            last_stats: Mutex::new(None),
        }
    }
}

impl LocalExecutor {
    /// The default executor (see [`Default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs tasks on a pool of `n` threads of its own; 0 means rayon's current pool.
    #[must_use]
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = (n > 0).then_some(n);
        self.pool = Mutex::new(None);
        self
    }

    /// Keeps at most about `bytes` of task values alive (see the type's docs).
    ///
    /// A budget set here is strict (see [`strict_budget`](Self::strict_budget)): a graph
    /// with a task whose value alone is larger than `bytes` (a chunk larger than the
    /// budget) is an error before anything runs, naming the task, its size and the
    /// budget.
    ///
    /// ```
    /// use xr::dist::{Executor, LocalExecutor, TaskGraph, TaskValue};
    /// let exec = LocalExecutor::new().memory_budget(16).progress(false);
    /// let mut g = TaskGraph::new();
    /// let big = g.add_task(vec![], "big chunk", 1 << 20, Box::new(|_| Ok(TaskValue(vec![]))));
    /// g.set_outputs(vec![big]);
    /// let err = exec.execute(g).unwrap_err().to_string();
    /// assert!(err.contains("memory_budget") && err.contains("big chunk"), "{err}");
    /// ```
    #[must_use]
    pub fn memory_budget(mut self, bytes: usize) -> Self {
        self.memory_budget = bytes;
        self.budget_set = true;
        self
    }

    /// Refuses (`true`) a graph with a task whose value alone is larger than the memory
    /// budget (a chunk larger than the budget), or runs such a task on its own over the
    /// budget (`false`). Without this call, a budget set with
    /// [`memory_budget`](Self::memory_budget) is strict and the default budget (a
    /// quarter of the physical memory) is not: on a node with a hard memory limit, a
    /// budget set below one chunk is an error before anything runs, not a process
    /// killed or aborted part way, while a default run never fails for its budget.
    ///
    /// ```
    /// use xr::dist::{Executor, LocalExecutor, TaskGraph, TaskValue};
    /// // Opting out: the task larger than the budget runs alone.
    /// let exec = LocalExecutor::new().memory_budget(16).strict_budget(false).progress(false);
    /// let mut g = TaskGraph::new();
    /// let big = g.add_task(vec![], "big chunk", 1 << 20, Box::new(|_| Ok(TaskValue(vec![]))));
    /// g.set_outputs(vec![big]);
    /// assert_eq!(exec.execute(g)?.len(), 1);
    /// # Ok::<(), xr::Error>(())
    /// ```
    #[must_use]
    pub fn strict_budget(mut self, on: bool) -> Self {
        self.strict_budget = Some(on);
        self
    }

    /// True when a task larger than the budget is an error (see
    /// [`strict_budget`](Self::strict_budget)).
    pub fn is_budget_strict(&self) -> bool {
        self.strict_budget.unwrap_or(self.budget_set)
    }

    /// Allows (the default) or forbids the progress bar. Even when allowed, it is drawn
    /// only on a terminal, for runs longer than a second, with the `progress` feature.
    #[must_use]
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }

    /// The number of tasks run at once.
    pub fn num_threads(&self) -> usize {
        self.threads.unwrap_or_else(rayon::current_num_threads)
    }

    /// The memory budget in bytes.
    pub fn budget(&self) -> usize {
        self.memory_budget
    }

    /// Figures from the last execution that finished (successfully or not).
    pub fn last_stats(&self) -> Option<ExecStats> {
        *lock(&self.last_stats)
    }

    /// The pool of `threads`, built on first use.
    fn own_pool(&self, n: usize) -> Result<Arc<rayon::ThreadPool>> {
        let mut slot = lock(&self.pool);
        if let Some(pool) = slot.as_ref() {
            return Ok(Arc::clone(pool));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("xr-worker-{i}"))
            .build()
            .map_err(|source| Error::Threads { threads: n, source })?;
        let pool = Arc::new(pool);
        *slot = Some(Arc::clone(&pool));
        Ok(pool)
    }
}

impl LocalExecutor {
    /// Runs `graph` as [`Executor::execute`] does, with the closures of the tasks in
    /// `replace` swapped for ones that may borrow from the caller: `compute` gives each
    /// output task one block of the result it allocated, to write in place, so that
    /// outputs are neither returned nor copied.
    ///
    /// # Errors
    /// As [`Executor::execute`]; an internal error when a replaced task is not in the
    /// graph.
    pub(crate) fn execute_scoped<'s>(
        &self,
        graph: TaskGraph,
        replace: Vec<(TaskId, ScopedFn<'s>)>,
    ) -> Result<Vec<Arc<TaskValue>>> {
        graph.structure().validate()?;
        let (structure, runs) = graph.into_parts();
        let mut runs: Vec<ScopedFn<'s>> = runs.into_iter().map(|f| -> ScopedFn<'s> { f }).collect();
        for (id, f) in replace {
            let slot = runs.get_mut(id).ok_or_else(|| {
                Error::internal(format!("replaced task {id} is not in the graph"))
            })?;
            *slot = f;
        }
        self.run(&structure, runs)
    }

    fn run<'s>(
        &self,
        structure: &GraphStructure,
        runs: Vec<ScopedFn<'s>>,
    ) -> Result<Vec<Arc<TaskValue>>> {
        if self.is_budget_strict() {
            check_budget(structure, self.memory_budget)?;
        }
        let progress = Progress::new(self.progress, structure.len());
        let result = match self.threads {
            Some(n) => {
                let pool = self.own_pool(n)?;
                pool.install(|| run_graph(structure, runs, n, self.memory_budget, &progress))
            }
            None => run_graph(
                structure,
                runs,
                rayon::current_num_threads(),
                self.memory_budget,
                &progress,
            ),
        };
        progress.finish();
        let (result, stats) = result;
        *lock(&self.last_stats) = Some(stats);
        result
    }
}

/// The task with the largest estimated value, the first of them (the chunk a user finds
/// first); `None` for an empty graph.
fn largest_task(structure: &GraphStructure) -> Option<TaskId> {
    (0..structure.len()).min_by_key(|&id| Reverse(structure.est_bytes(id)))
}

/// Fails when one task's estimated value is larger than the whole memory `budget`.
///
/// # Errors
/// [`Error::InvalidArgument`] for `memory_budget`, naming the task, its size and the
/// budget.
pub(crate) fn check_budget(structure: &GraphStructure, budget: usize) -> Result<()> {
    match largest_task(structure) {
        Some(id) if structure.est_bytes(id) > budget => Err(Error::invalid_argument(
            "memory_budget",
            format!(
                "{budget} bytes is smaller than one task's value: {} needs about {} bytes; \
                 raise the budget or use smaller chunks (or `strict_budget(false)` to run \
                 such a task alone, over the budget)",
                structure.label(id),
                structure.est_bytes(id)
            ),
        )),
        _ => Ok(()),
    }
}

impl Executor for LocalExecutor {
    fn execute(&self, graph: TaskGraph) -> Result<Vec<Arc<TaskValue>>> {
        self.execute_scoped(graph, Vec::new())
    }

    fn name(&self) -> &str {
        "local"
    }

    fn last_stats(&self) -> Option<ExecStats> {
        LocalExecutor::last_stats(self)
    }
}

/// Locks a mutex, taking over a poisoned one: the state it guards is only changed in
/// short sections that do not panic, so a poisoned lock still holds a consistent state.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `MemTotal` from `/proc/meminfo`, in bytes.
fn physical_memory() -> Option<usize> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// What one run shares between its workers: the read-only structure, and the state.
struct Run<'g, 'f> {
    structure: &'g GraphStructure,
    /// `consumers[cons_start[i]..cons_start[i + 1]]` consume task `i`.
    cons_start: Vec<usize>,
    consumers: Vec<TaskId>,
    is_output: Vec<bool>,
    slots: usize,
    budget: usize,
    /// See [`RUN_AHEAD_BYTES_PER_SLOT`].
    ahead_bytes: usize,
    progress: &'g Progress,
    state: Mutex<State<'f>>,
}

/// The scheduling state, behind the run's one lock.
struct State<'g> {
    runs: Vec<Option<ScopedFn<'g>>>,
    /// Dependencies not yet finished.
    pending: Vec<u32>,
    /// Consumers not yet started: the last one to start takes the value.
    unstarted: Vec<u32>,
    values: Vec<Option<Arc<TaskValue>>>,
    ready_compute: BinaryHeap<Reverse<TaskId>>,
    ready_sources: BinaryHeap<Reverse<TaskId>>,
    running: usize,
    alive: usize,
    peak: usize,
    tasks_run: usize,
    error: Option<Error>,
    /// Tasks finished (or failed), and the lowest id not finished: no task starts more
    /// than [`RUN_AHEAD_PER_SLOT`] × slots ids past it, nor past it at all while the bytes
    /// alive would exceed [`Run::ahead_bytes`].
    done: Vec<bool>,
    frontier: TaskId,
}

/// How far past the lowest unfinished task, in task ids per slot, a task may start. Task
/// ids follow the graph's order (a task's dependencies come before it), which the
/// lowerings make depth first: a producer far ahead of the task that consumes its
/// predecessors' values (a combine, a write waiting on the file) would only hold memory.
/// The lowest unfinished task always has its dependencies finished, so the bound never
/// stops a run. Ids are a coarse measure: `ffill` of one-step chunks spends about 66 ids
/// per 8 MB block (a slice and a write per step), so 16 per slot kept a thread idle for
/// a fifth of the run while the other wrote; 64 lets the next block's read start while
/// the writer works (bench/toolkit/README.md, 2026-12-06 20:25).
const RUN_AHEAD_PER_SLOT: usize = 64;

/// The bytes alive (values and running tasks' estimates) past which a task ahead of the
/// lowest unfinished one does not start, per slot, or twice the graph's largest task
/// estimate when that is more. The id bound alone let `rolling`'s 40 MB blocks (two ids
/// each) pile up 2.4 GB behind a lagging NetCDF writer.
const RUN_AHEAD_BYTES_PER_SLOT: usize = 64 << 20;

/// A task taken out of the state, ready to run outside the lock.
struct Started<'g> {
    id: TaskId,
    /// `None` only if the state broke an invariant (a task started twice, a missing
    /// dependency value); the worker then reports an internal error.
    run: Option<ScopedFn<'g>>,
    args: Vec<Arc<TaskValue>>,
    /// Bytes of dependencies whose last consumer this is, released when it finishes.
    release: usize,
}

fn run_graph<'g, 'f>(
    structure: &'g GraphStructure,
    runs: Vec<ScopedFn<'f>>,
    slots: usize,
    budget: usize,
    progress: &'g Progress,
) -> (Result<Vec<Arc<TaskValue>>>, ExecStats) {
    let n = structure.len();
    let (cons_start, consumers) = structure.consumers();
    let mut is_output = vec![false; n];
    for &o in structure.outputs() {
        is_output[o] = true;
    }
    let to_u32 = |k: usize| u32::try_from(k).unwrap_or(u32::MAX);
    let pending: Vec<u32> = (0..n).map(|i| to_u32(structure.deps(i).len())).collect();
    let unstarted = (0..n)
        .map(|i| to_u32(cons_start[i + 1] - cons_start[i]))
        .collect();
    let sources: Vec<Reverse<TaskId>> = (0..n).filter(|&i| pending[i] == 0).map(Reverse).collect();
    let largest = largest_task(structure).map_or(0, |id| structure.est_bytes(id));
    let ahead_bytes = RUN_AHEAD_BYTES_PER_SLOT
        .max(largest.saturating_mul(2))
        .saturating_mul(slots.max(1));
    let run = Run {
        structure,
        cons_start,
        consumers,
        is_output,
        slots: slots.max(1),
        budget,
        ahead_bytes,
        progress,
        state: Mutex::new(State {
            runs: runs.into_iter().map(Some).collect(),
            pending,
            unstarted,
            values: vec![None; n],
            ready_compute: BinaryHeap::new(),
            ready_sources: BinaryHeap::from(sources),
            running: 0,
            alive: 0,
            peak: 0,
            tasks_run: 0,
            error: None,
            done: vec![false; n],
            frontier: 0,
        }),
    };
    rayon::in_place_scope(|scope| {
        let mut first = Vec::new();
        {
            let mut st = lock(&run.state);
            while let Some(t) = st.pick(&run) {
                first.push(t);
            }
        }
        let run = &run;
        for t in first {
            scope.spawn(move |s| work(run, s, t));
        }
    });
    let state = run
        .state
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    let stats = ExecStats {
        tasks_run: state.tasks_run,
        peak_bytes: state.peak,
    };
    if let Some(e) = state.error {
        return (Err(e), stats);
    }
    let result = structure
        .outputs()
        .iter()
        .map(|&o| {
            state.values[o].as_ref().map(Arc::clone).ok_or_else(|| {
                Error::internal(format!(
                    "output task {o} ({}) has no value after the run",
                    structure.label(o)
                ))
            })
        })
        .collect();
    (result, stats)
}

thread_local! {
    /// Whether this thread is running a task. A task waiting on rayon inside (a parallel
    /// decode) lets its thread take other jobs, this executor's `work` among them, on the
    /// same stack: the waiting task cannot finish until that job returns.
    static IN_TASK: Cell<bool> = const { Cell::new(false) };
}

/// Runs `task`, then as long as the state hands it another one; inside another task (see
/// [`IN_TASK`]) only `task`, its successor spawned for any thread, so that the task
/// underneath resumes. Looping there kept it, and the lowest unfinished id with it, stuck
/// while the run went ahead: partials piled up to the run-ahead bound.
fn work<'s, 'f: 's>(run: &'s Run<'s, 'f>, scope: &rayon::Scope<'s>, mut task: Started<'f>) {
    let nested = IN_TASK.with(Cell::get);
    let mut spawn: Vec<Started<'f>> = Vec::new();
    loop {
        let Started {
            id,
            run: f,
            args,
            release,
        } = task;
        let result = match f {
            Some(f) => {
                IN_TASK.with(|t| t.set(true));
                let outcome = catch_unwind(AssertUnwindSafe(move || f(args)));
                IN_TASK.with(|t| t.set(nested));
                match outcome {
                    Ok(Ok(v)) => Ok(Arc::new(v)),
                    Ok(Err(e)) => Err(e),
                    Err(payload) => {
                        Err(Error::TaskPanicked(crate::panic::message(payload.as_ref())))
                    }
                }
            }
            None => Err(Error::internal(format!(
                "task {id} was started twice or without its dependencies"
            ))),
        };
        run.progress.inc();
        let mut next;
        let garbage;
        {
            let mut st = lock(&run.state);
            garbage = st.finish(run, id, release, result);
            next = st.pick(run);
            while let Some(t) = st.pick(run) {
                spawn.push(t);
            }
        }
        drop(garbage);
        if nested {
            spawn.extend(next.take());
        }
        for t in spawn.drain(..) {
            scope.spawn(move |s| work(run, s, t));
        }
        match next {
            Some(t) => task = t,
            None => break,
        }
    }
}

impl<'g> State<'g> {
    /// Records a finished task; returns a value to drop after unlocking, if any.
    fn finish(
        &mut self,
        run: &Run<'_, 'g>,
        id: TaskId,
        release: usize,
        result: Result<Arc<TaskValue>>,
    ) -> Option<Arc<TaskValue>> {
        let s = run.structure;
        self.running -= 1;
        self.tasks_run += 1;
        if let Some(d) = self.done.get_mut(id) {
            *d = true;
        }
        while self.done.get(self.frontier).copied().unwrap_or(false) {
            self.frontier += 1;
        }
        self.alive = self
            .alive
            .saturating_sub(s.est_bytes(id))
            .saturating_sub(release);
        let value = match result {
            Ok(v) => v,
            Err(e) => {
                if self.error.is_none() {
                    self.error = Some(Error::Task {
                        label: s.label(id).to_string(),
                        source: Box::new(e),
                    });
                }
                return None;
            }
        };
        if self.error.is_some() {
            return Some(value);
        }
        let consumers = &run.consumers[run.cons_start[id]..run.cons_start[id + 1]];
        if !run.is_output[id] {
            if consumers.is_empty() {
                return Some(value);
            }
            self.alive += value.nbytes();
            self.peak = self.peak.max(self.alive);
        }
        self.values[id] = Some(value);
        for &c in consumers {
            self.pending[c] -= 1;
            if self.pending[c] == 0 {
                self.ready_compute.push(Reverse(c));
            }
        }
        None
    }

    /// Takes the next task to run, if one may start now: the lowest ready id that fits
    /// the budget, or, when nothing runs, the lowest ready task with dependencies (else the
    /// lowest source) whatever its size.
    fn pick(&mut self, run: &Run<'_, 'g>) -> Option<Started<'g>> {
        if self.error.is_some() || self.running >= run.slots {
            return None;
        }
        let s = run.structure;
        let compute = self.ready_compute.peek().map(|r| r.0);
        let source = self.ready_sources.peek().map(|r| r.0);
        let fits = |id: TaskId| self.alive.saturating_add(s.est_bytes(id)) <= run.budget;
        let from_compute = match (compute, source) {
            (None, None) => return None,
            (Some(c), Some(x)) => {
                let (c_fits, x_fits) = (fits(c), fits(x));
                if c_fits && (c < x || !x_fits) {
                    true
                } else if x_fits {
                    false
                } else if self.running == 0 {
                    true
                } else {
                    return None;
                }
            }
            (Some(c), None) => {
                if fits(c) || self.running == 0 {
                    true
                } else {
                    return None;
                }
            }
            (None, Some(x)) => {
                if fits(x) || self.running == 0 {
                    false
                } else {
                    return None;
                }
            }
        };
        let next = if from_compute { compute } else { source }?;
        let ahead = RUN_AHEAD_PER_SLOT.saturating_mul(run.slots);
        if self.running > 0
            && next > self.frontier
            && (next > self.frontier.saturating_add(ahead)
                || self.alive.saturating_add(s.est_bytes(next)) > run.ahead_bytes)
        {
            return None;
        }
        let id = if from_compute {
            self.ready_compute.pop()
        } else {
            self.ready_sources.pop()
        }?
        .0;
        Some(self.start(run, id))
    }

    /// Marks `id` running and gathers its dependencies' values.
    fn start(&mut self, run: &Run<'_, 'g>, id: TaskId) -> Started<'g> {
        let deps = run.structure.deps(id);
        let mut args = Vec::with_capacity(deps.len());
        let mut release = 0;
        let mut f = self.runs[id].take();
        for &d in deps {
            self.unstarted[d] -= 1;
            let value = if self.unstarted[d] == 0 && !run.is_output[d] {
                let v = self.values[d].take();
                release += v.as_deref().map_or(0, TaskValue::nbytes);
                v
            } else {
                self.values[d].as_ref().map(Arc::clone)
            };
            match value {
                Some(v) => args.push(v),
                None => f = None,
            }
        }
        self.running += 1;
        self.alive = self.alive.saturating_add(run.structure.est_bytes(id));
        self.peak = self.peak.max(self.alive);
        Started {
            id,
            run: f,
            args,
            release,
        }
    }
}
