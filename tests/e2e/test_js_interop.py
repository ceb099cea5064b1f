"""Interop with the stock Yjs JavaScript client (yjs + y-websocket's WebsocketProvider + ws),
through a real `parvis-server`, against the `parvis` CLI.

Positions: Yjs JS counts UTF-16 code units, the `parvis` CLI counts characters. Every text
here carries accents and an astral emoji (two UTF-16 units, four UTF-8 bytes) before the
position it edits, so that any confusion between the three ways of counting shows.

Needs Node and `tests/js/node_modules` (`make test`, or `cd tests/js && npm ci`).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .servers import Server, add_user, api, executable, login, start_server

JS_DIR = Path(__file__).resolve().parents[1] / "js"
PEER = JS_DIR / "peer.mjs"
PASSPHRASE = "phrase de passe du profil"
PASSWORDS = {"alice": "mot de passe d'Alice", "bob": "mot de passe de Bob"}
PEER_TIMEOUT_MS = 15000
# A profile adopts every document of its account: the count grows with the session.
SYNCED = re.compile(r"Synchronisé : [1-9][0-9]* document\(s\), rien en attente\.\n")

pytestmark = pytest.mark.slow


def utf16(text: str) -> int:
    """Length of `text` in UTF-16 code units: a position as Yjs JS counts it."""
    return len(text.encode("utf-16-le")) // 2


# -- the server and its accounts --------------------------------------------------------


@dataclass
class Env:
    server: Server
    tokens: dict[str, str]


@pytest.fixture(scope="session")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.fail("Node est requis pour les tests d'interopérabilité JS (Node 18 ou plus).")
    for package in ("yjs", "y-websocket", "ws"):
        if not (JS_DIR / "node_modules" / package / "package.json").exists():
            pytest.fail(f"tests/js/node_modules/{package} manque : lancez « cd tests/js && npm ci » (ou make test).")
    return path


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory, node: str) -> Iterator[Env]:
    data = tmp_path_factory.mktemp("parvis-server") / "data"
    data.mkdir()
    for user, password in PASSWORDS.items():
        add_user(data, user, password)
    server = start_server(data)
    try:
        yield Env(server, {user: login(server, user, pw) for user, pw in PASSWORDS.items()})
    finally:
        server.stop()


# -- the Parvis side: the CLI in subprocesses -------------------------------------------


@dataclass
class Profile:
    path: Path

    def run(self, *args: str, password: str | None = None) -> str:
        environ = dict(os.environ, PARVIS_PASSPHRASE=PASSPHRASE)
        environ.pop("PARVIS_PASSWORD", None)
        if password is not None:
            environ["PARVIS_PASSWORD"] = password
        result = subprocess.run([executable("parvis"), "--profile", str(self.path), *args], env=environ,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, (f"parvis {' '.join(args)} → {result.returncode}\n"
                                        f"stdout: {result.stdout}\nstderr: {result.stderr}")
        return result.stdout

    def new_doc(self, title: str) -> str:
        doc_id = self.run("docs", "new", title).strip()
        uuid.UUID(doc_id)
        return doc_id

    def sync(self) -> str:
        return self.run("sync")

    def cat_json(self, doc_id: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.run("docs", "cat", doc_id, "--json"))
        return data


@pytest.fixture
def alice(env: Env, tmp_path: Path) -> Profile:
    profile = Profile(tmp_path / "alice")
    profile.run("init")
    profile.run("account", "add", "--server", env.server.url, "--user", "alice", password=PASSWORDS["alice"])
    return profile


# -- the JS side: tests/js/peer.mjs -----------------------------------------------------


def _peer_command(env: Env, doc_id: str, actions: tuple[str, ...]) -> list[str]:
    return ["node", str(PEER), env.server.ws_url, doc_id, "--timeout", str(PEER_TIMEOUT_MS), *actions]


def _peer_env(env: Env, user: str) -> dict[str, str]:
    return dict(os.environ, PARVIS_TOKEN=env.tokens[user])


def _parse(stdout: str, stderr: str, code: int) -> dict[str, Any]:
    assert code == 0, f"peer.mjs → {code}\nstdout: {stdout}\nstderr: {stderr}"
    lines = stdout.splitlines()
    assert len(lines) == 1, f"peer.mjs should print one line, got: {stdout!r}"
    result: dict[str, Any] = json.loads(lines[0])
    return result


def peer(env: Env, doc_id: str, *actions: str, user: str = "alice") -> dict[str, Any]:
    """Run the stock Yjs peer to completion and return its JSON result."""
    done = subprocess.run(_peer_command(env, doc_id, actions), env=_peer_env(env, user), cwd=JS_DIR,
                          capture_output=True, text=True, timeout=PEER_TIMEOUT_MS / 1000 * 3)
    return _parse(done.stdout, done.stderr, done.returncode)


class RunningPeer:
    """A peer that stays online while the test does something else; `--mark LABEL` actions let
    the test wait until the peer got that far (its stderr lines)."""

    def __init__(self, env: Env, doc_id: str, *actions: str, user: str = "alice") -> None:
        self.process = subprocess.Popen(_peer_command(env, doc_id, actions), env=_peer_env(env, user), cwd=JS_DIR,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr: list[str] = []
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_mark(self, label: str, timeout: float = PEER_TIMEOUT_MS / 1000) -> None:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise AssertionError(f"peer.mjs never reached « {label} »: {''.join(self.stderr)}") from None
            if line == label:
                return
            if line is None:
                self.process.wait(5)
                raise AssertionError(f"peer.mjs ended ({self.process.returncode}) before « {label} »: "
                                     f"{''.join(self.stderr)}")

    def result(self, timeout: float = PEER_TIMEOUT_MS / 1000 * 2) -> dict[str, Any]:
        assert self.process.stdout is not None
        stdout = self.process.stdout.read()
        code = self.process.wait(timeout)
        self._reader.join(5)
        return _parse(stdout, "".join(self.stderr), code)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


def create_on_server(env: Env, user: str = "alice") -> str:
    """Create an empty document on the server through the API (as a web client would)."""
    doc_id = str(uuid.uuid4())
    with api(env.server, env.tokens[user]) as client:
        response = client.put(f"/api/docs/{doc_id}")
    assert response.is_success, f"PUT /api/docs/{doc_id}: {response.status_code} {response.text}"
    return doc_id


# -- the tests --------------------------------------------------------------------------


def test_python_document_reaches_the_js_client(env: Env, alice: Profile) -> None:
    title = "Procès-verbal — séance du 12 mars"
    body = "Présents : Mme Dupré 😀 et M. Lefèvre"
    doc_id = alice.new_doc(title)
    alice.run("docs", "insert", doc_id, "0", body)
    alice.run("docs", "share", doc_id, "bob", "--role", "editor")
    assert SYNCED.fullmatch(alice.sync())

    # Bob's browser: the stock client, with Bob's token on a document shared with him.
    result = peer(env, doc_id, user="bob")

    assert result["text"] == body
    assert result["title"] == title
    assert result["delta"] == [{"insert": body}]


def test_js_edit_after_an_emoji_lands_where_the_user_put_it(env: Env, alice: Profile) -> None:
    title = "Procès-verbal — séance du 19 mars"
    base = "Présents : Mme Dupré 😀 et M. Lefèvre"
    doc_id = create_on_server(env)
    first = peer(env, doc_id, "--set-title", title, "--insert", "0", base)
    assert first["text"] == base

    # A second session, as after a reload: insert right after the existing 😀 (UTF-16 position).
    after_emoji = "Présents : Mme Dupré 😀"
    added = " (arrivée à 9 h 05 🚲)"
    assert (len(after_emoji), utf16(after_emoji)) == (22, 23)  # the emoji counts two UTF-16 units
    second = peer(env, doc_id, "--insert", str(utf16(after_emoji)), added)
    expected = "Présents : Mme Dupré 😀 (arrivée à 9 h 05 🚲) et M. Lefèvre"
    assert second["text"] == expected

    assert SYNCED.fullmatch(alice.sync())
    assert alice.cat_json(doc_id) == {"id": doc_id, "title": title, "text": expected}
    assert alice.run("docs", "cat", doc_id) == expected + "\n"

    # And back: Parvis inserts at a character position after both emoji; JS sees it there.
    bike = expected.index("🚲") + 1
    alice.run("docs", "insert", doc_id, str(bike), " ✔")
    assert SYNCED.fullmatch(alice.sync())
    final = "Présents : Mme Dupré 😀 (arrivée à 9 h 05 🚲 ✔) et M. Lefèvre"
    assert peer(env, doc_id)["text"] == final


def test_concurrent_edits_of_one_paragraph_converge(env: Env, alice: Profile) -> None:
    base = "Le conseil municipal 🏛 approuve le budget."
    doc_id = alice.new_doc("Délibération n° 2025-014")
    alice.run("docs", "insert", doc_id, "0", base)
    assert SYNCED.fullmatch(alice.sync())

    # Parvis, offline: inserts before the final period (character position).
    alice.run("docs", "insert", doc_id, str(len(base) - 1), " primitif 2025 💶")

    # The JS client, online, edits the same paragraph from the same base state: it drops
    # "municipal 🏛 " and adds " à l'unanimité" after "approuve" (UTF-16 positions), then
    # waits, still connected, for Parvis's edit to arrive.
    start = utf16("Le conseil ")
    removed = utf16("municipal 🏛 ")
    after_verb = utf16("Le conseil approuve")
    js = RunningPeer(env, doc_id, "--delete", str(start), str(removed), "--insert", str(after_verb), " à l'unanimité",
                     "--mark", "edited", "--wait-for", "primitif 2025 💶", "--settle", "200")
    try:
        js.wait_mark("edited")
        assert SYNCED.fullmatch(alice.sync())
        result = js.result()
    finally:
        js.kill()

    expected = "Le conseil approuve à l'unanimité le budget primitif 2025 💶."
    assert result["text"] == expected
    python_text = alice.cat_json(doc_id)["text"]
    assert python_text.encode("utf-8") == result["text"].encode("utf-8")
    assert python_text == expected
    # The server holds the same: a fresh client reads it too.
    assert peer(env, doc_id)["text"] == expected


def test_bold_from_js_survives_the_round_trip(env: Env, alice: Profile, tmp_path: Path) -> None:
    body = "Point 1 📌 : budget primitif"
    doc_id = alice.new_doc("Ordre du jour")
    alice.run("docs", "insert", doc_id, "0", body)
    assert SYNCED.fullmatch(alice.sync())

    result = peer(env, doc_id, "--format", str(utf16("Point 1 📌 : ")), str(utf16("budget")), '{"bold":true}')
    assert result["delta"] == [
        {"insert": "Point 1 📌 : "},
        {"insert": "budget", "attributes": {"bold": True}},
        {"insert": " primitif"},
    ]

    assert SYNCED.fullmatch(alice.sync())
    alice.run("docs", "export", doc_id, str(tmp_path / "odj.md"))
    assert (tmp_path / "odj.md").read_text(encoding="utf-8") == "Point 1 📌 : **budget** primitif\n"
    alice.run("docs", "export", doc_id, str(tmp_path / "odj.html"))
    assert "<p>Point 1 📌 : <strong>budget</strong> primitif</p>" in (tmp_path / "odj.html").read_text(
        encoding="utf-8")
    assert alice.cat_json(doc_id)["text"] == body
