"""The rich-text editor widget: a QTextEdit bound to a document's `body` Text.

The widget never touches a database or the network: the application feeds it remote updates
(`apply_remote`) and awareness states (`set_remote_cursors`), and stores and sends what it
emits (`localUpdate`). All methods run on the UI thread, the thread that owns the `Doc`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pycrdt import Doc
from PySide6.QtCore import QCoreApplication, QEvent, QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QDropEvent,
    QInputMethodEvent,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QTextBlock,
    QTextCursor,
)
from PySide6.QtWidgets import QInputDialog, QMessageBox, QTextEdit, QWidget

from . import qtformat as qf
from .binding import TextBinding
from .clipboard import normalize_link, normalize_runs, runs_from_mime, runs_to_mime
from .cursors import Peer, paint_peers, parse_states

COUNTS_DELAY_MS = 250
ALIGN_NAMES = ("left", "center", "right", "justify")


class RichTextEditor(QTextEdit):
    """A rich-text editor for `doc["body"]` (Quill attributes), co-edited through Yjs updates.

    Signals: `localUpdate(bytes)` for each local Y transaction (edits, undo, redo);
    `cursorMoved()` when the local cursor or selection changes; `countsChanged(int, int)`
    (words, characters), debounced. When read-only, formatting, undo and redo do nothing;
    remote updates still show.
    """

    localUpdate = Signal(bytes)
    cursorMoved = Signal()
    countsChanged = Signal(int, int)

    def __init__(self, doc: Doc, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(QCoreApplication.translate("RichTextEditor", "Texte du document"))
        self.setAccessibleDescription(
            QCoreApplication.translate("RichTextEditor", "Éditeur de texte enrichi, modifiable à plusieurs")
        )
        self._doc = doc
        self._binding = TextBinding(doc, self.document(), self)
        self._binding.localUpdate.connect(self.localUpdate)
        self._binding.changed.connect(self._on_changed)
        self._peers: list[Peer] = []
        self._resolved: list[tuple[Peer, int, int]] | None = None
        self._last_cursor = (-1, -1)
        self._last_counts = self.counts()
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(COUNTS_DELAY_MS)
        self._counts_timer.timeout.connect(self._emit_counts)
        self.actions_by_name: dict[str, QAction] = self._make_actions()
        self._shortcuts = {
            seq.toString(QKeySequence.SequenceFormat.PortableText): action
            for action in self.actions_by_name.values()
            for seq in action.shortcuts()
        }
        self._sync_timer = QTimer(self)  # action states follow the cursor once per event-loop turn
        self._sync_timer.setSingleShot(True)
        self._sync_timer.setInterval(0)
        self._sync_timer.timeout.connect(self._sync_actions)
        self.cursorPositionChanged.connect(self._on_cursor)
        self.selectionChanged.connect(self._on_cursor)
        self.currentCharFormatChanged.connect(self._sync_timer.start)
        self._sync_actions()

    # ---- actions ------------------------------------------------------------------------------

    def _make_actions(self) -> dict[str, QAction]:
        texts = {
            "bold": QCoreApplication.translate("RichTextEditor", "Gras"),
            "italic": QCoreApplication.translate("RichTextEditor", "Italique"),
            "underline": QCoreApplication.translate("RichTextEditor", "Souligné"),
            "strike": QCoreApplication.translate("RichTextEditor", "Barré"),
            "heading1": QCoreApplication.translate("RichTextEditor", "Titre 1"),
            "heading2": QCoreApplication.translate("RichTextEditor", "Titre 2"),
            "heading3": QCoreApplication.translate("RichTextEditor", "Titre 3"),
            "paragraph": QCoreApplication.translate("RichTextEditor", "Paragraphe normal"),
            "bullets": QCoreApplication.translate("RichTextEditor", "Liste à puces"),
            "numbered": QCoreApplication.translate("RichTextEditor", "Liste numérotée"),
            "align_left": QCoreApplication.translate("RichTextEditor", "Aligner à gauche"),
            "align_center": QCoreApplication.translate("RichTextEditor", "Centrer"),
            "align_right": QCoreApplication.translate("RichTextEditor", "Aligner à droite"),
            "align_justify": QCoreApplication.translate("RichTextEditor", "Justifier"),
            "link": QCoreApplication.translate("RichTextEditor", "Lien…"),
            "undo": QCoreApplication.translate("RichTextEditor", "Annuler"),
            "redo": QCoreApplication.translate("RichTextEditor", "Rétablir"),
        }
        specs: list[tuple[str, list[str], Callable[[], Any], bool]] = [
            ("bold", ["Ctrl+B"], self.toggle_bold, True),
            ("italic", ["Ctrl+I"], self.toggle_italic, True),
            ("underline", ["Ctrl+U"], self.toggle_underline, True),
            ("strike", ["Ctrl+Shift+X"], self.toggle_strike, True),
            ("heading1", ["Ctrl+1"], lambda: self.set_heading(1), True),
            ("heading2", ["Ctrl+2"], lambda: self.set_heading(2), True),
            ("heading3", ["Ctrl+3"], lambda: self.set_heading(3), True),
            ("paragraph", ["Ctrl+0"], lambda: self.set_heading(0), True),
            ("bullets", ["Ctrl+Shift+8"], lambda: self._toggle_list("bullet"), True),
            ("numbered", ["Ctrl+Shift+7"], lambda: self._toggle_list("ordered"), True),
            ("align_left", ["Ctrl+Shift+L"], lambda: self.set_align("left"), True),
            ("align_center", ["Ctrl+Shift+E"], lambda: self.set_align("center"), True),
            ("align_right", ["Ctrl+Shift+R"], lambda: self.set_align("right"), True),
            ("align_justify", ["Ctrl+Shift+J"], lambda: self.set_align("justify"), True),
            ("link", ["Ctrl+K"], self._prompt_link, False),
            ("undo", ["Ctrl+Z"], self.undo, False),
            ("redo", ["Ctrl+Shift+Z", "Ctrl+Y"], self.redo, False),
        ]
        actions: dict[str, QAction] = {}
        for name, keys, slot, checkable in specs:
            text = texts[name]
            action = QAction(text, self)
            action.setObjectName(f"richtext-{name}")
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{text.rstrip('…')} ({shortcut})")
            action.setStatusTip(action.toolTip())
            action.setCheckable(checkable)
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            self.addAction(action)
            actions[name] = action
        return actions

    def _sync_actions(self, *_: Any) -> None:
        inline = qf.inline_attrs(self.currentCharFormat())
        block = qf.block_attrs(self.textCursor().block())
        checks = {key: bool(inline.get(key)) for key in ("bold", "italic", "underline", "strike")}
        checks.update({f"heading{n}": block.get("header") == n for n in (1, 2, 3)})
        checks["paragraph"] = "header" not in block
        checks["bullets"] = block.get("list") == "bullet"
        checks["numbered"] = block.get("list") == "ordered"
        align = block.get("align", "left")
        checks.update({"align_left": align == "left", "align_center": align == "center"})
        checks.update({"align_right": align == "right", "align_justify": align == "justify"})
        editable = not self.isReadOnly()
        for name, on in checks.items():
            self.actions_by_name[name].setChecked(on)
            self.actions_by_name[name].setEnabled(editable)
        self.actions_by_name["link"].setEnabled(editable)
        self.actions_by_name["undo"].setEnabled(editable and self.can_undo())
        self.actions_by_name["redo"].setEnabled(editable and self.can_redo())

    def setReadOnly(self, ro: bool) -> None:  # noqa: N802 (Qt override)
        """Forbid or allow editing; the formatting actions follow. UI thread."""
        super().setReadOnly(ro)
        self._sync_actions()

    def current_heading(self) -> int:
        """Return the heading level (0 for body text) of the paragraph holding the cursor. UI thread."""
        return int(qf.block_attrs(self.textCursor().block()).get("header", 0))

    # ---- formatting ---------------------------------------------------------------------------

    def toggle_bold(self) -> None:
        """Toggle bold on the selection, or for the next typed text. UI thread."""
        self._toggle_inline("bold")

    def toggle_italic(self) -> None:
        """Toggle italic on the selection, or for the next typed text. UI thread."""
        self._toggle_inline("italic")

    def toggle_underline(self) -> None:
        """Toggle underline on the selection, or for the next typed text. UI thread."""
        self._toggle_inline("underline")

    def toggle_strike(self) -> None:
        """Toggle strike-through on the selection, or for the next typed text. UI thread."""
        self._toggle_inline("strike")

    def set_heading(self, level: int) -> None:
        """Make the selected paragraphs headings of `level` 1-3, or normal paragraphs for 0
        (a heading is never a list item, as in Quill). Raises ValueError for another level. UI thread."""
        if level not in (0, 1, 2, 3):
            raise ValueError(f"Niveau de titre {level} invalide : choisissez 0, 1, 2 ou 3.")
        self._set_blocks({"header": level or None, **({"list": None} if level else {})})

    def set_list(self, kind: str | None) -> None:
        """Make the selected paragraphs "bullet" or "ordered" list items, or plain paragraphs
        for None. Raises ValueError for another kind. UI thread."""
        if kind not in (None, *qf.LIST_KINDS):
            raise ValueError(f"Type de liste {kind!r} invalide : choisissez bullet, ordered ou None.")
        self._set_blocks({"list": kind, **({"header": None} if kind else {})})

    def set_align(self, align: str) -> None:
        """Align the selected paragraphs: "left", "center", "right" or "justify". Raises
        ValueError for another value. UI thread."""
        if align not in ALIGN_NAMES:
            raise ValueError(f"Alignement {align!r} invalide : choisissez {', '.join(ALIGN_NAMES)}.")
        self._set_blocks({"align": None if align == "left" else align})

    def set_link(self, url: str | None) -> None:
        """Link the selection (or the link under the cursor) to `url`, or remove the link for
        None. Without a selection or link, inserts `url` as a linked text. Raises ValueError for
        an unsupported URL (see `clipboard.normalize_link`). UI thread."""
        link = normalize_link(url) if url is not None else None
        if self.isReadOnly():
            return
        cursor = self.textCursor()
        if cursor.hasSelection():
            span: tuple[int, int] | None = (cursor.selectionStart(), cursor.selectionEnd())
        else:
            span = self._link_span(cursor.position())
        if span is not None:
            self._format_range(*span, {"link": link})
        elif link:
            attrs = {**qf.inline_attrs(self.currentCharFormat()), "link": link}
            self._binding.stop_capturing()
            with self._binding.local_action():
                cursor.insertText(link, qf.char_format(attrs, cursor.block().blockFormat().headingLevel()))
            self._binding.stop_capturing()

    def _prompt_link(self) -> None:
        cursor = self.textCursor()
        span = self._link_span(cursor.position())
        current = qf.inline_attrs(self.currentCharFormat()).get("link", "") if span else ""
        title = QCoreApplication.translate("RichTextEditor", "Lien")
        label = QCoreApplication.translate("RichTextEditor", "Adresse du lien (vide pour retirer le lien) :")
        url, ok = QInputDialog.getText(self, title, label, text=current)
        if not ok:
            return
        try:
            self.set_link(url.strip() or None)
        except ValueError as exc:
            QMessageBox.warning(self, title, str(exc))

    def _link_span(self, pos: int) -> tuple[int, int] | None:
        block = self.document().findBlock(pos)
        pieces = list(qf.fragments(self.document(), block.position(), block.position() + block.length() - 1))
        for i, (start, length, attrs, _) in enumerate(pieces):
            if attrs.get("link") and start <= pos <= start + length:
                lo, hi = i, i
                while lo > 0 and pieces[lo - 1][2].get("link") == attrs["link"]:
                    lo -= 1
                while hi + 1 < len(pieces) and pieces[hi + 1][2].get("link") == attrs["link"]:
                    hi += 1
                return pieces[lo][0], pieces[hi][0] + pieces[hi][1]
        return None

    def _toggle_inline(self, key: str) -> None:
        if self.isReadOnly():
            return
        cursor = self.textCursor()
        if not cursor.hasSelection():
            attrs = qf.inline_attrs(self.currentCharFormat())
            attrs[key] = not attrs.get(key)
            heading = cursor.block().blockFormat().headingLevel()
            self.setCurrentCharFormat(qf.char_format(qf.clean_inline(attrs), heading))
            return
        start, stop = cursor.selectionStart(), cursor.selectionEnd()
        pieces = list(qf.fragments(self.document(), start, stop))
        on = bool(pieces) and all(attrs.get(key) for _, _, attrs, _ in pieces)
        self._format_range(start, stop, {key: None if on else True})

    def _format_range(self, start: int, stop: int, changes: qf.Attrs) -> None:
        self._binding.stop_capturing()
        with self._binding.local_action():
            cursor = QTextCursor(self.document())
            for pos, length, attrs, heading in list(qf.fragments(self.document(), start, stop)):
                cursor.setPosition(pos)
                cursor.setPosition(pos + length, QTextCursor.MoveMode.KeepAnchor)
                cursor.setCharFormat(qf.char_format(qf.clean_inline({**attrs, **changes}), heading))
        self._binding.stop_capturing()
        self._sync_actions()

    def _selected_blocks(self) -> list[QTextBlock]:
        cursor = self.textCursor()
        block = self.document().findBlock(cursor.selectionStart())
        last = self.document().findBlock(cursor.selectionEnd()).blockNumber()
        blocks = []
        while block.isValid() and block.blockNumber() <= last:
            blocks.append(block)
            block = block.next()
        return blocks

    def _set_blocks(self, changes: qf.Attrs) -> None:
        if self.isReadOnly():
            return
        self._binding.stop_capturing()
        with self._binding.local_action():
            for block in self._selected_blocks():
                qf.set_block_attrs(block, {**qf.block_attrs(block), **changes})
        self._binding.stop_capturing()
        self._sync_actions()

    def _toggle_list(self, kind: str) -> None:
        blocks = self._selected_blocks()
        self.set_list(None if all(qf.block_attrs(b).get("list") == kind for b in blocks) else kind)

    # ---- history ------------------------------------------------------------------------------

    def undo(self) -> None:
        """Undo this user's last step (other people's changes stay); emits `localUpdate`. UI thread."""
        self._history(self._binding.undo)

    def redo(self) -> None:
        """Redo the last undone step; emits `localUpdate`. UI thread."""
        self._history(self._binding.redo)

    def can_undo(self) -> bool:
        """Return whether there is a local step to undo. UI thread."""
        return self._binding.can_undo()

    def can_redo(self) -> bool:
        """Return whether there is an undone step to redo. UI thread."""
        return self._binding.can_redo()

    def _history(self, step: Callable[[], bool]) -> None:
        if self.isReadOnly():
            return
        done = step()
        pos = self._binding.last_applied
        if done and pos >= 0:
            cursor = self.textCursor()
            cursor.setPosition(min(pos, self.document().characterCount() - 1))
            self.setTextCursor(cursor)
        self._sync_actions()

    # ---- collaboration ------------------------------------------------------------------------

    def apply_remote(self, update: bytes) -> None:
        """Apply a Yjs update received from elsewhere; emits no `localUpdate`. Raises what pycrdt
        raises for a malformed update. UI thread."""
        self._binding.apply_remote(update)
        self._sync_actions()

    def local_cursor(self) -> dict[str, Any] | None:
        """Return `{"anchor": json, "head": json}` (Yjs relative positions, as y-quill puts in
        its awareness field `cursor`), or None while the text is empty. UI thread."""
        cursor = self.textCursor()
        anchor, head = self._binding.sticky(cursor.anchor()), self._binding.sticky(cursor.position())
        if anchor is None or head is None:
            return None
        return {"anchor": anchor, "head": head}

    def set_remote_cursors(self, states: dict[int, dict[str, Any]]) -> None:
        """Show other people's cursors from awareness states keyed by client id (malformed
        states and our own client are skipped). UI thread."""
        self._peers = parse_states(states, self._doc.client_id)
        self._resolved = None
        self.viewport().update()

    def remote_cursor_positions(self) -> dict[int, tuple[int, int]]:
        """Return the Qt (anchor, head) of each shown remote cursor, keyed by client id. UI thread."""
        return {peer.client: (anchor, head) for peer, anchor, head in self._resolve()}

    def _resolve(self) -> list[tuple[Peer, int, int]]:
        if self._resolved is None:
            state = self._binding.state_vector() if self._peers else {}
            resolved = []
            for peer in self._peers:
                anchor = self._binding.resolve(peer.anchor, state)
                head = self._binding.resolve(peer.head, state)
                if anchor is not None and head is not None:
                    resolved.append((peer, anchor, head))
            self._resolved = resolved
        return self._resolved

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        """Paint the text, then other people's cursors over it. UI thread."""
        super().paintEvent(event)
        peers = self._resolve()
        if peers:
            painter = QPainter(self.viewport())
            try:
                paint_peers(self, painter, peers)
            finally:
                painter.end()

    # ---- counts and notifications -------------------------------------------------------------

    def set_page(self, margin: int, point_size: float) -> None:
        """Set the page margin (pixels) and the body's font size; the document itself is not
        edited (no `localUpdate`). UI thread."""
        with self._binding.presentation():
            self.document().setDocumentMargin(margin)
            font = self.document().defaultFont()
            font.setPointSizeF(point_size)
            self.document().setDefaultFont(font)

    def counts(self) -> tuple[int, int]:
        """Return (words, characters) of the body, without its final newline. UI thread."""
        return self._binding.index.words, self._binding.index.chars

    def _on_changed(self) -> None:
        self._resolved = None
        if self._peers:
            self.viewport().update()
        self._counts_timer.start()

    def _emit_counts(self) -> None:
        counts = self.counts()
        if counts != self._last_counts:
            self._last_counts = counts
            self.countsChanged.emit(*counts)

    def _on_cursor(self) -> None:
        cursor = self.textCursor()
        now = (cursor.anchor(), cursor.position())
        if now != self._last_cursor:
            self._last_cursor = now
            self.cursorMoved.emit()
            self._sync_timer.start()

    # ---- Qt input overrides: one Y transaction per user action --------------------------------

    def _shortcut_for(self, event: QKeyEvent) -> QAction | None:
        seq = QKeySequence(event.keyCombination()).toString(QKeySequence.SequenceFormat.PortableText)
        return self._shortcuts.get(seq)

    def event(self, event: QEvent) -> bool:
        """Qt's event dispatch; returns whether the event was handled. UI thread."""
        # QTextEdit claims Ctrl+Z and friends for its own (disabled) undo: take them back.
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if self._shortcut_for(event) is not None:
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        """Our shortcuts first; any other key is one local Y transaction. UI thread."""
        action = self._shortcut_for(event)
        if action is not None:
            action.trigger()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and self.textCursor().currentList() is not None:
            # Qt would nest the list; the model has flat lists only (no Quill "indent")
            if event.key() == Qt.Key.Key_Tab and not event.modifiers() and not self.isReadOnly():
                with self._binding.local_action():
                    self.textCursor().insertText("\t")
            return
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            # a line break inside a paragraph (U+2028) has no place in the model: new paragraph
            event = QKeyEvent(event.type(), event.key(), Qt.KeyboardModifier.NoModifier, "\r")
        cursor = self.textCursor()
        leave_heading = enter and not cursor.hasSelection() and cursor.atBlockEnd()
        leave_heading = leave_heading and cursor.block().blockFormat().headingLevel() > 0
        split_attrs = qf.block_attrs(cursor.block()) if enter and not leave_heading else {}
        if enter:
            self._binding.stop_capturing()
        with self._binding.local_action():
            super().keyPressEvent(event)
            block = self.textCursor().block()
            if leave_heading and block.blockFormat().headingLevel() > 0:
                qf.set_block_attrs(block, {})  # a heading is followed by text
                self.setCurrentCharFormat(qf.char_format({}))
            elif split_attrs.get("header") and qf.block_attrs(block) != split_attrs:
                # Qt drops the heading level of the second half of a split heading, but not its
                # look: both halves stay headings, as in a word processor (and in Quill).
                qf.set_block_attrs(block, split_attrs)

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:  # noqa: N802 (Qt override)
        """Composed input (dead keys, IME) as one local Y transaction. UI thread."""
        with self._binding.local_action():
            super().inputMethodEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        """A drop (a move is a delete and an insert) as one local Y transaction. UI thread."""
        self._binding.stop_capturing()
        with self._binding.local_action():
            super().dropEvent(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:  # noqa: N802 (Qt override)
        """Return whether `source` holds text we can paste. UI thread."""
        return source.hasHtml() or source.hasText() or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802 (Qt override)
        """Paste or drop `source`, keeping only what the model supports, as one undo step. UI thread."""
        cursor = self.textCursor()
        inline = qf.inline_attrs(self.currentCharFormat())
        runs = runs_from_mime(source, inline, qf.block_attrs(cursor.block()))
        self._binding.stop_capturing()
        with self._binding.local_action():
            if cursor.hasSelection():
                cursor.removeSelectedText()
            if runs:
                cursor.setPosition(self._binding.insert_runs(cursor.position(), runs))
                self.setTextCursor(cursor)
        self._binding.stop_capturing()

    def createMimeDataFromSelection(self) -> QMimeData:  # noqa: N802 (Qt override)
        """Return the selection as exact runs, clean HTML and plain text. UI thread."""
        cursor = self.textCursor()
        runs = qf.read_runs(self.document(), cursor.selectionStart(), cursor.selectionEnd())
        return runs_to_mime(normalize_runs(runs))

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 (Qt override)
        """Qt's menu with our undo and redo in place of Qt's own. UI thread."""
        menu = self.createStandardContextMenu(event.pos())
        for action in menu.actions():
            if action.objectName() in ("edit-undo", "edit-redo"):
                menu.removeAction(action)  # Qt's own undo is off; ours replace them
        history = [self.actions_by_name["undo"], self.actions_by_name["redo"]]
        if menu.actions():
            menu.insertActions(menu.actions()[0], history)
        else:
            menu.addActions(history)
        menu.exec(event.globalPos())
        menu.deleteLater()
