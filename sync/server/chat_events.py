"""The chat event stream: one authenticated WebSocket per client at `/api/chat/events`.

Events are JSON text frames, published on the bus to one channel per user ("chat-user:NAME"),
so a client receives the events of every room it belongs to and nothing else:

    {"type": "message" | "edit" | "delete" | "reaction", "message": {...}}
                                             one "message" per new message, a batch's in order;
                                             none for a replayed one
    {"type": "room", "room": {...}}          a room was created, renamed or its members changed
    {"type": "removed", "room": ID}          the user left or was removed from a room
    {"type": "read", "room": ID, "seq": N}   the user's read marker moved (their other devices)
    {"type": "typing", "room": ID, "user": NAME}
    {"type": "files", "folder": ID}          a shared folder of the document bank changed (its
                                             files or its members): sync it now (`files.nudging`)
    {"type": "error", "error": "…"}          answer to a bad client frame; the socket stays open

Clients send `{"type": "typing", "room": ID}`; it reaches the room's other connections. A
non-member's typing notice is refused with an error event, with the same words as an unknown
room. Everything here runs on the loop thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from .bus.base import Envelope
from .deps import presented_token, services
from .errors import StoreError, UnknownChatRoom
from .ws import deny

if TYPE_CHECKING:
    from .deps import Services

log = logging.getLogger(__name__)

PATH = "/api/chat/events"
MAX_QUEUED_EVENTS = 10_000
CLOSE_TOO_SLOW = 1013
CLOSE_TOO_BIG = 1009


def user_channel(username: str) -> str:
    """Return the bus channel of a user's chat events."""
    return f"chat-user:{username}"


def publish_to_users(svc: Services, users: Iterable[str], event: dict[str, Any], sender: str = "") -> None:
    """Publish `event` to each user's channel. Never blocks. Loop thread."""
    data = json.dumps(event, ensure_ascii=False).encode()
    envelope = Envelope(svc.rooms.node, sender, data)
    for user in users:
        svc.bus.publish(user_channel(user), envelope)


async def publish_to_room(svc: Services, room_id: str, event: dict[str, Any], sender: str = "") -> None:
    """Publish `event` to every current member of the room (explicit or through its group).
    Raises StoreError. Loop thread."""
    await publish_all_to_room(svc, room_id, [event], sender)


async def publish_all_to_room(svc: Services, room_id: str, events: list[dict[str, Any]], sender: str = "") -> None:
    """Publish `events`, in order, to every current member of the room, reading the members
    once (a batch of messages). Raises StoreError. Loop thread."""
    if not events:
        return
    try:
        members = [m.username for m in await svc.store.list_chat_members(room_id)]
    except UnknownChatRoom:
        return
    for event in events:
        publish_to_users(svc, members, event, sender)


async def chat_events(websocket: WebSocket) -> None:
    """Serve one client's event stream. Token from `Authorization: Bearer` or `?token=`; refused
    with 401 before the handshake completes when missing or revoked. Loop thread."""
    svc = services(websocket.app)
    try:
        user = await svc.auth.user_for(presented_token(websocket, allow_query=True))
    except StoreError:
        await deny(websocket, 503, "stockage du serveur indisponible, réessayez plus tard")
        return
    if user is None:
        await deny(websocket, 401, "authentification requise : jeton absent, invalide ou révoqué")
        return
    await websocket.accept()
    conn_id = uuid.uuid4().hex
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    def on_event(env: Envelope) -> None:
        if env.sender == conn_id:
            return  # our own typing notice
        if queue.qsize() >= MAX_QUEUED_EVENTS:
            queue.put_nowait(None)  # a reader this slow is closed, it will catch up over REST
            return
        queue.put_nowait(env.data)

    subscription = svc.bus.subscribe(user_channel(user), on_event)
    sender = asyncio.create_task(_send_loop(websocket, queue))
    try:
        await _receive_loop(websocket, svc, user, conn_id)
    except WebSocketDisconnect:
        pass
    finally:
        subscription.close()
        sender.cancel()
        try:
            await sender
        except (asyncio.CancelledError, Exception):
            pass


async def _send_loop(websocket: WebSocket, queue: asyncio.Queue[bytes | None]) -> None:
    while True:
        data = await queue.get()
        if data is None:
            await websocket.close(CLOSE_TOO_SLOW, "trop d'événements en attente")
            return
        await websocket.send_text(data.decode())


async def _receive_loop(websocket: WebSocket, svc: Services, user: str, conn_id: str) -> None:
    while True:
        text = await websocket.receive_text()
        if len(text) > svc.config.max_json_body_bytes:
            await websocket.close(CLOSE_TOO_BIG, "message trop gros")
            return
        try:
            frame = json.loads(text)
        except ValueError:
            frame = None
        if not isinstance(frame, dict) or frame.get("type") != "typing" or not isinstance(frame.get("room"), str):
            await _send_error(websocket, 'message invalide : {"type": "typing", "room": "…"} attendu')
            continue
        room_id = frame["room"]
        try:
            role = await svc.store.chat_role(room_id, user)
        except UnknownChatRoom:
            role = None
        if role is None:
            await _send_error(websocket, f"salon inconnu : {room_id}")
            continue
        await publish_to_room(svc, room_id, {"type": "typing", "room": room_id, "user": user}, sender=conn_id)


async def _send_error(websocket: WebSocket, message: str) -> None:
    await websocket.send_text(json.dumps({"type": "error", "error": message}, ensure_ascii=False))


def routes() -> list[WebSocketRoute]:
    """Return the event-stream route."""
    return [WebSocketRoute(PATH, chat_events)]
