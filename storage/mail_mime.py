"""Reading mail messages (RFC 5322 / MIME) as they come, malformed or not: headers, text, HTML,
attachments. Everything here shows what can be shown and never raises on a bad message: a
broken boundary, an unknown charset, truncated base64 or 8-bit headers give the best reading
the standard library can make, with the undecodable bytes replaced.

Pure functions (no I/O), callable from any thread.
"""

from __future__ import annotations

import email
import email.utils
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesHeaderParser
from html.parser import HTMLParser
from typing import Any

SNIPPET_CHARS = 200
_REPLY_PREFIX = re.compile(r"^\s*((re|tr|fw|fwd|aw|wg|réf|ref)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_MSGID = re.compile(r"<[^<>\s]+>")
_SPACES = re.compile(r"\s+")
_UNFOLD = re.compile(r"\r?\n(?=[ \t])")


def clean(value: Any) -> str:
    """A header or text value as a str fit for the database: undecodable bytes (kept by the
    email package as surrogates) read as UTF-8 if they are, else as Windows-1252."""
    text = value if isinstance(value, str) else str(value if value is not None else "")
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _parse(data: bytes) -> Message:
    """The message with raw header values (compat32: several times faster than the modern
    header classes, and 8-bit bytes kept); values are decoded here, by `_header`."""
    return email.message_from_bytes(data, policy=policy.compat32)


def _parse_headers_only(data: bytes) -> Message:
    return BytesHeaderParser(policy=policy.compat32).parsebytes(data)


def _raw_values(message: Message, name: str) -> list[str]:
    """A header's values as they were in the message (8-bit bytes kept as surrogates),
    unfolded."""
    lowered = name.lower()
    return [_UNFOLD.sub(" ", str(v)) for k, v in getattr(message, "_headers", []) if str(k).lower() == lowered]


def _has_8bit(value: str) -> bool:
    try:
        value.encode("ascii")
        return False
    except UnicodeEncodeError:
        return True


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded; an unknown charset read as UTF-8, else Windows-1252;
    a broken word left as it is."""
    if "=?" not in value:
        return value
    try:
        parts = decode_header(value)
    except Exception:
        return value
    out = []
    for data, charset in parts:
        if isinstance(data, str):
            out.append(data)
            continue
        for candidate in (charset or "ascii", "utf-8"):
            try:
                out.append(data.decode(candidate))
                break
            except (LookupError, UnicodeDecodeError):
                continue
        else:
            out.append(data.decode("cp1252", "replace"))
    return clean("".join(out))


def _header(message: Message, name: str) -> str:
    """One header as text, decoded (RFC 2047), whatever its state: raw 8-bit bytes are read as
    UTF-8, else Windows-1252."""
    raws = _raw_values(message, name)
    if not raws:
        return ""
    value = clean(raws[0]) if _has_8bit(raws[0]) else _decode_words(raws[0])
    return _SPACES.sub(" ", value).strip()


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, address) of each mailbox of an address header."""
    values = [clean(v) for v in _raw_values(message, name)]
    try:
        pairs = email.utils.getaddresses(values)
    except Exception:
        return []
    result = []
    for name_, address in pairs:
        name_, address = _decode_words(clean(name_)).strip(), clean(address).strip()
        if address or name_:
            result.append((name_, address))
    return result


def format_address(name: str, address: str) -> str:
    """'Nom <adresse>', or the address alone."""
    if name and address and name != address:
        return f"{name} <{address}>"
    return address or name


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_date(value: str, fallback: datetime | None = None) -> str:
    """The Date header as ISO UTC ('2026-03-12T09:30:00Z'), or `fallback` (the server's arrival
    date) when it is missing or unreadable, or ''."""
    moment = None
    if value:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            moment = None
    if moment is None or moment.year < 1971:
        moment = fallback
    return _iso(moment) if moment is not None else ""


def normalise_subject(subject: str) -> str:
    """The subject without 'Re:', 'TR:', 'Fwd:' prefixes, spaces folded, lower case."""
    return _SPACES.sub(" ", _REPLY_PREFIX.sub("", subject)).strip().lower()


def is_reply_subject(subject: str) -> bool:
    return bool(_REPLY_PREFIX.match(subject))


def message_ids(value: str) -> list[str]:
    return _MSGID.findall(value or "")


@dataclass(frozen=True)
class Headers:
    subject: str
    from_: str
    sender: str  # display name, or the address
    sender_address: str
    to: list[str]
    cc: list[str]
    reply_to: list[str]
    message_id: str
    in_reply_to: str
    references: list[str]
    date: str  # ISO UTC, '' when unknown
    addresses: list[tuple[str, str]] = field(default_factory=list)  # every (name, address) named

    @property
    def thread_root(self) -> str:
        """The Message-ID of the first message of the conversation, as far as these headers say
        ('' when they say nothing)."""
        if self.references:
            return self.references[0]
        parents = message_ids(self.in_reply_to)
        return parents[0] if parents else ""


def parse_headers(data: bytes, fallback_date: datetime | None = None) -> Headers:
    """Read the headers of a message (a header block, or a whole message)."""
    try:
        message = _parse_headers_only(data)
    except Exception:  # pragma: no cover - the parser is tolerant; this is a last resort
        message = Message()
    senders = _addresses(message, "From")
    to, cc, reply_to = (_addresses(message, h) for h in ("To", "Cc", "Reply-To"))
    name, address = senders[0] if senders else ("", "")
    message_id_list = message_ids(_header(message, "Message-ID"))
    return Headers(
        subject=_header(message, "Subject"),
        from_=", ".join(format_address(n, a) for n, a in senders),
        sender=name or address,
        sender_address=address,
        to=[format_address(n, a) for n, a in to],
        cc=[format_address(n, a) for n, a in cc],
        reply_to=[format_address(n, a) for n, a in reply_to],
        message_id=message_id_list[0] if message_id_list else _header(message, "Message-ID"),
        in_reply_to=_header(message, "In-Reply-To"),
        references=message_ids(_header(message, "References")),
        date=iso_date(_header(message, "Date"), fallback_date),
        addresses=[p for p in senders + to + cc + reply_to if p[1]],
    )


@dataclass(frozen=True)
class Part:
    """An attachment: its position among the message's attachments, name, type and bytes."""

    index: int
    name: str
    type: str
    data: bytes


@dataclass(frozen=True)
class Body:
    text: str | None
    html: str | None
    attachments: list[Part]


def _decoded(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _text_of(part: Message) -> str:
    """A text part's content, whatever its charset or encoding claims, with '\n' line ends."""
    return _decode_text(part).replace("\r\n", "\n").replace("\r", "\n")


def _decode_text(part: Message) -> str:
    data = _decoded(part)
    charset = "utf-8"
    try:
        charset = part.get_content_charset() or "utf-8"
    except Exception:
        pass
    for candidate in (charset, "utf-8"):
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", "replace")


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        try:
            name = part.get_param("name")  # type: ignore[assignment]
        except Exception:
            name = None
    if isinstance(name, tuple):
        name = email.utils.collapse_rfc2231_value(name)
    return _decode_words(clean(name or "")).strip()


def _is_attachment(part: Message) -> bool:
    try:
        disposition = (part.get_content_disposition() or "").lower()
    except Exception:
        disposition = ""
    if disposition == "attachment":
        return True
    maintype = part.get_content_maintype()
    if maintype == "multipart":
        return False
    if maintype == "text":  # a body, unless it has a file name (a .txt or .csv sent along)
        return bool(_filename(part))
    return True


def _message_bytes(message: Message) -> bytes:
    try:
        return message.as_bytes(policy=policy.compat32)
    except Exception:
        try:
            return str(message).encode("utf-8", "replace")
        except Exception:
            return b""


def _leaves(message: Message, depth: int = 0) -> list[Message]:
    """The parts of a message that hold content, in order; a forwarded message (message/rfc822)
    is one part, not opened."""
    try:
        if message.get_content_type() == "message/rfc822" or not message.is_multipart() or depth > 20:
            return [message]
        children = message.get_payload()
    except Exception:
        return [message]
    if not isinstance(children, list):
        return [message]
    found: list[Message] = []
    for child in children:
        if isinstance(child, Message):
            found += _leaves(child, depth + 1)
    return found


def parse_body(raw: bytes) -> Body:
    """The first plain-text part, the first HTML part and the attachments of a whole message
    (a forwarded message counts as an attachment)."""
    try:
        message = _parse(raw)
    except Exception:  # pragma: no cover - the parser is tolerant; this is a last resort
        message = Message()
    text: str | None = None
    html_text: str | None = None
    attachments: list[Part] = []
    for part in _leaves(message):
        try:
            ctype = part.get_content_type()
            if ctype == "message/rfc822":
                inner = part.get_payload()
                first = inner[0] if isinstance(inner, list) and inner else None
                data = _message_bytes(first) if isinstance(first, Message) else _decoded(part)
                name = _filename(part)
                if not name:
                    subject = _header(first, "Subject") if isinstance(first, Message) else ""
                    name = f"{subject or 'message'}.eml"
                attachments.append(Part(len(attachments), name, ctype, data))
            elif _is_attachment(part):
                name = _filename(part) or f"piece-jointe-{len(attachments) + 1}"
                attachments.append(Part(len(attachments), name, ctype, _decoded(part)))
            elif ctype == "text/html" and html_text is None:
                html_text = _text_of(part)
            elif part.get_content_maintype() == "text" and text is None and ctype != "text/html":
                text = _text_of(part)
        except Exception:
            continue
    if text is None and html_text is None and not message.is_multipart():
        text = _text_of(message)
    if text is None and html_text is None and not attachments:
        text = ""
    return Body(clean(text) if text is not None else None, clean(html_text) if html_text is not None else None,
                attachments)


class _TextExtractor(HTMLParser):
    _BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre",
               "hr", "ul", "ol"}
    _SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip += 1
        elif tag in self._BLOCKS:
            self.out.append("\n")
        if tag == "li":
            self.out.append("• ")
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self._BLOCKS:
            self.out.append("\n")
        if tag == "a" and self.links:
            href = self.links.pop()
            if href.startswith(("http://", "https://")):
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(_SPACES.sub(" ", data))


def html_to_text(source: str) -> str:
    """Readable plain text from HTML: no scripts, styles or remote content; paragraphs kept."""
    parser = _TextExtractor()
    try:
        parser.feed(source)
        parser.close()
        text = "".join(parser.out)
    except Exception:
        text = html.unescape(re.sub(r"<[^>]*>", " ", source))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def snippet(text: str | None, html_text: str | None) -> str:
    source = text if text and text.strip() else html_to_text(html_text) if html_text else ""
    lines = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith(">")]
    return _SPACES.sub(" ", " ".join(lines)).strip()[:SNIPPET_CHARS]


def structure_attachments(structure: Any) -> list[str]:
    """Attachment names from an IMAP BODYSTRUCTURE (imapclient's BodyData), for a message whose
    body is not here: parts with a filename or an 'attachment' disposition."""
    names: list[str] = []

    def decode(value: Any) -> str:
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")
        return _decode_words(clean(text))

    def params(items: Any) -> dict[str, str]:
        result: dict[str, str] = {}
        if isinstance(items, (tuple, list)):
            for i in range(0, len(items) - 1, 2):
                result[decode(items[i]).lower()] = decode(items[i + 1])
        return result

    def walk(part: Any) -> None:
        try:
            if isinstance(part, (tuple, list)) and part and isinstance(part[0], list):
                for child in part[0]:
                    walk(child)
                return
            if not isinstance(part, (tuple, list)) or len(part) < 7:
                return
            maintype = decode(part[0]).lower()
            name = params(part[2]).get("name", "")
            disposition: Any = None
            # The disposition follows the type-specific fields: text has one more (lines),
            # message/rfc822 three more (envelope, body, lines).
            extra = 8 if maintype == "text" else 10 if maintype == "message" else 7
            for index in range(extra, min(len(part), extra + 3)):
                if isinstance(part[index], (tuple, list)) and part[index] and isinstance(part[index][0], bytes):
                    disposition = part[index]
                    break
            is_attachment = False
            if disposition is not None:
                is_attachment = decode(disposition[0]).lower() == "attachment"
                if len(disposition) > 1:
                    name = params(disposition[1]).get("filename", name)
            if is_attachment or (name and maintype not in ("text", "multipart")) or maintype == "message":
                names.append(name or "piece-jointe")
        except Exception:
            return

    walk(structure)
    return names
