"""Runtime test app with a tiny queue (max_size=2) and a validator."""

from __future__ import annotations

import asyncio

import gradio as gr

QUEUE_KWARGS = {"max_size": 2, "default_concurrency_limit": 1}


async def hold(seconds: float) -> float:
    await asyncio.sleep(float(seconds))
    return float(seconds)


def greet(name: str, greeting: str) -> str:
    return f"{greeting} {name}"


def check_name(name: str, greeting: str):  # type: ignore[no-untyped-def]
    return [
        gr.validate(len(name) > 3, "Must be longer than 3 characters"),
        gr.validate(bool(greeting), "Must not be empty"),
    ]


with gr.Blocks() as demo:
    secs = gr.Number(label="seconds")
    gr.Button("hold").click(hold, secs, gr.Number(label="held"), api_name="hold")
    name = gr.Textbox(label="name")
    greeting = gr.Textbox(label="greeting", value="hi")
    gr.Button("named").click(
        greet, [name, greeting], gr.Textbox(label="res"), api_name="named", validator=check_name
    )
