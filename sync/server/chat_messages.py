"""Chat message routes under `/api/chat/rooms/{room_id}/`: the log (pages by seq, or the changes
since a rev), posting one message or a batch, edits, deletes, reactions and read markers.

Same rules as `chat.py`: every handler runs on the loop thread and checks rights first (a
non-member gets the same 404 as for an unknown room); each change is persisted, then published
as an event to every member (`chat_events.py`).

Catching up: every change to a message (posted, edited, deleted, reaction added or removed)
gives it the room's next `rev`. A client remembers the room's `rev` and asks for
`?changed_after=REV` to get exactly what changed since, edits and deletes included.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .chat import message_json, require_member
from .chat_attachments import attachment_ids, release_blobs
from .chat_events import publish_all_to_room, publish_to_room, publish_to_users
from .deps import ApiError, Services, read_json_object
from .errors import AttachmentUnusable, ClientIdConflict, MessageRefused, UnknownMessage
from .store.base import ChatMessage, NewMessage

MAX_EMOJI_CHARS = 32
# What the store refuses in a message, and the status the API answers with.
_REFUSALS: dict[type[Exception], int] = {UnknownMessage: 404, ClientIdConflict: 409, AttachmentUnusable: 400}


def _int_query(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError as exc:
        raise ApiError(400, f"paramètre « {name} » invalide : un entier est attendu") from exc
    if number < 0:
        raise ApiError(400, f"paramètre « {name} » invalide : un entier positif est attendu")
    return number


def _seq_param(request: Request) -> int:
    try:
        return int(request.path_params["seq"])
    except ValueError as exc:
        raise ApiError(404, "message inconnu") from exc


def _text(body: dict[str, Any], svc: Services, allow_empty: bool = False) -> str:
    """Return the message text. Empty is allowed only for a message that carries files. Raises
    ApiError 400, 413."""
    text = body.get("text", "" if allow_empty else None)
    if not isinstance(text, str) or not (allow_empty or text.strip()):
        raise ApiError(400, 'corps de requête invalide : {"text": "…"} non vide attendu')
    if len(text) > svc.config.max_chat_text_chars:
        raise ApiError(413, f"message trop long : {len(text)} caractères, maximum {svc.config.max_chat_text_chars}")
    return text


# -- the log ---------------------------------------------------------------------------------------


async def list_messages(request: Request) -> Response:
    """GET /api/chat/rooms/{room_id}/messages?after=SEQ|before=SEQ|changed_after=REV&limit=N:
    members only; {"messages": [...], "last_seq", "rev"}. Without a cursor: the newest page;
    after/before: pages in seq order; changed_after: the messages whose rev is > REV (posted,
    edited, deleted or reacted to since), in rev order. changed_after goes with neither after
    nor before (400). limit defaults to `chat_page_default` and is capped at `chat_page_max`.

    `rev` is the room's change counter read BEFORE the page: a client that got fewer than
    `limit` changes has seen every change up to `rev` (a change racing with this request may
    come again next time, never be missed); with a full page it goes on from the last message's
    rev. `last_seq` is read after the page, as it always was."""
    svc, _, room_id, _ = await require_member(request)
    after, before = _int_query(request, "after"), _int_query(request, "before")
    changed_after = _int_query(request, "changed_after")
    if changed_after is not None and (after is not None or before is not None):
        raise ApiError(400, "« changed_after » ne va ni avec « after » ni avec « before »")
    if after is not None and before is not None:
        raise ApiError(400, "« after » et « before » ne vont pas ensemble")
    limit = _int_query(request, "limit") or svc.config.chat_page_default
    limit = min(limit, svc.config.chat_page_max)
    head = await svc.store.get_chat_room(room_id)
    if changed_after is not None:
        messages = await svc.store.list_changes(room_id, changed_after, limit)
    else:
        messages = await svc.store.list_messages(room_id, after=after, before=before, limit=limit)
    room = await svc.store.get_chat_room(room_id)
    return JSONResponse({
        "messages": [message_json(m) for m in messages],
        "last_seq": room.last_seq if room else 0,
        "rev": head.rev if head else 0,
    })


# -- posting ---------------------------------------------------------------------------------------


def _new_message(body: object, svc: Services) -> NewMessage:
    """Check one message of a post or a batch. Raises ApiError 400, 413."""
    if not isinstance(body, dict):
        raise ApiError(400, "corps de requête invalide : un objet JSON est attendu")
    try:
        client_id = str(uuid.UUID(str(body.get("client_id"))))
    except ValueError as exc:
        raise ApiError(400, "client_id invalide : un UUID est attendu") from exc
    attachments = attachment_ids(body.get("attachments"))
    text = _text(body, svc, allow_empty=bool(attachments))
    reply_to = body.get("reply_to")
    if reply_to is not None and (not isinstance(reply_to, int) or isinstance(reply_to, bool)):
        raise ApiError(400, "reply_to invalide : un numéro de message est attendu")
    return NewMessage(client_id, text, reply_to, attachments)


async def _post(
    svc: Services, room_id: str, user: str, items: list[NewMessage], batch: bool
) -> list[tuple[dict[str, Any], bool]]:
    """Store `items` in one write and publish a "message" event for each new one, in order.
    Return (JSON, created) for every message, in order. Raises ApiError with the status of the
    refusal, its text prefixed by "message N : " in a batch."""
    try:
        results = await svc.store.post_messages(room_id, user, items)
    except MessageRefused as exc:
        status = _REFUSALS[type(exc.error)]
        raise ApiError(status, str(exc) if batch else str(exc.error)) from exc
    posted = [(message_json(m), created) for m, created in results]
    await publish_all_to_room(svc, room_id, [{"type": "message", "message": p} for p, created in posted if created])
    return posted


async def post_message(request: Request) -> Response:
    """POST /api/chat/rooms/{room_id}/messages {"client_id": UUID, "text", "reply_to"?: seq,
    "attachments"?: [id, …]}: members only; 201 message (stored, then pushed as a "message"
    event); 200 with the stored message when `client_id` was already posted; 409 if another
    author used that UUID; 404 for an unknown `reply_to`; 400 for an attachment that is not the
    author's in this room or is attached already. The text may be empty with attachments."""
    svc, user, room_id, _ = await require_member(request)
    item = _new_message(await read_json_object(request, svc.config.max_json_body_bytes), svc)
    [(payload, created)] = await _post(svc, room_id, user, [item], batch=False)
    return JSONResponse(payload, status_code=201 if created else 200)


async def post_batch(request: Request) -> Response:
    """POST /api/chat/rooms/{room_id}/messages/batch {"messages": [message, …]}: 1 to
    `chat_batch_max` messages, each as for a single post; all stored in ONE write, or none.
    200 {"messages": [stored message, …]} in request order, replays included (deduplicated by
    client_id like a single post); a "message" event for each new one, in order. A refused
    message refuses the batch with the single post's status and "message N : …" (N from 1);
    413 beyond `chat_batch_max` messages."""
    svc, user, room_id, _ = await require_member(request)
    cap = svc.config.chat_batch_max
    body = await read_json_object(request, svc.config.max_json_body_bytes * cap)
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise ApiError(400, f'corps de requête invalide : {{"messages": [...]}} avec 1 à {cap} messages attendu')
    if len(raw) > cap:
        raise ApiError(413, f"lot trop gros : {len(raw)} messages, maximum {cap}")
    items = []
    for n, value in enumerate(raw, 1):
        try:
            items.append(_new_message(value, svc))
        except ApiError as exc:
            raise ApiError(exc.status, f"message {n} : {exc.message}") from exc
    posted = await _post(svc, room_id, user, items, batch=True)
    return JSONResponse({"messages": [payload for payload, _ in posted]})


# -- changes ---------------------------------------------------------------------------------------


@contextmanager
def _known_message(seq: Any) -> Iterator[None]:
    """Turn the store's UnknownMessage into the API's 404 for message `seq`."""
    try:
        yield
    except UnknownMessage as exc:
        raise ApiError(404, f"message inconnu : {seq}") from exc


async def _own_message(svc: Services, room_id: str, seq: int, user: str) -> ChatMessage:
    with _known_message(seq):
        message = await svc.store.get_message(room_id, seq)
    if message.author != user:
        raise ApiError(403, "accès refusé : ce message n'est pas le vôtre")
    return message


async def edit_message(request: Request) -> Response:
    """PATCH /api/chat/rooms/{room_id}/messages/{seq} {"text"}: its author only; 404 for a deleted
    message; 200 message (with a new rev), pushed as an "edit" event. The text may be empty when
    the message carries attachments."""
    svc, user, room_id, _ = await require_member(request)
    seq = _seq_param(request)
    body = await read_json_object(request, svc.config.max_json_body_bytes)
    message = await _own_message(svc, room_id, seq, user)
    text = _text(body, svc, allow_empty=bool(message.attachments))
    with _known_message(seq):
        message = await svc.store.edit_message(room_id, seq, text)
    payload = message_json(message)
    await publish_to_room(svc, room_id, {"type": "edit", "message": payload})
    return JSONResponse(payload)


async def delete_message(request: Request) -> Response:
    """DELETE /api/chat/rooms/{room_id}/messages/{seq}: its author only; 200 tombstone (no text,
    no attachments, same seq, a new rev), pushed as a "delete" event. Its files are deleted
    from the server."""
    svc, user, room_id, _ = await require_member(request)
    seq = _seq_param(request)
    message = await _own_message(svc, room_id, seq, user)
    payload = message_json(await svc.store.delete_message(room_id, seq))
    await release_blobs(svc, {a.sha256 for a in message.attachments})
    await publish_to_room(svc, room_id, {"type": "delete", "message": payload})
    return JSONResponse(payload)


async def put_reaction(request: Request) -> Response:
    """PUT (add) or DELETE (remove) /api/chat/rooms/{room_id}/messages/{seq}/reactions/{emoji}:
    members only, the caller's own reaction; 200 message (a new rev if it changed), pushed as a
    "reaction" event."""
    svc, user, room_id, _ = await require_member(request)
    seq = _seq_param(request)
    emoji = request.path_params["emoji"]
    if not emoji or len(emoji) > MAX_EMOJI_CHARS or any(ch.isspace() for ch in emoji):
        raise ApiError(400, "réaction invalide : un emoji est attendu")
    with _known_message(seq):
        message = await svc.store.set_reaction(room_id, seq, user, emoji, request.method == "PUT")
    payload = message_json(message)
    await publish_to_room(svc, room_id, {"type": "reaction", "message": payload})
    return JSONResponse(payload)


async def put_read(request: Request) -> Response:
    """PUT /api/chat/rooms/{room_id}/read {"seq": N}: the caller's read marker, never moving back
    and capped at the last seq; 200 {"room", "seq"}, pushed to the caller's other devices as a
    "read" event."""
    svc, user, room_id, _ = await require_member(request)
    seq = (await read_json_object(request, svc.config.max_json_body_bytes)).get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ApiError(400, 'corps de requête invalide : {"seq": N} attendu')
    marker = await svc.store.mark_read(room_id, user, seq)
    publish_to_users(svc, [user], {"type": "read", "room": room_id, "seq": marker})
    return JSONResponse({"room": room_id, "seq": marker})


def routes() -> list[Route]:
    """Return the chat message routes."""
    room = "/api/chat/rooms/{room_id}"
    return [
        Route(room + "/messages", list_messages, methods=["GET"]),
        Route(room + "/messages", post_message, methods=["POST"]),
        Route(room + "/messages/batch", post_batch, methods=["POST"]),
        Route(room + "/messages/{seq}", edit_message, methods=["PATCH"]),
        Route(room + "/messages/{seq}", delete_message, methods=["DELETE"]),
        Route(room + "/messages/{seq}/reactions/{emoji}", put_reaction, methods=["PUT", "DELETE"]),
        Route(room + "/read", put_read, methods=["PUT"]),
    ]
