//! Pruning a vocabulary: keep the tokens a deployment uses, drop the rest,
//! and renumber the ids densely.
//!
//! 1. What to keep: the 256 bytes, the special and added tokens always; then the
//!    tokens named, those used at least `min_count` times, or the most used
//!    up to a final size ([`PruneRequest`]).
//! 2. The closure: a kept token must stay reachable. BPE builds a token from
//!    its bytes through intermediate tokens; encoding the token's bytes alone
//!    goes through exactly those (a merge inside a token's span never
//!    competes with one across its edge, or the token would not come out),
//!    so each kept token brings the symbols of its own encoding, recorded
//!    step by step ([`derivation`]).
//! 3. The merges are re-derived: a listed vocabulary keeps, in order, the
//!    merges whose operands and result are all kept; a ranked one is rebuilt
//!    from its kept ranks. Dropping a merge that a token's derivation does not
//!    use never changes the derivation (the chosen merge stays the lowest),
//!    so every kept token still encodes as itself, and any text still
//!    round-trips: every merge left makes a kept token.
//! 4. Ids are renumbered densely in their old order, special tokens included;
//!    `id_map[old] = new`, or -1 for a dropped id.

use crate::added::AddedToken;
use crate::error::{Error, Result};
use crate::tokenizer::{Curriculum, Tokenizer};
use crate::train::count::{Counts, WordCounts};
use crate::vocab::{MergeRule, Vocab};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// What to keep. The bytes and the special tokens are always kept.
#[derive(Clone, Debug, Default)]
pub struct PruneRequest<'c> {
    /// Token ids kept whatever their use.
    pub keep: Vec<u32>,
    /// Text counted with the tokenizer's pattern and normalization: a token's
    /// use is how often encoding it gives the token ([`usage`]). Without it
    /// only `keep` is kept.
    pub corpus: Option<&'c Counts>,
    /// With `corpus`: keep the tokens used at least this often.
    pub min_count: u64,
    /// With `corpus`: instead, the most used tokens that fit this final size
    /// (bytes, specials, `keep` and the closure included).
    pub target_size: Option<usize>,
}

/// A pruned tokenizer and where each old id went.
pub struct Pruned {
    pub tokenizer: Tokenizer,
    /// Old id -> new id, -1 for a dropped one.
    pub id_map: Vec<i64>,
}

/// How often each id occurs when the counted words are encoded.
pub fn usage(tokenizer: &Tokenizer, words: &WordCounts) -> Vec<u64> {
    let size = tokenizer.vocab().size();
    let words = words.clone().into_sorted();
    words
        .par_chunks(4096)
        .fold(
            || vec![0u64; size],
            |mut hist, chunk| {
                for (word, count) in chunk {
                    for id in tokenizer.encode_piece(word) {
                        hist[id as usize] += count;
                    }
                }
                hist
            },
        )
        .reduce(
            || vec![0u64; size],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        )
}

/// The vocabulary's merge table as the encoder reads it: pair -> (priority, result).
fn pair_table(vocab: &Vocab) -> FxHashMap<(u32, u32), (u32, u32)> {
    // A later duplicate overwrites the earlier entry, as in the encoder.
    vocab
        .merge_priorities()
        .map(|(pair, priority, result)| (pair, (priority, result)))
        .collect()
}

/// Every symbol that BPE over `bytes` alone goes through, final ones included.
fn derivation(
    vocab: &Vocab,
    pairs: &FxHashMap<(u32, u32), (u32, u32)>,
    bytes: &[u8],
    out: &mut Vec<u32>,
) {
    let mut symbols: Vec<u32> = bytes.iter().map(|&b| vocab.byte_id(b)).collect();
    out.extend_from_slice(&symbols);
    loop {
        let best = symbols
            .windows(2)
            .enumerate()
            .filter_map(|(i, w)| pairs.get(&(w[0], w[1])).map(|&(p, r)| (p, i, r)))
            .min();
        let Some((_, i, result)) = best else { break };
        symbols[i] = result;
        symbols.remove(i + 1);
        out.push(result);
    }
}

/// What `tokenizer` becomes when pruned as `request` says.
pub fn prune(tokenizer: &Tokenizer, request: &PruneRequest<'_>) -> Result<Pruned> {
    let vocab = tokenizer.vocab();
    if vocab.byte_fallback() {
        return Err(Error::config(
            "only byte-level BPE vocabularies can be pruned; SentencePiece-style \
             (byte-fallback) ones cannot yet",
        ));
    }
    let size = vocab.size();
    let is_token = |id: u32| !vocab.is_special(id) && vocab.token_bytes(id).is_some();
    for &id in &request.keep {
        if id as usize >= size || !(is_token(id) || vocab.is_special(id)) {
            return Err(Error::UnknownId(u64::from(id)));
        }
    }
    let pairs = pair_table(vocab);
    let closure = |id: u32, out: &mut Vec<u32>| {
        if let Some(bytes) = vocab.token_bytes(id).filter(|_| is_token(id)) {
            derivation(vocab, &pairs, bytes, out);
        }
        out.push(id);
    };

    let mut kept = vec![false; size];
    let mut count = 0usize;
    let add = |ids: &[u32], kept: &mut Vec<bool>, count: &mut usize| {
        for &i in ids {
            if !kept[i as usize] {
                kept[i as usize] = true;
                *count += 1;
            }
        }
    };
    let mut scratch = Vec::new();
    let always = vocab
        .byte_ids()
        .iter()
        .copied()
        .chain(vocab.specials().iter().map(|s| s.1))
        .chain(tokenizer.added_tokens().iter().map(|t| t.id))
        .chain(request.keep.iter().copied());
    for id in always {
        scratch.clear();
        closure(id, &mut scratch);
        add(&scratch, &mut kept, &mut count);
    }
    let floor = count;
    if let Some(corpus) = request.corpus {
        corpus.meta.check_words(
            "the tokenizer's pattern",
            tokenizer.pattern(),
            tokenizer.normalization(),
            "count the corpus as the tokenizer splits it",
        )?;
        let usage = usage(tokenizer, &corpus.words);
        match request.target_size {
            Some(target) if target < floor => {
                return Err(Error::config(format!(
                    "target_size={target} is below the {floor} ids that are always kept (256 \
                     bytes, {} special token(s), keep= and what they need)",
                    vocab.specials().len()
                )))
            }
            Some(target) => {
                // Most used first (ties: the lower id); a token is taken with its
                // closure only if all of it fits.
                let mut order: Vec<u32> = (0..size as u32)
                    .filter(|&i| is_token(i) && usage[i as usize] > 0)
                    .collect();
                order.sort_by_key(|&i| (std::cmp::Reverse(usage[i as usize]), i));
                for id in order {
                    if count >= target {
                        break;
                    }
                    if kept[id as usize] {
                        continue;
                    }
                    scratch.clear();
                    closure(id, &mut scratch);
                    scratch.sort_unstable();
                    scratch.dedup();
                    let new = scratch.iter().filter(|&&i| !kept[i as usize]).count();
                    if count + new <= target {
                        add(&scratch, &mut kept, &mut count);
                    }
                }
            }
            None => {
                for id in 0..size as u32 {
                    if is_token(id) && usage[id as usize] >= request.min_count.max(1) {
                        scratch.clear();
                        closure(id, &mut scratch);
                        add(&scratch, &mut kept, &mut count);
                    }
                }
            }
        }
    }
    rebuild(tokenizer, &kept)
}

/// The tokenizer with only the `kept` ids, renumbered densely.
fn rebuild(tokenizer: &Tokenizer, kept: &[bool]) -> Result<Pruned> {
    let vocab = tokenizer.vocab();
    let mut id_map = vec![-1i64; kept.len()];
    let mut next = 0i64;
    for (old, &k) in kept.iter().enumerate() {
        if k {
            id_map[old] = next;
            next += 1;
        }
    }
    let new_id = |old: u32| id_map[old as usize] as u32;
    let specials: Vec<(String, u32)> = vocab
        .specials()
        .iter()
        .map(|(s, id)| (s.clone(), new_id(*id)))
        .collect();
    let is_kept_token =
        |id: u32| kept[id as usize] && !vocab.is_special(id) && vocab.token_bytes(id).is_some();
    // The first `n` merges that survive: operands and result all kept.
    let merges_kept = |n: usize| {
        vocab
            .merges()
            .iter()
            .zip(vocab.merge_results())
            .take(n)
            .filter(|(&(a, b), &r)| kept[a as usize] && kept[b as usize] && kept[r as usize])
            .map(|(&pair, _)| pair)
    };
    let pruned = match vocab.rule() {
        MergeRule::Ranked => {
            let entries = (0..kept.len() as u32)
                .filter(|&i| is_kept_token(i))
                .filter_map(|i| Some((vocab.token_bytes(i)?.to_vec(), new_id(i))))
                .collect();
            Vocab::from_ranks(entries, specials)?
        }
        MergeRule::Listed => {
            let mut tokens = vec![Vec::new(); next as usize];
            for i in (0..kept.len() as u32).filter(|&i| is_kept_token(i)) {
                if let Some(t) = vocab.token_bytes(i) {
                    tokens[new_id(i) as usize] = t.to_vec();
                }
            }
            let merges = merges_kept(vocab.merges().len())
                .map(|(a, b)| (new_id(a), new_id(b)))
                .collect();
            Vocab::with_special_ids(tokens, merges, specials)?
        }
    }
    .with_ignore_merges(vocab.ignore_merges());
    let mut template = tokenizer.template().clone();
    for id in template.prefix.iter_mut().chain(template.suffix.iter_mut()) {
        *id = new_id(*id);
    }
    let curriculum = tokenizer.curriculum().map(|c| Curriculum {
        stage1_pattern: c.stage1_pattern.clone(),
        transition: merges_kept(c.transition).count(),
    });
    let added = tokenizer
        .added_tokens()
        .iter()
        .map(|t| AddedToken {
            id: new_id(t.id),
            ..t.clone()
        })
        .collect();
    let tokenizer = Tokenizer::new(pruned, tokenizer.pattern().clone())?
        .with_normalization(tokenizer.normalization())
        .with_template(template)?
        .with_curriculum(curriculum)
        .with_added_tokens(added)?;
    Ok(Pruned { tokenizer, id_map })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pretok::PatternSpec;
    use crate::train::count::CountsMeta;

    fn small() -> Tokenizer {
        let mut tokens = Vocab::byte_alphabet();
        let id = |t: u8, ts: &[Vec<u8>]| ts.iter().position(|x| x == &[t]).unwrap_or(0) as u32;
        let (a, b, c) = (id(b'a', &tokens), id(b'b', &tokens), id(b'c', &tokens));
        tokens.push(b"ab".to_vec()); // 256
        tokens.push(b"abc".to_vec()); // 257
        tokens.push(b"bc".to_vec()); // 258
        let merges = vec![(a, b), (256, c), (b, c)];
        let vocab = Vocab::new(tokens, merges, &["<|end|>".to_string()]).expect("vocab");
        Tokenizer::new(vocab, PatternSpec::from_option(None)).expect("tokenizer")
    }

    #[test]
    fn a_kept_token_brings_what_builds_it() {
        let out = prune(
            &small(),
            &PruneRequest {
                keep: vec![257],
                ..Default::default()
            },
        )
        .expect("prune");
        assert_eq!(out.id_map[256], 256, "ab builds abc");
        assert_eq!(out.id_map[257], 257);
        assert_eq!(out.id_map[258], -1, "bc is not needed");
        assert_eq!(out.id_map[259], 258, "the special moves down");
        assert_eq!(out.tokenizer.encode_piece(b"abc"), vec![257]);
        assert_eq!(out.tokenizer.vocab().merges().len(), 2);
    }

    #[test]
    fn unknown_ids_and_small_targets_are_refused() {
        let tok = small();
        let keep = PruneRequest {
            keep: vec![999],
            ..Default::default()
        };
        assert!(prune(&tok, &keep).is_err());
        let meta = CountsMeta::new(tok.pattern(), tok.normalization(), false);
        let corpus = Counts::from_pairs([(&b"abc"[..], 3)], meta).expect("counts");
        let target = PruneRequest {
            corpus: Some(&corpus),
            target_size: Some(200),
            ..Default::default()
        };
        let err = prune(&tok, &target).err().expect("must refuse");
        assert!(err.to_string().contains("below the 257 ids"), "{err}");
        let used = PruneRequest {
            corpus: Some(&corpus),
            ..Default::default()
        };
        let out = prune(&tok, &used).expect("prune");
        assert_eq!(out.id_map[257], 257, "abc is used; ab comes with it");
        assert_eq!(out.id_map[258], -1);
    }
}
