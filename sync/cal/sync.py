"""Calendar sync over CalDAV: for every account, discovery (principal → calendar home →
calendars with their colours), then for each enabled calendar the writes made here, then the
server's changes.

- **Push.** A queued `cal.put` goes with If-Match (the ETag of the version edited) or
  If-None-Match: * (a creation); a `cal.delete` with If-Match. On a 412 the server's version is
  fetched and merged with ours against the base (`sync.cal.merge`): merged, it is written with
  the new ETag; when both sides changed the same property, the server's version becomes the
  event and ours is kept beside it as a copy flagged "conflict", and the report says so. A
  deletion that meets a change made elsewhere keeps the changed event. Never a silent overwrite.
- **Pull.** sync-collection since the stored token; a token the server refuses (403/409
  valid-sync-token) falls back to a full listing of ETags. Resources whose ETag differs are
  fetched with calendar-multiget; deleted ones are removed here, unless edited here meanwhile
  (then created again on the server). A calendar whose CTag has not changed is not even asked.

Network calls are async httpx on the caller's loop; every database write happens on the caller's
thread, in short transactions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from storage import calendar as store
from storage import outbox
from storage.calendar import CAL_DELETE, CAL_PUT, PENDING, SYNCED, Account, Calendar, CalendarStore
from storage.db import transaction
from storage.errors import InvalidInput, NotFound, ParvisError

from ..errors import Refused, SyncError
from .dav import Changes, Dav, PreconditionFailed, TokenRefused
from .merge import merge

MAX_MERGE_ATTEMPTS = 3


@dataclass
class CalReport:
    """What a calendar round did. `notes`: merges and conflicts (said to the user, not errors);
    `errors`: one line per account or calendar that failed; `failure`: the first such error."""

    received: int = 0
    deleted: int = 0
    sent: int = 0
    merged: int = 0
    conflicts: int = 0
    calendars: int = 0
    fallbacks: int = 0
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failure: ParvisError | None = None
    accounts_failed: int = 0


async def sync_calendars(conn: Any, report: CalReport | None = None,
                         transport: httpx.AsyncBaseTransport | None = None) -> CalReport:
    """One calendar round for every CalDAV account. A failing account is reported and the others
    go on; never raises for a server's failure. Call on the thread that owns `conn`."""
    report = report or CalReport()
    cals = CalendarStore(conn)
    for account in cals.accounts():
        try:
            await sync_account(conn, account, report, transport)
        except (SyncError, NotFound) as exc:
            report.errors.append(f"Agenda {account.username} sur {account.url} : {exc}")
            report.failure = report.failure or exc
            report.accounts_failed += 1
    return report


async def sync_account(conn: Any, account: Account, report: CalReport,
                       transport: httpx.AsyncBaseTransport | None = None) -> None:
    """Raises AuthFailed, Unreachable, SyncError, NotFound."""
    password = CalendarStore(conn).password(account.id)
    async with Dav(account.url, account.username, password, account.ca_file, transport) as dav:
        remote = await dav.discover()
        store.save_calendars(conn, account.id, [(c.href, c.name, c.color) for c in remote])
        ctags = {c.href: c.ctag for c in remote}
        for calendar in CalendarStore(conn).calendars(account.id):
            pushed = await _push(conn, dav, calendar, report)
            if not calendar.enabled:  # hidden: its writes go out, the server's changes wait
                continue
            if not pushed and calendar.sync_token and calendar.ctag and calendar.ctag == ctags.get(calendar.href):
                continue  # nothing changed on either side
            await _pull(conn, dav, calendar, None if pushed else ctags.get(calendar.href), report)
            report.calendars += 1


# -- push ----------------------------------------------------------------------------------------


async def _push(conn: Any, dav: Dav, calendar: Calendar, report: CalReport) -> int:
    """Replay the calendar's queued writes; returns how many went out."""
    prefix = calendar.href.rstrip("/") + "/"
    entries = [e for e in outbox.pending(conn) if e.kind in (CAL_PUT, CAL_DELETE) and e.target.startswith(prefix)]
    for entry in entries:
        try:
            if entry.kind == CAL_PUT:
                await _push_put(conn, dav, calendar, entry, report)
            else:
                await _push_delete(conn, dav, calendar, entry, report)
        except Refused as exc:  # this write only: the others go on, it is retried next round
            with transaction(conn):
                outbox.failed(conn, entry, str(exc))
            report.errors.append(f"Agenda « {calendar.name} » : {exc}")
    return len(entries)


async def _push_put(conn: Any, dav: Dav, calendar: Calendar, entry: outbox.Entry, report: CalReport) -> None:
    href = entry.target
    try:
        etag, base, text = store.base_of(conn, href)
    except NotFound:
        with transaction(conn):
            outbox.remove(conn, entry)
        return
    for _ in range(MAX_MERGE_ATTEMPTS):
        try:
            new_etag = await dav.put(href, text, etag)
        except PreconditionFailed:
            current = await dav.get(href)
            if current is None:  # deleted on the server meanwhile: ours is created again
                etag, base = None, None
                report.notes.append(f"« {_summary(text)} » avait été supprimé sur le serveur ; votre version "
                                    "modifiée y est recréée.")
                continue
            etag, server_text = current
            merged, conflicts = merge(base, server_text, text)
            if conflicts:
                _keep_both(conn, calendar, href, etag, server_text, text, entry, conflicts, report)
                return
            if merged == server_text:  # our changes are already there
                text = merged
                break
            text, base = merged, server_text
            report.merged += 1
            report.notes.append(f"« {_summary(text)} » a été modifié ailleurs en même temps : les deux versions "
                                "ont été fusionnées.")
            continue
        if new_etag is None:
            fetched = await dav.get(href)
            new_etag = fetched[0] if fetched else None
        etag = new_etag
        break
    else:
        raise SyncError(f"« {_summary(text)} » change sans cesse sur le serveur ; nouvel essai à la prochaine "
                        "synchronisation.")
    with transaction(conn):
        now = outbox.get(conn, entry.idem_key)
        if now is not None and now.seq == entry.seq:
            store.write(conn, calendar.id, href, text, etag=etag, state=SYNCED)
        else:  # edited again meanwhile: the new text stays pending, on top of what is there now
            conn.execute("UPDATE cal_events SET etag = ?, base = ? WHERE href = ?", (etag, text, href))
        outbox.done(conn, entry)
    report.sent += 1


def _keep_both(conn: Any, calendar: Calendar, href: str, etag: str, server_text: str, mine: str,
               entry: outbox.Entry, conflicts: list[str], report: CalReport) -> None:
    with transaction(conn):
        store.write(conn, calendar.id, href, server_text, etag=etag, state=SYNCED)
        store.conflict_copy(conn, calendar.id, href, mine)
        outbox.remove(conn, entry)
    report.conflicts += 1
    report.notes.append(f"Conflit sur « {_summary(server_text)} » ({', '.join(conflicts)} modifiés ici et "
                        "ailleurs) : les deux versions sont gardées, la vôtre en copie marquée « conflit ».")


async def _push_delete(conn: Any, dav: Dav, calendar: Calendar, entry: outbox.Entry, report: CalReport) -> None:
    etag = json.loads(entry.payload or "{}").get("etag")
    try:
        await dav.delete(entry.target, etag)
    except PreconditionFailed:
        current = await dav.get(entry.target)
        with transaction(conn):
            if current is not None:
                store.write(conn, calendar.id, entry.target, current[1], etag=current[0], state=SYNCED)
                report.notes.append(f"« {_summary(current[1])} » a été modifié ailleurs après votre suppression : "
                                    "il est conservé.")
            outbox.remove(conn, entry)
        return
    with transaction(conn):
        store.forget(conn, entry.target)
        outbox.remove(conn, entry)
    report.sent += 1


# -- pull ----------------------------------------------------------------------------------------


async def _pull(conn: Any, dav: Dav, calendar: Calendar, ctag: str | None, report: CalReport) -> None:
    try:
        changes = await dav.changes(calendar.href, calendar.sync_token)
    except TokenRefused:
        report.fallbacks += 1
        report.notes.append(f"Agenda « {calendar.name} » : le serveur ne reconnaît plus le jeton de "
                            "synchronisation ; liste complète relue.")
        changes = await _full(dav, calendar.href)
    known = store.known_etags(conn, calendar.id)
    deleted = list(changes.deleted)
    if changes.full:
        deleted += [h for h, etag in known.items() if etag is not None and h not in changes.changed]
    wanted = [h for h, etag in changes.changed.items() if known.get(h) != etag and _free(conn, h)]
    fetched = await dav.multiget(calendar.href, wanted) if wanted else {}
    with transaction(conn):
        for href, (etag, text) in fetched.items():
            try:
                store.write(conn, calendar.id, href, text, etag=etag, state=SYNCED)
            except InvalidInput:  # not an event (a task, a journal): not shown here
                continue
            report.received += 1
        for href in deleted:
            _gone(conn, href, report)
    store.set_sync_state(conn, calendar.id, changes.token, ctag)


async def _full(dav: Dav, href: str) -> Changes:
    try:
        return await dav.changes(href, None)
    except (TokenRefused, SyncError):
        return await dav.listing(href)


def _free(conn: Any, href: str) -> bool:
    """Whether the server's version may replace ours: not while a local change waits."""
    state = store.local_state(conn, href)
    return state is None or state[0] != PENDING


def _gone(conn: Any, href: str, report: CalReport) -> None:
    state = store.local_state(conn, href)
    if state is None:
        return
    pending, deleted_here = state[0] == PENDING, state[1]
    if pending and not deleted_here:  # edited here: created again on the server by the next push
        conn.execute("UPDATE cal_events SET etag = NULL, base = NULL WHERE href = ?", (href,))
        report.notes.append("Un événement modifié ici avait été supprimé sur le serveur : il y sera recréé.")
        return
    conn.execute("DELETE FROM outbox WHERE target = ? AND kind IN (?, ?)", (href, CAL_PUT, CAL_DELETE))
    store.forget(conn, href)
    report.deleted += 1


def _summary(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("SUMMARY"):
            return line.split(":", 1)[-1].strip() or "(sans titre)"
    return "(sans titre)"
