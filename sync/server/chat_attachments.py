"""Chat attachments: files uploaded to a room, then attached to a message.

    PUT /api/chat/rooms/{room_id}/attachments/{id}?name=FILE   raw bytes, with their Content-Type
    GET /api/chat/rooms/{room_id}/attachments/{id}             the bytes back

The client chooses the id (a UUID in 32 hex digits), so that an upload replayed after a lost
answer is recognised. The content goes to the blob store (`store/blobs.py`), by SHA-256; the
metadata (room, uploader, name, type, size, hash, message) to the `Store`. A message names its
attachments by id (`chat_messages.py`); deleting the message deletes them.

A blob becomes visible and an attachment row starts to use it under one lock
(`Services.blob_lock`), and a blob is deleted only under that lock once no row uses it: so a
deletion never removes a file an upload of the same content just counted on. The lock is per
process, like the SQLite store.

Every handler runs on the loop thread; rights are checked first, with the same 404 as
everywhere for a room one is not a member of.
"""

from __future__ import annotations

import contextlib
import logging
import unicodedata
from collections.abc import Collection
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .chat import require_member
from .config import ATTACHMENT_ID_RE, MIB, check_attachment_id
from .deps import ApiError, Services
from .errors import BlobTooLarge, InvalidName, StoreError, UnknownBlob
from .store.base import ChatAttachment, Store
from .store.blobs import BlobStore, StagedBlob

log = logging.getLogger(__name__)

MAX_ATTACHMENTS_PER_MESSAGE = 10
MAX_FILE_NAME_CHARS = 255
MAX_TYPE_CHARS = 255
DEFAULT_TYPE = "application/octet-stream"
# Characters that make a name lie about itself: bidirectional overrides ("gpj.exe" shown as
# "exe.jpg") and the line and paragraph separators.
_TRICK_CHARS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")
_TOKEN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&^_.+-")


def upload_json(a: ChatAttachment) -> dict[str, Any]:
    """Return the JSON answer to an upload. Any thread."""
    return {"id": a.id, "name": a.name, "size": a.size, "type": a.content_type, "sha256": a.sha256}


def attachment_ids(value: object) -> tuple[str, ...]:
    """Return the attachment ids a message names (None: none). Raises ApiError 400 for anything
    but a list of at most MAX_ATTACHMENTS_PER_MESSAGE distinct ids. Any thread."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(400, "pièces jointes invalides : une liste d'identifiants est attendue")
    if len(value) > MAX_ATTACHMENTS_PER_MESSAGE:
        raise ApiError(400, f"trop de pièces jointes : {len(value)}, maximum {MAX_ATTACHMENTS_PER_MESSAGE}")
    try:
        ids = tuple(check_attachment_id(v) for v in value)
    except InvalidName as exc:
        raise ApiError(400, str(exc)) from exc
    if len(set(ids)) != len(ids):
        raise ApiError(400, "pièces jointes invalides : la même pièce jointe apparaît deux fois")
    return ids


def file_name(raw: str | None) -> str:
    """Return the name to keep for an uploaded file: its last path component, trimmed. Raises
    ApiError 400 for a missing, empty or too long name, or one with control characters. Any
    thread."""
    if raw is None:
        raise ApiError(400, "nom de fichier manquant : ?name=… attendu")
    name = raw.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name in ("", ".", ".."):
        raise ApiError(400, "nom de fichier vide")
    if any(unicodedata.category(ch) == "Cc" or ch in _TRICK_CHARS for ch in name):
        raise ApiError(400, "nom de fichier invalide : caractères de contrôle interdits")
    if len(name) > MAX_FILE_NAME_CHARS:
        raise ApiError(400, f"nom de fichier trop long : {len(name)} caractères, maximum {MAX_FILE_NAME_CHARS}")
    return name


def content_type(raw: str | None) -> str:
    """Return the declared type of an upload (`application/octet-stream` when none is given).
    Raises ApiError 400 for something that is not a MIME type. Any thread."""
    value = (raw or "").strip()
    if not value:
        return DEFAULT_TYPE
    essence = value.split(";", 1)[0].strip()
    kind, _, sub = essence.partition("/")
    if (len(value) > MAX_TYPE_CHARS or not value.isascii() or not value.isprintable()
            or not kind or not sub or not set(kind) <= _TOKEN or not set(sub) <= _TOKEN):
        raise ApiError(400, "type de fichier invalide : un type MIME comme « application/pdf » est attendu")
    return value


def size_text(size: int, decimal: bool = False) -> str:
    """Return a size as French people read it: "31,0 Mo" (`decimal`), "25 Mo", "512 Ko". Any
    thread."""
    unit, name = (MIB, "Mo") if size >= MIB else (1024, "Ko")
    if size % unit == 0 and not decimal:
        return f"{size // unit} {name}"
    return f"{size / unit:.1f} {name}".replace(".", ",")


def _too_big(cap: int, declared: int | None) -> ApiError:
    if declared is not None:
        return ApiError(413, f"pièce jointe trop grosse : {size_text(declared, True)}, maximum {size_text(cap)}")
    return ApiError(413, f"pièce jointe trop grosse : elle dépasse le maximum de {size_text(cap)}")


def _taken(att_id: str) -> ApiError:
    return ApiError(409, f"identifiant de pièce jointe déjà utilisé pour un autre fichier : {att_id}")


def _declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    if value is None:
        return None
    try:
        size = int(value)
    except ValueError as exc:
        raise ApiError(400, "en-tête Content-Length invalide") from exc
    if size < 0:
        raise ApiError(400, "en-tête Content-Length invalide")
    return size


def _same_upload(stored: ChatAttachment, room_id: str, user: str, sha256: str, size: int) -> bool:
    return stored.room_id == room_id and stored.uploader == user and stored.sha256 == sha256 and stored.size == size


async def put_attachment(request: Request) -> Response:
    """PUT /api/chat/rooms/{room_id}/attachments/{att_id}?name=FILE with the raw bytes as body and
    their Content-Type: members only. 201 {"id", "name", "size", "type", "sha256"}; 200 with the
    stored one for a replay (same id, uploader and content); 409 when the id is taken by another
    file, user or room; 413 beyond `max_attachment_bytes`, told by Content-Length before reading
    anything, else as soon as the body goes past it; 400 for a bad id, name or type. Nothing of
    a refused upload is kept."""
    svc, user, room_id, _ = await require_member(request)
    try:
        att_id = check_attachment_id(request.path_params["att_id"])
    except InvalidName as exc:
        raise ApiError(400, str(exc)) from exc
    name = file_name(request.query_params.get("name"))
    kind = content_type(request.headers.get("content-type"))
    cap = svc.config.max_attachment_bytes
    declared = _declared_length(request)
    if declared is not None and declared > cap:
        raise _too_big(cap, declared)
    existing = await svc.store.get_attachment(att_id)
    if existing is not None and (existing.room_id != room_id or existing.uploader != user):
        raise _taken(att_id)  # before reading a byte of it
    try:
        staged = await svc.blobs.stage(request.stream(), cap)
    except BlobTooLarge as exc:
        raise _too_big(cap, None) from exc
    info = staged.info
    upload = ChatAttachment(att_id, room_id, user, name, kind, info.size, info.sha256)
    stored, created = await _record(svc, staged, upload)
    if not created and not _same_upload(stored, room_id, user, info.sha256, info.size):
        raise _taken(att_id)
    return JSONResponse(upload_json(stored), status_code=201 if created else 200)


async def _record(svc: Services, staged: StagedBlob, upload: ChatAttachment) -> tuple[ChatAttachment, bool]:
    """Under the blob lock: if the id is recorded already, drop the staged bytes and return (the
    stored attachment, False); else make the blob visible and record `upload`. Raises
    StoreError, leaving no blob that nothing uses."""
    async with svc.blob_lock:
        existing = await svc.store.get_attachment(upload.id)
        if existing is not None:
            await svc.blobs.discard(staged)
            return existing, False
        try:
            await svc.blobs.commit(staged)
            stored, created = await svc.store.add_attachment(upload)
        except StoreError:
            with contextlib.suppress(StoreError):
                await svc.blobs.discard(staged)
                await _delete_unused(svc.store, svc.blobs, {upload.sha256})
            raise
        if not created:  # only another server process could have recorded that id meanwhile
            await _delete_unused(svc.store, svc.blobs, {upload.sha256})
        return stored, created


async def get_attachment(request: Request) -> Response:
    """GET /api/chat/rooms/{room_id}/attachments/{att_id}: members only; 200 the bytes, streamed,
    with the stored Content-Type, Content-Length and `Content-Disposition: attachment;
    filename*=UTF-8''…`; 404 for an id unknown in this room (or whose message was deleted)."""
    svc, _, room_id, _ = await require_member(request)
    att_id = request.path_params["att_id"]
    a = await svc.store.get_attachment(att_id) if ATTACHMENT_ID_RE.fullmatch(att_id) else None
    if a is None or a.room_id != room_id:
        raise ApiError(404, f"pièce jointe inconnue : {att_id}")
    try:
        chunks = await svc.blobs.read(a.sha256)
    except UnknownBlob:
        if await svc.store.get_attachment(att_id) is None:  # its message was deleted meanwhile
            raise ApiError(404, f"pièce jointe inconnue : {att_id}") from None
        raise  # a row without its file: logged, 503
    return StreamingResponse(chunks, headers={
        "content-type": a.content_type,
        "content-length": str(a.size),
        "content-disposition": f"attachment; filename*=UTF-8''{quote(a.name, safe='')}",
        # Never rendered by a browser as a page of ours, whatever type the uploader declared.
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
    })


async def release_blobs(svc: Services, hashes: Collection[str]) -> None:
    """Delete the blobs among `hashes` that nothing uses any more (after a message was deleted,
    a bank file's version pruned or purged). Raises StoreError. Loop thread."""
    if hashes:
        async with svc.blob_lock:
            await _delete_unused(svc.store, svc.blobs, hashes)


async def sweep_unused_blobs(store: Store, blobs: BlobStore) -> int:
    """Delete every blob that no chat attachment and no kept version of a bank file (trash
    included) uses (`Store.blobs_in_use`): what a crash between writing a file and recording
    it, or a deletion the system refused, left behind. Run at start-up, before any request.
    Return how many were deleted. Raises StoreError. Loop thread."""
    hashes = await blobs.hashes()
    deleted = await _delete_unused(store, blobs, hashes)
    if deleted:
        log.warning("%d fichier(s) inutilisé(s) supprimé(s) au démarrage", deleted)
    return deleted


async def _delete_unused(store: Store, blobs: BlobStore, hashes: Collection[str]) -> int:
    unused = set(hashes) - await store.blobs_in_use(hashes)
    return sum([await blobs.delete(sha) for sha in sorted(unused)])


def routes() -> list[Route]:
    """Return the attachment routes."""
    path = "/api/chat/rooms/{room_id}/attachments/{att_id}"
    return [
        Route(path, put_attachment, methods=["PUT"]),
        Route(path, get_attachment, methods=["GET"]),
    ]
