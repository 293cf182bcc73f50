"""Centre scoping (issue 17): caseworkers and supervisors see and act on their own centre's
cases only, admins on all; the packet only for the claiming caseworker and the centre's
supervisors; transfers only to active accounts of the case's centre; a case out of reach is
answered as one that does not exist, and every refusal is audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.console import auth
from bot.storage import cases
from bot.storage.models import Case, CaseMessage, OutboxMessage
from tests.console.helpers import audit_actions, login, make_account, post, queued_case

SECRET = "PLANTED-5be0d7-Traore"
THREAD_TEXT = "PLANTED-thread-41c2"


def centre_cases(sessions, box) -> dict[str, int]:
    """One queued case per demo centre, each with the secret in its packet."""
    ids = {}
    for centre in ("dakar-demo", "rabat-demo", "tunis-demo"):
        packet = {"help_with": f"{SECRET} {centre}"}
        ids[centre] = queued_case(sessions, box, packet, pseudonym=centre[0] * 32, centre=centre)
    return ids


def queue_ids(client) -> list[int]:
    return sorted(c["id"] for c in client.get("/console/queue.json").json()["queue"])


def without_tokens(html: str) -> str:
    """The page with its CSRF tokens blanked, to compare two pages of one session."""
    return re.sub(r'name="csrf" value="[^"]+"', "", html)


def test_a_caseworker_sees_and_claims_only_the_cases_of_their_centre(
    client, sessions, box, alice
) -> None:
    ids = centre_cases(sessions, box)
    login(client, alice)  # of dakar-demo

    page = client.get("/console/")
    claim = post(client, f"/console/cases/{ids['tunis-demo']}/claim")
    read = client.get(f"/console/cases/{ids['tunis-demo']}")

    assert queue_ids(client) == [ids["dakar-demo"]]
    assert f"Cas n° {ids['rabat-demo']}" not in page.text
    assert f"Cas n° {ids['tunis-demo']}" not in page.text
    assert (claim.status_code, read.status_code) == (404, 404)
    assert SECRET not in claim.text + read.text
    with sessions() as session:
        tunis = session.get(Case, ids["tunis-demo"])
        assert (tunis.status, tunis.claimed_by) == (cases.QUEUED, None)
        refused = audit_actions(session, "forbidden")
    assert [(e.username, e.case_id) for e in refused] == [("alice", ids["tunis-demo"])] * 2


def test_a_case_out_of_reach_is_answered_as_one_that_does_not_exist(
    client, sessions, box, alice
) -> None:
    ids = centre_cases(sessions, box)
    login(client, alice)
    unknown = max(ids.values()) + 100

    for path in ("", "/claim", "/reply"):
        elsewhere = (
            post(client, f"/console/cases/{ids['rabat-demo']}{path}", text="x")
            if path
            else client.get(f"/console/cases/{ids['rabat-demo']}")
        )
        missing = (
            post(client, f"/console/cases/{unknown}{path}", text="x")
            if path
            else client.get(f"/console/cases/{unknown}")
        )
        assert elsewhere.status_code == missing.status_code == 404
        assert without_tokens(elsewhere.text).replace(str(ids["rabat-demo"]), "N") == (
            without_tokens(missing.text).replace(str(unknown), "N")
        )
    with sessions() as session:
        assert len(audit_actions(session, "forbidden")) == 3
        assert len(audit_actions(session, "case_not_found")) == 3


def test_a_supervisor_cannot_open_read_or_answer_another_centres_case(
    new_client, sessions, box, alice
) -> None:
    ids = centre_cases(sessions, box)
    rabat_supervisor = make_account(sessions, box, "rosa", role="supervisor", centre="rabat-demo")
    caseworker, supervisor = new_client(), new_client()
    login(caseworker, alice)
    post(caseworker, f"/console/cases/{ids['dakar-demo']}/claim")
    post(caseworker, f"/console/cases/{ids['dakar-demo']}/reply", text=THREAD_TEXT)
    login(supervisor, rabat_supervisor)

    page = supervisor.get(f"/console/cases/{ids['dakar-demo']}")
    reply = post(supervisor, f"/console/cases/{ids['dakar-demo']}/reply", text="from rabat")
    transfer = post(supervisor, f"/console/cases/{ids['dakar-demo']}/transfer", to_centre="x")
    close = post(
        supervisor, f"/console/cases/{ids['dakar-demo']}/close", confirm="1", outcome="other"
    )

    assert [r.status_code for r in (page, reply, transfer, close)] == [404] * 4
    assert SECRET not in page.text and THREAD_TEXT not in page.text
    # Nor the audit log of what dakar-demo's caseworker did with it.
    assert "alice" not in supervisor.get("/console/supervisor").text
    with sessions() as session:
        case = session.get(Case, ids["dakar-demo"])
        assert (case.status, case.claimed_by) == (cases.CLAIMED, alice.id)
        # Alice's claim (the person is told) and her reply, nothing from the supervisor.
        assert len(session.execute(select(OutboxMessage)).all()) == 2
        kinds = session.execute(select(CaseMessage.kind)).scalars().all()
        assert kinds == [cases.SYSTEM, cases.FROM_CASEWORKER]
        refused = audit_actions(session, "forbidden")
    assert [e.username for e in refused] == ["rosa"] * 4


def test_the_packet_of_a_queued_case_is_shown_to_nobody(new_client, sessions, box, sam, ada):
    case_id = queued_case(sessions, box, {"help_with": SECRET})
    supervisor, admin = new_client(), new_client()
    login(supervisor, sam)  # supervisor of dakar-demo, the case's centre
    login(admin, ada)

    for browser in (supervisor, admin):
        page = browser.get(f"/console/cases/{case_id}")
        assert page.status_code == 200
        assert SECRET not in page.text
        assert "Le dossier n&#39;est visible que par le référent" in page.text


def test_the_packet_is_shown_to_the_claimer_and_the_centres_supervisors_only(
    new_client, sessions, box, alice, sam
) -> None:
    case_id = queued_case(sessions, box, {"help_with": SECRET})
    everywhere = make_account(sessions, box, "adam", role="admin", centre=None)
    caseworker, supervisor, admin = new_client(), new_client(), new_client()
    login(caseworker, alice)
    post(caseworker, f"/console/cases/{case_id}/claim")
    login(supervisor, sam)
    login(admin, everywhere)

    assert SECRET in caseworker.get(f"/console/cases/{case_id}").text
    assert SECRET in supervisor.get(f"/console/cases/{case_id}").text
    # An admin of no centre sees that the case exists and may act on it, not its packet.
    page = admin.get(f"/console/cases/{case_id}")
    assert page.status_code == 200 and SECRET not in page.text
    with sessions() as session:
        views = {(e.username, e.detail) for e in audit_actions(session, "case_view")}
    assert views == {("alice", "packet"), ("sam", "packet"), ("adam", None)}


def test_an_admin_sees_and_claims_every_centres_cases(client, sessions, box, ada) -> None:
    ids = centre_cases(sessions, box)
    login(client, ada)

    assert queue_ids(client) == sorted(ids.values())
    page = post(client, f"/console/cases/{ids['tunis-demo']}/claim")

    assert page.url.path == f"/console/cases/{ids['tunis-demo']}"
    assert SECRET in page.text  # the admin claimed it: it is theirs to read


def test_an_account_without_a_centre_sees_no_case(client, sessions, box) -> None:
    ids = centre_cases(sessions, box)
    nomad = make_account(sessions, box, "nomad", role="supervisor", centre=None)
    login(client, nomad)

    page = client.get("/console/")
    claim = post(client, f"/console/cases/{ids['dakar-demo']}/claim")

    assert queue_ids(client) == []
    assert "rattaché à aucun centre" in page.text
    assert claim.status_code == 404
    with sessions() as session:
        assert session.get(Case, ids["dakar-demo"]).status == cases.QUEUED
        assert [e.username for e in audit_actions(session, "forbidden")] == ["nomad"]


def test_transfers_go_only_to_active_caseworkers_of_the_cases_centre(
    client, sessions, box, alice, bob, sam, ada
) -> None:
    make_account(sessions, box, "rachid", centre="rabat-demo")
    make_account(sessions, box, "dormant")
    with sessions.begin() as session:
        auth.set_active(session, "dormant", False)
    case_id = queued_case(sessions, box)
    login(client, alice)
    post(client, f"/console/cases/{case_id}/claim")

    page = client.get(f"/console/cases/{case_id}").text
    choice = page.split('id="to_caseworker"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]+)">', choice) == ["bob", "sam"]
    for target in ("rachid", "dormant", "ada", "nobody"):
        response = post(client, f"/console/cases/{case_id}/transfer", to_caseworker=target)
        assert "Choisissez un référent actif ou un centre connu" in response.text

    with sessions() as session:
        assert session.get(Case, case_id).claimed_by == alice.id
        refused = audit_actions(session, "transfer_refused")
    assert [e.detail for e in refused] == [
        "to caseworker rachid", "to caseworker dormant", "to caseworker ada",
        "to caseworker nobody",
    ]  # fmt: skip
    post(client, f"/console/cases/{case_id}/transfer", to_caseworker="bob")
    with sessions() as session:
        assert session.get(Case, case_id).claimed_by == bob.id


def test_the_supervisor_page_counts_only_the_centres_cases(new_client, sessions, box, sam):
    centre_cases(sessions, box)
    everywhere = make_account(sessions, box, "adam", role="admin", centre=None)
    supervisor, admin = new_client(), new_client()
    login(supervisor, sam)
    login(admin, everywhere)

    def waiting_normal(browser) -> str:
        html = browser.get("/console/supervisor").text
        return re.search(r"<dt>normale</dt><dd>(\d+)</dd>", html).group(1)

    assert (waiting_normal(supervisor), waiting_normal(admin)) == ("1", "3")
    # Logins are audited: the admin's own is out of a dakar-demo supervisor's view.
    assert "adam" not in supervisor.get("/console/supervisor").text
