//! What the fuzz targets in `fuzz/` check, one function per target.
//!
//! Each `check_*` takes the fuzzer's raw input. Bad input may make bytepair
//! return an error; that is fine. What must never happen is a panic, a hang,
//! or an answer that breaks an invariant (a round trip that loses bytes, a
//! decoded id that is not its token, training that depends on the thread
//! count). Those fail an `assert!`, which the fuzzer reports as a crash.
//!
//! The functions live here rather than in the fuzz crate so that
//! `cargo test` replays every input the fuzzer ever found
//! (`tests/regressions.rs` over `fuzz/regressions/<target>/`) on stable Rust.

use bytepair::io;
use bytepair::pretok::{PatternName, PatternSpec, Pretokenizer};
use bytepair::train::binary::{ByteCounter, ByteTrainConfig};
use bytepair::train::count::WordCounts;
use bytepair::train::journal::NoJournal;
use bytepair::train::superbpe::{SuperConfig, SuperwordRules};
use bytepair::train::{LengthUnit, TrainConfig};
use bytepair::{Normalization, Specials};
use bytepair::{Tokenizer, Vocab};
use std::sync::OnceLock;

/// The sample corpus shipped in the Python package.
pub const SAMPLE: &str = include_str!("../../../python/bytepair/data/sample.txt");

/// A fuzz target's check: panics when an invariant breaks.
pub type Check = fn(&[u8]);

/// The targets, by name, as `fuzz/` and the regression replay know them.
pub const TARGETS: [(&str, Check); 9] = [
    ("load_tiktoken", check_load_tiktoken),
    ("load_gpt2", check_load_gpt2),
    ("load_hf_json", check_load_hf_json),
    ("load_native", check_load_native),
    ("load_counts", check_load_counts),
    ("encode_text", check_encode_text),
    ("encode_bytes", check_encode_bytes),
    ("decode_ids", check_decode_ids),
    ("train_small", check_train_small),
];

/// Whatever loaded must encode and decode without loss, and every id must
/// decode to its own token.
fn check_loaded(tok: &Tokenizer, probe: &[u8]) {
    let vocab = tok.vocab();
    for id in 0..vocab.size() as u32 {
        if let Some(bytes) = vocab.token_bytes(id) {
            if !vocab.byte_fallback() {
                let decoded = tok.decode_bytes(&[id]).expect("a known id decodes");
                assert_eq!(decoded, bytes, "id {id} decodes to another token");
            }
        }
    }
    let text = String::from_utf8_lossy(probe);
    for sample in [SAMPLE.get(..600).unwrap_or(SAMPLE), &text] {
        round_trip(tok, sample);
    }
}

/// `decode(encode(text))` is the (normalized) text, with special tokens
/// allowed or not.
fn round_trip(tok: &Tokenizer, text: &str) {
    let expected = tok.normalization().apply(text);
    let Ok(ids) = tok.encode_ordinary(text) else {
        return; // a pattern from a file may refuse input; that is an error, not a crash
    };
    if tok.vocab().byte_fallback() {
        // SentencePiece-style files decode "▁" back to spaces; only check ids.
        assert!(ids.iter().all(|&id| (id as usize) < tok.vocab().size()));
        return;
    }
    let back = tok.decode_bytes(&ids).expect("ids from encode decode");
    if !keeps_text(tok) {
        return; // HF's lstrip/rstrip drop whitespace, by design
    }
    assert_eq!(
        String::from_utf8_lossy(&back),
        expected,
        "round trip lost text"
    );
    if tok.template().is_empty() {
        let with_specials = tok
            .encode(text, &Specials::All)
            .expect("encode with specials");
        let back = tok.decode_bytes(&with_specials).expect("decode");
        // Specials are found before normalization, so compare the raw bytes
        // only when nothing is normalized.
        if tok.normalization() == Normalization::None {
            assert_eq!(back, text.as_bytes(), "round trip with specials lost text");
        }
    }
}

/// Whether decoding gives the (normalized) text back: no added token strips
/// whitespace, and each is looked for in normalized text or is unchanged by
/// normalizing (else it decodes to its raw content, as in HF).
fn keeps_text(tok: &Tokenizer) -> bool {
    tok.added_tokens().iter().all(|t| {
        !t.lstrip
            && !t.rstrip
            && (t.normalized || tok.normalization().apply(&t.content) == t.content.as_str())
    })
}

pub fn check_load_tiktoken(data: &[u8]) {
    let specials = vec![("<|endoftext|>".to_string(), 1 << 20)];
    let pattern = PatternSpec::Named(PatternName::Cl100k);
    if let Ok(tok) = io::load_tiktoken(data, pattern, specials, "fuzz") {
        check_loaded(&tok, data);
    }
}

/// GPT-2's two files, `encoder.json` and `vocab.bpe`, separated by a NUL,
/// assembled the way `Tokenizer.from_gpt2_files` does.
pub fn check_load_gpt2(data: &[u8]) {
    let mut parts = data.splitn(2, |&b| b == 0);
    let (Some(vocab), Some(merges)) = (parts.next(), parts.next()) else {
        return;
    };
    let Ok(vocab) = serde_json::from_slice::<serde_json::Value>(vocab) else {
        return;
    };
    let merges: Vec<String> = String::from_utf8_lossy(merges)
        .lines()
        .filter(|l| !l.starts_with("#version") && !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let doc = serde_json::json!({
        "added_tokens": [],
        "normalizer": null,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
        "model": {"type": "BPE", "vocab": vocab, "merges": merges},
    });
    if let Ok(tok) = io::load_hf_json(&doc.to_string(), "fuzz") {
        check_loaded(&tok, data);
    }
}

pub fn check_load_hf_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(tok) = io::load_hf_json(text, "fuzz") {
        check_loaded(&tok, data);
    }
}

pub fn check_load_native(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(tok) = io::load_native_json(text, "fuzz") {
        check_loaded(&tok, data);
    }
}

/// A counts file either fails to read or is canonical: writing what was
/// read gives the same bytes back.
pub fn check_load_counts(data: &[u8]) {
    if let Ok(counts) = io::counts::read_counts(data, "fuzz") {
        let again = io::counts::to_bytes(&counts);
        assert_eq!(again, data, "a counts file that reads is not canonical");
    }
}

/// Tokenizers that cover the encoder's paths: both merge rules (merge list
/// and tiktoken ranks), the hand-written splitters, a user regex,
/// normalization, SuperBPE's two-phase encoder, and a binary vocabulary.
pub fn tokenizers() -> &'static [Tokenizer] {
    static TOKS: OnceLock<Vec<Tokenizer>> = OnceLock::new();
    TOKS.get_or_init(|| {
        let specials = vec!["<|endoftext|>".to_string(), "<|fim|>".to_string()];
        let mut toks = Vec::new();
        for (name, norm) in [
            (PatternName::Gpt2, Normalization::None),
            (PatternName::Cl100k, Normalization::None),
            (PatternName::O200k, Normalization::Nfkc),
            (PatternName::Llama3, Normalization::NfkcLowercase),
        ] {
            let spec = PatternSpec::Named(name);
            let vocab = train_text(SAMPLE, spec.clone(), 600, &specials);
            toks.push(
                Tokenizer::new(vocab, spec)
                    .expect("tokenizer")
                    .with_normalization(norm),
            );
        }
        // The same vocabulary as tiktoken ranks (the ranked merge rule).
        let ranks = io::tiktoken::write_ranks(toks[1].vocab());
        let spec = PatternSpec::from_regex(r"\s+|\S+");
        let sp = vec![("<|endoftext|>".to_string(), 5000)];
        toks.push(io::load_tiktoken(ranks.as_bytes(), spec, sp, "ranks").expect("ranks"));
        toks.push(superbpe_tokenizer(SAMPLE, 700, 250));
        toks.push(binary_tokenizer(SAMPLE.as_bytes(), 400));
        toks
    })
}

fn train_text(text: &str, spec: PatternSpec, vocab_size: usize, specials: &[String]) -> Vocab {
    let pre = Pretokenizer::new(spec).expect("pattern");
    let mut counts = WordCounts::default();
    counts.add_text(&pre, text).expect("split");
    let cfg = TrainConfig {
        vocab_size,
        special_tokens: specials.to_vec(),
        min_frequency: 0,
        max_token_length: None,
        length_unit: LengthUnit::Bytes,
        specials_first: false,
        pad_to: None,
        forced_tokens: vec![],
        progress: false,
    };
    bytepair::train::train_from_counts(counts, &cfg, &mut NoJournal)
        .expect("train")
        .vocab
}

fn superbpe_tokenizer(text: &str, vocab_size: usize, transition: usize) -> Tokenizer {
    let (words, pieces) = superbpe_counts(text);
    let cfg = SuperConfig {
        vocab_size,
        transition,
        special_tokens: vec!["<|endoftext|>".into()],
        min_frequency: 0,
        max_token_length: None,
        rules: SuperwordRules {
            max_words_per_token: Some(4),
            forbidden_substrings: vec![b": ".to_vec()],
        },
        progress: false,
    };
    let trained = bytepair::train::superbpe::train_superbpe(words, pieces, &cfg, &mut NoJournal)
        .expect("superbpe");
    Tokenizer::new(
        trained.vocab,
        PatternSpec::Named(PatternName::SuperbpeStage2),
    )
    .expect("tokenizer")
}

fn superbpe_counts(text: &str) -> (WordCounts, WordCounts) {
    let pre1 = Pretokenizer::new(PatternSpec::Named(PatternName::SuperbpeStage1)).expect("p1");
    let pre2 = Pretokenizer::new(PatternSpec::Named(PatternName::SuperbpeStage2))
        .expect("p2")
        .with_line_boundaries();
    let (mut words, mut pieces) = (WordCounts::default(), WordCounts::default());
    words.add_text(&pre1, text).expect("split 1");
    pieces.add_text(&pre2, text).expect("split 2");
    (words, pieces)
}

fn byte_config(vocab_size: usize) -> ByteTrainConfig {
    ByteTrainConfig {
        vocab_size,
        window: 64,
        split_on_nul: true,
        max_token_length: Some(16),
        allowed_lengths: None,
        min_frequency: 0,
        special_tokens: vec![],
        progress: false,
    }
}

fn count_bytes(data: &[u8], cfg: &ByteTrainConfig) -> WordCounts {
    let mut counter = ByteCounter::new(cfg.window, cfg.split_on_nul);
    counter.add(data);
    counter.finish()
}

fn binary_tokenizer(data: &[u8], vocab_size: usize) -> Tokenizer {
    let cfg = byte_config(vocab_size);
    let vocab = bytepair::train::binary::train_bytes(count_bytes(data, &cfg), &cfg, &mut NoJournal)
        .expect("train_bytes")
        .vocab;
    Tokenizer::new(vocab, PatternSpec::Named(PatternName::NulRuns)).expect("tokenizer")
}

/// First byte picks a tokenizer; the rest is text (lossy UTF-8).
pub fn check_encode_text(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let toks = tokenizers();
    let tok = &toks[pick as usize % toks.len()];
    let text = String::from_utf8_lossy(rest);
    round_trip(tok, &text);
    // Text in a batch encodes as it does alone.
    let parts: Vec<&str> = text.split('\n').collect();
    let batch = tok
        .encode_batch(&parts, &Specials::None, false)
        .expect("batch");
    for (p, ids) in parts.iter().zip(batch) {
        assert_eq!(ids, tok.encode(p, &Specials::None).expect("encode"));
    }
}

/// First byte picks a tokenizer; the rest are raw bytes.
pub fn check_encode_bytes(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let toks = tokenizers();
    let tok = &toks[pick as usize % toks.len()];
    let ids = tok.encode_bytes(rest).expect("encode_bytes");
    let back = tok.decode_bytes(&ids).expect("decode");
    if tok.normalization() == Normalization::None {
        assert_eq!(back, rest, "encode_bytes round trip lost bytes");
    }
}

/// First byte picks a tokenizer; the rest are little-endian u32 ids, folded
/// to land near the vocabulary so that most are valid.
pub fn check_decode_ids(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let toks = tokenizers();
    let tok = &toks[pick as usize % toks.len()];
    let span = tok.vocab().size() as u32 + 8;
    let ids: Vec<u32> = rest
        .chunks_exact(4)
        .map(|c| {
            let raw = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            if raw & 0x8000_0000 != 0 {
                raw // now and then a wild id
            } else {
                raw % span
            }
        })
        .collect();
    let expected: Option<Vec<u8>> = ids
        .iter()
        .map(|&id| tok.vocab().token_bytes(id))
        .collect::<Option<Vec<&[u8]>>>()
        .map(|parts| parts.concat());
    match (tok.decode_bytes(&ids), expected) {
        (Ok(got), Some(want)) => assert_eq!(got, want, "decode is not the tokens' bytes"),
        (Err(_), None) => {}
        (got, want) => panic!("decode_bytes gave {got:?}, expected {want:?}"),
    }
}

/// Small training runs. Four header bytes choose the trainer and its
/// settings; the rest is the corpus. Each run must give the same vocabulary
/// on one thread and on three, and the trained tokenizer must round-trip
/// its own corpus.
pub fn check_train_small(data: &[u8]) {
    let [mode, size, limit, min_freq, corpus @ ..] = data else {
        return;
    };
    let vocab_size = 256 + 2 + (*size as usize % 120);
    let max_token_length = (limit % 8 != 0).then_some((limit % 8) as usize);
    let min_frequency = (min_freq % 4) as u64;
    let text = String::from_utf8_lossy(corpus);
    static POOLS: OnceLock<[rayon::ThreadPool; 2]> = OnceLock::new();
    let pools = POOLS.get_or_init(|| {
        [1, 3].map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("pool")
        })
    });
    let run = |pool: &rayon::ThreadPool| -> Option<Tokenizer> {
        pool.install(|| {
            train_small(
                mode % 4,
                &text,
                corpus,
                vocab_size,
                max_token_length,
                min_frequency,
            )
        })
    };
    let one = run(&pools[0]);
    let three = run(&pools[1]);
    match (&one, &three) {
        (Some(a), Some(b)) => {
            assert_eq!(
                a.vocab().tokens(),
                b.vocab().tokens(),
                "thread count changed tokens"
            );
            assert_eq!(
                a.vocab().merges(),
                b.vocab().merges(),
                "thread count changed merges"
            );
        }
        (None, None) => return,
        _ => panic!("training failed on one thread count only"),
    }
    let Some(tok) = one else { return };
    assert!(
        tok.vocab().size() <= vocab_size,
        "vocabulary larger than asked"
    );
    if mode % 4 == 3 {
        let ids = tok.encode_bytes(corpus).expect("encode_bytes");
        assert_eq!(tok.decode_bytes(&ids).expect("decode"), corpus);
        if let Some(limit) = max_token_length {
            let longest = tok.vocab().tokens().iter().map(Vec::len).max().unwrap_or(0);
            assert!(
                longest <= limit.max(1),
                "a token is longer than max_token_length"
            );
        }
    } else {
        round_trip(&tok, &text);
    }
}

fn train_small(
    mode: u8,
    text: &str,
    raw: &[u8],
    vocab_size: usize,
    max_token_length: Option<usize>,
    min_frequency: u64,
) -> Option<Tokenizer> {
    let specials = vec!["<|endoftext|>".to_string()];
    match mode {
        0 | 1 => {
            let spec = PatternSpec::Named(if mode == 0 {
                PatternName::Gpt2
            } else {
                PatternName::O200k
            });
            let pre = Pretokenizer::new(spec.clone()).ok()?;
            let mut counts = WordCounts::default();
            counts.add_text(&pre, text).ok()?;
            let cfg = TrainConfig {
                vocab_size,
                special_tokens: specials,
                min_frequency,
                max_token_length,
                length_unit: if mode == 1 {
                    LengthUnit::Chars
                } else {
                    LengthUnit::Bytes
                },
                specials_first: mode == 1,
                pad_to: None,
                forced_tokens: vec![],
                progress: false,
            };
            let vocab = bytepair::train::train_from_counts(counts, &cfg, &mut NoJournal)
                .ok()?
                .vocab;
            Tokenizer::new(vocab, spec).ok()
        }
        2 => {
            let (words, pieces) = superbpe_counts(text);
            let cfg = SuperConfig {
                vocab_size,
                transition: (vocab_size - 257) / 2,
                special_tokens: specials,
                min_frequency,
                max_token_length,
                rules: SuperwordRules {
                    max_words_per_token: Some(3),
                    forbidden_substrings: vec![b": ".to_vec()],
                },
                progress: false,
            };
            let vocab =
                bytepair::train::superbpe::train_superbpe(words, pieces, &cfg, &mut NoJournal)
                    .ok()?
                    .vocab;
            Tokenizer::new(vocab, PatternSpec::Named(PatternName::SuperbpeStage2)).ok()
        }
        _ => {
            let mut cfg = byte_config(vocab_size);
            cfg.max_token_length = max_token_length;
            cfg.min_frequency = min_frequency;
            let vocab =
                bytepair::train::binary::train_bytes(count_bytes(raw, &cfg), &cfg, &mut NoJournal)
                    .ok()?
                    .vocab;
            Tokenizer::new(vocab, PatternSpec::Named(PatternName::NulRuns)).ok()
        }
    }
}
