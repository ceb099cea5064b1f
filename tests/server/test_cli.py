"""`parvis-server`: user management, serve (listening line, clean SIGTERM), and persist-before-ack
proven by SIGKILL right after the ack."""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pycrdt
import pytest
from httpx_ws import connect_ws

from sync.protocol.messages import MsgType, SyncType, decode_message, encode_update
from sync.server.cli import _RedactTokens, main

START_TIMEOUT = 20.0
PASSWORD = "mot de passe du greffe"


def cli(monkeypatch: pytest.MonkeyPatch, *args: str, password: str | None = PASSWORD) -> int:
    if password is None:
        monkeypatch.delenv("PARVIS_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("PARVIS_PASSWORD", password)
    return main(list(args))


def test_user_add_and_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "data")
    assert cli(monkeypatch, "user", "add", "marie", "--data", data) == 0
    assert cli(monkeypatch, "user", "add", "jean", "--data", data) == 0
    capsys.readouterr()
    assert cli(monkeypatch, "user", "list", "--data", data) == 0
    assert capsys.readouterr().out.splitlines() == ["jean", "marie"]


def test_user_add_errors_are_one_line_and_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "data")
    assert cli(monkeypatch, "user", "add", "marie", "--data", data) == 0
    capsys.readouterr()
    for args, password, expected in [
        (("user", "add", "marie"), PASSWORD, "existe déjà"),
        (("user", "add", "pas valide!"), PASSWORD, "nom d'utilisateur invalide"),
        (("user", "add", "paul"), "", "mot de passe vide"),
    ]:
        assert cli(monkeypatch, *args, "--data", data, password=password) == 1
        err = capsys.readouterr().err
        assert expected in err and len(err.strip().splitlines()) == 1, err


class Served:
    """`parvis-server serve` in a subprocess on 127.0.0.1, port chosen by the OS."""

    def __init__(self, data: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sync.server", "serve", "--data", str(data), "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        line = self.lines.get(timeout=START_TIMEOUT)
        assert line.startswith("parvis-server à l'écoute sur http://127.0.0.1:"), line
        self.url = line.strip().rsplit(" ", 1)[1]

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(START_TIMEOUT)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    assert cli(monkeypatch, "user", "add", "greffe", "--data", str(path)) == 0
    return path


@pytest.fixture
def served(data: Path) -> Iterator[Served]:
    srv = Served(data)
    yield srv
    srv.stop()


def login(url: str) -> str:
    r = httpx.post(f"{url}/api/login", json={"username": "greffe", "password": PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_its_address_and_stops_cleanly(served: Served, sig: signal.Signals) -> None:
    assert httpx.get(f"{served.url}/healthz", timeout=10).json() == {"status": "ok"}
    served.process.send_signal(sig)
    assert served.process.wait(START_TIMEOUT) == 0


def test_persist_before_ack_survives_sigkill(data: Path) -> None:
    first = Served(data)
    try:
        token = login(first.url)
        doc_id = "proces-verbal-2026-03-12"
        auth = {"Authorization": f"Bearer {token}"}
        assert httpx.put(f"{first.url}/api/docs/{doc_id}", headers=auth).status_code == 201
        author = pycrdt.Doc()
        body = author.get("body", type=pycrdt.Text)
        updates: list[bytes] = []
        author.observe(lambda e: updates.append(e.update))
        for i in range(50):
            body.insert(len(body), f"ligne {i} ; ")
        with httpx.Client(timeout=10) as http, connect_ws(f"{first.url}/yjs/{doc_id}?token={token}&ack=1", http) as ws:
            for u in updates:  # pipelined: the server acks once each is on disk
                ws.send_bytes(encode_update(u))
            while True:
                msg = decode_message(ws.receive_bytes(timeout=10), 1 << 20)
                if msg.type == MsgType.ACK and msg.count == len(updates):
                    first.process.send_signal(signal.SIGKILL)  # right after the ack, no shutdown
                    break
        assert first.process.wait(START_TIMEOUT) == -signal.SIGKILL
    finally:
        first.stop()
    second = Served(data)
    try:
        token = login(second.url)
        r = httpx.get(f"{second.url}/api/docs/{doc_id}/update", headers={"Authorization": f"Bearer {token}"})
        mirror = pycrdt.Doc()
        mirror.apply_update(r.content)
        assert str(mirror.get("body", type=pycrdt.Text)) == str(body)
        with httpx.Client(timeout=10) as http, connect_ws(f"{second.url}/yjs/{doc_id}?token={token}", http) as ws:
            msg = decode_message(ws.receive_bytes(timeout=10), 1 << 20)
            assert msg.sync == SyncType.STEP1 and msg.payload == author.get_state()
    finally:
        second.stop()


def test_tokens_are_redacted_from_server_logs() -> None:
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, '%s - "WebSocket %s" [accepted]',
                               ("127.0.0.1:5000", "/yjs/doc?token=s3cr3t-t0ken&ack=1"), None)
    assert _RedactTokens().filter(record)
    message = record.getMessage()
    assert "s3cr3t-t0ken" not in message and "token=***&ack=1" in message
