"""What the dialogs that add an account (mail, calendar) share: the form is checked against the
server in the sync thread before anything is saved (the UI never calls the network), so the
dialog stays open with "Vérification…" until the answer, then closes or says plainly what went
wrong; a row for an internal certificate authority; the policy's `CaFile` as its default. UI
thread only."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from . import policy


def policy_ca_file() -> str:
    """The machine's internal certificate authority, when IT set one."""
    return str(policy.load().get("CaFile", default="").value or "")


class CheckedAccountDialog(QDialog):
    """Emits `check(fields)`; the page passes it to the bridge, whose answer goes to `answer`.
    Subclasses build their fields, then call `finish(form, hint)`."""

    check = Signal(object)

    def __init__(self, ca_file: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(520)
        self.ca_file = QLineEdit(ca_file)
        self.ca_file.setPlaceholderText(self.tr("facultatif : l'autorité de votre PKI interne (.pem)"))
        self.ca_file.setAccessibleName(self.tr("Certificat de l'autorité"))
        browse = QPushButton(self.tr("Parcourir…"))
        browse.clicked.connect(self._browse)
        self.ca_row = QHBoxLayout()
        self.ca_row.addWidget(self.ca_file, 1)
        self.ca_row.addWidget(browse)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("Vérifier et ajouter"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

    def finish(self, form: QFormLayout, hint: str) -> None:
        form.addRow(self.tr("Autorité :"), self.ca_row)
        note = QLabel(hint)
        note.setObjectName("hint")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def fields(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def missing(self, fields: dict[str, Any]) -> str | None:  # pragma: no cover - overridden
        """What the user must still fill in, or None."""
        raise NotImplementedError

    def checking(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Autorité de certification"), "",
                                              self.tr("Certificats (*.pem *.crt *.cer);;Tous les fichiers (*)"))
        if name:
            self.ca_file.setText(name)

    def _submit(self) -> None:
        fields = self.fields()
        problem = self.missing(fields)
        if problem:
            self.failed(problem)
            return
        self.ok.setEnabled(False)
        self.status.setStyleSheet("")
        self.status.setText(self.checking())
        self.check.emit(fields)

    def failed(self, message: str) -> None:
        self.ok.setEnabled(True)
        self.status.setStyleSheet("color: #ce0500;")
        self.status.setText(message)

    def answer(self, error: str) -> bool:
        """The bridge's answer: closes the dialog and returns True when the account was saved."""
        if error:
            self.failed(error)
            return False
        self.accept()
        return True
