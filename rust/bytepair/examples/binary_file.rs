//! Train a binary (raw byte) tokenizer on files and print the time of each
//! stage (for profiling):
//! `cargo run --release --example binary_file -- VOCAB_SIZE FILE...`

use bytepair::progress::Progress;
use bytepair::train::binary::{train_bytes, ByteCounter, ByteTrainConfig};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let vocab_size: usize = args.get(1).ok_or("usage: VOCAB_SIZE FILE...")?.parse()?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build()?;
    let t = Instant::now();
    let counts = pool.install(|| -> bytepair::Result<_> {
        let mut c = ByteCounter::new(8192, false);
        let quiet = Progress::bytes(false, None, "");
        for p in &args[2..] {
            c.add_file(std::path::Path::new(p), &quiet, &mut || Ok(()))?;
        }
        eprintln!(
            "count: {:.3}s, {} bytes",
            t.elapsed().as_secs_f64(),
            c.bytes
        );
        Ok(c.finish())
    })?;
    let t = Instant::now();
    let cfg = ByteTrainConfig {
        vocab_size,
        window: 8192,
        split_on_nul: false,
        max_token_length: Some(16),
        allowed_lengths: None,
        min_frequency: 0,
        special_tokens: vec![],
        progress: false,
    };
    let trained =
        pool.install(|| train_bytes(counts, &cfg, &mut bytepair::train::journal::NoJournal))?;
    eprintln!(
        "merge: {:.3}s, {} merges",
        t.elapsed().as_secs_f64(),
        trained.vocab.merges().len()
    );
    Ok(())
}
