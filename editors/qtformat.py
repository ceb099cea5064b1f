"""The one mapping between the model's Quill attributes and Qt text formats.

Inline attributes live in user properties of the QTextCharFormat; what the reader sees (weight,
size, underline, colour) is derived from them and from the paragraph's heading, and is never
read back. So a heading's size or boldness can never turn into a model attribute.
Block attributes map to the QTextBlockFormat (heading level, alignment) and to QTextList
membership. All functions run on the UI thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextList,
    QTextListFormat,
)

from .offsets import slice16

Attrs = dict[str, Any]
Run = tuple[str, Attrs]

INLINE_KEYS = ("bold", "italic", "underline", "strike", "link")
BLOCK_KEYS = ("header", "list", "align")
LIST_KINDS = ("bullet", "ordered")
ALIGNS = ("center", "right", "justify")

_PROPS = {key: int(QTextFormat.Property.UserProperty) + i for i, key in enumerate(INLINE_KEYS, start=1)}
_ALIGN_TO_QT = {
    "center": Qt.AlignmentFlag.AlignHCenter,
    "right": Qt.AlignmentFlag.AlignRight,
    "justify": Qt.AlignmentFlag.AlignJustify,
}
_LINK_COLOR = QColor("#1a5fb4")
_BULLETS = (QTextListFormat.Style.ListDisc, QTextListFormat.Style.ListCircle, QTextListFormat.Style.ListSquare)


def clean_inline(attrs: Attrs | None) -> Attrs:
    """Return the inline attributes of `attrs` the model supports, without false values. UI thread."""
    out: Attrs = {}
    for key in INLINE_KEYS[:4]:
        if attrs and attrs.get(key):
            out[key] = True
    link = attrs.get("link") if attrs else None
    if isinstance(link, str) and link:
        out["link"] = link
    return out


def clean_block(attrs: Attrs | None) -> Attrs:
    """Return the block attributes of `attrs` the model supports, normalised (header as int 1-3). UI thread."""
    out: Attrs = {}
    if not attrs:
        return out
    header = attrs.get("header")
    if isinstance(header, int | float) and not isinstance(header, bool) and header >= 1:
        out["header"] = min(int(header), 3)
    if attrs.get("list") in LIST_KINDS:
        out["list"] = attrs["list"]
    if attrs.get("align") in ALIGNS:
        out["align"] = attrs["align"]
    return out


def full(attrs: Attrs, keys: tuple[str, ...]) -> Attrs:
    """Return `attrs` over every key of `keys`, None where absent: a Y format that makes the
    text carry exactly these attributes (None removes one). UI thread."""
    return {key: attrs.get(key) for key in keys}


def char_format(attrs: Attrs, heading: int = 0) -> QTextCharFormat:
    """Return the complete Qt character format for inline `attrs` inside a paragraph of heading
    level `heading` (0: body text). UI thread."""
    fmt = QTextCharFormat()
    for key, prop in _PROPS.items():
        if attrs.get(key):
            fmt.setProperty(prop, attrs[key])
    bold = bool(attrs.get("bold")) or heading > 0
    fmt.setFontWeight(QFont.Weight.Bold if bold else QFont.Weight.Normal)
    fmt.setFontItalic(bool(attrs.get("italic")))
    fmt.setFontUnderline(bool(attrs.get("underline")) or bool(attrs.get("link")))
    fmt.setFontStrikeOut(bool(attrs.get("strike")))
    if heading:
        fmt.setProperty(QTextFormat.Property.FontSizeAdjustment, 4 - min(heading, 3))
    link = attrs.get("link")
    if link:
        fmt.setAnchor(True)
        fmt.setAnchorHref(str(link))
        fmt.setForeground(_LINK_COLOR)
        fmt.setToolTip(str(link))
    return fmt


def inline_attrs(fmt: QTextCharFormat) -> Attrs:
    """Return the model's inline attributes held by a character format made by `char_format`. UI thread."""
    out: Attrs = {}
    for key, prop in _PROPS.items():
        value = fmt.property(prop)
        if value:
            out[key] = str(value) if key == "link" else True
    return out


def list_kind(lst: QTextList | None) -> str | None:
    """Return "bullet", "ordered" or None for a Qt list. UI thread."""
    if lst is None:
        return None
    return "bullet" if lst.format().style() in _BULLETS else "ordered"


def block_attrs(block: QTextBlock) -> Attrs:
    """Return the model's block attributes (header, list, align) of a Qt paragraph. UI thread."""
    fmt = block.blockFormat()
    out: Attrs = {}
    if fmt.headingLevel() > 0:
        out["header"] = min(fmt.headingLevel(), 3)
    kind = list_kind(block.textList())
    if kind:
        out["list"] = kind
    horizontal = fmt.alignment() & Qt.AlignmentFlag.AlignHorizontal_Mask
    for name, flag in _ALIGN_TO_QT.items():
        if horizontal == flag:
            out["align"] = name
    return out


def set_block_attrs(block: QTextBlock, attrs: Attrs) -> None:
    """Give a Qt paragraph exactly the block attributes `attrs`, restyling its characters if
    its heading level changes. UI thread."""
    attrs = clean_block(attrs)
    fmt = block.blockFormat()
    old_heading = fmt.headingLevel()
    heading = attrs.get("header", 0)
    fmt.setHeadingLevel(heading)
    fmt.setAlignment(_ALIGN_TO_QT.get(attrs.get("align", ""), Qt.AlignmentFlag.AlignLeft))
    for prop, value in ((QTextFormat.Property.BlockTopMargin, 12), (QTextFormat.Property.BlockBottomMargin, 6)):
        if heading:
            fmt.setProperty(prop, value)
        else:
            fmt.clearProperty(prop)
    if fmt != block.blockFormat():
        QTextCursor(block).setBlockFormat(fmt)
    _set_list(block, attrs.get("list"))
    if heading != old_heading:
        restyle_block(block)


def _set_list(block: QTextBlock, kind: str | None) -> None:
    current = block.textList()
    if list_kind(current) == kind:
        return
    if current is not None:
        items = [current.item(i) for i in range(current.count())]
        earlier = any(item.position() < block.position() for item in items)
        later = [item for item in items if item.position() > block.position()]
        current.remove(block)
        fmt = block.blockFormat()
        fmt.setIndent(0)
        QTextCursor(block).setBlockFormat(fmt)
        if earlier and later:
            _move_to_new_list(later, current.format())  # Quill restarts the numbering after a gap
    if kind is None:
        return
    target = None
    for neighbour in (block.previous(), block.next()):
        if neighbour.isValid() and list_kind(neighbour.textList()) == kind:
            target = neighbour.textList()
            break
    if target is None:
        style = QTextListFormat.Style.ListDisc if kind == "bullet" else QTextListFormat.Style.ListDecimal
        target = QTextCursor(block).createList(style)
    else:
        target.add(block)
    after = block.next()
    other = after.textList() if after.isValid() else None
    if other is not None and other is not target and list_kind(other) == kind:
        for item in [other.item(i) for i in range(other.count())]:
            target.add(item)  # adjacent lists of one kind are one list, as in Quill


def _move_to_new_list(blocks: list[QTextBlock], fmt: QTextListFormat) -> None:
    first = blocks[0]
    first.textList().remove(first)
    fresh = QTextCursor(first).createList(fmt)
    for block in blocks[1:]:
        block.textList().remove(block)
        fresh.add(block)


def restyle_block(block: QTextBlock) -> None:
    """Re-derive the look of every character of `block` from its inline attributes and the
    paragraph's heading level. UI thread."""
    heading = block.blockFormat().headingLevel()
    cursor = QTextCursor(block)
    pieces = []
    it = block.begin()
    while not it.atEnd():
        frag = it.fragment()
        pieces.append((frag.position(), frag.length(), inline_attrs(frag.charFormat())))
        it += 1
    for pos, length, attrs in pieces:
        cursor.setPosition(pos)
        cursor.setPosition(pos + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.setCharFormat(char_format(attrs, heading))
    cursor.setPosition(block.position())
    cursor.setBlockCharFormat(char_format({}, heading))


def _append(runs: list[tuple[list[str], Attrs]], text: str, attrs: Attrs) -> None:
    if runs and runs[-1][1] == attrs:
        runs[-1][0].append(text)  # joined once at the end: no quadratic concatenation
    else:
        runs.append(([text], attrs))


def read_runs(doc: QTextDocument, start: int, stop: int) -> list[Run]:
    """Return the model runs of Qt positions [start, stop): text with its inline attributes,
    and each paragraph separator as "\\n" with its paragraph's block attributes. Adjacent
    runs with equal attributes are merged. UI thread."""
    runs: list[tuple[list[str], Attrs]] = []
    block = doc.findBlock(start)
    while block.isValid() and block.position() < stop:
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            pos, length = frag.position(), frag.length()
            if pos >= stop:
                break
            lo, hi = max(start, pos), min(stop, pos + length)
            if lo < hi:
                _append(runs, slice16(frag.text(), lo - pos, hi - pos), inline_attrs(frag.charFormat()))
            it += 1
        separator = block.position() + block.length() - 1
        if start <= separator < stop:
            _append(runs, "\n", block_attrs(block))
        block = block.next()
    return [("".join(parts), attrs) for parts, attrs in runs]


def fragments(doc: QTextDocument, start: int, stop: int) -> Iterator[tuple[int, int, Attrs, int]]:
    """Yield (position, length, inline attributes, heading level) of each character run of
    Qt positions [start, stop); paragraph separators are left out. UI thread."""
    block = doc.findBlock(start)
    while block.isValid() and block.position() < stop:
        heading = block.blockFormat().headingLevel()
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            lo, hi = max(start, frag.position()), min(stop, frag.position() + frag.length())
            if lo < hi:
                yield lo, hi - lo, inline_attrs(frag.charFormat()), heading
            it += 1
        block = block.next()
