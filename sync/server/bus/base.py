"""The fan-out bus contract: publish a message to a document's channel, every subscriber gets it.

The in-process bus (`memory.py`) is the default. A Redis bus can implement the same contract to
fan out across server processes; its subscribers then also receive messages from other nodes,
which they recognise by `Envelope.node`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import ServerConfig


@dataclass(frozen=True, slots=True)
class Envelope:
    """One message on a channel: `data` is one y-websocket message (an update or awareness);
    `node` names the publishing process and `sender` the connection it came from (or "")."""

    node: str
    sender: str
    data: bytes


Handler = Callable[[Envelope], None]


class Subscription(ABC):
    """What `Bus.subscribe` returns."""

    @abstractmethod
    def close(self) -> None:
        """Stop delivering to this subscriber. Idempotent. Loop thread."""


class Bus(ABC):
    """Fan-out of messages per channel (one channel per document)."""

    @abstractmethod
    async def open(self) -> None:
        """Connect. Loop thread."""

    @abstractmethod
    async def close(self) -> None:
        """Disconnect; subscriptions stop. Loop thread."""

    @abstractmethod
    def subscribe(self, channel: str, handler: Handler) -> Subscription:
        """Call `handler(envelope)` on the loop thread for each message published to `channel`,
        including this process's own. Handlers must not block. Loop thread."""

    @abstractmethod
    def publish(self, channel: str, envelope: Envelope) -> None:
        """Deliver `envelope` to every subscriber of `channel`. Never blocks: this process's
        subscribers are called before it returns; a bus that spans processes queues the message
        for them. Loop thread."""


def load(config: ServerConfig) -> Bus:
    """Return the (unopened) bus named by `config.bus`. Raises ValueError. Any thread."""
    if config.bus == "memory":
        from .memory import MemoryBus

        return MemoryBus()
    raise ValueError(f"bus inconnu : {config.bus}")
