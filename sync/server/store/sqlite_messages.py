"""Chat messages and attachments on SQLite: the part of `SqliteStore` that implements the
message, change-list and attachment methods of the `Store` contract. Same rules as
`sqlite_chat.py`: public methods on the loop thread; the `op`/`fn` closures run on the writer
thread or a reader thread.

Every change to a message takes the next value of its room's `rev` in the same write
(`_bump`), so a reader sees a message's new content and its new rev together, or neither.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from ..errors import AttachmentUnusable, ClientIdConflict, MessageRefused, UnknownChatRoom, UnknownMessage
from .base import ChatAttachment, ChatMessage, NewMessage
from .sqlite_chat import _require_room, _room

T = TypeVar("T")

_MESSAGE_COLUMNS = "room_id, seq, client_id, author, text, reply_to, created_at, edited_at, deleted, rev"
_ATTACHMENT_COLUMNS = "id, room_id, uploader, name, content_type, size, sha256, created_at, seq"
# SQLite's default cap on bound parameters is 999 before 3.32: stay well under it.
_MAX_PARAMS = 400


class SqliteMessagesMixin:
    """Chat messages and attachments for `SqliteStore`, which provides `_read` and `_write`."""

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        raise NotImplementedError

    # -- messages ---------------------------------------------------------------------------------

    async def post_messages(
        self, room_id: str, author: str, messages: Sequence[NewMessage]
    ) -> list[tuple[ChatMessage, bool]]:
        """See `Store.post_messages`. One writer operation: the writer runs it in a savepoint, so
        a refused message rolls back the ones before it."""
        items = list(messages)

        def op(c: sqlite3.Connection) -> list[tuple[ChatMessage, bool]]:
            _require_room(c, room_id)
            results = []
            for index, item in enumerate(items):
                try:
                    results.append(_post_one(c, room_id, author, item))
                except (UnknownMessage, ClientIdConflict, AttachmentUnusable) as exc:
                    raise MessageRefused(index, exc) from exc
            return results

        return await self._write(op)

    async def get_message(self, room_id: str, seq: int) -> ChatMessage:
        """See `Store.get_message`."""
        return await self._read(lambda c: _require_message(c, room_id, seq))

    async def edit_message(self, room_id: str, seq: int, text: str) -> ChatMessage:
        """See `Store.edit_message`."""

        def op(c: sqlite3.Connection) -> ChatMessage:
            if _require_message(c, room_id, seq).deleted:
                raise UnknownMessage(f"message inconnu : {seq}")
            c.execute(
                "UPDATE chat_messages SET text = ?, edited_at = ?, rev = ? WHERE room_id = ? AND seq = ?",
                (text, time.time(), _bump(c, room_id), room_id, seq),
            )
            return _require_message(c, room_id, seq)

        return await self._write(op)

    async def delete_message(self, room_id: str, seq: int) -> ChatMessage:
        """See `Store.delete_message`."""

        def op(c: sqlite3.Connection) -> ChatMessage:
            if _require_message(c, room_id, seq).deleted:
                return _require_message(c, room_id, seq)
            c.execute(
                "UPDATE chat_messages SET text = '', deleted = 1, edited_at = coalesce(edited_at, ?), rev = ? "
                "WHERE room_id = ? AND seq = ?",
                (time.time(), _bump(c, room_id), room_id, seq),
            )
            c.execute("DELETE FROM chat_reactions WHERE room_id = ? AND seq = ?", (room_id, seq))
            c.execute("DELETE FROM chat_attachments WHERE room_id = ? AND seq = ?", (room_id, seq))
            return _require_message(c, room_id, seq)

        return await self._write(op)

    async def set_reaction(self, room_id: str, seq: int, username: str, emoji: str, present: bool) -> ChatMessage:
        """See `Store.set_reaction`."""

        def op(c: sqlite3.Connection) -> ChatMessage:
            if _require_message(c, room_id, seq).deleted:
                raise UnknownMessage(f"message inconnu : {seq}")
            if present:
                cur = c.execute(
                    "INSERT OR IGNORE INTO chat_reactions(room_id, seq, username, emoji) VALUES (?, ?, ?, ?)",
                    (room_id, seq, username, emoji),
                )
            else:
                cur = c.execute(
                    "DELETE FROM chat_reactions WHERE room_id = ? AND seq = ? AND username = ? AND emoji = ?",
                    (room_id, seq, username, emoji),
                )
            if cur.rowcount > 0:  # a no-op is not a change: clients have nothing to fetch again
                c.execute(
                    "UPDATE chat_messages SET rev = ? WHERE room_id = ? AND seq = ?", (_bump(c, room_id), room_id, seq)
                )
            return _require_message(c, room_id, seq)

        return await self._write(op)

    async def list_messages(
        self, room_id: str, *, after: int | None = None, before: int | None = None, limit: int = 50
    ) -> list[ChatMessage]:
        """See `Store.list_messages`."""
        base = f"SELECT {_MESSAGE_COLUMNS} FROM chat_messages WHERE room_id = ?"
        sql: str
        params: tuple[object, ...]
        if after is not None:
            sql, params = f"{base} AND seq > ? ORDER BY seq LIMIT ?", (room_id, after, limit)
        elif before is not None:
            sql, params = f"{base} AND seq < ? ORDER BY seq DESC LIMIT ?", (room_id, before, limit)
        else:
            sql, params = f"{base} ORDER BY seq DESC LIMIT ?", (room_id, limit)
        return sorted(await self._messages(room_id, sql, params), key=lambda m: m.seq)

    async def list_changes(self, room_id: str, after_rev: int, limit: int = 50) -> list[ChatMessage]:
        """See `Store.list_changes`. Served by the (room_id, rev) index."""
        sql = f"SELECT {_MESSAGE_COLUMNS} FROM chat_messages WHERE room_id = ? AND rev > ? ORDER BY rev LIMIT ?"
        return await self._messages(room_id, sql, (room_id, after_rev, limit))

    async def _messages(self, room_id: str, sql: str, params: tuple[object, ...]) -> list[ChatMessage]:
        """Run a message query in one read snapshot (messages with their reactions and
        attachments as of the same instant). Raises UnknownChatRoom."""

        def fn(c: sqlite3.Connection) -> list[ChatMessage] | None:
            c.execute("BEGIN")
            try:
                if _room(c, room_id) is None:
                    return None
                return [_message(c, r) for r in c.execute(sql, params).fetchall()]
            finally:
                c.execute("COMMIT")

        messages = await self._read(fn)
        if messages is None:
            raise UnknownChatRoom(f"salon inconnu : {room_id}")
        return messages

    async def mark_read(self, room_id: str, username: str, seq: int) -> int:
        """See `Store.mark_read`."""

        def op(c: sqlite3.Connection) -> int:
            head = c.execute("SELECT last_seq FROM chat_rooms WHERE id = ?", (room_id,)).fetchone()
            if head is None:
                raise UnknownChatRoom(f"salon inconnu : {room_id}")
            target = max(0, min(seq, head[0]))
            c.execute(
                "INSERT INTO chat_reads(room_id, username, seq) VALUES (?, ?, ?) "
                "ON CONFLICT(room_id, username) DO UPDATE SET seq = max(seq, excluded.seq)",
                (room_id, username, target),
            )
            row = c.execute("SELECT seq FROM chat_reads WHERE room_id = ? AND username = ?", (room_id, username))
            return int(row.fetchone()[0])

        return await self._write(op)

    # -- attachments ------------------------------------------------------------------------------

    async def add_attachment(self, attachment: ChatAttachment) -> tuple[ChatAttachment, bool]:
        """See `Store.add_attachment`."""
        a = attachment

        def op(c: sqlite3.Connection) -> tuple[ChatAttachment, bool]:
            existing = _attachment(c, a.id)
            if existing is not None:
                return existing, False
            _require_room(c, a.room_id)
            now = time.time()
            c.execute(
                "INSERT INTO chat_attachments(id, room_id, uploader, name, content_type, size, sha256, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (a.id, a.room_id, a.uploader, a.name, a.content_type, a.size, a.sha256, now),
            )
            return replace(a, created_at=now, seq=None), True

        return await self._write(op)

    async def get_attachment(self, attachment_id: str) -> ChatAttachment | None:
        """See `Store.get_attachment`."""
        return await self._read(lambda c: _attachment(c, attachment_id))

    async def blobs_in_use(self, hashes: Collection[str]) -> set[str]:
        """See `Store.blobs_in_use`."""
        wanted = sorted(set(hashes))

        def fn(c: sqlite3.Connection) -> set[str]:
            used: set[str] = set()
            for i in range(0, len(wanted), _MAX_PARAMS):
                part = wanted[i : i + _MAX_PARAMS]
                marks = ", ".join("?" * len(part))
                rows = c.execute(
                    f"SELECT sha256 FROM chat_attachments WHERE sha256 IN ({marks}) "
                    f"UNION SELECT sha256 FROM file_versions WHERE sha256 IN ({marks})", part + part
                )
                used.update(str(r[0]) for r in rows)
            return used

        return await self._read(fn) if wanted else set()


# -- helpers run on the writer or a reader thread --------------------------------------------------


def _bump(c: sqlite3.Connection, room_id: str) -> int:
    """Increment the room's change counter; return its new value. Writer thread."""
    [(rev,)] = c.execute("UPDATE chat_rooms SET rev = rev + 1 WHERE id = ? RETURNING rev", (room_id,)).fetchall()
    return int(rev)


def _post_one(c: sqlite3.Connection, room_id: str, author: str, m: NewMessage) -> tuple[ChatMessage, bool]:
    """Append one message with the next seq and rev and link its attachments, or return the stored
    one for a replayed client id. Raises ClientIdConflict, UnknownMessage, AttachmentUnusable.
    Writer thread."""
    existing = c.execute(
        f"SELECT {_MESSAGE_COLUMNS} FROM chat_messages WHERE room_id = ? AND client_id = ?", (room_id, m.client_id)
    ).fetchone()
    if existing is not None:
        if existing[3] != author:
            raise ClientIdConflict(f"identifiant de message déjà utilisé : {m.client_id}")
        return _message(c, existing), False
    [(last_seq,)] = c.execute("SELECT last_seq FROM chat_rooms WHERE id = ?", (room_id,)).fetchall()
    if m.reply_to is not None and not 0 < m.reply_to <= last_seq:
        raise UnknownMessage(f"message inconnu : {m.reply_to}")
    [(seq, rev)] = c.execute(
        "UPDATE chat_rooms SET last_seq = last_seq + 1, rev = rev + 1 WHERE id = ? RETURNING last_seq, rev",
        (room_id,),
    ).fetchall()
    c.execute(
        "INSERT INTO chat_messages(room_id, seq, client_id, author, text, reply_to, created_at, rev) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (room_id, seq, m.client_id, author, m.text, m.reply_to, time.time(), rev),
    )
    for position, att_id in enumerate(m.attachments):
        _link(c, room_id, seq, author, att_id, position)
    return _require_message(c, room_id, seq), True


def _link(c: sqlite3.Connection, room_id: str, seq: int, author: str, att_id: str, position: int) -> None:
    """Attach an uploaded file to message `seq`. Raises AttachmentUnusable. Writer thread."""
    a = _attachment(c, att_id)
    if a is None or a.room_id != room_id:
        raise AttachmentUnusable(f"pièce jointe inconnue dans ce salon : {att_id}")
    if a.uploader != author:
        raise AttachmentUnusable(f"pièce jointe envoyée par quelqu'un d'autre : {att_id}")
    if a.seq is not None:
        raise AttachmentUnusable(f"pièce jointe déjà jointe à un message : {att_id}")
    c.execute("UPDATE chat_attachments SET seq = ?, position = ? WHERE id = ?", (seq, position, att_id))


def _attachment_of(row: Any) -> ChatAttachment:
    return ChatAttachment(
        str(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), int(row[5]), str(row[6]),
        float(row[7]), None if row[8] is None else int(row[8]),
    )


def _attachment(c: sqlite3.Connection, att_id: str) -> ChatAttachment | None:
    row = c.execute(f"SELECT {_ATTACHMENT_COLUMNS} FROM chat_attachments WHERE id = ?", (att_id,)).fetchone()
    return _attachment_of(row) if row else None


def _message(c: sqlite3.Connection, row: Any) -> ChatMessage:
    room_id, seq = str(row[0]), int(row[1])
    reactions: dict[str, list[str]] = {}
    for emoji, user in c.execute(
        "SELECT emoji, username FROM chat_reactions WHERE room_id = ? AND seq = ? ORDER BY emoji, username",
        (room_id, seq),
    ):
        reactions.setdefault(emoji, []).append(user)
    attachments = c.execute(
        f"SELECT {_ATTACHMENT_COLUMNS} FROM chat_attachments WHERE room_id = ? AND seq = ? ORDER BY position",
        (room_id, seq),
    ).fetchall()
    return ChatMessage(
        room_id, seq, str(row[2]), str(row[3]), str(row[4]),
        None if row[5] is None else int(row[5]),
        float(row[6]),
        None if row[7] is None else float(row[7]),
        bool(row[8]),
        tuple((e, tuple(users)) for e, users in reactions.items()),
        int(row[9]),
        tuple(_attachment_of(a) for a in attachments),
    )


def _require_message(c: sqlite3.Connection, room_id: str, seq: int) -> ChatMessage:
    row = c.execute(
        f"SELECT {_MESSAGE_COLUMNS} FROM chat_messages WHERE room_id = ? AND seq = ?", (room_id, seq)
    ).fetchone()
    if row is None:
        raise UnknownMessage(f"message inconnu : {seq}")
    return _message(c, row)
