"""Service directory: validation names file, entry and field; import, search, cards, admin edits."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest
import yaml
from babel import Locale
from babel.lists import format_list

from bot.centres import CentreDirectory, format_hours
from bot.constants import INFO_INTENTS
from bot.directory import (
    CONTACT_MESSAGE,
    DEFAULT_SERVICES_FILE,
    ELIGIBILITY_MESSAGE,
    LANGUAGES_MESSAGE,
    delete_service,
    find_services,
    fold_region,
    format_service,
    import_services,
    list_services,
    load_services,
    region_id,
    service_data,
    service_hours,
    upsert_service,
)
from bot.i18n import translate
from bot.settings import ConfigError, Settings
from bot.storage.db import make_engine, migrate, session_factory
from bot.storage.models import Service

GOOD = yaml.safe_load(DEFAULT_SERVICES_FILE.read_text(encoding="utf-8"))


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "services.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def broken(field: str, value: object, index: int = 1) -> dict:
    document = copy.deepcopy(GOOD)
    if value is None:
        del document["services"][index][field]
    else:
        document["services"][index][field] = value
    return document


@pytest.fixture
def sessions(settings: Settings):
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def loaded(sessions, centres: CentreDirectory):
    with sessions.begin() as session:
        import_services(session, load_services(DEFAULT_SERVICES_FILE, centres))
    return sessions


# --- the shipped file ------------------------------------------------------------------------


def test_shipped_services_are_valid_fictitious_and_varied(centres: CentreDirectory) -> None:
    entries = load_services(DEFAULT_SERVICES_FILE, centres)

    assert 10 <= len(entries) <= 20
    assert all("fictif" in e.name or "Exemple" in e.name for e in entries)
    assert {e.centre for e in entries} == {c.code for c in centres}
    assert len({e.category for e in entries}) >= 5
    assert {e.category for e in entries} <= set(INFO_INTENTS)
    assert len({fold_region(e.region) for e in entries}) >= 6


def test_shipped_services_import_and_replace_the_table(sessions, centres) -> None:
    entries = load_services(DEFAULT_SERVICES_FILE, centres)
    with sessions.begin() as session:
        assert import_services(session, entries) == len(entries)
    with sessions.begin() as session:
        # Importing again replaces rather than duplicates, even with the rows already loaded.
        assert len(list_services(session)) == len(entries)
        assert import_services(session, entries[:3]) == 3
    with sessions() as session:
        assert {s.id for s in list_services(session)} == {e.id for e in entries[:3]}


def test_failed_import_leaves_the_previous_directory(loaded, centres) -> None:
    entries = load_services(DEFAULT_SERVICES_FILE, centres)
    with pytest.raises(RuntimeError), loaded.begin() as session:
        import_services(session, entries[:1])
        raise RuntimeError("crash before commit")
    with loaded() as session:
        assert len(list_services(session)) == len(entries)


# --- validation errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "category",
            "info_pizza",
            r"services\[1\] \(dakar-etat-civil-exemple\)\.category: unknown",
        ),
        ("phone", "call us", r"\.phone: 'call us' is not a phone number"),
        ("phone", "+221 30 ABC", r"\.phone: '\+221 30 ABC' is not a phone number"),
        ("name", None, r"services\[1\]\.name: is missing"),
        ("address", "  ", r"services\[1\]\.address: is missing"),
        ("eligibility", None, r"services\[1\]\.eligibility: is missing"),
        ("languages", [], r"services\[1\]\.languages: is missing"),
        ("centre", "paris-demo", r"\.centre: unknown centre code 'paris-demo'"),
        ("languages", ["fr", "WO"], r"\.languages\[1\]: 'WO' is not an ISO 639-1 code"),
        ("languages", ["fra"], r"\.languages\[0\]: 'fra' is not an ISO 639-1 code"),
        ("languages", ["fr", "xx"], r"\.languages\[1\]: 'xx' is not a known ISO 639-1"),
        ("opening_hours", [{"days": ["mon"], "open": "9h", "close": "17:00"}], r"\.open: '9h'"),
        (
            "opening_hours",
            [{"days": ["lundi"], "open": "09:00", "close": "17:00"}],
            r"\.opening_hours\[0\]\.days",
        ),
        (
            "opening_hours",
            [{"days": ["mon"], "open": "17:00", "close": "09:00"}],
            r"\.opening_hours\[0\]: closes before it opens",
        ),
        ("id", "Dakar Etat Civil", r"\.id: must be a slug"),
        ("eligibility_translations", {"de": "Offen"}, r"\.eligibility_translations\.de: unknown"),
        ("eligibilty", "typo", r"\.eligibilty: unknown field"),
        ("region", "R" * 101, r"\.region: is too long: 101 characters, at most 100"),
        (
            "eligibility",
            "Sur rendez-vous. " * 30,
            r"services\[1\] \(dakar-etat-civil-exemple\)\.eligibility: is too long: "
            r"509 characters, at most 500",
        ),
        (
            "eligibility",
            {"fr": "Sur rendez-vous.", "ar": "بموعد مسبق. " * 50},
            r"\.eligibility\.ar: is too long: 599 characters, at most 500",
        ),
        ("name", {"en": "Example desk"}, r"\(dakar-etat-civil-exemple\)\.name\.fr: is missing"),
        ("name", {"fr": "Guichet", "de": "Schalter"}, r"\.name\.de: unknown language"),
        ("address", {"fr": "8 rue Exemple", "ar": "  "}, r"\.address\.ar: is empty"),
        (
            "eligibility_translations",
            {"ar": "بموعد مسبق."},
            r"\.eligibility_translations\.ar: is also given in eligibility",
        ),
        ("languages", ["fr"] + ["wo"] * 20, r"\.languages: lists 21 languages, at most 20"),
    ],
)
def test_errors_name_file_entry_and_field(
    tmp_path: Path, centres: CentreDirectory, field: str, value: object, message: str
) -> None:
    path = write(tmp_path, broken(field, value))

    with pytest.raises(ConfigError, match=message) as error:
        load_services(path, centres)
    assert str(error.value).startswith(f"{path}: ")


def test_unknown_category_lists_the_allowed_ones(tmp_path: Path, centres) -> None:
    path = write(tmp_path, broken("category", "health"))

    with pytest.raises(ConfigError) as error:
        load_services(path, centres)
    assert "info_health" in str(error.value) and "info_legal_documents" in str(error.value)


def test_duplicate_id_names_both_entries(tmp_path: Path, centres) -> None:
    path = write(tmp_path, broken("id", GOOD["services"][0]["id"], index=4))

    with pytest.raises(ConfigError, match=r"services\[4\] \(dakar-sante-exemple\)\.id: dup") as e:
        load_services(path, centres)
    assert str(path) in str(e.value) and "services[0]" in str(e.value)


def test_bad_yaml_missing_file_and_wrong_shape_are_reported(tmp_path: Path, centres) -> None:
    bad = tmp_path / "services.yml"
    bad.write_text("services: [", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_services(bad, centres)
    with pytest.raises(ConfigError, match="file not found"):
        load_services(tmp_path / "nowhere.yml", centres)
    with pytest.raises(ConfigError, match=r"services: must be a list"):
        load_services(write(tmp_path, {"service": []}), centres)
    with pytest.raises(ConfigError, match=r"services\[0\]: must be a mapping"):
        load_services(write(tmp_path, {"services": ["dakar"]}), centres)


# --- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Thiès", "thies", "THIES", " Thiès. ", "thiès!"])
def test_region_is_matched_without_case_accents_or_punctuation(loaded, typed: str) -> None:
    with loaded() as session:
        found = find_services(session, "info_health", "dakar-demo", typed)

    assert [s.id for s in found] == ["thies-sante-exemple"]


def test_find_services_filters_by_category_centre_and_region(loaded) -> None:
    with loaded() as session:
        dakar_health = find_services(session, "info_health", "dakar-demo", None)
        anywhere_health = find_services(session, "info_health", None, None)
        sale_anywhere = find_services(session, "info_housing_food", None, "sale")
        wrong_centre = find_services(session, "info_health", "tunis-demo", "Thiès")
        none_there = find_services(session, "info_business", "dakar-demo", "Thiès")

    assert {s.id for s in dakar_health} == {"dakar-sante-exemple", "thies-sante-exemple"}
    assert {s.centre_code for s in anywhere_health} == {"dakar-demo", "rabat-demo", "tunis-demo"}
    assert [s.region for s in sale_anywhere] == ["Salé"]
    assert wrong_centre == [] and none_there == []


@pytest.mark.parametrize("spelling", ["Salé", "سلا", "Sla"])
def test_a_town_finds_its_services_under_any_of_its_spellings(
    loaded, centres, spelling: str
) -> None:
    sale = next(town for town in centres.towns("rabat-demo") if town.names["fr"] == "Salé")
    with loaded.begin() as session:
        moved = service_data(session.get(Service, "rabat-sante-exemple"))
        upsert_service(session, {**moved, "region": spelling}, centres)
    with loaded() as session:
        found = find_services(session, "info_health", "rabat-demo", town=sale)
        rabat = find_services(session, "info_health", "rabat-demo", "Rabat")

    assert [s.id for s in found] == ["rabat-sante-exemple"] and rabat == []


# --- cards -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_format_service_translates_labels_languages_and_eligibility(loaded, language) -> None:
    with loaded() as session:
        service = session.get(Service, "thies-formation-exemple")
        card = format_service(service, language)

    locale = Locale.parse(language)
    name, address = {
        "fr": (
            "Centre de formation professionnelle Exemple de Thiès (fictif)",
            "5 boulevard de l'Exemple, Thiès",
        ),
        "ar": ("مركز التكوين المهني النموذجي في تييس (وهمي)", "5 شارع المثال الكبير، تييس"),
    }[language]
    contact = translate(
        language,
        CONTACT_MESSAGE,
        {
            "name": name,
            "address": address,
            "phone": "+221 33 000 01 05",
            "hours": format_hours(service_hours(service), language),
        },
    )
    spoken = format_list([locale.languages["fr"], locale.languages["wo"]], locale=locale)
    eligibility = {
        "fr": "18 à 35 ans ; inscriptions en septembre et en février.",
        "ar": "من 18 إلى 35 سنة؛ التسجيل في شهري سبتمبر وفبراير.",
    }[language]
    assert card == "\n".join(
        [
            contact,
            translate(language, LANGUAGES_MESSAGE, {"languages": spoken}),
            translate(language, ELIGIBILITY_MESSAGE, {"eligibility": eligibility}),
        ]
    )
    assert locale.languages["wo"] in card


def test_texts_without_a_translation_fall_back_to_french(centres) -> None:
    entry = load_services(DEFAULT_SERVICES_FILE, centres)[3]
    untranslated = dataclasses.replace(
        entry, name_translations={}, eligibility_translations={"en": "Open to everyone."}
    )

    card = format_service(untranslated, "ar")
    assert card.startswith("Poste de santé Exemple de Thiès (fictif)\n")
    assert "17 طريق المثال، تييس" in card
    assert "Ouvert à tous ; carte de santé non exigée" in card


def test_an_arabic_reader_gets_the_arabic_note_never_the_french_one(loaded) -> None:
    with loaded() as session:
        card = format_service(session.get(Service, "sale-microcredit-exemple"), "ar")

    assert "صندوق المثال للقروض الصغرى في سلا (وهمي)" in card
    assert "الشروط: مشروع يُقدَّم" in card
    assert "Projet présenté" not in card and "Fonds Exemple" not in card


@pytest.mark.parametrize("language", ["en", "ar", "es"])
def test_every_shipped_service_has_its_texts_in_every_language(centres, language) -> None:
    for entry in load_services(DEFAULT_SERVICES_FILE, centres):
        for key in ("name", "address", "eligibility"):
            assert getattr(entry, f"{key}_translations").get(language), (entry.id, key)


def test_the_older_spelling_of_a_note_s_translations_is_still_read(tmp_path, centres) -> None:
    document = broken("eligibility", "Sur rendez-vous.")
    document["services"][1]["eligibility_translations"] = {"en": "By appointment."}

    entry = load_services(write(tmp_path, document), centres)[1]
    assert (entry.eligibility, entry.eligibility_translations) == (
        "Sur rendez-vous.",
        {"en": "By appointment."},
    )


def test_format_service_also_takes_a_file_entry(centres) -> None:
    entry = load_services(DEFAULT_SERVICES_FILE, centres)[0]

    card = format_service(entry, "en")
    assert "Open to everyone; free for returnees referred by the centre." in card
    assert "+221 30 000 01 01" in card


# --- console edits ---------------------------------------------------------------------------


def test_upsert_creates_updates_and_validates(loaded, centres) -> None:
    form = {
        "id": "sale-formation-exemple",
        "centre": "rabat-demo",
        "region": "Salé",
        "category": "info_education_training",
        "name": "Atelier Exemple de Salé (fictif)",
        "address": "1 rue de l'Exemple, Salé",
        "phone": "+212 500 00 09 99",
        "opening_hours": "- days: [mon, tue]\n  open: '09:00'\n  close: '12:00'\n",
        "languages": "ar, fr",
        "eligibility": "Ouvert à tous.",
    }
    with loaded.begin() as session:
        created = upsert_service(session, form, centres)
        assert created.languages == "ar,fr" and created.region_key == "sale"
    with loaded.begin() as session:
        found = find_services(session, "info_education_training", "rabat-demo")
        assert [s.region for s in found] == ["Salé"]
        data = service_data(session.get(Service, "sale-formation-exemple"))
        assert data["opening_hours"] == [
            {"days": ["mon", "tue"], "open": "09:00", "close": "12:00"}
        ]
        upsert_service(session, {**data, "region": "Rabat", "phone": "+212 500 00 09 98"}, centres)
    with loaded() as session:
        [updated] = find_services(session, "info_education_training", "rabat-demo", "rabat")
        assert updated.id == "sale-formation-exemple" and updated.phone == "+212 500 00 09 98"
        assert find_services(session, "info_education_training", "rabat-demo", "Salé") == []

    with pytest.raises(ConfigError, match=r"^console: service \(x-exemple\)\.category: unknown"):
        upsert_service(loaded(), {**form, "id": "x-exemple", "category": "food"}, centres)
    with pytest.raises(ConfigError, match=r"^console: service \(x-exemple\)\.phone"):
        upsert_service(loaded(), {**form, "id": "x-exemple", "phone": "n/a"}, centres)
    with pytest.raises(ConfigError, match=r"^console: service\.name: is missing"):
        upsert_service(loaded(), {**form, "name": ""}, centres)


def test_delete_and_list_services(loaded) -> None:
    with loaded.begin() as session:
        before = len(list_services(session, "tunis-demo"))
        assert delete_service(session, "sfax-sante-exemple") is True
        assert delete_service(session, "sfax-sante-exemple") is False
    with loaded() as session:
        tunis = list_services(session, "tunis-demo")
        assert len(tunis) == before - 1
        assert {s.centre_code for s in tunis} == {"tunis-demo"}
        assert find_services(session, "info_health", "tunis-demo", "Sfax") == []


@pytest.mark.parametrize(
    "region", ["Thiès", "Grand Tunis (Tunis, Ariana, Ben Arous, Manouba)", "عمالة سلا"]
)
def test_a_region_id_is_short_stable_and_ignores_case_and_accents(region: str) -> None:
    assert len(region_id(region)) == 10
    assert region_id(region) == region_id(region.upper()) == region_id(f" {region}. ")
    assert region_id(region) != region_id(f"{region} Nord")
