"""REST routes: login, logout, me, documents and members. Every handler runs on the loop thread."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .config import check_username
from .deps import (
    ApiError,
    authenticated,
    doc_id_param,
    presented_token,
    read_json_object,
    require_role,
    services,
)
from .errors import InvalidName, LastOwner, NotAMember, UnknownDocument, UnknownUser
from .store.base import Role


async def healthz(request: Request) -> Response:
    """GET /healthz: 200 {"status": "ok"}, no authentication."""
    return JSONResponse({"status": "ok"})


async def login(request: Request) -> Response:
    """POST /api/login {"username", "password"}: 200 {"token"}; 401 bad credentials; 400 bad body."""
    svc = services(request.app)
    body = await read_json_object(request, svc.config.max_json_body_bytes)
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        raise ApiError(400, 'corps de requête invalide : {"username": "…", "password": "…"} attendu')
    token = await svc.auth.login(username, password)
    if token is None:
        raise ApiError(401, "identifiant ou mot de passe incorrect")
    return JSONResponse({"token": token})


async def logout(request: Request) -> Response:
    """POST /api/logout: revoke the presented token; 204."""
    svc, _ = await authenticated(request)
    token = presented_token(request)
    assert token is not None  # authenticated() checked it
    await svc.auth.logout(token)
    return Response(status_code=204)


async def me(request: Request) -> Response:
    """GET /api/me: {"username"}."""
    _, user = await authenticated(request)
    return JSONResponse({"username": user})


async def list_documents(request: Request) -> Response:
    """GET /api/docs: {"documents": [{"id", "role", "version"}]} for the caller's documents."""
    svc, user = await authenticated(request)
    docs = await svc.store.list_documents(user)
    return JSONResponse({"documents": [{"id": d, "role": r.value, "version": v} for d, r, v in docs]})


async def put_document(request: Request) -> Response:
    """PUT /api/docs/{doc_id}: create with the client's id (201, caller owns it); 200 if it exists
    and the caller is a member (idempotent replay); 403 if it exists and the caller is not."""
    svc, user = await authenticated(request)
    doc_id = doc_id_param(request)
    if await svc.store.create_document(doc_id, user):
        return JSONResponse({"id": doc_id, "role": Role.OWNER.value}, status_code=201)
    role = await require_role(svc, doc_id, user, Role.READER)
    return JSONResponse({"id": doc_id, "role": role.value})


async def delete_document(request: Request) -> Response:
    """DELETE /api/docs/{doc_id}: owner only; disconnects its live connections; 204."""
    svc, user = await authenticated(request)
    doc_id = doc_id_param(request)
    await require_role(svc, doc_id, user, Role.OWNER)
    await svc.store.delete_document(doc_id)
    svc.rooms.document_deleted(doc_id)
    return Response(status_code=204)


async def list_members(request: Request) -> Response:
    """GET /api/docs/{doc_id}/members: members only; {"members": [{"username", "role"}]}."""
    svc, user = await authenticated(request)
    doc_id = doc_id_param(request)
    await require_role(svc, doc_id, user, Role.READER)
    try:
        members = await svc.store.list_members(doc_id)
    except UnknownDocument as exc:
        raise ApiError(404, f"document inconnu : {doc_id}") from exc
    return JSONResponse({"members": [{"username": m.username, "role": m.role.value} for m in members]})


async def put_member(request: Request) -> Response:
    """PUT /api/docs/{doc_id}/members/{username} {"role"}: owner only; 404 unknown user; 409 if it
    would demote the last owner; 200 {"username", "role"}."""
    svc, user = await authenticated(request)
    doc_id = doc_id_param(request)
    await require_role(svc, doc_id, user, Role.OWNER)
    target = request.path_params["username"]
    body = await read_json_object(request, svc.config.max_json_body_bytes)
    value = body.get("role")
    if value not in {r.value for r in Role}:
        raise ApiError(400, 'rôle invalide : "owner", "editor" ou "reader" attendu')
    role = Role(value)
    try:
        check_username(target)
        await svc.store.set_member(doc_id, target, role)
    except (InvalidName, UnknownUser) as exc:
        raise ApiError(404, f"utilisateur inconnu : {target}") from exc
    except UnknownDocument as exc:
        raise ApiError(404, f"document inconnu : {doc_id}") from exc
    except LastOwner as exc:
        raise ApiError(409, "impossible de rétrograder le dernier propriétaire du document") from exc
    svc.rooms.member_changed(doc_id, target, role)
    return JSONResponse({"username": target, "role": role.value})


async def delete_member(request: Request) -> Response:
    """DELETE /api/docs/{doc_id}/members/{username}: owner only, or a member removing themself;
    404 if not a member; 409 for the last owner; 204."""
    svc, user = await authenticated(request)
    doc_id = doc_id_param(request)
    target = request.path_params["username"]
    await require_role(svc, doc_id, user, Role.READER if target == user else Role.OWNER)
    try:
        await svc.store.remove_member(doc_id, target)
    except NotAMember as exc:
        raise ApiError(404, f"« {target} » n'est pas membre de ce document") from exc
    except UnknownDocument as exc:
        raise ApiError(404, f"document inconnu : {doc_id}") from exc
    except LastOwner as exc:
        raise ApiError(409, "impossible de retirer le dernier propriétaire du document") from exc
    svc.rooms.member_changed(doc_id, target, None)
    return Response(status_code=204)


def routes() -> list[Route]:
    """Return the REST routes of this module."""
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/api/login", login, methods=["POST"]),
        Route("/api/logout", logout, methods=["POST"]),
        Route("/api/me", me, methods=["GET"]),
        Route("/api/docs", list_documents, methods=["GET"]),
        Route("/api/docs/{doc_id}", put_document, methods=["PUT"]),
        Route("/api/docs/{doc_id}", delete_document, methods=["DELETE"]),
        Route("/api/docs/{doc_id}/members", list_members, methods=["GET"]),
        Route("/api/docs/{doc_id}/members/{username}", put_member, methods=["PUT"]),
        Route("/api/docs/{doc_id}/members/{username}", delete_member, methods=["DELETE"]),
    ]
