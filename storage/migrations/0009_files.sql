-- Document bank: the shared folders this user can see, which of them sync to a local folder,
-- and the sync state of every file there. The synced folder itself holds plain files by
-- design; everything about it (index, names, hashes, sessions) lives here, encrypted.

-- One row per shared folder the server listed. `local_path` is where it syncs on this PC (NULL:
-- not synced here). `rev` is the server's folder revision fetched up to. `error` is why the
-- last round could not sync it (the local folder missing or unmounted…), NULL when it went.
CREATE TABLE files_folders (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL DEFAULT 'reader',
    grp         TEXT,
    quota_bytes INTEGER NOT NULL DEFAULT 0,
    used_bytes  INTEGER NOT NULL DEFAULT 0,
    local_path  TEXT UNIQUE,
    rev         INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    last_sync   REAL
);

-- One row per file in sync: the local file at `path` (relative, POSIX, NFC) held the server's
-- version `version` (content `sha256`, `size` bytes) when it last had `mtime_ns` (with that
-- size). A scan hashes a file only when its size or mtime moved. `conflict_of`: this file is
-- a conflict copy, kept beside that path (shown as a conflict until the user deals with it).
CREATE TABLE files_entries (
    folder      TEXT NOT NULL REFERENCES files_folders(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    file_id     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    conflict_of TEXT,
    PRIMARY KEY (folder, path)
);
CREATE UNIQUE INDEX files_entries_id ON files_entries(folder, file_id);

-- What the last scan or round found not in sync: `pending` (a local change not sent yet) or
-- `error` (refused: a name the server or this PC cannot hold, a right missing…), with why.
-- Replaced for a folder at each scan.
CREATE TABLE files_issues (
    folder  TEXT NOT NULL REFERENCES files_folders(id) ON DELETE CASCADE,
    path    TEXT NOT NULL,
    state   TEXT NOT NULL CHECK (state IN ('pending', 'error')),
    message TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (folder, path)
);

-- A resumable upload under way: the server's session for the local file at `path` with that
-- content (which chunks it holds, the server says when asked).
CREATE TABLE files_uploads (
    folder     TEXT NOT NULL REFERENCES files_folders(id) ON DELETE CASCADE,
    path       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    upload_id  TEXT NOT NULL,
    chunk_size INTEGER NOT NULL,
    chunks     INTEGER NOT NULL,
    PRIMARY KEY (folder, path)
);

-- A download under way into a hidden temp file of the synced folder (`temp`, relative), so
-- that a large one resumes with a Range request.
CREATE TABLE files_downloads (
    folder  TEXT NOT NULL REFERENCES files_folders(id) ON DELETE CASCADE,
    file_id TEXT NOT NULL,
    sha256  TEXT NOT NULL,
    temp    TEXT NOT NULL,
    PRIMARY KEY (folder, file_id)
);
