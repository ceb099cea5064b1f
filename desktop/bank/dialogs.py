"""The document bank's dialogs: a new shared folder, sharing one, a file's versions. Each asks
the sync bridge (the server's answers come back as its signals) and shows the error in place
when there is one: the server unreachable, a refusal. UI thread."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from storage.chat import human_size
from storage.files import Folder
from sync.files import Version

from ..syncbridge import SyncBridge

ROLES = ("editor", "reader", "owner")


def _label(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


def when(timestamp: float) -> str:
    """'22/11/2026 14:05', local time."""
    return datetime.fromtimestamp(timestamp).strftime("%d/%m/%Y %H:%M")


class NewFolderDialog(QDialog):
    """Name, members and group of a new shared folder, created on the server (it needs the
    network: its id is the server's). `created` holds its id once accepted."""

    def __init__(self, bridge: SyncBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.created = ""
        self.setWindowTitle(self.tr("Nouveau dossier partagé"))
        self.setMinimumWidth(480)
        self.name = QLineEdit(placeholderText=self.tr("par exemple : Urbanisme – permis de construire"))
        self.name.setAccessibleName(self.tr("Nom du dossier"))
        self.members = QLineEdit(placeholderText=self.tr("identifiants séparés par des virgules"))
        self.members.setAccessibleName(self.tr("Membres"))
        self.group = QLineEdit(placeholderText=self.tr("facultatif : un service entier, par exemple urbanisme"))
        self.group.setAccessibleName(self.tr("Groupe"))
        form = QFormLayout()
        form.addRow(self.tr("Nom :"), self.name)
        form.addRow(self.tr("Membres :"), self.members)
        form.addRow(self.tr("Ouvert au groupe :"), self.group)
        hint = _label(self.tr("Vous en serez propriétaire ; les membres peuvent modifier les fichiers. Le dossier "
                              "est créé sur le serveur : il faut être connecté."), "hint")
        self.error = _label("", "error")
        self.error.hide()
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(self.tr("Créer"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("Annuler"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok.setEnabled(False)
        self.name.textChanged.connect(lambda text: self.ok.setEnabled(bool(text.strip())))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        bridge.folderCreated.connect(self._answered)

    def submit(self) -> None:
        members = [m.strip() for m in self.members.text().replace(";", ",").split(",") if m.strip()]
        self.ok.setEnabled(False)
        self.error.hide()
        self.bridge.create_folder(self.name.text().strip(), members, self.group.text().strip() or None)

    def _answered(self, folder_id: str, error: str) -> None:
        if not self.isVisible():
            return
        self.ok.setEnabled(True)
        if error:
            self.error.setText(error)
            self.error.show()
            return
        self.created = folder_id
        self.accept()


class ShareFolderDialog(QDialog):
    """The folder's members with their roles, and (owners only) a person to add."""

    def __init__(self, bridge: SyncBridge, folder: Folder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.folder = folder
        self.pending = ""  # the person being added
        self.setWindowTitle(self.tr("Partager « {0} »").format(folder.name))
        self.setMinimumSize(480, 380)
        self.role_names = {"owner": self.tr("Propriétaire"), "editor": self.tr("Peut modifier"),
                           "reader": self.tr("Lecture seule")}
        self.members = QTreeWidget()
        self.members.setHeaderLabels([self.tr("Personne"), self.tr("Rôle")])
        self.members.setRootIsDecorated(False)
        self.members.setAccessibleName(self.tr("Membres du dossier"))
        self.members.setColumnWidth(0, 220)
        self.user = QLineEdit(placeholderText=self.tr("identifiant, par exemple m.dupre"))
        self.user.setAccessibleName(self.tr("Identifiant de la personne"))
        self.role = QComboBox()
        self.role.setAccessibleName(self.tr("Rôle"))
        for role in ROLES:
            self.role.addItem(self.role_names[role], role)
        self.add = QPushButton(self.tr("Ajouter"))
        self.add.setEnabled(False)
        self.user.textChanged.connect(self._enable)
        self.user.returnPressed.connect(self.submit)
        self.add.clicked.connect(self.submit)
        owner = folder.role == "owner"
        for widget in (self.user, self.role):
            widget.setEnabled(owner)
        row = QHBoxLayout()
        row.addWidget(self.user, 1)
        row.addWidget(self.role)
        row.addWidget(self.add)
        self.status = _label(self.tr("Chargement des membres…") if owner else
                             self.tr("Seul un propriétaire du dossier peut le partager."), "hint")
        self.error = _label("", "error")
        self.error.hide()
        buttons = QDialogButtonBox()
        buttons.addButton(self.tr("Fermer"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Membres :")))
        layout.addWidget(self.members, 1)
        layout.addWidget(QLabel(self.tr("Ajouter une personne :")))
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        bridge.membersListed.connect(self._listed)
        bridge.list_members(folder.id)

    def _enable(self) -> None:
        self.add.setEnabled(self.folder.role == "owner" and bool(self.user.text().strip()))

    def submit(self) -> None:
        user = self.user.text().strip()
        if not user or self.folder.role != "owner":
            return
        self.add.setEnabled(False)
        self.error.hide()
        self.pending = user
        self.bridge.share_folder(self.folder.id, user, str(self.role.currentData()))

    def _listed(self, folder_id: str, members: list[dict[str, Any]] | None, error: str) -> None:
        if folder_id != self.folder.id:
            return
        self._enable()
        if error:
            self.error.setText(error)
            self.error.show()
            return
        self.members.clear()
        for m in members or []:
            role = self.role_names.get(m["role"], m["role"])
            if m.get("via_group"):
                role = self.tr("{0} (par le groupe {1})").format(role, m["via_group"])
            self.members.addTopLevelItem(QTreeWidgetItem([m["username"], role]))
        added = self.pending
        self.status.setText(self.tr("{0} a maintenant accès au dossier.").format(added) if added else "")
        self.status.setVisible(bool(added) or self.folder.role != "owner")
        if added:
            self.pending = ""
            self.user.clear()


class VersionsDialog(QDialog):
    """The versions the server keeps of one file, newest first, and « Restaurer cette version »:
    the chosen one becomes the newest (the history stays) and the local file follows."""

    def __init__(self, bridge: SyncBridge, folder_id: str, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge, self.folder_id, self.path = bridge, folder_id, path
        self.versions: list[Version] = []
        self.loaded = False
        self.setWindowTitle(self.tr("Versions de « {0} »").format(path))
        self.setMinimumSize(560, 360)
        self.list = QTreeWidget()
        self.list.setHeaderLabels([self.tr("Version"), self.tr("Date"), self.tr("Auteur"), self.tr("Taille")])
        self.list.setRootIsDecorated(False)
        self.list.setAccessibleName(self.tr("Versions du fichier"))
        self.list.setStyleSheet("QTreeWidget { outline: 0; }")
        for column, width in enumerate((80, 150, 160)):
            self.list.setColumnWidth(column, width)
        self.list.currentItemChanged.connect(lambda *_: self._enable())
        self.status = _label(self.tr("Chargement des versions…"), "hint")
        self.error = _label("", "error")
        self.error.hide()
        buttons = QDialogButtonBox()
        self.restore = buttons.addButton(self.tr("Restaurer cette version"), QDialogButtonBox.ButtonRole.ActionRole)
        self.restore.setEnabled(False)
        self.restore.clicked.connect(self.submit)
        buttons.addButton(self.tr("Fermer"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        heading = QLabel(self.tr("<b>{0}</b> — versions gardées sur le serveur").format(
            path.replace("&", "&amp;").replace("<", "&lt;")))
        heading.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        bridge.versionsListed.connect(self.listed)
        bridge.versionRestored.connect(self._restored)
        bridge.list_versions(folder_id, path)

    def selected(self) -> Version | None:
        item = self.list.currentItem()
        row = -1 if item is None else self.list.indexOfTopLevelItem(item)
        return self.versions[row] if 0 <= row < len(self.versions) else None

    def _enable(self) -> None:
        chosen = self.selected()
        # The newest is already what everyone has.
        self.restore.setEnabled(chosen is not None and chosen is not self.versions[0])

    def submit(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        self.restore.setEnabled(False)
        self.error.hide()
        self.status.setText(self.tr("Restauration de la version {0}…").format(chosen.version))
        self.bridge.restore_version(self.folder_id, self.path, chosen.version)

    def listed(self, folder_id: str, path: str, versions: list[Version] | None, error: str) -> None:
        """The server's answer (`SyncBridge.versionsListed`): the versions, or why not."""
        if (folder_id, path) != (self.folder_id, self.path):
            return
        if error:
            self._fail(error)
            return
        self.error.hide()
        self.status.show()
        self.versions = list(versions or [])
        self.list.clear()
        for v in self.versions:
            item = QTreeWidgetItem([str(v.version), when(v.modified_at), v.modified_by, human_size(v.size)])
            self.list.addTopLevelItem(item)
        if not self.loaded:
            self.loaded = True
            self.status.setText(self.tr("{0} version(s) ; la première est la plus récente. Restaurer une "
                                        "version la rend la plus récente, sans rien effacer.")
                                .format(len(self.versions)))
        self._enable()

    def _fail(self, error: str) -> None:
        """Say why the server's answer is missing, in place of the status line."""
        self.status.hide()
        self.error.setText(error)
        self.error.show()

    def _restored(self, folder_id: str, path: str, version: int, error: str) -> None:
        if (folder_id, path) != (self.folder_id, self.path):
            return
        if error:
            self._fail(error)
            self._enable()
            return
        self.status.setText(self.tr("Version {0} rétablie : elle devient la plus récente, l'historique est "
                                    "gardé.").format(version))
        self.status.show()
        self.bridge.list_versions(self.folder_id, self.path)
