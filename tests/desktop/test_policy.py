"""Machine policies and installation presets: the order they apply in, what a bad value does,
and how the first-run dialog shows them. Windows' registry does not exist here: it is stood in
for by a mapping, behind the same Source interface as the real `winreg` reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop import policy
from desktop.policy import MappingSource, Policies
from desktop.welcome import WelcomeDialog


def _windows(policies: dict[str, object], presets: dict[str, object]) -> Policies:
    keys = {policy.POLICY_KEY: policies, policy.PRESET_KEY: presets}
    return policy.load("win32", registry=lambda key: MappingSource(keys[key], f"HKLM\\{key}"))


def test_policy_beats_preset_beats_user_beats_default() -> None:
    p = _windows({"CaFile": r"C:\pki\ca.pem"}, {"ServerUrl": "https://parvis.mairie.fr", "CaFile": r"C:\old.pem"})
    assert p.get("CaFile").value == r"C:\pki\ca.pem" and p.get("CaFile").locked
    server = p.get("ServerUrl", user="https://ailleurs.fr")
    assert (server.value, server.source, server.locked) == ("https://parvis.mairie.fr", "preset", False)
    assert p.get("MailBodyDays", user=30, default=90) == policy.Value(30, "user")
    assert p.get("MaxAttachmentMB", default=25) == policy.Value(25, "default")
    assert p.problems == []


@pytest.mark.parametrize("raw, expected", [(1, True), (0, False), ("1", True), ("true", True), ("0", False)])
def test_flags_accept_dwords_and_strings(raw: object, expected: bool) -> None:
    assert _windows({"DisableLocalOnly": raw}, {}).get("DisableLocalOnly").value is expected


def test_a_bad_value_is_ignored_and_said_never_fatal() -> None:
    p = _windows({"ServerUrl": "parvis.mairie.fr", "MailBodyDays": "beaucoup", "DisableLocalOnly": 7},
                 {"ServerUrl": "https://parvis.mairie.fr", "MailBodyDays": 99999})
    assert p.get("ServerUrl") == policy.Value("https://parvis.mairie.fr", "preset")
    assert p.get("MailBodyDays", default=30) == policy.Value(30, "default")
    assert p.get("DisableLocalOnly", default=False).value is False
    assert len(p.problems) == 4 and all("ignorée" in problem for problem in p.problems)


def test_linux_reads_etc_parvis_policies_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "policies.json"
    path.write_text(json.dumps({"DisableLocalOnly": True, "Typo": 1,
                                "Defaults": {"ServerUrl": "https://parvis.agglo.fr", "MailBodyDays": 60}}))
    monkeypatch.setenv("PARVIS_POLICY_FILE", str(path))
    p = policy.load("linux")
    assert p.get("DisableLocalOnly").locked and p.get("DisableLocalOnly").value is True
    assert p.get("ServerUrl") == policy.Value("https://parvis.agglo.fr", "preset")
    assert p.get("MailBodyDays").value == 60
    assert any("Typo" in problem for problem in p.problems)
    path.write_text("{ pas du json")
    broken = policy.load("linux")
    assert broken.get("ServerUrl").source == "default" and "illisible" in broken.problems[0]
    monkeypatch.setenv("PARVIS_POLICY_FILE", str(tmp_path / "absent.json"))
    assert policy.load("linux").get("ServerUrl").source == "default"


def test_first_run_shows_presets_and_locks_what_is_enforced(qtbot: QtBot, tmp_path: Path) -> None:
    p = _windows({"DisableLocalOnly": 1, "CaFile": r"C:\pki\ca.pem"}, {"ServerUrl": "https://parvis.mairie.fr"})
    dialog = WelcomeDialog(tmp_path / "profile", policies=p)
    qtbot.addWidget(dialog)
    assert dialog.server_url.text() == "https://parvis.mairie.fr" and not dialog.server_url.isReadOnly()
    assert dialog.ca_file.text() == r"C:\pki\ca.pem" and dialog.ca_file.isReadOnly()
    assert not dialog.browse.isEnabled()
    assert dialog.with_server.isChecked() and not dialog.local_only.isEnabled()


def test_first_run_without_policies_offers_local_work(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = WelcomeDialog(tmp_path / "profile", policies=Policies())
    qtbot.addWidget(dialog)
    assert dialog.local_only.isEnabled() and dialog.local_only.isChecked()
    assert dialog.server_url.text() == "" and not dialog.ca_file.isReadOnly()


ADMX_NS = {"p": "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"}
POLICIES_DIR = Path(__file__).resolve().parents[2] / "packaging" / "windows" / "policies"


def test_the_admx_templates_cover_exactly_what_parvis_reads_in_both_languages() -> None:
    import re
    import xml.etree.ElementTree as ET

    admx = ET.parse(POLICIES_DIR / "parvis.admx").getroot()
    written: dict[str, str] = {}
    for item in admx.iterfind(".//p:policy", ADMX_NS):
        assert item.get("class") == "Machine" and item.get("key") == policy.POLICY_KEY
        names = [item.get("valueName")] + [e.get("valueName") for e in item.iterfind("p:elements/*", ADMX_NS)]
        for name in filter(None, names):
            written[name] = item.get("name", "")
    assert set(written) == set(policy.SETTINGS)
    for name, (low, high) in policy.LIMITS.items():
        element = admx.find(f".//p:decimal[@valueName='{name}']", ADMX_NS)
        assert element is not None and (element.get("minValue"), element.get("maxValue")) == (str(low), str(high))
    referenced = set(re.findall(r"\$\(string\.(\w+)\)", (POLICIES_DIR / "parvis.admx").read_text(encoding="utf-8")))
    presentations = set(re.findall(r"\$\(presentation\.(\w+)\)", (POLICIES_DIR / "parvis.admx").read_text()))
    for language in ("fr-FR", "en-US"):
        adml = ET.parse(POLICIES_DIR / language / "parvis.adml").getroot()
        strings = {s.get("id") for s in adml.iterfind(".//p:string", ADMX_NS)}
        assert referenced <= strings, (language, referenced - strings)
        assert {p.get("id") for p in adml.iterfind(".//p:presentation", ADMX_NS)} == presentations


def test_mail_body_days_from_the_machine_reach_the_mail_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.app import MAIL_BODY_DAYS, apply_machine_settings
    from storage.db import get_setting, set_setting
    from storage.vault import Vault
    from sync.mail.sync import body_days

    vault = Vault.create(tmp_path / "profil", "phrase de passe")
    try:
        monkeypatch.setenv("PARVIS_POLICY_FILE", str(tmp_path / "absent.json"))
        apply_machine_settings(vault.conn)
        assert get_setting(vault.conn, MAIL_BODY_DAYS) is None and body_days(vault.conn) == 30  # nothing set
        set_setting(vault.conn, MAIL_BODY_DAYS, "90")  # the user's own choice stays...
        apply_machine_settings(vault.conn)
        assert body_days(vault.conn) == 90
        rules = tmp_path / "policies.json"
        rules.write_text(json.dumps({"MailBodyDays": 7}))
        monkeypatch.setenv("PARVIS_POLICY_FILE", str(rules))
        apply_machine_settings(vault.conn)  # ...unless IT enforces another
        assert body_days(vault.conn) == 7
    finally:
        vault.close()
