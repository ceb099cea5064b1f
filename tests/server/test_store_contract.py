"""The Store contract, run against every implementation (SQLite today)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pycrdt
import pytest

from sync.server.errors import (
    LastOwner,
    NotAMember,
    SchemaTooNew,
    UnknownDocument,
    UnknownUser,
    UserExists,
)
from sync.server.store import Member, Role, Store, load
from sync.server.store.sqlite import SqliteStore

from .helpers import make_config

pytestmark = pytest.mark.anyio

StoreFactory = Callable[[Path], Store]
IMPLEMENTATIONS: dict[str, StoreFactory] = {
    "sqlite": lambda d: load(make_config(d)),
}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def factory(request: pytest.FixtureRequest) -> StoreFactory:
    return IMPLEMENTATIONS[request.param]


@pytest.fixture
async def store(factory: StoreFactory, tmp_path: Path) -> AsyncIterator[Store]:
    s = factory(tmp_path)
    await s.open()
    yield s
    await s.close()


async def with_users(store: Store, *names: str) -> None:
    for name in names:
        await store.create_user(name, f"hash-{name}")


def text_of(updates: list[bytes], snapshot: bytes | None = None) -> str:
    doc = pycrdt.Doc()
    if snapshot:
        doc.apply_update(snapshot)
    for u in updates:
        doc.apply_update(u)
    return str(doc.get("body", type=pycrdt.Text))


def typing_updates(text: str) -> tuple[pycrdt.Doc, list[bytes]]:
    """One update per character typed, as an editor produces them."""
    doc = pycrdt.Doc()
    body = doc.get("body", type=pycrdt.Text)
    out: list[bytes] = []
    doc.observe(lambda e: out.append(e.update))
    for ch in text:
        body.insert(len(body), ch)
    return doc, out


# -- users and tokens ------------------------------------------------------------------------------


async def test_users(store: Store) -> None:
    await with_users(store, "bob", "alice")
    assert await store.list_users() == ["alice", "bob"]
    user = await store.get_user("alice")
    assert user is not None and user.password_hash == "hash-alice"
    assert await store.get_user("carol") is None
    with pytest.raises(UserExists):
        await store.create_user("alice", "x")
    await store.set_password_hash("alice", "new")
    assert (await store.get_user("alice")).password_hash == "new"  # type: ignore[union-attr]
    with pytest.raises(UnknownUser):
        await store.set_password_hash("carol", "x")


async def test_tokens(store: Store) -> None:
    await with_users(store, "alice")
    await store.add_token("d1", "alice")
    await store.add_token("d2", "alice")
    assert await store.user_for_token("d1") == "alice"
    assert await store.revoke_token("d1") is True
    assert await store.revoke_token("d1") is False
    assert await store.user_for_token("d1") is None
    assert await store.user_for_token("d2") == "alice"
    with pytest.raises(UnknownUser):
        await store.add_token("d3", "nobody")


# -- documents and members ---------------------------------------------------------------------------


async def test_create_document_is_idempotent_and_owned(store: Store) -> None:
    await with_users(store, "alice", "bob")
    assert await store.create_document("doc-1", "alice") is True
    assert await store.create_document("doc-1", "bob") is False
    assert await store.get_role("doc-1", "alice") is Role.OWNER
    assert await store.get_role("doc-1", "bob") is None
    with pytest.raises(UnknownDocument):
        await store.get_role("nope", "alice")
    with pytest.raises(UnknownUser):
        await store.create_document("doc-2", "nobody")
    assert await store.list_documents("alice") == [("doc-1", Role.OWNER, 0)]
    assert await store.list_documents("bob") == []


async def test_members_and_last_owner(store: Store) -> None:
    await with_users(store, "alice", "bob", "carol")
    await store.create_document("d", "alice")
    await store.set_member("d", "bob", Role.EDITOR)
    await store.set_member("d", "carol", Role.READER)
    assert await store.list_members("d") == [
        Member("alice", Role.OWNER), Member("bob", Role.EDITOR), Member("carol", Role.READER)
    ]
    with pytest.raises(LastOwner):
        await store.set_member("d", "alice", Role.EDITOR)
    with pytest.raises(LastOwner):
        await store.remove_member("d", "alice")
    assert await store.get_role("d", "alice") is Role.OWNER
    await store.set_member("d", "bob", Role.OWNER)
    await store.set_member("d", "alice", Role.READER)  # bob owns it now
    assert await store.get_role("d", "alice") is Role.READER
    await store.remove_member("d", "carol")
    assert await store.get_role("d", "carol") is None
    with pytest.raises(NotAMember):
        await store.remove_member("d", "carol")
    with pytest.raises(UnknownUser):
        await store.set_member("d", "nobody", Role.READER)
    with pytest.raises(UnknownDocument):
        await store.set_member("nope", "bob", Role.READER)
    with pytest.raises(UnknownDocument):
        await store.list_members("nope")


async def test_concurrent_demotions_keep_an_owner(store: Store) -> None:
    await with_users(store, "alice", "bob")
    await store.create_document("d", "alice")
    await store.set_member("d", "bob", Role.OWNER)
    results = await asyncio.gather(
        store.set_member("d", "alice", Role.EDITOR), store.set_member("d", "bob", Role.EDITOR),
        return_exceptions=True,
    )
    assert sum(isinstance(r, LastOwner) for r in results) == 1
    assert Role.OWNER in {m.role for m in await store.list_members("d")}


async def test_delete_document_drops_members_and_content(store: Store) -> None:
    await with_users(store, "alice")
    await store.create_document("d", "alice")
    _, updates = typing_updates("abc")
    await store.append_updates("d", updates)
    assert await store.delete_document("d") is True
    assert await store.delete_document("d") is False
    assert await store.list_documents("alice") == []
    with pytest.raises(UnknownDocument):
        await store.load_document("d")
    assert await store.create_document("d", "alice") is True
    fresh = await store.load_document("d")
    assert fresh.snapshot is None and fresh.tail == []


# -- content ---------------------------------------------------------------------------------------


async def test_append_and_load_in_order(store: Store) -> None:
    await with_users(store, "alice")
    await store.create_document("d", "alice")
    _, updates = typing_updates("Procès-verbal 😀")
    # Submitted without awaiting in between: stored in submission order all the same.
    pending = [store.append_updates("d", [u]) for u in updates]
    ids = [await p for p in pending]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    stored = await store.load_document("d")
    assert stored.snapshot is None and stored.tail == updates and stored.last_id == ids[-1]
    assert text_of(stored.tail) == "Procès-verbal 😀"


async def test_append_batch_is_atomic_and_isolated(store: Store) -> None:
    await with_users(store, "alice")
    await store.create_document("d", "alice")
    _, updates = typing_updates("xyz")
    good = store.append_updates("d", updates[:2])
    bad = store.append_updates("missing", [updates[2]])
    also_good = store.append_updates("d", [updates[2]])
    with pytest.raises(UnknownDocument):
        await bad
    assert await good < await also_good
    assert text_of((await store.load_document("d")).tail) == "xyz"


async def test_compact_replaces_snapshot_and_keeps_later_rows(store: Store) -> None:
    await with_users(store, "alice")
    await store.create_document("d", "alice")
    doc, updates = typing_updates("conseil municipal")
    last = 0
    for u in updates[:10]:
        last = await store.append_updates("d", [u])
    snapshot_doc = pycrdt.Doc()
    for u in updates[:10]:
        snapshot_doc.apply_update(u)
    # Compaction and a concurrent append, submitted back to back.
    compacting = store.compact("d", snapshot_doc.get_update(), last)
    appending = [store.append_updates("d", [u]) for u in updates[10:]]
    assert await compacting == 10
    for a in appending:
        await a
    stored = await store.load_document("d")
    assert stored.snapshot is not None
    assert len(stored.tail) == len(updates) - 10
    assert text_of(stored.tail, stored.snapshot) == "conseil municipal" == str(doc.get("body", type=pycrdt.Text))
    with pytest.raises(UnknownDocument):
        await store.compact("missing", b"\x00\x00", 1)


async def test_version_changes_with_content_only(store: Store) -> None:
    await with_users(store, "alice", "bob")
    await store.create_document("d", "alice")
    _, updates = typing_updates("quorum")
    [(_, _, empty)] = await store.list_documents("alice")
    await store.append_updates("d", [updates[0]])
    [(_, _, first)] = await store.list_documents("alice")
    assert first != empty
    await store.set_member("d", "bob", Role.READER)
    assert await store.list_documents("bob") == [("d", Role.READER, first)]
    last = await store.append_updates("d", updates[1:])
    [(_, _, second)] = await store.list_documents("alice")
    assert second not in (empty, first)
    snapshot = pycrdt.Doc()
    for u in updates:
        snapshot.apply_update(u)
    await store.compact("d", snapshot.get_update(), last)
    assert await store.list_documents("alice") == [("d", Role.OWNER, second)]  # same content, same version


async def test_reopen_keeps_everything(factory: StoreFactory, tmp_path: Path) -> None:
    s = factory(tmp_path)
    await s.open()
    await with_users(s, "alice")
    await s.create_document("d", "alice")
    _, updates = typing_updates("ok")
    await s.append_updates("d", updates)
    await s.add_token("digest", "alice")
    await s.close()
    s = factory(tmp_path)
    await s.open()
    try:
        assert await s.user_for_token("digest") == "alice"
        assert text_of((await s.load_document("d")).tail) == "ok"
    finally:
        await s.close()


# -- SQLite specifics -------------------------------------------------------------------------------


async def test_sqlite_group_commit_batches_concurrent_appends(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "db.sqlite")
    await s.open()
    try:
        await s.create_user("alice", "h")
        await s.create_document("d", "alice")
        before = s.commits
        _, updates = typing_updates("x" * 200)
        ids = await asyncio.gather(*(s.append_updates("d", [u]) for u in updates))
        assert sorted(ids) == ids and len(set(ids)) == 200
        assert s.commits - before < 200  # several appends shared a commit
        assert text_of((await s.load_document("d")).tail) == "x" * 200
    finally:
        await s.close()


async def test_sqlite_refuses_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    s = SqliteStore(path)
    with pytest.raises(SchemaTooNew):
        await s.open()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 99
    conn.close()


async def test_sqlite_uses_wal(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / "db.sqlite")
    await s.open()
    await s.close()
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()

