"""Icons drawn at run time: a few strokes each, in the text colour, so that they are sharp at any
scale and need no image files in the package."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap

INK = QColor("#2b2b2b")
SIZE = 20  # logical pixels; drawn at twice that for high-density screens

Draw = Callable[[QPainter], None]


def _icon(draw: Draw, colour: QColor = INK) -> QIcon:
    pixmap = QPixmap(SIZE * 2, SIZE * 2)
    pixmap.fill(Qt.GlobalColor.transparent)
    pixmap.setDevicePixelRatio(2.0)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(colour, 1.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    draw(painter)
    painter.end()
    return QIcon(pixmap)


def _letter(char: str, bold: bool = False, italic: bool = False, underline: bool = False,
            strike: bool = False) -> Draw:
    def draw(p: QPainter) -> None:
        font = QFont("DejaVu Serif" if italic else "DejaVu Sans")
        font.setPixelSize(15)
        font.setBold(bold)
        font.setItalic(italic)
        font.setUnderline(underline)
        font.setStrikeOut(strike)
        p.setFont(font)
        p.drawText(QRectF(0, 0, SIZE, SIZE), Qt.AlignmentFlag.AlignCenter, char)

    return draw


def _lines(widths: list[tuple[float, float]], marker: Callable[[QPainter, float], None] | None = None) -> Draw:
    """Horizontal lines (x start, x end), one per row; `marker` draws before each row."""

    def draw(p: QPainter) -> None:
        for row, (x1, x2) in enumerate(widths):
            y = 5 + row * 5
            p.drawLine(QPointF(x1, y), QPointF(x2, y))
            if marker is not None:
                marker(p, y)

    return draw


def _bullet(p: QPainter, y: float) -> None:
    p.drawPoint(QPointF(3.5, y))


def _number(p: QPainter, y: float) -> None:
    font = QFont("DejaVu Sans")
    font.setPixelSize(6)
    p.setFont(font)
    p.drawText(QRectF(0, y - 3.5, 6, 7), Qt.AlignmentFlag.AlignCenter, str(int((y - 5) / 5) + 1))


def _link(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(2.5, 7.5, 9, 5), 2.5, 2.5)
    p.drawRoundedRect(QRectF(8.5, 7.5, 9, 5), 2.5, 2.5)


def _arrow(back: bool) -> Draw:
    def draw(p: QPainter) -> None:
        path = QPainterPath()
        if back:
            path.moveTo(15.5, 15)
            path.cubicTo(16.5, 8, 10, 5.5, 5, 9)
            p.drawPath(path)
            p.drawLine(QPointF(5, 9), QPointF(5.5, 4.5))
            p.drawLine(QPointF(5, 9), QPointF(9.5, 9.5))
        else:
            path.moveTo(4.5, 15)
            path.cubicTo(3.5, 8, 10, 5.5, 15, 9)
            p.drawPath(path)
            p.drawLine(QPointF(15, 9), QPointF(14.5, 4.5))
            p.drawLine(QPointF(15, 9), QPointF(10.5, 9.5))

    return draw


def _page(p: QPainter) -> None:
    path = QPainterPath()
    path.moveTo(5, 2.5)
    path.lineTo(12, 2.5)
    path.lineTo(16, 6.5)
    path.lineTo(16, 17.5)
    path.lineTo(5, 17.5)
    path.closeSubpath()
    p.drawPath(path)
    p.drawLine(QPointF(12, 2.5), QPointF(12, 6.5))
    p.drawLine(QPointF(12, 6.5), QPointF(16, 6.5))
    for y in (9.5, 12, 14.5):
        p.drawLine(QPointF(7.5, y), QPointF(13.5, y))


def _bubbles(p: QPainter) -> None:
    back = QPainterPath()  # the answer, behind
    back.addRoundedRect(QRectF(8, 7.5, 10, 7.5), 2.5, 2.5)
    p.drawPath(back)
    p.drawLine(QPointF(15.5, 15), QPointF(16.5, 17.5))
    p.setBrush(QColor("#ffffff"))
    front = QPainterPath()
    front.addRoundedRect(QRectF(2, 3, 11.5, 8.5), 2.5, 2.5)
    p.drawPath(front)
    p.drawLine(QPointF(4.5, 11.5), QPointF(3.5, 14.5))
    p.drawLine(QPointF(3.5, 14.5), QPointF(7, 11.5))
    p.setBrush(Qt.BrushStyle.NoBrush)


def _envelope(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(2.5, 4.5, 15, 11), 1.5, 1.5)
    p.drawLine(QPointF(3, 5.5), QPointF(10, 11))
    p.drawLine(QPointF(10, 11), QPointF(17, 5.5))


def _calendar(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(2.5, 4, 15, 13.5), 2, 2)
    p.drawLine(QPointF(2.5, 8), QPointF(17.5, 8))
    p.drawLine(QPointF(6.5, 2.5), QPointF(6.5, 5.5))
    p.drawLine(QPointF(13.5, 2.5), QPointF(13.5, 5.5))
    for row, y in enumerate((11, 14.5)):
        for x in (6, 10, 14) if row == 0 else (6, 10):
            p.drawPoint(QPointF(x, y))


def _folder(p: QPainter) -> None:
    path = QPainterPath()
    path.moveTo(2.5, 5)
    path.lineTo(7.5, 5)
    path.lineTo(9.5, 7)
    path.lineTo(17.5, 7)
    path.lineTo(17.5, 16)
    path.lineTo(2.5, 16)
    path.closeSubpath()
    p.drawPath(path)
    p.drawLine(QPointF(2.5, 9.5), QPointF(17.5, 9.5))


def _close(p: QPainter) -> None:
    p.drawLine(QPointF(6, 6), QPointF(14, 14))
    p.drawLine(QPointF(14, 6), QPointF(6, 14))


FULL, SHORT = (3.0, 17.0), (3.0, 12.0)
_DRAWINGS: dict[str, Draw] = {
    "bold": _letter("B", bold=True),
    "italic": _letter("I", italic=True),
    "underline": _letter("U", underline=True),
    "strike": _letter("S", strike=True),
    "bullets": _lines([(7, 17)] * 3, _bullet),
    "numbered": _lines([(8, 17)] * 3, _number),
    "align_left": _lines([FULL, SHORT, FULL, SHORT]),
    "align_center": _lines([FULL, (5.5, 14.5), FULL, (5.5, 14.5)]),
    "align_right": _lines([FULL, (8, 17), FULL, (8, 17)]),
    "align_justify": _lines([FULL, FULL, FULL, FULL]),
    "link": _link,
    "undo": _arrow(back=True),
    "redo": _arrow(back=False),
    "documents": _page,
    "chat": _bubbles,
    "mail": _envelope,
    "calendar": _calendar,
    "folder": _folder,
    "close": _close,
}


def icon(name: str, colour: QColor = INK) -> QIcon:
    """The icon called `name` (an editor action's name, or a module's), or an empty icon."""
    draw = _DRAWINGS.get(name)
    return _icon(draw, colour) if draw is not None else QIcon()


def badged(base: QIcon, count: int) -> QIcon:
    """`base` with `count` in a round badge at its top right (nothing when zero)."""
    if count <= 0:
        return base
    pixmap = base.pixmap(SIZE * 2, SIZE * 2)
    pixmap.setDevicePixelRatio(2.0)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    text = str(count) if count < 100 else "99+"
    font = QFont()
    font.setPixelSize(7)
    font.setBold(True)
    painter.setFont(font)
    width = max(10.0, painter.fontMetrics().horizontalAdvance(text) + 5.0)
    badge = QRectF(SIZE - width, 0, width, 10)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#ce0500"))
    painter.drawRoundedRect(badge, 5, 5)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return QIcon(pixmap)
