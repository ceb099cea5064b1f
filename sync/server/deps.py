"""What every route needs: the services, authentication, rights checks, capped bodies, errors."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse

from .auth import Authenticator, bearer_token
from .bus.base import Bus
from .config import ServerConfig, check_doc_id
from .errors import InvalidName, UnknownDocument
from .rooms import RoomManager
from .store.base import Role, Store
from .store.blobs import BlobStore

ROLE_LABELS = {Role.OWNER: "propriétaire", Role.EDITOR: "éditeur", Role.READER: "lecteur"}
_RANK = {Role.READER: 1, Role.EDITOR: 2, Role.OWNER: 3}


@dataclass(frozen=True)
class Services:
    """The live objects of a running app, set up by the lifespan. `blob_lock` makes "a blob
    appears and a row uses it" and "a blob no row uses is deleted" exclusive (see
    `chat_attachments.py`)."""

    config: ServerConfig
    store: Store
    bus: Bus
    auth: Authenticator
    rooms: RoomManager
    blobs: BlobStore
    blob_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class ApiError(Exception):
    """Raised by a route to answer `{"error": message}` with `status`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> JSONResponse:
    """Return the JSON error body every failing route answers with."""
    return JSONResponse({"error": message}, status_code=status)


def services(app: Starlette) -> Services:
    """Return the app's services. Raises RuntimeError before the lifespan has started."""
    svc = getattr(app.state, "services", None)
    if svc is None:
        raise RuntimeError("services not started")
    assert isinstance(svc, Services)
    return svc


def presented_token(conn: HTTPConnection, allow_query: bool = False) -> str | None:
    """Return the bearer token of a request (header; `?token=` too when `allow_query`)."""
    token = bearer_token(conn.headers.get("authorization"))
    if token is None and allow_query:
        token = conn.query_params.get("token") or None
    return token


async def authenticated(request: Request) -> tuple[Services, str]:
    """Return (services, user name) for a request with a live bearer token. Raises ApiError 401."""
    svc = services(request.app)
    user = await svc.auth.user_for(presented_token(request))
    if user is None:
        raise ApiError(401, "authentification requise : jeton absent, invalide ou révoqué")
    return svc, user


def doc_id_param(request: Request) -> str:
    """Return the `{doc_id}` path parameter. Raises ApiError 400 if malformed."""
    try:
        return check_doc_id(request.path_params["doc_id"])
    except InvalidName as exc:
        raise ApiError(400, str(exc)) from exc


async def require_role(svc: Services, doc_id: str, user: str, needed: Role) -> Role:
    """Return the user's role, checked to be at least `needed`. Raises ApiError 404 for an unknown
    document, 403 for a non-member or a role too low."""
    try:
        role = await svc.store.get_role(doc_id, user)
    except UnknownDocument as exc:
        raise ApiError(404, f"document inconnu : {doc_id}") from exc
    if role is None:
        raise ApiError(403, "accès refusé : vous n'êtes pas membre de ce document")
    if _RANK[role] < _RANK[needed]:
        raise ApiError(
            403, f"accès refusé : il faut être {ROLE_LABELS[needed]} (vous êtes {ROLE_LABELS[role]})"
        )
    return role


async def read_capped(request: Request, cap: int) -> bytes:
    """Return the request body, never holding more than `cap` bytes. Raises ApiError 413 (declared
    or actual size over the cap) or 400 (bad Content-Length)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError as exc:
            raise ApiError(400, "en-tête Content-Length invalide") from exc
        if size > cap:
            raise ApiError(413, f"corps de requête trop gros : {size} octets, maximum {cap}")
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > cap:
            raise ApiError(413, f"corps de requête trop gros : plus de {cap} octets")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json_object(request: Request, cap: int, empty_ok: bool = False) -> dict[str, Any]:
    """Return the JSON object body ({} for an empty one when `empty_ok`). Raises ApiError 400
    (not a JSON object) or 413."""
    raw = await read_capped(request, cap)
    if empty_ok and not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "corps de requête invalide : un objet JSON est attendu") from exc
    if not isinstance(value, dict):
        raise ApiError(400, "corps de requête invalide : un objet JSON est attendu")
    return value

