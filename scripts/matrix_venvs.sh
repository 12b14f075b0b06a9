#!/usr/bin/env bash
# Build (or find cached) the virtual environments of the version matrix's old gradio releases,
# three at a time, timing each (tests/legacy/venvs.py uses the same cache; make-venv.sh is
# flock-protected, so this can run in the background while tests start).
# Usage: scripts/matrix_venvs.sh [LOGDIR]   (exit status 1 if any build failed)
set -u
cd "$(dirname "$0")/.."
make_venv=../shared/old-gradio/make-venv.sh
[ -f "$make_venv" ] || { echo "matrix venvs: $make_venv is absent" >&2; exit 1; }
log=${1:-build/matrix-venvs}
mkdir -p "$log"
printf '%s\n' 3.50.2 4.8.0 4.16.0 4.20.1 4.21.0 4.44.1 5.9.1 |
  xargs -P 3 -I{} bash -c '
    start=$(date +%s%N)
    if bash "$0" {} >"$1/{}.out" 2>&1; then rc=ok; else rc=FAILED; fi
    echo "gradio {} venv: $rc in $(( ($(date +%s%N) - start) / 1000000 )) ms" | tee -a "$1/times.txt"
    [ $rc = ok ]' "$make_venv" "$log"
