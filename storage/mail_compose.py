"""Composing mail: a `Draft` (what the user wrote), the MIME message built from it, and the
drafts of a reply, a reply to all and a forward. Pure functions over the stdlib `email` package
(`policy.default`); no I/O but reading the files to attach. Any thread may call them.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parsedate_to_datetime
from pathlib import Path
from typing import Any

from .chat import human_size
from .errors import InvalidInput

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
MAX_SUBJECT = 998  # RFC 5322's line limit
MAX_RECIPIENTS = 500

# A pragmatic addr-spec: an ASCII local part without spaces or specials, and a domain of letters
# (accented ones too: encoded with IDNA on the wire), digits and hyphens.
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_LABEL = re.compile(r"^(?!-)[\w-]{1,63}(?<!-)$")
_PREFIX = re.compile(r"^\s*((re|tr|fwd?|aw|wg|sv|vs)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_ANGLED = re.compile(r"^\s*(.*?)\s*<([^<>]*)>\s*$")
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


@dataclass(frozen=True)
class Draft:
    """A message as the user wrote it. Addresses are "Name <a@b>" or "a@b". `replying_to` and
    `forwarding` are local message ids (the replied message is marked answered once queued; the
    forwarded one gives its attachments)."""

    account_id: int
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    subject: str = ""
    body: str = ""
    attachments: list[Path] = field(default_factory=list)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    replying_to: int | None = None
    forwarding: int | None = None


@dataclass(frozen=True)
class Part:
    """A file to attach that is already in memory (a forwarded message's attachment)."""

    name: str
    type: str
    data: bytes


# -- addresses ----------------------------------------------------------------------------


def _domain(domain: str) -> str:
    """The domain in ASCII (IDNA for accented letters). Raises ValueError."""
    labels = domain.split(".")
    if not domain or not all(_LABEL.match(label) and "_" not in label for label in labels):
        raise ValueError(domain)
    return domain if domain.isascii() else domain.encode("idna").decode("ascii")


def parse_address(text: str) -> Address:
    """Return the one address in `text` ("Name <a@b>" or "a@b"), its domain in ASCII. Raises
    InvalidInput with the faulty text."""
    parsed = getaddresses([text])
    if len(parsed) != 1:
        raise InvalidInput(f"Adresse mal formée : « {text.strip()} » (une adresse à la fois, ex. nom@mairie.fr).")
    name, addr = parsed[0]
    local, at, domain = addr.rpartition("@")
    angled = _ANGLED.match(text)
    whole = angled.group(2) if angled else text.strip()  # what getaddresses may have cut short
    try:
        if (whole != addr or not at or not _LOCAL.match(local) or ".." in local or local.startswith(".")
                or local.endswith(".")):
            raise ValueError(addr)
        domain = _domain(domain)
    except (ValueError, UnicodeError):
        raise InvalidInput(f"Adresse mal formée : « {text.strip()} » (attendu : nom@mairie.fr, "
                           "ou Prénom Nom <nom@mairie.fr>).") from None
    return Address(display_name=name, username=local, domain=domain)


def parse_addresses(items: Iterable[str]) -> list[Address]:
    """Every address of `items`, each of which may hold several separated by commas. Raises
    InvalidInput on the first malformed one."""
    result = []
    for item in items:
        for piece in split_addresses(item):
            result.append(parse_address(piece))
    return result


def split_addresses(text: str) -> list[str]:
    """"A <a@x>, "Dupont, Jean" <j@y>; c@z" → its addresses, commas in quotes kept."""
    parts, current, quoted, angled, escaped = [], "", False, False, False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "<" and not quoted:
            angled = True
        elif ch == ">" and not quoted:
            angled = False
        if ch in ",;" and not quoted and not angled:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def envelope_recipients(draft: Draft) -> list[str]:
    """The SMTP recipients of `draft`: To, Cc and Bcc, bare and without repeats. Raises
    InvalidInput."""
    seen: dict[str, None] = {}
    for address in parse_addresses([*draft.to, *draft.cc, *draft.bcc]):
        seen.setdefault(address.addr_spec, None)
    return list(seen)


# -- building -----------------------------------------------------------------------------


def _read_attachments(paths: Sequence[Path], limit: int) -> list[Part]:
    parts, total = [], 0
    for path in paths:
        path = Path(path)
        try:
            if not path.is_file():
                raise InvalidInput(f"Pièce jointe introuvable : {path} (vérifiez le chemin).")
            size = path.stat().st_size
            if size > limit:
                raise InvalidInput(f"La pièce jointe {path.name} est trop grosse ({human_size(size)}) : "
                                   f"{human_size(limit, trim=True)} au plus par message. Partagez-la plutôt par "
                                   "le porte-documents.")
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"Pièce jointe illisible : {path} ({exc.strerror or exc}).") from None
        total += len(data)
        if total > limit:
            raise InvalidInput(f"Les pièces jointes dépassent ensemble {human_size(limit, trim=True)} : "
                               "retirez-en, ou partagez-les par le porte-documents.")
        kind = mimetypes.guess_type(path.name, strict=False)[0] or "application/octet-stream"
        parts.append(Part(path.name, kind, data))
    return parts


def build(draft: Draft, account: Any, now: datetime, *, max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
          extra_parts: Sequence[Part] = ()) -> EmailMessage:
    """Return the message to send: From the account's address, Date `now` (aware), a fresh
    Message-ID on the account's domain, To and Cc (never Bcc: the envelope carries it, see
    `envelope_recipients`), the UTF-8 subject, the text, then the files of `draft.attachments`
    and `extra_parts` (a forward's) with their MIME types. Raises InvalidInput, with nothing
    built, for no recipient, a malformed address, a missing, unreadable or too large file."""
    to, cc = parse_addresses(draft.to), parse_addresses(draft.cc)
    bcc = parse_addresses(draft.bcc)
    if not (to or cc or bcc):
        raise InvalidInput("Indiquez au moins un destinataire (À, Cc ou Cci).")
    if len(to) + len(cc) + len(bcc) > MAX_RECIPIENTS:
        raise InvalidInput(f"Trop de destinataires : {MAX_RECIPIENTS} au plus par message.")
    subject = " ".join(draft.subject.split())
    if len(subject) > MAX_SUBJECT:
        raise InvalidInput(f"Objet trop long : {MAX_SUBJECT} caractères au plus.")
    sender = parse_address(account.address)
    name = str(getattr(account, "display_name", "") or getattr(account, "name", "") or "")
    if name:
        sender = Address(display_name=name, username=sender.username, domain=sender.domain)
    parts = _read_attachments(draft.attachments, max_attachment_bytes) + list(extra_parts)
    if sum(len(p.data) for p in parts) > max_attachment_bytes:
        raise InvalidInput(f"Les pièces jointes dépassent ensemble {human_size(max_attachment_bytes, trim=True)} : "
                           "retirez-en, ou partagez-les par le porte-documents.")
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender
    if to:
        msg["To"] = to
    if cc:
        msg["Cc"] = cc
    if not to and not cc:
        msg["To"] = "undisclosed-recipients:;"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=sender.domain)
    # Only well-formed <ids>: nothing else of these fields reaches the headers.
    ids = _message_ids(draft.in_reply_to)
    in_reply_to = ids[0] if ids else None
    references = [r for ref in draft.references for r in _message_ids(ref)]
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        if in_reply_to not in references:
            references.append(in_reply_to)
    if len(references) > 20:  # the thread's first message, and the last ones (RFC 5322 § 3.6.4)
        references = references[:1] + references[-19:]
    if references:
        msg["References"] = " ".join(references)
    msg["User-Agent"] = "Parvis"
    body = draft.body.replace("\r\n", "\n")
    msg.set_content(body if body.endswith("\n") or not body else body + "\n", cte="quoted-printable")
    for part in parts:
        maintype, _, subtype = part.type.partition("/")
        # Bytes, text files too: a file goes as it is, whatever its encoding.
        msg.add_attachment(part.data, maintype=maintype or "application", subtype=subtype or "octet-stream",
                           filename=part.name)
    return msg


def as_bytes(msg: EmailMessage) -> bytes:
    """The message on the wire: CRLF lines, headers in ASCII (RFC 2047), the form both SMTP and
    IMAP APPEND take."""
    return msg.as_bytes(policy=policy.SMTP)


def attachments_of(raw: bytes) -> list[Part]:
    """The attached files of a raw message, in order, as the reader shows them (to forward
    them). Never raises on malformed MIME: what cannot be decoded is skipped."""
    from .mail_mime import parse_body

    return [Part(p.name, p.type, p.data) for p in parse_body(raw).attachments]


# -- replies and forwards ----------------------------------------------------------------


_SPECIALS = re.compile(r'[,;:<>@()\[\]"\\]')


def _one(text: str) -> str:
    """One address as the store shows it ("Dupont, Jean <j@x>" included) in a form that
    parses back unchanged: a display name with specials is quoted."""
    match = _ANGLED.match(text)
    if match is None or "@" not in match.group(2):
        return text.strip()
    name, addr = match.group(1).strip().strip('"').strip(), match.group(2)
    if not name:
        return addr
    if _SPECIALS.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"


def _list(value: Any) -> list[str]:
    """Addresses as a list of strings, whether the store gives a list or one address."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [_one(str(v)) for v in items if str(v).strip()]


def _bare(text: str) -> str:
    found = getaddresses([text]) if text else []
    return found[0][1].lower() if len(found) == 1 else text.strip().lower()


def _summary(original: Any, name: str) -> Any:
    value = getattr(original, name, None)
    if value is None:
        value = getattr(getattr(original, "summary", None), name, None)
    return value


def _subject(original: Any, prefix: str) -> str:
    subject = str(_summary(original, "subject") or "").strip()
    rest = _PREFIX.sub("", subject)
    return f"{prefix}: {rest}" if rest else f"{prefix}:"


def french_date(value: Any) -> str:
    """"22 novembre 2026 à 17:09" from a datetime, an RFC 5322 date or an ISO string ('' if none)."""
    moment = value
    if isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            try:
                moment = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return value
    if not isinstance(moment, datetime):
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year} à {moment:%H:%M}"


def _text(original: Any) -> str:
    text = getattr(original, "text", None) or ""
    if not text and getattr(original, "html", None):
        text = re.sub(r"<[^>]+>", "", re.sub(r"(?i)<br\s*/?>|</p>", "\n", str(original.html)))
    return str(text).replace("\r\n", "\n")


def _message_ids(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return re.findall(r"<[^<>\s]+>", value)
    return [str(v) for v in value]


def reply(original: Any, me: str, all: bool = False) -> Draft:  # noqa: A002 - the brief's name
    """The draft of a reply to `original` (a `storage.mail.MessageBody`): "Re: " once, To its
    Reply-To or else its From; to all, also its To and Cc, less `me` and repeats; the text quoted
    under "Le {date}, {from} a écrit :"; In-Reply-To and References set. The account is the
    caller's to set (0 here)."""
    sender = _list(getattr(original, "reply_to", None)) or _list(_summary(original, "from_"))
    mine = _bare(me)
    to = [a for a in sender if _bare(a) != mine] or sender
    cc: list[str] = []
    if all:
        seen = {_bare(a) for a in to} | {mine}
        for target, addresses in ((to, _list(_summary(original, "to"))), (cc, _list(_summary(original, "cc")))):
            for address in addresses:
                if _bare(address) not in seen:
                    seen.add(_bare(address))
                    target.append(address)
    author = ", ".join(_list(_summary(original, "from_"))) or "?"
    when = french_date(_summary(original, "date"))
    intro = f"Le {when}, {author} a écrit :" if when else f"{author} a écrit :"
    quoted = "\n".join(">" + (" " + line if line and not line.startswith(">") else line)
                       for line in _text(original).rstrip("\n").split("\n"))
    message_id = getattr(original, "message_id", None) or None
    references = _message_ids(getattr(original, "references", None))
    if not references and getattr(original, "in_reply_to", None):
        references = _message_ids(original.in_reply_to)
    if message_id and message_id not in references:
        references.append(message_id)
    return Draft(account_id=int(getattr(getattr(original, "summary", None), "account", 0) or 0),
                 to=to, cc=cc, subject=_subject(original, "Re"), body=f"\n\n{intro}\n{quoted}\n",
                 in_reply_to=message_id, references=references,
                 replying_to=_local_id(original))


def forward(original: Any, me: str) -> Draft:
    """The draft of a forward of `original`: "Tr: " once, no recipient yet, the original's
    headers in a French block and its text. Its attachments go with it: `Draft.forwarding` names
    the message, and `storage.mail_outgoing.queue` re-attaches them from its raw form."""
    lines = ["", "", "-------- Message transféré --------"]
    for label, value in (("Objet", _summary(original, "subject")),
                         ("Date", french_date(_summary(original, "date"))),
                         ("De", ", ".join(_list(_summary(original, "from_")))),
                         ("À", ", ".join(_list(_summary(original, "to")))),
                         ("Cc", ", ".join(_list(_summary(original, "cc"))))):
        if value:
            lines.append(f"{label} : {value}")
    body = "\n".join(lines) + "\n\n" + _text(original).rstrip("\n") + "\n"
    return Draft(account_id=int(getattr(getattr(original, "summary", None), "account", 0) or 0),
                 subject=_subject(original, "Tr"), body=body, forwarding=_local_id(original))


def _local_id(original: Any) -> int | None:
    for holder in (original, getattr(original, "summary", None)):
        value = getattr(holder, "id", None)
        if isinstance(value, int):
            return value
    return None
