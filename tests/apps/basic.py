"""A Blocks app covering the common call shapes (used by many tests)."""

from __future__ import annotations

import asyncio
import time

import gradio as gr


def greet(name: str, excited: bool = False) -> str:
    return f"Hello {name}{'!' if excited else '.'}"


def add(a: float, b: float) -> float:
    return a + b


def count(n: float):  # type: ignore[no-untyped-def]
    text = ""
    for i in range(int(n)):
        text += f"{i} "
        time.sleep(0.05)
        yield text


async def slow(text: str) -> str:
    await asyncio.sleep(1.0)
    return text


def fail(text: str) -> str:
    raise gr.Error(f"bad input: {text}", title="Custom Title")


def counter(text: str, state: int | None) -> tuple[str, int]:
    state = (state or 0) + 1
    return f"{text} #{state}", state


with gr.Blocks(title="Basic Test App") as demo:
    name = gr.Textbox(label="Name")
    excited = gr.Checkbox(label="Excited", value=False)
    out = gr.Textbox(label="Greeting")
    gr.Button("greet").click(greet, [name, excited], out, api_name="greet")
    a = gr.Number(label="a")
    b = gr.Number(label="b")
    s = gr.Number(label="sum")
    gr.Button("add").click(add, [a, b], s, api_name="add")
    n = gr.Number(label="n", value=3)
    c = gr.Textbox(label="count")
    gr.Button("count").click(count, n, c, api_name="count")
    gr.Button("slow").click(slow, name, out, api_name="slow")
    gr.Button("fail").click(fail, name, out, api_name="fail")
    st = gr.State()
    gr.Button("counter").click(counter, [name, st], [out, st], api_name="counter")
    fruit = gr.Dropdown(["apple", "banana"], value="apple", label="Fruit")
    gr.Button("noq").click(lambda f: f"got {f}", fruit, out, api_name="noq", queue=False)
