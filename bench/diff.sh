#!/usr/bin/env bash
# Benchmark: diff refresh on a synthetic repo of 20 000 files with 1 000 modified, andon's
# cumulative diff against `git diff --stat` and `git status --porcelain` (goal: no slower than
# `git diff --stat`), and a storm of 1 000 file writes (goal: at most 2 diff computations).
# Usage: bash bench/diff.sh
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cargo bench --quiet --manifest-path "$here/Cargo.toml" --bench diff_refresh
