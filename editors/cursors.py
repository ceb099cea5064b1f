"""Other people's cursors (Yjs awareness), painted over the text of a QTextEdit.

A state is `{"user": {"name": str, "color": "#rrggbb"}, "cursor": {"anchor": json, "head": json}}`,
the shape y-quill publishes. Malformed states are skipped, never raised on. UI thread only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QTextCursor
from PySide6.QtWidgets import QTextEdit

SELECTION_ALPHA = 64  # about 25 %
MAX_NAME = 40


@dataclass(frozen=True)
class Peer:
    """One remote participant with a cursor: sticky-index JSON for its anchor and head."""

    client: int
    name: str
    color: QColor
    anchor: Any
    head: Any


def parse_states(states: Any, own_client: int) -> list[Peer]:
    """Return the well-formed states with a cursor, without our own client. Never raises. UI thread."""
    peers: list[Peer] = []
    if not isinstance(states, dict):
        return peers
    for client, state in states.items():
        if not isinstance(client, int) or isinstance(client, bool) or client == own_client:
            continue
        if not isinstance(state, dict):
            continue
        user, cursor = state.get("user"), state.get("cursor")
        if not isinstance(user, dict) or not isinstance(cursor, dict):
            continue
        name, color = user.get("name"), user.get("color")
        if not isinstance(name, str) or not isinstance(color, str) or not QColor.isValidColorName(color):
            continue
        if "anchor" not in cursor or "head" not in cursor:
            continue
        peers.append(Peer(client, name[:MAX_NAME], QColor(color), cursor["anchor"], cursor["head"]))
    return peers


def _x(value: object) -> float:
    """PySide returns (x, position) from QTextLine.cursorToX."""
    return float(value[0] if isinstance(value, tuple) else value)  # type: ignore[arg-type]


def _selection_rects(edit: QTextEdit, start: int, stop: int) -> list[QRectF]:
    """Viewport rectangles covering the visible part of [start, stop), one per laid-out line."""
    doc = edit.document()
    viewport = edit.viewport().rect()
    top = edit.cursorForPosition(viewport.topLeft()).block()
    bottom = edit.cursorForPosition(viewport.bottomRight()).block().blockNumber()
    dx, dy = edit.horizontalScrollBar().value(), edit.verticalScrollBar().value()
    rects: list[QRectF] = []
    block = doc.findBlock(start) if doc.findBlock(start).blockNumber() > top.blockNumber() else top
    while block.isValid() and block.blockNumber() <= bottom and block.position() <= stop:
        origin = doc.documentLayout().blockBoundingRect(block).topLeft()
        layout = block.layout()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            lo = max(start, block.position() + line.textStart())
            hi = min(stop, block.position() + line.textStart() + line.textLength())
            if lo > hi or (lo == hi and stop <= lo):
                continue
            x1 = _x(line.cursorToX(lo - block.position()))
            x2 = _x(line.cursorToX(hi - block.position())) + (4 if hi < stop else 0)  # show the newline
            rects.append(QRectF(origin.x() + x1 - dx, origin.y() + line.y() - dy, max(x2 - x1, 2), line.height()))
        block = block.next()
    return rects


def paint_peers(edit: QTextEdit, painter: QPainter, peers: list[tuple[Peer, int, int]]) -> None:
    """Paint each peer's selection (its colour, translucent) and caret (a 2 px line with the
    peer's name above it) on `edit`'s viewport. `peers` holds resolved Qt positions. UI thread."""
    font = QFont(edit.font())
    font.setPointSizeF(max(font.pointSizeF() * 0.75, 6))
    metrics = QFontMetricsF(font)
    painter.setFont(font)
    for peer, anchor, head in peers:
        start, stop = sorted((anchor, head))
        if start < stop:
            fill = QColor(peer.color)
            fill.setAlpha(SELECTION_ALPHA)
            for rect in _selection_rects(edit, start, stop):
                painter.fillRect(rect, fill)
        cursor = QTextCursor(edit.document())
        cursor.setPosition(head)
        caret = edit.cursorRect(cursor)
        if not caret.intersects(edit.viewport().rect()):
            continue
        painter.fillRect(QRectF(caret.left(), caret.top(), 2, caret.height()), peer.color)
        label = QRectF(0, 0, metrics.horizontalAdvance(peer.name) + 6, metrics.height() + 2)
        y = caret.top() - label.height() if caret.top() >= label.height() else caret.bottom()
        label.moveTo(caret.left(), y)
        painter.fillRect(label, peer.color)
        painter.setPen(Qt.GlobalColor.white if peer.color.lightnessF() < 0.6 else Qt.GlobalColor.black)
        painter.drawText(label, Qt.AlignmentFlag.AlignCenter, peer.name)
