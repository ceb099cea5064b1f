"""A room's conversation: messages grouped by author, day separators, replies, reactions,
mentions, attachments, and the pending and failed states.

The view is a read-only rich text (selectable, copyable) built block by block with QTextCursor:
each block of a message carries its client id as a block property, so a right click finds the
message under the mouse. Links drive the actions (open an attachment, retry, toggle a reaction,
load older messages). UI thread only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from urllib.parse import quote, unquote

from PySide6.QtCore import QDate, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QDesktopServices,
    QFont,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QApplication, QMenu, QTextBrowser, QWidget

from storage.chat import FAILED, PENDING, Message, human_size

MESSAGE_ID = QTextFormat.Property.UserProperty  # the client id of a block's message
GROUP_GAP = timedelta(minutes=5)  # a message this soon after the same author's joins its group
MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9._@-]{0,63})")
URL_RE = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)»]")
QUICK_REACTIONS = ("👍", "✅", "👀", "❤️", "😄", "❓")
PALETTE = ("#000091", "#18753c", "#b34000", "#6a6af4", "#a94645", "#009081", "#716043", "#8585f6")
GREY, RED, MENTION_BG = "#666666", "#ce0500", "#fff4cc"


def author_colour(name: str) -> str:
    """A stable colour per author, so that a conversation reads at a glance."""
    return PALETTE[sum(name.encode()) % len(PALETTE)]


def local_time(iso: str) -> datetime:
    """The store's ISO UTC timestamp, in the computer's time zone."""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        moment = datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone()


def mentions_me(text: str, me: str | None) -> bool:
    names = {m.group(1).rstrip("._-@") for m in MENTION_RE.finditer(text)}
    return "channel" in names or (me is not None and me in names)


class Conversation(QTextBrowser):
    """Signals carry the message's client id (and more for reactions)."""

    openAttachment = Signal(str, str)  # attachment id, file name
    retry = Signal(str)
    react = Signal(str, str, bool)  # client id, emoji, add (False: remove)
    reply = Signal(str)
    edit = Signal(str)
    delete = Signal(str)
    loadOlder = Signal()

    def __init__(self, me: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.me = me
        self.setObjectName("conversation")
        self.setAccessibleName(self.tr("Messages du salon"))
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._clicked)
        self.document().setDocumentMargin(16)
        self.messages: list[Message] = []
        self.by_id: dict[str, Message] = {}
        self.more_before = False

    # -- building -------------------------------------------------------------------------

    def show_messages(self, messages: Sequence[Message], more_before: bool = False,
                      keep_position: bool = False) -> None:
        """Show `messages` (oldest first). Stays at the bottom when it was there (or for a new
        room); otherwise keeps the reader where they were."""
        bar = self.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        from_bottom = bar.maximum() - bar.value()
        self.messages = list(messages)
        self.by_id = {m.client_id: m for m in self.messages}
        self.more_before = more_before
        self.setUpdatesEnabled(False)
        try:
            self.clear()
            cursor = QTextCursor(self.document())
            cursor.beginEditBlock()
            self._build(cursor)
            cursor.endEditBlock()
        finally:
            self.setUpdatesEnabled(True)
        if at_bottom and not keep_position:
            bar.setValue(bar.maximum())
        else:
            bar.setValue(max(0, bar.maximum() - from_bottom))

    def _build(self, cursor: QTextCursor) -> None:
        by_seq: dict[int | None, Message] = {m.seq: m for m in self.messages if m.seq is not None}
        first = True
        if self.more_before:
            self._block(cursor, first, centred=True)
            first = False
            self._link(cursor, self.tr("Afficher les messages précédents"), "older:")
        previous: Message | None = None
        for message in self.messages:
            when = local_time(message.created_at)
            if previous is None or local_time(previous.created_at).date() != when.date():
                self._day(cursor, when, first)
                first = False
                previous = None
            grouped = (previous is not None and previous.author == message.author and not previous.deleted
                       and when - local_time(previous.created_at) < GROUP_GAP and previous.state == message.state)
            self._message(cursor, message, grouped, by_seq)
            previous = message

    def _block(self, cursor: QTextCursor, first: bool, message: str = "", top: float = 0, indent: bool = True,
               centred: bool = False, background: str | None = None) -> None:
        fmt = QTextBlockFormat()
        fmt.setTopMargin(top)
        if indent and not centred:
            fmt.setLeftMargin(12)
        if centred:
            fmt.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        if background:
            fmt.setBackground(QBrush(QColor(background)))
        if message:
            fmt.setProperty(MESSAGE_ID, message)
        if first:
            cursor.setBlockFormat(fmt)
        else:
            cursor.insertBlock(fmt, QTextCharFormat())

    def _day(self, cursor: QTextCursor, when: datetime, first: bool) -> None:
        today = datetime.now().astimezone().date()
        if when.date() == today:
            label = self.tr("Aujourd'hui")
        elif when.date() == today - timedelta(days=1):
            label = self.tr("Hier")
        else:
            label = self.locale().toString(QDate(when.year, when.month, when.day), "dddd d MMMM yyyy")
        self._block(cursor, first, top=0 if first else 14, centred=True)
        cursor.insertText(f"— {label} —", self._char(GREY, size=0.85, bold=True))

    def _message(self, cursor: QTextCursor, m: Message, grouped: bool, by_seq: dict[int | None, Message]) -> None:
        cid = m.client_id
        if not grouped:
            self._block(cursor, False, cid, top=10, indent=False)
            cursor.insertText(m.author or self.me or self.tr("Moi"), self._char(author_colour(m.author), bold=True))
            cursor.insertText("  " + local_time(m.created_at).strftime("%H:%M"), self._char(GREY, size=0.85))
        if m.reply_to is not None:
            quoted = by_seq.get(m.reply_to)
            self._block(cursor, False, cid, top=2, background="#f0f0f7")
            if quoted is None:
                cursor.insertText(self.tr("↪ En réponse à un message plus ancien"),
                                  self._char(GREY, size=0.9, italic=True))
            else:
                snippet = self.tr("message supprimé") if quoted.deleted else " ".join(quoted.text.split())[:90]
                cursor.insertText(f"↪ {quoted.author} : ", self._char(GREY, size=0.9, bold=True))
                cursor.insertText(snippet, self._char(GREY, size=0.9, italic=True))
        ink = GREY if m.state == PENDING else "#161616"
        highlight = not m.deleted and m.author != self.me and mentions_me(m.text, self.me)
        self._block(cursor, False, cid, top=2, background=MENTION_BG if highlight else None)
        if m.deleted:
            cursor.insertText(self.tr("Message supprimé"), self._char(GREY, italic=True))
        else:
            self._text(cursor, m.text, ink)
            if m.edited_at:
                cursor.insertText("  " + self.tr("(modifié)"), self._char(GREY, size=0.85))
        if not m.deleted:
            for att in m.attachments:
                self._block(cursor, False, cid, top=3)
                label = f"📎 {att.name}  ({human_size(att.size)})"
                self._link(cursor, label, f"att:{quote(att.id, safe='')}/{quote(att.name, safe='')}")
            if m.reactions:
                self._block(cursor, False, cid, top=3)
                for emoji, users in sorted(m.reactions.items()):
                    if not users:
                        continue
                    mine = self.me in users
                    fmt = self._char("#000091" if mine else "#3a3a3a", bold=mine)
                    fmt.setBackground(QColor("#e3e3fd" if mine else "#f0f0f0"))
                    fmt.setAnchor(True)
                    fmt.setAnchorHref(f"react:{cid}:{'-' if mine else '+'}{emoji}")
                    fmt.setToolTip(", ".join(users))
                    cursor.insertText(f" {emoji} {len(users)} ", fmt)
                    cursor.insertText("  ", QTextCharFormat())
        if m.state == PENDING:
            self._block(cursor, False, cid)
            cursor.insertText(self.tr("⏳ En attente d'envoi"), self._char(GREY, size=0.85, italic=True))
        elif m.state == FAILED:
            self._block(cursor, False, cid)
            reason = m.last_error or self.tr("refusé par le serveur")
            cursor.insertText(self.tr("⚠ Non envoyé : {0}").format(reason) + "  ", self._char(RED, size=0.85))
            self._link(cursor, self.tr("Réessayer"), f"retry:{cid}", RED)

    def _text(self, cursor: QTextCursor, text: str, ink: str) -> None:
        """Insert a message's text: mentions in bold colour, links clickable; line breaks kept
        as line breaks inside the block (so the block's message id stays)."""
        plain = self._char(ink)
        pieces = sorted([(m.start(), m.end(), "mention") for m in MENTION_RE.finditer(text)]
                        + [(m.start(), m.end(), "url") for m in URL_RE.finditer(text)])
        at = 0
        for start, end, kind in pieces:
            if start < at:
                continue
            cursor.insertText(text[at:start].replace("\n", "\u2028"), plain)
            chunk = text[start:end]
            if kind == "url":
                self._link(cursor, chunk, chunk)
            else:
                name = chunk[1:].rstrip("._-@")
                fmt = self._char("#000091", bold=True)
                if name == self.me or name == "channel":
                    fmt.setBackground(QColor("#ffe08a"))
                cursor.insertText(chunk, fmt)
            at = end
        cursor.insertText(text[at:].replace("\n", "\u2028"), plain)

    def _char(self, colour: str, size: float = 1.0, bold: bool = False, italic: bool = False) -> QTextCharFormat:
        fmt = QTextCharFormat()
        fmt.setForeground(QColor(colour))
        if size != 1.0:
            fmt.setFontPointSize(self.font().pointSizeF() * size)
        if bold:
            fmt.setFontWeight(QFont.Weight.Bold)
        if italic:
            fmt.setFontItalic(True)
        return fmt

    def _link(self, cursor: QTextCursor, text: str, href: str, colour: str = "#000091") -> None:
        fmt = self._char(colour)
        fmt.setAnchor(True)
        fmt.setAnchorHref(href)
        fmt.setFontUnderline(True)
        cursor.insertText(text, fmt)
        cursor.insertText(" ", QTextCharFormat())

    # -- actions --------------------------------------------------------------------------

    def _clicked(self, url: QUrl) -> None:
        href = url.toString()
        kind, _, rest = href.partition(":")
        if kind == "att":
            att_id, _, name = rest.partition("/")
            self.openAttachment.emit(unquote(att_id), unquote(name))
        elif kind == "retry":
            self.retry.emit(rest)
        elif kind == "react":
            cid, _, sign_emoji = rest.partition(":")
            self.react.emit(cid, sign_emoji[1:], sign_emoji[:1] == "+")
        elif kind == "older":
            self.loadOlder.emit()
        elif kind in ("http", "https"):
            QDesktopServices.openUrl(url)

    def message_at(self, pos: QPoint) -> Message | None:
        """The message under a point of the viewport, if any."""
        cid = self.cursorForPosition(pos).block().blockFormat().property(MESSAGE_ID)
        return self.by_id.get(cid) if isinstance(cid, str) else None

    def message_menu(self, message: Message) -> QMenu:
        """The actions on one message: reply, react, copy; edit and delete for one's own."""
        menu = QMenu(self)
        cid = message.client_id
        if message.state == FAILED:
            menu.addAction(self.tr("Réessayer l'envoi"), lambda: self.retry.emit(cid))
        if not message.deleted:
            reply = menu.addAction(self.tr("Répondre"), lambda: self.reply.emit(cid))
            reply.setEnabled(message.seq is not None)
            reactions = menu.addMenu(self.tr("Réagir"))
            reactions.setEnabled(message.seq is not None)
            for emoji in QUICK_REACTIONS:
                mine = self.me in message.reactions.get(emoji, [])
                reactions.addAction(emoji, partial(self.react.emit, cid, emoji, not mine))
            menu.addAction(self.tr("Copier le texte"), lambda: self._copy(message.text))
        if message.author == self.me and not message.deleted:
            menu.addSeparator()
            menu.addAction(self.tr("Modifier"), lambda: self.edit.emit(cid))
            menu.addAction(self.tr("Supprimer"), lambda: self.delete.emit(cid))
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        message = self.message_at(event.pos())
        if message is None or self.textCursor().hasSelection():
            super().contextMenuEvent(event)
            return
        self.message_menu(message).exec(event.globalPos())

    def _copy(self, text: str) -> None:
        QApplication.clipboard().setText(text)
