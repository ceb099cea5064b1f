-- Calendar: CalDAV accounts, their calendars and events, all inside the encrypted database.
-- An event is stored whole, as the iCalendar text of its resource (master and overridden
-- instances together), with a few fields copied out of it for display and search.

-- One row per CalDAV account. The password is a secret ("caldav:<id>"), never here.
CREATE TABLE cal_accounts (
    id         INTEGER PRIMARY KEY,
    url        TEXT NOT NULL,
    username   TEXT NOT NULL,
    ca_file    TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (url, username)
);

-- A calendar collection as discovered. `sync_token` and `ctag` are the server's at the end of
-- the last complete sync of it; `enabled` is the user's toggle (shown and synced, or not).
CREATE TABLE cal_calendars (
    id         INTEGER PRIMARY KEY,
    account    INTEGER NOT NULL REFERENCES cal_accounts(id) ON DELETE CASCADE,
    href       TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    color      TEXT NOT NULL DEFAULT '',
    sync_token TEXT,
    ctag       TEXT,
    enabled    INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account, href)
);

-- One row per calendar resource (href). `etag` is the server's for the version we last saw
-- (NULL: never on the server); `base` that version's text while a local edit waits (NULL when
-- `ics` is the server's), for the three-way merge of a 412. `state`: synced | pending (a local
-- change waits in the outbox) | conflict (a copy of our version kept beside the server's,
-- `conflict_of` names the server's event; never pushed). `deleted` 1: deleted here, its DELETE
-- queued (hidden). Times are ISO UTC ('YYYY-MM-DDTHH:MM:SSZ'); an all-day event's are its dates
-- at midnight UTC. The texts are the last columns, so that lists never read them.
CREATE TABLE cal_events (
    id           INTEGER PRIMARY KEY,
    calendar     INTEGER NOT NULL REFERENCES cal_calendars(id) ON DELETE CASCADE,
    href         TEXT NOT NULL UNIQUE,
    uid          TEXT NOT NULL,
    etag         TEXT,
    state        TEXT NOT NULL DEFAULT 'synced' CHECK (state IN ('synced', 'pending', 'conflict')),
    deleted      INTEGER NOT NULL DEFAULT 0,
    conflict_of  TEXT,
    summary      TEXT NOT NULL DEFAULT '',
    location     TEXT NOT NULL DEFAULT '',
    dtstart      TEXT NOT NULL DEFAULT '',
    dtend        TEXT NOT NULL DEFAULT '',
    all_day      INTEGER NOT NULL DEFAULT 0,
    recurring    INTEGER NOT NULL DEFAULT 0,
    search_rowid INTEGER,
    ics          TEXT NOT NULL,
    base         TEXT
);
CREATE INDEX cal_events_uid ON cal_events(uid);
CREATE INDEX cal_events_time ON cal_events(calendar, dtstart, dtend);
CREATE INDEX cal_events_recurring ON cal_events(recurring) WHERE recurring = 1;

CREATE TRIGGER cal_events_unindex AFTER DELETE ON cal_events WHEN old.search_rowid IS NOT NULL
BEGIN
    DELETE FROM search_index WHERE rowid = old.search_rowid;
END;
