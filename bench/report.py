"""How every benchmark prints: one line per figure beside its target, and the entry point of a
benchmark module run alone (`python -m bench.mail [--quick] [--json]`)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

Line = Callable[[str, float, str, str, "bool | None"], str]


def line(label: str, value: float, unit: str, target: str, ok: bool | None) -> str:
    """A figure, its unit and target; [ok] or [MANQUÉ] when the target applies to this run."""
    verdict = "" if ok is None else ("  [ok]" if ok else "  [MANQUÉ]")
    return f"  {label:<48} {value:>10.2f} {unit:<6} {target}{verdict}"


def standalone(prog: str, run_all: Callable[..., Any], print_section: Callable[[Any, Line], None]) -> int:
    """Run one benchmark module's figures (`--quick` for smaller runs) and print them, or their
    JSON with `--json`."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run_all(quick=args.quick)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print_section(results, line)
    return 0
