"""First run and unlock dialogs, driven as a user would: fields filled, buttons clicked."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.welcome import UnlockDialog, WelcomeDialog
from storage.vault import Vault
from sync import account as accounts
from tests.conftest import PASSPHRASE
from tests.e2e.servers import add_user, free_port, start_server


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_wrong_passphrase_is_refused_clearly_then_the_right_one_unlocks(qtbot: QtBot, tmp_path: Path) -> None:
    folder = tmp_path / "profile"
    Vault.create(folder, PASSPHRASE).close()
    before = _hashes(folder)
    dialog = UnlockDialog(folder)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.passphrase, "pas la bonne")
    dialog.unlock_button.click()
    assert dialog.vault is None
    assert dialog.error.isVisible()
    assert "Phrase de passe incorrecte" in dialog.error.text()
    assert dialog.isVisible()
    assert _hashes(folder) == before  # a wrong passphrase changes nothing stored
    dialog.passphrase.setText(PASSPHRASE)
    dialog.unlock_button.click()
    assert dialog.vault is not None
    assert dialog.result() == UnlockDialog.DialogCode.Accepted
    dialog.vault.close()


def test_first_run_creates_a_passphrase_profile_for_local_work(qtbot: QtBot, tmp_path: Path) -> None:
    folder = tmp_path / "profile"
    dialog = WelcomeDialog(folder)
    qtbot.addWidget(dialog)
    dialog.use_passphrase.setChecked(True)
    dialog.passphrase.setText("une phrase assez longue")
    dialog.confirm.setText("une phrase différente")
    dialog.create_button.click()
    assert "diffèrent" in dialog.error.text()
    assert not folder.exists()
    dialog.confirm.setText("une phrase assez longue")
    dialog.create_button.click()
    assert dialog.result() == WelcomeDialog.DialogCode.Accepted
    assert dialog.vault is not None and dialog.ops is not None
    dialog.ops.close()
    dialog.vault.close()
    reopened = Vault.open(folder, lambda: "une phrase assez longue")
    assert reopened.protection == "passphrase"
    assert accounts.current(reopened.conn) is None
    reopened.close()


@pytest.mark.slow
def test_first_run_signs_in_to_the_server_and_says_why_when_it_cannot(qtbot: QtBot, tmp_path: Path) -> None:
    add_user(tmp_path / "server", "alice", "mdp-alice")
    server = start_server(tmp_path / "server")
    try:
        folder = tmp_path / "profile"
        dialog = WelcomeDialog(folder)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.use_passphrase.setChecked(True)
        dialog.passphrase.setText(PASSPHRASE)
        dialog.confirm.setText(PASSPHRASE)
        dialog.with_server.setChecked(True)
        dialog.server_url.setText(f"http://127.0.0.1:{free_port()}")  # nobody listens there
        dialog.user.setText("alice")
        dialog.password.setText("mdp-alice")
        dialog.create_button.click()
        qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20_000)
        assert "la connexion a échoué" in dialog.error.text()
        assert not dialog.protection.isEnabled()  # the profile exists; its protection is settled
        dialog.server_url.setText(server.url)
        dialog.password.setText("mauvais")
        dialog.create_button.click()
        qtbot.waitUntil(lambda: dialog.create_button.isEnabled(), timeout=20_000)
        assert "refusé" in dialog.error.text()
        dialog.password.setText("mdp-alice")
        dialog.create_button.click()
        qtbot.waitUntil(lambda: dialog.result() == WelcomeDialog.DialogCode.Accepted, timeout=20_000)
        assert dialog.vault is not None and dialog.ops is not None
        dialog.ops.close()
        account = accounts.current(dialog.vault.conn)
        assert account is not None and account.username == "alice" and account.server_url == server.url
        dialog.vault.close()
    finally:
        server.stop()


def test_parvis_passphrase_unlocks_a_cli_profile_with_no_dialog(qtbot: QtBot, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop import app

    folder = tmp_path / "profile"
    Vault.create(folder, PASSPHRASE).close()
    monkeypatch.setattr(app, "UnlockDialog", None)  # any dialog would fail the test
    monkeypatch.setenv("PARVIS_PASSPHRASE", PASSPHRASE)
    opened = app.unlock(folder)
    assert opened is not None
    vault, ops = opened
    ops.close()
    assert vault.protection == "passphrase"
    vault.close()
