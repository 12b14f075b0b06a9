"""Version 1 of an app whose API changes in every way the contract diff classifies.

tests/apps/contract_v2.py is the same app after breaking and compatible changes, one kind
per endpoint; contract_v3.py has only compatible ones. Every version keeps the same number
of events before each endpoint, so fn_index only changes where a test wants it to.
"""

from __future__ import annotations

import gradio as gr


def echo(*values: object) -> str:
    return " ".join(str(v) for v in values)


with gr.Blocks(title="Contract v1") as demo:
    text = gr.Textbox(label="text")
    count = gr.Number(label="count", value=1, precision=0)
    out = gr.Textbox(label="out")

    # parameter added with a default (compatible in v2, v3)
    gr.Button("optional").click(lambda t: echo(t), text, out, api_name="optional")
    # parameter added without a default (breaking)
    gr.Button("required").click(lambda t: echo(t), text, out, api_name="required")

    # parameter removed (breaking)
    def drop(t: str, n: float) -> str:
        return echo(t, n)

    gr.Button("drop").click(drop, [text, count], out, api_name="drop")

    # parameter renamed, same position and type (breaking)
    def rename(t: str, n: float) -> str:
        return echo(t, n)

    gr.Button("rename").click(rename, [text, count], out, api_name="rename")

    # parameters reordered (breaking)
    def reorder(t: str, n: float) -> str:
        return echo(t, n)

    gr.Button("reorder").click(reorder, [text, count], out, api_name="reorder")

    # choices added (compatible) to one parameter, removed (breaking) from another
    fruit = gr.Dropdown(["apple", "banana"], value="apple", label="fruit")
    size = gr.Radio(["S", "M", "L"], value="M", label="size")
    gr.Button("choices").click(lambda f, s: echo(f, s), [fruit, size], out, api_name="choices")

    # type widened (integer -> number: compatible) and narrowed (number -> integer: breaking)
    whole = gr.Number(label="whole", precision=0)
    level = gr.Number(label="level")
    gr.Button("types").click(lambda w, lv: echo(w, lv), [whole, level], out, api_name="types")

    # default changed (compatible)
    temp = gr.Slider(0, 1, value=0.5, label="temperature")
    gr.Button("default").click(lambda t: echo(t), temp, out, api_name="default")

    # output added (breaking) and output retyped (breaking)
    gr.Button("outputs").click(lambda t: echo(t), text, out, api_name="outputs")
    gr.Button("retyped").click(lambda t: echo(t), text, out, api_name="retyped")

    # becomes a generator (breaking); leaves the queue (compatible)
    gr.Button("stream").click(lambda t: echo(t), text, out, api_name="stream")
    gr.Button("queued").click(lambda t: echo(t), text, out, api_name="queued")

    # input connection becomes streaming (breaking)
    cam = gr.Image(label="frame", sources=["webcam"], streaming=False)
    cam_out = gr.Textbox(label="seen")
    gr.Button("live").click(lambda f: "frame", cam, cam_out, api_name="live")

    # output removed (breaking), output widened (breaking), default lost (breaking)
    pair = gr.Number(label="second")
    gr.Button("shrink").click(lambda t: (echo(t), 1), text, [out, pair], api_name="shrink")
    whole_out = gr.Number(label="size", precision=0)
    gr.Button("measure").click(lambda t: len(t), text, whole_out, api_name="measure")
    nick = gr.Textbox(label="nick", value="anon")
    gr.Button("needs").click(lambda n: echo(n), nick, out, api_name="needs")

    # removed in v2 (breaking); v2 puts /added_ep in its place (compatible)
    gr.Button("removed").click(lambda t: echo(t), text, out, api_name="removed_ep")
