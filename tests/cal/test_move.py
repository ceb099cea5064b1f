"""Rescheduling from the store (what a drag in the views does): a single event, one instance of a
series as an overriding VEVENT (same UID, RECURRENCE-ID = its original start), or the whole
series shifted with its overrides; across the DST changes of Europe/Paris, queued like any edit,
and read back by a stock CalDAV client after a sync with a real Radicale."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from storage import outbox
from storage.cal_ical import Occurrence, parse
from storage.calendar import CAL_PUT, PENDING, SYNCED, CalendarStore, base_of, occurrences, save_calendars, write
from storage.errors import InvalidInput, NotFound
from storage.vault import Vault
from sync.cal import sync_calendars
from tests.cal.test_recurrence import WEEKLY
from tests.calservers import CalUser, Radicale

PARIS = ZoneInfo("Europe/Paris")


def at(day: date, hour: float) -> datetime:
    return datetime.combine(day, datetime.min.time(), PARIS) + timedelta(hours=hour)


@pytest.fixture
def store(vault: Vault) -> CalendarStore:
    s = CalendarStore(vault.conn)
    account = s.add_account("http://127.0.0.1:1/", "alice", "pw")
    save_calendars(vault.conn, account, [("/alice/travail/", "Travail", "#123456")])
    return s


def shown(store: CalendarStore, first: date, last: date) -> list[Occurrence]:
    return occurrences(store.conn, at(first, 0), at(last, 24))


def local(found: list[Occurrence]) -> list[str]:
    return [f"{o.start.astimezone(PARIS):%d/%m %H:%M}–{o.end.astimezone(PARIS):%H:%M}" for o in found]


def vevents(store: CalendarStore, uid: str) -> list[Any]:
    return list(parse(store.event(uid).ics).walk("VEVENT"))


def override(store: CalendarStore, uid: str) -> Any:
    [found] = [e for e in vevents(store, uid) if "RECURRENCE-ID" in e]
    return found


def test_a_single_event_moves_and_keeps_its_time_zone(store: CalendarStore) -> None:
    uid = store.create("Travail", "Conseil municipal", at(date(2026, 3, 12), 18.5), at(date(2026, 3, 12), 21))
    store.conn.execute("DELETE FROM outbox")
    [occ] = shown(store, date(2026, 3, 12), date(2026, 3, 12))
    assert occ.recurrence_id is None
    moved = store.move(uid, occ.start, at(date(2026, 3, 13), 18), at(date(2026, 3, 13), 20.5))
    assert moved.state == PENDING and moved.dtstart == "2026-03-13T17:00:00Z"
    assert "DTSTART;TZID=Europe/Paris:20260313T180000" in moved.ics
    assert "DTEND;TZID=Europe/Paris:20260313T203000" in moved.ics
    assert local(shown(store, date(2026, 3, 12), date(2026, 3, 13))) == ["13/03 18:00–20:30"]
    assert [(e.kind, e.target) for e in outbox.pending(store.conn)] == [(CAL_PUT, moved.href)]
    # Resizing: the end only.
    store.move(uid, moved_start := at(date(2026, 3, 13), 18), moved_start, at(date(2026, 3, 13), 19.25))
    assert local(shown(store, date(2026, 3, 13), date(2026, 3, 13))) == ["13/03 18:00–19:15"]
    assert len(outbox.pending(store.conn)) == 1  # one write per resource, the last text


def test_an_all_day_event_stays_all_day(store: CalendarStore) -> None:
    uid = store.create("Travail", "Marché de Noël", date(2026, 12, 12), date(2026, 12, 14))
    moved = store.move(uid, date(2026, 12, 12), date(2026, 12, 19), date(2026, 12, 21))
    assert "DTSTART;VALUE=DATE:20261219" in moved.ics and "DTEND;VALUE=DATE:20261221" in moved.ics
    assert moved.all_day
    with pytest.raises(InvalidInput):  # hours given to an all-day event
        store.move(uid, date(2026, 12, 19), at(date(2026, 12, 19), 9), at(date(2026, 12, 19), 10))


def test_one_occurrence_across_the_march_change(store: CalendarStore) -> None:
    uid = store.create("Travail", "Réunion de service", at(date(2026, 3, 16), 9), at(date(2026, 3, 16), 10),
                       rrule="FREQ=WEEKLY;COUNT=4")
    found = shown(store, date(2026, 3, 1), date(2026, 4, 30))
    assert local(found) == ["16/03 09:00–10:00", "23/03 09:00–10:00", "30/03 09:00–10:00", "06/04 09:00–10:00"]
    third = found[2]  # the first one in summer time (29/03)
    assert third.recurrence_id == at(date(2026, 3, 30), 9)

    store.move(uid, third.recurrence_id, at(date(2026, 3, 30), 11), at(date(2026, 3, 30), 12.5))
    found = shown(store, date(2026, 3, 1), date(2026, 4, 30))
    assert local(found) == ["16/03 09:00–10:00", "23/03 09:00–10:00", "30/03 11:00–12:30", "06/04 09:00–10:00"]
    assert [o.start.astimezone(UTC).hour for o in found] == [8, 8, 9, 7]
    text = store.event(uid).ics
    assert "RECURRENCE-ID;TZID=Europe/Paris:20260330T090000" in text
    assert "DTSTART;TZID=Europe/Paris:20260316T090000" in text  # the master is untouched
    moved = override(store, uid)
    assert (str(moved["UID"]), str(moved["SUMMARY"]), "RRULE" in moved) == (uid, "Réunion de service", False)
    sequence = int(moved["SEQUENCE"])

    # Again, from what the view now shows: the same override is updated, no second one.
    store.move(uid, found[2].recurrence_id, at(date(2026, 3, 31), 14), at(date(2026, 3, 31), 15))
    assert local(shown(store, date(2026, 3, 1), date(2026, 4, 30))) == [
        "16/03 09:00–10:00", "23/03 09:00–10:00", "31/03 14:00–15:00", "06/04 09:00–10:00"]
    assert len(vevents(store, uid)) == 2
    assert int(override(store, uid)["SEQUENCE"]) == sequence + 1
    assert store.event(uid).state == PENDING and len(outbox.pending(store.conn)) == 1


def test_one_occurrence_across_the_october_change(store: CalendarStore) -> None:
    uid = store.create("Travail", "Point hebdomadaire", at(date(2026, 10, 12), 9), at(date(2026, 10, 12), 10),
                       rrule="FREQ=WEEKLY;COUNT=4")
    found = shown(store, date(2026, 10, 1), date(2026, 11, 30))
    late = found[2]  # 26/10, the day after the change back to CET
    store.move(uid, late.recurrence_id, at(date(2026, 10, 26), 8), at(date(2026, 10, 26), 9))
    found = shown(store, date(2026, 10, 1), date(2026, 11, 30))
    assert local(found) == ["12/10 09:00–10:00", "19/10 09:00–10:00", "26/10 08:00–09:00", "02/11 09:00–10:00"]
    assert [o.start.astimezone(UTC).hour for o in found] == [7, 7, 7, 8]
    assert "RECURRENCE-ID;TZID=Europe/Paris:20261026T090000" in store.event(uid).ics


def test_the_whole_series_with_its_override_and_exdate(store: CalendarStore) -> None:
    # 16/03 and 23/03 at 9:00 (CET), 30/03 overridden to 14:00 (CEST), 06/04 excluded.
    store.import_ics("Travail", WEEKLY)
    found = shown(store, date(2026, 3, 1), date(2026, 4, 30))
    second = found[1]
    store.move("hebdo@parvis", second.recurrence_id, at(date(2026, 3, 23), 10), at(date(2026, 3, 23), 11),
               whole_series=True)
    found = shown(store, date(2026, 3, 1), date(2026, 4, 30))
    # Everything an hour later in local time on both sides of 29/03, nothing orphaned: the
    # override follows (RECURRENCE-ID 10:00), and so does the excluded 06/04.
    assert local(found) == ["16/03 10:00–11:00", "23/03 10:00–11:00", "30/03 15:00–16:00"]
    assert [o.summary for o in found][-1] == "Réunion de service (déplacée)"
    assert [o.recurrence_id for o in found] == [at(date(2026, 3, 16), 10), at(date(2026, 3, 23), 10),
                                                at(date(2026, 3, 30), 10)]
    text = store.event("hebdo@parvis").ics
    assert "RECURRENCE-ID;TZID=Europe/Paris:20260330T100000" in text
    assert "EXDATE;TZID=Europe/Paris:20260406T100000" in text
    assert len(vevents(store, "hebdo@parvis")) == 2

    # Dragging the overridden instance itself moves the series by its own move (here a resize
    # by half an hour: every end half an hour later).
    store.move("hebdo@parvis", found[2].recurrence_id, at(date(2026, 3, 30), 15), at(date(2026, 3, 30), 16.5),
               whole_series=True)
    assert local(shown(store, date(2026, 3, 1), date(2026, 4, 30))) == [
        "16/03 10:00–11:30", "23/03 10:00–11:30", "30/03 15:00–16:30"]


def test_the_whole_series_to_another_weekday(store: CalendarStore) -> None:
    uid = store.create("Travail", "Permanence", at(date(2026, 3, 16), 9), at(date(2026, 3, 16), 10),
                       rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20260331T080000Z")
    found = shown(store, date(2026, 3, 1), date(2026, 4, 30))
    assert len(found) == 3
    store.move(uid, found[1].recurrence_id, at(date(2026, 3, 24), 9), at(date(2026, 3, 24), 10), whole_series=True)
    found = shown(store, date(2026, 3, 1), date(2026, 4, 30))
    # Tuesdays now, the last one (31/03) kept: UNTIL moved with the series.
    assert local(found) == ["17/03 09:00–10:00", "24/03 09:00–10:00", "31/03 09:00–10:00"]
    assert "BYDAY=TU" in store.event(uid).ics


def test_a_rule_tied_to_the_day_of_the_month_is_not_shifted_by_days(store: CalendarStore) -> None:
    uid = store.create("Travail", "Conseil", at(date(2026, 3, 5), 18), at(date(2026, 3, 5), 20),
                       rrule="FREQ=MONTHLY;BYMONTHDAY=5;COUNT=3")
    before = store.event(uid).ics
    [first] = shown(store, date(2026, 3, 1), date(2026, 3, 31))
    with pytest.raises(InvalidInput, match="cette occurrence"):
        store.move(uid, first.recurrence_id, at(date(2026, 3, 6), 18), at(date(2026, 3, 6), 20), whole_series=True)
    assert store.event(uid).ics == before
    # Its hours can move, and that one occurrence can.
    store.move(uid, first.recurrence_id, at(date(2026, 3, 5), 19), at(date(2026, 3, 5), 21), whole_series=True)
    with pytest.raises(NotFound):  # 18:00 is no longer an instance of the series
        store.move(uid, first.recurrence_id, at(date(2026, 3, 6), 19), at(date(2026, 3, 6), 21))
    store.move(uid, at(date(2026, 3, 5), 19), at(date(2026, 3, 6), 19), at(date(2026, 3, 6), 21))
    assert local(shown(store, date(2026, 3, 1), date(2026, 5, 31))) == [
        "06/03 19:00–21:00", "05/04 19:00–21:00", "05/05 19:00–21:00"]


def test_an_all_day_occurrence_and_an_unknown_one(store: CalendarStore) -> None:
    uid = store.create("Travail", "Marché", date(2026, 3, 27), date(2026, 3, 28), rrule="FREQ=WEEKLY;COUNT=3")
    found = shown(store, date(2026, 3, 1), date(2026, 4, 30))
    store.move(uid, found[1].recurrence_id, date(2026, 4, 4), date(2026, 4, 5))
    assert "RECURRENCE-ID;VALUE=DATE:20260403" in store.event(uid).ics
    assert [o.start.date() for o in shown(store, date(2026, 3, 1), date(2026, 4, 30))] == [
        date(2026, 3, 27), date(2026, 4, 4), date(2026, 4, 10)]
    with pytest.raises(NotFound):  # not a day of the series
        store.move(uid, date(2026, 3, 29), date(2026, 3, 30), date(2026, 3, 31))


def test_a_synced_event_keeps_its_base_for_the_merge(store: CalendarStore) -> None:
    text = parse(WEEKLY).to_ical().decode()
    calendar = store.calendar("Travail")
    href = "/alice/travail/hebdo.ics"
    write(store.conn, calendar.id, href, text, etag='"v1"', state=SYNCED)
    found = shown(store, date(2026, 3, 1), date(2026, 4, 30))
    store.move("hebdo@parvis", found[0].recurrence_id, at(date(2026, 3, 17), 9), at(date(2026, 3, 17), 10))
    etag, base, now = base_of(store.conn, href)
    assert (etag, base) == ('"v1"', text) and now != text
    assert [(e.kind, e.target) for e in outbox.pending(store.conn)] == [(CAL_PUT, href)]
    assert store.event(href).state == PENDING


# -- against a real server ---------------------------------------------------------------------


@pytest.fixture
def synced(radicale: Radicale, cal_user: CalUser, vault: Vault) -> Iterator[tuple[CalendarStore, Any]]:
    url = radicale.make_calendar(cal_user, "Travail", "#3366ff")
    client = radicale.client(cal_user)
    store = CalendarStore(vault.conn)
    store.add_account(radicale.url, cal_user.name, cal_user.password)
    yield store, client.calendar(url=url)
    client.close()


def sync(store: CalendarStore) -> None:
    report = asyncio.run(sync_calendars(store.conn))
    assert report.errors == [], report.errors


def test_a_moved_occurrence_reaches_the_server_as_an_override(synced: tuple[CalendarStore, Any]) -> None:
    store, peer = synced
    sync(store)
    uid = store.create("Travail", "Réunion de service", at(date(2026, 3, 16), 9), at(date(2026, 3, 16), 10),
                       rrule="FREQ=WEEKLY;COUNT=4")
    sync(store)
    found = shown(store, date(2026, 3, 1), date(2026, 4, 30))
    store.move(uid, found[2].recurrence_id, at(date(2026, 3, 30), 11), at(date(2026, 3, 30), 12))
    sync(store)
    assert store.event(uid).state == SYNCED and outbox.pending(store.conn) == []

    # What a stock client reads: one resource, the master and its override.
    theirs = peer.event_by_uid(uid).icalendar_instance
    events = list(theirs.walk("VEVENT"))
    assert len(events) == 2
    [moved] = [e for e in events if "RECURRENCE-ID" in e]
    assert moved["RECURRENCE-ID"].dt == at(date(2026, 3, 30), 9)
    assert moved["DTSTART"].dt == at(date(2026, 3, 30), 11)
    # And the server's own expansion agrees: the instance of 30/03 at 11:00 (9:00 UTC).
    expanded = peer.search(start=at(date(2026, 3, 29), 0), end=at(date(2026, 3, 31), 0), event=True, expand=True)
    starts = [c["DTSTART"].dt for e in expanded for c in icalendar.Calendar.from_ical(e.data).walk("VEVENT")]
    assert [s.astimezone(PARIS) for s in starts] == [at(date(2026, 3, 30), 11)]
