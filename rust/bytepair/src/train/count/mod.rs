//! Stage 1 of training: count pre-tokens. One idea per module:
//!
//! * [`key`]: pre-tokens as packed map keys and as sortable borrowed pieces;
//! * `table`: the open-addressing table of short pre-tokens' counts;
//! * [`words`]: [`WordCounts`], the pre-token -> count container;
//! * [`prune`]: leaving rare pre-tokens out, and the record of it;
//! * [`counter`]: [`Counter`], which streams text through the pre-tokenizers;
//! * [`files`]: text files and byte ranges of them as input;
//! * [`counts`]: [`Counts`], counts with how they were made.

pub mod counter;
pub mod counts;
pub mod files;
pub mod key;
pub mod prune;
mod table;
pub mod words;

pub use counter::Counter;
pub use counts::{Counts, CountsMeta};
pub use files::{count_files, count_slices_into, total_size, FileSlice};
pub use key::Piece;
pub use prune::{drop_below, Pruned};
pub use words::{merge_sorted, SortedCounts, WordCounts};
