"""Document sync: y-websocket sessions with Parvis's ack extension, and the HTTP catch-up path.

A local update leaves the outbox only when the server says it has persisted it: over
WebSocket by the ack extension (`?ack=1`, see `sync.protocol.messages`), over HTTP by the 200 of
the POST. Both paths send what the server lacks, computed from its state vector, so a replay
after a broken connection is harmless: the CRDT ignores what it already has.

Runs in the sync thread's event loop; the store calls are short and synchronous.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx
from httpx_ws import (
    AsyncWebSocketSession,
    WebSocketDisconnect,
    WebSocketNetworkError,
    WebSocketUpgradeError,
    aconnect_ws,
)
from pycrdt import Awareness

from storage import outbox
from storage.db import transaction
from storage.docs import DocStore, OpenDoc
from sync.protocol.catchup import OCTET_STREAM, STATE_VECTOR_HEADER, b64url_decode, b64url_encode
from sync.protocol.errors import ProtocolError
from sync.protocol.messages import (
    Message,
    MsgType,
    SyncType,
    decode_message,
    encode_awareness,
    encode_sync_step1,
    encode_sync_step2,
    encode_update,
)
from sync.protocol.update import validate_state_vector

from .errors import Refused, SyncError, Unreachable
from .http import check

MAX_MESSAGE = 64 * 1024 * 1024
EMPTY_UPDATE = b"\x00\x00"  # no structs, empty delete set
ROUND_TIMEOUT = 60.0
# y-protocols' timing: a state is renewed every 15 s and dropped after 30 s of silence.
AWARENESS_RENEW = 15.0
AWARENESS_TIMEOUT_MS = 30_000
RemoteCallback = Callable[[bytes], None]
PeersCallback = Callable[[dict[int, dict[str, Any]]], None]


def relax_durability(conn: Any) -> None:
    """Let a sync connection commit without waiting for fsync. What sync writes is either
    fetched again from the server (remote updates) or harmless to resend (outbox
    acknowledgements), so a power cut can only roll back work the next sync redoes. Local
    edits, on the UI's connection, stay fully durable; WAL keeps the database consistent."""
    conn.execute("PRAGMA synchronous = NORMAL")


def _connect(client: httpx.AsyncClient, doc_id: str) -> Any:
    """The context manager of a document's y-websocket connection, with the ack extension."""
    return aconnect_ws(f"{str(client.base_url).rstrip('/')}/yjs/{doc_id}?ack=1", client,
                       max_message_size_bytes=MAX_MESSAGE, session_class=AsyncWebSocketSession)


class DocSession:
    """One document's y-websocket session. `on_remote` receives each stored remote update (the
    desktop applies it to the open editor's Doc)."""

    def __init__(self, store: DocStore, od: OpenDoc, ws: AsyncWebSocketSession,
                 on_remote: RemoteCallback | None = None, on_peers: PeersCallback | None = None) -> None:
        self.store = store
        self.od = od
        self.ws = ws
        self.on_remote = on_remote
        self.on_peers = on_peers
        self.awareness = Awareness(od.doc, outdated_timeout=AWARENESS_TIMEOUT_MS)
        self.awareness.set_local_state(None)
        self.sent = 0
        self.awaiting: deque[tuple[int, outbox.Entry | None]] = deque()
        self.handshake_sent = False
        self.remote_synced = asyncio.Event()
        self.settled = asyncio.Event()
        self.closed: BaseException | None = None
        self.bytes_out = 0
        self.bytes_in = 0
        self._idem = f"{outbox.DOC_UPDATE}:{od.id}"

    async def start(self) -> None:
        message = encode_sync_step1(bytes(self.od.doc.get_state()))
        self.bytes_out += len(message)
        await self.ws.send_bytes(message)

    async def _send(self, message: bytes, entry: outbox.Entry | None) -> None:
        self.sent += 1
        self.awaiting.append((self.sent, entry))
        self.settled.clear()
        self.bytes_out += len(message)
        await self.ws.send_bytes(message)

    async def push_local(self) -> int:
        """Send what other connections (the editor) stored since the last push. Returns the
        number of updates sent. The outbox row is read before the store so that an ack never
        covers a change that was not sent."""
        entry = outbox.get(self.store.conn, self._idem)
        updates = self.store.refresh(self.od, local_only=True)
        for i, update in enumerate(updates):
            await self._send(encode_update(update), entry if i == len(updates) - 1 else None)
        return len(updates)

    async def handle(self, msg: Message) -> None:
        if msg.type == MsgType.SYNC and msg.sync == SyncType.STEP1:
            # The server's state vector: send everything it lacks (all pending edits, and the
            # whole delete set), so one ack settles every change made before this moment. With
            # nothing pending and nothing the server lacks, an empty update: a diff always
            # carries the whole delete set, which the server would store again at each sync.
            entry = outbox.get(self.store.conn, self._idem)
            self.store.refresh(self.od)
            server_sv = validate_state_vector(msg.payload)
            local_sv = validate_state_vector(bytes(self.od.doc.get_state()))
            behind = any(server_sv.get(client, 0) < clock for client, clock in local_sv.items())
            diff = bytes(self.od.doc.get_update(msg.payload)) if entry or behind else EMPTY_UPDATE
            self.handshake_sent = True
            await self._send(encode_sync_step2(diff), entry)
        elif msg.carries_update:
            changed = self.store.apply_remote(self.od, msg.payload)
            if changed and self.on_remote is not None:
                self.on_remote(changed)
            if msg.sync == SyncType.STEP2:
                self.remote_synced.set()
        elif msg.type == MsgType.ACK:
            self._acknowledged(msg.count)
        elif msg.type == MsgType.AWARENESS:
            self._peers_changed(msg.payload)
        elif msg.type == MsgType.QUERY_AWARENESS:
            await self.send_awareness()
        self._check_settled()

    def _peers_changed(self, payload: bytes) -> None:
        try:
            self.awareness.apply_awareness_update(payload, "remote")
        except (ValueError, KeyError, IndexError, TypeError):
            return  # another client's malformed presence must not end our session
        if self.on_peers is not None:
            self.on_peers(self.peers())

    def peers(self) -> dict[int, dict[str, Any]]:
        """The presence states of the other clients on this document (cursors, names)."""
        own = self.awareness.client_id
        return {cid: state for cid, state in self.awareness.states.items() if cid != own and isinstance(state, dict)}

    async def send_awareness(self) -> None:
        """Send our presence state (None: we are leaving) to the other clients."""
        update = self.awareness.encode_awareness_update([self.awareness.client_id])
        await self.ws.send_bytes(encode_awareness(update))

    async def expire_peers(self) -> None:
        """Drop peers silent for longer than the timeout (they left without saying so)."""
        now = self.awareness._get_time()
        gone = [cid for cid, meta in self.awareness.meta.items()
                if cid != self.awareness.client_id and cid in self.awareness.states
                and now - meta["lastUpdated"] >= AWARENESS_TIMEOUT_MS]
        if gone:
            self.awareness.remove_awareness_states(gone, "timeout")
            if self.on_peers is not None:
                self.on_peers(self.peers())

    def _acknowledged(self, count: int) -> None:
        newest: outbox.Entry | None = None
        while self.awaiting and self.awaiting[0][0] <= count:
            _, entry = self.awaiting.popleft()
            newest = entry or newest
        if newest is not None:
            with transaction(self.store.conn):
                outbox.done(self.store.conn, newest)

    def _check_settled(self) -> None:
        if self.handshake_sent and self.remote_synced.is_set() and not self.awaiting:
            self.settled.set()

    async def read_loop(self) -> None:
        """Receive and handle messages until the connection closes; a protocol error from the
        server ends the session."""
        try:
            while True:
                data = await self.ws.receive_bytes()
                self.bytes_in += len(data)
                await self.handle(decode_message(data, MAX_MESSAGE))
        except BaseException as exc:
            self.closed = exc
            self.settled.set()
            raise


async def sync_ws(client: httpx.AsyncClient, store: DocStore, doc_id: str,
                  timeout: float = ROUND_TIMEOUT) -> tuple[int, int]:
    """One round for one document over WebSocket: send what the server lacks, fetch what we
    lack, and return (bytes sent, bytes received) once the server has acknowledged. Raises
    SyncError, httpx errors."""
    od = store.open(doc_id)
    try:
        async with _connect(client, doc_id) as ws:
            session = DocSession(store, od, ws)
            reader = asyncio.create_task(session.read_loop())
            try:
                await session.start()
                await asyncio.wait_for(session.settled.wait(), timeout)
            finally:
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)
            if not (session.remote_synced.is_set() and not session.awaiting):
                raise _closed_error(doc_id, session.closed)
            return session.bytes_out, session.bytes_in
    except BaseExceptionGroup as group:
        # httpx-ws runs the connection in a task group: a dropped connection arrives wrapped.
        raise _translate(doc_id, _leaf(group)) from group
    except (WebSocketNetworkError, WebSocketDisconnect) as exc:
        raise _closed_error(doc_id, exc) from exc


def _leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    exc: BaseException = group
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return exc


def _translate(doc_id: str, exc: BaseException) -> BaseException:
    """Errors the caller already understands pass through; a dropped connection becomes a
    SyncError that says so."""
    if isinstance(exc, (SyncError, WebSocketUpgradeError, httpx.HTTPError, OSError, asyncio.CancelledError)):
        return exc
    return _closed_error(doc_id, exc)


def _closed_error(doc_id: str, exc: BaseException | None) -> SyncError:
    if isinstance(exc, WebSocketNetworkError) or (
        isinstance(exc, WebSocketDisconnect) and exc.code in (1001, 1006, 1011, 1012, 1013)
    ):
        return Unreachable(f"Le serveur s'est interrompu pendant la synchronisation du document {doc_id} ; "
                           "rien n'est perdu, relancez la synchronisation.")
    if isinstance(exc, ProtocolError):
        return SyncError(f"Message invalide du serveur pour le document {doc_id} : {exc}.")
    reason = getattr(exc, "reason", None) or type(exc).__name__
    code = getattr(exc, "code", None)
    if code in (4403, 1008):
        return Refused(f"Le serveur refuse les modifications du document {doc_id} : {reason}.")
    return SyncError(f"La connexion du document {doc_id} s'est fermée avant la fin : {reason}.")


async def sync_http(client: httpx.AsyncClient, store: DocStore, doc_id: str) -> tuple[int, int]:
    """One round for one document over the HTTP catch-up endpoint (for proxies that block
    WebSocket). Same guarantees and return value as `sync_ws` (bodies only)."""
    entry = outbox.get(store.conn, f"{outbox.DOC_UPDATE}:{doc_id}")
    od = store.open(doc_id)
    response = check(await client.get(f"/api/docs/{doc_id}/update",
                                      params={"sv": b64url_encode(bytes(od.doc.get_state()))}))
    store.apply_remote(od, response.content)
    if entry is None:
        return 0, len(response.content)
    server_sv = b64url_decode(response.headers.get(STATE_VECTOR_HEADER, ""))
    store.refresh(od)
    diff = bytes(od.doc.get_update(server_sv))
    check(await client.post(f"/api/docs/{doc_id}/update", content=diff,
                            headers={"Content-Type": OCTET_STREAM}))
    with transaction(store.conn):
        outbox.done(store.conn, entry)
    return len(diff), len(response.content)


class LiveDoc:
    """A document kept in sync live: local edits go out as soon as `push()` is called (after
    each commit), remote edits are stored and passed to `on_remote`. Use as an async context
    manager; `ready()` waits for the first full exchange."""

    def __init__(self, client: httpx.AsyncClient, store: DocStore, doc_id: str,
                 on_remote: RemoteCallback | None = None, on_peers: PeersCallback | None = None) -> None:
        self.client = client
        self.store = store
        relax_durability(store.conn)
        self.doc_id = doc_id
        self.on_remote = on_remote
        self.on_peers = on_peers
        self._cm: Any = None
        self.session: DocSession | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> LiveDoc:
        self._cm = _connect(self.client, self.doc_id)
        ws: AsyncWebSocketSession = await self._cm.__aenter__()
        self.session = DocSession(self.store, self.store.open(self.doc_id), ws, self.on_remote, self.on_peers)
        self._tasks = [asyncio.create_task(self.session.read_loop()), asyncio.create_task(self._keep_presence())]
        await self.session.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.session is not None and self.session.closed is None \
                and self.session.awareness.get_local_state() is not None:
            # Tell the others we left, so that our cursor disappears at once.
            self.session.awareness.set_local_state(None)
            try:
                await self.session.send_awareness()
            except Exception:
                pass  # the connection is going anyway; peers time us out
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._cm is not None:
            await self._cm.__aexit__(None, None, None)

    async def _keep_presence(self) -> None:
        assert self.session is not None
        while True:
            await asyncio.sleep(AWARENESS_RENEW)
            if self.session.awareness.get_local_state() is not None:
                self.session.awareness.set_local_state(self.session.awareness.get_local_state())
                await self.session.send_awareness()
            await self.session.expire_peers()

    async def set_presence(self, state: dict[str, Any] | None) -> None:
        """Publish our presence on this document (user name and colour, cursor), or None."""
        assert self.session is not None
        self.session.awareness.set_local_state(state)
        await self.session.send_awareness()

    async def wait_closed(self) -> None:
        """Return once the connection has ended (`closed` then says why). Cancelling this wait
        leaves the connection alone."""
        await asyncio.wait([self._tasks[0]])

    @property
    def closed(self) -> BaseException | None:
        """Why the connection ended, or None while it is open."""
        return None if self.session is None else self.session.closed

    @property
    def od(self) -> OpenDoc:
        assert self.session is not None
        return self.session.od

    async def ready(self, timeout: float = ROUND_TIMEOUT) -> None:
        assert self.session is not None
        await asyncio.wait_for(self.session.settled.wait(), timeout)

    async def push(self) -> int:
        assert self.session is not None
        return await self.session.push_local()
