//! The task graph: chunk tasks, their dependencies and the closures that compute them.
//!
//! The structure (dependencies, labels, size estimates, outputs) lives in a
//! [`GraphStructure`] that any executor can inspect, apart from the run closures, so that
//! an executor which places tasks (MPI) can decide from the structure alone which closures
//! it runs.

use std::sync::Arc;

use crate::array::NdArray;
use crate::error::{Error, Result};

/// The index of a task in its [`TaskGraph`]. Ids are a topological order: a task's
/// dependencies always have lower ids.
pub type TaskId = usize;

/// What a task yields: one or more arrays (a chunk, or the partials of a reduction such as
/// `(sum, count)`).
#[derive(Debug, Clone)]
pub struct TaskValue(pub Vec<NdArray>);

impl TaskValue {
    /// A value made of one array.
    pub fn single(a: NdArray) -> Self {
        TaskValue(vec![a])
    }

    /// Its first array, taken out when this is the value's last holder (the executor
    /// hands a value to its last consumer), else shared with the other holders.
    pub fn into_first(value: Arc<TaskValue>) -> Option<NdArray> {
        match Arc::try_unwrap(value) {
            Ok(TaskValue(arrays)) => arrays.into_iter().next(),
            Err(shared) => shared.0.first().cloned(),
        }
    }

    /// The bytes held by the arrays' data.
    pub fn nbytes(&self) -> usize {
        self.0.iter().map(NdArray::nbytes).sum()
    }
}

/// The work of one task: it gets its dependencies' values in the order of its `deps` and
/// returns its own value.
pub type TaskFn = Box<dyn FnOnce(Vec<Arc<TaskValue>>) -> Result<TaskValue> + Send>;

/// The inspectable part of a [`TaskGraph`]: every task's dependencies, label and output
/// size estimate, and the outputs, without the closures.
#[derive(Debug, Clone, Default)]
pub struct GraphStructure {
    /// `deps[dep_start[i]..dep_start[i + 1]]` are task `i`'s dependencies: one flat vector
    /// rather than one allocation per task.
    dep_start: Vec<usize>,
    deps: Vec<TaskId>,
    labels: Vec<String>,
    est_bytes: Vec<usize>,
    outputs: Vec<TaskId>,
    /// The first broken contract seen while building (a dependency or output that is not in
    /// the graph), reported by [`GraphStructure::validate`].
    invalid: Option<String>,
}

impl GraphStructure {
    /// The number of tasks.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when the graph has no tasks.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The dependencies of `task`, in the order its closure receives their values; empty
    /// for an id that is not in the graph.
    pub fn deps(&self, task: TaskId) -> &[TaskId] {
        match (self.dep_start.get(task), self.dep_start.get(task + 1)) {
            (Some(&a), Some(&b)) => &self.deps[a..b],
            _ => &[],
        }
    }

    /// The label of `task` (`"array 'air' chunk (3, 0)"`); empty for an id that is not in
    /// the graph.
    pub fn label(&self, task: TaskId) -> &str {
        self.labels.get(task).map_or("", String::as_str)
    }

    /// The estimated size in bytes of `task`'s value; 0 for an id that is not in the graph.
    pub fn est_bytes(&self, task: TaskId) -> usize {
        self.est_bytes.get(task).copied().unwrap_or(0)
    }

    /// The tasks whose values an execution returns, in order.
    pub fn outputs(&self) -> &[TaskId] {
        &self.outputs
    }

    /// The total number of dependency edges.
    pub fn num_edges(&self) -> usize {
        self.deps.len()
    }

    /// For every task, the tasks that consume it, as `(start, consumers)`:
    /// `consumers[start[i]..start[i + 1]]` lists task `i`'s consumers in increasing order
    /// (a consumer that lists a dependency twice appears twice).
    pub fn consumers(&self) -> (Vec<usize>, Vec<TaskId>) {
        let n = self.len();
        let mut start = vec![0usize; n + 1];
        for &d in &self.deps {
            start[d + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut consumers = vec![0; self.deps.len()];
        for task in 0..n {
            for &d in self.deps(task) {
                consumers[fill[d]] = task;
                fill[d] += 1;
            }
        }
        (start, consumers)
    }

    /// Checks the graph's contract: every dependency and output is a task of the graph.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] naming the first task or output that broke it: the lowering that
    /// built the graph has a bug.
    pub fn validate(&self) -> Result<()> {
        match &self.invalid {
            Some(msg) => Err(Error::internal(msg.clone())),
            None => Ok(()),
        }
    }
}

/// A graph of chunk tasks, built in a topological order, with the closures that compute
/// them.
///
/// ```
/// use std::sync::Arc;
/// use xr::dist::{Executor, LocalExecutor, TaskGraph, TaskValue};
/// use xr::NdArray;
///
/// # fn main() -> xr::Result<()> {
/// let mut g = TaskGraph::new();
/// let a = g.add_task(vec![], "array 'a' chunk (0,)", 16, Box::new(|_| {
///     Ok(TaskValue::single(NdArray::from_shape_vec(&[2], vec![1.0, 2.0])?))
/// }));
/// let total = g.add_task(vec![a], "sum of 'a'", 8, Box::new(|deps: Vec<Arc<TaskValue>>| {
///     let s: f64 = deps[0].0[0].to_f64_vec()?.iter().sum();
///     Ok(TaskValue::single(NdArray::from_shape_vec(&[], vec![s])?))
/// }));
/// g.set_outputs(vec![total]);
/// let out = LocalExecutor::new().execute(g)?;
/// assert_eq!(out[0].0[0].to_f64_vec()?, vec![3.0]);
/// # Ok(())
/// # }
/// ```
#[derive(Default)]
pub struct TaskGraph {
    structure: GraphStructure,
    runs: Vec<TaskFn>,
}

impl std::fmt::Debug for TaskGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskGraph")
            .field("structure", &self.structure)
            .finish_non_exhaustive()
    }
}

impl TaskGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a task and returns its id. `deps` must already be in the graph, so that ids are
    /// a topological order; `label` names the array and chunk for errors and progress
    /// (`"array 'air' chunk (3, 0)"`); `est_bytes` estimates the output size for the
    /// memory budget.
    ///
    /// A dependency that is not in the graph is a bug in the caller: it is remembered and
    /// reported by [`GraphStructure::validate`] (and so by every executor).
    pub fn add_task(
        &mut self,
        deps: Vec<TaskId>,
        label: impl Into<String>,
        est_bytes: usize,
        run: TaskFn,
    ) -> TaskId {
        let s = &mut self.structure;
        let id = s.labels.len();
        if s.dep_start.is_empty() {
            s.dep_start.push(0);
        }
        let label = label.into();
        if s.invalid.is_none() {
            if let Some(&bad) = deps.iter().find(|&&d| d >= id) {
                s.invalid = Some(format!(
                    "task {id} ({label}) depends on task {bad}, which is not yet in the graph"
                ));
            }
        }
        // A bad dependency is dropped so that the structure stays well formed; the graph
        // is refused as a whole by `validate`.
        s.deps.extend(deps.into_iter().filter(|&d| d < id));
        s.dep_start.push(s.deps.len());
        s.labels.push(label);
        s.est_bytes.push(est_bytes);
        self.runs.push(run);
        id
    }

    /// Marks the tasks whose values an execution returns, in this order. A task may be
    /// both an output and a dependency, and may appear more than once.
    pub fn set_outputs(&mut self, outputs: Vec<TaskId>) {
        let s = &mut self.structure;
        if s.invalid.is_none() {
            if let Some(&bad) = outputs.iter().find(|&&o| o >= s.labels.len()) {
                s.invalid = Some(format!(
                    "output task {bad} is not in the graph of {} tasks",
                    s.labels.len()
                ));
            }
        }
        s.outputs = outputs;
    }

    /// The number of tasks.
    pub fn len(&self) -> usize {
        self.structure.len()
    }

    /// True when the graph has no tasks.
    pub fn is_empty(&self) -> bool {
        self.structure.is_empty()
    }

    /// The dependencies, labels, size estimates and outputs.
    pub fn structure(&self) -> &GraphStructure {
        &self.structure
    }

    /// The dependencies of `task` (see [`GraphStructure::deps`]).
    pub fn deps(&self, task: TaskId) -> &[TaskId] {
        self.structure.deps(task)
    }

    /// The label of `task` (see [`GraphStructure::label`]).
    pub fn label(&self, task: TaskId) -> &str {
        self.structure.label(task)
    }

    /// The estimated output size of `task` (see [`GraphStructure::est_bytes`]).
    pub fn est_bytes(&self, task: TaskId) -> usize {
        self.structure.est_bytes(task)
    }

    /// The outputs, in order.
    pub fn outputs(&self) -> &[TaskId] {
        self.structure.outputs()
    }

    /// Separates the structure from the closures; `runs[i]` computes task `i`.
    pub fn into_parts(self) -> (GraphStructure, Vec<TaskFn>) {
        (self.structure, self.runs)
    }
}
