#!/usr/bin/env bash
# Build (or find cached) the virtual environments of the version matrix's old gradio releases,
# timing each (tests/legacy/venvs.py uses the same cache; make-venv.sh is flock-protected, so
# this can run in the background while tests start). One at a time by default
# (MATRIX_VENV_JOBS): on a 2-core machine pip is CPU-bound and parallel builds beside the
# test suite were slower in total (measured: ~3.4 min one at a time, idle machine; ~18 min
# three at a time beside the test suite).
# Usage: scripts/matrix_venvs.sh [LOGDIR]   (exit status 1 if any build failed)
set -u
cd "$(dirname "$0")/.."
make_venv=../shared/old-gradio/make-venv.sh
[ -f "$make_venv" ] || { echo "matrix venvs: $make_venv is absent" >&2; exit 1; }
log=${1:-build/matrix-venvs}
mkdir -p "$log"
# the matrix's releases first, then the pre-3.37 ones the generator's live test captures
printf '%s\n' 3.50.2 4.8.0 4.16.0 4.20.1 4.21.0 4.44.1 5.9.1 3.36.1 3.28.3 3.20.1 |
  xargs -P "${MATRIX_VENV_JOBS:-1}" -I{} bash -c '
    start=$(date +%s%N)
    if bash "$0" {} >"$1/{}.out" 2>&1; then rc=ok; else rc=FAILED; fi
    echo "gradio {} venv: $rc in $(( ($(date +%s%N) - start) / 1000000 )) ms" | tee -a "$1/times.txt"
    [ $rc = ok ]' "$make_venv" "$log"
