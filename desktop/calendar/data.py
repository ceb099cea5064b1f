"""What the Agenda asks of the store, run on the operations worker: the occurrences of a
period, an event's details for the editor, saving (offline: the store queues the write) and the
procès-verbal of a session. No Qt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import quote, unquote

import icalendar

from storage.cal_ical import Occurrence, apply, master, new_event, parse
from storage.calendar import Calendar, CalendarStore, occurrences
from storage.errors import InvalidInput

from ..documents import actions
from ..ops import Context
from .views import PARIS

DOC_PROPERTY = "X-PARVIS-DOC"  # the id of the document linked to an event (its procès-verbal)
REPEATS = {"": "", "daily": "FREQ=DAILY", "weekly": "FREQ=WEEKLY", "monthly": "FREQ=MONTHLY",
           "yearly": "FREQ=YEARLY"}
REMINDERS = (0, 15, 60, 24 * 60)  # minutes before the start; 0: none
_NAME_URI = "urn:x-parvis:name:"  # an attendee given by name only (no address)


@dataclass(frozen=True)
class Loaded:
    calendars: list[Calendar]
    occurrences: list[Occurrence]


def load(ctx: Context, start: date, end: date) -> Loaded:
    """The calendars, and the occurrences of the enabled ones in [start, end) (days in Paris)."""
    calendars = CalendarStore(ctx.conn).calendars()
    begin = datetime.combine(start, datetime.min.time(), PARIS)
    finish = datetime.combine(end, datetime.min.time(), PARIS)
    return Loaded(calendars, occurrences(ctx.conn, begin, finish, [c.id for c in calendars if c.enabled]))


@dataclass
class Details:
    """What the editor shows and saves. `uid` None: a new event."""

    uid: str | None
    calendar: int
    summary: str = ""
    location: str = ""
    description: str = ""
    start: datetime = field(default_factory=lambda: datetime.now(PARIS))
    end: datetime = field(default_factory=lambda: datetime.now(PARIS) + timedelta(hours=1))
    all_day: bool = False
    rrule: str = ""
    reminder: int = 0
    attendees: list[str] = field(default_factory=list)
    document: str | None = None
    state: str = "pending"
    theirs: Details | None = None  # a conflict copy's other side: the server's version


def details(ctx: Context, uid: str) -> Details:
    """The editor's view of an event (its main VEVENT: a series is edited as a whole). Raises
    NotFound."""
    store = CalendarStore(ctx.conn)
    event = store.event(uid)
    theirs = details(ctx, event.conflict_of) if event.state == "conflict" and event.conflict_of else None
    vevent = master(parse(event.ics))
    begin = vevent["DTSTART"].dt
    finish = vevent["DTEND"].dt if "DTEND" in vevent else (
        begin + vevent["DURATION"].dt if "DURATION" in vevent else begin)
    all_day = not isinstance(begin, datetime)
    if all_day:
        start = datetime.combine(begin, datetime.min.time(), PARIS)
        end = datetime.combine(finish, datetime.min.time(), PARIS) - timedelta(days=1)
    else:
        start = (begin if begin.tzinfo else begin.replace(tzinfo=PARIS)).astimezone(PARIS)
        end = (finish if finish.tzinfo else finish.replace(tzinfo=PARIS)).astimezone(PARIS)
    reminder = 0
    for alarm in vevent.walk("VALARM"):
        trigger = alarm.get("TRIGGER")
        if trigger is not None and isinstance(trigger.dt, timedelta):
            reminder = int(-trigger.dt.total_seconds() // 60)
            break
    rrule = vevent.get("RRULE")
    return Details(uid=event.uid if event.state != "conflict" else event.href, calendar=event.calendar,
                   summary=str(vevent.get("SUMMARY", "")), location=str(vevent.get("LOCATION", "")),
                   description=str(vevent.get("DESCRIPTION", "")), start=start, end=end, all_day=all_day,
                   rrule=rrule.to_ical().decode() if rrule is not None else "", reminder=reminder,
                   attendees=attendees_of(vevent), document=str(vevent.get(DOC_PROPERTY, "")) or None,
                   state=event.state, theirs=theirs)


def attendees_of(vevent: icalendar.Event) -> list[str]:
    found = vevent.get("ATTENDEE", [])
    found = found if isinstance(found, list) else [found]
    names = []
    for attendee in found:
        value = str(attendee)
        name = str(attendee.params.get("CN", "")) if hasattr(attendee, "params") else ""
        if value.startswith(_NAME_URI):
            names.append(name or unquote(value.removeprefix(_NAME_URI)))
        else:
            address = value.removeprefix("mailto:").removeprefix("MAILTO:")
            names.append(f"{name} <{address}>" if name and name != address else address)
    return names


def _set_extras(vevent: icalendar.Event, d: Details) -> None:
    """Reminder (VALARM) and attendees (ATTENDEE), which the store's create/edit leave alone."""
    vevent.subcomponents = [c for c in vevent.subcomponents if c.name != "VALARM"]
    if d.reminder:
        alarm = icalendar.Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", d.summary)
        alarm.add("TRIGGER", timedelta(minutes=-d.reminder))
        vevent.add_component(alarm)
    vevent.pop("ATTENDEE", None)
    for entry in d.attendees:
        entry = entry.strip()
        if not entry:
            continue
        if "<" in entry and entry.endswith(">"):
            name, address = entry[:-1].split("<", 1)
            value = icalendar.vCalAddress(f"mailto:{address.strip()}")
            value.params["CN"] = icalendar.vText(name.strip())
        elif "@" in entry:
            value = icalendar.vCalAddress(f"mailto:{entry}")
        else:
            value = icalendar.vCalAddress(_NAME_URI + quote(entry))
            value.params["CN"] = icalendar.vText(entry)
        vevent.add("ATTENDEE", value, encode=False)


def _times(d: Details) -> tuple[date | datetime, date | datetime]:
    if d.all_day:
        first, last = d.start.date(), d.end.date()
        return first, max(first, last) + timedelta(days=1)
    return d.start, d.end


def save(ctx: Context, d: Details) -> str:
    """Create or change an event now (offline: the store queues the write). Returns its UID.
    Raises InvalidInput, NotFound."""
    store = CalendarStore(ctx.conn)
    start, end = _times(d)
    if d.uid is None:
        import uuid

        cal = parse(new_event(str(uuid.uuid4()), d.summary, start, end, d.location, d.description, d.rrule or None))
        _set_extras(master(cal), d)
        return store.import_ics(d.calendar, cal.to_ical().decode())
    event = store.event(d.uid)
    if event.calendar != d.calendar:
        raise InvalidInput("Un événement ne change pas d'agenda ici : exportez-le puis importez-le dans l'autre.")
    cal = parse(event.ics)
    vevent = master(cal)
    if isinstance(vevent["DTSTART"].dt, datetime) != (not d.all_day):  # timed ↔ all-day: both ends at once
        vevent.pop("DTEND", None)
        vevent.pop("DURATION", None)
    apply(vevent, d.summary, start, end, d.location, d.description, d.rrule)
    _set_extras(vevent, d)
    return store.replace(event.href, cal.to_ical().decode()).uid


def delete(ctx: Context, uid: str) -> None:
    CalendarStore(ctx.conn).delete(uid)


def keep(ctx: Context, ref: str, mine: bool) -> None:
    """Settle a conflict: this copy replaces the server's version (queued), or is dropped."""
    CalendarStore(ctx.conn).keep_conflict(ref, mine)


def import_file(ctx: Context, calendar: int, path: str) -> int:
    """Import the events of an .ics file into a calendar; returns how many. Raises InvalidInput."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Lecture de {path} impossible : {exc}.") from exc
    return len(CalendarStore(ctx.conn).import_file(calendar, text))


def export_file(ctx: Context, path: str) -> int:
    """Write the events of every calendar to an .ics file; returns how many. Raises NotFound,
    InvalidInput."""
    text, count = CalendarStore(ctx.conn).export()
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise InvalidInput(f"Écriture de {path} impossible : {exc}.") from exc
    return count


def create_minutes(ctx: Context, uid: str) -> str:
    """The procès-verbal of an event, from the template, pre-filled with its date, place and
    attendees; the event then names it in X-PARVIS-DOC (a write queued like any edit). Returns
    the document's id. Raises NotFound, InvalidInput."""
    d = details(ctx, uid)
    if d.document and ctx.conn.execute("SELECT 1 FROM documents WHERE id = ?", (d.document,)).fetchone():
        return d.document
    names = [a.split(" <")[0] for a in d.attendees]
    doc_id = actions.create_minutes(ctx, d.start.date(), d.location or None, names or None,
                                    None if d.all_day else d.start.time())
    store = CalendarStore(ctx.conn)
    event = store.event(uid)
    cal = parse(event.ics)
    vevent = master(cal)
    vevent.pop(DOC_PROPERTY, None)
    vevent.add(DOC_PROPERTY, doc_id)
    store.replace(event.href, cal.to_ical().decode())
    return doc_id
