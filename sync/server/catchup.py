"""HTTP catch-up, for networks whose proxy blocks WebSocket: fetch what you lack, post an update."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sync.protocol.catchup import OCTET_STREAM, STATE_VECTOR_HEADER, b64url_decode, b64url_encode
from sync.protocol.errors import MessageTooLarge, ProtocolError
from sync.protocol.update import validate_state_vector, validate_update

from .deps import (
    ApiError,
    Services,
    authenticated,
    doc_id_param,
    read_capped,
    require_role,
)
from .errors import StoreError, UnknownDocument
from .store.base import Role


async def get_update(request: Request) -> Response:
    """GET /api/docs/{doc_id}/update?sv=<base64url state vector, optional>: readers and up. 200
    octet-stream: the update the caller lacks (everything without `sv`), with the server's state
    vector (padded base64url) in X-Parvis-State-Vector."""
    svc, user = await authenticated(request)
    doc_id = doc_id_param(request)
    await require_role(svc, doc_id, user, Role.READER)
    state_vector = _state_vector_param(request, svc.config.max_state_vector_bytes)
    try:
        async with svc.rooms.lease(doc_id) as room:
            update, state = room.diff(state_vector), room.state_vector()
    except UnknownDocument as exc:
        raise ApiError(404, f"document inconnu : {doc_id}") from exc
    return Response(update, media_type=OCTET_STREAM, headers={STATE_VECTOR_HEADER: b64url_encode(state)})


async def post_update(request: Request) -> Response:
    """POST /api/docs/{doc_id}/update, octet-stream body = one update v1: editors and owners.
    Validated, applied, persisted, fanned out to live connections, then 200 {"persisted": true}.
    413 over the cap, 400 malformed (nothing stored), 415 wrong content type."""
    svc, user = await authenticated(request)
    doc_id = doc_id_param(request)
    await require_role(svc, doc_id, user, Role.EDITOR)
    content_type = request.headers.get("content-type", OCTET_STREAM).split(";")[0].strip().lower()
    if content_type != OCTET_STREAM:
        raise ApiError(415, f"type de contenu attendu : {OCTET_STREAM}")
    limits = svc.config.update_limits
    body = await read_capped(request, limits.max_bytes)
    try:
        summary = validate_update(body, limits)
    except MessageTooLarge as exc:
        raise ApiError(413, f"mise à jour trop grosse : {exc}") from exc
    except ProtocolError as exc:
        raise ApiError(400, f"mise à jour invalide : {exc}") from exc
    if not summary.is_empty:
        await _apply_and_persist(svc, doc_id, body)
    return JSONResponse({"persisted": True})


async def _apply_and_persist(svc: Services, doc_id: str, update: bytes) -> None:
    try:
        async with svc.rooms.lease(doc_id) as room:
            try:
                stored = room.receive(update, "")
            except ProtocolError as exc:
                raise ApiError(400, f"mise à jour invalide : {exc}") from exc
            try:
                await stored
            except StoreError as exc:
                raise ApiError(503, "échec d'enregistrement sur le serveur, réessayez plus tard") from exc
    except UnknownDocument as exc:
        raise ApiError(404, f"document inconnu : {doc_id}") from exc


def _state_vector_param(request: Request, cap: int) -> bytes | None:
    raw = request.query_params.get("sv")
    if not raw:
        return None
    try:
        state_vector = b64url_decode(raw)
        validate_state_vector(state_vector, cap)
    except MessageTooLarge as exc:
        raise ApiError(413, f"vecteur d'état trop gros : {exc}") from exc
    except (ValueError, ProtocolError) as exc:
        raise ApiError(400, f"paramètre sv invalide : vecteur d'état en base64url attendu ({exc})") from exc
    return state_vector


def routes() -> list[Route]:
    """Return the catch-up routes."""
    return [
        Route("/api/docs/{doc_id}/update", get_update, methods=["GET"]),
        Route("/api/docs/{doc_id}/update", post_update, methods=["POST"]),
    ]
