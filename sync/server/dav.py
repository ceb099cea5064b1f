"""CalDAV and CardDAV at `/dav/`: Radicale mounted inside `parvis-server`, with the server's own
accounts.

For the municipality's IT person:

- Address to give to Thunderbird, DAVx⁵ or iOS: `https://SERVER/dav/` (or just `https://SERVER`:
  `/.well-known/caldav` and `/.well-known/carddav` redirect there). Log in with the Parvis user
  name and password (HTTP Basic; use TLS). Apps may send `Authorization: Bearer <token>` instead.
- Personal calendars and address books: `/dav/<user>/…`, private to that user. The first time
  a user comes, `/dav/<user>/agenda/` ("Agenda de <user>") is made, so that every app finds a
  calendar to write in; one the user later deletes is not brought back.
- Service calendars: every group (`parvis-server group add NAME`) has a shared calendar at
  `/dav/groups/<group>/agenda/` ("Agenda <group>"), created by itself on a member's first
  request. Members of the group (`parvis-server group add-member`) read and write it, and may
  create more calendars under `/dav/groups/<group>/`; nobody else sees them. Adding or removing
  a member takes effect on that member's next request. A user named `groups` has no
  personal calendars (the name is taken by the service calendars).
- Data: `<data>/dav/` (Radicale's plain files: back it up with the rest of `<data>`). Restore
  it with the server stopped: the server remembers each calendar's CTag between its own writes
  (`dav_storage`), and would not see files changed behind its back.

Design:

- Authentication happens here, on the loop thread, with the server's store: a bearer token, or
  Basic with the user's Parvis password (Argon2id; a successful login is remembered for
  `LOGIN_CACHE_SECONDS` so that a client's many requests do not each cost a hash; a token
  revocation is seen at once). Otherwise 401 with `WWW-Authenticate: Basic realm="Parvis"`.
  Radicale runs with `auth type = remote_user`: it receives the verified name in the WSGI
  `REMOTE_USER`, which no header can set; headers that could spoof an identity or the base path
  (`Remote-User`, `X-Remote-User`, `X-Script-Name`) and the `Authorization` header are removed
  before Radicale sees the request.
- Rights: Radicale calls its rights plugin (`Rights` below) synchronously from a2wsgi's worker
  thread, while the store is async on the loop thread. Rather than blocking the worker on the
  loop (`run_coroutine_threadsafe`: a loop round trip per rights check, several per request), the
  user's group memberships are read once per request on the loop, before the request is handed
  to Radicale, and travel with it (ASGI scope → WSGI environ → a thread-local for the length of
  the call). They are therefore always current, including changes made by the CLI in another
  process, which an in-memory snapshot refreshed "on group changes" would miss. Memberships are
  only read for requests that name `/groups` (path or `Destination`); any other request carries
  none, so a rights check that would need them fails closed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import radicale
import radicale.config
from a2wsgi import WSGIMiddleware
from radicale import pathutils
from radicale.rights import BaseRights
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Receive, Scope, Send

from . import dav_storage
from .auth import Authenticator, bearer_token
from .config import ServerConfig
from .deps import services
from .errors import UnknownGroup
from .store.base import Store

GROUPS = "groups"
CALENDAR = "agenda"  # the calendar made in a new personal or group home
LOGIN_CACHE_SECONDS = 300.0
_LOGIN_CACHE_MAX = 10_000
_SCOPE_KEY = "parvis.dav"
# Request headers Radicale must never see (WSGI names): identity, credentials, base path.
_STRIPPED = ("HTTP_AUTHORIZATION", "HTTP_REMOTE_USER", "HTTP_X_REMOTE_USER", "HTTP_X_SCRIPT_NAME")
_WELL_KNOWN_METHODS = ["GET", "HEAD", "OPTIONS", "PROPFIND"]

_request = threading.local()  # `groups`: the memberships of the request this thread serves


@dataclass(frozen=True)
class DavIdentity:
    """Who a request is from, checked on the loop thread: the user and their groups (only
    filled for requests under `/groups`)."""

    user: str
    groups: frozenset[str]


def permissions(user: str, groups: frozenset[str], path: str) -> str:
    """Radicale permissions of `user` (member of `groups`) on `path`: "R"/"W" read/write a
    collection without type (home folders), "r"/"w" a calendar or address book and its items.
    Any thread."""
    if not user:
        return ""
    parts = [p for p in pathutils.strip_path(path).split("/") if p]
    if not parts:
        return "R"
    if parts[0] == GROUPS:
        if len(parts) == 1:
            return "R"
        if parts[1] not in groups:
            return ""
        return {2: "R", 3: "rw"}.get(len(parts), "")
    if parts[0] != user:
        return ""
    return {1: "RW", 2: "rw"}.get(len(parts), "")


class Rights(BaseRights):
    """Radicale rights plugin: `permissions()` with the groups of the request being served.
    Radicale's WSGI worker thread."""

    def authorization(self, user: str, user_groups: set[str], path: str) -> str:
        return permissions(user, getattr(_request, "groups", frozenset()), path)


async def groups_of(store: Store, user: str) -> frozenset[str]:
    """The groups `user` belongs to. Raises StoreError. Loop thread."""
    found: set[str] = set()
    for group in await store.list_groups():
        try:
            if user in await store.group_members(group):
                found.add(group)
        except UnknownGroup:  # deleted meanwhile
            continue
    return frozenset(found)


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, sep, password = decoded.partition(":")
    if not sep or not name or len(name) > 64 or len(password) > 1024:
        return None
    return name, password


def _unauthorized() -> Response:
    return PlainTextResponse(
        "authentification requise : nom d'utilisateur et mot de passe Parvis, ou jeton",
        status_code=401,
        headers={"WWW-Authenticate": 'Basic realm="Parvis", charset="UTF-8"'},
    )


class DavApp:
    """The ASGI app mounted at `/dav`: authenticates, then hands the request to Radicale through
    a2wsgi. `open()` in the lifespan before the first request, `close()` after the last. Loop
    thread, except the WSGI part (a2wsgi's worker threads)."""

    def __init__(self, config: ServerConfig) -> None:
        self._config = config
        self._cache_key = secrets.token_bytes(32)
        self._logins: dict[bytes, float] = {}
        self._radicale: Any = None
        self._asgi: WSGIMiddleware | None = None
        self._ensured: set[str] = set()
        self._ensure_lock = threading.Lock()

    def open(self) -> None:
        """Set up Radicale on `<data>/dav`. Raises OSError, RuntimeError (bad configuration)."""
        # Made here, so that Radicale does not warn it is creating them on a first start.
        (self._config.dav_path / "collection-root").mkdir(parents=True, exist_ok=True)
        conf = radicale.config.load()
        conf.update({
            # The CTag and sync-token kept in memory between writes: see dav_storage.
            "storage": {"filesystem_folder": str(self._config.dav_path), "type": dav_storage.Storage},
            # Radicale never sees a password: its delay would only hold a worker thread on each
            # 403 of a logged-in user (about a second).
            "auth": {"type": "remote_user", "delay": "0"},
            "rights": {"type": Rights},
            "web": {"type": "none"},
        }, "parvis-server", privileged=True)
        self._radicale = radicale.Application(conf)
        self._asgi = WSGIMiddleware(self._wsgi)  # type: ignore[arg-type]

    def close(self) -> None:
        if self._asgi is not None:
            self._asgi.executor.shutdown(wait=False, cancel_futures=True)
            self._asgi = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        if self._asgi is None:
            raise RuntimeError("DavApp not open")
        svc = services(scope["app"])
        request = Request(scope)
        user = await self._authenticate(svc.auth, request.headers.get("authorization"))
        if user is None:
            await _unauthorized()(scope, receive, send)
            return
        path = scope["path"]
        if f"/{GROUPS}" in path or f"/{GROUPS}" in request.headers.get("destination", ""):
            groups = await groups_of(svc.store, user)
        else:
            groups = frozenset()
        await self._asgi({**scope, _SCOPE_KEY: DavIdentity(user, groups)}, receive, send)  # type: ignore[arg-type]

    # -- authentication (loop thread) -----------------------------------------------------------

    async def _authenticate(self, auth: Authenticator, authorization: str | None) -> str | None:
        token = bearer_token(authorization)
        if token is not None:
            return await auth.user_for(token)
        credentials = _basic_credentials(authorization)
        if credentials is None:
            return None
        name, password = credentials
        key = hmac.new(self._cache_key, f"{name}\0{password}".encode(), hashlib.sha256).digest()
        now = time.monotonic()
        if self._logins.get(key, 0.0) > now:
            return name
        if not await auth.verify_password(name, password):
            return None
        if len(self._logins) >= _LOGIN_CACHE_MAX:
            self._logins = {k: t for k, t in self._logins.items() if t > now}
            if len(self._logins) >= _LOGIN_CACHE_MAX:
                self._logins.clear()
        self._logins[key] = now + LOGIN_CACHE_SECONDS
        return name

    # -- Radicale (a2wsgi worker thread) --------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        identity = environ["asgi.scope"].get(_SCOPE_KEY)
        if not isinstance(identity, DavIdentity):  # never: __call__ always sets it
            start_response("401 Unauthorized", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"authentification requise"]
        for key in _STRIPPED:
            environ.pop(key, None)
        environ["REMOTE_USER"] = identity.user
        _request.groups = identity.groups
        try:
            self._ensure_calendars(identity)
            result: Iterable[bytes] = self._radicale(environ, start_response)
            return result
        finally:
            _request.groups = frozenset()

    def _ensure_calendars(self, identity: DavIdentity) -> None:
        """On a user's first request, make their home with its `agenda` calendar, and the home
        and `agenda` of each of their groups, unless they exist: a new account, or a new member
        of a service, finds calendars at once, in any app (before Radicale would make an empty
        home). One that is later deleted is not brought back."""
        homes = [(f"/{GROUPS}/{g}/", f"Agenda {g}") for g in sorted(identity.groups)]
        if identity.user != GROUPS:
            homes.insert(0, (f"/{identity.user}/", f"Agenda de {identity.user}"))
        for home, name in homes:
            if home not in self._ensured and pathutils.is_safe_path_component(home.strip("/").split("/")[-1]):
                self._ensure(home, name, identity.user)

    def _ensure(self, home: str, name: str, user: str) -> None:
        """Create `home` and its `agenda` calendar named `name` unless `home` exists."""
        storage = self._radicale._storage
        with self._ensure_lock, storage.acquire_lock("w", user):
            if next(iter(storage.discover(home, depth="0")), None) is None:
                storage.create_collection(home)
                storage.create_collection(f"{home}{CALENDAR}/", props={
                    "tag": "VCALENDAR",
                    "D:displayname": name,
                    "C:supported-calendar-component-set": "VEVENT,VTODO",
                })
            self._ensured.add(home)


async def _well_known(request: Request) -> Response:
    return RedirectResponse("/dav/", status_code=301)


def routes(dav: DavApp) -> list[BaseRoute]:
    """`/.well-known/caldav` and `/.well-known/carddav` (redirects), and `/dav` itself."""
    return [
        Route("/.well-known/caldav", _well_known, methods=_WELL_KNOWN_METHODS),
        Route("/.well-known/carddav", _well_known, methods=_WELL_KNOWN_METHODS),
        Mount("/dav", app=dav),
    ]
