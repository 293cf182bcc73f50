"""Labels: words a centre's supervisors define ("housing", "follow-up") and put on cases to find
them again once closed. A label is a name and a centre, never a person's detail; the link to a
case is two ids."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.storage.models import CaseLabel, Label

MAX_NAME = 40


def of_centre(session: Session, centre_code: str | None) -> list[Label]:
    """A centre's labels by name (every centre's for None)."""
    query = select(Label).order_by(Label.centre_code, Label.name)
    if centre_code is not None:
        query = query.where(Label.centre_code == centre_code)
    return list(session.execute(query).scalars())


def named(session: Session, centre_code: str, name: str) -> Label | None:
    return session.execute(
        select(Label).where(Label.centre_code == centre_code, Label.name == name)
    ).scalar_one_or_none()


def valid_name(name: str) -> bool:
    return 0 < len(name) <= MAX_NAME and "\n" not in name


def remove(session: Session, label: Label) -> None:
    """Deletes the label, and takes it off every case."""
    session.execute(delete(CaseLabel).where(CaseLabel.label_id == label.id))
    session.delete(label)


def on_cases(session: Session, case_ids: Iterable[int]) -> dict[int, list[Label]]:
    """The labels of each case, by name; a case without one is missing."""
    ids = list(case_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(CaseLabel.case_id, Label)
        .join(Label, Label.id == CaseLabel.label_id)
        .where(CaseLabel.case_id.in_(ids))
        .order_by(Label.name)
    ).all()
    found: dict[int, list[Label]] = {}
    for case_id, label in rows:
        found.setdefault(case_id, []).append(label)
    return found


def put_on(session: Session, case_id: int, label_id: int) -> bool:
    """Puts the label on the case; False if it was on it already."""
    if session.get(CaseLabel, (case_id, label_id)) is not None:
        return False
    session.add(CaseLabel(case_id=case_id, label_id=label_id))
    return True


def take_off(session: Session, case_id: int, label_id: int) -> bool:
    """Takes the label off the case; False if it was not on it."""
    link = session.get(CaseLabel, (case_id, label_id))
    if link is None:
        return False
    session.delete(link)
    return True
