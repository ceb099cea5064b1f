"""Calendar fixtures: one real standalone Radicale per test session (tests/calservers.py), and a
fresh user for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.calservers import CalUser, Radicale


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    """Radicale 3.9 on loopback (`radicale.url`), htpasswd users, `owner_only` rights. Started
    once (about 0.3 s); users are added without restarting it."""
    server = Radicale().start(tmp_path_factory.mktemp("cal"))
    yield server
    server.stop()


@pytest.fixture
def cal_user(radicale: Radicale) -> CalUser:
    """A new user with no calendar yet (`radicale.make_calendar(cal_user, "Nom")` makes one).
    Also brings back a Radicale that an earlier test stopped without restarting it."""
    if not radicale.running:
        radicale.restart()
    return radicale.add_user()
