"""Groups and chat on SQLite: the part of `SqliteStore` that implements the groups and chat
methods of the `Store` contract. Same rules: public methods on the loop thread; the `op`/`fn`
closures run on the writer thread or a reader thread."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..errors import (
    ClientIdConflict,
    GroupExists,
    LastOwner,
    NotAMember,
    UnknownChatRoom,
    UnknownGroup,
    UnknownMessage,
    UnknownUser,
)
from .base import ChatMember, ChatMessage, ChatRole, ChatRoom, RoomKind, RoomSummary

T = TypeVar("T")

_MESSAGE_COLUMNS = "room_id, seq, client_id, author, text, reply_to, created_at, edited_at, deleted"
# Effective members of a room: explicit members, plus the members of the room's group.
_EFFECTIVE = (
    "SELECT username, role, 1 AS explicit FROM chat_members WHERE room_id = :room "
    "UNION ALL SELECT g.username, 'member', 0 FROM group_members g "
    "JOIN chat_rooms r ON r.group_name = g.group_name WHERE r.id = :room "
    "AND g.username NOT IN (SELECT username FROM chat_members WHERE room_id = :room)"
)


class SqliteChatMixin:
    """Groups and chat for `SqliteStore`, which provides `_read` and `_write`."""

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        raise NotImplementedError

    # -- groups -----------------------------------------------------------------------------------

    async def create_group(self, name: str) -> None:
        """See `Store.create_group`."""

        def op(c: sqlite3.Connection) -> None:
            try:
                c.execute("INSERT INTO groups(name, created_at) VALUES (?, ?)", (name, time.time()))
            except sqlite3.IntegrityError as exc:
                raise GroupExists(f"le groupe « {name} » existe déjà") from exc

        await self._write(op)

    async def list_groups(self) -> list[str]:
        """See `Store.list_groups`."""
        rows = await self._read(lambda c: c.execute("SELECT name FROM groups ORDER BY name").fetchall())
        return [r[0] for r in rows]

    async def group_members(self, name: str) -> list[str]:
        """See `Store.group_members`."""

        def fn(c: sqlite3.Connection) -> list[str] | None:
            if c.execute("SELECT 1 FROM groups WHERE name = ?", (name,)).fetchone() is None:
                return None
            rows = c.execute(
                "SELECT username FROM group_members WHERE group_name = ? ORDER BY username", (name,)
            ).fetchall()
            return [r[0] for r in rows]

        members = await self._read(fn)
        if members is None:
            raise UnknownGroup(f"groupe inconnu : {name}")
        return members

    async def add_group_member(self, name: str, username: str) -> bool:
        """See `Store.add_group_member`."""

        def op(c: sqlite3.Connection) -> bool:
            _require_group(c, name)
            _require_user(c, username)
            cur = c.execute("INSERT OR IGNORE INTO group_members(group_name, username) VALUES (?, ?)", (name, username))
            return cur.rowcount > 0

        return await self._write(op)

    async def remove_group_member(self, name: str, username: str) -> None:
        """See `Store.remove_group_member`."""

        def op(c: sqlite3.Connection) -> None:
            _require_group(c, name)
            cur = c.execute("DELETE FROM group_members WHERE group_name = ? AND username = ?", (name, username))
            if cur.rowcount == 0:
                raise NotAMember(f"« {username} » n'est pas membre du groupe « {name} »")

        await self._write(op)

    # -- chat rooms -------------------------------------------------------------------------------

    async def create_chat_room(
        self, room_id: str, kind: RoomKind, name: str, group: str | None, creator: str, members: Sequence[str]
    ) -> bool:
        """See `Store.create_chat_room`."""

        def op(c: sqlite3.Connection) -> bool:
            for user in (creator, *members):
                _require_user(c, user)
            if group is not None:
                _require_group(c, group)
            cur = c.execute(
                "INSERT OR IGNORE INTO chat_rooms(id, kind, name, group_name, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (room_id, kind.value, name, group, creator, time.time()),
            )
            if cur.rowcount == 0:
                return False
            c.execute("INSERT INTO chat_members(room_id, username, role) VALUES (?, ?, 'admin')", (room_id, creator))
            c.executemany(
                "INSERT OR IGNORE INTO chat_members(room_id, username, role) VALUES (?, ?, 'member')",
                [(room_id, m) for m in members],
            )
            return True

        return await self._write(op)

    async def get_chat_room(self, room_id: str) -> ChatRoom | None:
        """See `Store.get_chat_room`."""
        return await self._read(lambda c: _room(c, room_id))

    async def chat_role(self, room_id: str, username: str) -> ChatRole | None:
        """See `Store.chat_role`."""

        def fn(c: sqlite3.Connection) -> tuple[bool, str | None]:
            if _room(c, room_id) is None:
                return False, None
            return True, _chat_role(c, room_id, username)

        exists, role = await self._read(fn)
        if not exists:
            raise UnknownChatRoom(f"salon inconnu : {room_id}")
        return ChatRole(role) if role else None

    async def list_chat_members(self, room_id: str) -> list[ChatMember]:
        """See `Store.list_chat_members`."""

        def fn(c: sqlite3.Connection) -> list[tuple[str, str, int]] | None:
            if _room(c, room_id) is None:
                return None
            return c.execute(f"{_EFFECTIVE} ORDER BY username", {"room": room_id}).fetchall()

        rows = await self._read(fn)
        if rows is None:
            raise UnknownChatRoom(f"salon inconnu : {room_id}")
        return [ChatMember(u, ChatRole(r), bool(e)) for u, r, e in rows]

    async def set_chat_member(self, room_id: str, username: str, role: ChatRole) -> None:
        """See `Store.set_chat_member`."""

        def op(c: sqlite3.Connection) -> None:
            _require_room(c, room_id)
            _require_user(c, username)
            if role is not ChatRole.ADMIN and _explicit_role(c, room_id, username) == "admin":
                _require_other_admin(c, room_id, username)
            c.execute(
                "INSERT INTO chat_members(room_id, username, role) VALUES (?, ?, ?) "
                "ON CONFLICT(room_id, username) DO UPDATE SET role = excluded.role",
                (room_id, username, role.value),
            )

        await self._write(op)

    async def remove_chat_member(self, room_id: str, username: str) -> None:
        """See `Store.remove_chat_member`."""

        def op(c: sqlite3.Connection) -> None:
            _require_room(c, room_id)
            current = _explicit_role(c, room_id, username)
            if current is None:
                raise NotAMember(f"« {username} » n'est pas membre du salon")
            if current == "admin":
                _require_other_admin(c, room_id, username)
            c.execute("DELETE FROM chat_members WHERE room_id = ? AND username = ?", (room_id, username))

        await self._write(op)

    async def rename_chat_room(self, room_id: str, name: str) -> None:
        """See `Store.rename_chat_room`."""

        def op(c: sqlite3.Connection) -> None:
            if c.execute("UPDATE chat_rooms SET name = ? WHERE id = ?", (name, room_id)).rowcount == 0:
                raise UnknownChatRoom(f"salon inconnu : {room_id}")

        await self._write(op)

    async def list_chat_rooms(self, username: str) -> list[RoomSummary]:
        """See `Store.list_chat_rooms`."""

        def fn(c: sqlite3.Connection) -> list[RoomSummary]:
            rows = c.execute(
                "SELECT r.id, r.kind, r.name, r.group_name, r.created_by, r.last_seq, "
                "coalesce(m.role, 'member'), coalesce(rd.seq, 0), "
                "(SELECT count(*) FROM chat_messages x WHERE x.room_id = r.id AND x.seq > coalesce(rd.seq, 0) "
                " AND x.deleted = 0 AND x.author <> :user) "
                "FROM chat_rooms r "
                "LEFT JOIN chat_members m ON m.room_id = r.id AND m.username = :user "
                "LEFT JOIN chat_reads rd ON rd.room_id = r.id AND rd.username = :user "
                "WHERE m.username IS NOT NULL OR r.group_name IN "
                "(SELECT group_name FROM group_members WHERE username = :user) ORDER BY r.id",
                {"user": username},
            ).fetchall()
            return [
                RoomSummary(ChatRoom(i, RoomKind(k), n, g, cb, ls), ChatRole(role), rs, unread)
                for i, k, n, g, cb, ls, role, rs, unread in rows
            ]

        return await self._read(fn)

    # -- chat messages ----------------------------------------------------------------------------

    async def post_message(
        self, room_id: str, client_id: str, author: str, text: str, reply_to: int | None
    ) -> tuple[ChatMessage, bool]:
        """See `Store.post_message`. The seq is taken from `chat_rooms.last_seq` in the same write."""

        def op(c: sqlite3.Connection) -> tuple[ChatMessage, bool]:
            existing = c.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM chat_messages WHERE room_id = ? AND client_id = ?",
                (room_id, client_id),
            ).fetchone()
            if existing is not None:
                if existing[3] != author:
                    raise ClientIdConflict(f"identifiant de message déjà utilisé : {client_id}")
                return _message(c, existing), False
            head = c.execute("SELECT last_seq FROM chat_rooms WHERE id = ?", (room_id,)).fetchone()
            if head is None:
                raise UnknownChatRoom(f"salon inconnu : {room_id}")
            if reply_to is not None and not 0 < reply_to <= head[0]:
                raise UnknownMessage(f"message inconnu : {reply_to}")
            seq = head[0] + 1
            now = time.time()
            c.execute("UPDATE chat_rooms SET last_seq = ? WHERE id = ?", (seq, room_id))
            c.execute(
                "INSERT INTO chat_messages(room_id, seq, client_id, author, text, reply_to, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (room_id, seq, client_id, author, text, reply_to, now),
            )
            return ChatMessage(room_id, seq, client_id, author, text, reply_to, now, None, False), True

        return await self._write(op)

    async def get_message(self, room_id: str, seq: int) -> ChatMessage:
        """See `Store.get_message`."""
        return await self._read(lambda c: _require_message(c, room_id, seq))

    async def edit_message(self, room_id: str, seq: int, text: str) -> ChatMessage:
        """See `Store.edit_message`."""

        def op(c: sqlite3.Connection) -> ChatMessage:
            cur = c.execute(
                "UPDATE chat_messages SET text = ?, edited_at = ? WHERE room_id = ? AND seq = ? AND deleted = 0",
                (text, time.time(), room_id, seq),
            )
            if cur.rowcount == 0:
                raise UnknownMessage(f"message inconnu : {seq}")
            return _require_message(c, room_id, seq)

        return await self._write(op)

    async def delete_message(self, room_id: str, seq: int) -> ChatMessage:
        """See `Store.delete_message`."""

        def op(c: sqlite3.Connection) -> ChatMessage:
            _require_message(c, room_id, seq)
            c.execute(
                "UPDATE chat_messages SET text = '', deleted = 1, edited_at = coalesce(edited_at, ?) "
                "WHERE room_id = ? AND seq = ?",
                (time.time(), room_id, seq),
            )
            c.execute("DELETE FROM chat_reactions WHERE room_id = ? AND seq = ?", (room_id, seq))
            return _require_message(c, room_id, seq)

        return await self._write(op)

    async def set_reaction(self, room_id: str, seq: int, username: str, emoji: str, present: bool) -> ChatMessage:
        """See `Store.set_reaction`."""

        def op(c: sqlite3.Connection) -> ChatMessage:
            if _require_message(c, room_id, seq).deleted:
                raise UnknownMessage(f"message inconnu : {seq}")
            if present:
                c.execute(
                    "INSERT OR IGNORE INTO chat_reactions(room_id, seq, username, emoji) VALUES (?, ?, ?, ?)",
                    (room_id, seq, username, emoji),
                )
            else:
                c.execute(
                    "DELETE FROM chat_reactions WHERE room_id = ? AND seq = ? AND username = ? AND emoji = ?",
                    (room_id, seq, username, emoji),
                )
            return _require_message(c, room_id, seq)

        return await self._write(op)

    async def list_messages(
        self, room_id: str, *, after: int | None = None, before: int | None = None, limit: int = 50
    ) -> list[ChatMessage]:
        """See `Store.list_messages`."""

        def fn(c: sqlite3.Connection) -> list[ChatMessage] | None:
            c.execute("BEGIN")  # messages and their reactions from one snapshot
            try:
                if _room(c, room_id) is None:
                    return None
                base = f"SELECT {_MESSAGE_COLUMNS} FROM chat_messages WHERE room_id = ?"
                params: tuple[object, ...]
                if after is not None:
                    sql, params = f"{base} AND seq > ? ORDER BY seq LIMIT ?", (room_id, after, limit)
                elif before is not None:
                    sql, params = f"{base} AND seq < ? ORDER BY seq DESC LIMIT ?", (room_id, before, limit)
                else:
                    sql, params = f"{base} ORDER BY seq DESC LIMIT ?", (room_id, limit)
                rows = sorted(c.execute(sql, params).fetchall(), key=lambda r: r[1])
                return [_message(c, r) for r in rows]
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


# -- helpers run on the writer or a reader thread --------------------------------------------------


def _require_user(c: sqlite3.Connection, username: str) -> None:
    if c.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone() is None:
        raise UnknownUser(f"utilisateur inconnu : {username}")


def _require_group(c: sqlite3.Connection, name: str) -> None:
    if c.execute("SELECT 1 FROM groups WHERE name = ?", (name,)).fetchone() is None:
        raise UnknownGroup(f"groupe inconnu : {name}")


def _room(c: sqlite3.Connection, room_id: str) -> ChatRoom | None:
    row = c.execute(
        "SELECT id, kind, name, group_name, created_by, last_seq FROM chat_rooms WHERE id = ?", (room_id,)
    ).fetchone()
    return ChatRoom(row[0], RoomKind(row[1]), row[2], row[3], row[4], row[5]) if row else None


def _require_room(c: sqlite3.Connection, room_id: str) -> None:
    if _room(c, room_id) is None:
        raise UnknownChatRoom(f"salon inconnu : {room_id}")


def _explicit_role(c: sqlite3.Connection, room_id: str, username: str) -> str | None:
    row = c.execute(
        "SELECT role FROM chat_members WHERE room_id = ? AND username = ?", (room_id, username)
    ).fetchone()
    return str(row[0]) if row else None


def _chat_role(c: sqlite3.Connection, room_id: str, username: str) -> str | None:
    role = _explicit_role(c, room_id, username)
    if role is not None:
        return role
    row = c.execute(
        "SELECT 1 FROM chat_rooms r JOIN group_members g ON g.group_name = r.group_name "
        "WHERE r.id = ? AND g.username = ?",
        (room_id, username),
    ).fetchone()
    return "member" if row else None


def _require_other_admin(c: sqlite3.Connection, room_id: str, username: str) -> None:
    other = c.execute(
        "SELECT 1 FROM chat_members WHERE room_id = ? AND role = 'admin' AND username <> ? LIMIT 1",
        (room_id, username),
    ).fetchone()
    if other is None:
        raise LastOwner("le salon doit garder au moins un administrateur")


def _message(c: sqlite3.Connection, row: Any) -> ChatMessage:
    room_id, seq = str(row[0]), int(row[1])
    reactions: dict[str, list[str]] = {}
    for emoji, user in c.execute(
        "SELECT emoji, username FROM chat_reactions WHERE room_id = ? AND seq = ? ORDER BY emoji, username",
        (room_id, seq),
    ):
        reactions.setdefault(emoji, []).append(user)
    return ChatMessage(
        room_id, seq, str(row[2]), str(row[3]), str(row[4]),
        None if row[5] is None else int(row[5]),
        float(row[6]),
        None if row[7] is None else float(row[7]),
        bool(row[8]),
        tuple((e, tuple(users)) for e, users in reactions.items()),
    )


def _require_message(c: sqlite3.Connection, room_id: str, seq: int) -> ChatMessage:
    row = c.execute(
        f"SELECT {_MESSAGE_COLUMNS} FROM chat_messages WHERE room_id = ? AND seq = ?", (room_id, seq)
    ).fetchone()
    if row is None:
        raise UnknownMessage(f"message inconnu : {seq}")
    return _message(c, row)
