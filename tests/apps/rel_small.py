"""Reliability test app with a queue of one waiting event and one worker (queue full)."""

from __future__ import annotations

import asyncio

import gradio as gr

QUEUE_KWARGS = {"max_size": 1, "default_concurrency_limit": 1}


async def hold(seconds: float) -> float:
    await asyncio.sleep(float(seconds))
    return float(seconds)


with gr.Blocks(title="Reliability Small Queue") as demo:
    num = gr.Number(label="seconds")
    gr.Button().click(hold, num, gr.Number(label="held"), api_name="hold")
