"""Chat in the local store: the rooms this user belongs to and their messages.

A message written here is stored at once as pending, together with its outbox entry (one
transaction), so it shows immediately, survives a restart and goes out with the next sync. Its
client UUID makes every replay harmless: the server answers with the seq it already gave.
A room created here gets a client-chosen id, and is created on the server by the next sync.

Every method belongs to the thread that owns `conn`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import outbox, search
from .db import like_prefix, transaction
from .errors import InvalidInput, NotFound

SEARCH_KIND = "chat"
MAX_TEXT = 10_000
MAX_NAME = 100
PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True)
class Room:
    id: str
    kind: str
    name: str
    role: str
    last_seq: int
    read_seq: int
    unread: int
    pending: int
    failed: int


@dataclass(frozen=True)
class Message:
    room: str
    seq: int | None
    client_id: str
    author: str
    text: str
    reply_to: int | None
    reactions: dict[str, list[str]]
    state: str
    last_error: str | None
    created_at: str
    edited_at: str | None
    deleted: bool


_MSG_COLUMNS = ("room, seq, client_id, author, text, reply_to, reactions, state, last_error, created_at, "
                "edited_at, deleted")


def _message(row: Any) -> Message:
    room, seq, client_id, author, text, reply_to, reactions, state, error, created, edited, deleted = row
    return Message(room, seq, client_id, author, text, reply_to, json.loads(reactions or "{}"), state, error,
                   created, edited, bool(deleted))


class ChatStore:
    """Rooms and messages of one profile."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    # -- rooms --------------------------------------------------------------------------

    def create_room(self, name: str, members: list[str] | None = None, group: str | None = None) -> str:
        """Create a channel now, offline if need be, and queue its creation on the server.
        Returns its id (a UUID chosen here). Raises InvalidInput for an empty or long name."""
        name = name.strip()
        if not name or len(name) > MAX_NAME:
            raise InvalidInput(f"Nom de salon invalide : 1 à {MAX_NAME} caractères.")
        members = sorted({m.strip() for m in members or [] if m.strip()})
        room_id = uuid.uuid4().hex
        payload = {"id": room_id, "kind": "channel", "name": name, "members": members}
        if group:
            payload["group"] = group
        with transaction(self.conn):
            self.conn.execute("INSERT INTO chat_rooms(id, kind, name, grp, role) VALUES (?, 'channel', ?, ?, 'admin')",
                              (room_id, name, group))
            outbox.add(self.conn, outbox.CHAT_ROOM, room_id, f"{outbox.CHAT_ROOM}:{room_id}", json.dumps(payload))
        return room_id

    def rooms(self) -> list[Room]:
        """Return every room, by name, with its pending and failed message counts."""
        rows = self.conn.execute(
            "SELECT r.id, r.kind, r.name, r.role, r.last_seq, r.read_seq, r.unread, "
            "  (SELECT count(*) FROM chat_messages m WHERE m.room = r.id AND m.state = 'pending'), "
            "  (SELECT count(*) FROM chat_messages m WHERE m.room = r.id AND m.state = 'failed') "
            "FROM chat_rooms r ORDER BY r.name COLLATE NOCASE, r.id"
        ).fetchall()
        return [Room(*row) for row in rows]

    def room(self, room_id: str) -> Room:
        """Return one room. Raises NotFound."""
        for room in self.rooms():
            if room.id == room_id:
                return room
        raise NotFound(f"Salon introuvable : {room_id}.")

    def resolve(self, ref: str) -> str:
        """Return the id of the room whose id is `ref`, whose name is `ref` (case ignored), or
        whose id starts with `ref`. Raises NotFound, or InvalidInput when `ref` is ambiguous."""
        if not ref:
            raise NotFound("Salon introuvable : nom vide.")
        exact = self.conn.execute("SELECT id FROM chat_rooms WHERE id = ?", (ref,)).fetchone()
        if exact:
            return str(exact[0])
        for query, arg in (("SELECT id FROM chat_rooms WHERE name = ? COLLATE NOCASE LIMIT 2", ref),
                           ("SELECT id FROM chat_rooms WHERE id LIKE ? ESCAPE '\\' LIMIT 2", like_prefix(ref))):
            rows = self.conn.execute(query, (arg,)).fetchall()
            if len(rows) > 1:
                raise InvalidInput(f"« {ref} » désigne plusieurs salons : donnez l'identifiant (ou son début).")
            if rows:
                return str(rows[0][0])
        raise NotFound(f"Salon introuvable : {ref}.")

    def adopt_room(self, room: dict[str, Any]) -> None:
        """Record a room as the server lists it (kind, name, role, counters). Call in a transaction."""
        self.conn.execute(
            "INSERT INTO chat_rooms(id, kind, name, grp, role, last_seq, read_seq, unread) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, "
            "name = excluded.name, grp = excluded.grp, role = excluded.role, last_seq = excluded.last_seq, "
            "read_seq = excluded.read_seq, unread = excluded.unread",
            (room["id"], room.get("kind", "channel"), room.get("name") or "", room.get("group"),
             room.get("role") or "member", int(room.get("last_seq", 0)), int(room.get("read_seq", 0)),
             int(room.get("unread", 0))),
        )

    def forget_room(self, room_id: str) -> None:
        """Drop a room we no longer belong to, and its messages. Call in a transaction."""
        for (client_id,) in self.conn.execute("SELECT client_id FROM chat_messages WHERE room = ?", (room_id,)):
            search.mark_dirty(self.conn, SEARCH_KIND, client_id)
        self.conn.execute("DELETE FROM chat_rooms WHERE id = ?", (room_id,))

    def fetched_seq(self, room_id: str) -> int:
        row = self.conn.execute("SELECT fetched_seq FROM chat_rooms WHERE id = ?", (room_id,)).fetchone()
        return 0 if row is None else int(row[0])

    # -- messages -----------------------------------------------------------------------

    def send(self, room_id: str, text: str, author: str = "", reply_to: int | None = None) -> str:
        """Store a message as pending, with its outbox entry, in one transaction. Returns its
        client UUID. Raises NotFound (unknown room), InvalidInput (empty or too long text)."""
        if not text.strip():
            raise InvalidInput("Message vide.")
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"Message trop long : {len(text)} caractères, maximum {MAX_TEXT}.")
        if self.conn.execute("SELECT 1 FROM chat_rooms WHERE id = ?", (room_id,)).fetchone() is None:
            raise NotFound(f"Salon introuvable : {room_id}.")
        client_id = str(uuid.uuid4())
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO chat_messages(room, client_id, author, text, reply_to) VALUES (?, ?, ?, ?, ?)",
                (room_id, client_id, author, text, reply_to),
            )
            outbox.add(self.conn, outbox.CHAT_SEND, room_id, f"{outbox.CHAT_SEND}:{client_id}",
                       json.dumps({"client_id": client_id}))
            search.mark_dirty(self.conn, SEARCH_KIND, client_id)
        return client_id

    def get(self, client_id: str) -> Message | None:
        row = self.conn.execute(f"SELECT {_MSG_COLUMNS} FROM chat_messages WHERE client_id = ?",
                                (client_id,)).fetchone()
        return None if row is None else _message(row)

    def messages(self, room_id: str, limit: int | None = None) -> list[Message]:
        """Return a room's messages in order: acknowledged ones by seq, then pending and failed
        ones in the order they were written. `limit` keeps the newest."""
        rows = self.conn.execute(
            f"SELECT {_MSG_COLUMNS} FROM chat_messages WHERE room = ? ORDER BY seq IS NULL, seq, id",
            (room_id,),
        ).fetchall()
        messages = [_message(row) for row in rows]
        return messages[-limit:] if limit else messages

    def refused(self, client_id: str, reason: str) -> None:
        """The server refused our message: show it as failed, with the reason. Call in a transaction."""
        self.conn.execute("UPDATE chat_messages SET state = 'failed', last_error = ? WHERE client_id = ?",
                          (reason, client_id))

    def retry(self, client_id: str) -> None:
        """Queue a failed message again. Raises NotFound, InvalidInput if it is not failed."""
        message = self.get(client_id)
        if message is None:
            raise NotFound(f"Message introuvable : {client_id}.")
        if message.state != FAILED:
            raise InvalidInput("Seul un message refusé peut être renvoyé.")
        with transaction(self.conn):
            self.conn.execute("UPDATE chat_messages SET state = 'pending', last_error = NULL WHERE client_id = ?",
                              (client_id,))
            outbox.add(self.conn, outbox.CHAT_SEND, message.room, f"{outbox.CHAT_SEND}:{client_id}",
                       json.dumps({"client_id": client_id}))

    @staticmethod
    def _iso(value: Any) -> str | None:
        """The server's timestamps (seconds since the epoch) in the store's own form (ISO, UTC)."""
        if value is None or value == "":
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(float(value), UTC)
            return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        return str(value)

    def store_remote(self, m: dict[str, Any]) -> None:
        """Insert or update a message as the server has it (ours become sent). Call in a
        transaction."""
        self.conn.execute(
            "INSERT INTO chat_messages(room, seq, client_id, author, text, reply_to, reactions, state, created_at, "
            "edited_at, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?, ?) "
            "ON CONFLICT(client_id) DO UPDATE SET seq = excluded.seq, text = excluded.text, "
            "reactions = excluded.reactions, state = 'sent', last_error = NULL, created_at = excluded.created_at, "
            "edited_at = excluded.edited_at, deleted = excluded.deleted",
            (m["room"], int(m["seq"]), m["client_id"], m.get("author") or "", m.get("text") or "", m.get("reply_to"),
             json.dumps(m.get("reactions") or {}, ensure_ascii=False), self._iso(m.get("created_at")) or "",
             self._iso(m.get("edited_at")), 1 if m.get("deleted") else 0),
        )
        search.mark_dirty(self.conn, SEARCH_KIND, m["client_id"])

    def set_fetched(self, room_id: str, seq: int) -> None:
        """Every message of the room up to `seq` is here. Call in a transaction."""
        self.conn.execute("UPDATE chat_rooms SET fetched_seq = max(fetched_seq, ?) WHERE id = ?", (seq, room_id))

    def failed_messages(self) -> list[Message]:
        rows = self.conn.execute(f"SELECT {_MSG_COLUMNS} FROM chat_messages WHERE state = 'failed' ORDER BY id")
        return [_message(row) for row in rows]

    # -- search -------------------------------------------------------------------------

    def search_content(self, client_id: str) -> tuple[str, str] | None:
        """The (title, body) the search index holds for a message: its room's name and its text;
        None once it is gone or deleted."""
        row = self.conn.execute(
            "SELECT r.name, m.author, m.text, m.deleted FROM chat_messages m JOIN chat_rooms r ON r.id = m.room "
            "WHERE m.client_id = ?", (client_id,),
        ).fetchone()
        if row is None or row[3]:
            return None
        name, author, text, _ = row
        return f"{name} — {author}" if author else str(name), str(text)
