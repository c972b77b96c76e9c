#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time on its stored corpus (fuzz/corpus/),
# one after the other: `scripts/fuzz.sh [SECONDS]` (default 60 per target). Needs the
# nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). An input slower than
# 1 s is a failure (libFuzzer's -timeout); a crash leaves its reproducer under
# fuzz/artifacts/<target>/ and fails the script. New corpus entries go to a scratch
# directory, so the stored corpus only changes when someone minimises and commits it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-60}"
dict=tamis.dict
targets=$(cargo +nightly fuzz list)
cargo +nightly fuzz build --release >/dev/null
for t in $targets; do
  scratch=$(mktemp -d)
  mkdir -p "corpus/$t"
  echo "fuzz: $t for ${secs}s"
  log="$scratch.log"
  status=0
  cargo +nightly fuzz run --release "$t" "$scratch" "corpus/$t" -- \
    -max_total_time="$secs" -timeout=1 -rss_limit_mb=2048 -dict="$dict" \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|SUMMARY)|ERROR|Test unit written' "$log" || true
  rm -rf "$scratch" "$log"
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $t failed (see fuzz/artifacts/$t/)" >&2
    exit 1
  fi
done
