"""Machine-wide settings set by municipal IT: enforced policies and installation presets.

Each setting is looked up, in order, in:
1. the enforced policies: `HKLM\\Software\\Policies\\Parvis` on Windows (GPO, the ADMX templates in
   `packaging/windows/policies/`), `/etc/parvis/policies.json` elsewhere. A value found here is
   locked: the UI shows it greyed out;
2. the installation presets: `HKLM\\Software\\Parvis` (written by the MSI from SERVER_URL, CA_FILE…),
   or the `"Defaults"` object of the same JSON file;
3. the user's own choice, then the built-in default.

Pure Python (no Qt): the CLI uses it too. Reading the registry or the file is cheap; call
`load()` once at start. A malformed value is ignored and described in `Policies.problems`,
never fatal: a typo in a GPO must not keep agents out of their documents.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

POLICY_KEY = r"Software\Policies\Parvis"
PRESET_KEY = r"Software\Parvis"
POLICY_FILE = Path("/etc/parvis/policies.json")

# Setting name (the registry value name and JSON key) → its type.
SETTINGS: dict[str, type] = {
    "ServerUrl": str,  # the authority's server, e.g. https://parvis.mairie.fr
    "CaFile": str,  # the internal PKI's certificate authority (PEM)
    "DisableLocalOnly": bool,  # a server account is required: no "this computer only" profile
    "MailBodyDays": int,  # days of mail bodies kept offline
    "MaxAttachmentMB": int,  # largest attachment, in megabytes
}
LIMITS = {"MailBodyDays": (0, 3650), "MaxAttachmentMB": (1, 10_000)}


class Source(Protocol):
    """Where raw values come from: the registry, a JSON file, or a test's dict."""

    label: str

    def read(self, name: str) -> Any:
        """The raw value of `name`, or None when absent."""


@dataclass(frozen=True)
class Value:
    """A setting's effective value and where it came from: "policy" (locked), "preset",
    "user" or "default"."""

    value: Any
    source: str

    @property
    def locked(self) -> bool:
        return self.source == "policy"


@dataclass
class Policies:
    """The machine's policy and preset sources, consulted in that order."""

    policy: list[Source] = field(default_factory=list)
    preset: list[Source] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def get(self, name: str, user: Any = None, default: Any = None) -> Value:
        """The effective value of setting `name`: policy, then preset, then `user`, then
        `default`. Raises KeyError for a name not in SETTINGS."""
        kind = SETTINGS[name]
        for tier, sources in (("policy", self.policy), ("preset", self.preset)):
            for source in sources:
                raw = source.read(name)
                if raw is None:
                    continue
                value, problem = _coerce(name, kind, raw)
                if problem is None:
                    return Value(value, tier)
                note = f"{source.label} : {problem}"
                if note not in self.problems:
                    self.problems.append(note)
        if user is not None:
            return Value(user, "user")
        return Value(default, "default")


def _coerce(name: str, kind: type, raw: Any) -> tuple[Any, str | None]:
    """Turn a registry or JSON value into the setting's type; (value, None) or (None, why)."""
    if kind is bool:
        if isinstance(raw, bool):
            return raw, None
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw), None
        if isinstance(raw, str) and raw.strip().lower() in ("0", "1", "true", "false"):
            return raw.strip().lower() in ("1", "true"), None
        return None, f"{name} attend 0 ou 1, pas {raw!r} ; valeur ignorée."
    if kind is int:
        try:
            number = int(raw, 10) if isinstance(raw, str) else int(raw)
        except (TypeError, ValueError):
            return None, f"{name} attend un nombre entier, pas {raw!r} ; valeur ignorée."
        low, high = LIMITS.get(name, (-(2**31), 2**31 - 1))
        if not low <= number <= high or isinstance(raw, bool):
            return None, f"{name} doit être compris entre {low} et {high} (reçu {raw!r}) ; valeur ignorée."
        return number, None
    if not isinstance(raw, str) or not raw.strip():
        return None, f"{name} attend un texte non vide, pas {raw!r} ; valeur ignorée."
    text = raw.strip()
    if name == "ServerUrl" and not text.startswith(("https://", "http://")):
        return None, f"ServerUrl doit commencer par https:// (reçu {text!r}) ; valeur ignorée."
    return text, None


class RegistrySource:
    """Values of one HKLM key, read with `winreg` (Windows only). 64-bit view: the MSI is x64."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.label = f"HKLM\\{key}"

    def read(self, name: str) -> Any:
        import winreg  # Windows only; imported here so the module loads everywhere

        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, self.key, 0,  # type: ignore[attr-defined]
                                winreg.KEY_READ | winreg.KEY_WOW64_64KEY) as handle:  # type: ignore[attr-defined]
                value, _ = winreg.QueryValueEx(handle, name)  # type: ignore[attr-defined]
        except OSError:
            return None
        return value


class MappingSource:
    """Values from a mapping (a JSON object, or a test's stand-in for the registry)."""

    def __init__(self, values: Mapping[str, Any], label: str) -> None:
        self.values = values
        self.label = label

    def read(self, name: str) -> Any:
        return self.values.get(name)


def _json_sources(path: Path, problems: list[str]) -> tuple[list[Source], list[Source]]:
    """The enforced values (top level) and presets ("Defaults") of a policies.json."""
    if not path.exists():
        return [], []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("un objet JSON est attendu")
    except (OSError, ValueError) as exc:
        problems.append(f"{path} est illisible ({exc}) ; il est ignoré.")
        return [], []
    defaults = data.get("Defaults")
    enforced = {k: v for k, v in data.items() if k != "Defaults"}
    unknown = sorted(set(enforced) - set(SETTINGS))
    if unknown:
        problems.append(f"{path} : réglage(s) inconnu(s) ignoré(s) : {', '.join(unknown)}.")
    presets: list[Source] = []
    if isinstance(defaults, dict):
        presets.append(MappingSource(defaults, f"{path} (Defaults)"))
    return [MappingSource(enforced, str(path))], presets


def load(platform: str = sys.platform, registry: Callable[[str], Source] = RegistrySource) -> Policies:
    """The machine's policies: the registry on Windows, `/etc/parvis/policies.json` elsewhere
    (PARVIS_POLICY_FILE points to another file, for tests and for packagers)."""
    policies = Policies()
    if platform == "win32":
        policies.policy.append(registry(POLICY_KEY))
        policies.preset.append(registry(PRESET_KEY))
        return policies
    path = Path(os.environ.get("PARVIS_POLICY_FILE") or POLICY_FILE)
    policies.policy, policies.preset = _json_sources(path, policies.problems)
    return policies
