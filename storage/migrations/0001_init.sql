-- Parvis local store, schema 1: settings, secrets, the account, documents, the outbox, search.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Server tokens and passwords: here, inside the encrypted database, never in a config file.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE accounts (
    id         INTEGER PRIMARY KEY,
    server_url TEXT NOT NULL,
    username   TEXT NOT NULL,
    ca_file    TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- A document is a snapshot (the encoded CRDT state) plus the tail of updates in doc_updates.
-- The snapshot has a table of its own: the documents row changes on every keystroke, and
-- must not drag a large blob with it.
CREATE TABLE documents (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL DEFAULT '',   -- cache of meta.title, for lists
    role       TEXT NOT NULL DEFAULT 'owner',
    seq        INTEGER NOT NULL DEFAULT 0, -- last doc_updates.seq given out; never decreases
    tail_len   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) WITHOUT ROWID;

CREATE TABLE doc_snapshots (
    doc_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    upto   INTEGER NOT NULL,   -- highest doc_updates.seq folded into data
    data   BLOB NOT NULL
);

-- Clustered by document and a per-document sequence taken from documents.seq: a keystroke
-- writes one leaf page here and no separate index or sqlite_sequence page (every page
-- written is one more to encrypt and authenticate).
CREATE TABLE doc_updates (
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    local  INTEGER NOT NULL,   -- 1: made on this device; 0: received from the server
    data   BLOB NOT NULL,
    PRIMARY KEY (doc_id, seq)
) WITHOUT ROWID;

-- Pending remote operations, written in the same transaction as the local change. Operations
-- that coalesce (a document's pending edits) keep one row per target: `seq` is the newest
-- change it stands for and `changes` how many local changes it covers.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    target     TEXT NOT NULL,
    idem_key   TEXT NOT NULL UNIQUE,
    payload    TEXT,
    seq        INTEGER NOT NULL DEFAULT 0,
    changes    INTEGER NOT NULL DEFAULT 1,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- One full-text index for every module. Rows whose source changed are listed in search_dirty
-- and re-indexed before a query, so a keystroke never pays for re-indexing a whole document.
CREATE VIRTUAL TABLE search_index USING fts5(
    kind UNINDEXED, ref UNINDEXED, title, body,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE search_dirty (
    kind TEXT NOT NULL,
    ref  TEXT NOT NULL,
    PRIMARY KEY (kind, ref)
) WITHOUT ROWID;
