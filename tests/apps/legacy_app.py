"""One app that runs unchanged on every Gradio release line from 3.x to 6.x (legacy tests).

Text, number, dropdown with choices, a generator, a file in and out, an image in and out and a
State counter. Written against the API all of them share: ``gr.File(type="binary")`` (3.x
passes a tempfile object by default, 4.x+ a path; ``binary`` is bytes on both),
``gr.Image(type="filepath")``, ``api_name=`` on ``.click``, ``demo.queue()`` (3.x runs
generators only through the queue). Labels are the function parameters' names capitalised, so
the parameter names gradio-gen derives from labels on releases whose ``/info`` has no
``parameter_name`` (before 4.22) equal the ones later releases report.
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

import gradio as gr

QUEUE_KWARGS: dict[str, Any] = {}


def greet(name: str, n: float, fruit: str) -> str:
    return f"Hello, {name}! " * int(n or 1) + f"({fruit})"


def count(count: float):  # type: ignore[no-untyped-def]
    for i in range(int(count or 0)):
        time.sleep(0.05)
        yield str(i)


def shout(document: bytes) -> str:
    fd, path = tempfile.mkstemp(suffix=".txt")
    with os.fdopen(fd, "wb") as handle:
        handle.write(bytes(document).upper())
    return path


def mirror(picture: str) -> str:
    from PIL import Image, ImageOps

    fd, path = tempfile.mkstemp(suffix=".png")
    os.close(fd)
    with Image.open(picture) as image:
        ImageOps.mirror(image.convert("RGB")).save(path)
    return path


def counter(text: str, state: int) -> tuple[str, int]:
    state = (state or 0) + 1
    return f"{text} #{state}", state


with gr.Blocks(title="Legacy Test App") as demo:
    name = gr.Textbox(label="Name")
    n = gr.Number(value=1, precision=0, label="N")
    fruit = gr.Dropdown(choices=["apple", "banana", "cherry"], value="apple", label="Fruit")
    greeting = gr.Textbox(label="Greeting")
    gr.Button("greet").click(greet, [name, n, fruit], greeting, api_name="greet")

    how_many = gr.Number(value=3, precision=0, label="Count")
    counted = gr.Textbox(label="Counted")
    gr.Button("count").click(count, how_many, counted, api_name="count")

    document = gr.File(type="binary", label="Document")
    shouted = gr.File(label="Shouted")
    gr.Button("shout").click(shout, document, shouted, api_name="shout")

    picture = gr.Image(type="filepath", label="Picture")
    mirrored = gr.Image(type="filepath", label="Mirrored")
    gr.Button("mirror").click(mirror, picture, mirrored, api_name="mirror")

    text = gr.Textbox(label="Text")
    state = gr.State(0)
    tally = gr.Textbox(label="Tally")
    gr.Button("counter").click(counter, [text, state], [tally, state], api_name="counter")
