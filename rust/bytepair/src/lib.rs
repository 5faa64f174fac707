//! bytepair: byte-pair-encoding tokenizers.
//!
//! A [`Tokenizer`] is a pipeline of stages, each its own module:
//!
//! ```text
//! encode:  text ─ normalize ─ pretok ─ encode (BPE per piece) ─ encode::template ─ ids
//!               └ encode::special (special tokens, found before normalizing) ┘
//! decode:  ids ─ decode ─ bytes
//! train:   text ─ train::count ─ Counts ─ train::merge (or positional) ─ Vocab
//! ```
//!
//! * [`normalize`]: NFC/NFKC/lowercase, the same in training and encoding;
//! * [`pretok`]: cuts text (or raw bytes) into pieces BPE never merges across;
//! * [`vocab`]: ids <-> bytes, the merge rule, special tokens;
//! * [`encode`]: BPE inside one piece; [`encode::special`] and
//!   [`encode::template`] for special tokens;
//! * [`decode`]: ids back to bytes; [`tally`]: token counts without the ids;
//! * [`tokenizer`]: the pipeline only;
//! * [`train`]: counting, the merge loops, SuperBPE, bytes, and the requests
//!   that string them together;
//! * [`dynamic`]: merges within one batch of token sequences at inference time;
//! * [`pack`]: short byte strings as integers (the encoder's cache and table
//!   keys, the counters' map keys); [`prefetch`]: the one cache hint;
//! * [`io`]: the native format, HF `tokenizer.json`, tiktoken rank files,
//!   counts files and token files.
//!
//! No module depends on one that depends on it (`tests/module_graph.rs`).
//!
//! ```
//! use bytepair::pretok::{PatternName, PatternSpec, Pretokenizer};
//! use bytepair::train::{count::WordCounts, TrainConfig};
//! let pre = Pretokenizer::new(PatternSpec::Named(PatternName::Gpt2)).unwrap();
//! let mut counts = WordCounts::default();
//! counts.add_text(&pre, "low lower lowest low low").unwrap();
//! let cfg = TrainConfig { vocab_size: 260, special_tokens: vec![], min_frequency: 0,
//!                         max_token_length: None, length_unit: Default::default(),
//!                         specials_first: false, pad_to: None, forced_tokens: vec![],
//!                         progress: false };
//! let mut journal = bytepair::train::journal::NoJournal;
//! let trained = bytepair::train::train_from_counts(counts, &cfg, &mut journal).unwrap();
//! assert_eq!(trained.vocab.tokens()[256], b"lo"); // 5 times; ties with "ow", and l < o
//! ```

pub mod added;
pub mod byte_level;
pub mod decode;
pub mod dynamic;
pub mod encode;
pub mod error;
pub mod huge;
pub mod io;
pub mod mixture;
pub mod normalize;
pub mod pack;
pub mod prefetch;
pub mod pretok;
pub mod progress;
pub mod prune;
pub mod tally;
pub mod tokenizer;
pub mod train;
pub mod vocab;

pub use encode::special::Specials;
pub use encode::template::Template;
pub use error::{Error, Result};
pub use normalize::Normalization;
pub use tokenizer::Tokenizer;
pub use vocab::Vocab;

#[cfg(test)]
mod test_rng;
