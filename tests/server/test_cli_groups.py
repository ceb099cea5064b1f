"""`parvis-server group …`: add, list, add-member, remove-member; errors are one line, non-zero."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.server.cli import main

PASSWORD = "mot de passe du greffe"


def cli(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("PARVIS_PASSWORD", PASSWORD)
    return main(list(args))


def test_groups_and_members(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "data")
    for name in ("marie", "jean"):
        assert cli(monkeypatch, "user", "add", name, "--data", data) == 0
    assert cli(monkeypatch, "group", "add", "voirie", "--data", data) == 0
    assert cli(monkeypatch, "group", "add", "urbanisme", "--data", data) == 0
    assert cli(monkeypatch, "group", "add-member", "voirie", "marie", "--data", data) == 0
    assert cli(monkeypatch, "group", "add-member", "voirie", "jean", "--data", data) == 0
    capsys.readouterr()
    assert cli(monkeypatch, "group", "list", "--data", data) == 0
    assert capsys.readouterr().out.splitlines() == ["urbanisme (0 membres)", "voirie (2 membres)"]
    assert cli(monkeypatch, "group", "remove-member", "voirie", "jean", "--data", data) == 0
    assert "retiré du groupe" in capsys.readouterr().out
    assert cli(monkeypatch, "group", "list", "--data", data) == 0
    assert "voirie (1 membres)" in capsys.readouterr().out


def test_group_errors_are_one_line_and_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "data")
    assert cli(monkeypatch, "user", "add", "marie", "--data", data) == 0
    assert cli(monkeypatch, "group", "add", "voirie", "--data", data) == 0
    capsys.readouterr()
    for args, expected in [
        (("group", "add", "voirie"), "existe déjà"),
        (("group", "add", "pas valide!"), "nom de groupe invalide"),
        (("group", "add-member", "nope", "marie"), "groupe inconnu"),
        (("group", "add-member", "voirie", "zoe"), "utilisateur inconnu"),
        (("group", "remove-member", "voirie", "marie"), "n'est pas membre"),
    ]:
        assert cli(monkeypatch, *args, "--data", data) == 1
        err = capsys.readouterr().err
        assert expected in err and len(err.strip().splitlines()) == 1, err
