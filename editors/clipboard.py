"""Clipboard and drag-and-drop: only what the model supports goes in or out.

Pasted HTML is parsed by Qt, then read back as model runs: bold, italic, underline, strike,
links, headings, lists and alignment survive; fonts, colours, sizes, images and tables do not
(a table leaves its cells' text). Copies carry the exact runs for Parvis, clean HTML for other
applications and plain text. All functions run on the UI thread.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QTextCharFormat, QTextDocument

from .qtformat import Attrs, Run, block_attrs, clean_block, clean_inline

MIME_RUNS = "application/x-parvis-runs+json"
LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffc\ufeff]")
_BREAKS = re.compile(r"\r\n|\r|\u2028|\u2029")


def normalize_link(url: str) -> str:
    """Return `url` as a link the model stores ("www.x.fr" becomes "https://www.x.fr").
    Raises ValueError for an empty URL or a scheme other than http, https, mailto or tel. UI thread."""
    url = url.strip()
    if url.lower().startswith("www."):
        url = "https://" + url
    if not url.lower().startswith(LINK_SCHEMES) or any(ch.isspace() for ch in url):
        raise ValueError(f"Lien refusé : « {url} ». Indiquez une adresse http(s)://, mailto: ou tel:.")
    return url


def clean_text(text: str) -> str:
    """Return `text` with line breaks as "\\n" and without control or object characters. UI thread."""
    return _CONTROL.sub("", _BREAKS.sub("\n", text))


def normalize_runs(runs: list[Run]) -> list[Run]:
    """Return `runs` with clean text, only supported attributes (inline ones on text, block
    ones on "\\n") and adjacent equal runs merged. UI thread."""
    out: list[Run] = []
    for text, attrs in runs:
        for piece in re.split(r"(\n)", clean_text(text)):
            if not piece:
                continue
            clean = clean_block(attrs) if piece == "\n" else clean_inline(attrs)
            if out and out[-1][1] == clean:
                out[-1] = (out[-1][0] + piece, clean)
            else:
                out.append((piece, clean))
    return out


def split_blocks(runs: list[Run]) -> list[tuple[list[Run], Attrs]]:
    """Return the paragraphs of normalized `runs`: their inline runs and block attributes (a
    last paragraph without its "\\n" has none). UI thread."""
    blocks: list[tuple[list[Run], Attrs]] = []
    current: list[Run] = []
    for text, attrs in runs:
        if text == "\n":
            blocks.append((current, attrs))
            current = []
        else:
            current.append((text, attrs))
    if current:
        blocks.append((current, {}))
    return blocks


def _foreign_inline(fmt: QTextCharFormat, heading: int) -> Attrs:
    attrs: Attrs = {}
    if fmt.fontWeight() >= 600 and not heading:  # headings are bold by nature, not by choice
        attrs["bold"] = True
    if fmt.fontItalic():
        attrs["italic"] = True
    if fmt.fontStrikeOut():
        attrs["strike"] = True
    if fmt.isAnchor() and fmt.anchorHref():
        try:
            attrs["link"] = normalize_link(fmt.anchorHref())
        except ValueError:
            pass
    if fmt.fontUnderline() and "link" not in attrs:  # a link's underline is only its look
        attrs["underline"] = True
    return attrs


def runs_from_html(source: str) -> list[Run]:
    """Return the model runs of an HTML fragment. UI thread."""
    doc = QTextDocument()
    doc.setHtml(source)
    runs: list[Run] = []
    block = doc.begin()
    while block.isValid():
        battrs = block_attrs(block)
        heading = battrs.get("header", 0)
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            text = frag.text().replace("\u2028", "\n")
            for piece in re.split(r"(\n)", text):
                if piece:
                    runs.append((piece, battrs if piece == "\n" else _foreign_inline(frag.charFormat(), heading)))
            it += 1
        block = block.next()
        if block.isValid():
            runs.append(("\n", battrs))
    return normalize_runs(runs)


def runs_from_mime(data: QMimeData, inline: Attrs, block: Attrs) -> list[Run]:
    """Return the model runs of clipboard or drop `data`; plain text takes the `inline` and
    `block` attributes of where it lands. Returns [] when there is nothing usable. UI thread."""
    if data.hasFormat(MIME_RUNS):
        try:
            raw: Any = json.loads(bytes(data.data(MIME_RUNS).data()).decode("utf-8"))
            return normalize_runs([(str(text), dict(attrs)) for text, attrs in raw])
        except (ValueError, TypeError):
            pass  # not ours after all: fall back to the other formats
    if data.hasHtml():
        return runs_from_html(data.html())
    if data.hasText():
        lines = clean_text(data.text()).split("\n")
        runs: list[Run] = []
        for i, line in enumerate(lines):
            if i:
                runs.append(("\n", block))
            runs.append((line, inline))
        return normalize_runs(runs)
    return []


def _inline_html(text: str, attrs: Attrs) -> str:
    out = html.escape(text)
    for key, tag in (("bold", "strong"), ("italic", "em"), ("underline", "u"), ("strike", "s")):
        if attrs.get(key):
            out = f"<{tag}>{out}</{tag}>"
    if attrs.get("link"):
        out = f'<a href="{html.escape(str(attrs["link"]))}">{out}</a>'
    return out


def runs_to_html(runs: list[Run]) -> str:
    """Return clean HTML for normalized `runs`. UI thread."""
    out: list[str] = []
    open_list = ""
    for inline, attrs in split_blocks(runs):
        tag = {"bullet": "ul", "ordered": "ol"}.get(attrs.get("list", ""), "")
        if tag != open_list:
            out.append(f"</{open_list}>" if open_list else "")
            out.append(f"<{tag}>" if tag else "")
            open_list = tag
        name = "li" if tag else f"h{attrs['header']}" if attrs.get("header") else "p"
        style = f' style="text-align:{attrs["align"]}"' if attrs.get("align") else ""
        content = "".join(_inline_html(text, a) for text, a in inline)
        out.append(f"<{name}{style}>{content}</{name}>")
    if open_list:
        out.append(f"</{open_list}>")
    return "".join(out)


def runs_to_mime(runs: list[Run]) -> QMimeData:
    """Return clipboard data for normalized `runs`: exact runs, clean HTML and plain text. UI thread."""
    data = QMimeData()
    data.setData(MIME_RUNS, json.dumps(runs, ensure_ascii=False).encode("utf-8"))
    data.setHtml(runs_to_html(runs))
    data.setText("".join(text for text, _ in runs))
    return data
