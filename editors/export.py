"""Export of a document body (a Quill-style delta) to plain text, Markdown and HTML.

No Qt here: the CLI exports headlessly. ODT and PDF come with the desktop editor.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from storage.docs import OpenDoc
from storage.errors import InvalidInput

Attrs = dict[str, Any]
Run = tuple[str, Attrs]
Block = tuple[list[Run], Attrs]


def blocks(delta: list[tuple[Any, Attrs | None]]) -> Iterator[Block]:
    """Split a delta into paragraphs: the inline runs of each, and the block attributes
    carried by its closing newline (header, list, align)."""
    runs: list[Run] = []
    for insert, attrs in delta:
        if not isinstance(insert, str):
            continue  # embeds: not exported yet
        attrs = dict(attrs or {})
        parts = insert.split("\n")
        for i, part in enumerate(parts):
            if part:
                runs.append((part, attrs))
            if i < len(parts) - 1:
                yield runs, attrs
                runs = []
    if runs:
        yield runs, {}


def _md_inline(text: str, attrs: Attrs) -> str:
    out = text
    for key, mark in (("bold", "**"), ("italic", "*"), ("strike", "~~")):
        if attrs.get(key):
            out = f"{mark}{out}{mark}"
    if attrs.get("link"):
        out = f"[{out}]({attrs['link']})"
    return out


def to_markdown(delta: list[tuple[Any, Attrs | None]]) -> str:
    lines = []
    number = 0
    for runs, block in blocks(delta):
        text = "".join(_md_inline(t, a) for t, a in runs)
        if block.get("header") in (1, 2, 3):
            lines.append("#" * int(block["header"]) + " " + text)
        elif block.get("list") == "bullet":
            lines.append("- " + text)
        elif block.get("list") == "ordered":
            number += 1
            lines.append(f"{number}. {text}")
        else:
            lines.append(text)
        if block.get("list") != "ordered":
            number = 0
    return "\n".join(lines) + "\n"


def _html_inline(text: str, attrs: Attrs) -> str:
    out = html.escape(text)
    for key, tag in (("bold", "strong"), ("italic", "em"), ("underline", "u"), ("strike", "s")):
        if attrs.get(key):
            out = f"<{tag}>{out}</{tag}>"
    if attrs.get("link"):
        out = f'<a href="{html.escape(str(attrs["link"]))}">{out}</a>'
    return out


def to_html(delta: list[tuple[Any, Attrs | None]], title: str) -> str:
    body: list[str] = []
    open_list: str | None = None
    for runs, block in blocks(delta):
        text = "".join(_html_inline(t, a) for t, a in runs)
        kind = {"bullet": "ul", "ordered": "ol"}.get(str(block.get("list")))
        if kind != open_list:
            if open_list:
                body.append(f"</{open_list}>")
            if kind:
                body.append(f"<{kind}>")
            open_list = kind
        style = f' style="text-align: {html.escape(str(block["align"]))}"' if block.get("align") else ""
        if kind:
            body.append(f"<li{style}>{text}</li>")
        elif block.get("header") in (1, 2, 3):
            body.append(f"<h{block['header']}{style}>{text}</h{block['header']}>")
        else:
            body.append(f"<p{style}>{text}</p>")
    if open_list:
        body.append(f"</{open_list}>")
    return (f'<!DOCTYPE html>\n<html lang="fr">\n<head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            "</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")


FORMATS = (".txt", ".md", ".html")


def export(od: OpenDoc, path: Path) -> None:
    """Write the document to `path`, in the format its extension names. Raises InvalidInput
    for an unsupported extension; writes through a temporary file so a failure leaves no
    half-written export."""
    suffix = path.suffix.lower()
    if suffix == ".txt":
        content = od.text()
    elif suffix == ".md":
        content = to_markdown(od.body.diff())
    elif suffix in (".html", ".htm"):
        content = to_html(od.body.diff(), od.title())
    elif suffix in (".odt", ".pdf"):
        raise InvalidInput(f"L'export {suffix} arrive avec l'application de bureau ; formats possibles : "
                           + ", ".join(FORMATS) + ".")
    else:
        raise InvalidInput(f"Format d'export inconnu « {suffix or path.name} » ; formats possibles : "
                           + ", ".join(FORMATS) + ".")
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(path)
