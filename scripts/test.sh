#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: lint, type check, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
echo "== ruff check"
.venv/bin/ruff check runtime generator templates tests
echo "== mypy --strict (package)"
(cd build/__editable__.gradio_gen-* && ../../.venv/bin/mypy --config-file ../../pyproject.toml gradio_gen gradio_gen_runtime)
echo "== pytest"
.venv/bin/python -m pytest "$@"
