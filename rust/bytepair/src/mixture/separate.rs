//! The separation step of lazy constraint generation: which rows of the
//! mixture LP does the current solution violate?
//!
//! The LP's row for step `t` and competitor pair `p` says the merge's pair
//! `m` was at least as frequent as `p` under the weights, up to slack:
//! `Σ_i α_i s_i (c_i,m − c_i,p) + v_t + v_p ≥ 0`, with `c` the counts before
//! merge `t` and `s_i` a per-category scale ([`Replay::scales`]). One sweep
//! walks the steps, keeping every pair's weighted count `Σ_i α_i s_i c_i,p`,
//! and at each step takes the pairs with the largest `score − v_p` that beat
//! the merge's `score + v_t` by more than `tol`.
//!
//! Performance notes: a max-heap with lazy invalidation (a version per pair;
//! an entry whose version is old is dropped when it surfaces) is updated only
//! for the pairs a step's deltas touch, so a sweep costs the replay's delta
//! volume times a log, not steps times pairs. Per-category counts are dense
//! arrays over the pair ids (`n × pairs` i64s), which the row coefficients
//! need; a sparse map would save memory for many categories at some speed.

use super::replay::Replay;
use crate::error::{Error, Result};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A violated row: step, competitor pair id, and per category the scaled
/// count difference `s_i (c_i,m − c_i,p)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub step: u32,
    pub pair: u32,
    pub coefficients: Vec<f64>,
}

/// The solver's current slacks: one per step, and the pairs that have one.
#[derive(Clone, Debug, Default)]
pub struct Slacks<'a> {
    pub steps: &'a [f64],
    pub pairs: &'a [(u32, f64)],
}

impl Replay {
    /// Each category's count scale: the mean pair total over its own, so the
    /// LP works with counts of a typical category (a pair share of 1e-7 is
    /// below HiGHS' tolerances; a count of 0.1 is not).
    pub fn scales(&self) -> Vec<f64> {
        let totals: Vec<f64> = self
            .categories
            .iter()
            .map(|c| c.pair_total.max(1) as f64)
            .collect();
        let mean = totals.iter().sum::<f64>() / totals.len().max(1) as f64;
        totals.iter().map(|t| mean / t).collect()
    }
}

struct Entry {
    key: f64,
    pair: u32,
    version: u32,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Larger key first; ties to the smaller pair id, so sweeps are deterministic.
    fn cmp(&self, other: &Self) -> Ordering {
        self.key
            .total_cmp(&other.key)
            .then_with(|| other.pair.cmp(&self.pair))
    }
}

/// One sweep: up to `per_step` violated rows per step, stopping after
/// `max_rows` rows in all (None: no limit). Steps in `skip` (merges no
/// category has) get no rows.
pub fn separate(
    replay: &Replay,
    weights: &[f64],
    slacks: &Slacks<'_>,
    per_step: usize,
    max_rows: Option<usize>,
    tol: f64,
    skip: &[u32],
) -> Result<Vec<Row>> {
    let n = replay.categories.len();
    let steps = replay.num_steps();
    if weights.len() != n {
        return Err(Error::config(format!(
            "{} weights for {n} categories",
            weights.len()
        )));
    }
    if slacks.steps.len() != steps {
        return Err(Error::config(format!(
            "{} step slacks for {steps} steps",
            slacks.steps.len()
        )));
    }
    let num_pairs = replay.pairs.len();
    if let Some(&(p, _)) = slacks.pairs.iter().find(|e| e.0 as usize >= num_pairs) {
        return Err(Error::config(format!("pair slack for unknown pair id {p}")));
    }
    let scales = replay.scales();
    let weight: Vec<f64> = weights.iter().zip(&scales).map(|(w, s)| w * s).collect();
    let mut pair_slack = vec![0.0f64; num_pairs];
    for &(p, v) in slacks.pairs {
        pair_slack[p as usize] = v;
    }
    let mut skipped = vec![false; steps];
    for &t in skip {
        if let Some(s) = skipped.get_mut(t as usize) {
            *s = true;
        }
    }

    let mut counts = vec![vec![0i64; num_pairs]; n];
    for (c, cat) in counts.iter_mut().zip(&replay.categories) {
        for (&p, &k) in cat.initial_pairs.iter().zip(&cat.initial_counts) {
            c[p as usize] += k;
        }
    }
    let score_of = |counts: &[Vec<i64>], p: usize| -> f64 {
        (0..n).map(|i| weight[i] * counts[i][p] as f64).sum()
    };
    let mut score: Vec<f64> = (0..num_pairs).map(|p| score_of(&counts, p)).collect();
    let mut version = vec![0u32; num_pairs];
    let mut heap: BinaryHeap<Entry> = (0..num_pairs)
        .filter(|&p| score[p] > 0.0)
        .map(|p| Entry {
            key: score[p] - pair_slack[p],
            pair: p as u32,
            version: 0,
        })
        .collect();

    let mut rows = Vec::new();
    let mut aside = Vec::new();
    let mut touched: Vec<u32> = Vec::new();
    let mut stamp = vec![u32::MAX; num_pairs];
    for (t, &skip_step) in skipped.iter().enumerate() {
        let m = replay.merge_pairs[t] as usize;
        if !skip_step && per_step > 0 {
            let threshold = score[m] + slacks.steps[t] + tol;
            let mut found = 0;
            while let Some(top) = heap.peek() {
                let p = top.pair as usize;
                if top.version != version[p] {
                    heap.pop();
                    continue;
                }
                if p != m && (top.key <= threshold || found == per_step) {
                    break;
                }
                let entry = heap.pop().expect("peeked");
                if p != m {
                    found += 1;
                    rows.push(Row {
                        step: t as u32,
                        pair: p as u32,
                        coefficients: (0..n)
                            .map(|i| scales[i] * (counts[i][m] - counts[i][p]) as f64)
                            .collect(),
                    });
                }
                aside.push(entry);
            }
            heap.extend(aside.drain(..));
            if max_rows.is_some_and(|cap| rows.len() >= cap) {
                break;
            }
        }
        // Merge t's deltas: the counts before merge t + 1.
        touched.clear();
        for (i, cat) in replay.categories.iter().enumerate() {
            let (a, b) = (cat.step_starts[t] as usize, cat.step_starts[t + 1] as usize);
            for (&p, &d) in cat.delta_pairs[a..b].iter().zip(&cat.deltas[a..b]) {
                counts[i][p as usize] += d;
                if stamp[p as usize] != t as u32 {
                    stamp[p as usize] = t as u32;
                    touched.push(p);
                }
            }
        }
        for &p in &touched {
            let p = p as usize;
            score[p] = score_of(&counts, p);
            version[p] += 1;
            if score[p] > 0.0 {
                heap.push(Entry {
                    key: score[p] - pair_slack[p],
                    pair: p as u32,
                    version: version[p],
                });
            }
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mixture::replay::CategoryReplay;

    /// Two categories, three pairs; step 0 merges pair 0, step 1 pair 1.
    fn toy() -> Replay {
        let cat = |initial: [i64; 3], after0: [i64; 3]| CategoryReplay {
            initial_pairs: vec![0, 1, 2],
            initial_counts: initial.to_vec(),
            step_starts: vec![0, 3, 3],
            delta_pairs: vec![0, 1, 2],
            deltas: (0..3).map(|i| after0[i] - initial[i]).collect(),
            merge_counts: vec![initial[0], after0[1]],
            pair_total: 100,
            bytes: 100,
        };
        Replay {
            pairs: vec![(1, 2), (3, 4), (5, 6)],
            merge_pairs: vec![0, 1],
            // Pair 0 wins in category 0 only; pair 1 after step 0 in both.
            categories: vec![cat([10, 2, 5], [0, 9, 1]), cat([1, 2, 8], [0, 9, 1])],
        }
    }

    #[test]
    fn rows_appear_only_where_the_weights_let_another_pair_win() {
        let r = toy();
        let zero = [0.0, 0.0];
        let slacks = Slacks {
            steps: &zero,
            pairs: &[],
        };
        // All weight on category 0: pair 0 (10) beats 2 (5) and 1 (2).
        let none = separate(&r, &[1.0, 0.0], &slacks, 10, None, 1e-9, &[]).expect("sweep");
        assert!(none.is_empty());
        // All on category 1: pair 2 (8) and pair 1 (2) beat pair 0 (1) at step 0.
        let rows = separate(&r, &[0.0, 1.0], &slacks, 10, None, 1e-9, &[]).expect("sweep");
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].step, rows[0].pair), (0, 2), "the worst first");
        assert_eq!(rows[0].coefficients, vec![10.0 - 5.0, 1.0 - 8.0]);
        assert_eq!((rows[1].step, rows[1].pair), (0, 1));
        // One per step, and a slack on pair 2 that covers it.
        let capped = separate(&r, &[0.0, 1.0], &slacks, 1, None, 1e-9, &[]).expect("sweep");
        assert_eq!(capped.len(), 1);
        let covered = Slacks {
            steps: &zero,
            pairs: &[(2, 7.0)],
        };
        let rows = separate(&r, &[0.0, 1.0], &covered, 10, None, 1e-9, &[]).expect("sweep");
        assert_eq!(rows.iter().map(|r| r.pair).collect::<Vec<_>>(), vec![1]);
        // A skipped step gets none; wrong lengths are errors.
        assert!(separate(&r, &[0.0, 1.0], &slacks, 10, None, 1e-9, &[0])
            .expect("sweep")
            .is_empty());
        assert!(separate(&r, &[1.0], &slacks, 10, None, 1e-9, &[]).is_err());
    }
}
