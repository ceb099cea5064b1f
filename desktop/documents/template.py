"""The "Nouveau procès-verbal" template: the sections CGCT article L2121-15 requires of the
minutes of a municipal council (date, members present or represented, quorum, secretary of the
session, agenda, deliberations with their votes, signatures), as a Quill delta.

Pure data, no Qt: the calendar pre-fills it for a council session too.
"""

from __future__ import annotations

from datetime import date, time

from pycrdt import Text

Op = tuple[str, dict[str, object] | None]

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")
_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
GAP = "…"


def french_date(day: date) -> str:
    """'jeudi 12 mars 2026'."""
    return f"{_DAYS[day.weekday()]} {day.day if day.day > 1 else '1er'} {_MONTHS[day.month - 1]} {day.year}"


def minutes_title(day: date | None) -> str:
    return f"Procès-verbal du conseil municipal du {french_date(day)}" if day else \
        "Procès-verbal du conseil municipal"


def minutes(day: date | None = None, place: str | None = None, attendees: list[str] | None = None,
            hour: time | None = None) -> list[Op]:
    """The template's delta. Blanks the secretary fills in are '…'."""
    ops: list[Op] = []

    def para(text: str, block: dict[str, object] | None = None, **inline: object) -> None:
        if text:
            ops.append((text, dict(inline) or None))
        ops.append(("\n", block))

    def labelled(label: str, text: str, block: dict[str, object] | None = None) -> None:
        ops.append((label, {"bold": True}))
        para(text, block)

    def heading(text: str, level: int = 2) -> None:
        para(text, {"header": level})

    when = french_date(day) if day else GAP
    heading(minutes_title(day), 1)
    para(f"Séance du {when}", {"align": "center"}, italic=True)

    heading("Convocation, date et lieu")
    at = (f"{hour.hour} heures {hour.minute:02d}" if hour.minute else f"{hour.hour} heures") if hour else \
        f"{GAP} heures"
    para(f"L'an {day.year if day else GAP}, le {when}, à {at}, le conseil municipal de la commune de "
         f"{GAP}, légalement convoqué le {GAP}, s'est réuni en séance publique, {place or GAP}, "
         f"sous la présidence de {GAP}, maire.")

    heading("Membres présents et représentés")
    labelled("Présents : ", "" if attendees else GAP)
    for name in attendees or []:
        para(name, {"list": "bullet"})
    labelled("Représentés (pouvoirs) : ", f"{GAP} a donné pouvoir à {GAP}.")
    labelled("Absents excusés : ", GAP)
    labelled("Absents : ", GAP)

    heading("Quorum")
    para(f"Conseillers en exercice : {GAP} — présents : {GAP} — représentés : {GAP} — votants : {GAP}.")
    para("Le quorum étant atteint, le conseil municipal peut valablement délibérer.")

    heading("Secrétaire de séance")
    para(f"{GAP} est désigné(e) secrétaire de séance, conformément à l'article L2121-15 du code général "
         "des collectivités territoriales.")

    heading("Approbation du procès-verbal de la séance précédente")
    para(f"Le procès-verbal de la séance du {GAP} est approuvé à {GAP}.")

    heading("Ordre du jour")
    for _ in range(3):
        para(GAP, {"list": "ordered"})

    heading("Délibérations")
    heading(f"Délibération n° {GAP} — {GAP}", 3)
    labelled("Rapporteur : ", GAP)
    labelled("Exposé : ", GAP)
    labelled("Débats : ", GAP)
    labelled("Vote : ", f"pour {GAP} — contre {GAP} — abstentions {GAP}.")
    labelled("Décision : ", f"la délibération est adoptée à {GAP}.")

    heading("Questions diverses")
    para(GAP)

    heading("Clôture")
    para(f"L'ordre du jour étant épuisé, la séance est levée à {GAP} heures {GAP}.")

    heading("Signatures")
    para(f"Le maire, {GAP}\t\tLe ou la secrétaire de séance, {GAP}")
    para("Signature :\t\t\tSignature :")
    return ops


def insert_delta(body: Text, ops: list[Op], at: int = 0) -> None:
    """Insert `ops` into `body` at byte offset `at` (in the caller's transaction)."""
    pos = at
    for text, attrs in ops:
        # Explicit empty attributes: with none, Yjs would extend the formatting on the left.
        body.insert(pos, text, attrs or {})
        pos += len(text.encode("utf-8"))
