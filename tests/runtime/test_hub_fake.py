"""Fidelity of the fake Hub: the official ``huggingface_hub`` library, pointed at it, parses its
answers and drives it the way it drives the real Hub (run in a subprocess: tests keep the Hub
library offline, and the runtime never imports it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.fake_hub import FakeHub

SCRIPT = r"""
import json, sys
from huggingface_hub import HfApi
from huggingface_hub.errors import RepositoryNotFoundError, HfHubHTTPError

endpoint = sys.argv[1]
api = HfApi(endpoint=endpoint, token="hf_alice")
out = {}
info = api.space_info("bob/app")
out["info"] = [info.id, info.host, info.subdomain, info.private, info.sdk,
               info.runtime.stage, info.runtime.hardware]
out["runtime"] = api.get_space_runtime("bob/sleepy").stage
out["whoami"] = api.whoami()["name"]
url = api.duplicate_repo("bob/app", "alice/copy", repo_type="space", private=True,
                         space_hardware="t4-small", space_secrets=[{"key": "FIRST", "value": "1"}])
out["duplicate"] = url.repo_id
api.add_space_secret("alice/copy", "KEY", "value")
out["hardware"] = api.request_space_hardware("alice/copy", "a10g-small").requested_hardware
out["sleep"] = api.set_space_sleep_time("alice/copy", 600).sleep_time
out["restart"] = api.restart_space("alice/copy").stage
out["exist_ok"] = api.duplicate_repo("bob/app", "alice/copy", repo_type="space", exist_ok=True).repo_id
for name, call in [
    ("anonymous_private", lambda: HfApi(endpoint=endpoint, token=False).space_info("alice/private")),
    ("other_user_private", lambda: HfApi(endpoint=endpoint, token="hf_bob").space_info("alice/private")),
    ("missing", lambda: api.space_info("bob/missing")),
]:
    try:
        call()
        out[name] = "ok"
    except RepositoryNotFoundError:
        out[name] = "RepositoryNotFoundError"
try:
    api.restart_space("bob/app")  # public, but not ours
except HfHubHTTPError as exc:
    out["not_owner"] = exc.response.status_code
print(json.dumps(out))
"""


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub({"hf_alice": "alice", "hf_bob": "bob"}) as h:
        h.add_space("bob/app", hardware="cpu-basic")
        h.add_space("bob/sleepy", stages=["SLEEPING"])
        h.add_space("alice/private", private=True)
        yield h


def test_huggingface_hub_reads_and_drives_the_fake(hub: FakeHub) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "0", "HF_HUB_DISABLE_TELEMETRY": "1"}
    env.pop("HF_TOKEN", None)
    env["HF_TOKEN_PATH"] = "/nonexistent/token"
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, hub.url],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["info"] == [
        "bob/app",
        hub.spaces["bob/app"].host,
        "bob-app",
        False,
        "gradio",
        "RUNNING",
        "cpu-basic",
    ]
    assert out["runtime"] == "SLEEPING"
    assert out["whoami"] == "alice"
    assert out["duplicate"] == "alice/copy" and out["exist_ok"] == "alice/copy"
    assert (out["hardware"], out["sleep"]) == ("a10g-small", 600)
    assert out["restart"] in {"BUILDING", "APP_STARTING", "RUNNING"}
    assert out["anonymous_private"] == out["other_user_private"] == "RepositoryNotFoundError"
    assert out["missing"] == "RepositoryNotFoundError"
    assert out["not_owner"] == 403
    copy = hub.spaces["alice/copy"]
    assert (
        copy.private and copy.secrets == {"FIRST": "1", "KEY": "value"} and copy.sleep_time == 600
    )
