//! Encoding whole files into one token file (`.bin`: raw little-endian ids;
//! `.npy`: the same with a NumPy header), streamed in blocks.
//!
//! Each input file is one document. Files up to 4 MB are read whole and
//! encoded side by side, 16 MB of them at a time. A larger file is read 64 MB
//! at a time and cut into
//! blocks of about 4 MB at a newline followed by an ASCII character other than
//! whitespace and '/': every built-in pattern ends a pre-token there, so the ids equal those of
//! encoding the file in one call (tests check this). Files with a custom
//! pattern are encoded whole (no safe cut is known). Blocks are encoded in
//! parallel and written in order; the output appears under its name only when
//! complete.

use crate::error::{Error, Result};
use crate::pretok::PatternSpec;
use crate::progress::Progress;
use crate::tokenizer::Tokenizer;
use crate::vocab::Vocab;
use rayon::prelude::*;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const BLOCK: usize = 4 << 20;
/// Bytes read from a file at a time (split into blocks for the threads).
const READ: usize = 64 << 20;

/// Whether a pre-token always ends at a '\n' followed by `c`. Not before
/// whitespace (runs merge) or '/' (o200k's `[\r\n/]*` takes it).
fn safe_after_newline(c: u8) -> bool {
    c < 0x80 && !c.is_ascii_whitespace() && c != b'/'
}

/// The end of the last safe cut in `b`: just after a '\n' followed by an
/// ASCII non-space character.
fn last_cut(b: &[u8]) -> Option<usize> {
    let mut search = b.len();
    while let Some(k) = memchr::memrchr(b'\n', &b[..search]) {
        match b.get(k + 1) {
            Some(&c) if safe_after_newline(c) => return Some(k + 1),
            _ => search = k,
        }
    }
    None
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    U16,
    U32,
}

impl Dtype {
    /// numpy's name: `"uint16"` or `"uint32"`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "uint16" => Ok(Dtype::U16),
            "uint32" => Ok(Dtype::U32),
            other => Err(Error::config(format!(
                "dtype must be \"uint16\" or \"uint32\", not {other:?}"
            ))),
        }
    }

    /// Every id of `vocab` must fit.
    pub fn check_fits(self, vocab: &Vocab) -> Result<()> {
        let (limit, name) = match self {
            Dtype::U16 => (u64::from(u16::MAX), "uint16"),
            Dtype::U32 => (u64::from(u32::MAX), "uint32"),
        };
        let top = (vocab.size() as u64).saturating_sub(1);
        if top > limit {
            return Err(Error::config(format!(
                "ids go up to {top}, which does not fit in {name}"
            )));
        }
        Ok(())
    }
}

/// What was written: ids in total and where each document starts.
pub struct Written {
    pub tokens: u64,
    pub doc_offsets: Vec<u64>,
}

/// Cut points: each block ends after a '\n' that is followed by a non-space.
fn blocks(text: &str, cut: bool) -> Vec<&str> {
    if !cut {
        return vec![text];
    }
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    while b.len() - start > BLOCK {
        let mut at = start + BLOCK;
        let found = loop {
            match memchr::memchr(b'\n', &b[at..]) {
                None => break None,
                Some(k) => {
                    let after = at + k + 1;
                    match b.get(after) {
                        Some(&c) if safe_after_newline(c) => break Some(after),
                        Some(_) => at = after,
                        None => break None,
                    }
                }
            }
        };
        let Some(end) = found else { break };
        out.push(&text[start..end]);
        start = end;
    }
    out.push(&text[start..]);
    out
}

fn npy_header(dtype: Dtype, n: u64) -> Vec<u8> {
    let descr = match dtype {
        Dtype::U16 => "<u2",
        Dtype::U32 => "<u4",
    };
    // A fixed-width shape field so the header can be rewritten in place.
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({n:>20},), }}");
    let mut h = b"\x93NUMPY\x01\x00".to_vec();
    let total = (10 + dict.len() + 1).div_ceil(64) * 64;
    let len = (total - 10) as u16;
    h.extend_from_slice(&len.to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h.resize(total - 1, b' ');
    h.push(b'\n');
    h
}

/// Encode `paths` into `out`. `eot` is appended after each document when set.
pub fn encode_files(
    tok: &Tokenizer,
    paths: &[PathBuf],
    out: &Path,
    dtype: Dtype,
    eot: Option<u32>,
    progress: bool,
) -> Result<Written> {
    let npy = out.extension().is_some_and(|e| e == "npy");
    dtype.check_fits(tok.vocab())?;
    let sizes: Vec<u64> = paths
        .iter()
        .map(|p| Ok(std::fs::metadata(p).map_err(|e| Error::io(p, e))?.len()))
        .collect::<Result<_>>()?;
    // Written under a temporary name and renamed when complete, so a failure
    // or an interruption never leaves a half token file under `out`.
    let tmp = out.with_extension("partial");
    let sink = TokenSink::create(&tmp, dtype, eot, npy, paths.len())?;
    let bar = Progress::bytes(progress, Some(sizes.iter().sum()), "encoding");
    match write_token_file(tok, paths, &sizes, sink, &bar) {
        Ok(written) => {
            bar.finish();
            std::fs::rename(&tmp, out).map_err(|e| Error::io(out, e))?;
            Ok(written)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// The token file being written: ids in order, document by document.
struct TokenSink<'p> {
    w: std::io::BufWriter<std::fs::File>,
    path: &'p Path,
    dtype: Dtype,
    eot: Option<u32>,
    npy: bool,
    written: Written,
    buf: Vec<u8>,
}

impl<'p> TokenSink<'p> {
    fn create(
        path: &'p Path,
        dtype: Dtype,
        eot: Option<u32>,
        npy: bool,
        docs: usize,
    ) -> Result<Self> {
        let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
        let mut sink = TokenSink {
            w: std::io::BufWriter::with_capacity(1 << 20, file),
            path,
            dtype,
            eot,
            npy,
            written: Written {
                tokens: 0,
                doc_offsets: Vec::with_capacity(docs + 1),
            },
            buf: Vec::new(),
        };
        if npy {
            sink.w
                .write_all(&npy_header(dtype, 0))
                .map_err(|e| Error::io(path, e))?;
        }
        Ok(sink)
    }

    fn start_document(&mut self) {
        self.written.doc_offsets.push(self.written.tokens);
    }

    fn write(&mut self, ids: &[u32]) -> Result<()> {
        self.buf.clear();
        for &id in ids {
            match self.dtype {
                Dtype::U16 => self.buf.extend_from_slice(&(id as u16).to_le_bytes()),
                Dtype::U32 => self.buf.extend_from_slice(&id.to_le_bytes()),
            }
        }
        self.written.tokens += ids.len() as u64;
        self.w
            .write_all(&self.buf)
            .map_err(|e| Error::io(self.path, e))
    }

    fn end_document(&mut self) -> Result<()> {
        match self.eot {
            Some(e) => self.write(&[e]),
            None => Ok(()),
        }
    }

    fn finish(mut self) -> Result<Written> {
        self.written.doc_offsets.push(self.written.tokens);
        let io = |e| Error::io(self.path, e);
        let mut file = self.w.into_inner().map_err(|e| io(e.into_error()))?;
        if self.npy {
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            file.write_all(&npy_header(self.dtype, self.written.tokens))
                .map_err(io)?;
        }
        file.sync_all().map_err(io)?;
        Ok(self.written)
    }
}

/// Files up to [`BLOCK`] are read whole and encoded side by side, up to this
/// many bytes of them at a time: a directory of small documents would
/// otherwise be encoded one file, and so one thread, at a time.
const SMALL_FILES: usize = 16 << 20;

fn decode_utf8<'a>(p: &Path, bytes: &'a [u8], consumed: u64) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| Error::InvalidUtf8 {
        source_name: p.display().to_string(),
        offset: consumed + e.valid_up_to() as u64,
    })
}

/// Small files read whole, waiting to be encoded side by side.
#[derive(Default)]
struct SmallFiles<'a> {
    files: Vec<(&'a Path, Vec<u8>)>,
    bytes: usize,
}

impl<'a> SmallFiles<'a> {
    /// Add a file; true when [`SMALL_FILES`] bytes are waiting.
    fn push(&mut self, p: &'a Path, bytes: Vec<u8>) -> bool {
        self.bytes += bytes.len();
        self.files.push((p, bytes));
        self.bytes >= SMALL_FILES
    }

    /// Encode the waiting files in parallel and write them in order.
    fn flush(&mut self, tok: &Tokenizer, sink: &mut TokenSink, bar: &Progress) -> Result<()> {
        let ids: Vec<Vec<u32>> = self
            .files
            .par_iter()
            .map(|(p, bytes)| tok.encode_ordinary(decode_utf8(p, bytes, 0)?))
            .collect::<Result<_>>()?;
        for ((_, bytes), seq) in self.files.iter().zip(&ids) {
            sink.start_document();
            sink.write(seq)?;
            sink.end_document()?;
            bar.inc(bytes.len() as u64);
        }
        *self = SmallFiles::default();
        Ok(())
    }
}

fn write_token_file(
    tok: &Tokenizer,
    paths: &[PathBuf],
    sizes: &[u64],
    mut sink: TokenSink,
    bar: &Progress,
) -> Result<Written> {
    let cut = !matches!(tok.pattern(), PatternSpec::Custom(_));
    let mut small = SmallFiles::default();
    for (p, &size) in paths.iter().zip(sizes) {
        if size <= BLOCK as u64 {
            let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
            if small.push(p, bytes) {
                small.flush(tok, &mut sink, bar)?;
            }
            continue;
        }
        small.flush(tok, &mut sink, bar)?;
        sink.start_document();
        encode_large_file(tok, p, cut, &mut sink, bar)?;
        sink.end_document()?;
    }
    small.flush(tok, &mut sink, bar)?;
    sink.finish()
}

/// One file, read [`READ`] bytes at a time and encoded in blocks cut where
/// every built-in pattern ends a pre-token.
fn encode_large_file(
    tok: &Tokenizer,
    p: &Path,
    cut: bool,
    sink: &mut TokenSink,
    bar: &Progress,
) -> Result<()> {
    let mut file = std::fs::File::open(p).map_err(|e| Error::io(p, e))?;
    let mut pending: Vec<u8> = Vec::new();
    let mut consumed = 0u64; // bytes of this file already encoded
    let mut eof = false;
    while !eof || !pending.is_empty() {
        if !eof {
            // Read more than is pending, so a file with no safe cut for a
            // while is read in growing steps. `read_to_end` grows the buffer
            // as the bytes come, so a read is never a zeroed allocation of
            // READ bytes first.
            let want = READ.max(pending.len()) as u64;
            let got = Read::by_ref(&mut file)
                .take(want)
                .read_to_end(&mut pending)
                .map_err(|e| Error::io(p, e))?;
            eof = (got as u64) < want;
        }
        // Encode up to the last safe cut (or everything at the end of the file).
        let end = if eof {
            pending.len()
        } else if !cut {
            continue; // a custom pattern: the whole file at once
        } else {
            match last_cut(&pending) {
                Some(e) => e,
                None => continue, // no safe cut yet: read more
            }
        };
        let text = decode_utf8(p, &pending[..end], consumed)?;
        let ids: Vec<Vec<u32>> = blocks(text, cut)
            .par_iter()
            .map(|b| tok.encode_ordinary(b))
            .collect::<Result<_>>()?;
        for seq in &ids {
            sink.write(seq)?;
        }
        bar.inc(end as u64);
        consumed += end as u64;
        pending.drain(..end);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cut_only_before_non_space() {
        let text = format!("{}\n  x\ny", "a".repeat(BLOCK));
        let parts = blocks(&text, true);
        assert_eq!(parts.concat(), text);
        assert_eq!(parts.last(), Some(&"y"));
        assert_eq!(npy_header(Dtype::U32, 7).len() % 64, 0);
    }
}
