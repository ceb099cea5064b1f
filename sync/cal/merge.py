"""The three-way merge of a calendar resource after a 412, property by property. Pure: texts in,
text out.

Each VEVENT of the resource (the master, and each overridden instance by its RECURRENCE-ID) is
compared property by property (a property's value: all its lines with their parameters;
VALARMs count as one property) between the base (the server's version our edit started from),
the server's current version and ours:
- changed on one side only → that side's value;
- changed on both sides to the same value → that value;
- changed on both sides differently → a conflict (`merge` names it; nothing is merged).
A VEVENT added on one side is kept; one removed on one side and untouched on the other is
removed; removed on one side and changed on the other is a conflict. DTSTAMP, LAST-MODIFIED and
SEQUENCE are bookkeeping: the result takes the highest SEQUENCE plus one and a new DTSTAMP.
With no base (a creation that met an existing resource), every difference is a conflict.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import icalendar

BOOKKEEPING = {"DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "BEGIN", "END"}
LABELS = {"SUMMARY": "titre", "LOCATION": "lieu", "DTSTART": "début", "DTEND": "fin", "DURATION": "durée",
          "DESCRIPTION": "description", "RRULE": "répétition", "EXDATE": "exceptions", "ATTENDEE": "participants",
          "VALARM": "rappels", "STATUS": "statut", "CATEGORIES": "catégories"}

Props = dict[str, tuple[str, ...]]


def _events(cal: icalendar.Calendar) -> dict[str, Any]:
    found = {}
    for comp in cal.subcomponents:
        if comp.name == "VEVENT":
            rid = comp.get("RECURRENCE-ID")
            found["" if rid is None else rid.to_ical().decode()] = comp
    return found


def _props(comp: Any) -> Props:
    lines: dict[str, list[str]] = {}
    for name, value in comp.property_items(recursive=False, sorted=False):
        if name in BOOKKEEPING:
            continue
        params = ";".join(f"{k}={v}" for k, v in sorted(value.params.items())) if hasattr(value, "params") else ""
        raw = value.to_ical() if hasattr(value, "to_ical") else str(value).encode()
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        lines.setdefault(name, []).append(f"{params}:{text}")
    for sub in comp.subcomponents:
        lines.setdefault(sub.name, []).append(sub.to_ical().decode())
    return {name: tuple(sorted(values)) for name, values in lines.items()}


def _take(target: Any, source: Any, name: str) -> None:
    """Give `target` the value of `name` that `source` has (or none)."""
    if name.startswith("V"):
        target.subcomponents = [c for c in target.subcomponents if c.name != name]
        target.subcomponents += [c for c in source.subcomponents if c.name == name]
        return
    target.pop(name, None)
    if name in source:
        target[name] = source[name]


def label(name: str) -> str:
    return LABELS.get(name, name.lower())


def merge(base: str | None, server: str, mine: str) -> tuple[str, list[str]]:
    """(merged text, []) or (server's text, the properties changed on both sides)."""
    base_events = _events(icalendar.Calendar.from_ical(base)) if base else {}
    result = icalendar.Calendar.from_ical(server)
    mine_cal = icalendar.Calendar.from_ical(mine)
    server_events, mine_events = _events(result), _events(mine_cal)
    conflicts: list[str] = []
    taken = False
    for key in sorted(set(server_events) | set(mine_events)):
        b, s, m = base_events.get(key), server_events.get(key), mine_events.get(key)
        bp = _props(b) if b is not None else None
        if s is None or m is None:
            other = m if s is None else s
            if bp is None:  # added on one side
                if m is not None:
                    result.add_component(m)
                    taken = True
            elif bp != _props(other):
                conflicts.append(f"occurrence {key}" if key else "événement")
            elif s is not None:  # we removed it, the server left it as it was
                result.subcomponents.remove(s)
                taken = True
            continue
        sp, mp = _props(s), _props(m)
        for name in sorted(set(sp) | set(mp) | set(bp or {})):
            bv, sv, mv = (bp or {}).get(name), sp.get(name), mp.get(name)
            if sv == mv or (bp is not None and mv == bv):
                continue
            if bp is not None and sv == bv:
                _take(s, m, name)
                taken = True
            else:
                conflicts.append(label(name) + (f" ({key})" if key else ""))
    if conflicts:
        return server, conflicts
    if not taken:
        return server, []
    tzids = {str(c.get("TZID")) for c in result.subcomponents if c.name == "VTIMEZONE"}
    for comp in mine_cal.subcomponents:
        if comp.name == "VTIMEZONE" and str(comp.get("TZID")) not in tzids:
            result.subcomponents.insert(0, comp)
    now = datetime.now(UTC)
    for key, event in _events(result).items():
        seqs = [int(e.get("SEQUENCE", 0)) for e in (event, mine_events.get(key)) if e is not None]
        for name, value in (("SEQUENCE", max(seqs) + 1), ("DTSTAMP", now)):
            event.pop(name, None)
            event.add(name, value)
    return result.to_ical().decode(), []
