"""The Agenda module: the calendars (toggles in their colours), "Aujourd'hui" and ‹ › navigation
and the Jour / Semaine / Mois switch on the left; the view on the right.

Everything reads and writes the encrypted store through the operations worker: an event made or
changed here is stored at once as pending and the sync bridge sends it. The UI never talks to a
CalDAV server. UI thread.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
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

from ..documents.actions import Identity
from ..ops import Changes, Context, Ops
from ..syncbridge import SyncBridge
from . import data
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
        self.no_calendar = QLabel(self.tr("Aucun agenda pour l'instant. Ajoutez un compte CalDAV, par exemple "
                                          "avec « parvis cal account add », puis synchronisez."))
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
        left_layout.addStretch(1)

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
        else:
            menu.addAction(self.tr("Modifier…"), lambda: self.edit_event(occ))
            menu.addAction(self.tr("Créer le procès-verbal"), lambda: self.create_minutes(occ.uid))
            menu.addSeparator()
            menu.addAction(self.tr("Supprimer"), lambda: self.delete(occ.uid, occ.summary))
        menu.popup(where)
        self._last_menu = menu


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
