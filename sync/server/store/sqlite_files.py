"""The document bank's files on SQLite: the part of `SqliteStore` that implements the file,
version, move and trash methods of the `Store` contract (folders, members and upload sessions
are in `sqlite_file_folders.py`). Same rules as
`sqlite_chat.py`: public methods on the loop thread; the `op`/`fn` closures run on the writer
thread or a reader thread.

Every change to a file takes the next value of its folder's `rev` in the same write (`_bump`),
and every precondition, path and quota check runs inside that write: two clients racing for
one path cannot both win.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from sync.protocol.file_paths import parents, path_key

from ..errors import FilePreconditionFailed, PathConflict, QuotaExceeded, UnknownFile, UnknownFileFolder
from .base import FileEntry, FileFolder, FileVersion, FileWrite
from .sqlite_file_folders import _require_folder

T = TypeVar("T")

_FILE_COLUMNS = (
    "id, folder_id, path, version, sha256, size, modified_by, modified_at, deleted, rev, deleted_at, deleted_by"
)


class SqliteFilesMixin:
    """The document bank for `SqliteStore`, which provides `_read` and `_write`."""

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        raise NotImplementedError

    # -- files ------------------------------------------------------------------------------------

    async def list_file_changes(self, folder_id: str, since: int, limit: int) -> tuple[int, list[FileEntry]]:
        """See `Store.list_file_changes`. Nothing changed costs one primary-key lookup."""

        def fn(c: sqlite3.Connection) -> tuple[int, list[FileEntry]]:
            c.execute("BEGIN")  # the rev and the rows from one snapshot
            try:
                row = c.execute("SELECT rev FROM file_folders WHERE id = ?", (folder_id,)).fetchone()
                if row is None:
                    raise UnknownFileFolder(f"dossier partagé inconnu : {folder_id}")
                if since >= row[0]:
                    return row[0], []
                rows = c.execute(
                    f"SELECT {_FILE_COLUMNS} FROM files WHERE folder_id = ? AND rev > ? ORDER BY rev LIMIT ?",
                    (folder_id, since, limit),
                ).fetchall()
                return row[0], [_entry(r) for r in rows]
            finally:
                c.execute("COMMIT")

        return await self._read(fn)

    async def get_file(self, folder_id: str, file_id: str) -> FileEntry | None:
        """See `Store.get_file`."""
        return await self._read(lambda c: _file(c, folder_id, file_id))

    async def get_file_by_path(self, folder_id: str, path: str) -> FileEntry | None:
        """See `Store.get_file_by_path`."""

        def fn(c: sqlite3.Connection) -> FileEntry | None:
            entry = _live_at(c, folder_id, path)
            return entry if entry is not None and entry.path == path else None

        return await self._read(fn)

    async def write_file(
        self, folder_id: str, path: str, expect: str | None, sha256: str, size: int, user: str, keep: int
    ) -> FileWrite:
        """See `Store.write_file`. Content equal to the current version succeeds whatever
        `expect` says: a replayed upload whose answer was lost finds its own result."""

        def op(c: sqlite3.Connection) -> FileWrite:
            folder, current = _write_checks(c, folder_id, path, expect, sha256, size)
            if current is not None and current.sha256 == sha256:
                return FileWrite(current, False)
            if current is not None:
                return _new_version(c, folder, current, sha256, size, user, keep)
            rev, now = _bump(c, folder_id), time.time()
            file_id = uuid.uuid4().hex
            c.execute(
                "INSERT INTO files(id, folder_id, path, path_key, version, sha256, size, modified_by, "
                "modified_at, rev) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
                (file_id, folder_id, path, path_key(path), sha256, size, user, now, rev),
            )
            c.execute(
                "INSERT INTO file_versions(file_id, version, sha256, size, modified_by, modified_at) "
                "VALUES (?, 1, ?, ?, ?, ?)",
                (file_id, sha256, size, user, now),
            )
            return FileWrite(_require_file(c, folder_id, file_id), True)

        return await self._write(op)

    async def check_file_write(self, folder_id: str, path: str, expect: str | None, sha256: str, size: int) -> None:
        """See `Store.check_file_write`."""
        await self._read(lambda c: _write_checks(c, folder_id, path, expect, sha256, size))

    async def move_file(self, folder_id: str, file_id: str, path: str, expect: str | None) -> FileEntry:
        """See `Store.move_file`."""

        def op(c: sqlite3.Connection) -> FileEntry:
            entry = _require_file(c, folder_id, file_id, live=True)
            if expect is not None:
                _check_expect(entry.path, entry, expect)
            if entry.path == path:
                return entry
            _check_free(c, folder_id, path, (file_id,))
            c.execute(
                "UPDATE files SET path = ?, path_key = ?, rev = ? WHERE id = ?",
                (path, path_key(path), _bump(c, folder_id), file_id),
            )
            return _require_file(c, folder_id, file_id)

        return await self._write(op)

    async def move_tree(self, folder_id: str, source: str, target: str) -> list[FileEntry]:
        """See `Store.move_tree`."""

        def op(c: sqlite3.Connection) -> list[FileEntry]:
            low = path_key(source) + "/"
            rows = c.execute(
                f"SELECT {_FILE_COLUMNS} FROM files WHERE folder_id = ? AND deleted = 0 AND path_key >= ? "
                "AND path_key < ? ORDER BY path",
                (folder_id, low, low[:-1] + "0"),
            ).fetchall()
            if not rows:
                raise UnknownFile(f"aucun fichier dans le dossier « {source} »")
            if path_key(target).startswith(low):
                raise PathConflict(f"« {target} » est dans « {source} » : un dossier ne se déplace pas en lui-même")
            depth = source.count("/") + 1  # segments, not characters: case folding may change lengths
            moving = {e.id: "/".join([target, *e.path.split("/")[depth:]]) for e in map(_entry, rows)}
            for new_path in moving.values():
                _check_free(c, folder_id, new_path, moving)
            # Out of the unique index first: a new path may be another moved file's old one.
            c.executemany("UPDATE files SET path_key = char(0) || id WHERE id = ?", [(i,) for i in moving])
            for file_id, new_path in moving.items():
                c.execute(
                    "UPDATE files SET path = ?, path_key = ?, rev = ? WHERE id = ?",
                    (new_path, path_key(new_path), _bump(c, folder_id), file_id),
                )
            return [_require_file(c, folder_id, i) for i in moving]

        return await self._write(op)

    async def delete_file(self, folder_id: str, file_id: str, expect: str, user: str) -> FileEntry:
        """See `Store.delete_file`."""

        def op(c: sqlite3.Connection) -> FileEntry:
            entry = _require_file(c, folder_id, file_id)
            if entry.deleted and expect in ("*", entry.sha256):
                return entry
            if entry.deleted:
                raise FilePreconditionFailed(f"« {entry.path} » est déjà dans la corbeille", None)
            _check_expect(entry.path, entry, expect)
            c.execute(
                "UPDATE files SET deleted = 1, deleted_at = ?, deleted_by = ?, rev = ? WHERE id = ?",
                (time.time(), user, _bump(c, folder_id), file_id),
            )
            return _require_file(c, folder_id, file_id)

        return await self._write(op)

    async def list_trash(self, folder_id: str) -> list[FileEntry]:
        """See `Store.list_trash`."""

        def fn(c: sqlite3.Connection) -> list[FileEntry]:
            _require_folder(c, folder_id)
            rows = c.execute(
                f"SELECT {_FILE_COLUMNS} FROM files WHERE folder_id = ? AND deleted = 1 ORDER BY deleted_at DESC",
                (folder_id,),
            ).fetchall()
            return [_entry(r) for r in rows]

        return await self._read(fn)

    async def restore_file(self, folder_id: str, file_id: str, path: str | None) -> FileEntry:
        """See `Store.restore_file`."""

        def op(c: sqlite3.Connection) -> FileEntry:
            folder = _require_folder(c, folder_id)
            entry = _require_file(c, folder_id, file_id)
            if not entry.deleted:
                raise PathConflict(f"« {entry.path} » n'est pas dans la corbeille")
            target = path or entry.path
            _check_free(c, folder_id, target, ())
            _check_quota(folder, entry.size)
            c.execute(
                "UPDATE files SET deleted = 0, deleted_at = NULL, deleted_by = NULL, path = ?, path_key = ?, rev = ? "
                "WHERE id = ?",
                (target, path_key(target), _bump(c, folder_id), file_id),
            )
            return _require_file(c, folder_id, file_id)

        return await self._write(op)

    async def purge_file(self, folder_id: str, file_id: str) -> tuple[str, ...]:
        """See `Store.purge_file`."""

        def op(c: sqlite3.Connection) -> tuple[str, ...]:
            entry = _require_file(c, folder_id, file_id)
            if not entry.deleted:
                raise UnknownFile(f"« {entry.path} » n'est pas dans la corbeille")
            rows = c.execute("DELETE FROM file_versions WHERE file_id = ? RETURNING sha256", (file_id,)).fetchall()
            c.execute("DELETE FROM files WHERE id = ?", (file_id,))
            return tuple(r[0] for r in rows)

        return await self._write(op)

    async def list_file_versions(self, folder_id: str, file_id: str) -> list[FileVersion]:
        """See `Store.list_file_versions`."""

        def fn(c: sqlite3.Connection) -> list[FileVersion]:
            _require_file(c, folder_id, file_id)
            rows = c.execute(
                "SELECT file_id, version, sha256, size, modified_by, modified_at FROM file_versions "
                "WHERE file_id = ? ORDER BY version DESC",
                (file_id,),
            ).fetchall()
            return [FileVersion(*r) for r in rows]

        return await self._read(fn)

    async def restore_file_version(
        self, folder_id: str, file_id: str, version: int, expect: str | None, user: str, keep: int
    ) -> FileWrite:
        """See `Store.restore_file_version`."""

        def op(c: sqlite3.Connection) -> FileWrite:
            folder = _require_folder(c, folder_id)
            entry = _require_file(c, folder_id, file_id, live=True)
            row = c.execute(
                "SELECT sha256, size FROM file_versions WHERE file_id = ? AND version = ?", (file_id, version)
            ).fetchone()
            if row is None:
                raise UnknownFile(
                    f"version {version} inconnue pour « {entry.path} » (seules les dernières sont gardées)"
                )
            if expect is not None:
                _check_expect(entry.path, entry, expect)
            if row[0] == entry.sha256:
                return FileWrite(entry, False)
            return _new_version(c, folder, entry, row[0], row[1], user, keep)

        return await self._write(op)


# -- helpers run on the writer or a reader thread --------------------------------------------------


def _entry(row: Sequence[Any]) -> FileEntry:
    return FileEntry(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], bool(row[8]), row[9],
                     row[10], row[11])


def _file(c: sqlite3.Connection, folder_id: str, file_id: str) -> FileEntry | None:
    row = c.execute(
        f"SELECT {_FILE_COLUMNS} FROM files WHERE id = ? AND folder_id = ?", (file_id, folder_id)
    ).fetchone()
    return _entry(row) if row else None


def _require_file(c: sqlite3.Connection, folder_id: str, file_id: str, live: bool = False) -> FileEntry:
    entry = _file(c, folder_id, file_id)
    if entry is None:
        raise UnknownFile(f"fichier inconnu : {file_id}")
    if live and entry.deleted:
        raise UnknownFile(f"« {entry.path} » est dans la corbeille : restaurez-le d'abord")
    return entry


def _live_at(c: sqlite3.Connection, folder_id: str, path: str) -> FileEntry | None:
    """The live file whose path equals `path` but for case."""
    row = c.execute(
        f"SELECT {_FILE_COLUMNS} FROM files WHERE folder_id = ? AND path_key = ? AND deleted = 0",
        (folder_id, path_key(path)),
    ).fetchone()
    return _entry(row) if row else None


def _under(c: sqlite3.Connection, folder_id: str, folder_path: str, moving: Collection[str]) -> str | None:
    """The path of a live file (not among `moving`) inside `folder_path`, case-insensitively."""
    low = path_key(folder_path) + "/"
    high = low[:-1] + "0"  # "0" follows "/": the range is every key starting with `low`
    marks = ", ".join("?" * len(moving))
    row = c.execute(
        "SELECT path FROM files WHERE folder_id = ? AND deleted = 0 AND path_key >= ? AND path_key < ? "
        f"AND id NOT IN ({marks}) LIMIT 1",
        (folder_id, low, high, *moving),
    ).fetchone()
    return str(row[0]) if row else None


def _case_message(path: str, existing: str) -> str:
    return (f"« {path} » existe déjà sous le nom « {existing} » : deux noms qui ne diffèrent que par la "
            "casse désignent le même fichier sous Windows et macOS")


def _check_free(c: sqlite3.Connection, folder_id: str, path: str, moving: Collection[str]) -> None:
    """Raise PathConflict unless a file of `moving` (or a new one) may live at `path`: no other
    live file at that path in any case, no file where it needs a folder, no folder where it
    needs a file, and its folders spelt as the existing ones are."""
    other = _live_at(c, folder_id, path)
    if other is not None and other.id not in moving:
        if other.path == path:
            raise PathConflict(f"le chemin « {path} » est déjà pris par un autre fichier")
        raise PathConflict(_case_message(path, other.path))
    for folder_path in parents(path):
        blocker = _live_at(c, folder_id, folder_path)
        if blocker is not None and blocker.id not in moving:
            raise PathConflict(f"« {blocker.path} » est un fichier : il ne peut pas contenir « {path} »")
        inside = _under(c, folder_id, folder_path, moving)
        if inside is not None and not inside.startswith(folder_path + "/"):
            existing = "/".join(inside.split("/")[: folder_path.count("/") + 1])
            raise PathConflict(f"le dossier « {folder_path} » existe déjà sous le nom « {existing} » "
                               "(seule la casse diffère)")
    inside = _under(c, folder_id, path, moving)
    if inside is not None:
        raise PathConflict(f"« {path} » est un dossier (il contient « {inside} ») : choisissez un autre nom")


def _write_checks(
    c: sqlite3.Connection, folder_id: str, path: str, expect: str | None, sha256: str, size: int
) -> tuple[FileFolder, FileEntry | None]:
    """Raise what writing `sha256` at `path` would break; return the folder and the live file
    there. Content equal to the current version passes whatever `expect` says."""
    folder = _require_folder(c, folder_id)
    current = _live_at(c, folder_id, path)
    if current is not None and current.path != path:
        raise PathConflict(_case_message(path, current.path))
    if current is not None and current.sha256 == sha256:
        return folder, current
    _check_expect(path, current, expect)
    if current is None:
        _check_free(c, folder_id, path, ())
    _check_quota(folder, size - (current.size if current else 0))
    return folder, current


def _check_expect(path: str, current: FileEntry | None, expect: str | None) -> None:
    if expect is None and current is not None:
        raise FilePreconditionFailed(f"le fichier « {path} » existe déjà sur le serveur", current)
    if expect is not None and current is None:
        raise FilePreconditionFailed(f"le fichier « {path} » n'existe pas (ou plus) sur le serveur", None)
    if expect not in (None, "*") and current is not None and current.sha256 != expect:
        raise FilePreconditionFailed(
            f"le fichier « {path} » a été modifié sur le serveur depuis la version que vous aviez", current
        )


def _check_quota(folder: FileFolder, growth: int) -> None:
    if growth > 0 and folder.used_bytes + growth > folder.quota_bytes:
        raise QuotaExceeded(folder.quota_bytes, folder.used_bytes, growth)


def _new_version(
    c: sqlite3.Connection, folder: FileFolder, current: FileEntry, sha256: str, size: int, user: str, keep: int
) -> FileWrite:
    """Give a live file a new current version and prune the ones beyond `keep`. Writer thread."""
    _check_quota(folder, size - current.size)
    rev, now, version = _bump(c, folder.id), time.time(), current.version + 1
    c.execute(
        "UPDATE files SET version = ?, sha256 = ?, size = ?, modified_by = ?, modified_at = ?, rev = ? WHERE id = ?",
        (version, sha256, size, user, now, rev, current.id),
    )
    c.execute(
        "INSERT INTO file_versions(file_id, version, sha256, size, modified_by, modified_at) VALUES (?, ?, ?, ?, ?, ?)",
        (current.id, version, sha256, size, user, now),
    )
    pruned = c.execute(
        "DELETE FROM file_versions WHERE file_id = ? AND version <= ? RETURNING sha256", (current.id, version - keep)
    ).fetchall()
    return FileWrite(_require_file(c, folder.id, current.id), False, tuple(r[0] for r in pruned))


def _bump(c: sqlite3.Connection, folder_id: str) -> int:
    """Increment the folder's change counter; return its new value. Writer thread."""
    [(rev,)] = c.execute("UPDATE file_folders SET rev = rev + 1 WHERE id = ? RETURNING rev", (folder_id,)).fetchall()
    return int(rev)
