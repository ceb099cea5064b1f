"""Paths of files in a shared folder of the document bank, as the client and the server agree on
them: pure functions, no I/O.

A path is relative, POSIX (segments joined by "/"), NFC-normalised, and must be creatable on
Windows, macOS and Linux alike, since every member's PC holds a copy. `check_path` returns the
normalised path or raises `PathRefused` with a French message that names the problem;
`path_key` is what "the same path" means on a case-insensitive file system (Windows, macOS):
two files of one folder never share a key.
"""

from __future__ import annotations

import unicodedata

MAX_PATH_CHARS = 1024
MAX_SEGMENT_BYTES = 255
FORBIDDEN_CHARS = '<>:"|?*'
# Windows refuses these as a name, with or without an extension ("nul.txt", "CON.tar.gz").
RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{dev}{n}" for dev in ("COM", "LPT") for n in "0123456789¹²³"]
)
# Characters that make a name lie about itself: bidirectional overrides, line separators.
_TRICK_CHARS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


class PathRefused(ValueError):
    """A path that cannot be stored in a shared folder; the message says why, in French."""


def check_path(raw: object) -> str:
    """Return `raw` NFC-normalised, or raise PathRefused naming the first problem found: not a
    string, empty, too long, absolute, a backslash, an empty, "." or ".." segment, a control
    or forbidden character, a Windows-reserved name, a trailing dot or space, a segment over
    255 bytes in UTF-8. Any thread."""
    if not isinstance(raw, str):
        raise PathRefused("chemin invalide : une chaîne de caractères est attendue")
    path = unicodedata.normalize("NFC", raw)
    if not path:
        raise PathRefused("chemin vide")
    if len(path) > MAX_PATH_CHARS:
        raise PathRefused(f"chemin trop long : {len(path)} caractères, maximum {MAX_PATH_CHARS}")
    if "\\" in path:
        raise PathRefused("chemin invalide : la barre oblique inverse « \\ » est interdite, séparez par « / »")
    if path.startswith("/"):
        raise PathRefused("chemin absolu interdit : le chemin doit être relatif au dossier partagé")
    for segment in path.split("/"):
        _check_segment(segment)
    return path


def _check_segment(segment: str) -> None:
    if not segment:
        raise PathRefused("chemin invalide : segment vide (« // » ou « / » à la fin)")
    if segment in (".", ".."):
        raise PathRefused(f"chemin invalide : le segment « {segment} » est interdit (pas de remontée de dossier)")
    for ch in segment:
        if unicodedata.category(ch) == "Cc" or ch in _TRICK_CHARS:
            raise PathRefused(
                f"nom invalide « {_printable(segment)} » : caractère de contrôle U+{ord(ch):04X} interdit"
            )
        if ch in FORBIDDEN_CHARS:
            raise PathRefused(f"nom invalide « {segment} » : le caractère « {ch} » est interdit sous Windows")
    if segment.split(".", 1)[0].rstrip(" ").upper() in RESERVED_NAMES:
        raise PathRefused(f"nom réservé par Windows : « {segment} » (CON, PRN, AUX, NUL, COM1…, LPT1…)")
    if segment[-1] in ". ":
        what = "un point" if segment[-1] == "." else "une espace"
        raise PathRefused(f"nom invalide « {segment} » : il finit par {what}, ce que Windows ne permet pas")
    size = len(segment.encode("utf-8"))
    if size > MAX_SEGMENT_BYTES:
        raise PathRefused(f"nom trop long : {size} octets en UTF-8, maximum {MAX_SEGMENT_BYTES}")


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def path_key(path: str) -> str:
    """Return the case-insensitive key of a checked path: two paths with one key are the same
    file on Windows and macOS. Any thread."""
    return unicodedata.normalize("NFC", path.casefold())


def parents(path: str) -> list[str]:
    """Return the folders a checked path sits in, outermost first: "a/b/c.txt" gives
    ["a", "a/b"]. Any thread."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
