"""The Agenda on real windows, no server: calendars and events stored through the store, the
month and week views, toggles, the editor (offline: pending), the procès-verbal of a session,
and the month view's drawing time with 500 events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.calendar.views import MonthView, hhmm
from desktop.mainwindow import MainWindow
from storage.calendar import CalendarStore, save_calendars
from storage.docs import DocStore
from tests.desktop.conftest import Opener, connection, idle

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 3, 12)  # a Thursday


def _profile(window: MainWindow) -> tuple[Any, CalendarStore, dict[str, int]]:
    conn = connection(window)
    store = CalendarStore(conn)
    account = store.add_account("http://127.0.0.1:9/dav/", "mdupre", "secret")
    save_calendars(conn, account, [("/dav/mdupre/elus/", "Élus", "#000091FF"),
                                   ("/dav/mdupre/etat-civil/", "État civil", "#B34000FF")])
    return conn, store, {c.name: c.id for c in store.calendars()}


def _at(day: date, hour: float) -> datetime:
    return datetime.combine(day, datetime.min.time(), PARIS) + timedelta(hours=hour)


def _show(qtbot: QtBot, window: MainWindow, day: date, mode: str) -> None:
    window.rail.setCurrentRow(3)
    page = window.calendar
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.go_to(day, mode)
    idle(qtbot, window)


def _texts(view: MonthView, day: date) -> list[str]:
    cell = view.cell(view.day_index(day))
    # The summary (the chip's text is elided to the cell's width) after the time the chip shows.
    chips = [c for c in view.chips if cell.contains(c.rect.center())]
    assert all(c.text.startswith(hhmm(c.occ.start)) for c in chips)
    return [f"{hhmm(c.occ.start)} {c.occ.summary}" for c in chips]


def test_month_shows_chips_and_toggles(qtbot: QtBot, open_window: Opener) -> None:
    window = open_window("agenda")
    window.resize(1280, 800)
    conn, store, cals = _profile(window)
    store.create(cals["Élus"], "Conseil municipal", _at(DAY, 18.5), _at(DAY, 21), "Salle du conseil")
    store.create(cals["Élus"], "Réunion de direction", _at(date(2026, 3, 2), 9), _at(date(2026, 3, 2), 10),
                 rrule="FREQ=WEEKLY")
    store.create(cals["État civil"], "Mariage Martin – Lopez", _at(date(2026, 3, 14), 11),
                 _at(date(2026, 3, 14), 11.75))
    for n in range(12):  # more than a cell holds
        store.create(cals["État civil"], f"Rendez-vous {n}", _at(date(2026, 3, 20), 8 + n / 2),
                     _at(date(2026, 3, 20), 8.5 + n / 2))
    _show(qtbot, window, DAY, "month")
    month = window.calendar.month
    assert month.names[0] == "lundi" and month.start == date(2026, 2, 23)
    assert _texts(month, DAY) == ["18:30 Conseil municipal"]
    assert _texts(month, date(2026, 3, 14)) == ["11 h Mariage Martin – Lopez"]
    for monday in (date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 30)):
        assert _texts(month, monday) == ["9 h Réunion de direction"]
    assert all(c.state == "pending" for c in month.chips)  # never synced
    busy = _texts(month, date(2026, 3, 20))
    assert 0 < len(busy) < 12
    assert any(text.startswith("+") and int(text[1:].split()[0]) == 12 - len(busy) for _, text in month.more)

    with qtbot.waitSignal(window.calendar.loaded, timeout=10_000):
        window.calendar.toggles[cals["État civil"]].setChecked(False)
    idle(qtbot, window)
    assert _texts(month, date(2026, 3, 14)) == [] and not month.more
    assert _texts(month, DAY) == ["18:30 Conseil municipal"]
    assert not {c.enabled for c in store.calendars() if c.id == cals["État civil"]}.pop()

    _show(qtbot, window, DAY, "week")
    grid = window.calendar.week.grid
    council = next(c for c in grid.chips if c.occ.summary == "Conseil municipal")
    assert council.rect.top() == pytest_approx(18.5 * 46 + 1)
    conn.close()


def pytest_approx(value: float) -> Any:
    import pytest

    return pytest.approx(value, abs=0.5)


def test_editor_creates_offline_and_minutes(qtbot: QtBot, open_window: Opener, monkeypatch: Any) -> None:
    window = open_window("editeur")
    conn, store, cals = _profile(window)
    _show(qtbot, window, DAY, "week")
    page = window.calendar
    grid = page.week.grid
    # A double-click on Thursday 12 at 18:30 opens the editor there.
    x = grid.col_w() * 3.5 + 54
    grid.mouseDoubleClickEvent(_double_click(QPointF(x, 18.5 * 46 + 5)))
    dialog = page.dialog
    assert dialog is not None
    assert dialog.values().start == _at(DAY, 18.5)
    dialog.summary.setText("Conseil municipal")
    dialog.location.setText("Salle du conseil, mairie")
    dialog.attendees.setText("Marie Lefèvre, Paul Girard, s.benali@mairie-saint-aubin.fr")
    dialog.reminder.setCurrentIndex(2)  # 1 h before
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        dialog.accept()
    idle(qtbot, window)
    event = next(e for e in store.events() if e.summary == "Conseil municipal")
    assert event.state == "pending" and event.location == "Salle du conseil, mairie"
    assert "BEGIN:VALARM" in event.ics and "TRIGGER:-PT1H" in event.ics
    assert "Marie Lef" in event.ics and "mailto:s.benali@mairie-saint-aubin.fr" in event.ics
    assert conn.execute("SELECT count(*) FROM outbox WHERE kind = 'cal.put'").fetchone()[0] == 1
    assert [c.occ.summary for c in grid.chips] == ["Conseil municipal"]

    # "Créer le procès-verbal" from the context menu's action: a document, opened in Documents.
    page.create_minutes(event.uid)
    qtbot.waitUntil(lambda: len(window.documents.tabs_by_id) == 1, timeout=10_000)
    idle(qtbot, window)
    assert window.rail.currentRow() == 0
    doc_id = next(iter(window.documents.tabs_by_id))
    text = str(DocStore(conn).open(doc_id).body)
    assert "jeudi 12 mars 2026, à 18 heures 30," in text and "Salle du conseil, mairie" in text
    assert "Marie Lefèvre" in text and "Paul Girard" in text
    assert f"X-PARVIS-DOC:{doc_id}" in store.event(event.uid).ics

    # Suppr on the selected event, after confirmation.
    _show(qtbot, window, DAY, "week")
    chip = grid.chips[0]
    grid.current = chip.occ
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.delete_selected()
    idle(qtbot, window)
    assert store.events() == [] and grid.chips == []
    conn.close()


def _double_click(pos: QPointF) -> Any:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QMouseEvent

    return QMouseEvent(QEvent.Type.MouseButtonDblClick, pos, pos, Qt.MouseButton.LeftButton,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)


def test_month_of_500_events_lays_them_all_out(qtbot: QtBot, open_window: Opener) -> None:
    """500 occurrences in a month (recurrences expanded) all reach the grid, as chips or in
    "+N" counts. How fast it draws is a benchmark figure (`python -m bench.calendar`)."""
    window = open_window("charge")
    conn, store, cals = _profile(window)
    ids = list(cals.values())
    for n in range(482):
        day = date(2026, 3, 1) + timedelta(days=n % 31)
        store.create(ids[n % 2], f"Rendez-vous n° {n}", _at(day, 8 + (n % 10)), _at(day, 9 + (n % 10)),
                     "Mairie")
    for n in range(4):  # and recurrences expanded: 4 weekly series, 5 weeks each in the grid
        store.create(ids[0], f"Réunion {n}", _at(date(2026, 3, 2 + n), 9), _at(date(2026, 3, 2 + n), 10),
                     rrule="FREQ=WEEKLY")
    _show(qtbot, window, DAY, "month")
    month = window.calendar.month
    assert len(window.calendar.occurrences) >= 500
    month.resize(1100, 700)
    month.relayout()
    assert month.chips and not month.grab().isNull()
    conn.close()


def test_a_reminder_rings_offline_once(qtbot: QtBot, open_window: Opener) -> None:
    """A reminder 15 minutes before an event starting in 15 minutes is due now: a desktop
    notification, from the store alone (this profile's server never answers), and only once."""
    window = open_window("rappel")
    conn, store, cals = _profile(window)
    start = (datetime.now(PARIS) + timedelta(minutes=15)).replace(second=0, microsecond=0) + timedelta(minutes=1)
    fmt = "%Y%m%dT%H%M%S"
    store.import_ics(cals["Élus"], "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//FR", "BEGIN:VEVENT", "UID:rappel@test",
        f"DTSTAMP:{datetime.now(UTC).strftime(fmt)}Z", f"DTSTART;TZID=Europe/Paris:{start.strftime(fmt)}",
        f"DTEND;TZID=Europe/Paris:{(start + timedelta(hours=1)).strftime(fmt)}", "SUMMARY:Commission voirie",
        "LOCATION:Salle des commissions", "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Rappel",
        "TRIGGER:-PT16M", "END:VALARM", "END:VEVENT", "END:VCALENDAR", ""]))
    store.create(cals["Élus"], "Sans rappel", start, start + timedelta(hours=1))
    window.calendar.check_reminders()
    when = f"Le {start.strftime('%d/%m')} à {start.strftime('%H:%M')}"
    expected = ("Commission voirie", f"{when} — Salle des commissions")
    qtbot.waitUntil(lambda: expected in window.notifications, timeout=10_000)
    window.calendar.check_reminders()
    idle(qtbot, window)
    assert window.notifications.count(expected) == 1 and len(window.notifications) == 1
    conn.close()
