"""Version 2 of tests/apps/contract_v1.py: every endpoint changed in one classified way."""

from __future__ import annotations

import time
from collections.abc import Iterator

import gradio as gr


def echo(*values: object) -> str:
    return " ".join(str(v) for v in values)


with gr.Blocks(title="Contract v2") as demo:
    text = gr.Textbox(label="text")
    count = gr.Number(label="count", value=1, precision=0)
    out = gr.Textbox(label="out")

    def optional(t: str, suffix: str = "!") -> str:
        return echo(t, suffix)

    suffix = gr.Textbox(label="suffix", value="!")
    gr.Button("optional").click(optional, [text, suffix], out, api_name="optional")

    def required(t: str, must: str | None) -> str:
        return echo(t, must)

    must = gr.Textbox(label="must")
    gr.Button("required").click(required, [text, must], out, api_name="required")

    def drop(t: str) -> str:
        return echo(t)

    gr.Button("drop").click(drop, [text], out, api_name="drop")

    def rename(t: str, amount: float) -> str:
        return echo(t, amount)

    gr.Button("rename").click(rename, [text, count], out, api_name="rename")

    def reorder(n: float, t: str) -> str:
        return echo(t, n)

    gr.Button("reorder").click(reorder, [count, text], out, api_name="reorder")

    fruit = gr.Dropdown(["apple", "banana", "cherry"], value="apple", label="fruit")
    size = gr.Radio(["S", "M"], value="M", label="size")
    gr.Button("choices").click(lambda f, s: echo(f, s), [fruit, size], out, api_name="choices")

    whole = gr.Number(label="whole")
    level = gr.Number(label="level", precision=0)
    gr.Button("types").click(lambda w, lv: echo(w, lv), [whole, level], out, api_name="types")

    temp = gr.Slider(0, 1, value=0.7, label="temperature")
    gr.Button("default").click(lambda t: echo(t), temp, out, api_name="default")

    out2 = gr.Number(label="length")
    gr.Button("outputs").click(lambda t: (echo(t), len(t)), text, [out, out2], api_name="outputs")
    flag = gr.Checkbox(label="out")
    gr.Button("retyped").click(lambda t: bool(t), text, flag, api_name="retyped")

    def stream(t: str) -> Iterator[str]:
        for i in range(2):
            time.sleep(0.01)
            yield echo(t, i)

    gr.Button("stream").click(stream, text, out, api_name="stream")
    gr.Button("queued").click(lambda t: echo(t), text, out, api_name="queued", queue=False)

    cam = gr.Image(label="frame", sources=["webcam"], streaming=True)
    cam_out = gr.Textbox(label="seen")
    cam.stream(lambda f: "frame", cam, cam_out, api_name="live")

    gr.Button("shrink").click(lambda t: echo(t), text, out, api_name="shrink")
    size_out = gr.Number(label="size")
    gr.Button("measure").click(lambda t: len(t) / 2, text, size_out, api_name="measure")
    nick = gr.Textbox(label="nick")
    gr.Button("needs").click(lambda n: echo(n), nick, out, api_name="needs")

    gr.Button("added").click(lambda t: echo(t), text, out, api_name="added_ep")
