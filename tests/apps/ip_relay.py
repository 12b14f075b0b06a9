"""App A of the x-ip-token test: its handlers call app B (tests/apps/batch_app.py ``/headers``,
which answers the ``x-ip-token`` it received) through gradio-gen clients built at import
time, outside any handler. B is reached as a Space (``IPT_SPACE``, resolved through the fake
Hub at ``HF_ENDPOINT``) or by its plain URL (``IPT_URL``: not a Space host)."""

from __future__ import annotations

import os

import gradio as gr
from gradio_gen_runtime import AsyncClient, Client

SPACE = Client(os.environ["IPT_SPACE"])
ASPACE = AsyncClient(os.environ["IPT_SPACE"])
PLAIN = Client(os.environ["IPT_URL"])


def via_space() -> str:
    return str(SPACE.predict("/headers"))


async def via_space_async() -> str:
    return str(await ASPACE.predict("/headers"))


def via_url() -> str:
    return str(PLAIN.predict("/headers"))


def via_space_map() -> str:
    return ",".join(str(r) for r in SPACE.map("/headers", [(), ()]))


with gr.Blocks() as demo:
    out = gr.Textbox(label="token B saw")
    gr.Button("space").click(via_space, None, out, api_name="via_space")
    gr.Button("space async").click(via_space_async, None, out, api_name="via_space_async")
    gr.Button("url").click(via_url, None, out, api_name="via_url")
    gr.Button("map").click(via_space_map, None, out, api_name="via_space_map")
