"""Runtime test app behind Gradio password auth."""

from __future__ import annotations

import gradio as gr

LAUNCH_KWARGS = {"auth": ("user", "s3cret")}

with gr.Blocks() as demo:
    box = gr.Textbox(label="text")
    gr.Button("go").click(lambda t: t[::-1], box, gr.Textbox(label="reversed"), api_name="reverse")
