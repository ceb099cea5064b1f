"""Documents: a pycrdt `Doc` stored as a snapshot plus a tail of updates.

A document has a `body` Text (Quill-style attributes) and a `meta` Map (`title`). A `Doc` in
memory is a view rebuilt from the stored log; updates travel as bytes. Each user action is one
transaction, stored as one row of `doc_updates` together with its outbox entry.

An `OpenDoc` belongs to the thread that opened it (pycrdt docs must stay on one thread);
several threads meet through the database: `refresh` folds in rows other threads wrote.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Map, Text

from . import outbox, search
from .db import client_id, like_prefix, transaction
from .errors import InvalidInput, NotFound
from .textpos import char_to_utf8

BODY = "body"
META = "meta"
MAX_TITLE = 300
# Compact once the tail holds this many updates: loading stays fast, compaction stays rare.
COMPACT_AFTER = 500


@dataclass
class OpenDoc:
    """A document loaded in memory. `upto` is the highest `doc_updates.seq` folded into `doc`."""

    id: str
    doc: Doc
    upto: int

    @property
    def body(self) -> Text:
        return self.doc.get(BODY, type=Text)

    @property
    def meta(self) -> Map:
        return self.doc.get(META, type=Map)

    def text(self) -> str:
        return str(self.body)

    def title(self) -> str:
        value = self.meta.get("title")
        return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class DocInfo:
    id: str
    title: str
    role: str
    updated_at: str
    pending: int


def capture(doc: Doc, action: Callable[[], object]) -> bytes:
    """Run `action` and return the update it produced (b"" if it changed nothing)."""
    updates: list[bytes] = []
    sub = doc.observe(lambda event: updates.append(event.update))
    try:
        action()
    finally:
        doc.unobserve(sub)
    return b"".join(updates) if len(updates) < 2 else _merge(updates)


def _merge(updates: list[bytes]) -> bytes:
    from pycrdt import merge_updates

    return bytes(merge_updates(*updates))


class DocStore:
    """The document repository over one connection. Every method belongs to the thread that
    owns the connection."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.client_id = client_id(conn)

    # -- reading --------------------------------------------------------------------------

    def new_doc(self) -> Doc:
        return Doc(client_id=self.client_id)

    def resolve(self, ref: str) -> str:
        """Return the id of the document whose id is `ref` or starts with it. Raises NotFound,
        or InvalidInput when the prefix is ambiguous."""
        rows = self.conn.execute(
            "SELECT id FROM documents WHERE id = ? OR id LIKE ? ESCAPE '\\' LIMIT 2",
            (ref, like_prefix(ref)),
        ).fetchall()
        exact = [r[0] for r in rows if r[0] == ref]
        if exact:
            return str(exact[0])
        if not rows or not ref:
            raise NotFound(f"Document introuvable : {ref}.")
        if len(rows) > 1:
            raise InvalidInput(f"« {ref} » désigne plusieurs documents : donnez plus de caractères.")
        return str(rows[0][0])

    def exists(self, doc_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is not None

    def all(self) -> list[DocInfo]:
        """Return every document, most recently changed first, with its pending change count."""
        rows = self.conn.execute(
            "SELECT d.id, d.title, d.role, d.updated_at, coalesce(sum(o.changes), 0) FROM documents d "
            "LEFT JOIN outbox o ON o.target = d.id AND o.kind = ? GROUP BY d.id ORDER BY d.updated_at DESC",
            (outbox.DOC_UPDATE,),
        ).fetchall()
        return [DocInfo(*row) for row in rows]

    def open(self, doc_id: str) -> OpenDoc:
        """Load a document: snapshot, then every tail update in order. Raises NotFound."""
        if not self.exists(doc_id):
            raise NotFound(f"Document introuvable : {doc_id}.")
        od = OpenDoc(doc_id, self.new_doc(), 0)
        self.refresh(od)
        return od

    def refresh(self, od: OpenDoc, local_only: bool = False) -> list[bytes]:
        """Fold into `od` what other connections stored since it was loaded, and return those
        updates in order; with `local_only`, only those made on this device (what a live
        session forwards to the server: never an echo of what the server sent)."""
        row = self.conn.execute("SELECT data, upto FROM doc_snapshots WHERE doc_id = ?", (od.id,)).fetchone()
        folded: list[bytes] = []
        if row is not None and row[1] > od.upto:
            # Rows we had not seen were compacted away; the snapshot holds them. Re-applying
            # what the doc already has is a no-op for a CRDT.
            od.doc.apply_update(row[0])
            od.upto = row[1]
            folded.append(bytes(row[0]))
        return folded + self._fold_tail(od, local_only)

    def _fold_tail(self, od: OpenDoc, local_only: bool = False) -> list[bytes]:
        rows = self.conn.execute(
            "SELECT seq, local, data FROM doc_updates WHERE doc_id = ? AND seq > ? ORDER BY seq", (od.id, od.upto)
        ).fetchall()
        for seq, _, data in rows:
            od.doc.apply_update(data)
            od.upto = seq
        return [bytes(data) for _, local, data in rows if local or not local_only]

    # -- writing --------------------------------------------------------------------------

    def create(self, title: str, doc_id: str | None = None) -> str:
        """Create a document offline with a client-generated id and return the id. Its creation
        and first content are queued for the server in the same transaction."""
        title = _check_title(title)
        doc_id = doc_id or str(uuid.uuid4())
        od = OpenDoc(doc_id, self.new_doc(), 0)
        update = capture(od.doc, lambda: od.meta.__setitem__("title", title))
        with transaction(self.conn):
            self.conn.execute("INSERT INTO documents(id, title) VALUES (?, ?)", (doc_id, title))
            outbox.add(self.conn, outbox.DOC_CREATE, doc_id, f"{outbox.DOC_CREATE}:{doc_id}")
            self._store(od, update, local=True)
        return doc_id

    def edit(self, od: OpenDoc, action: Callable[[OpenDoc], object]) -> bytes:
        """Run one user action on `od` as one CRDT transaction, store its update with its
        outbox entry in one database transaction, and return the update (b"" if none)."""

        def run() -> None:
            with od.doc.transaction():
                action(od)

        update = capture(od.doc, run)
        if update:
            self._commit(od, update, local=True)
        return update

    def record_local(self, od: OpenDoc, update: bytes) -> None:
        """Store a local update made on another in-memory copy of the document (the editor's,
        in the UI thread): fold it into `od`, then store it with its outbox entry."""
        od.doc.apply_update(update)
        self._commit(od, update, local=True)

    def apply_remote(self, od: OpenDoc, update: bytes) -> bytes:
        """Apply an update received from the server and store what it changed (nothing if it
        brought nothing new). Returns the stored update, b"" if none."""
        changed = capture(od.doc, lambda: od.doc.apply_update(update))
        if changed:
            self._commit(od, changed, local=False)
        return changed

    def _store(self, od: OpenDoc, update: bytes, local: bool) -> int:
        """Store one update with its outbox entry; return the tail's new length."""
        row = self.conn.execute(
            "UPDATE documents SET seq = seq + 1, tail_len = tail_len + 1, title = ?, "
            "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? RETURNING seq, tail_len",
            (od.title(), od.id),
        ).fetchone()
        if row is None:
            raise NotFound(f"Le document {od.id} n'existe plus ici (supprimé, ou plus partagé avec vous).")
        seq, tail = row
        self.conn.execute("INSERT INTO doc_updates(doc_id, seq, local, data) VALUES (?, ?, ?, ?)",
                          (od.id, seq, int(local), update))
        if seq == od.upto + 1:  # no row from another connection in between: `od` is current
            od.upto = seq
        if local:
            outbox.bump(self.conn, outbox.DOC_UPDATE, od.id, seq)
        search.mark_dirty(self.conn, "doc", od.id)
        return int(tail)

    def _commit(self, od: OpenDoc, update: bytes, local: bool) -> None:
        """Store one update in its own transaction, then compact if the tail has grown long."""
        with transaction(self.conn):
            tail = self._store(od, update, local)
        if tail >= COMPACT_AFTER:
            self.compact(od)

    def compact(self, od: OpenDoc) -> None:
        """Fold the tail into a new snapshot, re-encoded from the Doc (never by merging
        thousands of updates). One transaction: a crash leaves the old snapshot and tail, or
        the new snapshot alone; updates stored meanwhile by others are kept."""
        with transaction(self.conn):
            self._fold_tail(od)
            snapshot = od.doc.get_update()
            self.conn.execute("DELETE FROM doc_updates WHERE doc_id = ? AND seq <= ?", (od.id, od.upto))
            self.conn.execute(
                "INSERT INTO doc_snapshots(doc_id, upto, data) VALUES (?, ?, ?) ON CONFLICT(doc_id) "
                "DO UPDATE SET upto = excluded.upto, data = excluded.data",
                (od.id, od.upto, snapshot),
            )
            self.conn.execute(
                "UPDATE documents SET tail_len = (SELECT count(*) FROM doc_updates WHERE doc_id = ?) WHERE id = ?",
                (od.id, od.id),
            )
        # The pragma frees one page per step: fetch them all.
        self.conn.execute("PRAGMA incremental_vacuum").fetchall()

    def delete(self, doc_id: str) -> None:
        """Delete a document here, and queue its removal on the server: its owner deletes it for
        everyone, any other member leaves it. A document the server never received is simply
        forgotten. Raises NotFound."""
        row = self.conn.execute("SELECT role FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise NotFound(f"Document introuvable : {doc_id}.")
        with transaction(self.conn):
            if not outbox.drop_target(self.conn, doc_id):
                outbox.add(self.conn, outbox.DOC_DELETE, doc_id, f"{outbox.DOC_DELETE}:{doc_id}",
                           json.dumps({"role": row[0]}))
            self.conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
            search.mark_dirty(self.conn, "doc", doc_id)

    def forget(self, doc_id: str) -> None:
        """Remove a document the server no longer gives us (deleted, or access withdrawn); in
        the caller's transaction."""
        self.conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        search.mark_dirty(self.conn, "doc", doc_id)

    def search_content(self, doc_id: str) -> tuple[str, str] | None:
        """The (title, text) the search index holds for a document, None once it is gone."""
        if not self.exists(doc_id):
            return None
        od = self.open(doc_id)
        return od.title(), od.text()

    def needing_sync(self, versions: dict[str, int]) -> list[str]:
        """Of the documents the server listed with their `versions`, those to sync: changed on
        the server since we last synced them, or with local edits to send."""
        known = dict(self.conn.execute("SELECT id, server_version FROM documents").fetchall())
        pending = {e.target for e in outbox.pending(self.conn, outbox.DOC_UPDATE)}
        return [doc_id for doc_id, version in versions.items()
                if doc_id in pending or known.get(doc_id, -2) != version]

    def synced(self, doc_id: str, version: int) -> None:
        """Record that the document is in sync with the server's `version` of it."""
        self.conn.execute("UPDATE documents SET server_version = ? WHERE id = ?", (version, doc_id))

    def set_role(self, doc_id: str, role: str) -> None:
        self.conn.execute("UPDATE documents SET role = ? WHERE id = ?", (role, doc_id))

    def adopt(self, doc_id: str, role: str) -> None:
        """Record a document that exists on the server and not yet here (shared with us)."""
        self.conn.execute(
            "INSERT INTO documents(id, role) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET role = excluded.role",
            (doc_id, role),
        )


# -- user actions on the body, positions in characters ---------------------------------


def insert_text(od: OpenDoc, pos: int | None, text: str) -> None:
    """Insert `text` at character position `pos` (None: at the end). Raises InvalidInput."""
    current = od.text()
    if pos is None:
        pos = len(current)
    if not 0 <= pos <= len(current):
        raise InvalidInput(f"Position {pos} hors du texte (de 0 à {len(current)} caractères).")
    if not text:
        raise InvalidInput("Rien à insérer : le texte est vide.")
    od.body.insert(char_to_utf8(current, pos), text)


def delete_text(od: OpenDoc, pos: int, length: int) -> None:
    """Delete `length` characters from character position `pos`. Raises InvalidInput."""
    current = od.text()
    if length <= 0 or pos < 0 or pos + length > len(current):
        raise InvalidInput(
            f"Impossible de supprimer {length} caractère(s) à la position {pos} : "
            f"le texte en compte {len(current)}."
        )
    start = char_to_utf8(current, pos)
    end = char_to_utf8(current, pos + length)
    del od.body[start:end]


def set_title(od: OpenDoc, title: str) -> None:
    od.meta["title"] = _check_title(title)


def _check_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise InvalidInput("Le titre ne peut pas être vide.")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"Titre trop long ({len(title)} caractères, {MAX_TITLE} au plus).")
    return title
