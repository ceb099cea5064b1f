"""The event editor: title, place, start and end (Europe/Paris), all-day, recurrence, a
reminder, attendees and notes; for an existing event, "Supprimer" and "Créer le procès-verbal".
It only gathers values: the page saves them through the operations worker. UI thread."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from PySide6.QtCore import QDateTime, QTimeZone, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from storage.calendar import Calendar

from .data import REMINDERS, REPEATS, Details
from .views import PARIS, colour_of, swatch

PARIS_QT = QTimeZone(b"Europe/Paris")


def to_qt(moment: datetime) -> QDateTime:
    moment = moment.astimezone(PARIS)
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), PARIS_QT)


def from_qt(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), PARIS)


class EventDialog(QDialog):
    """`deleteRequested` and `minutesRequested` close the dialog; the page acts on them."""

    deleteRequested = Signal()
    minutesRequested = Signal()
    keepRequested = Signal(bool)  # a conflict copy: True keeps this version, False the server's

    def __init__(self, d: Details, calendars: list[Calendar], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.details = d
        self.setWindowTitle(self.tr("Nouvel événement") if d.uid is None else self.tr("Modifier l'événement"))
        self.setMinimumWidth(520)
        self.summary = QLineEdit(d.summary)
        self.summary.setAccessibleName(self.tr("Titre"))
        self.summary.setPlaceholderText(self.tr("par exemple : Conseil municipal"))
        self.location = QLineEdit(d.location)
        self.location.setAccessibleName(self.tr("Lieu"))
        self.location.setPlaceholderText(self.tr("par exemple : salle du conseil, mairie"))
        self.calendar = QComboBox()
        self.calendar.setAccessibleName(self.tr("Agenda"))
        for n, cal in enumerate(calendars):
            self.calendar.addItem(swatch(colour_of(cal.color, n)), cal.name, cal.id)
            if cal.id == d.calendar:
                self.calendar.setCurrentIndex(self.calendar.count() - 1)
        self.calendar.setEnabled(d.uid is None)
        self.start = QDateTimeEdit(to_qt(d.start))
        self.end = QDateTimeEdit(to_qt(d.end))
        for edit, name in ((self.start, self.tr("Début")), (self.end, self.tr("Fin"))):
            edit.setTimeZone(PARIS_QT)
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
        self.all_day = QCheckBox(self.tr("Toute la journée"))
        self.all_day.toggled.connect(self._all_day)
        self.all_day.setChecked(d.all_day)
        self._all_day(d.all_day)
        self._length = d.end - d.start
        self.start.dateTimeChanged.connect(self._start_moved)
        zone = QLabel(self.tr("heure de Paris"))
        zone.setObjectName("hint")
        self.repeat = QComboBox()
        self.repeat.setAccessibleName(self.tr("Répétition"))
        for key, label in (("", self.tr("Ne se répète pas")), ("daily", self.tr("Tous les jours")),
                           ("weekly", self.tr("Toutes les semaines")), ("monthly", self.tr("Tous les mois")),
                           ("yearly", self.tr("Tous les ans"))):
            self.repeat.addItem(label, REPEATS[key])
        index = self.repeat.findData(d.rrule)
        if index < 0:  # a rule made elsewhere (BYDAY, COUNT…): kept as is unless changed
            self.repeat.addItem(self.tr("Personnalisée ({0})").format(d.rrule), d.rrule)
            index = self.repeat.count() - 1
        self.repeat.setCurrentIndex(index)
        self.reminder = QComboBox()
        self.reminder.setAccessibleName(self.tr("Rappel"))
        for minutes, label in zip(REMINDERS, (self.tr("Aucun rappel"), self.tr("15 minutes avant"),
                                              self.tr("1 heure avant"), self.tr("1 jour avant")), strict=True):
            self.reminder.addItem(label, minutes)
        index = self.reminder.findData(d.reminder)
        if index < 0:
            self.reminder.addItem(self.tr("{0} minutes avant").format(d.reminder), d.reminder)
            index = self.reminder.count() - 1
        self.reminder.setCurrentIndex(index)
        self.attendees = QLineEdit(", ".join(d.attendees))
        self.attendees.setAccessibleName(self.tr("Participants"))
        self.attendees.setPlaceholderText(self.tr("noms ou adresses, séparés par des virgules"))
        self.description = QPlainTextEdit(d.description)
        self.description.setAccessibleName(self.tr("Notes"))
        self.description.setFixedHeight(80)

        times = QHBoxLayout()
        times.addWidget(self.start)
        times.addWidget(QLabel("→"))
        times.addWidget(self.end)
        times.addWidget(zone)
        times.addStretch(1)
        form = QFormLayout()
        form.addRow(self.tr("Titre :"), self.summary)
        form.addRow(self.tr("Lieu :"), self.location)
        form.addRow(self.tr("Agenda :"), self.calendar)
        form.addRow(self.tr("Quand :"), times)
        form.addRow("", self.all_day)
        form.addRow(self.tr("Répétition :"), self.repeat)
        form.addRow(self.tr("Rappel :"), self.reminder)
        form.addRow(self.tr("Participants :"), self.attendees)
        form.addRow(self.tr("Notes :"), self.description)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Enregistrer"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.ok.setEnabled(bool(d.summary.strip()))
        self.summary.textChanged.connect(lambda text: self.ok.setEnabled(bool(text.strip())))
        self.minutes = QPushButton(self.tr("Ouvrir le procès-verbal") if d.document
                                   else self.tr("Créer le procès-verbal"))
        self.minutes.setAccessibleName(self.minutes.text())
        self.minutes.setVisible(d.uid is not None and d.state != "conflict")  # settle the conflict first
        self.minutes.clicked.connect(self._minutes)
        self.delete = QPushButton(self.tr("Supprimer"))
        self.delete.setVisible(d.uid is not None)
        self.delete.clicked.connect(self._delete)
        row = QHBoxLayout()
        row.addWidget(self.delete)
        row.addWidget(self.minutes)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        if d.state == "conflict":
            layout.addWidget(self._conflict_box(d))
        elif d.uid is not None and d.state == "pending":
            pending = QLabel(self.tr("Modification en attente d'envoi au serveur."))
            pending.setObjectName("hint")
            layout.addWidget(pending)
        layout.addLayout(form)
        layout.addLayout(row)

    def _conflict_box(self, d: Details) -> QWidget:
        """What a conflict copy is, the server's version beside it, and the two ways out."""
        text = self.tr("⚠ Cet événement a été modifié sur le serveur pendant que vous le modifiiez ici. "
                       "Votre version, ci-dessous, reste sur ce poste tant que vous n'avez pas choisi.")
        if d.theirs is not None:
            text += "<br>" + self.tr("Version du serveur : <b>{0}</b>, {1}").format(
                html.escape(d.theirs.summary), html.escape(self.when(d.theirs)))
            if d.theirs.location:
                text += html.escape(f" — {d.theirs.location}")
        warning = QLabel(text)
        warning.setObjectName("error")
        warning.setWordWrap(True)
        mine = QPushButton(self.tr("Garder ma version"))
        mine.setToolTip(self.tr("Votre version remplace celle du serveur (avec vos modifications de ce "
                                "formulaire)"))
        mine.clicked.connect(lambda: self._keep(True))
        theirs = QPushButton(self.tr("Garder celle du serveur"))
        theirs.setToolTip(self.tr("Votre version est supprimée"))
        theirs.clicked.connect(lambda: self._keep(False))
        row = QHBoxLayout()
        row.addWidget(mine)
        row.addWidget(theirs)
        row.addStretch(1)
        box = QWidget()
        box_layout = QVBoxLayout(box)
        box_layout.setContentsMargins(0, 0, 0, 6)
        box_layout.addWidget(warning)
        box_layout.addLayout(row)
        return box

    def when(self, d: Details) -> str:
        if d.all_day:
            last = d.end.date()
            first = d.start.date()
            return (self.tr("le {0}").format(first.strftime("%d/%m/%Y")) if last <= first else
                    self.tr("du {0} au {1}").format(first.strftime("%d/%m/%Y"), last.strftime("%d/%m/%Y")))
        return self.tr("le {0} de {1} à {2}").format(d.start.strftime("%d/%m/%Y"), d.start.strftime("%H:%M"),
                                                    d.end.strftime("%H:%M"))

    def _keep(self, mine: bool) -> None:
        self.keepRequested.emit(mine)
        self.done(QDialog.DialogCode.Rejected)

    def _all_day(self, on: bool) -> None:
        fmt = "dd/MM/yyyy" if on else "dd/MM/yyyy HH:mm"
        self.start.setDisplayFormat(fmt)
        self.end.setDisplayFormat(fmt)

    def _start_moved(self, value: QDateTime) -> None:
        """The end follows the start, keeping the length."""
        self.end.setDateTime(to_qt(from_qt(value) + self._length))

    def _delete(self) -> None:
        self.deleteRequested.emit()
        self.reject()

    def _minutes(self) -> None:
        self.minutesRequested.emit()
        self.reject()

    def accept(self) -> None:
        self._length = from_qt(self.end.dateTime()) - from_qt(self.start.dateTime())
        super().accept()

    def values(self) -> Details:
        start, end = from_qt(self.start.dateTime()), from_qt(self.end.dateTime())
        if self.all_day.isChecked():
            start = start.replace(hour=0, minute=0, second=0)
            end = end.replace(hour=0, minute=0, second=0)
        elif end <= start:
            end = start + timedelta(hours=1)
        return Details(uid=self.details.uid, calendar=int(self.calendar.currentData()),
                       summary=self.summary.text().strip(), location=self.location.text().strip(),
                       description=self.description.toPlainText().strip(), start=start, end=end,
                       all_day=self.all_day.isChecked(), rrule=str(self.repeat.currentData()),
                       reminder=int(self.reminder.currentData()),
                       attendees=[a.strip() for a in self.attendees.text().replace(";", ",").split(",") if a.strip()],
                       document=self.details.document, state=self.details.state)
