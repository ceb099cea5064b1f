"""A small CalDAV client over httpx (RFC 4791, RFC 6578): discovery, sync-collection, a full
ETag listing, calendar-multiget, and conditional PUT/DELETE. No store access here.

Hrefs are kept as decoded absolute paths ('/alice/travail/x.ics'), whatever form the server
answers in, so that they compare equal.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree as ET

import httpx

from ..errors import AuthFailed, Refused, SyncError
from ..http import TIMEOUT, explain

D, C, CS, A = "DAV:", "urn:ietf:params:xml:ns:caldav", "http://calendarserver.org/ns/", "http://apple.com/ns/ical/"
_NS = f'xmlns:D="{D}" xmlns:C="{C}" xmlns:CS="{CS}" xmlns:A="{A}"'
MULTIGET_BATCH = 100


class TokenRefused(Exception):
    """The server no longer knows the sync token (403/409 valid-sync-token)."""


class PreconditionFailed(Exception):
    """412: the resource is not in the state If-Match / If-None-Match said."""


@dataclass(frozen=True)
class RemoteCalendar:
    href: str
    name: str
    color: str
    ctag: str | None


@dataclass(frozen=True)
class Changes:
    """What changed since a token: href → etag, hrefs deleted, and the new token. `full`: a
    complete listing (every resource not in `changed` is gone)."""

    changed: dict[str, str]
    deleted: list[str]
    token: str | None
    full: bool


def norm(href: str) -> str:
    return unquote(urlsplit(href).path)


def _tag(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


class Dav:
    """A CalDAV session for one account. Use `async with`."""

    def __init__(self, url: str, username: str, password: str, ca_file: str | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        verify: Any = ssl.create_default_context(cafile=ca_file) if ca_file else True
        self.url = url
        self.client = httpx.AsyncClient(auth=httpx.BasicAuth(username, password), verify=verify, timeout=TIMEOUT,
                                        trust_env=True, follow_redirects=True, transport=transport)

    async def __aenter__(self) -> Dav:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def request(self, method: str, href: str, body: str | None = None, **headers: str) -> httpx.Response:
        """Send one request; raise Unreachable, AuthFailed. Other statuses are the caller's."""
        sent = {k.replace("_", "-"): v for k, v in headers.items()}
        if body is not None:
            sent.setdefault("Content-Type", 'application/xml; charset="utf-8"')
        try:
            response = await self.client.request(method, urljoin(self.url, href),
                                                 content=body.encode() if body is not None else None, headers=sent)
        except (httpx.TransportError, OSError) as exc:
            raise explain(exc, self.url) from exc
        if response.status_code == 401:
            raise AuthFailed(f"Le serveur d'agenda {self.url} refuse l'identifiant ou le mot de passe. Ajoutez le "
                             "compte à nouveau avec « parvis cal account add ».")
        return response

    async def _multistatus(self, method: str, href: str, body: str, depth: str | None) -> ET.Element:
        headers = {"Depth": depth} if depth is not None else {}
        response = await self.request(method, href, body, **headers)
        if response.status_code != 207:
            _fail(response, f"{method} {href}")
        try:
            return ET.fromstring(response.content)
        except ET.ParseError as exc:
            raise SyncError(f"Réponse illisible du serveur d'agenda ({method} {href}) : {exc}.") from exc

    async def _prop(self, href: str, ns: str, name: str) -> str | None:
        root = await self._multistatus("PROPFIND", href, f'<D:propfind {_NS}><D:prop><{_prefix(ns)}:{name}/>'
                                       "</D:prop></D:propfind>", "0")
        found = root.find(f".//{_tag(ns, name)}/{_tag(D, 'href')}")
        return None if found is None or not found.text else norm(urljoin(self.url, found.text.strip()))

    async def discover(self) -> list[RemoteCalendar]:
        """The user's event calendars: principal → calendar home → its calendar collections."""
        principal = await self._prop(self.url, D, "current-user-principal")
        if principal is None:
            principal = await self._prop("/.well-known/caldav", D, "current-user-principal")
        if principal is None:
            raise SyncError(f"Le serveur {self.url} ne se présente pas comme un serveur CalDAV "
                            "(pas de current-user-principal).")
        home = await self._prop(principal, C, "calendar-home-set")
        if home is None:
            raise SyncError(f"Le serveur {self.url} n'indique pas de dossier d'agendas (calendar-home-set).")
        calendars = await self._calendars_in(home)
        # Service calendars: parvis-server keeps each group's beside the users' homes, under
        # groups/, and lists there only the groups one belongs to. Elsewhere it is simply absent.
        groups = home.rstrip("/").rsplit("/", 1)[0] + "/groups/"
        response = await self.request("PROPFIND", groups, f"<D:propfind {_NS}><D:prop><D:resourcetype/>"
                                                          "</D:prop></D:propfind>", depth="1")
        if response.status_code == 207:
            for item in ET.fromstring(response.content).findall(_tag(D, "response")):
                href = norm(item.findtext(_tag(D, "href"), ""))
                if href.rstrip("/") != groups.rstrip("/") and href.startswith(groups):
                    calendars += await self._calendars_in(href if href.endswith("/") else href + "/")
        return calendars

    async def _calendars_in(self, folder: str) -> list[RemoteCalendar]:
        """The event calendars directly inside `folder`."""
        # Not D:sync-token: the pull asks sync-collection with the token it stored, and Radicale
        # reads every item to compute it; asked here beside the CTag, it more than doubled the
        # cost of a round with nothing new (5,000 events: 555 → 213 ms for this PROPFIND).
        root = await self._multistatus(
            "PROPFIND", folder, f"<D:propfind {_NS}><D:prop><D:resourcetype/><D:displayname/><A:calendar-color/>"
            "<CS:getctag/><C:supported-calendar-component-set/></D:prop></D:propfind>", "1")
        calendars = []
        for response in root.findall(_tag(D, "response")):
            href = norm(response.findtext(_tag(D, "href"), ""))
            props = _ok_props(response)
            kind = props.get(_tag(D, "resourcetype"))
            if kind is None or kind.find(_tag(C, "calendar")) is None:
                continue
            comps = props.get(_tag(C, "supported-calendar-component-set"))
            if comps is not None and len(comps) > 0 and not any(c.get("name") == "VEVENT" for c in comps):
                continue
            name = _text(props, D, "displayname") or href.rstrip("/").rsplit("/", 1)[-1]
            color = (_text(props, A, "calendar-color") or "")[:7]
            calendars.append(RemoteCalendar(href if href.endswith("/") else href + "/", name, color,
                                            _text(props, CS, "getctag")))
        return calendars

    async def changes(self, href: str, token: str | None) -> Changes:
        """sync-collection since `token` (None: everything). Raises TokenRefused."""
        body = (f'<D:sync-collection {_NS}><D:sync-token>{_escape(token or "")}</D:sync-token>'
                "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>")
        response = await self.request("REPORT", href, body)
        if response.status_code in (403, 409) and b"valid-sync-token" in response.content:
            raise TokenRefused()
        if response.status_code != 207:
            _fail(response, f"REPORT {href}")
        root = ET.fromstring(response.content)
        changed, deleted = {}, []
        for item in root.findall(_tag(D, "response")):
            item_href = norm(item.findtext(_tag(D, "href"), ""))
            if item_href.rstrip("/") == href.rstrip("/"):
                continue
            status = item.findtext(_tag(D, "status"), "")
            etag = _text(_ok_props(item), D, "getetag")
            if " 404" in status:
                deleted.append(item_href)
            elif etag is not None:
                changed[item_href] = etag
        return Changes(changed, deleted, root.findtext(_tag(D, "sync-token")), full=not token)

    async def listing(self, href: str) -> Changes:
        """Every resource of the calendar with its ETag (PROPFIND Depth 1), for servers without
        sync-collection."""
        root = await self._multistatus("PROPFIND", href, f"<D:propfind {_NS}><D:prop><D:getetag/></D:prop>"
                                       "</D:propfind>", "1")
        changed = {}
        for item in root.findall(_tag(D, "response")):
            item_href = norm(item.findtext(_tag(D, "href"), ""))
            etag = _text(_ok_props(item), D, "getetag")
            if item_href.rstrip("/") != href.rstrip("/") and etag is not None:
                changed[item_href] = etag
        return Changes(changed, [], None, full=True)

    async def multiget(self, href: str, hrefs: Sequence[str]) -> dict[str, tuple[str, str]]:
        """href → (etag, iCalendar text) of the given resources (those gone meanwhile are absent)."""
        result: dict[str, tuple[str, str]] = {}
        for start in range(0, len(hrefs), MULTIGET_BATCH):
            listed = "".join(f"<D:href>{_escape(h)}</D:href>" for h in hrefs[start:start + MULTIGET_BATCH])
            root = await self._multistatus("REPORT", href, f"<C:calendar-multiget {_NS}><D:prop><D:getetag/>"
                                           f"<C:calendar-data/></D:prop>{listed}</C:calendar-multiget>", "1")
            for item in root.findall(_tag(D, "response")):
                props = _ok_props(item)
                etag, data = _text(props, D, "getetag"), _text(props, C, "calendar-data")
                if etag is not None and data:
                    result[norm(item.findtext(_tag(D, "href"), ""))] = (etag, data)
        return result

    async def get(self, href: str) -> tuple[str, str] | None:
        """(etag, text) of one resource, or None when it is gone."""
        response = await self.request("GET", href)
        if response.status_code == 404:
            return None
        if not response.is_success:
            _fail(response, f"GET {href}")
        return response.headers.get("ETag", ""), response.text

    async def put(self, href: str, text: str, etag: str | None) -> str | None:
        """Write a resource: If-Match `etag`, or If-None-Match * for a creation. Returns the new
        ETag when the server gives it. Raises PreconditionFailed on 412."""
        condition = {"If_Match": etag} if etag is not None else {"If_None_Match": "*"}
        response = await self.request("PUT", href, text, Content_Type="text/calendar; charset=utf-8", **condition)
        if response.status_code == 412:
            raise PreconditionFailed()
        if not response.is_success:
            _fail(response, f"PUT {href}")
        return response.headers.get("ETag")

    async def delete(self, href: str, etag: str | None) -> None:
        """DELETE with If-Match (already gone is fine). Raises PreconditionFailed on 412."""
        response = await self.request("DELETE", href, None, **({"If_Match": etag} if etag else {}))
        if response.status_code == 412:
            raise PreconditionFailed()
        if not response.is_success and response.status_code != 404:
            _fail(response, f"DELETE {href}")


def _prefix(ns: str) -> str:
    return {D: "D", C: "C", CS: "CS", A: "A"}[ns]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _ok_props(response: ET.Element) -> dict[str, ET.Element]:
    props: dict[str, ET.Element] = {}
    for propstat in response.findall(_tag(D, "propstat")):
        found = propstat.find(_tag(D, "prop"))
        if found is not None and " 200" in propstat.findtext(_tag(D, "status"), ""):
            for prop in found:
                props[prop.tag] = prop
    return props


def _text(props: dict[str, ET.Element], ns: str, name: str) -> str | None:
    element = props.get(_tag(ns, name))
    return None if element is None or element.text is None else element.text.strip()


def _fail(response: httpx.Response, what: str) -> None:
    message = f"Le serveur d'agenda a refusé {what} ({response.status_code} {response.reason_phrase})."
    if response.status_code in (400, 403, 404, 405, 409, 413, 415):
        raise Refused(message)
    raise SyncError(message)
