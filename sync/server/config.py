"""Server configuration: one frozen value built by the CLI (or a test) and passed everywhere."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sync.protocol.update import UpdateLimits

from .errors import InvalidName

MIB = 1024 * 1024

DOC_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
ATTACHMENT_ID_RE = re.compile(r"[0-9a-f]{32}")
USERNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


@dataclass(frozen=True)
class ServerConfig:
    """Everything the server needs to know. Only `data_dir` has no default.

    - `max_message_bytes`: cap on one WebSocket frame; `update_limits` caps one update (REST and WS).
    - `compaction_threshold`: a live room compacts its document once this many updates sit in the tail.
    - `unload_compaction_threshold`: a room being unloaded compacts first if its tail is at least this long.
    - `outbox_max_bytes`: a connection whose unsent messages exceed this is closed (slow reader).
    - `max_chat_text_chars`: cap on one chat message; `chat_page_*`: history page sizes.
    - `chat_batch_max`: most messages in one batch post; the batch body may be that many times
      `max_json_body_bytes`.
    - `max_attachment_bytes`: cap on one chat attachment (25 MB by default).
    - `blob_store`: where file contents go ("file": `blobs_path`).
    - `files_*`: the document bank. `files_keep_versions` versions are kept per file;
      `files_default_quota_bytes` is a new folder's quota (10 Gio; a creator may ask for less,
      `parvis-server files quota` sets any); `files_max_simple_upload_bytes` caps a one-request
      upload (bigger files go through an upload session); chunks of a session are between
      `files_min_chunk_bytes` and `files_max_chunk_bytes` (held in memory while checked);
      sessions untouched for `files_upload_ttl_seconds` are dropped at start-up.
    - `argon2_*`: Argon2id parameters for new password hashes (argon2-cffi defaults).
    """

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8765
    tls_cert: Path | None = None
    tls_key: Path | None = None
    store: str = "sqlite"
    bus: str = "memory"
    max_message_bytes: int = 8 * MIB
    update_limits: UpdateLimits = field(default_factory=UpdateLimits)
    max_state_vector_bytes: int = 64 * 1024
    max_awareness_bytes: int = 64 * 1024
    max_json_body_bytes: int = 64 * 1024
    max_chat_text_chars: int = 10_000
    chat_page_default: int = 50
    chat_page_max: int = 200
    chat_batch_max: int = 100
    max_attachment_bytes: int = 25 * MIB
    blob_store: str = "file"
    files_keep_versions: int = 10
    files_default_quota_bytes: int = 10 * 1024 * MIB
    files_max_simple_upload_bytes: int = 32 * MIB
    files_min_chunk_bytes: int = 256 * 1024
    files_max_chunk_bytes: int = 32 * MIB
    files_upload_ttl_seconds: float = 7 * 24 * 3600.0
    files_changes_page_max: int = 5000
    compaction_threshold: int = 500
    unload_compaction_threshold: int = 20
    outbox_max_bytes: int = 64 * MIB
    read_threads: int = 4
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    argon2_parallelism: int = 4

    @property
    def database_path(self) -> Path:
        """The SQLite file inside `data_dir`."""
        return self.data_dir / "parvis-server.db"

    @property
    def dav_path(self) -> Path:
        """The CalDAV/CardDAV collections (Radicale's files) inside `data_dir`."""
        return self.data_dir / "dav"

    @property
    def blobs_path(self) -> Path:
        """The folder of file contents (chat attachments, bank files) inside `data_dir`."""
        return self.data_dir / "blobs"

    @property
    def uploads_path(self) -> Path:
        """The part files of resumable uploads inside `data_dir` (same disk as `blobs_path`, so
        a finished upload is renamed into place, not copied)."""
        return self.data_dir / "uploads"


def check_doc_id(doc_id: str) -> str:
    """Return `doc_id` unchanged, or raise InvalidName. Any thread."""
    if not DOC_ID_RE.fullmatch(doc_id):
        raise InvalidName(
            "identifiant de document invalide : 1 à 64 caractères parmi A-Z, a-z, 0-9, « _ » et « - »"
        )
    return doc_id


def check_attachment_id(att_id: str) -> str:
    """Return `att_id` unchanged, or raise InvalidName: a UUID in 32 lowercase hex digits. Any
    thread."""
    if not ATTACHMENT_ID_RE.fullmatch(att_id):
        raise InvalidName(
            "identifiant de pièce jointe invalide : un UUID en 32 chiffres hexadécimaux (minuscules) attendu"
        )
    return att_id


def check_group_name(name: str) -> str:
    """Return `name` unchanged, or raise InvalidName. Group names follow the user-name pattern.
    Any thread."""
    if not USERNAME_RE.fullmatch(name):
        raise InvalidName(
            "nom de groupe invalide : 1 à 64 caractères parmi lettres, chiffres, « . », « _ », « @ » "
            "et « - », commençant par une lettre ou un chiffre"
        )
    return name


def check_username(username: str) -> str:
    """Return `username` unchanged, or raise InvalidName. Any thread."""
    if not USERNAME_RE.fullmatch(username):
        raise InvalidName(
            "nom d'utilisateur invalide : 1 à 64 caractères parmi lettres, chiffres, « . », « _ », « @ » "
            "et « - », commençant par une lettre ou un chiffre"
        )
    return username
