"""The UI's language: French by default, English on request, through Qt's translation system.

Source strings are French. `parvis_en.qm` (built from `desktop/i18n/parvis_en.ts` by
`make`) translates them to English; Qt's own catalogue translates its standard buttons.
The choice comes from PARVIS_LANG, then the profile's setting `ui.language`.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

LANGUAGES = {"fr": "Français", "en": "English"}
DEFAULT = "fr"
CATALOGUES = Path(__file__).parent / "i18n"

_installed: list[QTranslator] = []


def choose(setting: str | None = None) -> str:
    """The language to use: PARVIS_LANG, then the profile's setting, then French."""
    for candidate in (os.environ.get("PARVIS_LANG"), setting):
        if candidate and candidate[:2] in LANGUAGES:
            return candidate[:2]
    return DEFAULT


def install(lang: str) -> bool:
    """Translate the UI into `lang` from now on (widgets made afterwards). Returns False when
    the catalogue is missing (the UI then stays in French). UI thread only."""
    app = QCoreApplication.instance()
    assert app is not None
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    QLocale.setDefault(QLocale(QLocale.Language.English if lang == "en" else QLocale.Language.French,
                               QLocale.Country.UnitedKingdom if lang == "en" else QLocale.Country.France))
    qt = QTranslator(app)
    if qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    if lang == DEFAULT:
        return True
    ours = QTranslator(app)
    if not ours.load(str(CATALOGUES / f"parvis_{lang}.qm")):
        return False
    app.installTranslator(ours)
    _installed.append(ours)
    return True

