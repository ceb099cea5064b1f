"""The in-process fan-out bus: subscribers are called synchronously by `publish`."""

from __future__ import annotations

import logging

from .base import Bus, Envelope, Handler, Subscription

log = logging.getLogger(__name__)


class _MemorySubscription(Subscription):
    def __init__(self, bus: MemoryBus, channel: str, handler: Handler) -> None:
        self._bus = bus
        self.channel = channel
        self.handler = handler

    def close(self) -> None:
        """See `Bus.close`."""
        self._bus._remove(self)


class MemoryBus(Bus):
    """Single-process bus. Loop thread only."""

    def __init__(self) -> None:
        self._channels: dict[str, list[_MemorySubscription]] = {}

    async def open(self) -> None:
        """See `Bus.open`."""
        return None

    async def close(self) -> None:
        """See `Bus.close`."""
        self._channels.clear()

    def subscribe(self, channel: str, handler: Handler) -> Subscription:
        """See `Bus.subscribe`."""
        sub = _MemorySubscription(self, channel, handler)
        self._channels.setdefault(channel, []).append(sub)
        return sub

    def publish(self, channel: str, envelope: Envelope) -> None:
        """See `Bus.publish`."""
        for sub in tuple(self._channels.get(channel, ())):
            try:
                sub.handler(envelope)
            except Exception:  # one bad subscriber must not starve the others
                log.exception("abonné du canal %s en échec", channel)

    def _remove(self, sub: _MemorySubscription) -> None:
        subs = self._channels.get(sub.channel)
        if subs and sub in subs:
            subs.remove(sub)
            if not subs:
                del self._channels[sub.channel]

    def subscriber_count(self, channel: str) -> int:
        """How many subscribers a channel has (for tests and statistics)."""
        return len(self._channels.get(channel, ()))
