"""The UI's language: French by default, English through Qt's catalogue when asked; and the
catalogue itself kept complete (every source string present, translated, placeholders kept)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop import i18n
from desktop.mainwindow import MainWindow

from .conftest import Opener, only_tab

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = i18n.CATALOGUES / "parvis_en.ts"
FIX = ("run `make i18n` (or pyside6-lupdate on the new files) and translate the new entries in "
       "desktop/i18n/parvis_en.ts")


@pytest.fixture(autouse=True)
def back_to_french(qapp: QApplication) -> Iterator[None]:
    """i18n.install() acts on the whole QApplication: leave it in French for the tests after."""
    yield
    i18n.install("fr")


def _menus(window: MainWindow) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


def test_english_on_request(qtbot: QtBot, open_window: Opener, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARVIS_LANG", "en")
    window = open_window("agent")
    assert window.lang == "en"
    assert _menus(window) == ["&File", "&Edit", "&Sync", "&View", "&Help"]
    assert window.sync.state.text() == "On this computer only"
    assert window.documents.commands["new"].text() == "New document"
    window.documents.commands["new"].trigger()
    tab = only_tab(qtbot, window)
    bold = tab.editor.actions_by_name["bold"]
    assert bold.text() == "Bold"
    assert bold.toolTip().startswith("Bold (")
    assert tab.editor.actions_by_name["undo"].text() == "Undo"  # not the dialogs' "Cancel"


def test_french_by_default(qtbot: QtBot, open_window: Opener, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARVIS_LANG", raising=False)
    window = open_window("agent")  # a new profile: no `ui.language`
    assert window.lang == "fr"
    assert _menus(window) == ["&Fichier", "&Édition", "&Synchronisation", "&Affichage", "&Aide"]
    assert window.sync.state.text() == "Sur cet ordinateur uniquement"
    window.documents.commands["new"].trigger()
    tab = only_tab(qtbot, window)
    assert tab.editor.actions_by_name["bold"].text() == "Gras"


def test_the_choice_comes_from_the_environment_then_the_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARVIS_LANG", raising=False)
    assert i18n.choose(None) == "fr"
    assert i18n.choose("en") == "en"
    assert i18n.choose("de") == "fr"
    monkeypatch.setenv("PARVIS_LANG", "en_GB.UTF-8")
    assert i18n.choose("fr") == "en"
    monkeypatch.setenv("PARVIS_LANG", "fr")
    assert i18n.choose("en") == "fr"


# ---- the catalogue --------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{\d+\}|%n|%\d+")
TAG = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9]*)[^>]*>")
ACCELERATOR = re.compile(r"&(?!&|[a-z]+;|#)\S")


def _messages(path: Path) -> list[tuple[str, str, ET.Element]]:
    return [(context.findtext("name") or "", message.findtext("source") or "", message)
            for context in ET.parse(path).getroot().iter("context") for message in context.iter("message")]


def _translations(message: ET.Element) -> list[str]:
    translation = message.find("translation")
    assert translation is not None
    forms = translation.findall("numerusform")
    return [form.text or "" for form in forms] if forms else [translation.text or ""]


def test_every_message_is_translated_and_keeps_its_placeholders() -> None:
    problems = []
    for context, source, message in _messages(CATALOGUE):
        where = f"[{context}] {source!r}"
        translation = message.find("translation")
        kind = translation.get("type") if translation is not None else "missing"
        if kind is not None:
            problems.append(f"{where}: not translated ({kind})")
            continue
        for text in _translations(message):
            if not text.strip():
                problems.append(f"{where}: empty translation")
            if Counter(PLACEHOLDER.findall(text)) != Counter(PLACEHOLDER.findall(source)):
                problems.append(f"{where}: placeholders differ in {text!r}")
            if Counter(TAG.findall(text)) != Counter(TAG.findall(source)):
                problems.append(f"{where}: HTML tags differ in {text!r}")
            if bool(ACCELERATOR.search(text)) != bool(ACCELERATOR.search(source)):
                problems.append(f"{where}: keyboard accelerator (&) lost or added in {text!r}")
            if source.endswith("…") != text.endswith("…"):
                problems.append(f"{where}: ellipsis lost or added in {text!r}")
    assert not problems, f"{FIX}:\n" + "\n".join(problems)


def _lupdate() -> str:
    here = Path(sys.executable).parent / "pyside6-lupdate"
    found = str(here) if here.exists() else shutil.which("pyside6-lupdate")
    assert found, "pyside6-lupdate not found (it comes with PySide6)"
    return found


def test_the_catalogue_holds_every_source_string(tmp_path: Path) -> None:
    """A string added to the code but not yet in the catalogue would stay French in English."""
    fresh = tmp_path / "parvis_en.ts"
    shutil.copyfile(CATALOGUE, fresh)
    sources = sorted(str(p.relative_to(ROOT)) for folder in ("desktop", "editors")
                     for p in (ROOT / folder).rglob("*.py"))
    subprocess.run([_lupdate(), "-silent", "-no-obsolete", "-locations", "none", *sources, "-ts", str(fresh)],
                   cwd=ROOT, check=True, capture_output=True)
    kept = {(context, source) for context, source, _ in _messages(CATALOGUE)}
    now = {(context, source) for context, source, _ in _messages(fresh)}
    missing = sorted(now - kept)
    stale = sorted(kept - now)
    assert not missing and not stale, (
        f"{FIX}:\n" + "\n".join([f"missing: [{c}] {s!r}" for c, s in missing]
                                + [f"no longer in the code: [{c}] {s!r}" for c, s in stale]))


def test_the_compiled_catalogue_is_there() -> None:
    """`make` builds parvis_en.qm from the .ts; without it the UI silently stays in French."""
    assert (i18n.CATALOGUES / "parvis_en.qm").exists(), "run `make` (pyside6-lrelease) to build parvis_en.qm"
