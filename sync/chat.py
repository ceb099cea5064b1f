"""Chat sync over the REST API: replay queued room creations and messages in order, then fetch
every room's new messages and the room list (with read markers).

Each replay is idempotent: a room carries the id chosen offline, a message its client UUID, and
the server answers a replay with what it already stored (same seq). Each acknowledgement is
committed on its own, so a server that vanishes mid-round leaves what it acknowledged
acknowledged and the rest pending, and the next round sends nothing twice. Runs in the sync
thread, on the engine's connection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from storage import outbox
from storage.chat import ChatStore
from storage.db import transaction

from .errors import Refused
from .http import check

PAGE = 200


@dataclass
class ChatReport:
    sent: int = 0
    received: int = 0
    errors: list[str] = field(default_factory=list)


async def push(client: httpx.AsyncClient, store: ChatStore, report: ChatReport) -> None:
    """Replay queued chat operations, oldest first. A refused message is marked failed with the
    reason and the others go on; a refused room creation stays queued, with its messages.
    Raises httpx.TransportError/OSError when the server goes away, SyncError, AuthFailed."""
    conn = store.conn
    blocked: set[str] = set()  # rooms whose creation was refused in this round
    for entry in outbox.pending(conn):
        if entry.kind not in outbox.CHAT_KINDS or entry.target in blocked:
            continue
        payload = json.loads(entry.payload or "{}")
        if entry.kind == outbox.CHAT_ROOM:
            try:
                room = check(await client.post("/api/chat/rooms", json=payload)).json()
            except Refused as exc:
                blocked.add(entry.target)
                with transaction(conn):
                    outbox.failed(conn, entry, str(exc))
                report.errors.append(f"Salon « {payload.get('name', entry.target)} » : {exc}")
                continue
            with transaction(conn):
                store.adopt_room({**room, "read_seq": 0, "unread": 0})
                outbox.done(conn, entry)
            continue
        client_id = payload["client_id"]
        message = store.get(client_id)
        if message is None:  # the room was forgotten meanwhile
            with transaction(conn):
                outbox.remove(conn, entry)
            continue
        body: dict[str, Any] = {"client_id": client_id, "text": message.text}
        if message.reply_to is not None:
            body["reply_to"] = message.reply_to
        try:
            stored = check(await client.post(f"/api/chat/rooms/{entry.target}/messages", json=body)).json()
        except Refused as exc:
            with transaction(conn):
                store.refused(client_id, str(exc))
                outbox.remove(conn, entry)
            report.errors.append(f"Message refusé : {exc}")
            continue
        with transaction(conn):
            store.store_remote(stored)
            outbox.done(conn, entry)
        report.sent += 1
        _sent(client_id)


def _sent(client_id: str) -> None:
    """Called once a message is acknowledged and committed (a hook for tests)."""


async def pull(client: httpx.AsyncClient, store: ChatStore, report: ChatReport) -> None:
    """Fetch the room list (role, read marker, unread count) and every room's messages after
    the last one fetched, page by page. Rooms we left, or were removed from, are forgotten
    unless they still hold messages to send or refused ones (nothing typed vanishes silently)."""
    conn = store.conn
    listed = check(await client.get("/api/chat/rooms")).json()["rooms"]
    creating = {e.target for e in outbox.pending(conn, outbox.CHAT_ROOM)}
    with transaction(conn):
        for room in listed:
            store.adopt_room(room)
        known = {room["id"] for room in listed} | creating
        for room in store.rooms():
            if room.id not in known and not room.pending and not room.failed:
                store.forget_room(room.id)
    for room in listed:
        after = store.fetched_seq(room["id"])
        while after < int(room.get("last_seq", 0)):
            try:
                page = check(await client.get(f"/api/chat/rooms/{room['id']}/messages",
                                              params={"after": after, "limit": PAGE})).json()
            except Refused as exc:  # removed from the room since the list was read
                report.errors.append(f"Salon « {room.get('name') or room['id']} » : {exc}")
                break
            messages = page["messages"]
            if not messages:
                break
            with transaction(conn):
                for m in messages:
                    store.store_remote(m)
                after = max(int(m["seq"]) for m in messages)
                store.set_fetched(room["id"], after)
            report.received += len(messages)
            room["last_seq"] = max(int(room.get("last_seq", 0)), int(page.get("last_seq", 0)))


async def sync_chat(client: httpx.AsyncClient, conn: Any) -> ChatReport:
    """One chat round: push, then pull. Raises as `push` and `pull` do."""
    store = ChatStore(conn)
    report = ChatReport()
    await push(client, store, report)
    await pull(client, store, report)
    return report
