"""The command line's own glue: what ``run`` prints before and during the terminal chat, and
the service directory's import at start-up and by command."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot import cli
from bot.gateway import service
from bot.settings import Settings


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
