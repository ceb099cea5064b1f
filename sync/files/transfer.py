"""Moving file contents: uploads (one request, or a resumable session in chunks) and downloads
(into a hidden temp file of the synced folder, resumed with Range). Sync thread.

An upload sends the bytes the scan hashed, or nothing: a small file is read whole and hashed
again; a large one is streamed in one request per run of chunks the server lacks (all of
them, the first time), each chunk followed by its BLAKE3 as it is read
(`sync.protocol.file_chunks`), and the file is stat-ed again before the commit; if it moved it
is still being written (`Unstable`) and waits for the next round, and if it changed while it
was read the server's SHA-256 of the whole says so at commit. A session's id is kept in the
store at once, so that an upload cut by a crash, a restart or the network asks the server which
chunks it holds and sends the others.

A download goes to `.parvis-tmp-…` beside its target, is checked against its SHA-256 (hashed
as it arrives; read again only when it resumes an earlier attempt), fsynced, and left for
the caller to rename over the target (once it has checked that the local file is still the
synced version).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from storage.db import get_setting, transaction
from storage.files import Download, FilesStore, Upload
from sync.protocol.file_chunks import body_length, chunk_hasher

from ..errors import Refused, SyncError
from ..flush import EarlyFlush
from ..http import check, json_body
from .names import local_path, temp_name
from .progress import DOWN, UP, Transfer, Transfers
from .scan import LocalFile, Unstable

MIB = 1024 * 1024
RESUMABLE_FROM = 8 * MIB  # files from this size go through an upload session
CHUNK = 8 * MIB
MIN_CHUNK, MAX_CHUNK = 256 * 1024, 32 * MIB  # the server's bounds
WRITE = 1024 * 1024  # bytes read or written at once
FLUSH_EVERY = 16 * MIB  # a download starts making what it wrote durable every this many bytes


class Conflict(Exception):
    """412: the server's file is not the version we started from. `current` is the live entry
    at that path now (None: no file there any more)."""

    def __init__(self, current: dict[str, Any] | None) -> None:
        super().__init__("conflit")
        self.current = current


class Gone(Exception):
    """The version asked for is no longer on the server (deleted or moved meanwhile)."""


@dataclass(frozen=True)
class Options:
    resumable_from: int = RESUMABLE_FROM
    chunk: int = CHUNK

    @classmethod
    def of(cls, conn: Any) -> Options:
        """The profile's settings `files.resumable_from` and `files.chunk_bytes` (bytes), for
        administrators and tests; the defaults otherwise."""
        def number(key: str, default: int) -> int:
            try:
                return int(get_setting(conn, key) or default)
            except ValueError:
                return default
        chunk = min(max(number("files.chunk_bytes", CHUNK), MIN_CHUNK), MAX_CHUNK)
        return cls(number("files.resumable_from", RESUMABLE_FROM), chunk)


def folder_url(folder_id: str) -> str:
    return f"/api/files/folders/{folder_id}"


def etag(sha256: str) -> str:
    return f'"{sha256}"'


def _precondition(base: str | None) -> dict[str, str]:
    return {"If-None-Match": "*"} if base is None else {"If-Match": etag(base)}


def _written(response: httpx.Response) -> dict[str, Any]:
    """The entry of a successful write; raises Conflict on 412, Refused/SyncError otherwise."""
    if response.status_code == 412:
        raise Conflict(json_body(response).get("current"))
    if response.status_code == 507:
        raise Refused(f"Refusé par le serveur : {response.json().get('error', 'quota dépassé')}.")
    result: dict[str, Any] = check(response).json()
    return result


async def upload(client: httpx.AsyncClient, store: FilesStore, folder_id: str, local: LocalFile, base: str | None,
                 transfers: Transfers, options: Options, session_of: str | None = None) -> dict[str, Any]:
    """Write `local` on the server at its path, replacing version `base` (a SHA-256), or
    creating it (None). `session_of`: the path whose upload session holds these bytes already
    (a conflict copy renamed from it). Returns the new entry. Raises Conflict, Unstable,
    Refused, SyncError, httpx.TransportError, OSError."""
    if local.size < options.resumable_from:
        return await _upload_small(client, folder_id, local, base, transfers, local.path)
    return await _upload_session(client, store, folder_id, local, base, transfers, options, session_of or local.path)


async def _upload_small(client: httpx.AsyncClient, folder_id: str, local: LocalFile, base: str | None,
                        transfers: Transfers, target: str) -> dict[str, Any]:
    data = local.disk.read_bytes()
    st = os.stat(local.disk)
    if hashlib.sha256(data).hexdigest() != local.sha256 or (st.st_size, st.st_mtime_ns) != (local.size,
                                                                                            local.mtime_ns):
        raise Unstable(local.path)
    t = transfers.start(folder_id, target, UP, len(data))
    response = await client.put(f"{folder_url(folder_id)}/content", params={"path": target}, content=data,
                                headers=_precondition(base))
    entry = _written(response)
    transfers.finish(t)
    return entry


async def _session(client: httpx.AsyncClient, store: FilesStore, folder_id: str, local: LocalFile,
                   base: str | None, options: Options, key: str) -> tuple[Upload, set[int]]:
    """The session for this content: the one kept in the store under `key` if the server still
    has it (with the chunks it holds), or a new one. Raises Conflict, Refused, SyncError."""
    url = f"{folder_url(folder_id)}/uploads"
    kept = store.upload(folder_id, key)
    if kept is not None and (kept.sha256, kept.size) != (local.sha256, local.size):
        await client.delete(f"{url}/{kept.upload_id}")  # an older content's: free the server's part file
        kept = None
    if kept is not None:
        response = await client.get(f"{url}/{kept.upload_id}")
        if response.status_code == 200:
            return kept, {int(i) for i in response.json()["received"]}
        if response.status_code != 404:
            check(response)
    body = {"path": local.path, "size": local.size, "sha256": local.sha256, "chunk_size": options.chunk,
            "base_etag": None if base is None else etag(base)}
    created = _written(await client.post(url, json=body))
    up = Upload(folder_id, key, local.sha256, local.size, created["id"], int(created["chunk_size"]),
                int(created["chunks"]))
    with transaction(store.conn):
        store.put_upload(up)
    return up, set()


async def _upload_session(client: httpx.AsyncClient, store: FilesStore, folder_id: str, local: LocalFile,
                          base: str | None, transfers: Transfers, options: Options, key: str) -> dict[str, Any]:
    target = local.path
    up, received = await _session(client, store, folder_id, local, base, options, key)
    url = f"{folder_url(folder_id)}/uploads/{up.upload_id}"
    for _attempt in range(3):
        t = transfers.start(folder_id, target, UP, up.size, min(len(received) * up.chunk_size, up.size))
        t = await _send_chunks(client, local, up, url, received, transfers, t)
        st = os.stat(local.disk)
        if (st.st_size, st.st_mtime_ns) != (local.size, local.mtime_ns):
            raise Unstable(local.path)
        # Stated at each commit: a session reused for a conflict copy commits elsewhere, as new.
        body = {"path": target, "base_etag": None if base is None else etag(base)}
        response = await client.post(f"{url}/commit", json=body)
        missing = json_body(response).get("missing") if response.status_code == 409 else None
        if missing is not None:
            received -= {int(i) for i in missing}
            continue
        if response.status_code in (400, 404):  # the whole file did not match, or the session is gone
            with transaction(store.conn):
                store.drop_upload(folder_id, key)
            raise Unstable(local.path)
        entry = _written(response)
        with transaction(store.conn):
            store.drop_upload(folder_id, key)
        transfers.finish(t)
        return entry
    raise SyncError(f"Envoi de « {local.path} » incomplet après plusieurs essais : il reprendra au prochain tour.")


def _runs(chunks: int, received: set[int]) -> list[range]:
    """The runs of consecutive chunks not in `received`."""
    runs: list[range] = []
    start = None
    for i in range(chunks + 1):
        if i < chunks and i not in received:
            start = i if start is None else start
        elif start is not None:
            runs.append(range(start, i))
            start = None
    return runs


async def _send_chunks(client: httpx.AsyncClient, local: LocalFile, up: Upload, url: str, received: set[int],
                       transfers: Transfers, t: Transfer) -> Transfer:
    """Send the chunks not in `received`, one streamed request per run of them (adding those
    the server kept). Returns the transfer's progress. Raises Unstable, SyncError,
    httpx.TransportError, OSError."""
    done = min(len(received) * up.chunk_size, up.size)

    def sent(length: int) -> None:
        nonlocal t, done
        done += length
        t = transfers.advance(t, min(done, up.size))

    for run in _runs(up.chunks, received):
        with open(local.disk, "rb") as f:
            response = await client.put(f"{url}/chunks/{run.start}", content=_frames(f, local, up, run, sent),
                                        headers={"Content-Length": str(body_length(up.size, up.chunk_size,
                                                                                   run.start, len(run)))})
        bad = json_body(response).get("bad") if response.status_code == 400 else None
        if bad is not None:  # damaged on the way: sent again
            received.update(set(run) - set(bad))
            continue
        check(response)
        received.update(run)
    return t


async def _frames(f: BinaryIO, local: LocalFile, up: Upload, run: range,
                  sent: Callable[[int], None]) -> AsyncIterator[bytes]:
    """The chunks `run` of the file, each followed by its BLAKE3, read as they go (`sent` is
    told each block's length, for the progress). Raises Unstable (the file is shorter than
    scanned)."""
    f.seek(run.start * up.chunk_size)
    for i in run:
        left, hasher = min(up.chunk_size, up.size - i * up.chunk_size), chunk_hasher()
        while left:
            block = f.read(min(WRITE, left))
            if not block:
                raise Unstable(local.path)
            hasher.update(block)
            left -= len(block)
            yield block
            sent(len(block))
        yield hasher.digest()


async def delete_session(client: httpx.AsyncClient, store: FilesStore, folder_id: str, path: str) -> None:
    """Drop the upload session kept for `path`, here and on the server (best effort there)."""
    kept = store.upload(folder_id, path)
    if kept is None:
        return
    await client.delete(f"{folder_url(folder_id)}/uploads/{kept.upload_id}")
    with transaction(store.conn):
        store.drop_upload(folder_id, path)


async def download(client: httpx.AsyncClient, store: FilesStore, folder_id: str, root: Path, entry: dict[str, Any],
                   transfers: Transfers) -> Path:
    """Fetch version `entry` into a hidden temp file beside its target (resuming one a previous
    attempt left), check its SHA-256, fsync it and return it: the caller renames it over the
    target. Raises Gone, SyncError, httpx.TransportError, OSError (local disk)."""
    file_id, sha, size = entry["file_id"], entry["sha256"], int(entry["size"])
    target = local_path(root, entry["path"])
    target.parent.mkdir(parents=True, exist_ok=True)
    kept = store.download(folder_id, file_id)
    temp: Path | None = None
    if kept is not None:
        old = local_path(root, kept.temp)
        if kept.sha256 == sha and old.parent == target.parent and old.exists():
            temp = old
        else:
            old.unlink(missing_ok=True)
    if temp is None:
        temp = target.parent / temp_name()
        rel = "/".join(temp.relative_to(root).parts)
        with transaction(store.conn):
            store.put_download(Download(folder_id, file_id, sha, rel))
        temp.touch()
    got = await _fetch(client, folder_id, entry, temp, transfers)
    if got is None:  # resumed: what an earlier attempt fetched is only on disk
        digest = hashlib.sha256()
        with open(temp, "rb") as f:
            while block := f.read(WRITE):
                digest.update(block)
        got = digest.hexdigest()
    if got != sha or temp.stat().st_size != size:
        temp.unlink(missing_ok=True)
        with transaction(store.conn):
            store.drop_download(folder_id, file_id)
        raise SyncError(f"« {entry['path']} » est arrivé abîmé (empreinte différente) : il sera téléchargé à nouveau.")
    modified = float(entry.get("modified_at") or 0)
    if modified > 0:
        os.utime(temp, (modified, modified))
    return temp


async def _fetch(client: httpx.AsyncClient, folder_id: str, entry: dict[str, Any], temp: Path,
                 transfers: Transfers) -> str | None:
    """Fetch the bytes into `temp` (the rest of them, with Range, when it holds a start) and
    fsync it. Returns the SHA-256 of the whole file when it came whole in this request (hashed
    as it arrived), else None."""
    have = temp.stat().st_size
    size = int(entry["size"])
    headers = {}
    if 0 < have < size:
        headers = {"Range": f"bytes={have}-", "If-Range": etag(entry["sha256"])}
    elif have >= size:
        have = 0
        headers = {}
    url = f"{folder_url(folder_id)}/files/{entry['file_id']}/content"
    async with client.stream("GET", url, params={"version": str(entry["version"])}, headers=headers) as response:
        if response.status_code == 404:
            raise Gone(entry["path"])
        if response.status_code not in (200, 206):
            await response.aread()
            check(response)
        mode = "ab" if response.status_code == 206 else "wb"
        done = have if mode == "ab" else 0
        t = transfers.start(folder_id, entry["path"], DOWN, size, done)
        digest = hashlib.sha256() if mode == "wb" else None
        with open(temp, mode) as f:
            early, told, told_at, flushed = EarlyFlush(f.fileno()), done, time.monotonic(), done
            try:
                # Pieces as they come: asking httpx for 1 Mio blocks costs more in copies than the
                # hashing itself. Progress is told by the Mio or every quarter second (a slow
                # link), and the disk flushes as it goes.
                async for block in response.aiter_bytes():
                    f.write(block)
                    if digest is not None:
                        digest.update(block)
                    done += len(block)
                    if done - told >= WRITE or time.monotonic() - told_at >= 0.25:
                        t, told, told_at = transfers.advance(t, done), done, time.monotonic()
                    if done - flushed >= FLUSH_EVERY:
                        f.flush()
                        early.kick()
                        flushed = done
                f.flush()
                await early.wait()
                await asyncio.to_thread(os.fsync, f.fileno())  # other downloads go on meanwhile
            finally:
                early.close()
        transfers.finish(t)
    return None if digest is None else digest.hexdigest()
