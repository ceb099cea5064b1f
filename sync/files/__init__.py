"""The document bank's client: shared folders synced with a folder of this PC.

Public surface: the round (`sync_files`), what a user does (`refresh_folders`, `create_folder`,
`share_folder`, `members`, `choose_folder`, `stop_syncing`, `local_status`, `locate`,
`versions`, `restore`), the progress of transfers (`Transfers`), and the watcher lives in
`sync.files.watch` (it loads watchdog).
"""

from .api import (
    Version,
    choose_folder,
    create_folder,
    local_status,
    locate,
    members,
    refresh_folders,
    restore,
    share_folder,
    stop_syncing,
    sync_files,
    versions,
)
from .folder import FilesReport
from .progress import Transfer, Transfers

__all__ = ["FilesReport", "Transfer", "Transfers", "Version", "choose_folder", "create_folder", "local_status",
           "locate", "members", "refresh_folders", "restore", "share_folder", "stop_syncing", "sync_files",
           "versions"]
