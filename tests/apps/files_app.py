"""Every file-carrying component shape, for tests/runtime/test_files*.py.

Each endpoint reports what the server received (name, size, sha256) so tests can check
uploads without trusting the client, and returns files so tests can check downloads.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

OUT_DIR = Path(tempfile.mkdtemp(prefix="gg_files_app_"))


def _digest(path: str | None) -> dict[str, Any] | None:
    if path is None:
        return None
    data = Path(path).read_bytes()
    return {
        "name": os.path.basename(path),
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def echo_file(f: str | None) -> tuple[str | None, dict[str, Any] | None]:
    return f, _digest(f)


def echo_files(fs: list[str] | None) -> tuple[list[str] | None, list[Any]]:
    return fs, [_digest(f) for f in fs or []]


def make_named(name: str, text: str) -> str:
    """Return a file whose name (hence orig_name) the caller chooses (hostile-name tests)."""
    d = Path(tempfile.mkdtemp(dir=OUT_DIR))
    p = d / name
    p.write_text(text)
    return str(p)


def image_info(img: Any) -> tuple[Any, dict[str, Any]]:
    arr = np.asarray(img)
    return img, {"shape": list(arr.shape)}


def audio_echo(a: tuple[int, Any] | None) -> tuple[Any, dict[str, Any]]:
    assert a is not None
    rate, data = a
    return a, {"rate": rate, "samples": int(np.asarray(data).shape[0])}


def video_echo(v: str | None) -> tuple[str | None, dict[str, Any] | None]:
    return v, _digest(v)


def gallery_echo(items: list[Any] | None) -> tuple[list[Any], list[Any]]:
    out = []
    info = []
    for item in items or []:
        path, caption = item
        out.append((path, caption))
        info.append({"digest": _digest(path), "caption": caption})
    return out, info


def chat(message: dict[str, Any], history: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    seen = []
    for m in history:
        content = m.get("content")
        for part in content if isinstance(content, list) else [content]:
            if isinstance(part, dict) and part.get("type") == "file":
                seen.append(_digest(part["file"]["path"]))
    for f in message.get("files", []):
        seen.append(_digest(f))
    new = [*history, {"role": "user", "content": message.get("text", "")}]
    for f in message.get("files", []):
        new.append({"role": "user", "content": {"path": f}})
    new.append({"role": "assistant", "content": f"got {len(seen)} file(s)"})
    return new, seen


def editor_info(ed: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return ed, {
        "background": None
        if ed.get("background") is None
        else list(np.asarray(ed["background"]).shape),
        "layers": len(ed.get("layers") or []),
    }


def model3d_echo(m: str | None) -> tuple[str | None, dict[str, Any] | None]:
    return m, _digest(m)


def json_with_path(text: str) -> dict[str, Any]:
    return {"path": text, "url": None, "meta": {"_type": "gradio.FileData"}, "note": "not a file"}


def see_frame(frame: Any) -> str:
    arr = np.asarray(frame)
    return f"{arr.shape[1]}x{arr.shape[0]}"


def nested(fs: list[str] | None) -> tuple[dict[str, Any], list[Any]]:
    return {"files": fs or [], "count": len(fs or [])}, [_digest(f) for f in fs or []]


with gr.Blocks(title="Files Test App") as demo:
    f_in = gr.File(label="file in")
    f_out = gr.File(label="file out")
    info = gr.JSON(label="info")
    gr.Button("echo_file").click(echo_file, f_in, [f_out, info], api_name="echo_file")

    fs_in = gr.File(file_count="multiple", label="files in")
    fs_out = gr.File(file_count="multiple", label="files out")
    gr.Button("echo_files").click(echo_files, fs_in, [fs_out, info], api_name="echo_files")

    name = gr.Textbox(label="name")
    text = gr.Textbox(label="text")
    gr.Button("make_named").click(make_named, [name, text], f_out, api_name="make_named")

    img_in = gr.Image(label="img in")
    img_out = gr.Image(label="img out")
    gr.Button("image").click(image_info, img_in, [img_out, info], api_name="image")

    au_in = gr.Audio(label="audio in")
    au_out = gr.Audio(label="audio out")
    gr.Button("audio").click(audio_echo, au_in, [au_out, info], api_name="audio")

    vid_in = gr.Video(label="video in")
    vid_out = gr.Video(label="video out")
    gr.Button("video").click(video_echo, vid_in, [vid_out, info], api_name="video")

    gal_in = gr.Gallery(label="gallery in")
    gal_out = gr.Gallery(label="gallery out")
    gr.Button("gallery").click(gallery_echo, gal_in, [gal_out, info], api_name="gallery")

    mm = gr.MultimodalTextbox(label="message")
    bot = gr.Chatbot(label="bot")
    gr.Button("chat").click(chat, [mm, bot], [bot, info], api_name="chat")

    ed_in = gr.ImageEditor(label="editor in")
    ed_out = gr.ImageEditor(label="editor out")
    gr.Button("editor").click(editor_info, ed_in, [ed_out, info], api_name="editor")

    m3_in = gr.Model3D(label="model in")
    m3_out = gr.Model3D(label="model out")
    gr.Button("model3d").click(model3d_echo, m3_in, [m3_out, info], api_name="model3d")

    gr.Button("json_path").click(json_with_path, text, info, api_name="json_path")

    gr.Button("nested").click(nested, fs_in, [info, gr.JSON(visible=False)], api_name="nested")

    # streaming input (connection "stream"): each chunk is a file the client must upload
    camera = gr.Image(label="frame", sources=["webcam"], streaming=True, type="numpy")
    seen = gr.Textbox(label="seen")
    camera.stream(see_frame, camera, seen, api_name="frames", time_limit=20, stream_every=0.1)
