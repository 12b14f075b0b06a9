"""Version 1 of an app that then changes the way real Spaces do (tests/apps/drift_v2.py).

Used by tests/contract/test_drift_live.py: a client is generated from this version and
pointed at v2. Every function names itself in its answer, so a call that reaches another
function is seen, not guessed.
"""

from __future__ import annotations

import gradio as gr


def _reverse(t: str) -> str:
    return "reverse " + t[::-1]


def _reverse_renamed(word: str) -> str:
    return "reverse " + word[::-1]


def build(*, renamed: bool = False) -> gr.Blocks:
    """``renamed``: ``/reverse``'s Python parameter is ``word`` (tests/apps/drift_v3.py)."""
    with gr.Blocks(title="Drift v1") as demo:
        text = gr.Textbox(label="text")
        out = gr.Textbox(label="out")
        reverse = _reverse_renamed if renamed else _reverse
        gr.Button("reverse").click(reverse, text, out, api_name="reverse")
        # v2 adds an optional parameter
        gr.Button("shout").click(lambda t: "shout " + t.upper(), text, out, api_name="shout")
        # v2 removes the choice "L"
        size = gr.Radio(["S", "M", "L"], value="M", label="size")
        gr.Button("order").click(lambda t, s: f"order {t}:{s}", [text, size], out, api_name="order")
        # v2 returns text instead of a number
        length = gr.Number(label="length", precision=0)
        gr.Button("length").click(lambda t: len(t), text, length, api_name="length")
        # session State: a running total per session
        amount = gr.Number(label="amount")
        total = gr.Number(label="total")
        state = gr.State(0)

        def add(x: float, s: float) -> tuple[float, float]:
            s = (s or 0) + x
            return s, s

        gr.Button("add").click(add, [amount, state], [total, state], api_name="add")
    return demo


demo = build()
