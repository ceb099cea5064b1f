"""The server imports only what DESIGN.md allows: stdlib, sync.protocol, pycrdt, starlette,
uvicorn, argon2-cffi. Never storage, desktop, editors, PySide6, httpx or the client parts of sync.
One exception: `sync.flush`, a stdlib-only helper both sides use to make a large file durable
as it is written (the server's upload part files, the client's downloads)."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import sync.server.app, sync.server.cli
bad = sorted(m for m in sys.modules
             if m.split('.')[0] in ('storage', 'desktop', 'editors', 'PySide6', 'httpx', 'sqlcipher3', 'keyring')
             or (m.startswith('sync.') and not m.startswith(('sync.server', 'sync.protocol', 'sync.flush'))))
print(' '.join(bad))
"""


def test_server_imports_stay_within_its_layer() -> None:
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == ""
