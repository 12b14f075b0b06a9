"""Reliability test app: async functions on an unbounded queue (like the benchmark app).

``default_concurrency_limit=None`` and a raised ``max_threads`` let hundreds of events run
at once; every function is ``async`` so no worker thread is used per call.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from pathlib import Path

import gradio as gr

QUEUE_KWARGS = {"default_concurrency_limit": None, "max_size": None}
LAUNCH_KWARGS = {"max_threads": 2000}


async def slow(text: str) -> str:
    await asyncio.sleep(0.5)
    return text


async def hold(seconds: float) -> float:
    await asyncio.sleep(float(seconds))
    return float(seconds)


async def gen(n: float, pause: float):  # type: ignore[no-untyped-def]
    text = ""
    for i in range(int(n)):
        text += f"{i} "
        yield text
        await asyncio.sleep(float(pause))


async def boom(text: str) -> str:
    raise gr.Error(f"boom: {text}", title="Kaboom")


async def gen_then_fail(n: float):  # type: ignore[no-untyped-def]
    for i in range(int(n)):
        yield str(i)
        await asyncio.sleep(0.01)
    raise ValueError("failed after yielding")


async def big(size: float) -> str:
    return "x" * int(size)


async def digest(path: str) -> str:
    data = await asyncio.to_thread(lambda: open(path, "rb").read())  # noqa: SIM115
    return f"{len(data)}:{hashlib.sha256(data).hexdigest()}"


async def make_file(size: float) -> str:
    path = Path(tempfile.mkdtemp()) / "made.bin"
    path.write_bytes(bytes(range(256)) * (int(size) // 256))
    return str(path)


with gr.Blocks(title="Reliability App") as demo:
    t_in = gr.Textbox(label="text")
    t_out = gr.Textbox(label="out")
    num = gr.Number(label="seconds")
    n_in = gr.Number(label="n", value=5)
    pause = gr.Number(label="pause", value=0.05)
    f_in = gr.File(label="file", type="filepath")
    btn = gr.Button()
    btn.click(slow, t_in, t_out, api_name="slow")
    btn.click(hold, num, gr.Number(label="held"), api_name="hold")
    btn.click(gen, [n_in, pause], t_out, api_name="gen")
    btn.click(boom, t_in, t_out, api_name="boom")
    btn.click(gen_then_fail, n_in, t_out, api_name="gen_then_fail")
    btn.click(big, num, t_out, api_name="big")
    btn.click(digest, f_in, t_out, api_name="digest")
    btn.click(make_file, num, gr.File(label="made"), api_name="make_file")
