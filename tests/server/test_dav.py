"""CalDAV at `/dav/` on a real `parvis-server` process: a stock `caldav` client with the user's
Parvis password or token, private personal calendars, group (service) calendars for members only,
spoofed identity headers ignored, `/.well-known/caldav`; each calendar's CTag and sync-token,
which the server remembers between writes, follow the writes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import caldav
import httpx
import pytest
from caldav.elements import dav as dav_props
from caldav.lib import error as dav_error

from sync.cal.dav import Dav
from sync.server.cli import add_user, manage_group
from sync.server.config import ServerConfig
from sync.server.dav import permissions
from tests.e2e.servers import Server, login, run_server_cli, start_server
from tests.e2e.servers import add_user as add_user_process

PASSWORDS = {"alice": "mot de passe d'alice", "bob": "mot de passe de bob", "carole": "mot de passe de carole"}
GROUP = "urbanisme"


@pytest.fixture(scope="module")
def dav_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """alice and carole are in the group `urbanisme`, bob is not."""
    data = tmp_path_factory.mktemp("dav") / "data"
    config = ServerConfig(data_dir=data)

    async def setup() -> None:
        for name, password in PASSWORDS.items():
            await add_user(config, name, password)
        await manage_group(config, "add", GROUP)
        for member in ("alice", "carole"):
            await manage_group(config, "add-member", GROUP, member)

    asyncio.run(setup())
    server = start_server(data)
    yield server
    server.stop()


def client(server: Server, user: str, password: str | None = None) -> caldav.DAVClient:
    return caldav.DAVClient(url=f"{server.url}/dav/", username=user,
                            password=PASSWORDS[user] if password is None else password)


def add_event(calendar: caldav.Calendar, summary: str) -> str:
    uid = uuid.uuid4().hex
    calendar.add_event(uid=uid, dtstart=datetime(2026, 3, 30, 10), dtend=datetime(2026, 3, 30, 11), summary=summary)
    return uid


def summaries(calendar: caldav.Calendar) -> list[str]:
    found = calendar.search(start=datetime(2026, 3, 30), end=datetime(2026, 3, 31), event=True)
    return sorted(str(e.icalendar_component["SUMMARY"]) for e in found)


def status(server: Server, method: str, path: str, **kwargs: object) -> int:
    return httpx.request(method, f"{server.url}{path}", timeout=10.0, **kwargs).status_code  # type: ignore[arg-type]


def test_personal_calendar_with_the_parvis_password(dav_server: Server) -> None:
    with client(dav_server, "alice") as alice:
        calendar = alice.principal().make_calendar(name="Personnel")
        assert str(calendar.url).startswith(f"{dav_server.url}/dav/alice/")
        add_event(calendar, "Conseil municipal")
    with client(dav_server, "alice") as again:
        assert summaries(again.calendar(url=calendar.url)) == ["Conseil municipal"]


def test_a_new_user_finds_a_calendar_to_write_in_and_a_deleted_one_stays_deleted(dav_server: Server) -> None:
    add_user_process(dav_server.data, "denise", "mdp-denise-2026")
    with client(dav_server, "denise", "mdp-denise-2026") as denise:
        [calendar] = denise.principal().calendars()
        assert (calendar.get_display_name(), str(calendar.url)) == ("Agenda de denise",
                                                                      f"{dav_server.url}/dav/denise/agenda/")
        add_event(calendar, "Permanence")
        assert summaries(calendar) == ["Permanence"]
        calendar.delete()
    with client(dav_server, "denise", "mdp-denise-2026") as again:
        assert again.principal().calendars() == []
    # Once in a service, its agenda is found by the Parvis client's discovery at once.
    run_server_cli(dav_server.data, "group", "add-member", GROUP, "denise")

    async def discover() -> list[str]:
        async with Dav(f"{dav_server.url}/dav/", "denise", "mdp-denise-2026") as dav:
            return [c.name for c in await dav.discover()]

    assert asyncio.run(discover()) == [f"Agenda {GROUP}"]


def test_a_bearer_token_works_too(dav_server: Server) -> None:
    token = login(dav_server, "bob", PASSWORDS["bob"])
    headers = {"Authorization": f"Bearer {token}"}
    with caldav.DAVClient(url=f"{dav_server.url}/dav/", headers=headers) as bob:
        calendar = bob.principal().make_calendar(name="Astreintes")
        add_event(calendar, "Astreinte")
        assert summaries(calendar) == ["Astreinte"]
    assert status(dav_server, "PROPFIND", "/dav/bob/", headers={"Authorization": "Bearer inconnu", "Depth": "0"}) == 401


def test_wrong_or_missing_credentials_get_401_with_a_basic_challenge(dav_server: Server) -> None:
    for auth in (("alice", "mauvais"), ("personne", "mauvais"), None):
        response = httpx.request("PROPFIND", f"{dav_server.url}/dav/alice/", auth=auth, headers={"Depth": "0"})
        assert response.status_code == 401, auth
        assert response.headers["www-authenticate"].startswith('Basic realm="Parvis"')
        assert "authentification requise" in response.text
    with client(dav_server, "alice", "mauvais") as wrong, pytest.raises(dav_error.AuthorizationError):
        wrong.principal()


def test_bob_cannot_read_or_write_alices_calendar(dav_server: Server) -> None:
    with client(dav_server, "alice") as alice:
        calendar = alice.principal().make_calendar(name="Privé")
        add_event(calendar, "Rendez-vous privé")
    path = str(calendar.url).removeprefix(dav_server.url)
    bob = ("bob", PASSWORDS["bob"])
    assert status(dav_server, "PROPFIND", path, auth=bob, headers={"Depth": "1"}) in (403, 404)
    assert status(dav_server, "REPORT", path, auth=bob, headers={"Depth": "1"},
                  content=b'<?xml version="1.0"?><C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav" '
                          b'xmlns:D="DAV:"><D:prop><C:calendar-data/></D:prop></C:calendar-query>') in (403, 404)
    assert status(dav_server, "PUT", f"{path}intrus.ics", auth=bob, content=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                  headers={"Content-Type": "text/calendar"}) in (403, 404)
    with client(dav_server, "bob") as bob_client, pytest.raises(dav_error.DAVError):
        bob_client.calendar(url=calendar.url).events()


def test_group_calendar_is_for_members_only(dav_server: Server, tmp_path: Path) -> None:
    url = f"{dav_server.url}/dav/groups/{GROUP}/agenda/"
    with client(dav_server, "alice") as alice:
        agenda = alice.calendar(url=url)
        assert agenda.get_display_name() == f"Agenda {GROUP}"  # created on first access
        add_event(agenda, "Permanence urbanisme")
    with client(dav_server, "carole") as carole:
        agenda = carole.calendar(url=url)
        assert "Permanence urbanisme" in summaries(agenda)
        add_event(agenda, "Réunion de service")
        extra = carole.calendar(url=f"{dav_server.url}/dav/groups/{GROUP}/chantiers/")
        extra.save()  # members may add calendars to their group
    with client(dav_server, "alice") as alice:
        assert summaries(alice.calendar(url=url)) == ["Permanence urbanisme", "Réunion de service"]

    bob = ("bob", PASSWORDS["bob"])
    path = f"/dav/groups/{GROUP}/agenda/"
    assert status(dav_server, "PROPFIND", path, auth=bob, headers={"Depth": "1"}) in (403, 404)
    assert status(dav_server, "PUT", f"{path}intrus.ics", auth=bob, content=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                  headers={"Content-Type": "text/calendar"}) in (403, 404)
    assert status(dav_server, "MKCALENDAR", f"/dav/groups/{GROUP}/bob/", auth=bob) in (403, 404)
    assert status(dav_server, "DELETE", path, auth=bob) in (403, 404)
    listing = httpx.request("PROPFIND", f"{dav_server.url}/dav/groups/", auth=bob, headers={"Depth": "1"})
    assert f"/dav/groups/{GROUP}/" not in listing.text
    # Membership follows the group, changed by the CLI while the server runs.
    config = ServerConfig(data_dir=dav_server.data)
    asyncio.run(manage_group(config, "add-member", GROUP, "bob"))
    assert status(dav_server, "PROPFIND", path, auth=bob, headers={"Depth": "1"}) == 207
    asyncio.run(manage_group(config, "remove-member", GROUP, "bob"))
    assert status(dav_server, "PROPFIND", path, auth=bob, headers={"Depth": "1"}) in (403, 404)


def test_spoofed_identity_headers_are_ignored(dav_server: Server) -> None:
    spoof = {"Remote-User": "alice", "X-Remote-User": "alice", "X-Script-Name": "/ailleurs", "Depth": "0"}
    assert status(dav_server, "PROPFIND", "/dav/alice/", headers=spoof) == 401
    response = httpx.request("PROPFIND", f"{dav_server.url}/dav/", auth=("bob", PASSWORDS["bob"]), headers=spoof)
    assert response.status_code == 207
    assert "<href>/dav/bob/</href>" in response.text and "/dav/alice/" not in response.text
    assert "/ailleurs" not in response.text
    assert status(dav_server, "PROPFIND", "/dav/alice/", auth=("bob", PASSWORDS["bob"]), headers=spoof) in (403, 404)


def test_well_known_caldav_redirects_to_dav(dav_server: Server) -> None:
    for name in ("caldav", "carddav"):
        response = httpx.get(f"{dav_server.url}/.well-known/{name}")
        assert response.status_code == 301
        assert response.headers["location"] == "/dav/"
    assert status(dav_server, "PROPFIND", "/.well-known/caldav", headers={"Depth": "0"}) == 301


@pytest.mark.parametrize(("user", "groups", "path", "expected"), [
    ("alice", frozenset(), "/", "R"),
    ("alice", frozenset(), "/alice/", "RW"),
    ("alice", frozenset(), "/alice/perso/", "rw"),
    ("alice", frozenset(), "/alice/perso/x.ics", ""),
    ("alice", frozenset(), "/bob/", ""),
    ("alice", frozenset(), "/bob/perso/", ""),
    ("alice", frozenset(), "/groups/", "R"),
    ("alice", frozenset({"voirie"}), "/groups/voirie/", "R"),
    ("alice", frozenset({"voirie"}), "/groups/voirie/agenda/", "rw"),
    ("alice", frozenset({"voirie"}), "/groups/urbanisme/agenda/", ""),
    ("alice", frozenset(), "/groups/voirie/agenda/", ""),
    ("groups", frozenset(), "/groups/", "R"),
    ("", frozenset(), "/", ""),
])
def test_permissions(user: str, groups: frozenset[str], path: str, expected: str) -> None:
    assert permissions(user, groups, path) == expected


# -- CTag and sync-token remembered between writes (dav_storage) ----------------------------------

_STATE = (b'<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><D:prop><CS:getctag/>'
          b"<D:sync-token/></D:prop></D:propfind>")


def tags(server: Server, user: str) -> dict[str, tuple[str, str]]:
    """Calendar path → (CTag, sync-token) of every calendar in `user`'s home."""
    response = httpx.request("PROPFIND", f"{server.url}/dav/{user}/", auth=(user, PASSWORDS[user]),
                             headers={"Depth": "1"}, content=_STATE, timeout=10.0)
    assert response.status_code == 207
    found = {}
    for item in ET.fromstring(response.content).findall("{DAV:}response"):
        ctag = item.findtext(".//{http://calendarserver.org/ns/}getctag")
        token = item.findtext(".//{DAV:}sync-token")
        if ctag and token:
            found[item.findtext("{DAV:}href", "")] = (ctag, token)
    return found


def sync_collection(server: Server, user: str, path: str, token: str) -> tuple[str, dict[str, str]]:
    """REPORT sync-collection since `token`: (new token, href → status)."""
    body = ('<D:sync-collection xmlns:D="DAV:"><D:sync-token>' + token + "</D:sync-token>"
            "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>")
    response = httpx.request("REPORT", f"{server.url}{path}", auth=(user, PASSWORDS[user]), content=body.encode(),
                             timeout=10.0)
    assert response.status_code == 207, response.text
    root = ET.fromstring(response.content)
    changes = {}
    for item in root.findall("{DAV:}response"):
        status = item.findtext("{DAV:}status") or item.findtext(".//{DAV:}status", "")
        changes[item.findtext("{DAV:}href", "")] = status.split()[1]
    return root.findtext("{DAV:}sync-token", ""), changes


def test_ctag_and_sync_token_change_with_a_write_to_that_calendar_only(dav_server: Server) -> None:
    with client(dav_server, "carole") as carole:
        home = carole.principal()
        meetings, duty = home.make_calendar(name="Réunions"), home.make_calendar(name="Permanences")
        a, b = (str(c.url).removeprefix(dav_server.url) for c in (meetings, duty))
        before = tags(dav_server, "carole")
        assert tags(dav_server, "carole") == before  # answered again, from memory this time

        add_event(meetings, "Réunion de chantier")
        after_put = tags(dav_server, "carole")
        assert after_put[a][0] != before[a][0] and after_put[a][1] != before[a][1]
        assert after_put[b] == before[b]

        add_event(meetings, "Commission")
        before_delete = tags(dav_server, "carole")
        meetings.events()[0].delete()
        after_delete = tags(dav_server, "carole")
        assert after_delete[a][0] != before_delete[a][0] and after_delete[a][1] != before_delete[a][1]
        assert after_delete[b] == before[b]

        duty.set_properties([dav_props.DisplayName("Astreintes")])  # PROPPATCH: in the CTag too
        renamed = tags(dav_server, "carole")
        assert renamed[b][0] != before[b][0]
        assert renamed[a] == after_delete[a]


def test_sync_collection_from_the_remembered_token(dav_server: Server) -> None:
    with client(dav_server, "carole") as carole:
        calendar = carole.principal().make_calendar(name="Élections")
        path = str(calendar.url).removeprefix(dav_server.url)
        add_event(calendar, "Bureau de vote")
        add_event(calendar, "Dépouillement")
        hrefs = {str(e.url).removeprefix(dav_server.url) for e in calendar.events()}
        _, token = tags(dav_server, "carole")[path]  # remembered from here on

        assert sync_collection(dav_server, "carole", path, token) == (token, {})
        assert sync_collection(dav_server, "carole", path, "") == (token, dict.fromkeys(hrefs, "200"))

        gone = calendar.events()[0]
        gone.delete()
        new_token, changes = sync_collection(dav_server, "carole", path, token)
        assert new_token != token and changes == {str(gone.url).removeprefix(dav_server.url): "404"}
        assert tags(dav_server, "carole")[path][1] == new_token
        assert sync_collection(dav_server, "carole", path, new_token) == (new_token, {})
        # Without a token: the items there, and the deleted one Radicale still remembers.
        assert sync_collection(dav_server, "carole", path, "") == (new_token, dict.fromkeys(hrefs, "200") | {
            str(gone.url).removeprefix(dav_server.url): "404"})


def test_carddav_address_book_is_private(dav_server: Server) -> None:
    """CardDAV too: an address book made and filled with plain HTTP (as DAVx⁵ does), read back by
    its owner, hidden from another user."""
    alice = httpx.BasicAuth("alice", PASSWORDS["alice"])
    book = f"{dav_server.url}/dav/alice/contacts/"
    made = httpx.request("MKCOL", book, auth=alice, timeout=10.0, content=(
        '<?xml version="1.0" encoding="UTF-8"?><mkcol xmlns="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">'
        "<set><prop><resourcetype><collection/><CR:addressbook/></resourcetype>"
        "<displayname>Contacts</displayname></prop></set></mkcol>"))
    assert made.status_code == 201
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:jean-dupont\r\nFN:Jean Dupont\r\nN:Dupont;Jean;;;\r\n"
            "TEL;TYPE=WORK:+33 1 23 45 67 89\r\nEND:VCARD\r\n")
    put = httpx.put(f"{book}jean-dupont.vcf", auth=alice, content=card.encode(), timeout=10.0,
                    headers={"Content-Type": "text/vcard; charset=utf-8"})
    assert put.status_code == 201
    got = httpx.get(f"{book}jean-dupont.vcf", auth=alice, timeout=10.0)
    assert got.status_code == 200 and "FN:Jean Dupont" in got.text
    bob = httpx.BasicAuth("bob", PASSWORDS["bob"])
    assert httpx.get(f"{book}jean-dupont.vcf", auth=bob, timeout=10.0).status_code in (403, 404)
    assert httpx.put(f"{book}intrus.vcf", auth=bob, content=card.encode(), timeout=10.0,
                     headers={"Content-Type": "text/vcard"}).status_code in (403, 404)
