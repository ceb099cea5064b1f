"""Large transfers survive cuts: an upload cut by the network in the middle of a chunk, or by
the server being killed, resumes from the first chunk the server did not keep whole (only the
rest is sent the second time); a download cut halfway resumes with a Range request into its
temp file; progress is reported with bytes done and total."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from storage.db import set_setting, transaction
from storage.files import FilesStore
from storage.vault import Vault
from sync import account as accounts
from sync import files
from sync.files import Transfers
from sync.protocol.file_chunks import DIGEST_SIZE
from tests.e2e.servers import add_user, start_server

from .conftest import bank, sha

MIB = 1024 * 1024
SIZE = 20 * MIB


class Cutter(httpx.AsyncBaseTransport):
    """The network between a PC and the server, which the test cuts: after
    `upload_bytes_before_cut` bytes of upload chunks, or after `download_bytes_before_cut`
    bytes of a download. `uploaded` counts the chunk bytes sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.uploaded = 0
        self.upload_bytes_before_cut: int | None = None
        self.download_bytes_before_cut: int | None = None
        self.downloaded = 0
        self.ranges: list[str] = []
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("réseau coupé", request=request)
        if request.method == "PUT" and "/chunks/" in request.url.path:
            request.stream = _Cut(self, request.stream, "upload")  # type: ignore[arg-type]
        response = await self.inner.handle_async_request(request)
        if request.method == "GET" and request.url.path.endswith("/content"):
            self.ranges.append(request.headers.get("range", ""))
            return httpx.Response(response.status_code, headers=response.headers, request=request,
                                  stream=_Cut(self, response.stream, "download"))  # type: ignore[arg-type]
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class _Cut(httpx.AsyncByteStream):
    """A body on its way (`way`: "upload" or "download"), counted in the cutter's `uploaded` or
    `downloaded`, and cut at its `…_bytes_before_cut`."""

    def __init__(self, cutter: Cutter, inner: Any, way: str) -> None:
        self.cutter, self.inner, self.way = cutter, inner, way

    async def __aiter__(self) -> AsyncIterator[bytes]:
        count = f"{self.way}ed"
        async for block in self.inner:
            limit, done = getattr(self.cutter, f"{self.way}_bytes_before_cut"), getattr(self.cutter, count)
            if limit is not None and done + len(block) > limit:
                part = block[: max(limit - done, 0)]
                setattr(self.cutter, count, done + len(part))
                yield part
                self.cutter.down = True
                raise httpx.WriteError("réseau coupé") if self.way == "upload" else httpx.ReadError("réseau coupé")
            setattr(self.cutter, count, done + len(block))
            yield block


def test_an_interrupted_large_upload_and_download_resume(tmp_path: Path) -> None:
    cutters: list[Cutter] = []

    def wrap(inner: httpx.AsyncBaseTransport) -> Cutter:
        cutters.append(Cutter(inner))
        return cutters[-1]

    async def scenario() -> None:
        async with bank(tmp_path, wrap) as b:
            cut = cutters[0]
            for peer in (b.alice, b.bob):
                peer.settings(resumable_from=4 * MIB, chunk_bytes=MIB)
            data = os.urandom(SIZE)
            b.alice.write("Plans/PLU 2026.pdf", data)
            seen: list[tuple[int, int]] = []
            b.alice.transfers.listeners.append(lambda t: seen.append((t.done, t.total)))

            frame = MIB + DIGEST_SIZE
            cut.upload_bytes_before_cut = 7 * frame + MIB // 2  # in the middle of chunk 7
            with pytest.raises(httpx.TransportError):
                await b.alice.sync()
            kept = b.alice.store.upload(b.folder.id, "Plans/PLU 2026.pdf")
            assert kept is not None and kept.chunks == 20  # the session, kept to resume (the server knows its chunks)
            assert seen[-1] == (7 * MIB, SIZE)
            # the server keeps the 7 whole chunks (once it has read what was on its way), not the half one
            url = f"/api/files/folders/{b.folder.id}/uploads/{kept.upload_id}"
            deadline = time.monotonic() + 30
            cut.down = False
            while (received := (await b.alice.call(lambda c: c.get(url))).json()["received"]) != list(range(7)):
                assert len(received) < 7 and time.monotonic() < deadline, received
                await asyncio.sleep(0.05)

            cut.upload_bytes_before_cut, cut.uploaded = None, 0
            report = await b.alice.sync()
            assert (report.up, report.errors) == (1, [])
            assert cut.uploaded == 13 * frame  # only those the server did not have
            assert await b.server_files() == {"Plans/PLU 2026.pdf": sha(data)}
            assert b.alice.store.upload(b.folder.id, "Plans/PLU 2026.pdf") is None
            assert seen[-1] == (SIZE, SIZE)

            # bob's download is cut halfway, then resumes with a Range.
            cut.download_bytes_before_cut, cut.downloaded = SIZE // 2, 0
            with pytest.raises(httpx.TransportError):
                await b.bob.sync()
            assert not (b.bob.root / "Plans" / "PLU 2026.pdf").exists()  # nothing half-written in place
            temps = [p for p in (b.bob.root / "Plans").iterdir() if p.name.startswith(".parvis-tmp-")]
            assert len(temps) == 1 and 0 < temps[0].stat().st_size <= SIZE // 2
            have = temps[0].stat().st_size
            cut.download_bytes_before_cut, cut.down, cut.downloaded, cut.ranges = None, False, 0, []
            report = await b.bob.sync()
            assert (report.down, report.errors) == (1, [])
            assert cut.ranges == [f"bytes={have}-"]
            assert cut.downloaded == SIZE - have  # only the rest came
            assert (b.bob.root / "Plans" / "PLU 2026.pdf").read_bytes() == data
            assert [p.name for p in (b.bob.root / "Plans").iterdir()] == ["PLU 2026.pdf"]

    asyncio.run(scenario())


class Killer(httpx.AsyncBaseTransport):
    """The real network, plus a hook that runs once `after[0]` bytes of upload chunks are sent;
    `uploaded` counts them."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.uploaded = 0
        self.after: tuple[int, Any] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and "/chunks/" in request.url.path:
            request.stream = _Watched(self, request.stream)  # type: ignore[arg-type]
        return await self.inner.handle_async_request(request)


class _Watched(httpx.AsyncByteStream):
    def __init__(self, killer: Killer, inner: Any) -> None:
        self.killer, self.inner = killer, inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        killer = self.killer
        async for block in self.inner:
            yield block
            killer.uploaded += len(block)
            if killer.after is not None and killer.uploaded >= killer.after[0]:
                await asyncio.sleep(0.5)  # the server has read what was sent
                killer.after[1]()
                killer.after = None


@pytest.mark.slow
def test_an_upload_resumes_after_the_server_is_killed(tmp_path: Path) -> None:
    data_dir = tmp_path / "server"
    add_user(data_dir, "alice", "mdp-alice")
    server = start_server(data_dir)
    vault = Vault.create(tmp_path / "alice", "x")
    try:
        killer = Killer()
        root = tmp_path / "PC" / "Urbanisme"
        content = os.urandom(6 * MIB + 1234)

        async def call(step: Any) -> Any:
            async with accounts.client(vault.conn, transport=killer) as client:
                return await step(client)

        async def scenario() -> None:
            await accounts.sign_in(vault.conn, server.url, "alice", "mdp-alice", transport=killer)
            folder = await call(lambda c: files.create_folder(c, vault.conn, "Urbanisme"))
            files.choose_folder(vault.conn, folder.id, root)
            with transaction(vault.conn):
                set_setting(vault.conn, "files.resumable_from", str(MIB))
                set_setting(vault.conn, "files.chunk_bytes", str(256 * 1024))
            (root / "gros.bin").write_bytes(content)
            frame = 256 * 1024 + DIGEST_SIZE
            killer.after = (10 * frame, server.process.kill)
            with pytest.raises(httpx.TransportError):
                await call(lambda c: files.sync_files(c, vault.conn, "alice", Transfers()))
            assert FilesStore(vault.conn).upload(folder.id, "gros.bin") is not None

            restarted = start_server(data_dir, port=server.port)
            server.process = restarted.process
            killer.after, killer.uploaded = None, 0
            report = await call(lambda c: files.sync_files(c, vault.conn, "alice", Transfers()))
            assert (report.up, report.errors) == (1, [])
            chunks = -(-len(content) // (256 * 1024))
            assert 0 < killer.uploaded <= (chunks - 10) * frame  # the server kept the 10 chunks it had
            listed = await call(lambda c: c.get(f"/api/files/folders/{folder.id}/changes"))
            assert [(e["path"], e["sha256"]) for e in listed.json()["entries"]] == [("gros.bin", sha(content))]

        asyncio.run(scenario())
    finally:
        vault.close()
        server.stop()
