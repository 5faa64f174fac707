//! Train on one file and print the time of each stage (for profiling):
//! `cargo run --release --example train_file -- FILE VOCAB_SIZE [THREADS]`
//! (`NO_SPLIT_PASS=1` leaves out the split-only pass).

use bytepair::pretok::{PatternName, PatternSpec, Pretokenizer};
use bytepair::train::{self, TrainConfig};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = std::path::PathBuf::from(args.get(1).ok_or("usage: FILE VOCAB_SIZE [THREADS]")?);
    let vocab_size: usize = args.get(2).map_or(Ok(32768), |s| s.parse())?;
    let threads: usize = args.get(3).map_or(Ok(2), |s| s.parse())?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let pre = Pretokenizer::new(PatternSpec::Named(PatternName::Gpt2))?;

    let t = Instant::now();
    // NO_SPLIT_PASS=1 skips this pass, whose copy of the file would be the
    // peak of a memory profile.
    let text = match std::env::var_os("NO_SPLIT_PASS") {
        Some(_) => String::new(),
        None => std::fs::read_to_string(&path)?,
    };
    let mut pieces = 0usize;
    for line in text.split_inclusive('\n') {
        pre.split(line, |_| pieces += 1)?;
    }
    eprintln!(
        "split only, 1 thread: {:.3}s ({pieces} pieces)",
        t.elapsed().as_secs_f64()
    );
    drop(text);

    let t = Instant::now();
    let (counts, bytes) = pool.install(|| {
        train::count::count_files(std::slice::from_ref(&path), &pre, false, || Ok(()))
    })?;
    eprintln!(
        "count: {:.3}s, {bytes} bytes, {} words",
        t.elapsed().as_secs_f64(),
        counts.len()
    );

    let t = Instant::now();
    let cfg = TrainConfig {
        vocab_size,
        special_tokens: vec!["<|endoftext|>".into()],
        min_frequency: 0,
        max_token_length: None,
        length_unit: Default::default(),
        specials_first: false,
        pad_to: None,
        forced_tokens: Vec::new(),
        progress: false,
    };
    let trained =
        pool.install(|| train::train_from_counts(counts, &cfg, &mut train::journal::NoJournal))?;
    eprintln!(
        "merge: {:.3}s, {} merges",
        t.elapsed().as_secs_f64(),
        trained.vocab.merges().len()
    );
    Ok(())
}
