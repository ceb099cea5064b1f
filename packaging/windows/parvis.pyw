"""Parvis launcher for Windows, installed as app\\parvis.pyw.

The Start-menu shortcut runs it with pythonw.exe, which opens no console window; then Python
has no stdout or stderr, so this keeps what the app writes (a traceback, say) in
%LOCALAPPDATA%\\Parvis\\Logs\\parvis.log for support. With python.exe it behaves like the
`parvis` command: `python.exe parvis.pyw --self-test`, `python.exe parvis.pyw docs list`.
"""

import os
import sys

if sys.stdout is None or sys.stderr is None:
    try:
        _logs = os.path.join(os.environ.get("LOCALAPPDATA") or os.path.expanduser("~"), "Parvis", "Logs")
        os.makedirs(_logs, exist_ok=True)
        _log = open(os.path.join(_logs, "parvis.log"), "w", encoding="utf-8", buffering=1)  # noqa: SIM115
    except OSError:
        _log = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    sys.stdout = sys.stdout or _log
    sys.stderr = sys.stderr or _log
for _stream in (sys.stdout, sys.stderr):
    # Redirected to a file or a pipe (`python.exe parvis.pyw --self-test > result.txt`), Python
    # would write in the ANSI code page, where ✓ does not exist: UTF-8 instead, as Python 3.15 will.
    if not _stream.isatty() and hasattr(_stream, "reconfigure"):
        _stream.reconfigure(encoding="utf-8", errors="backslashreplace")

from desktop.cli import main  # noqa: E402

sys.exit(main())
