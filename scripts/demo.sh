#!/usr/bin/env bash
# Set up (if needed), launch the bundled demo Gradio app, generate a typed client for it with
# gradio-gen, and use that client: calls, a streamed job, session state, a table, async,
# input validation and the typed fake. Everything stays on 127.0.0.1; the app is stopped at exit.
# The generated module is left in build/demo/demo_client.py for you to read.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
PY=.venv/bin/python
OUT=build/demo
mkdir -p "$OUT"
PORT=${DEMO_PORT:-$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
URL="http://127.0.0.1:$PORT/"

echo "== launching the demo app (generated_examples/demo_app/app.py) on $URL"
"$PY" generated_examples/demo_app/app.py "$PORT" >"$OUT/app.log" 2>&1 &
APP_PID=$!
trap 'kill "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true' EXIT
"$PY" - "$URL" "$APP_PID" <<'PYEOF'
import os, sys, time
import httpx
url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        if httpx.get(url + "config", timeout=2).status_code == 200:
            sys.exit(0)
    except httpx.HTTPError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("the demo app exited; see build/demo/app.log")
    time.sleep(0.3)
sys.exit("the demo app did not start within 120 s; see build/demo/app.log")
PYEOF

echo "== gradio-gen $URL -o $OUT/demo_client.py"
.venv/bin/gradio-gen "$URL" -o "$OUT/demo_client.py"

echo "== using the generated client (scripts/demo_tour.py)"
"$PY" scripts/demo_tour.py "$OUT"
echo "== done: read $OUT/demo_client.py; the test suite is 'bash scripts/test.sh'"
