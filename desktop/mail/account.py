"""Adding a mail account: the address, the login, the servers (ports found by themselves
unless given), the security, an internal certificate authority. The check of the login on both
servers runs in the sync thread (the UI never calls the network); the dialog shows its
progress and says plainly what went wrong. UI thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
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


class AccountDialog(QDialog):
    """Emits `check(fields)`; the page passes it to the bridge and calls `failed(message)` or
    `accept()` with the answer."""

    check = Signal(object)

    def __init__(self, ca_file: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Ajouter un compte de messagerie"))
        self.setMinimumWidth(520)
        self.address = QLineEdit()
        self.address.setPlaceholderText(self.tr("prenom.nom@mairie-exemple.fr"))
        self.address.setAccessibleName(self.tr("Adresse de messagerie"))
        self.username = QLineEdit()
        self.username.setPlaceholderText(self.tr("souvent l'adresse elle-même"))
        self.username.setAccessibleName(self.tr("Identifiant"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Mot de passe"))
        self.imap = QLineEdit()
        self.imap.setPlaceholderText(self.tr("imap.mairie-exemple.fr (ou hôte:port)"))
        self.imap.setAccessibleName(self.tr("Serveur de réception (IMAP)"))
        self.smtp = QLineEdit()
        self.smtp.setPlaceholderText(self.tr("le même, si vide"))
        self.smtp.setAccessibleName(self.tr("Serveur d'envoi (SMTP)"))
        self.security = QComboBox()
        self.security.setAccessibleName(self.tr("Sécurité"))
        for value, label in ((None, self.tr("Automatique (ports habituels)")), ("tls", self.tr("TLS")),
                             ("starttls", self.tr("STARTTLS")),
                             ("plain", self.tr("Sans chiffrement (serveur local uniquement)"))):
            self.security.addItem(label, value)
        self.ca_file = QLineEdit(ca_file)
        self.ca_file.setPlaceholderText(self.tr("facultatif : l'autorité de votre PKI interne (.pem)"))
        self.ca_file.setAccessibleName(self.tr("Certificat de l'autorité"))
        browse = QPushButton(self.tr("Parcourir…"))
        browse.clicked.connect(self._browse)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.tr("Adresse :"), self.address)
        form.addRow(self.tr("Identifiant :"), self.username)
        form.addRow(self.tr("Mot de passe :"), self.password)
        form.addRow(self.tr("Réception (IMAP) :"), self.imap)
        form.addRow(self.tr("Envoi (SMTP) :"), self.smtp)
        form.addRow(self.tr("Sécurité :"), self.security)
        form.addRow(self.tr("Autorité :"), ca_row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("Vérifier et ajouter"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        hint = QLabel(self.tr("Parvis vérifie l'identifiant sur les deux serveurs avant d'enregistrer le compte. "
                              "Le mot de passe est gardé chiffré dans votre profil."))
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.address.textChanged.connect(self._guess)

    def _guess(self, address: str) -> None:
        """Fill the usual names from the address while the user has not typed them."""
        domain = address.partition("@")[2]
        if not self.username.isModified():
            self.username.setText(address)
        if domain and not self.imap.isModified():
            self.imap.setText(f"imap.{domain}")
        if domain and not self.smtp.isModified():
            self.smtp.setText(f"smtp.{domain}")

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Autorité de certification"), "",
                                              self.tr("Certificats (*.pem *.crt *.cer);;Tous les fichiers (*)"))
        if name:
            self.ca_file.setText(name)

    def fields(self) -> dict[str, Any]:
        return {"address": self.address.text().strip(), "username": self.username.text().strip(),
                "password": self.password.text(), "imap": self.imap.text().strip(),
                "smtp": self.smtp.text().strip() or None, "security": self.security.currentData(),
                "ca_file": self.ca_file.text().strip() or None}

    def _submit(self) -> None:
        fields = self.fields()
        if not fields["address"] or not fields["imap"] or not fields["password"]:
            self.failed(self.tr("Indiquez au moins l'adresse, le mot de passe et le serveur de réception."))
            return
        self.ok.setEnabled(False)
        self.status.setObjectName("hint")
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Vérification auprès des serveurs…"))
        self.check.emit(fields)

    def failed(self, message: str) -> None:
        self.ok.setEnabled(True)
        self.status.setStyleSheet("color: #ce0500;")
        self.status.setText(message)
