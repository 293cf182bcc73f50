"""Fixtures shared by the whole suite: settings in a throwaway var/ directory, a migrated
database in it with its cipher, the centres and the renderer over the real domain and
catalogues. Hooks fail the test whose Bot API call broke the official specification (the fake
Bot API checks every call) and say at the end how many calls were checked."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy.orm import sessionmaker

from bot.centres import CentreDirectory, load_centres
from bot.crisis.detector import CrisisDetector
from bot.gateway.crisis import CrisisHelp
from bot.nlg.render import Renderer
from bot.nlg.templates import load_templates
from bot.settings import PROJECT_ROOT, Settings, load_settings
from bot.storage.db import make_engine, migrate, session_factory
from bot.storage.keys import cipher, data_keys
from tests.fakes.bot_api import checked_calls, take_violations
from tests.fakes.bot_api_spec import specification
from tests.helpers.postgres import SKIP_REASON, throwaway_database
from tests.helpers.redis_server import SKIP_REASON as REDIS_SKIP_REASON
from tests.helpers.redis_server import throwaway_prefix

# The hooks below are tested by running a test session inside a test.
pytest_plugins = ["pytester"]


class BotAPISpecViolation(AssertionError):
    """A Bot API call broke a rule of the official specification."""


def _violations_report(phase: str) -> str | None:
    broken = take_violations()
    if not broken:
        return None
    lines = [
        f"{len(broken)} Bot API call(s) during {phase} broke the official specification "
        f"({specification().version}):"
    ]
    for call in broken:
        lines += [f"  {rule}" for rule in call["rules"]]
    return "\n".join(lines)


def _fail_on_violations(phase: str):
    """After a test phase, fail it when a call it caused broke the specification (with the
    test's own failure, if any, as the cause)."""

    @pytest.hookimpl(wrapper=True)
    def hook(item: pytest.Item):
        __tracebackhide__ = True
        try:
            result = yield
        except BaseException as failure:
            report = _violations_report(phase)
            if report is not None:
                raise BotAPISpecViolation(report) from failure
            raise
        report = _violations_report(phase)
        if report is not None:
            raise BotAPISpecViolation(report)
        return result

    return hook


pytest_runtest_setup = _fail_on_violations("set-up")
pytest_runtest_call = _fail_on_violations("the test")
pytest_runtest_teardown = _fail_on_violations("tear-down")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    checked = checked_calls()
    if not checked:
        return
    methods = ", ".join(f"{method} {count}" for method, count in checked.most_common())
    terminalreporter.write_line(
        f"Bot API calls checked against the official specification "
        f"({specification().version}): {sum(checked.values())} ({methods})"
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "BOT_VAR_DIR": str(tmp_path / "var"),
        "BOT_DATA_KEY": Fernet.generate_key().decode(),
    }


@pytest.fixture
def launcher_logging(tmp_path: Path) -> Iterator[Path]:
    """The launcher's logging (``configure_logging`` with a file) for one test, then pytest's
    own handlers back; yields the log file."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with warnings.catch_warnings():
        # Python warnings are shown, as outside pytest, so that the test sees where they go.
        warnings.simplefilter("always")
        yield tmp_path / "logs" / "gateway.log"
    logging.captureWarnings(False)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return load_settings(env)


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker]:
    """Sessions on a freshly migrated SQLite database in the test's var/ directory."""
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, settings: Settings) -> Iterator[str]:
    """The test's SQLite file, then a throwaway PostgreSQL database (skipped without one)."""
    if request.param == "sqlite":
        yield settings.database_url
        return
    with throwaway_database("bot_test") as url:
        if url is None:
            pytest.skip(SKIP_REASON)
        yield url


@pytest.fixture
def racing_sessions(database_url: str) -> Iterator[sessionmaker]:
    """Sessions on a migrated database of each kind, for code that must hold under races."""
    migrate(database_url)
    engine = make_engine(database_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def redis_prefix(request: pytest.FixtureRequest) -> Iterator[str]:
    """Redis keys of the test's own on the machine's Redis (skipped without one)."""
    # Only letters, digits and dashes: the prefix becomes a glob pattern when the keys go.
    label = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name)[:40]
    with throwaway_prefix(f"test-{label}") as prefix:
        if prefix is None:
            pytest.skip(REDIS_SKIP_REASON)
        yield prefix


@pytest.fixture
def box(settings: Settings) -> MultiFernet:
    return cipher(data_keys(settings))


@pytest.fixture(scope="session")
def centres() -> CentreDirectory:
    return load_centres(PROJECT_ROOT / "data" / "centres.yml")


@pytest.fixture(scope="session")
def renderer(centres: CentreDirectory) -> Renderer:
    return Renderer(load_templates(), centres)


@pytest.fixture(scope="session")
def crisis_detector() -> CrisisDetector:
    return CrisisDetector.from_files()


@pytest.fixture
def crisis(
    crisis_detector: CrisisDetector, centres: CentreDirectory, sessions: sessionmaker
) -> CrisisHelp:
    return CrisisHelp(crisis_detector, centres, sessions)
