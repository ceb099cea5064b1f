"""Document bank, file metadata: read an entry, move or rename, delete to the trash, list and
restore the trash, purge, list versions and restore one. The contract is in `files.py`.

Every handler runs on the loop thread and checks rights first; each change is one store write
that moves the folder's `rev`. Blobs that a purge or a new version leaves unused are freed
under the blob lock (`chat_attachments.release_blobs`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .chat_attachments import release_blobs
from .deps import ApiError, read_json_object
from .files import (
    checked_path,
    entry_json,
    etag,
    id_param,
    nudging,
    precondition,
    require_folder,
    store_errors,
)
from .store.base import FileEntry, Role


def _entry_response(entry: FileEntry, status: int = 200) -> Response:
    return JSONResponse(entry_json(entry), status_code=status, headers={"etag": etag(entry.sha256)})


async def get_entry(request: Request) -> Response:
    """GET /api/files/folders/{folder_id}/files/{file_id}: entry (live or in the trash)."""
    svc, _, folder_id, _ = await require_folder(request)
    file_id = id_param(request, "file_id", "fichier")
    entry = await svc.store.get_file(folder_id, file_id)
    if entry is None:
        raise ApiError(404, f"fichier inconnu : {file_id}")
    return _entry_response(entry)


async def move(request: Request) -> Response:
    """POST /api/files/folders/{folder_id}/files/{file_id}/move {"path"}, optional If-Match:
    editors; entry."""
    svc, _, folder_id, _ = await require_folder(request, Role.EDITOR)
    file_id = id_param(request, "file_id", "fichier")
    expect = precondition(request, create_allowed=False, required=False)
    body = await read_json_object(request, svc.config.max_json_body_bytes)
    path = checked_path(body.get("path"))
    with store_errors(folder_id):
        entry = await svc.store.move_file(folder_id, file_id, path, expect)
    return _entry_response(entry)


async def move_folder(request: Request) -> Response:
    """POST /api/files/folders/{folder_id}/move-folder {"from", "to"}: editors; {"entries"}, the
    files moved."""
    svc, _, folder_id, _ = await require_folder(request, Role.EDITOR)
    body = await read_json_object(request, svc.config.max_json_body_bytes)
    source, target = checked_path(body.get("from")), checked_path(body.get("to"))
    with store_errors(folder_id):
        moved = await svc.store.move_tree(folder_id, source, target)
    return JSONResponse({"entries": [entry_json(e) for e in moved]})


async def delete(request: Request) -> Response:
    """DELETE /api/files/folders/{folder_id}/files/{file_id} with If-Match: editors; entry, in
    the trash."""
    svc, user, folder_id, _ = await require_folder(request, Role.EDITOR)
    file_id = id_param(request, "file_id", "fichier")
    expect = precondition(request, create_allowed=False, required=True)
    assert expect is not None
    with store_errors(folder_id):
        entry = await svc.store.delete_file(folder_id, file_id, expect, user)
    return _entry_response(entry)


async def trash(request: Request) -> Response:
    """GET /api/files/folders/{folder_id}/trash: {"entries"}, newest deletion first."""
    svc, _, folder_id, _ = await require_folder(request)
    with store_errors(folder_id):
        entries = await svc.store.list_trash(folder_id)
    return JSONResponse({"entries": [entry_json(e) for e in entries]})


async def restore(request: Request) -> Response:
    """POST /api/files/folders/{folder_id}/files/{file_id}/restore {"path"?}: editors; entry."""
    svc, _, folder_id, _ = await require_folder(request, Role.EDITOR)
    file_id = id_param(request, "file_id", "fichier")
    body = await read_json_object(request, svc.config.max_json_body_bytes, empty_ok=True)
    path = checked_path(body["path"]) if body.get("path") is not None else None
    with store_errors(folder_id):
        entry = await svc.store.restore_file(folder_id, file_id, path)
    return _entry_response(entry)


async def purge(request: Request) -> Response:
    """DELETE /api/files/folders/{folder_id}/trash/{file_id}: owners; 204."""
    svc, _, folder_id, _ = await require_folder(request, Role.OWNER)
    file_id = id_param(request, "file_id", "fichier")
    with store_errors(folder_id):
        hashes = await svc.store.purge_file(folder_id, file_id)
    await release_blobs(svc, hashes)
    return Response(status_code=204)


async def versions(request: Request) -> Response:
    """GET /api/files/folders/{folder_id}/files/{file_id}/versions: {"versions"}, newest first."""
    svc, _, folder_id, _ = await require_folder(request)
    file_id = id_param(request, "file_id", "fichier")
    with store_errors(folder_id):
        kept = await svc.store.list_file_versions(folder_id, file_id)
    return JSONResponse({"versions": [
        {"version": v.version, "sha256": v.sha256, "size": v.size, "modified_by": v.modified_by,
         "modified_at": v.modified_at} for v in kept
    ]})


async def restore_version(request: Request) -> Response:
    """POST /api/files/folders/{folder_id}/files/{file_id}/versions/{version}/restore, optional
    If-Match: editors; entry at its new version."""
    svc, user, folder_id, _ = await require_folder(request, Role.EDITOR)
    file_id = id_param(request, "file_id", "fichier")
    expect = precondition(request, create_allowed=False, required=False)
    try:
        version = int(request.path_params["version"])
    except ValueError as exc:
        raise ApiError(404, "version inconnue") from exc
    with store_errors(folder_id):
        result = await svc.store.restore_file_version(
            folder_id, file_id, version, expect, user, svc.config.files_keep_versions
        )
    await release_blobs(svc, result.pruned)
    return _entry_response(result.entry)


def routes() -> list[Route]:
    """Return the file metadata routes."""
    file = "/api/files/folders/{folder_id}/files/{file_id}"
    return [
        Route(file, get_entry, methods=["GET"]),
        Route(file, nudging(delete), methods=["DELETE"]),
        Route(f"{file}/move", nudging(move), methods=["POST"]),
        Route(f"{file}/restore", nudging(restore), methods=["POST"]),
        Route(f"{file}/versions", versions, methods=["GET"]),
        Route(file + "/versions/{version}/restore", nudging(restore_version), methods=["POST"]),
        Route("/api/files/folders/{folder_id}/move-folder", nudging(move_folder), methods=["POST"]),
        Route("/api/files/folders/{folder_id}/trash", trash, methods=["GET"]),
        Route("/api/files/folders/{folder_id}/trash/{file_id}", purge, methods=["DELETE"]),
    ]
