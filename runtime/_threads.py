"""Blocking work off the event loop, in a short-lived thread (no executor is left behind);
whether an event loop runs in this thread.

An async client must not block its event loop, yet some first-use work is blocking by nature:
importing the engine and httpcore, building an SSL context, building pydantic validators.
``off_loop`` runs such a function in a new daemon thread and awaits its result; the thread
ends with the work, so nothing outlives the client (the loop's default executor would keep
idle threads until the loop closes). For rare, one-off work only: a thread start costs about
0.1 ms.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import asyncio

__all__ = ["loop_running", "off_loop"]

T = TypeVar("T")


async def off_loop(fn: Callable[[], T], *, name: str = "gradio-gen-warm") -> T:
    """``fn()`` in a new thread, awaited; its exception is raised here."""
    import asyncio  # imported by the caller's loop already (not at this module's import)

    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():  # the awaiting task was cancelled
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def work() -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            result = fn()
        except BaseException as exc:  # handed to the awaiting task
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name=name, daemon=True).start()
    return await future


def loop_running() -> bool:
    """Whether an asyncio event loop runs in this thread (asyncio is not imported for this)."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
