#![allow(clippy::unwrap_used)]
//! The task graph and the local executor: values, order, errors, panics, memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use rayon::prelude::*;
use xr::dist::{ExecStats, Executor, LocalExecutor, TaskGraph, TaskId, TaskValue};
use xr::{Error, NdArray};

fn vector(v: Vec<f64>) -> TaskValue {
    TaskValue::single(NdArray::from_shape_vec(&[v.len()], v).unwrap())
}

fn values(v: &TaskValue) -> Vec<f64> {
    v.0[0].to_f64_vec().unwrap()
}

/// A source task yielding `v`.
fn source(g: &mut TaskGraph, label: &str, v: Vec<f64>) -> TaskId {
    let est = v.len() * 8;
    g.add_task(vec![], label, est, Box::new(move |_| Ok(vector(v))))
}

/// A task applying `f` elementwise to the sum of its dependencies.
fn combine(g: &mut TaskGraph, deps: Vec<TaskId>, label: &str, est: usize) -> TaskId {
    g.add_task(
        deps,
        label,
        est,
        Box::new(|args: Vec<Arc<TaskValue>>| {
            let mut acc = values(&args[0]);
            for a in &args[1..] {
                for (x, y) in acc.iter_mut().zip(values(a)) {
                    *x += y;
                }
            }
            Ok(vector(acc))
        }),
    )
}

fn map(g: &mut TaskGraph, dep: TaskId, label: &str, f: fn(f64) -> f64) -> TaskId {
    g.add_task(
        vec![dep],
        label,
        0,
        Box::new(move |args: Vec<Arc<TaskValue>>| {
            Ok(vector(values(&args[0]).into_iter().map(f).collect()))
        }),
    )
}

/// Runs `f` on a thread of its own and fails the test if it takes longer than `secs`.
fn with_timeout<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .expect("the executor hung")
}

fn exec() -> LocalExecutor {
    LocalExecutor::new().threads(2).progress(false)
}

#[test]
fn diamond() {
    let mut g = TaskGraph::new();
    let a = source(&mut g, "a", vec![1.0, 2.0]);
    let b = map(&mut g, a, "b", |x| x + 1.0);
    let c = map(&mut g, a, "c", |x| x * 10.0);
    let d = combine(&mut g, vec![b, c], "d", 16);
    g.set_outputs(vec![d]);
    let out = exec().execute(g).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(values(&out[0]), vec![12.0, 23.0]);
}

#[test]
fn wide_fan_out_and_in() {
    let mut g = TaskGraph::new();
    let a = source(&mut g, "a", vec![1.0]);
    let fan: Vec<TaskId> = (0..1000)
        .map(|i| {
            g.add_task(
                vec![a],
                format!("fan {i}"),
                8,
                Box::new(move |args: Vec<Arc<TaskValue>>| {
                    Ok(vector(vec![values(&args[0])[0] + i as f64]))
                }),
            )
        })
        .collect();
    let total = combine(&mut g, fan, "total", 8);
    g.set_outputs(vec![total]);
    let out = exec().execute(g).unwrap();
    // 1000 * 1 + (0 + ... + 999)
    assert_eq!(values(&out[0]), vec![1000.0 + 499_500.0]);
}

#[test]
fn long_chain() {
    let mut g = TaskGraph::new();
    let mut t = source(&mut g, "start", vec![0.0, 1.0]);
    for i in 0..20_000 {
        t = map(&mut g, t, &format!("step {i}"), |x| x + 1.0);
    }
    g.set_outputs(vec![t]);
    let exec = exec();
    let out = exec.execute(g).unwrap();
    assert_eq!(values(&out[0]), vec![20_000.0, 20_001.0]);
    assert_eq!(exec.last_stats().unwrap().tasks_run, 20_001);
}

#[test]
fn outputs_in_order_even_when_also_dependencies() {
    let mut g = TaskGraph::new();
    let a = source(&mut g, "a", vec![1.0]);
    let b = source(&mut g, "b", vec![2.0]);
    let c = combine(&mut g, vec![a, b], "c", 8);
    let d = map(&mut g, c, "d", |x| x * 3.0);
    g.set_outputs(vec![d, a, c, b, a]);
    let out = exec().execute(g).unwrap();
    let got: Vec<Vec<f64>> = out.iter().map(|v| values(v)).collect();
    assert_eq!(
        got,
        vec![vec![9.0], vec![1.0], vec![3.0], vec![2.0], vec![1.0]]
    );
}

#[test]
fn empty_graph_and_no_outputs() {
    assert!(exec().execute(TaskGraph::new()).unwrap().is_empty());
    let ran = Arc::new(AtomicUsize::new(0));
    let mut g = TaskGraph::new();
    for i in 0..10 {
        let ran = Arc::clone(&ran);
        g.add_task(
            vec![],
            format!("side effect {i}"),
            0,
            Box::new(move |_| {
                ran.fetch_add(1, Ordering::SeqCst);
                Ok(TaskValue(vec![]))
            }),
        );
    }
    assert!(exec().execute(g).unwrap().is_empty());
    assert_eq!(ran.load(Ordering::SeqCst), 10, "every task runs");
}

#[test]
fn one_thread_runs_lowest_id_first() {
    // Two reductions emitted depth first: each one's partials, then its combine.
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut g = TaskGraph::new();
    let record = |g: &mut TaskGraph, deps: Vec<TaskId>| {
        let order = Arc::clone(&order);
        let id = g.len();
        g.add_task(
            deps,
            format!("task {id}"),
            0,
            Box::new(move |_| {
                order.lock().unwrap().push(id);
                Ok(TaskValue(vec![]))
            }),
        )
    };
    let mut combines = vec![];
    for _ in 0..3 {
        let parts: Vec<TaskId> = (0..4).map(|_| record(&mut g, vec![])).collect();
        combines.push(record(&mut g, parts));
    }
    let last = record(&mut g, combines);
    g.set_outputs(vec![last]);
    LocalExecutor::new()
        .threads(1)
        .progress(false)
        .execute(g)
        .unwrap();
    let order = order.lock().unwrap().clone();
    assert_eq!(order, (0..16).collect::<Vec<_>>());
}

#[test]
fn failing_task_names_its_label_and_stops_the_rest() {
    let started = Arc::new(AtomicUsize::new(0));
    let mut g = TaskGraph::new();
    let mut parts = vec![];
    for i in 0..1000 {
        let started = Arc::clone(&started);
        parts.push(g.add_task(
            vec![],
            format!("array 'air' chunk ({i}, 0)"),
            8,
            Box::new(move |_| {
                started.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(1));
                if i == 5 {
                    return Err(Error::invalid_argument("chunk", "bad chunk"));
                }
                Ok(vector(vec![1.0]))
            }),
        ));
    }
    let total = combine(&mut g, parts, "total", 8);
    g.set_outputs(vec![total]);
    let exec = exec();
    let err = with_timeout(60, move || exec.execute(g)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "computing array 'air' chunk (5, 0): invalid argument `chunk`: bad chunk"
    );
    match &err {
        Error::Task { label, source } => {
            assert_eq!(label, "array 'air' chunk (5, 0)");
            assert!(matches!(**source, Error::InvalidArgument { .. }));
        }
        other => panic!("expected Error::Task, got {other:?}"),
    }
    // Each task takes 1 ms on 2 threads: a run that stops when task 5 fails starts a
    // handful; the margin is for a loaded machine descheduling the failing thread.
    let n = started.load(Ordering::SeqCst);
    assert!(
        n <= 100,
        "{n} of 1000 tasks started, expected the run to stop soon after task 5"
    );
}

#[test]
fn panicking_task_is_an_error_not_a_hang() {
    let mut g = TaskGraph::new();
    let a = source(&mut g, "a", vec![1.0]);
    let b = g.add_task(
        vec![a],
        "array 'air' chunk (3, 0)",
        8,
        Box::new(|_| panic!("index out of range in kernel")),
    );
    let c = map(&mut g, b, "c", |x| x);
    g.set_outputs(vec![c]);
    let exec = exec();
    let (err, exec) = with_timeout(60, move || (exec.execute(g).unwrap_err(), exec));
    let msg = err.to_string();
    assert_eq!(
        msg,
        "computing array 'air' chunk (3, 0): task panicked: index out of range in kernel"
    );
    assert!(matches!(err, Error::Task { .. }));
    // The executor is still usable after a panic (no poisoned state).
    let mut g = TaskGraph::new();
    let a = source(&mut g, "a", vec![4.0]);
    g.set_outputs(vec![a]);
    assert_eq!(values(&exec.execute(g).unwrap()[0]), vec![4.0]);
}

#[test]
fn panics_in_many_tasks_give_one_error() {
    let mut g = TaskGraph::new();
    let parts: Vec<TaskId> = (0..200)
        .map(|i| {
            g.add_task(
                vec![],
                format!("chunk {i}"),
                0,
                Box::new(move |_| -> xr::Result<TaskValue> {
                    if i % 2 == 1 {
                        panic!("boom {i}");
                    }
                    Ok(vector(vec![1.0]))
                }),
            )
        })
        .collect();
    let total = combine(&mut g, parts, "total", 8);
    g.set_outputs(vec![total]);
    let exec = exec();
    let err = with_timeout(60, move || exec.execute(g).unwrap_err());
    assert!(err.to_string().starts_with("computing chunk "), "{err}");
}

#[test]
fn bad_dependency_is_an_internal_error() {
    let mut g = TaskGraph::new();
    let a = source(&mut g, "a", vec![1.0]);
    let b = combine(&mut g, vec![a, 7], "b", 8);
    g.set_outputs(vec![b]);
    let err = exec().execute(g).unwrap_err();
    assert!(matches!(err, Error::Internal(_)), "{err}");
    let mut g = TaskGraph::new();
    source(&mut g, "a", vec![1.0]);
    g.set_outputs(vec![3]);
    let err = exec().execute(g).unwrap_err();
    assert!(matches!(err, Error::Internal(_)), "{err}");
}

#[test]
fn tasks_may_use_rayon_inside() {
    let mut g = TaskGraph::new();
    let parts: Vec<TaskId> = (0..16)
        .map(|i| {
            g.add_task(
                vec![],
                format!("chunk {i}"),
                8,
                Box::new(|_| {
                    let s: f64 = (0..100_000).into_par_iter().map(|x| x as f64).sum();
                    Ok(vector(vec![s]))
                }),
            )
        })
        .collect();
    let total = combine(&mut g, parts, "total", 8);
    g.set_outputs(vec![total]);
    let out = with_timeout(60, move || exec().execute(g).unwrap());
    assert_eq!(values(&out[0]), vec![16.0 * 4_999_950_000.0]);
}

#[test]
fn a_task_may_run_a_graph_itself() {
    let exec = Arc::new(exec());
    let mut g = TaskGraph::new();
    let parts: Vec<TaskId> = (0..8)
        .map(|i| {
            let exec = Arc::clone(&exec);
            g.add_task(
                vec![],
                format!("outer {i}"),
                8,
                Box::new(move |_| {
                    let mut inner = TaskGraph::new();
                    let a = source(&mut inner, "inner a", vec![f64::from(i)]);
                    let b = map(&mut inner, a, "inner b", |x| x + 1.0);
                    inner.set_outputs(vec![b]);
                    let out = exec.execute(inner)?;
                    Ok((*out[0]).clone())
                }),
            )
        })
        .collect();
    let total = combine(&mut g, parts, "total", 8);
    g.set_outputs(vec![total]);
    let outer = Arc::clone(&exec);
    let out = with_timeout(60, move || outer.execute(g).unwrap());
    // (0 + 1) + ... + (7 + 1)
    assert_eq!(values(&out[0]), vec![36.0]);
}

const CHUNK: usize = 1000;
const CHUNK_BYTES: usize = CHUNK * 8;

/// A reduction over `n` chunks, lowered depth first: per chunk a read, a map and a
/// partial sum, combined four at a time as soon as four partials of a level exist.
/// Every `est_bytes` is the value's actual size. Returns the graph and the expected sum.
fn reduction(n: usize) -> (TaskGraph, f64) {
    let mut g = TaskGraph::new();
    let mut levels: Vec<Vec<TaskId>> = vec![];
    let mut expected = 0.0;
    let partial_sum = |g: &mut TaskGraph, deps: Vec<TaskId>, label: String| {
        g.add_task(
            deps,
            label,
            8,
            Box::new(|args: Vec<Arc<TaskValue>>| {
                let s: f64 = args.iter().map(|a| values(a).iter().sum::<f64>()).sum();
                Ok(vector(vec![s]))
            }),
        )
    };
    for i in 0..n {
        let read = g.add_task(
            vec![],
            format!("array 'x' chunk ({i},)"),
            CHUNK_BYTES,
            Box::new(move |_| Ok(vector(vec![i as f64; CHUNK]))),
        );
        expected += 2.0 * (i * CHUNK) as f64;
        let doubled = g.add_task(
            vec![read],
            format!("2 * x chunk ({i},)"),
            CHUNK_BYTES,
            Box::new(|args: Vec<Arc<TaskValue>>| {
                Ok(vector(values(&args[0]).iter().map(|x| 2.0 * x).collect()))
            }),
        );
        let mut part = partial_sum(&mut g, vec![doubled], format!("sum chunk ({i},)"));
        let mut level = 0;
        loop {
            if levels.len() == level {
                levels.push(vec![]);
            }
            levels[level].push(part);
            if levels[level].len() < 4 {
                break;
            }
            let deps = std::mem::take(&mut levels[level]);
            part = partial_sum(&mut g, deps, format!("combine level {level}"));
            level += 1;
        }
    }
    let rest: Vec<TaskId> = levels.into_iter().flatten().collect();
    let total = partial_sum(&mut g, rest, "total".to_string());
    g.set_outputs(vec![total]);
    (g, expected)
}

fn run_reduction(exec: &LocalExecutor, n: usize) -> ExecStats {
    let (g, expected) = reduction(n);
    let out = exec.execute(g).unwrap();
    assert_eq!(values(&out[0]), vec![expected]);
    let stats = exec.last_stats().unwrap();
    assert_eq!(stats.tasks_run, n * 3 + (n.saturating_sub(1)) / 3 + 1);
    stats
}

#[test]
fn memory_budget_is_honoured() {
    // A map holds its input and its output chunk at once, so 2 chunks is the smallest
    // budget that a chain of read and map can keep.
    for budget_chunks in [2, 3, 4, 8] {
        let budget = budget_chunks * CHUNK_BYTES;
        let exec = exec().memory_budget(budget);
        let stats = run_reduction(&exec, 256);
        assert!(
            stats.peak_bytes <= budget + CHUNK_BYTES,
            "budget {budget}: peak {} bytes",
            stats.peak_bytes
        );
    }
}

#[test]
fn intermediates_are_freed_so_peak_stays_flat() {
    // A tight budget, and one large enough never to bind: either way the peak must not
    // grow with the number of chunks.
    for budget in [4 * CHUNK_BYTES, usize::MAX] {
        let exec = exec().memory_budget(budget);
        let small = run_reduction(&exec, 16).peak_bytes;
        let large = run_reduction(&exec, 2048).peak_bytes;
        assert!(
            large <= 6 * CHUNK_BYTES,
            "budget {budget}: peak {large} bytes over 2048 chunks"
        );
        // Only the pending partial sums (8 bytes each, a few per tree level) may add up.
        assert!(
            large <= small.max(4 * CHUNK_BYTES) + 2 * CHUNK_BYTES,
            "budget {budget}: peak {small} bytes over 16 chunks, {large} over 2048"
        );
    }
}

#[test]
fn a_budget_set_below_one_task_is_an_error_before_anything_runs() {
    let budget = CHUNK_BYTES - 1;
    let exec = exec().memory_budget(budget);
    assert!(exec.is_budget_strict());
    let (g, _) = reduction(8);
    let err = exec.execute(g).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("memory_budget")
            && msg.contains(&format!("{budget} bytes is smaller than one task's value"))
            && msg.contains(&format!(
                "array 'x' chunk (0,) needs about {CHUNK_BYTES} bytes"
            )),
        "{msg}"
    );
    // Nothing ran.
    assert_eq!(exec.last_stats(), None);
    // Opted out, the same budget runs each chunk alone, over the budget, to the end.
    let lenient = exec.strict_budget(false);
    assert!(!lenient.is_budget_strict());
    run_reduction(&lenient, 8);
}

#[test]
fn the_default_budget_is_not_strict_unless_asked() {
    assert!(!LocalExecutor::default().is_budget_strict());
    let exec = exec().strict_budget(true);
    assert!(exec.is_budget_strict());
    // A budget of a quarter of the machine's memory holds these tasks.
    run_reduction(&exec, 8);
}

#[test]
fn default_executor_has_a_budget_and_threads() {
    let exec = LocalExecutor::default();
    assert!(exec.budget() > 0);
    assert!(exec.num_threads() >= 1);
    assert_eq!(exec.name(), "local");
    assert!(exec.last_stats().is_none());
}

mod random_graphs {
    use super::*;
    use proptest::prelude::*;

    /// A random DAG: task `i` depends on a few earlier tasks (by offsets back from `i`).
    fn graphs() -> impl Strategy<Value = Vec<Vec<usize>>> {
        prop::collection::vec(prop::collection::vec(1usize..20, 0..4), 1..150)
    }

    fn deps_of(spec: &[Vec<usize>]) -> Vec<Vec<TaskId>> {
        spec.iter()
            .enumerate()
            .map(|(i, back)| back.iter().filter(|&&b| b <= i).map(|&b| i - b).collect())
            .collect()
    }

    /// Task `i`'s value is `i` plus its dependencies' values; `fail` makes one task err.
    fn build(deps: &[Vec<TaskId>], fail: Option<usize>, started: &Arc<AtomicUsize>) -> TaskGraph {
        let mut g = TaskGraph::new();
        for (i, d) in deps.iter().enumerate() {
            let started = Arc::clone(started);
            g.add_task(
                d.clone(),
                format!("task {i}"),
                8,
                Box::new(move |args: Vec<Arc<TaskValue>>| {
                    started.fetch_add(1, Ordering::SeqCst);
                    if fail == Some(i) {
                        return Err(Error::invalid_argument("task", format!("task {i} fails")));
                    }
                    let s: f64 = args.iter().map(|a| values(a)[0]).sum();
                    Ok(vector(vec![s + i as f64]))
                }),
            );
        }
        g
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn agrees_with_sequential_evaluation(
            spec in graphs(),
            threads in 1usize..4,
            budget in 0usize..64,
            outs in prop::collection::vec(0usize..1000, 0..5),
        ) {
            let deps = deps_of(&spec);
            let mut expected = vec![0.0; deps.len()];
            for (i, d) in deps.iter().enumerate() {
                expected[i] = i as f64 + d.iter().map(|&j| expected[j]).sum::<f64>();
            }
            let outs: Vec<TaskId> = outs.iter().map(|o| o % deps.len()).collect();
            let started = Arc::new(AtomicUsize::new(0));
            let mut g = build(&deps, None, &started);
            g.set_outputs(outs.clone());
            // Budgets below one task (8 bytes) too: opted out of the strict check, such a
            // run takes one task at a time and still finishes.
            let exec = LocalExecutor::new()
                .threads(threads)
                .memory_budget(budget)
                .strict_budget(false)
                .progress(false);
            let got = with_timeout(60, move || exec.execute(g)).unwrap();
            let got: Vec<f64> = got.iter().map(|v| values(v)[0]).collect();
            let want: Vec<f64> = outs.iter().map(|&o| expected[o]).collect();
            prop_assert_eq!(got, want);
            prop_assert_eq!(started.load(Ordering::SeqCst), deps.len());
        }

        #[test]
        fn a_failure_names_a_failing_task_and_never_hangs(
            spec in graphs(),
            threads in 1usize..4,
            fail in 0usize..1000,
        ) {
            let deps = deps_of(&spec);
            let fail = fail % deps.len();
            let started = Arc::new(AtomicUsize::new(0));
            let mut g = build(&deps, Some(fail), &started);
            g.set_outputs(vec![deps.len() - 1]);
            let exec = LocalExecutor::new().threads(threads).progress(false);
            let err = with_timeout(60, move || exec.execute(g)).unwrap_err();
            prop_assert_eq!(
                err.to_string(),
                format!("computing task {fail}: invalid argument `task`: task {fail} fails")
            );
        }
    }
}

/// While the lowest unfinished task runs long, the other thread starts no task more than
/// 64 ids per thread past it (the run-ahead bound), however many are ready: producers
/// ahead of a slow consumer would only hold memory.
#[test]
fn tasks_do_not_run_far_ahead_of_the_lowest_unfinished_one() {
    let started = Arc::new(AtomicUsize::new(0));
    let seen_while_slow = Arc::new(AtomicUsize::new(usize::MAX));
    let mut g = TaskGraph::new();
    {
        let (started, seen) = (Arc::clone(&started), Arc::clone(&seen_while_slow));
        g.add_task(
            vec![],
            "slow",
            0,
            Box::new(move |_| {
                std::thread::sleep(Duration::from_millis(300));
                seen.store(started.load(Ordering::SeqCst), Ordering::SeqCst);
                Ok(TaskValue(vec![]))
            }),
        );
    }
    let mut outs = vec![0];
    for i in 0..400 {
        let started = Arc::clone(&started);
        outs.push(g.add_task(
            vec![],
            format!("quick {i}"),
            0,
            Box::new(move |_| {
                started.fetch_add(1, Ordering::SeqCst);
                Ok(TaskValue(vec![]))
            }),
        ));
    }
    g.set_outputs(outs);
    with_timeout(30, move || exec().execute(g).unwrap());
    let seen = seen_while_slow.load(Ordering::SeqCst);
    // Ids 1..=128 may start while task 0 runs (64 per thread, 2 threads).
    assert!(
        seen <= 128,
        "{seen} tasks started while the lowest unfinished one ran"
    );
    assert_eq!(
        started.load(Ordering::SeqCst),
        400,
        "every task ran in the end"
    );
}

/// Blocks of 24 MB (two ids each: the block and its write) behind a writer that takes
/// 20 ms per block: the id bound alone let all 40 blocks (960 MB) wait for the writer;
/// the byte bound (64 MiB per thread, or twice the largest estimate) keeps them to a few.
#[test]
fn blocks_do_not_pile_up_behind_a_slow_writer() {
    const BLOCK: usize = 24 << 20;
    const BLOCKS: usize = 40;
    let mut g = TaskGraph::new();
    let mut last_write = None;
    for i in 0..BLOCKS {
        // Zeroed and never touched: the pages are not resident, the bytes still count.
        let block = g.add_task(
            vec![],
            format!("block {i}"),
            BLOCK,
            Box::new(|_| Ok(vector(vec![0.0; BLOCK / 8]))),
        );
        let deps = last_write.into_iter().chain([block]).collect();
        last_write = Some(g.add_task(
            deps,
            format!("write {i}"),
            0,
            Box::new(|_| {
                std::thread::sleep(Duration::from_millis(20));
                Ok(TaskValue(vec![]))
            }),
        ));
    }
    g.set_outputs(last_write.into_iter().collect());
    let stats = with_timeout(60, move || {
        let exec = exec();
        exec.execute(g).unwrap();
        exec.last_stats().unwrap()
    });
    // Two threads: at most 128 MiB alive before a task ahead starts, plus that task.
    let bound = (128 << 20) + BLOCK;
    assert!(
        stats.peak_bytes <= bound,
        "{} MB alive at the peak (bound {} MB)",
        stats.peak_bytes >> 20,
        bound >> 20
    );
}

/// A task waiting inside a rayon join (its other half taken by an idle thread) may run a
/// queued executor job on its own stack. That job must hand the thread back after its one
/// task: looping there kept the task underneath from finishing until the run could go no
/// further (the lowest unfinished id stuck), here half a second of other tasks.
#[test]
fn a_task_waiting_inside_rayon_resumes_soon_after_its_work_is_done() {
    let t0 = std::time::Instant::now();
    let resumed = Arc::new(Mutex::new(None));
    let mut g = TaskGraph::new();
    {
        let resumed = Arc::clone(&resumed);
        g.add_task(
            vec![],
            "waits inside rayon",
            0,
            Box::new(move |_| {
                // The second half is taken by the idle third thread; this one waits for it
                // from 150 ms to 200 ms, free to take queued jobs meanwhile.
                rayon::join(
                    || std::thread::sleep(Duration::from_millis(150)),
                    || std::thread::sleep(Duration::from_millis(200)),
                );
                *resumed.lock().unwrap() = Some(t0.elapsed());
                Ok(TaskValue(vec![]))
            }),
        );
    }
    let gate = g.add_task(
        vec![],
        "gate",
        0,
        Box::new(|_| {
            std::thread::sleep(Duration::from_millis(50));
            Ok(TaskValue(vec![]))
        }),
    );
    let mut outs = vec![0];
    for i in 0..300 {
        outs.push(g.add_task(
            vec![gate],
            format!("quick {i}"),
            0,
            Box::new(|_| {
                std::thread::sleep(Duration::from_millis(5));
                Ok(TaskValue(vec![]))
            }),
        ));
    }
    g.set_outputs(outs);
    with_timeout(60, move || {
        LocalExecutor::new()
            .threads(3)
            .progress(false)
            .execute(g)
            .unwrap()
    });
    let resumed = resumed.lock().unwrap().expect("the waiting task ran");
    assert!(
        resumed < Duration::from_millis(400),
        "the task waiting inside rayon resumed after {resumed:?} (its work was done at 200 ms)"
    );
}
