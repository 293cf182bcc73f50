"""The trained model, loaded once for the session, and its scores on every language's held-out
set, computed once for the tests that read them."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.cli import model_path
from bot.constants import LANGUAGES
from bot.nlu_evaluation import Scores, evaluate


@pytest.fixture(scope="session")
def nlu_agent() -> Any:
    """The model `bot.cli.model_path()` names: the one trained from the current nlu/, flows/,
    domain.yml and config.yml."""
    model = model_path()
    if not model.exists():
        pytest.skip(
            f"{model} is missing: `make train` trains it (`make test` does before the suite)"
        )
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Unconfigured, Rasa's structlog prints a debug line for every held-out message.
    configure_structlog(logging.WARNING)
    return Agent.load(str(model))


@pytest.fixture(scope="session")
async def held_out_scores(nlu_agent: Any) -> dict[str, Scores]:
    return {language: await evaluate(nlu_agent, language) for language in LANGUAGES}
