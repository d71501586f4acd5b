//! Task graphs and the executors that run them.
//!
//! The lazy layer lowers array expressions into a [`TaskGraph`] of chunk tasks, added in a
//! topological, depth-first order (a reduction's partials, then the combine that consumes
//! them); an [`Executor`] runs it and returns the outputs' values. [`LocalExecutor`] runs
//! on rayon's threads within a memory budget; the graph's structure
//! ([`GraphStructure`]) is kept apart from the closures so that other executors (MPI) can
//! place tasks by inspecting it.

mod executor;
mod graph;
mod local;
#[cfg(feature = "mpi")]
pub mod mpi;
mod progress;

pub use executor::{ExecStats, Executor};
pub use graph::{GraphStructure, TaskFn, TaskGraph, TaskId, TaskValue};
pub use local::LocalExecutor;
#[cfg(feature = "mpi")]
pub use mpi::MpiExecutor;
