"""Command line entry point (placeholder until the generator lands)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    raise SystemExit("gradio-gen: the generator is not built yet")
