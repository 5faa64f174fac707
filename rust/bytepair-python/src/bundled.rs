//! OpenAI's rank files, embedded at build time (see build.rs).

// The names and sha256 sums, shared with build.rs.
include!("rank_files.rs");

pub fn rank_file(name: &str) -> Option<&'static [u8]> {
    let data: &'static [u8] = match name {
        "r50k_base" => include_bytes!(concat!(env!("OUT_DIR"), "/r50k_base.tiktoken")),
        "p50k_base" => include_bytes!(concat!(env!("OUT_DIR"), "/p50k_base.tiktoken")),
        "cl100k_base" => include_bytes!(concat!(env!("OUT_DIR"), "/cl100k_base.tiktoken")),
        "o200k_base" => include_bytes!(concat!(env!("OUT_DIR"), "/o200k_base.tiktoken")),
        _ => return None,
    };
    (!data.is_empty()).then_some(data)
}
