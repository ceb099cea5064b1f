"""The client engine against the real server in-process: convergence, acknowledgement,
transports, rights and status."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from storage import outbox
from storage.db import get_secret
from storage.docs import DocStore, delete_text, insert_text
from sync.account import client, sign_in
from sync.docs import LiveDoc
from sync.engine import Backoff, Engine, share
from sync.errors import AuthFailed, NoAccount, Unreachable

from .conftest import URL, world

LINE = "Présents : Mme Dupré 😀, M. Lefèvre"


def test_two_clients_converge_after_both_edited_offline(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            a, b = DocStore(w.profiles["alice"].conn), DocStore(w.profiles["bob"].conn)
            ea, eb = Engine(a.conn, w.transport), Engine(b.conn, w.transport)
            doc_id = a.create("Procès-verbal")
            od = a.open(doc_id)
            a.edit(od, lambda o: insert_text(o, None, LINE))
            share(a.conn, doc_id, "bob", "editor")
            await ea.sync_once()
            await eb.sync_once()
            ob = b.open(doc_id)
            assert ob.text() == LINE
            # Both offline, same paragraph.
            a.edit(od, lambda o: insert_text(o, LINE.index("M."), "M. le Maire, "))
            b.edit(ob, lambda o: delete_text(o, 0, len("Présents : ")))
            b.edit(ob, lambda o: insert_text(o, 0, "Étaient présents : "))
            await ea.sync_once()
            await eb.sync_once()
            await ea.sync_once()
            expected = "Étaient présents : Mme Dupré 😀, M. le Maire, M. Lefèvre"
            assert a.open(doc_id).text() == b.open(doc_id).text() == expected
            assert outbox.counts(a.conn) == outbox.counts(b.conn) == {}

    asyncio.run(scenario())


@pytest.mark.parametrize("transport", ["websocket", "http"])
def test_each_transport_alone_converges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, transport: str) -> None:
    monkeypatch.setenv("PARVIS_SYNC_TRANSPORT", transport)

    async def scenario() -> None:
        async with world(tmp_path) as w:
            a, b = DocStore(w.profiles["alice"].conn), DocStore(w.profiles["bob"].conn)
            doc_id = a.create("Ordre du jour")
            od = a.open(doc_id)
            a.edit(od, lambda o: insert_text(o, None, "1. Budget 💶"))
            share(a.conn, doc_id, "bob", "editor")
            await Engine(a.conn, w.transport).sync_once()
            await Engine(b.conn, w.transport).sync_once()
            ob = b.open(doc_id)
            b.edit(ob, lambda o: insert_text(o, None, "\n2. Voirie"))
            await Engine(b.conn, w.transport).sync_once()
            await Engine(a.conn, w.transport).sync_once()
            assert a.open(doc_id).text() == "1. Budget 💶\n2. Voirie"
            assert outbox.counts(b.conn) == {}

    asyncio.run(scenario())


class BlocksWebSocket(httpx.AsyncBaseTransport):
    """A proxy that refuses WebSocket upgrades and passes plain HTTP."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("upgrade", "").lower() == "websocket":
            self.refused += 1
            return httpx.Response(502, json={"error": "proxy"})
        return await self.inner.handle_async_request(request)


def test_falls_back_to_http_when_a_proxy_blocks_websocket(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path, BlocksWebSocket) as w:
            a = DocStore(w.profiles["alice"].conn)
            doc_id = a.create("Compte rendu")
            a.edit(a.open(doc_id), lambda o: insert_text(o, None, "texte"))
            a.create("Deuxième")
            report = await Engine(a.conn, w.transport).sync_once()
            assert report.documents == 2 and report.errors == []
            assert outbox.counts(a.conn) == {}
            assert isinstance(w.transport, BlocksWebSocket) and w.transport.refused == 1  # tried once
            c = DocStore(w.profiles["carole"].conn)
            assert not c.exists(doc_id)  # carole is not a member

    asyncio.run(scenario())


def test_updates_stay_pending_until_the_server_acknowledges(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            a, b = DocStore(w.profiles["alice"].conn), DocStore(w.profiles["bob"].conn)
            doc_id = a.create("PV")
            share(a.conn, doc_id, "bob", "reader")
            await Engine(a.conn, w.transport).sync_once()
            await Engine(b.conn, w.transport).sync_once()
            # A reader's edit is refused by the server: it stays pending, with the reason.
            b.edit(b.open(doc_id), lambda o: insert_text(o, None, "modification interdite"))
            report = await Engine(b.conn, w.transport).sync_once()
            assert report.errors and "refuse" in report.errors[0]
            assert outbox.counts(b.conn) == {"docs": 1}
            await Engine(a.conn, w.transport).sync_once()
            assert a.open(doc_id).text() == ""

    asyncio.run(scenario())


def test_live_edits_reach_the_other_client(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            a_ui = DocStore(w.profiles["alice"].conn)
            doc_id = a_ui.create("PV en direct")
            share(a_ui.conn, doc_id, "bob", "editor")
            await Engine(a_ui.conn, w.transport).sync_once()
            await Engine(w.profiles["bob"].conn, w.transport).sync_once()
            a_sync = DocStore(w.profiles["alice"].connect())
            b_sync = DocStore(w.profiles["bob"].connect())
            received: asyncio.Queue[bytes] = asyncio.Queue()
            async with client(a_sync.conn, transport=w.transport) as ca, \
                    client(b_sync.conn, transport=w.transport) as cb:
                async with LiveDoc(ca, a_sync, doc_id) as la, LiveDoc(cb, b_sync, doc_id, received.put_nowait) as lb:
                    await la.ready()
                    await lb.ready()
                    ui_doc = a_ui.open(doc_id)
                    for ch in "Séance ouverte à 18 h 😀":
                        a_ui.edit(ui_doc, lambda o, c=ch: insert_text(o, None, c))
                        assert await la.push() == 1
                        await asyncio.wait_for(received.get(), 5)
                    assert lb.od.text() == "Séance ouverte à 18 h 😀"
                    await asyncio.wait_for(_until(lambda: not la.session.awaiting), 5)  # type: ignore[union-attr]
            assert outbox.counts(a_ui.conn) == {}
            assert DocStore(w.profiles["bob"].conn).open(doc_id).text() == "Séance ouverte à 18 h 😀"

    asyncio.run(scenario())


async def _until(predicate: object) -> None:
    while not predicate():  # type: ignore[operator]
        await asyncio.sleep(0.01)


def test_sign_in_errors_and_token_in_the_vault(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            conn = w.profiles["alice"].conn
            assert get_secret(conn, "token:1")
            with pytest.raises(AuthFailed, match="refusé"):
                await sign_in(conn, URL, "alice", "mauvais", transport=w.transport)
            with pytest.raises(Unreachable, match="injoignable"):
                await sign_in(conn, "http://127.0.0.1:9", "alice", "x")

    asyncio.run(scenario())


def test_unreachable_server_is_reported_and_changes_nothing(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            conn = w.profiles["alice"].conn
            conn.execute("UPDATE accounts SET server_url = 'http://127.0.0.1:9'")
            a = DocStore(conn)
            doc_id = a.create("Hors ligne")
            engine = Engine(conn)
            with pytest.raises(Unreachable):
                await engine.sync_once()
            assert engine.status.online is False and engine.status.pending == {"docs": 2}
            assert engine.status.last_error and "injoignable" in engine.status.last_error
            assert a.open(doc_id).title() == "Hors ligne"

    asyncio.run(scenario())


def test_local_only_profile_has_no_account(vault: object) -> None:
    with pytest.raises(NoAccount, match="local"):
        asyncio.run(Engine(vault.conn).sync_once())  # type: ignore[attr-defined]


def test_backoff_grows_with_full_jitter() -> None:
    top = Backoff(base=1.0, cap=60.0, rng=lambda: 1.0)
    assert [top.next_delay() for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    low = Backoff(rng=lambda: 0.0)
    assert low.next_delay() == 0
    top.reset()
    assert top.next_delay() == 1


def test_an_idle_sync_sends_almost_nothing(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            a = DocStore(w.profiles["alice"].conn)
            doc_id = a.create("Beaucoup de suppressions")
            od = a.open(doc_id)
            for i in range(200):
                a.edit(od, lambda o, i=i: insert_text(o, None, f"mot{i} "))
                if i % 2:
                    a.edit(od, lambda o: delete_text(o, 0, 3))
            engine = Engine(a.conn, w.transport)
            busy = await engine.sync_once()
            idle = await engine.sync_once()
            # The busy round carried the edits and the delete set; the idle one only the
            # state vector and an empty update.
            assert busy.bytes_sent > 1000
            assert idle.bytes_sent < 40, idle.bytes_sent

    asyncio.run(scenario())


class Outage(httpx.AsyncBaseTransport):
    """A network that can be cut and restored."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down = False
        self.attempts = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            self.attempts += 1
            raise httpx.ConnectError("réseau coupé", request=request)
        return await self.inner.handle_async_request(request)


def test_run_retries_with_backoff_and_recovers(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path, Outage) as w:
            assert isinstance(w.transport, Outage)
            w.transport.down = True
            a = DocStore(w.profiles["alice"].conn)
            doc_id = a.create("Écrit hors ligne")
            engine = Engine(a.conn, w.transport)
            seen: list[bool | None] = []
            engine.listeners.append(lambda s: seen.append(s.online))
            stop = asyncio.Event()
            task = asyncio.create_task(engine.run(stop, idle_poll=60, backoff=Backoff(base=0.01, cap=0.05)))
            await asyncio.wait_for(_until(lambda: w.transport.attempts >= 3), 5)  # type: ignore[attr-defined]
            assert engine.status.online is False and engine.status.pending == {"docs": 2}
            w.transport.down = False
            await asyncio.wait_for(_until(lambda: engine.status.pending == {}), 5)
            assert engine.status.online is True and engine.status.last_error is None
            stop.set()
            await asyncio.wait_for(task, 5)
            assert False in seen and seen[-1] is True
            c = DocStore(w.profiles["carole"].conn)
            assert not c.exists(doc_id)

    asyncio.run(scenario())


def test_delete_owner_removes_for_all_member_leaves_unsynced_is_forgotten(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            a, b = DocStore(w.profiles["alice"].conn), DocStore(w.profiles["bob"].conn)
            ea, eb = Engine(a.conn, w.transport), Engine(b.conn, w.transport)
            kept, gone = a.create("Commission voirie"), a.create("Brouillon")
            share(a.conn, kept, "bob", "editor")
            share(a.conn, gone, "bob", "editor")
            await ea.sync_once()
            await eb.sync_once()
            assert {d.id for d in b.all()} == {kept, gone}
            # Bob leaves `kept`: it disappears for him only, and a sync does not bring it back.
            b.delete(kept)
            await eb.sync_once()
            assert {d.id for d in b.all()} == {gone}
            # Alice, the owner, deletes `gone` for everyone.
            a.delete(gone)
            assert outbox.counts(a.conn) == {"docs": 1}
            await ea.sync_once()
            await eb.sync_once()
            assert {d.id for d in a.all()} == {kept}
            assert b.all() == []
            # A document the server never saw leaves nothing to send.
            draft = a.create("Jamais synchronisé")
            a.delete(draft)
            assert outbox.counts(a.conn) == {}

    asyncio.run(scenario())


def test_presence_reaches_the_other_client_and_leaves_with_it(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            a = DocStore(w.profiles["alice"].conn)
            doc_id = a.create("PV en direct")
            share(a.conn, doc_id, "bob", "editor")
            await Engine(a.conn, w.transport).sync_once()
            await Engine(w.profiles["bob"].conn, w.transport).sync_once()
            b = DocStore(w.profiles["bob"].connect())
            seen: asyncio.Queue[dict[int, dict[str, object]]] = asyncio.Queue()
            state = {"user": {"name": "Alice Dupré", "color": "#1f77b4"}, "cursor": None}
            async with client(a.conn, transport=w.transport) as ca, client(b.conn, transport=w.transport) as cb:
                async with LiveDoc(cb, b, doc_id, on_peers=seen.put_nowait) as lb:
                    await lb.ready()
                    async with LiveDoc(ca, a, doc_id) as la:
                        await la.ready()
                        await la.set_presence(state)
                        peers = await asyncio.wait_for(seen.get(), 5)
                        assert list(peers.values()) == [state]
                        assert list(peers) == [a.client_id]
                    # Alice closed the document: her presence goes with her.
                    assert await asyncio.wait_for(seen.get(), 5) == {}

    asyncio.run(scenario())


def test_a_round_syncs_only_documents_that_changed(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with world(tmp_path) as w:
            a, b = DocStore(w.profiles["alice"].conn), DocStore(w.profiles["bob"].conn)
            ea, eb = Engine(a.conn, w.transport), Engine(b.conn, w.transport)
            ids = [a.create(f"Commission {n}") for n in range(3)]
            share(a.conn, ids[1], "bob", "editor")
            assert (await ea.sync_once()).documents == 3
            await eb.sync_once()
            # Our own pushes moved the server's versions: one more look, then nothing to do.
            await ea.sync_once()
            assert (await ea.sync_once()).documents == 0
            ob = b.open(ids[1])
            b.edit(ob, lambda o: insert_text(o, None, "Avis favorable."))
            await eb.sync_once()
            assert (await ea.sync_once()).documents == 1
            assert a.open(ids[1]).text() == "Avis favorable."
            od = a.open(ids[2])
            a.edit(od, lambda o: insert_text(o, None, "Local"))
            assert (await ea.sync_once()).documents == 1

    asyncio.run(scenario())
