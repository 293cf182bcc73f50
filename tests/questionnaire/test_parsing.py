"""Typed answers in French, English, Arabic and Spanish."""

from __future__ import annotations

import pytest

from bot.constants import LANGUAGES
from bot.i18n import translate
from bot.questionnaire.definition import NO, YES, Definition, Question, load_definition
from bot.questionnaire.parsing import fold, parse_answer

DEFINITION: Definition = load_definition(check_translations=False)
YES_NO = [q for q in DEFINITION.questions if q.type == "yes_no"]
SINGLE = [q for q in DEFINITION.questions if q.type == "single"]
CHOICES = [q for q in DEFINITION.questions if q.type in ("single", "yes_no")]
HOUSEHOLD = DEFINITION.question("prof_household")
TOWN = DEFINITION.question("prof_town")

YES_TYPED = ["oui", "ouais", "yes", "yeah", "نعم", "ايه", "sí", "si", "Oui", "OUI !", "Yes."]
NO_TYPED = ["non", "no", "لا", "nope", "Non", "NO!", "non."]
GARBAGE = ["", "   ", "?!", "blablabla", "peut-être bien que je ne sais pas", "🙂", "0"]


def _ids(questions: list[Question]) -> list[str]:
    return [q.id for q in questions]


# Yes / no ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("text", YES_TYPED)
@pytest.mark.parametrize("question", YES_NO, ids=_ids(YES_NO))
def test_yes_words(question: Question, text: str, language: str) -> None:
    assert parse_answer(question, text, language) == YES


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("text", NO_TYPED)
@pytest.mark.parametrize("question", YES_NO, ids=_ids(YES_NO))
def test_no_words(question: Question, text: str, language: str) -> None:
    assert parse_answer(question, text, language) == NO


@pytest.mark.parametrize("language", LANGUAGES)
def test_yes_no_by_number(language: str) -> None:
    for question in YES_NO:
        assert parse_answer(question, "1", language) == question.options[0].id
        assert parse_answer(question, " 2 ", language) == question.options[1].id
        assert parse_answer(question, "٢", language) == question.options[1].id
        assert parse_answer(question, "3", language) is None


def test_yes_no_short_sentences() -> None:
    question = DEFINITION.question("prof_children")
    assert parse_answer(question, "oui bien sûr", "fr") == YES
    assert parse_answer(question, "non merci", "fr") == NO
    # Too long to be a plain yes or no.
    assert parse_answer(question, "oui mais pas tous les jours", "fr") is None


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("question", YES_NO, ids=_ids(YES_NO))
def test_yes_no_translated_option_text(question: Question, language: str) -> None:
    for option in question.options:
        assert parse_answer(question, translate(language, option.text), language) == option.id


# Single choice -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("question", SINGLE, ids=_ids(SINGLE))
def test_single_by_number(question: Question, language: str) -> None:
    options = question.options
    assert parse_answer(question, "2", language) == options[1].id
    assert parse_answer(question, " 3 ", language) == options[2].id
    assert parse_answer(question, "٣", language) == options[2].id
    assert parse_answer(question, "۱", language) == options[0].id
    assert parse_answer(question, "1", language) == options[0].id
    assert parse_answer(question, str(len(options)), language) == options[-1].id
    assert parse_answer(question, str(len(options) + 1), language) is None
    assert parse_answer(question, "0", language) is None


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("question", SINGLE, ids=_ids(SINGLE))
def test_single_by_french_text(question: Question, language: str) -> None:
    for option in question.options:
        assert parse_answer(question, option.text, language) == option.id
        assert parse_answer(question, f"  {option.text.upper()} ", language) == option.id


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "fr"])
@pytest.mark.parametrize("question", CHOICES, ids=_ids(CHOICES))
def test_choice_by_translated_text(question: Question, language: str) -> None:
    translated = [(o, translate(language, o.text)) for o in question.options]
    if all(text == o.text for o, text in translated):
        pytest.skip(f"{question.id} not translated into {language} yet")
    for option, text in translated:
        if text == option.text:
            continue
        assert parse_answer(question, text, language) == option.id, (option.id, text)


def test_accents_and_punctuation_ignored() -> None:
    question = DEFINITION.question("econ_income")
    assert parse_answer(question, "oui tout a fait", "fr") == "very"
    assert parse_answer(question, "Oui, tout à fait !", "fr") == "very"
    question = DEFINITION.question("econ_food")
    assert parse_answer(question, "je n'ai rien a manger aujourd'hui", "fr") == "nothing_today"


@pytest.mark.parametrize("text", GARBAGE)
@pytest.mark.parametrize("question", CHOICES, ids=_ids(CHOICES))
def test_choice_garbage(question: Question, text: str) -> None:
    for language in LANGUAGES:
        assert parse_answer(question, text, language) is None


def test_single_does_not_take_yes_no_words() -> None:
    question = DEFINITION.question("econ_income")
    assert parse_answer(question, "oui", "fr") is None
    assert parse_answer(question, "yes", "en") is None


# Numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_number_in_range(language: str) -> None:
    assert parse_answer(HOUSEHOLD, "2", language) == "2"
    assert parse_answer(HOUSEHOLD, " 3 ", language) == "3"
    assert parse_answer(HOUSEHOLD, "٣", language) == "3"
    assert parse_answer(HOUSEHOLD, "١٢", language) == "12"
    assert parse_answer(HOUSEHOLD, "۷", language) == "7"
    assert parse_answer(HOUSEHOLD, "1", language) == "1"
    assert parse_answer(HOUSEHOLD, "30", language) == "30"
    assert parse_answer(HOUSEHOLD, "05", language) == "5"


@pytest.mark.parametrize("text", ["0", "31", "100", "٣١", "99999"])
def test_number_out_of_range(text: str) -> None:
    for language in LANGUAGES:
        assert parse_answer(HOUSEHOLD, text, language) is None


@pytest.mark.parametrize("text", ["trois", "three", "2.5", "2 3", "abc", "", "  ", "oui"])
def test_number_garbage(text: str) -> None:
    for language in LANGUAGES:
        assert parse_answer(HOUSEHOLD, text, language) is None


def test_negative_number_rejected() -> None:
    assert parse_answer(HOUSEHOLD, "-2", "fr") is None


def test_negative_option_number_rejected() -> None:
    assert parse_answer(DEFINITION.question("econ_income"), "-1", "fr") is None


# Free text ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_text_accepted(language: str) -> None:
    assert parse_answer(TOWN, "Dakar", language) == "Dakar"
    assert parse_answer(TOWN, "  Saint-Louis   du  Sénégal ", language) == "Saint-Louis du Sénégal"
    assert parse_answer(TOWN, "الدار البيضاء", language) == "الدار البيضاء"
    assert parse_answer(TOWN, "2", language) == "2"


def test_text_up_to_max_length() -> None:
    assert TOWN.max_length == 80
    longest = "a" * TOWN.max_length
    assert parse_answer(TOWN, longest, "fr") == longest
    assert parse_answer(TOWN, longest + "a", "fr") is None
    assert parse_answer(TOWN, "ab " * 26 + "ab", "fr") == "ab " * 26 + "ab"  # 80 characters
    assert parse_answer(TOWN, "ab " * 27, "fr") == ("ab " * 27).strip()  # 80 after trimming
    assert parse_answer(TOWN, "ab " * 27 + "a", "fr") is None  # 82


@pytest.mark.parametrize("text", ["", "   ", "?!", "...", "🙂"])
def test_text_garbage(text: str) -> None:
    assert parse_answer(TOWN, text, "fr") is None


# fold ---------------------------------------------------------------------------------------


def test_fold() -> None:
    assert fold("  Très  SATISFAIT ! ") == "tres satisfait"
    assert fold("٣") == "3"
    assert fold("Sí") == "si"
    assert fold("?!") == ""


# Whole words, dialects and Arabizi (issue 20) --------------------------------------------------

CHILDREN = DEFINITION.question("prof_children")
# Real-style yes answers, typos and dialects included, by language.
YES_VARIANTS = {
    "fr": [
        "ouais",
        "ouai",
        "ouaip",
        "ouiii",
        "wi",
        "voui",
        "oui oui",
        "ah oui",
        "oui bien sûr",
        "bien sûr",
        "tout à fait",
        "oui j'en ai",
        "Oui merci",
        "ok",
        "evidemment",
        "si",
    ],
    "en": [
        "yes",
        "yeah",
        "yep",
        "yup",
        "yess",
        "Yes I do",
        "sure",
        "of course",
        "y",
        "yes thanks",
        "ok",
    ],
    "es": [
        "sí",
        "si",
        "siii",
        "si la tengo",
        "sí los tengo",
        "claro",
        "claro que sí",
        "sip",
        "simón",
        "por supuesto",
        "si gracias",
        "vale",
        "dale",
    ],
    "ar": [
        "نعم",
        "ايه",
        "إيه",
        "ايوه",
        "أيوة",
        "ايوا",
        "اه",
        "آه",
        "واه",
        "واه عندي",
        "اه والله",
        "بلى",
        "طبعا",
        "أكيد",
        "ايييه",
        "نعم شكرا",
        "واخا",
        "ih",
        "iyeh",
        "eeh",
        "aywa",
        "aiwa",
        "wah",
        "waah",
        "naam",
        "na3am",
        "ah",
        "wakha",
    ],
}
NO_VARIANTS = {
    "fr": [
        "non",
        "nan",
        "nooon",
        "non merci",
        "ah non",
        "non non",
        "pas du tout",
        "jamais",
        "aucun",
        "nn",
        "Non !",
    ],
    "en": ["no", "nope", "nah", "noo", "not at all", "no thanks", "n", "never", "none"],
    "es": ["no", "noo", "no la tengo", "no gracias", "para nada", "nel", "no, ninguno"],
    "ar": [
        "لا",
        "لأ",
        "لاء",
        "لا لا",
        "لا شكرا",
        "لا والله",
        "لع",
        "la",
        "la2",
        "laa",
        "la la",
        "la shukran",
        "la choukran",
        "le2",
    ],
}
# Articles, conjunctions and interjections that must not decide an answer on their own.
NOT_YES_NO = [
    "la tengo",
    "y la",
    "la verdad",
    "la casa",
    "y luego",
    "le la",
    "a ver",
    "ya veremos",
    "oui mais pas tous les jours",
    "sí pero no siempre",
    "ايوه بس مش دايما",
    "yes but not always",
    "oui et non",
    "sí y no",
    "no sé",
    "je sais pas",
    "ni idea",
    "un peu",
    "poco",
    "شوية",
    "ما نعرفش",
]
DONT_KNOW_VARIANTS = {
    "fr": [
        "je ne sais pas",
        "je sais pas",
        "Je sais pas trop",
        "jsais pas",
        "jsp",
        "chais pas",
        "ché pas",
        "sais pas",
        "je sait pas",
        "j'en sais rien",
        "aucune idée",
        "pas sûr",
        "je suis pas sûre",
        "euh je sais pas",
    ],
    "en": [
        "I don't know",
        "i dont know",
        "dont know",
        "dunno",
        "idk",
        "no idea",
        "not sure",
        "I'm not sure",
        "no clue",
        "i do not know",
    ],
    "es": [
        "no sé",
        "no se",
        "nose",
        "no lo sé",
        "ni idea",
        "no tengo idea",
        "no tengo ni idea",
        "no estoy segura",
        "no estoy seguro",
        "quién sabe",
    ],
    "ar": [
        "ما نعرفش",
        "مانعرفش",
        "منعرفش",
        "معرفش",
        "ماعرفش",
        "مش عارف",
        "مش عارفة",
        "ما بعرف",
        "مابعرف",
        "ما أعرف",
        "لا أعرف",
        "لا ادري",
        "ما ادري",
        "مدري",
        "والله ما نعرف",
        "مو متأكد",
        "مش متأكدة",
        "ما عنديش فكرة",
        "معنديش فكرة",
        "الله أعلم",
        "ma n3rafch",
        "man3rafch",
        "ma na3rafch",
        "m3rafch",
        "ma3rfsh",
        "mesh 3aref",
        "mish 3aref",
        "ma ba3ref",
        "mabaref",
        "madri",
        "ma adri",
        "ma 3andi fikra",
    ],
}
A_LITTLE_VARIANTS = {
    "fr": [
        "un peu",
        "Un peu.",
        "un petit peu",
        "un ptit peu",
        "un tout petit peu",
        "peu",
        "plus ou moins",
        "moyennement",
        "pas beaucoup",
        "un peuu",
    ],
    "en": [
        "a little",
        "a bit",
        "a little bit",
        "little",
        "somewhat",
        "kind of",
        "kinda",
        "sort of",
        "not much",
        "so so",
    ],
    "es": [
        "poco",
        "un poco",
        "un poquito",
        "poquito",
        "algo",
        "más o menos",
        "masomenos",
        "no mucho",
        "un pocoo",
    ],
    "ar": [
        "شوية",
        "شوي",
        "شويه",
        "شويّة",
        "شوية شوية",
        "شوييية",
        "قليلا",
        "قليلاً",
        "نوعا ما",
        "نوعاً ما",
        "إلى حد ما",
        "مش كتير",
        "مو كثير",
        "ماشي بزاف",
        "chwiya",
        "chwia",
        "chouia",
        "shwaya",
        "shwayya",
        "shway",
        "swiya",
        "machi bzaf",
    ],
}


def _variants(table: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(language, text) for language, texts in table.items() for text in texts]


def _offering(meaning: str) -> list[Question]:
    return [q for q in DEFINITION.questions if any(o.means == meaning for o in q.options)]


def _option_meaning(question: Question, meaning: str) -> str:
    return next(o.id for o in question.options if o.means == meaning)


@pytest.mark.parametrize(("language", "text"), _variants(YES_VARIANTS))
def test_yes_variants(language: str, text: str) -> None:
    assert parse_answer(CHILDREN, text, language) == YES


@pytest.mark.parametrize(("language", "text"), _variants(NO_VARIANTS))
def test_no_variants(language: str, text: str) -> None:
    assert parse_answer(CHILDREN, text, language) == NO


@pytest.mark.parametrize("text", NOT_YES_NO)
def test_articles_and_qualified_answers_are_not_yes_or_no(text: str) -> None:
    for language in LANGUAGES:
        assert parse_answer(CHILDREN, text, language) is None, language


def test_si_la_tengo_is_yes_and_la_alone_is_no() -> None:
    # The bug the issue saw: "la" (an article) outvoted "si".
    assert parse_answer(CHILDREN, "si la tengo", "es") == YES
    assert parse_answer(CHILDREN, "la", "ar") == NO
    assert parse_answer(CHILDREN, "y", "en") == YES


def test_questions_offer_dont_know_and_a_little() -> None:
    assert {q.id for q in _offering("dont_know")} == {"soc_justice", "psy_stay"}
    assert {q.id for q in _offering("a_little")} == {"psy_belonging", "psy_tensions"}


@pytest.mark.parametrize(("language", "text"), _variants(DONT_KNOW_VARIANTS))
def test_dont_know_variants(language: str, text: str) -> None:
    for question in _offering("dont_know"):
        assert parse_answer(question, text, language) == _option_meaning(question, "dont_know")


@pytest.mark.parametrize(("language", "text"), _variants(A_LITTLE_VARIANTS))
def test_a_little_variants(language: str, text: str) -> None:
    for question in _offering("a_little"):
        assert parse_answer(question, text, language) == _option_meaning(question, "a_little")


@pytest.mark.parametrize(
    ("language", "text"), _variants(DONT_KNOW_VARIANTS) + _variants(A_LITTLE_VARIANTS)
)
def test_meanings_not_offered_are_not_answers(language: str, text: str) -> None:
    # "No sé" must not be recorded as "no", nor "un peu" as yes, where neither is offered.
    for question in CHOICES:
        own_words = {fold(translate(language, o.text)) for o in question.options}
        if not any(o.means for o in question.options) and fold(text) not in own_words:
            assert parse_answer(question, text, language) is None, question.id


@pytest.mark.parametrize(("language", "text"), _variants(YES_VARIANTS) + _variants(NO_VARIANTS))
def test_single_choice_with_yes_and_no_options(language: str, text: str) -> None:
    question = DEFINITION.question("soc_justice")
    expected = YES if parse_answer(CHILDREN, text, language) == YES else NO
    assert parse_answer(question, text, language) == expected


def test_single_choice_without_a_yes_option_ignores_yes() -> None:
    tensions = DEFINITION.question("psy_tensions")
    assert parse_answer(tensions, "واه", "ar") is None
    assert parse_answer(tensions, "la2", "ar") == "no"


def test_option_words_come_before_yes_and_no() -> None:
    safety = DEFINITION.question("psy_safety")
    assert parse_answer(safety, "Non, je suis en danger en ce moment", "fr") == "danger_now"
    assert parse_answer(safety, "pas toujours", "fr") == "not_always"
    assert parse_answer(DEFINITION.question("soc_protection"), "pas du tout", "fr") == "none"


def test_dont_know_and_a_little_together_are_not_an_answer() -> None:
    for question in _offering("dont_know") + _offering("a_little"):
        assert parse_answer(question, "un peu, je sais pas", "fr") is None
