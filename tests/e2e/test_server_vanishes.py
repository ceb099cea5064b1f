"""A server that vanishes mid-sync loses nothing and corrupts nothing; the next sync finishes
the job, and the other client receives every edit exactly once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage import outbox
from storage.docs import DocStore, insert_text
from storage.vault import Vault
from sync.account import sign_in
from sync.docs import DocSession
from sync.engine import Engine, share
from sync.errors import Unreachable

from .servers import add_user, start_server

pytestmark = pytest.mark.slow
DOCS = 12


def test_sigkill_mid_round_then_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "server"
    add_user(data, "alice", "mdp-alice")
    add_user(data, "bob", "mdp-bob")
    server = start_server(data)
    a = Vault.create(tmp_path / "a", "x")
    b = Vault.create(tmp_path / "b", "x")
    try:
        asyncio.run(sign_in(a.conn, server.url, "alice", "mdp-alice"))
        asyncio.run(sign_in(b.conn, server.url, "bob", "mdp-bob"))
        store = DocStore(a.conn)
        expected = {}
        for i in range(DOCS):
            doc_id = store.create(f"Délibération n° {i}")
            od = store.open(doc_id)
            for word in ("Vote ", "à ", "l'unanimité ", f"✅ {i}"):
                store.edit(od, lambda o, w=word: insert_text(o, None, w))
            share(a.conn, doc_id, "bob", "reader")
            expected[doc_id] = od.text()

        # Kill the server with SIGKILL right after it acknowledged the third document.
        acked: list[str] = []
        original = DocSession._acknowledged

        def acknowledged(self: DocSession, count: int) -> None:
            original(self, count)
            acked.append(self.od.id)
            if len(acked) == 3:
                server.process.kill()

        monkeypatch.setattr(DocSession, "_acknowledged", acknowledged)
        with pytest.raises(Unreachable):
            asyncio.run(Engine(a.conn).sync_once())
        server.process.wait(10)
        monkeypatch.setattr(DocSession, "_acknowledged", original)

        # Nothing local was lost or corrupted; what was not acknowledged is still pending.
        for doc_id, text in expected.items():
            assert store.open(doc_id).text() == text
        pending = {e.target for e in outbox.pending(a.conn, outbox.DOC_UPDATE)}
        assert set(acked[:3]).isdisjoint(pending)
        assert len(pending) == DOCS - 3

        server = start_server(data, port=server.port)
        asyncio.run(Engine(a.conn).sync_once())
        assert outbox.counts(a.conn) == {}
        asyncio.run(Engine(b.conn).sync_once())
        other = DocStore(b.conn)
        for doc_id, text in expected.items():
            assert other.open(doc_id).text() == text  # every edit, exactly once
            assert other.open(doc_id).title() == store.open(doc_id).title()
    finally:
        server.stop()
        a.close()
        b.close()
