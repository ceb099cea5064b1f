"""Adding a CalDAV account: the address, the login, an internal certificate authority. With a
Parvis server account, the address of its own agenda (`…/dav/`) and the user name are filled in:
the same password as Parvis. The login is checked and the calendars listed in the sync thread
before anything is saved (`desktop.account_dialog`). UI thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

from ..account_dialog import CheckedAccountDialog


class CalAccountDialog(CheckedAccountDialog):
    """`check(fields)` carries `sync.cal.account.add_account`'s arguments."""

    def __init__(self, url: str = "", username: str = "", ca_file: str = "", parent: QWidget | None = None) -> None:
        super().__init__(ca_file, parent)
        self.setWindowTitle(self.tr("Ajouter un compte d'agenda"))
        self.url = QLineEdit(url)
        self.url.setPlaceholderText(self.tr("https://agenda.mairie-exemple.fr/dav/"))
        self.url.setAccessibleName(self.tr("Adresse CalDAV"))
        self.username = QLineEdit(username)
        self.username.setAccessibleName(self.tr("Identifiant"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Mot de passe"))
        form = QFormLayout()
        form.addRow(self.tr("Adresse :"), self.url)
        form.addRow(self.tr("Identifiant :"), self.username)
        form.addRow(self.tr("Mot de passe :"), self.password)
        self.finish(form, self.tr("Tout serveur CalDAV convient. Le serveur Parvis de votre collectivité sert vos "
                                  "agendas et ceux de vos services à l'adresse …/dav/, avec votre mot de passe "
                                  "Parvis. Parvis vérifie l'identifiant avant d'enregistrer le compte ; le mot de "
                                  "passe est gardé chiffré dans votre profil."))
        (self.password if url and username else self.url).setFocus()

    def fields(self) -> dict[str, Any]:
        return {"url": self.url.text().strip(), "username": self.username.text().strip(),
                "password": self.password.text(), "ca_file": self.ca_file.text().strip() or None}

    def missing(self, fields: dict[str, Any]) -> str | None:
        if not fields["url"] or not fields["username"] or not fields["password"]:
            return self.tr("Indiquez l'adresse, l'identifiant et le mot de passe.")
        return None

    def checking(self) -> str:
        return self.tr("Vérification auprès du serveur d'agenda…")
