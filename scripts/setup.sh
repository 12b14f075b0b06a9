#!/usr/bin/env bash
# Create .venv (if missing) and install both distributions of this repo, editable, with the
# test dependencies: the runtime (runtime/, gradio-gen-runtime) and the generator (the root,
# gradio-gen, which requires that runtime: pip takes the local one, never PyPI's).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# editable_mode=strict lays out a real package tree (links) under each project's build/
# (build/__editable__.gradio_gen-*/gradio_gen, runtime/build/__editable__.gradio_gen_runtime-*/
# gradio_gen_runtime), so mypy can follow both packages by their import names.
# dask and progress are optional extras of the runtime; the tests run them for real.
# Old link trees (another version) are removed first: scripts/typecheck.sh expects one of each.
rm -rf build/__editable__.* runtime/build/__editable__.*
.venv/bin/python -m pip install -q -e "./runtime[dask,progress]" -e ".[test]" \
  --config-settings editable_mode=strict
