#!/usr/bin/env bash
# Install pinned real agent CLIs into a local prefix (idempotent).
#   usage: install.sh DIR   -> DIR/node_modules/.bin/{claude,codex}
# (tests/real_agents.rs looks in target/agent-clis/node_modules/.bin, or $ANDON_AGENT_CLIS.)
# Only the npm registry is needed: both packages ship their native linux-x64
# binaries inside npm optional dependencies (@anthropic-ai/claude-code-linux-x64,
# @openai/codex-linux-x64 aliased to @openai/codex@<v>-linux-x64).
set -euo pipefail
CLAUDE_VERSION="${CLAUDE_VERSION:-2.1.330}"
CODEX_VERSION="${CODEX_VERSION:-0.169.0}"
DIR="${1:?usage: install.sh DIR}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
BIN="$DIR/node_modules/.bin"

have() {  # have <bin> <expected version substring>
  [ -x "$BIN/$1" ] && "$BIN/$1" --version 2>/dev/null | grep -qF "$2"
}

if have claude "$CLAUDE_VERSION (Claude Code)" && have codex "codex-cli $CODEX_VERSION"; then
  echo "install.sh: claude $CLAUDE_VERSION and codex $CODEX_VERSION already in $BIN"
  exit 0
fi

# --include=optional: the native binaries are optionalDependencies.
# claude-code declares engines.node>=22 but its bin is a native ELF, so node 20 is fine.
npm install --prefix "$DIR" --no-audit --no-fund --include=optional --save-exact \
  --engine-strict=false \
  "@anthropic-ai/claude-code@$CLAUDE_VERSION" "@openai/codex@$CODEX_VERSION"

# claude's postinstall (install.cjs) copies the native binary over bin/claude.exe.
# Newer npm may skip install scripts (allowScripts); run it ourselves if the
# placeholder is still there.
CEXE="$DIR/node_modules/@anthropic-ai/claude-code/bin/claude.exe"
if ! head -c4 "$CEXE" | grep -q ELF; then
  (cd "$DIR/node_modules/@anthropic-ai/claude-code" && node install.cjs)
fi

have claude "$CLAUDE_VERSION (Claude Code)" || { echo "claude install broken" >&2; exit 1; }
have codex "codex-cli $CODEX_VERSION" || { echo "codex install broken" >&2; exit 1; }
echo "install.sh: installed claude $CLAUDE_VERSION, codex $CODEX_VERSION into $BIN"
