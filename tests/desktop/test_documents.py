"""The Documents module on a local profile, driven through the window: create, type, template,
rename, search, filter, delete, and what is stored underneath."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from pycrdt import Text
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QLineEdit, QTextEdit, QWidget
from pytestqt.qtbot import QtBot

from desktop.documents import page as page_module
from storage.docs import DocStore

from .conftest import Opener, connection, idle, only_tab, type_text


def test_empty_state_then_a_new_document_typed_and_stored(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("agent")
    docs = window.documents
    assert docs.list.stack.currentWidget() is docs.list.empty
    assert docs.commands["new"].shortcut() == QKeySequence(QKeySequence.StandardKey.New)
    docs.commands["new"].trigger()
    tab = only_tab(qtbot, window)
    type_text(tab.editor, "Séance du 12 mars 😀")
    idle(qtbot, window)
    stored = DocStore(connection(window)).open(tab.doc_id)
    assert stored.text().rstrip("\n") == "Séance du 12 mars 😀"
    assert docs.list.stack.currentWidget() is docs.list.view
    qtbot.waitUntil(lambda: docs.list.model.rowCount() == 1)
    assert docs.list.title_of(tab.doc_id) == "Sans titre"


def test_minutes_template_has_the_sections_the_law_requires(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("secretaire")
    window.documents.commands["minutes"].trigger()
    tab = only_tab(qtbot, window)
    body = tab.doc.get("body", type=Text)
    headings = [text for text, attrs in _lines(body) if attrs and attrs.get("header")]
    for section in ("Membres présents et représentés", "Quorum", "Secrétaire de séance", "Ordre du jour",
                    "Délibérations", "Signatures"):
        assert section in headings, section
    text = str(body)
    for words in ("Représentés (pouvoirs)", "Vote : ", "contre", "abstentions", "L2121-15"):
        assert words in text
    # The editor shows it: the same text, headings included.
    assert tab.editor.toPlainText().rstrip("\n") == text.rstrip("\n")
    assert tab.title().startswith("Procès-verbal du conseil municipal")


def _lines(body: Text) -> list[tuple[str, dict[str, object] | None]]:
    """(paragraph text, block attributes) per paragraph."""
    lines: list[tuple[str, dict[str, object] | None]] = []
    current = ""
    for chunk, attrs in body.diff():
        parts = chunk.split("\n")
        for part in parts[:-1]:
            lines.append((current + part, attrs))
            current = ""
        current += parts[-1]
    return lines


def test_rename_search_filter_and_delete(qtbot: QtBot, open_window: Opener, monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_window("agent")
    docs = window.documents
    docs.commands["new"].trigger()
    first = only_tab(qtbot, window)
    type_text(first.editor, "Le quorum est atteint.")
    monkeypatch.setattr(page_module, "ask_title", lambda parent, current: "Commission des finances")
    first.editor.setFocus()
    docs.rename_current()
    idle(qtbot, window)
    qtbot.waitUntil(lambda: docs.tabs.tabText(0) == "Commission des finances")
    qtbot.waitUntil(lambda: docs.list.title_of(first.doc_id) == "Commission des finances")
    docs.close_document(first)
    docs.commands["new"].trigger()
    second = only_tab(qtbot, window)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: docs.list.model.rowCount() == 2)

    # Search: by title at once, by content through the full-text index (accents ignored).
    docs.list.search.setText("finances")
    assert docs.list.proxy.rowCount() == 1
    docs.list.search.setText("quorum atteint")
    qtbot.waitUntil(lambda: docs.list.proxy.rowCount() == 1, timeout=5000)
    assert docs.list.proxy.index(0, 0).data() == "Commission des finances"
    docs.list.search.setText("introuvable")
    qtbot.wait(400)
    assert docs.list.stack.currentWidget() is docs.list.no_match
    docs.list.search.clear()
    assert docs.list.proxy.rowCount() == 2

    # Delete asks first; "Annuler" keeps the document.
    docs.list.select(second.doc_id)
    docs.list.view.setFocus()
    monkeypatch.setattr(page_module, "confirm_delete", lambda parent, title, owner: False)
    docs.commands["delete"].trigger()
    idle(qtbot, window)
    assert docs.list.model.rowCount() == 2
    monkeypatch.setattr(page_module, "confirm_delete", lambda parent, title, owner: True)
    docs.commands["delete"].trigger()
    idle(qtbot, window)
    qtbot.waitUntil(lambda: docs.list.model.rowCount() == 1)
    assert second.doc_id not in docs.tabs_by_id
    assert not DocStore(connection(window)).exists(second.doc_id)


def test_every_control_has_an_accessible_name_and_the_shortcuts_exist(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("agent")
    window.documents.commands["minutes"].trigger()
    only_tab(qtbot, window)
    unnamed = []
    for widget in window.findChildren(QWidget):
        if isinstance(widget, (QLineEdit, QComboBox, QTextEdit, QAbstractItemView)) or (
                isinstance(widget, QAbstractButton) and not widget.text()):
            if not widget.accessibleName() and widget.isVisibleTo(window) and not _inside_combo(widget):
                unnamed.append(f"{type(widget).__name__} {widget.objectName()!r}")
    assert unnamed == [], unnamed
    shortcuts = {a.shortcut().toString() for a in window.findChildren(type(window.sync_action))}
    for key in ("Ctrl+N", "Ctrl+F", "Ctrl+S", "F5", "Ctrl+B"):
        assert key in shortcuts, key


def _inside_combo(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox):
            return True
        parent = parent.parentWidget()
    return False


def test_a_reader_cannot_type(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("agent")
    window.documents.commands["new"].trigger()
    tab = only_tab(qtbot, window)
    window.documents.close_document(tab)
    conn = connection(window)
    conn.execute("UPDATE documents SET role = 'reader' WHERE id = ?", (tab.doc_id,))
    window.documents.open_document(tab.doc_id)
    reader = only_tab(qtbot, window)
    type_text(reader.editor, "x")
    assert reader.editor.isReadOnly()
    assert str(reader.doc.get("body", type=Text)) == ""
    assert reader.editor.toPlainText() == ""


def test_export_from_the_app_writes_an_odt_that_round_trips(qtbot: QtBot, open_window: Opener, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_window("secretaire")
    window.documents.commands["minutes"].trigger()
    only_tab(qtbot, window)
    target = tmp_path / "pv"
    # The save dialog: the user types a name without extension and keeps the first type (ODT).
    monkeypatch.setattr(page_module.QFileDialog, "getSaveFileName",
                        lambda *args: (str(target), args[3].split(";;")[0]))
    messages: list[str] = []
    window.documents.message.connect(messages.append)
    window.documents.commands["export"].trigger()
    written = tmp_path / "pv.odt"
    assert written.exists() and messages == [f"Exporté vers {written}"]
    with zipfile.ZipFile(written) as odt:
        content = odt.read("content.xml").decode()
    assert "Secrétaire de séance" in content and "text:outline-level" in content


def test_an_open_document_that_vanishes_closes_with_a_word(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("agent")
    docs = window.documents
    docs.commands["new"].trigger()
    tab = only_tab(qtbot, window)
    messages: list[str] = []
    docs.message.connect(messages.append)
    # As a sync round does when the owner deleted it: the row goes, the list refreshes.
    DocStore(connection(window)).forget(tab.doc_id)
    docs.refresh()
    qtbot.waitUntil(lambda: not docs.tabs_by_id)
    assert "supprimé par son propriétaire" in messages[0]


def test_a_document_opens_at_its_top(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("secretaire")
    window.documents.commands["minutes"].trigger()
    tab = only_tab(qtbot, window)
    assert tab.editor.textCursor().position() == 0
    assert tab.editor.verticalScrollBar().value() == 0


def test_other_editors_names_are_text_and_malformed_presence_is_skipped(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("agent")
    window.documents.commands["new"].trigger()
    tab = only_tab(qtbot, window)
    tab.set_peers({1: {"user": {"name": "<b>Marie</b> & Cie", "color": "javascript:alert(1)"}, "cursor": None},
                   2: {"user": "pas un objet"}, 3: "pas un état", 4: {"user": {"name": "Paul", "color": "#2e7d32"}}})
    label = tab.presence.text()
    assert "&lt;b&gt;Marie&lt;/b&gt; &amp; Cie" in label and "<b>" not in label
    assert "javascript" not in label and "#2e7d32" in label
    assert tab.presence.toolTip().endswith("<b>Marie</b> & Cie, Paul")
