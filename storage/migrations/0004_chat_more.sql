-- Chat, continued: change revisions, attachments, local read markers and muted rooms.

-- `rev` is the server's change counter of the message at its last change (0: not acknowledged
-- yet): a copy with a lower rev (an event and a sync round may cross) is older than this one
-- and is ignored. `attachments` is the JSON list [{"id", "name", "size", "type"}] in the order
-- shown; their bytes are in chat_attachments. `local_changes` is 1 while an edit, deletion or
-- reaction made here waits in the outbox: a copy from the server is then shown with them
-- applied on top, so that an older copy never reverts what the user just did.
ALTER TABLE chat_messages ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chat_messages ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE chat_messages ADD COLUMN local_changes INTEGER NOT NULL DEFAULT 0;

-- `rev_fetched`: every change of the room up to this server rev is here (sync pages with
-- changed_after=rev_fetched; `fetched_seq` is no longer used). `read_seq` is now the local read
-- marker: it never goes backwards, and the server's only replaces it when it is further on (the
-- marker syncs across the user's devices). `muted`: a local preference (no notifications).
ALTER TABLE chat_rooms ADD COLUMN rev_fetched INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chat_rooms ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;

-- Attached files, inside the encrypted database (never as files in the profile folder). `id` is
-- chosen by the uploader (a UUID, hex). `data` is NULL until downloaded, for others' files;
-- `uploaded` is 1 once the server has our file. The blob is the last column, so that reading
-- the metadata never reads it.
CREATE TABLE chat_attachments (
    id        TEXT PRIMARY KEY,
    room      TEXT NOT NULL REFERENCES chat_rooms(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL REFERENCES chat_messages(client_id) ON DELETE CASCADE,
    position  INTEGER NOT NULL DEFAULT 0,
    name      TEXT NOT NULL,
    type      TEXT NOT NULL DEFAULT 'application/octet-stream',
    size      INTEGER NOT NULL,
    uploaded  INTEGER NOT NULL DEFAULT 0,
    data      BLOB
);
CREATE INDEX chat_attachments_message ON chat_attachments(client_id, position);
CREATE INDEX chat_attachments_room ON chat_attachments(room);
