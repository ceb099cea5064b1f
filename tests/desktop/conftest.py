"""Desktop fixtures: whole main windows (operations worker, sync thread, editor) on real
profiles, against a real `parvis-server` on loopback when a test needs one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.app import start_window
from desktop.documents.tab import DocumentTab
from desktop.mainwindow import MainWindow
from desktop.ops import Ops
from desktop.syncbridge import SyncBridge
from storage.db import set_secret, transaction
from storage.vault import Vault
from sync.account import sign_in
from tests.conftest import PASSPHRASE

Opener = Callable[..., MainWindow]
_VAULTS: dict[int, Vault] = {}


def connection(window: MainWindow) -> object:
    """A new connection to the window's profile, to check what it stored."""
    return _VAULTS[id(window)].connect()


@pytest.fixture
def open_window(qtbot: QtBot, tmp_path: Path) -> Iterator[Opener]:
    """Open a main window on the profile named `name` (new, or the one a closed window left:
    a restart), signed in to `server_url` as `name` when given (or to a server that never
    answers, with `unreachable_account`). Windows are closed (worker and sync thread stopped)
    after the test."""
    windows: list[MainWindow] = []
    vaults: list[Vault] = []

    def opener(name: str, server_url: str | None = None, password: str | None = None,
               unreachable_account: bool = False) -> MainWindow:
        if (tmp_path / name).exists():  # a restart: the same profile again
            vault = Vault.open(tmp_path / name, lambda: PASSPHRASE)
            vaults.append(vault)
        else:
            vault = Vault.create(tmp_path / name, PASSPHRASE)
            vaults.append(vault)
        if server_url is not None and not vault.conn.execute("SELECT 1 FROM accounts").fetchone():
            asyncio.run(sign_in(vault.conn, server_url, name, password or f"mdp-{name}"))
        if unreachable_account:  # signed in as `name` on a server that never answers
            with transaction(vault.conn):
                row = vault.conn.execute("INSERT INTO accounts(server_url, username) VALUES (?, ?)",
                                         ("http://127.0.0.1:9", name))
                set_secret(vault.conn, f"token:{row.lastrowid}", "jeton")
        # Quick retries: tests stop and restart the server and wait for the app to notice.
        bridge = SyncBridge(vault, idle_poll=1.0, reconnect_cap=0.5)
        window = start_window(vault, Ops(vault), bridge=bridge)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        _VAULTS[id(window)] = vault
        idle(qtbot, window)
        return window

    yield opener
    for window in windows:
        window.close()
    for vault in vaults:
        vault.close()


def idle(qtbot: QtBot, window: MainWindow, timeout: int = 10_000) -> None:
    """Wait until the window's operations worker has delivered everything."""
    qtbot.waitUntil(lambda: not window.ops.busy, timeout=timeout)


def only_tab(qtbot: QtBot, window: MainWindow, timeout: int = 10_000) -> DocumentTab:
    """Wait for the single open document's tab and return it."""
    qtbot.waitUntil(lambda: len(window.documents.tabs_by_id) == 1, timeout=timeout)
    return next(iter(window.documents.tabs_by_id.values()))


def type_text(widget: QWidget, text: str) -> None:
    """Type `text` key by key, as a keyboard would, accents and emoji included (QTest's
    keyClicks only knows ASCII)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            key = Qt.Key.Key_Return if char == "\n" else Qt.Key.Key_unknown
            QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, char))
    QApplication.processEvents()
