"""The generated module as a user meets it (issue 16), against LIVE corpus apps generated
from their URLs: structured parameters passed as plain dicts (run time and ``mypy --strict``),
optional fields left out rather than sent as null, one class per shape named after its
component, result fields with real names, every spelling of the source giving the same bytes,
and docstrings that say what to pass. Skipped where ``../shared/corpus`` is absent.
"""

from __future__ import annotations

import ast
import io
import json
import re
import shutil
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from gradio_gen import cli
from gradio_gen_runtime._spec import AppSpec
from gradio_gen_runtime._typed._generated import _prepare
from PIL import Image

from tests.e2e.test_generated_examples import corpus_app, png_bytes
from tests.generator._util import load_module, mypy_strict
from tests.servers import CORPUS

pytestmark = pytest.mark.timeout(300)


def _generate(source: str, target: Path, *extra: str) -> tuple[ModuleType, str]:
    """Run the CLI as a user would; return the loaded module and what it printed on stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "gradio_gen", source, "-o", str(target), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return load_module(target, name=f"_gg_ux_{target.stem}"), proc.stderr


def _classes(module_text: str) -> dict[str, ast.ClassDef]:
    tree = ast.parse(module_text)
    return {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}


def _shape(cls: ast.ClassDef) -> str:
    return ast.dump(ast.Module(body=cls.body, type_ignores=[]))


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ModuleType, Path]]:
    out = tmp_path_factory.mktemp("chat")
    with corpus_app("demo__chatbot_multimodal") as url:
        module, _ = _generate(url, out / "chat_client.py", "--class-name", "Chat")
        yield url, module, out / "chat_client.py"


def test_optional_fields_left_unset_are_not_sent_as_null(
    chat: tuple[str, ModuleType, Path],
) -> None:
    url, m, _ = chat
    with m.Chat(url) as client:
        # the call: {"text": ...} alone used to send "files": null and crash the app
        first = client.add_message([], {"text": "again"})
        assert first.history[-1].content[-1].text == "again"
        # a result model (files unset: the app did not send them) passed straight back
        echo = m.MultimodalTextbox(text="from a model")
        assert "files" not in echo.model_dump()
        second = client.add_message(first.history, echo)
        assert second.history[-1].content[-1].text == "from a model"
        third = client.add_message(second.history, {"text": "a file", "files": [b"hello"]})
        kinds = [type(c).__name__ for c in third.history[-1].content]
        assert kinds == ["FileMessage", "TextMessage"]
        streamed = client.bot_response([{"role": "user", "content": [{"text": "hi"}]}])
        assert streamed[-1].role == "assistant" and streamed[-1].content[0].text
    # what goes on the wire for a dict and for a model: no "files" key at all
    ep = type(m.Chat(url).add_message)
    spec = AppSpec.from_snapshot(m.Chat.snapshot()).endpoint("/add_message")
    for message in ({"text": "x"}, m.MultimodalTextbox(text="x")):
        assert _prepare(ep, spec, ([], message))[1] == {"text": "x"}
    # a None the caller sets on purpose is sent as given
    explicit = m.MultimodalTextbox(text="x", files=None)
    assert _prepare(ep, spec, ([], explicit))[1] == {"text": "x", "files": None}


def test_one_class_per_shape_named_after_the_component(
    chat: tuple[str, ModuleType, Path],
) -> None:
    _, m, path = chat
    text = path.read_text(encoding="utf-8")
    classes = _classes(text)
    # /add_message's second output and /lambda's output are the same MultimodalTextbox value
    hints = typing.get_type_hints(m.AddMessageResult)
    assert hints["message"] is m.MultimodalTextbox
    assert "-> MultimodalTextbox:" in text.split("class _LambdaEndpoint", 1)[1]
    assert m.AddMessageResult._fields == ("history", "message")  # not value_1, value_2
    assert hints["history"] == list[m.ChatMessage]
    models = {n: c for n, c in classes.items() if not n.startswith("_") and n[0].isupper()}
    shapes = [_shape(c) for n, c in models.items() if "Fake" not in n]
    assert len(shapes) == len(set(shapes)), "two classes with the same body"
    assert not [n for n in models if re.search(r"\d|Input$|Output$", n)], sorted(models)
    for name in ("ChatMessage", "ChatMessageParam", "MultimodalTextbox", "MultimodalTextboxParam"):
        assert name in m.__all__
    assert "parameter_1" not in text.split("_SNAPSHOT_JSON")[0]
    assert "value_1" not in text.split("_SNAPSHOT_JSON")[0]


USER_SCRIPT = """
from chat_client import AddMessageResult, Chat, ChatMessageParam, MultimodalTextboxParam


def chat(client: Chat, t: str) -> list[str]:
    first: AddMessageResult = client.add_message([], {"text": t, "files": []})
    again = client.add_message(first.history, {"text": "again"})
    message: MultimodalTextboxParam = {"text": t, "files": ["cat.png", b"raw bytes"]}
    client.add_message([], message)
    history: list[ChatMessageParam] = [
        {"role": "user", "content": [{"text": "hi"}, {"file": "cat.png"}]}
    ]
    client.bot_response(history)
    client.bot_response(again.history)
    return [m.role for m in again.history]
"""

USER_MISTAKES = """
from chat_client import Chat

def chat(client: Chat) -> None:
    client.add_message([], {"txt": "x"})  # BAD: no such key
    client.add_message([], {"text": 1})  # BAD: text is a str
    client.add_message([], {"text": "x", "files": None})  # BAD: files is not nullable
    client.bot_response([{"role": "user"}])  # BAD: content is required
"""


def test_dicts_type_check_under_mypy_strict_and_pyright(
    chat: tuple[str, ModuleType, Path], tmp_path: Path
) -> None:
    _, _, path = chat
    shutil.copy(path, tmp_path / "chat_client.py")
    (tmp_path / "user.py").write_text(USER_SCRIPT, encoding="utf-8")
    (tmp_path / "mistakes.py").write_text(USER_MISTAKES, encoding="utf-8")
    good = mypy_strict([tmp_path / "user.py", tmp_path / "chat_client.py"], tmp_path)
    assert good.returncode == 0, good.stdout
    bad = mypy_strict([tmp_path / "mistakes.py"], tmp_path)
    flagged = {int(n) for n in re.findall(r"^mistakes\.py:(\d+): error", bad.stdout, re.M)}
    expected = {i + 1 for i, line in enumerate(USER_MISTAKES.split("\n")) if "# BAD" in line}
    assert expected <= flagged, bad.stdout
    pyright = shutil.which("pyright") or str(Path(sys.executable).parent / "pyright")
    if not Path(pyright).exists():
        pytest.skip("pyright is not installed (mypy --strict passed)")
    proc = subprocess.run(
        [pyright, "--outputjson", "--pythonpath", sys.executable, "user.py", "mistakes.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    errors: dict[str, set[int]] = {}
    for d in json.loads(proc.stdout)["generalDiagnostics"]:
        if d["severity"] == "error":
            errors.setdefault(Path(d["file"]).name, set()).add(d["range"]["start"]["line"] + 1)
    assert "user.py" not in errors, errors
    assert expected <= errors.get("mistakes.py", set()), errors


def test_every_spelling_of_an_untitled_app_gives_the_same_module(tmp_path: Path) -> None:
    """dataframe_events has no title: from its URL it was GradioApp, from the snapshot saved
    from it Dfev, so the README's --check recipe failed."""
    with corpus_app("demo__dataframe_events") as url:
        saved = tmp_path / "dfev.json"
        m, err = _generate(url, tmp_path / "a.py", "--save-schema", str(saved))
        assert "--class-name" in err and err.count("\n") == 2  # the note, then "wrote"
        _generate(url.rstrip("/"), tmp_path / "b.py")
        _generate(url + "?__theme=dark", tmp_path / "c.py")
        _generate(str(saved), tmp_path / "d.py")
        texts = {(tmp_path / f"{x}.py").read_text(encoding="utf-8") for x in "abcd"}
        assert len(texts) == 1
        check = [sys.executable, "-m", "gradio_gen", str(saved), "-o", str(tmp_path / "a.py")]
        assert subprocess.run([*check, "--check"], capture_output=True, timeout=120).returncode == 0
        assert url == m.SOURCE and m.GradioApp.__name__ == "GradioApp"
        # the four identical tables are one Dataframe class, in every result
        text = texts.pop()
        assert text.count("(GeneratedModel):") == 1 and "class Dataframe(GeneratedModel):" in text
        with m.GradioApp() as client:
            tables = client.clear_dataframes()
            assert tables._fields[0] == "interactive_dataframe"
            assert {type(t) for t in tables} == {m.Dataframe}


def test_file_and_structured_inputs_say_what_to_pass(tmp_path: Path) -> None:
    """Hover text: what to pass, the label, the default, a short example; never gradio's
    FileData essay or a file dict cut mid-URL. Checked on the module generated from the live
    app, and what the text says works (bytes for an ImageEditor's background)."""
    with corpus_app("demo__image_editor") as url:
        m, _ = _generate(url, tmp_path / "editor.py", "--class-name", "Editor")
        text = (tmp_path / "editor.py").read_text(encoding="utf-8")
        assert "im: ImageEditor. Example: {'background': 'https://" in text
        with m.Editor() as client:
            png = png_bytes()
            result = client.predict({"background": png, "layers": [], "composite": png})
            assert result is not None
            with Image.open(io.BytesIO(result.read_bytes())) as image:
                assert image.size == (8, 6)  # the composite we sent, back as an image
    with corpus_app("demo__zip_files") as url:
        m, _ = _generate(url, tmp_path / "zipper.py", "--class-name", "Zipper")
        text = (tmp_path / "zipper.py").read_text(encoding="utf-8")
        line = next(x for x in text.splitlines() if x.strip().startswith("files: File"))
        assert "Pass a list of files: local paths, http(s) URLs, bytes" in line
        assert line.endswith("sample_file.pdf'].")  # the whole URL, as a caller passes it
        (tmp_path / "a.txt").write_text("first", encoding="utf-8")
        (tmp_path / "b.csv").write_text("x,y\n1,2\n", encoding="utf-8")
        with m.Zipper() as client:
            archive = client.predict([str(tmp_path / "a.txt"), tmp_path / "b.csv"])
            assert archive.read_bytes()[:2] == b"PK"
    for snap in ("fixture__stream_audio", "demo__kitchen_sink", "demo__chatbot_multimodal"):
        data = json.loads((CORPUS / f"{snap}.json").read_text(encoding="utf-8"))
        code = cli.generate(data, source="http://127.0.0.1:1/").split("_SNAPSHOT_JSON")[0]
        assert "FileData class" not in code and "'meta'" not in code, snap
        assert not re.search(r"'(?:parameter|value)_\d+'", code), snap
        for doc_line in re.findall(r"(?:Example|Default): (.*)", code):
            assert "https://" not in doc_line or re.search(r"https://\S+?'", doc_line), doc_line


def test_empty_sections_are_left_out() -> None:
    data = json.loads((CORPUS / "demo__zip_files.json").read_text(encoding="utf-8"))
    code = cli.generate(data, source="http://127.0.0.1:1/")
    for header in ("# -- structured", "# -- results of endpoints"):
        assert header not in code


def _corpus_available() -> bool:
    return (CORPUS / "launch.py").is_file()


if not _corpus_available():  # pragma: no cover - a user's clone
    pytestmark = [pytestmark, pytest.mark.skip(reason="../shared/corpus is not available")]
