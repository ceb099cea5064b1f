"""The document dialogs: share, rename, delete."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from storage.docs import MAX_TITLE

ROLES = ("editor", "reader", "owner")


class ShareDialog(QDialog):
    """Asks whom to share a document with, and with which role. `user` and `role` hold the
    answer once accepted."""

    def __init__(self, title: str, has_account: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Partager « {0} »").format(title))
        self.setAccessibleName(self.tr("Partage du document"))
        self.setMinimumWidth(440)
        self.user_field = QLineEdit(placeholderText=self.tr("identifiant, par exemple m.dupre"))
        self.user_field.setAccessibleName(self.tr("Identifiant de la personne"))
        self.role_field = QComboBox()
        self.role_field.setAccessibleName(self.tr("Rôle"))
        for label in (self.tr("Peut modifier"), self.tr("Lecture seule"), self.tr("Propriétaire")):
            self.role_field.addItem(label)
        note = QLabel(self.tr("Le partage part à la prochaine synchronisation ; hors ligne, il attend le "
                              "retour du réseau.") if has_account else
                      self.tr("Ce profil travaille sans serveur : pour partager, connectez-le au serveur de "
                              "la collectivité."))
        note.setObjectName("hint")
        note.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.hide()
        form = QFormLayout()
        form.addRow(self.tr("Partager avec :"), self.user_field)
        form.addRow(self.tr("Rôle :"), self.role_field)
        buttons = QDialogButtonBox()
        self.share_button = buttons.addButton(self.tr("Partager"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.share_button.setEnabled(has_account)
        buttons.addButton(self.tr("Annuler"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.user_field.setEnabled(has_account)
        self.role_field.setEnabled(has_account)

    @property
    def user(self) -> str:
        return self.user_field.text().strip()

    @property
    def role(self) -> str:
        return ROLES[self.role_field.currentIndex()]

    def _check(self) -> None:
        if not self.user:
            self.error.setText(self.tr("Indiquez l'identifiant de la personne."))
            self.error.show()
            return
        self.accept()


def ask_title(parent: QWidget, current: str) -> str | None:
    """The new title, or None if cancelled or unchanged."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(QCoreApplication.translate("DocumentDialogs", "Renommer le document"))
    dialog.setLabelText(QCoreApplication.translate("DocumentDialogs", "Nouveau titre :"))
    dialog.setTextValue(current)
    field = dialog.findChild(QLineEdit)
    if field is not None:  # a title is long: "Procès-verbal du conseil municipal du …"
        field.setMinimumWidth(440)
        field.setAccessibleName(QCoreApplication.translate("DocumentDialogs", "Nouveau titre"))
    if not dialog.exec():
        return None
    title = dialog.textValue().strip()[:MAX_TITLE]
    return title if title and title != current else None


def confirm_delete(parent: QWidget, title: str, owner: bool) -> bool:
    """Ask before deleting; the text says whether others lose it too."""
    box = QMessageBox(QMessageBox.Icon.Warning,
                      QCoreApplication.translate("DocumentDialogs", "Supprimer le document"),
                      QCoreApplication.translate("DocumentDialogs", "Supprimer « {0} » ?").format(title),
                      parent=parent)
    if owner:
        box.setInformativeText(QCoreApplication.translate(
            "DocumentDialogs", "Le document sera supprimé pour toutes les personnes avec qui il est partagé."))
    else:
        box.setInformativeText(QCoreApplication.translate(
            "DocumentDialogs", "Vous quitterez ce document partagé ; les autres participants le gardent."))
    delete = box.addButton(QCoreApplication.translate("DocumentDialogs", "Supprimer"),
                           QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QCoreApplication.translate("DocumentDialogs", "Annuler"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(QMessageBox.StandardButton.NoButton)
    box.exec()
    return box.clickedButton() is delete
