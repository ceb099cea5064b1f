"""The Discussions module: the room list on the left, the conversation and the composer on the
right.

Writing never waits for the network: the operations worker stores a message as pending (it
shows at once) and the sync bridge sends it. Messages from others reach the store through the
bridge's live event stream (or a sync round) and the bridge says which room changed. UI thread.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from storage.chat import ChatStore, Message, Room
from storage.errors import ParvisError
from sync.engine import Status

from .. import policy
from ..documents.actions import Identity
from ..files import OpenedFiles
from ..ops import Changes, Context, Ops
from ..syncbridge import SyncBridge
from .composer import Composer
from .conversation import Conversation, mentions_me
from .rooms import RoomList, display_name

PAGE = 200  # messages shown when a room opens; "Afficher les messages précédents" adds as many
TYPING_SHOWN_MS = 6000
MIB = 1024 * 1024


@dataclass(frozen=True)
class Loaded:
    room: Room
    messages: list[Message]
    more_before: bool
    names: list[str]


def load_room(ctx: Context, room_id: str, limit: int) -> Loaded:
    """The newest `limit` messages of a room, whether older ones exist, and the names seen in
    it (for @-completion). Worker thread."""
    store = ChatStore(ctx.conn)
    messages = store.messages(room_id, limit=limit + 1)
    more = len(messages) > limit
    return Loaded(store.room(room_id), messages[1:] if more else messages, more, store.mentionable(room_id))


class NewRoomDialog(QDialog):
    """Name, members (comma separated) and, optionally, the group (service) the channel is open to."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Nouveau salon"))
        self.setMinimumWidth(460)
        self.name = QLineEdit()
        self.name.setAccessibleName(self.tr("Nom du salon"))
        self.name.setPlaceholderText(self.tr("par exemple : Urbanisme – voirie"))
        self.name.setMaxLength(100)
        self.members = QLineEdit()
        self.members.setAccessibleName(self.tr("Membres"))
        self.members.setPlaceholderText(self.tr("identifiants séparés par des virgules"))
        self.group = QLineEdit()
        self.group.setAccessibleName(self.tr("Groupe"))
        self.group.setPlaceholderText(self.tr("facultatif : un service entier, par exemple urbanisme"))
        form = QFormLayout()
        form.addRow(self.tr("Nom :"), self.name)
        form.addRow(self.tr("Membres :"), self.members)
        form.addRow(self.tr("Ouvert au groupe :"), self.group)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Créer"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Annuler"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        self.name.textChanged.connect(lambda text: self.ok.setEnabled(bool(text.strip())))
        hint = QLabel(self.tr("Vous en serez administrateur. Les membres du groupe y ont accès d'office ; "
                              "le salon est créé tout de suite, même hors ligne, et sur le serveur à la "
                              "prochaine synchronisation."))
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def values(self) -> tuple[str, list[str], str | None]:
        members = [m.strip() for m in self.members.text().replace(";", ",").split(",") if m.strip()]
        return self.name.text().strip(), members, self.group.text().strip() or None


class ChatPage(QWidget):
    """Emits `message(text)` for the status bar and `notify(title, text)` for the tray."""

    message = Signal(str)
    notify = Signal(str, str)
    unreadChanged = Signal(int)

    def __init__(self, ops: Ops, bridge: SyncBridge, identity: Identity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.bridge = bridge
        self.me = identity.user
        self.rooms: dict[str, Room] = {}
        self.current: str | None = None
        self.limit = PAGE
        self.typing_users: dict[str, set[str]] = {}
        self.offline = False
        self.opened = OpenedFiles()
        # The server has its own cap; this one (a machine policy) refuses before storing.
        self.max_attachment_bytes = int(policy.load().get("MaxAttachmentMB", default=25).value) * MIB

        self.filter = QLineEdit()
        self.filter.setAccessibleName(self.tr("Filtrer les salons"))
        self.filter.setPlaceholderText(self.tr("Aller au salon… (Ctrl+K)"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda _: self._show_rooms())
        self.filter.returnPressed.connect(self._open_first)
        self.room_list = RoomList(self.me)
        self.room_list.currentItemChanged.connect(lambda *_: self._room_chosen())
        self.new_room = QPushButton(self.tr("Nouveau salon…"))
        self.new_room.setAccessibleName(self.tr("Nouveau salon"))
        self.new_room.clicked.connect(self.create_room)
        self.new_direct = QPushButton(self.tr("Message direct…"))
        self.new_direct.setAccessibleName(self.tr("Nouvelle conversation directe"))
        self.new_direct.clicked.connect(self.create_direct)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel(self.tr("<b>Discussions</b>"))
        left_layout.addWidget(title)
        left_layout.addWidget(self.filter)
        left_layout.addWidget(self.room_list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_room)
        buttons.addWidget(self.new_direct)
        left_layout.addLayout(buttons)

        self.header = QLabel()
        self.header.setObjectName("roomHeader")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.mute = QPushButton()
        self.mute.setCheckable(True)
        self.mute.setAccessibleName(self.tr("Couper les notifications de ce salon"))
        self.mute.toggled.connect(self._set_muted)
        self.conversation = Conversation(self.me)
        self.conversation.openAttachment.connect(self.open_attachment)
        self.conversation.retry.connect(self.retry)
        self.conversation.react.connect(self.react)
        self.conversation.reply.connect(self._reply)
        self.conversation.edit.connect(self._edit)
        self.conversation.delete.connect(self.delete)
        self.conversation.loadOlder.connect(self._load_older)
        self.typing = QLabel()
        self.typing.setObjectName("hint")
        self.typing.setAccessibleName(self.tr("Qui écrit"))
        self._typing_timer = QTimer(self, singleShot=True, interval=TYPING_SHOWN_MS)
        self._typing_timer.timeout.connect(self._clear_typing)
        self.composer = Composer()
        self.composer.submit.connect(self.submit)
        self.composer.typing.connect(lambda: self.current and self.bridge.send_typing(self.current))
        self.composer.editLast.connect(self._edit_last)

        head = QHBoxLayout()
        head.addWidget(self.header, 1)
        head.addWidget(self.mute)
        room_view = QWidget()
        right_layout = QVBoxLayout(room_view)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(2)
        right_layout.addLayout(head)
        right_layout.addWidget(self.conversation, 1)
        right_layout.addWidget(self.typing)
        right_layout.addWidget(self.composer)
        self.empty = QLabel(self.tr("<p>Aucun salon pour l'instant.</p><p>Créez-en un pour échanger avec un "
                                    "service ou des collègues : « Nouveau salon… ».</p>"))
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.right = QStackedWidget()
        self.right.addWidget(self.empty)
        self.right.addWidget(room_view)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([280, 920])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addWidget(splitter)

        go = QAction(self.tr("Aller au salon"), self)
        go.setShortcut(QKeySequence("Ctrl+K"))
        go.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        go.triggered.connect(self._go_to_room)
        self.addAction(go)

        self._reload_timer = QTimer(self, singleShot=True, interval=60)
        self._reload_timer.timeout.connect(self._reload)
        bridge.chatChanged.connect(self._remote_change)
        bridge.chatMessage.connect(self._maybe_notify)
        bridge.typing.connect(self._someone_typing)
        bridge.roundDone.connect(self._round_done)
        bridge.status.connect(self._status)
        bridge.attachmentFetched.connect(self._attachment_fetched)
        self._pending_open: dict[str, str] = {}
        self.refresh()

    # -- rooms ----------------------------------------------------------------------------

    def refresh(self) -> None:
        self.ops.run(lambda ctx: ChatStore(ctx.conn).rooms(), on_done=self._got_rooms)

    def _got_rooms(self, rooms: list[Room]) -> None:
        self.rooms = {r.id: r for r in rooms}
        self._show_rooms()
        self.unreadChanged.emit(sum(r.unread for r in rooms if not r.muted))
        if self.current is not None and self.current not in self.rooms:
            self.current = None
        if self.current is None and rooms and self.room_list.count():
            self.room_list.setCurrentRow(0)
        self.right.setCurrentIndex(1 if self.current else 0)

    def _show_rooms(self) -> None:
        self.room_list.show_rooms(list(self.rooms.values()), self.filter.text())

    def _go_to_room(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def _open_first(self) -> None:
        if self.room_list.count():
            self.room_list.setCurrentRow(0)
            self.composer.edit.setFocus()

    def _room_chosen(self) -> None:
        room_id = self.room_list.current_id()
        if room_id is None or room_id == self.current:
            return
        self.current = room_id
        self.limit = PAGE
        self.composer.clear_context()
        self._clear_typing()
        self.right.setCurrentIndex(1)
        self.conversation.clear()
        self.load_current(scroll_to_end=True)

    def open_room(self, room_id: str) -> None:
        self.room_list.select(room_id)

    def create_room(self) -> None:
        dialog = NewRoomDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        name, members, group = dialog.values()
        self.ops.run(lambda ctx: ChatStore(ctx.conn).create_room(name, members, group),
                     on_done=self._created, on_error=self._error, changes=Changes(outbox=True))

    def create_direct(self) -> None:
        text, ok = QInputDialog.getText(self, self.tr("Message direct"),
                                        self.tr("Avec qui ? (identifiants séparés par des virgules)"))
        members = [m.strip() for m in text.replace(";", ",").split(",") if m.strip()]
        if not ok or not members:
            return
        me = self.me or ""
        self.ops.run(lambda ctx: ChatStore(ctx.conn).create_direct(members, me),
                     on_done=self._created, on_error=self._error, changes=Changes(outbox=True))

    def _created(self, room_id: str) -> None:
        self.current = None
        def show(rooms: list[Room]) -> None:
            self._got_rooms(rooms)
            self.open_room(room_id)

        self.ops.run(lambda ctx: ChatStore(ctx.conn).rooms(), on_done=show)
        self.bridge.sync_now()

    def _set_muted(self, muted: bool) -> None:
        self.mute.setText(self.tr("🔕 Notifications coupées") if muted else self.tr("🔔 Notifications"))
        room_id = self.current
        if room_id is None or (room_id in self.rooms and self.rooms[room_id].muted == muted):
            return
        self.ops.run(lambda ctx: ChatStore(ctx.conn).set_muted(room_id, muted), on_done=lambda _: self.refresh())

    # -- the current room -----------------------------------------------------------------

    def load_current(self, scroll_to_end: bool = False, keep_position: bool = False) -> None:
        room_id, limit = self.current, self.limit
        if room_id is None:
            return
        self.ops.run(lambda ctx: load_room(ctx, room_id, limit),
                     on_done=lambda loaded: self._show_loaded(loaded, scroll_to_end, keep_position),
                     on_error=self._error)

    def _show_loaded(self, loaded: Loaded, scroll_to_end: bool, keep_position: bool) -> None:
        room = loaded.room
        if room.id != self.current:
            return
        self.rooms[room.id] = room
        kind = self.tr("conversation directe") if room.kind == "direct" else self.tr("salon")
        self.header.setText(f"<span style='font-size:13pt'><b>{_escape(display_name(room, self.me))}</b></span>"
                            f"&nbsp;&nbsp;<span style='color:#666'>{kind}</span>")
        self.mute.blockSignals(True)
        self.mute.setChecked(room.muted)
        self.mute.blockSignals(False)
        self.mute.setText(self.tr("🔕 Notifications coupées") if room.muted else self.tr("🔔 Notifications"))
        self.composer.edit.set_names([n for n in loaded.names if n != self.me])
        if scroll_to_end:
            bar = self.conversation.verticalScrollBar()
            bar.setValue(bar.maximum())
        self.conversation.show_messages(loaded.messages, loaded.more_before, keep_position)
        self._mark_read(loaded.messages)

    def _mark_read(self, messages: list[Message]) -> None:
        """The reader sees the end of the room: move the read marker (it syncs to the user's
        other devices)."""
        room_id = self.current
        seqs = [m.seq for m in messages if m.seq is not None]
        if room_id is None or not seqs or not self.isVisible() or not self.window().isActiveWindow():
            return
        room = self.rooms.get(room_id)
        last = max(seqs)
        if room is not None and room.read_seq >= last and not room.unread:
            return
        self.ops.run(lambda ctx: ChatStore(ctx.conn).mark_read(room_id, last), on_done=lambda _: self._read(),
                     changes=Changes(outbox=True))

    def _read(self) -> None:
        self.refresh()
        self.bridge.sync_now()  # the user's other devices clear their badge soon

    def _load_older(self) -> None:
        self.limit += PAGE
        self.load_current(keep_position=True)

    def _remote_change(self, room_id: str) -> None:
        """A message arrived or changed (room_id), or a sync round ended (""): reload soon,
        once for a burst."""
        if not room_id or room_id == self.current:
            self._reload_timer.start()
        else:
            self.refresh()

    def _round_done(self) -> None:
        self._remote_change("")

    def _reload(self) -> None:
        self.refresh()
        self.load_current()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.load_current()

    # -- writing --------------------------------------------------------------------------

    def submit(self, text: str, reply_to: str | None, editing: str | None, files: list[Path]) -> None:
        room_id, me, max_bytes = self.current, self.me or "", self.max_attachment_bytes
        if room_id is None:
            return
        if editing is not None:
            def work(ctx: Context) -> None:
                ChatStore(ctx.conn).edit(editing, text)
        else:
            quoted = self.conversation.by_id.get(reply_to) if reply_to else None
            reply_seq = quoted.seq if quoted else None

            def work(ctx: Context) -> None:
                ChatStore(ctx.conn).send(room_id, text, me, reply_seq, attachments=files,
                                         max_attachment_bytes=max_bytes)
        self.ops.run(work, on_done=lambda _: self._stored(), on_error=self._error, changes=Changes(outbox=True))

    def _stored(self) -> None:
        self.composer.sent()
        self.load_current(scroll_to_end=True)
        self.refresh()
        self.bridge.sync_now()

    def _error(self, error: ParvisError) -> None:
        QMessageBox.warning(self, self.tr("Discussions"), str(error))

    def _change(self, work: Any) -> None:
        self.ops.run(work, on_done=lambda _: self._changed_here(), on_error=self._error, changes=Changes(outbox=True))

    def _changed_here(self) -> None:
        self.load_current()
        self.bridge.sync_now()

    def retry(self, client_id: str) -> None:
        self._change(lambda ctx: ChatStore(ctx.conn).retry(client_id))

    def react(self, client_id: str, emoji: str, add: bool) -> None:
        me = self.me or ""
        self._change(lambda ctx: ChatStore(ctx.conn).react(client_id, emoji, add, me))

    def delete(self, client_id: str) -> None:
        answer = QMessageBox.question(self, self.tr("Supprimer le message"),
                                      self.tr("Supprimer ce message pour tous les membres du salon ?"))
        if answer == QMessageBox.StandardButton.Yes:
            self._change(lambda ctx: ChatStore(ctx.conn).delete(client_id))

    def _reply(self, client_id: str) -> None:
        m = self.conversation.by_id.get(client_id)
        if m is not None:
            self.composer.start_reply(client_id, m.author, m.text)

    def _edit(self, client_id: str) -> None:
        m = self.conversation.by_id.get(client_id)
        if m is not None:
            self.composer.start_edit(client_id, m.text)

    def _edit_last(self) -> None:
        own = [m for m in self.conversation.messages if m.author == self.me and not m.deleted]
        if own:
            self._edit(own[-1].client_id)

    # -- attachments ----------------------------------------------------------------------

    def open_attachment(self, att_id: str, name: str) -> None:
        """Open a file attached to a message with the computer's usual application. Its bytes
        come from the encrypted store (downloaded first if need be) and are written to a
        private temporary folder outside the profile, removed when Parvis quits."""
        room_id = self.current

        def read(ctx: Context) -> bytes | None:
            return ChatStore(ctx.conn).attachment_data(att_id)

        def got(data: bytes | None) -> None:
            if data is not None:
                self._open_bytes(name, data)
            elif room_id is not None:
                self._pending_open[att_id] = name
                self.message.emit(self.tr("Téléchargement de « {0} »…").format(name))
                self.bridge.fetch_attachment(room_id, att_id)

        self.ops.run(read, on_done=got, on_error=self._error)

    def _attachment_fetched(self, att_id: str, error: str) -> None:
        name = self._pending_open.pop(att_id, None)
        if name is None:
            return
        if error:
            QMessageBox.warning(self, self.tr("Discussions"),
                                self.tr("Impossible d'ouvrir « {0} » : {1}").format(name, error))
            return
        self.open_attachment(att_id, name)

    def _open_bytes(self, name: str, data: bytes) -> None:
        self.opened.open(name, data)

    def close_files(self) -> None:
        """Remove the opened attachments' temporary copies (on quit)."""
        self.opened.cleanup()

    # -- live -----------------------------------------------------------------------------

    def _someone_typing(self, room_id: str, user: str) -> None:
        if user == self.me:
            return
        self.typing_users.setdefault(room_id, set()).add(user)
        if room_id == self.current:
            names = sorted(self.typing_users[room_id])
            self.typing.setText(self.tr("{0} écrit…").format(names[0]) if len(names) == 1 else
                                self.tr("{0} écrivent…").format(", ".join(names)))
            self._typing_timer.start()

    def _clear_typing(self) -> None:
        self.typing_users.clear()
        self.typing.clear()

    def _maybe_notify(self, message: dict[str, Any]) -> None:
        """A new message from someone else: a tray notification for a mention or a direct
        message, unless the room is muted or the user is reading it."""
        room = self.rooms.get(str(message.get("room")))
        author, text = str(message.get("author") or ""), str(message.get("text") or "")
        if room is None or room.muted or author == self.me:
            return
        if self.typing_users.get(room.id):
            self.typing_users[room.id].discard(author)
        reading = room.id == self.current and self.isVisible() and self.window().isActiveWindow()
        if reading or not (room.kind == "direct" or mentions_me(text, self.me)):
            return
        title = author if room.kind == "direct" else self.tr("{0} dans {1}").format(author, room.name)
        self.notify.emit(title, text[:200] or self.tr("Pièce jointe"))

    def _status(self, status: Status) -> None:
        if status.syncing:
            return  # a round says nothing yet about the network
        self.offline = self.me is not None and status.online is False
        self.composer.set_offline(self.offline)


def _escape(text: str) -> str:
    return html.escape(text)
