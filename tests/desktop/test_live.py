"""Two app windows on two profiles against one real `parvis-server` on loopback: live typing,
remote cursors, and convergence after both edited while the server was down."""

from __future__ import annotations

from pathlib import Path

import pytest
from pycrdt import Text
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from desktop.documents import actions
from storage import outbox
from tests.e2e.servers import add_user, start_server
from tests.storage.test_no_plaintext import leaks

from .conftest import Opener, connection, idle, only_tab, type_text

pytestmark = pytest.mark.slow


def _body(tab: object) -> str:
    return str(tab.doc.get("body", type=Text))  # type: ignore[attr-defined]


def _type_at(qtbot: QtBot, tab: object, position: int, text: str) -> None:
    editor = tab.editor  # type: ignore[attr-defined]
    cursor = editor.textCursor()
    cursor.setPosition(position)
    editor.setTextCursor(cursor)
    type_text(editor, text)


def test_live_typing_cursors_and_offline_convergence(qtbot: QtBot, open_window: Opener, tmp_path: Path) -> None:
    data = tmp_path / "server"
    for name in ("alice", "bob"):
        add_user(data, name, f"mdp-{name}")
    server = start_server(data)
    try:
        a = open_window("alice", server.url)
        b = open_window("bob", server.url)
        a.documents.commands["minutes"].trigger()
        tab_a = only_tab(qtbot, a)
        a.documents.ops.run(lambda ctx: actions.share(ctx, tab_a.doc_id, "bob", "editor"))
        a.bridge.sync_now()
        qtbot.waitUntil(lambda: outbox.counts(connection(a)) == {}, timeout=20_000)

        # Bob sees the shared minutes appear, opens them: the same text.
        qtbot.waitUntil(lambda: b.documents.list.model.rowCount() == 1, timeout=20_000)
        b.documents.open_document(tab_a.doc_id)
        tab_b = only_tab(qtbot, b)
        qtbot.waitUntil(lambda: _body(tab_b) == _body(tab_a), timeout=20_000)
        assert tab_b.editor.toPlainText() == tab_a.editor.toPlainText()

        # Live: Alice types, Bob's editor shows it; Alice's cursor shows in Bob's window.
        at = tab_a.editor.toPlainText().index("Ordre du jour")
        _type_at(qtbot, tab_a, at, "Séance ouverte à 18 h 😀. ")
        qtbot.waitUntil(lambda: "Séance ouverte à 18 h 😀. Ordre du jour" in tab_b.editor.toPlainText(),
                        timeout=20_000)
        qtbot.waitUntil(lambda: "alice" in tab_b.presence.text(), timeout=20_000)
        assert tab_b.editor.remote_cursor_positions() != {}

        # Bob's own cursor and selection stay on the same words while Alice types before them.
        words = tab_b.editor.toPlainText().index("Quorum")
        cursor = tab_b.editor.textCursor()
        cursor.setPosition(words)
        cursor.setPosition(words + len("Quorum"), QTextCursor.MoveMode.KeepAnchor)
        tab_b.editor.setTextCursor(cursor)
        _type_at(qtbot, tab_a, 0, "Mairie de Sainte-Cécile — ")
        qtbot.waitUntil(lambda: tab_b.editor.toPlainText().startswith("Mairie de Sainte-Cécile"), timeout=20_000)
        assert tab_b.editor.textCursor().selectedText() == "Quorum"

        # The server stops; both edit the same paragraph; it comes back: both converge, alone.
        idle(qtbot, a)
        idle(qtbot, b)
        server.stop()
        line = tab_a.editor.toPlainText().index("Le quorum étant atteint")
        _type_at(qtbot, tab_a, line, "[Alice] ")
        _type_at(qtbot, tab_b, tab_b.editor.toPlainText().index("Le quorum étant atteint") + len("Le quorum"),
                 " [Bob]")
        idle(qtbot, a)
        idle(qtbot, b)
        qtbot.waitUntil(lambda: a.sync.state.text() == "Hors ligne", timeout=20_000)
        # The count is re-read 300 ms after the last edit: the status may say offline before.
        qtbot.waitUntil(a.sync.pending.isVisible, timeout=5_000)
        assert "en attente" in a.sync.pending.text()
        server = start_server(data, port=server.port)
        merged = "[Alice] Le quorum [Bob] étant atteint"
        qtbot.waitUntil(lambda: merged in tab_a.editor.toPlainText() and merged in tab_b.editor.toPlainText(),
                        timeout=30_000)
        assert _body(tab_a) == _body(tab_b)
        assert tab_a.editor.toPlainText() == tab_b.editor.toPlainText()
        assert _body(tab_a).count("Séance ouverte à 18 h 😀") == 1
        qtbot.waitUntil(lambda: outbox.counts(connection(a)) == {} and outbox.counts(connection(b)) == {},
                        timeout=20_000)
        # Nothing typed, and no password, in clear anywhere in the profile folders.
        for name in ("alice", "bob"):
            assert leaks(tmp_path / name, ["Sainte-Cécile", "Séance ouverte", "[Alice]", "mdp-alice",
                                           "mdp-bob", "Procès-verbal"]) == []
    finally:
        server.stop()
