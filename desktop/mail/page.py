"""The Messagerie module: accounts and folders on the left (unread counts, the Boîte d'envoi),
the message list in the middle (threads, search, sort), the reader on the right.

Everything reads the encrypted store through the operations worker; actions (read, flag,
move, delete, send) are stored at once and queued, so they work offline and leave with the
next sync. The UI never talks to a mail server: the sync thread does. UI thread only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from storage import mail_compose, mail_outgoing
from storage.errors import ParvisError
from storage.mail import MailStore
from storage.mail_outgoing import STATE_LABELS

from ..account_dialog import policy_ca_file
from ..documents.actions import Identity
from ..files import OpenedFiles
from ..ops import Changes, Context, Ops
from ..syncbridge import SyncBridge
from .account import AccountDialog
from .composer import ComposeWindow
from .reader import Reader

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SUBJECT_ROLE = Qt.ItemDataRole.UserRole + 2
OUTBOX = -1  # the folder id of an account's Boîte d'envoi in the tree
SPECIAL_ORDER = ("inbox", "drafts", "sent", "archive", "junk", "trash")


@dataclass(frozen=True)
class Tree:
    accounts: list[Any]
    folders: dict[int, list[Any]]
    outgoing: dict[int, int] = field(default_factory=dict)


def load_tree(ctx: Context) -> Tree:
    store = MailStore(ctx.conn)
    accounts = store.accounts()
    folders = {a.id: store.folders(a.id) for a in accounts}
    outgoing: dict[int, int] = {}
    for item in mail_outgoing.outgoing(ctx.conn):
        outgoing[item.account] = outgoing.get(item.account, 0) + 1
    return Tree(accounts, folders, outgoing)


class MailPage(QWidget):
    """Emits `message(text)` for the status bar and `notify(title, text)` for new mail."""

    message = Signal(str)
    notify = Signal(str, str)

    def __init__(self, ops: Ops, bridge: SyncBridge, identity: Identity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.bridge = bridge
        self.folder: int | None = None
        self.account: int | None = None
        self.inbox_unread: dict[int, int] | None = None
        self.composers: list[ComposeWindow] = []
        self._asked: set[int] = set()
        self.opened = OpenedFiles()

        self.tree = QTreeWidget()
        self.tree.setObjectName("folders")
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName(self.tr("Dossiers de messagerie"))
        self.tree.currentItemChanged.connect(lambda *_: self._folder_chosen())
        new = QPushButton(self.tr("Nouveau message"))
        new.setToolTip(self.tr("Nouveau message (Ctrl+N)"))
        new.clicked.connect(self.compose)
        add = QPushButton(self.tr("Ajouter un compte…"))
        add.setAccessibleName(self.tr("Ajouter un compte de messagerie"))
        add.clicked.connect(self.add_account)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(new)
        left_layout.addWidget(self.tree, 1)
        left_layout.addWidget(add)

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Rechercher dans le dossier… (Ctrl+F)"))
        self.search.setAccessibleName(self.tr("Rechercher dans les messages"))
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self.load_list)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        self.sort = QComboBox()
        self.sort.setAccessibleName(self.tr("Trier par"))
        for key, label in (("date", self.tr("Date")), ("sender", self.tr("Expéditeur")), ("subject", self.tr("Objet"))):
            self.sort.addItem(label, key)
        self.sort.currentIndexChanged.connect(lambda _: self.load_list())
        self.model = QStandardItemModel(0, 1, self)
        self.list = QTreeView()
        self.list.setObjectName("messages")
        self.list.setAccessibleName(self.tr("Liste des messages"))
        self.list.setModel(self.model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setHeaderHidden(True)
        self.list.setAlternatingRowColors(True)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._list_menu)
        self.list.selectionModel().currentChanged.connect(self._message_chosen)
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.sort)
        middle_layout.addLayout(bar)
        middle_layout.addWidget(self.list, 1)

        self.reader = Reader()
        self.reader.reply.connect(lambda: self.answer("reply"))
        self.reader.replyAll.connect(lambda: self.answer("all"))
        self.reader.forward.connect(lambda: self.answer("forward"))
        self.reader.delete.connect(self.delete_selected)
        self.reader.toggleSeen.connect(self._toggle_seen)
        self.reader.toggleFlag.connect(self._toggle_flag)
        self.reader.openAttachment.connect(lambda i: self._attachment(i, save=False))
        self.reader.saveAttachment.connect(lambda i: self._attachment(i, save=True))
        self.reader.moveTo.connect(self.move_selected)
        self.reader.allowRemote.connect(self._allow_remote)

        self.empty = QWidget()
        empty_text = QLabel(self.tr("<p>Aucun compte de messagerie.</p><p>Ajoutez celui de votre collectivité : "
                                    "Parvis garde ensuite vos messages chiffrés sur cet ordinateur, lisibles "
                                    "et traitables hors ligne.</p>"))
        empty_text.setObjectName("emptyState")
        empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty_text.setWordWrap(True)
        empty_add = QPushButton(self.tr("Ajouter un compte de messagerie…"))
        empty_add.setDefault(True)
        empty_add.clicked.connect(self.add_account)
        empty_layout = QVBoxLayout(self.empty)
        empty_layout.addStretch(1)
        empty_layout.addWidget(empty_text)
        empty_layout.addWidget(empty_add, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(middle)
        splitter.addWidget(self.reader)
        left.setMinimumWidth(180)
        middle.setMinimumWidth(300)
        splitter.setStretchFactor(1, 2)
        splitter.setStretchFactor(2, 3)
        splitter.setSizes([200, 360, 720])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addWidget(self.empty)
        layout.addWidget(splitter, 1)

        self.commands: dict[str, QAction] = {}
        for name, label, keys, slot in (
                ("new", self.tr("Nouveau message"), "Ctrl+N", self.compose),
                ("reply", self.tr("Répondre"), "Ctrl+R", lambda: self.answer("reply")),
                ("replyAll", self.tr("Répondre à tous"), "Ctrl+Shift+R", lambda: self.answer("all")),
                ("forward", self.tr("Transférer"), "Ctrl+L", lambda: self.answer("forward")),
                ("delete", self.tr("Supprimer"), "Delete", self.delete_selected),
                ("find", self.tr("Rechercher"), "Ctrl+F", self.search.setFocus)):
            action = QAction(label, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            self.commands[name] = action

        bridge.roundDone.connect(self._round_done)
        bridge.mailBodyFetched.connect(self._body_fetched)
        bridge.remoteFetched.connect(self._remote_fetched)
        bridge.mailAccountChecked.connect(self._account_checked)
        self.account_dialog: AccountDialog | None = None
        self.refresh()

    # -- the tree -------------------------------------------------------------------------

    def refresh(self) -> None:
        self.ops.run(load_tree, on_done=self._show_tree, on_error=self._error)

    def _round_done(self) -> None:
        self.refresh()
        if self.folder is not None:
            self.load_list()

    def _show_tree(self, tree: Tree) -> None:
        self.empty.setVisible(not tree.accounts)
        self.splitter.setVisible(bool(tree.accounts))
        current = self.folder
        self.tree.blockSignals(True)
        self.tree.clear()
        select: QTreeWidgetItem | None = None
        inbox_unread: dict[int, int] = {}
        for account in tree.accounts:
            top = QTreeWidgetItem([account.address])
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            font = QFont(top.font(0))
            font.setBold(True)
            top.setFont(0, font)
            self.tree.addTopLevelItem(top)
            folders = sorted(tree.folders.get(account.id, []),
                             key=lambda f: (SPECIAL_ORDER.index(f.special) if f.special in SPECIAL_ORDER else 99,
                                            f.display.casefold()))
            for folder in folders:
                label = folder.display + (f"  ({folder.unread})" if folder.unread else "")
                item = QTreeWidgetItem([label])
                item.setData(0, ID_ROLE, (account.id, folder.id))
                if folder.unread:
                    bold = QFont(item.font(0))
                    bold.setBold(True)
                    item.setFont(0, bold)
                top.addChild(item)
                if folder.special == "inbox":
                    inbox_unread[account.id] = folder.unread
                    if current is None:
                        select = item
                if folder.id == current:
                    select = item
            pending = tree.outgoing.get(account.id, 0)
            out = QTreeWidgetItem([self.tr("Boîte d'envoi") + (f"  ({pending})" if pending else "")])
            out.setData(0, ID_ROLE, (account.id, OUTBOX))
            top.addChild(out)
            top.setExpanded(True)
        self.tree.blockSignals(False)
        if select is not None:
            self.tree.setCurrentItem(select)
        self._notify_new(inbox_unread, tree)

    def _notify_new(self, unread: dict[int, int], tree: Tree) -> None:
        if self.inbox_unread is not None:
            for account in tree.accounts:
                more = unread.get(account.id, 0) - self.inbox_unread.get(account.id, 0)
                if more > 0 and not self.window().isActiveWindow():
                    self.notify.emit(account.address, self.tr("{0} nouveau(x) message(s)").format(more))
        self.inbox_unread = unread

    def _folder_chosen(self) -> None:
        item = self.tree.currentItem()
        data = item.data(0, ID_ROLE) if item else None
        if not data:
            return
        changed = tuple(data) != (self.account, self.folder)
        self.account, self.folder = data
        parent = item.parent() if item else None
        targets = []
        if parent is not None:
            for child in (parent.child(i) for i in range(parent.childCount())):
                if child is None:
                    continue
                _, folder_id = child.data(0, ID_ROLE)
                if folder_id not in (OUTBOX, self.folder):
                    targets.append((folder_id, child.text(0).split("  (")[0]))
        self.reader.set_folders(targets)
        if changed:  # not when the tree is only redrawn (after a sync or an action)
            self.reader.show_nothing()
            self.load_list()

    # -- the list -------------------------------------------------------------------------

    def load_list(self) -> None:
        folder, account, text, sort = self.folder, self.account, self.search.text().strip(), self.sort.currentData()
        if folder is None:
            return
        if folder == OUTBOX:
            def outbox(ctx: Context) -> list[Any]:
                return mail_outgoing.outgoing(ctx.conn, account)

            self.ops.run(outbox, on_done=self._show_outbox, on_error=self._error)
            return
        self.ops.run(lambda ctx: MailStore(ctx.conn).messages(folder, search=text or None, sort=sort),
                     on_done=self._show_list, on_error=self._error)

    def _show_list(self, summaries: list[Any]) -> None:
        selected = self.selected_ids()
        self.model.removeRows(0, self.model.rowCount())
        threads: dict[str, QStandardItem] = {}
        for s in summaries:  # newest first: the first of a thread is its head
            row = self._row(s)
            head = threads.get(s.thread) if s.thread else None
            if head is None:
                self.model.appendRow(row)
                if s.thread:
                    threads[s.thread] = row[0]
            else:
                head.appendRow(row)
        for head in threads.values():
            if head.rowCount():
                head.setText(f"{head.text()}  ({head.rowCount() + 1})")
        self.list.expandAll()
        if selected:
            self._reselect(selected[0])

    def _row(self, s: Any) -> list[QStandardItem]:
        """Two lines: who and when; then the subject, with ★ (suivi) and 📎 (pièces jointes)."""
        marks = ("★ " if s.flagged else "") + ("📎 " if s.has_attachments else "")
        item = QStandardItem(f"{s.sender or s.sender_address}  ·  {_short_date(s.date)}\n"
                             f"{marks}{s.subject or self.tr('(sans objet)')}")
        item.setData(s.id, ID_ROLE)
        item.setData(s.subject, SUBJECT_ROLE)
        item.setToolTip(s.snippet or "")
        if not s.seen:
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        if s.pending:
            item.setForeground(QColor("#666666"))
        return [item]

    def _show_outbox(self, outgoing: list[Any]) -> None:
        self.model.removeRows(0, self.model.rowCount())
        for o in outgoing:
            state = STATE_LABELS.get(o.state, o.state) + (f" : {o.last_error}" if o.last_error else "")
            item = QStandardItem(f"{', '.join(o.to)}  ·  {state}\n{o.subject or self.tr('(sans objet)')}")
            item.setData(o.subject, SUBJECT_ROLE)
            if o.state == "failed":
                item.setForeground(QColor("#ce0500"))
            self.model.appendRow([item])

    def selected_ids(self) -> list[int]:
        ids = []
        for index in self.list.selectionModel().selectedRows(0):
            value = index.data(ID_ROLE)
            if isinstance(value, int):
                ids.append(value)
        return ids

    def _reselect(self, message_id: int) -> None:
        matches = self.model.match(self.model.index(0, 0), ID_ROLE, message_id, 1,
                                   Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
        if matches:
            self.list.setCurrentIndex(matches[0])

    def _message_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        message_id = current.data(ID_ROLE)
        if not isinstance(message_id, int):
            return

        def read(ctx: Context) -> Any:
            store = MailStore(ctx.conn)
            body = store.message(message_id)
            if body is not None and not body.summary.seen:
                store.set_seen([message_id], True)
                body = store.message(message_id)
            return body

        self.ops.run(read, on_done=self._show_message, on_error=self._error, changes=Changes(outbox=True))

    def _show_message(self, body: Any) -> None:
        if body is None:
            self.reader.show_nothing()
            return
        self.reader.show_message(body)
        if body.text is None and body.html is None and body.summary.id not in self._asked:
            self._asked.add(body.summary.id)  # once: a server without it must not loop us
            self.bridge.fetch_mail_body(body.summary.id)

    def _allow_remote(self, urls: list[str]) -> None:
        if self.reader.message_id is not None:
            self.bridge.fetch_remote(self.reader.message_id, urls)

    def _remote_fetched(self, message_id: int, images: dict[str, bytes]) -> None:
        if message_id == self.reader.message_id and self.reader.current is not None:
            self.reader.show_message(self.reader.current, remote=images)
            self.reader.remote_bar.hide()

    def _body_fetched(self, message_id: int, error: str) -> None:
        if message_id != self.reader.message_id:
            return
        if error:
            self.message.emit(self.tr("Contenu du message indisponible : {0}").format(error))
            return
        self.ops.run(lambda ctx: MailStore(ctx.conn).message(message_id), on_done=self._show_message,
                     on_error=self._error)

    # -- actions --------------------------------------------------------------------------

    def _list_menu(self, pos: Any) -> None:
        """Right click on the list: every action of the reader, for the message under the mouse."""
        index = self.list.indexAt(pos)
        if not index.isValid() or not isinstance(index.data(ID_ROLE), int):
            return
        self.list.setCurrentIndex(index)
        where = self.list.viewport().mapToGlobal(pos)

        def show(_: object) -> None:  # after the worker has loaded that message into the reader
            menu = QMenu(self)
            for name in ("reply", "replyAll", "forward", "flag", "seen", "move", "delete"):
                menu.addAction(self.reader.buttons[name])
            menu.exec(where)

        self.ops.run(lambda ctx: None, on_done=show)  # the worker runs jobs in order

    def _ids_or_current(self) -> list[int]:
        ids = self.selected_ids()
        if not ids and self.reader.message_id is not None:
            ids = [self.reader.message_id]
        return ids

    def _act(self, work: Any) -> None:
        self.ops.run(work, on_done=lambda _: self._acted(), on_error=self._error, changes=Changes(outbox=True))

    def _acted(self) -> None:
        self.refresh()
        self.load_list()
        self.bridge.sync_now()

    def delete_selected(self) -> None:
        ids = self._ids_or_current()
        if ids:
            self.reader.show_nothing()
            self._act(lambda ctx: MailStore(ctx.conn).delete(ids))

    def _toggle_seen(self) -> None:
        message_id = self.reader.message_id
        if message_id is None:
            return
        seen = self.reader.buttons["seen"].text() == self.tr("Lu")
        self._act(lambda ctx: MailStore(ctx.conn).set_seen([message_id], seen))
        self.reader.buttons["seen"].setText(self.tr("Non lu") if seen else self.tr("Lu"))

    def _toggle_flag(self) -> None:
        message_id = self.reader.message_id
        if message_id is None:
            return
        flagged = self.reader.buttons["flag"].text() == self.tr("Suivi")
        self._act(lambda ctx: MailStore(ctx.conn).set_flagged([message_id], flagged))
        self.reader.buttons["flag"].setText(self.tr("Retirer le suivi") if flagged else self.tr("Suivi"))

    def move_selected(self, folder_id: int) -> None:
        ids = self._ids_or_current()
        if ids:
            self._act(lambda ctx: MailStore(ctx.conn).move(ids, folder_id))

    def _attachment(self, index: int, save: bool) -> None:
        message_id = self.reader.message_id
        if message_id is None:
            return

        def got(found: tuple[str, str, bytes]) -> None:
            name, _, data = found
            if save:
                target, _ = QFileDialog.getSaveFileName(self, self.tr("Enregistrer la pièce jointe"), name)
                if target:
                    Path(target).write_bytes(data)
                    self.message.emit(self.tr("Enregistré : {0}").format(target))
                return
            self.opened.open(name, data)

        self.ops.run(lambda ctx: MailStore(ctx.conn).attachment_data(message_id, index), on_done=got,
                     on_error=self._error)

    def close_files(self) -> None:
        self.opened.cleanup()

    # -- writing --------------------------------------------------------------------------

    def compose(self, title: str | None = None) -> ComposeWindow:
        window = ComposeWindow(title or self.tr("Nouveau message"), self)
        window.send.connect(lambda fields, w=window: self._send(w, fields))
        self.composers.append(window)
        window.destroyed.connect(lambda *_, w=window: self.composers.remove(w) if w in self.composers else None)
        def addresses(found: list[str]) -> None:
            if isValid(window):  # it may have been closed meanwhile
                window.set_addresses(found)

        self.ops.run(lambda ctx: MailStore(ctx.conn).known_addresses("", limit=500), on_done=addresses)
        window.show()
        window.raise_()
        window.activateWindow()  # typing goes to the new message, not the window behind
        return window

    def answer(self, kind: str) -> None:
        message_id = self.reader.message_id
        if message_id is None:
            return

        def draft(ctx: Context) -> Any:
            store = MailStore(ctx.conn)
            body = store.message(message_id)
            account = store.account(body.summary.account) if body else None
            if body is None or account is None:
                return None
            if kind == "forward":
                return mail_compose.forward(body, account.address)
            return mail_compose.reply(body, account.address, all=kind == "all")

        def open_draft(d: Any) -> None:
            if d is None:
                return
            titles = {"reply": self.tr("Répondre"), "all": self.tr("Répondre à tous"), "forward": self.tr("Transférer")}
            window = self.compose(titles[kind])
            window.fill(d.to, d.cc, d.subject, d.body, in_reply_to=d.in_reply_to, references=d.references,
                        replying_to=d.replying_to, forwarding=d.forwarding, account_id=d.account_id)
            window.add_files(list(d.attachments))

        self.ops.run(draft, on_done=open_draft, on_error=self._error)

    def _send(self, window: ComposeWindow, fields: dict[str, Any]) -> None:
        account_id = fields.pop("account_id", None) or self.account

        def queue(ctx: Context) -> int:
            store = MailStore(ctx.conn)
            accounts = store.accounts()
            if not accounts:
                raise ParvisError(self.tr("Aucun compte de messagerie."))
            account = store.account(account_id) if account_id else accounts[0]
            draft = mail_compose.Draft(account_id=account.id, **fields)
            return int(mail_outgoing.queue(ctx.conn, draft, account, now=datetime.now(UTC)))

        def queued(_: int) -> None:
            window.sent = True
            window.close()
            self.message.emit(self.tr("Message placé dans la boîte d'envoi."))
            self.refresh()
            self.bridge.sync_now()

        def refused(error: ParvisError) -> None:
            QMessageBox.warning(window, window.windowTitle(), str(error))

        self.ops.run(queue, on_done=queued, on_error=refused, changes=Changes(outbox=True))

    def _error(self, error: ParvisError) -> None:
        QMessageBox.warning(self, self.tr("Messagerie"), str(error))

    # -- accounts -------------------------------------------------------------------------

    def add_account(self) -> AccountDialog:
        dialog = AccountDialog(policy_ca_file(), self)
        dialog.check.connect(self.bridge.add_mail_account)
        self.account_dialog = dialog
        dialog.open()
        return dialog

    def _account_checked(self, account_id: int, error: str) -> None:
        dialog = self.account_dialog
        if dialog is None or not dialog.answer(error):
            return
        self.account_dialog = None
        self.message.emit(self.tr("Compte ajouté : relève du courrier…"))
        self.refresh()


def _short_date(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    today = datetime.now().astimezone().date()
    return moment.strftime("%H:%M") if moment.date() == today else moment.strftime("%d/%m/%Y")
