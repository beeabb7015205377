#!/usr/bin/env bash
# Soak: 16 loops on the board (tmux, 200x50) for 10 minutes (or $1) with agents mixing
# floods, pauses, edits and failures; prints the supervisor's RSS curve (start, a third, end),
# and checks that no loop got stuck and nothing panicked. Needs tmux.
# Usage: bash bench/soak.sh [MINUTES]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cargo bench --quiet --manifest-path "$here/Cargo.toml" --bench soak -- "${1:-10}"
