//! Pre-token count files (`.bpcounts`): the input of the merge loop, saved so
//! one count of a corpus can train many vocabularies or be combined with
//! counts of other shards.
//!
//! Layout, all integers little-endian:
//!
//! ```text
//! b"BPCOUNTS"                  magic
//! u32 version                  1
//! u32 header length, header    JSON: {"pattern", "normalization", "total_bytes", "entries"},
//!                              and "line_boundaries": true for SuperBPE stage-2 pieces
//! entries, sorted by bytes     LEB128 length, the pre-token's bytes, LEB128 count
//! u64 checksum                 FNV-1a 64 of every byte before it
//! ```
//!
//! Sorted entries make the file canonical (the same counts always give the
//! same bytes) and let the reader reject duplicates. The reader trusts
//! nothing: every length is checked against what is left of the file before
//! anything is allocated, so a corrupt file costs at most its own size.

use crate::error::{Error, Result};
use crate::train::count::counts::check_parts;
use crate::train::count::{merge_sorted, Counts, CountsMeta, Pruned, WordCounts};
use serde::{Deserialize, Serialize};

const MAGIC: &[u8; 8] = b"BPCOUNTS";
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Header {
    #[serde(flatten)]
    meta: CountsMeta,
    entries: u64,
}

pub(crate) fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The counts file for `entries` (sorted by bytes, no duplicates; owned or
/// borrowed pre-tokens).
pub fn write_counts<K: AsRef<[u8]>>(entries: &[(K, u64)], meta: &CountsMeta) -> Vec<u8> {
    let header = serde_json::to_vec(&Header {
        meta: meta.clone(),
        entries: entries.len() as u64,
    })
    .unwrap_or_default();
    let body: usize = entries.iter().map(|(w, _)| w.as_ref().len() + 8).sum();
    let mut out = Vec::with_capacity(24 + header.len() + body);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    for (w, c) in entries {
        let w = w.as_ref();
        put_varint(&mut out, w.len() as u64);
        out.extend_from_slice(w);
        put_varint(&mut out, *c);
    }
    let sum = fnv1a(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// Sorted entries borrowed from a counts file.
pub type Entries<'a> = Vec<(&'a [u8], u64)>;

/// A cursor that turns every overrun into a format error.
struct Reader<'a, 's> {
    data: &'a [u8],
    at: usize,
    source: &'s str,
}

impl<'a> Reader<'a, '_> {
    fn fail(&self, what: impl Into<String>) -> Error {
        Error::bad_format(format!("{}: byte {}", self.source, self.at), what)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.data.len() - self.at {
            return Err(self.fail(format!(
                "needs {n} more bytes, the file has {}",
                self.data.len() - self.at
            )));
        }
        let s = &self.data[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn varint(&mut self) -> Result<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.take(1)?[0];
            let bits = (b & 0x7f) as u64;
            if shift == 63 && bits > 1 {
                return Err(self.fail("a number does not fit in 64 bits"));
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.fail("a number does not fit in 64 bits"))
    }
}

/// The counts file of `counts`.
pub fn to_bytes(counts: &Counts) -> Vec<u8> {
    let parts = counts.words.sorted_parts(1);
    write_counts(&parts[0], &counts.meta)
}

/// `counts` split into `parts` by pre-token hash (see
/// [`Counts::partition`]), each written as a counts file, without a copy of
/// any pre-token: a distributed map task's output.
pub fn write_parts(counts: &Counts, parts: usize) -> Result<Vec<Vec<u8>>> {
    use rayon::prelude::*;
    check_parts(parts)?;
    Ok(counts
        .words
        .sorted_parts(parts)
        .par_iter()
        .enumerate()
        .map(|(i, part)| write_counts(part, &counts.meta.for_part(i)))
        .collect())
}

/// Read a counts file written by [`write_counts`].
pub fn read_counts(data: &[u8], source: &str) -> Result<Counts> {
    let (entries, meta) = parse_counts(data, source)?;
    Ok(owned(entries, meta))
}

/// Counts owning borrowed entries (checked sorted and distinct: kept as a
/// sorted list, not hashed).
fn owned(entries: Entries<'_>, meta: CountsMeta) -> Counts {
    let words = entries
        .into_iter()
        .map(|(w, c)| (Box::from(w), c))
        .collect();
    Counts {
        words: WordCounts::from_sorted(words),
        meta,
        pruned: Pruned::default(),
    }
}

/// The sum of counts files made the same way (see [`sum_counts_files`]),
/// with the pre-tokens counted fewer than `min_count` times left out (see
/// [`Counts::drop_below`]).
pub fn sum_files(files: &[&[u8]], min_count: u64, elsewhere: (u64, u64)) -> Result<Counts> {
    let (entries, meta) = sum_counts_files(files, "<bytes>")?;
    let mut sum = owned(entries, meta);
    sum.drop_below(min_count, elsewhere);
    Ok(sum)
}

/// The sum of counts files written straight back as one, merging entries
/// borrowed from the inputs so no pre-token is copied (a distributed
/// reducer's whole job); pre-tokens counted fewer than `min_count` times are
/// left out. Returns the file and the (distinct, occurrences) left out.
pub fn sum_files_to_bytes(files: &[&[u8]], min_count: u64) -> Result<(Vec<u8>, (u64, u64))> {
    let (mut entries, meta) = sum_counts_files(files, "<bytes>")?;
    let cut = crate::train::count::drop_below(&mut entries, min_count);
    Ok((write_counts(&entries, &meta), cut))
}

/// The sum of several counts files made the same way, as sorted entries
/// borrowed from them: a k-way merge that copies no pre-token (the
/// distributed reduce writes it straight back out with [`write_counts`]).
pub fn sum_counts_files<'a>(files: &[&'a [u8]], source: &str) -> Result<(Entries<'a>, CountsMeta)> {
    use rayon::prelude::*;
    let parsed = files
        .par_iter()
        .map(|data| parse_counts(data, source))
        .collect::<Result<Vec<_>>>()?;
    let metas: Vec<&CountsMeta> = parsed.iter().map(|(_, m)| m).collect();
    let meta = CountsMeta::sum(&metas)?;
    let lists = parsed.into_iter().map(|(e, _)| e).collect();
    Ok((merge_sorted(lists), meta))
}

/// The entries of a counts file, borrowed from it, checked sorted and distinct.
pub fn parse_counts<'a>(data: &'a [u8], source: &str) -> Result<(Entries<'a>, CountsMeta)> {
    if data.len() < 8 || &data[..8] != MAGIC {
        return Err(Error::bad_format(source, "not a bytepair counts file"));
    }
    if data.len() < 24 {
        return Err(Error::bad_format(source, "truncated counts file"));
    }
    let (body, sum) = data.split_at(data.len() - 8);
    let stored = u64::from_le_bytes(sum.try_into().unwrap_or([0; 8]));
    let mut r = Reader {
        data: body,
        at: 8,
        source,
    };
    let version = r.u32()?;
    if version != VERSION {
        return Err(Error::bad_format(
            source,
            format!(
                "counts format version {version}; this bytepair reads version {VERSION} (upgrade bytepair)"
            ),
        ));
    }
    if fnv1a(body) != stored {
        return Err(Error::bad_format(
            source,
            "checksum mismatch: the file is damaged or truncated",
        ));
    }
    let header_len = r.u32()? as usize;
    let header: Header = serde_json::from_slice(r.take(header_len)?)
        .map_err(|e| r.fail(format!("bad header: {e}")))?;
    // Each entry takes at least 3 bytes, so a huge claimed count is a lie.
    if header.entries > (body.len() / 3) as u64 {
        return Err(r.fail(format!(
            "header claims {} entries, more than the file can hold",
            header.entries
        )));
    }
    let mut entries = Vec::with_capacity((header.entries as usize).min(1 << 20));
    let mut prev: &[u8] = &[];
    for i in 0..header.entries {
        let len = r.varint()?;
        if len == 0 {
            return Err(r.fail(format!("entry {i} is an empty pre-token")));
        }
        let word = r.take(usize::try_from(len).unwrap_or(usize::MAX))?;
        if i > 0 && word <= prev {
            return Err(r.fail(format!("entry {i} is out of order or repeated")));
        }
        let count = r.varint()?;
        entries.push((word, count));
        prev = word;
    }
    if r.at != body.len() {
        return Err(r.fail("bytes after the last entry"));
    }
    header
        .meta
        .normalization()
        .map_err(|e| Error::bad_format(source, e.to_string()))?;
    Ok((entries, header.meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Owned = Vec<(Box<[u8]>, u64)>;

    fn sample() -> (Owned, CountsMeta) {
        let entries = vec![
            (b" the".to_vec().into_boxed_slice(), 1 << 40),
            (b"a".to_vec().into_boxed_slice(), 3),
            ("東京".as_bytes().to_vec().into_boxed_slice(), u64::MAX),
        ];
        let meta = CountsMeta {
            pattern: Some("gpt4".into()),
            normalization: None,
            total_bytes: 12345,
            line_boundaries: true,
        };
        (entries, meta)
    }

    #[test]
    fn round_trip() {
        let (entries, meta) = sample();
        let data = write_counts(&entries, &meta);
        let counts = read_counts(&data, "t").expect("reads");
        assert_eq!(counts.meta, meta);
        assert_eq!(counts.words.into_sorted(), entries);
    }

    #[test]
    fn every_truncation_and_bit_flip_is_an_error() {
        let (entries, meta) = sample();
        let data = write_counts(&entries, &meta);
        for cut in 0..data.len() {
            assert!(read_counts(&data[..cut], "t").is_err(), "cut at {cut}");
        }
        for i in 0..data.len() {
            for bit in 0..8 {
                let mut d = data.clone();
                d[i] ^= 1 << bit;
                assert!(read_counts(&d, "t").is_err(), "flip {i}:{bit}");
            }
        }
    }

    #[test]
    fn sums_of_files_merge_borrowed_entries_and_check_metadata() {
        let (entries, meta) = sample();
        let other: Owned = vec![
            (b"a".to_vec().into_boxed_slice(), 4),
            (b"b".to_vec().into_boxed_slice(), 1),
        ];
        let (f1, f2) = (write_counts(&entries, &meta), write_counts(&other, &meta));
        let (sum, summed) = sum_counts_files(&[&f1, &f2, &f1], "t").expect("sums");
        assert_eq!(summed.total_bytes, 3 * meta.total_bytes);
        let got: Vec<(&[u8], u64)> = sum;
        let want: Vec<(&[u8], u64)> = vec![
            (b" the", 2 << 40),
            (b"a", 10),
            (b"b", 1),
            ("東京".as_bytes(), u64::MAX), // saturates
        ];
        assert_eq!(got, want);
        let mut apart = meta.clone();
        apart.line_boundaries = false;
        let f3 = write_counts(&other, &apart);
        let err = sum_counts_files(&[&f1, &f3], "t").expect_err("different splits");
        assert!(err.to_string().contains("cannot add counts"), "{err}");
        assert!(sum_counts_files(&[&f1, &f1[..f1.len() - 1]], "t").is_err());
    }

    #[test]
    fn unsorted_entries_are_refused_even_with_a_good_checksum() {
        let (mut entries, meta) = sample();
        entries.swap(0, 1);
        let data = write_counts(&entries, &meta);
        let err = read_counts(&data, "t").expect_err("unsorted");
        assert!(err.to_string().contains("out of order"), "{err}");
    }
}
