//! Checkpoints of a training run (`.bpckpt`): what the run trains on, how,
//! and the merges made so far, so that `bytepair.train(resume=path)` finishes
//! it with nothing else given (see [`crate::train::journal`] for how).
//!
//! Layout, all integers little-endian:
//!
//! ```text
//! b"BPCKPT\r\n"                magic
//! u32 version                  1
//! u32 header length, header    JSON: {"kind", "settings", "source", "every"}
//! u32 inputs, then each        u64 length, a .bpcounts file (what the run trains on)
//! u64 checksum                 FNV-1a 64 of every byte before it
//! blocks, appended as the run goes:
//!   u32 stage, u32 first merge, u32 merges, u8 ended,
//!   merges x (u32 left, u32 right, u32 result), u64 FNV-1a 64 of the block
//! ```
//!
//! The head is written under a temporary name, synced, and renamed when
//! complete. A block is appended in one write; a block cut short or lost in
//! a crash fails its checksum and ends the log, and the next append replaces it. So
//! the file always holds the head and zero or more whole blocks. The reader
//! trusts nothing, as the counts reader does.
//!
//! Performance notes: a checkpoint every 1,000 merges appends 12 KB; the
//! counts are written once, at the start. Syncing each block cost 11.6% of a
//! 0.37 s run (ELTeC at 65,536, 65 blocks); without, see the README. Storing the merge loop's
//! state instead (words, pair table, heap and its word lists) would rewrite
//! tens of megabytes at each checkpoint.

use super::counts::{fnv1a, read_counts, to_bytes};
use crate::error::{Error, Result};
use crate::train::count::Counts;
use crate::train::journal::Journal;
use crate::train::merge::Merge;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"BPCKPT\r\n";
pub const VERSION: u32 = 1;
/// Stage, first, merges, ended.
const BLOCK_HEAD: usize = 13;

/// What a checkpoint says about its run besides the counts and merges.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Header {
    /// Which trainer: "train", "superbpe" or "bytes".
    pub kind: String,
    /// The trainer's settings as the Python layer wrote them (a JSON object).
    pub settings: serde_json::Value,
    /// What was counted: files with their sizes and times, or counts.
    pub source: serde_json::Value,
    /// Merges between checkpoints.
    pub every: usize,
}

impl Header {
    /// The header the Python layer gives, as JSON.
    pub fn from_json(text: &str) -> Result<Header> {
        serde_json::from_str(text).map_err(|e| Error::config(format!("checkpoint header: {e}")))
    }
}

/// A checkpoint read back.
#[derive(Debug)]
pub struct Checkpoint {
    pub header: Header,
    pub inputs: Vec<Counts>,
    /// The merges logged for each stage, in order.
    pub log: Vec<Vec<Merge>>,
    /// Whether each stage's loop had stopped.
    pub ended: Vec<bool>,
    /// The head and the whole blocks; anything after is a torn block.
    pub valid_len: u64,
}

fn u32_at(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

fn u64_at(data: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&data[at..at + 8]);
    u64::from_le_bytes(b)
}

/// The head of a checkpoint file.
pub fn write_head(header: &Header, inputs: &[&Counts]) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(header)
        .map_err(|e| Error::config(format!("checkpoint settings: {e}")))?;
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&(inputs.len() as u32).to_le_bytes());
    for c in inputs {
        let blob = to_bytes(c);
        out.extend_from_slice(&(blob.len() as u64).to_le_bytes());
        out.extend_from_slice(&blob);
    }
    let sum = fnv1a(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    Ok(out)
}

/// One block of the log.
fn write_block(stage: usize, first: usize, merges: &[Merge], ended: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(BLOCK_HEAD + 12 * merges.len() + 8);
    for v in [stage, first, merges.len()] {
        out.extend_from_slice(&(v as u32).to_le_bytes());
    }
    out.push(u8::from(ended));
    for m in merges {
        for v in [m.left, m.right, m.result] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    let sum = fnv1a(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// Read a checkpoint file's bytes; `source` names it in errors.
pub fn read(data: &[u8], source: &str) -> Result<Checkpoint> {
    let bad = |at: usize, what: String| Error::bad_format(format!("{source}: byte {at}"), what);
    let need = |at: usize, n: usize| -> Result<()> {
        if data.len() < at || data.len() - at < n {
            return Err(bad(
                at,
                format!("the file ends early (needs {n} more bytes): not a whole checkpoint"),
            ));
        }
        Ok(())
    };
    need(0, 16)?;
    if &data[..8] != MAGIC {
        return Err(bad(0, "not a bytepair checkpoint (.bpckpt)".into()));
    }
    let version = u32_at(data, 8);
    if version != VERSION {
        return Err(bad(
            8,
            format!("checkpoint version {version}; this bytepair reads {VERSION}"),
        ));
    }
    let header_len = u32_at(data, 12) as usize;
    need(16, header_len)?;
    let mut at = 16 + header_len;
    need(at, 4)?;
    let inputs = u32_at(data, at) as usize;
    at += 4;
    let mut blobs = Vec::new();
    for _ in 0..inputs {
        need(at, 8)?;
        let len = u64_at(data, at);
        at += 8;
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        need(at, len)?;
        blobs.push(&data[at..at + len]);
        at += len;
    }
    need(at, 8)?;
    if fnv1a(&data[..at]) != u64_at(data, at) {
        return Err(bad(
            at,
            "checksum mismatch: the checkpoint is corrupt (its counts or settings changed)".into(),
        ));
    }
    let header: Header = serde_json::from_slice(&data[16..16 + header_len])
        .map_err(|e| bad(16, format!("header: {e}")))?;
    let inputs = blobs
        .iter()
        .enumerate()
        .map(|(i, b)| read_counts(b, &format!("{source}: counts {i}")))
        .collect::<Result<Vec<_>>>()?;
    at += 8;
    let mut log: Vec<Vec<Merge>> = Vec::new();
    let mut ended: Vec<bool> = Vec::new();
    let valid_len = loop {
        // A block cut short or failing its checksum is a torn tail: the log ends.
        if data.len() - at < BLOCK_HEAD + 8 {
            break at;
        }
        let n = u32_at(data, at + 8) as usize;
        let size = BLOCK_HEAD + n.saturating_mul(12) + 8;
        if data.len() - at < size || fnv1a(&data[at..at + size - 8]) != u64_at(data, at + size - 8)
        {
            break at;
        }
        let (stage, first) = (u32_at(data, at) as usize, u32_at(data, at + 4) as usize);
        if stage > log.len() || (stage < log.len() && stage + 1 != log.len()) {
            return Err(bad(at, format!("a block of stage {stage} out of order")));
        }
        if stage == log.len() {
            log.push(Vec::new());
            ended.push(false);
        }
        if first != log[stage].len() || ended[stage] {
            return Err(bad(
                at,
                format!(
                    "a block of stage {stage} starts at merge {first}, the log has {}{}",
                    log[stage].len(),
                    if ended[stage] { " and had ended" } else { "" }
                ),
            ));
        }
        let body = &data[at + BLOCK_HEAD..at + size - 8];
        log[stage].extend(body.chunks_exact(12).map(|c| Merge {
            left: u32_at(c, 0),
            right: u32_at(c, 4),
            result: u32_at(c, 8),
        }));
        ended[stage] = data[at + 12] != 0;
        at += size;
    };
    Ok(Checkpoint {
        header,
        inputs,
        log,
        ended,
        valid_len: valid_len as u64,
    })
}

/// Read the checkpoint at `path`.
pub fn open(path: &Path) -> Result<Checkpoint> {
    let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    read(&data, &path.display().to_string())
}

/// The journal that writes a checkpoint: the log grows by a block every
/// `every` merges and when a stage's loop stops. On a resumed run it first
/// checks that the loop makes the logged merges again.
pub struct Writer {
    path: PathBuf,
    file: File,
    every: usize,
    log: Vec<Vec<Merge>>,
    ended: Vec<bool>,
    stage: usize,
    /// Merges of the stage before the loop's first (replayed).
    skip: usize,
    /// Merges of the stage in the file.
    on_disk: usize,
}

impl Writer {
    /// Start a checkpoint at `path`, which must not exist (a run's checkpoint
    /// is resumed, never overwritten by another run).
    pub fn create(path: &Path, header: &Header, inputs: &[&Counts]) -> Result<Writer> {
        if header.every == 0 {
            return Err(Error::config("checkpoint_every must be at least 1 merge"));
        }
        if path.exists() {
            return Err(Error::io(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "a checkpoint is already there: resume it (resume=, or bytepair train \
                     --resume) or remove it",
                ),
            ));
        }
        let head = write_head(header, inputs)?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let written = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(&head)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::io(path, e));
        }
        Self::append_to(
            path,
            header.every,
            Vec::new(),
            Vec::new(),
            head.len() as u64,
        )
    }

    /// Continue the checkpoint `checkpoint`, read from `path`: a torn block
    /// at its end is cut off.
    pub fn resume(path: &Path, checkpoint: &Checkpoint) -> Result<Writer> {
        Self::append_to(
            path,
            checkpoint.header.every,
            checkpoint.log.clone(),
            checkpoint.ended.clone(),
            checkpoint.valid_len,
        )
    }

    fn append_to(
        path: &Path,
        every: usize,
        log: Vec<Vec<Merge>>,
        ended: Vec<bool>,
        len: u64,
    ) -> Result<Writer> {
        let io = |e| Error::io(path, e);
        let file = OpenOptions::new().write(true).open(path).map_err(io)?;
        file.set_len(len).map_err(io)?;
        let mut w = Writer {
            path: path.to_path_buf(),
            file,
            every: every.max(1),
            log,
            ended,
            stage: 0,
            skip: 0,
            on_disk: 0,
        };
        w.file
            .sync_all()
            .and_then(|()| std::io::Seek::seek(&mut w.file, std::io::SeekFrom::End(0)))
            .map_err(io)?;
        Ok(w)
    }

    fn append(&mut self, merges: &[Merge], ended: bool) -> Result<()> {
        let block = write_block(self.stage, self.on_disk, merges, ended);
        // Not synced: a killed process loses nothing the kernel has, and
        // after a system crash a lost or torn block fails its checksum and
        // the log ends before it (a sync per block was most of the cost).
        self.file
            .write_all(&block)
            .map_err(|e| Error::io(&self.path, e))?;
        self.on_disk += merges.len();
        Ok(())
    }

    fn logged_len(&self) -> usize {
        self.log.get(self.stage).map_or(0, Vec::len)
    }

    /// Check the loop's newest merge against the log, while the log lasts.
    fn check(&self, merges: &[Merge]) -> Result<()> {
        let n = self.skip + merges.len();
        let (Some(made), Some(stage)) = (merges.last(), self.log.get(self.stage)) else {
            return Ok(());
        };
        match stage.get(n - 1) {
            Some(logged) if logged != made => Err(Error::CheckpointMismatch(format!(
                "{}: merge {} of stage {} was {:?} when the checkpoint was written and is \
                 {:?} now; it was made by another version of bytepair",
                self.path.display(),
                n - 1,
                self.stage,
                (logged.left, logged.right),
                (made.left, made.right)
            ))),
            _ => Ok(()),
        }
    }
}

impl Journal for Writer {
    fn logged(&self, stage: usize) -> &[Merge] {
        self.log.get(stage).map_or(&[], Vec::as_slice)
    }

    fn begin(&mut self, stage: usize, skip: usize) {
        self.stage = stage;
        self.skip = skip;
        self.on_disk = self.logged_len();
    }

    fn merged(&mut self, merges: &[Merge]) -> Result<()> {
        self.check(merges)?;
        let n = self.skip + merges.len();
        if n > self.logged_len() && self.ended.get(self.stage) == Some(&true) {
            return Err(Error::CheckpointMismatch(format!(
                "{}: stage {} had stopped after {} merges when the checkpoint was written,                  and goes on now; it was made by another version of bytepair",
                self.path.display(),
                self.stage,
                self.logged_len()
            )));
        }
        if n >= self.on_disk + self.every {
            let from = self.on_disk - self.skip;
            self.append(&merges[from..], false)?;
        }
        Ok(())
    }

    fn end(&mut self, merges: &[Merge]) -> Result<()> {
        let n = self.skip + merges.len();
        if n < self.logged_len() {
            return Err(Error::CheckpointMismatch(format!(
                "{}: stage {} stopped after {n} merges, and the checkpoint had logged {}; it \
                 was made by another version of bytepair",
                self.path.display(),
                self.stage,
                self.logged_len()
            )));
        }
        if self.ended.get(self.stage) == Some(&true) {
            return Ok(());
        }
        let from = self.on_disk - self.skip;
        self.append(&merges[from..], true)
    }
}
