"""The action server's answers checked against Rasa's schema, without rebuilding it each time.

Rasa 3.6 checks every answer of the action server with ``jsonschema.validate``
(``RemoteAction._validate_action_result``). That function first checks the schema itself
against the JSON-Schema meta-schema and builds a new validator, on every custom action call:
about 23 ms of CPU, more than all the rest of a turn in Rasa (``bench/load.py --profile``).
:func:`install` swaps in the same check against one validator built once. The schema, the
error raised and its message stay Rasa's.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@cache
def response_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result``, with the validator built once."""
    try:
        response_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def install() -> None:
    """Called once when Rasa loads our channel (``bot.rasa_glue.channel``)."""
    RemoteAction._validate_action_result = validate_action_result
