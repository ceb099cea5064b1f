"""The document-bank part of the Store contract (folders, rights through groups, files and their
versions, the change counter, the trash, upload sessions, blobs in use), run against every
implementation; and the blob store taking a finished upload's file."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sync.server.errors import (
    FilePreconditionFailed,
    LastOwner,
    PathConflict,
    QuotaExceeded,
    StoreError,
    UnknownFile,
    UnknownFileFolder,
    UnknownGroup,
    UnknownUpload,
    UnknownUser,
)
from sync.server.store import FileUpload, Role, Store
from sync.server.store.blobs import BlobInfo, BlobStore, FileBlobStore

from .test_store_contract import IMPLEMENTATIONS, with_users

pytestmark = pytest.mark.anyio

F = "f" * 32
A, B, C, D = ("a" * 64, "b" * 64, "c" * 64, "d" * 64)


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    s = IMPLEMENTATIONS[request.param](tmp_path)
    await s.open()
    await with_users(s, "alice", "bob", "carol")
    yield s
    await s.close()


async def folder(store: Store, quota: int = 1000, group: str | None = None) -> str:
    await store.create_file_folder(F, "Urbanisme", group, quota, "alice", [("bob", Role.READER)])
    return F


async def test_folders_roles_and_groups(store: Store) -> None:
    with pytest.raises(UnknownUser):
        await store.create_file_folder(F, "x", None, 10, "alice", [("zoe", Role.EDITOR)])
    with pytest.raises(UnknownGroup):
        await store.create_file_folder(F, "x", "voirie", 10, "alice")
    assert await store.get_file_folder(F) is None  # nothing of a refused creation
    await store.create_group("voirie")
    await store.add_group_member("voirie", "carol")
    await store.add_group_member("voirie", "bob")
    created = await store.create_file_folder(F, "Urbanisme", "voirie", 1000, "alice", [("bob", Role.READER)])
    assert (created.name, created.group, created.quota_bytes, created.used_bytes, created.rev) == (
        "Urbanisme", "voirie", 1000, 0, 0)
    assert await store.file_folder_role(F, "alice") is Role.OWNER
    assert await store.file_folder_role(F, "bob") is Role.READER  # named explicitly: the group does not raise it
    assert await store.file_folder_role(F, "carol") is Role.EDITOR  # through the group
    with pytest.raises(UnknownFileFolder):
        await store.file_folder_role("0" * 32, "alice")
    assert [(m.username, m.role, m.explicit) for m in await store.list_file_members(F)] == [
        ("alice", Role.OWNER, True), ("bob", Role.READER, True), ("carol", Role.EDITOR, False)]
    assert [(f.id, r) for f, r in await store.list_file_folders("carol")] == [(F, Role.EDITOR)]
    await store.set_file_folder_group(F, None)
    assert await store.file_folder_role(F, "carol") is None
    assert await store.list_file_folders("carol") == []
    with pytest.raises(LastOwner):
        await store.set_file_member(F, "alice", Role.EDITOR)
    with pytest.raises(LastOwner):
        await store.remove_file_member(F, "alice")
    await store.set_file_member(F, "bob", Role.OWNER)
    await store.remove_file_member(F, "alice")
    assert await store.file_folder_role(F, "alice") is None


async def test_write_versions_rev_and_prune(store: Store) -> None:
    await folder(store)
    first = await store.write_file(F, "pv.odt", None, A, 10, "alice", keep=2)
    assert first.created and first.entry.version == 1 and first.entry.rev == 1
    with pytest.raises(FilePreconditionFailed) as exists:
        await store.write_file(F, "pv.odt", None, B, 10, "alice", keep=2)
    assert exists.value.current == first.entry
    with pytest.raises(FilePreconditionFailed) as stale:
        await store.write_file(F, "pv.odt", C, B, 10, "alice", keep=2)
    assert stale.value.current == first.entry
    replay = await store.write_file(F, "pv.odt", None, A, 10, "alice", keep=2)  # same content: a replay
    assert (replay.created, replay.entry) == (False, first.entry)
    second = await store.write_file(F, "pv.odt", A, B, 20, "bob", keep=2)
    assert (second.entry.version, second.entry.sha256, second.entry.modified_by, second.pruned) == (2, B, "bob", ())
    third = await store.write_file(F, "pv.odt", "*", C, 30, "alice", keep=2)
    assert third.pruned == (A,) and third.entry.id == first.entry.id
    assert [v.version for v in await store.list_file_versions(F, first.entry.id)] == [3, 2]
    folder_now = await store.get_file_folder(F)
    assert folder_now is not None and (folder_now.rev, folder_now.used_bytes) == (3, 30)
    rev, entries = await store.list_file_changes(F, 1, 100)
    assert rev == 3 and [(e.path, e.version, e.rev) for e in entries] == [("pv.odt", 3, 3)]
    assert await store.list_file_changes(F, 3, 100) == (3, [])
    restored = await store.restore_file_version(F, first.entry.id, 2, C, "alice", keep=2)
    assert (restored.entry.version, restored.entry.sha256, restored.pruned) == (4, B, (B,))
    with pytest.raises(UnknownFile):
        await store.restore_file_version(F, first.entry.id, 1, None, "alice", keep=2)


async def test_paths_are_unique_without_case(store: Store) -> None:
    await folder(store)
    a = (await store.write_file(F, "Dossier/a.txt", None, A, 1, "alice", 10)).entry
    for path, words in [("DOSSIER/A.TXT", "existe déjà sous le nom « Dossier/a.txt »"),
                        ("dossier/b.txt", "le dossier « dossier » existe déjà sous le nom « Dossier »"),
                        ("Dossier/a.txt/c.txt", "est un fichier"),
                        ("Dossier", "est un dossier")]:
        with pytest.raises(PathConflict) as caught:
            await store.write_file(F, path, None, B, 1, "alice", 10)
        assert words in str(caught.value)
        with pytest.raises(PathConflict):
            await store.check_file_write(F, path, None, B, 1)
    moved = await store.move_file(F, a.id, "Dossier/A.TXT", A)  # a case-only rename of the same file
    assert (moved.id, moved.path, moved.version, moved.rev) == (a.id, "Dossier/A.TXT", 1, 2)
    b = (await store.write_file(F, "b.txt", None, B, 1, "alice", 10)).entry
    with pytest.raises(PathConflict):
        await store.move_file(F, b.id, "dossier/a.TXT", None)
    with pytest.raises(FilePreconditionFailed):
        await store.move_file(F, b.id, "c.txt", A)
    assert await store.get_file_by_path(F, "Dossier/A.TXT") == moved
    assert await store.get_file_by_path(F, "dossier/a.txt") is None  # exact path only


async def test_trash_and_quota(store: Store) -> None:
    await folder(store, quota=100)
    with pytest.raises(QuotaExceeded):
        await store.write_file(F, "gros.bin", None, A, 101, "alice", 10)
    with pytest.raises(QuotaExceeded):
        await store.check_file_write(F, "gros.bin", None, A, 101)
    e = (await store.write_file(F, "a.bin", None, A, 60, "alice", 10)).entry
    with pytest.raises(FilePreconditionFailed):
        await store.delete_file(F, e.id, B, "bob")
    gone = await store.delete_file(F, e.id, A, "bob")
    assert (gone.deleted, gone.deleted_by, gone.rev) == (True, "bob", 2)
    assert await store.delete_file(F, e.id, A, "bob") == gone  # a replay
    assert [t.id for t in await store.list_trash(F)] == [e.id]
    used = await store.get_file_folder(F)
    assert used is not None and used.used_bytes == 0  # the trash does not count
    other = (await store.write_file(F, "a.bin", None, B, 60, "alice", 10)).entry  # the path is free again
    with pytest.raises(PathConflict):
        await store.restore_file(F, e.id, None)
    with pytest.raises(QuotaExceeded):
        await store.restore_file(F, e.id, "copie.bin")
    await store.set_file_quota(F, 200)
    back = await store.restore_file(F, e.id, "copie.bin")
    assert (back.deleted, back.path, back.version, back.sha256) == (False, "copie.bin", 1, A)
    await store.delete_file(F, other.id, "*", "alice")
    with pytest.raises(UnknownFile):
        await store.purge_file(F, back.id)  # live: not purgeable
    assert await store.purge_file(F, other.id) == (B,)
    assert await store.get_file(F, other.id) is None


async def test_blobs_in_use_count_file_versions_and_the_trash(store: Store) -> None:
    await folder(store)
    e = (await store.write_file(F, "a.bin", None, A, 1, "alice", 10)).entry
    await store.write_file(F, "a.bin", A, B, 1, "alice", 10)
    await store.delete_file(F, e.id, B, "alice")
    assert await store.blobs_in_use([A, B, C]) == {A, B}


async def test_upload_sessions(store: Store) -> None:
    await folder(store)
    up = await store.create_file_upload(FileUpload("1" * 32, F, "alice", "gros.bin", 250, D, 100, None))
    assert up.created_at > 0 and up.chunks == 3 and up.chunk_length(2) == 50
    await store.add_upload_chunk(up.id, 2, A)
    await store.add_upload_chunk(up.id, 0, B)
    await store.add_upload_chunk(up.id, 2, C)
    got = await store.get_file_upload(up.id)
    assert got is not None and got.received == ((0, B), (2, C))
    await store.drop_upload_chunks(up.id, [2])
    got = await store.get_file_upload(up.id)
    assert got is not None and got.received == ((0, B),)
    with pytest.raises(UnknownUpload):
        await store.add_upload_chunk("2" * 32, 0, A)
    assert await store.expire_file_uploads(got.updated_at - 1) == {up.id}
    assert await store.expire_file_uploads(got.updated_at + 1) == set()
    assert await store.get_file_upload(up.id) is None


async def test_move_tree(store: Store) -> None:
    await folder(store)
    for path in ("Dossier/a.txt", "Dossier/sous/b.txt", "Dossier/sous/sous/c.txt", "ailleurs.txt"):
        await store.write_file(F, path, None, A, 1, "alice", 10)
    moved = await store.move_tree(F, "Dossier", "dossier")  # case-only, several files
    assert [e.path for e in moved] == ["dossier/a.txt", "dossier/sous/b.txt", "dossier/sous/sous/c.txt"]
    assert len({e.rev for e in moved}) == 3  # one rev each: a paged change feed never skips one
    # up one level: "dossier/sous/sous/c.txt" takes a path ("dossier/sous/c.txt") that is free
    # only once the others moved
    moved = await store.move_tree(F, "dossier/sous", "dossier")
    assert sorted(e.path for e in moved) == ["dossier/b.txt", "dossier/sous/c.txt"]
    with pytest.raises(PathConflict):
        await store.move_tree(F, "dossier", "dossier/sous/plus bas")
    with pytest.raises(PathConflict):
        await store.move_tree(F, "dossier", "ailleurs.txt")
    await store.write_file(F, "Autre/c.txt", None, B, 1, "alice", 10)
    with pytest.raises(PathConflict):
        await store.move_tree(F, "dossier", "autre")
    assert await store.get_file_by_path(F, "dossier/sous/c.txt") is not None  # all or nothing
    with pytest.raises(UnknownFile):
        await store.move_tree(F, "rien", "autre")


async def test_blob_store_takes_a_finished_file_by_rename_or_copy(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path / "blobs")
    await blobs.open()
    data = b"contenu " * 100_000
    info = BlobInfo(hashlib.sha256(data).hexdigest(), len(data))
    for take in (blobs.stage_file, lambda p, i: BlobStore.stage_file(blobs, p, i)):  # rename, then the copy
        part = tmp_path / "envoi.part"
        part.write_bytes(data)
        await blobs.commit(await take(part, info))
        assert not part.exists()
        assert b"".join([c async for c in await blobs.read(info.sha256)]) == data
        assert b"".join([c async for c in await blobs.read(info.sha256, 5, 10)]) == data[5:15]
    part.write_bytes(data + b"!")
    with pytest.raises(StoreError):
        await BlobStore.stage_file(blobs, part, BlobInfo(info.sha256, len(data) + 1))
    assert await blobs.hashes() == [info.sha256]


async def test_schema_5_forgets_chunks_checked_with_sha256(tmp_path: Path) -> None:
    """Chunks recorded by a version 4 server (with their SHA-256) are forgotten, to be sent
    again and checked with BLAKE3; the session itself stays."""
    import sqlite3

    from sync.server.store.sqlite import SqliteStore
    from sync.server.store.sqlite_schema import MIGRATIONS

    path = tmp_path / "v4.db"
    conn = sqlite3.connect(path)
    conn.executescript("".join(MIGRATIONS[v] for v in range(1, 5)) + "PRAGMA user_version = 4;")
    conn.executescript(f"""
        INSERT INTO users VALUES ('alice', 'h', 0);
        INSERT INTO file_folders(id, name, quota_bytes, created_by, created_at)
            VALUES ('{F}', 'Plans', 1000, 'alice', 0);
        INSERT INTO file_members VALUES ('{F}', 'alice', 'owner');
        INSERT INTO file_uploads VALUES ('{"1" * 32}', '{F}', 'alice', 'gros.bin', 250, '{D}', 100, NULL, 0, 0);
        INSERT INTO file_upload_chunks VALUES ('{"1" * 32}', 0, '{A}');
    """)
    conn.commit()
    conn.close()
    s = SqliteStore(path)
    await s.open()
    try:
        got = await s.get_file_upload("1" * 32)
        assert got is not None and got.path == "gros.bin" and got.received == ()
        await s.add_upload_chunk(got.id, 1, B)
        got = await s.get_file_upload(got.id)
        assert got is not None and got.received == ((1, B),)
    finally:
        await s.close()
