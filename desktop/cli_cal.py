"""`parvis cal …`: CalDAV agendas from the command line, on the same store and sync as the app.

Every write is made offline in the store and goes out at the next `parvis sync`; only
`cal account add` talks to the server (it checks the login and lists the calendars before saving
anything). Dates are read as "2026-12-03" (a day), "2026-12-03T18:00" (local time in
Europe/Paris) or ISO with an offset ("2026-12-03T18:00+01:00", "…Z"); times are shown in
Europe/Paris.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from storage.cal_ical import DEFAULT_TZ, Occurrence
from storage.calendar import CONFLICT, PENDING, Calendar, CalendarStore, occurrences
from storage.errors import InvalidInput, NotFound
from sync.cal.account import add_account

from .cli import _open, _out, _secret

PARIS = DEFAULT_TZ
_MARKS = {PENDING: "en attente", CONFLICT: "en conflit"}


def parse_when(value: str, what: str = "date") -> date | datetime:
    """A day, a local Paris time, or an aware time (kept as the same instant in Paris).
    Raises InvalidInput."""
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise InvalidInput(f"{what} invalide : « {value} » (attendu 2026-12-03, 2026-12-03T18:00 "
                           "ou 2026-12-03T18:00+01:00).") from None
    return moment.replace(tzinfo=PARIS) if moment.tzinfo is None else moment.astimezone(PARIS)


def _bound(value: str, what: str, end: bool) -> datetime:
    """A bound of `list`: a day means its midnight (the next one for --to: the day is included)."""
    when = parse_when(value, what)
    if isinstance(when, datetime):
        return when
    return datetime(when.year, when.month, when.day, tzinfo=PARIS) + timedelta(days=1 if end else 0)


def _end(value: str | None) -> date | datetime | None:
    """--end: a day is the last day included (iCalendar's DTEND of a day is exclusive)."""
    if value is None:
        return None
    when = parse_when(value, "Fin")
    return when if isinstance(when, datetime) else when + timedelta(days=1)


def _first_calendar(store: CalendarStore, ref: str | None) -> Calendar:
    if ref is not None:
        return store.calendar(ref)
    found = store.calendars()
    if not found:
        raise NotFound("Aucun agenda : ajoutez un compte avec « parvis cal account add », puis « parvis sync ».")
    return found[0]


# -- commands ---------------------------------------------------------------------------


def cmd_account_add(args: argparse.Namespace) -> None:
    vault = _open(args)
    password = _secret("PARVIS_PASSWORD", f"Mot de passe de {args.user} sur {args.url}")
    account_id, remote = asyncio.run(add_account(vault.conn, args.url, args.user, password, args.ca_file))
    url = args.url.strip()
    names = ", ".join(f"« {c.name} »" for c in remote) or "aucun pour l'instant"
    _out(args, {"id": account_id, "url": url, "user": args.user,
                "calendars": [{"href": c.href, "name": c.name, "color": c.color} for c in remote]},
         f"Compte d'agenda {args.user} sur {url} ajouté (n° {account_id}) ; agendas : {names}. "
         "Lancez « parvis sync » pour les relever.")


def cmd_calendars(args: argparse.Namespace) -> None:
    store = CalendarStore(_open(args).conn)
    accounts = {a.id: a for a in store.accounts()}
    found = store.calendars()
    lines = []
    for c in found:
        account = accounts.get(c.account)
        owner = f"{account.username}@{account.url}" if account else "?"
        lines.append(f"{c.id}  {c.name}  {c.color or '-'}  ({owner})" + ("" if c.enabled else "  [masqué]"))
    data = [{"id": c.id, "account": c.account, "href": c.href, "name": c.name, "color": c.color,
             "enabled": c.enabled} for c in found]
    _out(args, data, "\n".join(lines) if lines else
         "Aucun agenda : ajoutez un compte avec « parvis cal account add », puis « parvis sync ».")


def _occurrence_line(o: Occurrence, names: dict[int, str]) -> str:
    start, end = o.start.astimezone(PARIS), o.end.astimezone(PARIS)
    if o.all_day:
        last = (o.end - timedelta(days=1)).date()
        when = f"{o.start:%Y-%m-%d}" + (f" → {last:%Y-%m-%d}" if last > o.start.date() else "") + " (journée)"
    elif end.date() == start.date():
        when = f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    else:
        when = f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M}"
    marks = [_MARKS[o.state]] if o.state in _MARKS else []
    marks += ["récurrent"] if o.recurring else []
    line = f"{when}  {o.summary or '(sans titre)'}"
    line += f"  @ {o.location}" if o.location else ""
    line += f"  ({names.get(o.calendar, '?')})" + (f"  [{', '.join(marks)}]" if marks else "")
    return f"{line}  {o.uid}"


def cmd_list(args: argparse.Namespace) -> None:
    start, end = _bound(args.start, "Début", False), _bound(args.end, "Fin", True)
    if end <= start:
        raise InvalidInput("--to doit suivre --from.")
    conn = _open(args).conn
    store = CalendarStore(conn)
    names = {c.id: c.name for c in store.calendars()}
    chosen = [store.calendar(args.calendar).id] if args.calendar else None
    found = occurrences(conn, start, end, chosen, PARIS)
    data = [{"uid": o.uid, "calendar": names.get(o.calendar), "calendar_id": o.calendar, "summary": o.summary,
             "location": o.location, "start": o.start.astimezone(PARIS).isoformat(),
             "end": o.end.astimezone(PARIS).isoformat(), "all_day": o.all_day, "recurring": o.recurring,
             "state": o.state} for o in found]
    _out(args, data, "\n".join(_occurrence_line(o, names) for o in found) or "Aucun événement.")


def cmd_add(args: argparse.Namespace) -> None:
    start, end = parse_when(args.start, "Début"), _end(args.end)
    assert end is not None
    store = CalendarStore(_open(args).conn)
    calendar = _first_calendar(store, args.calendar)
    uid = store.create(calendar.id, args.title, start, end, location=args.location or "", rrule=args.rrule)
    _out(args, {"uid": uid, "calendar": calendar.name, "state": PENDING},
         f"Événement ajouté à « {calendar.name} » ; il part à la prochaine synchronisation.\n{uid}")


def cmd_edit(args: argparse.Namespace) -> None:
    start = parse_when(args.start, "Début") if args.start is not None else None
    if all(v is None for v in (args.title, args.start, args.end, args.location, args.rrule)):
        raise InvalidInput("Rien à modifier : donnez --title, --start, --end, --location ou --rrule.")
    store = CalendarStore(_open(args).conn)
    event = store.edit(args.uid, summary=args.title, start=start, end=_end(args.end), location=args.location,
                       rrule=args.rrule)
    data = {k: v for k, v in asdict(event).items() if k != "ics"}
    _out(args, data, f"Événement « {event.summary} » modifié ; la modification part à la prochaine "
         "synchronisation." if event.state != CONFLICT else
         f"Copie en conflit « {event.summary} » modifiée (elle reste sur ce poste).")


def cmd_delete(args: argparse.Namespace) -> None:
    store = CalendarStore(_open(args).conn)
    event = store.event(args.uid)
    store.delete(args.uid)
    _out(args, {"uid": event.uid, "deleted": True},
         f"Événement « {event.summary} » supprimé ; le serveur suivra à la prochaine synchronisation.")


def cmd_import(args: argparse.Namespace) -> None:
    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Lecture de {args.file} impossible : {exc}.") from exc
    store = CalendarStore(_open(args).conn)
    calendar = _first_calendar(store, args.calendar)
    uids = store.import_file(calendar.id, text)
    _out(args, {"calendar": calendar.name, "uids": uids},
         f"{len(uids)} événement(s) importé(s) dans « {calendar.name} » ; ils partent à la prochaine "
         "synchronisation.\n" + "\n".join(uids))


def cmd_export(args: argparse.Namespace) -> None:
    path = Path(args.file)
    text, count = CalendarStore(_open(args).conn).export(args.calendar)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"Écriture de {args.file} impossible : {exc}.") from exc
    _out(args, {"file": str(path), "events": count}, f"{count} événement(s) exporté(s) vers {path}.")


def cmd_resolve(args: argparse.Namespace) -> None:
    store = CalendarStore(_open(args).conn)
    copy = store.event(args.uid)
    store.keep_conflict(args.uid, mine=args.keep == "mine")
    _out(args, {"uid": copy.uid, "kept": args.keep},
         f"Conflit réglé : votre version de « {copy.summary} » remplace celle du serveur ; elle part à la "
         "prochaine synchronisation." if args.keep == "mine" else
         f"Conflit réglé : la version du serveur de « {copy.summary} » est gardée, la vôtre est supprimée.")


# -- parser -----------------------------------------------------------------------------


def register(sub: Any, command: Callable[[Any, str, Callable[[argparse.Namespace], None], str], Any]) -> None:
    """Add `parvis cal …` to the parser (`command` is cli.build_parser's helper)."""
    cal = sub.add_parser("cal", help="agendas (CalDAV)").add_subparsers(dest="sub", required=True)
    account = cal.add_parser("account", help="comptes d'agenda").add_subparsers(dest="sub2", required=True)
    p = command(account, "add", cmd_account_add,
                "ajoute un compte CalDAV (vérifie l'identifiant et liste les agendas avant d'enregistrer)")
    p.add_argument("url", help="adresse CalDAV, ex. https://parvis.mairie.fr/dav/")
    p.add_argument("--user", required=True, help="identifiant")
    p.add_argument("--ca-file", help="certificat de l'autorité interne (PKI municipale)")
    command(cal, "calendars", cmd_calendars, "liste les agendas")
    p = command(cal, "list", cmd_list, "liste les événements d'une période (répétitions développées, "
                "heure de Paris)")
    p.add_argument("--from", dest="start", required=True, metavar="DATE", help="début : 2026-12-03 ou 2026-12-03T18:00")
    p.add_argument("--to", dest="end", required=True, metavar="DATE", help="fin (un jour donné est inclus)")
    p.add_argument("--calendar", help="seulement cet agenda (numéro ou nom)")
    p = command(cal, "add", cmd_add, "crée un événement, hors ligne ; affiche son UID en dernier")
    p.add_argument("--calendar", help="numéro ou nom de l'agenda (par défaut le premier)")
    p.add_argument("--title", required=True)
    p.add_argument("--start", required=True, metavar="DATE", help="2026-12-03T18:00 (heure de Paris), ou "
                   "2026-12-03 pour un événement sur la journée")
    p.add_argument("--end", required=True, metavar="DATE", help="fin ; un jour donné est le dernier jour inclus")
    p.add_argument("--rrule", metavar="RÈGLE", help="répétition RFC 5545, ex. FREQ=WEEKLY;COUNT=10")
    p.add_argument("--location", help="lieu")
    p = command(cal, "edit", cmd_edit, "modifie un événement, hors ligne (les options données seulement)")
    p.add_argument("uid")
    p.add_argument("--title")
    p.add_argument("--start", metavar="DATE", help="nouveau début (la durée est gardée si --end manque)")
    p.add_argument("--end", metavar="DATE")
    p.add_argument("--location", help="lieu (« » : l'effacer)")
    p.add_argument("--rrule", metavar="RÈGLE", help="répétition (« » : ne plus répéter)")
    command(cal, "delete", cmd_delete, "supprime un événement, hors ligne").add_argument("uid")
    p = command(cal, "import", cmd_import, "importe les événements d'un fichier .ics")
    p.add_argument("file")
    p.add_argument("--calendar", help="numéro ou nom de l'agenda (par défaut le premier)")
    p = command(cal, "export", cmd_export, "exporte les événements dans un fichier .ics")
    p.add_argument("file")
    p.add_argument("--calendar", help="seulement cet agenda (numéro ou nom)")
    p = command(cal, "resolve", cmd_resolve, "règle un conflit : garde votre copie (mine) ou la version "
                "du serveur (server)")
    p.add_argument("uid", help="l'UID de la copie en conflit (marquée « en conflit » par « parvis cal list »)")
    p.add_argument("keep", choices=("mine", "server"))
