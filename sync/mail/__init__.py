"""Mail over IMAP (and SMTP submission, `send`): sync, bodies on demand, new-mail wait, and the
checks of an account being added."""

from .idle import wait_for_new_mail
from .imap import Endpoint, ImapSession
from .sync import MailReport, fetch_body, sync_account, sync_mail

__all__ = ["Endpoint", "ImapSession", "MailReport", "fetch_body", "sync_account", "sync_mail", "wait_for_new_mail"]
