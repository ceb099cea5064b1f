"""Documents in the store: character positions, the outbox in the same transaction, crash-safe
compaction, several connections, and search."""

from __future__ import annotations

import pytest
from pycrdt import Doc, Text

from storage import outbox, search
from storage.docs import COMPACT_AFTER, DocStore, delete_text, insert_text, set_title
from storage.errors import InvalidInput, NotFound
from storage.vault import Vault

LINE = "Présents : Mme Dupré 😀 et M. Lefèvre"


def fail_next(conn: object, statement: str, table: str) -> None:
    """Make the next `statement` on `table` fail, as a full disk or a crash would."""
    conn.execute(  # type: ignore[attr-defined]
        f"CREATE TEMP TRIGGER fault BEFORE {statement} ON {table} BEGIN SELECT RAISE(ABORT, 'panne simulée'); END"
    )


def heal(conn: object) -> None:
    conn.execute("DROP TRIGGER fault")  # type: ignore[attr-defined]


def test_positions_count_characters(vault: Vault) -> None:
    store = DocStore(vault.conn)
    od = store.open(store.create("PV"))
    store.edit(od, lambda o: insert_text(o, None, LINE))
    store.edit(od, lambda o: insert_text(o, LINE.index("😀") + 1, "!"))  # right after the emoji
    store.edit(od, lambda o: insert_text(o, 0, "« "))
    store.edit(od, lambda o: delete_text(o, LINE.index("Lefèvre") + 3, len("Lefèvre")))  # + "« " and "!"
    expected = "« " + LINE.replace("😀", "😀!").replace("Lefèvre", "")
    assert od.text() == expected
    assert store.open(od.id).text() == expected  # and the same from the stored log


def test_invalid_positions_are_refused_and_store_nothing(vault: Vault) -> None:
    store = DocStore(vault.conn)
    od = store.open(store.create("PV"))
    store.edit(od, lambda o: insert_text(o, None, "abc"))
    rows = vault.conn.execute("SELECT count(*) FROM doc_updates").fetchone()[0]
    with pytest.raises(InvalidInput, match="hors du texte"):
        store.edit(od, lambda o: insert_text(o, 4, "x"))
    with pytest.raises(InvalidInput):
        store.edit(od, lambda o: delete_text(o, 2, 5))
    with pytest.raises(InvalidInput):
        store.create("   ")
    assert vault.conn.execute("SELECT count(*) FROM doc_updates").fetchone()[0] == rows
    assert store.open(od.id).text() == "abc"


def test_local_change_and_outbox_commit_together(vault: Vault) -> None:
    store = DocStore(vault.conn)
    od = store.open(store.create("PV"))
    store.edit(od, lambda o: insert_text(o, None, "un"))
    entry = outbox.get(vault.conn, f"doc.update:{od.id}")
    assert entry is not None and entry.changes == 2  # the title, then the text
    fail_next(vault.conn, "UPDATE", "outbox")
    with pytest.raises(Exception, match="panne simulée"):
        store.edit(store.open(od.id), lambda o: insert_text(o, None, " deux"))
    heal(vault.conn)
    # Neither the update nor its outbox entry was stored.
    assert store.open(od.id).text() == "un"
    assert outbox.get(vault.conn, f"doc.update:{od.id}") == entry


def test_outbox_coalesces_and_keeps_changes_made_after_a_send(vault: Vault) -> None:
    store = DocStore(vault.conn)
    od = store.open(store.create("PV"))
    sent = outbox.get(vault.conn, f"doc.update:{od.id}")
    assert sent is not None
    store.edit(od, lambda o: insert_text(o, None, "après l'envoi"))
    outbox.done(vault.conn, sent)  # the ack covers only what was sent
    left = outbox.get(vault.conn, f"doc.update:{od.id}")
    assert left is not None and left.seq > sent.seq
    outbox.done(vault.conn, left)
    assert outbox.get(vault.conn, f"doc.update:{od.id}") is None
    assert outbox.counts(vault.conn) == {"docs": 1}  # the creation is still pending


def test_compaction_keeps_content_and_drops_the_tail(vault: Vault) -> None:
    store = DocStore(vault.conn)
    od = store.open(store.create("PV"))
    for ch in LINE * 3:
        store.edit(od, lambda o, c=ch: insert_text(o, None, c))
    store.edit(od, lambda o: delete_text(o, 0, 10))
    text = od.text()
    store.compact(od)
    assert vault.conn.execute("SELECT count(*) FROM doc_updates WHERE doc_id = ?", (od.id,)).fetchone()[0] == 0
    assert store.open(od.id).text() == text
    assert store.open(od.id).title() == "PV"


def test_automatic_compaction_bounds_the_tail(vault: Vault) -> None:
    store = DocStore(vault.conn)
    od = store.open(store.create("PV"))
    for i in range(COMPACT_AFTER + 10):
        store.edit(od, lambda o, i=i: insert_text(o, None, str(i % 10)))
    tail = vault.conn.execute("SELECT count(*) FROM doc_updates WHERE doc_id = ?", (od.id,)).fetchone()[0]
    assert tail < COMPACT_AFTER
    assert store.open(od.id).text() == "".join(str(i % 10) for i in range(COMPACT_AFTER + 10))


def test_a_crash_during_compaction_loses_nothing(vault: Vault) -> None:
    store = DocStore(vault.conn)
    od = store.open(store.create("PV"))
    for ch in "conseil municipal":
        store.edit(od, lambda o, c=ch: insert_text(o, None, c))
    fail_next(vault.conn, "UPDATE", "documents")  # after the tail is deleted, before the snapshot
    with pytest.raises(Exception, match="panne simulée"):
        store.compact(od)
    heal(vault.conn)
    assert store.open(od.id).text() == "conseil municipal"
    assert vault.conn.execute("SELECT count(*) FROM doc_updates WHERE doc_id = ?", (od.id,)).fetchone()[0] > 1


def test_connections_meet_through_the_store(vault: Vault) -> None:
    ui = DocStore(vault.conn)
    engine = DocStore(vault.connect())
    doc_id = ui.create("PV")
    ui_doc = ui.open(doc_id)
    engine_doc = engine.open(doc_id)
    ui.edit(ui_doc, lambda o: insert_text(o, None, "Ordre du jour"))
    forwarded = engine.refresh(engine_doc)
    assert len(forwarded) == 1 and engine_doc.text() == "Ordre du jour"
    # The engine compacts while the UI's view is behind: the UI's refresh still converges.
    engine.edit(engine_doc, lambda o: insert_text(o, 0, "1. "))
    engine.compact(engine_doc)
    ui.refresh(ui_doc)
    assert ui_doc.text() == "1. Ordre du jour"


def test_remote_updates_store_only_what_changed(vault: Vault) -> None:
    store = DocStore(vault.conn)
    od = store.open(store.create("PV"))
    other = Doc()
    other.apply_update(od.doc.get_update())
    other.get("body", type=Text).insert(0, "distant")
    assert store.apply_remote(od, other.get_update()) != b""
    rows = vault.conn.execute("SELECT count(*) FROM doc_updates").fetchone()[0]
    assert store.apply_remote(od, other.get_update()) == b""  # a replay
    assert vault.conn.execute("SELECT count(*) FROM doc_updates").fetchone()[0] == rows
    assert outbox.get(vault.conn, f"doc.update:{od.id}") is not None  # only the local title is pending
    assert store.open(od.id).text() == "distant"


def test_device_client_id_is_stable(vault: Vault) -> None:
    first = DocStore(vault.conn).client_id
    assert DocStore(vault.connect()).client_id == first
    store = DocStore(vault.conn)
    od = store.open(store.create("PV"))
    store.edit(od, lambda o: insert_text(o, None, "a"))
    store.edit(store.open(od.id), lambda o: insert_text(o, None, "b"))
    assert set(store.open(od.id).doc.get_state()) and len(_clients(store.open(od.id).doc)) == 1


def _clients(doc: Doc) -> set[int]:
    from sync.protocol.lib0 import Reader

    r = Reader(bytes(doc.get_state()))
    return {(r.read_var_uint(), r.read_var_uint())[0] for _ in range(r.read_var_uint())}


def test_resolve_by_prefix(vault: Vault) -> None:
    store = DocStore(vault.conn)
    a = store.create("A", doc_id="abc-1")
    store.create("B", doc_id="abd-2")
    assert store.resolve("abc") == a
    with pytest.raises(InvalidInput, match="plusieurs"):
        store.resolve("ab")
    with pytest.raises(NotFound):
        store.resolve("zz")
    with pytest.raises(NotFound):
        store.resolve("%")


def test_search_ignores_accents_and_case_and_follows_edits(vault: Vault) -> None:
    store = DocStore(vault.conn)
    od = store.open(store.create("Procès-verbal — séance du 12 mars"))
    store.edit(od, lambda o: insert_text(o, None, LINE))

    def load(ref: str) -> tuple[str, str]:
        d = store.open(ref)
        return d.title(), d.text()

    search.refresh(vault.conn, {"doc": load})
    assert [h.ref for h in search.query(vault.conn, "LEFEVRE")] == [od.id]
    assert [h.ref for h in search.query(vault.conn, "seance 12")] == [od.id]
    assert [h.ref for h in search.query(vault.conn, "dupr")] == [od.id]  # prefix while typing
    store.edit(od, lambda o: delete_text(o, LINE.index("Lefèvre"), len("Lefèvre")))
    store.edit(od, lambda o: set_title(o, "Compte rendu"))
    search.refresh(vault.conn, {"doc": load})
    assert search.query(vault.conn, "lefevre") == []
    assert search.query(vault.conn, "seance") == []
    for hostile in ('"', "AND OR NOT", "col:*", "(", "NEAR(a b)"):
        search.query(vault.conn, hostile)  # FTS5 syntax in the input never raises


def test_refresh_can_leave_out_what_came_from_the_server(vault: Vault) -> None:
    ui = DocStore(vault.conn)
    engine = DocStore(vault.connect())
    doc_id = ui.create("PV")
    engine_doc = engine.open(doc_id)
    ui.edit(ui.open(doc_id), lambda o: insert_text(o, None, "local"))
    other = Doc()
    other.apply_update(engine_doc.doc.get_update())
    other.get("body", type=Text).insert(0, "distant ")
    ui.apply_remote(ui.open(doc_id), other.get_update())  # stored by another connection
    forwarded = engine.refresh(engine_doc, local_only=True)
    assert len(forwarded) == 1  # the local edit only: never echo the server's update back
    # ...but everything is folded in (two concurrent inserts at 0: client ids decide the order).
    assert engine_doc.text() == ui.open(doc_id).text()
    assert sorted((engine_doc.text().replace("distant ", ""), "distant ")) == ["distant ", "local"]


def test_an_edit_to_a_document_deleted_meanwhile_is_refused_and_stores_nothing(vault: Vault) -> None:
    store = DocStore(vault.conn)
    doc_id = store.create("Brouillon")
    od = store.open(doc_id)
    store.delete(doc_id)
    with pytest.raises(NotFound, match="n'existe plus"):
        store.edit(od, lambda o: insert_text(o, None, "trop tard"))
    assert vault.conn.execute("SELECT count(*) FROM doc_updates").fetchone()[0] == 0
