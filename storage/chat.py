"""Chat in the local store: the rooms this user belongs to, their messages and attached files.

A message written here is stored at once as pending, together with its files and its outbox
entry (one transaction), so it shows immediately, survives a restart and goes out with the next
sync. Its client UUID makes every replay harmless: the server answers with the seq it already
gave. A room created here gets a client-chosen id, and is created on the server by the next sync.

Edits, deletions, reactions and the read marker apply here at once and are queued in the outbox
(coalesced: one edit per message keeps the last text, one read entry per room the highest
marker). While one waits, a copy of the message from the server is shown with the local
changes applied on top of it; and a copy older than the one stored (its `rev`) is ignored, so
an event and a sync round that cross never move a message backwards.

Attached files live in the encrypted database (`chat_attachments`), never as files.

Every method belongs to the thread that owns `conn`.
"""

from __future__ import annotations

import json
import mimetypes
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import outbox, search
from .db import like_prefix, transaction
from .errors import InvalidInput, NotFound

SEARCH_KIND = "chat"
MAX_TEXT = 10_000
MAX_NAME = 100
MAX_EMOJI = 32
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
PENDING, SENT, FAILED = "pending", "sent", "failed"
_CHUNK = 500  # ids per `IN (…)` query


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
    muted: bool


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message. `downloaded`: its bytes are in the store (always, for ours)."""

    id: str
    name: str
    size: int
    type: str
    downloaded: bool


@dataclass(frozen=True)
class Message:
    """A message. `id` is the local row id (`messages(before=…)` pages with it); `rev` the
    server's change counter at the last change we have (0 until acknowledged)."""

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
    rev: int
    attachments: list[Attachment]
    id: int


_MSG_COLUMNS = ("room, seq, client_id, author, text, reply_to, reactions, state, last_error, created_at, "
                "edited_at, deleted, rev, attachments, id")


def human_size(size: int, trim: bool = False) -> str:
    """A size in French units: '812 octets', '4,2 Ko', '31,0 Mo' ('25 Mo' with `trim` when it is
    round)."""
    if size < 1024:
        return f"{size} octet{'s' if size > 1 else ''}"
    for unit, scale in (("Ko", 1024), ("Mo", 1024 ** 2), ("Go", 1024 ** 3)):
        if size < scale * 1024 or unit == "Go":
            if trim and size % scale == 0:
                return f"{size // scale} {unit}"
            return f"{size / scale:.1f} {unit}".replace(".", ",")
    raise AssertionError("unreachable")


def _now() -> str:
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _attachment_meta(value: Any) -> list[dict[str, Any]]:
    """The server's attachment list, checked and reduced to what is stored."""
    result = []
    for item in value or []:
        result.append({"id": str(item["id"]), "name": str(item.get("name") or ""),
                       "size": int(item.get("size") or 0),
                       "type": str(item.get("type") or "application/octet-stream")})
    return result


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


class ChatStore:
    """Rooms, messages and attached files of one profile."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def me(self) -> str:
        """The profile's user name on its server ('' for a local profile)."""
        row = self.conn.execute("SELECT username FROM accounts ORDER BY id LIMIT 1").fetchone()
        return "" if row is None else str(row[0])

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

    def create_direct(self, members: list[str], me: str) -> str:
        """Start a direct conversation with `members` now, offline if need be, and queue its
        creation on the server. Its name lists everyone in it, us included, so that each
        member's Parvis can show the others' names. Returns its id. Raises InvalidInput."""
        others = sorted({m.strip() for m in members if m.strip()} - {me})
        if not others:
            raise InvalidInput("Conversation directe : indiquez au moins une autre personne.")
        name = ", ".join(sorted({*others, me}))[:MAX_NAME]
        room_id = uuid.uuid4().hex
        payload = {"id": room_id, "kind": "direct", "name": name, "members": others}
        with transaction(self.conn):
            self.conn.execute("INSERT INTO chat_rooms(id, kind, name, role) VALUES (?, 'direct', ?, 'admin')",
                              (room_id, name))
            outbox.add(self.conn, outbox.CHAT_ROOM, room_id, f"{outbox.CHAT_ROOM}:{room_id}", json.dumps(payload))
        return room_id

    def rooms(self) -> list[Room]:
        """Return every room, by name, with its pending and failed message counts."""
        rows = self.conn.execute(
            "SELECT r.id, r.kind, r.name, r.role, r.last_seq, r.read_seq, r.unread, "
            "  (SELECT count(*) FROM chat_messages m WHERE m.room = r.id AND m.state = 'pending'), "
            "  (SELECT count(*) FROM chat_messages m WHERE m.room = r.id AND m.state = 'failed'), r.muted "
            "FROM chat_rooms r ORDER BY r.name COLLATE NOCASE, r.id"
        ).fetchall()
        return [Room(i, kind, name, role, last, read, unread, pending, failed, bool(muted))
                for i, kind, name, role, last, read, unread, pending, failed, muted in rows]

    def room(self, room_id: str) -> Room:
        """Return one room. Raises NotFound."""
        for room in self.rooms():
            if room.id == room_id:
                return room
        raise NotFound(f"Salon introuvable : {room_id}.")

    def has_room(self, room_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM chat_rooms WHERE id = ?", (room_id,)).fetchone() is not None

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
        """Record a room as the server lists it (kind, name, role, counters). The server's read
        marker and unread count are taken only if they do not move the local marker backwards
        (a marker moved here, not pushed yet, stays, and the unread count is the server's less
        what was read here since). Call in a transaction."""
        room_id = room["id"]
        server_read, server_unread = int(room.get("read_seq", 0)), int(room.get("unread", 0))
        read_seq, unread = server_read, server_unread
        row = self.conn.execute("SELECT read_seq FROM chat_rooms WHERE id = ?", (room_id,)).fetchone()
        if row is not None and int(row[0]) > server_read:
            read_seq = int(row[0])
            unread = max(0, server_unread - self._unread_between(room_id, server_read, read_seq))
        self.conn.execute(
            "INSERT INTO chat_rooms(id, kind, name, grp, role, last_seq, read_seq, unread) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, "
            "name = excluded.name, grp = excluded.grp, role = excluded.role, "
            "last_seq = max(last_seq, excluded.last_seq), read_seq = excluded.read_seq, unread = excluded.unread",
            (room_id, room.get("kind", "channel"), room.get("name") or "", room.get("group"),
             room.get("role") or "member", int(room.get("last_seq", 0)), read_seq, unread),
        )
        self.set_members(room_id, room.get("members"))

    def set_members(self, room_id: str, members: Any) -> None:
        """Record a room's members from the server's JSON (`[{"username", ...}, ...]`);
        anything else is ignored. Call in a transaction."""
        if not isinstance(members, list):
            return
        names = sorted({str(m["username"]) for m in members if isinstance(m, dict) and m.get("username")})
        self.conn.execute("UPDATE chat_rooms SET members = ? WHERE id = ?", (json.dumps(names), room_id))

    def members(self, room_id: str) -> list[str] | None:
        """A room's members' user names, or None while the server has not said."""
        row = self.conn.execute("SELECT members FROM chat_rooms WHERE id = ?", (room_id,)).fetchone()
        return None if row is None or row[0] is None else [str(n) for n in json.loads(row[0])]

    def mentionable(self, room_id: str) -> list[str]:
        """The names @-completion offers in a room, sorted: its members as the server last said,
        everyone who wrote in it, and for a direct conversation the people its name lists."""
        names = set(self.members(room_id) or [])
        names.update(str(r[0]) for r in self.conn.execute(
            "SELECT DISTINCT author FROM chat_messages WHERE room = ? AND author != ''", (room_id,)))
        row = self.conn.execute("SELECT kind, name FROM chat_rooms WHERE id = ?", (room_id,)).fetchone()
        if row is not None and row[0] == "direct":
            names.update(n for n in str(row[1]).split(", ") if n)
        return sorted(names)

    def forget_room(self, room_id: str) -> None:
        """Drop a room we no longer belong to, its messages and files. Call in a transaction."""
        for (client_id,) in self.conn.execute("SELECT client_id FROM chat_messages WHERE room = ?", (room_id,)):
            search.mark_dirty(self.conn, SEARCH_KIND, client_id)
        self.conn.execute("DELETE FROM chat_rooms WHERE id = ?", (room_id,))

    def set_muted(self, room_id: str, muted: bool) -> None:
        """Mute a room's notifications, or not (a local preference). Raises NotFound."""
        with transaction(self.conn):
            cur = self.conn.execute("UPDATE chat_rooms SET muted = ? WHERE id = ?", (1 if muted else 0, room_id))
        if cur.rowcount == 0:
            raise NotFound(f"Salon introuvable : {room_id}.")

    def rev_fetched(self, room_id: str) -> int:
        """The server rev up to which every change of the room is here."""
        row = self.conn.execute("SELECT rev_fetched FROM chat_rooms WHERE id = ?", (room_id,)).fetchone()
        return 0 if row is None else int(row[0])

    def set_rev_fetched(self, room_id: str, rev: int) -> None:
        """Every change of the room up to `rev` is here. Call in a transaction."""
        self.conn.execute("UPDATE chat_rooms SET rev_fetched = max(rev_fetched, ?) WHERE id = ?", (rev, room_id))

    def fetched_seq(self, room_id: str) -> int:
        """Obsolete (sync pages by rev now); kept for older callers."""
        row = self.conn.execute("SELECT fetched_seq FROM chat_rooms WHERE id = ?", (room_id,)).fetchone()
        return 0 if row is None else int(row[0])

    def set_fetched(self, room_id: str, seq: int) -> None:
        """Obsolete (sync pages by rev now); kept for older callers. Call in a transaction."""
        self.conn.execute("UPDATE chat_rooms SET fetched_seq = max(fetched_seq, ?) WHERE id = ?", (seq, room_id))

    # -- read markers -------------------------------------------------------------------

    def _unread_between(self, room_id: str, low: int, high: int) -> int:
        """Others' messages (not deleted) with low < seq <= high: what reading up to `high` reads."""
        if high <= low:
            return 0
        row = self.conn.execute(
            "SELECT count(*) FROM chat_messages WHERE room = ? AND seq > ? AND seq <= ? AND deleted = 0 "
            "AND author <> ?", (room_id, low, high, self.me()),
        ).fetchone()
        return int(row[0])

    def _advance_read(self, room_id: str, seq: int) -> int:
        """Move the local read marker to `seq` if that is further on, and the unread count with
        it; return the marker. Call in a transaction."""
        row = self.conn.execute("SELECT read_seq, unread, last_seq FROM chat_rooms WHERE id = ?",
                                (room_id,)).fetchone()
        if row is None:
            return 0
        read_seq, unread, last_seq = (int(v) for v in row)
        if seq <= read_seq:
            return read_seq
        unread = 0 if seq >= last_seq else max(0, unread - self._unread_between(room_id, read_seq, seq))
        self.conn.execute("UPDATE chat_rooms SET read_seq = ?, unread = ? WHERE id = ?", (seq, unread, room_id))
        return seq

    def mark_read(self, room_id: str, seq: int) -> None:
        """The user has read the room up to message `seq`: move the local marker (never
        backwards; capped at the last message known) and queue it for the server, which passes it
        on to the user's other devices. Raises NotFound."""
        row = self.conn.execute(
            "SELECT read_seq, max(last_seq, coalesce((SELECT max(seq) FROM chat_messages WHERE room = ?), 0)), "
            "unread FROM chat_rooms WHERE id = ?", (room_id, room_id),
        ).fetchone()
        if row is None:
            raise NotFound(f"Salon introuvable : {room_id}.")
        read_seq, top, unread = (int(v) for v in row)
        target = min(int(seq), top)
        if target <= read_seq:
            if unread and read_seq >= top:  # nothing after the marker: a stale count
                with transaction(self.conn):
                    self.conn.execute("UPDATE chat_rooms SET unread = 0 WHERE id = ?", (room_id,))
            return
        key = f"{outbox.CHAT_READ}:{room_id}"
        with transaction(self.conn):
            self._advance_read(room_id, target)
            queued = outbox.get(self.conn, key)
            if queued is not None:
                target = max(target, int(json.loads(queued.payload or "{}").get("seq", 0)))
            outbox.put(self.conn, outbox.CHAT_READ, room_id, key, json.dumps({"seq": target}))

    def adopt_read(self, room_id: str, seq: int) -> None:
        """The server says the user read the room up to `seq` (on this device or another): move
        the local marker if that is further on. Call in a transaction."""
        self._advance_read(room_id, int(seq))

    # -- writing ------------------------------------------------------------------------

    @staticmethod
    def _read_files(paths: Sequence[Path | str], max_bytes: int) -> list[tuple[str, str, str, bytes]]:
        """Read the files to attach: (id, name, type, bytes) each. Raises InvalidInput naming the
        file that is missing, not a file, unreadable or too big."""
        if len(paths) > MAX_ATTACHMENTS:
            raise InvalidInput(f"Trop de pièces jointes : {len(paths)}, maximum {MAX_ATTACHMENTS} par message.")
        files = []
        for given in paths:
            path = Path(given)
            name = path.name
            try:
                if not path.is_file():
                    if path.exists():
                        raise InvalidInput(f"« {name} » n'est pas un fichier : impossible de le joindre.")
                    raise InvalidInput(f"Pièce jointe introuvable : « {name} » ({path}).")
                size = path.stat().st_size
                if size > max_bytes:
                    raise InvalidInput(f"« {name} » est trop gros : {human_size(size)}, "
                                       f"maximum {human_size(max_bytes, trim=True)}.")
                data = path.read_bytes()
            except OSError as exc:
                raise InvalidInput(f"Lecture de « {name} » impossible : {exc.strerror or exc}.") from exc
            if len(data) > max_bytes:  # it grew since
                raise InvalidInput(f"« {name} » est trop gros : {human_size(len(data))}, "
                                   f"maximum {human_size(max_bytes, trim=True)}.")
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            files.append((uuid.uuid4().hex, name, kind, data))
        return files

    def send(self, room_id: str, text: str, author: str = "", reply_to: int | None = None,
             attachments: Sequence[Path] = (), max_attachment_bytes: int = MAX_ATTACHMENT_BYTES) -> str:
        """Store a message as pending, with its files and its outbox entry, in one transaction.
        The text may be empty when files are attached. Returns its client UUID. Raises NotFound
        (unknown room), InvalidInput (empty or too long text; a file missing, unreadable or over
        `max_attachment_bytes`, named in the message; too many files)."""
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"Message trop long : {len(text)} caractères, maximum {MAX_TEXT}.")
        if not self.has_room(room_id):
            raise NotFound(f"Salon introuvable : {room_id}.")
        files = self._read_files(list(attachments), max_attachment_bytes)
        if not text.strip():
            if not files:
                raise InvalidInput("Message vide.")
            text = ""
        client_id = str(uuid.uuid4())
        meta = [{"id": att_id, "name": name, "size": len(data), "type": kind} for att_id, name, kind, data in files]
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO chat_messages(room, client_id, author, text, reply_to, attachments) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (room_id, client_id, author, text, reply_to, json.dumps(meta, ensure_ascii=False)),
            )
            for position, (att_id, name, kind, data) in enumerate(files):
                self.conn.execute(
                    "INSERT INTO chat_attachments(id, room, client_id, position, name, type, size, data) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (att_id, room_id, client_id, position, name, kind, len(data), data),
                )
            outbox.add(self.conn, outbox.CHAT_SEND, room_id, f"{outbox.CHAT_SEND}:{client_id}",
                       json.dumps({"client_id": client_id}))
            search.mark_dirty(self.conn, SEARCH_KIND, client_id)
        return client_id

    def _own(self, client_id: str, verb: str) -> Message:
        """The message, if the user may change it. Raises NotFound, InvalidInput."""
        message = self.get(client_id)
        if message is None:
            raise NotFound(f"Message introuvable : {client_id}.")
        if message.state == SENT and message.author != self.me():
            raise InvalidInput(f"Seuls vos propres messages peuvent être {verb}.")
        return message

    def edit(self, client_id: str, text: str) -> None:
        """Change the text of one of our messages, here at once, and queue the edit (one per
        message: the last text goes). A message not acknowledged yet just goes out with the new
        text. Raises NotFound, InvalidInput (not ours, deleted, empty or too long text)."""
        message = self._own(client_id, "modifiés")
        if message.deleted:
            raise InvalidInput("Ce message a été supprimé : il ne se modifie plus.")
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"Message trop long : {len(text)} caractères, maximum {MAX_TEXT}.")
        if not text.strip():
            if message.seq is not None or not message.attachments:
                raise InvalidInput("Message vide : pour l'effacer, supprimez-le.")
            text = ""
        if text == message.text:
            return
        with transaction(self.conn):
            if message.seq is None:
                self.conn.execute("UPDATE chat_messages SET text = ? WHERE client_id = ?", (text, client_id))
            else:
                self.conn.execute("UPDATE chat_messages SET text = ?, edited_at = ?, local_changes = 1 "
                                  "WHERE client_id = ?", (text, _now(), client_id))
                outbox.put(self.conn, outbox.CHAT_EDIT, message.room, f"{outbox.CHAT_EDIT}:{client_id}",
                           json.dumps({"client_id": client_id, "text": text}, ensure_ascii=False))
            search.mark_dirty(self.conn, SEARCH_KIND, client_id)

    def _drop_queued(self, client_id: str, kinds: Sequence[str]) -> None:
        for kind in kinds:
            if kind == outbox.CHAT_REACT:
                for entry in outbox.with_prefix(self.conn, f"{kind}:{client_id}:"):
                    outbox.remove(self.conn, entry)
            else:
                self.conn.execute("DELETE FROM outbox WHERE idem_key = ?", (f"{kind}:{client_id}",))

    def delete(self, client_id: str) -> None:
        """Delete one of our messages for everyone: here at once (a tombstone, its files gone),
        and queued. A message not acknowledged yet is simply removed, with its outbox entry;
        unless a sync may have delivered it already (its send was attempted): then it stays as a
        tombstone, to be deleted on the server once acknowledged. Raises NotFound, InvalidInput
        (not ours)."""
        message = self._own(client_id, "supprimés")
        if message.deleted:
            return
        sending = outbox.get(self.conn, f"{outbox.CHAT_SEND}:{client_id}")
        with transaction(self.conn):
            if message.seq is None and (sending is None or not sending.attempts):
                self._drop_queued(client_id, (outbox.CHAT_SEND, outbox.CHAT_EDIT, outbox.CHAT_REACT))
                self.conn.execute("DELETE FROM chat_messages WHERE client_id = ?", (client_id,))
            else:
                self._tombstone(message.room, client_id)
            search.mark_dirty(self.conn, SEARCH_KIND, client_id)

    def _tombstone(self, room_id: str, client_id: str) -> None:
        """Show a message as deleted, drop its queued edit and reactions, queue its deletion.
        Call in a transaction."""
        self._drop_queued(client_id, (outbox.CHAT_EDIT, outbox.CHAT_REACT))
        self.conn.execute(
            "UPDATE chat_messages SET text = '', deleted = 1, reactions = '{}', attachments = '[]', "
            "edited_at = coalesce(edited_at, ?), local_changes = 1 WHERE client_id = ?", (_now(), client_id))
        self.conn.execute("DELETE FROM chat_attachments WHERE client_id = ?", (client_id,))
        outbox.add(self.conn, outbox.CHAT_DELETE, room_id, f"{outbox.CHAT_DELETE}:{client_id}",
                   json.dumps({"client_id": client_id}))

    def react(self, client_id: str, emoji: str, on: bool, user: str) -> None:
        """Add (`on`) or remove `user`'s reaction `emoji`, here at once, and queue it (one entry
        per message and emoji: the last wish goes). Raises NotFound, InvalidInput (deleted
        message, not an emoji)."""
        if not emoji or len(emoji) > MAX_EMOJI or any(ch.isspace() for ch in emoji):
            raise InvalidInput("Réaction invalide : un emoji est attendu.")
        message = self.get(client_id)
        if message is None:
            raise NotFound(f"Message introuvable : {client_id}.")
        if message.deleted:
            raise InvalidInput("Ce message a été supprimé.")
        reactions = {k: list(v) for k, v in message.reactions.items()}
        _apply_reaction(reactions, emoji, user, on)
        with transaction(self.conn):
            self.conn.execute("UPDATE chat_messages SET reactions = ?, local_changes = 1 WHERE client_id = ?",
                              (json.dumps(reactions, ensure_ascii=False), client_id))
            outbox.put(self.conn, outbox.CHAT_REACT, message.room, f"{outbox.CHAT_REACT}:{client_id}:{emoji}",
                       json.dumps({"client_id": client_id, "emoji": emoji, "on": bool(on), "user": user},
                                  ensure_ascii=False))

    def refused(self, client_id: str, reason: str) -> None:
        """The server refused our message: show it as failed, with the reason; one deleted here
        meanwhile just goes. Call in a transaction."""
        row = self.conn.execute("SELECT deleted FROM chat_messages WHERE client_id = ?", (client_id,)).fetchone()
        if row is not None and row[0]:
            self._drop_queued(client_id, (outbox.CHAT_DELETE,))
            self.conn.execute("DELETE FROM chat_messages WHERE client_id = ?", (client_id,))
            return
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

    # -- reading ------------------------------------------------------------------------

    def _messages(self, rows: list[Any]) -> list[Message]:
        metas = [json.loads(row[13] or "[]") for row in rows]
        ids = [str(a["id"]) for meta in metas for a in meta]
        downloaded: set[str] = set()
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            downloaded.update(r[0] for r in self.conn.execute(
                f"SELECT id FROM chat_attachments WHERE id IN ({marks}) AND typeof(data) = 'blob'", tuple(chunk)))
        result = []
        for row, meta in zip(rows, metas, strict=True):
            room, seq, client_id, author, text, reply_to, reactions, state, error, created, edited = row[:11]
            attachments = [Attachment(str(a["id"]), str(a["name"]), int(a["size"]), str(a["type"]),
                                      str(a["id"]) in downloaded) for a in meta]
            result.append(Message(room, seq, client_id, author, text, reply_to, json.loads(reactions or "{}"), state,
                                  error, created, edited, bool(row[11]), int(row[12]), attachments, int(row[14])))
        return result

    def get(self, client_id: str) -> Message | None:
        row = self.conn.execute(f"SELECT {_MSG_COLUMNS} FROM chat_messages WHERE client_id = ?",
                                (client_id,)).fetchone()
        return None if row is None else self._messages([row])[0]

    def messages(self, room_id: str, limit: int | None = None, before: int | None = None) -> list[Message]:
        """Return a room's messages in the order shown: acknowledged ones by seq, then pending
        and failed ones in the order they were written. `limit` keeps the newest (each page is
        one indexed query, whatever the room's size). `before` is a message's local `id`
        (`Message.id`): only the messages shown before it, for paging back through history."""
        select = f"SELECT {_MSG_COLUMNS} FROM chat_messages WHERE room = ?"
        params: list[Any]
        seq_below: int | None = None
        id_below: int | None = None
        with_pending = True
        if before is not None:
            row = self.conn.execute("SELECT seq FROM chat_messages WHERE id = ? AND room = ?",
                                    (before, room_id)).fetchone()
            if row is None:
                raise NotFound(f"Message introuvable dans ce salon : {before}.")
            if row[0] is not None:
                seq_below, with_pending = int(row[0]), False
            else:
                id_below = before
        pending: list[Any] = []
        if with_pending:
            sql, params = f"{select} AND seq IS NULL", [room_id]
            if id_below is not None:
                sql += " AND id < ?"
                params.append(id_below)
            if limit:
                sql += " ORDER BY id DESC LIMIT ?"
                pending = self.conn.execute(sql, (*params, limit)).fetchall()[::-1]
            else:
                pending = self.conn.execute(sql + " ORDER BY id", params).fetchall()
        if limit and len(pending) >= limit:
            return self._messages(pending[-limit:])
        sql, params = f"{select} AND seq IS NOT NULL", [room_id]
        if seq_below is not None:
            sql += " AND seq < ?"
            params.append(seq_below)
        if limit:
            acked = self.conn.execute(sql + " ORDER BY seq DESC LIMIT ?", (*params, limit - len(pending))).fetchall()
            acked.reverse()
        else:
            acked = self.conn.execute(sql + " ORDER BY seq", params).fetchall()
        return self._messages(acked + pending)

    def failed_messages(self) -> list[Message]:
        rows = self.conn.execute(f"SELECT {_MSG_COLUMNS} FROM chat_messages WHERE state = 'failed' ORDER BY id")
        return self._messages(rows.fetchall())

    # -- attachments --------------------------------------------------------------------

    def attachment(self, att_id: str) -> Attachment | None:
        row = self.conn.execute("SELECT id, name, size, type, typeof(data) = 'blob' FROM chat_attachments "
                                "WHERE id = ?", (att_id,)).fetchone()
        return None if row is None else Attachment(row[0], row[1], int(row[2]), row[3], bool(row[4]))

    def attachment_room(self, att_id: str) -> str | None:
        """The room of an attachment (what `sync.chat.fetch_attachment` needs), or None."""
        row = self.conn.execute("SELECT room FROM chat_attachments WHERE id = ?", (att_id,)).fetchone()
        return None if row is None else str(row[0])

    def attachment_data(self, att_id: str) -> bytes | None:
        """The bytes of an attached file, or None while not downloaded (or unknown)."""
        row = self.conn.execute("SELECT data FROM chat_attachments WHERE id = ?", (att_id,)).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    def store_attachment_data(self, att_id: str, data: bytes) -> bool:
        """Keep a downloaded file's bytes; False if the attachment is gone meanwhile (its message
        was deleted). Call in a transaction."""
        cur = self.conn.execute("UPDATE chat_attachments SET data = ? WHERE id = ?", (data, att_id))
        return bool(cur.rowcount)

    def uploads(self, client_id: str) -> list[tuple[str, str, str]]:
        """(id, name, type) of a message's files not uploaded yet, in order."""
        rows = self.conn.execute("SELECT id, name, type FROM chat_attachments WHERE client_id = ? AND uploaded = 0 "
                                 "ORDER BY position", (client_id,)).fetchall()
        return [(str(a), str(b), str(c)) for a, b, c in rows]

    def uploaded(self, att_id: str) -> None:
        """The server has this file. Call in a transaction."""
        self.conn.execute("UPDATE chat_attachments SET uploaded = 1 WHERE id = ?", (att_id,))

    def to_download(self, client_ids: Sequence[str], max_size: int) -> list[tuple[str, str]]:
        """(room, id) of the files of these messages that are not here yet and at most
        `max_size` bytes."""
        found: list[tuple[str, str]] = []
        for chunk in _chunks(list(client_ids)):
            marks = ",".join("?" * len(chunk))
            found += [(str(r), str(i)) for r, i in self.conn.execute(
                f"SELECT room, id FROM chat_attachments WHERE client_id IN ({marks}) AND data IS NULL AND size <= ? "
                "ORDER BY client_id, position", (*chunk, max_size))]
        return found

    # -- from the server ----------------------------------------------------------------

    @staticmethod
    def _iso(value: Any) -> str | None:
        """The server's timestamps (seconds since the epoch) in the store's own form (ISO, UTC)."""
        if value is None or value == "":
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(float(value), UTC)
            return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        return str(value)

    def known(self, client_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM chat_messages WHERE client_id = ?",
                                 (client_id,)).fetchone() is not None

    def _local_ops(self, client_id: str) -> list[outbox.Entry]:
        """The edit, deletion and reactions of a message still waiting in the outbox."""
        keys = (f"{outbox.CHAT_EDIT}:{client_id}", f"{outbox.CHAT_DELETE}:{client_id}")
        entries = [e for e in (outbox.get(self.conn, k) for k in keys) if e is not None]
        return entries + outbox.with_prefix(self.conn, f"{outbox.CHAT_REACT}:{client_id}:")

    def store_remote(self, m: dict[str, Any]) -> bool:
        """Insert or update a message as the server has it (ours become sent), with its files'
        metadata (not their bytes), unless the stored copy is newer (a higher `rev`). Edits,
        deletions and reactions made here and not acknowledged yet stay applied on top; so does
        a text changed here while the message was on its way (its edit is queued then). Returns
        whether anything new came in (a new message or a higher rev). Call in a transaction."""
        client_id, room_id = str(m["client_id"]), str(m["room"])
        rev = int(m.get("rev") or 0)
        row = self.conn.execute("SELECT rev, local_changes, attachments, edited_at, state, text, deleted "
                                "FROM chat_messages WHERE client_id = ?", (client_id,)).fetchone()
        if row is not None and rev < int(row[0]):
            return False
        text, deleted = str(m.get("text") or ""), bool(m.get("deleted"))
        reactions = {str(k): [str(u) for u in v] for k, v in (m.get("reactions") or {}).items()}
        edited_at = self._iso(m.get("edited_at"))
        meta = [] if deleted else _attachment_meta(m.get("attachments"))
        local = 0
        if row is not None:
            old_rev, flagged, _, local_edited_at, state, local_text, local_deleted = row
            if state != SENT and not local_deleted and not deleted and local_text != text:
                # Ours, edited here while it was on its way: the server has an older text.
                outbox.put(self.conn, outbox.CHAT_EDIT, room_id, f"{outbox.CHAT_EDIT}:{client_id}",
                           json.dumps({"client_id": client_id, "text": local_text}, ensure_ascii=False))
                flagged, local_edited_at = 1, local_edited_at or _now()
            if flagged:
                ops = self._local_ops(client_id)
                local = 1 if ops else 0
                for entry in ops:
                    payload = json.loads(entry.payload or "{}")
                    if entry.kind == outbox.CHAT_DELETE:
                        text, deleted, reactions, meta = "", True, {}, []
                    elif deleted:
                        continue
                    elif entry.kind == outbox.CHAT_EDIT:
                        text, edited_at = str(payload.get("text", text)), local_edited_at or edited_at
                    else:
                        _apply_reaction(reactions, str(payload["emoji"]), str(payload.get("user", "")),
                                        bool(payload.get("on")))
        self.conn.execute(
            "INSERT INTO chat_messages(room, seq, client_id, author, text, reply_to, reactions, state, created_at, "
            "edited_at, deleted, rev, attachments, local_changes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(client_id) DO UPDATE SET seq = excluded.seq, text = excluded.text, "
            "reactions = excluded.reactions, state = 'sent', last_error = NULL, created_at = excluded.created_at, "
            "edited_at = excluded.edited_at, deleted = excluded.deleted, rev = excluded.rev, "
            "attachments = excluded.attachments, local_changes = excluded.local_changes",
            (room_id, int(m["seq"]), client_id, m.get("author") or "", text, m.get("reply_to"),
             json.dumps(reactions, ensure_ascii=False), self._iso(m.get("created_at")) or "", edited_at,
             1 if deleted else 0, rev, json.dumps(meta, ensure_ascii=False), local),
        )
        if meta or (row is not None and row[2] not in ("[]", "", None)):
            self._store_attachment_meta(room_id, client_id, meta)
        self.conn.execute("UPDATE chat_rooms SET last_seq = max(last_seq, ?) WHERE id = ?", (int(m["seq"]), room_id))
        search.mark_dirty(self.conn, SEARCH_KIND, client_id)
        return row is None or rev > int(row[0])

    def _store_attachment_meta(self, room_id: str, client_id: str, meta: list[dict[str, Any]]) -> None:
        ids = [a["id"] for a in meta]
        marks = ",".join("?" * len(ids))
        self.conn.execute(f"DELETE FROM chat_attachments WHERE client_id = ? AND id NOT IN ({marks})",
                          (client_id, *ids))
        for position, a in enumerate(meta):
            self.conn.execute(
                "INSERT INTO chat_attachments(id, room, client_id, position, name, type, size, uploaded) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT(id) DO UPDATE SET position = excluded.position, "
                "name = excluded.name, type = excluded.type, size = excluded.size, uploaded = 1 "
                "WHERE client_id = excluded.client_id",
                (a["id"], room_id, client_id, position, a["name"], a["type"], a["size"]),
            )

    def settle(self, client_id: str) -> None:
        """Clear a message's local-changes flag once nothing of it waits in the outbox. Call in a
        transaction."""
        if not self._local_ops(client_id):
            self.conn.execute("UPDATE chat_messages SET local_changes = 0 WHERE client_id = ?", (client_id,))

    def acknowledged(self, stored: dict[str, Any]) -> None:
        """The server stored our message as `stored` (its answer to a send). What the user did
        to it while it was on its way stays (see `store_remote`); if it was deleted here
        meanwhile, its deletion is queued. Call in a transaction."""
        client_id, room_id = str(stored["client_id"]), str(stored["room"])
        if self.known(client_id):
            self.store_remote(stored)
        elif self.has_room(room_id):  # removed here while on its way
            self.store_remote(stored)
            self._tombstone(room_id, client_id)

    def count_new(self, m: dict[str, Any]) -> None:
        """A message just arrived live: count it as unread if it is someone else's, after the
        read marker. Call in a transaction, after `store_remote`."""
        if m.get("deleted") or str(m.get("author") or "") == self.me():
            return
        self.conn.execute("UPDATE chat_rooms SET unread = unread + 1 WHERE id = ? AND read_seq < ?",
                          (m["room"], int(m["seq"])))

    # -- search -------------------------------------------------------------------------

    def search_content(self, client_id: str) -> tuple[str, str] | None:
        """The (title, body) the search index holds for a message: its room's name and author,
        its text and the names of its files; None once it is gone or deleted."""
        row = self.conn.execute(
            "SELECT r.name, m.author, m.text, m.deleted, m.attachments FROM chat_messages m "
            "JOIN chat_rooms r ON r.id = m.room WHERE m.client_id = ?", (client_id,),
        ).fetchone()
        if row is None or row[3]:
            return None
        name, author, text, _, attachments = row
        names = [str(a.get("name", "")) for a in json.loads(attachments or "[]")]
        body = "\n".join([str(text), *names]) if names else str(text)
        return f"{name} — {author}" if author else str(name), body


def _apply_reaction(reactions: dict[str, list[str]], emoji: str, user: str, on: bool) -> None:
    users = reactions.setdefault(emoji, [])
    if on and user not in users:
        users.append(user)
        users.sort()
    elif not on and user in users:
        users.remove(user)
    if not users:
        del reactions[emoji]
