"""A one-function app with a queue of one (queue-full in every era's form)."""

from __future__ import annotations

import time

import gradio as gr

MAJOR = int(gr.__version__.split(".")[0])
QUEUE_KWARGS = (
    {"concurrency_count": 1, "max_size": 1}
    if MAJOR < 4
    else {"default_concurrency_limit": 1, "max_size": 1}
)


def hold(seconds: float) -> float:
    time.sleep(float(seconds))
    return float(seconds)


with gr.Blocks() as demo:
    secs = gr.Number(label="seconds")
    gr.Button("hold").click(hold, secs, gr.Number(label="held"), api_name="hold")
