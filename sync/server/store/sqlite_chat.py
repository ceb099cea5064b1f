"""Groups and chat rooms on SQLite: the part of `SqliteStore` that implements the groups and chat
room methods of the `Store` contract (messages are in `sqlite_messages.py`). Same rules: public
methods on the loop thread; the `op`/`fn` closures run on the writer thread or a reader thread."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from ..errors import (
    GroupExists,
    LastOwner,
    NotAMember,
    UnknownChatRoom,
    UnknownGroup,
    UnknownUser,
)
from .base import ChatMember, ChatRole, ChatRoom, RoomKind, RoomSummary

T = TypeVar("T")

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
                "SELECT r.id, r.kind, r.name, r.group_name, r.created_by, r.last_seq, r.rev, "
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
                RoomSummary(ChatRoom(i, RoomKind(k), n, g, cb, ls, rev), ChatRole(role), rs, unread)
                for i, k, n, g, cb, ls, rev, role, rs, unread in rows
            ]

        return await self._read(fn)


# -- helpers run on the writer or a reader thread --------------------------------------------------


def _require_user(c: sqlite3.Connection, username: str) -> None:
    if c.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone() is None:
        raise UnknownUser(f"utilisateur inconnu : {username}")


def _require_group(c: sqlite3.Connection, name: str) -> None:
    if c.execute("SELECT 1 FROM groups WHERE name = ?", (name,)).fetchone() is None:
        raise UnknownGroup(f"groupe inconnu : {name}")


def _room(c: sqlite3.Connection, room_id: str) -> ChatRoom | None:
    row = c.execute(
        "SELECT id, kind, name, group_name, created_by, last_seq, rev FROM chat_rooms WHERE id = ?", (room_id,)
    ).fetchone()
    return ChatRoom(row[0], RoomKind(row[1]), row[2], row[3], row[4], row[5], row[6]) if row else None


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
