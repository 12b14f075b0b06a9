"""Warnings that point at the user's code (the first frame outside gradio-gen).

The runtime's logging policy (see README "Logging"): routine events (retries, Space wake-ups,
downloads) are logged at INFO/DEBUG on the ``gradio_gen`` logger, so a successful run prints
nothing; WARNING/ERROR log lines mean something went wrong that the caller was not told about
otherwise (a cancel the server refused, a stream reader that crashed). Something the *user*
must act on (an option that had no effect, a changed app) is a ``warnings.warn`` pointing at
their call, shown once per call site by Python's default filters.

No ``NullHandler`` is added to the ``gradio_gen`` logger (httpx adds none either; the logging
HOWTO suggests one only to silence a library entirely): the rare WARNING/ERROR lines are
problems an application that configured no logging should still see, through Python's
last-resort handler.
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["warn_user"]


def _ours(globals_: dict[str, object]) -> bool:
    name = str(globals_.get("__name__", ""))
    generated = "SCHEMA_SHA256" in globals_ and "GENERATOR_VERSION" in globals_
    return (
        name == "gradio_gen" or name.startswith(("gradio_gen.", "gradio_gen_runtime")) or generated
    )


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` pointing at the user's call (the first frame outside gradio-gen and
    generated modules)."""
    frame = sys._getframe(1)
    level = 2  # 1 would be this function, 2 its caller
    while frame is not None and _ours(frame.f_globals):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, category, stacklevel=level if frame is not None else 2)
