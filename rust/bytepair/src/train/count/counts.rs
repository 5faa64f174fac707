//! [`Counts`]: pre-token counts with how they were made ([`CountsMeta`]) and
//! what was left out ([`Pruned`]), the unit that `bytepair.count` returns,
//! counts files hold and training from counts takes.

use super::prune::Pruned;
use super::words::WordCounts;
use crate::error::{Error, Result};
use crate::normalize::Normalization;
use crate::pretok::PatternSpec;
use serde::{Deserialize, Serialize};

/// What the counts were made with; training must split text the same way.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountsMeta {
    /// The pattern's name or regex; `None` for no pre-tokenization.
    pub pattern: Option<String>,
    /// [`Normalization::name`]; `None` for none.
    pub normalization: Option<String>,
    /// Bytes of text that were counted.
    pub total_bytes: u64,
    /// Newlines were hard boundaries: no pre-token crosses one (SuperBPE's
    /// stage-2 pieces). Written only when true, so older files read as false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub line_boundaries: bool,
}

/// Python's repr of an optional name, for messages that quote the API's values.
fn shown(v: Option<&str>) -> String {
    v.map_or_else(|| "None".to_string(), |s| format!("'{s}'"))
}

impl CountsMeta {
    /// The metadata of counts made by splitting text with `pattern` after
    /// `normalization`.
    pub fn new(pattern: &PatternSpec, normalization: Normalization, line_boundaries: bool) -> Self {
        CountsMeta {
            pattern: pattern.name_or_regex().map(str::to_string),
            normalization: normalization.name().map(str::to_string),
            total_bytes: 0,
            line_boundaries,
        }
    }

    pub fn pattern_spec(&self) -> PatternSpec {
        PatternSpec::from_option(self.pattern.as_deref())
    }

    pub fn normalization(&self) -> Result<Normalization> {
        Normalization::parse(self.normalization.as_deref())
    }

    /// What a sum of counts made with `metas` was made with: they must agree
    /// on how the text was split; their byte totals add up.
    pub fn sum(metas: &[&CountsMeta]) -> Result<CountsMeta> {
        let Some(first) = metas.first() else {
            return Err(Error::config("a sum of counts needs at least one"));
        };
        let mut meta = (*first).clone();
        meta.total_bytes = 0;
        for b in metas {
            let a = first;
            if a.pattern != b.pattern
                || a.normalization != b.normalization
                || a.line_boundaries != b.line_boundaries
            {
                return Err(Error::config(format!(
                    "cannot add counts made with pattern={}, normalization={}, \
                     line_boundaries={} to counts made with pattern={}, normalization={}, \
                     line_boundaries={}",
                    shown(b.pattern.as_deref()),
                    shown(b.normalization.as_deref()),
                    b.line_boundaries,
                    shown(a.pattern.as_deref()),
                    shown(a.normalization.as_deref()),
                    a.line_boundaries
                )));
            }
            meta.total_bytes = meta.total_bytes.saturating_add(b.total_bytes);
        }
        Ok(meta)
    }

    /// The metadata of part `i` of a partition: `total_bytes` goes with part
    /// 0 only, so the parts' totals add up to this one.
    pub fn for_part(&self, i: usize) -> CountsMeta {
        let mut meta = self.clone();
        if i > 0 {
            meta.total_bytes = 0;
        }
        meta
    }

    /// Check that these counts split text as `pattern` (the option `name`
    /// in messages) after `normalization` would.
    pub fn check_split(
        &self,
        name: &str,
        pattern: &PatternSpec,
        normalization: Normalization,
    ) -> Result<()> {
        if self.pattern_spec() != *pattern {
            return Err(Error::config(format!(
                "these counts were made with pattern={}, not {name}={}",
                shown(self.pattern.as_deref()),
                shown(pattern.name_or_regex())
            )));
        }
        if self.normalization()? != normalization {
            return Err(Error::config(format!(
                "these counts were made with normalization={}, not normalization={}",
                shown(self.normalization.as_deref()),
                shown(normalization.name())
            )));
        }
        Ok(())
    }

    /// [`check_split`](Self::check_split) for counts of whole pre-tokens:
    /// counts made with line boundaries (SuperBPE stage-2 pieces) are
    /// refused, and `instead` says what to do with them.
    pub fn check_words(
        &self,
        name: &str,
        pattern: &PatternSpec,
        normalization: Normalization,
        instead: &str,
    ) -> Result<()> {
        if self.line_boundaries {
            return Err(Error::config(format!(
                "these counts were made with line_boundaries=True (SuperBPE stage-2 pieces); \
                 {instead}"
            )));
        }
        self.check_split(name, pattern, normalization)
    }
}

/// A partition needs at least one part.
pub fn check_parts(parts: usize) -> Result<()> {
    if parts == 0 {
        return Err(Error::config("parts must be at least 1"));
    }
    Ok(())
}

/// Pre-token counts, how they were made, and what was left out of them.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    pub words: WordCounts,
    pub meta: CountsMeta,
    pub pruned: Pruned,
}

impl Counts {
    /// Counts from `(pre-token, count)` pairs made as `meta` says (its
    /// normalization must be a known name).
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a [u8], u64)>,
        meta: CountsMeta,
    ) -> Result<Self> {
        meta.normalization()?;
        Ok(Counts {
            words: WordCounts::from_pairs(pairs)?,
            meta,
            pruned: Pruned::default(),
        })
    }

    /// The sum of counts made the same way.
    pub fn sum(parts: &[&Counts]) -> Result<Counts> {
        let metas: Vec<&CountsMeta> = parts.iter().map(|p| &p.meta).collect();
        let meta = CountsMeta::sum(&metas)?;
        let pruned = parts
            .iter()
            .fold(Pruned::default(), |acc, p| acc.combined(p.pruned));
        let words = WordCounts::sum_all(parts.iter().map(|p| p.words.clone()).collect());
        Ok(Counts {
            words,
            meta,
            pruned,
        })
    }

    /// `parts` disjoint counts split by a hash of each pre-token that is the
    /// same on every machine (see [`WordCounts::partition`]); `total_bytes`
    /// and the prune record go with part 0, so sums stay exact.
    pub fn partition(&self, parts: usize) -> Result<Vec<Counts>> {
        check_parts(parts)?;
        Ok(self
            .words
            .partition(parts)
            .into_iter()
            .enumerate()
            .map(|(i, words)| Counts {
                words,
                meta: self.meta.for_part(i),
                pruned: if i == 0 {
                    self.pruned
                } else {
                    Pruned::default()
                },
            })
            .collect())
    }

    /// Leave out the pre-tokens counted fewer than `min_count` times, after
    /// an exact sum; `elsewhere` is (distinct, occurrences) cut the same way
    /// before (by distributed reducers), recorded with this cut.
    pub fn drop_below(&mut self, min_count: u64, elsewhere: (u64, u64)) {
        let cut = self.words.drop_below(min_count);
        if min_count > 1 {
            self.pruned.record_cut(
                min_count,
                cut.0 + elsewhere.0,
                cut.1.saturating_add(elsewhere.1),
            );
        }
    }

    /// The `n` most frequent (all if `None`), most frequent first, ties by bytes.
    pub fn most_common(&self, n: Option<usize>) -> Vec<(Box<[u8]>, u64)> {
        let mut v = self.words.clone().into_sorted();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.truncate(n.unwrap_or(usize::MAX));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pretok::PatternName;

    #[test]
    fn counts_check_how_they_were_made() {
        let gpt2 = PatternSpec::Named(PatternName::Gpt2);
        let meta = CountsMeta::new(&gpt2, Normalization::Nfkc, false);
        assert!(meta
            .check_split("pattern", &gpt2, Normalization::Nfkc)
            .is_ok());
        let cl100k = PatternSpec::Named(PatternName::Cl100k);
        let err = meta
            .check_split("pattern", &cl100k, Normalization::Nfkc)
            .expect_err("pattern differs");
        assert!(
            err.to_string()
                .contains("pattern='gpt2', not pattern='gpt4'"),
            "{err}"
        );
        assert!(meta
            .check_split("pattern", &gpt2, Normalization::None)
            .is_err());
    }

    #[test]
    fn partitions_keep_the_total_on_part_zero() {
        let meta = CountsMeta {
            total_bytes: 10,
            ..Default::default()
        };
        let c = Counts::from_pairs([(&b"ab"[..], 2), (b"cd", 3)], meta).expect("counts");
        let parts = c.partition(3).expect("parts");
        let totals: Vec<u64> = parts.iter().map(|p| p.meta.total_bytes).collect();
        assert_eq!(totals, [10, 0, 0]);
        assert!(c.partition(0).is_err());
    }
}
