#!/usr/bin/env bash
# The one entry point for every Go-built tool syskit uses (control plane, OPA, gator, Pulumi).
#
#   scripts/tools.sh path <tool>   build <tool> if needed, print the absolute path of its binary
#   scripts/tools.sh all           build every tool (in order), print each path
#   scripts/tools.sh list          print the known tools and their pinned versions
#   scripts/tools.sh bin-dir       build every tool and print one directory with them all (for PATH)
#
# Each tool is described by scripts/tools/<tool>.sh, which sets TOOL_VERSION and defines
# `build_tool <outdir>`; the function must leave the binary at <outdir>/<tool>.
# Binaries are cached outside the repository, keyed by tool and version:
#   ${SYSKIT_TOOLS_CACHE:-$HOME/.cache/syskit/tools}/<tool>/<version>/<tool>
# so a second run builds nothing. Build logs go to stderr; stdout carries only paths.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${SYSKIT_TOOLS_CACHE:-$HOME/.cache/syskit/tools}"

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

known_tools() {
  local f
  for f in "$here"/tools/*.sh; do
    basename "$f" .sh
  done
}

load_tool() {
  local tool="$1"
  local def="$here/tools/$tool.sh"
  if [[ ! -f "$def" ]]; then
    echo "tools.sh: unknown tool \"$tool\" (known: $(known_tools | tr '\n' ' '))" >&2
    exit 2
  fi
  unset TOOL_VERSION
  unset -f build_tool 2>/dev/null || true
  # shellcheck source=/dev/null
  source "$def"
  : "${TOOL_VERSION:?scripts/tools/$tool.sh must set TOOL_VERSION}"
}

tool_path() {
  local tool="$1"
  load_tool "$tool"
  local dir="$cache_root/$tool/$TOOL_VERSION"
  local bin="$dir/$tool"
  if [[ ! -x "$bin" ]]; then
    # Build into a scratch folder and rename it into place, so an interrupted build never
    # leaves a half-written binary in the cache.
    mkdir -p "$cache_root/$tool"
    local tmp
    tmp="$(mktemp -d "$cache_root/$tool/.build-XXXXXX")"
    echo "tools.sh: building $tool $TOOL_VERSION (first time only; cached in $dir)" >&2
    local started=$SECONDS
    if ! (cd "$tmp" && build_tool "$tmp/out") >&2; then
      echo "tools.sh: building $tool $TOOL_VERSION failed" >&2
      rm -rf "$tmp"
      exit 1
    fi
    if [[ ! -x "$tmp/out/$tool" ]]; then
      echo "tools.sh: build of $tool left no binary at out/$tool" >&2
      rm -rf "$tmp"
      exit 1
    fi
    rm -rf "$dir"
    mv "$tmp/out" "$dir"
    rm -rf "$tmp"
    echo "tools.sh: built $tool $TOOL_VERSION in $((SECONDS - started))s" >&2
  fi
  echo "$bin"
}

cmd="${1:-}"
case "$cmd" in
  path)
    [[ $# -eq 2 ]] || { usage >&2; exit 2; }
    tool_path "$2"
    ;;
  all)
    for t in $(known_tools); do tool_path "$t"; done
    ;;
  bin-dir)
    bindir="$cache_root/bin"
    mkdir -p "$bindir"
    for t in $(known_tools); do
      p="$(tool_path "$t")"
      ln -sf "$p" "$bindir/$t"
    done
    echo "$bindir"
    ;;
  list)
    for t in $(known_tools); do load_tool "$t"; echo "$t $TOOL_VERSION"; done
    ;;
  -h|--help|help)
    usage
    ;;
  *)
    usage >&2
    exit 2
    ;;
esac
