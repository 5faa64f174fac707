//! Training byte-level BPE: count pre-tokens, then learn merges.
//!
//! Each stage is a function over plain data, testable alone:
//!
//! ```text
//! text ─ count::Counter ─ Counts ─┬─ bpe::train_from_counts ── merge::learn_merges ─ Vocab
//!                                 ├─ superbpe (stage 1, replay, stage 2 ── positional)
//!                  base Tokenizer ┼─ extend (replay, then the merge loop; shared with superbpe)
//! Counts per language, dev Counts ┼─ parity::train_parity (the worst language picks)
//! bytes ─ binary::ByteCounter ────┴─ binary::train_bytes ────── positional
//! ```
//!
//! [`request`] strings the stages together for each entry point of the API
//! and builds the [`crate::Tokenizer`] and the report.

pub mod binary;
pub mod bpe;
pub mod config;
pub mod count;
pub mod extend;
pub mod journal;
pub mod merge;
mod packed;
mod pair_counts;
mod pair_table;
pub mod parity;
pub mod positional;
pub mod replay;
pub mod request;
pub mod superbpe;

pub use bpe::{check_count_total, train_from_counts, words_to_symbols, Trained};
pub use config::{LengthUnit, TrainConfig};
pub use extend::ExtendConfig;
pub use request::{
    BpeRequest, BytesRequest, ExtendPlan, ExtendRequest, ParityReport, ParityRequest, Report,
    SuperbpeRequest, TextPlan, Transition,
};
