"""Labels (issue 19): supervisors create, rename and delete their centre's labels (admins every
centre's), caseworkers cannot; a label goes on and off a case from the case page, audited."""

from __future__ import annotations

from bot.storage import labels
from bot.storage.models import Label
from tests.console.helpers import audit_actions, login, post, queued_case


def make_label(sessions, name: str, centre: str = "dakar-demo") -> int:
    with sessions.begin() as session:
        label = Label(centre_code=centre, name=name)
        session.add(label)
        session.flush()
        return label.id


def test_a_supervisor_creates_renames_and_deletes_a_label(new_client, sessions, box, sam):
    client = new_client()
    login(client, sam)

    created = post(client, "/console/labels/new", name="logement")
    with sessions() as session:
        (label,) = labels.of_centre(session, "dakar-demo")
        label_id = label.id
    twice = post(client, "/console/labels/new", name="logement")
    renamed = post(client, f"/console/labels/{label_id}/rename", name="hébergement")
    kept = post(client, f"/console/labels/{label_id}/delete")

    assert "Étiquette enregistrée." in created.text and "logement" in created.text
    assert "Étiquette refusée" in twice.text
    assert "hébergement" in renamed.text
    assert "Cochez la case de confirmation" in kept.text
    case_id = queued_case(sessions, box)
    with sessions.begin() as session:
        labels.put_on(session, case_id, label_id)
    deleted = post(client, f"/console/labels/{label_id}/delete", confirm="1")
    assert "Étiquette supprimée et retirée des cas." in deleted.text
    with sessions() as session:
        assert labels.of_centre(session, None) == []
        assert labels.on_cases(session, [case_id]) == {}
        counts = [
            len(audit_actions(session, action))
            for action in ("label_created", "label_refused", "label_renamed", "label_deleted")
        ]
    assert counts == [1, 1, 1, 1]


def test_caseworkers_cannot_manage_and_supervisors_only_their_centre(
    new_client, sessions, alice, sam
) -> None:
    rabat = make_label(sessions, "rabat", centre="rabat-demo")
    caseworker, supervisor = new_client(), new_client()
    login(caseworker, alice)
    login(supervisor, sam)

    statuses = [
        caseworker.get("/console/labels").status_code,
        post(caseworker, "/console/labels/new", name="x").status_code,
        post(supervisor, f"/console/labels/{rabat}/rename", name="mine").status_code,
        post(supervisor, f"/console/labels/{rabat}/delete", confirm="1").status_code,
    ]
    post(supervisor, "/console/labels/new", name="x", centre="rabat-demo")

    assert statuses == [403, 403, 404, 404]
    assert "rabat" not in supervisor.get("/console/labels").text
    with sessions() as session:
        assert [label.name for label in labels.of_centre(session, None)] == ["rabat"]
        assert [e.detail for e in audit_actions(session, "label_refused")] == ["centre rabat-demo"]


def test_the_case_holder_puts_a_label_on_and_takes_it_off(new_client, sessions, box, alice):
    mine = make_label(sessions, "à rappeler")
    elsewhere = make_label(sessions, "rabat", centre="rabat-demo")
    case_id = queued_case(sessions, box)
    client = new_client()
    login(client, alice)
    post(client, f"/console/cases/{case_id}/claim")

    added = post(client, f"/console/cases/{case_id}/labels", label=str(mine))
    post(client, f"/console/cases/{case_id}/labels", label=str(elsewhere))
    shown = added.text.split('id="labels"')[1].split("</section>")[0]
    removed = post(client, f"/console/cases/{case_id}/labels", label=str(mine), remove="1")

    assert "Retirer l&#39;étiquette « à rappeler »" in shown
    assert "Aucune étiquette sur ce cas." in removed.text
    with sessions() as session:
        assert labels.on_cases(session, [case_id]) == {}
        assert [e.case_id for e in audit_actions(session, "label_added")] == [case_id]
        assert [e.case_id for e in audit_actions(session, "label_removed")] == [case_id]
        assert [e.detail for e in audit_actions(session, "label_refused")] == ["case label"]


def test_a_caseworker_cannot_label_a_case_they_do_not_hold(new_client, sessions, box, alice):
    label = make_label(sessions, "logement")
    case_id = queued_case(sessions, box)
    client = new_client()
    login(client, alice)

    page = post(client, f"/console/cases/{case_id}/labels", label=str(label))

    assert page.status_code == 404
    with sessions() as session:
        assert labels.on_cases(session, [case_id]) == {}
