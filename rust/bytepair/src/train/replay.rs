//! Replaying merges: each distinct word (or piece) segmented with a
//! vocabulary's merges, which is what encoding it does. Extension replays a
//! base on new text, SuperBPE stage 2 replays stage 1 on its pieces, and a
//! resumed run replays its logged merges on its own words.

use super::merge::Words;
use crate::encode::{Encoder, Scratch};
use crate::vocab::Vocab;
use rayon::prelude::*;

/// Segment every distinct word (or piece) with `vocab`, as encoding it does.
/// Words that end up one token carry no pair and are dropped.
pub fn replay(words: &[(Box<[u8]>, u64)], vocab: &Vocab) -> (Words, Vec<u64>) {
    let encoder = Encoder::new(vocab);
    let parts: Vec<(Vec<u32>, Vec<u32>, Vec<u64>)> = words
        .par_chunks(2048)
        .map_init(Scratch::default, |scratch, chunk| {
            let mut symbols = Vec::new();
            let mut lens = Vec::new();
            let mut counts = Vec::new();
            for (word, count) in chunk {
                let start = symbols.len();
                encoder.encode_piece(vocab, word, &mut symbols, scratch);
                if symbols.len() - start < 2 {
                    symbols.truncate(start);
                } else {
                    lens.push((symbols.len() - start) as u32);
                    counts.push(*count);
                }
            }
            (symbols, lens, counts)
        })
        .collect();
    let total = parts.iter().map(|p| p.0.len()).sum();
    let num = parts.iter().map(|p| p.1.len()).sum();
    let mut out = Words::with_capacity(num, total);
    let mut counts = Vec::with_capacity(num);
    for (symbols, lens, cs) in parts {
        let mut at = 0;
        for len in lens {
            out.push(symbols[at..at + len as usize].iter().copied());
            at += len as usize;
        }
        counts.extend(cs);
    }
    (out, counts)
}
