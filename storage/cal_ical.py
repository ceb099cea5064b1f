"""iCalendar helpers of the calendar store, with no I/O: parsing a resource, the fields copied
out of it for display and search, building a new event, and expanding recurrences
(RRULE, RDATE, EXDATE and overridden instances, with recurring-ical-events) across DST.

A floating time (no time zone) is read in DEFAULT_TZ, the time zone of a French authority.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from .errors import InvalidInput

DEFAULT_TZ = ZoneInfo("Europe/Paris")
PRODID = "-//Parvis//Agenda//FR"


@dataclass(frozen=True)
class Fields:
    """What the store copies out of a resource: times are ISO UTC ('…Z'), '' when absent."""

    uid: str
    summary: str
    location: str
    description: str
    dtstart: str
    dtend: str
    all_day: bool
    recurring: bool


@dataclass(frozen=True)
class Occurrence:
    """One instance of an event. `start`/`end` are aware datetimes in the event's time zone
    (midnight in DEFAULT_TZ for an all-day event, `end` exclusive); `state` the event's
    (synced, pending, conflict)."""

    uid: str
    calendar: int
    summary: str
    location: str
    start: datetime
    end: datetime
    all_day: bool
    recurring: bool
    state: str


def parse(text: str) -> icalendar.Calendar:
    """The calendar in `text`. Raises InvalidInput when it is not iCalendar with an event."""
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as exc:
        raise InvalidInput(f"Données iCalendar illisibles ({exc}).") from exc
    if not isinstance(cal, icalendar.Calendar) or not list(cal.walk("VEVENT")):
        raise InvalidInput("Données iCalendar sans événement (VEVENT).")
    return cal


def master(cal: icalendar.Calendar) -> Any:
    """The main VEVENT of a resource: the one with no RECURRENCE-ID (else the first)."""
    events = list(cal.walk("VEVENT"))
    for event in events:
        if "RECURRENCE-ID" not in event:
            return event
    return events[0]


def aware(value: date | datetime, tz: tzinfo = DEFAULT_TZ) -> datetime:
    """A DATE as midnight in `tz`, a floating DATE-TIME in `tz`, an aware one as is."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def utc_text(value: date | datetime) -> str:
    if not isinstance(value, datetime):
        return f"{value.isoformat()}T00:00:00Z"
    return aware(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _end(event: Any, start: date | datetime) -> date | datetime:
    if "DTEND" in event:
        return event["DTEND"].dt
    if "DURATION" in event:
        return start + event["DURATION"].dt
    return start + timedelta(days=1) if not isinstance(start, datetime) else start


def fields(cal: icalendar.Calendar) -> Fields:
    event = master(cal)
    start = event["DTSTART"].dt if "DTSTART" in event else None
    end = _end(event, start) if start is not None else None
    description = str(event.get("DESCRIPTION", ""))
    attendees = event.get("ATTENDEE", [])
    attendees = attendees if isinstance(attendees, list) else [attendees]
    names = " ".join(str(a.params.get("CN", "")) or str(a).removeprefix("mailto:") for a in attendees)
    return Fields(
        uid=str(event.get("UID", "")), summary=str(event.get("SUMMARY", "")), location=str(event.get("LOCATION", "")),
        description=" ".join(x for x in (description, names) if x),
        dtstart=utc_text(start) if start is not None else "", dtend=utc_text(end) if end is not None else "",
        all_day=start is not None and not isinstance(start, datetime),
        recurring="RRULE" in event or "RDATE" in event)


def new_event(uid: str, summary: str, start: date | datetime, end: date | datetime, location: str = "",
              description: str = "", rrule: str | None = None) -> str:
    """The text of a new calendar resource holding one event. Raises InvalidInput."""
    event = icalendar.Event()
    event.add("UID", uid)
    event.add("DTSTAMP", datetime.now(UTC))
    apply(event, summary=summary, start=start, end=end, location=location, description=description, rrule=rrule)
    cal = icalendar.Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add_component(event)
    return cal.to_ical().decode()


def apply(event: Any, summary: str | None = None, start: date | datetime | None = None,
          end: date | datetime | None = None, location: str | None = None, description: str | None = None,
          rrule: str | None = None) -> None:
    """Set the given properties of a VEVENT (None: unchanged; '' removes location, description
    and the recurrence). Raises InvalidInput for an empty title, an end before the start or a
    rule that does not parse."""
    if summary is not None:
        if not summary.strip():
            raise InvalidInput("Le titre de l'événement est vide.")
        _set(event, "SUMMARY", summary.strip())
    for name, value in (("LOCATION", location), ("DESCRIPTION", description)):
        if value is not None:
            _set(event, name, value or None)
    old_start = event["DTSTART"].dt if "DTSTART" in event else None
    if start is not None:
        _set(event, "DTSTART", start)
    if end is not None or start is not None:
        new_end = end if end is not None else None
        if new_end is None and "DTEND" in event and start is not None and old_start is not None:
            new_end = start + (event["DTEND"].dt - old_start) if type(old_start) is type(start) else None
        if new_end is not None:
            event.pop("DURATION", None)
            _set(event, "DTEND", new_end)
    begin, finish = event["DTSTART"].dt, _end(event, event["DTSTART"].dt)
    if isinstance(begin, datetime) != isinstance(finish, datetime):
        raise InvalidInput("Le début et la fin doivent être tous deux des dates, ou tous deux des heures.")
    if aware(finish) < aware(begin):
        raise InvalidInput("La fin de l'événement précède son début.")
    if rrule is not None:
        if not rrule.strip():
            event.pop("RRULE", None)
        else:
            try:
                _set(event, "RRULE", icalendar.vRecur.from_ical(rrule.strip().removeprefix("RRULE:")))
            except Exception as exc:
                raise InvalidInput(f"Règle de répétition invalide : {rrule} ({exc}).") from exc
    seq = int(event.get("SEQUENCE", 0))
    _set(event, "SEQUENCE", seq + 1 if "SEQUENCE" in event else 0)
    _set(event, "LAST-MODIFIED", datetime.now(UTC))


def _set(event: Any, name: str, value: Any) -> None:
    event.pop(name, None)
    if value is not None:
        event.add(name, value)


def occurrences_of(cal: icalendar.Calendar, start: datetime, end: datetime, calendar: int, state: str,
                   recurring: bool, tz: tzinfo = DEFAULT_TZ) -> list[Occurrence]:
    """The instances of the events of `cal` that overlap [start, end)."""
    result = []
    # recurring-ical-events puts a RECURRENCE-ID on every instance it yields, even of a single
    # event: only the resource's own overridden instances say "recurring".
    recurring = recurring or any("RECURRENCE-ID" in e for e in cal.walk("VEVENT"))
    for item in recurring_ical_events.of(cal, components=["VEVENT"]).between(start, end):
        begin = item["DTSTART"].dt
        finish = _end(item, begin)
        all_day = not isinstance(begin, datetime)
        result.append(Occurrence(
            uid=str(item.get("UID", "")), calendar=calendar, summary=str(item.get("SUMMARY", "")),
            location=str(item.get("LOCATION", "")), start=aware(begin, tz), end=aware(finish, tz), all_day=all_day,
            recurring=recurring, state=state))
    return result


def split(text: str) -> list[str]:
    """The resources in an iCalendar file (an export, an .ics from elsewhere): one per UID (an
    event with its overridden instances), each with the file's time zones. Raises InvalidInput
    when the file holds no event."""
    cal = parse(text)
    zones = list(cal.walk("VTIMEZONE"))
    groups: dict[str, list[Any]] = {}
    for index, event in enumerate(cal.walk("VEVENT")):
        uid = str(event.get("UID", "")).strip()
        groups.setdefault(uid or f"\0{index}", []).append(event)
    result = []
    for events in groups.values():
        resource = icalendar.Calendar()
        resource.add("PRODID", PRODID)
        resource.add("VERSION", "2.0")
        for component in (*zones, *events):
            resource.add_component(component)
        result.append(resource.to_ical().decode())
    return result


def join(texts: list[str]) -> str:
    """One iCalendar file holding the events of every resource in `texts` (their time zones
    once each): what an export writes."""
    out = icalendar.Calendar()
    out.add("PRODID", PRODID)
    out.add("VERSION", "2.0")
    zones: dict[str, Any] = {}
    events: list[Any] = []
    for text in texts:
        cal = parse(text)
        for zone in cal.walk("VTIMEZONE"):
            zones.setdefault(str(zone.get("TZID", "")), zone)
        events += cal.walk("VEVENT")
    for component in (*zones.values(), *events):
        out.add_component(component)
    return out.to_ical().decode()
