"""Starting the desktop app: the Qt application, the profile (created or unlocked), then the
main window with its operations worker and sync thread."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from storage.db import get_setting, set_setting
from storage.docs import DocStore
from storage.errors import ParvisError, WrongPassphrase
from storage.vault import VAULT_NAME, Vault

from . import i18n, policy
from .documents import actions
from .mainwindow import MainWindow
from .ops import Context, Ops
from .style import STYLE
from .syncbridge import SyncBridge
from .welcome import UnlockDialog, WelcomeDialog

MAIL_BODY_DAYS = "mail.body_days"  # read by sync.mail.sync.body_days


def application() -> QApplication:
    """The process's QApplication, made once, named and styled."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Parvis")
    app.setOrganizationName("Parvis")
    app.setApplicationDisplayName("Parvis")
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE)
    return app


def unlock(folder: Path, transport: httpx.AsyncBaseTransport | None = None) -> tuple[Vault, Ops] | None:
    """Create the profile on first run, or unlock it: with PARVIS_PASSPHRASE if set, else by
    asking. Returns None if the user gives up. UI thread."""
    if not (folder / VAULT_NAME).exists():
        welcome = WelcomeDialog(folder, transport)
        if not welcome.exec() or welcome.vault is None:
            if welcome.ops is not None:
                welcome.ops.close()
            return None
        assert welcome.ops is not None
        return welcome.vault, welcome.ops
    error = None
    env = os.environ.get("PARVIS_PASSPHRASE")
    try:
        vault = Vault.open(folder, lambda: env if env is not None else _ask())
        return vault, Ops(vault)
    except _Asked:
        pass
    except WrongPassphrase:
        error = QCoreApplication.translate("UnlockDialog", "La phrase de passe de PARVIS_PASSPHRASE est incorrecte.")
    dialog = UnlockDialog(folder, error=error)
    if not dialog.exec() or dialog.vault is None:
        return None
    return dialog.vault, Ops(dialog.vault)


class _Asked(Exception):
    """The profile needs a passphrase and none was given: ask with the dialog."""


def _ask() -> str:
    raise _Asked


def run(folder: Path, transport: httpx.AsyncBaseTransport | None = None) -> int:
    """Run the desktop app on the profile in `folder`; returns the exit code."""
    app = application()
    i18n.install(i18n.choose())
    try:
        opened = unlock(folder, transport)
    except ParvisError as exc:
        QMessageBox.critical(None, "Parvis", str(exc))
        return 1
    if opened is None:
        return 0
    vault, ops = opened
    window = start_window(vault, ops, transport)
    window.show()
    _quit_on_signals(app)
    code = app.exec()
    window.close()  # after a signal too: the worker finishes storing, the sync thread stops
    vault.close()
    return int(code)


def _quit_on_signals(app: QApplication) -> None:
    """Ctrl+C or a session logout (SIGTERM) ends the event loop cleanly. Qt's loop does not
    let Python run signal handlers, so a timer wakes the interpreter now and then."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.quit())
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def apply_machine_settings(conn: Any) -> None:
    """Settings IT sets for the sync (which runs without the UI's policies): how many days of
    whole messages the mail sync keeps (`MailBodyDays`; a preset only when the user has chosen
    nothing). UI thread, at start."""
    days = policy.load().get("MailBodyDays", user=get_setting(conn, MAIL_BODY_DAYS))
    if days.source in ("policy", "preset"):
        set_setting(conn, MAIL_BODY_DAYS, str(days.value))


def start_window(vault: Vault, ops: Ops, transport: httpx.AsyncBaseTransport | None = None,
                 bridge: SyncBridge | None = None) -> MainWindow:
    """The main window on an unlocked profile, in the profile's language, its sync thread
    started. UI thread."""
    lang = i18n.choose(get_setting(vault.conn, "ui.language"))
    i18n.install(lang)
    identity = actions.identity(Context(vault.conn, DocStore(vault.conn)))
    apply_machine_settings(vault.conn)
    bridge = bridge or SyncBridge(vault, transport)
    window = MainWindow(ops, bridge, identity, lang)
    bridge.start()
    return window
