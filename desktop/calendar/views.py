"""The painted views of the Agenda: a month grid (6 weeks × 7 days) and a time grid for a week
or a day (all-day row on top, hours below, overlapping events side by side).

Layout (rectangles, elided texts, colours) is computed when the data or the size changes; a
paint only draws what was laid out, so that a month of 500 events draws in a few milliseconds.

An event is dragged to another time or day (or, by its bottom edge in the hours, resized): the
view draws it where it would land and, on release, emits `moved`; the page asks the store. Échap
cancels. UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QIcon,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import QApplication, QScrollArea, QVBoxLayout, QWidget

from storage.cal_ical import Occurrence

PARIS = ZoneInfo("Europe/Paris")
PENDING, CONFLICT = "pending", "conflict"
GRID = QColor("#e5e5e5")
MUTED = QColor("#6a6a6a")
INK = QColor("#161616")
ACCENT = QColor("#000091")
RED = QColor("#ce0500")
PALETTE = ("#000091", "#18753c", "#b34000", "#6e445a", "#0063cb", "#716043", "#a94645", "#00a95f")


def colour_of(text: str, index: int = 0) -> QColor:
    """A CalDAV colour ('#RRGGBB' or '#RRGGBBAA'), or one of the palette's."""
    text = (text or "").strip()
    if text.startswith("#") and len(text) in (7, 9):
        colour = QColor(text[:7])
        if colour.isValid():
            return colour
    return QColor(PALETTE[index % len(PALETTE)])


def swatch(colour: QColor) -> QIcon:
    """A rounded square of `colour`: a calendar's mark in lists."""
    pixmap = QPixmap(28, 28)
    pixmap.fill(Qt.GlobalColor.transparent)
    pixmap.setDevicePixelRatio(2.0)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawRoundedRect(QRectF(1, 1, 12, 12), 3, 3)
    painter.end()
    return QIcon(pixmap)


def tint(colour: QColor, amount: float = 0.16) -> QColor:
    """`colour` mixed with white: the fill of an event."""
    return QColor(round(255 - (255 - colour.red()) * amount), round(255 - (255 - colour.green()) * amount),
                  round(255 - (255 - colour.blue()) * amount))


def local(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def hhmm(moment: datetime) -> str:
    moment = local(moment)
    return f"{moment.hour}:{moment.minute:02d}" if moment.minute else f"{moment.hour} h"


def on_day(day: date, minutes: int) -> datetime:
    """The wall-clock time `minutes` after midnight of `day` in Paris (a DST day has 23 or 25
    hours: 9:00 stays 9:00)."""
    return (datetime.combine(day, time(0)) + timedelta(minutes=minutes)).replace(tzinfo=PARIS).astimezone(PARIS)


def shifted(moment: datetime, days: int) -> datetime:
    """`moment` `days` days later at the same local time."""
    return on_day(local(moment).date() + timedelta(days=days), local(moment).hour * 60 + local(moment).minute)


SNAP = 15  # minutes: where a dragged event lands in the hours
GRIP = 5.0  # px at the bottom of an event in the hours that resize it


@dataclass
class Chip:
    """An event laid out: where, what text, which colours."""

    rect: QRectF
    text: str
    fill: QColor
    bar: QColor
    state: str
    occ: Occurrence


@dataclass
class Drag:
    """An event pressed, then (`active`) dragged past the start distance: where it would land
    (`start`, `end`: aware datetimes, dates for an all-day event) and how that is drawn."""

    chip: Chip
    origin: QPointF
    resize: bool
    active: bool = False
    start: date | datetime | None = None
    end: date | datetime | None = None
    ghosts: list[QRectF] = field(default_factory=list)
    label: str = ""

    @property
    def occ(self) -> Occurrence:
        return self.chip.occ

    def changed(self) -> bool:
        if self.start is None:
            return False
        if self.occ.all_day:
            return (self.start, self.end) != (local(self.occ.start).date(), local(self.occ.end).date())
        return (self.start, self.end) != (self.occ.start, self.occ.end)


class _Painted(QWidget):
    """Shared by the views: chips, hit testing, selection and the signals the page listens to."""

    activated = Signal(object)  # Occurrence double-clicked
    createAt = Signal(object, bool)  # datetime (Paris) of an empty slot double-clicked, all-day
    menuAt = Signal(object, QPoint)  # Occurrence (or None), global position
    selected = Signal(object)  # Occurrence or None
    moved = Signal(object, object, object)  # Occurrence dropped, new start, new end (Paris; dates if all-day)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colours: dict[int, QColor] = {}
        self.occs: list[Occurrence] = []
        self.chips: list[Chip] = []
        self.current: Occurrence | None = None
        self.today = datetime.now(PARIS).date()
        self.font_small = QFont(self.font())
        self.font_small.setPointSizeF(max(7.0, self.font().pointSizeF() - 1))
        self.font_bold = QFont(self.font_small)
        self.font_bold.setBold(True)
        self.setMouseTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.drag: Drag | None = None

    def set_data(self, occs: list[Occurrence], colours: dict[int, QColor]) -> None:
        self.occs = occs
        self.colours = colours
        self.today = datetime.now(PARIS).date()
        if self.current is not None:
            self.current = next((o for o in occs if o.uid == self.current.uid and o.start == self.current.start), None)
        self.relayout()

    def relayout(self) -> None:
        self.chips = []
        self.layout_chips()
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.relayout()  # the layout follows the size: paints only draw it

    def layout_chips(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def chip_text(self, occ: Occurrence, with_time: bool) -> str:
        text = occ.summary or self.tr("(sans titre)")
        if with_time and not occ.all_day:
            text = f"{hhmm(occ.start)} {text}"
        if occ.state == CONFLICT:
            text = f"⚠ {text}"
        return text

    def chip(self, rect: QRectF, occ: Occurrence, text: str) -> Chip:
        colour = self.colours.get(occ.calendar, ACCENT)
        return Chip(rect, text, tint(colour, 0.2 if occ.all_day else 0.16), colour, occ.state, occ)

    def draw_chip(self, p: QPainter, chip: Chip, flags: Qt.AlignmentFlag, ghost: bool = False) -> None:
        r = chip.rect
        selected = self.current is not None and chip.occ is self.current
        if not ghost and self.drag is not None and self.drag.active and chip.occ is self.drag.occ:
            p.setOpacity(0.35)  # where it was, faded under where it goes
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(chip.bar if selected else chip.fill)
        p.drawRoundedRect(r, 3, 3)
        p.fillRect(QRectF(r.left(), r.top(), 3, r.height()), chip.bar)
        if chip.state == CONFLICT:
            p.setPen(QPen(RED, 1.6))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(r.adjusted(0.8, 0.8, -0.8, -0.8), 3, 3)
        elif chip.state == PENDING:
            pen = QPen(chip.bar, 1.1, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        right = 0.0
        if chip.state == PENDING and r.width() > 30:  # a small clock: not yet on the server
            c = QPointF(r.right() - 7, r.top() + min(r.height() / 2, 8))
            p.setPen(QPen(QColor("#ffffff") if selected else chip.bar, 1.1))
            p.drawEllipse(c, 4, 4)
            p.drawLine(c, QPointF(c.x(), c.y() - 2.6))
            p.drawLine(c, QPointF(c.x() + 2, c.y()))
            right = 12.0
        p.setPen(QColor("#ffffff") if selected else (RED if chip.state == CONFLICT else INK))
        p.drawText(r.adjusted(6, 1, -2 - right, -1), flags, chip.text)
        p.setOpacity(1.0)

    def draw_drag(self, p: QPainter, flags: Qt.AlignmentFlag) -> None:
        """The dragged event where it would land, and its new time in a label above it."""
        drag = self.drag
        if drag is None or not drag.active or not drag.ghosts:
            return
        p.setClipRect(QRectF(self.rect()))
        text = drag.chip.text.split("\n")[0]
        for rect in drag.ghosts:
            self.draw_chip(p, Chip(rect, text, drag.chip.fill, drag.chip.bar, drag.chip.state, drag.occ), flags,
                           ghost=True)
            p.setPen(QPen(drag.chip.bar, 1.6))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(rect.adjusted(0.8, 0.8, -0.8, -0.8), 3, 3)
        if drag.label:
            p.setFont(self.font_bold)
            fm = QFontMetrics(self.font_bold)
            first = drag.ghosts[0]
            box = QRectF(0, 0, fm.horizontalAdvance(drag.label) + 12, fm.height() + 6)
            box.moveBottomLeft(QPointF(first.left(), first.top() - 3))
            if box.top() < 0:  # no room above: below the event
                box.moveTopLeft(QPointF(first.left(), first.bottom() + 3))
            box.moveLeft(max(0.0, min(box.left(), self.width() - box.width())))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(INK)
            p.drawRoundedRect(box, 4, 4)
            p.setPen(QColor("#ffffff"))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, drag.label)
            p.setFont(self.font_small)

    def chip_at(self, pos: QPointF) -> Chip | None:
        for chip in reversed(self.chips):
            if chip.rect.contains(pos):
                return chip
        return None

    def slot_at(self, pos: QPointF) -> tuple[datetime, bool] | None:  # pragma: no cover - overridden
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        chip = self.chip_at(event.position())
        self.current = chip.occ if chip else None
        self.selected.emit(self.current)
        self.setFocus()
        self.drag = None
        if chip is not None and event.button() == Qt.MouseButton.LeftButton:
            self.drag = Drag(chip, event.position(), self.on_grip(chip, event.position()))
        self.update()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        drag, pos = self.drag, event.position()
        if drag is None:
            self.hover(pos)
            super().mouseMoveEvent(event)
            return
        if not drag.active:
            # Below the platform's drag distance it is still a click (select, double-click).
            if (pos - drag.origin).manhattanLength() < QApplication.startDragDistance():
                return
            drag.active = True
            self.setCursor(Qt.CursorShape.SizeVerCursor if drag.resize else Qt.CursorShape.ClosedHandCursor)
        self.drag_to(drag, pos)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self.drag = self.drag, None
        if drag is not None and drag.active:
            self.unsetCursor()
            self.update()
            if event.button() == Qt.MouseButton.LeftButton and drag.changed():
                self.moved.emit(drag.occ, drag.start, drag.end)
        super().mouseReleaseEvent(event)

    def cancel_drag(self) -> None:
        self.drag = None
        self.unsetCursor()
        self.update()

    def event(self, event: QEvent) -> bool:
        # Échap must reach keyPressEvent during a drag, before any shortcut of the window.
        if (event.type() == QEvent.Type.ShortcutOverride and self.drag is not None and self.drag.active
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.drag is not None:
            self.cancel_drag()
            event.accept()
            return
        super().keyPressEvent(event)

    def on_grip(self, chip: Chip, pos: QPointF) -> bool:
        """Whether `pos` is on the edge that resizes `chip` (only in the hours)."""
        return False

    def hover(self, pos: QPointF) -> None:
        """The mouse moves with no button down (views that track it)."""

    def drag_to(self, drag: Drag, pos: QPointF) -> None:  # pragma: no cover - overridden
        """Set where `drag` lands for the mouse at `pos`: its start, end, ghosts and label."""
        raise NotImplementedError

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        chip = self.chip_at(event.position())
        if chip is not None:
            self.activated.emit(chip.occ)
            return
        slot = self.slot_at(event.position())
        if slot is not None:
            self.createAt.emit(slot[0], slot[1])

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        chip = self.chip_at(QPointF(event.pos()))
        if chip is not None:
            self.current = chip.occ
            self.selected.emit(chip.occ)
            self.update()
        self.menuAt.emit(chip.occ if chip else None, event.globalPos())


def _days_of(occ: Occurrence) -> tuple[date, date]:
    """First and last day (Paris) an occurrence shows on."""
    first = local(occ.start).date()
    end = local(occ.end)
    last = end.date()
    if occ.all_day or (end.time() == time(0) and end > local(occ.start)):
        last -= timedelta(days=1)
    return first, max(first, last)


class MonthView(_Painted):
    """Six weeks from the Monday on or before the 1st; events as chips, '+N' past what fits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = date.today().replace(day=1)
        self.start = self.first
        self.names = [self.tr("lundi"), self.tr("mardi"), self.tr("mercredi"), self.tr("jeudi"),
                      self.tr("vendredi"), self.tr("samedi"), self.tr("dimanche")]
        self.abbr = [self.tr("janv."), self.tr("févr."), self.tr("mars"), self.tr("avr."), self.tr("mai"),
                     self.tr("juin"), self.tr("juil."), self.tr("août"), self.tr("sept."), self.tr("oct."),
                     self.tr("nov."), self.tr("déc.")]
        self.more: list[tuple[QRectF, str]] = []
        self.labels: list[tuple[QRectF, str, bool, bool, bool]] = []  # rect, text, today, in month, weekend
        self.header_h = 26.0
        self.setMinimumSize(QSize(560, 420))
        self.setAccessibleName(self.tr("Vue du mois"))

    def set_month(self, first: date) -> None:
        self.first = first.replace(day=1)
        self.start = self.first - timedelta(days=self.first.weekday())

    def cell(self, index: int) -> QRectF:
        w = self.width() / 7
        h = (self.height() - self.header_h) / 6
        return QRectF((index % 7) * w, self.header_h + (index // 7) * h, w, h)

    def day_index(self, day: date) -> int:
        return (day - self.start).days

    def index_at(self, pos: QPointF) -> int:
        col = min(6, max(0, int(pos.x() // (self.width() / 7))))
        row = min(5, max(0, int((pos.y() - self.header_h) // ((self.height() - self.header_h) / 6))))
        return row * 7 + col

    def drag_to(self, drag: Drag, pos: QPointF) -> None:
        """Whole days: the same times of day (local), as many days later as cells crossed."""
        days = self.index_at(pos) - self.index_at(drag.origin)
        occ = drag.occ
        if occ.all_day:
            first = local(occ.start).date() + timedelta(days=days)
            drag.start, drag.end = first, local(occ.end).date() + timedelta(days=days)
            drag.label = _day_label(first, drag.end)
        else:
            start = drag.start = shifted(occ.start, days)
            drag.end = shifted(occ.end, days)
            drag.label = f"{start:%d/%m} {hhmm(start)}"
        drag.ghosts = []
        for chip in self.chips:
            if chip.occ is not occ:
                continue
            here = self.index_at(chip.rect.center())
            if 0 <= here + days < 42:
                drag.ghosts.append(chip.rect.translated(self.cell(here + days).topLeft() - self.cell(here).topLeft()))

    def layout_chips(self) -> None:
        per_day: list[list[Occurrence]] = [[] for _ in range(42)]
        for occ in self.occs:
            first, last = _days_of(occ)
            a, b = max(0, self.day_index(first)), min(41, self.day_index(last))
            for i in range(a, b + 1):
                per_day[i].append(occ)
        fm = QFontMetrics(self.font_small)
        line = fm.height() + 4
        self.more, self.labels = [], []
        for i in range(42):
            r = self.cell(i)
            day = self.start + timedelta(days=i)
            label = str(day.day) if day.day > 1 else f"1 {self.abbr[day.month - 1]}"
            self.labels.append((QRectF(r.left() + 6, r.top() + 3, r.width() - 12, line), label, day == self.today,
                                day.month == self.first.month, day.weekday() >= 5))
            items = sorted(per_day[i], key=lambda o: (not o.all_day, o.start, o.summary))
            top = r.top() + line + 4
            room = int((r.bottom() - 3 - top) // line)
            shown = items if len(items) <= room else items[:max(0, room - 1)]
            for n, occ in enumerate(shown):
                rect = QRectF(r.left() + 3, top + n * line, r.width() - 6, line - 2)
                text = fm.elidedText(self.chip_text(occ, True), Qt.TextElideMode.ElideRight,
                                     int(rect.width() - 10 - (12 if occ.state == PENDING else 0)))
                self.chips.append(self.chip(rect, occ, text))
            if len(shown) < len(items):
                self.more.append((QRectF(r.left() + 8, top + len(shown) * line, r.width() - 12, line - 2),
                                  self.tr("+{0} autres").format(len(items) - len(shown))))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#ffffff"))
        w = self.width() / 7
        p.setFont(self.font_bold)
        p.setPen(MUTED)
        for col, name in enumerate(self.names):
            p.drawText(QRectF(col * w, 0, w, self.header_h), Qt.AlignmentFlag.AlignCenter, name)
        for i in range(42):
            r = self.cell(i)
            if i % 7 >= 5:
                p.fillRect(r, QColor("#fafafa"))
        p.setPen(QPen(GRID, 1))
        for row in range(7):
            y = self.header_h + row * (self.height() - self.header_h) / 6
            p.drawLine(QPointF(0, y), QPointF(self.width(), y))
        for col in range(1, 7):
            p.drawLine(QPointF(col * w, self.header_h), QPointF(col * w, self.height()))
        p.setFont(self.font_small)
        for rect, text, today, in_month, _weekend in self.labels:
            if today:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(ACCENT)
                width = max(rect.height(), QFontMetrics(self.font_bold).horizontalAdvance(text) + 10)
                p.drawRoundedRect(QRectF(rect.left() - 3, rect.top(), width, rect.height()), rect.height() / 2,
                                  rect.height() / 2)
                p.setFont(self.font_bold)
                p.setPen(QColor("#ffffff"))
                p.drawText(QRectF(rect.left() - 3, rect.top(), width, rect.height()), Qt.AlignmentFlag.AlignCenter,
                           text)
                p.setFont(self.font_small)
            else:
                p.setPen(INK if in_month else QColor("#a0a0a0"))
                p.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        for chip in self.chips:
            self.draw_chip(p, chip, flags)
        p.setPen(MUTED)
        for rect, text in self.more:
            p.drawText(rect, flags, text)
        self.draw_drag(p, flags)
        p.end()

    def slot_at(self, pos: QPointF) -> tuple[datetime, bool] | None:
        if pos.y() < self.header_h:
            return None
        col = int(pos.x() // (self.width() / 7))
        row = int((pos.y() - self.header_h) // ((self.height() - self.header_h) / 6))
        day = self.start + timedelta(days=row * 7 + min(6, col))
        return datetime.combine(day, time(9), PARIS), False


def _day_label(first: date, end: date) -> str:
    """'12/03', or '12/03 → 14/03' for days up to `end` (exclusive)."""
    last = end - timedelta(days=1)
    return f"{first:%d/%m}" if last <= first else f"{first:%d/%m} → {last:%d/%m}"


HOUR_H = 46.0
GUTTER = 54.0


class _TimeGrid(_Painted):
    """The hours of `days` days, 0:00 to 24:00; timed events placed by time, side by side when
    they overlap."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start = date.today()
        self.days = 7
        self.setMinimumHeight(int(24 * HOUR_H) + 1)
        self.setAccessibleName(self.tr("Heures"))
        self.partner: _Painted | None = None  # the header, whose columns follow these
        self.setMouseTracking(True)  # the resize cursor over an event's bottom edge

    def col_w(self) -> float:
        return (self.width() - GUTTER) / self.days

    def col_at(self, x: float) -> int:
        return min(self.days - 1, max(0, int((x - GUTTER) // self.col_w())))

    def on_grip(self, chip: Chip, pos: QPointF) -> bool:
        if pos.y() < chip.rect.bottom() - GRIP or chip.occ.all_day:
            return False
        # Only where the event ends: not the bottom of its first day when it goes on past midnight.
        day_end = datetime.combine(self.start + timedelta(days=self.col_at(chip.rect.center().x()) + 1), time(0), PARIS)
        return chip.occ.end <= day_end

    def hover(self, pos: QPointF) -> None:
        chip = self.chip_at(pos)
        grip = chip is not None and self.on_grip(chip, pos)
        if grip != (self.cursor().shape() == Qt.CursorShape.SizeVerCursor):
            if grip:
                self.setCursor(Qt.CursorShape.SizeVerCursor)
            else:
                self.unsetCursor()

    def drag_to(self, drag: Drag, pos: QPointF) -> None:
        """Moved: to another column and time, snapped to a quarter hour, the same duration.
        Resized: the end, snapped, at least a quarter hour after the start, in its own day."""
        occ = drag.occ
        minutes = (pos.y() - drag.origin.y()) / HOUR_H * 60
        if drag.resize:
            day = self.start + timedelta(days=self.col_at(drag.chip.rect.center().x()))
            end = local(occ.end)
            at = (end.date() - day).days * 24 * 60 + end.hour * 60 + end.minute + minutes
            at = min(24 * 60, round(at / SNAP) * SNAP)
            start = local(occ.start)
            end = max(on_day(day, int(at)), local(occ.start + timedelta(minutes=SNAP)))
        else:
            begin = local(occ.start)
            at = round((begin.hour * 60 + begin.minute + minutes) / SNAP) * SNAP
            at = min(24 * 60 - SNAP, max(0, at))
            days = self.col_at(pos.x()) - self.col_at(drag.origin.x())
            start = on_day(begin.date() + timedelta(days=days), int(at))
            end = local(start + (occ.end - occ.start))
        drag.start, drag.end = start, end
        drag.label = f"{hhmm(start)} – {hhmm(end)}"
        if start.date() != local(occ.start).date():
            drag.label = f"{start:%d/%m} {drag.label}"
        drag.ghosts = self.span_rects(start, end, drag.chip.rect)
        viewport = self.parentWidget()
        area = viewport.parentWidget() if viewport is not None else None
        if isinstance(area, QScrollArea):  # near the visible edge: scroll on
            area.ensureVisible(int(pos.x()), int(pos.y()), 0, int(HOUR_H / 2))

    def span_rects(self, start: datetime, end: datetime, like: QRectF) -> list[QRectF]:
        """The rectangles of [start, end) in the columns shown, as wide as `like` and at the
        same place in their column."""
        rects = []
        w = self.col_w()
        offset = (like.left() - GUTTER) % w
        for d in range(self.days):
            begin = datetime.combine(self.start + timedelta(days=d), time(0), PARIS)
            finish = begin + timedelta(days=1)
            if start >= finish or end <= begin:
                continue
            s, e = max(local(start), begin), min(local(end), finish)
            top = (s - begin).total_seconds() / 3600 * HOUR_H
            height = max(HOUR_H / 2.2, (e - s).total_seconds() / 3600 * HOUR_H)
            rects.append(QRectF(GUTTER + d * w + offset, top + 1, like.width(), height - 2))
        return rects

    def layout_chips(self) -> None:
        fm = QFontMetrics(self.font_small)
        for d in range(self.days):
            day = self.start + timedelta(days=d)
            begin = datetime.combine(day, time(0), PARIS)
            end = begin + timedelta(days=1)
            items = sorted((o for o in self.occs if not o.all_day and o.start < end and o.end > begin
                            and not (o.end == begin)), key=lambda o: (o.start, -(o.end - o.start).total_seconds()))
            # Clusters of overlapping events; in each, the first free column.
            clusters: list[list[tuple[Occurrence, int]]] = []
            ends: list[datetime] = []
            cluster_end: datetime | None = None
            for occ in items:
                if cluster_end is None or occ.start >= cluster_end:
                    clusters.append([])
                    ends = []
                    cluster_end = occ.end
                col = next((n for n, e in enumerate(ends) if e <= occ.start), len(ends))
                if col == len(ends):
                    ends.append(occ.end)
                else:
                    ends[col] = occ.end
                clusters[-1].append((occ, col))
                cluster_end = max(cluster_end, occ.end)
            x0 = GUTTER + d * self.col_w()
            for cluster in clusters:
                cols = max(c for _, c in cluster) + 1
                width = (self.col_w() - 6) / cols
                for occ, col in cluster:
                    s = max(local(occ.start), begin)
                    e = min(local(occ.end), end)
                    top = (s - begin).total_seconds() / 3600 * HOUR_H
                    height = max(HOUR_H / 2.2, (e - s).total_seconds() / 3600 * HOUR_H)
                    rect = QRectF(x0 + 2 + col * width, top + 1, width - 2, height - 2)
                    label = self.chip_text(occ, False)
                    when = f"{hhmm(occ.start)} – {hhmm(occ.end)}"
                    inner = int(rect.width() - 10 - (12 if occ.state == PENDING else 0))
                    lines = [fm.elidedText(label, Qt.TextElideMode.ElideRight, inner)]
                    if rect.height() >= fm.height() * 2 + 4:
                        lines.append(fm.elidedText(when, Qt.TextElideMode.ElideRight, inner))
                    if occ.location and rect.height() >= fm.height() * 3 + 4:
                        lines.append(fm.elidedText(occ.location, Qt.TextElideMode.ElideRight, inner))
                    self.chips.append(self.chip(rect, occ, "\n".join(lines)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.partner is not None:
            self.partner.relayout()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#ffffff"))
        w = self.col_w()
        for d in range(self.days):
            day = self.start + timedelta(days=d)
            if day == self.today:
                p.fillRect(QRectF(GUTTER + d * w, 0, w, self.height()), QColor("#f5f5fe"))
            elif day.weekday() >= 5:
                p.fillRect(QRectF(GUTTER + d * w, 0, w, self.height()), QColor("#fafafa"))
        p.setFont(self.font_small)
        for hour in range(24):
            y = hour * HOUR_H
            p.setPen(QPen(GRID, 1))
            p.drawLine(QPointF(GUTTER, y), QPointF(self.width(), y))
            p.setPen(QPen(QColor("#f0f0f0"), 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(GUTTER, y + HOUR_H / 2), QPointF(self.width(), y + HOUR_H / 2))
            if hour:
                p.setPen(MUTED)
                p.drawText(QRectF(0, y - 8, GUTTER - 8, 16),
                           Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{hour}:00")
        p.setPen(QPen(GRID, 1))
        for d in range(self.days + 1):
            p.drawLine(QPointF(GUTTER + d * w, 0), QPointF(GUTTER + d * w, self.height()))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        for chip in self.chips:
            self.draw_chip(p, chip, flags)
        now = datetime.now(PARIS)
        if self.start <= now.date() < self.start + timedelta(days=self.days):  # the current time
            x = GUTTER + (now.date() - self.start).days * w
            y = (now.hour + now.minute / 60) * HOUR_H
            p.setPen(QPen(RED, 1.6))
            p.drawLine(QPointF(x, y), QPointF(x + w, y))
        self.draw_drag(p, flags)
        p.end()

    def slot_at(self, pos: QPointF) -> tuple[datetime, bool] | None:
        if pos.x() < GUTTER:
            return None
        d = min(self.days - 1, int((pos.x() - GUTTER) // self.col_w()))
        half = int(pos.y() // (HOUR_H / 2))
        day = self.start + timedelta(days=d)
        return datetime.combine(day, time(min(23, half // 2), 30 * (half % 2)), PARIS), False


class _DayHeader(_Painted):
    """Day names and the all-day events above the hours."""

    def __init__(self, grid: _TimeGrid, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = grid
        self.names = [self.tr("lun."), self.tr("mar."), self.tr("mer."), self.tr("jeu."), self.tr("ven."),
                      self.tr("sam."), self.tr("dim.")]
        self.setFixedHeight(44)

    def layout_chips(self) -> None:
        fm = QFontMetrics(self.font_small)
        line = fm.height() + 4
        w = self.grid.col_w()
        rows: list[date] = []  # the last day taken in each row
        for occ in sorted((o for o in self.occs if o.all_day), key=lambda o: o.start):
            first, last = _days_of(occ)
            a = max(0, (first - self.grid.start).days)
            b = min(self.grid.days - 1, (last - self.grid.start).days)
            if b < a:
                continue
            row = next((n for n, taken in enumerate(rows) if taken < first), len(rows))
            if row == len(rows):
                rows.append(last)
            else:
                rows[row] = last
            rect = QRectF(GUTTER + a * w + 2, 26 + row * line, (b - a + 1) * w - 4, line - 2)
            text = fm.elidedText(self.chip_text(occ, False), Qt.TextElideMode.ElideRight, int(rect.width() - 10))
            self.chips.append(self.chip(rect, occ, text))
        self.setFixedHeight(int(30 + max(1, len(rows)) * line))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#ffffff"))
        w = self.grid.col_w()
        for d in range(self.grid.days):
            day = self.grid.start + timedelta(days=d)
            r = QRectF(GUTTER + d * w, 2, w, 22)
            text = f"{self.names[day.weekday()]} {day.day}"
            if day == self.today:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(ACCENT)
                tw = QFontMetrics(self.font_bold).horizontalAdvance(text) + 16
                p.drawRoundedRect(QRectF(r.center().x() - tw / 2, r.top() + 1, tw, r.height() - 2), 10, 10)
                p.setPen(QColor("#ffffff"))
            else:
                p.setPen(INK if day.weekday() < 5 else MUTED)
            p.setFont(self.font_bold)
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
        p.setFont(self.font_small)
        p.setPen(MUTED)
        p.drawText(QRectF(0, 26, GUTTER - 6, 18), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                   self.tr("jour"))
        p.setPen(QPen(GRID, 1))
        p.drawLine(QPointF(0, self.height() - 1), QPointF(self.width(), self.height() - 1))
        for d in range(self.grid.days + 1):
            p.drawLine(QPointF(GUTTER + d * w, 24), QPointF(GUTTER + d * w, self.height()))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        for chip in self.chips:
            self.draw_chip(p, chip, flags)
        self.draw_drag(p, flags)
        p.end()

    def slot_at(self, pos: QPointF) -> tuple[datetime, bool] | None:
        if pos.x() < GUTTER:
            return None
        d = min(self.grid.days - 1, int((pos.x() - GUTTER) // self.grid.col_w()))
        return datetime.combine(self.grid.start + timedelta(days=d), time(0), PARIS), True

    def drag_to(self, drag: Drag, pos: QPointF) -> None:
        """Whole days, as many as columns crossed."""
        days = self.grid.col_at(pos.x()) - self.grid.col_at(drag.origin.x())
        first = local(drag.occ.start).date() + timedelta(days=days)
        drag.start, drag.end = first, local(drag.occ.end).date() + timedelta(days=days)
        drag.label = _day_label(first, drag.end)
        rect = drag.chip.rect.translated(days * self.grid.col_w(), 0)
        drag.ghosts = [rect.intersected(QRectF(GUTTER, 0, self.width() - GUTTER, self.height()))]


class WeekView(QWidget):
    """A week (or, with `days` = 1, a day): the header with all-day events, the hours scrolled
    to 7:00 so that 7:00–20:00 shows."""

    def __init__(self, days: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = _TimeGrid()
        self.grid.days = days
        self.header = _DayHeader(self.grid)
        self.hours = QScrollArea()
        self.hours.setWidget(self.grid)
        self.hours.setWidgetResizable(True)
        self.hours.setFrameShape(QScrollArea.Shape.NoFrame)
        self.hours.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setAccessibleName(self.tr("Vue de la semaine") if days > 1 else self.tr("Vue du jour"))
        self.grid.partner = self.header
        layout = QVBoxLayout(self)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.hours, 1)
        self._scrolled = False

    def parts(self) -> tuple[_DayHeader, _TimeGrid]:
        return self.header, self.grid

    def set_start(self, start: date) -> None:
        self.grid.start = start

    def set_data(self, occs: list[Occurrence], colours: dict[int, QColor]) -> None:
        self.grid.set_data(occs, colours)
        self.header.set_data(occs, colours)
        if not self._scrolled:
            self.scroll_to(7)

    def scroll_to(self, hour: int) -> None:
        self._scrolled = True
        self.hours.verticalScrollBar().setValue(int(hour * HOUR_H - 12))  # its label shows whole
