"""Test helpers: a real uvicorn serving the app on 127.0.0.1 (free port) in a background thread,
and a y-websocket client with a pycrdt `Doc` on the test's side."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pycrdt
import uvicorn
from httpx_ws import WebSocketSession, connect_ws

from sync.protocol.messages import (
    Message,
    MsgType,
    SyncType,
    decode_message,
    encode_sync_step1,
    encode_sync_step2,
    encode_update,
)
from sync.protocol.update import UpdateLimits
from sync.server.app import create_app
from sync.server.config import ServerConfig
from sync.server.deps import Services, services

T = TypeVar("T")
TIMEOUT = 10.0
KIB = 1024


def make_config(data_dir: Path, **overrides: Any) -> ServerConfig:
    """A config with cheap Argon2 and small caps, so tests run fast and can hit the limits."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "port": 0,
        "max_message_bytes": 64 * KIB,
        "update_limits": UpdateLimits(max_bytes=64 * KIB),
        "compaction_threshold": 40,
        "unload_compaction_threshold": 5,
        "argon2_time_cost": 1,
        "argon2_memory_cost": 8,
        "argon2_parallelism": 1,
    }
    values.update(overrides)
    return ServerConfig(**values)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, started: threading.Event) -> None:
        super().__init__(config)
        self._started_event = started
        self.loop: asyncio.AbstractEventLoop | None = None

    async def startup(self, sockets: Any = None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().startup(sockets)
        self._started_event.set()


class ServerThread:
    """The app under uvicorn on 127.0.0.1, port chosen by the OS, in a daemon thread."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.app = create_app(config)
        self._started = threading.Event()
        uv = uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning", lifespan="on",
                            ws_per_message_deflate=False, ws_max_size=config.max_message_bytes + 64)
        self._server = _Server(uv, self._started)
        self._thread = threading.Thread(target=self._server.run, name="test-server", daemon=True)
        self.port = 0
        self.loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> ServerThread:
        self._thread.start()
        if not self._started.wait(TIMEOUT) or not self._server.started:
            raise RuntimeError("le serveur de test n'a pas démarré")
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        self.loop = self._server.loop
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(TIMEOUT)
        assert not self._thread.is_alive(), "le serveur de test ne s'est pas arrêté"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/yjs"

    @property
    def services(self) -> Services:
        return services(self.app)

    def call_sync(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the server's loop thread (rooms and their Docs live there)."""

        async def wrapper() -> T:
            return fn()

        return self.call(wrapper)

    def call(self, coro_fn: Callable[[], Awaitable[T]]) -> T:
        """Run a coroutine on the server's loop and return its result."""
        assert self.loop is not None

        async def run() -> T:
            return await coro_fn()

        fut: Future[T] = asyncio.run_coroutine_threadsafe(run(), self.loop)
        return fut.result(TIMEOUT)

    def add_user(self, name: str | None = None, password: str = "mot de passe") -> str:
        """Create a user (random name by default); return its name."""
        name = name or f"u{uuid.uuid4().hex[:10]}"

        async def create() -> None:
            svc = self.services
            await svc.store.create_user(name, await svc.auth.hash_password(password))

        self.call(create)
        return name

    def login(self, name: str, password: str = "mot de passe") -> str:
        r = httpx.post(f"{self.url}/api/login", json={"username": name, "password": password}, timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        return str(r.json()["token"])

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=TIMEOUT)

    def user_with_token(self) -> tuple[str, str]:
        name = self.add_user()
        return name, self.login(name)

    def new_doc(self, token: str) -> str:
        doc_id = str(uuid.uuid4())
        with self.client(token) as c:
            assert c.put(f"/api/docs/{doc_id}").status_code == 201
        return doc_id

    def share(self, owner_token: str, doc_id: str, user: str, role: str) -> None:
        with self.client(owner_token) as c:
            r = c.put(f"/api/docs/{doc_id}/members/{user}", json={"role": role})
            assert r.status_code == 200, r.text

    def stored_content(self, doc_id: str) -> tuple[str, int]:
        """(text of `body` rebuilt from the store alone, number of tail rows)."""
        stored = self.call(lambda: self.services.store.load_document(doc_id))
        doc = pycrdt.Doc()
        if stored.snapshot:
            doc.apply_update(stored.snapshot)
        for update in stored.tail:
            doc.apply_update(update)
        return str(doc.get("body", type=pycrdt.Text)), len(stored.tail)


class YClient:
    """A y-websocket peer driven from the test thread, with its own pycrdt `Doc`."""

    def __init__(self, ws: WebSocketSession, client_id: int | None = None) -> None:
        self.ws = ws
        self.doc: pycrdt.Doc = pycrdt.Doc(client_id=client_id) if client_id else pycrdt.Doc()
        self.text = self.doc.get("body", type=pycrdt.Text)
        self.outgoing: list[bytes] = []
        self.doc.observe(self._on_change)
        self.awareness: list[bytes] = []
        self.acks: list[int] = []
        self.sent = 0  # step 2 and update messages sent: what acks count
        self._applying = False

    def _on_change(self, event: pycrdt.TransactionEvent) -> None:
        if not self._applying:
            self.outgoing.append(event.update)

    def recv(self, timeout: float = TIMEOUT) -> Message:
        msg = decode_message(self.ws.receive_bytes(timeout=timeout), 1 << 30)
        if msg.carries_update:
            self._applying = True
            try:
                self.doc.apply_update(msg.payload)
            finally:
                self._applying = False
        elif msg.type == MsgType.AWARENESS:
            self.awareness.append(msg.payload)
        elif msg.type == MsgType.ACK:
            self.acks.append(msg.count)
        return msg

    def handshake(self) -> None:
        """Answer the server's step 1 with our diff, send our step 1, and apply its step 2."""
        first = self.recv()
        assert first.type == MsgType.SYNC and first.sync == SyncType.STEP1
        self.send_update_message(encode_sync_step2(self.doc.get_update(first.payload)))
        self.ws.send_bytes(encode_sync_step1(self.doc.get_state()))
        self.wait_for(lambda m: m.sync == SyncType.STEP2)

    def wait_for(self, predicate: Callable[[Message], bool], timeout: float = TIMEOUT) -> Message:
        """Receive (and apply) messages until one satisfies `predicate`; return it."""
        while True:
            msg = self.recv(timeout)
            if predicate(msg):
                return msg

    def wait_text(self, expected: str, timeout: float = TIMEOUT) -> None:
        while str(self.text) != expected:
            self.recv(timeout)

    def insert(self, index: int, value: str) -> bytes:
        """Insert locally and send the update; return it."""
        self.text.insert(index, value)
        update = self.outgoing.pop()
        self.send_update_message(encode_update(update))
        return update

    def send_update_message(self, frame: bytes) -> None:
        """Send a step 2 or update frame, counted for the acks."""
        self.sent += 1
        self.ws.send_bytes(frame)

    def wait_acked(self, timeout: float = TIMEOUT) -> None:
        """Wait until the server has acknowledged every update message sent so far."""
        while not self.acks or self.acks[-1] < self.sent:
            self.recv(timeout)


@contextmanager
def yjs(server: ServerThread, doc_id: str, token: str, *, ack: bool = False, handshake: bool = True,
        client_id: int | None = None) -> Iterator[YClient]:
    """Open a y-websocket connection (token in the query, as stock clients send it)."""
    query = f"?token={token}" + ("&ack=1" if ack else "")
    with httpx.Client(timeout=TIMEOUT) as http, connect_ws(
        f"{server.url}/yjs/{doc_id}{query}", http, max_message_size_bytes=1 << 24
    ) as ws:
        peer = YClient(ws, client_id)
        if handshake:
            peer.handshake()
        yield peer
