#!/bin/bash
# Real-chart sweep: `helm template rel CHART [-f VALUES]` against helm-lite's helm_template
# example, case by case, byte for byte. Lines that differ between two helm runs of the same
# case come from rand*/genCA/uuid and are masked (helm-lite's rand* are deterministic).
#
# usage: helm-lite/scripts/sweep.sh SWEEP_DIR [NAME_PREFIX]
# SWEEP_DIR holds the charts (with their charts/ filled: fetched or copied dependencies)
# and cases.txt, one case a line: `NAME CHART_DIR VALUES_FILE|-` (paths relative to it).
# Environment: HELM (default: helm on PATH), OURS (default: the release build of the
# example under $CARGO_TARGET_DIR or target/).
set -u
dir=$1; filter=${2:-}
HELM=${HELM:-helm}
OURS=${OURS:-${CARGO_TARGET_DIR:-target}/release/examples/helm_template}
cd "$dir" || exit 2
mkdir -p out
n=0; same=0
while read -r name chart vals; do
  [ -z "$name" ] && continue
  [ -n "$filter" ] && [[ "$name" != $filter* ]] && continue
  tag=$name-$(basename "${vals%.yaml}")
  args=(); [ "$vals" != "-" ] && args=(-f "$vals")
  "$HELM" template rel "$chart" "${args[@]}" > "out/$tag.helm" 2> "out/$tag.helm.err"; hrc=$?
  "$HELM" template rel "$chart" "${args[@]}" > "out/$tag.helm2" 2> /dev/null
  "$OURS" rel "$chart" "${args[@]}" > "out/$tag.ours" 2> "out/$tag.ours.err"; orc=$?
  n=$((n+1))
  if [ $hrc = $orc ] && cmp -s "out/$tag.helm" "out/$tag.ours"; then
    same=$((same+1)); echo "SAME $tag (exit $hrc)"
  elif [ $hrc = $orc ] && python3 - "out/$tag.helm" "out/$tag.helm2" "out/$tag.ours" <<'PY'
import sys
a, b, o = [open(f).read().split('\n') for f in sys.argv[1:]]
sys.exit(0 if len(a) == len(b) == len(o) and all(x == z or x != y for x, y, z in zip(a, b, o)) else 1)
PY
  then
    same=$((same+1)); echo "SAME $tag (exit $hrc; $(diff "out/$tag.helm" "out/$tag.helm2" | grep -c '^<') random lines masked)"
  else
    echo "DIFF $tag exit helm=$hrc ours=$orc, $(diff "out/$tag.helm" "out/$tag.ours" | grep -c '^[<>]') lines differ"
  fi
done < cases.txt
echo "$same of $n identical"
