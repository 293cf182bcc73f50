"""Rasa's check of the action server's answers, with the validator built once, accepts and
rejects what Rasa's own check does, with the same message."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_glue import action_schema

STOCK = RemoteAction._validate_action_result
VALID = {
    "events": [{"event": "slot", "name": "language", "value": "fr", "timestamp": None}],
    "responses": [{"response": "utter_greet"}],
}
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "no such event"}]},
    {"responses": [1]},
]


@pytest.fixture
def action(monkeypatch: pytest.MonkeyPatch) -> RemoteAction:
    # Put back afterwards, so that other tests see stock Rasa.
    monkeypatch.setattr(RemoteAction, "_validate_action_result", STOCK)
    action_schema.install()
    return RemoteAction("action_anything", None)


def test_a_valid_answer_passes(action: RemoteAction) -> None:
    assert STOCK(action, VALID) is True
    assert action._validate_action_result(VALID) is True


@pytest.mark.parametrize("answer", INVALID)
def test_what_rasa_rejects_is_rejected_alike(answer: dict, action: RemoteAction) -> None:
    with pytest.raises(ValidationError) as stock:
        STOCK(action, answer)
    with pytest.raises(ValidationError) as ours:
        action._validate_action_result(answer)
    assert ours.value.message == stock.value.message


def test_the_validator_is_built_once() -> None:
    assert action_schema.response_validator() is action_schema.response_validator()
