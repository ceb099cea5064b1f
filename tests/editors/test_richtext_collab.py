"""RichTextEditor with other people: remote updates, convergence, undo, no echo, cursors."""

from __future__ import annotations

import random
from typing import Any

import pytest
from pycrdt import Doc
from PySide6.QtCore import QMimeData, Qt
from pytestqt.qtbot import QtBot

from editors import qtformat as qf
from editors.binding import TextBinding
from editors.richtext import RichTextEditor
from tests.editors.test_richtext import (
    assert_in_sync,
    body,
    key,
    make_editor,
    qt_runs,
    select,
    sync,
    type_text,
    y_runs,
)


class Peer:
    """A plain pycrdt Doc standing for another participant, synced with the editor's Doc by
    exchanging update bytes through `apply_remote`."""

    def __init__(self, editor: RichTextEditor, doc: Doc) -> None:
        self.editor, self.doc, self.mine = editor, Doc(), doc
        self.doc.apply_update(doc.get_update())

    def push(self) -> None:
        self.editor.apply_remote(self.doc.get_update(self.mine.get_state()))

    def pull(self) -> None:
        self.doc.apply_update(self.mine.get_update(self.doc.get_state()))


def setup(qtbot: QtBot, text: str) -> tuple[RichTextEditor, Doc, Peer]:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    type_text(editor, text)
    return editor, doc, Peer(editor, doc)


def selected(editor: RichTextEditor) -> str:
    return editor.textCursor().selectedText().replace("\u2029", "\n")


def test_remote_edits_before_inside_and_after_keep_the_selection_on_its_text(qtbot: QtBot) -> None:
    editor, doc, peer = setup(qtbot, "début é😀 milieu fin")
    select(editor, 10, 16)  # "milieu"; Qt positions count the emoji twice
    assert selected(editor) == "milieu"
    remote = body(peer.doc)
    remote.insert(0, "œ😀 ")  # before the selection, with multi-byte characters
    peer.push()
    assert selected(editor) == "milieu"
    start = str(remote).encode().index(b"milieu")
    remote.insert(start + 3, "ééé")  # inside
    peer.push()
    assert selected(editor) == "milééé" + "ieu"
    remote.insert(len(remote) - 1, " après")  # after
    peer.push()
    assert selected(editor) == "miléééieu"
    remote.insert(len(remote) - 1, "\nligne")  # a new paragraph after
    peer.push()
    assert selected(editor) == "miléééieu"
    assert str(body(doc)) == "œ😀 début é😀 miléééieu fin après\nligne\n"
    assert_in_sync(editor, doc)


def test_no_echo_and_no_qt_undo(qtbot: QtBot) -> None:
    editor, doc, peer = setup(qtbot, "abc")
    emitted: list[bytes] = []
    editor.localUpdate.connect(emitted.append)
    body(peer.doc).insert(1, "Z")
    body(peer.doc).format(0, 2, {"bold": True})
    peer.push()
    assert emitted == []
    assert editor.toPlainText() == "aZbc"
    assert not editor.document().isUndoAvailable()


def test_remote_formatting_reaches_qt(qtbot: QtBot) -> None:
    editor, doc, peer = setup(qtbot, "Titre\nété lien\nun\ndeux")
    remote = body(peer.doc)
    remote.format(0, 5, {"italic": True})
    remote.format(5, 6, {"header": 2})
    remote.format(6, 8, {"bold": True})  # "é" (2 bytes)
    remote.format(12, 16, {"link": "https://ex.fr"})
    remote.format(16, 17, {"align": "justify"})
    remote.format(19, 20, {"list": "ordered"})
    remote.format(len(remote) - 1, len(remote), {"list": "ordered"})
    peer.push()
    assert_in_sync(editor, doc)
    qdoc = editor.document()
    assert qdoc.findBlockByNumber(0).blockFormat().headingLevel() == 2
    assert qf.inline_attrs(qdoc.findBlockByNumber(1).begin().fragment().charFormat()) == {"bold": True}
    numbered = qdoc.findBlockByNumber(2).textList()
    assert numbered is not None and numbered is qdoc.findBlockByNumber(3).textList()
    assert numbered.itemNumber(qdoc.findBlockByNumber(3)) == 1
    remote.format(0, 5, {"italic": None})
    remote.format(5, 6, {"header": None})
    remote.format(19, 20, {"list": None})
    peer.push()
    assert_in_sync(editor, doc)
    assert qdoc.findBlockByNumber(0).blockFormat().headingLevel() == 0
    assert qdoc.findBlockByNumber(2).textList() is None


def test_two_editors_converge_with_concurrent_edits(qtbot: QtBot) -> None:
    doc_a, doc_b = Doc(), Doc()
    a, b = make_editor(qtbot, doc_a), make_editor(qtbot, doc_b)
    a.localUpdate.connect(b.apply_remote)
    b.localUpdate.connect(a.apply_remote)
    type_text(a, "Ordre du jour\nPoint un")
    assert b.toPlainText() == "Ordre du jour\nPoint un"
    # now both edit offline, then exchange everything
    held_a: list[bytes] = []
    held_b: list[bytes] = []
    a.localUpdate.disconnect(b.apply_remote)
    b.localUpdate.disconnect(a.apply_remote)
    a.localUpdate.connect(held_a.append)
    b.localUpdate.connect(held_b.append)
    select(a, 5)
    type_text(a, " été😀")
    select(a, 0, 5)
    a.toggle_bold()
    select(b, 14)
    type_text(b, "Déjà ")
    select(b, 0, 2)
    b.set_heading(1)
    select(b, 20)
    b.set_list("bullet")
    select(b, 3, 8)
    key(b, Qt.Key.Key_Delete)
    for update in held_b:
        a.apply_remote(update)
    for update in held_a:
        b.apply_remote(update)
    assert str(body(doc_a)) == str(body(doc_b))
    assert body(doc_a).diff() == body(doc_b).diff()
    assert a.toPlainText() == b.toPlainText()
    assert qt_runs(a) == qt_runs(b)
    assert_in_sync(a, doc_a)
    assert_in_sync(b, doc_b)


def test_undo_removes_only_local_text(qtbot: QtBot) -> None:
    editor, doc, peer = setup(qtbot, "")
    updates: list[bytes] = []
    editor.localUpdate.connect(updates.append)
    type_text(editor, "mien")
    peer.pull()
    body(peer.doc).insert(0, "autre ")
    peer.push()
    assert str(body(doc)) == "autre mien\n"
    assert editor.can_undo()
    count = len(updates)
    editor.undo()
    assert str(body(doc)) == "autre "
    assert len(updates) == count + 1  # the undo went out like any local change
    assert_in_sync(editor, doc)
    editor.redo()
    assert str(body(doc)) == "autre mien\n"
    assert_in_sync(editor, doc)
    replica = Doc()
    for update in updates:
        replica.apply_update(update)
    replica.apply_update(peer.doc.get_update())
    assert str(body(replica)) == str(body(doc))


def test_typing_bursts_undo_together_and_formatting_separately(qtbot: QtBot) -> None:
    editor, doc, _ = setup(qtbot, "")
    type_text(editor, "un deux")
    select(editor, 0, 2)
    editor.toggle_bold()
    editor.undo()
    assert y_runs(doc) == [("un deux\n", {})]
    editor.undo()
    assert str(body(doc)) == ""
    assert editor.toPlainText() == ""
    assert not editor.can_undo()


def test_remote_changes_at_the_end_of_the_body(qtbot: QtBot) -> None:
    editor, doc, peer = setup(qtbot, "a")
    remote = body(peer.doc)
    remote.insert(len(remote), "b\nc")  # after the final newline, as a y-quill peer may do
    peer.push()
    assert editor.toPlainText() == "a\nb\nc"
    assert_in_sync(editor, doc)
    remote.insert(len(remote), "\n", {"header": 3})
    peer.push()
    assert editor.toPlainText() == "a\nb\nc"
    assert editor.document().lastBlock().blockFormat().headingLevel() == 3
    assert_in_sync(editor, doc)
    del remote[len(remote) - 3 : len(remote)]  # "\nc\n"
    peer.push()
    assert editor.toPlainText() == "a\nb"
    assert_in_sync(editor, doc)
    del remote[0 : len(remote)]
    peer.push()
    assert editor.toPlainText() == ""
    assert_in_sync(editor, doc)
    type_text(editor, "x")
    assert str(body(doc)) == "x\n"


def cursor_state(name: str, cursor: Any) -> dict[str, Any]:
    return {"user": {"name": name, "color": "#3366cc"}, "cursor": cursor}


def test_remote_cursors_resolve_after_accents_and_emoji_and_follow_edits(qtbot: QtBot) -> None:
    doc_a, doc_b = Doc(), Doc()
    a, b = make_editor(qtbot, doc_a), make_editor(qtbot, doc_b)
    a.localUpdate.connect(b.apply_remote)
    b.localUpdate.connect(a.apply_remote)
    type_text(a, "éà😀 texte\nœ😀 suite")
    select(b, 4, 9)  # after the emoji: "texte"
    moves: list[None] = []
    b.cursorMoved.connect(lambda: moves.append(None))
    select(b, 5, 10)
    assert moves
    cursor = b.local_cursor()
    assert cursor is not None and set(cursor) == {"anchor", "head"}
    assert "item" in cursor["anchor"] and "assoc" in cursor["anchor"]
    a.set_remote_cursors({doc_b.client_id: cursor_state("Bea", cursor)})
    assert a.remote_cursor_positions() == {doc_b.client_id: (5, 10)}
    select(a, 0)
    type_text(a, "ÉÉ")  # the remote cursor follows the text
    assert a.remote_cursor_positions() == {doc_b.client_id: (7, 12)}
    a.grab()  # paints the caret, the label and the selection without error


def test_malformed_awareness_states_are_ignored(qtbot: QtBot) -> None:
    editor, doc, _ = setup(qtbot, "abc")
    good = editor.local_cursor()
    states: dict[Any, Any] = {
        1: cursor_state("ok", good),
        2: "nope",
        3: {"user": {"name": "x", "color": "not a colour"}, "cursor": good},
        4: {"user": {"name": "x", "color": "#123456"}, "cursor": {"anchor": {}, "head": {}}},
        5: cursor_state("x", {"anchor": {"item": {"client": 99, "clock": 5}, "assoc": 0}, "head": None}),
        6: cursor_state("x", {"anchor": {"item": {"client": doc.client_id, "clock": 10**6}}, "head": good["head"]}),
        7: cursor_state("x", {"anchor": {"tname": "other", "assoc": 0}, "head": good["head"]}),
        8: cursor_state("x", {"anchor": {"item": {"client": -1, "clock": 0}, "assoc": 0}, "head": "x"}),
        9: cursor_state("x", None),
        10: {"user": None},
        "11": cursor_state("x", good),
        12: cursor_state("x", {"anchor": {"item": {"client": 1.5, "clock": 0}, "assoc": 7}, "head": good["head"]}),
    }
    editor.set_remote_cursors(states)
    assert good is not None
    assert editor.remote_cursor_positions() == {1: (3, 3)}
    editor.grab()


def _boundary(editor: RichTextEditor, pos: int) -> int:
    """A position that does not split a surrogate pair (a user's cursor never does)."""
    units = editor.toPlainText().encode("utf-16-le")
    if 0 < pos < len(units) // 2 and 0xDC00 <= int.from_bytes(units[2 * pos : 2 * pos + 2], "little") <= 0xDFFF:
        return pos - 1
    return pos


def _random_local_op(rng: random.Random, editor: RichTextEditor) -> None:
    size = editor.document().characterCount() - 1
    pos = _boundary(editor, rng.randint(0, size))
    choice = rng.random()
    if choice < 0.35:
        select(editor, pos)
        type_text(editor, rng.choice(["a", "é", "😀", "\n", "xy", "œ\n"]))
    elif choice < 0.4:
        select(editor, pos)
        key(editor, rng.choice([Qt.Key.Key_Backspace, Qt.Key.Key_Return]))
    elif choice < 0.45:
        select(editor, pos, _boundary(editor, min(size, pos + rng.randint(0, 3))))
        data = QMimeData()
        data.setHtml(rng.choice(["<b>g</b>é<h1>t</h1>", "<ol><li>un</li><li>deux</li></ol>", "<p>x</p><p>y</p>"]))
        editor.insertFromMimeData(data)
    elif choice < 0.6 and size:
        select(editor, pos, _boundary(editor, min(size, pos + rng.randint(1, 4))))
        key(editor, Qt.Key.Key_Delete)
    elif choice < 0.75:
        select(editor, pos, _boundary(editor, min(size, pos + rng.randint(0, 6))))
        rng.choice([editor.toggle_bold, editor.toggle_italic, lambda: editor.set_link("https://a.fr")])()
    else:
        select(editor, pos)
        actions = [
            lambda: editor.set_heading(rng.randint(0, 3)),
            lambda: editor.set_list(rng.choice([None, "bullet", "ordered"])),
            lambda: editor.set_align(rng.choice(["left", "right", "justify"])),
        ]
        rng.choice(actions)()


def _random_remote_op(rng: random.Random, doc: Doc) -> None:
    text = body(doc)
    raw = str(text)
    boundaries = [len(raw[:i].encode()) for i in range(len(raw) + 1)]
    pos = rng.choice(boundaries)
    choice = rng.random()
    if choice < 0.45:
        attrs = rng.choice([None, {}, {"bold": True}, {"header": 2}, {"list": "bullet"}])
        text.insert(pos, rng.choice(["b", "ç", "🎉", "\n", "zz\n"]), attrs)
    elif choice < 0.7 and len(boundaries) > 1:
        end = rng.choice([b for b in boundaries if b > pos] or [pos])
        del text[pos:end]
    else:
        end = rng.choice([b for b in boundaries if b >= pos])
        attrs = rng.choice(
            [{"bold": True}, {"bold": None}, {"italic": True}, {"header": 1}, {"header": None}, {"list": "ordered"}]
            + [{"list": None}, {"align": "center"}, {"link": None}, {"link": "https://b.fr", "italic": True}]
        )
        text.format(pos, end, attrs)


def test_random_concurrent_sessions_converge(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(20240611)
    clock = [0]

    def now(binding: TextBinding) -> int:  # undo grouping must not depend on the machine's speed
        clock[0] += rng.choice([1, 50, 400, 700])
        return clock[0] + binding._skew

    monkeypatch.setattr(TextBinding, "_now", now)
    for _round in range(6):
        doc_a, doc_b = Doc(), Doc()
        a, b = make_editor(qtbot, doc_a), make_editor(qtbot, doc_b)
        remote = Doc()
        for _step in range(25):
            for _ in range(rng.randint(1, 3)):
                _random_local_op(rng, a)
            for _ in range(rng.randint(1, 3)):
                _random_local_op(rng, b)
            for _ in range(rng.randint(0, 2)):
                _random_remote_op(rng, remote)
            a.apply_remote(doc_b.get_update(doc_a.get_state()))
            a.apply_remote(remote.get_update(doc_a.get_state()))
            b.apply_remote(doc_a.get_update(doc_b.get_state()))
            sync(remote, doc_a)
            assert_in_sync(a, doc_a)
            assert_in_sync(b, doc_b)
            if rng.random() < 0.2:
                rng.choice([a, b]).undo()
        b.apply_remote(doc_a.get_update(doc_b.get_state()))
        a.apply_remote(doc_b.get_update(doc_a.get_state()))
        assert body(doc_a).diff() == body(doc_b).diff()
        assert_in_sync(a, doc_a)
        assert_in_sync(b, doc_b)
        a.close()
        b.close()
