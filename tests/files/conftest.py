"""Two PCs and a server for the document bank: the real server in-process (tests/sync's world),
each user's profile with a synced folder on disk."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from storage.db import set_setting, transaction
from storage.files import FilesStore, Folder
from storage.vault import Vault
from sync import account as accounts
from sync import files
from sync.files import FilesReport, Transfers
from tests.sync.conftest import World, world


@dataclass
class Peer:
    """One user's PC: a profile signed in to the server, and its synced folder `root`."""

    name: str
    vault: Vault
    transport: httpx.AsyncBaseTransport
    root: Path
    transfers: Transfers

    @property
    def conn(self) -> Any:
        return self.vault.conn

    @property
    def store(self) -> FilesStore:
        return FilesStore(self.conn)

    async def call(self, step: Callable[[httpx.AsyncClient], Any]) -> Any:
        async with accounts.client(self.conn, transport=self.transport) as client:
            return await step(client)

    async def sync(self) -> FilesReport:
        return await self.call(lambda c: files.sync_files(c, self.conn, self.name, self.transfers))  # type: ignore[no-any-return]

    async def choose(self, folder_id: str) -> None:
        await self.call(lambda c: files.refresh_folders(c, self.conn))
        files.choose_folder(self.conn, folder_id, self.root, self.vault.folder)

    def write(self, rel: str, data: bytes | str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        path.write_bytes(data)
        return path

    def read(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes()

    def tree(self) -> dict[str, str]:
        """Every file under the root but the marker: relative path → content (as text)."""
        return {p.relative_to(self.root).as_posix(): p.read_bytes().decode("utf-8", "replace")
                for p in sorted(self.root.rglob("*")) if p.is_file() and p.name != ".parvis-dossier"}

    def settings(self, **values: int) -> None:
        with transaction(self.conn):
            for key, value in values.items():
                set_setting(self.conn, f"files.{key}", str(value))


@dataclass
class Bank:
    world: World
    folder: Folder
    alice: Peer
    bob: Peer

    async def server_files(self, who: Peer | None = None) -> dict[str, str]:
        """The live files on the server: path → sha256."""
        peer = who or self.alice

        async def listing(c: httpx.AsyncClient) -> dict[str, str]:
            page = (await c.get(f"/api/files/folders/{self.folder.id}/changes", params={"since": 0})).json()
            return {e["path"]: e["sha256"] for e in page["entries"] if not e["deleted"]}

        return await peer.call(listing)  # type: ignore[no-any-return]

    async def trash(self) -> list[str]:
        async def listing(c: httpx.AsyncClient) -> list[str]:
            return [e["path"] for e in (await c.get(f"/api/files/folders/{self.folder.id}/trash")).json()["entries"]]

        return await self.alice.call(listing)  # type: ignore[no-any-return]


def sha(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


@asynccontextmanager
async def bank(tmp: Path, wrap: Callable[[httpx.AsyncBaseTransport], Any] | None = None,
               bob_role: str = "editor") -> AsyncIterator[Bank]:
    """A shared folder "Urbanisme" owned by alice, bob a member with `bob_role`, synced by
    both into tmp/PC-alice and tmp/PC-bob."""
    async with world(tmp, wrap) as w:
        alice, bob = (Peer(n, w.profiles[n], w.transport, tmp / f"PC-{n}" / "Urbanisme", Transfers())
                      for n in ("alice", "bob"))
        folder = await alice.call(lambda c: files.create_folder(c, alice.conn, "Urbanisme", ["bob"]))
        if bob_role != "editor":
            await alice.call(lambda c: files.share_folder(c, folder.id, "bob", bob_role))
        await alice.choose(folder.id)
        await bob.choose(folder.id)
        yield Bank(w, folder, alice, bob)
