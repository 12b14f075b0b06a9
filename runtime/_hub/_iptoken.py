"""The end user's ``x-ip-token``, when the client runs inside a Gradio event handler.

A ZeroGPU Space counts GPU time against the quota of whoever its request's ``x-ip-token``
header names (the Hub adds that header to the browser's requests). An app that calls a
ZeroGPU Space from its own event handler should forward its visitor's token, so that the
visitor's quota is used, not the app's (anonymous, lowest priority). ``current_ip_token``
reads it from the request Gradio is handling in this context (``gradio.context.LocalContext``,
a ``ContextVar``: set per event, copied into the worker thread of a sync handler), only if
``gradio.context`` is already imported: the runtime never imports gradio. The token policy
(``_auth.TokenPolicy.apply``) adds it to every request to a Space host, and to no other host.
"""

from __future__ import annotations

import sys

HEADER = "x-ip-token"

__all__ = ["HEADER", "current_ip_token"]


def current_ip_token() -> str | None:
    """The ``x-ip-token`` of the Gradio request being handled in this context, or None."""
    context = sys.modules.get("gradio.context")
    if context is None:  # gradio not imported: not inside an app
        return None
    try:
        request = context.LocalContext.request.get(None)
        headers = getattr(request, "headers", None) if request is not None else None
        value = headers.get(HEADER) if headers is not None else None
    except Exception:  # another gradio version's internals: no token, never a failure
        return None
    return value if isinstance(value, str) and value else None
