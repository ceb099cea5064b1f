"""A client that stops reading must not hold up the rest of its room, and is dropped once too far
behind."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.server.connection import CLOSE_SLOW
from sync.server.fanout import Close, Outlet, Sender

from .helpers import KIB, ServerThread, make_config, yjs


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    config = make_config(tmp_path_factory.mktemp("fanout"), outbox_max_bytes=512 * KIB)
    srv = ServerThread(config).start()
    yield srv
    srv.stop()


def stalled_client(server: ServerThread, doc_id: str, token: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads again."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /yjs/{doc_id}?token={token} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    sock.settimeout(10)
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def test_a_stalled_reader_does_not_hold_up_the_room(server: ServerThread, tmp_path: Path) -> None:
    name, token = server.user_with_token()
    doc_id = server.new_doc(token)
    stalled = stalled_client(server, doc_id, token)
    try:
        with yjs(server, doc_id, token, ack=True) as writer, yjs(server, doc_id, token) as reader:
            # More than the kernel buffers (tcp_wmem goes up to 4 MiB) for a client that reads nothing.
            chunk = "x" * (60 * KIB)
            started = time.monotonic()
            for i in range(1, 121):
                writer.insert(len(writer.text), chunk)
                writer.wait_acked()
                while len(reader.text) < i * len(chunk):
                    reader.recv()
            assert time.monotonic() - started < 20
            codes = server.call_sync(
                lambda: [p._close.code for p in server.services.rooms.get(doc_id).peers.values()  # type: ignore[union-attr]
                         if p._close is not None]  # type: ignore[attr-defined]
            )
            assert codes == [CLOSE_SLOW]  # the stalled one, dropped once over its backlog cap
    finally:
        stalled.close()


@pytest.mark.anyio
async def test_sender_moves_a_stalled_peer_aside_and_keeps_its_order() -> None:
    blocked = asyncio.Event()
    slow_got: list[object] = []
    fast_got: list[object] = []
    all_fast = asyncio.Event()

    async def slow_send(message: dict[str, object]) -> None:
        if not blocked.is_set():
            await blocked.wait()  # like uvicorn while the client's buffers are full
        slow_got.append(message.get("bytes", message.get("code")))

    async def fast_send(message: dict[str, object]) -> None:
        fast_got.append(message["bytes"])
        if len(fast_got) == 5:
            all_fast.set()

    sender = Sender(stall_timeout=0.05)
    slow = Outlet(slow_send, sender, 1 << 20, lambda: None)  # type: ignore[arg-type]
    fast = Outlet(fast_send, sender, 1 << 20, lambda: None)  # type: ignore[arg-type]
    for i in range(5):
        slow.put(bytes([i]))
        fast.put(bytes([i]))
    await asyncio.wait_for(all_fast.wait(), 2)  # not held up by the stalled peer
    assert slow.slow and slow_got == []
    slow.put(Close(1000, ""))
    blocked.set()
    await asyncio.wait_for(asyncio.shield(slow.finished), 2)
    assert slow_got == [bytes([i]) for i in range(5)] + [1000]  # nothing lost, nothing reordered
    assert fast_got == [bytes([i]) for i in range(5)]
    sender.close()
