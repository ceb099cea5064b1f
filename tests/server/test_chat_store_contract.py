"""The groups and chat part of the Store contract (rooms, messages, change revisions, batches,
attachment metadata), run against every implementation."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sync.server.errors import (
    AttachmentUnusable,
    ClientIdConflict,
    GroupExists,
    LastOwner,
    MessageRefused,
    NotAMember,
    UnknownChatRoom,
    UnknownGroup,
    UnknownMessage,
    UnknownUser,
)
from sync.server.store import ChatAttachment, ChatMember, ChatRole, NewMessage, RoomKind, Store

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
    from sync.server.store.sqlite_schema import MIGRATIONS, SCHEMA_VERSION

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
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


# -- change revisions ------------------------------------------------------------------------------


async def test_every_change_takes_the_rooms_next_rev(store: Store) -> None:
    await with_users(store, "alice", "bob")
    await channel(store, members=("bob",))
    await channel(store, "voirie")
    for i in range(1, 4):
        message, _ = await store.post_message("urba", f"u{i}", "alice", f"m{i}", None)
        assert message.rev == i
    other, _ = await store.post_message("voirie", "v1", "alice", "ailleurs", None)
    assert other.rev == 1  # per room
    replay, created = await store.post_message("urba", "u1", "alice", "m1", None)
    assert not created and replay.rev == 1  # a replay changes nothing
    assert (await store.edit_message("urba", 1, "m1 corrigé")).rev == 4
    assert (await store.set_reaction("urba", 2, "bob", "👍", True)).rev == 5
    assert (await store.set_reaction("urba", 2, "bob", "👍", True)).rev == 5  # already there: no change
    assert (await store.set_reaction("urba", 2, "bob", "🎉", False)).rev == 5  # never there: no change
    assert (await store.delete_message("urba", 3)).rev == 6
    assert (await store.delete_message("urba", 3)).rev == 6  # deleting a tombstone changes nothing
    room = await store.get_chat_room("urba")
    assert room is not None and room.rev == 6 and room.last_seq == 3
    [summary] = [s for s in await store.list_chat_rooms("alice") if s.room.id == "urba"]
    assert summary.room.rev == 6
    changes = await store.list_changes("urba", 3)
    assert [(m.seq, m.rev, m.text, m.deleted) for m in changes] == [
        (1, 4, "m1 corrigé", False), (2, 5, "m2", False), (3, 6, "", True)]
    assert [m.seq for m in await store.list_changes("urba", 0, limit=2)] == [1, 2]  # rev order, capped
    assert await store.list_changes("urba", 6) == []
    assert [m.rev for m in await store.list_messages("urba")] == [4, 5, 6]
    with pytest.raises(UnknownChatRoom):
        await store.list_changes("nope", 0)


# -- batches ---------------------------------------------------------------------------------------


async def test_a_batch_is_stored_in_order_and_all_or_nothing(store: Store) -> None:
    await with_users(store, "alice", "bob")
    await channel(store, members=("bob",))
    await store.post_message("urba", "b1", "bob", "de Bob", None)
    batch = [NewMessage("a1", "un"), NewMessage("a2", "deux", reply_to=2), NewMessage("a1", "un, rejoué")]
    results = await store.post_messages("urba", "alice", batch)
    assert [(m.seq, m.text, created) for m, created in results] == [
        (2, "un", True), (3, "deux", True), (2, "un", False)]
    assert results[1][0].reply_to == 2  # a reply to a message of the same batch
    again = await store.post_messages("urba", "alice", [NewMessage("a2", "x"), NewMessage("a3", "trois")])
    assert [(m.seq, created) for m, created in again] == [(3, False), (4, True)]
    before = await store.get_chat_room("urba")
    for items, index, error in [
        ([NewMessage("c1", "ok"), NewMessage("c2", "à rien", reply_to=99)], 1, UnknownMessage),
        ([NewMessage("c1", "ok"), NewMessage("c2", "ok"), NewMessage("b1", "vol")], 2, ClientIdConflict),
        ([NewMessage("c1", "ok", attachments=("f" * 32,))], 0, AttachmentUnusable),
    ]:
        with pytest.raises(MessageRefused) as info:
            await store.post_messages("urba", "alice", items)
        assert info.value.index == index and isinstance(info.value.error, error)
        assert str(info.value).startswith(f"message {index + 1} : ")
    assert await store.get_chat_room("urba") == before  # neither seq nor rev moved
    assert [m.client_id for m in await store.list_messages("urba")] == ["b1", "a1", "a2", "a3"]
    with pytest.raises(UnknownChatRoom):
        await store.post_messages("nope", "alice", [NewMessage("z", "x")])


# -- attachments -----------------------------------------------------------------------------------


def attachment(att_id: str, room: str = "urba", uploader: str = "alice", sha: str = "a" * 64) -> ChatAttachment:
    return ChatAttachment(att_id, room, uploader, f"fichier-{att_id[:4]}.pdf", "application/pdf", 1234, sha)


async def test_attachments_are_recorded_then_linked_to_one_message(store: Store) -> None:
    await with_users(store, "alice", "bob")
    await channel(store, members=("bob",))
    await channel(store, "voirie")
    ids = [f"{i:032x}" for i in range(1, 7)]
    stored, created = await store.add_attachment(attachment(ids[0]))
    assert created and stored.seq is None and stored.created_at > 0
    again, created = await store.add_attachment(attachment(ids[0], uploader="bob", sha="b" * 64))
    assert not created and again == stored  # the id is taken: nothing changes
    assert await store.get_attachment(ids[0]) == stored and await store.get_attachment(ids[5]) is None
    await store.add_attachment(attachment(ids[1], sha="b" * 64))
    await store.add_attachment(attachment(ids[2], uploader="bob"))
    await store.add_attachment(attachment(ids[3], room="voirie"))
    with pytest.raises(UnknownChatRoom):
        await store.add_attachment(attachment(ids[4], room="nope"))
    message, _ = await store.post_message("urba", "m1", "alice", "", None, [ids[1], ids[0]])
    assert [(a.id, a.name, a.size, a.content_type) for a in message.attachments] == [
        (ids[1], "fichier-0000.pdf", 1234, "application/pdf"), (ids[0], "fichier-0000.pdf", 1234, "application/pdf")]
    assert (await store.get_attachment(ids[0])).seq == 1  # type: ignore[union-attr]
    replay, created = await store.post_message("urba", "m1", "alice", "", None, [ids[1], ids[0]])
    assert not created and replay == message
    for att_id, words in [(ids[0], "déjà jointe"), (ids[2], "quelqu'un d'autre"), (ids[3], "inconnue"),
                          (ids[5], "inconnue")]:
        with pytest.raises(AttachmentUnusable, match=words):
            await store.post_message("urba", f"m-{att_id}", "alice", "x", None, [att_id])
    assert (await store.get_chat_room("urba")).last_seq == 1  # type: ignore[union-attr]
    assert await store.blobs_in_use(["a" * 64, "b" * 64, "c" * 64]) == {"a" * 64, "b" * 64}
    tomb = await store.delete_message("urba", 1)
    assert tomb.attachments == () and await store.get_attachment(ids[0]) is None
    assert await store.blobs_in_use(["a" * 64, "b" * 64]) == {"a" * 64}  # still used by bob's and voirie's
    assert await store.blobs_in_use([]) == set()


async def test_schema_3_gives_existing_messages_a_rev(tmp_path: Path) -> None:
    from sync.server.store.sqlite import SqliteStore
    from sync.server.store.sqlite_schema import MIGRATIONS

    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[1] + MIGRATIONS[2] + "PRAGMA user_version = 2;")
    conn.execute("INSERT INTO users VALUES ('alice', 'h', 0)")
    conn.execute("INSERT INTO chat_rooms(id, kind, name, created_by, created_at, last_seq) "
                 "VALUES ('urba', 'channel', 'Urbanisme', 'alice', 0, 2)")
    conn.execute("INSERT INTO chat_members VALUES ('urba', 'alice', 'admin')")
    conn.executemany("INSERT INTO chat_messages(room_id, seq, client_id, author, text, created_at) "
                     "VALUES ('urba', ?, ?, 'alice', ?, 0)", [(1, "u1", "un"), (2, "u2", "deux")])
    conn.commit()
    conn.close()
    s = SqliteStore(path)
    await s.open()
    try:
        room = await s.get_chat_room("urba")
        assert room is not None and room.rev == 2
        assert [(m.seq, m.rev) for m in await s.list_changes("urba", 0)] == [(1, 1), (2, 2)]
        assert (await s.edit_message("urba", 1, "un !")).rev == 3
        message, _ = await s.post_message("urba", "u3", "alice", "trois", None)
        assert (message.seq, message.rev) == (3, 4)
    finally:
        await s.close()
