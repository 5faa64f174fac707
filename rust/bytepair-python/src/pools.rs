//! Thread pools: one shared pool per thread count for encoding (a batch
//! call should not pay for spawning threads), and a fresh one per training
//! call.

use crate::errors::{CoreError, CoreResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The shared pool for `num_threads` (all cores if `None`, at most all).
///
/// A forked child inherits the map but not the pools' threads, so work sent
/// to them would wait forever (the DataLoader hang HF and rayon users know).
/// The map is therefore tied to the process id: a child drops the parent's
/// pools without running their destructors (their threads are not there to
/// be told) and builds its own.
pub fn shared_pool(num_threads: Option<usize>) -> CoreResult<Arc<rayon::ThreadPool>> {
    type Pools = (u32, HashMap<usize, Arc<rayon::ThreadPool>>);
    static POOLS: Mutex<Option<Pools>> = Mutex::new(None);
    // More threads than cores only adds switching; the result is the same.
    let n = num_threads.unwrap_or_else(cores).clamp(1, cores());
    let pid = std::process::id();
    let mut guard = POOLS.lock().unwrap_or_else(|p| p.into_inner());
    if guard.as_ref().is_some_and(|(owner, _)| *owner != pid) {
        std::mem::forget(guard.take());
    }
    let (_, pools) = guard.get_or_insert_with(|| (pid, HashMap::new()));
    if let Some(p) = pools.get(&n) {
        return Ok(p.clone());
    }
    let pool = Arc::new(thread_pool(Some(n))?);
    pools.insert(n, pool.clone());
    Ok(pool)
}

/// A new pool of `num_threads` (all cores if `None`).
pub fn thread_pool(num_threads: Option<usize>) -> CoreResult<rayon::ThreadPool> {
    let n = match num_threads {
        Some(0) => {
            return Err(CoreError(bytepair::Error::config(
                "num_threads must be at least 1 (or None for all cores)",
            )))
        }
        Some(n) => n,
        None => cores(),
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| CoreError(bytepair::Error::config(format!("thread pool: {e}"))))
}
