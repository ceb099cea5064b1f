"""The Discussions module: the views on a profile filled as a sync would fill it, and two
windows chatting live through a real `parvis-server` on loopback, offline included."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QDesktopServices, QKeyEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.chat.conversation import MESSAGE_ID
from desktop.mainwindow import UNREAD_ROLE, MainWindow
from storage import outbox
from storage.chat import ChatStore
from storage.db import transaction
from tests.e2e.servers import Link, add_user, start_server
from tests.storage.test_no_plaintext import leaks

from .conftest import Opener, connection, idle, type_text

ROOM = "c" * 32


def _key(widget: Any, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, modifiers, "\r" if key == Qt.Key.Key_Return else ""))


def _remote(seq: int, author: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"room": ROOM, "seq": seq, "rev": seq, "client_id": str(uuid.uuid4()), "author": author, "text": text,
            "reply_to": None, "reactions": {}, "attachments": [], "created_at": datetime.now(UTC).timestamp(),
            "edited_at": None, "deleted": False, **extra}


def _fill(conn: Any) -> None:
    store = ChatStore(conn)
    with transaction(conn):
        store.adopt_room({"id": ROOM, "kind": "channel", "name": "Voirie", "role": "member", "last_seq": 4,
                          "read_seq": 1, "unread": 3, "rev": 4})
        store.adopt_room({"id": "d" * 32, "kind": "channel", "name": "Élus", "role": "member", "last_seq": 0,
                          "read_seq": 0, "unread": 0, "rev": 0})
        store.set_members(ROOM, [{"username": n} for n in ("alice", "bob", "carole", "dominique")])
        store.store_remote(_remote(1, "bob", "Affaissement rue des Tilleuls."))
        store.store_remote(_remote(2, "carole", "@alice pouvez-vous prévenir les eaux ?"))
        store.store_remote(_remote(3, "bob", "Barrières posées.", reply_to=1, reactions={"👍": ["alice", "carole"]}))
        store.store_remote(_remote(4, "carole", "Le plan", attachments=[
            {"id": "e" * 32, "name": "plan – Tilleuls.pdf", "size": 123_456, "type": "application/pdf"}]))


def _chat_window(qtbot: QtBot, open_window: Opener, name: str = "alice", server_url: str | None = None) -> MainWindow:
    window = open_window(name, server_url, unreachable_account=server_url is None)
    window.rail.setCurrentRow(1)
    idle(qtbot, window)
    return window


def _filled_room(qtbot: QtBot, open_window: Opener) -> tuple[MainWindow, Any, Any]:
    """A window on the Voirie room filled by `_fill`: (window, a connection, the chat page)."""
    window = _chat_window(qtbot, open_window)
    conn = connection(window)
    _fill(conn)
    window.chat.refresh()
    idle(qtbot, window)
    page = window.chat
    page.room_list.select(ROOM)
    qtbot.waitUntil(lambda: len(page.conversation.messages) == 4)
    return window, conn, page


def _blocks_of(window: MainWindow, text: str) -> list[Any]:
    doc = window.chat.conversation.document()
    found, block = [], doc.begin()
    while block.isValid():
        if text in block.text():
            found.append(block)
        block = block.next()
    return found


def test_conversation_shows_unread_replies_reactions_mentions_attachments_and_states(
        qtbot: QtBot, open_window: Opener) -> None:
    window = _chat_window(qtbot, open_window)
    conn = connection(window)
    _fill(conn)
    store = ChatStore(conn)
    failed = store.send(ROOM, "Message refusé", "alice")
    with transaction(conn):
        store.refused(failed, "salon en lecture seule")
    store.send(ROOM, "Message hors ligne", "alice")
    window.chat.refresh()
    idle(qtbot, window)
    page = window.chat

    # The room list: the unread badge's figure, the rail's total.
    assert {r.name: r.unread for r in page.rooms.values()} == {"Voirie": 3, "Élus": 0}
    assert page.room_list.count() == 2
    assert window.rail.item(1).data(UNREAD_ROLE) == 3
    assert window.rail.item(1).data(Qt.ItemDataRole.AccessibleTextRole) == "Discussions, 3 messages non lus"

    page.room_list.select(ROOM)
    qtbot.waitUntil(lambda: len(page.conversation.messages) == 6)
    text = page.conversation.toPlainText()
    assert "— Aujourd'hui —" in text
    assert "↪ bob : Affaissement rue des Tilleuls." in text  # the reply quotes its message
    assert "👍 2" in text
    assert "📎 plan – Tilleuls.pdf  (120,6 Ko)" in text
    assert "⏳ En attente d'envoi" in text
    assert "⚠ Non envoyé : salon en lecture seule" in text
    # A mention of the reader is highlighted; a plain message is not.
    mention = _blocks_of(window, "pouvez-vous prévenir")[0]
    assert mention.blockFormat().background().color().name() == "#fff4cc"
    assert _blocks_of(window, "Barrières posées")[0].blockFormat().background().style() == Qt.BrushStyle.NoBrush
    # Bob's two messages are not grouped (carole's in between), each block knows its message.
    assert text.count("bob  ") == 2
    assert page.conversation.by_id[mention.blockFormat().property(MESSAGE_ID)].author == "carole"

    # Reading the room moves the read marker (queued for the user's other devices).
    qtbot.waitUntil(lambda: store.room(ROOM).unread == 0)
    assert store.room(ROOM).read_seq == 4
    assert any(e.kind == "chat.read" for e in outbox.pending(conn))

    # "Réessayer" puts the refused message back in the queue.
    page.conversation.retry.emit(failed)
    qtbot.waitUntil(lambda: store.get(failed) is not None and store.get(failed).state == "pending")  # type: ignore[union-attr]


def test_composer_sends_at_once_offline_with_line_breaks_and_completion(qtbot: QtBot, open_window: Opener) -> None:
    window, conn, page = _filled_room(qtbot, open_window)
    edit = page.composer.edit

    type_text(edit, "Première ligne")
    _key(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    type_text(edit, "seconde, pour @dom")  # a member who has not written yet
    popup = edit.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    assert edit.completer.currentCompletion() == "dominique"
    _key(edit, Qt.Key.Key_Return)  # takes the completion, does not send
    assert edit.toPlainText() == "Première ligne\nseconde, pour @dominique "
    _key(edit, Qt.Key.Key_Return)  # sends

    qtbot.waitUntil(lambda: edit.toPlainText() == "")
    store = ChatStore(conn)
    sent = [m for m in store.messages(ROOM) if m.author == "alice"]
    assert [(m.text, m.state) for m in sent] == [("Première ligne\nseconde, pour @dominique", "pending")]
    qtbot.waitUntil(lambda: "seconde, pour @dominique" in page.conversation.toPlainText())
    assert "⏳ En attente d'envoi" in page.conversation.toPlainText()

    # Up in the empty box edits one's last message; Entrée saves it.
    _key(edit, Qt.Key.Key_Up)
    assert edit.toPlainText() == "Première ligne\nseconde, pour @dominique"
    edit.selectAll()
    type_text(edit, "Corrigé")
    _key(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: [m.text for m in store.messages(ROOM) if m.author == "alice"] == ["Corrigé"])



def test_attachment_over_the_policy_limit_is_refused_and_nothing_stored(
        qtbot: QtBot, open_window: Opener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "policies.json"
    rules.write_text('{"MaxAttachmentMB": 1}')
    monkeypatch.setenv("PARVIS_POLICY_FILE", str(rules))
    window, conn, page = _filled_room(qtbot, open_window)
    warnings: list[str] = []
    monkeypatch.setattr(page, "_error", lambda error: warnings.append(str(error)))
    big = tmp_path / "plan cadastral.pdf"
    big.write_bytes(b"%PDF" + b"x" * (2 * 1024 * 1024))
    page.composer.add_files([big])
    type_text(page.composer.edit, "Le plan")
    _key(page.composer.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(warnings))
    assert "plan cadastral.pdf" in warnings[0] and "1 Mo" in warnings[0]
    assert page.composer.edit.toPlainText() == "Le plan"  # kept, to send without the file
    assert [m.text for m in ChatStore(conn).messages(ROOM)] == [
        "Affaissement rue des Tilleuls.", "@alice pouvez-vous prévenir les eaux ?", "Barrières posées.", "Le plan"]
    assert [e.kind for e in outbox.pending(conn)] == ["chat.read"]  # reading the room, nothing sent


@pytest.mark.slow
def test_two_windows_chat_live_offline_and_back(qtbot: QtBot, open_window: Opener, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "server"
    for name in ("alice", "bob"):
        add_user(data, name, f"mdp-{name}")
    server = start_server(data)
    try:
        a = _chat_window(qtbot, open_window, "alice", server.url)
        b = _chat_window(qtbot, open_window, "bob", server.url)
        a.chat.ops.run(lambda ctx: ChatStore(ctx.conn).create_room("Voirie", ["bob"]))
        a.bridge.sync_now()
        qtbot.waitUntil(lambda: b.chat.room_list.count() == 1, timeout=20_000)
        room = b.chat.room_list.current_id()
        assert room is not None
        qtbot.waitUntil(lambda: a.chat.current == room, timeout=10_000)

        # Live, both ways, and Bob's typing shows in Alice's window.
        type_text(a.chat.composer.edit, "Bonjour Bob, chaussée affaissée rue des Tilleuls 🚧")
        _key(a.chat.composer.edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "rue des Tilleuls 🚧" in b.chat.conversation.toPlainText(), timeout=10_000)
        type_text(b.chat.composer.edit, "J'y vais")
        qtbot.waitUntil(lambda: a.chat.typing.text() == "bob écrit…", timeout=10_000)
        _key(b.chat.composer.edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "J'y vais" in a.chat.conversation.toPlainText(), timeout=10_000)

        # A file: Alice attaches it; Bob opens it (downloaded on demand, then handed to the
        # system's viewer from a temporary folder outside his profile).
        plan = tmp_path / "plan – Tilleuls.pdf"
        plan.write_bytes(b"%PDF-1.4 plan des Tilleuls " + bytes(range(256)) * 40)
        a.chat.composer.add_files([plan])
        type_text(a.chat.composer.edit, "Le plan")
        _key(a.chat.composer.edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "📎 plan – Tilleuls.pdf" in b.chat.conversation.toPlainText(), timeout=10_000)
        opened: list[str] = []
        monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
        attachment = next(m for m in b.chat.conversation.messages if m.attachments).attachments[0]
        b.chat.conversation.openAttachment.emit(attachment.id, attachment.name)
        qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
        assert Path(opened[0]).read_bytes() == plan.read_bytes()
        assert Path(opened[0]).name == "plan – Tilleuls.pdf"
        assert not Path(opened[0]).is_relative_to(tmp_path / "bob")

        # A mention of Bob while he is elsewhere: a notification; in a muted room: none.
        b.rail.setCurrentRow(0)
        type_text(a.chat.composer.edit, "@bob prends les barrières")
        _key(a.chat.composer.edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: b.notifications == [("alice dans Voirie", "@bob prends les barrières")],
                        timeout=10_000)

        # Offline: the server stops; Alice writes; her messages wait, then leave in order.
        server.stop()
        for n in range(1, 4):
            type_text(a.chat.composer.edit, f"hors ligne {n}")
            _key(a.chat.composer.edit, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: a.chat.composer.edit.toPlainText() == "")
        qtbot.waitUntil(lambda: a.chat.conversation.toPlainText().count("⏳ En attente d'envoi") == 3, timeout=10_000)
        qtbot.waitUntil(a.chat.composer.offline.isVisible, timeout=10_000)
        server = start_server(data, port=server.port)
        qtbot.waitUntil(lambda: "hors ligne 3" in b.chat.conversation.toPlainText(), timeout=30_000)
        seen = b.chat.conversation.toPlainText()
        assert seen.index("hors ligne 1") < seen.index("hors ligne 2") < seen.index("hors ligne 3")
        assert seen.count("hors ligne 2") == 1
        qtbot.waitUntil(lambda: "En attente" not in a.chat.conversation.toPlainText(), timeout=10_000)
        for name in ("alice", "bob"):
            assert not leaks(tmp_path / name, ["hors ligne 2", "rue des Tilleuls", "barrières", "plan des Tilleuls"])
    finally:
        server.stop()


@pytest.mark.slow
def test_offline_writer_restarts_then_its_messages_arrive_once_in_order_and_it_catches_up(
        qtbot: QtBot, open_window: Opener, tmp_path: Path) -> None:
    """The issue's "done when": Alice's network goes (the server stays up for Bob); she writes,
    quits and starts Parvis again; when her network returns, her messages reach Bob in order,
    exactly once, and she sees what Bob wrote meanwhile."""
    data = tmp_path / "server"
    for name in ("alice", "bob"):
        add_user(data, name, f"mdp-{name}")
    server = start_server(data)
    link = Link(server.port)
    try:
        a = _chat_window(qtbot, open_window, "alice", link.url)
        b = _chat_window(qtbot, open_window, "bob", server.url)
        a.chat.ops.run(lambda ctx: ChatStore(ctx.conn).create_room("Voirie", ["bob"]))
        a.bridge.sync_now()
        qtbot.waitUntil(lambda: b.chat.current is not None and a.chat.current is not None, timeout=20_000)

        link.cut()
        for n in range(1, 4):
            type_text(a.chat.composer.edit, f"écrit hors ligne {n}")
            _key(a.chat.composer.edit, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: a.chat.composer.edit.toPlainText() == "")
        type_text(b.chat.composer.edit, "pendant ce temps, la balayeuse est passée")
        _key(b.chat.composer.edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: a.chat.conversation.toPlainText().count("⏳ En attente d'envoi") == 3, timeout=10_000)
        a.close()

        a = _chat_window(qtbot, open_window, "alice")  # the same profile, still offline
        qtbot.waitUntil(lambda: a.chat.conversation.toPlainText().count("⏳ En attente d'envoi") == 3, timeout=10_000)
        assert "balayeuse" not in a.chat.conversation.toPlainText()
        link.restore()

        qtbot.waitUntil(lambda: "écrit hors ligne 3" in b.chat.conversation.toPlainText(), timeout=30_000)
        qtbot.waitUntil(lambda: "balayeuse" in a.chat.conversation.toPlainText(), timeout=30_000)
        seen = b.chat.conversation.toPlainText()
        assert [seen.count(f"écrit hors ligne {n}") for n in (1, 2, 3)] == [1, 1, 1]
        assert seen.index("écrit hors ligne 1") < seen.index("écrit hors ligne 2") < seen.index("écrit hors ligne 3")
        qtbot.waitUntil(lambda: "En attente" not in a.chat.conversation.toPlainText(), timeout=10_000)
        texts = [m.text for m in ChatStore(connection(b)).messages(b.chat.current or "")]
        assert texts[-4:] == ["pendant ce temps, la balayeuse est passée", "écrit hors ligne 1",
                              "écrit hors ligne 2", "écrit hors ligne 3"]
    finally:
        link.close()
        server.stop()
