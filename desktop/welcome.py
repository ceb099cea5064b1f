"""First run and unlock: the two dialogs that stand between the user and their profile."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from storage.errors import ParvisError, WrongPassphrase
from storage.vault import Vault, keyring_available
from sync import account as accounts

from .ops import Context, Ops
from .policy import Policies
from .policy import load as load_policies

MIN_PASSPHRASE = 8
SignIn = Callable[[Context, str, str, str, str | None], object]


def _sign_in(transport: httpx.AsyncBaseTransport | None) -> SignIn:
    def run(ctx: Context, url: str, user: str, password: str, ca_file: str | None) -> object:
        return asyncio.run(accounts.sign_in(ctx.conn, url, user, password, ca_file, transport=transport))

    return run


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("error")
    label.setWordWrap(True)
    label.setAccessibleName(QCoreApplication.translate("WelcomeDialog", "Message d'erreur"))
    label.hide()
    return label


def _show(label: QLabel, text: str | None) -> None:
    label.setText(text or "")
    label.setVisible(bool(text))
    window = label.window()
    if window is not None:
        window.adjustSize()  # room for the message, however many lines it takes


class _BusyCursor:
    def __enter__(self) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)

    def __exit__(self, *exc: object) -> None:
        QGuiApplication.restoreOverrideCursor()


class WelcomeDialog(QDialog):
    """First run: create the profile (keyring or passphrase), then optionally sign in to the
    authority's server. On success `vault` and `ops` are set."""

    def __init__(self, folder: Path, transport: httpx.AsyncBaseTransport | None = None,
                 parent: QWidget | None = None, policies: Policies | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.vault: Vault | None = None
        self.ops: Ops | None = None
        self._sign_in = _sign_in(transport)
        self.setWindowTitle(self.tr("Bienvenue dans Parvis"))
        self.setAccessibleName(self.tr("Création du profil"))
        self.setMinimumWidth(520)

        intro = QLabel(self.tr("<h2>Bienvenue dans Parvis</h2>"
                               "<p>Vos documents sont chiffrés sur cet ordinateur et restent disponibles "
                               "sans réseau. Choisissez comment protéger votre profil et comment "
                               "travailler.</p>"))
        intro.setWordWrap(True)

        self.protection = QGroupBox(self.tr("Protection du profil"))
        self.use_keyring = QRadioButton(self.tr("Trousseau du système (recommandé)"))
        self.use_passphrase = QRadioButton(self.tr("Phrase de passe"))
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        for field, name in ((self.use_keyring, self.tr("Protéger par le trousseau du système")),
                            (self.use_passphrase, self.tr("Protéger par une phrase de passe")),
                            (self.passphrase, self.tr("Phrase de passe")),
                            (self.confirm, self.tr("Confirmation de la phrase de passe"))):
            field.setAccessibleName(name)
        hint = QLabel(self.tr("Au moins 8 caractères. Sans elle, vos données sont illisibles : "
                              "conservez-la en lieu sûr."))
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Phrase de passe :"), self.passphrase)
        form.addRow(self.tr("Confirmation :"), self.confirm)
        box = QVBoxLayout(self.protection)
        box.addWidget(self.use_keyring)
        if not keyring_available():
            self.use_keyring.setEnabled(False)
            self.use_keyring.setText(self.tr("Trousseau du système (indisponible sur cet ordinateur)"))
        box.addWidget(self.use_passphrase)
        box.addLayout(form)
        box.addWidget(hint)
        (self.use_keyring if self.use_keyring.isEnabled() else self.use_passphrase).setChecked(True)

        self.mode = QGroupBox(self.tr("Mode de travail"))
        self.local_only = QRadioButton(self.tr("Sur cet ordinateur uniquement, sans serveur"))
        self.with_server = QRadioButton(self.tr("Avec le serveur de la collectivité"))
        self.local_only.setChecked(True)
        self.server_url = QLineEdit(placeholderText="https://parvis.mairie.fr")
        self.user = QLineEdit()
        self.password = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.ca_file = QLineEdit(placeholderText=self.tr("facultatif : PKI interne"))
        self.browse = browse = QPushButton(self.tr("Parcourir…"))
        browse.setAccessibleName(self.tr("Choisir le certificat de l'autorité"))
        browse.clicked.connect(self._browse_ca)
        for field, name in ((self.local_only, self.tr("Travailler sans serveur")),
                            (self.with_server, self.tr("Se connecter au serveur")),
                            (self.server_url, self.tr("Adresse du serveur")), (self.user, self.tr("Identifiant")),
                            (self.password, self.tr("Mot de passe")),
                            (self.ca_file, self.tr("Certificat de l'autorité interne"))):
            field.setAccessibleName(name)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file)
        ca_row.addWidget(browse)
        self.server_form = QWidget()
        sform = QFormLayout(self.server_form)
        sform.setContentsMargins(24, 0, 0, 0)
        sform.addRow(self.tr("Adresse :"), self.server_url)
        sform.addRow(self.tr("Identifiant :"), self.user)
        sform.addRow(self.tr("Mot de passe :"), self.password)
        sform.addRow(self.tr("Certificat :"), ca_row)
        mbox = QVBoxLayout(self.mode)
        mbox.addWidget(self.local_only)
        mbox.addWidget(self.with_server)
        mbox.addWidget(self.server_form)
        group = QButtonGroup(self)
        group.addButton(self.local_only)
        group.addButton(self.with_server)

        self.error = _error_label()
        self.buttons = QDialogButtonBox()
        self.create_button = self.buttons.addButton(self.tr("Créer le profil"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setAccessibleName(self.tr("Créer le profil"))
        self.create_button.setDefault(True)
        quit_button = self.buttons.addButton(self.tr("Quitter"), QDialogButtonBox.ButtonRole.RejectRole)
        quit_button.setAccessibleName(self.tr("Quitter Parvis"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.protection)
        layout.addWidget(self.mode)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.use_passphrase.toggled.connect(self._update)
        self.with_server.toggled.connect(self._update)
        self._apply_policies(policies if policies is not None else load_policies())
        self._update()

    def _apply_policies(self, policies: Policies) -> None:
        """Fill in what IT preset (the MSI's SERVER_URL, CA_FILE) and lock what they enforce."""
        managed = self.tr("Réglé par le service informatique de votre collectivité.")
        for name, field in (("ServerUrl", self.server_url), ("CaFile", self.ca_file)):
            setting = policies.get(name)
            if setting.value:
                field.setText(setting.value)
            if setting.locked:
                field.setReadOnly(True)
                field.setToolTip(managed)
                if field is self.ca_file:
                    self.browse.setEnabled(False)
        if policies.get("ServerUrl").value:
            self.with_server.setChecked(True)
        if policies.get("DisableLocalOnly", default=False).value:
            self.with_server.setChecked(True)
            self.local_only.setEnabled(False)
            self.local_only.setToolTip(managed)
            self.local_only.setText(self.tr("Sur cet ordinateur uniquement (désactivé par votre collectivité)"))

    def _update(self) -> None:
        for field in (self.passphrase, self.confirm):
            field.setEnabled(self.use_passphrase.isChecked())
        self.server_form.setEnabled(self.with_server.isChecked())
        self.create_button.setText(self.tr("Continuer") if self.vault else self.tr("Créer le profil"))

    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Certificat de l'autorité"), "",
                                              self.tr("Certificats (*.pem *.crt *.cer);;Tous les fichiers (*)"))
        if path:
            self.ca_file.setText(path)

    def _problem(self) -> str | None:
        if self.vault is None and self.use_passphrase.isChecked():
            if len(self.passphrase.text()) < MIN_PASSPHRASE:
                return self.tr("La phrase de passe doit compter au moins 8 caractères.")
            if self.passphrase.text() != self.confirm.text():
                return self.tr("Les deux phrases de passe diffèrent.")
        if self.with_server.isChecked():
            if not self.server_url.text().strip().startswith(("https://", "http://")):
                return self.tr("L'adresse du serveur commence par https:// (par exemple https://parvis.mairie.fr).")
            if not self.user.text().strip() or not self.password.text():
                return self.tr("Indiquez votre identifiant et votre mot de passe sur le serveur.")
            if self.ca_file.text().strip() and not Path(self.ca_file.text().strip()).is_file():
                return self.tr("Le fichier du certificat est introuvable.")
        return None

    def submit(self) -> None:
        """Create the profile if not done yet, then sign in if asked. UI thread."""
        problem = self._problem()
        _show(self.error, problem)
        if problem:
            return
        if self.vault is None:
            try:
                with _BusyCursor():
                    passphrase = self.passphrase.text() if self.use_passphrase.isChecked() else None
                    self.vault = Vault.create(self.folder, passphrase)
            except ParvisError as exc:
                _show(self.error, str(exc))
                return
            self.ops = Ops(self.vault)
            # The profile exists now: its protection can no longer change here.
            self.protection.setEnabled(False)
            self._update()
        if self.local_only.isChecked():
            self.accept()
            return
        assert self.ops is not None
        self.create_button.setEnabled(False)
        _show(self.error, None)
        self.setCursor(Qt.CursorShape.BusyCursor)
        url, user, password = self.server_url.text().strip(), self.user.text().strip(), self.password.text()
        ca_file = self.ca_file.text().strip() or None
        self.ops.run(lambda ctx: self._sign_in(ctx, url, user, password, ca_file),
                     on_done=lambda _: self.accept(), on_error=self._sign_in_failed)

    def _sign_in_failed(self, error: ParvisError) -> None:
        self.unsetCursor()
        self.create_button.setEnabled(True)
        _show(self.error, self.tr("Le profil est créé, mais la connexion a échoué : {0} "
                                  "Corrigez puis réessayez, ou continuez sans serveur.").format(error))


class UnlockDialog(QDialog):
    """Asks for the passphrase of an existing profile; `vault` is set on success."""

    def __init__(self, folder: Path, parent: QWidget | None = None, error: str | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.vault: Vault | None = None
        self.setWindowTitle(self.tr("Déverrouiller Parvis"))
        self.setAccessibleName(self.tr("Déverrouillage du profil"))
        self.setMinimumWidth(420)
        title = QLabel(self.tr("<h3>Déverrouiller votre profil</h3>"))
        where = QLabel(self.tr("Profil : {0}").format(folder))
        where.setObjectName("hint")
        where.setWordWrap(True)
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(self.tr("Phrase de passe"))
        self.error = _error_label()
        _show(self.error, error)
        buttons = QDialogButtonBox()
        self.unlock_button = buttons.addButton(self.tr("Déverrouiller"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.unlock_button.setDefault(True)
        buttons.addButton(self.tr("Quitter"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Phrase de passe :"), self.passphrase)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(where)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def submit(self) -> None:
        """Try the passphrase; on a wrong one, say so and let the user try again. UI thread."""
        try:
            with _BusyCursor():
                self.vault = Vault.open(self.folder, self.passphrase.text)
        except WrongPassphrase:
            _show(self.error, self.tr("Phrase de passe incorrecte. Vérifiez la saisie (majuscules, "
                                      "disposition du clavier) et réessayez."))
            self.passphrase.selectAll()
            self.passphrase.setFocus()
            return
        except ParvisError as exc:
            _show(self.error, str(exc))
            return
        self.accept()
