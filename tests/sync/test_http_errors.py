"""What a user reads when the network fails: plain French, never httpx's class names."""

from __future__ import annotations

import httpx

from sync.errors import Unreachable
from sync.http import explain

URL = "https://parvis.mairie.fr"


def test_transport_failures_are_said_plainly() -> None:
    for exc in (httpx.ReadError("x"), httpx.WriteError("x"), httpx.RemoteProtocolError("peer closed")):
        said = explain(exc, URL)
        assert isinstance(said, Unreachable)
        assert "Connexion coupée" in str(said) and "reprendra" in str(said) and "Error" not in str(said)
    said = explain(httpx.ConnectError("All connection attempts failed"), URL)
    assert "ne répond pas" in str(said) and "attempts" not in str(said)
    assert "délai dépassé" in str(explain(httpx.ReadTimeout("x"), URL))
