"""RichTextEditor: local edits reach the CRDT, remote updates reach Qt, and both stay equal."""

from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Doc, Text
from PySide6.QtCore import QEvent, QMimeData, Qt
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from editors import qtformat as qf
from editors.richtext import RichTextEditor

# ---- helpers shared by the other test_richtext_* modules ---------------------------------------


def make_editor(qtbot: QtBot, doc: Doc | None = None) -> RichTextEditor:
    editor = RichTextEditor(doc if doc is not None else Doc())
    qtbot.addWidget(editor)
    editor.resize(600, 400)
    editor.show()
    return editor


def body(doc: Doc) -> Text:
    return doc.get("body", type=Text)


def type_text(editor: RichTextEditor, text: str) -> None:
    """Type like a keyboard, one key event per character (QTest.keyClicks only knows ASCII)."""
    for ch in text:
        if ch == "\n":
            QApplication.sendEvent(
                editor, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r")
            )
        else:
            QApplication.sendEvent(editor, QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, ch))


def key(editor: RichTextEditor, k: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QApplication.sendEvent(editor, QKeyEvent(QEvent.Type.KeyPress, k, mods))


def select(editor: RichTextEditor, start: int, stop: int | None = None) -> None:
    cursor = editor.textCursor()
    cursor.setPosition(start)
    if stop is not None:
        cursor.setPosition(stop, QTextCursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)


def y_runs(doc: Doc) -> list[tuple[str, dict[str, Any]]]:
    """The body's delta with our attributes normalised (header as int), adjacent runs merged."""
    out: list[tuple[str, dict[str, Any]]] = []
    for value, attrs in body(doc).diff():
        text = value if isinstance(value, str) else "*"
        clean_text = {k: v for k, v in (attrs or {}).items() if k in qf.INLINE_KEYS and v}
        clean_nl = qf.clean_block(attrs)
        for i, piece in enumerate(text.split("\n")):
            if i:
                _add(out, "\n", clean_nl)
            if piece:
                _add(out, piece, clean_text)
    return out


def _add(out: list[tuple[str, dict[str, Any]]], text: str, attrs: dict[str, Any]) -> None:
    if out and out[-1][1] == attrs:
        out[-1] = (out[-1][0] + text, attrs)
    else:
        out.append((text, attrs))


def qt_runs(editor: RichTextEditor) -> list[tuple[str, dict[str, Any]]]:
    """What Qt shows, as runs; the final newline is Qt's last separator when the Y text has one."""
    doc = editor.document()
    stop = doc.characterCount() - (0 if editor._binding.tail else 1)
    out: list[tuple[str, dict[str, Any]]] = []
    for text, attrs in qf.read_runs(doc, 0, stop):
        for i, piece in enumerate(text.split("\n")):
            if i:
                _add(out, "\n", qf.clean_block(attrs))
            if piece:
                _add(out, piece, qf.clean_inline(attrs))
    return out


def assert_in_sync(editor: RichTextEditor, doc: Doc) -> None:
    assert qt_runs(editor) == y_runs(doc)
    text = str(body(doc))
    plain = text[:-1] if text.endswith("\n") else text
    assert editor.toPlainText() == plain
    index = editor._binding.index
    assert index.texts == plain.split("\n") or (plain == "" and index.texts == [""])
    assert index.total - (0 if editor._binding.tail else 1) == len(text.encode())


def sync(a: Doc, b: Doc) -> None:
    """Exchange what each Doc misses, both ways."""
    b_update = b.get_update(a.get_state())
    a_update = a.get_update(b.get_state())
    a.apply_update(b_update)
    b.apply_update(a_update)


# ---- typing -----------------------------------------------------------------------------------


def test_typing_reaches_the_crdt_with_accents_and_emoji(qtbot: QtBot) -> None:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    type_text(editor, "Œuvre élémentaire 😀 fin")
    assert str(body(doc)) == "Œuvre élémentaire 😀 fin\n"
    type_text(editor, "\nDeuxième")
    assert str(body(doc)) == "Œuvre élémentaire 😀 fin\nDeuxième\n"
    assert_in_sync(editor, doc)


def test_edits_after_accents_and_emoji_land_where_the_user_put_them(qtbot: QtBot) -> None:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    type_text(editor, "àé😀b\nœ😀c")
    # Qt positions: à0 é1 😀2-3 b4 \n5 œ6 😀7-8 c9
    select(editor, 4)
    type_text(editor, "X")
    assert str(body(doc)) == "àé😀Xb\nœ😀c\n"
    select(editor, 10)  # after the second emoji
    key(editor, Qt.Key.Key_Backspace)  # removes the whole emoji
    assert str(body(doc)) == "àé😀Xb\nœc\n"
    select(editor, 2, 5)  # the first emoji and X
    type_text(editor, "ç")
    assert str(body(doc)) == "àéçb\nœc\n"
    select(editor, 4)
    key(editor, Qt.Key.Key_Delete)  # joins the paragraphs
    assert str(body(doc)) == "àéçbœc\n"
    assert_in_sync(editor, doc)


def test_each_qt_edit_is_one_transaction_with_update_bytes(qtbot: QtBot) -> None:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    updates: list[bytes] = []
    editor.localUpdate.connect(updates.append)
    type_text(editor, "abc")
    assert len(updates) == 3
    replica = Doc()
    for update in updates:
        replica.apply_update(update)
    assert str(body(replica)) == "abc\n"
    cursor = editor.textCursor()
    cursor.insertText("direct")  # an edit made through the QTextCursor API, as a bench would
    assert len(updates) == 4
    assert str(body(doc)) == "abcdirect\n"


# ---- formatting -------------------------------------------------------------------------------


def test_bold_on_a_range_formats_exactly_those_characters(qtbot: QtBot) -> None:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    type_text(editor, "un été 😀 chaud")
    select(editor, 3, 6)  # "été"
    editor.toggle_bold()
    assert body(doc).diff() == [("un ", None), ("été", {"bold": True}), (" 😀 chaud\n", None)]
    select(editor, 4, 9)  # "té 😀"
    editor.toggle_italic()
    editor.toggle_underline()
    editor.toggle_strike()
    both = {"italic": True, "underline": True, "strike": True}
    assert y_runs(doc) == [
        ("un ", {}),
        ("é", {"bold": True}),
        ("té", {"bold": True, **both}),
        (" 😀", both),
        (" chaud\n", {}),
    ]
    select(editor, 3, 6)
    editor.toggle_bold()  # all bold: removes it
    assert "bold" not in str(body(doc).diff())
    assert_in_sync(editor, doc)


def test_typing_with_bold_toggled_inserts_bold_text(qtbot: QtBot) -> None:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    type_text(editor, "a")
    editor.actions_by_name["bold"].trigger()
    type_text(editor, "bé")
    editor.toggle_bold()
    type_text(editor, "c")
    assert y_runs(doc) == [("a", {}), ("bé", {"bold": True}), ("c\n", {})]


def test_heading_list_alignment_and_link_reach_the_crdt(qtbot: QtBot) -> None:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    type_text(editor, "Titre\nun\ndeux\nfin")
    select(editor, 2)
    editor.set_heading(2)
    assert body(doc).diff()[:2] == [("Titre", None), ("\n", {"header": 2})]
    select(editor, 7, 10)  # "un" and "deux"
    editor.set_list("ordered")
    select(editor, 14)
    editor.set_align("center")
    assert y_runs(doc) == [
        ("Titre", {}),
        ("\n", {"header": 2}),
        ("un", {}),
        ("\n", {"list": "ordered"}),
        ("deux", {}),
        ("\n", {"list": "ordered"}),
        ("fin", {}),
        ("\n", {"align": "center"}),
    ]
    block = editor.document().findBlockByNumber(2)
    assert block.textList() is not None and block.textList() is editor.document().findBlockByNumber(1).textList()
    select(editor, 14, 17)
    editor.set_link("https://www.mairie.fr/")
    assert ("fin", {"link": "https://www.mairie.fr/"}) in y_runs(doc)
    select(editor, 15)
    editor.set_link(None)  # the link under the cursor goes away entirely
    assert "link" not in str(body(doc).diff())
    select(editor, 8)
    editor.set_list(None)
    editor.set_align("left")
    select(editor, 0)
    editor.set_heading(0)
    assert str(body(doc).diff()).count("list") == 1 and "header" not in str(body(doc).diff())
    assert_in_sync(editor, doc)


def test_heading_look_never_becomes_a_model_attribute(qtbot: QtBot) -> None:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    type_text(editor, "Titre")
    editor.set_heading(1)
    type_text(editor, " long")
    fmt = editor.document().findBlockByNumber(0).begin().fragment().charFormat()
    assert fmt.fontWeight() >= 600  # it looks bold and big…
    assert y_runs(doc) == [("Titre long", {}), ("\n", {"header": 1})]  # …but is not bold text
    type_text(editor, "\nsuite")  # Enter at the end of a heading gives a normal paragraph
    assert y_runs(doc) == [("Titre long", {}), ("\n", {"header": 1}), ("suite\n", {})]
    assert editor.document().findBlockByNumber(1).begin().fragment().charFormat().fontWeight() < 600


def test_invalid_format_arguments_raise_clear_errors(qtbot: QtBot) -> None:
    editor = make_editor(qtbot)
    with pytest.raises(ValueError, match="titre"):
        editor.set_heading(4)
    with pytest.raises(ValueError, match="liste"):
        editor.set_list("checked")
    with pytest.raises(ValueError, match="Alignement"):
        editor.set_align("middle")
    with pytest.raises(ValueError, match="Lien refusé"):
        editor.set_link("javascript:alert(1)")


def test_shortcuts_trigger_the_actions(qtbot: QtBot) -> None:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    type_text(editor, "abc")
    select(editor, 0, 3)
    key(editor, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    key(editor, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    key(editor, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert y_runs(doc) == [("abc", {"bold": True}), ("\n", {"header": 2, "align": "center"})]
    key(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert y_runs(doc) == [("abc", {"bold": True}), ("\n", {"header": 2})]
    key(editor, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert y_runs(doc) == [("abc", {"bold": True}), ("\n", {"header": 2, "align": "center"})]
    names = editor.actions_by_name
    assert names["bold"].text() == "Gras" and names["strike"].shortcut().toString() == "Ctrl+Shift+X"
    assert names["redo"].shortcuts()[1].toString() == "Ctrl+Y"
    assert all(action.text() and action.toolTip() for action in names.values())
    assert editor.accessibleName()


# ---- loading ----------------------------------------------------------------------------------


def test_loading_renders_the_existing_body_with_formats(qtbot: QtBot) -> None:
    doc = Doc()
    text = body(doc)
    text.insert(0, "Titre\nGras et lien\npuce\nnuméro 😀\n")
    text.format(0, 5, {"bold": True})
    text.format(5, 6, {"header": 1})
    text.format(6, 10, {"bold": True})
    text.format(15, 19, {"link": "https://x.fr"})
    text.format(19, 20, {"align": "right"})
    text.format(24, 25, {"list": "bullet"})
    text.format(len(text) - 1, len(text), {"list": "ordered"})
    editor = make_editor(qtbot, doc)
    assert editor.toPlainText() == "Titre\nGras et lien\npuce\nnuméro 😀"
    assert_in_sync(editor, doc)
    assert editor.document().lastBlock().textList() is not None


def test_a_body_without_final_newline_gets_one_on_the_first_edit(qtbot: QtBot) -> None:
    doc = Doc()
    body(doc).insert(0, "écrit par la CLI")
    editor = make_editor(qtbot, doc)
    assert editor.toPlainText() == "écrit par la CLI"
    assert_in_sync(editor, doc)
    select(editor, 16)
    type_text(editor, "!")
    assert str(body(doc)) == "écrit par la CLI!\n"
    assert_in_sync(editor, doc)


def test_empty_document_and_counts(qtbot: QtBot) -> None:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    assert editor.counts() == (0, 0)
    assert editor.local_cursor() is None
    with qtbot.waitSignal(editor.countsChanged, timeout=2000) as blocker:
        type_text(editor, "Le conseil municipal 😀\ns'est réuni")
    assert blocker.args == [6, 34]  # the emoji stands alone: a word, as in LibreOffice
    assert editor.counts() == (6, 34)
    select(editor, 0, editor.document().characterCount() - 1)
    key(editor, Qt.Key.Key_Delete)
    assert editor.counts() == (0, 0)
    assert str(body(doc)) == "\n"


# ---- paste ------------------------------------------------------------------------------------


def test_paste_of_html_keeps_only_supported_formatting(qtbot: QtBot) -> None:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    type_text(editor, "début  fin")
    select(editor, 6)
    data = QMimeData()
    data.setHtml(
        '<p style="font-family:Comic Sans MS;font-size:30pt;color:#ff0000">'
        '<b>gras</b> <span style="background:yellow">fond</span> <a href="https://ex.fr">lien</a>'
        '<img src="x.png"> <i>it</i></p>'
        "<h2>Sous-titre</h2>"
        "<table><tr><td>c1</td><td>c2</td></tr></table>"
        "<ul><li>puce</li></ul>"
        '<p align="center"><s>barré</s> <u>souligné</u></p>'
    )
    editor.insertFromMimeData(data)
    runs = y_runs(doc)
    assert runs[:8] == [
        ("début ", {}),
        ("gras", {"bold": True}),
        (" fond ", {}),
        ("lien", {"link": "https://ex.fr"}),
        (" ", {}),
        ("it", {"italic": True}),
        ("\nSous-titre", {}),
        ("\n", {"header": 2}),
    ]
    text = str(body(doc))
    assert "c1\nc2\n" in text and "\ufffc" not in text
    assert ("\n", {"header": 2}) in runs and ("\n", {"list": "bullet"}) in runs
    assert ("barré", {"strike": True}) in runs and ("souligné", {"underline": True}) in runs
    assert text.endswith("souligné fin\n")
    for _, attrs in runs:
        assert set(attrs) <= {"bold", "italic", "underline", "strike", "link", "header", "list", "align"}
    assert_in_sync(editor, doc)


def test_copy_then_paste_inside_parvis_is_exact(qtbot: QtBot) -> None:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    type_text(editor, "Titre\nun lien")
    select(editor, 0)
    editor.set_heading(1)
    select(editor, 9, 13)
    editor.set_link("https://ex.fr")
    select(editor, 0, 13)
    data = editor.createMimeDataFromSelection()
    assert "<h1>Titre</h1>" in data.html() and data.text() == "Titre\nun lien"
    select(editor, 13)
    type_text(editor, "\n")
    editor.insertFromMimeData(data)
    assert y_runs(doc) == [
        ("Titre", {}),
        ("\n", {"header": 1}),
        ("un ", {}),
        ("lien", {"link": "https://ex.fr"}),
        ("\nTitre", {}),
        ("\n", {"header": 1}),
        ("un ", {}),
        ("lien", {"link": "https://ex.fr"}),
        ("\n", {}),
    ]
    assert_in_sync(editor, doc)


def test_paste_of_plain_text_in_a_list_continues_the_list(qtbot: QtBot) -> None:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    type_text(editor, "a")
    editor.set_list("bullet")
    data = QMimeData()
    data.setText("b\r\nc\u2028d")
    editor.insertFromMimeData(data)
    assert y_runs(doc) == [
        ("ab", {}),
        ("\n", {"list": "bullet"}),
        ("c", {}),
        ("\n", {"list": "bullet"}),
        ("d", {}),
        ("\n", {"list": "bullet"}),
    ]
    assert_in_sync(editor, doc)


def test_read_only_editor_shows_remote_changes_but_changes_nothing(qtbot: QtBot) -> None:
    doc = Doc()
    body(doc).insert(0, "lecture\n")
    editor = make_editor(qtbot, doc)
    editor.setReadOnly(True)
    updates: list[bytes] = []
    editor.localUpdate.connect(updates.append)
    select(editor, 0, 7)
    editor.toggle_bold()
    editor.set_heading(1)
    key(editor, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    type_text(editor, "x")
    assert updates == [] and str(body(doc)) == "lecture\n" and "bold" not in str(body(doc).diff())
    assert not editor.actions_by_name["bold"].isEnabled()
    other = Doc()
    other.apply_update(doc.get_update())
    body(other).insert(0, "en ")
    editor.apply_remote(other.get_update(doc.get_state()))
    assert editor.toPlainText() == "en lecture"


def test_large_paste_and_large_remote_insert_stay_in_sync(qtbot: QtBot) -> None:
    doc = Doc()
    editor = make_editor(qtbot, doc)
    type_text(editor, "début fin")
    select(editor, 6)
    data = QMimeData()
    paragraphs = [f"Paragraphe {i} : délibération n°{i} adoptée à l'unanimité 😀." for i in range(600)]
    data.setText("\n".join(paragraphs))  # past the bulk threshold: the mirror is rebuilt once
    editor.insertFromMimeData(data)
    assert str(body(doc)) == "début " + "\n".join(paragraphs) + "fin\n"
    assert_in_sync(editor, doc)
    other = Doc()
    other.apply_update(doc.get_update())
    body(other).insert(len("début ".encode()), "\n".join(paragraphs) + "\n", {"bold": True})
    editor.apply_remote(other.get_update(doc.get_state()))
    assert_in_sync(editor, doc)
    select(editor, 3)
    type_text(editor, "é")
    assert str(body(doc)).startswith("débéut ")
    assert_in_sync(editor, doc)


@pytest.mark.parametrize("body", ["", "Ordre du jour"])
def test_page_margin_and_font_size_change_nothing_in_the_document(qtbot: QtBot, body: str) -> None:
    doc = Doc()
    text = doc.get("body", type=Text)
    if body:
        text += body  # no final newline, as the CLI writes it
    editor = RichTextEditor(doc)
    qtbot.addWidget(editor)
    updates: list[bytes] = []
    editor.localUpdate.connect(updates.append)
    before = doc.get_state()
    editor.set_page(56, 11.5)
    assert updates == [] and doc.get_state() == before and str(text) == body
    assert editor.document().documentMargin() == 56


def test_enter_inside_a_heading_keeps_both_halves_headings(qtbot: QtBot) -> None:
    doc = Doc()
    text = doc.get("body", type=Text)
    text.insert(0, "Ordre du jour", {})
    text.insert(len(b"Ordre du jour"), "\n", {"header": 2})
    editor = RichTextEditor(doc)
    qtbot.addWidget(editor)
    cursor = editor.textCursor()
    cursor.setPosition(len("Ordre"))
    editor.setTextCursor(cursor)
    QApplication.sendEvent(editor, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier,
                                             "\r"))
    assert str(text) == "Ordre\n du jour\n"
    assert [attrs for chunk, attrs in text.diff() if chunk.endswith("\n")] == [{"header": 2}, {"header": 2}]
    assert editor.current_heading() == 2
    assert editor.document().lastBlock().blockFormat().headingLevel() == 2
