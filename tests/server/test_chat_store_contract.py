"""The groups and chat part of the Store contract, run against every implementation."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sync.server.errors import (
    ClientIdConflict,
    GroupExists,
    LastOwner,
    NotAMember,
    UnknownChatRoom,
    UnknownGroup,
    UnknownMessage,
    UnknownUser,
)
from sync.server.store import ChatMember, ChatRole, RoomKind, Store

from .test_store_contract import IMPLEMENTATIONS, with_users

pytestmark = pytest.mark.anyio


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    s = IMPLEMENTATIONS[request.param](tmp_path)
    await s.open()
    yield s
    await s.close()


async def channel(store: Store, room_id: str = "urba", group: str | None = None, members: tuple[str, ...] = ()) -> str:
    assert await store.create_chat_room(room_id, RoomKind.CHANNEL, "Urbanisme", group, "alice", members)
    return room_id


# -- groups ----------------------------------------------------------------------------------------


async def test_groups_and_their_members(store: Store) -> None:
    await with_users(store, "alice", "bob")
    await store.create_group("voirie")
    await store.create_group("etat-civil")
    with pytest.raises(GroupExists):
        await store.create_group("voirie")
    assert await store.list_groups() == ["etat-civil", "voirie"]
    assert await store.add_group_member("voirie", "bob") is True
    assert await store.add_group_member("voirie", "alice") is True
    assert await store.add_group_member("voirie", "bob") is False
    assert await store.group_members("voirie") == ["alice", "bob"]
    await store.remove_group_member("voirie", "bob")
    assert await store.group_members("voirie") == ["alice"]
    with pytest.raises(NotAMember):
        await store.remove_group_member("voirie", "bob")
    with pytest.raises(UnknownUser):
        await store.add_group_member("voirie", "carol")
    for call in (store.group_members("x"), store.add_group_member("x", "bob"), store.remove_group_member("x", "bob")):
        with pytest.raises(UnknownGroup):
            await call


# -- rooms and members -----------------------------------------------------------------------------


async def test_room_creation_roles_and_group_membership(store: Store) -> None:
    await with_users(store, "alice", "bob", "carol", "dan")
    await store.create_group("urbanisme")
    await store.add_group_member("urbanisme", "carol")
    await channel(store, group="urbanisme", members=("bob",))
    assert not await store.create_chat_room("urba", RoomKind.DIRECT, "autre", None, "dan", ())  # id taken
    room = await store.get_chat_room("urba")
    assert room is not None and room.kind is RoomKind.CHANNEL and room.group == "urbanisme" and room.last_seq == 0
    assert await store.chat_role("urba", "alice") is ChatRole.ADMIN
    assert await store.chat_role("urba", "bob") is ChatRole.MEMBER
    assert await store.chat_role("urba", "carol") is ChatRole.MEMBER  # through the group
    assert await store.chat_role("urba", "dan") is None
    assert await store.list_chat_members("urba") == [
        ChatMember("alice", ChatRole.ADMIN, True),
        ChatMember("bob", ChatRole.MEMBER, True),
        ChatMember("carol", ChatRole.MEMBER, False),
    ]
    await store.add_group_member("urbanisme", "dan")
    assert [s.room.id for s in await store.list_chat_rooms("dan")] == ["urba"]
    await store.remove_group_member("urbanisme", "dan")
    assert await store.list_chat_rooms("dan") == []
    with pytest.raises(UnknownChatRoom):
        await store.chat_role("nope", "alice")
    with pytest.raises(UnknownUser):
        await store.create_chat_room("r2", RoomKind.DIRECT, "", None, "alice", ("zoe",))
    with pytest.raises(UnknownGroup):
        await store.create_chat_room("r3", RoomKind.CHANNEL, "x", "nope", "alice", ())
    assert await store.get_chat_room("r2") is None and await store.get_chat_room("r3") is None


async def test_admins_and_the_last_admin(store: Store) -> None:
    await with_users(store, "alice", "bob")
    await channel(store)
    await store.rename_chat_room("urba", "Urbanisme et PLU")
    room = await store.get_chat_room("urba")
    assert room is not None and room.name == "Urbanisme et PLU"
    with pytest.raises(LastOwner):
        await store.set_chat_member("urba", "alice", ChatRole.MEMBER)
    with pytest.raises(LastOwner):
        await store.remove_chat_member("urba", "alice")
    await store.set_chat_member("urba", "bob", ChatRole.ADMIN)
    await store.remove_chat_member("urba", "alice")
    assert await store.chat_role("urba", "alice") is None
    with pytest.raises(NotAMember):
        await store.remove_chat_member("urba", "alice")
    with pytest.raises(UnknownUser):
        await store.set_chat_member("urba", "zoe", ChatRole.MEMBER)


# -- messages --------------------------------------------------------------------------------------


async def test_messages_are_sequenced_per_room_and_deduplicated(store: Store) -> None:
    await with_users(store, "alice", "bob")
    await channel(store, members=("bob",))
    await channel(store, "voirie")
    first, created = await store.post_message("urba", "uuid-1", "alice", "Bonjour", None)
    assert created and first.seq == 1 and first.author == "alice" and not first.deleted
    again, created = await store.post_message("urba", "uuid-1", "alice", "Bonjour (rejoué)", None)
    assert not created and again == first
    second, _ = await store.post_message("urba", "uuid-2", "bob", "Réponse", 1)
    assert second.seq == 2 and second.reply_to == 1
    other, _ = await store.post_message("voirie", "uuid-1", "alice", "ailleurs", None)
    assert other.seq == 1  # per room
    with pytest.raises(ClientIdConflict):
        await store.post_message("urba", "uuid-1", "bob", "vol d'identifiant", None)
    with pytest.raises(UnknownMessage):
        await store.post_message("urba", "uuid-3", "bob", "réponse à rien", 9)
    with pytest.raises(UnknownChatRoom):
        await store.post_message("nope", "uuid-4", "bob", "x", None)
    room = await store.get_chat_room("urba")
    assert room is not None and room.last_seq == 2


async def test_concurrent_posts_get_distinct_consecutive_seqs(store: Store) -> None:
    await with_users(store, "alice")
    await channel(store)
    results = await asyncio.gather(*(store.post_message("urba", f"c{i}", "alice", f"m{i}", None) for i in range(30)))
    assert sorted(m.seq for m, _ in results) == list(range(1, 31))
    replays = await asyncio.gather(*(store.post_message("urba", f"c{i}", "alice", "x", None) for i in range(30)))
    assert [m for m, _ in replays] == [m for m, _ in results]
    assert [m.text for m in await store.list_messages("urba", limit=100)] == [f"m{i}" for i in range(30)]


async def test_edit_delete_and_reactions(store: Store) -> None:
    await with_users(store, "alice", "bob")
    await channel(store, members=("bob",))
    await store.post_message("urba", "u1", "alice", "Réunion à 10h", None)
    edited = await store.edit_message("urba", 1, "Réunion à 11h")
    assert edited.text == "Réunion à 11h" and edited.edited_at is not None
    await store.set_reaction("urba", 1, "bob", "👍", True)
    await store.set_reaction("urba", 1, "alice", "👍", True)
    msg = await store.set_reaction("urba", 1, "bob", "🎉", True)
    assert msg.reactions == (("🎉", ("bob",)), ("👍", ("alice", "bob")))
    msg = await store.set_reaction("urba", 1, "bob", "🎉", False)
    assert msg.reactions == (("👍", ("alice", "bob")),)
    tomb = await store.delete_message("urba", 1)
    assert tomb.deleted and tomb.text == "" and tomb.reactions == () and tomb.seq == 1 and tomb.author == "alice"
    assert await store.get_message("urba", 1) == tomb
    assert (await store.delete_message("urba", 1)).deleted  # idempotent
    for call in (store.edit_message("urba", 1, "x"), store.set_reaction("urba", 1, "bob", "👍", True),
                 store.get_message("urba", 7), store.edit_message("nope", 1, "x")):
        with pytest.raises(UnknownMessage):
            await call
    replay, created = await store.post_message("urba", "u1", "alice", "Réunion à 10h", None)
    assert not created and replay.deleted  # a replay never resurrects a deleted message


async def test_history_pages_by_seq(store: Store) -> None:
    await with_users(store, "alice")
    await channel(store)
    for i in range(1, 11):
        await store.post_message("urba", f"u{i}", "alice", f"m{i}", None)
    seqs = lambda ms: [m.seq for m in ms]  # noqa: E731
    assert seqs(await store.list_messages("urba", limit=3)) == [8, 9, 10]
    assert seqs(await store.list_messages("urba", after=0, limit=3)) == [1, 2, 3]
    assert seqs(await store.list_messages("urba", after=8, limit=5)) == [9, 10]
    assert seqs(await store.list_messages("urba", before=4, limit=5)) == [1, 2, 3]
    assert seqs(await store.list_messages("urba", before=8, limit=2)) == [6, 7]
    assert await store.list_messages("urba", after=10) == []
    with pytest.raises(UnknownChatRoom):
        await store.list_messages("nope")


async def test_read_markers_never_move_back_and_drive_unread_counts(store: Store) -> None:
    await with_users(store, "alice", "bob")
    await channel(store, members=("bob",))
    for i in range(1, 6):
        await store.post_message("urba", f"u{i}", "alice", f"m{i}", None)
    await store.post_message("urba", "b1", "bob", "le mien", None)
    [summary] = await store.list_chat_rooms("bob")
    assert summary.unread == 5 and summary.read_seq == 0 and summary.role is ChatRole.MEMBER
    assert await store.mark_read("urba", "bob", 3) == 3
    assert await store.mark_read("urba", "bob", 2) == 3  # never backwards
    assert await store.mark_read("urba", "bob", 99) == 6  # capped at the last seq
    [summary] = await store.list_chat_rooms("bob")
    assert summary.unread == 0 and summary.read_seq == 6
    [summary] = await store.list_chat_rooms("alice")
    assert summary.unread == 1 and summary.role is ChatRole.ADMIN
    with pytest.raises(UnknownChatRoom):
        await store.mark_read("nope", "bob", 1)


async def test_schema_2_migrates_a_version_1_database(tmp_path: Path) -> None:
    from sync.server.store.sqlite import SqliteStore
    from sync.server.store.sqlite_schema import MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[1] + "PRAGMA user_version = 1;")
    conn.execute("INSERT INTO users VALUES ('alice', 'h', 0)")
    conn.commit()
    conn.close()
    s = SqliteStore(path)
    await s.open()
    try:
        assert await s.list_users() == ["alice"]
        await s.create_group("voirie")
        assert await s.add_group_member("voirie", "alice")
    finally:
        await s.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    conn.close()
