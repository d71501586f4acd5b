//! Scheduling overhead of the local executor: 100,000 tiny tasks, half in 5,000 chains of
//! 10, half in a reduction tree of fan-in 4 over 37,500 leaves.
//!
//! `cargo bench --bench executor`; criterion reports the time per graph and the
//! throughput in tasks per second (ns per task = 1e9 / throughput).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use xr::dist::{Executor, LocalExecutor, TaskGraph, TaskId, TaskValue};

const CHAINS: usize = 5_000;
const CHAIN_LEN: usize = 10;
const LEAVES: usize = 37_500;
const FAN_IN: usize = 4;

fn noop() -> Box<dyn FnOnce(Vec<Arc<TaskValue>>) -> xr::Result<TaskValue> + Send> {
    Box::new(|args| {
        black_box(args.len());
        Ok(TaskValue(Vec::new()))
    })
}

fn mixed_graph() -> TaskGraph {
    let mut g = TaskGraph::new();
    let mut outputs = Vec::with_capacity(CHAINS + 1);
    for _ in 0..CHAINS {
        let mut t = g.add_task(Vec::new(), "chain", 8, noop());
        for _ in 1..CHAIN_LEN {
            t = g.add_task(vec![t], "chain", 8, noop());
        }
        outputs.push(t);
    }
    // Emitted depth first, as the lowering does: a combine as soon as its inputs exist.
    let mut levels: Vec<Vec<TaskId>> = Vec::new();
    for _ in 0..LEAVES {
        let mut part = g.add_task(Vec::new(), "leaf", 8, noop());
        let mut level = 0;
        loop {
            if levels.len() == level {
                levels.push(Vec::new());
            }
            levels[level].push(part);
            if levels[level].len() < FAN_IN {
                break;
            }
            let deps = std::mem::take(&mut levels[level]);
            part = g.add_task(deps, "combine", 8, noop());
            level += 1;
        }
    }
    let rest: Vec<TaskId> = levels.into_iter().flatten().collect();
    outputs.push(g.add_task(rest, "total", 8, noop()));
    g.set_outputs(outputs);
    g
}

fn bench_executor(c: &mut Criterion) {
    let n = mixed_graph().len();
    let mut group = c.benchmark_group("executor");
    group.sample_size(20);
    group.throughput(Throughput::Elements(n as u64));
    for threads in [1, 2] {
        let exec = LocalExecutor::new()
            .threads(threads)
            .memory_budget(usize::MAX)
            .progress(false);
        group.bench_function(format!("execute {n} tasks, {threads} threads"), |b| {
            b.iter_batched(
                mixed_graph,
                |g| exec.execute(g).map(|v| v.len()),
                BatchSize::PerIteration,
            );
        });
    }
    let exec = LocalExecutor::new().progress(false);
    group.bench_function(format!("build and execute {n} tasks, default"), |b| {
        b.iter(|| exec.execute(mixed_graph()).map(|v| v.len()));
    });
    group.finish();
}

criterion_group!(benches, bench_executor);
criterion_main!(benches);
