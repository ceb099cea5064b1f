"""Calendar sync over CalDAV (any standard server): see `sync.cal.sync`."""

from .sync import CalReport, sync_account, sync_calendars

__all__ = ["CalReport", "sync_account", "sync_calendars"]
