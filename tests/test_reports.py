"""Centre reports: small counts suppressed, centre filter and sums, median time to claim, CSV
and PNG output."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta

import pytest

from bot import reports
from bot.i18n import translate
from bot.storage import cases, statistics

MONTH = "2026-03"
IN_MONTH = datetime(2026, 3, 10, 9, 0)
NEXT_MONTH = datetime(2026, 4, 2, 9, 0)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def bump(session, metric: str, times: int, centre="A", language="fr", value="", now=IN_MONTH):
    for _ in range(times):
        statistics.bump(session, metric, now, centre=centre, language=language, value=value)


def queue_case(session, box, centre: str | None, queued: datetime, wait: int | None) -> None:
    """A case queued at ``queued`` and claimed ``wait`` minutes later (never if None)."""
    case = cases.create_draft(session, box, "p", "fr", centre, {}, cases.NORMAL, "confirm")
    cases.enqueue(case, queued)
    session.flush()
    if wait is not None:
        assert cases.claim(session, case.id, 1, queued + timedelta(minutes=wait))


def values(report: reports.Report, section: str) -> dict[str, str]:
    title = translate(report.language, section)
    return {row.label: row.value for row in report.rows if row.section == title}


def fr(message: str) -> str:
    return translate("fr", message)


def test_counts_of_five_or_more_are_exact_and_one_to_four_suppressed(sessions) -> None:
    with sessions.begin() as session:
        bump(session, statistics.NEW_USER, 6, language="fr")
        bump(session, statistics.NEW_USER, 2, language="ar")
        bump(session, statistics.QUESTION, 5, value="info_health")
        bump(session, statistics.QUESTION, 3, value="info_business")
        bump(session, statistics.ASSESSMENT_STARTED, 7)
        bump(session, statistics.ASSESSMENT_COMPLETED, 4)
        bump(session, statistics.PROFILE, 2, value="economic:plutôt stable")
        bump(session, statistics.PROFILE, 9, value="social:un soutien serait utile")
        bump(session, statistics.HANDOVER, 1, value="urgent")
        bump(session, statistics.HANDOVER, 5, value="normal")
        bump(session, statistics.OUTCOME, 5, value="referred")
        bump(session, statistics.OUTCOME, 4, value="no_answer")

    with sessions() as session:
        report = reports.build_report(session, MONTH, "A")

    assert (report.month, report.centre) == (MONTH, "A")
    assert values(report, reports.SECTION_NEW_USERS) == {fr(reports.LABEL_TOTAL): "8"}
    assert values(report, reports.SECTION_LANGUAGES) == {
        "Français": "6", "English": "0", "العربية": "<5", "Español": "0",
    }  # fmt: skip
    topics = values(report, reports.SECTION_TOPICS)
    assert topics[fr("Santé")] == "5"
    assert topics[fr("Créer une activité")] == "<5"
    assert topics[fr("Transport")] == "0"
    assert values(report, reports.SECTION_ASSESSMENTS) == {
        fr(reports.LABEL_STARTED): "7", fr(reports.LABEL_COMPLETED): "<5",
    }  # fmt: skip
    assert values(report, reports.SECTION_PROFILES) == {
        "Situation économique: plutôt stable": "<5",
        "Situation sociale: un soutien serait utile": "9",
    }  # fmt: skip
    assert values(report, reports.SECTION_HANDOVERS) == {
        fr("urgente"): "<5", fr("haute"): "0", fr("normale"): "5",
    }  # fmt: skip
    outcomes = values(report, reports.SECTION_OUTCOMES)
    assert outcomes[fr("Orienté vers un service")] == "5"
    assert outcomes[fr("Pas de réponse")] == "<5"
    assert outcomes[fr("Autre")] == "0"
    # No value anywhere is a count between 1 and 4.
    assert not {row.value for row in report.rows} & {"1", "2", "3", "4"}


def test_shown_suppresses_only_one_to_four() -> None:
    assert [reports.shown(n) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]


def test_centre_filter_and_sum_over_centres(sessions) -> None:
    with sessions.begin() as session:
        bump(session, statistics.QUESTION, 3, centre="A", value="info_health")
        bump(session, statistics.QUESTION, 3, centre="B", value="info_health", language="es")
        bump(session, statistics.QUESTION, 9, centre="B", value="info_health", now=NEXT_MONTH)
        bump(session, statistics.NEW_USER, 4, centre=None)
        bump(session, statistics.NEW_USER, 2, centre="B")

    health = fr("Santé")
    total = fr(reports.LABEL_TOTAL)
    with sessions() as session:
        only_a = reports.build_report(session, MONTH, "A")
        only_b = reports.build_report(session, MONTH, "B")
        without_centre = reports.build_report(session, MONTH, "")
        everywhere = reports.build_report(session, MONTH)
        pairs = reports.months_and_centres(session)

    assert values(only_a, reports.SECTION_TOPICS)[health] == "<5"
    assert values(only_b, reports.SECTION_TOPICS)[health] == "<5"
    assert values(everywhere, reports.SECTION_TOPICS)[health] == "6"
    assert values(only_a, reports.SECTION_NEW_USERS)[total] == "0"
    assert values(without_centre, reports.SECTION_NEW_USERS)[total] == "<5"
    assert values(everywhere, reports.SECTION_NEW_USERS)[total] == "6"
    assert pairs == [("2026-04", "B"), (MONTH, ""), (MONTH, "A"), (MONTH, "B")]


def test_median_time_to_claim_needs_five_cases(sessions, box) -> None:
    with sessions.begin() as session:
        for wait in (1, 2, 3, 10, 20):
            queue_case(session, box, "A", IN_MONTH, wait)
        queue_case(session, box, "A", IN_MONTH, None)  # still waiting: not counted
        queue_case(session, box, "A", NEXT_MONTH, 500)  # another month
        for wait in (30, 40):
            queue_case(session, box, "B", IN_MONTH, wait)

    claimed = fr(reports.LABEL_CLAIMED)
    median = fr(reports.LABEL_MEDIAN_MINUTES)
    with sessions() as session:
        only_a = values(reports.build_report(session, MONTH, "A"), reports.SECTION_CLAIM_TIME)
        only_b = values(reports.build_report(session, MONTH, "B"), reports.SECTION_CLAIM_TIME)
        only_c = values(reports.build_report(session, MONTH, "C"), reports.SECTION_CLAIM_TIME)
        everywhere = values(reports.build_report(session, MONTH), reports.SECTION_CLAIM_TIME)
        pairs = reports.months_and_centres(session)

    assert only_a == {claimed: "5", median: "3"}
    assert only_b[claimed] == "<5"
    assert only_b[median] == "non publié : moins de 5 demandes"
    assert "35" not in only_b[median]
    assert only_c == {claimed: "0", median: fr(reports.VALUE_NO_CASE)}
    assert everywhere == {claimed: "7", median: "10"}
    assert pairs == [("2026-04", "A"), (MONTH, "A"), (MONTH, "B")]


def test_month_must_be_year_and_month(sessions) -> None:
    with sessions() as session, pytest.raises(ValueError):
        reports.build_report(session, "2026-3")


def test_csv_has_one_line_per_row_in_utf8(sessions, tmp_path) -> None:
    with sessions.begin() as session:
        bump(session, statistics.NEW_USER, 5, language="ar")
    with sessions() as session:
        report = reports.build_report(session, MONTH, "A", language="ar")

    path = reports.write_csv(report, tmp_path / "out" / "report.csv")

    with path.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["month", "centre", "section", "label", "value"]
    assert len(lines) == 1 + len(report.rows)
    assert all(line[:2] == [MONTH, "A"] for line in lines[1:])
    section = translate("ar", reports.SECTION_LANGUAGES)
    assert [MONTH, "A", section, "العربية", "5"] in lines
    assert [MONTH, "A", section, "Français", "0"] in lines
    with sessions() as session:
        summed = reports.write_csv(reports.build_report(session, MONTH), tmp_path / "all.csv")
    assert summed.read_text(encoding="utf-8").splitlines()[1].startswith(f"{MONTH},*,")


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_chart_is_a_png(sessions, tmp_path, language: str) -> None:
    with sessions.begin() as session:
        bump(session, statistics.QUESTION, 7, value="info_health")
        bump(session, statistics.QUESTION, 2, value="info_security")
        bump(session, statistics.HANDOVER, 6, value="urgent")
    with sessions() as session:
        report = reports.build_report(session, MONTH, None, language=language)

    path = reports.write_chart(report, tmp_path / f"chart-{language}.png")

    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_chart_without_data_still_renders(sessions, tmp_path) -> None:
    with sessions() as session:
        report = reports.build_report(session, MONTH, "A")

    path = reports.write_chart(report, tmp_path / "empty.png")

    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_profile_dimensions_are_named_not_shown_as_ids() -> None:
    english = reports.profile_label("economic:plutôt stable", "en")

    assert (
        english == f"{translate('en', 'Situation économique')}: {translate('en', 'plutôt stable')}"
    )
    assert not english.startswith("economic")
    assert reports.profile_label("unknown:band", "fr") == "unknown: band"
