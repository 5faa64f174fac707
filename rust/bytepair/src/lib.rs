//! bytepair: byte-pair-encoding tokenizers.
//!
//! * [`pretok`] cuts text into pre-tokens (tiktoken's patterns, custom regexes);
//! * [`train`] counts pre-tokens in parallel and learns merges exactly as HF
//!   tokenizers' `BpeTrainer` does;
//! * [`encode`] and [`tokenizer`] turn text into ids and back;
//! * [`io`] reads and writes the native format, HF `tokenizer.json`, tiktoken
//!   rank files, and token files;
//! * [`dynamic`] merges within one batch of token sequences at inference time.
//!
//! ```
//! use bytepair::{pretok::{PatternName, PatternSpec}, train::{TrainConfig, count::WordCounts}};
//! let pre = bytepair::pretok::Pretokenizer::new(PatternSpec::Named(PatternName::Gpt2)).unwrap();
//! let mut counts = WordCounts::default();
//! counts.add_text(&pre, "low lower lowest low low").unwrap();
//! let cfg = TrainConfig { vocab_size: 260, special_tokens: vec![], min_frequency: 0,
//!                         max_token_length: None, length_unit: Default::default(),
//!                         specials_first: false, pad_to: None, forced_tokens: vec![],
//!                         progress: false };
//! let trained = bytepair::train::train_from_counts(counts, &cfg).unwrap();
//! assert_eq!(trained.vocab.tokens()[256], b"lo"); // 5 times; ties with "ow", and l < o
//! ```

pub mod byte_level;
pub mod dynamic;
pub mod encode;
pub mod error;
pub mod io;
pub mod pretok;
pub mod progress;
pub mod tokenizer;
pub mod train;
pub mod vocab;

pub use error::{Error, Result};
pub use tokenizer::{Specials, Template, Tokenizer};
pub use vocab::Vocab;
