"""Document bank, resumable uploads: a session declares the whole file (path, size, SHA-256,
chunk size, base version), chunks arrive in any order and any number of times, and a commit
turns them into a new version. The contract is in `files.py`; a chunk request's body is
described in `sync.protocol.file_chunks`.

Streamed like a plain copy, without trust. A chunk request streams one or more chunks, each
followed by its BLAKE3. The server hashes each chunk as its bytes arrive and hands them at
once to a worker thread that writes them at their offset in the session's part file
(`uploads_path`/ID.part) while the next bytes arrive. A chunk counts as received (a row in the
store) only once its digest matched and its bytes are written. One that does not match is not
recorded: what it left in the part file is a region still to be sent, so nothing already
received changes. A chunk received before and sent again is written only after it matched.

Chunks that match, in order, also feed a running SHA-256 of the whole file in a second worker
thread, so a commit does not read 500 MB again; the part file then becomes the blob by a rename
(`BlobStore.stage_file`), not a copy. A chunk is not fsynced on its own: after a crash the
running hash is gone, the commit hashes the part file from disk, and a chunk the crash tore is
found by its recorded BLAKE3 and asked for again (409 "missing") rather than stored.

One stream per session at a time: a newer one (a client retrying after a cut that the server
has not noticed yet on the old connection) or the commit supersedes it; the superseded stream
writes nothing more, and its last writes and records are waited for first.

The sessions (and each received chunk's digest) are rows in the store, so they survive a
restart; `open_parts` drops expired ones and part files nothing refers to at start-up.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sync.flush import EarlyFlush
from sync.protocol.file_chunks import DIGEST_SIZE, chunk_digest, chunk_hasher, chunks_in_body

from .config import ServerConfig
from .deps import ApiError, Services, read_json_object
from .errors import StoreError, UnknownUpload
from .files import (
    SHA256_RE,
    FilesApiError,
    checked_path,
    etag_value,
    id_param,
    nudging,
    require_folder,
    store_errors,
)
from .files_content import commit_version, written
from .store.base import FileUpload, Role, Store
from .store.blobs import READ_CHUNK, BlobInfo

log = logging.getLogger(__name__)
_BATCH = 1024 * 1024  # bytes handed to the disk thread at once
_BATCH_PIECES = 256  # and at most as many pieces (writev takes up to 1024)
_AHEAD = 8  # batches on their way to the disk before the stream waits for the oldest


@dataclass
class _Running:
    """The SHA-256 of a part file's first `offset` bytes, fed by chunks that matched, in order."""

    digest: Any
    offset: int = 0


class Superseded(Exception):
    """A newer stream of the same session, or its commit, took over."""


def _write_at(fd: int, offset: int, pieces: list[memoryview]) -> None:
    total = sum(len(p) for p in pieces)
    done = os.pwritev(fd, pieces, offset) if hasattr(os, "pwritev") else 0
    if done < total:  # a short write, or no pwritev (Windows)
        rest = memoryview(b"".join(pieces))[done:]
        os.lseek(fd, offset + done, os.SEEK_SET)
        while rest:
            rest = rest[os.write(fd, rest):]


def _feed(digest: Any, pieces: list[memoryview]) -> None:
    for piece in pieces:
        digest.update(piece)


class ChunkStream:
    """One chunk request's body as it arrives: cut into chunks and digests, each chunk checked,
    its bytes written. Loop thread; the disk and the running hash have a worker thread each
    (one job after the other, in order)."""

    def __init__(self, parts: UploadParts, store: Store, upload: FileUpload, first: int) -> None:
        self.parts, self.store, self.upload = parts, store, upload
        self.received = {i for i, _ in upload.received}
        self.index = first  # the chunk whose bytes, then digest, arrive now
        self.bad: list[int] = []  # chunks whose digest did not match
        self.superseded = False
        self._fd = -1
        self._early: EarlyFlush | None = None
        self._disk = ThreadPoolExecutor(1, thread_name_prefix="envoi-disque")
        self._hash = ThreadPoolExecutor(1, thread_name_prefix="envoi-sha256")
        self._writes: deque[asyncio.Future[Any]] = deque()  # the latest writes (back-pressure)
        self._jobs: list[asyncio.Future[Any]] = []  # writes, hash feeds and records, to drain
        self._batch: list[memoryview] = []
        self._batch_offset = self._batch_bytes = 0
        self._start()

    def _start(self) -> None:
        """Get ready for chunk `index`."""
        self._hasher = chunk_hasher()
        self._got = 0
        self._digest = bytearray()
        self._pieces: list[memoryview] = []
        if self.index >= self.upload.chunks:
            return
        offset = self.index * self.upload.chunk_size
        running = self.parts.running(self.upload.id)
        # A chunk received before is written only once it matched; a new one at once.
        self._deferred = self.index in self.received
        self._keep = self._deferred or self.index == 0 or (running is not None and running.offset == offset)
        if not self._deferred:
            self.parts.rewriting(self.upload.id, offset)

    async def open(self) -> None:
        """Open the part file. Raises UnknownUpload (gone: committed or dropped), StoreError."""
        try:
            self._fd = await asyncio.to_thread(
                os.open, self.parts.path(self.upload.id), os.O_WRONLY | getattr(os, "O_BINARY", 0))
        except FileNotFoundError as exc:
            raise UnknownUpload(f"envoi inconnu ou expiré : {self.upload.id}") from exc
        except OSError as exc:
            raise StoreError(f"impossible d'ouvrir le fichier d'envoi : {exc}") from exc
        self._early = EarlyFlush(self._fd)

    async def feed(self, data: bytes) -> None:
        """Take the next bytes of the body. Raises Superseded, ApiError 400 (beyond the last
        chunk), StoreError (the disk failed)."""
        view = memoryview(data)
        while view:
            if self.superseded:
                raise Superseded()
            if self.index >= self.upload.chunks:
                raise ApiError(400, "corps trop long : il va au-delà du dernier morceau du fichier")
            length = self.upload.chunk_length(self.index)
            if self._got < length:
                part, view = view[:length - self._got], view[length - self._got:]
                self._hasher.update(part)
                if self._keep:
                    self._pieces.append(part)
                if not self._deferred:
                    await self._add(self.index * self.upload.chunk_size + self._got, part)
                self._got += len(part)
            else:
                need = DIGEST_SIZE - len(self._digest)
                self._digest += view[:need]
                view = view[need:]
                if len(self._digest) == DIGEST_SIZE:
                    await self._chunk_done()

    @property
    def at_boundary(self) -> bool:
        """Whether the body so far is a whole number of chunks with their digests."""
        return self._got == 0 and not self._digest

    async def _add(self, offset: int, part: memoryview) -> None:
        if self._batch and self._batch_offset + self._batch_bytes != offset:
            await self._flush()
        if not self._batch:
            self._batch_offset = offset
        self._batch.append(part)
        self._batch_bytes += len(part)
        if self._batch_bytes >= _BATCH or len(self._batch) >= _BATCH_PIECES:
            await self._flush()

    async def _flush(self) -> None:
        if not self._batch:
            return
        self._submit_write(self._batch_offset, self._batch)
        self._batch, self._batch_bytes = [], 0
        if len(self._writes) > _AHEAD:  # the disk is behind: let the socket wait
            await self._writes.popleft()

    def _submit_write(self, offset: int, pieces: list[memoryview]) -> None:
        if self.superseded:  # (checked again after each wait: a newer stream may have started meanwhile)
            raise Superseded()
        future = asyncio.wrap_future(self._disk.submit(_write_at, self._fd, offset, pieces))
        self._writes.append(future)
        self._jobs.append(future)

    async def _chunk_done(self) -> None:
        index, upload = self.index, self.upload
        offset, length = index * upload.chunk_size, upload.chunk_length(index)
        digest = self._hasher.digest()
        await self._flush()  # its last bytes are on their way to the disk
        if self.superseded:
            raise Superseded()
        if hmac.compare_digest(digest, bytes(self._digest)):
            if self._deferred:
                self.parts.rewriting(upload.id, offset)
                self._submit_write(offset, self._pieces)
            if index == 0:
                self.parts.restart_running(upload.id)
            running = self.parts.running(upload.id)
            if running is not None and running.offset == offset:
                running.offset += length
                self._jobs.append(asyncio.wrap_future(self._hash.submit(_feed, running.digest, self._pieces)))
            # The last write submitted: once done, so are all before it (one disk thread).
            self._jobs.append(asyncio.ensure_future(self._record(index, digest.hex(), self._writes[-1])))
            if self._early is not None:  # the disk works while the next chunk arrives: the commit's fsync waits less
                self._early.kick()
            self.received.add(index)
        else:
            self.bad.append(index)
        # Forget the jobs that ended well (a 50 Go upload makes ~100,000 of them); failures
        # stay for `drain` to report.
        self._jobs = [j for j in self._jobs if not j.done() or j.cancelled() or j.exception() is not None]
        self.index += 1
        self._start()

    async def _record(self, index: int, digest: str, written_: asyncio.Future[Any]) -> None:
        await written_
        await self.store.add_upload_chunk(self.upload.id, index, digest)

    async def drain(self) -> None:
        """Wait for the writes, hash feeds and records under way. Raises the first failure
        (StoreError for the disk, UnknownUpload) after all of them ended."""
        jobs, self._jobs = self._jobs, []
        self._writes.clear()
        if self._early is not None:
            jobs.append(asyncio.ensure_future(self._early.wait()))
        results = await asyncio.gather(*jobs, return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            self.parts.drop_running(self.upload.id)  # what it holds may not be on disk
            failure = failures[0]
            if isinstance(failure, OSError):
                raise StoreError(f"impossible d'écrire l'envoi : {failure}") from failure
            raise failure

    async def close(self) -> None:
        """Drain, then close the part file and the worker threads. Raises as `drain`."""
        try:
            await self.drain()
        finally:
            self.parts.ended(self)
            if self._fd >= 0:
                fd, self._fd = self._fd, -1
                await asyncio.get_running_loop().run_in_executor(self._disk, os.close, fd)
            if self._early is not None:
                self._early.close()
            self._disk.shutdown(wait=False)
            self._hash.shutdown(wait=False)


class UploadParts:
    """The part files of upload sessions, their running hashes and the stream receiving each.
    Loop thread; the file work runs in worker threads."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._running: dict[str, _Running] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._streams: dict[str, ChunkStream] = {}

    def path(self, upload_id: str) -> Path:
        """The part file of a session (its id is checked to be 32 hex digits by the caller)."""
        return self.root / f"{upload_id}.part"

    async def create(self, upload_id: str) -> None:
        """Create the empty part file. Raises StoreError."""
        try:
            await asyncio.to_thread(self.path(upload_id).touch)
        except OSError as exc:
            raise StoreError(f"impossible de créer le fichier d'envoi : {exc}") from exc

    def lock(self, upload_id: str) -> asyncio.Lock:
        """The lock that keeps a session's stream starts, commit and deletion apart."""
        return self._locks.setdefault(upload_id, asyncio.Lock())

    def running(self, upload_id: str) -> _Running | None:
        return self._running.get(upload_id)

    def restart_running(self, upload_id: str) -> None:
        self._running[upload_id] = _Running(hashlib.sha256())

    def drop_running(self, upload_id: str) -> None:
        self._running.pop(upload_id, None)

    def rewriting(self, upload_id: str, offset: int) -> None:
        """Bytes at `offset` are about to change: a running hash already past them is void."""
        running = self._running.get(upload_id)
        if running is not None and offset < running.offset:
            del self._running[upload_id]

    async def open_stream(self, store: Store, upload_id: str, first: int) -> ChunkStream:
        """Start receiving chunks from `first`, superseding the session's stream under way (once
        its writes and records are done). Raises UnknownUpload, StoreError."""
        async with self.lock(upload_id):
            await self.quiesce(upload_id)
            upload = await store.get_file_upload(upload_id)  # with what that stream recorded
            if upload is None:
                raise UnknownUpload(f"envoi inconnu ou expiré : {upload_id}")
            stream = ChunkStream(self, store, upload, first)
            await stream.open()
            self._streams[upload_id] = stream
            return stream

    async def quiesce(self, upload_id: str) -> None:
        """Stop the session's stream under way, if any, and wait for its writes and records
        (their failures are that stream's to report). The caller holds `lock(upload_id)`."""
        stream = self._streams.pop(upload_id, None)
        if stream is not None:
            stream.superseded = True
            try:
                await stream.drain()
            except (StoreError, UnknownUpload):
                pass

    def ended(self, stream: ChunkStream) -> None:
        if self._streams.get(stream.upload.id) is stream:
            del self._streams[stream.upload.id]

    async def finish(self, upload: FileUpload) -> str:
        """Cut the part file to the declared size, make it durable and return its SHA-256 (the
        running one when every chunk came in order, else read from disk). Raises StoreError."""
        running = self._running.get(upload.id)
        try:
            return await asyncio.to_thread(self._finish, upload, running)
        except OSError as exc:
            raise StoreError(f"impossible de relire le fichier envoyé : {exc}") from exc

    def _finish(self, upload: FileUpload, running: _Running | None) -> str:
        with self.path(upload.id).open("r+b") as f:
            f.truncate(upload.size)
            f.flush()
            os.fsync(f.fileno())
            if running is not None and running.offset == upload.size:
                return str(running.digest.hexdigest())
            f.seek(0)
            digest = hashlib.sha256()
            while block := f.read(4 * READ_CHUNK):
                digest.update(block)
            return digest.hexdigest()

    async def damaged(self, upload: FileUpload) -> list[int]:
        """Return the received chunks whose bytes on disk do not match their recorded BLAKE3."""
        return await asyncio.to_thread(self._damaged, upload)

    def _damaged(self, upload: FileUpload) -> list[int]:
        bad = []
        try:
            with self.path(upload.id).open("rb") as f:
                for index, digest in upload.received:
                    f.seek(index * upload.chunk_size)
                    if chunk_digest(f.read(upload.chunk_length(index))).hex() != digest:
                        bad.append(index)
        except FileNotFoundError:
            return [index for index, _ in upload.received]
        return bad

    async def forget(self, upload_id: str, remove: bool = True) -> None:
        """Forget a session's running hash, and delete its part file if `remove`."""
        self._running.pop(upload_id, None)
        self._locks.pop(upload_id, None)
        self._streams.pop(upload_id, None)
        if remove:
            await asyncio.to_thread(self.path(upload_id).unlink, missing_ok=True)

    async def sweep(self, live: set[str]) -> int:
        """Delete the part files of sessions not in `live`; return how many."""

        def run() -> int:
            stale = [p for p in self.root.glob("*.part") if p.stem not in live]
            for p in stale:
                p.unlink(missing_ok=True)
            return len(stale)

        return await asyncio.to_thread(run)


async def open_parts(config: ServerConfig, store: Store) -> UploadParts:
    """Create the part-file folder, drop the sessions untouched for `files_upload_ttl_seconds`
    and the part files no session refers to; return the manager. Run at start-up, before any
    request. Raises StoreError. Loop thread."""
    parts = UploadParts(config.uploads_path)
    try:
        await asyncio.to_thread(parts.root.mkdir, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"impossible de créer le dossier des envois {parts.root} : {exc}") from exc
    live = await store.expire_file_uploads(time.time() - config.files_upload_ttl_seconds)
    if swept := await parts.sweep(live):
        log.warning("%d envoi(s) de fichier abandonné(s) supprimé(s) au démarrage", swept)
    return parts


def _parts(request: Request) -> UploadParts:
    parts = getattr(request.app.state, "file_parts", None)
    assert isinstance(parts, UploadParts)
    return parts


def session_json(u: FileUpload, ttl: float) -> dict[str, Any]:
    """Return the JSON shape of an upload session. Any thread."""
    return {"id": u.id, "folder_id": u.folder_id, "path": u.path, "size": u.size, "sha256": u.sha256,
            "chunk_size": u.chunk_size, "base_etag": u.base_etag, "chunks": u.chunks,
            "received": [i for i, _ in u.received], "expires_at": u.updated_at + ttl}


def _int(body: dict[str, Any], key: str, low: int, high: int, what: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ApiError(400, f"{what} invalide : un entier entre {low} et {high} attendu")
    return value


def _base(value: object) -> str | None:
    if value is None:
        return None
    return etag_value(value if isinstance(value, str) else "")


async def _session(request: Request, need: Role = Role.EDITOR) -> tuple[Services, str, str, FileUpload]:
    """Rights, then the caller's own session `{upload_id}` in this folder. Raises ApiError 404."""
    svc, user, folder_id, _ = await require_folder(request, need)
    upload_id = id_param(request, "upload_id", "envoi")
    upload = await svc.store.get_file_upload(upload_id)
    if upload is None or upload.folder_id != folder_id or upload.username != user:
        raise ApiError(404, f"envoi inconnu ou expiré : {upload_id}")
    return svc, user, folder_id, upload


async def create_upload(request: Request) -> Response:
    """POST /api/files/folders/{folder_id}/uploads: editors; 201 session."""
    svc, user, folder_id, _ = await require_folder(request, Role.EDITOR)
    cfg = svc.config
    body = await read_json_object(request, cfg.max_json_body_bytes)
    path = checked_path(body.get("path"))
    size = _int(body, "size", 0, 1 << 50, "taille")
    chunk_size = _int(body, "chunk_size", cfg.files_min_chunk_bytes, cfg.files_max_chunk_bytes, "taille de morceau")
    sha256 = body.get("sha256")
    if not isinstance(sha256, str) or not SHA256_RE.fullmatch(sha256):
        raise ApiError(400, "empreinte invalide : le SHA-256 du fichier en 64 chiffres hexadécimaux (minuscules)")
    base = _base(body.get("base_etag"))
    with store_errors(folder_id):
        await svc.store.check_file_write(folder_id, path, base, sha256, size)
    upload = FileUpload(uuid.uuid4().hex, folder_id, user, path, size, sha256, chunk_size, base)
    parts = _parts(request)
    await parts.create(upload.id)
    with store_errors(folder_id):
        upload = await svc.store.create_file_upload(upload)
    return JSONResponse(session_json(upload, cfg.files_upload_ttl_seconds), status_code=201)


async def get_upload(request: Request) -> Response:
    """GET /api/files/folders/{folder_id}/uploads/{upload_id}: the session, with the chunks
    received."""
    svc, _, _, upload = await _session(request)
    return JSONResponse(session_json(upload, svc.config.files_upload_ttl_seconds))


async def put_chunks(request: Request) -> Response:
    """PUT /api/files/folders/{folder_id}/uploads/{upload_id}/chunks/{first}: one or more
    chunks from `first`, each followed by its BLAKE3 (`sync.protocol.file_chunks`) →
    {"index", "received" (count), "chunks"}; 400 {"error", "bad": [index]} when some did not
    match (the others are kept)."""
    svc, _, _, upload = await _session(request)
    try:
        first = int(request.path_params["index"])
    except ValueError:
        first = -1
    if not 0 <= first < upload.chunks:
        raise ApiError(400, f"numéro de morceau invalide : de 0 à {upload.chunks - 1} pour ce fichier")
    declared = request.headers.get("content-length")
    if declared is None:
        raise ApiError(411, "longueur du corps (Content-Length) manquante")
    try:
        count = chunks_in_body(upload.size, upload.chunk_size, first, int(declared))
    except ValueError:
        count = None
    if count is None:
        raise ApiError(400, f"longueur du corps incorrecte ({declared} octets) : des morceaux entiers à partir "
                            f"du n° {first}, chacun suivi de ses {DIGEST_SIZE} octets d'empreinte BLAKE3")
    parts = _parts(request)
    with store_errors(upload.folder_id):
        stream = await parts.open_stream(svc.store, upload.id, first)
        try:
            async for piece in request.stream():
                await stream.feed(piece)
        except Superseded:
            raise ApiError(409, "envoi repris par une requête plus récente : celle-ci s'arrête") from None
        finally:
            await stream.close()
    if stream.index != first + count or not stream.at_boundary:
        raise ApiError(400, f"corps incomplet : {stream.index - first} morceau(x) sur {count} reçus")
    received = len(stream.received)
    if stream.bad:
        raise FilesApiError(400, f"{len(stream.bad)} morceau(x) abîmé(s) (empreinte BLAKE3 différente) : "
                                 "renvoyez-les ; les autres sont gardés", {"bad": stream.bad, "received": received})
    return JSONResponse({"index": first, "received": received, "chunks": upload.chunks})


async def commit_upload(request: Request) -> Response:
    """POST /api/files/folders/{folder_id}/uploads/{upload_id}/commit {"path"?, "base_etag"?}:
    201/200 entry; 409 with "missing", 400, 412, 409, 507."""
    svc, user, folder_id, upload = await _session(request)
    body = await read_json_object(request, svc.config.max_json_body_bytes, empty_ok=True)
    path = checked_path(body["path"]) if body.get("path") is not None else upload.path
    base = _base(body["base_etag"]) if "base_etag" in body else upload.base_etag
    parts = _parts(request)
    async with parts.lock(upload.id):
        await parts.quiesce(upload.id)  # a stream still going writes nothing more
        current = await svc.store.get_file_upload(upload.id)  # as it is now that chunks wait
        if current is None:
            raise ApiError(404, f"envoi inconnu ou expiré : {upload.id}")
        return await _commit(svc, parts, current, path, base, user)


async def _commit(svc: Services, parts: UploadParts, upload: FileUpload, path: str, base: str | None,
                  user: str) -> Response:
    folder_id = upload.folder_id
    received = {i for i, _ in upload.received}
    if missing := [i for i in range(upload.chunks) if i not in received]:
        raise FilesApiError(409, f"envoi incomplet : {len(missing)} morceau(x) manquant(s)", {"missing": missing})
    with store_errors(folder_id):  # refused now, the session stays for another path or base
        await svc.store.check_file_write(folder_id, path, base, upload.sha256, upload.size)
    if await parts.finish(upload) != upload.sha256:
        if damaged := await parts.damaged(upload):
            await svc.store.drop_upload_chunks(upload.id, damaged)
            await parts.forget(upload.id, remove=False)
            raise FilesApiError(409, f"{len(damaged)} morceau(x) abîmé(s) sur le serveur : renvoyez-les",
                                {"missing": damaged})
        await _drop(svc, parts, upload.id)
        raise ApiError(400, "le fichier reçu ne correspond pas au SHA-256 annoncé à la création de l'envoi ; "
                            "l'envoi est annulé")
    staged = await svc.blobs.stage_file(parts.path(upload.id), BlobInfo(upload.sha256, upload.size))
    try:
        result = await commit_version(svc, staged, folder_id, path, base, user)
    finally:  # the part file is now the blob (or gone with it): the session cannot be used again
        await _drop(svc, parts, upload.id)
    return written(result)


async def _drop(svc: Services, parts: UploadParts, upload_id: str) -> None:
    await svc.store.delete_file_upload(upload_id)
    await parts.forget(upload_id)


async def delete_upload(request: Request) -> Response:
    """DELETE /api/files/folders/{folder_id}/uploads/{upload_id}: 204."""
    svc, _, _, upload = await _session(request)
    parts = _parts(request)
    async with parts.lock(upload.id):
        await parts.quiesce(upload.id)
        await _drop(svc, parts, upload.id)
    return Response(status_code=204)


def routes() -> list[Route]:
    """Return the upload session routes."""
    base = "/api/files/folders/{folder_id}/uploads"
    one = base + "/{upload_id}"
    return [
        Route(base, create_upload, methods=["POST"]),
        Route(one, get_upload, methods=["GET"]),
        Route(one, delete_upload, methods=["DELETE"]),
        Route(one + "/chunks/{index}", put_chunks, methods=["PUT"]),
        Route(f"{one}/commit", nudging(commit_upload), methods=["POST"]),
    ]
