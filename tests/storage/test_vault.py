"""The vault: creation, unlocking, and refusals that leave every file as it was."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from storage import migrations
from storage.db import get_secret, set_secret, transaction
from storage.errors import (
    CorruptProfile,
    KeyringUnavailable,
    MigrationFailed,
    ProfileExists,
    ProfileNotFound,
    SchemaTooNew,
    WrongPassphrase,
)
from storage.vault import DB_NAME, VAULT_NAME, Vault, connect, keyring_available
from tests.conftest import PASSPHRASE


def fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def closed_profile(tmp_path: Path) -> Path:
    v = Vault.create(tmp_path / "p", PASSPHRASE)
    with transaction(v.conn):
        set_secret(v.conn, "token:1", "s3cr3t")
    v.close()
    return tmp_path / "p"


def test_create_then_open_with_the_passphrase(tmp_path: Path) -> None:
    folder = closed_profile(tmp_path)
    v = Vault.open(folder, lambda: PASSPHRASE)
    assert get_secret(v.conn, "token:1") == "s3cr3t"
    assert v.conn.execute("PRAGMA user_version").fetchone()[0] == migrations.latest()
    assert v.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    v.close()


def test_database_is_not_sqlite_readable_without_the_key(tmp_path: Path) -> None:
    folder = closed_profile(tmp_path)
    header = (folder / DB_NAME).read_bytes()[:16]
    assert header != b"SQLite format 3\x00"
    with pytest.raises(WrongPassphrase):
        connect(folder / DB_NAME, b"\x00" * 32)


def test_wrong_passphrase_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    folder = closed_profile(tmp_path)
    before = fingerprint(folder)
    with pytest.raises(WrongPassphrase, match="Phrase de passe incorrecte"):
        Vault.open(folder, lambda: "wrong")
    assert fingerprint(folder) == before


def test_missing_profile_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileNotFound, match="parvis init"):
        Vault.open(tmp_path / "nowhere", lambda: PASSPHRASE)
    assert not (tmp_path / "nowhere").exists()


def test_newer_schema_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    folder = closed_profile(tmp_path)
    v = Vault.open(folder, lambda: PASSPHRASE)
    v.conn.execute(f"PRAGMA user_version = {migrations.latest() + 1}")
    v.close()
    before = fingerprint(folder)
    with pytest.raises(SchemaTooNew, match="plus récente"):
        Vault.open(folder, lambda: PASSPHRASE)
    assert fingerprint(folder) == before


def test_corrupt_vault_file_is_a_clear_error(tmp_path: Path) -> None:
    folder = closed_profile(tmp_path)
    (folder / VAULT_NAME).write_text("{not json", encoding="utf-8")
    with pytest.raises(CorruptProfile, match="illisible"):
        Vault.open(folder, lambda: PASSPHRASE)


def test_tampered_wrapped_key_is_refused(tmp_path: Path) -> None:
    folder = closed_profile(tmp_path)
    meta = json.loads((folder / VAULT_NAME).read_text())
    meta["profile_id"] = "another-profile"  # the wrapped key is bound to its profile id
    (folder / VAULT_NAME).write_text(json.dumps(meta))
    with pytest.raises(WrongPassphrase):
        Vault.open(folder, lambda: PASSPHRASE)


def test_cannot_create_over_an_existing_profile(tmp_path: Path) -> None:
    folder = closed_profile(tmp_path)
    before = fingerprint(folder)
    with pytest.raises(ProfileExists):
        Vault.create(folder, "other")
    assert fingerprint(folder) == before


def test_change_passphrase_rewraps_without_reencrypting(tmp_path: Path) -> None:
    folder = closed_profile(tmp_path)
    db_before = hashlib.sha256((folder / DB_NAME).read_bytes()).hexdigest()
    v = Vault.open(folder, lambda: PASSPHRASE)
    v.change_passphrase("nouvelle phrase")
    v.close()
    with pytest.raises(WrongPassphrase):
        Vault.open(folder, lambda: PASSPHRASE)
    v = Vault.open(folder, lambda: "nouvelle phrase")
    assert get_secret(v.conn, "token:1") == "s3cr3t"
    v.close()
    assert hashlib.sha256((folder / DB_NAME).read_bytes()).hexdigest() == db_before


def test_keyring_protection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No Secret Service runs on this headless machine, so the OS keyring is stood in for by
    # keyrings.alt's file backend (a real keyring implementation) kept in the test's folder,
    # ranked as an OS keyring would be (the plaintext file on its own is refused, below).
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    class StandIn(PlaintextKeyring):
        priority = 5  # type: ignore[assignment]

    backend = StandIn()
    backend.file_path = str(tmp_path / "keyring.cfg")  # type: ignore[misc]
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        v = Vault.create(tmp_path / "p", None)
        assert v.protection == "keyring"
        v.close()
        asked: list[bool] = []
        v = Vault.open(tmp_path / "p", lambda: asked.append(True) or "")  # type: ignore[func-returns-value]
        assert asked == []  # no passphrase prompt for a keyring profile
        v.close()
        meta = json.loads((tmp_path / "p" / VAULT_NAME).read_text())
        assert "wrapped_key" not in meta
        backend.delete_password("Parvis", meta["profile_id"])
        with pytest.raises(WrongPassphrase, match="trousseau"):
            Vault.open(tmp_path / "p", lambda: "")
    finally:
        keyring.set_keyring(previous)


def test_a_plaintext_keyring_is_not_offered_as_protection(tmp_path: Path) -> None:
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")  # type: ignore[misc]
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        assert not keyring_available()
        with pytest.raises(KeyringUnavailable):
            Vault.create(tmp_path / "p", None)
        assert not (tmp_path / "keyring.cfg").exists() and not (tmp_path / "p").exists()
    finally:
        keyring.set_keyring(previous)


def test_a_failed_migration_leaves_the_schema_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = closed_profile(tmp_path)
    good = migrations.available()
    bad = (good[-1][0] + 1, "CREATE TABLE later (x INTEGER);\nTHIS IS NOT SQL;")
    monkeypatch.setattr(migrations, "available", lambda: [*good, bad])
    with pytest.raises(MigrationFailed, match=f"schéma {bad[0]} a échoué"):
        Vault.open(folder, lambda: PASSPHRASE)
    monkeypatch.setattr(migrations, "available", lambda: good)
    v = Vault.open(folder, lambda: PASSPHRASE)
    assert v.conn.execute("PRAGMA user_version").fetchone()[0] == good[-1][0]
    assert v.conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'later'").fetchone()[0] == 0
    v.close()
