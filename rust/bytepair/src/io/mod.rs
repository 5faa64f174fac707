//! Reading and writing tokenizer files.

pub mod hf;
pub mod native;
pub mod tiktoken;
pub mod token_files;
