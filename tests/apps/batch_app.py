"""Test app for batch work (``map``, ``gradio-gen batch``): it counts its own concurrency.

* ``/square(x, delay)``: ``x * x`` after ``delay`` seconds; counts calls and the most calls in
  progress at once (``/stats``, reset by ``/reset``). ``x == 13`` raises ``gr.Error``.
* ``/pair(a, b)``: two outputs (sum, product).
* ``/shout(f)``: a file in, its upper-cased copy out.
* ``/zerogpu(kind)``: raises the ``gr.Error`` the ``spaces`` package raises for ``kind``
  (same title, same message, same ``print_exception=False``); ``/quota_once(x)`` refuses its
  first call with a quota error that says "Try again in 0:00:01", then answers ``x``.
* ``/headers()``: the ``x-ip-token`` header this call's request carried (``""`` if none).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import gradio as gr

QUEUE_KWARGS = {"default_concurrency_limit": None}

STATE = {"active": 0, "peak": 0, "calls": 0, "quota_refusals": 0}
SEEN: list[float] = []


async def square(x: float, delay: float) -> float:
    STATE["calls"] += 1
    STATE["active"] += 1
    STATE["peak"] = max(STATE["peak"], STATE["active"])
    SEEN.append(x)
    try:
        await asyncio.sleep(float(delay))
        if x == 13:
            raise gr.Error("unlucky number", title="Unlucky")
        return x * x
    finally:
        STATE["active"] -= 1


def stats() -> dict[str, float]:
    return {**STATE, "seen": len(SEEN)}


def reset() -> dict[str, float]:
    STATE.update(active=0, peak=0, calls=0, quota_refusals=0)
    SEEN.clear()
    return dict(STATE)


def pair(a: float, b: float) -> tuple[float, float]:
    return a + b, a * b


def shout(path: str) -> str:
    # a folder per call: two calls on the same input (rows 1 and 2 of the batch test share
    # one uploaded file) must not rewrite a file the other's download is reading
    out = Path(tempfile.mkdtemp(dir=Path(path).parent)) / Path(path).with_suffix(".loud.txt").name
    out.write_bytes(Path(path).read_bytes().upper())
    return str(out)


class HTMLError(gr.Error):  # as spaces.zero.gradio.HTMLError
    def __str__(self) -> str:
        return str(self.message)


def html_string(html_contents: str, text_contents: str) -> str:  # as spaces.zero.client
    class HTMLString(str):
        def __str__(self) -> str:
            return text_contents

    return HTMLString(html_contents)


def error(title: str, message: str, html: bool = False) -> gr.Error:  # spaces.zero.gradio.error
    cls = HTMLError if html else gr.Error
    return cls(message, title=title, print_exception=False)


ZEROGPU = {
    "quota": (
        "ZeroGPU quota exceeded",
        "You have exceeded your free ZeroGPU quota (60s requested vs. 56s left). Try again in "
        "0:09:48. Subscribe to Hugging Face PRO to get 40 min of ZeroGPU quota a day - "
        "https://huggingface.co/subscribe/pro?from=ZeroGPU",
        False,
    ),
    "duration": (
        "ZeroGPU illegal duration",
        "The requested GPU duration (120s) is larger than the maximum allowed",
        False,
    ),
    "pending": (
        "ZeroGPU pending credits exceeded",
        "You have too many ZeroGPU credits allocated to running tasks. Try again once some of "
        "those tasks have completed.",
        False,
    ),
    "queue": (
        "ZeroGPU queue timeout",
        html_string(
            'No GPU was available after 60s. <a href="https://huggingface.co/join">Create a '
            "free account</a> to get a higher priority in ZeroGPU queues.",
            "No GPU was available after 60s [Create a free account](https://huggingface.co/join)"
            " to get a higher priority in ZeroGPU queues.",
        ),
        True,
    ),
    "worker": ("ZeroGPU worker error", "RuntimeError", False),
}


def zerogpu(kind: str) -> str:
    title, message, html = ZEROGPU[kind]
    raise error(title, message, html)


def quota_once(x: float) -> float:
    if STATE["quota_refusals"] == 0:
        STATE["quota_refusals"] += 1
        raise error(
            "ZeroGPU quota exceeded",
            "You have exceeded your ZeroGPU quota (60s requested vs. 0s left). Try again in 0:00:01. ",
        )
    return x


def headers(request: gr.Request) -> str:
    return request.headers.get("x-ip-token", "")


with gr.Blocks() as demo:
    x = gr.Number(label="x")
    delay = gr.Number(label="delay", value=0)
    y = gr.Number(label="square")
    gr.Button("square").click(square, [x, delay], y, api_name="square")
    j = gr.JSON(label="stats")
    gr.Button("stats").click(stats, None, j, api_name="stats")
    gr.Button("reset").click(reset, None, j, api_name="reset")
    a = gr.Number(label="a")
    b = gr.Number(label="b")
    gr.Button("pair").click(
        pair, [a, b], [gr.Number(label="sum"), gr.Number(label="product")], api_name="pair"
    )
    f_in = gr.File(label="text file", type="filepath")
    f_out = gr.File(label="loud copy")
    gr.Button("shout").click(shout, f_in, f_out, api_name="shout")
    kind = gr.Textbox(label="kind")
    gr.Button("zerogpu").click(zerogpu, kind, gr.Textbox(label="never"), api_name="zerogpu")
    gr.Button("quota_once").click(quota_once, x, gr.Number(label="x back"), api_name="quota_once")
    gr.Button("headers").click(headers, None, gr.Textbox(label="x-ip-token"), api_name="headers")
