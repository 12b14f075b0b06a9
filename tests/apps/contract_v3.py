"""Version 3 of tests/apps/contract_v1.py: only compatible changes (a new endpoint at the
end, an optional parameter, a new choice, a changed default)."""

from __future__ import annotations

import gradio as gr


def echo(*values: object) -> str:
    return " ".join(str(v) for v in values)


with gr.Blocks(title="Contract v3") as demo:
    text = gr.Textbox(label="text")
    count = gr.Number(label="count", value=1, precision=0)
    out = gr.Textbox(label="out")

    def optional(t: str, suffix: str = "!") -> str:
        return echo(t, suffix)

    suffix = gr.Textbox(label="suffix", value="!")
    gr.Button("optional").click(optional, [text, suffix], out, api_name="optional")
    gr.Button("required").click(lambda t: echo(t), text, out, api_name="required")

    def drop(t: str, n: float) -> str:
        return echo(t, n)

    gr.Button("drop").click(drop, [text, count], out, api_name="drop")

    def rename(t: str, n: float) -> str:
        return echo(t, n)

    gr.Button("rename").click(rename, [text, count], out, api_name="rename")

    def reorder(t: str, n: float) -> str:
        return echo(t, n)

    gr.Button("reorder").click(reorder, [text, count], out, api_name="reorder")

    fruit = gr.Dropdown(["apple", "banana", "cherry"], value="apple", label="fruit")
    size = gr.Radio(["S", "M", "L"], value="M", label="size")
    gr.Button("choices").click(lambda f, s: echo(f, s), [fruit, size], out, api_name="choices")

    whole = gr.Number(label="whole", precision=0)
    level = gr.Number(label="level")
    gr.Button("types").click(lambda w, lv: echo(w, lv), [whole, level], out, api_name="types")

    temp = gr.Slider(0, 1, value=0.7, label="temperature")
    gr.Button("default").click(lambda t: echo(t), temp, out, api_name="default")

    gr.Button("outputs").click(lambda t: echo(t), text, out, api_name="outputs")
    gr.Button("retyped").click(lambda t: echo(t), text, out, api_name="retyped")
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

    gr.Button("removed").click(lambda t: echo(t), text, out, api_name="removed_ep")
    gr.Button("added").click(lambda t: echo(t), text, out, api_name="added_ep")
