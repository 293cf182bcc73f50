"""The command line's own glue: the service directory's import at start-up and by command."""

from __future__ import annotations

from bot.cli import import_services
from bot.settings import Settings


def test_start_up_imports_an_unedited_directory_once_and_the_command_always(
    settings: Settings, sessions
) -> None:
    first = import_services(settings, only_if_differs=True)
    assert first is not None and first.startswith("service directory: imported ")
    assert first.endswith("services from data/services.yml")
    assert import_services(settings, only_if_differs=True) is None
    assert import_services(settings, only_if_differs=False).startswith("imported ")
