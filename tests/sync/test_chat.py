"""Chat sync against the real server, in-process: offline messages go out in order and exactly
once, replays are deduplicated, refusals show as failed, and a server that vanishes mid-round
loses nothing."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from storage import outbox, search
from storage.chat import ChatStore
from storage.db import transaction
from storage.vault import Vault
from sync import chat as chat_sync
from sync.account import client
from sync.engine import Engine
from sync.errors import Unreachable

from .conftest import World, run, world

N = 200


def _texts(store: ChatStore, room_id: str) -> list[str]:
    return [m.text for m in store.messages(room_id)]


async def _offline_room(w: World, n: int) -> tuple[str, list[str]]:
    a = ChatStore(w.profiles["alice"].conn)
    room_id = a.create_room("Voirie", ["bob"])
    texts = [f"Message n° {i} : la chaussée rue de l'Église est réparée ✅" for i in range(n)]
    for text in texts:
        a.send(room_id, text, "alice")
    return room_id, texts


def test_offline_messages_arrive_in_order_exactly_once(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            room_id, texts = await _offline_room(w, N)
            a = ChatStore(w.profiles["alice"].conn)
            assert {m.state for m in a.messages(room_id)} == {"pending"}
            assert outbox.counts(a.conn) == {"chat": N + 1}

            report = await Engine(a.conn, w.transport).sync_once()
            assert (report.chat_sent, report.errors) == (N, [])
            assert outbox.counts(a.conn) == {}
            sent = a.messages(room_id)
            assert [m.seq for m in sent] == list(range(1, N + 1))
            assert {m.state for m in sent} == {"sent"}

            b = ChatStore(w.profiles["bob"].conn)
            await Engine(b.conn, w.transport).sync_once()
            assert b.resolve("voirie") == room_id
            assert _texts(b, room_id) == texts
            assert [m.seq for m in b.messages(room_id)] == list(range(1, N + 1))
            assert b.room(room_id).unread == N
            # The server's epoch timestamps are kept in the store's own form: ISO, UTC, like ours.
            assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", m.created_at)
                       for m in b.messages(room_id))
            # A second round fetches nothing new and duplicates nothing.
            report = await Engine(b.conn, w.transport).sync_once()
            assert report.chat_received == 0
            assert _texts(b, room_id) == texts

            search.refresh(b.conn, {"chat": b.search_content})
            hits = search.query(b.conn, "eglise 17 reparee")
            assert [h.ref for h in hits] == [b.messages(room_id)[17].client_id]

    run(scenario())


def test_replayed_message_is_deduplicated(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            room_id, _ = await _offline_room(w, 3)
            a = ChatStore(w.profiles["alice"].conn)
            await Engine(a.conn, w.transport).sync_once()
            first = a.messages(room_id)[1]
            # The acknowledgement was lost: the same message is queued and sent again.
            with transaction(a.conn):
                a.conn.execute("UPDATE chat_messages SET seq = NULL, state = 'pending' WHERE client_id = ?",
                               (first.client_id,))
                outbox.add(a.conn, outbox.CHAT_SEND, room_id, f"chat.send:{first.client_id}",
                           f'{{"client_id": "{first.client_id}"}}')
            report = await Engine(a.conn, w.transport).sync_once()
            assert report.errors == []
            assert a.get(first.client_id).seq == first.seq  # type: ignore[union-attr]
            async with client(a.conn, transport=w.transport) as http:
                body = {"client_id": first.client_id, "text": first.text}
                again = await http.post(f"/api/chat/rooms/{room_id}/messages", json=body)
                assert (again.status_code, again.json()["seq"]) == (200, first.seq)
            b = ChatStore(w.profiles["bob"].conn)
            await Engine(b.conn, w.transport).sync_once()
            assert [m.seq for m in b.messages(room_id)] == [1, 2, 3]

    run(scenario())


def test_non_member_is_refused_and_message_shows_failed(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            room_id, texts = await _offline_room(w, 2)
            await Engine(w.profiles["alice"].conn, w.transport).sync_once()
            c = ChatStore(w.profiles["carole"].conn)
            await Engine(c.conn, w.transport).sync_once()
            assert c.rooms() == []  # carole learns nothing about the room
            async with client(c.conn, transport=w.transport) as http:
                assert (await http.get(f"/api/chat/rooms/{room_id}/messages")).status_code == 404
                assert (await http.get(f"/api/chat/rooms/{room_id}")).status_code == 404
            # Carole's client knows the id somehow and writes to it: the message fails, with the reason.
            with transaction(c.conn):
                c.adopt_room({"id": room_id, "name": "Voirie"})
            client_id = c.send(room_id, "Je m'invite", "carole")
            report = await Engine(c.conn, w.transport).sync_once()
            failed = c.get(client_id)
            assert failed is not None and failed.state == "failed" and "404" in (failed.last_error or "")
            assert any("404" in e for e in report.errors)
            b = ChatStore(w.profiles["bob"].conn)
            await Engine(b.conn, w.transport).sync_once()
            assert _texts(b, room_id) == texts
            # A retry queues it again (and it fails again, still with a reason).
            c.retry(client_id)
            assert c.get(client_id).state == "pending"  # type: ignore[union-attr]

    run(scenario())


def test_pending_messages_survive_reopening(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            room_id, texts = await _offline_room(w, 5)
            w.profiles["alice"].close()
            vault = Vault.open(tmp_path / "alice", lambda: "x")
            w.profiles["alice"] = vault
            a = ChatStore(vault.conn)
            assert _texts(a, room_id) == texts
            assert {m.state for m in a.messages(room_id)} == {"pending"}
            assert outbox.counts(vault.conn) == {"chat": 6}
            await Engine(vault.conn, w.transport).sync_once()
            assert [m.seq for m in a.messages(room_id)] == [1, 2, 3, 4, 5]

    run(scenario())


class Vanishing(httpx.AsyncBaseTransport):
    """Lets `budget` message posts (a batch is one) through, then behaves as a server that went
    away. With `lose_answer`, the last post let through reaches the server, which stores it, but
    its answer is lost on the way back."""

    def __init__(self, inner: httpx.AsyncBaseTransport, budget: int, lose_answer: bool = False) -> None:
        self.inner, self.budget, self.lose_answer = inner, budget, lose_answer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith(("/messages", "/messages/batch")):
            if self.budget <= 0:
                raise httpx.ConnectError("All connection attempts failed", request=request)
            self.budget -= 1
            if self.budget == 0 and self.lose_answer:
                await self.inner.handle_async_request(request)
                raise httpx.ReadError("Connection reset by peer", request=request)
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize("lose_answer", [False, True])
def test_server_vanishing_mid_round_loses_and_duplicates_nothing(tmp_path: Path, lose_answer: bool) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            room_id, texts = await _offline_room(w, 250)
            a = ChatStore(w.profiles["alice"].conn)
            with pytest.raises(Unreachable):
                await Engine(a.conn, Vanishing(w.transport, 1, lose_answer)).sync_once()
            acknowledged = 0 if lose_answer else 100  # a batch is acknowledged whole, or not at all
            states = [m.state for m in a.messages(room_id)]
            assert states == ["sent"] * acknowledged + ["pending"] * (250 - acknowledged)
            assert outbox.counts(a.conn) == {"chat": 250 - acknowledged}
            await Engine(a.conn, w.transport).sync_once()
            assert outbox.counts(a.conn) == {}
            assert [m.seq for m in a.messages(room_id)] == list(range(1, 251))
            b = ChatStore(w.profiles["bob"].conn)
            await Engine(b.conn, w.transport).sync_once()
            assert _texts(b, room_id) == texts
            assert [m.seq for m in b.messages(room_id)] == list(range(1, 251))

    run(scenario())


def test_sent_hook_is_called_per_acknowledgement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    monkeypatch.setattr(chat_sync, "_sent", seen.append)

    async def scenario() -> None:
        async with world(tmp_path) as w:
            await _offline_room(w, 4)
            await Engine(w.profiles["alice"].conn, w.transport).sync_once()

    run(scenario())
    assert len(seen) == 4
