"""A gradio 3.x app launched without demo.queue() (its config says enable_queue: false)."""

from __future__ import annotations

import gradio as gr


def echo(text: str) -> str:
    return text


with gr.Blocks() as demo:
    box = gr.Textbox(label="text")
    gr.Button("echo").click(echo, box, gr.Textbox(label="out"), api_name="echo")
