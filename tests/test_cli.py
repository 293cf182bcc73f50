"""The command line's own glue: what ``run`` prints before and during the terminal chat, the
service directory's import at start-up and by command, and what it leaves on disk (the
operator's alone: umask 0o077, var/ 0700)."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot import cli
from bot.gateway import service
from bot.settings import PROJECT_ROOT, Settings
from bot.topology import Service


class StartedProcesses:
    """The action + NLG server and Rasa, as ``topology.embedded`` gives them, not started."""

    def start(self) -> None:
        logging.getLogger("bot.topology").info("actions and rasa answer their health checks")

    def stop(self) -> None:
        pass

    def __getitem__(self, name: str) -> SimpleNamespace:
        return SimpleNamespace(health_url=f"http://127.0.0.1:1/{name}")


async def chatty_terminal(_settings: Settings, _core: object) -> None:
    """A chat of one reply, while the jobs beside it log as the real ones do."""
    logging.getLogger("bot.gateway.service").info("retention: removed {'people': 0}")
    logging.getLogger("bot.gateway.jobs").warning("job idle_claims failed; next try in 60 s")
    warnings.warn("Deprecated API features detected", DeprecationWarning, stacklevel=1)
    print("Bonjour et bienvenue !")


def test_run_prints_what_runs_where_then_the_conversation_alone(
    settings: Settings,
    launcher_logging: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    model = tmp_path / "model.tar.gz"
    model.touch()
    monkeypatch.setattr(cli, "model_path", lambda: model)
    monkeypatch.setattr(cli.topology, "embedded", lambda *_: StartedProcesses())
    monkeypatch.setattr(service, "build_core", lambda _settings: object())
    monkeypatch.setattr(service, "serve_terminal", chatty_terminal)

    cli.run(settings)  # real checks, migrations and directory import

    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0].startswith("service directory: imported ")
    assert lines[1:3] == ["starting the action + NLG server and the Rasa server...", lines[2]]
    assert lines[2].startswith("ready in ")
    assert [line.split()[0] for line in lines[3:9]] == [
        "action", "Rasa", "logs", "gateway", "caseworker", "chat",
    ]  # fmt: skip
    assert lines[9:] == ["", "Bonjour et bienvenue !"]
    logged = (settings.var_dir / "logs" / "gateway.log").read_text()
    for record in ("Running upgrade", "retention: removed", "idle_claims", "Deprecated API"):
        assert record in logged


def test_start_up_imports_an_unedited_directory_once_and_the_command_always(
    settings: Settings, sessions
) -> None:
    first = cli.import_services(settings, only_if_differs=True)
    assert first is not None and first.startswith("service directory: imported ")
    assert first.endswith("services from data/services.yml")
    assert cli.import_services(settings, only_if_differs=True) is None
    assert cli.import_services(settings, only_if_differs=False).startswith("imported ")


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
    cli.keep_private(var)
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
