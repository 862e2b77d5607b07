#!/usr/bin/env bash
# Differential sweep of `gitops-toolkit kustomize build` against `kubectl kustomize` over
# every kustomization root found under the given directories (checkouts of public
# repositories; they are never committed).
#
#   benches/kustomize_differential.sh [-o OUTDIR] [-j JOBS] DIR...
#
# A root is a directory holding kustomization.yaml, kustomization.yml or Kustomization whose
# kind is not Component. Each root is built by both tools (no
# network needed for local trees; remote bases fail in kubectl as they do offline) and
# classified:
#   identical       both render, same bytes
#   differ          both render, different bytes
#   both-refuse     both fail
#   we-refuse       kubectl renders, we fail
#   they-refuse     kubectl fails, we render
#   timeout         kubectl did not finish in KUBECTL_TIMEOUT seconds (default 300)
# The per-root classification goes to OUTDIR/results.tsv, outputs and errors of every
# non-identical root to OUTDIR/cases/N.{ours,theirs,ours.err,theirs.err}; counts are printed.
# GITOPS_TOOLKIT names the binary (default: target/release/gitops-toolkit, or
# $CARGO_TARGET_DIR/release/gitops-toolkit).
set -u
out=/tmp/kustomize-differential
jobs=2
while getopts "o:j:" opt; do
  case $opt in
    o) out=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
  echo "usage: $0 [-o OUTDIR] [-j JOBS] DIR..." >&2
  exit 2
fi
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${GITOPS_TOOLKIT:-${CARGO_TARGET_DIR:-$here/target}/release/gitops-toolkit}
if [ ! -x "$bin" ]; then
  echo "no binary at $bin (cargo build --release --bin gitops-toolkit)" >&2
  exit 2
fi
if ! command -v kubectl >/dev/null; then
  echo "kubectl not on PATH: nothing to compare against" >&2
  exit 2
fi
rm -rf "$out"
mkdir -p "$out/cases"

find "$@" \( -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization \) -type f 2>/dev/null |
  while read -r f; do
    if grep -qE '^kind:[[:space:]]*Component' "$f"; then continue; fi
    dirname "$f"
  done | sort -u >"$out/roots.txt"

one() {
  local n=$1 root=$2 out=$3 bin=$4
  local c="$out/cases/$n"
  ( cd "$root" && timeout "${KUBECTL_TIMEOUT:-300}" kubectl kustomize . >"$c.theirs" 2>"$c.theirs.err" )
  local theirs=$?
  ( cd "$root" && timeout 60 "$bin" kustomize build . >"$c.ours" 2>"$c.ours.err" )
  local ours=$?
  local class
  if [ $theirs -eq 124 ]; then
    class=timeout
  elif [ $theirs -eq 0 ] && [ $ours -eq 0 ]; then
    if cmp -s "$c.theirs" "$c.ours"; then class=identical; else class=differ; fi
  elif [ $theirs -ne 0 ] && [ $ours -ne 0 ]; then
    class=both-refuse
  elif [ $theirs -eq 0 ]; then
    class=we-refuse
  else
    class=they-refuse
  fi
  if [ $class = identical ]; then rm -f "$c".*; fi
  printf '%s\t%s\t%s\n' "$n" "$class" "$root"
}
export -f one
export KUBECTL_TIMEOUT=${KUBECTL_TIMEOUT:-300}
nl -ba -w1 -s' ' "$out/roots.txt" |
  xargs -P "$jobs" -L1 bash -c 'one "$0" "$1" "'"$out"'" "'"$bin"'"' |
  sort -n >"$out/results.tsv"

total=$(wc -l <"$out/results.tsv")
echo "roots: $total"
for class in identical differ both-refuse we-refuse they-refuse timeout; do
  printf '%-12s %s\n' "$class" "$(cut -f2 "$out/results.tsv" | grep -cx "$class")"
done
echo "details: $out/results.tsv, $out/cases/"
