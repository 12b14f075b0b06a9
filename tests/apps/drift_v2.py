"""Version 2 of tests/apps/drift_v1.py, changed the way real Spaces change.

- ``/wipe`` is a new event listener inserted *before* the others, with the arity of
  ``/reverse``: every later ``fn_index`` shifts by one, so a join carrying v1's index of
  ``/reverse`` runs ``/wipe`` (it answers ``WRONG FUNCTION ...``).
- ``/shout`` gained an optional parameter (a checkbox, default False): compatible.
- ``/order`` lost the choice "L": breaking for that value only.
- ``/length`` returns text instead of a number: breaking.
- ``/reverse`` and ``/add`` are unchanged (only shifted).
"""

from __future__ import annotations

import gradio as gr


def build() -> gr.Blocks:
    with gr.Blocks(title="Drift v2") as demo:
        text = gr.Textbox(label="text")
        out = gr.Textbox(label="out")
        gr.Button("wipe").click(lambda t: "WRONG FUNCTION " + t, text, out, api_name="wipe")
        gr.Button("reverse").click(lambda t: "reverse " + t[::-1], text, out, api_name="reverse")
        loud = gr.Checkbox(value=False, label="loud")
        gr.Button("shout").click(
            lambda t, lo: "shout " + t.upper() + ("!!!" if lo else ""),
            [text, loud],
            out,
            api_name="shout",
        )
        size = gr.Radio(["S", "M"], value="M", label="size")
        gr.Button("order").click(lambda t, s: f"order {t}:{s}", [text, size], out, api_name="order")
        length = gr.Textbox(label="length")
        gr.Button("length").click(lambda t: f"{len(t)} chars", text, length, api_name="length")
        amount = gr.Number(label="amount")
        total = gr.Number(label="total")
        state = gr.State(0)

        def add(x: float, s: float) -> tuple[float, float]:
            s = (s or 0) + x
            return s, s

        gr.Button("add").click(add, [amount, state], [total, state], api_name="add")
    return demo


demo = build()
