"""gradio-gen runtime: what every generated client imports.

The public surface is assembled here; a test pins ``__all__``. Importing the package is
cheap: the exception tree is imported at once (it is small and pure), every other name is
imported on first access (PEP 562 ``__getattr__``), so ``import gradio_gen_runtime._typed._generated``
(what a generated module does) does not pull in the engine, httpx or asyncio. The
``TYPE_CHECKING`` block below gives type checkers and IDEs every name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import _exceptions as _exc
from ._exceptions import *  # noqa: F403
from ._exceptions import __doc__ as _tree_doc  # noqa: F401
from ._version import __version__

if TYPE_CHECKING:
    from ._client._batching import MapProgress
    from ._client._clients import AsyncClient, Client
    from ._files._file import File, FileInput, FileSource, handle_file
    from ._hub._status import SpaceInfo, SpaceStatus
    from ._spec import AppSpec, EndpointSpec, OutputSpec, ParameterSpec
    from ._transport._async import AsyncJob
    from ._transport._sync_job import Job
    from ._types import NOT_GIVEN, LogMessage, ProgressUnit, Status, Timeout, Update

# name -> the submodule that defines it (imported on first access)
_LAZY: dict[str, str] = {
    "AsyncJob": "_transport._async",
    "AsyncClient": "_client._clients",
    "Client": "_client._clients",
    "MapProgress": "_client._batching",
    "File": "_files._file",
    "FileInput": "_files._file",
    "FileSource": "_files._file",
    "handle_file": "_files._file",
    "SpaceInfo": "_hub._status",
    "SpaceStatus": "_hub._status",
    "AppSpec": "_spec",
    "EndpointSpec": "_spec",
    "OutputSpec": "_spec",
    "ParameterSpec": "_spec",
    "Job": "_transport._sync_job",
    "NOT_GIVEN": "_types",
    "LogMessage": "_types",
    "ProgressUnit": "_types",
    "Status": "_types",
    "Timeout": "_types",
    "Update": "_types",
}

__all__ = [
    "NOT_GIVEN",
    "AppSpec",
    "AsyncClient",
    "AsyncJob",
    "Client",
    "EndpointSpec",
    "File",
    "FileInput",
    "FileSource",
    "Job",
    "LogMessage",
    "MapProgress",
    "OutputSpec",
    "ParameterSpec",
    "ProgressUnit",
    "SpaceInfo",
    "SpaceStatus",
    "Status",
    "Timeout",
    "Update",
    "__version__",
    "handle_file",
]
# every class of the exception tree (and its warnings) is public
__all__ += sorted(
    name
    for name, obj in vars(_exc).items()
    if isinstance(obj, type)
    and issubclass(obj, (_exc.GradioGenError, Warning))
    and obj.__module__ == _exc.__name__
)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later accesses skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
