//! The post-processor: ids put around an encoded text when the caller asks
//! for special tokens (HF's `TemplateProcessing` for one sequence, e.g. the
//! BOS id Llama 3 adds).

use crate::error::{Error, Result};
use crate::vocab::Vocab;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Template {
    pub prefix: Vec<u32>,
    pub suffix: Vec<u32>,
}

impl Template {
    pub fn is_empty(&self) -> bool {
        self.prefix.is_empty() && self.suffix.is_empty()
    }

    /// Every id of the template must be an id of `vocab`.
    pub fn check(&self, vocab: &Vocab) -> Result<()> {
        for &id in self.prefix.iter().chain(&self.suffix) {
            if vocab.token_bytes(id).is_none() {
                return Err(Error::bad_format(
                    "post-processor template",
                    format!("id {id} is not in the vocabulary"),
                ));
            }
        }
        Ok(())
    }

    /// `ids` with the template around them.
    pub fn apply(&self, ids: Vec<u32>) -> Vec<u32> {
        if self.is_empty() {
            return ids;
        }
        let mut out = Vec::with_capacity(self.prefix.len() + ids.len() + self.suffix.len());
        out.extend_from_slice(&self.prefix);
        out.extend(ids);
        out.extend_from_slice(&self.suffix);
        out
    }
}
