"""Dragging events in the Agenda's views, on real windows with the mouse (QTest): moved in the
hours (another day and time, snapped to a quarter hour), resized by the bottom edge, moved by
days in the month and in the all-day row; a click stays a click, Échap cancels, and an occurrence
of a series asks whether it moves alone (an overriding instance) or with the whole series."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.calendar.views import GUTTER, HOUR_H, Chip, _Painted
from desktop.mainwindow import MainWindow
from storage import outbox
from storage.calendar import CalendarStore, conflict_copy, occurrences
from storage.db import transaction
from tests.desktop.conftest import Opener, idle
from tests.desktop.test_calendar import DAY, PARIS, _at, _profile, _show


def _chip(view: _Painted, summary: str) -> Chip:
    return next(c for c in view.chips if c.occ.summary == summary)


def _drag(qtbot: QtBot, widget: QWidget, start: QPointF, end: QPointF) -> None:
    """Press, move in two steps (the first past the drag distance), release."""
    a, b = start.toPoint(), end.toPoint()
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(widget, (a + b) / 2)
    qtbot.mouseMove(widget, b)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=b)


def _dropped(qtbot: QtBot, window: MainWindow, widget: QWidget, start: QPointF, end: QPointF) -> None:
    """A drag whose drop writes to the store: wait for the page to show the result."""
    with qtbot.waitSignal(window.calendar.loaded, timeout=10_000):
        _drag(qtbot, widget, start, end)
    idle(qtbot, window)


def _times(store: CalendarStore, uid: str) -> tuple[datetime, datetime]:
    found = [o for o in occurrences(store.conn, _at(DAY, -96), _at(DAY, 24 * 30)) if o.uid == uid]
    assert len(found) == 1
    return found[0].start.astimezone(PARIS), found[0].end.astimezone(PARIS)


def _answer(monkeypatch: pytest.MonkeyPatch, button: str) -> list[str]:
    """Answer the next message boxes with the button labelled `button`; returns their texts."""
    asked: list[str] = []

    def exec_(box: QMessageBox) -> int:
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == button).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return asked


def test_week_move_and_resize(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("semaine")
    window.resize(1280, 900)
    conn, store, cals = _profile(window)
    uid = store.create(cals["Élus"], "Commission voirie", _at(DAY, 10), _at(DAY, 11))
    _show(qtbot, window, DAY, "week")
    grid = window.calendar.week.grid
    col = grid.col_w()
    chip = _chip(grid, "Commission voirie")
    assert chip.rect.center().x() == pytest.approx(GUTTER + 3.5 * col, abs=col / 2)  # Thursday

    # One column right and an hour and a half down (plus a few px: it snaps): Friday 11:30.
    grab = chip.rect.topLeft() + QPointF(chip.rect.width() / 2, 8)
    _dropped(qtbot, window, grid, grab, grab + QPointF(col, 1.5 * HOUR_H + 4))
    friday = date(2026, 3, 13)
    assert _times(store, uid) == (_at(friday, 11.5), _at(friday, 12.5))
    assert store.event(uid).state == "pending"
    assert conn.execute("SELECT count(*) FROM outbox WHERE kind = 'cal.put'").fetchone()[0] == 1

    # The bottom edge: the end only, 45 min later; the cursor says so before the press.
    chip = _chip(grid, "Commission voirie")
    edge = QPointF(chip.rect.center().x(), chip.rect.bottom() - 2)
    qtbot.mouseMove(grid, edge.toPoint())
    assert grid.cursor().shape() == Qt.CursorShape.SizeVerCursor
    qtbot.mouseMove(grid, chip.rect.center().toPoint())
    assert grid.cursor().shape() != Qt.CursorShape.SizeVerCursor
    qtbot.mouseMove(grid, edge.toPoint())
    _dropped(qtbot, window, grid, edge, edge + QPointF(0, 0.75 * HOUR_H))
    assert _times(store, uid) == (_at(friday, 11.5), _at(friday, 13.25))

    # Not shorter than a quarter hour.
    chip = _chip(grid, "Commission voirie")
    edge = QPointF(chip.rect.center().x(), chip.rect.bottom() - 2)
    _dropped(qtbot, window, grid, edge, edge - QPointF(0, 4 * HOUR_H))
    assert _times(store, uid) == (_at(friday, 11.5), _at(friday, 11.75))
    conn.close()


def test_a_click_is_not_a_move_and_escape_cancels(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("clic")
    window.resize(1280, 900)
    conn, store, cals = _profile(window)
    uid = store.create(cals["Élus"], "Permanence", _at(DAY, 10), _at(DAY, 11))
    with transaction(conn):
        conn.execute("DELETE FROM outbox")
    before = store.event(uid).ics
    _show(qtbot, window, DAY, "week")
    grid = window.calendar.week.grid
    moves: list[Any] = []
    grid.moved.connect(lambda *args: moves.append(args))
    chip = _chip(grid, "Permanence")
    grab = chip.rect.center()

    # A press and a release a few px away (less than the drag distance, more than half a
    # quarter hour's height): a click, which selects.
    a, b = grab.toPoint(), (grab + QPointF(1, 7)).toPoint()
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(grid, b)
    assert grid.drag is not None and not grid.drag.active
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=b)
    idle(qtbot, window)
    assert grid.current is chip.occ and window.calendar.selected() is chip.occ
    assert moves == [] and grid.drag is None

    # Dragged far, shown at its new place, then Échap: back where it was, nothing written.
    a, b = grab.toPoint(), (grab + QPointF(grid.col_w() * 2, 3 * HOUR_H)).toPoint()
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(grid, (a + b) / 2)
    qtbot.mouseMove(grid, b)
    assert grid.drag is not None and grid.drag.active and grid.drag.ghosts
    assert grid.drag.start == _at(date(2026, 3, 14), 13) and grid.drag.label == "14/03 13 h – 14 h"
    qtbot.keyClick(grid, Qt.Key.Key_Escape)
    assert grid.drag is None
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=b)
    idle(qtbot, window)
    assert moves == [] and store.event(uid).ics == before and outbox.pending(conn) == []

    # A double-click still opens the editor.
    qtbot.mouseDClick(grid, Qt.MouseButton.LeftButton, pos=_chip(grid, "Permanence").rect.center().toPoint())
    idle(qtbot, window)
    assert window.calendar.dialog is not None and window.calendar.dialog.values().uid == uid
    window.calendar.dialog.reject()
    assert moves == [] and store.event(uid).ics == before
    conn.close()


def test_month_and_all_day_row_move_by_days(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("mois")
    window.resize(1280, 900)
    conn, store, cals = _profile(window)
    uid = store.create(cals["Élus"], "Conseil municipal", _at(DAY, 18.5), _at(DAY, 21))
    fair = store.create(cals["État civil"], "Forum des associations", date(2026, 3, 12), date(2026, 3, 14))
    _show(qtbot, window, DAY, "month")
    month = window.calendar.month
    chip = _chip(month, "Conseil municipal")
    target = month.cell(month.day_index(date(2026, 3, 17)))  # Tuesday of the next week
    _dropped(qtbot, window, month, chip.rect.center(), target.center())
    assert _times(store, uid) == (_at(date(2026, 3, 17), 18.5), _at(date(2026, 3, 17), 21))  # same hours
    assert {c.occ.summary for c in month.chips if target.contains(c.rect.center())} == {"Conseil municipal"}

    # An all-day event, two days earlier, in the week's all-day row.
    _show(qtbot, window, DAY, "week")
    header = window.calendar.week.header
    chip = _chip(header, "Forum des associations")
    grab = QPointF(chip.rect.left() + 10, chip.rect.center().y())
    _dropped(qtbot, window, header, grab, grab - QPointF(2 * header.grid.col_w(), 0))
    event = store.event(fair)
    assert event.all_day and "DTSTART;VALUE=DATE:20260310" in event.ics and "DTEND;VALUE=DATE:20260312" in event.ics
    conn.close()


def test_an_occurrence_of_a_series_moves_alone_or_with_it(qtbot: QtBot, open_window: Opener,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_window("serie")
    window.resize(1280, 900)
    conn, store, cals = _profile(window)
    uid = store.create(cals["Élus"], "Réunion de direction", _at(date(2026, 3, 2), 9), _at(date(2026, 3, 2), 10),
                       rrule="FREQ=WEEKLY;COUNT=6")
    _show(qtbot, window, DAY, "week")
    grid = window.calendar.week.grid

    def drag_monday(hours: float) -> None:
        chip = _chip(grid, "Réunion de direction")
        grab = chip.rect.topLeft() + QPointF(chip.rect.width() / 2, 8)
        _dropped(qtbot, window, grid, grab, grab + QPointF(0, hours * HOUR_H))

    def mondays() -> list[str]:
        found = occurrences(store.conn, _at(date(2026, 3, 1), 0), _at(date(2026, 4, 30), 0))
        return [f"{o.start.astimezone(PARIS):%d/%m %H:%M}" for o in found if o.uid == uid]

    # « Annuler »: nothing moves.
    asked = _answer(monkeypatch, "Annuler")
    _drag(qtbot, grid, _chip(grid, "Réunion de direction").rect.center(),
          _chip(grid, "Réunion de direction").rect.center() + QPointF(0, HOUR_H))
    idle(qtbot, window)
    assert asked == ["« Réunion de direction » se répète. Déplacer seulement cette occurrence, ou toute la série ?"]
    assert mondays() == ["02/03 09:00", "09/03 09:00", "16/03 09:00", "23/03 09:00", "30/03 09:00", "06/04 09:00"]

    # « Cette occurrence »: 09/03 at 11:00, as an override in the same resource.
    _answer(monkeypatch, "Cette occurrence")
    drag_monday(2)
    assert mondays() == ["02/03 09:00", "09/03 11:00", "16/03 09:00", "23/03 09:00", "30/03 09:00", "06/04 09:00"]
    text = store.event(uid).ics
    assert text.count("BEGIN:VEVENT") == 2 and "RECURRENCE-ID;TZID=Europe/Paris:20260309T090000" in text
    assert _chip(grid, "Réunion de direction").occ.recurrence_id == _at(date(2026, 3, 9), 9)

    # « Toute la série », from that moved occurrence: everything half an hour earlier, the
    # override included, in local time on both sides of the change to summer time (29/03).
    _answer(monkeypatch, "Toute la série")
    drag_monday(-0.5)
    assert mondays() == ["02/03 08:30", "09/03 10:30", "16/03 08:30", "23/03 08:30", "30/03 08:30", "06/04 08:30"]
    assert store.event(uid).ics.count("BEGIN:VEVENT") == 2
    assert len(outbox.pending(conn)) == 1
    conn.close()


def test_a_conflict_copy_is_not_moved(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("conflit")
    window.resize(1280, 900)
    conn, store, cals = _profile(window)
    uid = store.create(cals["Élus"], "Conseil d'école", _at(DAY, 17), _at(DAY, 18))
    with transaction(conn):
        copy = conflict_copy(conn, cals["Élus"], store.event(uid).href, store.event(uid).ics)
    before = store.event(copy).ics
    _show(qtbot, window, DAY, "week")
    grid = window.calendar.week.grid
    said: list[str] = []
    window.calendar.message.connect(said.append)
    chip = next(c for c in grid.chips if c.occ.state == "conflict")
    _drag(qtbot, grid, chip.rect.center(), chip.rect.center() + QPointF(0, 2 * HOUR_H))
    idle(qtbot, window)
    assert store.event(copy).ics == before
    assert said and "copie en conflit" in said[-1]


def test_screenshot_of_a_drag(qtbot: QtBot, open_window: Opener, tmp_path: Any) -> None:
    """A drag in progress draws the event faded where it was, at its new place, and its time."""
    window = open_window("capture")
    window.resize(1280, 900)
    conn, store, cals = _profile(window)
    store.create(cals["Élus"], "Commission des finances", _at(DAY, 9), _at(DAY, 10.5), "Salle du conseil")
    store.create(cals["État civil"], "Mariage Martin – Lopez", _at(DAY, 11), _at(DAY, 12))
    _show(qtbot, window, DAY, "week")
    week = window.calendar.week
    grid = week.grid
    chip = _chip(grid, "Commission des finances")
    a = chip.rect.center().toPoint()
    b = a + QPoint(int(grid.col_w()), int(HOUR_H * 1.5))
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(grid, (a + b) / 2)
    qtbot.mouseMove(grid, b)
    assert grid.drag is not None and grid.drag.label == "13/03 10:30 – 12 h"
    shot = week.grab()
    assert not shot.isNull()
    shot.save(str(tmp_path / "drag.png"))
    qtbot.keyClick(grid, Qt.Key.Key_Escape)
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=b)

    _show(qtbot, window, DAY, "month")
    month = window.calendar.month
    a = _chip(month, "Commission des finances").rect.center().toPoint()
    b = month.cell(month.day_index(date(2026, 3, 18))).center().toPoint()
    qtbot.mousePress(month, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(month, (a + b) / 2)
    qtbot.mouseMove(month, b)
    assert month.drag is not None and month.drag.label == "18/03 9 h"
    month.grab().save(str(tmp_path / "month-drag.png"))
    qtbot.keyClick(month, Qt.Key.Key_Escape)
    qtbot.mouseRelease(month, Qt.MouseButton.LeftButton, pos=b)
    conn.close()
