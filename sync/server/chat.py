"""Chat REST routes under `/api/chat/`: rooms and members here, and the JSON shapes and rights
check every chat route shares; messages, reactions and read markers are in `chat_messages.py`,
file attachments in `chat_attachments.py`.

Every handler runs on the loop thread and checks rights first: a non-member gets the same 404 as
for a room that does not exist. Each change is persisted, then published as an event to every
member's channel on the bus (`chat_events.py` serves them).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .chat_events import publish_to_room, publish_to_users
from .config import check_doc_id, check_group_name, check_username
from .deps import ApiError, Services, authenticated, read_json_object
from .errors import (
    InvalidName,
    LastOwner,
    NotAMember,
    UnknownChatRoom,
    UnknownGroup,
    UnknownUser,
)
from .store.base import ChatAttachment, ChatMember, ChatMessage, ChatRole, ChatRoom, RoomKind

MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9._@-]{0,63})")
MAX_NAME_CHARS = 100


def mentions(text: str) -> list[str]:
    """Return the names mentioned in `text` (`@name`; `@channel` gives "channel"), sorted and
    unique; trailing punctuation is not part of a name. Any thread."""
    return sorted({m.group(1).rstrip("._-@") for m in MENTION_RE.finditer(text)} - {""})


def attachment_json(a: ChatAttachment) -> dict[str, Any]:
    """Return the JSON shape of an attachment as a message lists it. Any thread."""
    return {"id": a.id, "name": a.name, "size": a.size, "type": a.content_type}


def message_json(m: ChatMessage) -> dict[str, Any]:
    """Return the JSON shape of a message. `rev` is the room's change counter at the message's
    last change; a tombstone lists no attachments. Any thread."""
    return {
        "room": m.room_id,
        "seq": m.seq,
        "client_id": m.client_id,
        "author": m.author,
        "text": m.text,
        "reply_to": m.reply_to,
        "mentions": [] if m.deleted else mentions(m.text),
        "reactions": {emoji: list(users) for emoji, users in m.reactions},
        "created_at": m.created_at,
        "edited_at": m.edited_at,
        "deleted": m.deleted,
        "rev": m.rev,
        "attachments": [] if m.deleted else [attachment_json(a) for a in m.attachments],
    }


def room_json(r: ChatRoom) -> dict[str, Any]:
    """Return the JSON shape of a room (without the caller's role and counters). `rev` is its
    change counter: the rev of its last posted, edited, deleted or reacted-to message. Any
    thread."""
    return {"id": r.id, "kind": r.kind.value, "name": r.name, "group": r.group,
            "created_by": r.created_by, "last_seq": r.last_seq, "rev": r.rev}


def members_json(members: list[ChatMember]) -> list[dict[str, Any]]:
    """Return the JSON shape of a member list."""
    return [{"username": m.username, "role": m.role.value, "via_group": not m.explicit} for m in members]


def unknown_room(room_id: str) -> ApiError:
    """Return the 404 of a room that does not exist, or that the caller is not a member of."""
    return ApiError(404, f"salon inconnu : {room_id}")


async def require_member(request: Request, admin: bool = False) -> tuple[Services, str, str, ChatRole]:
    """Authenticate and check the caller's membership of `{room_id}`. Return (services, user,
    room id, role). Raises ApiError 401, 404 (unknown room or not a member), 403 (not admin)."""
    svc, user = await authenticated(request)
    room_id = request.path_params["room_id"]
    try:
        role = await svc.store.chat_role(check_doc_id(room_id), user)
    except (InvalidName, UnknownChatRoom):
        role = None
    if role is None:
        raise unknown_room(room_id)
    if admin and role is not ChatRole.ADMIN:
        raise ApiError(403, "accès refusé : il faut être administrateur du salon")
    return svc, user, room_id, role


async def _managed_channel(request: Request) -> tuple[Services, str, str, ChatRoom]:
    svc, user, room_id, _ = await require_member(request, admin=True)
    room = await svc.store.get_chat_room(room_id)
    if room is None:
        raise unknown_room(room_id)
    if room.kind is not RoomKind.CHANNEL:
        raise ApiError(409, "une conversation directe ne se renomme pas et ses membres ne changent pas")
    return svc, user, room_id, room


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_CHARS:
        raise ApiError(400, f"nom de salon invalide : 1 à {MAX_NAME_CHARS} caractères attendus")
    return value.strip()


# -- rooms -----------------------------------------------------------------------------------------


async def list_rooms(request: Request) -> Response:
    """GET /api/chat/rooms: {"rooms": [room + {"role", "read_seq", "unread"}]}."""
    svc, user = await authenticated(request)
    rows = await svc.store.list_chat_rooms(user)
    return JSONResponse({"rooms": [
        {**room_json(s.room), "role": s.role.value, "read_seq": s.read_seq, "unread": s.unread} for s in rows
    ]})


async def create_room(request: Request) -> Response:
    """POST /api/chat/rooms {"kind": "channel", "name", "group"?, "members"?, "id"?} or {"kind":
    "direct", "members": [...], "name"?, "id"?}: 201 room + {"role", "members"}; the creator is
    admin. 200 on the replay of an id the caller belongs to; 409 if the id is taken; 400, 404
    (unknown user or group), 403 (opening a channel to a group one is not in)."""
    svc, user = await authenticated(request)
    body = await read_json_object(request, svc.config.max_json_body_bytes)
    kind_value, members = body.get("kind"), body.get("members", [])
    if kind_value not in {k.value for k in RoomKind}:
        raise ApiError(400, 'type de salon invalide : "channel" ou "direct" attendu')
    kind = RoomKind(kind_value)
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        raise ApiError(400, "membres invalides : une liste de noms d'utilisateur est attendue")
    members = sorted(set(members) - {user})
    group = body.get("group")
    if kind is RoomKind.CHANNEL:
        name = _name(body.get("name"))
    else:
        name = _name(body["name"]) if body.get("name") else ""
        if not members or group is not None:
            raise ApiError(400, "une conversation directe réunit au moins deux personnes, sans groupe")
    room_id = body.get("id", uuid.uuid4().hex)
    try:
        check_doc_id(room_id if isinstance(room_id, str) else "")
        for m in members:
            check_username(m)
        if group is not None:
            if not isinstance(group, str) or user not in await svc.store.group_members(check_group_name(group)):
                raise ApiError(403, f"accès refusé : vous n'êtes pas membre du groupe « {group} »")
        created = await svc.store.create_chat_room(room_id, kind, name, group, user, members)
    except InvalidName as exc:
        raise ApiError(400, str(exc)) from exc
    except (UnknownUser, UnknownGroup) as exc:
        raise ApiError(404, str(exc)) from exc
    if not created and await _role_or_none(svc, room_id, user) is None:
        raise ApiError(409, f"identifiant de salon déjà pris : {room_id}")
    payload = await _room_payload(svc, room_id, user)
    if created:
        await publish_to_room(svc, room_id, {"type": "room", "room": payload})
    return JSONResponse(payload, status_code=201 if created else 200)


async def _role_or_none(svc: Services, room_id: str, user: str) -> ChatRole | None:
    try:
        return await svc.store.chat_role(room_id, user)
    except UnknownChatRoom:
        return None


async def _room_payload(svc: Services, room_id: str, user: str) -> dict[str, Any]:
    room = await svc.store.get_chat_room(room_id)
    if room is None:
        raise unknown_room(room_id)
    members = await svc.store.list_chat_members(room_id)
    role = next((m.role.value for m in members if m.username == user), None)
    return {**room_json(room), "role": role, "members": members_json(members)}


async def get_room(request: Request) -> Response:
    """GET /api/chat/rooms/{room_id}: members only; room + {"role", "members"}."""
    svc, user, room_id, _ = await require_member(request)
    return JSONResponse(await _room_payload(svc, room_id, user))


async def rename_room(request: Request) -> Response:
    """PATCH /api/chat/rooms/{room_id} {"name"}: channel admins only; room + {"role", "members"}."""
    svc, user, room_id, _ = await _managed_channel(request)
    body = await read_json_object(request, svc.config.max_json_body_bytes)
    await svc.store.rename_chat_room(room_id, _name(body.get("name")))
    payload = await _room_payload(svc, room_id, user)
    await publish_to_room(svc, room_id, {"type": "room", "room": payload})
    return JSONResponse(payload)


async def put_member(request: Request) -> Response:
    """PUT /api/chat/rooms/{room_id}/members/{username} {"role": "admin"|"member"}: channel admins
    only; 404 unknown user; 409 demoting the last admin; 200 {"username", "role"}."""
    svc, user, room_id, _ = await _managed_channel(request)
    target = request.path_params["username"]
    body = await read_json_object(request, svc.config.max_json_body_bytes)
    if body.get("role") not in {r.value for r in ChatRole}:
        raise ApiError(400, 'rôle invalide : "admin" ou "member" attendu')
    role = ChatRole(body["role"])
    try:
        await svc.store.set_chat_member(room_id, check_username(target), role)
    except (InvalidName, UnknownUser) as exc:
        raise ApiError(404, f"utilisateur inconnu : {target}") from exc
    except LastOwner as exc:
        raise ApiError(409, "impossible de rétrograder le dernier administrateur du salon") from exc
    await publish_to_room(svc, room_id, {"type": "room", "room": await _room_payload(svc, room_id, user)})
    return JSONResponse({"username": target, "role": role.value})


async def delete_member(request: Request) -> Response:
    """DELETE /api/chat/rooms/{room_id}/members/{username}: channel admins, or a member leaving;
    404 if not an explicit member; 409 for the last admin; 204. The removed user gets a
    {"type": "removed"} event."""
    svc, user, room_id, role = await require_member(request)
    target = request.path_params["username"]
    if target != user:
        svc, user, room_id, _ = await _managed_channel(request)
    try:
        await svc.store.remove_chat_member(room_id, target)
    except NotAMember as exc:
        raise ApiError(404, f"« {target} » n'est pas membre de ce salon") from exc
    except LastOwner as exc:
        raise ApiError(409, "impossible de retirer le dernier administrateur du salon") from exc
    publish_to_users(svc, [target], {"type": "removed", "room": room_id})
    await publish_to_room(svc, room_id, {"type": "room", "room": await _room_payload(svc, room_id, user)})
    return Response(status_code=204)


def routes() -> list[Route]:
    """Return the chat room routes (messages: `chat_messages.py`; files: `chat_attachments.py`)."""
    room = "/api/chat/rooms/{room_id}"
    return [
        Route("/api/chat/rooms", list_rooms, methods=["GET"]),
        Route("/api/chat/rooms", create_room, methods=["POST"]),
        Route(room, get_room, methods=["GET"]),
        Route(room, rename_room, methods=["PATCH"]),
        Route(room + "/members/{username}", put_member, methods=["PUT"]),
        Route(room + "/members/{username}", delete_member, methods=["DELETE"]),
    ]
