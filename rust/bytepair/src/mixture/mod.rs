//! Data-mixture inference (Hayase et al., 2024): what a merge list says
//! about the mixture it was trained on.
//!
//! BPE training picks, at each step, the most frequent pair of the training
//! mixture. Replaying a tokenizer's merges on a sample of each candidate
//! category gives every pair's count in that category at every step; if the
//! mixture gave category `i` the share `α_i` of the pairs, merge `t` must beat
//! every other pair `p` under `Σ_i α_i c_i`. Those inequalities, with slack,
//! are a linear program in `α`.
//!
//! The core does the two parts that scale with the data:
//!
//! * [`replay`]: the merges applied in order to each category's counted
//!   words, recording per step the pairs whose count changed and by how much
//!   (one category per thread, pair ids shared by all categories);
//! * [`separate`]: given the solver's current weights and slacks, one sweep
//!   over the steps that finds the pairs beating each step's merge: the rows
//!   the LP lacks (lazy constraint generation).
//!
//! The LP itself is solved in Python with HiGHS (`bytepair.mixture`).

pub mod replay;
pub mod separate;

pub use replay::{replay, CategoryReplay, Replay};
pub use separate::{separate, Row, Slacks};
