"""The status bar's sync indicator: online, offline or syncing; pending changes; the last
error in plain French; and "Synchroniser maintenant"."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from sync.engine import Status

COLOURS = {"online": "#2e7d32", "offline": "#9e9e9e", "syncing": "#1565c0", "local": "#6d6d6d",
           "error": "#c62828"}


class SyncIndicator(QWidget):
    """Shows a `Status`. `syncRequested` fires on the button (F5 is the window's)."""

    syncRequested = Signal()

    def __init__(self, has_account: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.has_account = has_account
        self.dot = QLabel("●")
        self.dot.setAccessibleName(self.tr("Voyant de synchronisation"))
        self.state = QLabel()
        self.state.setObjectName("syncState")
        self.state.setAccessibleName(self.tr("État de la synchronisation"))
        self.pending = QLabel()
        self.pending.setAccessibleName(self.tr("Modifications en attente"))
        self.error = QLabel()
        self.error.setObjectName("syncError")
        self.error.setAccessibleName(self.tr("Dernière erreur de synchronisation"))
        self.error.setMaximumWidth(520)
        self.button = QToolButton()
        self.button.setText(self.tr("Synchroniser maintenant"))
        self.button.setAccessibleName(self.tr("Synchroniser maintenant"))
        self.button.setToolTip(self.tr("Synchroniser maintenant (F5)"))
        self.button.clicked.connect(self.syncRequested)
        self.button.setVisible(has_account)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(8)
        for widget in (self.dot, self.state, self.pending, self.error, self.button):
            layout.addWidget(widget)
        self.show_status(Status())

    def syncs_something(self) -> None:
        """A profile with no Parvis server but a mail account syncs too: say so."""
        self.has_account = True
        self.button.setVisible(True)
        self.show_status(getattr(self, "last", Status()))

    def show_status(self, status: Status) -> None:
        """Render `status` (UI thread)."""
        self.last = status
        pending = sum(status.pending.values())
        if not self.has_account:
            key, text = "local", self.tr("Sur cet ordinateur uniquement")
        elif status.syncing:
            key, text = "syncing", self.tr("Synchronisation…")
        elif status.online:
            key, text = "online", self.tr("En ligne")
        elif status.online is None:
            key, text = "offline", self.tr("Connexion…")
        else:
            key, text = "offline", self.tr("Hors ligne")
        if status.last_error and status.online:
            key = "error"
        self.dot.setStyleSheet(f"color: {COLOURS[key]};")
        self.state.setText(text)
        if status.last_success and not status.syncing and status.online:
            self.state.setToolTip(self.tr("Dernière synchronisation à {0}").format(
                time.strftime("%H:%M", time.localtime(status.last_success))))
        if pending and self.has_account:
            self.pending.setText(self.tr("1 modification en attente") if pending == 1
                                 else self.tr("{0} modifications en attente").format(pending))
        else:
            self.pending.setText(self.tr("Tout est envoyé") if self.has_account and status.online else "")
        self.pending.setVisible(bool(self.pending.text()))
        message = status.last_error or ""
        self.error.setText(self.fontMetrics().elidedText(message, Qt.TextElideMode.ElideRight, 500))
        self.error.setToolTip(message)
        self.error.setVisible(bool(message))
