"""Fixtures shared by the whole suite: settings in a throwaway var/ directory, the centres
and the renderer over the real domain and catalogues."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.centres import CentreDirectory, load_centres
from bot.nlg.render import Renderer
from bot.nlg.templates import load_templates
from bot.settings import PROJECT_ROOT, Settings, load_settings


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "BOT_VAR_DIR": str(tmp_path / "var"),
        "BOT_DATA_KEY": Fernet.generate_key().decode(),
    }


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return load_settings(env)


@pytest.fixture(scope="session")
def centres() -> CentreDirectory:
    return load_centres(PROJECT_ROOT / "data" / "centres.yml")


@pytest.fixture(scope="session")
def renderer(centres: CentreDirectory) -> Renderer:
    return Renderer(load_templates(), centres)
