-- Mail: IMAP accounts, their folders and messages, all inside the encrypted database (headers,
-- and the raw RFC 822 message with its attachments once downloaded; never files in the profile).

-- One row per IMAP/SMTP account. The password is a secret ("mail:<id>"), never here.
-- Security: tls | starttls | plain (plain only towards a loopback host).
CREATE TABLE mail_accounts (
    id            INTEGER PRIMARY KEY,
    address       TEXT NOT NULL,
    username      TEXT NOT NULL,
    imap_host     TEXT NOT NULL,
    imap_port     INTEGER NOT NULL,
    imap_security TEXT NOT NULL,
    smtp_host     TEXT NOT NULL,
    smtp_port     INTEGER NOT NULL,
    smtp_security TEXT NOT NULL,
    ca_file       TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- A folder as the server lists it (`name` decoded from modified UTF-7). `uidvalidity`,
-- `uidnext`, `highestmodseq` and `messages` are the server's figures at the end of the last
-- complete sync of the folder: a STATUS answering the same figures means nothing changed.
-- `fetched_uid`: every message of the folder up to this UID has its headers here (a first sync
-- cut short resumes after it).
CREATE TABLE mail_folders (
    id            INTEGER PRIMARY KEY,
    account       INTEGER NOT NULL REFERENCES mail_accounts(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    delimiter     TEXT NOT NULL DEFAULT '/',
    special       TEXT,
    selectable    INTEGER NOT NULL DEFAULT 1,
    uidvalidity   INTEGER,
    uidnext       INTEGER NOT NULL DEFAULT 0,
    highestmodseq INTEGER NOT NULL DEFAULT 0,
    messages      INTEGER NOT NULL DEFAULT 0,
    fetched_uid   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account, name)
);

-- A message. `folder` is where the user sees it (a move made offline applies here at once);
-- `srv_folder`/`srv_uid` is where it is on the server as far as we know (NULL uid: not known
-- until the next sync). `headers` is the raw header block; `raw` the whole message, NULL while
-- only the headers are here. The blobs are the last columns, so that lists never read them.
-- `pending` is 1 while an action made here waits in the outbox; `deleted` 1 for a message
-- deleted for good here whose expunge is queued (hidden).
CREATE TABLE mail_messages (
    id              INTEGER PRIMARY KEY,
    account         INTEGER NOT NULL REFERENCES mail_accounts(id) ON DELETE CASCADE,
    folder          INTEGER NOT NULL REFERENCES mail_folders(id) ON DELETE CASCADE,
    srv_folder      INTEGER REFERENCES mail_folders(id) ON DELETE SET NULL,
    srv_uid         INTEGER,
    message_id      TEXT NOT NULL DEFAULT '',
    thread          TEXT NOT NULL DEFAULT '',
    subject_key     TEXT NOT NULL DEFAULT '',   -- normalised subject (no Re:, TR:), for threads
    subject         TEXT NOT NULL DEFAULT '',
    sender          TEXT NOT NULL DEFAULT '',
    sender_address  TEXT NOT NULL DEFAULT '',
    recipients      TEXT NOT NULL DEFAULT '',
    date            TEXT NOT NULL DEFAULT '',
    size            INTEGER NOT NULL DEFAULT 0,
    seen            INTEGER NOT NULL DEFAULT 0,
    flagged         INTEGER NOT NULL DEFAULT 0,
    answered        INTEGER NOT NULL DEFAULT 0,
    has_attachments INTEGER NOT NULL DEFAULT 0,
    attachment_names TEXT NOT NULL DEFAULT '',
    snippet         TEXT NOT NULL DEFAULT '',
    pending         INTEGER NOT NULL DEFAULT 0,
    deleted         INTEGER NOT NULL DEFAULT 0,
    search_rowid    INTEGER,                    -- its row in search_index, once indexed
    headers         BLOB,
    raw             BLOB
);
CREATE UNIQUE INDEX mail_messages_server ON mail_messages(srv_folder, srv_uid);
CREATE INDEX mail_messages_folder_date ON mail_messages(folder, date);
CREATE INDEX mail_messages_folder_seen ON mail_messages(folder, seen);
CREATE INDEX mail_messages_msgid ON mail_messages(account, message_id);
CREATE INDEX mail_messages_subject ON mail_messages(account, subject_key);

-- The search index's columns kind and ref are not indexed: a message's row there is found by
-- its rowid, kept in search_rowid, and leaves with the message.
CREATE TRIGGER mail_messages_unindex AFTER DELETE ON mail_messages WHEN old.search_rowid IS NOT NULL
BEGIN
    DELETE FROM search_index WHERE rowid = old.search_rowid;
END;

-- Addresses seen in headers, for the composer's completion: "Nom <adresse>" by address.
CREATE TABLE mail_addresses (
    address TEXT PRIMARY KEY,
    name    TEXT NOT NULL DEFAULT '',
    seen    INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
