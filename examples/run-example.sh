#!/usr/bin/env bash
# Run andon's example: copy examples/shop into a fresh git repository in a temp dir and run
# every plan headless. Usage: bash examples/run-example.sh [DIR]   (ANDON_SIM_SPEED=0 for speed)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# An ANDON given relative to where the script was started from.
if [ -n "${ANDON:-}" ] && [ "${ANDON#/}" = "$ANDON" ]; then ANDON="$PWD/$ANDON"; fi
base="${1:-$(mktemp -d)}"
mkdir -p "$base"
dir="$(cd "$base" && pwd)/shop"
if [ -e "$dir" ]; then echo "run-example: $dir already exists; pick another DIR" >&2; exit 2; fi
cp -r "$here/shop" "$dir"
cd "$dir"
git init -q -b main
git add -A
git -c user.name=andon -c user.email=andon@localhost commit -qm "shop: prices can go negative"
andon="${ANDON:-}"
if [ -z "$andon" ]; then
  cargo build --release --quiet --manifest-path "$here/../Cargo.toml"
  andon="$here/../target/release/andon"
fi
echo "example repository: $dir"
set +e
"$andon" run --headless plans/*.md
code=$?
set -e
echo
"$andon" status
echo "(andon exited $code: 0 = all awaiting approval, 3 = some loop needs a human)"
