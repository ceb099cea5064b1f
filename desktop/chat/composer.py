"""The message composer: multi-line input (Entrée sends, Maj+Entrée goes to the line), @-completion
of the room's members, files to attach, and the reply or edit in progress. It never waits for
the network: sending stores the message, which shows at once as pending. UI thread only.
"""

from __future__ import annotations

import re
from pathlib import Path
from time import monotonic

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..files import files_label

WORD_BEFORE_CURSOR = re.compile(r"(?<![\w@])@([\w.@-]*)$")
TYPING_EVERY_MS = 3000  # at most one typing notice per this many milliseconds


class ComposerEdit(QPlainTextEdit):
    """Entrée sends, Maj+Entrée inserts a line break; Échap cancels a reply or an edit;
    Haut in an empty box edits one's last message."""

    send = Signal()
    cancel = Signal()
    editLast = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names = QStringListModel(self)  # parented: Python must not collect it
        self.completer = QCompleter(self.names, self)
        self.completer.setWidget(self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.activated.connect(self._complete)
        self.textChanged.connect(self._maybe_complete)

    def set_names(self, names: list[str]) -> None:
        self.names.setStringList(sorted(set(names) | {"channel"}, key=str.casefold))

    def _popup(self) -> QAbstractItemView:
        popup = self.completer.popup()
        assert popup is not None  # a completer always has one
        return popup

    def _mention_prefix(self) -> str | None:
        cursor = self.textCursor()
        line = cursor.block().text()[: cursor.positionInBlock()]
        match = WORD_BEFORE_CURSOR.search(line)
        return None if match is None else match.group(1)

    def _maybe_complete(self) -> None:
        prefix = self._mention_prefix()
        popup = self._popup()
        if prefix is None:
            popup.hide()
            return
        self.completer.setCompletionPrefix(prefix)
        if self.completer.completionCount() == 0:
            popup.hide()
            return
        popup.setCurrentIndex(self.completer.completionModel().index(0, 0))
        rect = self.cursorRect()
        rect.setWidth(max(180, popup.sizeHintForColumn(0) + 24))
        self.completer.complete(rect)

    def _complete(self, name: str) -> None:
        prefix = self._mention_prefix()
        if prefix is None:
            return
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, len(prefix))
        cursor.insertText(name + " ")
        self.setTextCursor(cursor)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        popup = self._popup()
        key = event.key()
        if popup.isVisible() and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab):
            index = popup.currentIndex()
            if index.isValid():
                self._complete(str(index.data()))
            popup.hide()
            return
        if popup.isVisible() and key == Qt.Key.Key_Escape:
            popup.hide()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.textCursor().insertText("\n")
            else:
                self.send.emit()
            return
        if key == Qt.Key.Key_Escape:
            self.cancel.emit()
            return
        if key == Qt.Key.Key_Up and not self.toPlainText():
            self.editLast.emit()
            return
        super().keyPressEvent(event)


class Composer(QWidget):
    """Emits `submit(text, reply_to_client_id, editing_client_id, files)`; the page stores it
    and clears the composer. Emits `typing` at most every few seconds while the user types."""

    submit = Signal(str, object, object, object)  # text, reply-to client id, edited client id, [Path]
    typing = Signal()
    editLast = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.reply_to: str | None = None
        self.editing: str | None = None
        self.files: list[Path] = []
        self._last_typing = 0

        self.context = QLabel()
        self.context.setObjectName("composerContext")
        self.context.hide()
        self.cancel_context = QToolButton()
        self.cancel_context.setText("✕")
        self.cancel_context.setAccessibleName(self.tr("Annuler la réponse ou la modification"))
        self.cancel_context.clicked.connect(self.clear_context)
        self.cancel_context.hide()
        self.attached = QLabel()
        self.attached.setObjectName("hint")
        self.attached.hide()
        self.offline = QLabel(self.tr("Hors ligne : vos messages sont gardés et partiront au retour du réseau."))
        self.offline.setObjectName("hint")
        self.offline.hide()

        self.edit = ComposerEdit()
        self.edit.setObjectName("composerEdit")
        self.edit.setAccessibleName(self.tr("Votre message"))
        self.edit.setPlaceholderText(self.tr(
            "Écrire un message… (Entrée pour envoyer, Maj+Entrée pour aller à la ligne, @ pour mentionner)"))
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(72)
        self.edit.send.connect(self._submit)
        self.edit.cancel.connect(self._escape)
        self.edit.editLast.connect(self.editLast)
        self.edit.textChanged.connect(self._typed)

        self.attach = QPushButton(self.tr("Joindre…"))
        self.attach.setAccessibleName(self.tr("Joindre un fichier"))
        self.attach.setToolTip(self.tr("Joindre un fichier (Ctrl+Maj+J)"))
        self.attach.setShortcut("Ctrl+Shift+J")
        self.attach.clicked.connect(self._choose_files)
        self.send_button = QPushButton(self.tr("Envoyer"))
        self.send_button.setDefault(True)
        self.send_button.setAccessibleName(self.tr("Envoyer le message"))
        self.send_button.clicked.connect(self._submit)

        top = QHBoxLayout()
        top.addWidget(self.context, 1)
        top.addWidget(self.cancel_context)
        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.attach)
        buttons.addStretch(1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 10)
        layout.setSpacing(4)
        layout.addWidget(self.offline)
        layout.addLayout(top)
        layout.addWidget(self.attached)
        layout.addLayout(row)

    def set_offline(self, offline: bool) -> None:
        self.offline.setVisible(offline)

    def start_reply(self, client_id: str, author: str, text: str) -> None:
        self.clear_context()
        self.reply_to = client_id
        snippet = " ".join(text.split())[:80]
        self.context.setText(self.tr("Réponse à {0} : « {1} »").format(author, snippet))
        self.context.show()
        self.cancel_context.show()
        self.edit.setFocus()

    def start_edit(self, client_id: str, text: str) -> None:
        self.clear_context()
        self.editing = client_id
        self.context.setText(self.tr("Modification de votre message (Échap pour annuler)"))
        self.context.show()
        self.cancel_context.show()
        self.edit.setPlainText(text)
        self.edit.moveCursor(QTextCursor.MoveOperation.End)
        self.edit.setFocus()

    def clear_context(self) -> None:
        if self.editing is not None:
            self.edit.clear()
        self.reply_to = self.editing = None
        self.context.hide()
        self.cancel_context.hide()

    def _escape(self) -> None:
        if self.reply_to is not None or self.editing is not None:
            self.clear_context()
        else:
            self.files = []
            self._show_files()

    def add_files(self, paths: list[Path]) -> None:
        self.files += [p for p in paths if p not in self.files]
        self._show_files()

    def _choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, self.tr("Joindre des fichiers"))
        self.add_files([Path(n) for n in names])

    def _show_files(self) -> None:
        if not self.files:
            self.attached.hide()
            return
        self.attached.setText(files_label(self.files) + "   " + self.tr("(Échap pour retirer)"))
        self.attached.show()

    def _submit(self) -> None:
        text = self.edit.toPlainText().strip()
        if not text and not self.files:
            return
        self.submit.emit(text, self.reply_to, self.editing, list(self.files))

    def sent(self) -> None:
        """The page stored the message: empty the box."""
        self.edit.clear()
        self.files = []
        self._show_files()
        self.reply_to = self.editing = None
        self.context.hide()
        self.cancel_context.hide()

    def _typed(self) -> None:
        now = int(monotonic() * 1000)
        if self.edit.toPlainText() and self.editing is None and now - self._last_typing >= TYPING_EVERY_MS:
            self._last_typing = now
            self.typing.emit()
