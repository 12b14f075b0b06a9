"""Outputs that are component updates rather than plain values (for the generated-client tests)."""

from __future__ import annotations

import gradio as gr


def as_update(text: str) -> dict[str, object]:
    return gr.update(value=text.upper(), visible=True)


def as_component(text: str) -> tuple[gr.Textbox, gr.Number]:
    return gr.Textbox(value=text[::-1]), gr.Number(value=len(text))


def only_props(text: str) -> dict[str, object]:
    return gr.update(visible=bool(text))


with gr.Blocks(title="Updates") as demo:
    inp = gr.Textbox(label="Text")
    out = gr.Textbox(label="Out")
    num = gr.Number(label="Length")
    gr.Button("a").click(as_update, inp, out, api_name="as_update")
    gr.Button("b").click(as_component, inp, [out, num], api_name="as_component")
    gr.Button("c").click(only_props, inp, out, api_name="only_props")
    image = gr.Image(label="Picture")
    gr.Button("d").click(lambda text: None, inp, image, api_name="nothing")
