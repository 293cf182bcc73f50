"""``make i18n-init LANG=xx``: a new language's catalogue from the template, nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR
from bot.i18n.catalogue import init_catalogue, main


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    shutil.copy(LOCALES_DIR / "messages.pot", tmp_path / "messages.pot")
    return tmp_path


def test_a_new_catalogue_holds_every_message_untranslated_with_cldr_plurals(
    locales: Path,
) -> None:
    path = init_catalogue("pt", locales)

    with path.open("rb") as handle:
        catalogue = read_po(handle)
    with (locales / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    assert {m.id for m in catalogue if m.id} == template
    assert not any(m.string for m in catalogue if m.id and isinstance(m.id, str))
    assert catalogue.num_plurals == get_plural("pt").num_plurals


def test_an_existing_catalogue_or_a_bad_code_is_refused(locales: Path) -> None:
    init_catalogue("pt", locales)
    with pytest.raises(FileExistsError, match="i18n-update"):
        init_catalogue("pt", locales)
    with pytest.raises(ValueError, match="two lower-case letters"):
        init_catalogue("C.UTF-8", locales)


def test_the_command_says_how_it_is_used() -> None:
    with pytest.raises(SystemExit, match="init <language code>"):
        main(["init"])
