"""The chat store on its own (no server): attached files kept encrypted in the database and
refused with a clear message when too big, history pages served by an index, and local edits,
deletions, reactions and read markers that a late copy from the server does not revert."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from storage import migrations, outbox, search
from storage.chat import ChatStore, human_size
from storage.db import transaction
from storage.errors import InvalidInput, NotFound
from storage.vault import Vault, connect
from tests.conftest import PASSPHRASE

from .test_no_plaintext import leaks


def _room(store: ChatStore, me: str = "alice") -> str:
    with transaction(store.conn):
        store.conn.execute("INSERT INTO accounts(server_url, username) VALUES ('http://parvis.test', ?)", (me,))
        store.adopt_room({"id": "r1", "name": "Voirie", "role": "member", "last_seq": 0})
    return "r1"


def _remote(seq: int, rev: int, author: str = "bob", text: str | None = None, **extra: object) -> dict[str, object]:
    return {"room": "r1", "seq": seq, "rev": rev, "client_id": f"00000000-0000-4000-8000-{seq:012d}",
            "author": author, "text": f"message {seq}" if text is None else text, "created_at": 1_700_000_000 + seq,
            "reactions": {}, "attachments": [], **extra}


def test_attachments_are_kept_in_the_store_and_searchable(vault: Vault, tmp_path: Path) -> None:
    store = ChatStore(vault.conn)
    room = _room(store)
    plan = tmp_path / "Plan de la Place Général-de-Gaulle.pdf"
    plan.write_bytes(b"%PDF-1.7 " + bytes(range(256)) * 40)
    photo = tmp_path / "façade.jpg"
    photo.write_bytes(b"\xff\xd8\xff" + b"\x00" * 100)
    client_id = store.send(room, "", "alice", attachments=[plan, photo])
    message = store.get(client_id)
    assert message is not None and message.text == "" and message.state == "pending"
    assert [(a.name, a.size, a.type, a.downloaded) for a in message.attachments] == [
        (plan.name, plan.stat().st_size, "application/pdf", True), ("façade.jpg", 103, "image/jpeg", True)]
    assert store.attachment_data(message.attachments[0].id) == plan.read_bytes()
    assert store.attachment(message.attachments[1].id) == message.attachments[1]
    assert store.attachment_room(message.attachments[1].id) == room
    assert outbox.counts(vault.conn) == {"chat": 1}
    search.refresh(vault.conn, {"chat": store.search_content})
    assert [h.ref for h in search.query(vault.conn, "facade")] == [client_id]
    assert [h.ref for h in search.query(vault.conn, "general gaulle")] == [client_id]


def test_too_big_or_missing_file_is_refused_and_nothing_is_stored(vault: Vault, tmp_path: Path) -> None:
    store = ChatStore(vault.conn)
    room = _room(store)
    big = tmp_path / "plan.pdf"
    with big.open("wb") as f:
        f.truncate(31 * 1024 * 1024)  # sparse: the size is refused before anything is read
    small = tmp_path / "note.txt"
    small.write_text("ok")
    with pytest.raises(InvalidInput) as refused:
        store.send(room, "Le plan", "alice", attachments=[small, big])
    assert str(refused.value) == "« plan.pdf » est trop gros : 31,0 Mo, maximum 25 Mo."
    with pytest.raises(InvalidInput) as refused:
        store.send(room, "Le plan", "alice", attachments=[small], max_attachment_bytes=1)
    assert str(refused.value) == "« note.txt » est trop gros : 2 octets, maximum 1 octet."
    with pytest.raises(InvalidInput, match="introuvable : « absent.odt »"):
        store.send(room, "x", "alice", attachments=[tmp_path / "absent.odt"])
    with pytest.raises(InvalidInput, match="Message vide"):
        store.send(room, "  ", "alice")
    with pytest.raises(InvalidInput, match="maximum 10"):
        store.send(room, "x", "alice", attachments=[small] * 11)
    assert store.messages(room) == []
    assert outbox.counts(vault.conn) == {}
    assert vault.conn.execute("SELECT count(*) FROM chat_attachments").fetchone()[0] == 0
    assert human_size(25 * 1024 * 1024, trim=True) == "25 Mo" and human_size(1536) == "1,5 Ko"


def test_newest_page_of_a_large_room_is_one_indexed_query(vault: Vault) -> None:
    store = ChatStore(vault.conn)
    room = _room(store)
    n = 20_000
    with transaction(vault.conn):
        for seq in range(1, n + 1):
            store.store_remote(_remote(seq, seq))
    pending = store.send(room, "pas encore parti", "alice")
    page = store.messages(room, limit=50)
    assert [m.seq for m in page] == [*range(n - 48, n + 1), None]
    assert page[-1].client_id == pending
    older = store.messages(room, limit=50, before=page[0].id)
    assert [m.seq for m in older] == list(range(n - 98, n - 48))
    assert [m.seq for m in store.messages(room, limit=3, before=page[-1].id)] == [n - 2, n - 1, n]
    assert [m.seq for m in store.messages(room, limit=1)] == [None]
    with pytest.raises(NotFound):
        store.messages(room, before=10**9)
    for sql in ("SELECT * FROM chat_messages WHERE room = ? AND seq IS NOT NULL ORDER BY seq DESC LIMIT ?",
                "SELECT * FROM chat_messages WHERE room = ? AND seq IS NOT NULL AND seq < ? ORDER BY seq DESC LIMIT ?",
                "SELECT * FROM chat_messages WHERE room = ? AND seq IS NULL ORDER BY id DESC LIMIT ?"):
        plan = " ".join(row[-1] for row in vault.conn.execute("EXPLAIN QUERY PLAN " + sql, ("r1", 1, 2)[
            :sql.count("?")]))
        assert "USING INDEX chat_messages_room_seq" in plan and "TEMP B-TREE" not in plan, plan


def test_local_edit_delete_and_reactions_survive_an_older_copy(vault: Vault, tmp_path: Path) -> None:
    store = ChatStore(vault.conn)
    room = _room(store)
    with transaction(vault.conn):
        store.store_remote(_remote(1, 1, author="alice", text="Réunion à 9 h"))
        store.store_remote(_remote(2, 2, author="bob", text="D'accord"))
    mine, bobs = (m.client_id for m in store.messages(room))
    with pytest.raises(InvalidInput, match="propres messages"):
        store.edit(bobs, "piraté")
    with pytest.raises(InvalidInput, match="propres messages"):
        store.delete(bobs)
    store.edit(mine, "Réunion à 10 h")
    store.edit(mine, "Réunion à 10 h 30")
    store.react(bobs, "👍", True, "alice")
    store.react(bobs, "👍", False, "alice")
    store.react(bobs, "🎉", True, "alice")
    entries = [(e.kind, json.loads(e.payload or "{}")) for e in outbox.pending(vault.conn)]
    assert entries == [
        ("chat.edit", {"client_id": mine, "text": "Réunion à 10 h 30"}),
        ("chat.react", {"client_id": bobs, "emoji": "👍", "on": False, "user": "alice"}),
        ("chat.react", {"client_id": bobs, "emoji": "🎉", "on": True, "user": "alice"}),
    ]
    # A copy from the server that does not know these changes yet (same rev, or another
    # change by someone else) shows with them on top; an older copy is ignored.
    with transaction(vault.conn):
        assert store.store_remote(_remote(1, 3, author="alice", text="Réunion à 9 h", reactions={"👀": ["bob"]}))
        assert not store.store_remote(_remote(2, 1, author="bob", text="ancienne version"))
        store.store_remote(_remote(2, 2, author="bob", text="D'accord", reactions={"👍": ["alice", "bob"]}))
    first, second = store.messages(room)
    assert (first.text, first.reactions, first.rev) == ("Réunion à 10 h 30", {"👀": ["bob"]}, 3)
    assert first.edited_at is not None
    assert (second.text, second.reactions) == ("D'accord", {"👍": ["bob"], "🎉": ["alice"]})
    # Deleting drops the queued edit: only the deletion goes.
    store.delete(mine)
    assert [e.kind for e in outbox.pending(vault.conn)] == ["chat.react", "chat.react", "chat.delete"]
    with transaction(vault.conn):
        store.store_remote(_remote(1, 4, author="alice", text="Réunion à 9 h"))
    gone = store.get(mine)
    assert gone is not None and gone.deleted and gone.text == ""
    with pytest.raises(InvalidInput, match="supprimé"):
        store.edit(mine, "encore")
    # The server's acknowledgement (a higher rev) is the truth again; the flag clears.
    with transaction(vault.conn):
        outbox.remove(vault.conn, outbox.get(vault.conn, f"chat.delete:{mine}"))  # type: ignore[arg-type]
        store.store_remote(_remote(1, 5, author="alice", text="", deleted=True))
    assert vault.conn.execute("SELECT local_changes FROM chat_messages WHERE client_id = ?", (mine,)).fetchone() == (0,)


def test_pending_message_edits_in_place_and_deletes_without_a_trace(vault: Vault, tmp_path: Path) -> None:
    store = ChatStore(vault.conn)
    room = _room(store)
    (tmp_path / "cr.odt").write_bytes(b"compte rendu")
    first = store.send(room, "Brouillon", "alice", attachments=[tmp_path / "cr.odt"])
    second = store.send(room, "Autre", "alice")
    store.edit(first, "Version finale")
    assert store.get(first).text == "Version finale"  # type: ignore[union-attr]
    assert [e.kind for e in outbox.pending(vault.conn)] == ["chat.send", "chat.send"]
    store.react(second, "✅", True, "alice")
    store.delete(second)
    assert store.get(second) is None
    assert [json.loads(e.payload or "{}")["client_id"] for e in outbox.pending(vault.conn)] == [first]
    store.delete(first)
    assert store.messages(room) == [] and outbox.counts(vault.conn) == {}
    assert vault.conn.execute("SELECT count(*) FROM chat_attachments").fetchone()[0] == 0


def test_read_marker_never_goes_backwards(vault: Vault) -> None:
    store = ChatStore(vault.conn)
    room = _room(store)
    with transaction(vault.conn):
        for seq in range(1, 11):
            store.store_remote(_remote(seq, seq, author="alice" if seq == 5 else "bob"))
        store.adopt_room({"id": room, "name": "Voirie", "last_seq": 10, "read_seq": 2, "unread": 7})
    store.mark_read(room, 6)
    assert (store.room(room).read_seq, store.room(room).unread) == (6, 4)  # 3, 4 and 6 (5 is ours)
    store.mark_read(room, 4)
    store.mark_read(room, 7)
    assert [json.loads(e.payload or "{}") for e in outbox.pending(vault.conn)] == [{"seq": 7}]
    assert (store.room(room).read_seq, store.room(room).unread) == (7, 3)
    # The server, not told yet, still says 2: the local marker stays, the count follows it.
    with transaction(vault.conn):
        store.adopt_room({"id": room, "name": "Voirie", "last_seq": 11, "read_seq": 2, "unread": 8})
    assert (store.room(room).read_seq, store.room(room).unread) == (7, 4)
    # Another device read further: adopted.
    with transaction(vault.conn):
        store.adopt_room({"id": room, "name": "Voirie", "last_seq": 11, "read_seq": 11, "unread": 0})
    assert (store.room(room).read_seq, store.room(room).unread) == (11, 0)
    store.mark_read(room, 10**6)  # capped: nothing beyond the last message
    assert store.room(room).read_seq == 11
    store.set_muted(room, True)
    assert store.room(room).muted and not store.rooms()[0].unread
    with pytest.raises(NotFound):
        store.set_muted("inconnu", True)


def test_attachment_bytes_and_names_never_reach_the_profile_folder_in_clear(tmp_path: Path) -> None:
    folder = tmp_path / "profile"
    vault = Vault.create(folder, PASSPHRASE)
    store = ChatStore(vault.conn)
    room = _room(store)
    secret = "Rapport confidentiel Quasimodo sur le budget"
    name = f"Annexe-Zanzibar-{uuid.uuid4().hex[:6]}.txt"
    path = tmp_path / name
    path.write_text(secret * 50, encoding="utf-8")
    store.send(room, "", "alice", attachments=[path])
    search.refresh(vault.conn, {"chat": store.search_content})
    assert leaks(folder, [secret, name]) == []
    vault.close()
    assert leaks(folder, [secret, name]) == []


def test_chat_of_a_schema_3_profile_survives_the_upgrade(tmp_path: Path) -> None:
    conn = connect(tmp_path / "old.db", bytes(range(32)))
    try:
        for version, sql in migrations.available():
            if version <= 3:
                conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
        conn.execute("INSERT INTO chat_rooms(id, name, last_seq, read_seq, unread, fetched_seq) "
                     "VALUES ('r1', 'Voirie', 2, 1, 1, 2)")
        conn.execute("INSERT INTO chat_messages(room, seq, client_id, author, text, state) VALUES "
                     "('r1', 1, 'c1', 'bob', 'Bonjour', 'sent'), ('r1', 2, 'c2', 'bob', 'Ça va ?', 'sent'), "
                     "('r1', NULL, 'c3', 'alice', 'Oui', 'pending')")
        migrations.upgrade(conn)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.latest()
        store = ChatStore(conn)
        assert [(m.seq, m.text, m.rev, m.attachments, m.state) for m in store.messages("r1")] == [
            (1, "Bonjour", 0, [], "sent"), (2, "Ça va ?", 0, [], "sent"), (None, "Oui", 0, [], "pending")]
        room = store.room("r1")
        assert (room.read_seq, room.unread, room.muted) == (1, 1, False)
        assert store.rev_fetched("r1") == 0  # the next round fetches every change once, by rev
    finally:
        conn.close()
