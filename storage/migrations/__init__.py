"""Numbered schema migrations: `NNNN_name.sql` files beside this module, tracked by
`PRAGMA user_version`. A migration runs in one transaction with its version bump, so a crash
leaves the schema either before or after it, never between."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import MigrationFailed, SchemaTooNew

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def available() -> list[tuple[int, str]]:
    """Return (version, sql) for every migration file, in order."""
    found = []
    for entry in resources.files(__package__).iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.read_text(encoding="utf-8")))
    found.sort()
    return found


def latest() -> int:
    return available()[-1][0]


def check_version(conn: Any, folder: Path) -> int:
    """Return the profile's schema version; raise SchemaTooNew if this Parvis cannot read it."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > latest():
        raise SchemaTooNew(
            f"Le profil {folder} vient d'une version plus récente de Parvis (schéma {version}, "
            f"celle-ci connaît jusqu'au schéma {latest()}). Mettez Parvis à jour."
        )
    return version


def upgrade(conn: Any) -> None:
    """Apply every migration newer than the database's version, each in its own transaction."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    for version, sql in available():
        if version <= current:
            continue
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
        except Exception as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise MigrationFailed(f"La mise à jour du profil vers le schéma {version} a échoué ({exc}) ; "
                                  "le profil est resté tel quel.") from exc
