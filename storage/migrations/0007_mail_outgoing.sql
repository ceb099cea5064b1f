-- Mail: the Boîte d'envoi. A message composed here is stored at once, whole (its raw bytes, as
-- they will go on the wire), inside the encrypted database, with its outbox entry `mail.send`.
--
-- `state`: queued (waits for the next round) → sending (handed to the SMTP server; a crash
-- there replays it) → smtp_done (the SMTP server accepted it: it is never submitted again;
-- only its copy in the Sent folder is left) → the row is deleted once that copy is there.
-- failed: the server refused it for good (`last_error` says why); `retry` queues it again.
-- `envelope` is the JSON list of the SMTP recipients (To, Cc and Bcc: the headers in `raw`
-- carry no Bcc); `recipients` the JSON {"to", "cc", "bcc"} lists as typed, for display.
-- The blob is the last column, so that listing the box never reads it.
CREATE TABLE mail_outgoing (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account     INTEGER NOT NULL REFERENCES mail_accounts(id) ON DELETE CASCADE,
    message_id  TEXT NOT NULL UNIQUE,
    sender      TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    recipients  TEXT NOT NULL DEFAULT '{}',
    envelope    TEXT NOT NULL DEFAULT '[]',
    replying_to INTEGER,
    state       TEXT NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'sending', 'smtp_done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    size        INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    smtp_at     TEXT,
    raw         BLOB NOT NULL
);
CREATE INDEX mail_outgoing_account ON mail_outgoing(account, id);
