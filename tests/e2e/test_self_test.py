"""`parvis --self-test`, as municipal IT runs it after a deployment."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .servers import executable


def test_self_test_passes_and_leaves_no_profile_behind(tmp_path: Path) -> None:
    env = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), TMPDIR=str(tmp_path))
    env.pop("PARVIS_PROFILE", None)
    result = subprocess.run([executable("parvis"), "--self-test"], env=env, capture_output=True, text=True,
                            timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("✓") == 3 and "réussi" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no profile made, temporary folder removed
