"""Wire-level pieces without a server: websocket framing (wsproto), the /cancel fallback."""

from __future__ import annotations

import json
import logging

import pytest
from gradio_gen_runtime import HTTPStatusError, ProtocolError
from gradio_gen_runtime._protocol._dialect import dialect_for
from gradio_gen_runtime._transport._wires import cancel_failed
from gradio_gen_runtime._transport._ws import Frames, upgrade_headers
from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage


def server_frames() -> tuple[Frames, Connection]:
    client = Frames()
    server = Connection(ConnectionType.SERVER)
    return client, server


def test_text_messages_fragments_and_pings() -> None:
    client, server = server_frames()
    wire = server.send(TextMessage(data='{"msg":', message_finished=False))
    wire += server.send(TextMessage(data='"send_hash"}', message_finished=True))
    wire += server.send(Ping(payload=b"p"))
    texts, reply = client.feed(wire)
    assert texts == ['{"msg":"send_hash"}']
    server.receive_data(reply)
    assert [type(e).__name__ for e in server.events()] == ["Pong"]
    server.receive_data(client.text({"fn_index": 0, "session_hash": "s"}))
    (event,) = list(server.events())
    assert isinstance(event, TextMessage) and json.loads(event.data) == {
        "fn_index": 0,
        "session_hash": "s",
    }


def test_close_is_answered_and_ends_the_socket() -> None:
    client, server = server_frames()
    texts, reply = client.feed(server.send(CloseConnection(code=1000)))
    assert texts == [] and client.closed and reply  # the close frame answered
    assert client.close_frame() == b""  # nothing more to send once closed


def test_binary_messages_are_a_protocol_error() -> None:
    client, server = server_frames()
    with pytest.raises(ProtocolError):
        client.feed(server.send(BytesMessage(data=b"\x00")))


def test_upgrade_headers_and_accept_key() -> None:
    headers, accept = upgrade_headers()
    assert headers["upgrade"] == "websocket" and headers["sec-websocket-version"] == "13"
    other, other_accept = upgrade_headers()
    assert headers["sec-websocket-key"] != other["sec-websocket-key"] and accept != other_accept


def test_cancel_404_on_an_sse_v3_release_says_it_was_local(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="gradio_gen"):
        cancel_failed(HTTPStatusError("no", status_code=404), "e1", dialect_for("sse_v3", "4.25.0"))
    assert "cancelled locally only: gradio 4.25.0 (protocol sse_v3) has no /cancel" in caplog.text
