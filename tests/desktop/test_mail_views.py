"""The Messagerie module's keyboard, on a profile filled as a first sync would fill it (no
server needed: actions are stored and queued, which is what happens offline)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from desktop.mainwindow import MainWindow
from desktop.screenshots import _fill_mail
from storage import outbox
from storage.mail import MailStore

from .conftest import Opener, connection, idle


def _mail_window(qtbot: QtBot, open_window: Opener) -> MainWindow:
    window = open_window("marc")
    _fill_mail(connection(window))
    window.rail.setCurrentRow(2)
    window.mail.refresh()
    qtbot.waitUntil(lambda: window.mail.model.rowCount() == 5, timeout=10_000)
    return window


def _select(qtbot: QtBot, window: MainWindow, subject: str) -> Any:
    model = window.mail.model
    row = next(r for r in range(model.rowCount()) if subject in model.index(r, 0).data())
    window.mail.list.setCurrentIndex(model.index(row, 0))
    window.mail.list.setFocus()
    qtbot.waitUntil(lambda: subject in window.mail.reader.subject.text(), timeout=10_000)
    return window.mail.list


def _composer_after(qtbot: QtBot, window: MainWindow, widget: Any, key: Qt.Key,
                    modifiers: Qt.KeyboardModifier) -> Any:
    window.activateWindow()  # back from the previous composer, as a window manager does
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    before = set(map(id, window.mail.composers))
    QTest.keyClick(widget, key, modifiers)
    qtbot.waitUntil(lambda: any(id(c) not in before for c in window.mail.composers), timeout=10_000)
    composer = next(c for c in window.mail.composers if id(c) not in before)
    composer.sent = True  # closes without asking
    return composer


def test_the_usual_mail_shortcuts(qtbot: QtBot, open_window: Opener) -> None:
    window = _mail_window(qtbot, open_window)
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    listing = _select(qtbot, window, "Affaissement rue des Tilleuls")

    reply = _composer_after(qtbot, window, listing, Qt.Key.Key_R, ctrl)
    assert (reply.windowTitle(), reply.subject.text()) == ("Répondre", "Re: Affaissement rue des Tilleuls")
    assert reply.to.text() == "Sophie Benali <s.benali@mairie-saint-aubin.fr>" and reply.cc.text() == ""
    reply.close()
    reply_all = _composer_after(qtbot, window, listing, Qt.Key.Key_R, ctrl | shift)
    assert reply_all.windowTitle() == "Répondre à tous"
    reply_all.close()
    forward = _composer_after(qtbot, window, listing, Qt.Key.Key_L, ctrl)
    assert (forward.subject.text(), forward.to.text()) == ("Tr: Affaissement rue des Tilleuls", "")
    forward.close()
    new = _composer_after(qtbot, window, listing, Qt.Key.Key_N, ctrl)
    assert (new.windowTitle(), new.subject.text()) == ("Nouveau message", "")
    new.close()

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    # Suppr: the message goes to the Corbeille at once, and the move waits in the outbox.
    QTest.keyClick(listing, Qt.Key.Key_Delete)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: window.mail.model.rowCount() == 4, timeout=10_000)
    conn = connection(window)
    store = MailStore(conn)
    trash = store.special_folder(store.accounts()[0].id, "trash")
    assert trash is not None and [m.subject for m in store.messages(trash.id)] == ["Affaissement rue des Tilleuls"]
    assert any(e.kind.startswith("mail.") for e in outbox.pending(conn))

    # Ctrl+F searches the folder.
    QTest.keyClick(listing, Qt.Key.Key_F, ctrl)
    assert window.mail.search.hasFocus()
    QTest.keyClicks(window.mail.search, "kermesse")
    qtbot.waitUntil(lambda: window.mail.model.rowCount() == 1, timeout=10_000)
    assert "Kermesse du 20 juin" in window.mail.model.index(0, 0).data()
