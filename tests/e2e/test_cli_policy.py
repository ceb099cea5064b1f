"""`parvis account add` under the machine's policies: the preset server needs no --server, an
enforced one refuses another."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .cli import Profile
from .servers import add_user, start_server


@pytest.mark.slow
def test_account_add_uses_the_preset_server_and_refuses_to_bypass_an_enforced_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(tmp_path / "server", "alice", "mdp-alice")
    server = start_server(tmp_path / "server")
    try:
        policies = tmp_path / "policies.json"
        policies.write_text(json.dumps({"Defaults": {"ServerUrl": server.url}}))
        monkeypatch.setenv("PARVIS_POLICY_FILE", str(policies))
        alice = Profile(tmp_path / "alice", "mdp-alice")
        alice.run("init")
        assert f"connecté à {server.url}" in alice.run("account", "add", "--user", "alice").stdout

        policies.write_text(json.dumps({"ServerUrl": server.url}))
        refused = alice.run("account", "add", "--server", "https://ailleurs.example", "--user", "alice", check=False)
        assert refused.returncode == 1 and "imposé par votre collectivité" in refused.stderr

        policies.write_text("{}")
        missing = alice.run("account", "add", "--user", "alice", check=False)
        assert missing.returncode == 1 and "--server" in missing.stderr
    finally:
        server.stop()
