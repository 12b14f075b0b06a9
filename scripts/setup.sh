#!/usr/bin/env bash
# Create .venv (if missing) and install gradio-gen with its test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# editable_mode=strict lays out a real gradio_gen/ tree (links) so mypy can follow it.
# dask and progress are optional extras of the runtime; the tests run them for real.
.venv/bin/python -m pip install -q -e ".[test,dask,progress]" --config-settings editable_mode=strict
