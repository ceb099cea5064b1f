"""The message composer: À, Cc, Cci with completion from the addresses already seen, the subject,
the text, files to attach. Sending queues the message in the Boîte d'envoi (at once, offline
too); the sync sends it. UI thread only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCompleter,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from storage.mail_compose import split_addresses

from ..files import files_label


class AddressCompleter(QCompleter):
    """Completes the address being typed after the last comma."""

    def __init__(self, parent: QLineEdit) -> None:
        self.names = QStringListModel(parent)
        super().__init__(self.names, parent)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setWidget(parent)
        self.line = parent
        self.activated.connect(self._insert)
        parent.textEdited.connect(self._update)

    def _current(self) -> str:
        return self.line.text()[: self.line.cursorPosition()].rsplit(",", 1)[-1].strip()

    def _update(self, _: str) -> None:
        prefix = self._current()
        if len(prefix) < 2:
            popup = self.popup()
            if popup is not None:
                popup.hide()
            return
        self.setCompletionPrefix(prefix)
        self.complete()

    def _insert(self, address: str) -> None:
        text, at = self.line.text(), self.line.cursorPosition()
        head = text[:at].rsplit(",", 1)
        before = (head[0] + ", ") if len(head) == 2 else ""
        self.line.setText(before + address + ", " + text[at:].lstrip(", "))


class ComposeWindow(QWidget):
    """A window of its own (several may be open). Emits `send(fields)` with a dict the page
    turns into a `storage.mail_compose.Draft`, and `wantAddresses(prefix)`."""

    send = Signal(object)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(title)
        self.resize(760, 620)
        self.extra: dict[str, object] = {}
        self.files: list[Path] = []
        self.sent = False
        self.to, self.cc, self.bcc = QLineEdit(), QLineEdit(), QLineEdit()
        for field, name in ((self.to, self.tr("Destinataires")), (self.cc, self.tr("Copie")),
                            (self.bcc, self.tr("Copie cachée"))):
            field.setAccessibleName(name)
            field.setPlaceholderText(self.tr("adresses séparées par des virgules"))
        self.completers = [AddressCompleter(f) for f in (self.to, self.cc, self.bcc)]
        self.subject = QLineEdit()
        self.subject.setAccessibleName(self.tr("Objet"))
        self.body = QPlainTextEdit()
        self.body.setAccessibleName(self.tr("Texte du message"))
        self.attached = QLabel()
        self.attached.setObjectName("hint")
        self.attached.hide()
        form = QFormLayout()
        form.addRow(self.tr("À :"), self.to)
        form.addRow(self.tr("Cc :"), self.cc)
        form.addRow(self.tr("Cci :"), self.bcc)
        form.addRow(self.tr("Objet :"), self.subject)
        send = QPushButton(self.tr("Envoyer"))
        send.setDefault(True)
        send.setToolTip(self.tr("Envoyer (Ctrl+Entrée)"))
        send.clicked.connect(self._send)
        attach = QPushButton(self.tr("Joindre…"))
        attach.clicked.connect(self._choose)
        buttons = QHBoxLayout()
        buttons.addWidget(send)
        buttons.addWidget(attach)
        buttons.addStretch(1)
        self.note = QLabel(self.tr("Le message part de la boîte d'envoi dès que le serveur est joignable."))
        self.note.setObjectName("hint")
        buttons.addWidget(self.note)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.attached)
        layout.addWidget(self.body, 1)
        layout.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._send)

    def set_addresses(self, addresses: list[str]) -> None:
        for completer in self.completers:
            completer.names.setStringList(addresses)

    def fill(self, to: list[str], cc: list[str], subject: str, body: str, **extra: object) -> None:
        self.to.setText(", ".join(to))
        self.cc.setText(", ".join(cc))
        self.subject.setText(subject)
        self.body.setPlainText(body)
        self.extra = dict(extra)
        self.body.setFocus()

    def add_files(self, paths: list[Path]) -> None:
        self.files += [p for p in paths if p not in self.files]
        self.attached.setText(files_label(self.files))
        self.attached.setVisible(bool(self.files))

    def _choose(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, self.tr("Joindre des fichiers"))
        self.add_files([Path(n) for n in names])

    def fields(self) -> dict[str, object]:
        return {"to": split_addresses(self.to.text()), "cc": split_addresses(self.cc.text()),
                "bcc": split_addresses(self.bcc.text()), "subject": self.subject.text().strip(),
                "body": self.body.toPlainText(), "attachments": list(self.files), **self.extra}

    def _send(self) -> None:
        fields = self.fields()
        if not (fields["to"] or fields["cc"] or fields["bcc"]):
            QMessageBox.warning(self, self.windowTitle(), self.tr("Indiquez au moins un destinataire."))
            self.to.setFocus()
            return
        self.send.emit(fields)

    def closeEvent(self, event: QCloseEvent) -> None:
        unsent = not self.sent and (self.body.toPlainText().strip() or self.subject.text().strip())
        if unsent and QMessageBox.question(
                self, self.windowTitle(), self.tr("Abandonner ce message ? Il n'a pas été envoyé.")
        ) != QMessageBox.StandardButton.Yes:
            event.ignore()
            return
        event.accept()
