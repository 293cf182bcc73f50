"""The reports page: a month's figures per centre, small counts shown as "<5", CSV and PNG
downloads; supervisors and admins only, every view audited."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import datetime

import pytest
from PIL import Image

from bot import reports
from bot.i18n import translate
from bot.storage import statistics
from tests.console.helpers import audit_actions, login, make_account

MONTH = "2024-05"
IN_MONTH = datetime(2024, 5, 10, 9, 0)
EARLIER = datetime(2024, 3, 3, 9, 0)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
QUERY = f"month={MONTH}&centre=dakar-demo"


def bump(sessions, metric: str, times: int, value: str = "", centre="dakar-demo", when=IN_MONTH):
    with sessions.begin() as session:
        for _ in range(times):
            statistics.bump(session, metric, when, centre=centre, language="fr", value=value)


@pytest.fixture
def figures(sessions) -> None:
    bump(sessions, statistics.NEW_USER, 7)
    bump(sessions, statistics.QUESTION, 3, "info_health")
    bump(sessions, statistics.QUESTION, 6, "info_housing_food")
    bump(sessions, statistics.HANDOVER, 5, "urgent")
    bump(sessions, statistics.HANDOVER, 1, "normal")
    bump(sessions, statistics.NEW_USER, 2, centre="rabat-demo")
    bump(sessions, statistics.NEW_USER, 9, when=EARLIER)


def table(page: str) -> dict[tuple[str, str], str]:
    """(section, label) -> value, as the page's tables show them."""
    cells: dict[tuple[str, str], str] = {}
    for section, body in re.findall(r"<h3>(.*?)</h3>\s*<table.*?>(.*?)</table>", page, re.S):
        rows = re.findall(
            r'<th scope="row"><bdi>(.*?)</bdi></th><td class="num"><bdi dir="ltr">(.*?)</bdi>', body
        )
        for label, value in rows:
            cells[html.unescape(section), html.unescape(label)] = html.unescape(value)
    return cells


def test_a_supervisor_sees_the_report_with_small_counts_suppressed(
    client, sessions, sam, figures
) -> None:
    login(client, sam)

    response = client.get(f"/console/reports?{QUERY}")

    assert response.status_code == 200
    cells = table(response.text)
    assert cells["Nouveaux utilisateurs", "Total"] == "7"
    assert cells["Nouveaux utilisateurs par langue", "Français"] == "7"
    assert cells["Questions par sujet", "Santé"] == "<5"
    assert cells["Questions par sujet", "Logement et nourriture"] == "6"
    assert cells["Questions par sujet", "Transport"] == "0"
    assert cells["Demandes de référent par priorité", "urgente"] == "5"
    assert cells["Demandes de référent par priorité", "normale"] == "<5"
    assert '<bdi dir="ltr">&lt;5</bdi>' in response.text
    # The selectors show the months with figures and the chosen centre.
    assert f'<option value="{MONTH}" selected>mai 2024</option>' in response.text
    assert '<option value="2024-03">mars 2024</option>' in response.text
    assert '<option value="dakar-demo" selected>' in response.text
    query = html.escape(QUERY)
    assert f'<img src="/console/reports.png?{query}"' in response.text
    assert f'href="/console/reports.csv?{query}"' in response.text
    with sessions() as session:
        (entry,) = audit_actions(session, "report_viewed")
    assert (entry.username, entry.detail) == ("sam", f"page {MONTH} dakar-demo")


def test_all_centres_are_summed_and_the_latest_month_is_the_default(
    client, sessions, ada, figures
) -> None:
    login(client, ada)
    every = table(client.get(f"/console/reports?month={MONTH}").text)
    latest = client.get("/console/reports?month=not-a-month&centre=nowhere").text
    assert every["Nouveaux utilisateurs", "Total"] == "9"  # 7 in Dakar, 2 in Rabat
    assert table(latest) == every
    assert '<option value="" selected>Tous les centres</option>' in latest


def test_the_page_follows_the_console_language(client, sessions, sam, figures) -> None:
    login(client, sam)
    page = client.get(f"/console/reports?{QUERY}&lang=ar").text
    assert '<html lang="ar" dir="rtl">' in page
    # The report's texts are in the console's language (as far as the catalogue has them).
    topics = translate("ar", reports.SECTION_TOPICS)
    assert table(page)[topics, reports.topic_label("info_health", "ar")] == "<5"


def test_csv_download(client, sessions, sam, figures) -> None:
    login(client, sam)

    response = client.get(f"/console/reports.csv?{QUERY}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="report-{MONTH}-dakar-demo.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0] == ["month", "centre", "section", "label", "value"]
    assert [MONTH, "dakar-demo", "Nouveaux utilisateurs", "Total", "7"] in rows
    assert [MONTH, "dakar-demo", "Questions par sujet", "Santé", "<5"] in rows
    assert [MONTH, "dakar-demo", "Questions par sujet", "Logement et nourriture", "6"] in rows
    with sessions() as session:
        (entry,) = audit_actions(session, "report_downloaded")
    assert entry.detail == f"csv {MONTH} dakar-demo"


def test_png_download(client, sessions, sam, figures) -> None:
    login(client, sam)

    response = client.get(f"/console/reports.png?{QUERY}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.format == "PNG"
        assert image.width >= 600 and image.height >= 300
    with sessions() as session:
        (entry,) = audit_actions(session, "report_downloaded")
    assert entry.detail == f"png {MONTH} dakar-demo"


def test_an_admin_may_see_reports(client, ada, figures) -> None:
    login(client, ada)
    assert client.get(f"/console/reports?{QUERY}").status_code == 200


def test_a_supervisor_sees_only_their_own_centre(client, sessions, sam, figures) -> None:
    bump(sessions, statistics.NEW_USER, 8, centre="rabat-demo", when=datetime(2024, 1, 5))
    login(client, sam)

    page = client.get(f"/console/reports?month={MONTH}").text
    rows = list(csv.reader(io.StringIO(client.get(f"/console/reports.csv?month={MONTH}").text)))

    assert table(page)["Nouveaux utilisateurs", "Total"] == "7"  # not Rabat's 2
    assert re.findall(r'<option value="([^"]*)"', page).count("rabat-demo") == 0
    assert "Tous les centres" not in page
    assert '<option value="2024-01">' not in page, "a month with Rabat's figures only"
    assert [MONTH, "dakar-demo", "Nouveaux utilisateurs", "Total", "7"] in rows
    assert {row[1] for row in rows[1:]} == {"dakar-demo"}


@pytest.mark.parametrize("centre", ["rabat-demo", "nowhere", reports.CSV_ALL_CENTRES])
def test_a_supervisor_asking_for_another_centre_is_refused_and_audited(
    client, sessions, sam, figures, centre: str
) -> None:
    login(client, sam)
    query = f"month={MONTH}&centre={centre}"

    responses = [client.get(f"/console/reports{ext}?{query}") for ext in ("", ".csv", ".png")]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert all("Nouveaux utilisateurs" not in r.text for r in responses)
    with sessions() as session:
        refused = audit_actions(session, "forbidden")
        assert audit_actions(session, "report_viewed") == []
    assert [e.detail for e in refused] == [
        "GET /console/reports", "GET /console/reports.csv", "GET /console/reports.png",
    ]  # fmt: skip


def test_a_supervisor_without_a_centre_sees_no_report(client, sessions, box, figures) -> None:
    drifter = make_account(sessions, box, "drifter", role="supervisor", centre=None)
    login(client, drifter)

    assert client.get(f"/console/reports?month={MONTH}").status_code == 403
    assert client.get(f"/console/reports.csv?month={MONTH}").status_code == 403


def test_a_caseworker_is_refused_and_audited(client, sessions, alice, figures) -> None:
    login(client, alice)

    responses = [
        client.get(f"/console/reports?{QUERY}"),
        client.get(f"/console/reports.csv?{QUERY}"),
        client.get(f"/console/reports.png?{QUERY}"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert all("Santé" not in r.text for r in responses)
    assert "Rapports" not in client.get("/console/").text
    with sessions() as session:
        refused = audit_actions(session, "forbidden")
        assert audit_actions(session, "report_viewed") == []
    assert [(e.username, e.detail) for e in refused] == [
        ("alice", "GET /console/reports"),
        ("alice", "GET /console/reports.csv"),
        ("alice", "GET /console/reports.png"),
    ]


def test_no_login_is_sent_to_the_login_page(client, sessions) -> None:
    response = client.get("/console/reports.csv", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/console/login")
