"""A generator that streams many tokens fast (the retained-memory tests of a long stream)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import gradio as gr


async def tokens(n: float, width: float) -> AsyncIterator[str]:
    """``n`` tokens of ``width`` characters, the whole text so far at each yield (gradio
    sends each yield after the first as an ``append`` edit)."""
    text = ""
    for i in range(int(n)):
        text += f"{i} ".rjust(int(width), "x")
        yield text


with gr.Blocks(title="Long stream") as demo:
    n = gr.Number(label="n", value=10)
    width = gr.Number(label="width", value=8)
    out = gr.Textbox(label="text")
    gr.Button("go").click(tokens, [n, width], out, api_name="tokens")
