"""The calendar store: accounts with their password in the vault, events kept whole as
iCalendar, offline create/edit/delete queued in the outbox, search."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from storage import outbox
from storage.cal_ical import new_event
from storage.calendar import CAL_DELETE, CAL_PUT, CONFLICT, PENDING, SYNCED, CalendarStore, save_calendars, write
from storage.db import get_secret, transaction
from storage.errors import InvalidInput, NotFound
from storage.vault import Vault

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def store(vault: Vault) -> CalendarStore:
    s = CalendarStore(vault.conn)
    account = s.add_account("http://127.0.0.1:1/", "alice", "s3cret")
    save_calendars(vault.conn, account, [("/alice/travail/", "Travail", "#ff0000"), ("/alice/perso/", "Perso", "")])
    return s


def test_account_password_lives_in_the_vault(store: CalendarStore) -> None:
    account = store.accounts()[0]
    assert (account.url, account.username) == ("http://127.0.0.1:1/", "alice")
    assert get_secret(store.conn, f"caldav:{account.id}") == "s3cret"
    assert store.add_account("http://127.0.0.1:1/", "alice", "autre") == account.id
    assert store.password(account.id) == "autre"
    with pytest.raises(InvalidInput):
        store.add_account("ftp://x", "a", "b")
    store.remove_account(account.id)
    assert store.accounts() == [] and store.calendars() == []
    with pytest.raises(NotFound):
        store.password(account.id)


def test_calendars_listed_toggled_and_forgotten(store: CalendarStore) -> None:
    names = [(c.name, c.color, c.enabled) for c in store.calendars()]
    assert names == [("Perso", "", True), ("Travail", "#ff0000", True)]
    travail = store.calendar("travail")
    store.set_enabled(travail.id, False)
    assert not store.calendar(travail.id).enabled
    save_calendars(store.conn, travail.account, [("/alice/travail/", "Travail (service)", "#00ff00")])
    assert [(c.name, c.color, c.enabled) for c in store.calendars()] == [("Travail (service)", "#00ff00", False)]
    with pytest.raises(NotFound):
        store.calendar("Perso")


def test_offline_create_edit_delete_are_queued(store: CalendarStore) -> None:
    start = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
    uid = store.create("Travail", "Conseil municipal", start, start.replace(hour=11), location="Salle du conseil")
    event = store.event(uid)
    assert (event.state, event.etag, event.summary, event.location) == (PENDING, None, "Conseil municipal",
                                                                         "Salle du conseil")
    assert (event.dtstart, event.dtend, event.all_day, event.recurring) == ("2026-03-10T08:00:00Z",
                                                                           "2026-03-10T10:00:00Z", False, False)
    assert "BEGIN:VCALENDAR" in event.ics and event.href == f"/alice/travail/{uid}.ics"
    [entry] = outbox.pending(store.conn)
    assert (entry.kind, entry.target) == (CAL_PUT, event.href)
    assert sum(outbox.counts(store.conn).values()) == 1

    store.edit(uid, summary="Conseil municipal (budget)")
    assert store.event(uid).summary == "Conseil municipal (budget)"
    assert len(outbox.pending(store.conn)) == 1  # coalesced: one write per resource

    store.delete(uid)  # never on the server: simply gone, nothing to send
    assert outbox.pending(store.conn) == [] and store.events() == []


def _synced(store: CalendarStore, summary: str = "Réunion") -> str:
    cal = store.calendar("Travail")
    text = new_event("srv-1", summary, datetime(2026, 4, 1, 14, tzinfo=PARIS), datetime(2026, 4, 1, 15, tzinfo=PARIS))
    with transaction(store.conn):
        write(store.conn, cal.id, "/alice/travail/srv-1.ics", text, etag='"e1"', state=SYNCED)
    return "srv-1"


def test_editing_a_server_event_keeps_its_base(store: CalendarStore) -> None:
    uid = _synced(store)
    original = store.event(uid).ics
    store.edit(uid, location="Mairie annexe")
    store.edit(uid, summary="Réunion de service")
    row = store.conn.execute("SELECT etag, base, state FROM cal_events WHERE uid = ?", (uid,)).fetchone()
    assert row == ('"e1"', original, PENDING)
    store.delete(uid)
    [entry] = outbox.pending(store.conn)
    assert (entry.kind, json.loads(entry.payload or "{}")) == (CAL_DELETE, {"etag": '"e1"'})
    assert store.events() == []


def test_bad_input_changes_nothing(store: CalendarStore) -> None:
    start = datetime(2026, 3, 10, 9, tzinfo=PARIS)
    with pytest.raises(InvalidInput):
        store.create("Travail", "  ", start, start)
    with pytest.raises(InvalidInput):
        store.create("Travail", "Titre", start, start.replace(hour=8))
    with pytest.raises(InvalidInput):
        store.create("Travail", "Titre", start, start, rrule="FREQ=JAMAIS")
    with pytest.raises(InvalidInput):
        store.import_ics("Travail", "pas de l'iCalendar")
    uid = _synced(store)
    with pytest.raises(InvalidInput):
        store.edit(uid, end=datetime(2026, 4, 1, 13, tzinfo=PARIS))
    assert store.event(uid).state == SYNCED and outbox.pending(store.conn) == []


def test_all_day_and_import(store: CalendarStore) -> None:
    uid = store.create("Perso", "Fête communale", date(2026, 7, 14), date(2026, 7, 15))
    event = store.event(uid)
    assert event.all_day and (event.dtstart, event.dtend) == ("2026-07-14T00:00:00Z", "2026-07-15T00:00:00Z")
    again = store.import_ics("Perso", event.ics)  # same UID already here: a new one
    assert again != uid and len(store.events()) == 2


def test_search_finds_events(store: CalendarStore) -> None:
    start = datetime(2026, 5, 5, 18, tzinfo=PARIS)
    store.create("Travail", "Commission des finances", start, start.replace(hour=20), location="Salle Jaurès",
                 description="Budget primitif")
    store.create("Travail", "Permanence", start, start.replace(hour=19))
    assert [e.summary for e in store.search("jaures")] == ["Commission des finances"]
    assert [e.summary for e in store.search("primitif")] == ["Commission des finances"]
    uid = store.search("permanence")[0].uid
    store.delete(uid)
    assert store.search("permanence") == []


def test_conflict_copy_can_be_kept_or_dropped(store: CalendarStore) -> None:
    from storage.calendar import conflict_copy
    uid = _synced(store)
    event = store.event(uid)
    mine = event.ics.replace("SUMMARY:Réunion", "SUMMARY:Réunion (ma version)")
    with transaction(store.conn):
        copy_uid = conflict_copy(store.conn, event.calendar, event.href, mine)
    copy = store.event(copy_uid)
    assert (copy.state, copy.conflict_of, copy.summary) == (CONFLICT, event.href, "Réunion (ma version)")
    assert outbox.pending(store.conn) == []  # a conflict copy is never pushed
    edited = store.edit(copy_uid, location="Salle B")  # still a copy of the same event
    assert (edited.state, edited.conflict_of) == (CONFLICT, event.href) and outbox.pending(store.conn) == []
    store.keep_conflict(copy_uid, mine=True)
    kept = store.event(uid)
    assert (kept.summary, kept.location, kept.state) == ("Réunion (ma version)", "Salle B", PENDING)
    assert [e.uid for e in store.events()] == [uid]
