"""The document bank in the local store: the shared folders this user sees, which ones sync to
a folder of this PC, and the sync state of each file there (see migration 0009).

A synced file's row says which server version the local file held when it was last in sync,
and the local file's size and mtime then: a scan compares the disk with these rows, and hashes
a file only when its size or mtime moved. Nothing about the files (names, hashes, upload
sessions) is kept anywhere but in this encrypted store; the synced folder itself holds plain
files, by design.

Every method belongs to the thread that owns `conn`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .db import transaction
from .errors import InvalidInput, NotFound

SYNCED, PENDING, CONFLICT, ERROR = "synced", "pending", "conflict", "error"
# "nom (conflit de USER, 2026-11-22 14h05).ext" (sync.files.names.conflict_name): shown as a
# conflict on every PC, until the user renames or deletes it.
CONFLICT_NAME = re.compile(r" \(conflit de [^/()]+, \d{4}-\d{2}-\d{2} \d{2}h\d{2}(?: \d+)?\)[^/]*$")

__all__ = ["Download", "Entry", "FileState", "Folder", "FolderState", "FilesStore", "Upload"]


@dataclass(frozen=True)
class Folder:
    """A shared folder as last listed by the server; `local_path` None: not synced here."""

    id: str
    name: str
    role: str
    group: str | None
    quota_bytes: int
    used_bytes: int
    local_path: str | None
    rev: int
    error: str | None
    last_sync: float | None


@dataclass(frozen=True)
class Entry:
    """A file in sync: the local file at `path` held server version `version` (`sha256`,
    `size`) when its mtime was `mtime_ns`."""

    folder: str
    path: str
    file_id: str
    version: int
    sha256: str
    size: int
    mtime_ns: int
    conflict_of: str | None = None


@dataclass(frozen=True)
class Upload:
    folder: str
    path: str
    sha256: str
    size: int
    upload_id: str
    chunk_size: int
    chunks: int


@dataclass(frozen=True)
class Download:
    folder: str
    file_id: str
    sha256: str
    temp: str


@dataclass(frozen=True)
class FileState:
    """What the UI shows for one file: `state` synced | pending | conflict | error."""

    path: str
    state: str
    size: int | None
    version: int | None
    message: str


@dataclass(frozen=True)
class FolderState:
    """A synced folder at a glance: counts per state, and the folder's own error."""

    folder: Folder
    synced: int
    pending: int
    conflicts: int
    errors: int


_FOLDER = "id, name, role, grp, quota_bytes, used_bytes, local_path, rev, error, last_sync"
_ENTRY = "folder, path, file_id, version, sha256, size, mtime_ns, conflict_of"


def _folder(row: Sequence[Any]) -> Folder:
    return Folder(row[0], row[1], row[2], row[3], int(row[4]), int(row[5]), row[6], int(row[7]), row[8], row[9])


def _entry(row: Sequence[Any]) -> Entry:
    return Entry(row[0], row[1], row[2], int(row[3]), row[4], int(row[5]), int(row[6]), row[7])


class FilesStore:
    """Shared folders and the sync state of their files, for one profile."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    # -- folders ------------------------------------------------------------------------

    def folders(self) -> list[Folder]:
        """Return every folder known, by name."""
        rows = self.conn.execute(f"SELECT {_FOLDER} FROM files_folders ORDER BY name COLLATE NOCASE, id")
        return [_folder(r) for r in rows]

    def synced_folders(self) -> list[Folder]:
        """Return the folders synced on this PC."""
        return [f for f in self.folders() if f.local_path is not None]

    def folder(self, folder_id: str) -> Folder:
        """Return a folder. Raises NotFound."""
        row = self.conn.execute(f"SELECT {_FOLDER} FROM files_folders WHERE id = ?", (folder_id,)).fetchone()
        if row is None:
            raise NotFound(f"Dossier partagé inconnu : {folder_id}.")
        return _folder(row)

    def resolve(self, ref: str) -> Folder:
        """Return the folder whose id, id prefix or name (case ignored) is `ref`. Raises
        NotFound, or InvalidInput when several match."""
        ref = ref.strip()
        found = [f for f in self.folders() if f.id == ref]
        found = found or [f for f in self.folders() if f.name.casefold() == ref.casefold()]
        found = found or ([f for f in self.folders() if f.id.startswith(ref.lower())] if len(ref) >= 4 else [])
        if not found:
            raise NotFound(f"Dossier partagé introuvable : « {ref} » (voyez « parvis files folders »).")
        if len(found) > 1:
            raise InvalidInput(f"Plusieurs dossiers partagés s'appellent « {ref} » : donnez son identifiant "
                               f"({', '.join(f.id for f in found)}).")
        return found[0]

    def save_listing(self, listed: Iterable[dict[str, Any]]) -> None:
        """Record the server's folder list (GET /api/files/folders): new folders added, the
        others updated; a folder no longer listed is dropped unless it syncs here (then its
        error says so, and its local files stay). One transaction."""
        items = list(listed)
        with transaction(self.conn):
            for f in items:
                self.conn.execute(
                    "INSERT INTO files_folders(id, name, role, grp, quota_bytes, used_bytes) VALUES (?,?,?,?,?,?) "
                    "ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role, grp = excluded.grp, "
                    "quota_bytes = excluded.quota_bytes, used_bytes = excluded.used_bytes, error = NULL",
                    (f["id"], f["name"], f["role"], f.get("group"), int(f.get("quota_bytes") or 0),
                     int(f.get("used_bytes") or 0)))
            ids = {f["id"] for f in items}
            for folder in self.folders():
                if folder.id in ids:
                    continue
                if folder.local_path is None:
                    self.conn.execute("DELETE FROM files_folders WHERE id = ?", (folder.id,))
                else:
                    self.set_error(folder.id, "ce dossier n'est plus partagé avec vous sur le serveur ; "
                                              "les fichiers locaux sont gardés")

    def set_local_path(self, folder_id: str, local_path: Path | None) -> None:
        """Sync `folder_id` into `local_path` (an absolute folder), or stop syncing it (None:
        its sync state is forgotten, the local files stay). Raises NotFound, InvalidInput when
        another folder already syncs there."""
        self.folder(folder_id)
        text = None if local_path is None else str(local_path)
        with transaction(self.conn):
            if text is not None:
                other = self.conn.execute("SELECT name FROM files_folders WHERE local_path = ? AND id != ?",
                                          (text, folder_id)).fetchone()
                if other is not None:
                    raise InvalidInput(f"Le dossier {text} synchronise déjà « {other[0]} » : choisissez-en un autre.")
            for table in ("files_entries", "files_issues", "files_uploads", "files_downloads"):
                self.conn.execute(f"DELETE FROM {table} WHERE folder = ?", (folder_id,))
            self.conn.execute("UPDATE files_folders SET local_path = ?, rev = 0, error = NULL, last_sync = NULL "
                              "WHERE id = ?", (text, folder_id))

    def set_rev(self, folder_id: str, rev: int) -> None:
        self.conn.execute("UPDATE files_folders SET rev = max(rev, ?) WHERE id = ?", (rev, folder_id))

    def set_error(self, folder_id: str, error: str | None) -> None:
        self.conn.execute("UPDATE files_folders SET error = ? WHERE id = ?", (error, folder_id))

    def synced_now(self, folder_id: str) -> None:
        self.conn.execute("UPDATE files_folders SET error = NULL, last_sync = ? WHERE id = ?",
                          (time.time(), folder_id))

    # -- entries ------------------------------------------------------------------------

    def entries(self, folder_id: str) -> dict[str, Entry]:
        """Return the folder's files in sync, by path."""
        rows = self.conn.execute(f"SELECT {_ENTRY} FROM files_entries WHERE folder = ?", (folder_id,))
        return {r[1]: _entry(r) for r in rows}

    def entry(self, folder_id: str, path: str) -> Entry | None:
        row = self.conn.execute(f"SELECT {_ENTRY} FROM files_entries WHERE folder = ? AND path = ?",
                                (folder_id, path)).fetchone()
        return None if row is None else _entry(row)

    def put_entry(self, entry: Entry) -> None:
        """Record a file in sync, replacing what was known of its path or of its file id."""
        self.conn.execute("DELETE FROM files_entries WHERE folder = ? AND (path = ? OR file_id = ?)",
                          (entry.folder, entry.path, entry.file_id))
        self.conn.execute(f"INSERT INTO files_entries({_ENTRY}) VALUES (?,?,?,?,?,?,?,?)",
                          (entry.folder, entry.path, entry.file_id, entry.version, entry.sha256, entry.size,
                           entry.mtime_ns, entry.conflict_of))

    def touch_entries(self, folder_id: str, stats: Iterable[tuple[str, int, int]]) -> None:
        """Record new (size, mtime) for unchanged contents: (path, size, mtime_ns)."""
        self.conn.executemany("UPDATE files_entries SET size = ?, mtime_ns = ? WHERE folder = ? AND path = ?",
                              [(size, mtime, folder_id, path) for path, size, mtime in stats])

    def drop_entry(self, folder_id: str, path: str) -> None:
        self.conn.execute("DELETE FROM files_entries WHERE folder = ? AND path = ?", (folder_id, path))

    # -- issues -------------------------------------------------------------------------

    def set_issues(self, folder_id: str, issues: dict[str, tuple[str, str]]) -> None:
        """Replace the folder's issues: path → (pending | error, message)."""
        self.conn.execute("DELETE FROM files_issues WHERE folder = ?", (folder_id,))
        self.conn.executemany("INSERT INTO files_issues(folder, path, state, message) VALUES (?,?,?,?)",
                              [(folder_id, p, s, m) for p, (s, m) in issues.items()])

    def issues(self, folder_id: str) -> dict[str, tuple[str, str]]:
        rows = self.conn.execute("SELECT path, state, message FROM files_issues WHERE folder = ?", (folder_id,))
        return {r[0]: (r[1], r[2]) for r in rows}

    # -- transfers under way ------------------------------------------------------------

    def upload(self, folder_id: str, path: str) -> Upload | None:
        row = self.conn.execute("SELECT folder, path, sha256, size, upload_id, chunk_size, chunks "
                                "FROM files_uploads WHERE folder = ? AND path = ?", (folder_id, path)).fetchone()
        return None if row is None else Upload(*row)

    def put_upload(self, up: Upload) -> None:
        self.conn.execute("INSERT OR REPLACE INTO files_uploads(folder, path, sha256, size, upload_id, chunk_size, "
                          "chunks) VALUES (?,?,?,?,?,?,?)",
                          (up.folder, up.path, up.sha256, up.size, up.upload_id, up.chunk_size, up.chunks))

    def drop_upload(self, folder_id: str, path: str) -> None:
        self.conn.execute("DELETE FROM files_uploads WHERE folder = ? AND path = ?", (folder_id, path))

    def download(self, folder_id: str, file_id: str) -> Download | None:
        row = self.conn.execute("SELECT folder, file_id, sha256, temp FROM files_downloads "
                                "WHERE folder = ? AND file_id = ?", (folder_id, file_id)).fetchone()
        return None if row is None else Download(*row)

    def put_download(self, d: Download) -> None:
        self.conn.execute("INSERT OR REPLACE INTO files_downloads(folder, file_id, sha256, temp) VALUES (?,?,?,?)",
                          (d.folder, d.file_id, d.sha256, d.temp))

    def drop_download(self, folder_id: str, file_id: str) -> None:
        self.conn.execute("DELETE FROM files_downloads WHERE folder = ? AND file_id = ?", (folder_id, file_id))

    # -- what the UI shows --------------------------------------------------------------

    def file_states(self, folder_id: str) -> list[FileState]:
        """Return every file of a synced folder with its state (synced, pending, conflict,
        error), by path: the rows in sync, and the issues of the last scan or round."""
        issues = self.issues(folder_id)
        states: dict[str, FileState] = {}
        for e in self.entries(folder_id).values():
            state, message = SYNCED, ""
            if e.conflict_of is not None:
                state, message = CONFLICT, f"copie en conflit de « {e.conflict_of} »"
            elif CONFLICT_NAME.search(e.path):
                state, message = CONFLICT, "copie en conflit : comparez-la avec l'original, puis renommez-la ou " \
                                           "supprimez-la"
            states[e.path] = FileState(e.path, state, e.size, e.version, message)
        for path, (state, message) in issues.items():
            known = states.get(path)
            states[path] = FileState(path, state, known.size if known else None, known.version if known else None,
                                     message)
        return [states[p] for p in sorted(states, key=str.casefold)]

    def folder_states(self) -> list[FolderState]:
        """Return every synced folder with its counts of files per state."""
        result = []
        for folder in self.synced_folders():
            counts = {SYNCED: 0, PENDING: 0, CONFLICT: 0, ERROR: 0}
            for s in self.file_states(folder.id):
                counts[s.state] += 1
            result.append(FolderState(folder, counts[SYNCED], counts[PENDING], counts[CONFLICT], counts[ERROR]))
        return result

    def pending_count(self) -> int:
        """Return the number of local changes not sent yet, over every synced folder."""
        return int(self.conn.execute("SELECT count(*) FROM files_issues WHERE state = 'pending'").fetchone()[0])
