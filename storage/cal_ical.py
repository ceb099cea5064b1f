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

from .errors import InvalidInput, NotFound

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
    (synced, pending, conflict). `recurrence_id`: for an instance of a recurring event, its
    original start (its RECURRENCE-ID, aware like `start`), which names it even once moved; None
    for a single event."""

    uid: str
    calendar: int
    summary: str
    location: str
    start: datetime
    end: datetime
    all_day: bool
    recurring: bool
    state: str
    recurrence_id: datetime | None = None


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


# -- moving an event, a series or one instance (a drag in the views) ----------------------------

# Parts of a rule tied to the calendar day (or to the time of day) of DTSTART: a series that uses
# them cannot be shifted as one block by days (or by hours) without rewriting its rule.
_DAY_PARTS = ("BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS", "BYMONTH")
_TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def reschedule(cal: icalendar.Calendar, occurrence: date | datetime, start: date | datetime,
               end: date | datetime, whole_series: bool = False) -> None:
    """Move an event of `cal` to [start, end) (aware datetimes, or dates for an all-day event,
    `end` exclusive). `occurrence` names the instance that was moved: its original start (its
    RECURRENCE-ID, `Occurrence.recurrence_id`), or the event's start for a single event.

    A single event gets the new DTSTART/DTEND, in its own time zone and value type. For a
    series, `whole_series` shifts the master by the instance's move, in wall-clock time of the
    master's zone (9:00 stays 9:00 across a DST change), with everything RFC 5545 names by an
    original start (EXDATE, RDATE, UNTIL, and each overridden instance's RECURRENCE-ID along
    with its own times): none is orphaned. Otherwise the instance gets (or updates) an
    overriding VEVENT: same UID, RECURRENCE-ID = its original start, the master's other
    properties. Raises InvalidInput, NotFound."""
    main = master(cal)
    series = "RRULE" in main or "RDATE" in main
    found = _override_of(cal, occurrence)
    if not series:
        _retime(found if found is not None else main, start, end)
    elif whole_series:
        _shift_series(cal, main, found, occurrence, start, end)
    else:
        if found is None:
            _instance(cal, occurrence)  # it must be one of the series' instances
            found = _new_override(cal, main, occurrence)
        _retime(found, start, end)


def _override_of(cal: icalendar.Calendar, occurrence: date | datetime) -> Any:
    """The VEVENT overriding the instance whose original start is `occurrence`, or None."""
    events: list[Any] = cal.walk("VEVENT")
    for event in events:
        if "RECURRENCE-ID" in event and aware(event["RECURRENCE-ID"].dt) == aware(occurrence):
            return event
    return None


def _instance(cal: icalendar.Calendar, occurrence: date | datetime) -> tuple[date | datetime, date | datetime]:
    """Start and end of the (not overridden) instance of the series at `occurrence`. Raises
    NotFound."""
    begin = aware(occurrence)
    for item in recurring_ical_events.of(cal, components=["VEVENT"]).between(begin, begin + timedelta(minutes=1)):
        if "RECURRENCE-ID" in item and aware(item["RECURRENCE-ID"].dt) == begin:
            found = item["DTSTART"].dt
            return found, _end(item, found)
    raise NotFound("Cette occurrence ne fait pas partie de la série (supprimée entre-temps ?).")


def _new_override(cal: icalendar.Calendar, main: Any, occurrence: date | datetime) -> Any:
    event = icalendar.Event.from_ical(main.to_ical())  # a copy: the master's properties and alarms
    for name in ("RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "DTSTAMP"):
        event.pop(name, None)
    event.add("DTSTAMP", datetime.now(UTC))
    event.add("RECURRENCE-ID", _like(occurrence, main["DTSTART"].dt, strict=False))
    cal.add_component(event)
    return event


def _like(moment: date | datetime, template: date | datetime, strict: bool = True) -> date | datetime:
    """`moment` with the value type and time zone of `template`: a date for a date, a floating
    time (read in DEFAULT_TZ) for a floating one, else in the template's zone. Raises
    InvalidInput for a time given to an all-day event (unless not `strict`: its day then) or a
    date to a timed one."""
    if not isinstance(template, datetime):
        if isinstance(moment, datetime):
            if strict:
                raise InvalidInput("Un événement sur la journée entière se déplace par jours : des dates, "
                                   "pas des heures.")
            return aware(moment).astimezone(DEFAULT_TZ).date()
        return moment
    if not isinstance(moment, datetime):
        raise InvalidInput("Un événement à heure fixe se déplace à une heure, pas à une date seule.")
    if template.tzinfo is None:
        return aware(moment).astimezone(DEFAULT_TZ).replace(tzinfo=None)
    return aware(moment).astimezone(template.tzinfo)


def _retime(event: Any, start: date | datetime, end: date | datetime) -> None:
    begin = event["DTSTART"].dt
    finish = event["DTEND"].dt if "DTEND" in event else begin
    apply(event, start=_like(start, begin), end=_like(end, finish))


def _zone(value: date | datetime) -> tzinfo:
    return value.tzinfo if isinstance(value, datetime) and value.tzinfo is not None else DEFAULT_TZ


def _wall(value: date | datetime, zone: tzinfo) -> date | datetime:
    """The wall-clock reading of `value` in `zone` (naive), a date as is."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return value
    return value.astimezone(zone).replace(tzinfo=None)


def _shift(value: Any, delta: timedelta, zone: tzinfo) -> Any:
    """`value` moved by `delta` of wall-clock time in `zone` (whole days for a date), kept in its
    own zone."""
    if isinstance(value, tuple):  # an RDATE period: its start moves, a duration stays
        return (_shift(value[0], delta, zone),
                value[1] if isinstance(value[1], timedelta) else _shift(value[1], delta, zone))
    if not isinstance(value, datetime):
        return value + timedelta(days=delta.days)
    if value.tzinfo is None:
        return value + delta
    moved = value.astimezone(zone).replace(tzinfo=None) + delta
    return moved.replace(tzinfo=zone).astimezone(value.tzinfo)


def _shift_series(cal: icalendar.Calendar, main: Any, found: Any, occurrence: date | datetime,
                  start: date | datetime, end: date | datetime) -> None:
    if found is not None:
        now_start = found["DTSTART"].dt
        now_end = _end(found, now_start)
    else:
        now_start, now_end = _instance(cal, occurrence)
    first = main["DTSTART"].dt
    zone = _zone(first)
    new_start, new_end = _like(start, first), _like(end, first)
    if aware(new_end) < aware(new_start):
        raise InvalidInput("La fin de l'événement précède son début.")
    # Wall-clock deltas: the same local hours in summer and in winter (DTSTART has a TZID).
    d_start = _wall(new_start, zone) - _wall(now_start, zone)
    d_end = _wall(new_end, zone) - _wall(now_end, zone)
    moved = _shift(first, d_start, zone)
    before, after = _wall(first, zone), _wall(moved, zone)
    days = ((after.date() if isinstance(after, datetime) else after)
            - (before.date() if isinstance(before, datetime) else before)).days
    hours_moved = isinstance(after, datetime) and isinstance(before, datetime) and after.time() != before.time()
    _shift_rules(main, days, hours_moved, d_start, zone)
    for name in ("EXDATE", "RDATE"):
        _shift_list(main, name, d_start, zone)
    apply(main, start=moved, end=_shift(_end(main, first), d_end, zone))
    events: list[Any] = cal.walk("VEVENT")
    for event in events:
        if "RECURRENCE-ID" not in event:
            continue
        _set(event, "RECURRENCE-ID", _shift(event["RECURRENCE-ID"].dt, d_start, zone))
        begin = event["DTSTART"].dt
        there, finish = _shift(begin, d_start, zone), _shift(_end(event, begin), d_end, zone)
        apply(event, start=there, end=finish if aware(finish) >= aware(there) else there)


def _shift_rules(main: Any, days: int, time_changed: bool, delta: timedelta, zone: tzinfo) -> None:
    """The master's rules follow its DTSTART moved by `days` days: weekdays (BYDAY) shift, UNTIL
    with it. Raises InvalidInput for a rule tied to days of the month, positions or hours."""
    rules = main.get("RRULE")
    for rule in (rules if isinstance(rules, list) else [rules] if rules is not None else []):
        byday = [str(d).upper() for d in rule.get("BYDAY", [])]
        if (days and (any(part in rule for part in _DAY_PARTS) or any(d not in _WEEKDAYS for d in byday))) or (
                time_changed and any(part in rule for part in _TIME_PARTS)):
            raise InvalidInput("Cette série suit une règle (jours du mois, rangs, heures…) qu'on ne peut pas décaler "
                               "d'un bloc : déplacez seulement cette occurrence, ou changez la répétition "
                               "dans l'éditeur.")
        if days and byday:
            rule["BYDAY"] = [_WEEKDAYS[(_WEEKDAYS.index(d) + days) % 7] for d in byday]
        if "UNTIL" in rule:
            rule["UNTIL"] = [_shift(u, delta, zone) for u in rule["UNTIL"]]


def _shift_list(event: Any, name: str, delta: timedelta, zone: tzinfo) -> None:
    if name not in event:
        return
    found = event[name]
    values = [d.dt for item in (found if isinstance(found, list) else [found]) for d in item.dts]
    event.pop(name)
    for value in values:
        event.add(name, _shift(value, delta, zone))


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
        rid = item["RECURRENCE-ID"].dt if recurring and "RECURRENCE-ID" in item else None
        result.append(Occurrence(
            uid=str(item.get("UID", "")), calendar=calendar, summary=str(item.get("SUMMARY", "")),
            location=str(item.get("LOCATION", "")), start=aware(begin, tz), end=aware(finish, tz), all_day=all_day,
            recurring=recurring, state=state, recurrence_id=aware(rid, tz) if rid is not None else None))
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
