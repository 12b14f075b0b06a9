"""The runtime's curated public surface."""

from __future__ import annotations

import subprocess
import sys

import gradio_gen_runtime as rt
from gradio_gen_runtime import _exceptions

ENGINE = {
    "AsyncClient", "AsyncJob", "Client", "Job", "NOT_GIVEN", "Timeout", "Status", "Update",
    "LogMessage", "ProgressUnit", "AppSpec", "EndpointSpec", "OutputSpec", "ParameterSpec",
    "__version__",
}  # fmt: skip


def test_all_is_curated_and_resolvable() -> None:
    names = set(rt.__all__)
    assert len(names) == len(rt.__all__), "duplicate names in __all__"
    assert names >= ENGINE
    for name in names:
        assert getattr(rt, name) is not None
        assert not name.startswith("_") or name == "__version__"


def test_whole_exception_tree_is_exported() -> None:
    tree = {
        name
        for name, obj in vars(_exceptions).items()
        if isinstance(obj, type) and issubclass(obj, _exceptions.GradioGenError)
    }
    assert {"GradioGenError", "StreamLostError", "QueueFullError", "AppError"} <= tree
    assert tree <= set(rt.__all__)
    assert issubclass(rt.TimeoutError, TimeoutError)  # builtins.TimeoutError


def test_importing_the_runtime_stays_light() -> None:
    code = (
        "import sys, gradio_gen_runtime\n"
        "bad = [m for m in ('jinja2', 'datamodel_code_generator', 'gradio', 'gradio_client',"
        " 'huggingface_hub') if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
