"""Chat sync, continued, against the real server in-process: attached files, edits, deletions,
reactions and read markers made offline, messages sent in batches, live events, and changes
made while a message is on its way."""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest

from storage import outbox
from storage.chat import ChatStore
from storage.db import transaction
from storage.errors import InvalidInput
from storage.vault import Vault
from sync import chat as chat_sync
from sync.account import client, sign_in
from sync.chat import FULL_PULL, apply_event, fetch_attachment
from sync.engine import Engine, Report
from sync.errors import Unreachable
from sync.server.config import ServerConfig
from tests.storage.test_no_plaintext import leaks

from . import conftest
from .conftest import URL, USERS, World, run, world
from .test_chat import Vanishing


class Counting(httpx.AsyncBaseTransport):
    """Records every request (method, path, query) on its way to the server."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, str, dict[str, str]]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path, dict(request.url.params)))
        return await self.inner.handle_async_request(request)

    def posts(self, suffix: str) -> int:
        return sum(1 for method, path, _ in self.requests if method == "POST" and path.endswith(suffix))


async def _sync(w: World, name: str, transport: httpx.AsyncBaseTransport | None = None) -> Report:
    return await Engine(w.profiles[name].conn, transport or w.transport).sync_once()


def _store(w: World, name: str) -> ChatStore:
    return ChatStore(w.profiles[name].conn)


async def _shared_room(w: World, texts: list[str]) -> str:
    """A room of alice's with bob, holding `texts` by alice, synced on both sides."""
    a = _store(w, "alice")
    room_id = a.create_room("Conseil municipal", ["bob"])
    for text in texts:
        a.send(room_id, text, "alice")
    assert (await _sync(w, "alice")).errors == []
    await _sync(w, "bob")
    return room_id


def test_attachments_round_trip(tmp_path: Path) -> None:
    rng = random.Random(5)
    small = tmp_path / "Procès-verbal du conseil — été 2025.odt"
    small.write_bytes(rng.randbytes(300_000))
    big = tmp_path / "Photo aérienne, côté Église.tif"
    big.write_bytes(rng.randbytes(3 * 1024 * 1024))  # over 2 MB: downloaded when opened
    secret = "Budget prévisionnel Quasimodo : quatre cent mille euros pour la médiathèque"
    note = tmp_path / "Note-Zanzibar-confidentielle.txt"
    note.write_text(secret * 20, encoding="utf-8")

    async def scenario() -> None:
        async with world(tmp_path) as w:
            a = _store(w, "alice")
            room_id = a.create_room("Urbanisme", ["bob"])
            first = a.send(room_id, "Les pièces du dossier", "alice", attachments=[small, big])
            second = a.send(room_id, "", "alice", attachments=[note])  # a file alone, no text
            report = await _sync(w, "alice")
            assert (report.chat_sent, report.errors) == (2, [])
            assert [m.state for m in a.messages(room_id)] == ["sent", "sent"]

            counting = Counting(w.transport)
            report = await _sync(w, "bob", counting)
            assert report.errors == []
            b = _store(w, "bob")
            got = {m.client_id: m for m in b.messages(room_id)}
            assert [(x.name, x.size, x.downloaded) for x in got[first].attachments] == [
                (small.name, 300_000, True), (big.name, 3 * 1024 * 1024, False)]
            assert [(x.name, x.type, x.downloaded) for x in got[second].attachments] == [
                (note.name, "text/plain", True)]
            assert got[second].text == ""
            assert b.attachment_data(got[first].attachments[0].id) == small.read_bytes()
            assert b.attachment_data(got[second].attachments[0].id) == note.read_bytes()
            big_id = got[first].attachments[1].id
            assert b.attachment_data(big_id) is None
            assert not any(path.endswith(big_id) for _, path, _ in counting.requests)

            async with client(b.conn, transport=counting) as http:
                assert await fetch_attachment(http, b.conn, room_id, big_id) == big.read_bytes()
                before = len(counting.requests)
                assert await fetch_attachment(http, b.conn, room_id, big_id) == big.read_bytes()
                assert len(counting.requests) == before  # from the store, no download again
            assert b.attachment_data(big_id) == big.read_bytes()
            assert b.attachment(big_id).downloaded  # type: ignore[union-attr]

            # Carole, not a member, cannot download it.
            c = w.profiles["carole"]
            async with client(c.conn, transport=w.transport) as http:
                response = await http.get(f"/api/chat/rooms/{room_id}/attachments/{big_id}")
                assert response.status_code == 404

            needles = [secret, note.name, small.name, big.name]
            for name in ("alice", "bob"):
                assert leaks(tmp_path / name, needles) == []

    run(scenario())


def test_server_refuses_a_file_over_its_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "ServerConfig", functools.partial(ServerConfig, max_attachment_bytes=10_000))
    heavy = tmp_path / "annexe.pdf"
    heavy.write_bytes(b"%PDF" + b"x" * 20_000)

    async def scenario() -> None:
        async with world(tmp_path) as w:
            a = _store(w, "alice")
            room_id = a.create_room("Finances", ["bob"])
            a.send(room_id, "avant", "alice")
            refused = a.send(room_id, "l'annexe", "alice", attachments=[heavy])  # within the local limit
            a.send(room_id, "après", "alice")
            report = await _sync(w, "alice")
            assert report.chat_sent == 2
            assert len(report.errors) == 1 and "413" in report.errors[0]
            assert [m.state for m in a.messages(room_id)] == ["sent", "sent", "failed"]
            failed = a.get(refused)
            assert failed is not None and failed.state == "failed"
            assert "413" in (failed.last_error or "") and "trop gros" in (failed.last_error or "")
            assert outbox.counts(a.conn) == {}
            await _sync(w, "bob")
            assert [m.text for m in _store(w, "bob").messages(room_id)] == ["avant", "après"]

    run(scenario())


def test_offline_edit_delete_and_reactions_reach_the_others(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            room_id = await _shared_room(w, ["Ordre du jour : voirie", "Point 2 : budget", "Point 3 : écoles"])
            b = _store(w, "bob")
            b.send(room_id, "Vu, merci", "bob")
            await _sync(w, "bob")
            await _sync(w, "alice")
            a = _store(w, "alice")
            agenda, budget, schools, seen = (m.client_id for m in a.messages(room_id))

            # Offline, at once here:
            a.edit(agenda, "Ordre du jour : voirie et éclairage")
            a.edit(agenda, "Ordre du jour : voirie, éclairage")
            a.delete(budget)
            a.react(seen, "👍", True, "alice")
            a.react(schools, "🎉", True, "alice")
            a.react(schools, "🎉", False, "alice")
            with pytest.raises(Exception, match="propres messages"):
                a.edit(seen, "pas à moi")
            shown = {m.client_id: m for m in a.messages(room_id)}
            assert shown[agenda].text == "Ordre du jour : voirie, éclairage" and shown[agenda].edited_at
            assert shown[budget].deleted and shown[budget].text == ""
            assert shown[seen].reactions == {"👍": ["alice"]} and shown[schools].reactions == {}
            assert outbox.counts(a.conn) == {"chat": 4}  # one edit, one deletion, two reactions

            report = await _sync(w, "alice")
            assert report.errors == [] and outbox.counts(a.conn) == {}
            assert a.conn.execute("SELECT sum(local_changes) FROM chat_messages").fetchone() == (0,)

            fetched = b.rev_fetched(room_id)
            counting = Counting(w.transport)
            report = await _sync(w, "bob", counting)
            assert report.chat_received == 3  # the edit, the deletion, the reaction
            pages = [q for method, path, q in counting.requests if method == "GET" and path.endswith("/messages")]
            assert pages == [{"changed_after": str(fetched), "limit": "200"}]
            got = {m.client_id: m for m in b.messages(room_id)}
            assert got[agenda].text == "Ordre du jour : voirie, éclairage" and got[agenda].edited_at
            assert got[budget].deleted and got[budget].text == ""
            assert got[seen].reactions == {"👍": ["alice"]}
            assert got[schools].reactions == {} and got[schools].text == "Point 3 : écoles"
            assert [m.seq for m in b.messages(room_id)] == [1, 2, 3, 4]
            # Deleting again, or what the server deleted already, is done without a word.
            await _sync(w, "alice")
            assert (await _sync(w, "bob", counting)).chat_received == 0

    run(scenario())


def test_read_markers_follow_the_user_across_devices(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            second = Vault.create(tmp_path / "alice-portable", "x")
            try:
                await sign_in(second.conn, URL, "alice", USERS["alice"], transport=w.transport)
                b = _store(w, "bob")
                room_id = b.create_room("Accueil", ["alice"])
                for i in range(5):
                    b.send(room_id, f"Visiteur n° {i}", "bob")
                await _sync(w, "bob")
                desk, laptop = _store(w, "alice"), ChatStore(second.conn)
                await _sync(w, "alice")
                await Engine(second.conn, w.transport).sync_once()
                assert (desk.room(room_id).unread, laptop.room(room_id).unread) == (5, 5)

                laptop.mark_read(room_id, 3)
                assert (laptop.room(room_id).read_seq, laptop.room(room_id).unread) == (3, 2)
                await Engine(second.conn, w.transport).sync_once()
                await _sync(w, "alice")
                assert (desk.room(room_id).read_seq, desk.room(room_id).unread) == (3, 2)

                # The desk reads everything offline; a round that lists the server's older marker
                # does not move it back; its push brings the laptop along.
                desk.mark_read(room_id, 5)
                assert desk.room(room_id).unread == 0
                laptop.mark_read(room_id, 4)
                await Engine(second.conn, w.transport).sync_once()
                assert (laptop.room(room_id).read_seq, laptop.room(room_id).unread) == (4, 1)
                await _sync(w, "alice")
                assert (desk.room(room_id).read_seq, desk.room(room_id).unread) == (5, 0)
                await Engine(second.conn, w.transport).sync_once()
                assert (laptop.room(room_id).read_seq, laptop.room(room_id).unread) == (5, 0)
                # A live "read" event never moves a marker back.
                assert apply_event(laptop, {"type": "read", "room": room_id, "seq": 2}) == room_id
                assert laptop.room(room_id).read_seq == 5
                assert outbox.counts(desk.conn) == {} and outbox.counts(second.conn) == {}
            finally:
                second.close()

    run(scenario())


def test_offline_messages_go_in_batches_in_order_exactly_once(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    acknowledged: list[str] = []
    monkeypatch.setattr(chat_sync, "_sent", acknowledged.append)
    n = 250

    async def scenario() -> None:
        async with world(tmp_path) as w:
            a = _store(w, "alice")
            room_id = a.create_room("Élections", ["bob"])
            texts = [f"Bureau de vote n° {i} : procès-verbal reçu" for i in range(n)]
            for text in texts:
                a.send(room_id, text, "alice")
            counting = Counting(w.transport)
            report = await _sync(w, "alice", counting)
            assert (report.chat_sent, report.errors) == (n, [])
            assert counting.posts("/messages/batch") == 3  # 100 + 100 + 50
            assert counting.posts("/messages") == 0
            assert acknowledged == [m.client_id for m in a.messages(room_id)]
            await _sync(w, "bob")
            got = _store(w, "bob").messages(room_id)
            assert [m.text for m in got] == texts
            assert [m.seq for m in got] == list(range(1, n + 1))
            async with client(a.conn, transport=w.transport) as http:
                rooms = (await http.get("/api/chat/rooms")).json()["rooms"]
                assert [r["last_seq"] for r in rooms if r["id"] == room_id] == [n]

    run(scenario())


def test_a_bad_message_fails_alone_in_its_batch(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            a = _store(w, "alice")
            room_id = a.create_room("Travaux", ["bob"])
            a.send(room_id, "un", "alice")
            bad = a.send(room_id, "réponse à rien", "alice", reply_to=999)
            a.send(room_id, "trois", "alice")
            counting = Counting(w.transport)
            report = await _sync(w, "alice", counting)
            assert counting.posts("/messages/batch") == 1 and counting.posts("/messages") == 3
            assert report.chat_sent == 2 and len(report.errors) == 1 and "404" in report.errors[0]
            failed = a.get(bad)
            assert failed is not None and failed.state == "failed" and "999" in (failed.last_error or "")
            await _sync(w, "bob")
            assert [m.text for m in _store(w, "bob").messages(room_id)] == ["un", "trois"]

    run(scenario())


class Meddling(httpx.AsyncBaseTransport):
    """Runs `meddle` once, as the first batch of messages is on its way to the server; with
    `live`, also hands each stored message to `live` (as the event stream would, before the
    answer to the post comes back)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, meddle: Any, live: Any = None) -> None:
        self.inner, self.meddle, self.live = inner, meddle, live

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/messages/batch") and self.meddle:
            self.meddle()
            self.meddle = None
            response = await self.inner.handle_async_request(request)
            if self.live is not None:
                body = json.loads(await response.aread())
                for m in body["messages"]:
                    self.live(m)
                return httpx.Response(response.status_code, headers=response.headers, content=json.dumps(body))
            return response
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize("live_event_first", [False, True])
def test_changes_made_while_a_message_is_on_its_way_are_kept(tmp_path: Path, live_event_first: bool) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            a = _store(w, "alice")
            room_id = a.create_room("Presse", ["bob"])
            typo = a.send(room_id, "Communiqé", "alice")
            oops = a.send(room_id, "Pas pour la presse", "alice")
            a.send(room_id, "Conférence à 11 h", "alice")
            ui = w.profiles["alice"].connect()  # the window's own connection, meanwhile
            try:
                def meddle() -> None:
                    ChatStore(ui).edit(typo, "Communiqué")
                    ChatStore(ui).delete(oops)

                def live(m: dict[str, Any]) -> None:
                    assert apply_event(a, {"type": "message", "message": m}) == room_id

                await _sync(w, "alice", Meddling(w.transport, meddle, live if live_event_first else None))
            finally:
                ui.close()
            shown = {m.client_id: m for m in a.messages(room_id)}
            assert shown[typo].text == "Communiqué" and shown[oops].deleted and shown[oops].text == ""
            assert [m.state for m in a.messages(room_id)] == ["sent"] * 3
            assert outbox.counts(a.conn) == {"chat": 2}  # the edit and the deletion, queued
            await _sync(w, "alice")
            assert outbox.counts(a.conn) == {}
            await _sync(w, "bob")
            got = _store(w, "bob").messages(room_id)
            assert [(m.text, m.deleted) for m in got] == [("Communiqué", False), ("", True),
                                                          ("Conférence à 11 h", False)]
            assert {m.client_id: m.text for m in a.messages(room_id)} == {m.client_id: m.text for m in got}

    run(scenario())


def test_deleting_a_message_a_failed_round_may_have_delivered(tmp_path: Path) -> None:
    """The server stored the batch but its answer was lost; the user deletes one of those
    messages before the next round: it is deleted on the server too, not left there."""

    async def scenario() -> None:
        async with world(tmp_path) as w:
            a = _store(w, "alice")
            room_id = a.create_room("Presse", ["bob"])
            keep = a.send(room_id, "Conférence à 11 h", "alice")
            oops = a.send(room_id, "Brouillon à ne pas diffuser", "alice")
            never = a.send(room_id, "Écrit après la panne", "alice")  # never tried: it just goes
            with transaction(a.conn):  # as if only the first two were in the lost batch
                outbox.remove(a.conn, outbox.get(a.conn, f"chat.send:{never}"))  # type: ignore[arg-type]
            with pytest.raises(Unreachable):
                await _sync(w, "alice", Vanishing(w.transport, 1, lose_answer=True))
            with transaction(a.conn):
                outbox.add(a.conn, "chat.send", room_id, f"chat.send:{never}", json.dumps({"client_id": never}))
            a.delete(oops)
            a.delete(never)
            shown = {m.client_id: m for m in a.messages(room_id)}
            assert shown[oops].deleted and shown[oops].state == "pending" and never not in shown
            await _sync(w, "alice")
            await _sync(w, "alice")
            assert outbox.counts(a.conn) == {}
            await _sync(w, "bob")
            got = _store(w, "bob").messages(room_id)
            assert [(m.client_id, m.text, m.deleted) for m in got] == [
                (keep, "Conférence à 11 h", False), (oops, "", True)]

    run(scenario())


def test_live_events_only_move_messages_forward(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            room_id = await _shared_room(w, ["Bonjour"])
            a = _store(w, "alice")
            unread = a.room(room_id).unread
            # What bob's requests return is what the event stream carries.
            async with client(w.profiles["bob"].conn, transport=w.transport) as http:
                base = f"/api/chat/rooms/{room_id}/messages"
                posted = (await http.post(base, json={"client_id": "7d2f4bba-6a0b-4d4a-9a57-1f0a8c1d2e3f",
                                                      "text": "Réunion reportée"})).json()
                edited = (await http.patch(f"{base}/{posted['seq']}", json={"text": "Réunion reportée à jeudi"})).json()
                reacted = (await http.put(f"{base}/{posted['seq']}/reactions/👍")).json()
            assert posted["rev"] < edited["rev"] < reacted["rev"]
            assert apply_event(a, {"type": "message", "message": posted}) == room_id
            assert a.room(room_id).unread == unread + 1
            assert apply_event(a, {"type": "reaction", "message": reacted}) == room_id
            assert apply_event(a, {"type": "edit", "message": edited}) == room_id  # late: older than the reaction
            assert apply_event(a, {"type": "message", "message": posted}) == room_id  # a replay
            m = a.get(posted["client_id"])
            assert m is not None and (m.text, m.reactions, m.rev) == ("Réunion reportée à jeudi", {"👍": ["bob"]},
                                                                      reacted["rev"])
            assert a.room(room_id).unread == unread + 1
            assert apply_event(a, {"type": "typing", "room": room_id, "user": "bob"}) is None
            assert apply_event(a, {"type": "room", "room": {"id": room_id}}) == FULL_PULL
            assert apply_event(a, {"type": "removed", "room": room_id}) == FULL_PULL
            unknown = {**posted, "room": "0" * 32, "client_id": "8d2f4bba-6a0b-4d4a-9a57-1f0a8c1d2e3f"}
            assert apply_event(a, {"type": "message", "message": unknown}) is None
            with pytest.raises(KeyError):
                apply_event(a, {"type": "edit"})
            # The next round agrees, and finds nothing newer.
            await _sync(w, "alice")
            assert a.get(posted["client_id"]) == m

    run(scenario())


def test_a_direct_conversation_started_offline_reaches_the_other_person(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            a, b = _store(w, "alice"), _store(w, "bob")
            room_id = a.create_direct(["bob", "alice", " "], "alice")
            a.send(room_id, "Un mot en privé sur le budget", "alice")
            await _sync(w, "alice")
            await _sync(w, "bob")
            room = b.room(room_id)
            assert (room.kind, room.name, room.unread) == ("direct", "alice, bob", 1)
            assert b.members(room_id) == a.members(room_id) == ["alice", "bob"]  # for @-completion
            assert b.mentionable(room_id) == ["alice", "bob"]
            assert [m.text for m in b.messages(room_id)] == ["Un mot en privé sur le budget"]
            # Carole is not in it: the server does not even list it for her.
            await _sync(w, "carole")
            assert not _store(w, "carole").has_room(room_id)
            with pytest.raises(InvalidInput):
                a.create_direct(["alice"], "alice")

    run(scenario())
