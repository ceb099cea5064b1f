"""`parvis files …` and `parvis sync` as a new user would run them: a real `parvis-server` on
loopback, two PCs (profiles) syncing one shared folder; offline edits on both sides; status,
versions and restore; a server out of reach; no plaintext in the profiles."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.e2e.cli import Profile
from tests.e2e.servers import add_user, start_server
from tests.storage.test_no_plaintext import leaks


@pytest.mark.slow
def test_two_pcs_share_a_folder_through_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "server"
    users = {"alice": "mdp-alice-1", "bob": "mdp-bob-1"}
    for user, password in users.items():
        add_user(data, user, password)
    server = start_server(data)
    try:
        alice, bob = (Profile(tmp_path / f"profil-{u}", p) for u, p in users.items())
        for profile, user in ((alice, "alice"), (bob, "bob")):
            profile.run("init")
            profile.run("account", "add", "--server", server.url, "--user", user)
        folder_id = alice.run("files", "new", "Urbanisme", "--members", "bob").stdout.strip().splitlines()[-1]
        assert len(folder_id) == 32
        a_root, b_root = tmp_path / "PC-alice" / "Urbanisme", tmp_path / "PC-bob" / "Urba"
        alice.run("files", "sync-folder", folder_id, str(a_root))
        assert "Urbanisme" in bob.run("files", "folders").stdout
        bob.run("files", "sync-folder", "urbanisme", str(b_root))  # by name, case ignored

        (a_root / "Zébulon-délibération.odt").write_text("PV v1 Xylophage", encoding="utf-8")
        assert "1 fichier(s) envoyé(s)" in alice.run("sync").stdout
        assert "1 reçu(s)" in bob.run("sync").stdout
        assert (b_root / "Zébulon-délibération.odt").read_text(encoding="utf-8") == "PV v1 Xylophage"

        # Offline on both PCs, both edit: bob's copy is kept beside alice's version.
        (a_root / "Zébulon-délibération.odt").write_text("PV v2 alice", encoding="utf-8")
        (b_root / "Zébulon-délibération.odt").write_text("PV v2 bob", encoding="utf-8")
        status = json.loads(bob.run("files", "status", "--json").stdout)
        assert [(f["path"], f["state"]) for f in status[0]["files"]] == [("Zébulon-délibération.odt", "pending")]
        alice.run("sync")
        result = bob.run("sync")
        assert "conflit de bob" in result.stderr and "1 conflit(s)" in result.stdout
        names = sorted(p.name for p in b_root.iterdir() if p.name != ".parvis-dossier")
        assert names[0].startswith("Zébulon-délibération (conflit de bob, ") and names[1] == "Zébulon-délibération.odt"
        alice.run("sync")
        assert sorted(p.name for p in a_root.iterdir() if p.name != ".parvis-dossier") == names
        status = json.loads(alice.run("files", "status", "--json").stdout)
        assert sorted(f["state"] for f in status[0]["files"]) == ["conflict", "synced"]

        # Versions and restore.
        listed = alice.run("files", "versions", str(a_root / "Zébulon-délibération.odt")).stdout.splitlines()
        assert [line.split()[0] for line in listed] == ["2", "1"]
        alice.run("files", "restore", str(a_root / "Zébulon-délibération.odt"), "1")
        assert (a_root / "Zébulon-délibération.odt").read_text(encoding="utf-8") == "PV v1 Xylophage"
        bad = alice.run("files", "restore", str(a_root / "Zébulon-délibération.odt"), "9", check=False)
        assert bad.returncode == 1 and "parvis :" in bad.stderr

        # A name Windows would refuse: an error for that file, the rest goes.
        (a_root / "CON").write_text("x")
        (a_root / "ok.txt").write_text("ok")
        result = alice.run("sync", check=False)
        assert result.returncode == 1 and "nom réservé par Windows" in result.stderr
        bob.run("sync")
        assert (b_root / "ok.txt").read_text() == "ok" and not (b_root / "CON").exists()
        (a_root / "CON").unlink()

        for profile in (alice, bob):
            assert leaks(profile.folder, ["Zébulon-délibération", "Xylophage"]) == []
    finally:
        server.stop()
    result = alice.run("files", "new", "Voirie", check=False)
    assert result.returncode == 2 and "intactes" in result.stderr
    status = alice.run("files", "status").stdout  # offline works
    assert "Urbanisme" in status and str(a_root) in status
    assert os.path.isdir(a_root)
