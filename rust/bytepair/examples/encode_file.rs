//! Time the encoder's stages on a file with a tiktoken rank file:
//! `cargo run --release --example encode_file -- RANKS.tiktoken PATTERN FILE...`
//! (PATTERN: gpt2 | gpt4 | o200k | ...). Prints MB/s for pre-tokenization
//! alone and for the whole encode, on 8 KB documents, in 4 passes (or
//! `PASSES`).

use bytepair::pretok::{PatternSpec, Pretokenizer};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        return Err("usage: encode_file RANKS PATTERN FILE...".into());
    }
    let ranks = std::fs::read(&args[1])?;
    let spec = PatternSpec::parse(&args[2]);
    let t = Instant::now();
    let entries = bytepair::io::tiktoken::read_ranks(&ranks, &args[1])?;
    let parsed = t.elapsed().as_secs_f64();
    let vocab = bytepair::Vocab::from_ranks(entries, vec![])?;
    let built = t.elapsed().as_secs_f64();
    let tok = bytepair::Tokenizer::new(vocab, spec.clone())?;
    println!(
        "load: parse {:.0} ms, vocab {:.0} ms, encoder {:.0} ms",
        parsed * 1e3,
        (built - parsed) * 1e3,
        (t.elapsed().as_secs_f64() - built) * 1e3
    );
    let pre = Pretokenizer::new(spec)?;
    let mut docs = Vec::new();
    for path in &args[3..] {
        let text = String::from_utf8_lossy(&std::fs::read(path)?).into_owned();
        let mut i = 0;
        while i < text.len() {
            let mut j = (i + 8192).min(text.len());
            while !text.is_char_boundary(j) {
                j += 1;
            }
            docs.push(text[i..j].to_string());
            i = j;
        }
    }
    let total: usize = docs.iter().map(String::len).sum();
    let mb = total as f64 / 1e6;
    let passes = std::env::var("PASSES")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(4);
    for _ in 0..passes {
        let t = Instant::now();
        let mut pieces = 0usize;
        for d in &docs {
            pre.split(d, |_| pieces += 1)?;
        }
        let split = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut ids = 0usize;
        for d in &docs {
            ids += tok.encode_ordinary(d)?.len();
        }
        let all = t.elapsed().as_secs_f64();
        println!(
            "{mb:.1} MB, {pieces} pieces, {ids} ids: split {:.0} MB/s, encode {:.1} MB/s",
            mb / split,
            mb / all
        );
    }
    Ok(())
}
