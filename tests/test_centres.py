"""Centres file: validation names file and field; contacts and numbers are localised."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.centres import CHOOSE_COUNTRY, CentreDirectory, format_lines, load_centres
from bot.i18n import translate
from bot.settings import PROJECT_ROOT, ConfigError

GOOD = yaml.safe_load((PROJECT_ROOT / "data" / "centres.yml").read_text(encoding="utf-8"))


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "centres.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def broken(field: str, value: object) -> dict:
    document = yaml.safe_load(yaml.safe_dump(GOOD))
    document["centres"][1][field] = value
    return document


def test_shipped_centres_are_valid_and_in_different_countries(centres: CentreDirectory) -> None:
    assert len({c.country for c in centres}) >= 2
    assert all("fictif" in c.name for c in centres)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "", r"centres\[1\]\.phone: is missing"),
        ("default_language", "de", r"centres\[1\] \(rabat-demo\)\.default_language"),
        ("code", "rabat demo!", r"\.code: must be 1-64 characters"),
        ("country", "Morocco", r"\.country: must be an ISO 3166 code"),
        ("emergency", {"police": "call us"}, r"\.emergency\.police: 'call us' is not a phone"),
        ("emergency", {"firemen": "15"}, r"\.emergency\.firemen: unknown"),
        ("opening_hours", [{"days": ["mon"], "open": "9h", "close": "17:00"}], r"\.open: '9h'"),
        ("opening_hours", [{"days": ["lundi"], "open": "09:00", "close": "17:00"}], r"\.days"),
        ("alert_minutes", {"critical": 5}, r"\.alert_minutes\.critical: unknown"),
        ("alert_minutes", {"urgent": 0}, r"\.alert_minutes\.urgent: 0 is not a number of minutes"),
        ("alert_minutes", {"urgent": "5"}, r"\.alert_minutes\.urgent: '5' is not a number"),
        ("name", {"ar": "مركز"}, r"centres\[1\] \(rabat-demo\)\.name\.fr: is missing"),
        ("name", {"fr": "Centre", "pt": "Centro"}, r"\.name\.pt: unknown language"),
        ("address", {"fr": "7 avenue", "es": ""}, r"\.address\.es: is empty"),
    ],
)
def test_errors_name_file_and_field(tmp_path: Path, field: str, value: object, message: str):
    path = write(tmp_path, broken(field, value))

    with pytest.raises(ConfigError, match=message) as error:
        load_centres(path)
    assert str(path) in str(error.value)


def test_bad_yaml_and_missing_file_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "centres.yml"
    bad.write_text("centres: [", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_centres(bad)
    with pytest.raises(ConfigError, match="file not found"):
        load_centres(tmp_path / "nowhere.yml")


def test_duplicate_codes_are_refused(tmp_path: Path) -> None:
    document = yaml.safe_load(yaml.safe_dump(GOOD))
    document["centres"].append(document["centres"][0])
    with pytest.raises(ConfigError, match="duplicate code dakar-demo"):
        load_centres(write(tmp_path, document))


def test_contacts_use_localised_days_and_times(centres: CentreDirectory) -> None:
    french = centres.contacts("rabat-demo", "fr")
    english = centres.contacts("rabat-demo", "en")

    assert "lun.–jeu. 08:30–16:30" in french
    assert "Mon–Thu 8:30\u202fAM–4:30\u202fPM" in english
    assert "+212 500 00 00 02" in english


def test_help_lines_come_in_the_order_asked_and_skip_what_the_centre_lacks(
    centres: CentreDirectory,
) -> None:
    rabat = centres.get("rabat-demo")

    text = format_lines(rabat, ["mental_health", "gbv_helpline", "police"], "fr")

    assert text.split("\n") == ["☎ Violences faites aux femmes : 8350", "☎ Police : 19"]


@pytest.mark.parametrize(
    ("language", "name", "address"),
    [
        (
            "fr",
            "Centre de ressources Exemple Rabat (fictif)",
            "7 avenue de l'Exemple, Agdal, Rabat",
        ),
        ("ar", "مركز الموارد النموذجي في الرباط (وهمي)", "7 شارع المثال، أكدال، الرباط"),
        (
            "es",
            "Centro de recursos Ejemplo Rabat (ficticio)",
            "7 avenida del Ejemplo, Agdal, Rabat",
        ),
    ],
)
def test_contacts_give_the_name_and_address_in_the_reader_s_language(
    centres: CentreDirectory, language: str, name: str, address: str
) -> None:
    contacts = centres.contacts("rabat-demo", language)

    assert contacts.startswith(f"{name}\n") and address in contacts


def test_without_a_centre_the_person_chooses_the_country_first(centres: CentreDirectory) -> None:
    assert centres.contacts(None, "es") == translate("es", CHOOSE_COUNTRY)
    assert centres.country_buttons(None, "es") == [
        ("Senegal", "k:SN"),
        ("Marruecos", "k:MA"),
        ("Túnez", "k:TN"),
    ]
    assert centres.country_buttons("rabat-demo", "es") == []
    morocco = centres.country_contacts("MA", "ar")
    assert morocco == centres.contacts("rabat-demo", "ar")
    assert "Tunis" not in morocco and "تونس" not in morocco
    assert centres.country_contacts("FR", "ar") == ""


def test_centres_of_one_country_need_no_choice(tmp_path: Path) -> None:
    document = yaml.safe_load(yaml.safe_dump(GOOD))
    document["centres"] = [c for c in document["centres"] if c["country"] == "MA"]
    morocco = load_centres(write(tmp_path, document))

    assert morocco.country_buttons(None, "fr") == []
    assert morocco.contacts(None, "fr") == morocco.contacts("rabat-demo", "fr")


def test_a_centre_without_translations_is_shown_in_french(tmp_path: Path) -> None:
    document = broken("name", "Centre Exemple (fictif)")
    rabat = load_centres(write(tmp_path, document)).get("rabat-demo")

    assert rabat.name_in("ar") == "Centre Exemple (fictif)"
    assert rabat.address_in("ar") == "7 شارع المثال، أكدال، الرباط"


def test_numbers_read_left_to_right_in_arabic(centres: CentreDirectory) -> None:
    rabat = centres.get("rabat-demo")

    assert "\u2066+212 500 00 00 12\u2069" in format_lines(rabat, ["shelter"], "ar")
    assert "\u2066+212 500 00 00 02\u2069" in centres.contacts("rabat-demo", "ar")
    assert "\u2066" not in format_lines(rabat, ["shelter"], "fr")


def test_one_centre_per_country_stands_for_its_national_lines(centres: CentreDirectory) -> None:
    assert list(centres.by_country()) == ["SN", "MA", "TN"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"de": "Betreuer"}, r"\.caseworker_title\.de: unknown"),
        ({"fr": ""}, r"\.caseworker_title\.fr: '' is not a title"),
        ("référente", r"\.caseworker_title: must map languages"),
    ],
)
def test_a_caseworker_title_is_checked(tmp_path: Path, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_centres(write(tmp_path, broken("caseworker_title", value)))


def test_a_centre_may_name_its_caseworkers(tmp_path: Path) -> None:
    centres = load_centres(write(tmp_path, broken("caseworker_title", {"fr": " référente "})))
    assert centres.get("rabat-demo").caseworker_title == {"fr": "référente"}
    assert centres.get("dakar-demo").caseworker_title == {}
