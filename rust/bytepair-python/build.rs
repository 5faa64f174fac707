//! Bundle OpenAI's rank files into the extension so `get_encoding` works offline.
//!
//! The files are not in the repository: they are read at build time from
//! `$BYTEPAIR_TIKTOKEN_DIR`, else from `../shared/data/vocab/tiktoken` beside
//! the repository, and checked against the sha256 sums tiktoken publishes. A
//! build without them still works; `get_encoding` then downloads them.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

// RANK_FILES: the names and sha256 sums, shared with the crate.
include!("src/rank_files.rs");

fn source_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("BYTEPAIR_TIKTOKEN_DIR") {
        return Some(PathBuf::from(dir));
    }
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").ok()?);
    // rust/bytepair-python -> the repository -> its parent
    let beside = manifest.parent()?.parent()?.parent()?;
    let dir = beside.join("shared/data/vocab/tiktoken");
    dir.is_dir().then_some(dir)
}

fn main() {
    println!("cargo:rerun-if-env-changed=BYTEPAIR_TIKTOKEN_DIR");
    println!("cargo:rerun-if-changed=src/rank_files.rs");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dir = source_dir();
    let mut found = Vec::new();
    for (name, sha) in RANK_FILES {
        let target = out.join(format!("{name}.tiktoken"));
        let data = dir
            .as_deref()
            .map(|d| d.join(format!("{name}.tiktoken")))
            .and_then(|p| {
                println!("cargo:rerun-if-changed={}", p.display());
                std::fs::read(&p).ok()
            });
        let data = match data {
            Some(d) if hex(&Sha256::digest(&d)) == sha => {
                found.push(name);
                d
            }
            Some(_) => {
                println!(
                    "cargo:warning={name}.tiktoken does not match tiktoken's sha256; not bundled"
                );
                Vec::new()
            }
            None => Vec::new(),
        };
        write_if_changed(&target, &data);
    }
    if found.len() < RANK_FILES.len() {
        println!(
            "cargo:warning=bundled tiktoken encodings: {found:?} (set BYTEPAIR_TIKTOKEN_DIR to a directory with the .tiktoken files to bundle all)"
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_if_changed(path: &Path, data: &[u8]) {
    if std::fs::read(path).ok().as_deref() != Some(data) {
        std::fs::write(path, data).expect("write into OUT_DIR");
    }
}
