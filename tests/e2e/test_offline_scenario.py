"""The issue's acceptance scenario, as a user runs it: two profiles, one server that comes and
goes, the `parvis` CLI for everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import get_secret
from storage.vault import Vault
from tests.storage.test_no_plaintext import leaks

from .cli import PASSPHRASE, Profile
from .servers import add_user, start_server

pytestmark = pytest.mark.slow

TITLE = "Procès-verbal — séance du 12 mars"
LINE = "Présents : Mme Dupré 😀, M. Lefèvre, Mme Nguyễn."


def test_two_profiles_converge_after_offline_edits(tmp_path: Path) -> None:
    data = tmp_path / "server"
    add_user(data, "alice", "mdp-alice")
    add_user(data, "bob", "mdp-bob")
    server = start_server(data)
    port = server.port
    a = Profile(tmp_path / "a", "mdp-alice")
    b = Profile(tmp_path / "b", "mdp-bob")
    try:
        for profile, user in ((a, "alice"), (b, "bob")):
            profile.run("init")
            profile.run("account", "add", "--server", server.url, "--user", user)
    finally:
        server.stop()

    # Server stopped: A creates the minutes and writes a line with accents and an emoji.
    doc_id = a.run("docs", "new", TITLE).stdout.strip()
    a.run("docs", "insert", doc_id, "end", LINE)
    offline = a.run("sync", check=False)
    assert offline.returncode == 2, offline.stderr
    assert "injoignable" in offline.stderr and "intactes" in offline.stderr
    assert a.cat(doc_id) == (LINE + "\n").encode()
    assert "docs" in a.run("status").stdout

    # Server up: A shares with B, both sync.
    server = start_server(data, port=port)
    try:
        a.run("docs", "share", doc_id, "bob", "--role", "editor")
        a.run("sync")
        b.run("sync")
        assert b.cat(doc_id) == a.cat(doc_id) == (LINE + "\n").encode()
        assert TITLE in b.run("docs", "list").stdout
    finally:
        server.stop()

    # Server stopped again: both edit the same paragraph.
    a.run("docs", "insert", doc_id, str(LINE.index("M. Lefèvre")), "M. le Maire, ")
    b.run("docs", "insert", doc_id, str(LINE.index("😀") + 1), " (secrétaire de séance)")
    nguyen = LINE.index("Mme Nguyễn") + len(" (secrétaire de séance)")
    b.run("docs", "delete", doc_id, str(nguyen), str(len("Mme Nguyễn")))
    b.run("docs", "insert", doc_id, str(nguyen), "Mme Nguyễn-Roux")
    assert b.run("sync", check=False).returncode == 2

    server = start_server(data, port=port)
    try:
        a.run("sync")
        b.run("sync")
        a.run("sync")
    finally:
        server.stop()
    text_a, text_b = a.cat(doc_id), b.cat(doc_id)
    assert text_a == text_b
    merged = text_a.decode()
    assert merged == ("Présents : Mme Dupré 😀 (secrétaire de séance), M. le Maire, M. Lefèvre, "
                      "Mme Nguyễn-Roux.\n")
    assert merged.count("Présents") == 1
    assert "injoignable" not in a.run("status").stdout

    # After all that, no plaintext in either profile folder: text, title, token, passwords.
    for profile in (a, b):
        vault = Vault.open(profile.folder, lambda: PASSPHRASE)
        token = get_secret(vault.conn, "token:1")
        vault.close()
        assert token
        needles = ["Lefèvre", "Nguyễn-Roux", "secrétaire de séance", "séance du 12 mars", token,
                   "mdp-alice", "mdp-bob", PASSPHRASE]
        assert leaks(profile.folder, needles) == []
