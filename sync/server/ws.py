"""The WebSocket endpoint `/yjs/{doc_id}`: authenticate and check rights BEFORE accepting, then
hand the socket to a `Connection` in the document's room.

It is served by a pure ASGI middleware rather than a route, so that each fan-out message goes
straight to the server's `send` instead of through Starlette's per-message wrappers.
"""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from .config import check_doc_id
from .connection import Connection, short_reason
from .deps import presented_token, services
from .errors import InvalidName, StoreError, UnknownDocument

log = logging.getLogger(__name__)

PATH_PREFIX = "/yjs/"
DENIAL_EXTENSION = "websocket.http.response"


async def deny(websocket: WebSocket, status: int, message: str) -> None:
    """Refuse the handshake: an HTTP `status` response with a JSON error when the server supports
    the denial-response extension (uvicorn does), else a close with code 4000 + status."""
    if DENIAL_EXTENSION in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(JSONResponse({"error": message}, status_code=status))
    else:
        await websocket.close(code=4000 + status, reason=short_reason(message))


async def serve_yjs(scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one y-websocket client. Token from `Authorization: Bearer` or `?token=`; `?ack=1`
    turns on Parvis's ack extension. Loop thread."""
    websocket = WebSocket(scope, receive, send)
    svc = services(websocket.app)
    doc_id = scope["path"][len(PATH_PREFIX) :]
    try:
        user = await svc.auth.user_for(presented_token(websocket, allow_query=True))
        if user is None:
            await deny(websocket, 401, "authentification requise : jeton absent, invalide ou révoqué")
            return
        role = await svc.store.get_role(check_doc_id(doc_id), user)
        if role is None:
            await deny(websocket, 403, "accès refusé : vous n'êtes pas membre de ce document")
            return
        room = await svc.rooms.acquire(doc_id)
    except (InvalidName, UnknownDocument):
        await deny(websocket, 404, f"document inconnu : {doc_id}")
        return
    except StoreError:
        log.exception("stockage indisponible pendant l'ouverture de %s", doc_id)
        await deny(websocket, 503, "stockage du serveur indisponible, réessayez plus tard")
        return
    try:
        await websocket.accept()
        ack = websocket.query_params.get("ack") == "1"
        await Connection(receive, send, room, (user, role), ack, svc.config).run()
    finally:
        await svc.rooms.release(room)


class YjsMiddleware:
    """Serves WebSocket requests under `/yjs/`; passes everything else to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"].startswith(PATH_PREFIX):
            await serve_yjs(scope, receive, send)
        else:
            await self.app(scope, receive, send)
