"""Rooms: one per open document, holding the pycrdt `Doc`, the connected peers and awareness.

A room is loaded (snapshot + tail) on first use and unloaded when nobody holds it any more, after
compacting the document if its tail is long: the server's memory follows the active set. Rooms
and their `Doc`s live on the event-loop thread only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

import pycrdt

from sync.protocol.errors import ProtocolError
from sync.protocol.messages import MsgType, decode_message, encode_awareness, encode_update
from sync.protocol.update import validate_awareness

from .awareness import AwarenessBook
from .bus.base import Bus, Envelope, Subscription
from .config import ServerConfig
from .fanout import Sender
from .store.base import Role, Store
from .sv import covers

log = logging.getLogger(__name__)


def _failure(fut: asyncio.Future[int]) -> BaseException | None:
    """The error a finished future ended with (cancellation included), or None."""
    if fut.cancelled():
        return asyncio.CancelledError()
    return fut.exception()


class Peer(Protocol):
    """What a room needs from a live connection."""

    id: str
    username: str

    def deliver(self, data: bytes) -> None:
        """Queue one message for the client; never blocks."""

    def kick(self, code: int, reason: str) -> None:
        """Close the connection with `code` after what is already queued."""

    def set_role(self, role: Role) -> None:
        """Apply a role change made while connected."""


class Room:
    """One loaded document. Loop thread only; obtain it through `RoomManager.lease`."""

    def __init__(self, doc_id: str, manager: RoomManager) -> None:
        self.doc_id = doc_id
        self._m = manager
        self.doc: pycrdt.Doc = pycrdt.Doc()
        self.peers: dict[str, Peer] = {}
        self.awareness = AwarenessBook()
        self.refs = 0
        self.last_id = 0  # highest row id known to be reflected in `doc`
        self.tail = 0  # rows in the store's tail for this document
        self.has_pending = False  # `doc` holds structs waiting for a missing dependency
        self.closed = False  # deleted or failed: no compaction, no reuse
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sub: Subscription | None = None
        self.sender = Sender()  # writes to every peer of the room, see fanout.py
        self._compaction: asyncio.Future[int] | None = None

    # -- content ----------------------------------------------------------------------------------

    def state_vector(self) -> bytes:
        """Return the document's state vector."""
        return self.doc.get_state()

    def diff(self, state_vector: bytes | None) -> bytes:
        """Return the update a peer with `state_vector` (validated) lacks; everything if None."""
        return self.doc.get_update(state_vector)

    def apply(self, update: bytes) -> None:
        """Apply a validated update. Raises ProtocolError if pycrdt rejects it."""
        try:
            self.doc.apply_update(update)
        except Exception as exc:
            raise ProtocolError("mise à jour refusée par le moteur CRDT") from exc
        if not self.has_pending and not covers(self.doc.get_state(), update):
            self.has_pending = True

    def receive(self, update: bytes, sender: str) -> asyncio.Future[int]:
        """Take in a validated update from `sender`: apply it, fan it out to the other peers at
        once, and submit it to the store; return the future of its row id, which the caller
        awaits before acknowledging. Fan-out does not wait for the disk: the author keeps the
        update pending until the ack and resends it after any failure, so a peer holding an
        update the server lost in a crash is brought level again by that resend. Raises
        ProtocolError if pycrdt rejects the update (nothing fanned out or stored)."""
        self.apply(update)
        self.publish(encode_update(update), sender)
        return self.persist(update)

    def persist(self, update: bytes) -> asyncio.Future[int]:
        """Submit an applied update to the store now; return a future of its row id. On failure the
        room is closed (its `Doc` may hold what the store does not) and every peer disconnected."""
        fut = asyncio.ensure_future(self._m.store.append_updates(self.doc_id, [update]))
        fut.add_done_callback(self._persisted)
        return fut

    def _persisted(self, fut: asyncio.Future[int]) -> None:
        error = _failure(fut)
        if error is not None:
            log.error("échec d'enregistrement pour le document %s : %s", self.doc_id, error)
            self.fail()
            return
        self.last_id = max(self.last_id, fut.result())
        self.tail += 1
        if self.tail >= self._m.config.compaction_threshold:
            self.compact()

    # -- compaction -------------------------------------------------------------------------------

    @property
    def can_compact(self) -> bool:
        """Whether a compaction may start now (not closed, nothing pending, none running)."""
        return not self.closed and not self.has_pending and self.tail > 0 and self._compaction is None

    def compact(self) -> asyncio.Future[int] | None:
        """Replace the stored snapshot by the `Doc`'s state and drop the tail it covers; return the
        future of the store call, or None when compaction cannot run now."""
        if not self.can_compact:
            return self._compaction
        snapshot, upto, count = self.doc.get_update(), self.last_id, self.tail
        fut = asyncio.ensure_future(self._m.store.compact(self.doc_id, snapshot, upto))
        self._compaction = fut

        def done(f: asyncio.Future[int]) -> None:
            self._compaction = None
            error = _failure(f)
            if error is not None:
                log.warning("compaction du document %s en échec : %s", self.doc_id, error)
                return
            self.tail -= count

        fut.add_done_callback(done)
        return fut

    async def settle(self) -> None:
        """Wait for a running compaction, if any (its errors are logged, not raised)."""
        if self._compaction is not None:
            await asyncio.wait([self._compaction])

    # -- peers and fan-out ------------------------------------------------------------------------

    def join(self, peer: Peer) -> None:
        """Add a connected peer: it receives what others publish from now on."""
        self.peers[peer.id] = peer

    def leave(self, peer: Peer) -> None:
        """Remove a peer and tell the others its awareness states are gone."""
        self.peers.pop(peer.id, None)
        removal = self.awareness.drop_owner(peer.id)
        if removal is not None:
            self.publish(encode_awareness(removal), peer.id)

    def publish(self, data: bytes, sender: str) -> None:
        """Fan one y-websocket message out to every peer but `sender`, through the bus."""
        self._m.bus.publish(self.doc_id, Envelope(self._m.node, sender, data))

    def _on_bus(self, env: Envelope) -> None:
        if env.node != self._m.node:
            self._from_other_node(env)
        for peer in tuple(self.peers.values()):
            if peer.id != env.sender:
                peer.deliver(env.data)

    def _from_other_node(self, env: Envelope) -> None:
        try:
            msg = decode_message(env.data, len(env.data))
            if msg.carries_update:
                self.apply(msg.payload)
            elif msg.type == MsgType.AWARENESS:
                self.awareness.apply("", validate_awareness(msg.payload))
        except ProtocolError as exc:
            log.warning("message d'un autre nœud ignoré (%s) : %s", self.doc_id, exc)

    def kick_all(self, code: int, reason: str) -> None:
        """Close every peer's connection with `code`."""
        for peer in tuple(self.peers.values()):
            peer.kick(code, reason)

    def fail(self) -> None:
        """Take the room out of service: peers are closed and the next user reloads from the store."""
        if self.closed:
            return
        self.closed = True
        self.kick_all(1011, "erreur d'enregistrement sur le serveur")
        self._m.forget(self)

    def dispose(self) -> None:
        """Drop the subscription and the `Doc`."""
        if self._sub is not None:
            self._sub.close()
            self._sub = None
        self.sender.close()
        self.doc = pycrdt.Doc()

    async def load(self) -> None:
        """Fill the `Doc` from the store and subscribe to the bus. Raises UnknownDocument."""
        stored = await self._m.store.load_document(self.doc_id)
        if stored.snapshot:
            self.doc.apply_update(stored.snapshot)
        for update in stored.tail:
            self.doc.apply_update(update)
        state = self.doc.get_state()
        self.has_pending = not all(covers(state, u) for u in stored.tail)
        self.last_id, self.tail = stored.last_id, len(stored.tail)
        self._sub = self._m.bus.subscribe(self.doc_id, self._on_bus)


class RoomManager:
    """The loaded rooms of this process. Loop thread only."""

    def __init__(self, store: Store, bus: Bus, config: ServerConfig, node: str) -> None:
        self.store = store
        self.bus = bus
        self.config = config
        self.node = node
        self._rooms: dict[str, Room] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def loaded(self) -> int:
        """How many rooms are in memory."""
        return len(self._rooms)

    def get(self, doc_id: str) -> Room | None:
        """Return the loaded room of a document, if any."""
        return self._rooms.get(doc_id)

    @asynccontextmanager
    async def lease(self, doc_id: str) -> AsyncIterator[Room]:
        """Hold the document's room (loading it if needed) for the `async with` block; unload it
        afterwards if nobody else holds it. Raises UnknownDocument, StoreError."""
        room = await self.acquire(doc_id)
        try:
            yield room
        finally:
            await self.release(room)

    async def acquire(self, doc_id: str) -> Room:
        """Take a reference on the room, loading it first if needed. Pair with `release`."""
        room = self._rooms.get(doc_id)
        if room is None:
            room = Room(doc_id, self)
            self._rooms[doc_id] = room
            self._idle.clear()
            room.refs += 1
            try:
                await room.load()
            except BaseException as exc:
                room.refs -= 1
                self.forget(room)
                room.dispose()
                room.ready.set_exception(exc)
                room.ready.exception()  # mark retrieved: waiters re-raise it themselves
                raise
            room.ready.set_result(None)
            return room
        room.refs += 1
        try:
            await asyncio.shield(room.ready)
        except BaseException:
            room.refs -= 1
            raise
        return room

    async def release(self, room: Room) -> None:
        """Drop a reference; the last one compacts (if the tail is long) and unloads the room."""
        room.refs -= 1
        if room.refs > 0:
            return
        await room.settle()
        if room.tail >= self.config.unload_compaction_threshold and room.refs == 0:
            fut = room.compact()
            if fut is not None:
                await asyncio.wait([fut])
        if room.refs == 0:
            self.forget(room)
            room.dispose()

    def forget(self, room: Room) -> None:
        """Remove `room` from the loaded set (if it is the loaded one for its document)."""
        if self._rooms.get(room.doc_id) is room:
            del self._rooms[room.doc_id]
        if not self._rooms:
            self._idle.set()

    def member_changed(self, doc_id: str, username: str, role: Role | None) -> None:
        """Apply a role change to the user's live connections; None (removed) disconnects them."""
        room = self._rooms.get(doc_id)
        if room is None:
            return
        for peer in tuple(room.peers.values()):
            if peer.username != username:
                continue
            if role is None:
                peer.kick(4403, "accès au document retiré")
            else:
                peer.set_role(role)

    def document_deleted(self, doc_id: str) -> None:
        """Disconnect everyone from a deleted document and forget its room."""
        room = self._rooms.get(doc_id)
        if room is None:
            return
        room.closed = True
        room.kick_all(4404, "document supprimé")
        self.forget(room)

    async def close(self, timeout: float = 10.0) -> None:
        """Disconnect every peer, wait (up to `timeout`) for the rooms to unload, then compact and
        drop whatever is left."""
        for room in tuple(self._rooms.values()):
            room.kick_all(1001, "arrêt du serveur")
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("%d salon(s) encore ouverts à l'arrêt", len(self._rooms))
        for room in tuple(self._rooms.values()):
            await room.settle()
            fut = room.compact() if room.tail >= self.config.unload_compaction_threshold else None
            if fut is not None:
                await asyncio.wait([fut])
            self.forget(room)
            room.dispose()
