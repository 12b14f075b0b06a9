"""A File echo app behind password auth: files must be fetched with the login cookie."""

from __future__ import annotations

import gradio as gr

LAUNCH_KWARGS = {"auth": ("filer", "pa55word")}


def echo(f: str | None) -> str | None:
    return f


with gr.Blocks(title="Files behind auth") as demo:
    f_in = gr.File(label="file in")
    f_out = gr.File(label="file out")
    gr.Button("echo").click(echo, f_in, f_out, api_name="echo")
