#!/usr/bin/env bash
# The README's first command: set up, launch the bundled demo Gradio app on a free local port,
# generate a typed client for it with gradio-gen, make a few typed calls, stop the app.
set -euo pipefail
cd "$(dirname "$0")/.."
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 NO_PROXY="127.0.0.1,localhost"

echo "== setting up (.venv, editable install)"
bash scripts/setup.sh
PY=.venv/bin/python

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gradio-gen-demo.XXXXXX")
APP_PID=""
cleanup() {
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then
    kill "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
URL="http://127.0.0.1:$PORT/"
echo "== launching the demo app (generated_examples/demo_app/app.py) on $URL"
"$PY" generated_examples/demo_app/app.py "$PORT" >"$WORK/app.log" 2>&1 &
APP_PID=$!
"$PY" - "$URL" "$APP_PID" <<'PYEOF'
import os, sys, time, urllib.request
url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url + "config", timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the demo app exited; see its log above")
    time.sleep(0.5)
sys.exit("the demo app did not start within 120 s")
PYEOF

echo "== gradio-gen $URL -o $WORK/client.py"
.venv/bin/gradio-gen "$URL" -o "$WORK/client.py" --class-name DemoApp

echo "== calling it"
"$PY" - "$WORK" "$URL" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
from client import DemoApp  # the module gradio-gen just wrote

with DemoApp(sys.argv[2]) as app:
    print("greet:       ", app.greet("Ada", style="pirate", repeat=2))
    stats = app.text_stats("typed clients are nice")
    print("text_stats:  ", stats)
    words, chars, longest = stats  # a NamedTuple: unpacks like gradio_client's tuple
    print("  longest word:", stats.longest_word)
    job = app.countdown.submit(3)
    print("countdown:   ", [line.rsplit("\n", 1)[-1] for line in job])
    print("tally:       ", app.tally("apples"), "|", app.tally("pears"))
    print("total:       ", app.total({"headers": ["item", "price"], "data": [["tea", 2.5], ["cake", 4]]}))
    try:
        app.greet("Ada", style="rude")  # checked before anything is sent
    except Exception as exc:
        print("bad input:   ", type(exc).__name__, "-", str(exc).splitlines()[-1].strip())
PYEOF
echo "== done (the app is stopped and $WORK removed on exit)"
