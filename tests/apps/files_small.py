"""A File echo app with max_file_size=1000 (uploads above it must fail)."""

from __future__ import annotations

import gradio as gr

LAUNCH_KWARGS = {"max_file_size": 1000}


def echo(f: str | None) -> str | None:
    return f


with gr.Blocks(title="Small files") as demo:
    f_in = gr.File(label="file in")
    f_out = gr.File(label="file out")
    gr.Button("echo").click(echo, f_in, f_out, api_name="echo")
