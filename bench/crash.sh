#!/usr/bin/env bash
# Crash safety: SIGKILL a supervisor running 4 loops at 50 random moments (or $1), restarting
# it each time; after every kill checks that no agent is left, that the store passes
# PRAGMA integrity_check, and that no finished iteration is missing. Prints the counts.
# Usage: bash bench/crash.sh [KILLS]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cargo bench --quiet --manifest-path "$here/Cargo.toml" --bench crash_kill -- "${1:-50}"
