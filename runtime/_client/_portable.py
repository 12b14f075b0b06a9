"""Clients that travel: pickling to settings, reconnecting lazily on the other side.

A client (``Client``, ``AsyncClient``, and the generated clients, which pickle as their
class plus these settings) pickles to what it was built with: the source, timeouts, retries,
``verify`` (a path or a bool; an ``ssl.SSLContext`` cannot travel), proxy, ``download_dir``,
``space_timeout``, and the app's API as it knows it (so the other side fetches nothing before
its first call). Unpickling does no I/O at all: the other side resolves the Space, logs in and
opens its session on its first call. Never carried: the session (``gr.State`` stays with the
original), jobs, ``status_callback`` (usually a closure over local state), ``transport``.

Secrets do not travel unless asked. A pickle is plain bytes that Dask, Ray and
``multiprocessing`` send over sockets (unencrypted by default), spill to disk, and keep in
task logs and object stores; a security-minded user does not expect a token to end up there
because an object was passed to a task. So by default an ``hf_token`` passed explicitly, the
``auth`` password, the extra ``headers`` (they commonly carry credentials) and a proxy URL with
credentials are dropped, and the other side resolves its token the usual way (``HF_TOKEN`` or
the saved login *on that machine*). Set ``client.pickle_secrets = True`` to carry them (for
example to local worker processes of a cluster you trust). Dropping them is logged once per
client (WARNING, logger ``gradio_gen``).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import ssl
from collections.abc import Iterator
from typing import Any

from .._constants import LOGGER_NAME

logger = logging.getLogger(LOGGER_NAME)

__all__ = ["client_settings", "restore_client", "restoring"]

_RESTORING: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "gradio_gen_restoring", default=False
)


def restoring() -> bool:
    """Whether a client is being unpickled here (its constructor must do no I/O)."""
    return _RESTORING.get()


@contextlib.contextmanager
def _restoring() -> Iterator[None]:
    token = _RESTORING.set(True)
    try:
        yield
    finally:
        _RESTORING.reset(token)


def client_settings(client: Any, *, with_snapshot: bool = True) -> dict[str, Any]:
    """The constructor arguments that rebuild ``client`` elsewhere (see the module doc)."""
    import pickle

    verify = client._verify
    if isinstance(verify, ssl.SSLContext):
        raise pickle.PicklingError(
            f"{type(client).__name__} with verify=ssl.SSLContext cannot be pickled: pass the CA "
            "bundle's path (verify='/path/ca.pem') instead"
        )
    secrets = bool(getattr(client, "pickle_secrets", False))
    settings: dict[str, Any] = {
        "src": client.src,
        "timeout": client.timeout,
        "max_retries": client._max_retries,
        "verify": verify,
        "download_dir": client.download_dir,
        "space_timeout": client.space_timeout,
    }
    dropped = []
    proxy = client._proxy
    if proxy is not None and "@" in proxy and not secrets:
        dropped.append("proxy credentials")
    else:
        settings["proxy"] = proxy
    if client._explicit_token:
        token = client._token_policy.token
        if token is None or secrets:
            settings["hf_token"] = token
        else:
            dropped.append("hf_token")
    if client._auth is not None:
        if secrets:
            settings["auth"] = client._auth
        else:
            dropped.append("auth")
    if client._headers:
        if secrets:
            settings["headers"] = dict(client._headers)
        else:
            dropped.append("headers")
    if with_snapshot and client._spec is not None:
        settings["snapshot"] = {"config": client._config, "info": client._info}
        if client._trust:  # the opt-out travels with the snapshot it trusts
            settings["trust_snapshot"] = True
    if dropped and not getattr(client, "_warned_pickle", False):
        client._warned_pickle = True
        logger.warning(
            "%r pickled without its %s (set pickle_secrets = True to carry them; the other side "
            "resolves HF_TOKEN or the saved login itself)",
            client,
            ", ".join(dropped),
        )
    return settings


def restore_client(cls: type[Any], settings: dict[str, Any], secrets: bool = False) -> Any:
    """Rebuild a client from ``client_settings`` without any I/O."""
    with _restoring():
        client = cls(**settings)
    client.pickle_secrets = secrets
    return client


def restore_app(
    cls: type[Any], src: str, on_drift: str, settings: dict[str, Any], secrets: bool = False
) -> Any:
    """Rebuild a generated client (its class carries the snapshot) without any I/O."""
    with _restoring():
        client = cls(src, on_drift=on_drift, **settings)
    client._engine.pickle_secrets = secrets
    return client
