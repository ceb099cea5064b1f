"""Chat sync over the REST API: replay the queued chat operations in order, then fetch what
changed in every room since the last round (by the room's change counter, `rev`).

Push: room creations first come as they were queued; consecutive messages of one room go as
one `/messages/batch` call (up to 100), each message's files uploaded before it (a PUT per file,
idempotent); edits, deletions, reactions and read markers follow in queue order. Each replay is
idempotent: a room carries the id chosen offline, a message its client UUID, a file its id, and
the server answers a replay with what it already stored. Each acknowledgement is committed on
its own (a batch's at once), so a server that vanishes mid-round leaves what it acknowledged
acknowledged and the rest pending, and the next round sends nothing twice.

Pull: the room list (roles, read markers, unread counts), then, for each room whose `rev` moved
past what we fetched, every message changed since, page by page; small files of the messages
that came in are downloaded too (the others on demand, `fetch_attachment`).

`apply_event` applies one event of the live stream (`sync.chat_live`). Runs in the sync
thread, on the engine's connection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from storage import outbox
from storage.chat import ChatStore, Message
from storage.db import transaction

from .errors import Refused, SyncError
from .http import check

PAGE = 200
BATCH = 100
AUTO_DOWNLOAD_BYTES = 2 * 1024 * 1024  # files up to this size come with the messages
FULL_PULL = "*"  # what `apply_event` returns when only a full round can bring the change


@dataclass
class ChatReport:
    sent: int = 0
    received: int = 0
    errors: list[str] = field(default_factory=list)


def _room_url(room_id: str) -> str:
    return f"/api/chat/rooms/{room_id}"


async def push(client: httpx.AsyncClient, store: ChatStore, report: ChatReport) -> None:
    """Replay queued chat operations, oldest first. A refused message is marked failed with the
    reason and the others go on; a refused room creation stays queued, with everything else
    queued for that room. Raises httpx.TransportError/OSError when the server goes away,
    SyncError, AuthFailed."""
    conn = store.conn
    blocked: set[str] = set()  # rooms whose creation was refused in this round
    entries = [e for e in outbox.pending(conn) if e.kind in outbox.CHAT_KINDS]
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if entry.target in blocked:
            continue
        if entry.kind == outbox.CHAT_SEND:
            run = [entry]
            while (i < len(entries) and len(run) < BATCH and entries[i].kind == outbox.CHAT_SEND
                   and entries[i].target == entry.target):
                run.append(entries[i])
                i += 1
            await _send(client, store, run, report)
        elif entry.kind == outbox.CHAT_ROOM:
            payload = json.loads(entry.payload or "{}")
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
        elif entry.kind == outbox.CHAT_READ:
            await _send_read(client, store, entry)
        else:
            await _replay_change(client, store, entry, report)


# -- messages ------------------------------------------------------------------------------


def _body(message: Message) -> dict[str, Any]:
    if message.deleted:  # deleted here since a round tried to send it: its replay, to delete it next
        return {"client_id": message.client_id, "text": "(message supprimé)"}
    body: dict[str, Any] = {"client_id": message.client_id, "text": message.text}
    if message.reply_to is not None:
        body["reply_to"] = message.reply_to
    if message.attachments:
        body["attachments"] = [a.id for a in message.attachments]
    return body


def _refuse(store: ChatStore, entry: outbox.Entry, client_id: str, reason: str, report: ChatReport) -> None:
    with transaction(store.conn):
        store.refused(client_id, reason)
        outbox.remove(store.conn, entry)
    report.errors.append(f"Message refusé : {reason}")


async def _upload(client: httpx.AsyncClient, store: ChatStore, room_id: str, client_id: str) -> None:
    """Upload the message's files the server does not have yet, one by one. Raises Refused
    (e.g. 413, a file over the server's limit)."""
    for att_id, name, kind in store.uploads(client_id):
        data = store.attachment_data(att_id) or b""
        check(await client.put(f"{_room_url(room_id)}/attachments/{att_id}", params={"name": name}, content=data,
                               headers={"Content-Type": kind}))
        with transaction(store.conn):
            store.uploaded(att_id)


async def _send(client: httpx.AsyncClient, store: ChatStore, entries: list[outbox.Entry],
                report: ChatReport) -> None:
    """Send consecutive queued messages of one room: their files, then one batch. A refused
    batch is sent again message by message, so that only the bad one fails, with its reason."""
    conn = store.conn
    room_id = entries[0].target
    with transaction(conn):  # from now on they may reach the server: a deletion must wait for them
        outbox.attempting(conn, entries)
    ready: list[tuple[outbox.Entry, dict[str, Any]]] = []
    for entry in entries:
        client_id = str(json.loads(entry.payload or "{}")["client_id"])
        message = store.get(client_id)
        if message is None:  # deleted before it went, or its room was forgotten
            with transaction(conn):
                outbox.remove(conn, entry)
            continue
        try:
            await _upload(client, store, room_id, client_id)
        except Refused as exc:
            _refuse(store, entry, client_id, str(exc), report)
            continue
        ready.append((entry, _body(message)))
    if len(ready) > 1:
        try:
            response = check(await client.post(f"{_room_url(room_id)}/messages/batch",
                                               json={"messages": [body for _, body in ready]}))
        except Refused:
            pass  # one of them is bad: each on its own below
        else:
            stored = response.json()["messages"]
            with transaction(conn):
                for (entry, _), m in zip(ready, stored, strict=True):
                    store.acknowledged(m)
                    outbox.done(conn, entry)
            report.sent += len(ready)
            for _, body in ready:
                _sent(body["client_id"])
            return
    for entry, body in ready:
        try:
            m = check(await client.post(f"{_room_url(room_id)}/messages", json=body)).json()
        except Refused as exc:
            _refuse(store, entry, body["client_id"], str(exc), report)
            continue
        with transaction(conn):
            store.acknowledged(m)
            outbox.done(conn, entry)
        report.sent += 1
        _sent(body["client_id"])


def _sent(client_id: str) -> None:
    """Called once a message is acknowledged and committed (a hook for tests)."""


async def _fetch_message(client: httpx.AsyncClient, room_id: str, seq: int) -> dict[str, Any] | None:
    """The server's copy of one message, or None if it cannot be had."""
    try:
        page = check(await client.get(f"{_room_url(room_id)}/messages", params={"after": seq - 1, "limit": 1}))
    except Refused:
        return None
    found = [m for m in page.json().get("messages", []) if m.get("seq") == seq]
    return found[0] if found else None


async def _replay_change(client: httpx.AsyncClient, store: ChatStore, entry: outbox.Entry,
                         report: ChatReport) -> None:
    """Replay an edit, deletion or reaction. Deleting a message already gone is done; a change
    the server refuses is dropped and the server's copy of the message shown again."""
    conn = store.conn
    payload = json.loads(entry.payload or "{}")
    client_id = str(payload["client_id"])
    message = store.get(client_id)
    if message is None:
        with transaction(conn):
            outbox.remove(conn, entry)
        return
    if message.seq is None:
        return  # its message has not gone yet (refused, or waiting): this waits with it
    url = f"{_room_url(entry.target)}/messages/{message.seq}"
    if entry.kind == outbox.CHAT_EDIT:
        response = await client.patch(url, json={"text": payload["text"]})
    elif entry.kind == outbox.CHAT_DELETE:
        response = await client.delete(url)
    elif entry.kind == outbox.CHAT_REACT:
        url += "/reactions/" + quote(str(payload["emoji"]), safe="")
        response = await (client.put(url) if payload.get("on") else client.delete(url))
    else:
        raise Refused(f"Opération en attente inconnue : {entry.kind}.")
    if entry.kind == outbox.CHAT_DELETE and response.status_code == 404:
        with transaction(conn):  # already gone
            outbox.done(conn, entry)
            store.settle(client_id)
        return
    try:
        stored = check(response).json()
    except Refused as exc:
        fresh = await _fetch_message(client, entry.target, message.seq)
        with transaction(conn):
            outbox.remove(conn, entry)
            if fresh is not None:
                store.store_remote(fresh)
            else:
                store.settle(client_id)
        if response.status_code != 404:  # 404: the message was deleted meanwhile, nothing to say
            what = {outbox.CHAT_EDIT: "Modification", outbox.CHAT_DELETE: "Suppression"}.get(entry.kind, "Réaction")
            report.errors.append(f"{what} refusée : {exc}")
        return
    with transaction(conn):
        outbox.done(conn, entry)
        store.store_remote(stored)


async def _send_read(client: httpx.AsyncClient, store: ChatStore, entry: outbox.Entry) -> None:
    """Send a read marker; the server keeps the highest and tells the user's other devices."""
    conn = store.conn
    seq = int(json.loads(entry.payload or "{}").get("seq", 0))
    try:
        answer = check(await client.put(f"{_room_url(entry.target)}/read", json={"seq": seq})).json()
    except Refused:  # we left the room meanwhile: the marker no longer matters
        with transaction(conn):
            outbox.remove(conn, entry)
        return
    with transaction(conn):
        store.adopt_read(entry.target, int(answer.get("seq", seq)))
        outbox.done(conn, entry)


# -- pull ----------------------------------------------------------------------------------


async def pull(client: httpx.AsyncClient, store: ChatStore, report: ChatReport) -> None:
    """Fetch the room list (role, read marker, unread count) and every room's changes since the
    last rev fetched, page by page, then the small files of the messages that came in. Rooms we
    left, or were removed from, are forgotten unless they still hold messages to send or
    refused ones (nothing typed vanishes silently)."""
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
    for room in listed:  # rooms new to us: their members, for @-completion (later: "room" events)
        if store.members(room["id"]) is None:
            try:
                detail = check(await client.get(_room_url(room["id"]))).json()
            except Refused:
                continue
            with transaction(conn):
                store.set_members(room["id"], detail.get("members"))
    with_files: list[str] = []
    for room in listed:
        room_id = room["id"]
        after, target = store.rev_fetched(room_id), int(room.get("rev", 0))
        while after < target:
            try:
                page = check(await client.get(f"{_room_url(room_id)}/messages",
                                              params={"changed_after": after, "limit": PAGE})).json()
            except Refused as exc:  # removed from the room since the list was read
                report.errors.append(f"Salon « {room.get('name') or room_id} » : {exc}")
                break
            messages = page["messages"]
            if not messages:
                break
            reached = max(int(m.get("rev") or 0) for m in messages)
            with transaction(conn):
                for m in messages:
                    if store.store_remote(m):
                        report.received += 1
                        if m.get("attachments") and not m.get("deleted"):
                            with_files.append(str(m["client_id"]))
                store.set_rev_fetched(room_id, reached)
            if reached <= after:  # a server that does not count changes: do not loop
                break
            after, target = reached, max(target, int(page.get("rev", 0)))
    for room_id, att_id in store.to_download(with_files, AUTO_DOWNLOAD_BYTES):
        try:
            await fetch_attachment(client, conn, room_id, att_id)
        except Refused:
            pass  # it can still be fetched on demand, which says why not


async def fetch_attachment(client: httpx.AsyncClient, conn: Any, room_id: str, att_id: str) -> bytes:
    """Return an attached file's bytes, downloading them into the store first if they are not
    there (members only). Raises Refused, SyncError, AuthFailed, httpx.TransportError."""
    store = ChatStore(conn)
    data = store.attachment_data(att_id)
    if data is not None:
        return data
    data = check(await client.get(f"{_room_url(room_id)}/attachments/{att_id}")).content
    known = store.attachment(att_id)
    if known is not None and known.size != len(data):
        raise SyncError(f"Pièce jointe « {known.name} » reçue incomplète ({len(data)} octets sur {known.size}) : "
                        "réessayez.")
    with transaction(conn):
        store.store_attachment_data(att_id, data)
    return data


# -- live events ---------------------------------------------------------------------------


def apply_event(store: ChatStore, event: dict[str, Any]) -> str | None:
    """Apply one event of the server's `/api/chat/events` stream, in a transaction; return the
    room it changed, FULL_PULL when only a full round can bring the change (a room created,
    renamed or left), or None (typing, an unknown kind, a message of a room not known yet: the
    next round brings it). A copy older than the stored one changes nothing. Raises KeyError,
    TypeError, ValueError for a malformed event."""
    kind = event.get("type")
    if kind in ("message", "edit", "delete", "reaction"):
        m = event["message"]
        room_id = str(m["room"])
        with transaction(store.conn):
            if not store.has_room(room_id):
                return None
            new = not store.known(str(m["client_id"]))
            store.store_remote(m)
            if new:
                store.count_new(m)
        return room_id
    if kind == "read":
        room_id = str(event["room"])
        with transaction(store.conn):
            store.adopt_read(room_id, int(event["seq"]))
        return room_id
    if kind == "room":  # its payload's role is the actor's: keep only the members
        room = event["room"]
        with transaction(store.conn):
            if store.has_room(str(room["id"])):
                store.set_members(str(room["id"]), room.get("members"))
        return FULL_PULL
    if kind == "removed":
        return FULL_PULL
    return None


async def sync_chat(client: httpx.AsyncClient, conn: Any) -> ChatReport:
    """One chat round: push, then pull. Raises as `push` and `pull` do."""
    store = ChatStore(conn)
    report = ChatReport()
    await push(client, store, report)
    await pull(client, store, report)
    return report
