"""Runtime test app: a gr.Interface with numbers and a dropdown."""

from __future__ import annotations

import gradio as gr


def calc(a: float, op: str, b: float) -> float:
    if op == "add":
        return a + b
    if op == "mul":
        return a * b
    raise gr.Error(f"unknown op {op}")


demo = gr.Interface(
    calc,
    [
        gr.Number(label="a"),
        gr.Dropdown(["add", "mul"], value="add", label="op"),
        gr.Number(label="b"),
    ],
    gr.Number(label="result"),
)
