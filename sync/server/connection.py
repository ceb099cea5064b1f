"""One y-websocket connection in a room: the reader, the in-order commit pipeline and the sender.

- The reader decodes and validates each frame before pycrdt sees it, and hands updates to the
  room (`Room.receive`: applied, fanned out at once, submitted to the store, so a burst shares
  group commits).
- The commit pipeline acks (`?ack=1` only) strictly in arrival order, once an update and every
  one before it are persisted.
- Everything for the client goes through its `Outlet` (see `fanout.py`): the room's sender
  writes it, a stalled client gets a task of its own, one too far behind is disconnected.

The connection speaks raw ASGI (`receive`/`send` callables): it is the hot path of fan-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from sync.protocol.errors import MessageTooLarge, ProtocolError
from sync.protocol.messages import (
    MsgType,
    SyncType,
    decode_message,
    encode_ack,
    encode_awareness,
    encode_sync_step1,
    encode_sync_step2,
)
from sync.protocol.update import validate_awareness, validate_state_vector, validate_update

from .config import ServerConfig
from .fanout import Close, Outlet, Send
from .rooms import Room
from .store.base import Role

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]

CLOSE_MALFORMED = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL = 1011
CLOSE_SLOW = 1013
_MAX_IN_FLIGHT = 256
_DRAIN_TIMEOUT = 30.0
_SEND_TIMEOUT = 5.0


@dataclass(slots=True)
class _Pending:
    n: int  # this update's rank among the connection's step2/update messages
    future: asyncio.Future[int] | None  # None for an empty update (nothing to store)


def short_reason(text: str) -> str:
    """Return `text` cut to what a WebSocket close frame can carry (123 bytes of UTF-8)."""
    return text.encode("utf-8")[:120].decode("utf-8", errors="ignore")


class Connection:
    """A peer of a room over an accepted WebSocket. Loop thread only."""

    def __init__(
        self,
        receive: Receive,
        send: Send,
        room: Room,
        user: tuple[str, Role],
        ack: bool,
        config: ServerConfig,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.username, self.role = user
        self.room = room
        self._receive = receive
        self._ack = ack
        self._config = config
        self._outlet = Outlet(send, room.sender, config.outbox_max_bytes, self._overflow)
        self._inflight: deque[_Pending] = deque()
        self._progress = asyncio.Event()  # set whenever `_inflight` shrinks
        self._received = 0
        self._close: Close | None = None
        self._close_queued = False
        self._broken = False

    # -- Peer interface (called by the room) ------------------------------------------------------

    def deliver(self, data: bytes) -> None:
        """Queue one message for the client."""
        if not self._close_queued:
            self._outlet.put(data)

    def kick(self, code: int, reason: str) -> None:
        """Close the connection now with `code` (after what is already queued)."""
        if self._close is None:
            self._close = Close(code, short_reason(reason))
        self._queue_close()

    def _overflow(self) -> None:
        self._close = self._close or Close(CLOSE_SLOW, "client trop lent, reconnectez-vous")
        self._close_queued = False
        self._queue_close()

    def set_role(self, role: Role) -> None:
        """Apply a role change made while connected."""
        self.role = role

    # -- lifecycle --------------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the accepted socket until either side closes. Never raises for client errors."""
        self.room.join(self)
        self.deliver(encode_sync_step1(self.room.state_vector()))
        states = self.room.awareness.encode_all()
        if states is not None:
            self.deliver(encode_awareness(states))
        try:
            await self._read_loop()
        finally:
            await self._finish()

    async def _finish(self) -> None:
        # Updates already received are persisted, fanned out and acked even if the client left.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._drained(), _DRAIN_TIMEOUT)
        self.room.leave(self)
        if self._close is not None:
            self._queue_close()
        if not self._close_queued:
            self._outlet.abandon()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._outlet.finished), _SEND_TIMEOUT)
        self._outlet.cancel()

    async def _drained(self) -> None:
        while self._inflight:
            self._progress.clear()
            await self._progress.wait()

    # -- reader -----------------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        while self._close is None:
            message = await self._receive()
            if message["type"] == "websocket.disconnect":
                self._outlet.abandon()
                return
            data = message.get("bytes")
            if data is None:
                self._fail(CLOSE_MALFORMED, "message texte inattendu : protocole y-websocket binaire")
                return
            if self._close is not None:
                return
            try:
                await self._handle(data)
            except MessageTooLarge as exc:
                self._fail(CLOSE_TOO_BIG, f"message trop gros : {exc}")
            except ProtocolError as exc:
                self._fail(CLOSE_MALFORMED, f"message invalide : {exc}")

    def _fail(self, code: int, reason: str) -> None:
        # Closed once the pipeline has drained, so earlier updates are still acknowledged.
        if self._close is None:
            self._close = Close(code, short_reason(reason))

    async def _handle(self, data: bytes) -> None:
        cfg = self._config
        msg = decode_message(data, cfg.max_message_bytes)
        if msg.type == MsgType.SYNC:
            if msg.sync == SyncType.STEP1:
                validate_state_vector(msg.payload, cfg.max_state_vector_bytes)
                self.deliver(encode_sync_step2(self.room.diff(msg.payload)))
            else:
                await self._on_update(msg.payload)
        elif msg.type == MsgType.AWARENESS:
            entries = validate_awareness(msg.payload, cfg.max_awareness_bytes)
            self.room.awareness.apply(self.id, entries)
            self.room.publish(data, self.id)
        elif msg.type == MsgType.QUERY_AWARENESS:
            states = self.room.awareness.encode_all()
            if states is not None:
                self.deliver(encode_awareness(states))
        # AUTH and ACK are server-to-client messages: ignored.

    async def _on_update(self, update: bytes) -> None:
        self._received += 1
        n = self._received
        summary = validate_update(update, self._config.update_limits)
        while len(self._inflight) >= _MAX_IN_FLIGHT:  # back-pressure on a flooding client
            self._progress.clear()
            await self._progress.wait()
        if summary.is_empty:
            if self._ack:
                self._enqueue(_Pending(n, None))
            return
        if not self.role.can_write:
            self._fail(CLOSE_FORBIDDEN, "lecture seule : vous ne pouvez pas modifier ce document")
            return
        if self.room.closed:
            return
        future = self.room.receive(update, self.id)
        self._enqueue(_Pending(n, future))
        future.add_done_callback(self._release)

    # -- commit pipeline --------------------------------------------------------------------------

    def _enqueue(self, item: _Pending) -> None:
        self._inflight.append(item)
        self._release()

    def _release(self, _: object = None) -> None:
        """Ack, in arrival order, every leading update that is persisted."""
        released = False
        while self._inflight:
            head = self._inflight[0]
            if head.future is not None and not head.future.done():
                break
            self._inflight.popleft()
            released = True
            if head.future is not None:
                if head.future.cancelled() or head.future.exception() is not None:
                    self._broken = True  # never ack past a lost update
                    self.kick(CLOSE_INTERNAL, "erreur d'enregistrement sur le serveur")
                    continue
            if self._ack and not self._broken:
                self.deliver(encode_ack(head.n))
        if released:
            self._progress.set()

    def _queue_close(self) -> None:
        if not self._close_queued and self._close is not None:
            self._close_queued = True
            self._outlet.put(self._close)
