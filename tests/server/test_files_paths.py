"""The document bank's path rules (`sync.protocol.file_paths`), shared by the client and the
server: what is accepted (NFC-normalised), and each refusal naming its problem."""

from __future__ import annotations

import unicodedata

import pytest

from sync.protocol.file_paths import PathRefused, check_path, parents, path_key


@pytest.mark.parametrize("path", [
    "rapport.odt",
    "Conseil municipal/2024/PV séance du 12 mars.odt",
    "photos/chantier école ✓ 🚧.jpg",
    ".cache-libreoffice",  # a leading dot is an ordinary (hidden) name
    "a/b/c/d/e/f.txt",
    "nulle part.txt",  # "nul" is reserved, "nulle part" is not
    "CONSEIL.txt",
    "com10.txt",
    " espace devant.txt",
    "x" * 255,
    "é" * 127,  # 254 bytes in UTF-8
])
def test_accepted_paths(path: str) -> None:
    assert check_path(path) == path


def test_paths_are_nfc_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "Délibération été.odt")
    assert decomposed != "Délibération été.odt"
    assert check_path(decomposed) == "Délibération été.odt"


@pytest.mark.parametrize(("path", "words"), [
    ("", "vide"),
    (None, "chaîne"),
    ("../secret.txt", "« .. »"),
    ("a/../../etc/passwd", "« .. »"),
    ("a/./b.txt", "« . »"),
    ("/etc/passwd", "absolu"),
    ("C:\\Windows\\system.ini", "barre oblique inverse"),
    ("a\\b.txt", "barre oblique inverse"),
    ("a//b.txt", "segment vide"),
    ("dossier/", "segment vide"),
    ("C:/fichier.txt", "« : »"),
    ("question?.txt", "« ? »"),
    ("étoile*.txt", "« * »"),
    ('guillemet".txt', '« " »'),
    ("a<b>.txt", "« < »"),
    ("tube|.txt", "« | »"),
    ("ligne\nsuite.txt", "contrôle U+000A"),
    ("nul\x00.txt", "contrôle U+0000"),
    ("facture\u202egpj.exe", "contrôle U+202E"),
    ("CON", "réservé"),
    ("con.txt", "réservé"),
    ("dossier/NUL.tar.gz", "réservé"),
    ("Aux", "réservé"),
    ("prn.odt", "réservé"),
    ("COM1", "réservé"),
    ("lpt9.log", "réservé"),
    ("nul .txt", "réservé"),
    ("rapport.", "finit par un point"),
    ("dossier./a.txt", "finit par un point"),
    ("rapport.odt ", "finit par une espace"),
    ("x" * 256, "256 octets"),
    ("é" * 128, "256 octets"),
    ("a/" * 600 + "b", "trop long"),
])
def test_refused_paths_name_their_problem(path: object, words: str) -> None:
    with pytest.raises(PathRefused) as caught:
        check_path(path)
    assert words in str(caught.value)


def test_path_key_ignores_case_and_normalisation() -> None:
    assert path_key("Rapport.ODT") == path_key("rapport.odt")
    assert path_key("ÉTÉ/Été.txt") == path_key(unicodedata.normalize("NFD", "été/été.txt"))
    assert path_key("a.txt") != path_key("b.txt")


def test_parents() -> None:
    assert parents("a/b/c.txt") == ["a", "a/b"]
    assert parents("c.txt") == []
