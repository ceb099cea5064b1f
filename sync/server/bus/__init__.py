"""The server's pluggable fan-out bus: the contract in `base`, in-process in `memory`."""

from .base import Bus, Envelope, Subscription, load

__all__ = ["Bus", "Envelope", "Subscription", "load"]
