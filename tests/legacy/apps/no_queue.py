"""A gradio 3.x app launched without demo.queue() (its config says enable_queue: false)."""

from __future__ import annotations

import time

import gradio as gr


def echo(text: str) -> str:
    if text == "fail":
        raise gr.Error("no queue, still an error")
    return text


def slow(text: str) -> str:
    time.sleep(1.0)
    return text


def count(n: float):  # type: ignore[no-untyped-def]
    yield from (str(i) for i in range(int(n)))


with gr.Blocks() as demo:
    box = gr.Textbox(label="text")
    out = gr.Textbox(label="out")
    gr.Button("echo").click(echo, box, out, api_name="echo")
    gr.Button("slow").click(slow, box, out, api_name="slow")
    gr.Button("count").click(count, gr.Number(label="n"), out, api_name="count")
