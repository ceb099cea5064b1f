"""No plaintext user data reaches any file of the profile folder: database, WAL, shared
memory, the vault file, anything else."""

from __future__ import annotations

from pathlib import Path

from storage import search
from storage.db import set_secret, transaction
from storage.docs import DocStore, insert_text
from storage.vault import Vault
from tests.conftest import PASSPHRASE

SECRETS = ["Délibération confidentielle Zébulon", "Quorum atteint Xylophage", "jeton-ultra-secret-123"]


def leaks(folder: Path, needles: list[str]) -> list[tuple[str, str]]:
    """Return (file, needle) for every needle found in any file under `folder`, in UTF-8 or
    UTF-16 (either byte order), whole or as its longest word."""
    found = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for needle in needles:
            word = max(needle.split(), key=len)
            for form in {needle, word}:
                for enc in ("utf-8", "utf-16-le", "utf-16-be"):
                    if form.encode(enc) in data:
                        found.append((path.name, form))
    return found


def test_profile_files_hold_no_plaintext(tmp_path: Path) -> None:
    folder = tmp_path / "profile"
    vault = Vault.create(folder, PASSPHRASE)
    store = DocStore(vault.conn)
    od = store.open(store.create(SECRETS[0]))
    for word in SECRETS[1].split():
        store.edit(od, lambda o, w=word: insert_text(o, None, w + " "))
    with transaction(vault.conn):
        set_secret(vault.conn, "token:1", SECRETS[2])
    search.refresh(vault.conn, {"doc": lambda ref: (store.open(ref).title(), store.open(ref).text())})
    assert search.query(vault.conn, "xylophage")  # the index really holds the words
    # While open: the WAL and shared-memory files are live.
    assert (folder / "parvis.db-wal").exists()
    assert leaks(folder, SECRETS + [PASSPHRASE]) == []
    store.compact(od)
    vault.close()
    assert leaks(folder, SECRETS + [PASSPHRASE]) == []
    # The scan itself can find what is there.
    (folder / "probe.txt").write_text(SECRETS[1], encoding="utf-16-le")
    assert {form for _, form in leaks(folder, SECRETS)} == {SECRETS[1], "Xylophage"}
