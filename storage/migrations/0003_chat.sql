-- Chat: the rooms this user belongs to and their messages, in the same encrypted database.

-- `last_seq`, `read_seq` and `unread` are the server's figures as of the last sync (read
-- markers sync across the user's devices). `fetched_seq` is the highest seq up to which every
-- message of the room has been fetched: the next page starts after it.
CREATE TABLE chat_rooms (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL DEFAULT 'channel',   -- channel | direct
    name        TEXT NOT NULL DEFAULT '',
    grp         TEXT,
    role        TEXT NOT NULL DEFAULT 'admin',     -- admin | member
    last_seq    INTEGER NOT NULL DEFAULT 0,
    read_seq    INTEGER NOT NULL DEFAULT 0,
    unread      INTEGER NOT NULL DEFAULT 0,
    fetched_seq INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) WITHOUT ROWID;

-- A message written here is stored at once as pending (seq NULL) with its outbox entry; the
-- server's acknowledgement gives it its seq. `client_id` (a UUID) makes a replay harmless.
CREATE TABLE chat_messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,  -- local order, for pending messages
    room       TEXT NOT NULL REFERENCES chat_rooms(id) ON DELETE CASCADE,
    seq        INTEGER,
    client_id  TEXT NOT NULL UNIQUE,
    author     TEXT NOT NULL DEFAULT '',
    text       TEXT NOT NULL,
    reply_to   INTEGER,
    reactions  TEXT NOT NULL DEFAULT '{}',
    state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    last_error TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    edited_at  TEXT,
    deleted    INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX chat_messages_room_seq ON chat_messages(room, seq);
CREATE INDEX chat_messages_room_state ON chat_messages(room, state);
