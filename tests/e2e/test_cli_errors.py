"""What a user sees when something is wrong: one line on stderr, a non-zero exit, and every
file of the profile exactly as it was."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from storage import migrations
from storage.vault import Vault

from .cli import PASSPHRASE, Profile
from .servers import executable


def fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def parvis(folder: Path, *args: str, passphrase: str = PASSPHRASE) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PARVIS_PASSPHRASE=passphrase)
    return subprocess.run([executable("parvis"), "--profile", str(folder), *args], env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


def assert_one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("parvis : ") and needle in lines[0], result.stderr


def test_wrong_passphrase(tmp_path: Path) -> None:
    profile = Profile(tmp_path / "p")
    profile.run("init")
    doc_id = profile.run("docs", "new", "Délibération").stdout.strip()
    before = fingerprint(profile.folder)
    for command in (["docs", "list"], ["docs", "insert", doc_id, "0", "x"], ["sync"], ["search", "x"]):
        assert_one_line_error(parvis(profile.folder, *command, passphrase="mauvaise"), "Phrase de passe incorrecte")
    assert fingerprint(profile.folder) == before


def test_missing_profile(tmp_path: Path) -> None:
    assert_one_line_error(parvis(tmp_path / "absent", "docs", "list"), "parvis init")
    assert not (tmp_path / "absent").exists()


def test_newer_schema(tmp_path: Path) -> None:
    profile = Profile(tmp_path / "p")
    profile.run("init")
    vault = Vault.open(profile.folder, lambda: PASSPHRASE)
    vault.conn.execute(f"PRAGMA user_version = {migrations.latest() + 5}")
    vault.close()
    before = fingerprint(profile.folder)
    assert_one_line_error(parvis(profile.folder, "docs", "list"), "plus récente")
    assert fingerprint(profile.folder) == before


def test_bad_arguments_are_refused_without_changes(tmp_path: Path) -> None:
    profile = Profile(tmp_path / "p")
    profile.run("init")
    doc_id = profile.run("docs", "new", "PV").stdout.strip()
    profile.run("docs", "insert", doc_id, "end", "Séance")
    before = fingerprint(profile.folder)
    assert_one_line_error(parvis(profile.folder, "docs", "insert", doc_id, "99", "x"), "hors du texte")
    assert_one_line_error(parvis(profile.folder, "docs", "insert", doc_id, "deux", "x"), "Position invalide")
    assert_one_line_error(parvis(profile.folder, "docs", "delete", doc_id, "3", "10"), "Impossible de supprimer")
    assert_one_line_error(parvis(profile.folder, "docs", "cat", "inconnu"), "introuvable")
    assert_one_line_error(parvis(profile.folder, "docs", "export", doc_id, str(tmp_path / "pv.docx")), "inconnu")
    assert_one_line_error(parvis(profile.folder, "init"), "existe déjà")
    assert fingerprint(profile.folder) == before
    assert not (tmp_path / "pv.docx").exists()
    assert profile.cat(doc_id) == "Séance\n".encode()
