"""An in-process server (the real ASGI app, through httpx-ws's ASGI transport) and profiles
signed in to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from httpx_ws.transport import ASGIWebSocketTransport

from storage.vault import Vault
from sync.account import sign_in
from sync.server.app import create_app
from sync.server.cli import add_user
from sync.server.config import ServerConfig

URL = "http://parvis.test"
USERS = {"alice": "mdp-alice", "bob": "mdp-bob", "carole": "mdp-carole"}


@dataclass
class World:
    transport: httpx.AsyncBaseTransport
    profiles: dict[str, Vault]
    config: ServerConfig


class Shared(httpx.AsyncBaseTransport):
    """One in-process transport for many clients: closing a client must not close it (httpx-ws's
    ASGI transport would then wrap the client's exceptions in its task group's)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        pass


@asynccontextmanager
async def world(tmp: Path, wrap: Callable[[httpx.AsyncBaseTransport], Any] | None = None) -> AsyncIterator[World]:
    """A server with alice, bob and carole, and a signed-in profile for each."""
    config = ServerConfig(data_dir=tmp / "server")
    for name, password in USERS.items():
        await add_user(config, name, password)
    app = create_app(config)
    async with app.router.lifespan_context(app):
        asgi = ASGIWebSocketTransport(app)
        await asgi.__aenter__()
        transport: httpx.AsyncBaseTransport = Shared(asgi)
        if wrap is not None:
            transport = wrap(transport)
        profiles = {}
        for name, password in USERS.items():
            vault = Vault.create(tmp / name, "x")
            await sign_in(vault.conn, URL, name, password, transport=transport)
            profiles[name] = vault
        try:
            yield World(transport, profiles, config)
        finally:
            for vault in profiles.values():
                vault.close()
            await asgi.__aexit__(None, None, None)


def run(coro: Any) -> Any:
    return asyncio.run(coro)
