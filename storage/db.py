"""Transactions, settings and secrets over an open connection. Every function here belongs to
the thread that owns `conn`."""

from __future__ import annotations

import secrets as _secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def transaction(conn: Any) -> Iterator[Any]:
    """Run the block in one write transaction: committed if it returns, rolled back if it
    raises. Nesting joins the outer transaction."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_setting(conn: Any, key: str) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_setting(conn: Any, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def client_id(conn: Any) -> int:
    """Return this device's stable CRDT client id, created on first use. A stable id keeps
    documents small: a fresh id per session would add a new client entry each time."""
    value = get_setting(conn, "crdt_client_id")
    if value is None:
        # Yjs JS reads client ids as uint32.
        value = str(_secrets.randbits(32))
        with transaction(conn):
            set_setting(conn, "crdt_client_id", value)
    return int(value)


def get_secret(conn: Any, name: str) -> str | None:
    row = conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
    return None if row is None else str(row[0])


def set_secret(conn: Any, name: str, value: str) -> None:
    conn.execute(
        "INSERT INTO secrets(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        (name, value),
    )


def delete_secret(conn: Any, name: str) -> None:
    conn.execute("DELETE FROM secrets WHERE name = ?", (name,))


def like_prefix(text: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') matching what starts with `text`, taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
