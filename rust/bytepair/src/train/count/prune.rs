//! Leaving pre-tokens out: the bounded-memory cap's prunes while counting
//! ([`WordCounts::prune_to`]), the final cut below a count
//! ([`drop_below`]), and [`Pruned`], the record of what went.

use super::words::WordCounts;

/// What the distinct-pre-token cap dropped. A kept pre-token's count is low
/// by at most `threshold_sum` (it may have been dropped, then seen again);
/// a dropped one occurred at most `max_threshold` times before each drop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// How many times the counts were pruned.
    pub prunes: u64,
    /// Distinct pre-tokens removed, over all prunes.
    pub distinct: u64,
    /// Occurrences removed, over all prunes.
    pub occurrences: u64,
    /// The largest count removed in one prune.
    pub max_threshold: u64,
    /// The sum over prunes of the largest count removed.
    pub threshold_sum: u64,
}

impl Pruned {
    /// Note one prune that dropped everything counted `threshold` or less,
    /// while counting: a kept pre-token may have lost up to `threshold`.
    pub(super) fn record(&mut self, threshold: u64, distinct: u64, occurrences: u64) {
        self.record_cut(threshold.saturating_add(1), distinct, occurrences);
        self.threshold_sum = self.threshold_sum.saturating_add(threshold);
    }

    /// Note a final cut of everything counted fewer than `min_count` times,
    /// made after the exact sum: what stays is exact, so `threshold_sum`
    /// does not grow.
    pub fn record_cut(&mut self, min_count: u64, distinct: u64, occurrences: u64) {
        self.prunes += 1;
        self.distinct += distinct;
        self.occurrences = self.occurrences.saturating_add(occurrences);
        self.max_threshold = self.max_threshold.max(min_count.saturating_sub(1));
    }

    /// What two counts dropped, for their sum.
    pub fn combined(self, other: Pruned) -> Pruned {
        Pruned {
            prunes: self.prunes + other.prunes,
            distinct: self.distinct + other.distinct,
            occurrences: self.occurrences.saturating_add(other.occurrences),
            max_threshold: self.max_threshold.max(other.max_threshold),
            threshold_sum: self.threshold_sum.saturating_add(other.threshold_sum),
        }
    }
}

/// Drop the entries counted fewer than `min_count` times; returns the
/// (distinct, occurrences) dropped. A `min_count` of 0 or 1 drops nothing
/// (counts of 0 can be made on purpose with `WordCounts::from_pairs`).
pub fn drop_below<K>(entries: &mut Vec<(K, u64)>, min_count: u64) -> (u64, u64) {
    if min_count <= 1 {
        return (0, 0);
    }
    let (mut distinct, mut occurrences) = (0u64, 0u64);
    entries.retain(|(_, c)| {
        let keep = *c >= min_count;
        if !keep {
            distinct += 1;
            occurrences = occurrences.saturating_add(*c);
        }
        keep
    });
    (distinct, occurrences)
}

impl WordCounts {
    /// Drop every pre-token counted fewer than `min_count` times (see
    /// [`drop_below`]); a sorted list stays one.
    pub fn drop_below(&mut self, min_count: u64) -> (u64, u64) {
        if min_count <= 1 {
            return (0, 0);
        }
        if self.is_sorted_list() {
            return drop_below(&mut self.sorted, min_count);
        }
        let mut sorted = std::mem::take(self).into_sorted();
        let dropped = drop_below(&mut sorted, min_count);
        *self = WordCounts::from_sorted(sorted);
        dropped
    }

    /// Remove every pre-token whose count is at most the smallest threshold
    /// that leaves no more than `keep` of them. Returns (threshold, distinct
    /// removed, occurrences removed).
    pub fn prune_to(&mut self, keep: usize) -> (u64, u64, u64) {
        if self.len() <= keep {
            return (0, 0, 0);
        }
        self.hashed();
        let mut counts: Vec<u64> = self
            .short
            .iter()
            .map(|(_, c)| c)
            .chain(self.long.values().copied())
            .collect();
        // The count at rank `keep` from the top: it and all below it go.
        let at = counts.len() - 1 - keep;
        let (_, &mut threshold, _) = counts.select_nth_unstable(at);
        let (mut distinct, mut occurrences) = (0u64, 0u64);
        let mut drop = |c: &u64| {
            if *c <= threshold {
                distinct += 1;
                occurrences = occurrences.saturating_add(*c);
                false
            } else {
                true
            }
        };
        self.short.retain(|c| drop(&c)); // rebuilt at the size of what stays
        self.long.retain(|_, c| drop(c));
        // Without this the map keeps its tombstones and capacity, and the
        // next growth doubles it: peak RSS went from 325 to 664 MiB in
        // benches/memory_bench.py.
        self.long.shrink_to_fit();
        (threshold, distinct, occurrences)
    }
}

#[cfg(test)]
mod tests {
    use super::super::key::tests::tricky_pieces;
    use super::*;

    #[test]
    fn drop_below_cuts_maps_and_sorted_lists_alike() {
        let mut maps = WordCounts::default();
        for (i, p) in tricky_pieces(500).iter().enumerate() {
            maps.add(p, i as u64 % 5 + 1);
        }
        let mut list = WordCounts::from_sorted(maps.clone().into_sorted());
        let whole = maps.clone().into_sorted();
        let gone: Vec<u64> = whole.iter().map(|e| e.1).filter(|&c| c < 3).collect();
        let want = (gone.len() as u64, gone.iter().sum::<u64>());
        assert_eq!(maps.drop_below(3), want);
        assert_eq!(list.drop_below(3), want);
        let kept: Vec<_> = whole.into_iter().filter(|e| e.1 >= 3).collect();
        assert_eq!(maps.into_sorted(), kept);
        assert_eq!(list.into_sorted(), kept);
    }
}
