"""parvis-server, the sovereign server: an ASGI app (Starlette) served by uvicorn.

Public surface: `ServerConfig` and `create_app`; the command line is `sync.server.cli:main`.
"""

from .app import create_app
from .config import ServerConfig

__all__ = ["ServerConfig", "create_app"]
