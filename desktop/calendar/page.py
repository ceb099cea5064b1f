"""The Agenda module: the calendars (toggles in their colours), "Aujourd'hui" and ‹ › navigation
and the Jour / Semaine / Mois switch on the left; the view on the right.

Everything reads and writes the encrypted store through the operations worker: an event made or
changed here is stored at once as pending and the sync bridge sends it. The UI never talks to a
CalDAV server. UI thread.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from storage.cal_ical import Occurrence
from storage.calendar import Calendar, CalendarStore, Reminder, reminders
from storage.errors import ParvisError
from sync import account as accounts

from ..account_dialog import policy_ca_file
from ..documents.actions import Identity
from ..ops import Changes, Context, Ops
from ..syncbridge import SyncBridge
from . import data
from .account import CalAccountDialog
from .editor import EventDialog
from .views import PARIS, MonthView, WeekView, colour_of, swatch

EVENTS = Changes(outbox=True)
MINUTES = Changes(documents=True, outbox=True)


REMINDER_CHECK_MS = 30_000


class CalendarPage(QWidget):
    """Emits `message(text)` for the status bar and `openDocument(id)` for the Documents module."""

    message = Signal(str)
    openDocument = Signal(str)
    loaded = Signal()  # a period's events are shown (tests wait for it)
    notify = Signal(str, str)  # a reminder is due: title, text

    def __init__(self, ops: Ops, bridge: SyncBridge, identity: Identity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.bridge = bridge
        self.identity = identity
        # Reminders come from the store alone (they ring offline too): every half minute, those
        # due since the last look.
        self._reminded_until = datetime.now(PARIS) - timedelta(minutes=1)
        self._reminder_timer = QTimer(self, interval=REMINDER_CHECK_MS)
        self._reminder_timer.timeout.connect(self.check_reminders)
        self._reminder_timer.start()
        self.mode = "month"
        self.anchor = datetime.now(PARIS).date()
        self.calendars: list[Calendar] = []
        self.colours: dict[int, QColor] = {}
        self.occurrences: list[Occurrence] = []
        self.dialog: EventDialog | None = None
        self._generation = 0
        self._stale = True
        self.months = [self.tr("janvier"), self.tr("février"), self.tr("mars"), self.tr("avril"), self.tr("mai"),
                       self.tr("juin"), self.tr("juillet"), self.tr("août"), self.tr("septembre"),
                       self.tr("octobre"), self.tr("novembre"), self.tr("décembre")]
        self.weekdays = [self.tr("lundi"), self.tr("mardi"), self.tr("mercredi"), self.tr("jeudi"),
                         self.tr("vendredi"), self.tr("samedi"), self.tr("dimanche")]

        title = QLabel(self.tr("<b>Agenda</b>"))
        self.new = QPushButton(self.tr("Nouvel événement"))
        self.new.setToolTip(self.tr("Nouvel événement (Ctrl+N)"))
        self.new.clicked.connect(lambda: self.new_event())
        self.today = QPushButton(self.tr("Aujourd'hui"))
        self.today.setToolTip(self.tr("Revenir à aujourd'hui"))
        self.today.clicked.connect(self.go_today)
        self.previous = QPushButton("‹")
        self.previous.setAccessibleName(self.tr("Période précédente"))
        self.previous.setToolTip(self.tr("Période précédente (Page préc.)"))
        self.previous.clicked.connect(lambda: self.step(-1))
        self.next = QPushButton("›")
        self.next.setAccessibleName(self.tr("Période suivante"))
        self.next.setToolTip(self.tr("Période suivante (Page suiv.)"))
        self.next.clicked.connect(lambda: self.step(1))
        for button in (self.previous, self.next):
            button.setFixedWidth(36)
        nav = QHBoxLayout()
        nav.addWidget(self.today, 1)
        nav.addWidget(self.previous)
        nav.addWidget(self.next)
        self.modes = QButtonGroup(self)
        switch = QHBoxLayout()
        switch.setSpacing(0)
        self.mode_buttons: dict[str, QPushButton] = {}
        for key, label in (("day", self.tr("Jour")), ("week", self.tr("Semaine")), ("month", self.tr("Mois"))):
            button = QPushButton(label)
            button.setCheckable(True)
            button.setObjectName("modeButton")
            button.clicked.connect(lambda _=False, k=key: self.set_mode(k))
            self.modes.addButton(button)
            self.mode_buttons[key] = button
            switch.addWidget(button)
        self.mode_buttons[self.mode].setChecked(True)
        heading = QLabel(self.tr("Agendas"))
        heading.setObjectName("hint")
        self.toggles_box = QVBoxLayout()
        self.toggles_box.setSpacing(6)
        self.toggles: dict[int, QCheckBox] = {}
        self.no_calendar = QLabel(self.tr("Aucun agenda pour l'instant : ajoutez le compte d'agenda de votre "
                                          "collectivité (CalDAV)."))
        self.no_calendar.setObjectName("hint")
        self.no_calendar.setWordWrap(True)
        left = QWidget()
        left.setObjectName("calendarSide")
        left.setStyleSheet("QPushButton#modeButton { border-radius: 0; padding: 6px 8px; }"
                           "QPushButton#modeButton:checked { background: #000091; color: #ffffff; }")
        left.setFixedWidth(230)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 8, 8)
        left_layout.setSpacing(10)
        left_layout.addWidget(title)
        left_layout.addWidget(self.new)
        left_layout.addLayout(nav)
        left_layout.addLayout(switch)
        left_layout.addSpacing(8)
        left_layout.addWidget(heading)
        left_layout.addLayout(self.toggles_box)
        left_layout.addWidget(self.no_calendar)
        self.add_account_button = QPushButton(self.tr("Ajouter un agenda…"))
        self.add_account_button.setToolTip(self.tr("Ajouter un compte d'agenda (CalDAV) : celui du serveur Parvis "
                                                   "ou un autre"))
        self.add_account_button.clicked.connect(lambda: self.add_account())
        left_layout.addWidget(self.add_account_button)
        left_layout.addStretch(1)
        self.import_button = QPushButton(self.tr("Importer un fichier .ics…"))
        self.import_button.setToolTip(self.tr("Importer les événements d'un fichier iCalendar (.ics)"))
        self.import_button.clicked.connect(lambda: self.import_ics())
        self.export_button = QPushButton(self.tr("Exporter en .ics…"))
        self.export_button.setToolTip(self.tr("Enregistrer les événements de vos agendas dans un fichier .ics"))
        self.export_button.clicked.connect(lambda: self.export_ics())
        left_layout.addWidget(self.import_button)
        left_layout.addWidget(self.export_button)
        for button in (self.new, self.import_button, self.export_button):
            button.setEnabled(False)  # until a calendar is known

        self.period = QLabel()
        self.period.setObjectName("calendarPeriod")
        self.period.setStyleSheet("font-size: 15pt; color: #161616; padding: 4px 2px;")
        self.month = MonthView()
        self.week = WeekView(7)
        self.day = WeekView(1)
        self.stack = QStackedWidget()
        for view in (self.day, self.week, self.month):
            self.stack.addWidget(view)
        for painted in (self.month, *self.week.parts(), *self.day.parts()):
            painted.activated.connect(self.edit_event)
            painted.createAt.connect(self.new_event)
            painted.menuAt.connect(self._menu)
            painted.moved.connect(self.move_event)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 8, 8, 0)
        right_layout.addWidget(self.period)
        right_layout.addWidget(self.stack, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(left)
        layout.addWidget(right, 1)

        for keys, slot in (("Ctrl+N", lambda: self.new_event()), ("Delete", self.delete_selected),
                           ("PgUp", lambda: self.step(-1)), ("PgDown", lambda: self.step(1)),
                           ("Ctrl+T", self.go_today)):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
        bridge.roundDone.connect(self.refresh)
        bridge.calAccountChecked.connect(self._account_checked)
        self.account_dialog: CalAccountDialog | None = None
        self._show_period()

    # -- period and loading ----------------------------------------------------------------

    def span(self) -> tuple[date, date]:
        """The first and the day after the last day shown."""
        if self.mode == "month":
            first = self.anchor.replace(day=1)
            start = first - timedelta(days=first.weekday())
            return start, start + timedelta(days=42)
        if self.mode == "week":
            start = self.anchor - timedelta(days=self.anchor.weekday())
            return start, start + timedelta(days=7)
        return self.anchor, self.anchor + timedelta(days=1)

    def _show_period(self) -> None:
        start, end = self.span()
        if self.mode == "month":
            text = f"{self.months[self.anchor.month - 1].capitalize()} {self.anchor.year}"
            self.month.set_month(self.anchor)
            self.stack.setCurrentWidget(self.month)
        elif self.mode == "week":
            last = end - timedelta(days=1)
            if start.month == last.month:
                text = self.tr("Semaine du {0} au {1} {2} {3}").format(start.day, last.day,
                                                                       self.months[last.month - 1], last.year)
            else:
                text = self.tr("Semaine du {0} {1} au {2} {3} {4}").format(
                    start.day, self.months[start.month - 1], last.day, self.months[last.month - 1], last.year)
            self.week.set_start(start)
            self.stack.setCurrentWidget(self.week)
        else:
            text = (f"{self.weekdays[start.weekday()].capitalize()} {start.day} {self.months[start.month - 1]} "
                    f"{start.year}")
            self.day.set_start(start)
            self.stack.setCurrentWidget(self.day)
        self.period.setText(text)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.mode_buttons[mode].setChecked(True)
        self._show_period()
        self.refresh()

    def step(self, direction: int) -> None:
        if self.mode == "month":
            month = self.anchor.month - 1 + direction
            self.anchor = date(self.anchor.year + month // 12, month % 12 + 1, 1)
        else:
            self.anchor += timedelta(days=direction * (7 if self.mode == "week" else 1))
        self._show_period()
        self.refresh()

    def go_today(self) -> None:
        self.anchor = datetime.now(PARIS).date()
        self._show_period()
        self.refresh()

    def go_to(self, day: date, mode: str | None = None) -> None:
        self.anchor = day
        if mode is not None:
            self.mode = mode
            self.mode_buttons[mode].setChecked(True)
        self._show_period()
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Read the period's events again (at once if shown, else when next shown)."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        self._generation += 1
        generation = self._generation
        start, end = self.span()
        self.ops.run(lambda ctx: data.load(ctx, start, end), on_done=lambda got: self._loaded(generation, got),
                     on_error=self._error)

    def _loaded(self, generation: int, got: data.Loaded) -> None:
        if generation != self._generation:
            return  # an older period's answer
        self._show_calendars(got.calendars)
        self.occurrences = got.occurrences
        view = self.stack.currentWidget()
        if isinstance(view, MonthView | WeekView):
            view.set_data(got.occurrences, self.colours)
        self.loaded.emit()

    def _show_calendars(self, calendars: list[Calendar]) -> None:
        self.calendars = calendars
        self.colours = {c.id: colour_of(c.color, n) for n, c in enumerate(calendars)}
        shown = [(c.id, c.name, c.color) for c in calendars]
        if shown != getattr(self, "_shown_calendars", None):
            self._shown_calendars = shown
            for box in self.toggles.values():
                box.deleteLater()
            self.toggles = {}
            for cal in calendars:
                box = QCheckBox(cal.name)
                box.setIcon(swatch(self.colours[cal.id]))
                box.setAccessibleName(self.tr("Afficher l'agenda {0}").format(cal.name))
                box.toggled.connect(lambda on, cid=cal.id: self.set_enabled(cid, on))
                self.toggles_box.addWidget(box)
                self.toggles[cal.id] = box
        for cal in calendars:
            box = self.toggles[cal.id]
            box.blockSignals(True)
            box.setChecked(cal.enabled)
            box.blockSignals(False)
        self.no_calendar.setVisible(not calendars)
        self.new.setEnabled(bool(calendars))
        self.import_button.setEnabled(bool(calendars))
        self.export_button.setEnabled(bool(calendars))

    def set_enabled(self, calendar_id: int, on: bool) -> None:
        def toggle(ctx: Context) -> None:
            CalendarStore(ctx.conn).set_enabled(calendar_id, on)

        self.ops.run(toggle, on_done=lambda _: self.refresh(), on_error=self._error)

    def _error(self, error: ParvisError) -> None:
        QMessageBox.warning(self, self.tr("Agenda"), str(error))

    # -- events ----------------------------------------------------------------------------

    def selected(self) -> Occurrence | None:
        view = self.stack.currentWidget()
        if isinstance(view, MonthView):
            return view.current
        if isinstance(view, WeekView):
            return view.grid.current or view.header.current
        return None

    def new_event(self, at: datetime | None = None, all_day: bool = False) -> None:
        enabled = [c for c in self.calendars if c.enabled] or self.calendars
        if not enabled:
            self.message.emit(self.tr("Aucun agenda : ajoutez d'abord un compte CalDAV."))
            return
        if at is None:
            now = datetime.now(PARIS)
            day = self.anchor if self.mode != "week" or self.span()[0] <= now.date() < self.span()[1] else \
                self.span()[0]
            hour = now.hour + 1 if day == now.date() and now.hour < 22 else 9
            at = datetime.combine(now.date() if day == now.date() else day, time(hour), PARIS)
        self._open_dialog(data.Details(uid=None, calendar=enabled[0].id, start=at,
                                       end=at + (timedelta(0) if all_day else timedelta(hours=1)), all_day=all_day))

    def edit_event(self, occ: Occurrence) -> None:
        self.ops.run(lambda ctx: data.details(ctx, occ.uid), on_done=self._open_dialog, on_error=self._error)

    def _open_dialog(self, d: data.Details) -> None:
        if self.dialog is not None:
            self.dialog.close()
        dialog = self.dialog = EventDialog(d, self.calendars, self)
        dialog.accepted.connect(lambda: self.save(dialog.values()))
        dialog.deleteRequested.connect(lambda: self.delete(d.uid or "", d.summary))
        dialog.minutesRequested.connect(lambda: self._minutes_from(dialog))
        dialog.keepRequested.connect(lambda mine: self.keep(dialog.values() if mine else d, mine))
        dialog.finished.connect(lambda _: self._dialog_closed(dialog))
        dialog.open()

    def _dialog_closed(self, dialog: EventDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def save(self, d: data.Details) -> None:
        def saved(uid: str) -> None:
            self.bridge.sync_now()
            self.message.emit(self.tr("« {0} » est enregistré ; il partira à la prochaine synchronisation.")
                              .format(d.summary))
            self.refresh()

        self.ops.run(lambda ctx: data.save(ctx, d), on_done=saved, on_error=self._error, changes=EVENTS)

    def delete_selected(self) -> None:
        occ = self.selected()
        if occ is not None:
            self.delete(occ.uid, occ.summary)

    def delete(self, uid: str, summary: str) -> None:
        answer = QMessageBox.question(self, self.tr("Supprimer l'événement"),
                                      self.tr("Supprimer « {0} » ? S'il se répète, toute la série est supprimée.")
                                      .format(summary))
        if answer != QMessageBox.StandardButton.Yes:
            return

        def deleted(_: None) -> None:
            self.bridge.sync_now()
            self.refresh()

        self.ops.run(lambda ctx: data.delete(ctx, uid), on_done=deleted, on_error=self._error, changes=EVENTS)

    def _minutes_from(self, dialog: EventDialog) -> None:
        """The editor's button: its changes are saved first, then the minutes are made."""
        d = dialog.values()
        if d.summary and d.uid is not None:
            self.save(d)
            self.create_minutes(d.uid)

    def create_minutes(self, uid: str) -> None:
        def made(doc_id: str) -> None:
            self.bridge.sync_now()
            self.refresh()
            self.openDocument.emit(doc_id)

        self.ops.run(lambda ctx: data.create_minutes(ctx, uid), on_done=made, on_error=self._error, changes=MINUTES)

    def _menu(self, occ: Occurrence | None, where: QPoint) -> None:
        menu = QMenu(self)
        if occ is None:
            menu.addAction(self.tr("Nouvel événement"), lambda: self.new_event())
        elif occ.state == "conflict":
            menu.addAction(self.tr("Comparer avec la version du serveur…"), lambda: self.edit_event(occ))
            menu.addAction(self.tr("Garder ma version"), lambda: self.keep(occ.uid, True))
            menu.addAction(self.tr("Garder celle du serveur"), lambda: self.keep(occ.uid, False))
        else:
            menu.addAction(self.tr("Modifier…"), lambda: self.edit_event(occ))
            menu.addAction(self.tr("Créer le procès-verbal"), lambda: self.create_minutes(occ.uid))
            menu.addSeparator()
            menu.addAction(self.tr("Supprimer"), lambda: self.delete(occ.uid, occ.summary))
        menu.popup(where)
        self._last_menu = menu


    def keep(self, what: data.Details | str, mine: bool) -> None:
        """Settle a conflict copy (given by its uid, or as the editor's values, saved first)."""
        def settle(ctx: Context) -> None:
            if isinstance(what, data.Details):
                if mine:
                    data.save(ctx, what)
                data.keep(ctx, what.uid or "", mine)
            else:
                data.keep(ctx, what, mine)

        def settled(_: None) -> None:
            self.bridge.sync_now()
            self.message.emit(self.tr("Conflit réglé : votre version part au serveur.") if mine else
                              self.tr("Conflit réglé : la version du serveur est gardée."))
            self.refresh()

        self.ops.run(settle, on_done=settled, on_error=self._error, changes=EVENTS)

    # -- accounts and files ------------------------------------------------------------------

    def add_account(self) -> CalAccountDialog:
        """The CalDAV account dialog, filled with the Parvis server's own agenda when there is one."""
        dialog = CalAccountDialog("", self.identity.user or "", policy_ca_file(), self)
        dialog.check.connect(self.bridge.add_cal_account)
        self.account_dialog = dialog
        self.ops.run(lambda ctx: accounts.current(ctx.conn), on_done=lambda a: self._suggest(dialog, a))
        dialog.open()
        return dialog

    def _suggest(self, dialog: CalAccountDialog, account: Any) -> None:
        if account is not None and not dialog.url.text():
            dialog.url.setText(account.server_url.rstrip("/") + "/dav/")
            dialog.ca_file.setText(dialog.ca_file.text() or account.ca_file or "")
            dialog.password.setFocus()

    def _account_checked(self, account_id: int, error: str) -> None:
        dialog = self.account_dialog
        if dialog is None or not dialog.answer(error):
            return
        self.account_dialog = None
        self.message.emit(self.tr("Compte d'agenda ajouté : ses événements arrivent."))
        self.refresh()

    def import_ics(self, path: str | None = None, calendar: int | None = None) -> None:
        """Import an .ics file into a calendar (asked when there are several)."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("Importer des événements"), "",
                                                  self.tr("Agendas iCalendar (*.ics);;Tous les fichiers (*)"))
            if not path:
                return
        if calendar is None:
            writable = [c for c in self.calendars if c.enabled] or self.calendars
            if not writable:
                return
            calendar = writable[0].id
            if len(writable) > 1:
                names = [c.name for c in writable]
                name, ok = QInputDialog.getItem(self, self.tr("Importer des événements"),
                                                self.tr("Dans quel agenda ?"), names, 0, False)
                if not ok:
                    return
                calendar = writable[names.index(name)].id
        chosen = calendar

        def imported(count: int) -> None:
            self.bridge.sync_now()
            self.message.emit(self.tr("{0} événement(s) importé(s) ; ils partiront à la prochaine "
                                      "synchronisation.").format(count))
            self.refresh()

        self.ops.run(lambda ctx: data.import_file(ctx, chosen, path), on_done=imported, on_error=self._error,
                     changes=EVENTS)

    def export_ics(self, path: str | None = None) -> None:
        """Write the events of every calendar to an .ics file."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Exporter les agendas"), self.tr("agendas.ics"),
                                                  self.tr("Agendas iCalendar (*.ics)"))
            if not path:
                return
            if not path.lower().endswith(".ics"):
                path += ".ics"
        target = path
        self.ops.run(lambda ctx: data.export_file(ctx, target),
                     on_done=lambda count: self.message.emit(
                         self.tr("{0} événement(s) exporté(s) vers {1}.").format(count, target)),
                     on_error=self._error)

    def move_event(self, occ: Occurrence, start: date | datetime, end: date | datetime) -> None:
        """An event dropped at a new time or day (or resized) in a view: a series asks whether
        this occurrence alone moves (an overriding instance) or the whole series."""
        if occ.state == "conflict":  # never sent: its move would be lost when the conflict is settled
            self.message.emit(self.tr("« {0} » est une copie en conflit : choisissez d'abord la version à garder "
                                      "(clic droit), puis déplacez-la.").format(occ.summary))
            return
        whole = False
        if occ.recurring:
            box = QMessageBox(QMessageBox.Icon.Question, self.tr("Déplacer un événement répété"),
                              self.tr("« {0} » se répète. Déplacer seulement cette occurrence, ou toute la série ?")
                              .format(occ.summary), parent=self)
            this = box.addButton(self.tr("Cette occurrence"), QMessageBox.ButtonRole.AcceptRole)
            series = box.addButton(self.tr("Toute la série"), QMessageBox.ButtonRole.AcceptRole)
            box.addButton(self.tr("Annuler"), QMessageBox.ButtonRole.RejectRole)
            box.setDefaultButton(this)
            box.exec()
            if box.clickedButton() not in (this, series):
                return
            whole = box.clickedButton() is series
        original = occ.recurrence_id or occ.start

        def moved(_: object) -> None:
            self.bridge.sync_now()
            self.message.emit(self.tr("« {0} » est déplacé ; le changement partira à la prochaine synchronisation.")
                              .format(occ.summary))
            self.refresh()

        self.ops.run(lambda ctx: CalendarStore(ctx.conn).move(occ.uid, original, start, end, whole), on_done=moved,
                     on_error=self._error, changes=EVENTS)

    # -- reminders ---------------------------------------------------------------------------

    def check_reminders(self) -> None:
        """Notify the reminders due since the last look (a desktop notification each)."""
        since, until = self._reminded_until, datetime.now(PARIS)
        self._reminded_until = until
        self.ops.run(lambda ctx: reminders(ctx.conn, since, until), on_done=self._ring)

    def _ring(self, due: list[Reminder]) -> None:
        for r in due:
            when = r.start.astimezone(PARIS)
            text = self.tr("Le {0} à {1}").format(when.strftime("%d/%m"), when.strftime("%H:%M"))
            self.notify.emit(r.summary, text + (f" — {r.location}" if r.location else ""))
