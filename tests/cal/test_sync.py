"""Calendar sync against a real Radicale, with a stock `caldav` client as the other side:
discovery, first and incremental sync, offline writes, concurrent edits (merged, or both kept),
an invalidated sync token, and no plaintext in the profile folder."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from storage import outbox
from storage.cal_ical import new_event
from storage.calendar import CONFLICT, PENDING, SYNCED, CalendarStore, occurrences
from storage.vault import Vault
from sync.cal import CalReport, sync_calendars
from sync.engine import Engine
from sync.errors import AuthFailed, Unreachable
from tests.calservers import CalUser, Radicale
from tests.conftest import PASSPHRASE
from tests.storage.test_no_plaintext import leaks

PARIS = ZoneInfo("Europe/Paris")


def ics(uid: str, summary: str, day: int = 10, location: str = "") -> str:
    start = datetime(2026, 6, day, 9, tzinfo=PARIS)
    return new_event(uid, summary, start, start.replace(hour=10), location=location)


class Peer:
    """The other side: a stock caldav client on one calendar."""

    def __init__(self, radicale: Radicale, user: CalUser, url: str) -> None:
        self.client = radicale.client(user)
        self.calendar = self.client.calendar(url=url)

    def add(self, uid: str, summary: str, **kw: Any) -> None:
        self.calendar.add_event(ics(uid, summary, **kw))

    def get(self, uid: str) -> Any:
        return self.calendar.event_by_uid(uid)

    def set(self, uid: str, **props: str) -> None:
        event = self.get(uid)
        component = event.icalendar_component
        for name, value in props.items():
            component.pop(name, None)
            component.add(name, value)
        event.save()

    def summaries(self) -> set[str]:
        return {str(e.icalendar_component.get("SUMMARY")) for e in self.calendar.events()}


@pytest.fixture
def setup(radicale: Radicale, cal_user: CalUser, vault: Vault) -> Iterator[tuple[CalendarStore, Peer]]:
    url = radicale.make_calendar(cal_user, "Travail", "#3366ff")
    peer = Peer(radicale, cal_user, url)
    store = CalendarStore(vault.conn)
    store.add_account(radicale.url, cal_user.name, cal_user.password)
    yield store, peer
    peer.client.close()


def run(store: CalendarStore) -> CalReport:
    report = asyncio.run(sync_calendars(store.conn))
    assert report.errors == [], report.errors
    return report


def test_first_sync_then_incremental(setup: tuple[CalendarStore, Peer]) -> None:
    store, peer = setup
    peer.add("a", "Conseil municipal", location="Salle du conseil")
    peer.add("b", "Commission voirie", day=11)
    report = run(store)
    [calendar] = store.calendars()
    assert (calendar.name, calendar.color, calendar.enabled) == ("Travail", "#3366ff", True)
    assert calendar.sync_token and report.received == 2
    assert {(e.uid, e.summary, e.state) for e in store.events()} == {("a", "Conseil municipal", SYNCED),
                                                                      ("b", "Commission voirie", SYNCED)}
    found = occurrences(store.conn, datetime(2026, 6, 1, tzinfo=PARIS), datetime(2026, 7, 1, tzinfo=PARIS))
    assert [(o.summary, o.start.astimezone(PARIS).hour) for o in found] == [("Conseil municipal", 9),
                                                                           ("Commission voirie", 9)]
    assert run(store).received == 0  # nothing changed: not even asked (same CTag)

    peer.add("c", "Permanence des élus", day=12)
    peer.set("a", summary="Conseil municipal (budget)")
    peer.get("b").delete()
    report = run(store)
    assert (report.received, report.deleted) == (2, 1)
    assert {(e.uid, e.summary) for e in store.events()} == {("a", "Conseil municipal (budget)"),
                                                             ("c", "Permanence des élus")}
    assert [e.summary for e in store.search("budget")] == ["Conseil municipal (budget)"]


def test_offline_create_edit_delete_then_sync(setup: tuple[CalendarStore, Peer]) -> None:
    store, peer = setup
    peer.add("edit-me", "Réunion de chantier")
    peer.add("delete-me", "Réunion annulée", day=11)
    run(store)
    start = datetime(2026, 6, 15, 14, tzinfo=PARIS)
    new_uid = store.create("Travail", "Visite de l'école", start, start.replace(hour=16), location="École Jules Ferry")
    store.edit("edit-me", location="Dépôt technique")
    store.delete("delete-me")
    assert store.event(new_uid).state == PENDING and len(outbox.pending(store.conn)) == 3
    report = run(store)
    assert report.sent == 3 and outbox.pending(store.conn) == []
    assert all(e.state == SYNCED and e.etag for e in store.events())
    assert peer.summaries() == {"Réunion de chantier", "Visite de l'école"}
    assert str(peer.get("edit-me").icalendar_component["LOCATION"]) == "Dépôt technique"
    assert str(peer.get(new_uid).icalendar_component["LOCATION"]) == "École Jules Ferry"
    assert run(store).received == 0  # our own writes are not fetched back


def test_concurrent_edit_on_another_field_is_merged(setup: tuple[CalendarStore, Peer]) -> None:
    store, peer = setup
    peer.add("m", "Réunion de service", location="Mairie")
    run(store)
    store.edit("m", location="Salle polyvalente")  # here: the place
    peer.set("m", summary="Réunion de service élargie")  # there: the title
    report = run(store)
    assert (report.merged, report.conflicts) == (1, 0) and "fusionnées" in report.notes[0]
    event = store.event("m")
    assert (event.summary, event.location, event.state) == ("Réunion de service élargie", "Salle polyvalente", SYNCED)
    theirs = peer.get("m").icalendar_component
    assert (str(theirs["SUMMARY"]), str(theirs["LOCATION"])) == ("Réunion de service élargie", "Salle polyvalente")
    assert len(store.events()) == 1 and outbox.pending(store.conn) == []


def test_concurrent_edit_on_the_same_field_keeps_both(setup: tuple[CalendarStore, Peer]) -> None:
    store, peer = setup
    peer.add("s", "Conseil d'école")
    run(store)
    store.edit("s", summary="Conseil d'école (ma version)")
    peer.set("s", summary="Conseil d'école (leur version)")
    report = run(store)
    assert report.conflicts == 1 and "Conflit" in report.notes[0] and "titre" in report.notes[0]
    events = {e.summary: e for e in store.events()}
    assert set(events) == {"Conseil d'école (leur version)", "Conseil d'école (ma version)"}
    theirs, mine = events["Conseil d'école (leur version)"], events["Conseil d'école (ma version)"]
    assert (theirs.uid, theirs.state) == ("s", SYNCED)
    assert (mine.state, mine.conflict_of) == (CONFLICT, theirs.href)
    assert peer.summaries() == {"Conseil d'école (leur version)"}  # nothing overwritten there
    assert outbox.pending(store.conn) == []
    store.keep_conflict(mine.uid, mine=True)  # the user settles it: their choice goes out
    run(store)
    assert peer.summaries() == {"Conseil d'école (ma version)"}
    assert [e.state for e in store.events()] == [SYNCED]


def test_invalidated_sync_token_falls_back_to_a_full_listing(setup: tuple[CalendarStore, Peer]) -> None:
    store, peer = setup
    peer.add("x", "Astreinte")
    peer.add("y", "Marché de Noël", day=12)
    run(store)
    calendar = store.calendars()[0]
    with store.conn:
        store.conn.execute("UPDATE cal_calendars SET sync_token = ? WHERE id = ?",
                           ("http://radicale.org/ns/sync/" + "0" * 64, calendar.id))
    peer.get("x").delete()
    peer.set("y", location="Place de la mairie")
    report = run(store)
    assert report.fallbacks == 1 and (report.received, report.deleted) == (1, 1)
    assert [(e.uid, e.location) for e in store.events()] == [("y", "Place de la mairie")]
    assert store.calendars()[0].sync_token != calendar.sync_token
    assert run(store).fallbacks == 0


def test_server_errors_leave_local_data(radicale: Radicale, cal_user: CalUser, vault: Vault) -> None:
    store = CalendarStore(vault.conn)
    store.add_account(radicale.url, cal_user.name, "mauvais")
    store.add_account("http://127.0.0.1:9/", "x", "y")
    report = asyncio.run(sync_calendars(store.conn))
    assert report.accounts_failed == 2 and isinstance(report.failure, AuthFailed)
    assert "mot de passe" in report.errors[0] and "injoignable" in report.errors[1]
    assert len(store.accounts()) == 2 and outbox.pending(store.conn) == []


def test_offline_writes_wait_for_the_network(setup: tuple[CalendarStore, Peer], radicale: Radicale) -> None:
    store, peer = setup
    run(store)
    start = datetime(2026, 6, 18, 9, tzinfo=PARIS)
    with store.conn:
        store.conn.execute("UPDATE cal_accounts SET url = ?", ("http://127.0.0.1:9/",))
    uid = store.create("Travail", "Tournée des écoles", start, start.replace(hour=12))
    report = asyncio.run(sync_calendars(store.conn))
    assert isinstance(report.failure, Unreachable)
    assert store.event(uid).state == PENDING and len(outbox.pending(store.conn)) == 1
    with store.conn:
        store.conn.execute("UPDATE cal_accounts SET url = ?", (radicale.url,))
    run(store)
    assert store.event(uid).state == SYNCED and peer.summaries() == {"Tournée des écoles"}


def test_no_plaintext_event_data_in_the_profile(setup: tuple[CalendarStore, Peer], vault: Vault,
                                                 tmp_path: Path) -> None:
    store, peer = setup
    secrets = ["Délibération Zébulonesque", "Salle Xylophonique", "Huis-clos Quetzalcoatl"]
    peer.add("p", secrets[0], location=secrets[1])
    run(store)
    start = datetime(2026, 6, 20, 10, tzinfo=PARIS)
    store.create("Travail", secrets[2], start, start.replace(hour=11))
    run(store)
    assert store.search("zebulonesque") and store.search("quetzalcoatl")
    folder = tmp_path / "profile"
    assert leaks(folder, secrets + [PASSPHRASE]) == []
    vault.close()
    assert leaks(folder, secrets + [PASSPHRASE]) == []


def test_parvis_sync_includes_calendars_in_a_calendar_only_profile(setup: tuple[CalendarStore, Peer]) -> None:
    """`parvis sync`'s engine round: no sovereign server, one CalDAV account; an event created
    offline goes out, and one made by a stock client comes in."""
    store, peer = setup
    asyncio.run(Engine(store.conn).sync_once())
    [calendar] = store.calendars()
    store.create(calendar.id, "Commission des finances", datetime(2026, 12, 3, 18, 0, tzinfo=PARIS),
                 datetime(2026, 12, 3, 20, 0, tzinfo=PARIS))
    peer.add("z", "Vœux du maire", day=12)
    report = asyncio.run(Engine(store.conn).sync_once())
    assert report.errors == [] and report.cal_sent == 1 and report.cal_received == 1
    assert peer.summaries() >= {"Commission des finances", "Vœux du maire"}
    assert {e.summary for e in store.events()} >= {"Commission des finances", "Vœux du maire"}
    assert outbox.counts(store.conn) == {}
