"""ODT writer: the paragraph model of `editors.export` as an OpenDocument text (ODF 1.2).

The file uses LibreOffice's own style names ("Heading 1", "Text body", "List 1",
"Numbering 123", "Internet link"), so that a secretary who opens the export in LibreOffice
finds real headings in the navigator, real lists she can continue, and the usual style
menus. Bold, italic, underline and strike are automatic text styles; alignment is an
automatic paragraph style over the common one. A4, French, Liberation fonts (bundled with
LibreOffice on every system; Word falls back to Times New Roman / Arial through the generic
family).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime

from odf import dc, meta
from odf.element import Element
from odf.opendocument import OpenDocument, OpenDocumentText
from odf.style import (
    DefaultStyle,
    FontFace,
    Footer,
    FooterStyle,
    HeaderFooterProperties,
    ListLevelLabelAlignment,
    ListLevelProperties,
    MasterPage,
    PageLayout,
    PageLayoutProperties,
    ParagraphProperties,
    Style,
    TextProperties,
)
from odf.text import (
    A,
    H,
    LineBreak,
    List,
    ListItem,
    ListLevelStyleBullet,
    ListLevelStyleNumber,
    ListStyle,
    P,
    PageCount,
    PageNumber,
    S,
    Span,
    Tab,
)

from .export import Paragraph, Run, clean, link_groups, list_groups

SERIF = "Liberation Serif"
SANS = "Liberation Sans"
# Common paragraph styles, by the names LibreOffice uses for its built-in ones.
BODY = "Text_20_body"
HEADINGS = {1: "Heading_20_1", 2: "Heading_20_2", 3: "Heading_20_3"}
LIST_PARAGRAPH = "List"
LIST_STYLES = {"bullet": "List_20_1", "ordered": "Numbering_20_123"}
LINK = "Internet_20_link"
VISITED = "Visited_20_Internet_20_Link"
# fo:text-align for the model's alignments: "end" follows the writing direction like Quill's right.
ALIGN = {"center": "center", "right": "end", "justify": "justify"}
BULLETS = "•◦▪"


def _all_scripts(props: dict[str, str]) -> dict[str, str]:
    # Each property has Western, Asian and complex-script variants; set all three so that
    # any script in the run (an Arabic name, CJK) gets the same emphasis.
    return props | {k + suffix: v for k, v in props.items() for suffix in ("asian", "complex")}


def _font_faces(doc: OpenDocument) -> None:
    doc.fontfacedecls.addElement(FontFace(name=SERIF, fontfamily=f"'{SERIF}'", fontfamilygeneric="roman",
                                          fontpitch="variable"))
    doc.fontfacedecls.addElement(FontFace(name=SANS, fontfamily=f"'{SANS}'", fontfamilygeneric="swiss",
                                          fontpitch="variable"))


def _common_styles(doc: OpenDocument) -> None:
    default = DefaultStyle(family="paragraph")
    default.addElement(ParagraphProperties(writingmode="page"))
    default.addElement(TextProperties(fontname=SERIF, fontsize="12pt", language="fr", country="FR",
                                      hyphenate="false"))
    doc.styles.addElement(default)
    standard = Style(name="Standard", family="paragraph", attributes={"class": "text"})
    doc.styles.addElement(standard)
    body = Style(name=BODY, displayname="Text body", family="paragraph", parentstylename="Standard",
                 attributes={"class": "text"})
    body.addElement(ParagraphProperties(margintop="0cm", marginbottom="0.25cm", lineheight="115%"))
    doc.styles.addElement(body)
    listing = Style(name=LIST_PARAGRAPH, family="paragraph", parentstylename=BODY, attributes={"class": "list"})
    listing.addElement(ParagraphProperties(marginbottom="0.1cm"))
    doc.styles.addElement(listing)
    heading = Style(name="Heading", family="paragraph", parentstylename="Standard", nextstylename=BODY,
                    attributes={"class": "text"})
    heading.addElement(ParagraphProperties(margintop="0.42cm", marginbottom="0.21cm", keepwithnext="always"))
    heading.addElement(TextProperties(fontname=SANS, **_all_scripts({"fontweight": "bold"})))
    doc.styles.addElement(heading)
    for level, size in ((1, "18pt"), (2, "15pt"), (3, "13pt")):
        style = Style(name=HEADINGS[level], displayname=f"Heading {level}", family="paragraph",
                      parentstylename="Heading", nextstylename=BODY, defaultoutlinelevel=str(level),
                      attributes={"class": "text"})
        style.addElement(TextProperties(**_all_scripts({"fontsize": size})))
        doc.styles.addElement(style)
    footer = Style(name="Footer", family="paragraph", parentstylename="Standard", attributes={"class": "extra"})
    footer.addElement(ParagraphProperties(textalign="center"))
    footer.addElement(TextProperties(fontsize="9pt"))
    doc.styles.addElement(footer)
    link = Style(name=LINK, displayname="Internet link", family="text")
    link.addElement(TextProperties(color="#1a4f9c", textunderlinestyle="solid", textunderlinewidth="auto",
                                   textunderlinecolor="font-color"))
    doc.styles.addElement(link)
    visited = Style(name=VISITED, displayname="Visited Internet Link", family="text")
    visited.addElement(TextProperties(color="#551a8b", textunderlinestyle="solid", textunderlinewidth="auto",
                                      textunderlinecolor="font-color"))
    doc.styles.addElement(visited)
    _list_styles(doc)


def _list_styles(doc: OpenDocument) -> None:
    bullets = ListStyle(name=LIST_STYLES["bullet"], displayname="List 1")
    numbers = ListStyle(name=LIST_STYLES["ordered"], displayname="Numbering 123")
    # All ten levels, as LibreOffice writes them: a user who indents an item in the export
    # gets a sensible deeper level instead of an unstyled one.
    for level in range(1, 11):
        indent = f"{0.635 * (level + 1):.3f}cm"
        for style, item in (
            (bullets, ListLevelStyleBullet(level=level, bulletchar=BULLETS[(level - 1) % len(BULLETS)])),
            (numbers, ListLevelStyleNumber(level=level, numformat="1", numsuffix=".")),
        ):
            props = ListLevelProperties(listlevelpositionandspacemode="label-alignment")
            props.addElement(ListLevelLabelAlignment(labelfollowedby="listtab", listtabstopposition=indent,
                                                     textindent="-0.635cm", marginleft=indent))
            item.addElement(props)
            style.addElement(item)
    doc.styles.addElement(bullets)
    doc.styles.addElement(numbers)


def _page(doc: OpenDocument) -> None:
    layout = PageLayout(name="pm1")
    layout.addElement(PageLayoutProperties(pagewidth="21cm", pageheight="29.7cm", printorientation="portrait",
                                           margintop="2cm", marginbottom="1.5cm", marginleft="2.5cm",
                                           marginright="2cm"))
    footer_style = FooterStyle()
    footer_style.addElement(HeaderFooterProperties(minheight="0.6cm", margintop="0.5cm"))
    layout.addElement(footer_style)
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    footer = Footer()
    # "3 / 7" at the foot of each page: a signed procès-verbal must show it is complete.
    number = P(stylename="Footer")
    number.addElement(PageNumber(selectpage="current", text="1"))
    number.addText(" / ")
    number.addElement(PageCount(text="1"))
    footer.addElement(number)
    master.addElement(footer)
    doc.masterstyles.addElement(master)


def _metadata(doc: OpenDocument, title: str) -> None:
    if title:
        doc.meta.addElement(dc.Title(text=clean(title)))
    doc.meta.addElement(dc.Language(text="fr-FR"))
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    doc.meta.addElement(meta.CreationDate(text=now))
    doc.meta.addElement(dc.Date(text=now))


class _Styles:
    """The automatic styles of content.xml, created on first use and shared after."""

    def __init__(self, doc: OpenDocument) -> None:
        self.doc = doc
        self.text: dict[tuple[bool, bool, bool, bool], Style] = {}
        self.paragraph: dict[tuple[str, str], Style] = {}

    def for_run(self, run: Run) -> Style | None:
        key = (run.bold, run.italic, run.underline, run.strike)
        if not any(key):
            return None
        if key not in self.text:
            props: dict[str, str] = {}
            if run.bold:
                props |= _all_scripts({"fontweight": "bold"})
            if run.italic:
                props |= _all_scripts({"fontstyle": "italic"})
            if run.underline:
                props |= {"textunderlinestyle": "solid", "textunderlinewidth": "auto",
                          "textunderlinecolor": "font-color"}
            if run.strike:
                props |= {"textlinethroughstyle": "solid", "textlinethroughtype": "single"}
            style = Style(name=f"T{len(self.text) + 1}", family="text")
            style.addElement(TextProperties(**props))
            self.doc.automaticstyles.addElement(style)
            self.text[key] = style
        return self.text[key]

    def for_paragraph(self, base: str, align: str | None) -> str:
        if align is None:
            return base
        key = (base, align)
        if key not in self.paragraph:
            style = Style(name=f"P{len(self.paragraph) + 1}", family="paragraph", parentstylename=base)
            style.addElement(ParagraphProperties(textalign=ALIGN[align]))
            self.doc.automaticstyles.addElement(style)
            self.paragraph[key] = style
        return str(self.paragraph[key].getAttribute("name"))


def _add_text(parent: Element, text: str, prev: str, at_end: bool) -> str:
    """Append `text` to `parent`, keeping every blank, and return its last character (or
    `prev`). ODF collapses a blank that follows another one (across element boundaries) and
    drops those at the start and end of a paragraph: such blanks become <text:s c="n"/>, tabs
    <text:tab/>. `prev` is the character before `text` in the paragraph, "" at its start."""
    buffer: list[str] = []
    spaces = 0

    def flush_text() -> None:
        if buffer:
            parent.addText("".join(buffer))
            buffer.clear()

    def flush_spaces(last: bool) -> None:
        nonlocal spaces, prev
        if not spaces:
            return
        # Only the first blank after a visible character may stay a plain space.
        literal = 1 if prev not in ("", " ", "\t", "\u2028") and not last else 0
        buffer.append(" " * literal)
        flush_text()
        if spaces - literal:
            parent.addElement(S(c=str(spaces - literal)))
        spaces = 0
        prev = " "

    for ch in clean(text):
        if ch == " ":
            spaces += 1
            continue
        flush_spaces(False)
        if ch == "\t":
            flush_text()
            parent.addElement(Tab())
        elif ch == "\u2028":
            flush_text()
            parent.addElement(LineBreak())
        else:
            buffer.append(ch)
        prev = ch
    flush_spaces(at_end)
    flush_text()
    return prev


def _fill(element: Element, runs: Sequence[Run], styles: _Styles) -> None:
    prev = ""
    remaining = len(runs)
    for link, group in link_groups(runs):
        target = element
        if link:
            target = A(type="simple", href=link, stylename=LINK, visitedstylename=VISITED)
            element.addElement(target)
        for run in group:
            style = styles.for_run(run)
            holder = target
            if style is not None:
                holder = Span(stylename=style)
                target.addElement(holder)
            remaining -= 1
            prev = _add_text(holder, run.text, prev, at_end=remaining == 0)


def to_odt(paras: Sequence[Paragraph], title: str) -> bytes:
    """Return the bytes of an ODT file holding `paras`, with `title` as its dc:title (the body
    is written as the user wrote it: no title paragraph is added). Headings are text:h with an
    outline level, consecutive list items one text:list. Any thread may call it."""
    doc = OpenDocumentText()
    _font_faces(doc)
    _common_styles(doc)
    _page(doc)
    _metadata(doc, title)
    styles = _Styles(doc)
    for kind, group in list_groups(paras):
        if kind is None:
            p = group[0]
            if p.header:
                element = H(outlinelevel=str(p.header), stylename=styles.for_paragraph(HEADINGS[p.header], p.align))
            else:
                element = P(stylename=styles.for_paragraph(BODY, p.align))
            _fill(element, p.runs, styles)
            doc.text.addElement(element)
            continue
        listing = List(stylename=LIST_STYLES[kind])
        for p in group:
            item = ListItem()
            element = P(stylename=styles.for_paragraph(LIST_PARAGRAPH, p.align))
            _fill(element, p.runs, styles)
            item.addElement(element)
            listing.addElement(item)
        doc.text.addElement(listing)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()
