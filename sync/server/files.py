"""The document bank ("Banque documentaire") over HTTP, under `/api/files/`: the contract.

Shared folders hold files; each member's PC keeps a synced copy. This module has the folder and
member routes, the change feed and what every files route shares; `files_ops.py` has file
metadata (move, delete, trash, versions), `files_content.py` downloads and one-request uploads,
`files_uploads.py` resumable upload sessions.

General rules
-------------
- Every request carries `Authorization: Bearer TOKEN` (401 otherwise). Errors are JSON
  `{"error": "message en français"}`, plus the fields named below for some statuses.
- Ids (folders, files, upload sessions) are 32 lowercase hex digits, made by the server.
- Roles per folder: `reader` (list, download), `editor` (also write, move, delete, restore),
  `owner` (also share, purge the trash). Members of the folder's group are editors unless named
  explicitly. A caller who is not a member gets 404 "dossier partagé inconnu", exactly as for
  a folder that does not exist; a member whose role is too low gets 403.
- Paths are relative POSIX paths, checked by `sync.protocol.file_paths.check_path` (NFC; no
  `..`, `.`, empty segment, backslash, control character, `<>:"|?*`, Windows-reserved name,
  trailing dot or space; segments up to 255 UTF-8 bytes, paths up to 1024 characters): 400
  naming the problem. Paths are given in the JSON body or in `?path=` (URL-encoded), never in
  the URL path, which clients and proxies normalise. Among a folder's live files two paths
  equal but for case (`path_key`) are one file: a second one is 409, so are a file where a
  folder is needed ("a" then "a/b") and a folder spelt with another case ("A/x" next to
  "a/y"). Folders exist only through the files in them.
- An entry (a file at its current version) is
  `{"file_id", "path", "version", "sha256", "size", "modified_by", "modified_at" (Unix time),
  "deleted", "deleted_at", "deleted_by", "rev"}`. Its ETag is its SHA-256 in quotes
  (`ETag: "3a7b…"`); `If-Match` accepts it quoted or bare, or `*` (any live version). Writing
  content identical to the current version succeeds whatever the precondition and changes
  nothing: a replay whose answer was lost finds its own result.
- 412 (precondition failed) bodies are `{"error", "current": entry or null}` (the live file at
  that path now): the client keeps its copy as a conflict copy, then takes the server's.
- 507 when a write would take the folder over its quota (the size of the current versions of
  its live files; old versions and the trash do not count); nothing is stored.
- Every change (create, new version, move, delete, restore) moves the folder's `rev` up by one
  and stamps the file with it.

Folders and members (this module)
---------------------------------
- `GET /api/files/folders` → `{"folders": [folder]}`, folder =
  `{"id", "name", "group", "quota_bytes", "used_bytes", "rev", "created_by", "role"}`.
- `POST /api/files/folders` `{"name", "members"?: [user], "group"?: name, "quota_bytes"?: int}`
  → 201 folder. The caller is owner, `members` are editors. `quota_bytes` defaults to (and may
  not exceed) the server's default quota; `parvis-server files quota` sets any. 404 unknown
  user or group.
- `GET /api/files/folders/{fid}` → folder (any member).
- `GET /api/files/folders/{fid}/members` → `{"members": [{"username", "role", "via_group"}],
  "group"}` (any member).
- `PUT /api/files/folders/{fid}/members/{user}` `{"role": "owner"|"editor"|"reader"}`,
  `DELETE /api/files/folders/{fid}/members/{user}` → the member list (owners; 409 for the last
  owner; 404 unknown user or not a member).
- `PUT /api/files/folders/{fid}/group` `{"group": name or null}` → folder (owners).
- `PUT /api/files/folders/{fid}/quota` `{"quota_bytes": int}` → folder (owners; up to the
  default quota, like at creation).

Change feed (this module)
-------------------------
- `GET /api/files/folders/{fid}/changes?since=REV&limit=N` → `{"rev", "entries": [entry],
  "more"}`: the files whose rev is > REV, in rev order, deleted ones included (deleted: true).
  When `more`, ask again with `since` = the last entry's rev; otherwise store `rev`. One indexed
  lookup when nothing changed. Files are known by `file_id`: a moved file comes back with its
  new path. `limit` defaults to and is capped at `files_changes_page_max`.

Files (`files_ops.py`)
----------------------
- `GET .../folders/{fid}/files/{file_id}` → entry (also in the trash).
- `POST .../folders/{fid}/files/{file_id}/move` `{"path"}`, optional `If-Match` → entry, same
  id and history (editors). A case-only rename is allowed; 409 when the path is taken.
- `POST .../folders/{fid}/move-folder` `{"from", "to"}` → `{"entries": [entry]}`: every live
  file under folder path `from` moved under `to` in one step (editors), each with its own
  rev; the way to rename a folder, its case included (file by file, a case-only folder rename
  would conflict with the files not moved yet). 404 no file under `from`; 409 a path taken
  or `to` inside `from`.
- `DELETE .../folders/{fid}/files/{file_id}` with `If-Match` (428 without) → entry, now in
  the trash (editors). 412 if the file changed meanwhile; a replay returns the same entry.
- `GET .../folders/{fid}/trash` → `{"entries": [entry]}`, newest deletion first.
- `POST .../folders/{fid}/files/{file_id}/restore` `{"path"?}` → entry, back where it was or
  at `path` (editors). 409 path taken (give another `path`) or not in the trash; 507.
- `DELETE .../folders/{fid}/trash/{file_id}` → 204, gone for good with its versions (owners).
- `GET .../folders/{fid}/files/{file_id}/versions` → `{"versions": [{"version", "sha256",
  "size", "modified_by", "modified_at"}]}`, newest first: the last `files_keep_versions` (10).
- `POST .../folders/{fid}/files/{file_id}/versions/{n}/restore`, optional `If-Match` → entry:
  a new version with version n's content (editors). 404 version not kept; 507.

Content (`files_content.py`)
----------------------------
- `GET .../folders/{fid}/files/{file_id}/content[?version=N]`, or
  `GET .../folders/{fid}/content?path=P` (the live file at exactly P) → the bytes, streamed,
  with `ETag`, `Content-Length`, `Accept-Ranges: bytes`, `X-File-Id`, `X-File-Version`.
  `Range: bytes=A-B` (also `A-`, `-N`; one range) → 206 with `Content-Range`, to resume a
  download; 416 outside the file. `If-Range` with another ETag → the whole file (200).
  `If-None-Match` equal to the ETag → 304.
- `PUT .../folders/{fid}/content?path=P`, the raw bytes as body, with `If-None-Match: *`
  (create: 412 if a file is there) or `If-Match: ETAG` (replace that version: 412 if the file
  changed or is gone); 428 with neither (never a blind overwrite) → 201 entry (created) or 200
  entry (new version), with `ETag`. 413 beyond `files_max_simple_upload_bytes` (32 Mio): use
  an upload session. Checked before the body is read when `Content-Length` tells.

Resumable uploads (`files_uploads.py`)
--------------------------------------
- `POST .../folders/{fid}/uploads` `{"path", "size", "sha256" (hex, of the whole file),
  "chunk_size", "base_etag": null (create) | ETAG (replace that version) | "*"}` → 201 session
  = `{"id", "folder_id", "path", "size", "sha256", "chunk_size", "base_etag", "chunks",
  "received": [index], "expires_at"}`. `chunk_size` between `files_min_chunk_bytes` (256 Kio)
  and `files_max_chunk_bytes` (32 Mio); chunk i covers bytes [i*chunk_size, min(size,
  (i+1)*chunk_size)). The precondition, path and quota are checked now (412, 409, 507) so that
  nothing is sent in vain, and again at commit. Editors only; a session belongs to its creator
  (404 for anyone else).
- `GET .../folders/{fid}/uploads/{uid}` → session: `received` says which chunks to send
  still, after a cut or a restart of either side (sessions live in the store, their bytes in
  a part file under `--data`).
- `PUT .../folders/{fid}/uploads/{uid}/chunks/{i}` with one or more consecutive chunks from
  i, each followed by its BLAKE3 (32 bytes; `sync.protocol.file_chunks`), so that a whole file
  can go in one streamed request → `{"index", "received" (count), "chunks"}`. `Content-Length`
  is required (411) and must be a whole number of chunks and digests that does not run past
  the last chunk, and i must be a chunk (400, nothing read). A chunk counts as received once
  its digest matched and its bytes are written, so a request cut in the middle keeps the whole
  chunks before the cut; chunks that do not match → 400 `{"error", "bad": [index],
  "received"}` after the body was read (the others are kept; what a bad chunk left is still
  to be sent, a chunk received before stays as it was). Sending a chunk again is harmless. A
  newer request for the same session, or its commit, ends one still going (409 for it).
- `POST .../folders/{fid}/uploads/{uid}/commit` `{"path"?, "base_etag"?}` (override the
  session's, e.g. to commit as a conflict copy after a 412) → 201/200 entry, like the
  one-request PUT; the session is gone. 409 `{"error", "missing": [index]}` when chunks are
  missing (or found damaged on disk after a crash: send them again); 400 when the whole file's
  SHA-256 is not the declared one (the session is dropped); 412/409/507 keep the session so
  that it can be committed elsewhere (unless another write won the race in the instant
  between that check and the new version: then the session is gone, 404 afterwards).
- `DELETE .../folders/{fid}/uploads/{uid}` → 204. Sessions untouched for
  `files_upload_ttl_seconds` (7 days) are dropped at start-up.

Every handler runs on the loop thread and checks rights first. After a change (a file
written, moved, deleted, restored; a member or the group changed), every member's event
stream (`/api/chat/events`) gets `{"type": "files", "folder": ID}`: their apps sync at once.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sync.protocol.file_paths import PathRefused, check_path

from .chat_events import publish_to_users
from .config import check_group_name, check_username
from .deps import ROLE_LABELS, ApiError, Services, authenticated, read_json_object, services
from .errors import (
    FilePreconditionFailed,
    InvalidName,
    LastOwner,
    NotAMember,
    PathConflict,
    QuotaExceeded,
    StoreError,
    UnknownFile,
    UnknownFileFolder,
    UnknownGroup,
    UnknownUpload,
    UnknownUser,
)
from .store.base import FileEntry, FileFolder, FolderMember, Role

Endpoint = Callable[[Request], Awaitable[Response]]
ID_RE = re.compile(r"[0-9a-f]{32}")
SHA256_RE = re.compile(r"[0-9a-f]{64}")
MAX_NAME_CHARS = 100
_RANK = {Role.READER: 1, Role.EDITOR: 2, Role.OWNER: 3}


class FilesApiError(ApiError):
    """An ApiError whose JSON body carries `extra` fields besides "error" (412's "current",
    409's "missing")."""

    def __init__(self, status: int, message: str, extra: dict[str, Any]) -> None:
        super().__init__(status, message)
        self.extra = extra


async def files_api_error(request: Request, exc: Exception) -> Response:
    """The app's handler for FilesApiError."""
    assert isinstance(exc, FilesApiError)
    return JSONResponse({"error": exc.message, **exc.extra}, status_code=exc.status)


def bytes_text(size: int) -> str:
    """Return a size as French people read it: "1,5 Go", "12,0 Mo", "3,2 Ko", "12 octets"."""
    for unit, name in ((1 << 30, "Go"), (1 << 20, "Mo"), (1 << 10, "Ko")):
        if size >= unit:
            return f"{size / unit:.1f} {name}".replace(".", ",")
    return f"{size} octets"


def entry_json(e: FileEntry) -> dict[str, Any]:
    """Return the JSON shape of a file entry. Any thread."""
    return {"file_id": e.id, "path": e.path, "version": e.version, "sha256": e.sha256, "size": e.size,
            "modified_by": e.modified_by, "modified_at": e.modified_at, "deleted": e.deleted,
            "deleted_at": e.deleted_at, "deleted_by": e.deleted_by, "rev": e.rev}


def folder_json(f: FileFolder, role: Role) -> dict[str, Any]:
    """Return the JSON shape of a folder as `role` sees it. Any thread."""
    return {"id": f.id, "name": f.name, "group": f.group, "quota_bytes": f.quota_bytes,
            "used_bytes": f.used_bytes, "rev": f.rev, "created_by": f.created_by, "role": role.value}


def etag(sha256: str) -> str:
    """Return the ETag header value of a content."""
    return f'"{sha256}"'


def unknown_folder(folder_id: str) -> ApiError:
    """Return the 404 of a folder that does not exist or that the caller is not a member of."""
    return ApiError(404, f"dossier partagé inconnu : {folder_id}")


@contextmanager
def store_errors(folder_id: str) -> Iterator[None]:
    """Turn the store's refusals into their HTTP answers (ApiError). Loop thread."""
    try:
        yield
    except UnknownFileFolder as exc:
        raise unknown_folder(folder_id) from exc
    except (UnknownFile, UnknownUpload, UnknownUser, UnknownGroup, NotAMember) as exc:
        raise ApiError(404, str(exc)) from exc
    except (PathConflict, LastOwner) as exc:
        raise ApiError(409, str(exc)) from exc
    except FilePreconditionFailed as exc:
        current = exc.current
        body = entry_json(current) if isinstance(current, FileEntry) else None
        raise FilesApiError(412, str(exc), {"current": body}) from exc
    except QuotaExceeded as exc:
        free = max(0, exc.quota - exc.used)
        raise ApiError(507, f"quota du dossier dépassé : il faut {bytes_text(exc.needed)} de plus, il reste "
                            f"{bytes_text(free)} sur {bytes_text(exc.quota)} ; rien n'a été enregistré") from exc


def checked_path(raw: object) -> str:
    """Return a valid, NFC-normalised path. Raises ApiError 400 naming the problem."""
    try:
        return check_path(raw)
    except PathRefused as exc:
        raise ApiError(400, str(exc)) from exc


def query_path(request: Request) -> str:
    """Return the checked `?path=`. Raises ApiError 400."""
    raw = request.query_params.get("path")
    if raw is None:
        raise ApiError(400, "chemin manquant : ?path=… attendu")
    return checked_path(raw)


def id_param(request: Request, name: str, what: str) -> str:
    """Return the id path parameter `name`. Raises ApiError 404 (`what` inconnu) if malformed."""
    value = str(request.path_params[name])
    if not ID_RE.fullmatch(value):
        raise ApiError(404, f"{what} inconnu : {value}")
    return value


def precondition(request: Request, *, create_allowed: bool, required: bool) -> str | None:
    """Return the expectation of `If-Match` (an ETag's SHA-256, or "*"), None for
    `If-None-Match: *` (when `create_allowed`), or None when neither is sent and not
    `required`. Raises ApiError 428 (required, none sent) or 400 (malformed)."""
    match = request.headers.get("if-match")
    none_match = request.headers.get("if-none-match")
    if match is not None and none_match is not None:
        raise ApiError(400, "If-Match et If-None-Match ne vont pas ensemble")
    if none_match is not None:
        if not create_allowed or none_match.strip() != "*":
            raise ApiError(400, "If-None-Match : seul « * » (créer un fichier qui n'existe pas) est accepté")
        return None
    if match is None:
        if required:
            raise ApiError(428, "précondition requise : envoyez If-Match avec l'ETag de votre version"
                                + (", ou If-None-Match: * pour créer le fichier" if create_allowed else ""))
        return None
    return etag_value(match)


def etag_value(raw: str) -> str:
    """Return the SHA-256 an ETag names (quoted or bare), or "*". Raises ApiError 400."""
    value = raw.strip()
    if value == "*":
        return value
    value = value.removeprefix("W/").strip('"')
    if not SHA256_RE.fullmatch(value):
        raise ApiError(400, "ETag invalide : l'empreinte SHA-256 d'une version (64 chiffres hexadécimaux) attendue")
    return value


async def require_folder(request: Request, need: Role = Role.READER) -> tuple[Services, str, str, Role]:
    """Authenticate and check the caller's role in `{folder_id}`. Return (services, user,
    folder id, role). Raises ApiError 401, 404 (unknown folder or not a member), 403."""
    svc, user = await authenticated(request)
    folder_id = str(request.path_params["folder_id"])
    role = None
    if ID_RE.fullmatch(folder_id):
        try:
            role = await svc.store.file_folder_role(folder_id, user)
        except UnknownFileFolder:
            pass
    if role is None:
        raise unknown_folder(folder_id)
    if _RANK[role] < _RANK[need]:
        raise ApiError(403, f"accès refusé : il faut être {ROLE_LABELS[need]} du dossier "
                            f"(vous êtes {ROLE_LABELS[role]})")
    return svc, user, folder_id, role


def _name(value: object) -> str:
    if (not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_CHARS
            or any(unicodedata.category(ch) == "Cc" for ch in value)):
        raise ApiError(400, f"nom de dossier invalide : 1 à {MAX_NAME_CHARS} caractères, sans caractère de contrôle")
    return value.strip()


def _quota(svc: Services, value: object) -> int:
    cap = svc.config.files_default_quota_bytes
    if value is None:
        return cap
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= cap:
        raise ApiError(400, f"quota invalide : un nombre d'octets entre 1 et {cap} ({bytes_text(cap)}) attendu ; "
                            "au-delà, demandez à l'administrateur du serveur")
    return value


def _group(value: object) -> str | None:
    if value is None:
        return None
    try:
        return check_group_name(value if isinstance(value, str) else "")
    except InvalidName as exc:
        raise ApiError(400, str(exc)) from exc


def _user(value: object) -> str:
    try:
        return check_username(value if isinstance(value, str) else "")
    except InvalidName as exc:
        raise ApiError(400, str(exc)) from exc


def members_json(members: list[FolderMember]) -> list[dict[str, Any]]:
    """Return the JSON shape of a member list."""
    return [{"username": m.username, "role": m.role.value, "via_group": not m.explicit} for m in members]


# -- folders ---------------------------------------------------------------------------------------


async def list_folders(request: Request) -> Response:
    """GET /api/files/folders: {"folders": [folder]}."""
    svc, user = await authenticated(request)
    return JSONResponse({"folders": [folder_json(f, r) for f, r in await svc.store.list_file_folders(user)]})


async def create_folder(request: Request) -> Response:
    """POST /api/files/folders {"name", "members"?, "group"?, "quota_bytes"?}: 201 folder."""
    svc, user = await authenticated(request)
    body = await read_json_object(request, svc.config.max_json_body_bytes)
    name = _name(body.get("name"))
    raw_members = body.get("members") or []
    if not isinstance(raw_members, list):
        raise ApiError(400, "membres invalides : une liste de noms d'utilisateurs est attendue")
    members = [(_user(m), Role.EDITOR) for m in raw_members if m != user]
    group, quota = _group(body.get("group")), _quota(svc, body.get("quota_bytes"))
    folder_id = uuid.uuid4().hex
    with store_errors(folder_id):
        folder = await svc.store.create_file_folder(folder_id, name, group, quota, user, members)
    return JSONResponse(folder_json(folder, Role.OWNER), status_code=201)


async def get_folder(request: Request) -> Response:
    """GET /api/files/folders/{folder_id}: folder."""
    svc, _, folder_id, role = await require_folder(request)
    folder = await svc.store.get_file_folder(folder_id)
    if folder is None:
        raise unknown_folder(folder_id)
    return JSONResponse(folder_json(folder, role))


async def _members_response(svc: Services, folder_id: str) -> Response:
    with store_errors(folder_id):
        members = await svc.store.list_file_members(folder_id)
        folder = await svc.store.get_file_folder(folder_id)
    return JSONResponse({"members": members_json(members), "group": folder.group if folder else None})


async def list_members(request: Request) -> Response:
    """GET /api/files/folders/{folder_id}/members: {"members", "group"}."""
    svc, _, folder_id, _ = await require_folder(request)
    return await _members_response(svc, folder_id)


async def set_member(request: Request) -> Response:
    """PUT /api/files/folders/{folder_id}/members/{username} {"role"}: owners; the member list."""
    svc, _, folder_id, _ = await require_folder(request, Role.OWNER)
    username = _user(request.path_params["username"])
    body = await read_json_object(request, svc.config.max_json_body_bytes)
    try:
        role = Role(str(body.get("role")))
    except ValueError as exc:
        raise ApiError(400, "rôle invalide : « owner », « editor » ou « reader » attendu") from exc
    with store_errors(folder_id):
        await svc.store.set_file_member(folder_id, username, role)
    return await _members_response(svc, folder_id)


async def remove_member(request: Request) -> Response:
    """DELETE /api/files/folders/{folder_id}/members/{username}: owners; the member list."""
    svc, _, folder_id, _ = await require_folder(request, Role.OWNER)
    with store_errors(folder_id):
        await svc.store.remove_file_member(folder_id, _user(request.path_params["username"]))
    return await _members_response(svc, folder_id)


async def set_group(request: Request) -> Response:
    """PUT /api/files/folders/{folder_id}/group {"group": name or null}: owners; folder."""
    svc, _, folder_id, role = await require_folder(request, Role.OWNER)
    body = await read_json_object(request, svc.config.max_json_body_bytes)
    with store_errors(folder_id):
        folder = await svc.store.set_file_folder_group(folder_id, _group(body.get("group")))
    return JSONResponse(folder_json(folder, role))


async def set_quota(request: Request) -> Response:
    """PUT /api/files/folders/{folder_id}/quota {"quota_bytes"}: owners; folder."""
    svc, _, folder_id, role = await require_folder(request, Role.OWNER)
    body = await read_json_object(request, svc.config.max_json_body_bytes)
    quota = _quota(svc, body.get("quota_bytes", 0))
    with store_errors(folder_id):
        folder = await svc.store.set_file_quota(folder_id, quota)
    return JSONResponse(folder_json(folder, role))


async def changes(request: Request) -> Response:
    """GET /api/files/folders/{folder_id}/changes?since=REV&limit=N: {"rev", "entries", "more"}."""
    svc, _, folder_id, _ = await require_folder(request)
    cap = svc.config.files_changes_page_max
    try:
        since = int(request.query_params.get("since", "0"))
        limit = min(int(request.query_params.get("limit", str(cap))), cap)
    except ValueError as exc:
        raise ApiError(400, "« since » et « limit » sont des nombres entiers") from exc
    if since < 0 or limit < 1:
        raise ApiError(400, "« since » doit être positif ou nul et « limit » au moins 1")
    with store_errors(folder_id):
        rev, entries = await svc.store.list_file_changes(folder_id, since, limit)
    return JSONResponse({"rev": rev, "entries": [entry_json(e) for e in entries], "more": len(entries) == limit})


def nudging(endpoint: Endpoint) -> Endpoint:
    """Wrap a handler that changes a folder (its files or its members): once it answered 2xx,
    every member's app, and the user a removal concerns, is told through its event stream
    (`chat_events`: {"type": "files", "folder": ID}) to sync now rather than at its next
    round. A nudge carries nothing but the folder's id: the round fetches, with rights checked."""

    async def handler(request: Request) -> Response:
        response = await endpoint(request)
        if 200 <= response.status_code < 300:
            folder_id = str(request.path_params["folder_id"])
            svc = services(request.app)
            try:
                users = {m.username for m in await svc.store.list_file_members(folder_id)}
            except (StoreError, UnknownFileFolder):  # best effort: the next round still comes
                return response
            if removed := request.path_params.get("username"):
                users.add(str(removed))
            publish_to_users(svc, users, {"type": "files", "folder": folder_id})
        return response

    return handler


def routes() -> list[Route]:
    """Return the folder, member and change-feed routes."""
    base = "/api/files/folders/{folder_id}"
    return [
        Route("/api/files/folders", list_folders, methods=["GET"]),
        Route("/api/files/folders", create_folder, methods=["POST"]),
        Route(base, get_folder, methods=["GET"]),
        Route(f"{base}/members", list_members, methods=["GET"]),
        Route(base + "/members/{username}", nudging(set_member), methods=["PUT"]),
        Route(base + "/members/{username}", nudging(remove_member), methods=["DELETE"]),
        Route(f"{base}/group", nudging(set_group), methods=["PUT"]),
        Route(f"{base}/quota", set_quota, methods=["PUT"]),
        Route(f"{base}/changes", changes, methods=["GET"]),
    ]
