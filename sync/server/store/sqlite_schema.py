"""The SQLite schema of the server store, versioned by `PRAGMA user_version`."""

from __future__ import annotations

import sqlite3

from ..errors import SchemaTooNew

SCHEMA_VERSION = 1

MIGRATIONS: dict[int, str] = {
    1: """
CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at    REAL NOT NULL
);
CREATE TABLE tokens (
    digest     TEXT PRIMARY KEY,
    username   TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    created_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX tokens_by_user ON tokens(username);
CREATE TABLE documents (
    id            TEXT PRIMARY KEY,
    created_by    TEXT NOT NULL,
    created_at    REAL NOT NULL,
    snapshot      BLOB,
    snapshot_upto INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE members (
    doc_id   TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'reader')),
    PRIMARY KEY (doc_id, username)
) WITHOUT ROWID;
CREATE INDEX members_by_user ON members(username, doc_id);
CREATE TABLE updates (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    data   BLOB NOT NULL
);
CREATE INDEX updates_by_doc ON updates(doc_id, id);
""",
}


def configure(conn: sqlite3.Connection) -> None:
    """Set the per-connection pragmas (WAL, full fsync on commit, foreign keys). Caller's thread."""
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema to SCHEMA_VERSION, one migration per transaction. Raises SchemaTooNew for
    a database written by a newer server (left untouched). Writer thread."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"la base {version} a été écrite par une version plus récente de parvis-server "
            f"(version {SCHEMA_VERSION} ici) : mettez le serveur à jour"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[target].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
