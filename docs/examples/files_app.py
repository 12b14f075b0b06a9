"""A one-function app with files, used by the docs' file examples (and their test).

Run it with ``python docs/examples/files_app.py 7861``. ``/shout`` takes a text file and
returns an upper-cased copy plus its size in bytes; ``/measure`` takes an image and says its
size and colour mode.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import gradio as gr
from PIL import Image


def shout(document: str) -> tuple[str, int]:
    """Upper-case a text file."""
    data = Path(document).read_bytes().upper()
    out = Path(tempfile.mkdtemp(prefix="shout_")) / ("LOUD_" + Path(document).name)
    out.write_bytes(data)
    return str(out), len(data)


def measure(image: Image.Image) -> str:
    """Describe an image: ``"<width>x<height> <mode>"``."""
    return f"{image.width}x{image.height} {image.mode}"


with gr.Blocks(title="Files") as demo:
    document = gr.File(label="Document")
    loud = gr.File(label="Loud copy")
    size = gr.Number(label="Size", precision=0)
    gr.Button("Shout").click(shout, document, [loud, size], api_name="shout")
    picture = gr.Image(label="Picture", type="pil", image_mode=None)
    description = gr.Textbox(label="Description")
    gr.Button("Measure").click(measure, picture, description, api_name="measure")


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 7861
    demo.launch(server_name="127.0.0.1", server_port=port)
