//! Time one call on one long document after a short warm-up on other text:
//! `cargo run --release --example encode_long -- RANKS.tiktoken PATTERN FILE`
//! (the first 3 MB of FILE is the document, the next 300 KB the warm-up).

use bytepair::pretok::PatternSpec;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        return Err("usage: encode_long RANKS PATTERN FILE".into());
    }
    let ranks = std::fs::read(&args[1])?;
    let entries = bytepair::io::tiktoken::read_ranks(&ranks, &args[1])?;
    let vocab = bytepair::Vocab::from_ranks(entries, vec![])?;
    let tok = bytepair::Tokenizer::new(vocab, PatternSpec::parse(&args[2]))?;
    let data = std::fs::read(&args[3])?;
    let doc = String::from_utf8_lossy(&data[..3_000_000.min(data.len())]).into_owned();
    let warm = String::from_utf8_lossy(&data[3_000_000.min(data.len())..3_300_000.min(data.len())])
        .into_owned();
    tok.encode_ordinary(&warm)?;
    let t = Instant::now();
    let ids = tok.encode_ordinary(&doc)?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{} ids: {:.1} MB/s",
        ids.len(),
        doc.len() as f64 / 1e6 / secs
    );
    // With PROFILE set, more documents from further on, for a profiler to see.
    if std::env::var_os("PROFILE").is_some() {
        for chunk in data[3_300_000..].chunks(3_000_000).take(12) {
            let doc = String::from_utf8_lossy(chunk);
            let t = Instant::now();
            let n = tok.encode_ordinary(&doc)?.len();
            println!(
                "{n} ids: {:.1} MB/s",
                doc.len() as f64 / 1e6 / t.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
