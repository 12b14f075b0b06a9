"""Runtime test app: progress, logs, cancellable work, parallel siblings, streaming input."""

from __future__ import annotations

import asyncio
import time

import gradio as gr

RUNS: dict[str, int] = {}


async def work(tag: str, seconds: float) -> str:
    """An async fn (a server-side cancel really stops it); counts the runs that finished."""
    await asyncio.sleep(float(seconds))
    RUNS[tag] = RUNS.get(tag, 0) + 1
    return f"done {tag}"


def finished(tag: str) -> int:
    return RUNS.get(tag, 0)


def ticker(n: float, delay: float):  # type: ignore[no-untyped-def]
    for i in range(int(n)):
        time.sleep(float(delay))
        yield i


def progress_fn(steps: float, progress: gr.Progress = gr.Progress()) -> str:
    for _ in progress.tqdm(range(int(steps)), desc="Looping", unit="steps"):
        time.sleep(0.05)
    return "finished"


def logs_fn(text: str) -> str:
    gr.Info(f"info: {text}")
    time.sleep(0.05)
    gr.Warning(f"warning: {text}", title="Careful")
    time.sleep(0.05)
    return text.upper()


def chat(message: str, history: list):  # type: ignore[no-untyped-def, type-arg]
    history = [*history, {"role": "user", "content": message}]
    yield history
    reply = ""
    for word in ["Hi", " there", " friend"]:
        reply += word
        time.sleep(0.02)
        yield [*history, {"role": "assistant", "content": reply}]


def crash(text: str) -> str:
    raise ValueError(f"plain failure {text}")


def see_frame(frame, count: int | None):  # type: ignore[no-untyped-def]
    count = (count or 0) + 1
    height, width = frame.shape[:2]
    return f"{count}:{width}x{height}", count


with gr.Blocks(title="Runtime Test App") as demo:
    tag = gr.Textbox(label="tag")
    secs = gr.Number(label="seconds", value=1.0)
    out = gr.Textbox(label="out")
    # one task at a time per fn (gradio's default): a second call waits in the queue
    gr.Button("work").click(work, [tag, secs], out, api_name="work")
    # any number at once: siblings of one fn run together in a session
    gr.Button("par").click(work, [tag, secs], out, api_name="par", concurrency_limit=None)
    gr.Button("finished").click(
        finished, tag, gr.Number(label="n"), api_name="finished", queue=False
    )
    n = gr.Number(label="n", value=5)
    delay = gr.Number(label="delay", value=0.1)
    gr.Button("ticker").click(ticker, [n, delay], gr.Number(label="i"), api_name="ticker")
    gr.Button("progress").click(
        progress_fn, gr.Number(label="steps", value=3), out, api_name="progress"
    )
    gr.Button("logs").click(logs_fn, tag, out, api_name="logs")
    chatbot = gr.Chatbot(label="chat")
    gr.Button("chat").click(chat, [tag, chatbot], chatbot, api_name="chat")
    gr.Button("crash").click(crash, tag, out, api_name="crash")
    # streaming input (connection "stream"): each frame answers at once; State counts them
    camera = gr.Image(label="frame", sources=["webcam"], streaming=True, type="numpy")
    seen = gr.Textbox(label="seen")
    frames = gr.State()
    camera.stream(
        see_frame,
        [camera, frames],
        [seen, frames],
        api_name="frames",
        time_limit=20,
        stream_every=0.1,
    )
    gr.Button("multi").click(
        lambda a, b: (a * 2, f"{a}-{b}", [a, b]),
        [gr.Number(label="x"), gr.Dropdown(["p", "q"], value="p", label="choice")],
        [gr.Number(label="double"), gr.Textbox(label="joined"), gr.JSON(label="both")],
        api_name="multi",
    )
