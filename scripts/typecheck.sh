#!/usr/bin/env bash
# mypy --strict on both packages, by their import names: the generator (gradio_gen) and the
# runtime (gradio_gen_runtime), from the editable link trees scripts/setup.sh lays out.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
gen=$(ls -d build/__editable__.gradio_gen-*/)
rt=$(ls -d runtime/build/__editable__.gradio_gen_runtime-*/)
if [ "$(echo "$gen" | wc -l)" != 1 ] || [ "$(echo "$rt" | wc -l)" != 1 ]; then
  echo "typecheck.sh: expected one link tree of each package; run bash scripts/setup.sh" >&2
  exit 2
fi
cd "$gen"
MYPYPATH="$root/$rt" "$root/.venv/bin/mypy" --config-file "$root/pyproject.toml" \
  -p gradio_gen -p gradio_gen_runtime "$@"
