"""The SQLite schema of the server store, versioned by `PRAGMA user_version`."""

from __future__ import annotations

import sqlite3

from ..errors import SchemaTooNew

SCHEMA_VERSION = 5

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
    2: """
CREATE TABLE groups (
    name       TEXT PRIMARY KEY,
    created_at REAL NOT NULL
);
CREATE TABLE group_members (
    group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
    username   TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    PRIMARY KEY (group_name, username)
) WITHOUT ROWID;
CREATE INDEX group_members_by_user ON group_members(username, group_name);
CREATE TABLE chat_rooms (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('channel', 'direct')),
    name       TEXT NOT NULL,
    group_name TEXT REFERENCES groups(name) ON DELETE SET NULL,
    created_by TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_seq   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX chat_rooms_by_group ON chat_rooms(group_name);
CREATE TABLE chat_members (
    room_id  TEXT NOT NULL REFERENCES chat_rooms(id) ON DELETE CASCADE,
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    PRIMARY KEY (room_id, username)
) WITHOUT ROWID;
CREATE INDEX chat_members_by_user ON chat_members(username, room_id);
CREATE TABLE chat_messages (
    room_id    TEXT NOT NULL REFERENCES chat_rooms(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    client_id  TEXT NOT NULL,
    author     TEXT NOT NULL,
    text       TEXT NOT NULL,
    reply_to   INTEGER,
    created_at REAL NOT NULL,
    edited_at  REAL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, seq),
    UNIQUE (room_id, client_id)
) WITHOUT ROWID;
CREATE TABLE chat_reactions (
    room_id  TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    username TEXT NOT NULL,
    emoji    TEXT NOT NULL,
    PRIMARY KEY (room_id, seq, emoji, username),
    FOREIGN KEY (room_id, seq) REFERENCES chat_messages(room_id, seq) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE chat_reads (
    room_id  TEXT NOT NULL REFERENCES chat_rooms(id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (room_id, username)
) WITHOUT ROWID;
""",
    # A change counter per room, and chat attachments. Existing messages get rev = seq (each
    # one counts as changed when posted), and rooms rev = last_seq, so that a client asking for
    # the changes after rev 0 gets every message once.
    3: """
ALTER TABLE chat_rooms ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chat_messages ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
UPDATE chat_messages SET rev = seq;
UPDATE chat_rooms SET rev = last_seq;
CREATE INDEX chat_messages_by_rev ON chat_messages(room_id, rev);
CREATE TABLE chat_attachments (
    id           TEXT PRIMARY KEY,
    room_id      TEXT NOT NULL REFERENCES chat_rooms(id) ON DELETE CASCADE,
    uploader     TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    created_at   REAL NOT NULL,
    seq          INTEGER,
    position     INTEGER,
    FOREIGN KEY (room_id, seq) REFERENCES chat_messages(room_id, seq) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX chat_attachments_by_message ON chat_attachments(room_id, seq, position);
CREATE INDEX chat_attachments_by_blob ON chat_attachments(sha256);
""",
    # The document bank. `files` repeats its current version's hash, size, author and time so
    # that the change list and the quota read one table. `path_key` is the case-folded path:
    # unique among live files (the trash keeps old paths without blocking them).
    4: """
CREATE TABLE file_folders (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    group_name  TEXT REFERENCES groups(name) ON DELETE SET NULL,
    quota_bytes INTEGER NOT NULL,
    rev         INTEGER NOT NULL DEFAULT 0,
    created_by  TEXT NOT NULL,
    created_at  REAL NOT NULL
);
CREATE INDEX file_folders_by_group ON file_folders(group_name);
CREATE TABLE file_members (
    folder_id TEXT NOT NULL REFERENCES file_folders(id) ON DELETE CASCADE,
    username  TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'reader')),
    PRIMARY KEY (folder_id, username)
) WITHOUT ROWID;
CREATE INDEX file_members_by_user ON file_members(username, folder_id);
CREATE TABLE files (
    id          TEXT PRIMARY KEY,
    folder_id   TEXT NOT NULL REFERENCES file_folders(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    path_key    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    modified_by TEXT NOT NULL,
    modified_at REAL NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    deleted_at  REAL,
    deleted_by  TEXT,
    rev         INTEGER NOT NULL
);
CREATE UNIQUE INDEX files_live_path ON files(folder_id, path_key) WHERE deleted = 0;
CREATE INDEX files_by_rev ON files(folder_id, rev);
CREATE TABLE file_versions (
    file_id     TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    modified_by TEXT NOT NULL,
    modified_at REAL NOT NULL,
    PRIMARY KEY (file_id, version)
) WITHOUT ROWID;
CREATE INDEX file_versions_by_blob ON file_versions(sha256);
CREATE TABLE file_uploads (
    id         TEXT PRIMARY KEY,
    folder_id  TEXT NOT NULL REFERENCES file_folders(id) ON DELETE CASCADE,
    username   TEXT NOT NULL,
    path       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    chunk_size INTEGER NOT NULL,
    base_etag  TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE file_upload_chunks (
    upload_id TEXT NOT NULL REFERENCES file_uploads(id) ON DELETE CASCADE,
    idx       INTEGER NOT NULL,
    sha256    TEXT NOT NULL,
    PRIMARY KEY (upload_id, idx)
) WITHOUT ROWID;
""",
    # Chunks are checked with BLAKE3 now (`sync.protocol.file_chunks`): the SHA-256s recorded
    # before would read as damaged, so they are forgotten and those chunks sent again.
    5: """
DELETE FROM file_upload_chunks;
ALTER TABLE file_upload_chunks RENAME COLUMN sha256 TO blake3;
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
