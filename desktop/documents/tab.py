"""One open document: its formatting toolbar, the editor, and who else is here."""

from __future__ import annotations

import html
from typing import Any

from pycrdt import Doc, Map
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QTextCursor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolBar, QToolButton, QVBoxLayout, QWidget

from editors.cursors import MAX_NAME
from editors.richtext import RichTextEditor

from ..icons import icon

PALETTE = ("#1565c0", "#2e7d32", "#ad1457", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#c62828")

# Toolbar groups, by the editor's action names; a separator between groups.
TOOLBAR = (("undo", "redo"), ("bold", "italic", "underline", "strike"),
           ("bullets", "numbered"), ("align_left", "align_center", "align_right", "align_justify"), ("link",))
PAGE_WIDTH = 860  # pixels of the white page, margins included: about an A4 line at 100 %
PAGE_MARGIN = 56


def colour_for(client_id: int) -> str:
    return PALETTE[client_id % len(PALETTE)]


class DocumentTab(QWidget):
    """Emits `presenceChanged(state)` when our cursor moves (debounced) and `titleChanged`
    when the document's title changes (locally or from a peer)."""

    presenceChanged = Signal(object)
    titleChanged = Signal(str)

    def __init__(self, doc_id: str, doc: Doc, role: str, user: str, client_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc_id = doc_id
        self.doc = doc
        self.user = {"name": user, "color": colour_for(client_id)}
        self.editor = RichTextEditor(doc)
        self.editor.setAccessibleName(self.tr("Texte du document"))
        self.editor.setObjectName("page")
        self.editor.set_page(PAGE_MARGIN, 11.5)
        self.editor.installEventFilter(self)
        if role == "reader":
            self.editor.setReadOnly(True)
        self.toolbar = QToolBar(self.tr("Mise en forme"))
        self.toolbar.setAccessibleName(self.tr("Barre de mise en forme"))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.toolbar.setIconSize(QSize(20, 20))
        self.toolbar.setEnabled(role != "reader")
        self._build_toolbar()
        overflow = self.toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
        if overflow is not None:
            overflow.setAccessibleName(self.tr("Autres outils de mise en forme"))
        self.presence = QLabel()
        self.presence.setObjectName("presence")
        self.presence.setAccessibleName(self.tr("Personnes présentes dans le document"))
        self.readonly = QLabel(self.tr("Lecture seule") if role == "reader" else "")
        self.readonly.setObjectName("hint")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 8, 0)
        top.addWidget(self.toolbar, 1)
        top.addWidget(self.readonly)
        top.addWidget(self.presence)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.editor, 1)
        self._presence_timer = QTimer(self, singleShot=True, interval=60)
        self._presence_timer.timeout.connect(self._publish_presence)
        self.editor.cursorMoved.connect(self._presence_timer.start)
        self._title = self.title()
        self.editor.moveCursor(QTextCursor.MoveOperation.Start)  # open at the top, like a word processor

    def _build_toolbar(self) -> None:
        actions = self.editor.actions_by_name
        self.heading = QComboBox()
        self.heading.setAccessibleName(self.tr("Style de paragraphe"))
        for label in (self.tr("Paragraphe"), self.tr("Titre 1"), self.tr("Titre 2"), self.tr("Titre 3")):
            self.heading.addItem(label)
        self.heading.activated.connect(self._heading_chosen)
        self.toolbar.addWidget(self.heading)
        for group in TOOLBAR:
            self.toolbar.addSeparator()
            for name in group:
                if name in actions:
                    action = actions[name]
                    action.setIcon(icon(name))
                    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                    action.setToolTip(f"{action.text().replace('…', '')} ({keys})" if keys else action.text())
                    self.toolbar.addAction(action)
        self.editor.cursorPositionChanged.connect(self._sync_heading_box)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.editor and event.type() == QEvent.Type.Resize:
            # A column of fixed width, centred: lines stay as long as on paper.
            side = max(0, (self.editor.width() - PAGE_WIDTH) // 2)
            self.editor.setViewportMargins(side, 16, side, 0)
        return super().eventFilter(watched, event)

    def _heading_chosen(self, level: int) -> None:
        self.editor.set_heading(level)
        self.editor.setFocus()

    def _sync_heading_box(self) -> None:
        self.heading.setCurrentIndex(self.editor.current_heading())

    def title(self) -> str:
        value = self.doc.get("meta", type=Map).get("title")
        return value if isinstance(value, str) else ""

    def apply_remote(self, update: bytes) -> None:
        """An update from the server (or from the worker, for a rename): show it."""
        self.editor.apply_remote(update)
        title = self.title()
        if title != self._title:
            self._title = title
            self.titleChanged.emit(title)

    def set_peers(self, states: dict[int, dict[str, Any]]) -> None:
        """Show the other editors' cursors and names. States come from other clients: anything
        malformed is skipped, and names are shown as text, never as markup."""
        self.editor.set_remote_cursors(states)
        present: list[tuple[str, str]] = []
        for state in states.values():
            user = state.get("user") if isinstance(state, dict) else None
            name = user.get("name") if isinstance(user, dict) else None
            if isinstance(user, dict) and isinstance(name, str) and name.strip():
                colour = user.get("color")
                if not (isinstance(colour, str) and QColor.isValidColorName(colour)):
                    colour = "#666666"
                present.append((name.strip()[:MAX_NAME], colour))
        self.presence.setText("&nbsp;&nbsp;".join(f'<span style="color:{colour}">●</span> {html.escape(name)}'
                                                  for name, colour in present))
        self.presence.setToolTip(self.tr("Aussi dans ce document : {0}").format(
            ", ".join(name for name, _ in present)) if present else "")

    def presence_state(self) -> dict[str, Any]:
        return {"user": self.user, "cursor": self.editor.local_cursor()}

    def _publish_presence(self) -> None:
        self.presenceChanged.emit(self.presence_state())
