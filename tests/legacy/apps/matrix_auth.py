"""The version-matrix app behind gradio's password login (user ``u``, password ``p``)."""

from __future__ import annotations

from matrix_app import QUEUE_KWARGS, build

__all__ = ["LAUNCH_KWARGS", "QUEUE_KWARGS", "demo"]
LAUNCH_KWARGS = {"auth": ("u", "p")}
demo = build()
