"""Export of a document body (a Quill-style delta) to ODT, PDF, HTML, Markdown and plain text.

One walk of the delta (`paragraphs`) gives a small paragraph model; each format is a writer of
that model: `to_text`, `to_markdown` and `to_html` here, `editors.odt.to_odt` and
`editors.pdf.to_pdf` beside. `export` picks the writer from the file extension and writes
atomically. Qt is imported only for PDF, so that every other export (and every other CLI
command) stays free of it.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

from storage.docs import OpenDoc
from storage.errors import InvalidInput, ParvisError

Delta = Sequence[tuple[Any, dict[str, Any] | None]]

FORMATS = (".odt", ".pdf", ".html", ".md", ".txt")
# Accepted on the way in, written as their canonical sibling.
_ALIASES = {".htm": ".html", ".markdown": ".md"}
SAFE_SCHEMES = ("http", "https", "mailto")
ALIGNMENTS = ("center", "right", "justify")


class ExportFailed(ParvisError):
    """The export file could not be written (missing or read-only folder, disk full, file
    locked by another program). Nothing was written at the target path."""


@dataclass(frozen=True)
class Run:
    """A stretch of text with one set of inline attributes. `link` is already vetted: a URL
    with a safe scheme, or None."""

    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False
    strike: bool = False
    link: str | None = None


@dataclass(frozen=True)
class Paragraph:
    """One paragraph: its runs and the block attributes of its closing newline. `header` is
    0 for body text or 1–3; `list` is None, "bullet" or "ordered"; `align` is None (start) or
    one of ALIGNMENTS."""

    runs: tuple[Run, ...]
    header: int = 0
    list: str | None = None
    align: str | None = None

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


def safe_link(value: Any) -> str | None:
    """Return `value` if it is an absolute http, https or mailto URL, else None. Anything else
    (javascript:, data:, file:, relative paths) is dropped: the export keeps the words, not
    the link. Any thread may call it."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    # Browsers silently remove tabs and newlines inside URLs ("java\tscript:"); refuse any
    # control character or space rather than guess how a reader will parse it.
    if not url or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        return None
    scheme, sep, _ = url.partition(":")
    return url if sep and scheme.lower() in SAFE_SCHEMES else None


def _run(text: str, attrs: dict[str, Any]) -> Run:
    return Run(text, bold=bool(attrs.get("bold")), italic=bool(attrs.get("italic")),
               underline=bool(attrs.get("underline")), strike=bool(attrs.get("strike")),
               link=safe_link(attrs.get("link")))


def _block(runs: list[Run], attrs: dict[str, Any]) -> Paragraph:
    # Numbers come back from Yjs as floats (header 1.0); anything out of range is body text.
    header = attrs.get("header")
    level = int(header) if header in (1, 2, 3) and not isinstance(header, bool) else 0
    kind = attrs.get("list")
    # Quill's check lists ("checked"/"unchecked") are still lists: keep them as bullets.
    listing = None if not kind else ("ordered" if kind == "ordered" else "bullet")
    align = attrs.get("align")
    return Paragraph(tuple(runs), header=0 if listing else level, list=listing,
                     align=align if align in ALIGNMENTS else None)


def paragraphs(delta: Delta) -> list[Paragraph]:
    """Split a delta (`Text.diff()`) into paragraphs. A paragraph's block attributes are those
    of its closing newline; text after the last newline makes a plain last paragraph. Embeds
    are skipped. Any thread may call it on a delta it holds."""
    out: list[Paragraph] = []
    runs: list[Run] = []
    for insert, attrs in delta:
        if not isinstance(insert, str):
            continue  # embeds: not exported yet
        attrs = attrs or {}
        parts = insert.split("\n")
        for i, part in enumerate(parts):
            if part:
                runs.append(_run(part, attrs))
            if i < len(parts) - 1:
                out.append(_block(runs, attrs))
                runs = []
    if runs:
        out.append(_block(runs, {}))
    return out


def link_groups(runs: Iterable[Run]) -> Iterator[tuple[str | None, list[Run]]]:
    """Yield consecutive runs grouped by link, so that one link spanning several styles is one
    link in the output. Any thread may call it."""
    for link, group in groupby(runs, key=lambda r: r.link):
        yield link, list(group)


def list_groups(paras: Iterable[Paragraph]) -> Iterator[tuple[str | None, list[Paragraph]]]:
    """Yield consecutive paragraphs grouped by list kind (None for paragraphs outside lists):
    each group of list items is one list, and a list restarts after any other paragraph."""
    for kind, group in groupby(paras, key=lambda p: p.list):
        if kind is None:
            for p in group:
                yield None, [p]
        else:
            yield kind, list(group)


# -- plain text ----------------------------------------------------------------------------


def to_text(paras: Sequence[Paragraph]) -> str:
    """Return the text of the paragraphs, one line each, ending with a newline (empty for an
    empty document). Any thread may call it."""
    return "".join(p.text + "\n" for p in paras)


# -- Markdown ------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~])")
_MD_BLOCK_START = re.compile(r"^(\s*)([#>+-]|\d+[.)])")


def _md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_run(run: Run) -> str:
    text = _md_escape(run.text)
    core = text.strip(" \t")
    if not core:
        return text
    # Emphasis markers must touch the words ("**gras** ", never "**gras **"): keep the
    # surrounding blanks outside.
    lead, trail = text[: len(text) - len(text.lstrip(" \t"))], text[len(text.rstrip(" \t")):]
    for on, mark in ((run.bold, "**"), (run.italic, "*"), (run.strike, "~~")):
        if on:
            core = f"{mark}{core}{mark}"
    return lead + core + trail


def _md_inline(runs: Sequence[Run]) -> str:
    out = []
    for link, group in link_groups(runs):
        text = "".join(_md_run(r) for r in group)
        if link:
            # Angle brackets keep URLs with spaces or parentheses in one piece.
            target = f"<{link}>" if any(c in link for c in " ()<>") else link
            text = f"[{text}]({target})"
        out.append(text)
    return "".join(out)


def _md_block_escape(text: str) -> str:
    # A paragraph that starts like a heading, quote or list item must stay a paragraph:
    # escape the marker's last character (\#, \-, 1\.).
    m = _MD_BLOCK_START.match(text)
    return text if m is None else text[: m.end() - 1] + "\\" + text[m.end() - 1:]


def to_markdown(paras: Sequence[Paragraph]) -> str:
    """Return CommonMark (with GFM ~~strike~~): ATX headings, `-` and `1.` lists, a blank line
    between blocks. Underline, alignment and empty paragraphs have no Markdown form and are
    dropped. Any thread may call it."""
    blocks = []
    for kind, group in list_groups(paras):
        if kind == "bullet":
            blocks.append("\n".join("- " + _md_inline(p.runs) for p in group))
        elif kind == "ordered":
            blocks.append("\n".join(f"{n}. {_md_inline(p.runs)}" for n, p in enumerate(group, start=1)))
        elif group[0].header:
            blocks.append("#" * group[0].header + " " + _md_inline(group[0].runs))
        elif group[0].text.strip():
            blocks.append(_md_block_escape(_md_inline(group[0].runs)))
    return "\n\n".join(blocks) + "\n" if blocks else ""


# -- HTML ----------------------------------------------------------------------------------

_HTML_CSS = """\
body { font-family: "Liberation Serif", "Times New Roman", serif; font-size: 12pt; line-height: 1.4;
       color: #000; background: #fff; max-width: 42em; margin: 2em auto; padding: 0 1em; }
h1, h2, h3 { font-family: "Liberation Sans", Arial, sans-serif; line-height: 1.2; break-after: avoid; }
h1 { font-size: 18pt; } h2 { font-size: 15pt; } h3 { font-size: 13pt; }
p, li, h1, h2, h3 { white-space: pre-wrap; margin: 0 0 0.5em; }
ul, ol { margin: 0 0 0.5em; }
a { color: #1a4f9c; }
@page { size: A4; margin: 2cm 2cm 2.5cm 2.5cm; }
@media print { body { max-width: none; margin: 0; padding: 0; } a { color: inherit; } }"""

# Characters XML 1.0 forbids (and HTML calls parse errors); \t stays, \n cannot occur here.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean(text: str) -> str:
    """Return `text` without the control characters XML 1.0 forbids (a pasted vertical tab or
    form feed would make an ODT unreadable). Any thread may call it."""
    return _INVALID_XML.sub("", text.replace("\x0b", " ").replace("\r", ""))


def _html_inline(runs: Sequence[Run]) -> str:
    out = []
    for link, group in link_groups(runs):
        parts = []
        for r in group:
            text = html.escape(clean(r.text))
            for on, tag in ((r.bold, "strong"), (r.italic, "em"), (r.underline, "u"), (r.strike, "s")):
                if on:
                    text = f"<{tag}>{text}</{tag}>"
            parts.append(text)
        text = "".join(parts)
        out.append(f'<a href="{html.escape(link)}">{text}</a>' if link else text)
    return "".join(out)


def html_body(paras: Sequence[Paragraph]) -> str:
    """Return the HTML elements of the paragraphs (what goes inside <body>): h1–h3, p, ul/ol.
    Empty paragraphs keep their line with a <br>. Any thread may call it."""
    body: list[str] = []
    for kind, group in list_groups(paras):
        tag = {"bullet": "ul", "ordered": "ol"}.get(kind or "")
        if tag:
            body.append(f"<{tag}>")
        for p in group:
            style = f' style="text-align: {p.align}"' if p.align else ""
            text = _html_inline(p.runs) or "<br>"
            name = "li" if tag else f"h{p.header}" if p.header else "p"
            body.append(f"<{name}{style}>{text}</{name}>")
        if tag:
            body.append(f"</{tag}>")
    return "\n".join(body)


def to_html(paras: Sequence[Paragraph], title: str) -> str:
    """Return a complete standalone HTML5 document in French with a small print-friendly style
    sheet. Every text and attribute is escaped; only http, https and mailto links are kept.
    Any thread may call it."""
    return ('<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="generator" content="Parvis">\n'
            f"<title>{html.escape(clean(title) or 'Document sans titre')}</title>\n"
            f"<style>\n{_HTML_CSS}\n</style>\n</head>\n<body>\n"
            + html_body(paras) + "\n</body>\n</html>\n")


# -- dispatch and atomic write -------------------------------------------------------------


def export_format(path: Path) -> str:
    """Return the canonical extension (one of FORMATS) that `path` names. Raises InvalidInput
    for any other extension. Any thread may call it."""
    suffix = path.suffix.lower()
    suffix = _ALIASES.get(suffix, suffix)
    if suffix not in FORMATS:
        raise InvalidInput(f"Format d'export inconnu « {path.suffix or path.name} » ; formats possibles : "
                           + ", ".join(FORMATS) + ".")
    return suffix


def render(od: OpenDoc, fmt: str) -> bytes:
    """Return the document in format `fmt` (one of FORMATS) as the bytes of a file. Raises
    InvalidInput for an unknown format. Call it on the thread that owns `od`; for ".pdf" that
    thread must also be allowed to use Qt (see `editors.pdf.to_pdf`)."""
    paras = paragraphs(od.body.diff())
    title = od.title()
    if fmt == ".txt":
        return to_text(paras).encode("utf-8")
    if fmt == ".md":
        return to_markdown(paras).encode("utf-8")
    if fmt == ".html":
        return to_html(paras, title).encode("utf-8")
    if fmt == ".odt":
        from .odt import to_odt

        return to_odt(paras, title)
    if fmt == ".pdf":
        from .pdf import to_pdf  # Qt is loaded only when a PDF is asked for

        return to_pdf(paras, title)
    raise InvalidInput(f"Format d'export inconnu « {fmt} » ; formats possibles : " + ", ".join(FORMATS) + ".")


def _check_folder(folder: Path) -> None:
    if not folder.exists():
        raise ExportFailed(f"Le dossier « {folder} » n'existe pas : créez-le ou choisissez un autre emplacement.")
    if not folder.is_dir():
        raise ExportFailed(f"« {folder} » n'est pas un dossier : choisissez un autre emplacement.")


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder, then rename it over
    `path`: readers see the old file or the whole new one, never a part. Raises ExportFailed
    with a French message when the folder is missing or not writable, or the write fails; the
    temporary file is then removed. Any thread may call it."""
    folder = path.parent
    _check_folder(folder)
    if path.is_dir():
        raise ExportFailed(f"« {path} » est un dossier : donnez un nom de fichier.")
    # A fresh random name with O_EXCL ("xb"): two exports at once never share a temp file,
    # and the file gets the usual permissions (umask), unlike mkstemp's 0600.
    tmp = folder / f".{path.name}.{secrets.token_hex(4)}.partial"
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except PermissionError:
        raise ExportFailed(f"Impossible d'écrire « {path} » : droits insuffisants sur le dossier, ou fichier "
                           "ouvert dans un autre programme ; fermez-le ou choisissez un autre emplacement."
                           ) from None
    except OSError as exc:
        raise ExportFailed(f"Impossible d'écrire « {path} » : {exc.strerror or exc}.") from None
    finally:
        # Whatever stopped us (full disk, Ctrl+C), no half file stays behind; after the
        # rename there is nothing left to remove.
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def export(od: OpenDoc, path: Path) -> Path:
    """Write the document to `path` in the format its extension names (.odt .pdf .html .md
    .txt) and return `path`. Raises InvalidInput for an unknown extension and ExportFailed when
    the file cannot be written; in both cases nothing is written at `path` (the format and
    the folder are checked before any rendering). Call it on the thread that owns `od`; for a
    PDF see `editors.pdf.to_pdf`."""
    fmt = export_format(path)
    _check_folder(path.parent)
    write_atomically(path, render(od, fmt))
    return path
