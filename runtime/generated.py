"""The one runtime module that generated clients import (public, covered by SemVer).

A module written by ``gradio-gen`` imports from here and from nowhere else in
``gradio_gen_runtime`` (a test checks every committed example and a sample of real apps), so
the names below are the whole contract between generated code and the runtime: a generated
module keeps working with any runtime of the same major version (before 1.0, the same minor)
that is at least as new as the generator that wrote it. Its first runtime line checks that::

    from gradio_gen_runtime.generated import require_runtime

    require_runtime("0.2.0")  # the version of the gradio-gen that wrote this module

=========================  ==================================================================
name                       what it is
=========================  ==================================================================
``require_runtime``        the version check above: a runtime too old for the module (or a
                           module too old for the runtime) fails the import with one line,
                           ``RuntimeVersionError`` (an ``ImportError``), naming both versions
``AppClient``              base of a generated sync client class (``<App>``)
``AsyncAppClient``         base of a generated async client class (``Async<App>``)
``Endpoint``               base of a sync endpoint class: ``Endpoint[R]``, its ``__call__``
                           and ``submit`` hand the arguments to ``_call`` / ``_submit``
``AsyncEndpoint``          the async twin (``await`` it, ``await .submit(...)``)
``EndpointAttribute``      declares a client's endpoint in its class body
                           (``greet = EndpointAttribute(_GreetEndpoint, "/greet")``):
                           read-only, made on first access, narrowed by the fakes
``GeneratedModel``         base of the generated pydantic models (lazy build, extra kept)
``ClientOptions``          ``TypedDict`` of the client constructor's keyword options
``OnDrift``                ``Literal["warn", "error", "ignore"]``, the ``on_drift`` option
``NOT_GIVEN``              "leave this parameter out" (the app's own default is sent)
``NotGiven``               its type, for signatures (``x: int | NotGiven = NOT_GIVEN``)
``File``                   a file the app returned (output type)
``FileInput``              what a file parameter accepts: a path, bytes, a binary file, a
                           URL or an earlier ``File`` (input type)
``Job``                    the sync job ``submit`` returns (``Job[R]``)
``AsyncJob``               the async twin
``FakeAppClient``          base of ``Fake<App>``, the typed fake of a sync client
``AsyncFakeAppClient``     base of ``AsyncFake<App>``
``FakeEndpoint``           base of a fake endpoint class (stubs, recorded calls)
``AsyncFakeEndpoint``      the async twin
``define_fakes``           defines a module's fake classes on first use, from the same
                           names its ``if TYPE_CHECKING:`` block declares
=========================  ==================================================================

Importing this module is as cheap as a generated module needs: it does not import httpx or
the engine (a client imports them when constructed), and ``Job``, ``AsyncJob`` and the fake
classes are imported on first access (PEP 562), which generated modules only do under
``TYPE_CHECKING`` or when a fake is first used. So is ``GeneratedModel``, and with it pydantic:
a module that declares no model, calling endpoints whose values the typed layer's hand checks
decide (``_typed._shapes``), never imports pydantic.
"""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING, Any

from ._exceptions import RuntimeVersionError
from ._typed._generated import (
    NOT_GIVEN,
    AppClient,
    AsyncAppClient,
    AsyncEndpoint,
    ClientOptions,
    Endpoint,
    EndpointAttribute,
    File,
    FileInput,
    NotGiven,
    OnDrift,
)
from ._version import __version__

if TYPE_CHECKING:
    from ._transport._async import AsyncJob
    from ._transport._sync_job import Job
    from ._typed._fake import AsyncFakeAppClient, AsyncFakeEndpoint, FakeAppClient, FakeEndpoint
    from ._typed._fake_define import define_fakes
    from ._typed._model import GeneratedModel

__all__ = [
    "NOT_GIVEN",
    "AppClient",
    "AsyncAppClient",
    "AsyncEndpoint",
    "AsyncFakeAppClient",
    "AsyncFakeEndpoint",
    "AsyncJob",
    "ClientOptions",
    "Endpoint",
    "EndpointAttribute",
    "FakeAppClient",
    "FakeEndpoint",
    "File",
    "FileInput",
    "GeneratedModel",
    "Job",
    "NotGiven",
    "OnDrift",
    "define_fakes",
    "require_runtime",
]

# name -> the runtime submodule that defines it (imported on first access)
_LAZY: dict[str, str] = {
    "AsyncJob": "_transport._async",
    "Job": "_transport._sync_job",
    "AsyncFakeAppClient": "_typed._fake",
    "AsyncFakeEndpoint": "_typed._fake",
    "FakeAppClient": "_typed._fake",
    "FakeEndpoint": "_typed._fake",
    "define_fakes": "_typed._fake_define",
    "GeneratedModel": "_typed._model",  # pydantic: imported by modules that declare models
}

OLDEST_GENERATED = "0.2.0"
"""The oldest gradio-gen whose modules this runtime runs (the first with this module). Raised
only by a release that drops support for older generated code (a new major; before 1.0, a
new minor); ``require_runtime`` then asks to regenerate older modules."""

_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


def _parse(version: str) -> tuple[int, int, int]:
    # Hand-written, not ``packaging.version``: the runtime depends only on httpx, pydantic
    # and typing_extensions, and our versions are plain MAJOR.MINOR.PATCH (a pre-release
    # suffix such as "rc1" counts as its release here).
    match = _VERSION.match(version) if isinstance(version, str) else None
    if match is None:
        raise RuntimeVersionError(
            f"require_runtime() takes a version like '0.2.0', not {version!r}"
        )
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch)


def _series_end(version: tuple[int, int, int]) -> str:
    """The first version outside ``version``'s compatible series (SemVer; before 1.0 the
    minor plays the major's role)."""
    major, minor, _ = version
    return f"{major + 1}.0" if major else f"0.{minor + 1}"


def require_runtime(version: str) -> None:
    """Fail the import of a generated module that this runtime cannot run.

    ``version`` is the gradio-gen version that wrote the module (its ``GENERATOR_VERSION``).
    The module needs a runtime at least that new; and the runtime runs modules from
    ``OLDEST_GENERATED`` on. Otherwise ``RuntimeVersionError`` (an ``ImportError``) is raised
    with one line naming both versions and what to install. Costs one regex match.
    """
    needed = _parse(version)
    have = _parse(__version__)
    if needed > have:
        raise RuntimeVersionError(
            f"this module was generated by gradio-gen {version} and needs gradio-gen-runtime "
            f">= {version}, but gradio-gen-runtime {__version__} is installed: "
            f"pip install 'gradio-gen-runtime>={version},<{_series_end(needed)}'"
        )
    if needed < _parse(OLDEST_GENERATED):
        raise RuntimeVersionError(
            f"this module was generated by gradio-gen {version}, older than gradio-gen-runtime "
            f"{__version__} runs (modules from gradio-gen {OLDEST_GENERATED} on): regenerate it "
            f"with gradio-gen {__version__}, or install "
            f"'gradio-gen-runtime>={version},<{_series_end(needed)}'"
        )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__package__}.{module}"), name)
    globals()[name] = value  # later accesses skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
