"""Aggregate figures for the centres, per month and centre: CSV rows and a PNG chart.

Everything comes from the anonymous counters of ``bot.storage.statistics`` and from the clear
columns of the cases table (queue and claim times, centre); nothing is decrypted and no person
is named. Any count from 1 to ``SUPPRESS_BELOW - 1`` is shown as ``"<5"`` and a median over fewer
than ``SUPPRESS_BELOW`` cases is not published, so that no person can be singled out. Zero is
shown as ``"0"``: it describes nobody.

Section and label texts are gettext messages (French message ids) translated into the report's
language; the values are plain ASCII digits so that spreadsheets read them in every language.
"""

from __future__ import annotations

import csv
import functools
import math
import statistics as stats
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot import topics
from bot.console.texts import OUTCOME_LABELS, PRIORITY_LABELS
from bot.constants import INFO_INTENTS, LANGUAGE_NATIVE_NAMES, LANGUAGES
from bot.i18n import N_, ngettext, resolve_language, translate, translate_count
from bot.questionnaire.definition import load_definition
from bot.storage import cases
from bot.storage import statistics as counters
from bot.storage.models import Case, Statistic

SUPPRESS_BELOW = 5
SUPPRESSED = f"<{SUPPRESS_BELOW}"
CSV_COLUMNS = ("month", "centre", "section", "label", "value")
# The centre column of a report summed over all centres ("" is what was counted without one).
CSV_ALL_CENTRES = "*"
CHART_FONT = "DejaVu Sans"

SECTION_NEW_USERS = N_("Nouveaux utilisateurs")
SECTION_LANGUAGES = N_("Nouveaux utilisateurs par langue")
SECTION_TOPICS = N_("Questions par sujet")
SECTION_ASSESSMENTS = N_("Auto-évaluations")
SECTION_PROFILES = N_("Profils des auto-évaluations, par dimension")
SECTION_HANDOVERS = N_("Demandes de référent par priorité")
SECTION_CLAIM_TIME = N_("Délai de prise en charge")
SECTION_OUTCOMES = N_("Issues des demandes")

LABEL_TOTAL = N_("Total")
LABEL_NO_LANGUAGE = N_("Langue non précisée")
LABEL_STARTED = N_("Commencées")
LABEL_COMPLETED = N_("Terminées")
LABEL_CLAIMED = N_("Demandes prises en charge")
LABEL_MEDIAN_MINUTES = N_("Délai médian (minutes)")
VALUE_NO_CASE = N_("aucune demande")
VALUE_MEDIAN_SUPPRESSED = ngettext(
    "non publié : moins de {n} demande", "non publié : moins de {n} demandes"
)

ALL_CENTRES = N_("Tous les centres")
NO_CENTRE = N_("Sans centre")
CHART_NO_DATA = N_("Aucune donnée")
CHART_COUNT = N_("Nombre")
CHART_SUPPRESSED_NOTE = N_("Hachuré : entre 1 et {maximum}, valeur non publiée")
# Sections drawn by default, as message ids (translated to find them in the report).
CHART_SECTIONS = (SECTION_TOPICS, SECTION_HANDOVERS)


@dataclass(frozen=True)
class ReportRow:
    section: str
    label: str
    value: str


@dataclass(frozen=True)
class Report:
    month: str
    centre: str | None
    rows: tuple[ReportRow, ...]
    # Language of the section and label texts (and of the chart's own texts).
    language: str = "fr"

    def section(self, title: str) -> tuple[ReportRow, ...]:
        """The rows of one section, by its translated title."""
        return tuple(row for row in self.rows if row.section == title)


def shown(count: int) -> str:
    """A count as published: exact from ``SUPPRESS_BELOW`` on, ``"<5"`` from 1 to 4."""
    if count <= 0:
        return "0"
    return str(count) if count >= SUPPRESS_BELOW else SUPPRESSED


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """First instant of ``"YYYY-MM"`` and of the month after it."""
    try:
        start = datetime.strptime(month, "%Y-%m")
    except ValueError as error:
        raise ValueError(f"month {month!r} is not of the form YYYY-MM") from error
    if start.strftime("%Y-%m") != month:
        raise ValueError(f"month {month!r} is not of the form YYYY-MM")
    if start.month == 12:
        return start, start.replace(year=start.year + 1, month=1)
    return start, start.replace(month=start.month + 1)


def centre_name(centre: str | None, language: str = "fr") -> str:
    """How a report names its centre: the code, or "all centres" / "no centre"."""
    if centre is None:
        return translate(language, ALL_CENTRES)
    return centre or translate(language, NO_CENTRE)


def topic_label(intent: str, language: str) -> str:
    """The registered title of a topic, translated; the intent name when it has none."""
    title = topics.titles().get(intent)
    return translate(language, title) if title else intent


@functools.cache
def _dimension_titles() -> dict[str, str]:
    return {name: dimension.title for name, dimension in load_definition().dimensions.items()}


def profile_label(value: str, language: str) -> str:
    """A profile counter's value in words: ``economic:band`` reads "Situation économique: band",
    the dimension's title for its id.

    Each part is passed through the catalogue, which leaves anything it does not know unchanged.
    """
    parts = value.split(":", 1)
    parts[0] = _dimension_titles().get(parts[0], parts[0])
    return ": ".join(translate(language, part) if part else part for part in parts)


def _ordered(known: Iterable[str], found: Iterable[str]) -> list[str]:
    """The known keys in their order, then any others found, sorted."""
    known = list(known)
    return known + sorted(set(found) - set(known))


def _rows(
    section: str,
    language: str,
    counts: Mapping[str, int],
    keys: Iterable[str],
    label: Callable[[str], str],
) -> list[ReportRow]:
    title = translate(language, section)
    return [ReportRow(title, label(key), shown(counts.get(key, 0))) for key in keys]


def _claim_minutes(session: Session, month: str, centre: str | None) -> list[float]:
    """Minutes from queue to claim, for the cases queued in the month and claimed since."""
    start, end = month_bounds(month)
    query = select(Case.queued_at, Case.claimed_at).where(
        Case.queued_at >= start, Case.queued_at < end, Case.claimed_at.is_not(None)
    )
    if centre == "":
        query = query.where(or_(Case.centre_code.is_(None), Case.centre_code == ""))
    elif centre is not None:
        query = query.where(Case.centre_code == centre)
    return [(claimed - queued).total_seconds() / 60 for queued, claimed in session.execute(query)]


def _median_rows(minutes: list[float], language: str) -> list[ReportRow]:
    title = translate(language, SECTION_CLAIM_TIME)
    if not minutes:
        median = translate(language, VALUE_NO_CASE)
    elif len(minutes) < SUPPRESS_BELOW:
        median = translate_count(language, VALUE_MEDIAN_SUPPRESSED, SUPPRESS_BELOW)
    else:
        median = str(math.floor(stats.median(minutes) + 0.5))
    return [
        ReportRow(title, translate(language, LABEL_CLAIMED), shown(len(minutes))),
        ReportRow(title, translate(language, LABEL_MEDIAN_MINUTES), median),
    ]


def build_report(
    session: Session, month: str, centre: str | None = None, language: str = "fr"
) -> Report:
    """The figures of one month (``"YYYY-MM"``) for one centre, or summed over all of them.

    ``centre=""`` selects what was counted without a centre. The language split is that of new
    users. Handovers, profiles and outcomes come from the counters; the median time to claim from
    the cases queued in the month and claimed, in whole minutes.
    """
    month_bounds(month)
    language = resolve_language(language)
    by_metric: dict[str, Counter[str]] = {}
    new_by_language: Counter[str] = Counter()
    for row in counters.counts(session, month, centre):
        by_metric.setdefault(row.metric, Counter())[row.value] += row.count
        if row.metric == counters.NEW_USER:
            new_by_language[row.language] += row.count

    def metric(name: str) -> Counter[str]:
        return by_metric.get(name, Counter())

    def text(message: str) -> str:
        return translate(language, message)

    new_users = sum(metric(counters.NEW_USER).values())
    assessments = {
        LABEL_STARTED: sum(metric(counters.ASSESSMENT_STARTED).values()),
        LABEL_COMPLETED: sum(metric(counters.ASSESSMENT_COMPLETED).values()),
    }
    priority_labels = {cases.PRIORITY_NAMES[p]: label for p, label in PRIORITY_LABELS.items()}
    language_keys = _ordered(LANGUAGES, (k for k, n in new_by_language.items() if n))
    rows = [
        ReportRow(text(SECTION_NEW_USERS), text(LABEL_TOTAL), shown(new_users)),
        *_rows(
            SECTION_LANGUAGES, language, new_by_language, language_keys,
            lambda code: LANGUAGE_NATIVE_NAMES.get(code) or code or text(LABEL_NO_LANGUAGE),
        ),
        *_rows(
            SECTION_TOPICS, language, metric(counters.QUESTION),
            _ordered(INFO_INTENTS, metric(counters.QUESTION)),
            lambda intent: topic_label(intent, language),
        ),
        *_rows(SECTION_ASSESSMENTS, language, assessments, assessments, text),
        *_rows(
            SECTION_PROFILES, language, metric(counters.PROFILE),
            sorted(metric(counters.PROFILE)), lambda value: profile_label(value, language),
        ),
        *_rows(
            SECTION_HANDOVERS, language, metric(counters.HANDOVER),
            _ordered(priority_labels, metric(counters.HANDOVER)),
            lambda name: text(priority_labels[name]) if name in priority_labels else name,
        ),
        *_median_rows(_claim_minutes(session, month, centre), language),
        *_rows(
            SECTION_OUTCOMES, language, metric(counters.OUTCOME),
            _ordered(cases.OUTCOMES, metric(counters.OUTCOME)),
            lambda name: text(OUTCOME_LABELS[name]) if name in OUTCOME_LABELS else name,
        ),
    ]  # fmt: skip
    return Report(month=month, centre=centre, rows=tuple(rows), language=language)


def _case_months(session: Session) -> ColumnElement | None:
    """A SQL expression for the ``YYYY-MM`` of a case's queue time, or None if unsupported."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return func.strftime("%Y-%m", Case.queued_at)
    if dialect == "postgresql":
        return func.to_char(Case.queued_at, "YYYY-MM")
    return None


def months_and_centres(session: Session) -> list[tuple[str, str]]:
    """The (month, centre code) pairs with counters or queued cases, newest month first.

    Centre ``""`` stands for what was counted without a centre.
    """
    pairs = set(session.execute(select(Statistic.month, Statistic.centre_code).distinct()).all())
    month = _case_months(session)
    if month is not None:
        found = session.execute(
            select(month, Case.centre_code).where(Case.queued_at.is_not(None)).distinct()
        ).all()
    else:
        found = [
            (queued.strftime("%Y-%m"), code)
            for queued, code in session.execute(
                select(Case.queued_at, Case.centre_code).where(Case.queued_at.is_not(None))
            )
        ]
    pairs.update((m, code or "") for m, code in found)
    return sorted(((m, c) for m, c in pairs), key=lambda pair: (_descending(pair[0]), pair[1]))


def _descending(month: str) -> tuple[int, int]:
    year, number = (int(part) for part in month.split("-"))
    return (-year, -number)


def write_csv(report: Report, path: Path) -> Path:
    """One line per row, with the month and centre repeated; UTF-8 with a header line.

    The centre column is ``"*"`` for a report over all centres, ``""`` for no centre.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    centre = CSV_ALL_CENTRES if report.centre is None else report.centre
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for row in report.rows:
            writer.writerow((report.month, centre, row.section, row.label, row.value))
    return path


def _visual(text: str) -> str:
    """Right-to-left text shaped and reordered for matplotlib, which does neither."""
    if not any("\u0590" <= char <= "\u08ff" or "\ufb1d" <= char <= "\ufeff" for char in text):
        return text
    import arabic_reshaper
    from bidi.algorithm import get_display

    return get_display(arabic_reshaper.reshape(text))


def write_chart(report: Report, path: Path, sections: tuple[str, ...] = CHART_SECTIONS) -> Path:
    """A PNG with one horizontal bar chart per section (message ids, by default questions by
    topic and handovers by priority). Zero rows are left out; suppressed counts are drawn as
    hatched bars up to the largest hidden value (4), labelled ``"<5"``, and a note says so.
    """
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    language = report.language

    def text(message: str, values: Mapping[str, object] | None = None) -> str:
        return _visual(translate(language, message, values))

    panels = []
    for section in sections:
        title = translate(language, section)
        bars = [row for row in report.section(title) if row.value not in ("0", "")]
        panels.append((title, bars))
    heights = [max(len(bars), 1) for _, bars in panels]
    with rc_context({"font.family": "sans-serif", "font.sans-serif": [CHART_FONT]}):
        figure = Figure(figsize=(8, 1.6 + 0.35 * sum(heights) + 0.9 * len(panels)), dpi=100)
        FigureCanvasAgg(figure)
        grid = figure.add_gridspec(len(panels), 1, height_ratios=heights)
        any_suppressed = False
        for index, (title, bars) in enumerate(panels):
            axes = figure.add_subplot(grid[index])
            axes.set_title(_visual(title), fontsize=11, loc="left")
            if not bars:
                axes.text(0.5, 0.5, text(CHART_NO_DATA), ha="center", va="center")
                axes.set_axis_off()
                continue
            labels = [_visual(row.label) for row in reversed(bars)]
            values = [row.value for row in reversed(bars)]
            hidden = [value == SUPPRESSED for value in values]
            any_suppressed = any_suppressed or any(hidden)
            lengths = [
                SUPPRESS_BELOW - 1 if h else int(v) for h, v in zip(hidden, values, strict=True)
            ]
            drawn = axes.barh(range(len(bars)), lengths, color="#3b73b9", edgecolor="#3b73b9")
            for bar, is_hidden in zip(drawn, hidden, strict=True):
                if is_hidden:
                    bar.set_facecolor("none")
                    bar.set_hatch("///")
            axes.set_yticks(range(len(bars)))
            axes.set_yticklabels(labels)
            axes.set_xlim(0, max(lengths) * 1.15)
            axes.set_xlabel(text(CHART_COUNT))
            for position, (length, value) in enumerate(zip(lengths, values, strict=True)):
                axes.text(length, position, f" {value}", va="center", fontsize=9)
        heading = f"{report.month} · {centre_name(report.centre, language)}"
        figure.suptitle(_visual(heading), fontsize=13)
        if any_suppressed:
            note = text(CHART_SUPPRESSED_NOTE, {"maximum": SUPPRESS_BELOW - 1})
            figure.text(0.01, 0.005, note, fontsize=8, va="bottom")
        figure.tight_layout(rect=(0, 0.03, 1, 0.97))
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="png")
    return path
