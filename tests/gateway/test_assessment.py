"""The topics offered after an assessment (``suggested_topics``)."""

from __future__ import annotations

import pytest

from bot.gateway.assessment import suggested_topics
from bot.questionnaire.definition import Definition, load_definition
from bot.questionnaire.engine import Result


@pytest.fixture(scope="module")
def definition() -> Definition:
    return load_definition()


def result(flagged: tuple[str, ...] = (), **scores: float) -> Result:
    return Result(version=2, scores=scores, composite=None, flags=(), flagged=flagged)


def test_no_work_offers_finding_a_job_before_the_weak_dimensions(definition: Definition) -> None:
    topics = suggested_topics(definition, result(economic=0.3, social=0.2), {"econ_work": "no"})

    assert topics[0] == "info_jobs"
    assert topics[1:] == [
        *definition.dimensions["social"].suggestions,
        *definition.dimensions["economic"].suggestions,
    ]


def test_regular_work_does_not_offer_a_job(definition: Definition) -> None:
    topics = suggested_topics(definition, result(economic=0.3), {"econ_work": "regular"})

    assert topics == list(definition.dimensions["economic"].suggestions)
    assert "info_jobs" not in topics


def test_a_flagged_dimension_still_comes_first(definition: Definition) -> None:
    topics = suggested_topics(
        definition, result(("psychosocial",), psychosocial=0.9), {"econ_work": "sometimes"}
    )

    first = definition.dimensions["psychosocial"].suggestions
    assert topics == [*first, "info_jobs"]
