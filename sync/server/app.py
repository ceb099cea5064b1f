"""The ASGI application: routes, JSON errors in French, and a lifespan that opens and closes the
store (with its writer thread), the blob store (sweeping the files nothing uses), the bus, the
rooms, the part files of the document bank's uploads (dropping abandoned ones) and the
CalDAV/CardDAV server at `/dav/` (dav.py)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from . import (
    api,
    catchup,
    chat,
    chat_attachments,
    chat_events,
    chat_messages,
    dav,
    files,
    files_content,
    files_ops,
    files_uploads,
)
from .auth import Authenticator, make_hasher
from .bus import load as load_bus
from .config import ServerConfig
from .deps import ApiError, Services, error_response
from .errors import StoreError
from .rooms import RoomManager
from .store import load as load_store
from .store.blobs import load as load_blobs
from .ws import YjsMiddleware

log = logging.getLogger(__name__)

_HTTP_MESSAGES = {
    400: "requête invalide",
    404: "ressource introuvable",
    405: "méthode non autorisée pour cette ressource",
}


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    response = error_response(exc.status_code, _HTTP_MESSAGES.get(exc.status_code, "erreur HTTP"))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _store_error(request: Request, exc: Exception) -> Response:
    log.error("erreur du stockage : %s", exc)
    return error_response(503, "stockage du serveur indisponible, réessayez plus tard")


async def _internal_error(request: Request, exc: Exception) -> Response:
    return error_response(500, "erreur interne du serveur")


def create_app(config: ServerConfig) -> Starlette:
    """Return the server app for `config`. Nothing is opened until the ASGI lifespan starts; the
    services are then in `app.state.services`. Any thread may call this."""
    dav_app = dav.DavApp(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = load_store(config)
        await store.open()
        bus = load_bus(config)
        blobs = load_blobs(config)
        try:
            await blobs.open()
            await chat_attachments.sweep_unused_blobs(store, blobs)
            app.state.file_parts = await files_uploads.open_parts(config, store)
            await bus.open()
            rooms = RoomManager(store, bus, config, node=uuid.uuid4().hex)
            auth = Authenticator(store, make_hasher(config))
            app.state.services = Services(config, store, bus, auth, rooms, blobs)
            dav_app.open()
            try:
                yield
            finally:
                dav_app.close()
                await rooms.close()
                await bus.close()
        finally:
            await blobs.close()
            await store.close()

    return Starlette(
        routes=[*api.routes(), *catchup.routes(), *chat.routes(), *chat_messages.routes(),
                *chat_attachments.routes(), *chat_events.routes(), *files.routes(), *files_ops.routes(),
                *files_content.routes(), *files_uploads.routes(), *dav.routes(dav_app)],
        middleware=[Middleware(YjsMiddleware)],
        lifespan=lifespan,
        exception_handlers={
            files.FilesApiError: files.files_api_error,
            ApiError: _api_error,
            HTTPException: _http_error,
            StoreError: _store_error,
            Exception: _internal_error,
        },
    )
