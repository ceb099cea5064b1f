"""The BlobStore contract, run against every implementation (files on disk today): content
addressing, the size cap, nothing left of a failed write, crash leftovers swept on open."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from sync.server.errors import BlobTooLarge, UnknownBlob
from sync.server.store.blobs import BlobStore, FileBlobStore, load

from .helpers import make_config

pytestmark = pytest.mark.anyio

BlobFactory = Callable[[Path], BlobStore]
IMPLEMENTATIONS: dict[str, BlobFactory] = {
    "file": lambda d: load(make_config(d)),
}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
async def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    b = IMPLEMENTATIONS[request.param](tmp_path)
    await b.open()
    yield b
    await b.close()


async def chunks_of(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def read_all(blobs: BlobStore, sha: str) -> bytes:
    return b"".join([chunk async for chunk in await blobs.read(sha)])


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


async def test_write_read_and_delete_by_content(blobs: BlobStore) -> None:
    big = bytes(range(256)) * 8000  # 2 MB: several write and read chunks
    info = await blobs.write(chunks_of(big[:70_000], big[70_000:]), max_bytes=len(big))
    assert info.sha256 == hashlib.sha256(big).hexdigest() and info.size == len(big)
    assert await read_all(blobs, info.sha256) == big
    again = await blobs.write(chunks_of(big), max_bytes=len(big))  # same content: same blob
    assert again == info and await blobs.hashes() == [info.sha256]
    empty = await blobs.write(chunks_of(), max_bytes=10)
    assert empty.size == 0 and await read_all(blobs, empty.sha256) == b""
    assert await blobs.delete(info.sha256) is True
    assert await blobs.delete(info.sha256) is False
    assert await blobs.hashes() == [empty.sha256]
    for sha in (info.sha256, "../../etc/passwd", "A" * 64):
        with pytest.raises(UnknownBlob):
            await blobs.read(sha)


async def test_nothing_is_left_of_a_refused_or_failed_write(blobs: BlobStore) -> None:
    with pytest.raises(BlobTooLarge) as info:
        await blobs.write(chunks_of(b"x" * 600, b"y" * 600), max_bytes=1000)
    assert info.value.limit == 1000

    async def broken() -> AsyncIterator[bytes]:
        yield "le début".encode()
        raise ConnectionResetError("le client est parti")

    with pytest.raises(ConnectionResetError):
        await blobs.write(broken(), max_bytes=1000)
    staged = await blobs.stage(chunks_of(b"jamais visible"), max_bytes=1000)
    assert await blobs.hashes() == []  # staged is not stored
    await blobs.discard(staged)
    assert await blobs.hashes() == []
    if isinstance(blobs, FileBlobStore):
        assert files_under(blobs.root) == []


async def test_files_are_named_by_hash_and_crash_leftovers_are_swept(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path / "blobs")
    await blobs.open()
    info = await blobs.write(chunks_of(b"rapport"), max_bytes=100)
    assert files_under(blobs.root) == [f"{info.sha256[:2]}/{info.sha256}"]
    staged = await blobs.stage(chunks_of(b"interrompu"), max_bytes=100)  # then the server "crashes"
    assert len(files_under(blobs.root)) == 2
    reopened = FileBlobStore(tmp_path / "blobs")
    await reopened.open()
    assert files_under(reopened.root) == [f"{info.sha256[:2]}/{info.sha256}"]
    assert await reopened.hashes() == [info.sha256]
    assert hashlib.sha256(b"interrompu").hexdigest() == staged.info.sha256
