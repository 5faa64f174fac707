#!/usr/bin/env bash
# Fuzz each target for SECONDS (default 600), one after another.
#
#   bash fuzz/run.sh [SECONDS] [TARGET...]
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Each target starts from fuzz/seeds/<target> plus what earlier runs found
# (fuzz/corpus/<target>, not committed). Limits: 2 GB of RSS, 5 s per input.
# A crash, OOM or timeout stops the script with its input under
# fuzz/artifacts/<target>/; copy it into fuzz/regressions/<target>/ with the
# fix, and `cargo test -p bytepair-fuzz` replays it from then on.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(load_tiktoken load_gpt2 load_hf_json load_native load_counts encode_text encode_bytes decode_ids train_small)
fi
cargo +nightly fuzz build -O
for t in "${targets[@]}"; do
    case $t in
        load_*) max_len=32768 ;;
        encode_*) max_len=16384 ;;
        *) max_len=4096 ;;
    esac
    mkdir -p "corpus/$t" "artifacts/$t" logs
    echo "== $t: ${seconds}s"
    if ! cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=5 -max_len="$max_len" \
        -print_final_stats=1 >"logs/$t.log" 2>&1; then
        tail -40 "logs/$t.log" >&2
        echo "FAILED: $t (inputs, if any, in fuzz/artifacts/$t/)" >&2
        exit 1
    fi
    grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)" "logs/$t.log" || true
done
echo "all targets ran ${seconds}s without a crash, OOM or timeout"
