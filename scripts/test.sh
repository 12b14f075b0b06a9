#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: lint, type check, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
echo "== ruff check"
.venv/bin/ruff check runtime generator templates tests
echo "== mypy --strict (both packages: gradio_gen, gradio_gen_runtime)"
bash scripts/typecheck.sh
echo "== pytest"
.venv/bin/python -m pytest "$@"
