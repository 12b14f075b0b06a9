"""Define a generated module's fake classes on first use (``define_fakes``).

A generated module declares its fakes (``Fake<App>``, ``AsyncFake<App>`` and one fake class
per endpoint) in an ``if TYPE_CHECKING:`` block, so type checkers and IDEs see every class,
attribute and signature, but importing the module neither imports the fakes machinery
(``_fake``) nor creates a class per endpoint twice more (a third of the import time of a
2,000-endpoint module). The module's ``__getattr__`` calls ``define_fakes`` on the first
access to a fake name; it creates, in the module's namespace, exactly the classes the
declarations describe: the same names, bases, docstrings, endpoint attributes (each an
``EndpointAttribute`` of the fake endpoint class) and ``__init__``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._fake import AsyncFakeAppClient, AsyncFakeEndpoint, FakeAppClient, FakeEndpoint
from ._generated import EndpointAttribute

__all__ = ["define_fakes"]

FakeSpec = tuple[str, str, str, str]
"""One endpoint: (client attribute, api_name, sync endpoint class, async endpoint class)."""


def define_fakes(
    namespace: dict[str, Any], client: str, async_client: str, endpoints: Sequence[FakeSpec]
) -> None:
    """Create the fakes of ``client`` / ``async_client`` in ``namespace`` (a module's
    globals). Idempotent: classes already defined are kept."""
    if f"Fake{client}" in namespace and f"AsyncFake{client}" in namespace:
        return
    module = namespace["__name__"]
    sync_eps: dict[str, Any] = {}
    async_eps: dict[str, Any] = {}
    for attr, api_name, cls_name, async_cls_name in endpoints:
        sync_eps[attr] = EndpointAttribute(_subclass(
            namespace, f"{cls_name}Fake", (FakeEndpoint, namespace[cls_name]),
            f"Fake ``{api_name}``: same signature and validation; answers with its stub.",
        ), api_name)  # fmt: skip
        async_eps[attr] = EndpointAttribute(_subclass(
            namespace, f"{async_cls_name}Fake", (AsyncFakeEndpoint, namespace[async_cls_name]),
            f"Async fake ``{api_name}``: same signature and validation; answers with its stub.",
        ), api_name)  # fmt: skip

    def sync_init(self: Any, responses: dict[str, Any] | None = None) -> None:
        FakeAppClient.__init__(self)
        self._stub_all(responses)

    def async_init(self: Any, responses: dict[str, Any] | None = None) -> None:
        AsyncFakeAppClient.__init__(self)
        self._stub_all(responses)

    doc = (
        f"A {client} for tests: no network; each endpoint answers with what the test gives it "
        "(``.returns(value)``, ``.responds(function)``, ``.raises(error)``, ``.streams(*values)``,"
        " or a ``{name: answer}`` mapping here) and records its calls (``.calls``)."
    )
    for fn in (sync_init, async_init):
        fn.__module__ = module
    sync_init.__qualname__ = f"Fake{client}.__init__"
    async_init.__qualname__ = f"AsyncFake{client}.__init__"
    _subclass(
        namespace, f"Fake{client}", (FakeAppClient, namespace[client]), doc,
        {**sync_eps, "__init__": sync_init},
    )  # fmt: skip
    _subclass(
        namespace, f"AsyncFake{client}", (AsyncFakeAppClient, namespace[async_client]),
        f"Async twin of Fake{client} (responders may be ``async def``).",
        {**async_eps, "__init__": async_init},
    )  # fmt: skip


def _subclass(
    namespace: dict[str, Any],
    name: str,
    bases: tuple[type, ...],
    doc: str,
    body: dict[str, Any] | None = None,
) -> type:
    found = namespace.get(name)
    if isinstance(found, type):
        return found
    attrs: dict[str, Any] = {"__module__": namespace["__name__"], "__qualname__": name}
    attrs["__doc__"] = doc
    attrs.update(body or {})
    cls = type(name, bases, attrs)
    namespace[name] = cls
    return cls
