"""In-memory images as inputs (tests/runtime/test_image_inputs.py).

Each endpoint reports what the server decoded, pixel for pixel (shape, dtype, sha256 of the
array bytes), so a test can tell a lossless upload from a lossy one without trusting the client.
"""

from __future__ import annotations

import hashlib
from typing import Any

import gradio as gr
import numpy as np
from PIL import Image


def _pixels(arr: Any) -> dict[str, Any] | None:
    if arr is None:
        return None
    a = np.asarray(arr)
    return {
        "shape": list(a.shape),
        "dtype": str(a.dtype),
        "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
    }


def _file_pixels(path: str) -> dict[str, Any]:
    with Image.open(path) as im:
        return {"mode": im.mode, **(_pixels(np.asarray(im)) or {})}


def pixels(img: Any) -> dict[str, Any] | None:
    return _pixels(img)


def gallery(items: list[Any] | None) -> list[Any]:
    return [_file_pixels(path) for path, _caption in items or []]


def editor(ed: dict[str, Any]) -> dict[str, Any]:
    return {
        "background": _pixels(ed.get("background")),
        "layers": [_pixels(layer) for layer in ed.get("layers") or []],
    }


def any_file(path: str | None) -> dict[str, Any] | None:
    return None if path is None else _file_pixels(path)


def chat(message: dict[str, Any]) -> list[Any]:
    return [_file_pixels(f) for f in message.get("files", [])]


def audio_len(a: tuple[int, Any] | None) -> int:
    return 0 if a is None else len(a[1])


with gr.Blocks(title="Image inputs") as demo:
    info = gr.JSON(label="info")
    img = gr.Image(label="image", type="numpy", image_mode=None)
    gr.Button("pixels").click(pixels, img, info, api_name="pixels")
    gal = gr.Gallery(label="gallery", type="filepath")
    gr.Button("gallery").click(gallery, gal, info, api_name="gallery")
    ed = gr.ImageEditor(label="editor", type="numpy", image_mode="RGBA")
    gr.Button("editor").click(editor, ed, info, api_name="editor")
    f = gr.File(label="file", type="filepath")
    gr.Button("file").click(any_file, f, info, api_name="file")
    mm = gr.MultimodalTextbox(label="message")
    gr.Button("chat").click(chat, mm, info, api_name="chat")
    au = gr.Audio(label="audio", type="numpy")
    gr.Button("audio").click(audio_len, au, gr.Number(label="n"), api_name="audio")
