//! Replays every input in `fuzz/regressions/<target>/` (inputs that once
//! crashed a target, kept after the fix) and the seed corpora in
//! `fuzz/seeds/<target>/`, so a fixed bug stays fixed on stable Rust.

use std::path::Path;

#[test]
fn found_inputs_still_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut replayed = 0;
    for (name, check) in bytepair_fuzz::TARGETS {
        for kind in ["regressions", "seeds"] {
            let dir = root.join(kind).join(name);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry.expect("directory entry").path();
                let data = std::fs::read(&path).expect("readable input");
                eprintln!("{name}: {}", path.display());
                check(&data);
                replayed += 1;
            }
        }
    }
    assert!(replayed > 0, "no inputs under {}", root.display());
}

#[test]
fn every_target_accepts_empty_and_tiny_inputs() {
    for (_, check) in bytepair_fuzz::TARGETS {
        for data in [&b""[..], b"\0", b"\xff\xfe", b"a b\0c", b"{}\0{}"] {
            check(data);
        }
    }
}

/// The loader seeds are valid files; if one stopped loading, its target
/// would only exercise error paths.
#[test]
fn loader_seeds_load() {
    use bytepair::io;
    use bytepair::pretok::{PatternName, PatternSpec};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
    let files = |t: &str| {
        std::fs::read_dir(root.join(t))
            .expect("seed directory")
            .map(|e| std::fs::read(e.expect("entry").path()).expect("seed"))
            .collect::<Vec<_>>()
    };
    for data in files("load_hf_json") {
        io::load_hf_json(std::str::from_utf8(&data).expect("utf-8"), "seed").expect("hf seed");
    }
    for data in files("load_native") {
        io::load_native_json(std::str::from_utf8(&data).expect("utf-8"), "seed")
            .expect("native seed");
    }
    for data in files("load_counts") {
        io::counts::read_counts(&data, "seed").expect("counts seed");
    }
    for data in files("load_tiktoken") {
        io::load_tiktoken(
            &data,
            PatternSpec::Named(PatternName::Cl100k),
            vec![],
            "seed",
        )
        .expect("tiktoken seed");
    }
}
