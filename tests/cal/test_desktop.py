"""The Agenda of the real app against a real Radicale, with a stock `caldav` client as the other
side: the account added from the app (a wrong password said, nothing saved), events fetched, a
conflicting edit told to the user and settled from the editor, ICS import and export."""

from __future__ import annotations

import time
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from desktop.calendar.editor import EventDialog
from desktop.mainwindow import MainWindow
from storage.calendar import CONFLICT, SYNCED, CalendarStore
from sync.engine import Engine
from tests.cal.test_sync import Peer
from tests.calservers import CalUser, Radicale
from tests.desktop.conftest import Opener, connection, idle, open_window  # noqa: F401 (a fixture)

PARIS = ZoneInfo("Europe/Paris")
JUNE = date(2026, 6, 10)


def _ask_quiet(engine: Engine, answers: list[bool]) -> None:
    answers.append(not engine.status.syncing and not engine._wake.is_set())


def _round(qtbot: QtBot, window: MainWindow) -> None:
    """Sync now, and wait until the engine is quiet: no round running and none due (adding the
    account or settling a conflict starts rounds of their own); then show the store's state."""
    engine = window.bridge._engine
    assert engine is not None
    window.bridge.sync_now()
    deadline = time.monotonic() + 30
    while True:
        # Asked on the sync thread, after the wake just posted: between two steps of its loop,
        # "not syncing and no wake due" means every round that could follow has run.
        answers: list[bool] = []
        window.bridge._post(partial(_ask_quiet, engine, answers))
        qtbot.waitUntil(partial(bool, answers), timeout=10_000)
        if answers[0]:
            break
        assert time.monotonic() < deadline, "the sync never went quiet"
        qtbot.wait(50)
    with qtbot.waitSignal(window.calendar.loaded, timeout=10_000):
        window.calendar.refresh()
    idle(qtbot, window)


def _window(qtbot: QtBot, open_window: Opener, radicale: Radicale, user: CalUser) -> MainWindow:  # noqa: F811
    """The app in Agenda, the account added as a new user would: a wrong password first."""
    window = open_window(user.name)
    window.resize(1280, 800)
    window.rail.setCurrentRow(3)
    page = window.calendar
    assert page.no_calendar.isVisible() and not page.import_button.isEnabled()
    dialog = page.add_account()
    dialog.url.setText(radicale.url)
    dialog.username.setText(user.name)
    dialog.password.setText("pas le bon")
    dialog.ok.click()
    qtbot.waitUntil(lambda: dialog.ok.isEnabled(), timeout=20_000)
    assert "refuse l'identifiant" in dialog.status.text() and dialog.isVisible()
    assert CalendarStore(connection(window)).accounts() == []
    dialog.password.setText(user.password)
    dialog.ok.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    _round(qtbot, window)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.go_to(JUNE, "month")
    idle(qtbot, window)
    return window


@pytest.fixture
def peer(radicale: Radicale, cal_user: CalUser) -> Any:
    url = radicale.make_calendar(cal_user, "Élus", "#18753c")
    peer = Peer(radicale, cal_user, url)
    yield peer
    peer.client.close()


def _summaries(window: MainWindow) -> list[tuple[str, str]]:
    return sorted((c.occ.summary, c.occ.state) for c in window.calendar.month.chips)


def test_account_from_the_app_then_a_conflict_settled_in_the_editor(
        qtbot: QtBot, open_window: Opener, radicale: Radicale, cal_user: CalUser, peer: Peer,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    errors: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a: errors.append(text))
    peer.add("cm", "Conseil municipal", day=10, location="Salle du conseil")
    window = _window(qtbot, open_window, radicale, cal_user)
    page = window.calendar
    assert [box.text() for box in page.toggles.values()] == ["Élus"]
    assert page.import_button.isEnabled() and not page.no_calendar.isVisible()
    assert _summaries(window) == [("Conseil municipal", SYNCED)]

    # The same field changed on both sides: both kept, the user told.
    CalendarStore(connection(window)).edit("cm", summary="Conseil municipal (budget)")
    peer.set("cm", summary="Conseil municipal extraordinaire")
    _round(qtbot, window)
    assert _summaries(window) == [("Conseil municipal (budget)", CONFLICT),
                                  ("Conseil municipal extraordinaire", SYNCED)]
    assert any("Conflit" in text and "titre" in text for _, text in window.notifications)
    assert "Conflit" in window.statusBar().currentMessage()
    assert peer.summaries() == {"Conseil municipal extraordinaire"}  # nothing overwritten there

    copy = next(c.occ for c in page.month.chips if c.occ.state == CONFLICT)
    page.edit_event(copy)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=10_000)
    dialog = page.dialog
    assert isinstance(dialog, EventDialog)
    text = " ".join(label.text() for label in dialog.findChildren(type(page.period)))
    assert "Version du serveur : <b>Conseil municipal extraordinaire</b>" in text and "10/06/2026" in text
    dialog.location.setText("Salle des fêtes")  # settled with a last change of the form
    keep_mine = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Garder ma version")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        keep_mine.click()
    assert errors == []
    _round(qtbot, window)
    assert _summaries(window) == [("Conseil municipal (budget)", SYNCED)]
    theirs = peer.get("cm").icalendar_component
    assert (str(theirs["SUMMARY"]), str(theirs["LOCATION"])) == ("Conseil municipal (budget)", "Salle des fêtes")

    # Once more, the server's version kept from the context menu's action.
    CalendarStore(connection(window)).edit("cm", summary="Séance reportée")
    peer.set("cm", summary="Séance maintenue")
    _round(qtbot, window)
    copy = next(c.occ for c in page.month.chips if c.occ.state == CONFLICT)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.keep(copy.uid, mine=False)
    _round(qtbot, window)
    assert _summaries(window) == [("Séance maintenue", SYNCED)]
    assert peer.summaries() == {"Séance maintenue"}


def test_import_and_export_ics(qtbot: QtBot, open_window: Opener, radicale: Radicale, cal_user: CalUser,  # noqa: F811
                               peer: Peer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    window = _window(qtbot, open_window, radicale, cal_user)
    page = window.calendar
    [calendar] = CalendarStore(connection(window)).calendars()
    source = tmp_path / "invitations.ics"
    source.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Ailleurs//FR\r\n"
        "BEGIN:VEVENT\r\nUID:inv-1@ailleurs\r\nDTSTAMP:20260601T080000Z\r\nDTSTART;TZID=Europe/Paris:20260612T140000\r\n"
        "DTEND;TZID=Europe/Paris:20260612T160000\r\nSUMMARY:Commission des finances\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:inv-2@ailleurs\r\nDTSTAMP:20260601T080000Z\r\nDTSTART;VALUE=DATE:20260615\r\n"
        "DTEND;VALUE=DATE:20260616\r\nSUMMARY:Fête de l'école\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n", encoding="utf-8")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.import_ics(str(source), calendar.id)
    assert sorted(s for s, _ in _summaries(window)) == ["Commission des finances", "Fête de l'école"]
    assert "2 événement(s) importé(s)" in window.statusBar().currentMessage()
    _round(qtbot, window)
    assert peer.summaries() == {"Commission des finances", "Fête de l'école"}

    errors: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a: errors.append(text))
    broken = tmp_path / "abime.ics"
    broken.write_text("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:sans fin\r\n", encoding="utf-8")
    page.import_ics(str(broken), calendar.id)
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert len(CalendarStore(connection(window)).events()) == 2  # nothing stored

    target = tmp_path / "export.ics"
    page.export_ics(str(target))
    qtbot.waitUntil(lambda: "exporté(s)" in window.statusBar().currentMessage(), timeout=10_000)
    exported = target.read_text(encoding="utf-8")
    assert exported.count("BEGIN:VEVENT") == 2 and "Commission des finances" in exported
    assert "TZID=Europe/Paris:20260612T140000" in exported
