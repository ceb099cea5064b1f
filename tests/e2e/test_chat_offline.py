"""Chat end to end, with the real server in a subprocess and the `parvis` CLI: 200 messages
written by A while the server is stopped (one with files attached) reach B in order and exactly
once after A's `parvis sync`, even though the server is killed (SIGKILL) halfway through A's
first sync (messages go in batches of 100: the kill comes after the first batch)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from storage import outbox
from storage.chat import ChatStore
from storage.vault import Vault
from sync import chat as chat_sync
from sync.engine import Engine
from sync.errors import Unreachable

from .cli import PASSPHRASE, Profile
from .servers import add_user, start_server

pytestmark = pytest.mark.slow
N = 200
KILL_AFTER = 100


def test_offline_chat_survives_server_kill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "server"
    add_user(data, "alice", "mdp-alice")
    add_user(data, "bob", "mdp-bob")
    server = start_server(data)
    a, b = Profile(tmp_path / "a", "mdp-alice"), Profile(tmp_path / "b", "mdp-bob")
    try:
        for profile, user in ((a, "alice"), (b, "bob")):
            profile.run("init")
            profile.run("account", "add", "--server", server.url, "--user", user)
        server.stop()

        # Offline: the room and the first messages through the CLI, the rest through the store.
        room_id = a.run("chat", "new", "Urbanisme", "--members", "bob").stdout.strip().splitlines()[-1]
        texts = [f"Permis n° {i} : avis favorable, à signer 📝" for i in range(N)]
        a.run("chat", "send", "urbanisme", texts[0])
        a.run("chat", "send", room_id[:8], texts[1])
        big = tmp_path / "plan.pdf"
        with big.open("wb") as f:
            f.truncate(31 * 1024 * 1024)
        refused = a.run("chat", "send", "Urbanisme", "pièce", "--attach", str(big), check=False)
        assert refused.returncode == 1, refused.stderr
        assert refused.stderr.strip() == "parvis : « plan.pdf » est trop gros : 31,0 Mo, maximum 25 Mo."
        plan = tmp_path / "Plan de masse — rue de l'Église.pdf"
        plan.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 400)
        notice = tmp_path / "avis.txt"
        notice.write_text("Avis favorable du service", encoding="utf-8")
        a.run("chat", "send", "Urbanisme", texts[2], "--attach", str(plan), "--attach", str(notice))
        offline = a.run("sync", check=False)
        assert offline.returncode == 2, offline.stderr
        vault = Vault.open(a.folder, lambda: PASSPHRASE)
        try:
            store = ChatStore(vault.conn)
            for text in texts[3:]:
                store.send(room_id, text, "alice")
        finally:
            vault.close()
        shown = json.loads(a.run("chat", "read", "Urbanisme", "--json").stdout)
        assert [m["text"] for m in shown["messages"]] == texts
        assert {m["state"] for m in shown["messages"]} == {"pending"}
        assert json.loads(a.run("status", "--json").stdout)["pending"] == {"chat": N + 1}

        # Back online, but the server is killed right after acknowledging the 100th message.
        server = start_server(data, port=server.port)
        acked: list[str] = []

        def sent(client_id: str) -> None:
            acked.append(client_id)
            if len(acked) == KILL_AFTER:
                server.process.kill()

        monkeypatch.setattr(chat_sync, "_sent", sent)
        vault = Vault.open(a.folder, lambda: PASSPHRASE)
        try:
            with pytest.raises(Unreachable):
                asyncio.run(Engine(vault.conn).sync_once())
            server.process.wait(10)
            states = [m.state for m in ChatStore(vault.conn).messages(room_id)]
            assert states == ["sent"] * KILL_AFTER + ["pending"] * (N - KILL_AFTER)
            assert outbox.counts(vault.conn) == {"chat": N - KILL_AFTER}
        finally:
            vault.close()

        server = start_server(data, port=server.port)
        a.run("sync")
        assert json.loads(a.run("status", "--json").stdout)["pending"] == {}
        b.run("sync")
        assert room_id in b.run("chat", "rooms").stdout
        got = json.loads(b.run("chat", "read", room_id, "--json").stdout)["messages"]
        assert [m["text"] for m in got] == texts  # in order, exactly once
        assert [m["seq"] for m in got] == list(range(1, N + 1))
        assert {m["author"] for m in got} == {"alice"}
        files = got[2]["attachments"]
        assert [(f["name"], f["size"], f["downloaded"]) for f in files] == [
            (plan.name, plan.stat().st_size, True), ("avis.txt", notice.stat().st_size, True)]  # small: fetched
        shown = b.run("chat", "read", room_id).stdout
        assert f"📎 {plan.name} (100,0 Ko)" in shown
        b.run("chat", "save", files[0]["id"], str(tmp_path / "copie.pdf"))
        assert (tmp_path / "copie.pdf").read_bytes() == plan.read_bytes()
    finally:
        server.stop()
