"""Recurring events expanded from the store: RRULE, EXDATE, overridden instances, and the
local time kept across the DST changes of Europe/Paris."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from storage.calendar import CalendarStore, occurrences, save_calendars
from storage.vault import Vault

PARIS = ZoneInfo("Europe/Paris")

WEEKLY = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//FR
BEGIN:VTIMEZONE
TZID:Europe/Paris
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:hebdo@parvis
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Paris:20260316T090000
DTEND;TZID=Europe/Paris:20260316T100000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Europe/Paris:20260406T090000
SUMMARY:Réunion de service
LOCATION:Mairie
END:VEVENT
BEGIN:VEVENT
UID:hebdo@parvis
DTSTAMP:20260101T000000Z
RECURRENCE-ID;TZID=Europe/Paris:20260330T090000
DTSTART;TZID=Europe/Paris:20260330T140000
DTEND;TZID=Europe/Paris:20260330T150000
SUMMARY:Réunion de service (déplacée)
LOCATION:Mairie
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def store(vault: Vault) -> CalendarStore:
    s = CalendarStore(vault.conn)
    account = s.add_account("http://127.0.0.1:1/", "alice", "pw")
    save_calendars(vault.conn, account, [("/alice/travail/", "Travail", "#123456")])
    return s


def test_weekly_meeting_keeps_its_local_hour_across_march_dst(store: CalendarStore) -> None:
    store.import_ics("Travail", WEEKLY)
    found = occurrences(store.conn, datetime(2026, 3, 1, tzinfo=PARIS), datetime(2026, 5, 1, tzinfo=PARIS))
    local = [(o.start.astimezone(PARIS).strftime("%d/%m %H:%M"), o.summary) for o in found]
    # 16/03 and 23/03 in winter time, 30/03 (overridden, moved to 14:00) after the change of
    # 29/03; 06/04 excluded (EXDATE).
    assert local == [("16/03 09:00", "Réunion de service"), ("23/03 09:00", "Réunion de service"),
                     ("30/03 14:00", "Réunion de service (déplacée)")]
    utc = [o.start.astimezone(UTC).hour for o in found]
    assert utc == [8, 8, 12]
    assert all(o.recurring and o.state == "pending" and o.uid == "hebdo@parvis" for o in found)
    assert all((o.end - o.start).total_seconds() == 3600 for o in found)


def test_weekly_meeting_across_october_dst(store: CalendarStore) -> None:
    start = datetime(2026, 10, 12, 9, tzinfo=PARIS)
    store.create("Travail", "Point hebdomadaire", start, start.replace(hour=10), rrule="FREQ=WEEKLY;COUNT=4")
    found = occurrences(store.conn, datetime(2026, 10, 1, tzinfo=PARIS), datetime(2026, 11, 30, tzinfo=PARIS))
    assert [o.start.astimezone(PARIS).hour for o in found] == [9, 9, 9, 9]
    assert [o.start.astimezone(UTC).hour for o in found] == [7, 7, 8, 8]  # 25/10: back to CET
    assert [o.start.day for o in found] == [12, 19, 26, 2]


def test_range_and_disabled_calendars(store: CalendarStore) -> None:
    store.import_ics("Travail", WEEKLY)
    start = datetime(2026, 3, 20, 12, tzinfo=PARIS)
    store.create("Travail", "Ponctuel", start, start.replace(hour=13))
    window = (datetime(2026, 3, 20, tzinfo=PARIS), datetime(2026, 3, 24, tzinfo=PARIS))
    assert [o.summary for o in occurrences(store.conn, *window)] == ["Ponctuel", "Réunion de service"]
    store.set_enabled(store.calendar("Travail").id, False)
    assert occurrences(store.conn, *window) == []


def test_all_day_occurrences(store: CalendarStore) -> None:
    from datetime import date
    store.create("Travail", "Marché", date(2026, 3, 27), date(2026, 3, 28), rrule="FREQ=DAILY;COUNT=3")
    found = occurrences(store.conn, datetime(2026, 3, 27, tzinfo=PARIS), datetime(2026, 3, 31, tzinfo=PARIS))
    assert [(o.start.day, o.start.hour, o.all_day) for o in found] == [(27, 0, True), (28, 0, True), (29, 0, True)]
