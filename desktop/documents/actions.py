"""Document operations, run by the operations worker (`desktop.ops`): each takes the worker's
`Context` and returns plain data for the UI thread. None of them touches Qt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from storage import search
from storage.docs import DocInfo, set_title
from sync import account as accounts
from sync.engine import share as queue_share

from ..ops import Changes, Context
from .template import insert_delta, minutes, minutes_title

LIST = Changes(documents=True, outbox=True)
EDIT = Changes(outbox=True)


@dataclass(frozen=True)
class Loaded:
    """A document as the editor needs it: its state, to rebuild a Doc in the UI thread."""

    id: str
    title: str
    role: str
    state: bytes
    client_id: int


@dataclass(frozen=True)
class Identity:
    """Who we are, for presence: the account's user name, or None when working locally."""

    user: str | None
    client_id: int


def identity(ctx: Context) -> Identity:
    account = accounts.current(ctx.conn)
    return Identity(account.username if account else None, ctx.docs.client_id)


def list_documents(ctx: Context) -> list[DocInfo]:
    return ctx.docs.all()


def matching(ctx: Context, text: str) -> set[str]:
    """Ids of the documents whose title or text matches `text` (full-text, accents ignored)."""
    search.refresh(ctx.conn, {"doc": ctx.docs.search_content})
    return {hit.ref for hit in search.query(ctx.conn, text, limit=1000) if hit.kind == "doc"}


def create(ctx: Context, title: str) -> str:
    return ctx.docs.create(title)


def create_minutes(ctx: Context, day: date | None = None, place: str | None = None,
                   attendees: list[str] | None = None, hour: time | None = None) -> str:
    """A new procès-verbal from the template, in one user action after its creation."""
    doc_id = ctx.docs.create(minutes_title(day))
    ops = minutes(day, place, attendees, hour)
    ctx.docs.edit(ctx.doc(doc_id), lambda od: insert_delta(od.body, ops))
    return doc_id


def load(ctx: Context, doc_id: str) -> Loaded:
    """Load a document for an editor; the worker keeps its own copy to store edits."""
    od = ctx.doc(doc_id)
    ctx.docs.refresh(od)
    role = ctx.conn.execute("SELECT role FROM documents WHERE id = ?", (doc_id,)).fetchone()[0]
    return Loaded(doc_id, od.title(), role, bytes(od.doc.get_update()), ctx.docs.client_id)


def record(ctx: Context, doc_id: str, update: bytes) -> None:
    """Store an editor's local update with its outbox entry."""
    ctx.docs.record_local(ctx.doc(doc_id), update)


def release(ctx: Context, doc_id: str) -> None:
    """The editor closed: drop the worker's copy."""
    ctx.open_docs.pop(doc_id, None)


def rename(ctx: Context, doc_id: str, title: str) -> bytes:
    """Set the title (in `meta`); returns the update, for the open editor's copy. Raises
    InvalidInput."""
    return ctx.docs.edit(ctx.doc(doc_id), lambda od: set_title(od, title))


def share(ctx: Context, doc_id: str, user: str, role: str) -> None:
    queue_share(ctx.conn, doc_id, user, role)


def delete(ctx: Context, doc_id: str) -> None:
    ctx.open_docs.pop(doc_id, None)
    ctx.docs.delete(doc_id)
