"""`parvis cal …` through the real CLI (a subprocess per command) against a real Radicale, with
a stock `caldav` client as the other side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.calservers import CalUser, Radicale
from tests.e2e.cli import Profile


def summaries(radicale: Radicale, user: CalUser, url: str) -> dict[str, str]:
    """UID → title of the events a stock client sees in the calendar at `url`."""
    client: Any = radicale.client(user)
    try:
        events = client.calendar(url=url).events()
        return {str(e.icalendar_component["UID"]): str(e.icalendar_component.get("SUMMARY")) for e in events}
    finally:
        client.close()


@pytest.fixture
def profile(tmp_path: Path, radicale: Radicale, cal_user: CalUser) -> Profile:
    me = Profile(tmp_path / "profil", cal_user.password)
    me.run("init")
    return me


def test_account_add_lists_calendars_and_refuses_a_wrong_password(profile: Profile, radicale: Radicale,
                                                                  cal_user: CalUser, tmp_path: Path) -> None:
    radicale.make_calendar(cal_user, "Travail", "#3366ff")
    radicale.make_calendar(cal_user, "Conseil")
    wrong = Profile(profile.folder, "pas le bon").run("cal", "account", "add", radicale.url, "--user", cal_user.name,
                                                      check=False)
    assert wrong.returncode == 1
    assert "refuse l'identifiant" in wrong.stderr and "rien n'a été enregistré" in wrong.stderr
    assert "Aucun agenda" in profile.run("cal", "calendars").stdout

    down = profile.run("cal", "account", "add", "http://127.0.0.1:9/", "--user", cal_user.name, check=False)
    assert down.returncode == 2 and "injoignable" in down.stderr

    out = profile.run("cal", "account", "add", radicale.url, "--user", cal_user.name).stdout
    assert "« Travail »" in out and "« Conseil »" in out
    listed = json.loads(profile.run("cal", "calendars", "--json").stdout)
    assert {(c["name"], c["color"]) for c in listed} == {("Travail", "#3366ff"), ("Conseil", "")}
    assert "Travail  #3366ff" in profile.run("cal", "calendars").stdout


def test_offline_add_edit_delete_then_sync(profile: Profile, radicale: Radicale, cal_user: CalUser) -> None:
    url = radicale.make_calendar(cal_user, "Travail", "#3366ff")
    profile.run("cal", "account", "add", radicale.url, "--user", cal_user.name)

    out = profile.run("cal", "add", "--calendar", "travail", "--title", "Conseil municipal",
                      "--start", "2026-12-03T18:00", "--end", "2026-12-03T20:00", "--location", "Salle du conseil")
    uid = out.stdout.strip().splitlines()[-1]
    weekly = profile.run("cal", "add", "--title", "Permanence", "--start", "2026-03-23T09:00+01:00",
                         "--end", "2026-03-23T10:00+01:00", "--rrule", "FREQ=WEEKLY;COUNT=3").stdout.split()[-1]
    listing = profile.run("cal", "list", "--from", "2026-12-03", "--to", "2026-12-03").stdout
    assert f"2026-12-03 18:00–20:00  Conseil municipal  @ Salle du conseil  (Travail)  [en attente]  {uid}" in listing
    # Across the DST change of 29 March 2026: still 09:00 in Paris.
    permanence = json.loads(profile.run("cal", "list", "--from", "2026-03-20", "--to", "2026-04-10", "--json").stdout)
    assert [o["start"] for o in permanence] == ["2026-03-23T09:00:00+01:00", "2026-03-30T09:00:00+02:00",
                                                "2026-04-06T09:00:00+02:00"]
    assert all(o["recurring"] and o["uid"] == weekly for o in permanence)

    sync = profile.run("sync")
    assert "2 envoyé(s)" in sync.stdout
    assert summaries(radicale, cal_user, url) == {uid: "Conseil municipal", weekly: "Permanence"}
    assert "en attente" not in profile.run("cal", "list", "--from", "2026-12-01", "--to", "2026-12-31").stdout

    profile.run("cal", "edit", uid, "--title", "Conseil municipal (reporté)", "--start", "2026-12-10T18:00")
    edited = json.loads(profile.run("cal", "list", "--from", "2026-12-01", "--to", "2026-12-31", "--json").stdout)
    assert [(o["summary"], o["start"], o["end"], o["state"]) for o in edited] == [
        ("Conseil municipal (reporté)", "2026-12-10T18:00:00+01:00", "2026-12-10T20:00:00+01:00", "pending")]
    profile.run("cal", "delete", weekly)
    profile.run("sync")
    assert summaries(radicale, cal_user, url) == {uid: "Conseil municipal (reporté)"}

    missing = profile.run("cal", "edit", "nope", "--title", "x", check=False)
    assert missing.returncode == 1 and "Événement introuvable" in missing.stderr
    bad = profile.run("cal", "add", "--title", "x", "--start", "demain", "--end", "2026-12-03", check=False)
    assert bad.returncode == 1 and "Début invalide" in bad.stderr


def test_import_export_round_trip(profile: Profile, radicale: Radicale, cal_user: CalUser, tmp_path: Path) -> None:
    radicale.make_calendar(cal_user, "Travail")
    other = radicale.make_calendar(cal_user, "Archives")
    profile.run("cal", "account", "add", radicale.url, "--user", cal_user.name)
    source = tmp_path / "in.ics"
    source.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//FR\r\n"
        "BEGIN:VEVENT\r\nUID:a@test\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Commission voirie\r\n"
        "DTSTART;TZID=Europe/Paris:20260615T140000\r\nDTEND;TZID=Europe/Paris:20260615T160000\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:b@test\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Fête de la musique\r\n"
        "DTSTART;VALUE=DATE:20260621\r\nDTEND;VALUE=DATE:20260622\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n", encoding="utf-8")
    out = profile.run("cal", "import", str(source), "--calendar", "Archives").stdout
    assert "2 événement(s) importé(s) dans « Archives »" in out
    listing = profile.run("cal", "list", "--from", "2026-06-01", "--to", "2026-06-30").stdout.splitlines()
    assert listing[0].startswith("2026-06-15 14:00–16:00  Commission voirie  (Archives)  [en attente]")
    assert listing[1].startswith("2026-06-21 (journée)  Fête de la musique  (Archives)")
    profile.run("sync")
    assert summaries(radicale, cal_user, other) == {"a@test": "Commission voirie", "b@test": "Fête de la musique"}

    broken = tmp_path / "abime.ics"
    broken.write_text(source.read_text(encoding="utf-8").replace("END:VCALENDAR", ""), encoding="utf-8")
    refused = profile.run("cal", "import", str(broken), "--calendar", "Archives", check=False)
    assert refused.returncode == 1 and refused.stderr.strip()
    assert len(json.loads(profile.run("cal", "list", "--from", "2026-06-01", "--to", "2026-06-30",
                                      "--json").stdout)) == 2  # nothing of it stored

    exported = tmp_path / "out.ics"
    assert "2 événement(s) exporté(s)" in profile.run("cal", "export", str(exported), "--calendar", "Archives").stdout
    assert exported.read_text(encoding="utf-8").count("BEGIN:VEVENT") == 2

    second = Profile(tmp_path / "second", "")
    second.run("init")
    fresh = radicale.add_user()
    fresh_url = radicale.make_calendar(fresh, "Agenda")
    Profile(second.folder, fresh.password).run("cal", "account", "add", radicale.url, "--user", fresh.name)
    second.run("cal", "import", str(exported))
    second.run("sync")
    assert summaries(radicale, fresh, fresh_url) == {"a@test": "Commission voirie", "b@test": "Fête de la musique"}
    again = json.loads(second.run("cal", "list", "--from", "2026-06-01", "--to", "2026-06-30", "--json").stdout)
    assert [(o["summary"], o["start"], o["all_day"], o["state"]) for o in again] == [
        ("Commission voirie", "2026-06-15T14:00:00+02:00", False, "synced"),
        ("Fête de la musique", "2026-06-21T00:00:00+02:00", True, "synced")]


def test_conflict_told_by_sync_and_resolved(profile: Profile, radicale: Radicale, cal_user: CalUser) -> None:
    url = radicale.make_calendar(cal_user, "Travail")
    client: Any = radicale.client(cal_user)
    try:
        calendar = client.calendar(url=url)
        calendar.add_event("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//FR\r\nBEGIN:VEVENT\r\nUID:c@test\r\n"
                           "DTSTAMP:20260101T000000Z\r\nSUMMARY:Conseil d'école\r\n"
                           "DTSTART;TZID=Europe/Paris:20260615T180000\r\nDTEND;TZID=Europe/Paris:20260615T200000\r\n"
                           "END:VEVENT\r\nEND:VCALENDAR\r\n")
        profile.run("cal", "account", "add", radicale.url, "--user", cal_user.name)
        profile.run("sync")
        profile.run("cal", "edit", "c@test", "--title", "Conseil d'école (ici)")
        theirs = calendar.event_by_uid("c@test")
        theirs.icalendar_component.pop("SUMMARY")
        theirs.icalendar_component.add("SUMMARY", "Conseil d'école (là-bas)")
        theirs.save()
    finally:
        client.close()
    told = profile.run("sync")
    assert "1 conflit(s)" in told.stdout and "les deux versions sont gardées" in told.stderr
    listed = json.loads(profile.run("cal", "list", "--from", "2026-06-15", "--to", "2026-06-15", "--json").stdout)
    [copy] = [o for o in listed if o["state"] == "conflict"]
    assert copy["summary"] == "Conseil d'école (ici)"
    assert "n'est pas une copie en conflit" in profile.run("cal", "resolve", "c@test", "mine", check=False).stderr
    assert "remplace celle du serveur" in profile.run("cal", "resolve", copy["uid"], "mine").stdout
    profile.run("sync")
    assert summaries(radicale, cal_user, url) == {"c@test": "Conseil d'école (ici)"}
