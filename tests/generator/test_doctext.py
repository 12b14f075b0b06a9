"""Docstring text (``gradio_gen.doctext``) and the naming helpers it uses: what a user reads on
hover, from gradio's raw /info entries."""

from __future__ import annotations

from gradio_gen.doctext import literal, output_doc, param_doc
from gradio_gen.naming import component_class, is_auto_label
from gradio_gen_runtime._spec import OutputSpec, ParameterSpec

BUS = "https://raw.githubusercontent.com/gradio-app/gradio/main/test/test_files/bus.png"
FILE_DATA = {"meta": {"_type": "gradio.FileData"}, "orig_name": "bus.png", "path": BUS, "url": BUS}
ESSAY = "The FileData class is a subclass of the GradioModel class that represents a file ..."


def _param(**kw: object) -> ParameterSpec:
    base: dict[str, object] = {
        "name": "x",
        "label": None,
        "component": "Textbox",
        "schema": {},
        "python_type": "",
        "description": "",
        "has_default": False,
        "default": None,
        "example": None,
    }
    base.update(kw)
    return ParameterSpec(**base)  # type: ignore[arg-type]


def test_component_names_and_made_up_labels() -> None:
    assert component_class("Multimodaltextbox") == "MultimodalTextbox"
    assert component_class("Imageeditor") == "ImageEditor"
    assert component_class("Json") == "JSON"
    assert component_class("Image_annotator") == "ImageAnnotator"  # a custom component
    assert component_class("") == ""
    assert is_auto_label("parameter_12") and is_auto_label("value_3") and is_auto_label(None)
    assert not is_auto_label("value") and not is_auto_label("Parameter 1 of 3")


def test_a_file_parameter_says_what_to_pass_and_shows_the_url() -> None:
    p = _param(
        name="audio_file",
        label="Audio file to stream",
        component="Audio",
        description=ESSAY,
        example=FILE_DATA,
    )
    doc = param_doc(p, "audio_file", "FileInput")
    assert doc == (
        "Audio 'Audio file to stream'. Pass a local path, an http(s) URL, bytes or a binary "
        f"file. Example: {BUS!r}."
    )
    many = param_doc(_param(component="File", example=[FILE_DATA]), "files", "list[FileInput]")
    assert "Pass a list of files" in many and many.endswith(f"[{BUS!r}].")


def test_labels_defaults_and_examples() -> None:
    doc = param_doc(
        _param(label="parameter_2", has_default=True, default=False, example=True), "x", "bool"
    )
    assert doc == "Textbox. Default: False. Example: True."
    labelled = _param(label="Your name", description="the name to greet")
    assert param_doc(labelled, "x", "str") == "Textbox 'Your name'. The name to greet."
    repeated = _param(label="Style", has_default=True, default="a", example="a")
    assert param_doc(repeated, "style", "str") == "Textbox. Default: 'a'."  # no repeats
    out = OutputSpec("value_7", "Chatbot", {}, "", "")
    assert output_doc(out) == "Chatbot"
    named = OutputSpec("Upload Output", "File", {}, "", "")
    assert output_doc(named) == "File 'Upload Output'"
    assert output_doc(named, "upload_output") == "File"


def test_long_values_are_shortened_between_elements_never_inside_a_word() -> None:
    history = [
        {"content": [{"text": "Hello!", "type": "text"}], "metadata": None, "role": "user"},
        {"content": [{"text": "How can I help you?", "type": "text"}], "role": "assistant"},
    ]
    assert literal(history, example=True) == (
        "[{'content': [{'text': 'Hello!', 'type': 'text'}], 'role': 'user'}, ...]"
    )
    assert literal({"b": None, "a": 1}) == "{'a': 1, 'b': None}"  # a default: as it is sent
    text = "lorem ipsum dolor " * 20
    shortened = literal(text)
    assert shortened is not None and shortened.endswith("...'") and len(shortened) <= 125
    assert " ".join(shortened[1:-4].split()) in text
    url = "https://example.com/" + "a" * 150
    assert literal(url) == repr(url)  # a URL is shown whole or not at all
    assert literal("https://example.com/" + "a" * 300) is None
    big = {"files": [BUS], "text": "x" * 200}
    assert literal(big) == f"{{'files': [{BUS!r}], ...}}"
    assert literal(float("nan")) is None
