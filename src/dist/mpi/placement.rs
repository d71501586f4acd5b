//! Which rank runs each task, and in which round.
//!
//! Every rank computes the same placement from the same [`GraphStructure`], so no rank
//! has to be told what to run or what to expect from whom.
//!
//! - Source tasks (no dependencies: the tasks that read chunks) are split into
//!   contiguous runs of ids, balanced by their estimated bytes: rank 0 reads the first
//!   chunks (the first files), rank 1 the next, and every chunk is read by one rank.
//!   With several outputs, each output's sources (those it is the first output to need)
//!   are split so on their own when they are many ([`SPLIT_SOURCES_PER_RANK`] per rank
//!   or more), so that every rank gets a share of every variable (two variables that
//!   cost differently per chunk would otherwise give one rank each); an output with
//!   fewer goes whole to the rank with the least bytes so far.
//! - Every other task runs on the rank holding most of its inputs' bytes (ties go to the
//!   rank of the first such input), so a combine tree stays on the rank that made its
//!   partials and only a few partials cross ranks.
//! - A task's round is the number of rank crossings on its longest input path: a rank
//!   runs its round-`k` tasks together, then sends the values other ranks need.

use crate::dist::graph::{GraphStructure, TaskId};

/// The owner rank and round of every task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    pub owner: Vec<usize>,
    pub round: Vec<usize>,
    /// The number of rounds (0 for an empty graph).
    pub rounds: usize,
}

/// Sources per rank from which an output's sources are split across the ranks rather
/// than given whole to one (when the graph has several outputs).
const SPLIT_SOURCES_PER_RANK: usize = 4;

/// The weight of a task for balancing: its estimated bytes, at least 1.
fn weight(s: &GraphStructure, t: TaskId) -> u128 {
    s.est_bytes(t) as u128 + 1
}

/// Places the tasks of `s` on `ranks` ranks (at least 1).
pub(crate) fn place(s: &GraphStructure, ranks: usize) -> Placement {
    let ranks = ranks.max(1);
    let n = s.len();
    let mut owner = vec![0usize; n];
    let groups = source_groups(s);
    let mut load = vec![0u128; ranks];
    for sources in &groups {
        let total: u128 = sources.iter().map(|&t| weight(s, t)).sum();
        if groups.len() == 1 || sources.len() >= ranks * SPLIT_SOURCES_PER_RANK {
            let mut before = 0u128;
            for &t in sources {
                let w = weight(s, t);
                // The rank whose share of the total holds the middle of this task's bytes.
                let mid2 = 2 * before + w;
                let r = (mid2 * ranks as u128) / (2 * total.max(1));
                let r = usize::try_from(r).map_or(ranks - 1, |r| r.min(ranks - 1));
                owner[t] = r;
                load[r] += w;
                before += w;
            }
        } else {
            let (r, _) = load
                .iter()
                .enumerate()
                .min_by_key(|&(_, l)| *l)
                .unwrap_or((0, &0));
            for &t in sources {
                owner[t] = r;
            }
            load[r] += total;
        }
    }
    let mut round = vec![0usize; n];
    let mut tally: Vec<(usize, u128)> = Vec::new();
    for t in 0..n {
        let deps = s.deps(t);
        if deps.is_empty() {
            continue;
        }
        tally.clear();
        for &d in deps {
            let r = owner[d];
            match tally.iter_mut().find(|(q, _)| *q == r) {
                Some((_, w)) => *w += weight(s, d),
                None => tally.push((r, weight(s, d))),
            }
        }
        let mut best = tally[0];
        for &(r, w) in &tally[1..] {
            if w > best.1 {
                best = (r, w);
            }
        }
        owner[t] = best.0;
        round[t] = deps
            .iter()
            .map(|&d| round[d] + usize::from(owner[d] != owner[t]))
            .max()
            .unwrap_or(0);
    }
    let rounds = round.iter().max().map_or(0, |&m| m + 1);
    Placement {
        owner,
        round,
        rounds,
    }
}

/// The source tasks, grouped by the first output (in output order) that needs them,
/// each group in id order; sources no output needs make one last group.
fn source_groups(s: &GraphStructure) -> Vec<Vec<TaskId>> {
    let n = s.len();
    let mut seen = vec![false; n];
    let mut groups = Vec::new();
    let mut stack = Vec::new();
    for &o in s.outputs() {
        let mut group = Vec::new();
        stack.push(o);
        while let Some(t) = stack.pop() {
            if t >= n || std::mem::replace(&mut seen[t], true) {
                continue;
            }
            let deps = s.deps(t);
            if deps.is_empty() {
                group.push(t);
            }
            stack.extend_from_slice(deps);
        }
        if !group.is_empty() {
            group.sort_unstable();
            groups.push(group);
        }
    }
    let rest: Vec<TaskId> = (0..n)
        .filter(|&t| !seen[t] && s.deps(t).is_empty())
        .collect();
    if !rest.is_empty() {
        groups.push(rest);
    }
    groups
}

/// A graph of tasks given as (dependencies, estimated bytes), with `outputs`, whose
/// closures return nothing: for the placement and exchange-plan tests.
#[cfg(test)]
pub(super) fn test_graph(tasks: &[(&[TaskId], usize)], outputs: &[TaskId]) -> GraphStructure {
    let mut g = crate::dist::TaskGraph::new();
    for (deps, est) in tasks {
        g.add_task(
            deps.to_vec(),
            "t",
            *est,
            Box::new(|_| Ok(crate::dist::TaskValue(Vec::new()))),
        );
    }
    g.set_outputs(outputs.to_vec());
    g.into_parts().0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(tasks: &[(&[TaskId], usize)]) -> GraphStructure {
        test_graph(tasks, &[])
    }

    #[test]
    fn sources_are_contiguous_and_balanced_by_bytes() {
        // Eight equal sources, then a combine tree: 4 + 4 on two ranks.
        let mut tasks: Vec<(&[TaskId], usize)> = vec![(&[], 100); 8];
        tasks.push((&[0, 1, 2, 3], 10));
        tasks.push((&[4, 5, 6, 7], 10));
        tasks.push((&[8, 9], 10));
        let p = place(&graph(&tasks), 2);
        assert_eq!(&p.owner[..8], &[0, 0, 0, 0, 1, 1, 1, 1]);
        assert_eq!(p.owner[8], 0);
        assert_eq!(p.owner[9], 1);
        // The root's inputs tie: it goes with its first input, one crossing later.
        assert_eq!(p.owner[10], 0);
        assert_eq!(p.round[..10], [0; 10]);
        assert_eq!(p.round[10], 1);
        assert_eq!(p.rounds, 2);

        // A heavy first source takes a rank of its own.
        let p = place(&graph(&[(&[], 300), (&[], 100), (&[], 100), (&[], 100)]), 2);
        assert_eq!(p.owner, vec![0, 1, 1, 1]);
    }

    #[test]
    fn every_rank_gets_a_share_of_each_large_output_and_small_outputs_spread() {
        // Two outputs of 8 sources each (a variable's chunks, then another's), each
        // folded by one task: each output's sources are split 4 + 4, not 8 + 8.
        let mut tasks: Vec<(&[TaskId], usize)> = vec![(&[], 100); 8];
        tasks.push((&[0, 1, 2, 3, 4, 5, 6, 7], 10));
        tasks.extend(vec![(&[] as &[TaskId], 100); 8]);
        tasks.push((&[9, 10, 11, 12, 13, 14, 15, 16], 10));
        let p = place(&test_graph(&tasks, &[8, 17]), 2);
        assert_eq!(&p.owner[..8], &[0, 0, 0, 0, 1, 1, 1, 1]);
        assert_eq!(&p.owner[9..17], &[0, 0, 0, 0, 1, 1, 1, 1]);
        assert_eq!(p.rounds, 2);

        // Four outputs of one source each go to the least loaded rank in turn.
        let tasks: Vec<(&[TaskId], usize)> = vec![(&[], 100); 4];
        let p = place(&test_graph(&tasks, &[0, 1, 2, 3]), 2);
        assert_eq!(p.owner, vec![0, 1, 0, 1]);
        assert_eq!(p.rounds, 1);
    }

    #[test]
    fn tasks_follow_the_majority_of_their_input_bytes() {
        let tasks: Vec<(&[TaskId], usize)> = vec![
            (&[], 10),
            (&[], 10),
            (&[], 10),
            (&[], 1000),
            (&[0, 1, 2, 3], 8),
        ];
        let p = place(&graph(&tasks), 3);
        assert_eq!(p.owner[4], p.owner[3]);
    }

    #[test]
    fn one_rank_runs_everything_in_one_round() {
        let tasks: Vec<(&[TaskId], usize)> = vec![(&[], 10), (&[], 10), (&[0, 1], 8), (&[2], 8)];
        let p = place(&graph(&tasks), 1);
        assert_eq!(p.owner, vec![0; 4]);
        assert_eq!(p.rounds, 1);
        assert_eq!(place(&graph(&[]), 4).rounds, 0);
    }

    #[test]
    fn more_ranks_than_sources_leaves_ranks_idle() {
        let tasks: Vec<(&[TaskId], usize)> = vec![(&[], 10), (&[], 10), (&[0, 1], 8)];
        let p = place(&graph(&tasks), 5);
        assert!(p.owner.iter().all(|&r| r < 5));
        assert_ne!(p.owner[0], p.owner[1]);
        assert_eq!(p.round[2], 1);
    }
}
