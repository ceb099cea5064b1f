"""The chat event stream, client side: one WebSocket on `/api/chat/events` per running app.

Each event is applied to the store as it arrives (a new message shows without waiting for a
sync round) through `sync.chat.apply_event`, which only moves a message forward (an event and
a sync round may cross). A shared folder's nudge ("files") asks for a round at once, so that
a colleague's saved file reaches this PC within seconds. The stream is a shortcut, not the
source of truth: whenever it (re)connects, or says that rooms changed, the caller runs a full
round, which fetches by change revision whatever the stream missed. Runs in the sync thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from httpx_ws import AsyncWebSocketSession, aconnect_ws

from storage.chat import ChatStore

from .chat import FULL_PULL, apply_event

PATH = "/api/chat/events"
MAX_EVENT = 1024 * 1024


class ChatLive:
    """Callbacks: `changed(room_id)` after an event was stored, `message(json)` for a new message
    (notifications), `typing(room_id, user)`, `resync()` when a full round is needed."""

    def __init__(self, store: ChatStore, changed: Callable[[str], None], message: Callable[[dict[str, Any]], None],
                 typing: Callable[[str, str], None], resync: Callable[[], None]) -> None:
        self.store = store
        self.changed, self.message, self.typing, self.resync = changed, message, typing, resync
        self.ws: AsyncWebSocketSession | None = None

    async def follow(self, client: httpx.AsyncClient) -> None:
        """Hold the stream until it closes. Raises httpx/httpx-ws errors when it cannot connect
        or breaks (the caller retries with backoff)."""
        url = str(client.base_url).rstrip("/") + PATH
        connection: Any = aconnect_ws(url, client, max_message_size_bytes=MAX_EVENT)
        async with connection as ws:
            self.ws = ws
            try:
                self.resync()  # whatever happened while we were not listening
                while True:
                    self.handle(await ws.receive_text())
            finally:
                self.ws = None

    def handle(self, text: str) -> None:
        """Apply one event frame. Malformed frames are ignored (the next round repairs)."""
        try:
            event = json.loads(text)
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        kind = event.get("type")
        if kind == "files":  # a shared folder changed: a round fetches it (with rights checked)
            self.resync()
            return
        if kind == "typing":
            room, user = event.get("room"), event.get("user")
            if isinstance(room, str) and isinstance(user, str):
                self.typing(room, user)
            return
        try:
            room_id = apply_event(self.store, event)
        except (KeyError, TypeError, ValueError):
            self.resync()
            return
        if room_id == FULL_PULL:
            self.resync()
        elif room_id:
            self.changed(room_id)
            if kind == "message" and isinstance(event.get("message"), dict):
                self.message(event["message"])

    async def send_typing(self, room_id: str) -> None:
        """Tell the room's other members that we are typing; nothing if the stream is down."""
        ws = self.ws
        if ws is not None:
            try:
                await ws.send_text(json.dumps({"type": "typing", "room": room_id}))
            except Exception:  # the stream just broke: `follow` ends and reconnects
                pass
