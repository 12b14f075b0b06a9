"""The version-matrix app: one file that runs unchanged on gradio 3.50 through 6.x.

A text function, a generator, a file in/out, a State counter, gr.Error, progress, a slow
function and a slow generator (cancel), an image round trip (``matrix_auth.py`` is the
login variant).
"""

from __future__ import annotations

import os
import tempfile
import time

import gradio as gr

MAJOR = int(gr.__version__.split(".")[0])
QUEUE_KWARGS = {"concurrency_count": 4} if MAJOR < 4 else {"default_concurrency_limit": 4}


def greet(name: str, n: float) -> str:
    return f"Hello, {name}!" * int(n)


def count(n: float):  # type: ignore[no-untyped-def]
    for i in range(int(n)):
        time.sleep(0.02)
        yield str(i)


def shout(file) -> str:  # type: ignore[no-untyped-def]
    path = file if isinstance(file, str) else file.name  # 3.x passes a tempfile wrapper
    with open(path, "rb") as fh:
        data = fh.read().upper()
    out = os.path.join(tempfile.mkdtemp(), os.path.basename(path) + ".out")
    with open(out, "wb") as fh:
        fh.write(data)
    return out


def counter(text: str, state):  # type: ignore[no-untyped-def]
    state = (state or 0) + 1
    return f"{text} #{state}", state


def fail(text: str) -> str:
    raise gr.Error("Custom failure message")


def steps(n: float, progress=gr.Progress()) -> str:
    progress(0.3, desc="Starting")
    for _ in progress.tqdm(range(int(n)), desc="Looping"):
        time.sleep(0.05)
    return f"did {int(n)} steps"


def slow(seconds: float) -> str:
    time.sleep(float(seconds))
    return f"slept {seconds}"


def slowgen(n: float):  # type: ignore[no-untyped-def]
    for i in range(int(n)):
        yield str(i)
        time.sleep(0.5)


def flip(image: str) -> str:
    return image


def build() -> gr.Blocks:
    with gr.Blocks(title="Matrix") as demo:
        name = gr.Textbox(label="Name")
        n = gr.Number(label="N", value=1)
        out = gr.Textbox(label="Out")
        gr.Button("greet").click(greet, [name, n], out, api_name="greet")
        gr.Button("count").click(count, n, out, api_name="count")
        gr.Button("shout").click(
            shout, gr.File(label="File"), gr.File(label="Loud"), api_name="shout"
        )
        state = gr.State()
        gr.Button("counter").click(counter, [name, state], [out, state], api_name="counter")
        gr.Button("fail").click(fail, name, out, api_name="fail")
        gr.Button("steps").click(steps, n, out, api_name="steps")
        gr.Button("slow").click(slow, n, out, api_name="slow")
        gr.Button("slowgen").click(slowgen, n, out, api_name="slowgen")
        gr.Button("flip").click(
            flip, gr.Image(type="filepath", label="Image"), gr.Image(type="filepath", label="Flipped"),
            api_name="flip",
        )  # fmt: skip
    return demo


demo = build()
