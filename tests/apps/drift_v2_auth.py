"""tests/apps/drift_v2.py behind gradio's password login."""

from __future__ import annotations

from drift_v2 import build

LAUNCH_KWARGS = {"auth": ("user", "s3cret")}

demo = build()
