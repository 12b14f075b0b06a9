"""The bundled demo app that ``scripts/demo.sh`` launches and generates a client for.

Small on purpose (starts in a few seconds, needs only gradio) but covers the shapes a typed
client must get right: choices (``Literal``), numbers with defaults, several outputs (a
``NamedTuple``), a streaming generator, session state and structured data (a Dataframe).
Run it alone with ``python generated_examples/demo_app/app.py [PORT]``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr


def greet(name: str, style: str = "friendly", repeat: float = 1) -> str:
    """Greet someone in a given style."""
    word = {"friendly": "Hello", "formal": "Good day", "pirate": "Ahoy"}[style]
    return " ".join([f"{word}, {name}!"] * int(repeat))


def stats(text: str) -> tuple[int, int, str]:
    """Count words and characters; return the longest word too."""
    words = text.split()
    return len(words), len(text), max(words, key=len) if words else ""


def countdown(start: float) -> Iterator[str]:
    """Stream a countdown, one line per step."""
    lines = []
    for i in range(int(start), -1, -1):
        lines.append("liftoff!" if i == 0 else str(i))
        time.sleep(0.05)
        yield "\n".join(lines)


def tally(item: str, total: list[str] | None) -> tuple[str, list[str]]:
    """Add an item to this session's list (kept in gr.State)."""
    items = [*(total or []), item]
    return ", ".join(items), items


def table_total(table: Any) -> float:
    """Sum the 'price' column of a table."""
    return float(sum(float(v) for v in table["price"]))


with gr.Blocks(title="Demo App") as demo:
    name = gr.Textbox(label="Name")
    style = gr.Radio(["friendly", "formal", "pirate"], value="friendly", label="Style")
    repeat = gr.Slider(1, 3, value=1, step=1, label="Repeat")
    greeting = gr.Textbox(label="Greeting")
    gr.Button("Greet").click(greet, [name, style, repeat], greeting, api_name="greet")

    text = gr.Textbox(label="Text")
    words = gr.Number(label="Words")
    chars = gr.Number(label="Characters")
    longest = gr.Textbox(label="Longest word")
    gr.Button("Stats").click(stats, text, [words, chars, longest], api_name="text-stats")

    start = gr.Number(value=3, label="Start")
    out = gr.Textbox(label="Countdown")
    gr.Button("Go").click(countdown, start, out, api_name="countdown")

    item = gr.Textbox(label="Item")
    items = gr.State()
    listed = gr.Textbox(label="Items so far")
    gr.Button("Add").click(tally, [item, items], [listed, items], api_name="tally")

    table = gr.Dataframe(
        headers=["item", "price"], datatype=["str", "number"], label="Basket", type="pandas"
    )
    total = gr.Number(label="Total")
    gr.Button("Total").click(table_total, table, total, api_name="total")


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 7860
    demo.launch(server_name="127.0.0.1", server_port=port)
