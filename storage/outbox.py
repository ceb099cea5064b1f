"""The outbox: pending remote operations, written in the caller's transaction so that a local
change and its pending push are committed together or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DOC_CREATE = "doc.create"
DOC_UPDATE = "doc.update"
DOC_SHARE = "doc.share"
DOC_DELETE = "doc.delete"
CHAT_ROOM = "chat.room"  # create a room (target: its client-chosen id)
# The other chat operations target the room; the payload names the message by its client UUID.
CHAT_SEND = "chat.send"  # post a message (payload: {"client_id"}; text and files are read at push)
CHAT_EDIT = "chat.edit"  # one per message, the last text: {"client_id", "text"}
CHAT_DELETE = "chat.delete"  # {"client_id"}
CHAT_REACT = "chat.react"  # one per (message, emoji), the last wish: {"client_id", "emoji", "on", "user"}
CHAT_READ = "chat.read"  # one per room, the highest marker: {"seq"}

MODULE_OF = {DOC_CREATE: "docs", DOC_UPDATE: "docs", DOC_SHARE: "docs", DOC_DELETE: "docs",
             CHAT_ROOM: "chat", CHAT_SEND: "chat", CHAT_EDIT: "chat", CHAT_DELETE: "chat", CHAT_REACT: "chat",
             CHAT_READ: "chat", "cal.put": "calendar", "cal.delete": "calendar"}
CHAT_KINDS = (CHAT_ROOM, CHAT_SEND, CHAT_EDIT, CHAT_DELETE, CHAT_REACT, CHAT_READ)


@dataclass(frozen=True)
class Entry:
    id: int
    kind: str
    target: str
    idem_key: str
    payload: str | None
    seq: int
    changes: int
    attempts: int
    last_error: str | None


_COLUMNS = "id, kind, target, idem_key, payload, seq, changes, attempts, last_error"


def add(conn: Any, kind: str, target: str, idem_key: str, payload: str | None = None) -> None:
    """Queue a one-off operation. Replaying the same `idem_key` keeps the first one."""
    conn.execute(
        "INSERT INTO outbox(kind, target, idem_key, payload) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(idem_key) DO NOTHING",
        (kind, target, idem_key, payload),
    )


def put(conn: Any, kind: str, target: str, idem_key: str, payload: str) -> None:
    """Queue an operation that replaces the pending one of the same `idem_key`, if any: it keeps
    that one's place in the queue and takes the new payload, and its `seq` increases so that the
    acknowledgement of the payload sent before does not remove it (see `done`)."""
    conn.execute(
        "INSERT INTO outbox(kind, target, idem_key, payload) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(idem_key) DO UPDATE SET payload = excluded.payload, seq = seq + 1",
        (kind, target, idem_key, payload),
    )


def attempting(conn: Any, entries: list[Entry]) -> None:
    """Count one more attempt of each entry, before sending it (whatever comes of it, the
    server may have it from now on)."""
    conn.executemany("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", [(e.id,) for e in entries])


def with_prefix(conn: Any, prefix: str) -> list[Entry]:
    """Return the pending entries whose idem_key starts with `prefix`, oldest first (served by
    the idem_key index)."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    rows = conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE idem_key >= ? AND idem_key < ? ORDER BY id",
                        (prefix, upper)).fetchall()
    return [Entry(*row) for row in rows]


def bump(conn: Any, kind: str, target: str, seq: int) -> None:
    """Record one more coalescing change (`seq` increases) on the single row of (kind, target)."""
    conn.execute(
        "INSERT INTO outbox(kind, target, idem_key, seq) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(idem_key) DO UPDATE SET seq = excluded.seq, changes = changes + 1",
        (kind, target, f"{kind}:{target}", seq),
    )


def pending(conn: Any, kind: str | None = None) -> list[Entry]:
    """Return pending entries, oldest first, optionally of one kind."""
    if kind is None:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM outbox ORDER BY id").fetchall()
    else:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE kind = ? ORDER BY id", (kind,)).fetchall()
    return [Entry(*row) for row in rows]


def get(conn: Any, idem_key: str) -> Entry | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE idem_key = ?", (idem_key,)).fetchone()
    return None if row is None else Entry(*row)


def done(conn: Any, entry: Entry) -> None:
    """The server acknowledged `entry` as it was read. A coalescing row that received more
    changes since (a higher seq) stays, with the acknowledged changes subtracted."""
    conn.execute("DELETE FROM outbox WHERE id = ? AND seq <= ?", (entry.id, entry.seq))
    conn.execute(
        "UPDATE outbox SET changes = max(changes - ?, 1), attempts = 0, last_error = NULL WHERE id = ?",
        (entry.changes, entry.id),
    )


def drop_target(conn: Any, target: str) -> bool:
    """Forget every pending operation on `target`; return whether its creation was among them
    (then the server never heard of it)."""
    created = conn.execute("SELECT 1 FROM outbox WHERE target = ? AND kind = ?", (target, DOC_CREATE)).fetchone()
    conn.execute("DELETE FROM outbox WHERE target = ?", (target,))
    return created is not None


def remove(conn: Any, entry: Entry) -> None:
    """Forget `entry` whatever happened to it (its outcome is recorded elsewhere)."""
    conn.execute("DELETE FROM outbox WHERE id = ?", (entry.id,))


def failed(conn: Any, entry: Entry, error: str) -> None:
    conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?", (error, entry.id)
    )


def counts(conn: Any) -> dict[str, int]:
    """Return the number of pending local changes per module."""
    result: dict[str, int] = {}
    for kind, n in conn.execute("SELECT kind, sum(changes) FROM outbox GROUP BY kind"):
        module = MODULE_OF.get(kind, kind.split(".")[0])
        result[module] = result.get(module, 0) + int(n)
    return result
