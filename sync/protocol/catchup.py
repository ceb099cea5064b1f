"""The HTTP catch-up path's wire format, shared by the client and the server.

`GET /api/docs/{id}/update?sv=<state vector>` answers the update the caller lacks, with the
server's state vector in STATE_VECTOR_HEADER; `POST` takes an update. State vectors travel as
base64url: padded when written, padding optional when read.
"""

from __future__ import annotations

import base64
import binascii

STATE_VECTOR_HEADER = "X-Parvis-State-Vector"
OCTET_STREAM = "application/octet-stream"


def b64url_encode(data: bytes) -> str:
    """Return the padded base64url text of `data`."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url, padded or not. Raises ValueError."""
    text = text.strip()
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("base64url invalide") from exc
