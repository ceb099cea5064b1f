"""The fan-out bus contract, run against every implementation (in-process today)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from sync.server.bus import Bus, Envelope
from sync.server.bus.memory import MemoryBus

pytestmark = pytest.mark.anyio

IMPLEMENTATIONS: dict[str, Callable[[], Bus]] = {"memory": MemoryBus}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[Bus]:
    b = IMPLEMENTATIONS[request.param]()
    await b.open()
    yield b
    await b.close()


async def test_publish_reaches_every_subscriber_of_the_channel_only(bus: Bus) -> None:
    got: dict[str, list[Envelope]] = {"a1": [], "a2": [], "b": []}
    bus.subscribe("doc-a", got["a1"].append)
    bus.subscribe("doc-a", got["a2"].append)
    bus.subscribe("doc-b", got["b"].append)
    env = Envelope("node-1", "conn-1", b"\x00\x02\x02\x00\x00")
    bus.publish("doc-a", env)  # local subscribers are called before publish returns
    assert got == {"a1": [env], "a2": [env], "b": []}


async def test_closed_subscription_gets_nothing_more(bus: Bus) -> None:
    got: list[Envelope] = []
    sub = bus.subscribe("doc", got.append)
    bus.publish("doc", Envelope("n", "", b"1"))
    sub.close()
    sub.close()  # idempotent
    bus.publish("doc", Envelope("n", "", b"2"))
    assert [e.data for e in got] == [b"1"]


async def test_a_failing_subscriber_does_not_starve_the_others(bus: Bus) -> None:
    got: list[Envelope] = []

    def broken(env: Envelope) -> None:
        raise RuntimeError("boom")

    bus.subscribe("doc", broken)
    bus.subscribe("doc", got.append)
    bus.publish("doc", Envelope("n", "", b"x"))
    assert len(got) == 1
