"""Calendars in the local store: CalDAV accounts, their calendars and events, all inside the
encrypted database. An event is kept whole, as the iCalendar text of its resource, with its
display and search fields copied out (see migration 0008).

Creating, editing and deleting an event applies here at once and queues the write in the outbox
in the same transaction (`cal.put`, one per resource, the last text; `cal.delete`). Until the
server has it, the event is `pending` and keeps the server's version it was edited from (`base`,
with its `etag`) for the three-way merge that `sync.cal` runs on a 412. A `conflict` event is our
version kept beside the server's, when both changed the same property; it is never pushed.

The writes the sync makes are the functions after `CalendarStore`. Every method belongs to the
thread that owns `conn`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from . import outbox, search
from .cal_ical import (
    DEFAULT_TZ,
    Occurrence,
    apply,
    fields,
    join,
    master,
    new_event,
    occurrences_of,
    parse,
    reschedule,
    split,
)
from .db import delete_secret, get_secret, set_secret, transaction
from .errors import InvalidInput, NotFound

SEARCH_KIND = "calendar"
MODULE = "calendar"
CAL_PUT = "cal.put"  # one per resource href, the last text (read at push): {"calendar": id}
CAL_DELETE = "cal.delete"  # {"etag": the server's version we deleted, or null}
CAL_KINDS = (CAL_PUT, CAL_DELETE)
SYNCED, PENDING, CONFLICT = "synced", "pending", "conflict"
_CHUNK = 500

__all__ = ["Account", "Calendar", "CalendarStore", "Event", "Occurrence", "occurrences"]


@dataclass(frozen=True)
class Account:
    id: int
    url: str
    username: str
    ca_file: str | None


@dataclass(frozen=True)
class Calendar:
    id: int
    account: int
    href: str
    name: str
    color: str
    enabled: bool
    sync_token: str | None
    ctag: str | None


@dataclass(frozen=True)
class Event:
    """A calendar resource. Times are ISO UTC; `etag` None: never on the server."""

    id: int
    calendar: int
    href: str
    uid: str
    etag: str | None
    state: str
    summary: str
    location: str
    dtstart: str
    dtend: str
    all_day: bool
    recurring: bool
    conflict_of: str | None
    ics: str


_EVENT = ("id, calendar, href, uid, etag, state, summary, location, dtstart, dtend, all_day, recurring, "
          "conflict_of, ics")


def _event(row: Sequence[Any]) -> Event:
    return Event(int(row[0]), int(row[1]), row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9],
                 bool(row[10]), bool(row[11]), row[12], row[13])


def password_key(account_id: int) -> str:
    return f"caldav:{account_id}"


class CalendarStore:
    """CalDAV accounts, calendars and events of one profile."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    # -- accounts -----------------------------------------------------------------------

    def add_account(self, url: str, username: str, password: str, ca_file: str | None = None) -> int:
        """Record an account and keep its password in the vault; the same user at the same URL
        is updated instead. Returns its id. Raises InvalidInput for a URL that is not http(s)."""
        url = url.strip()
        if not url.startswith(("http://", "https://")):
            raise InvalidInput(f"Adresse CalDAV invalide : {url} (http:// ou https:// attendu).")
        with transaction(self.conn):
            row = self.conn.execute("SELECT id FROM cal_accounts WHERE url = ? AND username = ?",
                                    (url, username)).fetchone()
            if row is None:
                account_id = int(self.conn.execute("INSERT INTO cal_accounts(url, username, ca_file) VALUES (?, ?, ?)",
                                                   (url, username, ca_file)).lastrowid)
            else:
                account_id = int(row[0])
                self.conn.execute("UPDATE cal_accounts SET ca_file = ? WHERE id = ?", (ca_file, account_id))
            set_secret(self.conn, password_key(account_id), password)
        return account_id

    def accounts(self) -> list[Account]:
        rows = self.conn.execute("SELECT id, url, username, ca_file FROM cal_accounts ORDER BY id").fetchall()
        return [Account(int(r[0]), r[1], r[2], r[3]) for r in rows]

    def password(self, account_id: int) -> str:
        """Raises NotFound."""
        value = get_secret(self.conn, password_key(account_id))
        if value is None:
            raise NotFound(f"Mot de passe du compte d'agenda {account_id} absent : ajoutez le compte à nouveau "
                           "avec « parvis cal account add ».")
        return value

    def remove_account(self, account_id: int) -> None:
        """Forget an account, its calendars, events, queued writes and password."""
        with transaction(self.conn):
            for event in self.conn.execute("SELECT e.href, e.id FROM cal_events e JOIN cal_calendars c "
                                           "ON c.id = e.calendar WHERE c.account = ?", (account_id,)).fetchall():
                self.conn.execute("DELETE FROM outbox WHERE target = ? AND kind IN (?, ?)", (event[0], *CAL_KINDS))
                search.mark_dirty(self.conn, SEARCH_KIND, str(event[1]))
            self.conn.execute("DELETE FROM cal_events WHERE calendar IN "
                              "(SELECT id FROM cal_calendars WHERE account = ?)", (account_id,))
            self.conn.execute("DELETE FROM cal_calendars WHERE account = ?", (account_id,))
            self.conn.execute("DELETE FROM cal_accounts WHERE id = ?", (account_id,))
            delete_secret(self.conn, password_key(account_id))

    # -- calendars ----------------------------------------------------------------------

    def calendars(self, account_id: int | None = None) -> list[Calendar]:
        where, params = ("WHERE account = ?", (account_id,)) if account_id is not None else ("", ())
        rows = self.conn.execute("SELECT id, account, href, name, color, enabled, sync_token, ctag FROM cal_calendars "
                                 f"{where} ORDER BY account, name COLLATE NOCASE, id", params).fetchall()
        return [Calendar(int(r[0]), int(r[1]), r[2], r[3], r[4], bool(r[5]), r[6], r[7]) for r in rows]

    def calendar(self, ref: int | str) -> Calendar:
        """The calendar whose id, name (case ignored) or href is `ref`. Raises NotFound, or
        InvalidInput when a name matches several."""
        found = self.calendars()
        for test in (lambda c: str(c.id) == str(ref), lambda c: c.href == ref,
                     lambda c: c.name.lower() == str(ref).lower()):
            matches = [c for c in found if test(c)]
            if len(matches) > 1:
                raise InvalidInput(f"« {ref} » désigne plusieurs agendas : donnez son numéro.")
            if matches:
                return matches[0]
        raise NotFound(f"Agenda introuvable : {ref}.")

    def set_enabled(self, calendar_id: int, enabled: bool) -> None:
        with transaction(self.conn):
            self.conn.execute("UPDATE cal_calendars SET enabled = ? WHERE id = ?", (int(enabled), calendar_id))

    # -- events -------------------------------------------------------------------------

    def events(self, calendar_id: int | None = None) -> list[Event]:
        """The events shown (not those deleted here), by start."""
        where, params = ("AND calendar = ?", (calendar_id,)) if calendar_id is not None else ("", ())
        rows = self.conn.execute(f"SELECT {_EVENT} FROM cal_events WHERE deleted = 0 {where} ORDER BY dtstart, id",
                                 params).fetchall()
        return [_event(r) for r in rows]

    def event(self, ref: str) -> Event:
        """The event whose UID, href or row id is `ref` (the server's one before a conflict copy).
        Raises NotFound."""
        for column in ("uid", "href", "id"):
            row = self.conn.execute(f"SELECT {_EVENT} FROM cal_events WHERE {column} = ? AND deleted = 0 "
                                    "ORDER BY state = 'conflict', id LIMIT 1", (ref,)).fetchone()
            if row is not None:
                return _event(row)
        raise NotFound(f"Événement introuvable : {ref}.")

    def create(self, calendar_ref: int | str, summary: str, start: date | datetime, end: date | datetime,
               location: str = "", description: str = "", rrule: str | None = None) -> str:
        """Create an event now, offline if need be, and queue it. Returns its UID. Raises
        NotFound, InvalidInput."""
        uid = str(uuid.uuid4())
        text = new_event(uid, summary, start, end, location, description, rrule)
        return self.import_ics(calendar_ref, text)

    def import_ics(self, calendar_ref: int | str, text: str) -> str:
        """Store a resource given as iCalendar text as a new event (a new UID if it has none or
        one already here) and queue it. Returns its UID. Raises NotFound, InvalidInput."""
        calendar = self.calendar(calendar_ref)
        cal = parse(text)
        uid = str(master(cal).get("UID", "")).strip()
        if not uid or self.conn.execute("SELECT 1 FROM cal_events WHERE uid = ?", (uid,)).fetchone():
            uid = str(uuid.uuid4())
            for event in cal.walk("VEVENT"):
                event.pop("UID", None)
                event.add("UID", uid)
        href = f"{calendar.href.rstrip('/')}/{uid}.ics"
        with transaction(self.conn):
            write(self.conn, calendar.id, href, cal.to_ical().decode(), etag=None, state=PENDING)
            outbox.put(self.conn, CAL_PUT, href, f"{CAL_PUT}:{href}", json.dumps({"calendar": calendar.id}))
        return uid

    def import_file(self, calendar_ref: int | str, text: str) -> list[str]:
        """Store every event of an iCalendar file (an export, an invitation) in a calendar, each
        queued. Returns their UIDs. Raises NotFound, InvalidInput (nothing stored then)."""
        calendar = self.calendar(calendar_ref)
        resources = split(text)
        with transaction(self.conn):
            return [self.import_ics(calendar.id, resource) for resource in resources]

    def export(self, calendar_ref: int | str | None = None) -> tuple[str, int]:
        """One iCalendar file of the events of a calendar (or of all), conflict copies left out,
        and how many events it holds. Raises NotFound when there is none."""
        chosen = self.calendar(calendar_ref).id if calendar_ref is not None else None
        events = [e for e in self.events(chosen) if e.state != CONFLICT]
        if not events:
            raise NotFound("Aucun événement à exporter.")
        return join([e.ics for e in events]), len(events)

    def edit(self, ref: str, summary: str | None = None, start: date | datetime | None = None,
             end: date | datetime | None = None, location: str | None = None, description: str | None = None,
             rrule: str | None = None) -> Event:
        """Change the given properties of an event's main VEVENT (None: unchanged) now, and queue
        the write. Raises NotFound, InvalidInput."""
        event = self.event(ref)
        cal = parse(event.ics)
        apply(master(cal), summary, start, end, location, description, rrule)
        return self.replace(event.uid if event.state != CONFLICT else event.href, cal.to_ical().decode())

    def move(self, ref: str, occurrence: date | datetime, start: date | datetime, end: date | datetime,
             whole_series: bool = False) -> Event:
        """Reschedule an event to [start, end) now and queue the write: a single event, the
        whole series, or only the instance of a series whose original start (RECURRENCE-ID) is
        `occurrence`, as an overriding instance in the same resource (see cal_ical.reschedule).
        Times are aware (dates for an all-day event, end exclusive). Raises NotFound,
        InvalidInput."""
        event = self.event(ref)
        cal = parse(event.ics)
        reschedule(cal, occurrence, start, end, whole_series)
        return self.replace(event.uid if event.state != CONFLICT else event.href, cal.to_ical().decode())

    def replace(self, ref: str, text: str) -> Event:
        """Replace an event's whole text now and queue the write (a conflict copy stays local).
        Raises NotFound, InvalidInput."""
        event = self.event(ref)
        cal = parse(text)
        if str(master(cal).get("UID", "")) != event.uid:
            raise InvalidInput("Le nouveau texte de l'événement porte un autre UID.")
        with transaction(self.conn):
            state = CONFLICT if event.state == CONFLICT else PENDING
            base = self.conn.execute("SELECT coalesce(base, ics) FROM cal_events WHERE id = ?",
                                     (event.id,)).fetchone()[0] if event.etag is not None else None
            write(self.conn, event.calendar, event.href, cal.to_ical().decode(), etag=event.etag, state=state,
                  base=base, conflict_of=event.conflict_of)
            if state == PENDING:
                outbox.put(self.conn, CAL_PUT, event.href, f"{CAL_PUT}:{event.href}",
                           json.dumps({"calendar": event.calendar}))
        return self.event(event.href)

    def delete(self, ref: str) -> None:
        """Delete an event now; queue its deletion on the server when it is there. Raises NotFound."""
        event = self.event(ref)
        with transaction(self.conn):
            self.conn.execute("DELETE FROM outbox WHERE target = ? AND kind = ?", (event.href, CAL_PUT))
            search.mark_dirty(self.conn, SEARCH_KIND, str(event.id))
            if event.etag is None or event.state == CONFLICT:
                self.conn.execute("DELETE FROM cal_events WHERE id = ?", (event.id,))
                return
            self.conn.execute("UPDATE cal_events SET deleted = 1, state = ? WHERE id = ?", (PENDING, event.id))
            outbox.put(self.conn, CAL_DELETE, event.href, f"{CAL_DELETE}:{event.href}",
                       json.dumps({"etag": event.etag}))

    def keep_conflict(self, ref: str, mine: bool) -> None:
        """Settle a conflict copy: `mine` puts its content in the server's event (queued), else
        it is dropped. Raises NotFound, InvalidInput."""
        copy = self.event(ref)
        if copy.state != CONFLICT or copy.conflict_of is None:
            raise InvalidInput(f"L'événement {ref} n'est pas une copie en conflit.")
        if mine:
            original = self.event(copy.conflict_of)
            cal = parse(copy.ics)
            for event in cal.walk("VEVENT"):
                event.pop("UID", None)
                event.add("UID", original.uid)
            self.replace(original.href, cal.to_ical().decode())
        with transaction(self.conn):
            self.conn.execute("DELETE FROM cal_events WHERE id = ?", (copy.id,))
            search.mark_dirty(self.conn, SEARCH_KIND, str(copy.id))

    # -- search -------------------------------------------------------------------------

    def search_content(self, ref: str) -> tuple[str, str] | None:
        row = self.conn.execute("SELECT ics FROM cal_events WHERE id = ? AND deleted = 0", (int(ref),)).fetchone()
        if row is None:
            return None
        found = fields(parse(row[0]))
        return found.summary, " ".join(x for x in (found.location, found.description) if x)

    def refresh_index(self) -> int:
        """Re-index the events changed since the last search. Returns how many."""
        done = 0
        while True:
            refs = [r[0] for r in self.conn.execute("SELECT ref FROM search_dirty WHERE kind = ? LIMIT ?",
                                                    (SEARCH_KIND, _CHUNK))]
            if not refs:
                return done
            with transaction(self.conn):
                for ref in refs:
                    row = self.conn.execute("SELECT search_rowid FROM cal_events WHERE id = ?", (int(ref),)).fetchone()
                    if row is not None and row[0] is not None:
                        self.conn.execute("DELETE FROM search_index WHERE rowid = ?", (row[0],))
                    content = self.search_content(ref) if row is not None else None
                    rowid = None
                    if content is not None:
                        rowid = self.conn.execute("INSERT INTO search_index(kind, ref, title, body) "
                                                  "VALUES (?, ?, ?, ?)", (SEARCH_KIND, ref, *content)).lastrowid
                    if row is not None:
                        self.conn.execute("UPDATE cal_events SET search_rowid = ? WHERE id = ?", (rowid, int(ref)))
                    self.conn.execute("DELETE FROM search_dirty WHERE kind = ? AND ref = ?", (SEARCH_KIND, ref))
            done += len(refs)

    def search(self, text: str, limit: int = 50) -> list[Event]:
        """Events matching `text` (title, place, description, attendees), best first."""
        self.refresh_index()
        fts = search.to_fts_query(text)
        if not fts:
            return []
        rows = self.conn.execute(
            f"SELECT {', '.join('e.' + c for c in _EVENT.split(', '))} FROM search_index s "
            "JOIN cal_events e ON e.search_rowid = s.rowid WHERE search_index MATCH ? AND s.kind = ? "
            "ORDER BY s.rank LIMIT ?", (fts, SEARCH_KIND, limit)).fetchall()
        return [_event(r) for r in rows]


def occurrences(conn: Any, start: datetime, end: datetime, calendars: Sequence[int] | None = None,
                tz: tzinfo = DEFAULT_TZ) -> list[Occurrence]:
    """Every instance overlapping [start, end) of the events of the enabled calendars (or of
    `calendars`), recurrences expanded, by start. Naive bounds are read in `tz`."""
    start = start if start.tzinfo else start.replace(tzinfo=tz)
    end = end if end.tzinfo else end.replace(tzinfo=tz)
    # All-day events are stored at midnight UTC: a day of margin either side, then exact.
    low = (start - timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    high = (end + timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if calendars is None:
        calendars = [c.id for c in CalendarStore(conn).calendars() if c.enabled]
    result: list[Occurrence] = []
    for chunk_start in range(0, len(calendars), _CHUNK):
        chunk = list(calendars[chunk_start:chunk_start + _CHUNK])
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT calendar, state, recurring, ics FROM cal_events WHERE deleted = 0 AND calendar IN ({marks}) "
            "AND (recurring = 1 OR (dtstart < ? AND dtend >= ?))", (*chunk, high, low)).fetchall()
        for calendar, state, recurring, text in rows:
            result += occurrences_of(parse(text), start, end, int(calendar), state, bool(recurring), tz)
    result.sort(key=lambda o: (o.start, o.end, o.summary))
    return result


# -- writes of the sync ----------------------------------------------------------------------


def write(conn: Any, calendar: int, href: str, text: str, etag: str | None, state: str,
          base: str | None = None, conflict_of: str | None = None) -> int:
    """Insert or replace the resource `href` (in the caller's transaction). Returns its row id."""
    found = fields(parse(text))
    values = (calendar, found.uid, etag, state, conflict_of, found.summary, found.location, found.dtstart, found.dtend,
              int(found.all_day), int(found.recurring), text, base)
    row = conn.execute("SELECT id FROM cal_events WHERE href = ?", (href,)).fetchone()
    if row is None:
        event_id = int(conn.execute(
            "INSERT INTO cal_events(calendar, uid, etag, state, conflict_of, summary, location, dtstart, dtend, "
            "all_day, recurring, ics, base, href) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*values, href)).lastrowid)
    else:
        event_id = int(row[0])
        conn.execute("UPDATE cal_events SET calendar = ?, uid = ?, etag = ?, state = ?, conflict_of = ?, summary = ?, "
                     "location = ?, dtstart = ?, dtend = ?, all_day = ?, recurring = ?, ics = ?, base = ?, deleted = 0 "
                     "WHERE id = ?", (*values, event_id))
    search.mark_dirty(conn, SEARCH_KIND, str(event_id))
    return event_id


def save_calendars(conn: Any, account_id: int, found: Sequence[tuple[str, str, str]]) -> None:
    """The calendars the server lists, as (href, name, colour): new ones are added (enabled),
    the others renamed and recoloured, those gone forgotten with their events."""
    with transaction(conn):
        hrefs = {href for href, _, _ in found}
        for href, name, color in found:
            conn.execute("INSERT INTO cal_calendars(account, href, name, color) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT(account, href) DO UPDATE SET name = excluded.name, color = excluded.color",
                         (account_id, href, name, color))
        for cal_id, href in conn.execute("SELECT id, href FROM cal_calendars WHERE account = ?",
                                         (account_id,)).fetchall():
            if href not in hrefs:
                for (event_id,) in conn.execute("SELECT id FROM cal_events WHERE calendar = ?", (cal_id,)).fetchall():
                    search.mark_dirty(conn, SEARCH_KIND, str(event_id))
                conn.execute("DELETE FROM cal_events WHERE calendar = ?", (cal_id,))
                conn.execute("DELETE FROM cal_calendars WHERE id = ?", (cal_id,))


def set_sync_state(conn: Any, calendar_id: int, sync_token: str | None, ctag: str | None) -> None:
    with transaction(conn):
        conn.execute("UPDATE cal_calendars SET sync_token = ?, ctag = ? WHERE id = ?", (sync_token, ctag, calendar_id))


def known_etags(conn: Any, calendar_id: int) -> dict[str, str | None]:
    """href → etag of the resources of a calendar (conflict copies excluded)."""
    rows = conn.execute("SELECT href, etag FROM cal_events WHERE calendar = ? AND state != ?",
                        (calendar_id, CONFLICT)).fetchall()
    return {r[0]: r[1] for r in rows}


def local_state(conn: Any, href: str) -> tuple[str, bool] | None:
    """(state, deleted) of a resource, or None."""
    row = conn.execute("SELECT state, deleted FROM cal_events WHERE href = ?", (href,)).fetchone()
    return None if row is None else (row[0], bool(row[1]))


def base_of(conn: Any, href: str) -> tuple[str | None, str | None, str]:
    """(etag, base text, current text) of a resource. Raises NotFound."""
    row = conn.execute("SELECT etag, coalesce(base, ics), ics FROM cal_events WHERE href = ?", (href,)).fetchone()
    if row is None:
        raise NotFound(f"Événement introuvable : {href}.")
    return row[0], row[1] if row[0] is not None else None, row[2]


def forget(conn: Any, href: str) -> None:
    """The resource is gone from the server (in the caller's transaction)."""
    row = conn.execute("SELECT id FROM cal_events WHERE href = ?", (href,)).fetchone()
    if row is not None:
        search.mark_dirty(conn, SEARCH_KIND, str(row[0]))
        conn.execute("DELETE FROM cal_events WHERE id = ?", (row[0],))


def conflict_copy(conn: Any, calendar: int, href: str, text: str) -> str:
    """Keep `text` (our version of `href`) as a local copy flagged conflict, under a new UID.
    Returns that UID."""
    cal = parse(text)
    uid = str(uuid.uuid4())
    for event in cal.walk("VEVENT"):
        event.pop("UID", None)
        event.add("UID", uid)
    copy_href = f"{href.rsplit('/', 1)[0]}/{uid}.ics"
    write(conn, calendar, copy_href, cal.to_ical().decode(), etag=None, state=CONFLICT, conflict_of=href)
    return uid


# -- reminders ---------------------------------------------------------------------------------

MAX_REMINDER_LEAD = timedelta(days=7)  # the earliest reminder looked for before an event


@dataclass(frozen=True)
class Reminder:
    """A reminder (VALARM) due at `at`, for the occurrence starting at `start`."""

    uid: str
    summary: str
    location: str
    start: datetime
    at: datetime


def reminders(conn: Any, start: datetime, end: datetime) -> list[Reminder]:
    """The reminders due in [start, end) of the enabled calendars' events, recurrences included,
    by time: a trigger relative to the start (or the end, RELATED=END), or an absolute one.
    Read from the store alone, so they ring offline too."""
    # Only the events that carry a reminder are expanded, each parsed once: this runs every
    # half minute while the app is open.
    rows = conn.execute("SELECT e.calendar, e.state, e.recurring, e.ics FROM cal_events e "
                        "JOIN cal_calendars c ON c.id = e.calendar "
                        "WHERE e.deleted = 0 AND c.enabled = 1 AND e.ics LIKE '%BEGIN:VALARM%'").fetchall()
    due: list[Reminder] = []
    for calendar, state, recurring, text in rows:
        resource = parse(text)
        alarms = list(master(resource).walk("VALARM"))
        if not alarms:
            continue
        for occ in occurrences_of(resource, start, end + MAX_REMINDER_LEAD, int(calendar), state, bool(recurring),
                                  DEFAULT_TZ):
            for alarm in alarms:
                trigger = alarm.get("TRIGGER")
                value = getattr(trigger, "dt", None)
                if isinstance(value, timedelta):
                    related_end = str(trigger.params.get("RELATED", "START")).upper() == "END"
                    at = (occ.end if related_end else occ.start) + value
                elif isinstance(value, datetime):
                    at = value if value.tzinfo else value.replace(tzinfo=UTC)
                else:
                    continue
                if start <= at < end:
                    due.append(Reminder(occ.uid, occ.summary, occ.location, occ.start, at))
    due.sort(key=lambda r: (r.at, r.summary))
    return due
