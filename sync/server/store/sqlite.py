"""The default store: one SQLite file in the data folder.

Writes go through a single writer thread with group commit (`writer.py`); reads run on a small
pool of threads, each with its own read-only connection. WAL mode lets reads proceed during a
write; `synchronous=FULL` makes each commit durable before the futures resolve.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from ..errors import LastOwner, NotAMember, StoreError, UnknownDocument, UnknownUser, UserExists
from .base import Member, Role, Store, StoredDocument, User
from .checkpoint import Checkpointer
from .sqlite_chat import SqliteChatMixin
from .sqlite_file_folders import SqliteFileFoldersMixin
from .sqlite_files import SqliteFilesMixin
from .sqlite_messages import SqliteMessagesMixin
from .sqlite_schema import configure, migrate
from .writer import GroupCommitWriter

T = TypeVar("T")


class SqliteStore(SqliteChatMixin, SqliteMessagesMixin, SqliteFileFoldersMixin, SqliteFilesMixin, Store):
    """`Store` on SQLite. Public methods are called from the event-loop thread only."""

    def __init__(self, path: Path, read_threads: int = 4) -> None:
        self.path = Path(path)
        self._read_threads = read_threads
        self._writer = GroupCommitWriter(self._connect_writer, _bulk_insert, _append_error)
        self._checkpointer = Checkpointer(self.path, lambda: self._writer.batches)
        self._readers: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._read_conns: list[sqlite3.Connection] = []
        self._read_conns_lock = threading.Lock()

    # -- connections ------------------------------------------------------------------------------

    def _connect_writer(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        configure(conn)
        conn.execute("PRAGMA wal_autocheckpoint = 0")  # see checkpoint.py
        return conn

    def _read_conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._read_conns_lock:
                self._read_conns.append(conn)
        return conn

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._readers is None:
            raise StoreError("le stockage est fermé")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._readers, lambda: fn(self._read_conn()))
        except sqlite3.Error as exc:
            raise StoreError(f"échec de lecture dans la base : {exc}") from exc

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        return self._writer.submit(fn)

    # -- lifecycle --------------------------------------------------------------------------------

    async def open(self) -> None:
        """See `Store.open`."""
        try:
            await self._writer.start(migrate)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"impossible d'ouvrir la base {self.path} : {exc}") from exc
        self._readers = ThreadPoolExecutor(self._read_threads, thread_name_prefix="parvis-read")
        self._checkpointer.start()

    async def close(self) -> None:
        """See `Store.close`."""
        await self._writer.stop()
        await asyncio.to_thread(self._checkpointer.stop)
        readers, self._readers = self._readers, None
        if readers is not None:
            await asyncio.to_thread(readers.shutdown, True)
        with self._read_conns_lock:
            for conn in self._read_conns:
                conn.close()
            self._read_conns.clear()

    @property
    def commits(self) -> int:
        """How many write transactions were committed (group commit makes it < writes)."""
        return self._writer.batches

    # -- users ------------------------------------------------------------------------------------

    async def create_user(self, username: str, password_hash: str) -> None:
        """See `Store.create_user`."""

        def op(c: sqlite3.Connection) -> None:
            try:
                c.execute(
                    "INSERT INTO users(username, password_hash, created_at) VALUES (?, ?, ?)",
                    (username, password_hash, time.time()),
                )
            except sqlite3.IntegrityError as exc:
                raise UserExists(f"l'utilisateur « {username} » existe déjà") from exc

        await self._write(op)

    async def get_user(self, username: str) -> User | None:
        """See `Store.get_user`."""
        row = await self._read(
            lambda c: c.execute("SELECT username, password_hash FROM users WHERE username = ?", (username,)).fetchone()
        )
        return User(row[0], row[1]) if row else None

    async def list_users(self) -> list[str]:
        """See `Store.list_users`."""
        rows = await self._read(lambda c: c.execute("SELECT username FROM users ORDER BY username").fetchall())
        return [r[0] for r in rows]

    async def set_password_hash(self, username: str, password_hash: str) -> None:
        """See `Store.set_password_hash`."""

        def op(c: sqlite3.Connection) -> None:
            cur = c.execute("UPDATE users SET password_hash = ? WHERE username = ?", (password_hash, username))
            if cur.rowcount == 0:
                raise UnknownUser(f"utilisateur inconnu : {username}")

        await self._write(op)

    # -- tokens -----------------------------------------------------------------------------------

    async def add_token(self, token_digest: str, username: str) -> None:
        """See `Store.add_token`."""

        def op(c: sqlite3.Connection) -> None:
            _require_user(c, username)
            c.execute(
                "INSERT INTO tokens(digest, username, created_at) VALUES (?, ?, ?)",
                (token_digest, username, time.time()),
            )

        await self._write(op)

    async def user_for_token(self, token_digest: str) -> str | None:
        """See `Store.user_for_token`."""
        row = await self._read(
            lambda c: c.execute("SELECT username FROM tokens WHERE digest = ?", (token_digest,)).fetchone()
        )
        return row[0] if row else None

    async def revoke_token(self, token_digest: str) -> bool:
        """See `Store.revoke_token`."""
        return await self._write(
            lambda c: c.execute("DELETE FROM tokens WHERE digest = ?", (token_digest,)).rowcount > 0
        )

    # -- documents and members --------------------------------------------------------------------

    async def create_document(self, doc_id: str, owner: str) -> bool:
        """See `Store.create_document`."""

        def op(c: sqlite3.Connection) -> bool:
            _require_user(c, owner)
            cur = c.execute(
                "INSERT OR IGNORE INTO documents(id, created_by, created_at) VALUES (?, ?, ?)",
                (doc_id, owner, time.time()),
            )
            if cur.rowcount == 0:
                return False
            c.execute("INSERT INTO members(doc_id, username, role) VALUES (?, ?, 'owner')", (doc_id, owner))
            return True

        return await self._write(op)

    async def get_role(self, doc_id: str, username: str) -> Role | None:
        """See `Store.get_role`."""
        row = await self._read(
            lambda c: c.execute(
                "SELECT d.id, m.role FROM documents d "
                "LEFT JOIN members m ON m.doc_id = d.id AND m.username = ? WHERE d.id = ?",
                (username, doc_id),
            ).fetchone()
        )
        if row is None:
            raise UnknownDocument(f"document inconnu : {doc_id}")
        return Role(row[1]) if row[1] is not None else None

    async def set_member(self, doc_id: str, username: str, role: Role) -> None:
        """See `Store.set_member`."""

        def op(c: sqlite3.Connection) -> None:
            _require_document(c, doc_id)
            _require_user(c, username)
            current = _role_of(c, doc_id, username)
            if current is Role.OWNER and role is not Role.OWNER:
                _require_other_owner(c, doc_id, username)
            c.execute(
                "INSERT INTO members(doc_id, username, role) VALUES (?, ?, ?) "
                "ON CONFLICT(doc_id, username) DO UPDATE SET role = excluded.role",
                (doc_id, username, role.value),
            )

        await self._write(op)

    async def remove_member(self, doc_id: str, username: str) -> None:
        """See `Store.remove_member`."""

        def op(c: sqlite3.Connection) -> None:
            _require_document(c, doc_id)
            current = _role_of(c, doc_id, username)
            if current is None:
                raise NotAMember(f"« {username} » n'est pas membre du document")
            if current is Role.OWNER:
                _require_other_owner(c, doc_id, username)
            c.execute("DELETE FROM members WHERE doc_id = ? AND username = ?", (doc_id, username))

        await self._write(op)

    async def list_members(self, doc_id: str) -> list[Member]:
        """See `Store.list_members`."""

        def fn(c: sqlite3.Connection) -> list[tuple[str, str]] | None:
            if c.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is None:
                return None
            return c.execute(
                "SELECT username, role FROM members WHERE doc_id = ? ORDER BY username", (doc_id,)
            ).fetchall()

        rows = await self._read(fn)
        if rows is None:
            raise UnknownDocument(f"document inconnu : {doc_id}")
        return [Member(u, Role(r)) for u, r in rows]

    async def list_documents(self, username: str) -> list[tuple[str, Role, int]]:
        """See `Store.list_documents`. Compaction keeps the newest update id in snapshot_upto."""
        rows = await self._read(
            lambda c: c.execute(
                "SELECT m.doc_id, m.role, max(d.snapshot_upto, "
                "coalesce((SELECT max(u.id) FROM updates u WHERE u.doc_id = m.doc_id), 0)) "
                "FROM members m JOIN documents d ON d.id = m.doc_id WHERE m.username = ? ORDER BY m.doc_id",
                (username,),
            ).fetchall()
        )
        return [(d, Role(r), int(v)) for d, r, v in rows]

    async def delete_document(self, doc_id: str) -> bool:
        """See `Store.delete_document`."""

        def op(c: sqlite3.Connection) -> bool:
            c.execute("DELETE FROM updates WHERE doc_id = ?", (doc_id,))
            c.execute("DELETE FROM members WHERE doc_id = ?", (doc_id,))
            return c.execute("DELETE FROM documents WHERE id = ?", (doc_id,)).rowcount > 0

        return await self._write(op)

    # -- content ----------------------------------------------------------------------------------

    def append_updates(self, doc_id: str, updates: Sequence[bytes]) -> Awaitable[int]:
        """See `Store.append_updates`."""
        if not updates:
            raise ValueError("aucune mise à jour à enregistrer")
        return self._writer.submit_append(doc_id, [bytes(u) for u in updates])

    async def load_document(self, doc_id: str) -> StoredDocument:
        """See `Store.load_document`."""

        def fn(c: sqlite3.Connection) -> StoredDocument | None:
            c.execute("BEGIN")  # one consistent read of snapshot + tail
            try:
                head = c.execute("SELECT snapshot, snapshot_upto FROM documents WHERE id = ?", (doc_id,)).fetchone()
                if head is None:
                    return None
                rows = c.execute("SELECT id, data FROM updates WHERE doc_id = ? ORDER BY id", (doc_id,)).fetchall()
            finally:
                c.execute("COMMIT")
            last = rows[-1][0] if rows else head[1]
            return StoredDocument(head[0], [r[1] for r in rows], last)

        stored = await self._read(fn)
        if stored is None:
            raise UnknownDocument(f"document inconnu : {doc_id}")
        return stored

    def compact(self, doc_id: str, snapshot: bytes, upto_id: int) -> Awaitable[int]:
        """See `Store.compact`."""
        data = bytes(snapshot)

        def op(c: sqlite3.Connection) -> int:
            head = c.execute("SELECT snapshot_upto FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if head is None:
                raise UnknownDocument(f"document inconnu : {doc_id}")
            upto = max(upto_id, head[0])
            c.execute("UPDATE documents SET snapshot = ?, snapshot_upto = ? WHERE id = ?", (data, upto, doc_id))
            return c.execute("DELETE FROM updates WHERE doc_id = ? AND id <= ?", (doc_id, upto)).rowcount

        return self._write(op)


# -- helpers run on the writer thread --------------------------------------------------------------


def _bulk_insert(c: sqlite3.Connection, rows: list[tuple[str, bytes]]) -> int:
    values = ", ".join(["(?, ?)"] * len(rows))
    params = [v for row in rows for v in row]
    return c.execute(f"INSERT INTO updates(doc_id, data) VALUES {values}", params).lastrowid or 0


def _append_error(exc: Exception, doc_id: str) -> BaseException:
    # The only constraint an update row can break is its foreign key to the document.
    return UnknownDocument(f"document inconnu : {doc_id}")


def _require_user(c: sqlite3.Connection, username: str) -> None:
    if c.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone() is None:
        raise UnknownUser(f"utilisateur inconnu : {username}")


def _require_document(c: sqlite3.Connection, doc_id: str) -> None:
    if c.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is None:
        raise UnknownDocument(f"document inconnu : {doc_id}")


def _role_of(c: sqlite3.Connection, doc_id: str, username: str) -> Role | None:
    row = c.execute("SELECT role FROM members WHERE doc_id = ? AND username = ?", (doc_id, username)).fetchone()
    return Role(row[0]) if row else None


def _require_other_owner(c: sqlite3.Connection, doc_id: str, username: str) -> None:
    other = c.execute(
        "SELECT 1 FROM members WHERE doc_id = ? AND role = 'owner' AND username <> ? LIMIT 1", (doc_id, username)
    ).fetchone()
    if other is None:
        raise LastOwner("le document doit garder au moins un propriétaire")
