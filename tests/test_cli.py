"""The command line: what it leaves on disk is the operator's alone (umask 0o077, var/ 0700)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import keep_private
from bot.settings import PROJECT_ROOT
from bot.topology import Service


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask (0o022) around the test, and this process's own restored after it."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_var_the_database_and_the_key_are_private(env: dict[str, str], open_umask) -> None:
    var = Path(env["BOT_VAR_DIR"])
    var.mkdir(mode=0o755)  # as an earlier version left it
    environment = {k: v for k, v in os.environ.items() if k not in ("BOT_DATA_KEY", "DATABASE_URL")}
    environment.update(BOT_VAR_DIR=str(var))

    for command in ("migrate", "check"):
        subprocess.run(
            [sys.executable, "-m", "bot.cli", command], cwd=PROJECT_ROOT, env=environment,
            check=True, capture_output=True,
        )  # fmt: skip

    assert mode(var) == 0o700
    written = [p for p in var.iterdir() if p.is_file()]
    assert {p.name for p in written} >= {"bot.db", "data.key"}
    assert {p.name: mode(p) for p in written} == {p.name: 0o600 for p in written}


def test_processes_started_by_the_cli_write_private_logs_and_files(
    tmp_path: Path, open_umask
) -> None:
    var = tmp_path / "var"
    keep_private(var)
    logs = var / "logs"
    logs.mkdir()
    made = var / "made-by-child"
    child = Service(
        "probe", [sys.executable, "-c", f"open({str(made)!r}, 'w').write('x'); print('up')"],
        dict(os.environ), "", logs,
    )  # fmt: skip

    child.start()
    assert child.process is not None and child.process.wait(timeout=30) == 0

    assert (logs / "probe.log").read_text().strip() == "up"
    assert mode(logs) == 0o700
    assert mode(logs / "probe.log") == 0o600
    assert mode(made) == 0o600
