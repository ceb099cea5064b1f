"""Calendar benchmarks against a real Radicale (`tests/calservers.py`) and against parvis-server's
own `/dav/` (`tests/e2e/servers.py`), which mounts Radicale:

- the first sync of 5,000 events;
- a sync with nothing new (the target applies to parvis-server, what Parvis ships);
- expanding a month of 500 events, recurrences included (the month view's data; the drawing
  itself is measured by the desktop module's own figure when it has one).

Run alone with `python -m bench.calendar [--quick] [--json]`; `make bench` includes it.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import httpx

from storage.calendar import CalendarStore, occurrences, save_calendars
from storage.vault import Vault
from sync.cal import sync_calendars
from tests.calservers import Radicale
from tests.e2e.servers import add_user, start_server

from .report import Line, standalone

PARIS = ZoneInfo("Europe/Paris")
PASSPHRASE = "banc d'essai"
TITLES = ("Conseil municipal", "Commission voirie", "Mariage", "Permanence des élus", "Réunion de service",
          "Commission des finances", "Visite de chantier", "Rendez-vous administré", "Bureau municipal")


def _event(uid: str, start: datetime, title: str, rrule: str | None = None) -> str:
    end = start + timedelta(hours=1)
    fmt = "%Y%m%dT%H%M%S"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Parvis//banc//FR", "BEGIN:VEVENT", f"UID:{uid}",
             f"DTSTAMP:{datetime.now(UTC).strftime(fmt)}Z", f"DTSTART;TZID=Europe/Paris:{start.strftime(fmt)}",
             f"DTEND;TZID=Europe/Paris:{end.strftime(fmt)}", f"SUMMARY:{title}", "LOCATION:Mairie"]
    if rrule:
        lines.append(f"RRULE:{rrule}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


def _server_with(n: int, tmp: Path) -> tuple[Radicale, Any, str, float]:
    """A Radicale holding `n` events in one calendar, its cache warm, as a server that has held
    them for years. Radicale parses each item the first time it is asked for it (about 50 ms
    each here): for thousands, that server is built once and kept in the user's cache folder,
    like the MSI's downloads. Returns (server, user, calendar URL, seconds spent building)."""
    kept = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "parvis-bench" / f"radicale-{n}"
    server = Radicale().start(tmp / "radicale")
    user = server.add_user("banc", "banc-mdp")
    t0 = time.perf_counter()
    if (kept / "ready").exists():
        server.stop()
        shutil.rmtree(server.collections)
        shutil.copytree(kept / "collections", server.collections)
        server.restart()
        return server, user, server.url.rstrip("/") + (kept / "ready").read_text(), time.perf_counter() - t0
    url = server.make_calendar(user, "Agenda de la mairie", "#000091")
    folder = server.collections / "collection-root" / urlparse(url).path.strip("/")
    rng = random.Random(5)
    start = datetime(2024, 1, 1, 8, 0)
    for i in range(n):
        when = start + timedelta(days=rng.randrange(900), hours=rng.randrange(10))
        (folder / f"e{i}.ics").write_text(_event(f"e{i}@banc", when, rng.choice(TITLES)), encoding="utf-8")
    _warm(url, user, [f"{urlparse(url).path}e{i}.ics" for i in range(n)])
    if n >= 1_000:
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(server.collections, kept / "collections")
        (kept / "ready").write_text(urlparse(url).path)
    return server, user, url, time.perf_counter() - t0


def _warm(url: str, user: Any, hrefs: list[str]) -> None:
    """Ask Radicale for every item once (calendar-multiget, 200 at a time, no time limit), so
    that it parses and caches them."""
    with httpx.Client(auth=(user.name, user.password), timeout=None) as client:
        for at in range(0, len(hrefs), 200):
            listed = "".join(f"<D:href>{h}</D:href>" for h in hrefs[at:at + 200])
            body = ('<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
                    f"<D:prop><D:getetag/><C:calendar-data/></D:prop>{listed}</C:calendar-multiget>")
            response = client.request("REPORT", url, content=body,
                                      headers={"Depth": "1", "Content-Type": "application/xml"})
            response.raise_for_status()


def sync_figures(n: int) -> dict[str, float]:
    """First sync of a calendar of `n` events, then three syncs with nothing new (median): against
    a standalone Radicale, then against parvis-server's `/dav/` holding the same calendar (what
    Parvis ships: Radicale behind its accounts, with the CTag kept in memory). Its storage is a
    copy of the standalone one's folder, item cache included (same Radicale, same on-disk
    format), made before it starts: filling it through PUTs would take minutes."""
    tmp_root = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="parvis-bench-cal-", dir=tmp_root) as tmp:
        server, user, _, warm_s = _server_with(n, Path(tmp))
        try:
            alone = _syncs(Path(tmp) / "profil", server.url, user.name, user.password)
        finally:
            server.stop()
        t0 = time.perf_counter()
        data = Path(tmp) / "parvis-server"
        shutil.copytree(server.collections / "collection-root" / user.name,
                        data / "dav" / "collection-root" / user.name)
        add_user(data, user.name, user.password)
        parvis = start_server(data)
        start_s = time.perf_counter() - t0
        try:
            served = _syncs(Path(tmp) / "profil-parvis", parvis.url + "/dav/", user.name, user.password)
        finally:
            parvis.stop()
    return {"events": n, **alone, "warm_s": warm_s, "parvis_start_s": start_s,
            **{f"parvis_{key}": value for key, value in served.items()}}


def _syncs(profile: Path, url: str, username: str, password: str) -> dict[str, float]:
    vault = Vault.create(profile, PASSPHRASE)
    try:
        store = CalendarStore(vault.conn)
        store.add_account(url, username, password)
        t0 = time.perf_counter()
        first = asyncio.run(sync_calendars(vault.conn))
        first_s = time.perf_counter() - t0
        again = []
        for _ in range(3):
            t0 = time.perf_counter()
            asyncio.run(sync_calendars(vault.conn))
            again.append(time.perf_counter() - t0)
        stored = len(store.events())
    finally:
        vault.close()
    return {"stored": stored, "errors": float(len(first.errors)), "first_s": first_s,
            "no_change_ms": statistics.median(again) * 1e3}


def month_figures(n: int = 500) -> dict[str, float]:
    """Expanding one month holding `n` occurrences (a tenth of them from weekly recurring
    events), as the month view asks the store: median of 5."""
    with tempfile.TemporaryDirectory(prefix="parvis-bench-cal-month-") as tmp:
        vault = Vault.create(Path(tmp) / "profil", PASSPHRASE)
        try:
            store = CalendarStore(vault.conn)
            account = store.add_account("http://127.0.0.1:9/", "banc", "x")
            save_calendars(vault.conn, account, [("/banc/agenda/", "Agenda", "#000091")])
            calendar = store.calendars()[0].id  # as a first sync would have stored it
            rng = random.Random(9)
            month = datetime(2026, 3, 1, 8, 0)
            weekly = n // 10 // 4  # each weekly event gives 4 or 5 occurrences in the month
            for i in range(weekly):
                store.import_ics(calendar, _event(f"w{i}@banc", month + timedelta(days=i % 7, hours=i % 9),
                                                  rng.choice(TITLES), "FREQ=WEEKLY;COUNT=40"))
            for i in range(n - weekly * 4):
                store.import_ics(calendar, _event(f"o{i}@banc", month + timedelta(days=rng.randrange(28),
                                                                                 hours=rng.randrange(10)),
                                                  rng.choice(TITLES)))
            first, last = datetime(2026, 3, 1, tzinfo=PARIS), datetime(2026, 4, 1, tzinfo=PARIS)
            times, found = [], []
            for _ in range(5):
                t0 = time.perf_counter()
                found = occurrences(vault.conn, first, last)
                times.append(time.perf_counter() - t0)
            colours = {c.id: c.color for c in store.calendars()}
        finally:
            vault.close()
    layout_ms, draw_ms = _month_view(found, colours)
    return {"occurrences": len(found), "expand_ms": statistics.median(times) * 1e3, "layout_ms": layout_ms,
            "draw_ms": draw_ms}


def _month_view(found: list[Any], colours: dict[int, str]) -> tuple[float, float]:
    """The desktop's month view (offscreen) given those occurrences: laying out its chips, then
    drawing it (median of 5 each)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from datetime import date

    from PySide6.QtGui import QColor

    from desktop.app import application
    from desktop.calendar.views import MonthView

    application()
    view = MonthView()
    view.resize(1100, 700)
    view.set_month(date(2026, 3, 1))
    view.set_data(found, {cid: QColor(colour or "#000091") for cid, colour in colours.items()})
    layouts, draws = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        view.relayout()
        t1 = time.perf_counter()
        view.grab()
        t2 = time.perf_counter()
        layouts.append(t1 - t0)
        draws.append(t2 - t1)
    return statistics.median(layouts) * 1e3, statistics.median(draws) * 1e3


def run_all(quick: bool = False) -> dict[str, dict[str, float]]:
    return {"cal_sync": sync_figures(500 if quick else 5_000), "cal_month": month_figures(500)}


def print_section(r: dict[str, dict[str, float]], line: Line) -> None:
    s, m = r["cal_sync"], r["cal_month"]
    print(f"Agenda CalDAV : {int(s['events'])} événements")
    print(f"  parvis-server /dav/ (stockés : {int(s['parvis_stored'])}, erreurs : {int(s['parvis_errors'])})")
    print(line("première synchronisation", s["parvis_first_s"], "s", "", None))
    print(line("synchronisation sans changement (médiane de 3)", s["parvis_no_change_ms"], "ms", "≤ 300 ms",
               s["parvis_no_change_ms"] <= 300))
    print(line("  (démarrage, copie du stockage comprise)", s["parvis_start_s"], "s", "", None))
    print(f"  Radicale seul, pour comparaison (stockés : {int(s['stored'])}, erreurs : {int(s['errors'])})")
    print(line("première synchronisation", s["first_s"], "s", "", None))
    print(line("synchronisation sans changement (médiane de 3)", s["no_change_ms"], "ms", "", None))
    print(line("  (cache de Radicale réchauffé avant, non compté)", s["warm_s"], "s", "", None))
    print(f"Un mois de {int(m['occurrences'])} occurrences (récurrences comprises)")
    print(line("vue Mois : disposition + dessin", m["layout_ms"] + m["draw_ms"], "ms", "≤ 100 ms",
               m["layout_ms"] + m["draw_ms"] <= 100))
    print(line("  (avant : calcul des occurrences du mois)", m["expand_ms"], "ms", "", None))


def main() -> int:
    return standalone("python -m bench.calendar", run_all, print_section)


if __name__ == "__main__":
    raise SystemExit(main())
