"""Property tests: random walks through the engine, and through the stored assessment flow."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, MultiFernet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot.centres import CentreDirectory, load_centres
from bot.crisis.detector import CrisisDetector
from bot.gateway.assessment import AssessmentFlow, Who
from bot.gateway.crisis import CrisisHelp
from bot.nlg.render import Renderer
from bot.nlg.templates import load_templates
from bot.questionnaire import engine
from bot.questionnaire.definition import Definition, Question, load_definition
from bot.questionnaire.engine import SKIPPED, Progress, Result
from bot.settings import PROJECT_ROOT
from bot.storage import repository
from bot.storage.db import make_engine, migrate, session_factory
from bot.storage.keys import cipher, unseal
from bot.storage.models import Assessment

DEFINITION: Definition = load_definition(check_translations=False)
QUESTION_IDS = [q.id for q in DEFINITION.questions]

# Operations, weighted towards answering so that walks often get far.
OPERATIONS = ["answer"] * 6 + ["stale", "skip", "back", "back", "restart"]


def valid_value(question: Question, data: st.DataObject) -> str:
    if question.options:
        return data.draw(st.sampled_from([o.id for o in question.options]), label="option")
    if question.type == "number":
        value = data.draw(st.integers(question.minimum, question.maximum), label="number")
        return str(value)
    return data.draw(st.text(min_size=1, max_size=question.max_length), label="text")


def check_progress(definition: Definition, progress: Progress) -> None:
    effective = engine.effective_answers(definition, progress.answers)
    if progress.current is not None:
        assert definition.has(progress.current)
        assert engine.applies(definition.question(progress.current), effective)
    for question_id in effective:
        assert engine.applies(definition.question(question_id), effective)
    assert set(progress.history) <= set(progress.answers)
    positions = [definition.position(q) for q in progress.history]
    assert positions == sorted(set(positions)), "history goes forward, without repeats"
    if progress.current is not None and positions:
        assert definition.position(progress.current) > positions[-1]


def check_result(result: Result) -> None:
    assert set(result.scores) <= {"economic", "social", "psychosocial"}
    for value in result.scores.values():
        assert 0 <= value <= 1
    assert result.composite is None or 0 <= result.composite <= 1
    assert (result.composite is None) == (not result.scores)
    assert len(set(result.flags)) == len(result.flags)
    assert set(result.flags) <= set(DEFINITION.red_flags)


def check_finished(definition: Definition, progress: Progress) -> None:
    """Every question that applies was asked, and the score does not depend on anything else."""
    assert progress.finished
    effective = engine.effective_answers(definition, progress.answers)
    for question in definition.questions:
        if engine.applies(question, effective):
            assert question.id in effective, question.id
    result = engine.score(definition, progress.answers)
    check_result(result)
    assert engine.score(definition, dict(progress.answers)) == result
    assert engine.score(definition, dict(reversed(progress.answers.items()))) == result
    assert engine.score(definition, effective) == result
    assert Result.from_json(json.loads(json.dumps(result.as_json()))) == result


# The pure engine ----------------------------------------------------------------------------


def _pauses(question: Question, payload: str) -> bool:
    option = question.option(payload.split(":", 3)[3])
    return bool(option and option.red_flag and DEFINITION.red_flags[option.red_flag].pause)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), steps=st.integers(0, 120))
def test_engine_random_walk(data: st.DataObject, steps: int) -> None:
    definition = DEFINITION
    progress = engine.start(definition)
    check_progress(definition, progress)
    for _ in range(steps):
        operation = data.draw(st.sampled_from(OPERATIONS), label="operation")
        before = progress
        current = progress.current
        if operation == "stale":
            stale = data.draw(st.sampled_from([q for q in QUESTION_IDS if q != current]))
            kind = data.draw(st.sampled_from(["answer", "skip", "back"]), label="stale kind")
            if kind == "answer":
                value = valid_value(definition.question(stale), data)
                progress = engine.answer(definition, progress, stale, value)
            elif kind == "skip":
                progress = engine.skip(definition, progress, stale)
            else:
                progress = engine.back(progress, stale)
            assert progress == before
        elif operation == "restart":
            progress = Progress.from_json(json.loads(json.dumps(progress.as_json())))
            assert progress == before
        elif current is None:
            continue
        elif operation == "answer":
            value = valid_value(definition.question(current), data)
            progress = engine.answer(definition, progress, current, value)
            assert progress.answers[current] == value
            assert progress.history == (*before.history, current)
        elif operation == "skip":
            progress = engine.skip(definition, progress, current)
            assert progress.answers[current] == SKIPPED
        else:
            progress = engine.back(progress, current)
            assert progress.answers == before.answers
            if before.history:
                assert progress.current == before.history[-1]
            else:
                assert progress == before
        check_progress(definition, progress)
        check_result(engine.score(definition, progress.answers))

    # Finish the walk and check the end state.
    for _ in range(len(QUESTION_IDS)):
        if progress.finished:
            break
        value = valid_value(definition.question(progress.current), data)
        progress = engine.answer(definition, progress, progress.current, value)
        check_progress(definition, progress)
    check_finished(definition, progress)


# Through the stored assessment flow ------------------------------------------------------------

_pseudonyms = itertools.count()


def _no_sync(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> sessionmaker[Session]:
    path: Path = tmp_path_factory.mktemp("questionnaire") / "bot.db"
    url = f"sqlite:///{path}"
    migrate(url)
    engine_ = make_engine(url)
    # Durability is not under test: skip the fsync of every commit to keep the examples fast.
    event.listen(engine_, "connect", _no_sync)
    yield session_factory(engine_)
    engine_.dispose()


@pytest.fixture(scope="module")
def box() -> MultiFernet:
    return cipher([Fernet.generate_key()])


@pytest.fixture(scope="module")
def centres_() -> CentreDirectory:
    return load_centres(PROJECT_ROOT / "data" / "centres.yml")


@pytest.fixture(scope="module")
def renderer_(centres_: CentreDirectory) -> Renderer:
    return Renderer(load_templates(), centres_)


def _load(sessions: sessionmaker[Session], who: Who, assessment_id: int) -> Assessment:
    """The stored assessment; also checks that no other one of that person is open."""
    with sessions() as session:
        assessment = repository.get_assessment(session, who.pseudonym, assessment_id)
        assert assessment is not None
        open_one = repository.open_assessment(session, who.pseudonym)
        if assessment.status == repository.COMPLETED:
            assert open_one is None
        else:
            assert open_one is not None and open_one.id == assessment_id
        session.expunge(assessment)
        return assessment


def _open_id(sessions: sessionmaker[Session], who: Who) -> int | None:
    with sessions() as session:
        assessment = repository.open_assessment(session, who.pseudonym)
        return None if assessment is None else assessment.id


def _stored(box: MultiFernet, assessment: Assessment) -> Progress:
    return Progress.from_json(unseal(box, assessment.progress))


def _check_stored(box: MultiFernet, assessment: Assessment) -> Progress:
    progress = _stored(box, assessment)
    check_progress(DEFINITION, progress)
    if assessment.status == repository.COMPLETED:
        assert progress.finished
        assert assessment.completed_at is not None
        result = Result.from_json(unseal(box, assessment.result))
        assert result == engine.score(DEFINITION, progress.answers)
        check_result(result)
    else:
        assert assessment.status in (repository.IN_PROGRESS, repository.PAUSED)
        assert not progress.finished
        assert assessment.result is None
    return progress


def _valid_payload(question: Question, assessment_id: int, data: st.DataObject) -> str:
    prefix = f"a:{assessment_id}:{question.id}:"
    choices = [o.id for o in question.options] + ["~skip", "~back", "~stop"]
    if question.type == "number":
        choices.append(str(data.draw(st.integers(question.minimum, question.maximum))))
    elif question.type == "text":
        choices.append(data.draw(st.sampled_from(["Dakar", "Saint-Louis", "الرباط", "a:b"])))
    return prefix + data.draw(st.sampled_from(choices), label="value")


def _typed_value(question: Question, payload: str) -> str | None:
    """Numbers and free text are typed, not pressed: the value a payload stands for, if so."""
    value = payload.split(":", 3)[3] if payload.count(":") >= 3 else ""
    if question.options or not value or value.startswith("~"):
        return None
    return value


async def _submit(flow: AssessmentFlow, who: Who, question: Question, payload: str):
    typed = _typed_value(question, payload)
    if typed is not None:
        return await flow.typed(who, typed)
    return await flow.button(who, payload)


def _answer_payload(question: Question, assessment_id: int, data: st.DataObject) -> str:
    """A payload that moves forward: an option, a number, a town, or Skip."""
    if question.options:
        value = data.draw(st.sampled_from([o.id for o in question.options] + ["~skip"]))
    elif question.type == "number":
        value = str(question.minimum)
    else:
        value = "~skip"
    return f"a:{assessment_id}:{question.id}:{value}"


def _engine_step(progress: Progress, question_id: str, value: str) -> Progress:
    """What the engine makes of a button, for comparison with what the flow stored."""
    if value == "~stop":
        return progress
    if value == "~back":
        return engine.back(progress, question_id)
    if value == "~skip":
        return engine.skip(DEFINITION, progress, question_id)
    return engine.answer(DEFINITION, progress, question_id, value)


FLOW_OPERATIONS = ["valid"] * 6 + ["stale", "other_id", "bogus", "begin", "resume", "restart"]


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data(), steps=st.integers(0, 40), again=st.booleans())
async def test_stored_flow_random_walk(
    sessions: sessionmaker[Session],
    box: MultiFernet,
    centres_: CentreDirectory,
    renderer_: Renderer,
    data: st.DataObject,
    steps: int,
    again: bool,
) -> None:
    def new_flow() -> AssessmentFlow:
        crisis = CrisisHelp(CrisisDetector.from_files(), centres_, sessions)
        return AssessmentFlow(DEFINITION, sessions, box, centres_, renderer_, crisis)

    who = Who(f"prop{next(_pseudonyms)}", "fr", None)
    flow = new_flow()
    assert await flow.button(who, "a:0:begin")
    assessment_id = _open_id(sessions, who)
    assert assessment_id is not None
    stored = _load(sessions, who, assessment_id)
    assert _check_stored(box, stored) == engine.start(DEFINITION)

    for _ in range(steps):
        if stored.status == repository.COMPLETED:
            break
        before = _stored(box, stored)
        current = DEFINITION.question(before.current)
        operation = data.draw(st.sampled_from(FLOW_OPERATIONS), label="operation")
        expected = before
        if operation == "restart":
            flow = new_flow()
            continue
        if operation == "valid":
            payload = _valid_payload(current, assessment_id, data)
            if _typed_value(current, payload) is not None and stored.status == repository.PAUSED:
                # Typed text while paused goes to Rasa, not to the questionnaire.
                assert await flow.typed(who, _typed_value(current, payload)) is None
                continue
            expected = _engine_step(before, current.id, payload.split(":", 3)[3])
        elif operation == "stale":
            stale = DEFINITION.question(
                data.draw(st.sampled_from([q for q in QUESTION_IDS if q != current.id]))
            )
            payload = _valid_payload(stale, assessment_id, data)
        elif operation == "other_id":
            other = data.draw(st.sampled_from([assessment_id + 1000, 0, -1]), label="other id")
            payload = _valid_payload(current, assessment_id, data).replace(
                f"a:{assessment_id}:", f"a:{other}:", 1
            )
        elif operation == "bogus":
            if not current.options:
                continue  # a number or text question takes any value from a payload
            payload = f"a:{assessment_id}:{current.id}:not_an_option"
        elif operation == "begin":
            payload = "a:0:begin"
        else:
            payload = f"a:{assessment_id}:resume"
        if operation == "valid":
            replies = await _submit(flow, who, current, payload)
        else:
            replies = await flow.button(who, payload)
        assert replies
        stored = _load(sessions, who, assessment_id)
        progress = _check_stored(box, stored)
        assert progress == expected, payload
        if operation != "valid":
            assert stored.status != repository.COMPLETED
        elif payload.endswith(":~stop"):
            assert stored.status == repository.PAUSED
        elif expected.finished:
            assert stored.status == repository.COMPLETED
        elif _pauses(current, payload):
            # A danger, self-harm, medical or violence answer stops on the help, never moves on.
            assert stored.status == repository.PAUSED
        else:
            assert stored.status == repository.IN_PROGRESS

    # Answer what is left; the assessment must complete with the result of its answers.
    for _ in range(3 * len(QUESTION_IDS)):
        stored = _load(sessions, who, assessment_id)
        if stored.status == repository.COMPLETED:
            break
        if data.draw(st.integers(0, 9), label="restart now") == 0:
            flow = new_flow()
        question = DEFINITION.question(_stored(box, stored).current)
        if stored.status == repository.PAUSED:
            await flow.button(who, f"a:{assessment_id}:resume")
        await _submit(flow, who, question, _answer_payload(question, assessment_id, data))
    final = _load(sessions, who, assessment_id)
    assert final.status == repository.COMPLETED
    progress = _check_stored(box, final)
    check_finished(DEFINITION, progress)
    result = Result.from_json(unseal(box, final.result))
    assert result == engine.score(DEFINITION, progress.answers)
    assert _open_id(sessions, who) is None

    # A button of the completed assessment changes nothing.
    question_id = data.draw(st.sampled_from(QUESTION_IDS), label="late question")
    await flow.button(who, f"a:{assessment_id}:{question_id}:~back")
    late = _load(sessions, who, assessment_id)
    assert (late.status, late.progress) == (repository.COMPLETED, final.progress)

    if again:
        # A second assessment compares with the first and leaves it as it was.
        new_flow_ = new_flow()
        await new_flow_.button(who, "a:0:begin")
        second_id = _open_id(sessions, who)
        assert second_id is not None and second_id != assessment_id
        # Mirror the walk with the engine instead of reading the database at every step.
        mirror = engine.start(DEFINITION)
        while not mirror.finished:
            question = DEFINITION.question(mirror.current)
            payload = _answer_payload(question, second_id, data)
            replies = await _submit(new_flow_, who, question, payload)
            value = payload.rsplit(":", 1)[1]
            if value == "~skip":
                mirror = engine.skip(DEFINITION, mirror, question.id)
            else:
                mirror = engine.answer(DEFINITION, mirror, question.id, value)
        second = _load(sessions, who, second_id)
        assert second.status == repository.COMPLETED
        assert _check_stored(box, second) == mirror
        assert any("Depuis la dernière fois" in r.text for r in replies)
        first = _load(sessions, who, assessment_id)
        assert (first.progress, first.result) == (final.progress, final.result)
