//! The [`Executor`] trait: one required method, so that a new executor (rayon, MPI) can
//! arrive one method at a time.

use std::sync::Arc;

use crate::dist::graph::{TaskGraph, TaskValue};
use crate::error::Result;

/// Figures from one execution.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExecStats {
    /// Tasks that ran to completion (successfully or not).
    pub tasks_run: usize,
    /// The most bytes of task values alive at once, counting a running task at its
    /// `est_bytes` and a finished intermediate at its actual size until its last consumer
    /// finished. Outputs are the caller's result and are not counted once finished.
    pub peak_bytes: usize,
}

/// Runs a [`TaskGraph`].
pub trait Executor {
    /// Runs every task and returns the values of the graph's outputs, in order.
    ///
    /// # Errors
    ///
    /// The first failing (or panicking) task's error, as one
    /// [`Error::Task`](crate::Error::Task) naming its label; [`Error::Internal`](crate::Error::Internal)
    /// when the graph breaks its contract (a dependency or output not in the graph).
    fn execute(&self, graph: TaskGraph) -> Result<Vec<Arc<TaskValue>>>;

    /// A short name for messages and logs.
    fn name(&self) -> &str {
        "executor"
    }

    /// Figures from the last call to [`Executor::execute`] that finished, if the executor
    /// keeps them.
    fn last_stats(&self) -> Option<ExecStats> {
        None
    }

    /// This process's rank among the processes that run each graph together (SPMD, as
    /// under MPI); 0 for an executor of one process.
    fn rank(&self) -> usize {
        0
    }

    /// The number of processes that run each graph together; 1 for an executor of one
    /// process.
    fn ranks(&self) -> usize {
        1
    }

    /// Waits until every rank called it, and tells whether `ok` on every one of them: a
    /// barrier that also carries a vote, so that work done outside graphs by some ranks
    /// (rank 0 writing a store's metadata) can be ordered before or after the others',
    /// and a rank's error ends the step on all ranks instead of leaving them waiting.
    /// Alone, it returns `ok`.
    fn all_ranks_ok(&self, ok: bool) -> bool {
        ok
    }
}
