"""File contents, by SHA-256: the contract (`BlobStore`) and the default, a folder on disk.

Chat attachments keep their content here today; the shared document bank will too. A blob is
named by the SHA-256 of its bytes, so storing the same file twice keeps one copy, and a name
always means one content. What refers to a blob (attachment rows in the `Store`) lives
elsewhere: the caller decides when a blob is no longer used and deletes it.

Writing is two-step, so that a caller can make "the blob becomes visible" and "a row refers to
it" one step under its own lock: `stage` streams the bytes into a hidden temporary file (hashed
on the way, refused beyond a cap), then `commit` gives it its name, or `discard` drops it.

Every method is called from the event-loop thread and never blocks it: file I/O runs in worker
threads, a chunk at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..errors import BlobTooLarge, StoreError, UnknownBlob

if TYPE_CHECKING:
    from ..config import ServerConfig

log = logging.getLogger(__name__)

SHA256_RE = re.compile(r"[0-9a-f]{64}")
READ_CHUNK = 256 * 1024
# Incoming chunks are small (about 64 KiB from uvicorn): gather some before each trip to a thread.
_WRITE_BUFFER = 1024 * 1024
_TEMP_PREFIX, _TEMP_SUFFIX = "tmp-", ".part"


@dataclass(frozen=True)
class BlobInfo:
    """A stored content: its SHA-256 (lowercase hex) and size in bytes."""

    sha256: str
    size: int


@dataclass(frozen=True)
class StagedBlob:
    """Bytes written and synced to disk but not yet visible under their hash: `commit` or
    `discard` them. `handle` is the implementation's own reference (a temporary file)."""

    info: BlobInfo
    handle: str


class BlobStore(ABC):
    """Content-addressed file storage. A blob is visible under its hash only once it is entirely
    written and durable: a crash never leaves a partial blob under a hash."""

    @abstractmethod
    async def open(self) -> None:
        """Create the storage if needed and drop what a crash left half-written. Raises
        StoreError. Loop thread."""

    @abstractmethod
    async def close(self) -> None:
        """Release everything. Loop thread."""

    @abstractmethod
    async def stage(self, chunks: AsyncIterable[bytes], max_bytes: int) -> StagedBlob:
        """Write `chunks` to a temporary place, hashing them, and return the staged blob. Raises
        BlobTooLarge as soon as more than `max_bytes` arrive, StoreError on an I/O error, and
        whatever `chunks` raises; then nothing is left behind. Loop thread."""

    @abstractmethod
    async def commit(self, staged: StagedBlob) -> BlobInfo:
        """Make a staged blob visible under its hash (if that content is stored already, the
        staged copy is just dropped); durable when it returns. Raises StoreError. Loop thread."""

    @abstractmethod
    async def discard(self, staged: StagedBlob) -> None:
        """Drop a staged blob. Loop thread."""

    async def write(self, chunks: AsyncIterable[bytes], max_bytes: int) -> BlobInfo:
        """Stage then commit `chunks`; return the blob's hash and size. Raises BlobTooLarge,
        StoreError. Loop thread."""
        return await self.commit(await self.stage(chunks, max_bytes))

    async def stage_file(self, path: Path, info: BlobInfo) -> StagedBlob:
        """Take the finished file at `path` (whose hash and size the caller checked: `info`) as a
        staged blob; `path` is gone afterwards. This default copies it through `stage`; a store
        on the same disk moves it instead. Raises StoreError. Loop thread."""
        try:
            f = await asyncio.to_thread(path.open, "rb")
        except OSError as exc:
            raise StoreError(f"impossible de lire le fichier {path} : {exc}") from exc
        staged = await self.stage(_chunks(f), info.size)
        if staged.info != info:
            await self.discard(staged)
            raise StoreError(f"le fichier {path} a changé pendant sa copie")
        await asyncio.to_thread(path.unlink, missing_ok=True)
        return staged

    @abstractmethod
    async def read(self, sha256: str, offset: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        """Open the blob and return an iterator of its bytes from `offset`, `length` of them (all
        the rest: None), chunk by chunk (for a streaming response). Raises UnknownBlob,
        StoreError. Loop thread."""

    @abstractmethod
    async def delete(self, sha256: str) -> bool:
        """Delete the blob; return whether it was there. Never raises for a blob that cannot be
        deleted now (it is logged, and a later sweep retries). Loop thread."""

    @abstractmethod
    async def hashes(self) -> list[str]:
        """Return the hash of every stored blob, sorted (for sweeping unused ones). Loop thread."""


class FileBlobStore(BlobStore):
    """Blobs as files under `root`: `root/ab/abcdef…` for hash abcdef…. A blob is written to a
    temporary file in `root` itself (same file system, so the rename is atomic), fsynced, then
    renamed to its name and its folder fsynced."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if not SHA256_RE.fullmatch(sha256):  # never a path built from anything else
            raise UnknownBlob(f"fichier inconnu : {sha256}")
        return self.root / sha256[:2] / sha256

    async def open(self) -> None:
        """See `BlobStore.open`. Removes the temporary files of uploads a crash interrupted."""
        try:
            await asyncio.to_thread(self._open)
        except OSError as exc:
            raise StoreError(f"impossible d'ouvrir le dossier des fichiers {self.root} : {exc}") from exc

    async def close(self) -> None:
        """See `BlobStore.close`. Nothing is held open between calls."""

    def _open(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        for leftover in self.root.glob(f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}"):
            leftover.unlink(missing_ok=True)

    async def stage(self, chunks: AsyncIterable[bytes], max_bytes: int) -> StagedBlob:
        """See `BlobStore.stage`."""
        path = self.root / f"{_TEMP_PREFIX}{uuid.uuid4().hex}{_TEMP_SUFFIX}"
        try:
            f = await asyncio.to_thread(path.open, "xb")
        except OSError as exc:
            raise StoreError(f"impossible d'écrire le fichier : {exc}") from exc
        digest = hashlib.sha256()
        size = 0
        pending: list[bytes] = []
        pending_bytes = 0
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise BlobTooLarge(max_bytes)
                pending.append(chunk)
                pending_bytes += len(chunk)
                if pending_bytes >= _WRITE_BUFFER:
                    await _write_in_thread(f, digest, pending)
                    pending, pending_bytes = [], 0
            await _write_in_thread(f, digest, pending, final=True)
        except BaseException:
            # Synchronous on purpose: it must also run when the request is cancelled (a client
            # that goes away), and closing and unlinking one file is quick.
            with contextlib.suppress(OSError):
                f.close()
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            raise
        return StagedBlob(BlobInfo(digest.hexdigest(), size), str(path))

    async def commit(self, staged: StagedBlob) -> BlobInfo:
        """See `BlobStore.commit`."""
        try:
            await asyncio.to_thread(self._commit, staged)
        except OSError as exc:
            raise StoreError(f"impossible d'enregistrer le fichier : {exc}") from exc
        return staged.info

    def _commit(self, staged: StagedBlob) -> None:
        temp, target = Path(staged.handle), self._path(staged.info.sha256)
        try:
            if target.stat().st_size == staged.info.size:
                temp.unlink(missing_ok=True)  # the same content is there already
                return
        except FileNotFoundError:
            pass
        if not target.parent.is_dir():
            target.parent.mkdir(exist_ok=True)
            _fsync_dir(self.root)
        os.replace(temp, target)
        _fsync_dir(target.parent)

    async def discard(self, staged: StagedBlob) -> None:
        """See `BlobStore.discard`."""
        await asyncio.to_thread(Path(staged.handle).unlink, missing_ok=True)

    async def stage_file(self, path: Path, info: BlobInfo) -> StagedBlob:
        """See `BlobStore.stage_file`. A rename when `path` is on the same file system as the
        blobs (an upload part file under the same data folder): no 500 MB copy."""
        temp = self.root / f"{_TEMP_PREFIX}{uuid.uuid4().hex}{_TEMP_SUFFIX}"
        try:
            await asyncio.to_thread(os.replace, path, temp)
        except OSError:  # another file system: copy
            return await super().stage_file(path, info)
        return StagedBlob(info, str(temp))

    async def read(self, sha256: str, offset: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        """See `BlobStore.read`. The file stays open until the iterator ends or is closed."""
        path = self._path(sha256)
        try:
            f = await asyncio.to_thread(path.open, "rb")
            if offset:
                f.seek(offset)
        except FileNotFoundError as exc:
            raise UnknownBlob(f"fichier inconnu : {sha256}") from exc
        except OSError as exc:
            raise StoreError(f"impossible de lire le fichier {sha256} : {exc}") from exc
        return _chunks(f, length)

    async def delete(self, sha256: str) -> bool:
        """See `BlobStore.delete`."""
        path = self._path(sha256)
        try:
            await asyncio.to_thread(path.unlink)
        except FileNotFoundError:
            return False
        except OSError as exc:  # Windows refuses while a download still has it open
            log.warning("fichier %s non supprimé : %s", sha256, exc)
            return False
        return True

    async def hashes(self) -> list[str]:
        """See `BlobStore.hashes`."""
        return await asyncio.to_thread(self._hashes)

    def _hashes(self) -> list[str]:
        found: list[str] = []
        for folder in self.root.iterdir():
            if folder.is_dir() and len(folder.name) == 2:
                found.extend(
                    p.name for p in folder.iterdir() if SHA256_RE.fullmatch(p.name) and p.name[:2] == folder.name
                )
        return sorted(found)


async def _write_in_thread(f: IO[bytes], digest: hashlib._Hash, chunks: list[bytes], final: bool = False) -> None:
    """Run `_write` in a worker thread. Raises StoreError (disk full, I/O error). Loop thread."""
    try:
        await asyncio.to_thread(_write, f, digest, chunks, final)
    except OSError as exc:
        raise StoreError(f"impossible d'écrire le fichier : {exc}") from exc


def _write(f: IO[bytes], digest: hashlib._Hash, chunks: list[bytes], final: bool = False) -> None:
    """Hash and write `chunks`; when `final`, flush, fsync and close. Worker thread."""
    for chunk in chunks:
        digest.update(chunk)
        f.write(chunk)
    if final:
        f.flush()
        os.fsync(f.fileno())
        f.close()


async def _chunks(f: IO[bytes], length: int | None = None) -> AsyncIterator[bytes]:
    left = -1 if length is None else length
    try:
        while left and (chunk := await asyncio.to_thread(f.read, READ_CHUNK if left < 0 else min(left, READ_CHUNK))):
            left -= len(chunk) if left > 0 else 0
            yield chunk
    finally:
        f.close()


def _fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in `path` durable. Windows cannot open a folder: skipped there
    (NTFS journals its metadata). Worker thread."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load(config: ServerConfig) -> BlobStore:
    """Return the (unopened) blob store named by `config.blob_store`. Raises ValueError for an
    unknown name. Any thread."""
    if config.blob_store == "file":
        return FileBlobStore(config.blobs_path)
    raise ValueError(f"stockage de fichiers inconnu : {config.blob_store}")
