"""gradio-gen runtime: what every generated client imports.

The public surface is assembled here; a test pins ``__all__``.
"""

from . import _exceptions as _exc
from ._async import AsyncJob
from ._client import AsyncClient, Client
from ._exceptions import *  # noqa: F403
from ._exceptions import __doc__ as _tree_doc  # noqa: F401
from ._files import File, FileInput, FileSource, handle_file
from ._hub_status import SpaceInfo, SpaceStatus
from ._spec import AppSpec, EndpointSpec, OutputSpec, ParameterSpec
from ._sync import Job
from ._types import NOT_GIVEN, LogMessage, ProgressUnit, Status, Timeout, Update
from ._version import __version__

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
