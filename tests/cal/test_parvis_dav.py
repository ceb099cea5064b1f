"""The issue's first "done when", at the sync level, against a REAL `parvis-server`: its `/dav/`
used by a stock `caldav` client (the user's Parvis password) and by Parvis profiles through the
real `parvis` CLI; events created offline go out when the server is back, an edit made by the
stock client comes back; a group's calendar reaches its members only; the CTags the server keeps
in memory follow a stock client's writes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import caldav
import pytest
from caldav.lib.error import DAVError

from storage.calendar import CalendarStore
from storage.vault import Vault
from sync.cal import CalReport, sync_calendars
from tests.calservers import make_calendar
from tests.e2e.cli import Profile
from tests.e2e.servers import Server, add_user, run_server_cli, start_server

PASSWORDS = {"alice": "alice-mot-de-passe", "bob": "bob-mot-de-passe", "carole": "carole-mot-de-passe"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    data = tmp_path / "server"
    for name, password in PASSWORDS.items():
        add_user(data, name, password)
    running = start_server(data)
    yield running
    running.stop()


def profile(tmp_path: Path, server: Server, user: str) -> Profile:
    me = Profile(tmp_path / f"profil-{user}", PASSWORDS[user])
    me.run("init")
    me.run("cal", "account", "add", server.url + "/dav/", "--user", user)
    return me


def stock(server: Server, user: str) -> Any:
    """A stock `caldav` client (close it, or use `with`)."""
    client: Any = caldav.DAVClient
    return client(url=server.url + "/dav/", username=user, password=PASSWORDS[user])


def listing(me: Profile) -> list[dict[str, Any]]:
    return list(json.loads(me.run("cal", "list", "--from", "2026-12-01", "--to", "2026-12-31", "--json").stdout))


def test_offline_event_reaches_a_stock_client_and_its_edit_comes_back(tmp_path: Path, server: Server) -> None:
    url = make_calendar(server.url + "/dav/", "alice", PASSWORDS["alice"], "Travail", "#3366ff")
    assert "/dav/alice/" in url
    alice = profile(tmp_path, server, "alice")
    assert "Travail" in alice.run("cal", "calendars").stdout
    alice.run("sync")

    server.stop()  # offline: the event is made here, and waits
    out = alice.run("cal", "add", "--calendar", "Travail", "--title", "Conseil municipal",
                    "--start", "2026-12-03T18:00", "--end", "2026-12-03T20:00", "--location", "Salle du conseil")
    uid = out.stdout.strip().splitlines()[-1]
    offline = alice.run("sync", check=False)
    assert offline.returncode != 0
    assert [o["state"] for o in listing(alice)] == ["pending"]

    server = start_server(server.data, port=server.port)
    try:
        assert "1 envoyé(s)" in alice.run("sync").stdout
        assert [o["state"] for o in listing(alice)] == ["synced"]
        with stock(server, "alice") as client:
            event = client.calendar(url=url).event_by_uid(uid)
            component = event.icalendar_component
            assert str(component["SUMMARY"]) == "Conseil municipal"
            assert str(component["LOCATION"]) == "Salle du conseil"
            component.pop("SUMMARY")
            component.add("SUMMARY", "Conseil municipal — budget")
            event.save()
        alice.run("sync")
        assert [(o["summary"], o["start"], o["state"]) for o in listing(alice)] == [
            ("Conseil municipal — budget", "2026-12-03T18:00:00+01:00", "synced")]
    finally:
        server.stop()


GROUP_EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//FR\r\nBEGIN:VEVENT\r\nUID:pc@urbanisme\r\n"
               "DTSTAMP:20260101T000000Z\r\nSUMMARY:Commission urbanisme\r\n"
               "DTSTART;TZID=Europe/Paris:20261208T140000\r\nDTEND;TZID=Europe/Paris:20261208T160000\r\n"
               "END:VEVENT\r\nEND:VCALENDAR\r\n")


def group_with_event(server: Server) -> str:
    """The group "urbanisme" (alice, bob), everyone with a personal calendar, and alice's event in
    the group's calendar (made on her first visit). Returns that calendar's URL."""
    run_server_cli(server.data, "group", "add", "urbanisme")
    for member in ("alice", "bob"):
        run_server_cli(server.data, "group", "add-member", "urbanisme", member)
    for user in PASSWORDS:
        make_calendar(server.url + "/dav/", user, PASSWORDS[user], "Personnel")
    agenda = server.url + "/dav/groups/urbanisme/agenda/"
    with stock(server, "alice") as client:
        client.calendar(url=agenda).save_event(GROUP_EVENT)
    return agenda


def test_group_calendar_rights_for_stock_clients(server: Server) -> None:
    agenda = group_with_event(server)
    with stock(server, "bob") as client:
        events = client.calendar(url=agenda).events()
        assert [str(e.icalendar_component["SUMMARY"]) for e in events] == ["Commission urbanisme"]
    with stock(server, "carole") as client:
        with pytest.raises(DAVError):
            client.calendar(url=agenda).events()


def test_group_calendar_reaches_members_profiles_only(tmp_path: Path, server: Server) -> None:
    group_with_event(server)
    bob, carole = profile(tmp_path, server, "bob"), profile(tmp_path, server, "carole")
    bob.run("sync")
    carole.run("sync")
    assert listing(carole) == []
    assert "urbanisme" not in carole.run("cal", "calendars").stdout
    assert [(o["summary"], o["calendar"]) for o in listing(bob)] == [("Commission urbanisme", "Agenda urbanisme")]


def test_a_round_with_nothing_new_asks_nothing_then_a_stock_clients_writes_come_back(
        server: Server, vault: Vault) -> None:
    """parvis-server remembers each calendar's CTag between writes: after a round with nothing
    new, a PUT then a DELETE by a stock client still show, on the written calendar only."""
    work = make_calendar(server.url + "/dav/", "alice", PASSWORDS["alice"], "Travail")
    make_calendar(server.url + "/dav/", "alice", PASSWORDS["alice"], "Famille")
    store = CalendarStore(vault.conn)
    store.add_account(server.url + "/dav/", "alice", PASSWORDS["alice"])

    def run() -> CalReport:
        report = asyncio.run(sync_calendars(vault.conn))
        assert report.errors == []
        return report

    assert run().calendars == 3  # with the "Agenda de alice" made on her first visit
    assert {c.name for c in store.calendars()} == {"Agenda de alice", "Travail", "Famille"}
    assert run().calendars == 0  # same CTags: no calendar is asked
    with stock(server, "alice") as client:
        calendar = client.calendar(url=work)
        calendar.save_event(GROUP_EVENT)
        report = run()
        assert (report.calendars, report.received) == (1, 1)
        assert [e.summary for e in store.events()] == ["Commission urbanisme"]
        assert run().calendars == 0
        calendar.event_by_uid("pc@urbanisme").delete()
        report = run()
        assert (report.calendars, report.deleted) == (1, 1)
        assert store.events() == []
