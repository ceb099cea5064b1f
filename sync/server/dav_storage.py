"""Radicale's file storage with each collection's CTag and sync-token kept in memory, so that a
client asking "has anything changed?" costs a dictionary lookup instead of reading every item.

Why: Radicale computes a collection's ETag (served as `CS:getctag`) and its sync-token by
loading every item of the collection and hashing their ETags, on every request that asks; on
5,000 events that is a few hundred milliseconds per PROPFIND, and a sync-collection REPORT with
an unchanged token costs as much (Radicale computes the current token before comparing). Both
values only change when the collection is written to, and every write to `<data>/dav` goes
through this one server process (the CLI never touches it), so they can be remembered until the
next write.

How, from Radicale 3.9's source (`storage/multifilesystem`, `app/propfind.py`, `app/report.py`):

- Every write (PUT, DELETE, MKCOL, MKCALENDAR, PROPPATCH, MOVE, the creation of a principal or of
  a group's calendar) holds the storage lock in mode "w" (exclusive, a `flock` on a file, so
  between threads too) while it changes files. `acquire_lock` below forgets everything when it
  takes "w" and again before it lets go: nothing computed before the write survives it.
- A value is only remembered when it was computed under the shared lock ("r"), so that no write
  was half done at the time. REPORT holds "r" for its whole length, but PROPFIND lets go of it
  once it has listed the collections and renders their properties afterwards, unlocked; a value
  missing then is computed under a shared lock taken for the purpose (the lock each thread
  holds is tracked here, since Radicale's own `locked` says only what *some* thread holds).
- Computed while a write is under way (by the writing thread), a value is not remembered.
- Everything is forgotten on any write, not just the written collection's: a write does not
  always say which collection it touched (MOVE touches two, a principal's creation none yet).
  The other collections' values are computed again, identical, on their next request.
- sync-token: a client holding the current token gets "no change" at once; a request without
  token (PROPFIND's `D:sync-token`, or a first sync-collection) gets the current token and,
  lazily, every href the stock code would list (present items and deleted ones still in the
  history), read only if the caller iterates it. The side effects of Radicale's computation
  (history entries, the token's state file) were made when the remembered token was computed,
  and nothing has changed since; the state file's mtime is refreshed as Radicale does, so that
  its 30-day clean-up keeps a token that clients still hold.

Files changed behind the server's back (a backup restored into `<data>/dav` while it runs) are
only seen after a restart.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator
from typing import Any, cast

from radicale.storage import multifilesystem

_SYNC_PREFIX = "http://radicale.org/ns/sync/"


class Collection(multifilesystem.Collection):
    @property
    def etag(self) -> str:
        storage = cast(Storage, self._storage)
        key = ("etag", self.path)
        value = storage.remembered.get(key)
        if value is None:
            with storage.reading() as cacheable:
                value = super().etag
                if cacheable:
                    storage.remembered[key] = value
        return value

    def sync(self, old_token: str = "") -> tuple[str, Iterable[str]]:
        storage = cast(Storage, self._storage)
        key = ("sync", self.path)
        token = storage.remembered.get(key)
        if token is not None and old_token == token:
            return token, ()
        if token is not None and not old_token:
            folder = storage._get_collection_cache_subfolder(self._filesystem_path, ".Radicale.cache", "sync-token")
            with contextlib.suppress(OSError):
                os.utime(os.path.join(folder, token.removeprefix(_SYNC_PREFIX)))
            return token, self._every_href()
        with storage.reading() as cacheable:
            token, changes = super().sync(old_token)
            if cacheable:
                storage.remembered[key] = token
        return token, changes

    def _every_href(self) -> Iterator[str]:
        yield from self._list()
        yield from self._get_deleted_history_hrefs()


class Storage(multifilesystem.Storage):
    _collection_class = Collection

    def __init__(self, configuration: Any) -> None:
        super().__init__(configuration)
        # (kind, collection path) → value; dict operations are atomic under the GIL.
        self.remembered: dict[tuple[str, str], str] = {}
        self._held = threading.local()

    @contextlib.contextmanager
    def acquire_lock(self, mode: str, user: str = "", *args: Any, **kwargs: Any) -> Iterator[None]:
        with super().acquire_lock(mode, user, *args, **kwargs):
            outer = getattr(self._held, "mode", "")
            self._held.mode = mode
            if mode == "w":
                self.remembered.clear()
            try:
                yield
            finally:
                self._held.mode = outer
                if mode == "w":
                    self.remembered.clear()

    @contextlib.contextmanager
    def reading(self) -> Iterator[bool]:
        """Hold at least the shared lock; yields whether what is read now may be remembered."""
        mode = getattr(self._held, "mode", "")
        if mode:
            yield mode == "r"
            return
        with self.acquire_lock("r"):
            yield True
