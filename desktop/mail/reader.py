"""The message reader: headers, the body, attachments that open and save.

HTML mail is shown safely: Qt's rich text runs no scripts, and every resource it asks for
goes through `loadResource`, which serves the message's own inline images (`cid:`) and nothing
else — no remote image (a read receipt in disguise), no local file — until the user allows
remote content for this message; even then the UI never fetches it itself: the sync thread
does, through the bridge. Links open in the browser only after the real address is shown.
UI thread only.
"""

from __future__ import annotations

import html
from datetime import datetime
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from storage.chat import human_size

REMOTE_SCHEMES = ("http", "https", "ftp")


class SafeBrowser(QTextBrowser):
    """A QTextBrowser that loads only what `inline` holds (cid: parts), and remote images only
    once they are in `remote` (fetched by the sync thread after the user allowed them)."""

    blockedRemote = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.inline: dict[str, bytes] = {}
        self.remote: dict[str, bytes] = {}
        self.blocked: set[str] = set()

    def loadResource(self, kind: int, url: QUrl | str) -> Any:
        url = QUrl(url) if isinstance(url, str) else url
        scheme = url.scheme().lower()
        if scheme == "cid":
            data = self.inline.get(url.path() or url.toString()[4:])
            return data if data is not None else None
        if scheme in REMOTE_SCHEMES:
            data = self.remote.get(url.toString())
            if data is None:
                self.blocked.add(url.toString())
                self.blockedRemote.emit()
            return data
        return None  # file:, qrc:, data: and the rest: nothing from this computer or elsewhere


class Reader(QWidget):
    """Emits the actions on the message it shows; the page carries them out."""

    reply = Signal()
    replyAll = Signal()
    forward = Signal()
    delete = Signal()
    toggleSeen = Signal()
    toggleFlag = Signal()
    openAttachment = Signal(int)  # index
    saveAttachment = Signal(int)
    allowRemote = Signal(object)  # the blocked URLs
    moveTo = Signal(int)  # folder id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_id: int | None = None
        self.current: Any = None
        self.subject = QLabel()
        self.subject.setObjectName("mailSubject")
        self.subject.setWordWrap(True)
        self.subject.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.headers = QLabel()
        self.headers.setObjectName("hint")
        self.headers.setWordWrap(True)
        self.body = SafeBrowser()
        self.remote_bar = QWidget()
        bar = QHBoxLayout(self.remote_bar)
        bar.setContentsMargins(8, 4, 8, 4)
        self.remote_label = QLabel(self.tr("Les images distantes de ce message sont bloquées, pour votre vie privée."))
        show = QPushButton(self.tr("Afficher les images"))
        show.clicked.connect(lambda: self.allowRemote.emit(sorted(self.body.blocked)))
        bar.addWidget(self.remote_label, 1)
        bar.addWidget(show)
        self.remote_bar.setObjectName("remoteBar")
        self.remote_bar.hide()
        self.body.setObjectName("mailBody")
        self.body.setAccessibleName(self.tr("Texte du message"))
        self.body.anchorClicked.connect(self._link)
        self.body.blockedRemote.connect(self.remote_bar.show)
        self.attachments = QWidget()
        self.attachments_layout = QHBoxLayout(self.attachments)
        self.attachments_layout.setContentsMargins(0, 0, 0, 0)
        self.attachments.hide()

        # A tool bar, not a row of buttons: on a narrow screen what does not fit goes into its
        # » menu instead of widening the window.
        self.buttons: dict[str, QAction] = {}
        row = QToolBar()
        row.setObjectName("readerActions")
        row.setAccessibleName(self.tr("Actions sur le message"))
        self.move_menu = QMenu(self)
        for name, label, signal in (("reply", self.tr("Répondre"), self.reply),
                                    ("replyAll", self.tr("Répondre à tous"), self.replyAll),
                                    ("forward", self.tr("Transférer"), self.forward),
                                    ("delete", self.tr("Supprimer"), self.delete),
                                    ("move", self.tr("Déplacer"), None),
                                    ("flag", self.tr("Suivi"), self.toggleFlag),
                                    ("seen", self.tr("Non lu"), self.toggleSeen)):
            action = row.addAction(label)
            if signal is not None:
                action.triggered.connect(signal)
            self.buttons[name] = action
        self.buttons["move"].setMenu(self.move_menu)
        self.buttons["move"].setToolTip(self.tr("Déplacer vers un autre dossier"))
        move_button = row.widgetForAction(self.buttons["move"])
        if isinstance(move_button, QToolButton):
            move_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)


        self.empty = QLabel(self.tr("Choisissez un message dans la liste."))
        self.empty.setObjectName("emptyState")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(row)
        layout.addWidget(self.subject)
        layout.addWidget(self.headers)
        layout.addWidget(self.remote_bar)
        layout.addWidget(self.attachments)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.empty, 1)
        self.show_nothing()

    def set_folders(self, folders: list[tuple[int, str]]) -> None:
        """The folders a message can be moved to: (id, name shown)."""
        self.move_menu.clear()
        for folder_id, name in folders:
            self.move_menu.addAction(name, partial(self.moveTo.emit, folder_id))

    def show_nothing(self) -> None:
        self.message_id = None
        for widget in (self.subject, self.headers, self.body, self.attachments, self.remote_bar):
            widget.hide()
        for button in self.buttons.values():
            button.setEnabled(False)
        self.empty.show()

    def show_message(self, body: Any, remote: dict[str, bytes] | None = None) -> None:
        """Show a `storage.mail.MessageBody`. Without its text yet (headers only, offline),
        say so."""
        s = body.summary
        self.message_id = s.id
        self.current = body
        self.empty.hide()
        for widget in (self.subject, self.headers, self.body):
            widget.show()
        for button in self.buttons.values():
            button.setEnabled(True)
        self.buttons["seen"].setText(self.tr("Non lu") if s.seen else self.tr("Lu"))
        self.buttons["flag"].setText(self.tr("Retirer le suivi") if s.flagged else self.tr("Suivi"))
        title = html.escape(s.subject or self.tr("(sans objet)"), quote=False)
        self.subject.setText(f"<span style='font-size:14pt'><b>{title}</b></span>")
        rows = [(self.tr("De"), body.from_), (self.tr("À"), ", ".join(body.to)), (self.tr("Cc"), ", ".join(body.cc)),
                (self.tr("Date"), _when(s.date))]
        self.headers.setText("<br>".join(f"<b>{label} :</b> {html.escape(value, quote=False)}"
                                         for label, value in rows if value))
        self.body.blocked.clear()
        self.body.remote = dict(remote or {})
        self.body.inline = {}
        self.remote_bar.hide()
        if body.html:
            self.body.inline = getattr(body, "inline", {}) or {}
            self.body.setHtml(body.html)
        elif body.text is not None:
            self.body.setPlainText(body.text)
        else:
            self.body.setHtml("<p style='color:#666'>" + html.escape(self.tr(
                "Seuls les en-têtes de ce message sont sur cet ordinateur. Son contenu sera téléchargé "
                "dès que le serveur sera joignable.")) + "</p>")
        self._show_attachments(body.attachments)

    def _show_attachments(self, attachments: list[Any]) -> None:
        while self.attachments_layout.count():
            item = self.attachments_layout.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        for att in attachments:
            label = f"📎 {att.name} ({human_size(att.size)})"
            button = QPushButton(label)
            button.setToolTip(self.tr("Ouvrir ; clic droit pour enregistrer"))
            button.setAccessibleName(self.tr("Pièce jointe {0}").format(att.name))
            button.clicked.connect(lambda _=False, i=att.index: self.openAttachment.emit(i))
            button.setContextMenuPolicy(button.contextMenuPolicy().CustomContextMenu)
            button.customContextMenuRequested.connect(lambda _pos, i=att.index: self.saveAttachment.emit(i))
            self.attachments_layout.addWidget(button)
        self.attachments_layout.addStretch(1)
        self.attachments.setVisible(bool(attachments))

    def _link(self, url: QUrl) -> None:
        if url.scheme().lower() not in ("http", "https", "mailto"):
            return
        question = self.tr("Ouvrir cette adresse dans le navigateur ?\n\n{0}").format(url.toString())
        answer = QMessageBox.question(self, self.tr("Ouvrir le lien"), question)
        if answer == QMessageBox.StandardButton.Yes:
            QDesktopServices.openUrl(url)


def _when(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    return moment.strftime("%d/%m/%Y %H:%M")
