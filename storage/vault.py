"""The vault: the profile folder, its data key, and encrypted connections to `parvis.db`.

The database is SQLCipher 4, keyed with a random 256-bit data key used as a raw key (no KDF per
open). The data key never touches the disk in clear: `vault.json` keeps it wrapped either by the
OS keyring or by a passphrase (Argon2id, then AES-256-GCM). Changing the passphrase re-wraps the
key; it never re-encrypts the database.

Every check that can refuse to open (missing profile, wrong passphrase, newer schema) runs
before anything is written, so a refused open leaves every file as it was.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import migrations
from .errors import CorruptProfile, KeyringUnavailable, ProfileExists, ProfileNotFound, WrongPassphrase

DB_NAME = "parvis.db"
VAULT_NAME = "vault.json"
KEYRING_SERVICE = "Parvis"
# RFC 9106, second recommended option: 64 MiB, 3 passes, 4 lanes (about 0.1 s here).
KDF_DEFAULTS = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}

# sqlcipher3 ships no type information.
Connection = Any
PassphraseSource = Callable[[], str]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _kek(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hash_secret_raw(
        passphrase.encode("utf-8"), salt, params["time_cost"], params["memory_cost"],
        params["parallelism"], 32, Type.ID,
    )


def _wrap(key: bytes, passphrase: str, profile_id: str) -> dict[str, Any]:
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_kek(passphrase, salt, KDF_DEFAULTS)).encrypt(nonce, key, profile_id.encode())
    return {"kdf": {"name": "argon2id", "salt": _b64(salt), **KDF_DEFAULTS}, "wrapped_key": _b64(nonce + sealed)}


def _unwrap(meta: dict[str, Any], passphrase: str, folder: Path) -> bytes:
    try:
        kdf = meta["kdf"]
        params = {k: int(kdf[k]) for k in KDF_DEFAULTS}
        blob = _unb64(meta["wrapped_key"])
        kek = _kek(passphrase, _unb64(kdf["salt"]), params)
    except (KeyError, ValueError, TypeError) as exc:
        raise CorruptProfile(f"Le fichier {folder / VAULT_NAME} est illisible ({exc}).") from exc
    try:
        return AESGCM(kek).decrypt(blob[:12], blob[12:], meta["profile_id"].encode())
    except InvalidTag:
        raise WrongPassphrase(f"Phrase de passe incorrecte pour le profil {folder}.") from None


def _keyring() -> Any:
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    # keyring calls a backend "recommended" from priority 1: the OS keyrings (Windows, macOS,
    # Secret Service). Below that are stand-ins such as keyrings.alt's plaintext file, which
    # would leave the profile's key readable on disk.
    chained = getattr(backend, "backends", None) or [backend]
    if isinstance(backend, fail.Keyring) or any(getattr(b, "priority", 0) < 1 for b in chained):
        raise KeyringUnavailable(
            "Aucun trousseau système n'est disponible : protégez le profil par une phrase de passe "
            "(variable PARVIS_PASSPHRASE ou option --passphrase)."
        )
    return keyring


def keyring_available() -> bool:
    """Whether an OS keyring can hold a profile's key on this machine."""
    try:
        _keyring()
    except KeyringUnavailable:
        return False
    return True


def connect(db_path: Path, key: bytes) -> Connection:
    """Open an encrypted connection in autocommit mode (callers use `transaction`). Raises
    WrongPassphrase if the key does not decrypt the file. Any thread may call it; the returned
    connection belongs to the calling thread."""
    conn = sqlcipher3.connect(str(db_path), isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    # Memory security (wiping every freed allocation) stays off, SQLCipher's own default: it
    # applies to the whole process and makes every store read and write about ten times slower
    # (measured: an insert 100 µs instead of 9 µs), while only guarding against someone who can
    # read this process's memory, and who could read the key there as well. The file on disk,
    # which is what a stolen laptop exposes, is encrypted either way.
    conn.execute("PRAGMA cipher_memory_security = OFF")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        conn.close()
        raise WrongPassphrase(f"La clé du profil ne déchiffre pas {db_path}.") from None
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


def _tune_for_writes(conn: Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: a change shown to the user survives a power cut, not only a crash of the app.
    conn.execute("PRAGMA synchronous = FULL")


@dataclass
class Vault:
    """An unlocked profile. `conn` is the connection of the thread that opened it; other
    threads call `connect()` for their own."""

    folder: Path
    profile_id: str
    protection: str
    _key: bytes
    conn: Connection

    @property
    def db_path(self) -> Path:
        return self.folder / DB_NAME

    def connect(self) -> Connection:
        """Return a new connection to the same database, for another thread."""
        conn = connect(self.db_path, self._key)
        _tune_for_writes(conn)
        return conn

    def close(self) -> None:
        self.conn.close()

    # -- creation and opening ------------------------------------------------------------

    @classmethod
    def create(cls, folder: Path, passphrase: str | None) -> Vault:
        """Create a profile in `folder`, protected by `passphrase`, or by the OS keyring when
        it is None. Raises ProfileExists, KeyringUnavailable."""
        if (folder / VAULT_NAME).exists() or (folder / DB_NAME).exists():
            raise ProfileExists(f"Un profil existe déjà dans {folder}.")
        if passphrase is not None and not passphrase:
            raise WrongPassphrase("La phrase de passe ne peut pas être vide.")
        key = secrets.token_bytes(32)
        profile_id = str(uuid.uuid4())
        meta: dict[str, Any] = {"format": 1, "profile_id": profile_id}
        if passphrase is None:
            _keyring().set_password(KEYRING_SERVICE, profile_id, key.hex())
            meta["protection"] = "keyring"
        else:
            meta["protection"] = "passphrase"
            meta.update(_wrap(key, passphrase, profile_id))
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_json_atomically(folder / VAULT_NAME, meta)
        conn = connect(folder / DB_NAME, key)
        # Before the first table and before WAL mode writes the header, or it does not take:
        # compaction can then hand freed pages back to the file system.
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        migrations.upgrade(conn)
        _tune_for_writes(conn)
        return cls(folder, profile_id, meta["protection"], key, conn)

    @classmethod
    def open(cls, folder: Path, passphrase: PassphraseSource) -> Vault:
        """Unlock an existing profile. `passphrase` is called only if the profile is protected
        by one. Raises ProfileNotFound, CorruptProfile, WrongPassphrase, SchemaTooNew,
        KeyringUnavailable; on any of them no file has been changed."""
        meta = read_meta(folder)
        if not (folder / DB_NAME).exists():
            raise ProfileNotFound(f"Le profil {folder} n'a pas de base {DB_NAME}.")
        if meta.get("protection") == "keyring":
            stored = _keyring().get_password(KEYRING_SERVICE, meta["profile_id"])
            if stored is None:
                raise WrongPassphrase(f"La clé du profil {folder} est absente du trousseau système.")
            key = bytes.fromhex(stored)
        elif meta.get("protection") == "passphrase":
            key = _unwrap(meta, passphrase(), folder)
        else:
            raise CorruptProfile(f"Le fichier {folder / VAULT_NAME} indique une protection inconnue.")
        # Read-only checks first: a newer schema must be refused before WAL mode or a
        # migration writes anything.
        conn = connect(folder / DB_NAME, key)
        try:
            migrations.check_version(conn, folder)
            _tune_for_writes(conn)
            migrations.upgrade(conn)
        except BaseException:
            conn.close()
            raise
        return cls(folder, meta["profile_id"], meta["protection"], key, conn)

    def change_passphrase(self, new_passphrase: str) -> None:
        """Re-wrap the data key under a new passphrase (the database is not re-encrypted)."""
        if not new_passphrase:
            raise WrongPassphrase("La phrase de passe ne peut pas être vide.")
        meta = {"format": 1, "profile_id": self.profile_id, "protection": "passphrase"}
        meta.update(_wrap(self._key, new_passphrase, self.profile_id))
        _write_json_atomically(self.folder / VAULT_NAME, meta)
        self.protection = "passphrase"


def read_meta(folder: Path) -> dict[str, Any]:
    """Return the parsed `vault.json` of a profile. Raises ProfileNotFound, CorruptProfile."""
    path = folder / VAULT_NAME
    if not path.exists():
        raise ProfileNotFound(f"Aucun profil dans {folder}. Créez-le avec « parvis init ».")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or "profile_id" not in meta:
            raise ValueError("champ profile_id absent")
    except (OSError, ValueError) as exc:
        raise CorruptProfile(f"Le fichier {path} est illisible ({exc}).") from exc
    return meta


def _write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
