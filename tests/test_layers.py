"""DESIGN's one-way layers, checked on what each layer really loads: `storage` and `sync` never
load Qt; `editors` never reaches the network; the CLI's commands do not pay for Qt."""

from __future__ import annotations

import subprocess
import sys

import pytest

LOADED = """
import sys, importlib
for name in {modules!r}:
    importlib.import_module(name)
print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))
"""


def _roots(*modules: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", LOADED.format(modules=list(modules))], capture_output=True,
                         text=True, timeout=60, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("modules, forbidden", [
    (("storage.vault", "storage.docs", "storage.search", "storage.outbox"),
     {"PySide6", "shiboken6", "httpx", "sync", "editors", "desktop"}),
    (("sync.engine", "sync.docs", "sync.account"), {"PySide6", "shiboken6", "editors", "desktop"}),
    (("editors.richtext", "editors.export"), {"httpx", "httpx_ws", "sync", "desktop"}),
    (("desktop.cli",), {"PySide6", "shiboken6"}),
])
def test_a_layer_loads_nothing_above_it(modules: tuple[str, ...], forbidden: set[str]) -> None:
    assert _roots(*modules) & forbidden == set()
