"""Adding a mail account: the address, the login, the servers (ports found by themselves
unless given), the security, an internal certificate authority. The login is checked on both
servers in the sync thread before anything is saved (`desktop.account_dialog`). UI thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QWidget

from ..account_dialog import CheckedAccountDialog


class AccountDialog(CheckedAccountDialog):
    """`check(fields)` carries `sync.mail.detect.verify`'s arguments."""

    def __init__(self, ca_file: str = "", parent: QWidget | None = None) -> None:
        super().__init__(ca_file, parent)
        self.setWindowTitle(self.tr("Ajouter un compte de messagerie"))
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
        form = QFormLayout()
        form.addRow(self.tr("Adresse :"), self.address)
        form.addRow(self.tr("Identifiant :"), self.username)
        form.addRow(self.tr("Mot de passe :"), self.password)
        form.addRow(self.tr("Réception (IMAP) :"), self.imap)
        form.addRow(self.tr("Envoi (SMTP) :"), self.smtp)
        form.addRow(self.tr("Sécurité :"), self.security)
        self.finish(form, self.tr("Parvis vérifie l'identifiant sur les deux serveurs avant d'enregistrer le "
                                  "compte. Le mot de passe est gardé chiffré dans votre profil."))
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

    def fields(self) -> dict[str, Any]:
        return {"address": self.address.text().strip(), "username": self.username.text().strip(),
                "password": self.password.text(), "imap": self.imap.text().strip(),
                "smtp": self.smtp.text().strip() or None, "security": self.security.currentData(),
                "ca_file": self.ca_file.text().strip() or None}

    def missing(self, fields: dict[str, Any]) -> str | None:
        if not fields["address"] or not fields["imap"] or not fields["password"]:
            return self.tr("Indiquez au moins l'adresse, le mot de passe et le serveur de réception.")
        return None

    def checking(self) -> str:
        return self.tr("Vérification auprès des serveurs…")
