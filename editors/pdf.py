"""PDF writer: the paragraph model of `editors.export` laid out by Qt and printed on A4.

The `QTextDocument` is built directly with a cursor rather than from the HTML export: Qt's
HTML importer drops empty paragraphs and knows only part of CSS, while the cursor keeps
every blank, tab and empty line exactly as typed. Pages are painted one by one so that each
gets a "n / N" footer.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextListFormat,
)

from storage.errors import ParvisError

from .export import Paragraph, Run, clean, list_groups

SERIF = ["Liberation Serif", "Times New Roman", "DejaVu Serif", "serif"]
SANS = ["Liberation Sans", "Arial", "DejaVu Sans", "sans-serif"]
# Millimetres: left is wider for binding, bottom holds the page number (as in the ODT).
MARGINS = QMarginsF(25, 20, 20, 25)
FOOTER_GAP_MM = 8
BODY_PT = 12
HEADING_PT = {1: 18, 2: 15, 3: 13}
ALIGN = {None: Qt.AlignmentFlag.AlignLeading, "center": Qt.AlignmentFlag.AlignHCenter,
         "right": Qt.AlignmentFlag.AlignTrailing, "justify": Qt.AlignmentFlag.AlignJustify}
LIST_STYLE = {"bullet": QTextListFormat.Style.ListDisc, "ordered": QTextListFormat.Style.ListDecimal}

# The application object this module created, kept for the life of the process: Qt must not
# see it collected while fonts and documents still refer to it.
_app: QGuiApplication | None = None


def ensure_gui_app() -> QGuiApplication:
    """Return the running QGuiApplication, creating one if there is none. On Linux and other
    Unix systems it then uses the "offscreen" platform unless QT_QPA_PLATFORM says otherwise,
    so that the CLI works on a server with no display. Raises ParvisError when a bare
    QCoreApplication already runs. Only the main thread may call it when no application
    exists yet (a Qt rule)."""
    global _app
    existing = QGuiApplication.instance()
    if existing is not None:
        if not isinstance(existing, QGuiApplication):
            raise ParvisError("Export PDF impossible : l'application Qt en cours n'a pas d'interface graphique.")
        return existing
    # Windows and macOS always have a window system for a logged-in user, and their native
    # plugins find the system fonts; elsewhere a display may be missing (SSH, cron, servers).
    if sys.platform not in ("win32", "darwin"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication([sys.argv[0] if sys.argv else "parvis"])
    return _app


def _font(families: list[str], points: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(families)
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def _char_format(base: QTextCharFormat, run: Run) -> QTextCharFormat:
    fmt = QTextCharFormat(base)
    if run.bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(run.italic)
    fmt.setFontUnderline(run.underline or run.link is not None)
    fmt.setFontStrikeOut(run.strike)
    if run.link:
        # An anchor becomes a clickable link annotation in Qt's PDF engine.
        fmt.setAnchor(True)
        fmt.setAnchorHref(run.link)
        fmt.setForeground(QBrush(QColor("#1a4f9c")))
    return fmt


def build_document(paras: Sequence[Paragraph], title: str) -> QTextDocument:
    """Return a QTextDocument holding `paras`: headings with a heading level and a larger bold
    sans font, Qt lists (one per run of consecutive items), alignment, inline emphasis and
    links. Needs a QGuiApplication (see `ensure_gui_app`); the document belongs to the calling
    thread."""
    doc = QTextDocument()
    doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, title)
    doc.setDefaultFont(_font(SERIF, BODY_PT))
    doc.setDocumentMargin(0)  # the page margins are the margins
    cursor = QTextCursor(doc)
    first = True
    for kind, group in list_groups(paras):
        text_list = None
        for p in group:
            block = QTextBlockFormat()
            block.setAlignment(ALIGN[p.align])
            block.setBottomMargin(4 if kind else 6)
            block.setLineHeight(115, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
            base = QTextCharFormat()
            if p.header:
                block.setHeadingLevel(p.header)
                block.setTopMargin(10)
                block.setPageBreakPolicy(QTextBlockFormat.PageBreakFlag.PageBreak_Auto)
                base.setFont(_font(SANS, HEADING_PT[p.header], bold=True))
            else:
                base.setFont(_font(SERIF, BODY_PT))
            if first:
                cursor.setBlockFormat(block)
                cursor.setBlockCharFormat(base)
                first = False
            else:
                cursor.insertBlock(block, base)
            if kind:
                if text_list is None:
                    list_format = QTextListFormat()
                    list_format.setStyle(LIST_STYLE[kind])
                    list_format.setIndent(1)
                    text_list = cursor.createList(list_format)
                else:
                    text_list.add(cursor.block())
            for run in p.runs:
                # U+2028 is Qt's in-paragraph line break, which is what a vertical tab meant.
                cursor.insertText(clean(run.text.replace("\x0b", "\u2028")), _char_format(base, run))
    return doc


def to_pdf(paras: Sequence[Paragraph], title: str) -> bytes:
    """Return the bytes of an A4 PDF of `paras`, with `title` in its metadata and "n / N" at
    the foot of each page. Creates a QGuiApplication (offscreen on Unix) if none runs, which
    only the main thread may do; once one runs, any single thread may call it (QTextDocument,
    QPainter and QPdfWriter are reentrant). Raises ParvisError if Qt cannot paint."""
    ensure_gui_app()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("Parvis")
    # Full page, no printer margins: the body and the footer are placed by hand below.
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
    dots = writer.resolution() / 25.4  # device pixels per millimetre
    body = QRectF(MARGINS.left() * dots, MARGINS.top() * dots,
                  writer.width() - (MARGINS.left() + MARGINS.right()) * dots,
                  writer.height() - (MARGINS.top() + MARGINS.bottom()) * dots)
    doc = build_document(paras, title)
    # Lay out in the writer's resolution, as QTextDocument.print does: point sizes then map
    # to the page exactly.
    doc.documentLayout().setPaintDevice(writer)
    doc.setPageSize(QSizeF(body.width(), body.height()))
    pages = max(1, doc.pageCount())
    painter = QPainter()
    if not painter.begin(writer):
        raise ParvisError("Export PDF impossible : Qt n'a pas pu ouvrir le document PDF.")
    try:
        footer_font = _font(SERIF, 9)
        for page in range(pages):
            if page:
                writer.newPage()
            painter.save()
            painter.translate(body.left(), body.top() - page * body.height())
            doc.drawContents(painter, QRectF(0, page * body.height(), body.width(), body.height()))
            painter.restore()
            painter.setFont(footer_font)
            painter.setPen(QColor("#000000"))
            painter.drawText(QRectF(body.left(), body.bottom() + FOOTER_GAP_MM * dots, body.width(), 10 * dots),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, f"{page + 1} / {pages}")
    finally:
        painter.end()
        buffer.close()
    return bytes(buffer.data().data())
