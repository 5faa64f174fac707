//! Run the SuperBPE curriculum on one file and print the time of each stage
//! (for profiling):
//! `cargo run --release --example superbpe_file -- FILE VOCAB_SIZE TRANSITION [THREADS]`

use bytepair::pretok::{PatternName, PatternSpec, Pretokenizer};
use bytepair::train::journal::NoJournal;
use bytepair::train::replay::replay;
use bytepair::train::superbpe::{stage1, superword_filter, SuperwordRules};
use bytepair::train::{self, merge::MergeConfig, positional::learn_merges_positional};
use bytepair::vocab::Vocab;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: FILE VOCAB_SIZE TRANSITION [THREADS]";
    let path = std::path::PathBuf::from(args.get(1).ok_or(usage)?);
    let vocab_size: usize = args.get(2).ok_or(usage)?.parse()?;
    let transition: usize = args.get(3).ok_or(usage)?.parse()?;
    let threads: usize = args.get(4).map_or(Ok(2), |s| s.parse())?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let paths = std::slice::from_ref(&path);
    let pre1 = Pretokenizer::new(PatternSpec::Named(PatternName::SuperbpeStage1))?;
    let pre2 =
        Pretokenizer::new(PatternSpec::Named(PatternName::SuperbpeStage2))?.with_line_boundaries();

    let t = Instant::now();
    let (words, _) = pool.install(|| train::count::count_files(paths, &pre1, false, || Ok(())))?;
    let (pieces, _) = pool.install(|| train::count::count_files(paths, &pre2, false, || Ok(())))?;
    eprintln!(
        "count: {:.3}s, {} words, {} pieces",
        t.elapsed().as_secs_f64(),
        words.len(),
        pieces.len()
    );

    let t = Instant::now();
    let (mut tokens, merges1) =
        pool.install(|| stage1(words, transition, 0, None, false, &mut NoJournal))?;
    eprintln!("stage 1: {:.3}s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let inherited = Vocab::new(tokens.clone(), merges1, &[])?;
    let pieces = pieces.into_sorted();
    let (w, counts) = pool.install(|| replay(&pieces, &inherited));
    eprintln!(
        "replay: {:.3}s, {} words, {} symbols",
        t.elapsed().as_secs_f64(),
        w.count(),
        w.total_len()
    );

    let t = Instant::now();
    let rules = SuperwordRules {
        max_words_per_token: Some(4),
        forbidden_substrings: vec![b": ".to_vec()],
    };
    let cfg = MergeConfig {
        target_vocab: vocab_size - 1,
        min_frequency: 0,
        max_token_length: None,
        allowed_lengths: None,
        free_ids: Vec::new(),
    };
    let bar = bytepair::progress::Progress::items(false, 0, "");
    let out = learn_merges_positional(
        w,
        &counts,
        &mut tokens,
        |t| t.len() as u32,
        &cfg,
        superword_filter(&rules),
        &bar,
        &mut NoJournal,
    )?;
    eprintln!(
        "stage 2 merges: {:.3}s, {} merges, {} refused",
        t.elapsed().as_secs_f64(),
        out.outcome.merges.len(),
        out.rejected
    );
    for m in out.outcome.merges.iter().take(12) {
        eprint!("{:?} ", String::from_utf8_lossy(&tokens[m.result as usize]));
    }
    eprintln!();
    Ok(())
}
