"""Shared folders of the document bank on SQLite: the part of `SqliteStore` that implements the
folder, member and upload-session methods of the `Store` contract (files, versions and the
trash are in `sqlite_files.py`). Same rules as `sqlite_chat.py`: public methods on the loop
thread; the `op`/`fn` closures run on the writer thread or a reader thread."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import TypeVar

from ..errors import LastOwner, NotAMember, UnknownFileFolder, UnknownUpload
from .base import FileFolder, FileUpload, FolderMember, Role
from .sqlite_chat import _require_group, _require_user

T = TypeVar("T")

_FOLDER_COLUMNS = (
    "f.id, f.name, f.group_name, f.quota_bytes, "
    "(SELECT coalesce(sum(x.size), 0) FROM files x WHERE x.folder_id = f.id AND x.deleted = 0), f.rev, f.created_by"
)
_UPLOAD_COLUMNS = "id, folder_id, username, path, size, sha256, chunk_size, base_etag, created_at, updated_at"
# Effective members of a folder: explicit members, plus the members of its group as editors.
_EFFECTIVE = (
    "SELECT username, role, 1 FROM file_members WHERE folder_id = :folder "
    "UNION ALL SELECT g.username, 'editor', 0 FROM group_members g "
    "JOIN file_folders f ON f.group_name = g.group_name WHERE f.id = :folder "
    "AND g.username NOT IN (SELECT username FROM file_members WHERE folder_id = :folder)"
)


class SqliteFileFoldersMixin:
    """Shared folders and upload sessions for `SqliteStore`, which provides `_read` and `_write`."""

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        raise NotImplementedError

    # -- folders ----------------------------------------------------------------------------------

    async def create_file_folder(
        self, folder_id: str, name: str, group: str | None, quota_bytes: int, creator: str,
        members: Sequence[tuple[str, Role]] = (),
    ) -> FileFolder:
        """See `Store.create_file_folder`."""

        def op(c: sqlite3.Connection) -> FileFolder:
            for user in (creator, *(m for m, _ in members)):
                _require_user(c, user)
            if group is not None:
                _require_group(c, group)
            c.execute(
                "INSERT INTO file_folders(id, name, group_name, quota_bytes, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (folder_id, name, group, quota_bytes, creator, time.time()),
            )
            c.executemany(
                "INSERT OR IGNORE INTO file_members(folder_id, username, role) VALUES (?, ?, ?)",
                [(folder_id, creator, Role.OWNER.value), *((folder_id, m, r.value) for m, r in members)],
            )
            return _require_folder(c, folder_id)

        return await self._write(op)

    async def all_file_folders(self) -> list[FileFolder]:
        """See `Store.all_file_folders`."""
        rows = await self._read(
            lambda c: c.execute(f"SELECT {_FOLDER_COLUMNS} FROM file_folders f ORDER BY f.name, f.id").fetchall()
        )
        return [FileFolder(*r) for r in rows]

    async def get_file_folder(self, folder_id: str) -> FileFolder | None:
        """See `Store.get_file_folder`."""
        return await self._read(lambda c: _folder(c, folder_id))

    async def file_folder_role(self, folder_id: str, username: str) -> Role | None:
        """See `Store.file_folder_role`."""

        def fn(c: sqlite3.Connection) -> tuple[bool, Role | None]:
            if c.execute("SELECT 1 FROM file_folders WHERE id = ?", (folder_id,)).fetchone() is None:
                return False, None
            return True, _role(c, folder_id, username)

        exists, role = await self._read(fn)
        if not exists:
            raise UnknownFileFolder(f"dossier partagé inconnu : {folder_id}")
        return role

    async def list_file_folders(self, username: str) -> list[tuple[FileFolder, Role]]:
        """See `Store.list_file_folders`."""

        def fn(c: sqlite3.Connection) -> list[tuple[FileFolder, Role]]:
            rows = c.execute(
                f"SELECT coalesce(m.role, 'editor'), {_FOLDER_COLUMNS} FROM file_folders f "
                "LEFT JOIN file_members m ON m.folder_id = f.id AND m.username = :user "
                "WHERE m.username IS NOT NULL OR f.group_name IN "
                "(SELECT group_name FROM group_members WHERE username = :user) ORDER BY f.name, f.id",
                {"user": username},
            ).fetchall()
            return [(FileFolder(*row[1:]), Role(row[0])) for row in rows]

        return await self._read(fn)

    async def list_file_members(self, folder_id: str) -> list[FolderMember]:
        """See `Store.list_file_members`."""

        def fn(c: sqlite3.Connection) -> list[tuple[str, str, int]]:
            _require_folder(c, folder_id)
            return c.execute(f"{_EFFECTIVE} ORDER BY username", {"folder": folder_id}).fetchall()

        return [FolderMember(u, Role(r), bool(e)) for u, r, e in await self._read(fn)]

    async def set_file_member(self, folder_id: str, username: str, role: Role) -> None:
        """See `Store.set_file_member`."""

        def op(c: sqlite3.Connection) -> None:
            _require_folder(c, folder_id)
            _require_user(c, username)
            if role is not Role.OWNER and _explicit_role(c, folder_id, username) == "owner":
                _require_other_owner(c, folder_id, username)
            c.execute(
                "INSERT INTO file_members(folder_id, username, role) VALUES (?, ?, ?) "
                "ON CONFLICT(folder_id, username) DO UPDATE SET role = excluded.role",
                (folder_id, username, role.value),
            )

        await self._write(op)

    async def remove_file_member(self, folder_id: str, username: str) -> None:
        """See `Store.remove_file_member`."""

        def op(c: sqlite3.Connection) -> None:
            _require_folder(c, folder_id)
            current = _explicit_role(c, folder_id, username)
            if current is None:
                raise NotAMember(f"« {username} » n'est pas membre du dossier")
            if current == "owner":
                _require_other_owner(c, folder_id, username)
            c.execute("DELETE FROM file_members WHERE folder_id = ? AND username = ?", (folder_id, username))

        await self._write(op)

    async def set_file_folder_group(self, folder_id: str, group: str | None) -> FileFolder:
        """See `Store.set_file_folder_group`."""

        def op(c: sqlite3.Connection) -> FileFolder:
            _require_folder(c, folder_id)
            if group is not None:
                _require_group(c, group)
            c.execute("UPDATE file_folders SET group_name = ? WHERE id = ?", (group, folder_id))
            return _require_folder(c, folder_id)

        return await self._write(op)

    async def set_file_quota(self, folder_id: str, quota_bytes: int) -> FileFolder:
        """See `Store.set_file_quota`."""

        def op(c: sqlite3.Connection) -> FileFolder:
            _require_folder(c, folder_id)
            c.execute("UPDATE file_folders SET quota_bytes = ? WHERE id = ?", (quota_bytes, folder_id))
            return _require_folder(c, folder_id)

        return await self._write(op)
    # -- upload sessions --------------------------------------------------------------------------

    async def create_file_upload(self, upload: FileUpload) -> FileUpload:
        """See `Store.create_file_upload`."""
        now = time.time()

        def op(c: sqlite3.Connection) -> None:
            _require_folder(c, upload.folder_id)
            c.execute(
                f"INSERT INTO file_uploads({_UPLOAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (upload.id, upload.folder_id, upload.username, upload.path, upload.size, upload.sha256,
                 upload.chunk_size, upload.base_etag, now, now),
            )

        await self._write(op)
        return replace(upload, created_at=now, updated_at=now, received=())

    async def get_file_upload(self, upload_id: str) -> FileUpload | None:
        """See `Store.get_file_upload`."""

        def fn(c: sqlite3.Connection) -> FileUpload | None:
            row = c.execute(f"SELECT {_UPLOAD_COLUMNS} FROM file_uploads WHERE id = ?", (upload_id,)).fetchone()
            if row is None:
                return None
            chunks = c.execute(
                "SELECT idx, blake3 FROM file_upload_chunks WHERE upload_id = ? ORDER BY idx", (upload_id,)
            ).fetchall()
            return replace(FileUpload(*row), received=tuple((int(i), str(h)) for i, h in chunks))

        return await self._read(fn)

    async def add_upload_chunk(self, upload_id: str, index: int, digest: str) -> None:
        """See `Store.add_upload_chunk`."""

        def op(c: sqlite3.Connection) -> None:
            if c.execute("UPDATE file_uploads SET updated_at = ? WHERE id = ?", (time.time(), upload_id)).rowcount == 0:
                raise UnknownUpload(f"envoi inconnu ou expiré : {upload_id}")
            c.execute(
                "INSERT OR REPLACE INTO file_upload_chunks(upload_id, idx, blake3) VALUES (?, ?, ?)",
                (upload_id, index, digest),
            )

        await self._write(op)

    async def drop_upload_chunks(self, upload_id: str, indices: Collection[int]) -> None:
        """See `Store.drop_upload_chunks`."""
        rows = [(upload_id, i) for i in indices]
        await self._write(lambda c: c.executemany(
            "DELETE FROM file_upload_chunks WHERE upload_id = ? AND idx = ?", rows
        ))

    async def delete_file_upload(self, upload_id: str) -> bool:
        """See `Store.delete_file_upload`."""
        return await self._write(
            lambda c: c.execute("DELETE FROM file_uploads WHERE id = ?", (upload_id,)).rowcount > 0
        )

    async def expire_file_uploads(self, before: float) -> set[str]:
        """See `Store.expire_file_uploads`."""

        def op(c: sqlite3.Connection) -> set[str]:
            c.execute("DELETE FROM file_uploads WHERE updated_at < ?", (before,))
            return {str(r[0]) for r in c.execute("SELECT id FROM file_uploads")}

        return await self._write(op)


# -- helpers run on the writer or a reader thread --------------------------------------------------


def _folder(c: sqlite3.Connection, folder_id: str) -> FileFolder | None:
    row = c.execute(f"SELECT {_FOLDER_COLUMNS} FROM file_folders f WHERE f.id = ?", (folder_id,)).fetchone()
    return FileFolder(*row) if row else None


def _require_folder(c: sqlite3.Connection, folder_id: str) -> FileFolder:
    folder = _folder(c, folder_id)
    if folder is None:
        raise UnknownFileFolder(f"dossier partagé inconnu : {folder_id}")
    return folder


def _role(c: sqlite3.Connection, folder_id: str, username: str) -> Role | None:
    explicit = _explicit_role(c, folder_id, username)
    if explicit is not None:
        return Role(explicit)
    row = c.execute(
        "SELECT 1 FROM file_folders f JOIN group_members g ON g.group_name = f.group_name "
        "WHERE f.id = ? AND g.username = ?",
        (folder_id, username),
    ).fetchone()
    return Role.EDITOR if row else None


def _explicit_role(c: sqlite3.Connection, folder_id: str, username: str) -> str | None:
    row = c.execute(
        "SELECT role FROM file_members WHERE folder_id = ? AND username = ?", (folder_id, username)
    ).fetchone()
    return str(row[0]) if row else None


def _require_other_owner(c: sqlite3.Connection, folder_id: str, username: str) -> None:
    other = c.execute(
        "SELECT 1 FROM file_members WHERE folder_id = ? AND role = 'owner' AND username <> ? LIMIT 1",
        (folder_id, username),
    ).fetchone()
    if other is None:
        raise LastOwner("le dossier doit garder au moins un propriétaire")
