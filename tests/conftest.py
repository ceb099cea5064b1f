"""Shared fixtures: profiles are real SQLCipher vaults in temporary folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.vault import Vault

PASSPHRASE = "correct horse battery staple"

# Every test process runs headless.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    v = Vault.create(tmp_path / "profile", PASSPHRASE)
    yield v
    v.close()
