//! Text files as counting input: whole files or byte ranges of them
//! ([`FileSlice`]), checked and sized up front for the progress bar.

use super::counter::Counter;
use super::words::WordCounts;
use crate::error::{Error, Result};
use crate::pretok::Pretokenizer;
use crate::progress::Progress;
use std::path::{Path, PathBuf};

/// Part of a text file: the lines that start at a byte offset in
/// `start..end` (see [`Counter::add_file_range`]). Slices that tile a file
/// count it exactly as the whole file: how shards of one large file are
/// counted on different workers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSlice {
    pub path: PathBuf,
    pub start: u64,
    pub end: u64,
}

impl FileSlice {
    pub fn whole(path: &Path) -> Self {
        FileSlice {
            path: path.to_path_buf(),
            start: 0,
            end: u64::MAX,
        }
    }
}

/// The bytes in `paths` (for a progress bar), checking first that each is
/// a file that can be read.
pub fn total_size(paths: &[PathBuf]) -> Result<u64> {
    let mut total = 0u64;
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
        if meta.is_dir() {
            return Err(Error::io(
                p,
                std::io::Error::other("is a directory, not a file"),
            ));
        }
        total += meta.len();
    }
    Ok(total)
}

/// Count the pre-tokens of whole files, each line a sequence (as HF does for
/// files). Must run inside the rayon pool that should do the work.
pub fn count_files(
    paths: &[PathBuf],
    pre: &Pretokenizer,
    progress: bool,
    between_blocks: impl FnMut() -> Result<()>,
) -> Result<(WordCounts, u64)> {
    let mut counter = Counter::new(pre);
    let slices: Vec<FileSlice> = paths.iter().map(|p| FileSlice::whole(p)).collect();
    count_slices_into(&slices, &mut counter, progress, between_blocks)?;
    let bytes = counter.bytes;
    Ok((counter.finish(), bytes))
}

/// Feed file slices to `counter` (which carries the pre-tokenizers,
/// normalization and any distinct-pre-token cap), with one progress bar
/// over their size. `between_blocks` runs after each block; an error from it
/// stops the count (the bindings use it to notice Ctrl-C).
pub fn count_slices_into(
    slices: &[FileSlice],
    counter: &mut Counter,
    progress: bool,
    mut between_blocks: impl FnMut() -> Result<()>,
) -> Result<()> {
    let paths: Vec<PathBuf> = slices.iter().map(|s| s.path.clone()).collect();
    let sizes = total_size(&paths)?;
    let within: u64 = slices
        .iter()
        .map(|s| s.end.saturating_sub(s.start))
        .fold(0u64, u64::saturating_add);
    let bar = Progress::bytes(progress, Some(sizes.min(within)), "counting");
    for s in slices {
        if s.start >= s.end {
            continue;
        }
        counter.add_file_range(&s.path, s.start..s.end, &bar, &mut between_blocks)?;
    }
    bar.finish();
    Ok(())
}
