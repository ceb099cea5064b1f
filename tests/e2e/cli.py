"""Drive the `parvis` CLI as a user would: a subprocess per command, on a given profile."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .servers import executable

PASSPHRASE = "Zéphyrine-clé du 12 mars ✓"


@dataclass
class Profile:
    folder: Path
    password: str = ""

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, PARVIS_PASSPHRASE=PASSPHRASE, PARVIS_PASSWORD=self.password)
        env.pop("PARVIS_SYNC_TRANSPORT", None)
        result = subprocess.run([executable("parvis"), "--profile", str(self.folder), *args], env=env,
                                capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise AssertionError(f"parvis {' '.join(args)} → {result.returncode}\n{result.stdout}{result.stderr}")
        return result

    def cat(self, doc_id: str) -> bytes:
        env = dict(os.environ, PARVIS_PASSPHRASE=PASSPHRASE)
        return subprocess.run([executable("parvis"), "--profile", str(self.folder), "docs", "cat", doc_id],
                              env=env, capture_output=True, check=True, timeout=60).stdout
