-- The server's version of each document when it was last synced (NULL: never). A round syncs
-- only the documents whose version moved, or that have edits to send.
ALTER TABLE documents ADD COLUMN server_version INTEGER;
