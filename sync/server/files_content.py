"""Document bank, content: downloads (whole, or a byte range to resume one) and one-request
uploads with If-Match / If-None-Match. The contract is in `files.py`.

A new version's bytes reach the blob store and its row the store under the blob lock, as chat
attachments do (`chat_attachments.py`): a blob is visible before a row uses it, and if the row
is refused the blob is deleted again unless something else uses that content.
"""

from __future__ import annotations

import contextlib
import re
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .chat_attachments import _delete_unused, release_blobs
from .deps import ApiError, Services
from .errors import BlobTooLarge, QuotaExceeded, StoreError
from .files import (
    bytes_text,
    entry_json,
    etag,
    etag_value,
    id_param,
    nudging,
    precondition,
    query_path,
    require_folder,
    store_errors,
)
from .store.base import FileEntry, FileWrite, Role
from .store.blobs import StagedBlob

_RANGE_RE = re.compile(r"bytes=(\d*)-(\d*)")


async def commit_version(
    svc: Services, staged: StagedBlob, folder_id: str, path: str, expect: str | None, user: str
) -> FileWrite:
    """Make a staged blob the new content of `path` (a new file or version), then free what the
    versions it pruned used. Raises ApiError (412, 409, 507, 404) and StoreError; then the
    staged blob is gone and no blob is left that nothing uses. Loop thread."""
    info = staged.info
    async with svc.blob_lock:
        try:
            await svc.blobs.commit(staged)
        except StoreError:
            with contextlib.suppress(StoreError):
                await svc.blobs.discard(staged)
            raise
        try:
            with store_errors(folder_id):
                result = await svc.store.write_file(
                    folder_id, path, expect, info.sha256, info.size, user, svc.config.files_keep_versions
                )
        except (ApiError, StoreError):
            with contextlib.suppress(StoreError):
                await _delete_unused(svc.store, svc.blobs, {info.sha256})
            raise
    await release_blobs(svc, result.pruned)
    return result


def written(result: FileWrite) -> Response:
    """The answer to a write: 201 for a new file, else 200; the entry, with its ETag."""
    return JSONResponse(entry_json(result.entry), status_code=201 if result.created else 200,
                        headers={"etag": etag(result.entry.sha256)})


async def put_content(request: Request) -> Response:
    """PUT /api/files/folders/{folder_id}/content?path=P, raw bytes, with If-Match or
    If-None-Match: *: editors; 201/200 entry; 412, 409, 413, 428, 507, 400."""
    svc, user, folder_id, _ = await require_folder(request, Role.EDITOR)
    path = query_path(request)
    expect = precondition(request, create_allowed=True, required=True)
    cap = svc.config.files_max_simple_upload_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        size = int(declared)
        if size > cap:
            raise _too_big(cap)
        await check_quota(svc, folder_id, path, size)
    try:
        staged = await svc.blobs.stage(request.stream(), cap)
    except BlobTooLarge as exc:
        raise _too_big(cap) from exc
    return written(await commit_version(svc, staged, folder_id, path, expect, user))


async def check_quota(svc: Services, folder_id: str, path: str, size: int) -> None:
    """Refuse (507) a write of `size` bytes at `path` that the quota cannot take, before its
    bytes are read; the write checks again. Loop thread."""
    with store_errors(folder_id):
        folder = await svc.store.get_file_folder(folder_id)
        current = await svc.store.get_file_by_path(folder_id, path)
        growth = size - (current.size if current else 0)
        if folder is not None and growth > 0 and folder.used_bytes + growth > folder.quota_bytes:
            raise QuotaExceeded(folder.quota_bytes, folder.used_bytes, growth)


def _too_big(cap: int) -> ApiError:
    return ApiError(413, f"fichier trop gros pour un envoi en une requête (maximum {bytes_text(cap)}) : "
                         "utilisez un envoi par morceaux (POST …/uploads)")


async def get_content_by_id(request: Request) -> Response:
    """GET /api/files/folders/{folder_id}/files/{file_id}/content[?version=N]: readers; the
    bytes (200, 206, 304, 416)."""
    svc, _, folder_id, _ = await require_folder(request)
    file_id = id_param(request, "file_id", "fichier")
    entry = await svc.store.get_file(folder_id, file_id)
    if entry is None:
        raise ApiError(404, f"fichier inconnu : {file_id}")
    wanted = request.query_params.get("version")
    if wanted is not None and wanted != str(entry.version):
        with store_errors(folder_id):
            kept = {str(v.version): v for v in await svc.store.list_file_versions(folder_id, file_id)}
        if wanted not in kept:
            raise ApiError(404, f"version {wanted} inconnue pour « {entry.path} » (seules les dernières sont gardées)")
        v = kept[wanted]
        return await _send(request, svc, entry, v.version, v.sha256, v.size)
    return await _send(request, svc, entry, entry.version, entry.sha256, entry.size)


async def get_content_by_path(request: Request) -> Response:
    """GET /api/files/folders/{folder_id}/content?path=P: readers; the live file at P."""
    svc, _, folder_id, _ = await require_folder(request)
    path = query_path(request)
    entry = await svc.store.get_file_by_path(folder_id, path)
    if entry is None:
        raise ApiError(404, f"fichier introuvable : « {path} »")
    return await _send(request, svc, entry, entry.version, entry.sha256, entry.size)


def _range(request: Request, tag: str, size: int) -> tuple[int, int] | None:
    """The [start, end) the request asks for, or None for the whole file. Raises ApiError 416."""
    header = request.headers.get("range")
    if header is None:
        return None
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != tag:
        return None  # the client's partial copy is of another version: send it all
    m = _RANGE_RE.fullmatch(header.strip())
    if m is None or m.group(1) == m.group(2) == "":
        return None  # several ranges or another unit: ignoring Range is allowed
    first, last = m.group(1), m.group(2)
    if first == "":
        start, end = max(0, size - int(last)), size
    else:
        start, end = int(first), min(size, int(last) + 1) if last else size
    if start >= size or start >= end:
        raise _Unsatisfiable(size)
    return start, end


class _Unsatisfiable(ApiError):
    def __init__(self, size: int) -> None:
        super().__init__(416, f"plage demandée hors du fichier ({size} octets)")
        self.size = size


async def _send(request: Request, svc: Services, entry: FileEntry, version: int, sha256: str, size: int) -> Response:
    tag = etag(sha256)
    headers = {
        "etag": tag,
        "accept-ranges": "bytes",
        "x-file-id": entry.id,
        "x-file-version": str(version),
        "content-disposition": f"attachment; filename*=UTF-8''{quote(entry.path.rsplit('/', 1)[-1], safe='')}",
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
    }
    none_match = request.headers.get("if-none-match")
    if none_match is not None and none_match.strip() != "*" and etag_value(none_match) == sha256:
        return Response(status_code=304, headers=headers)
    try:
        span = _range(request, tag, size)
    except _Unsatisfiable as exc:
        return Response(status_code=416, headers={**headers, "content-range": f"bytes */{exc.size}"})
    start, end = span or (0, size)
    with store_errors(entry.folder_id):
        chunks = await svc.blobs.read(sha256, start, end - start)
    headers["content-length"] = str(end - start)
    if span is None:
        return StreamingResponse(chunks, headers=headers, media_type="application/octet-stream")
    headers["content-range"] = f"bytes {start}-{end - 1}/{size}"
    return StreamingResponse(chunks, status_code=206, headers=headers, media_type="application/octet-stream")


def routes() -> list[Route]:
    """Return the download and one-request upload routes."""
    folder = "/api/files/folders/{folder_id}"
    return [
        Route(f"{folder}/content", get_content_by_path, methods=["GET"]),
        Route(f"{folder}/content", nudging(put_content), methods=["PUT"]),
        Route(folder + "/files/{file_id}/content", get_content_by_id, methods=["GET"]),
    ]
